//! Random identifiers in Okta's shapes: event `uuid`s and delivery `eventId`s, the
//! verification challenge, `X-Okta-Request-Id`s and Okta's 20-character object ids. One random
//! source (the OS's) for everything that writes them: the emulator, the `apply` probe and
//! reconcile's replay.
//!
//! ```
//! let challenge = okta_eventhooks::ids::challenge();
//! assert_eq!(challenge.len(), 40);
//! assert!(challenge.contains('-') && challenge.contains('_'));
//! assert_eq!(okta_eventhooks::ids::uuid_v4().len(), 36);
//! assert!(okta_eventhooks::ids::okta_id("00u").starts_with("00u"));
//! ```

const ALPHANUMERIC: &[u8] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
/// The URL-safe base64 alphabet (RFC 4648 section 5): 64 characters, so one byte modulo 64
/// picks one without bias.
const URL_SAFE: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

/// Length of a verification challenge: Okta's published example
/// (`Me_rShK8JHsTnbyYrWXCEoMGbM_zsZ6k0hLPZ_Pg`, Okta support article "Unable to verify event
/// hook") has 40 URL-safe characters, the length of 30 random bytes in unpadded base64url.
pub const CHALLENGE_LEN: usize = 40;

/// Random bytes taken from the OS per refill of a thread's buffer: a fire writes some ids per
/// event, and a system call for each (about 1 µs, more on a busy machine) was most of the
/// cost of making an event.
const RANDOM_BUFFER: usize = 512;

thread_local! {
    /// OS random bytes not handed out yet (from `.1` on): every byte is given out once.
    static RANDOM: std::cell::RefCell<([u8; RANDOM_BUFFER], usize)> =
        const { std::cell::RefCell::new(([0; RANDOM_BUFFER], RANDOM_BUFFER)) };
}

/// Fills `bytes` from the OS's random source, through a per-thread buffer of bytes read from
/// it and never handed out twice (time-derived bytes in the unlikely case it fails: these are
/// identifiers, not keys, and a panic would be worse).
pub fn random_bytes(bytes: &mut [u8]) {
    if bytes.len() > RANDOM_BUFFER / 4 {
        os_random(bytes);
        return;
    }
    RANDOM.with_borrow_mut(|(buffer, next)| {
        if *next + bytes.len() > RANDOM_BUFFER {
            os_random(buffer);
            *next = 0;
        }
        let taken = &mut buffer[*next..*next + bytes.len()];
        bytes.copy_from_slice(taken);
        taken.fill(0);
        *next += bytes.len();
    });
}

fn os_random(bytes: &mut [u8]) {
    if getrandom::getrandom(bytes).is_err() {
        let mut seed = chrono::Utc::now().timestamp_nanos_opt().unwrap_or_default() as u64;
        for b in bytes.iter_mut() {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            *b = seed as u8;
        }
    }
}

/// `len` random characters from `[0-9A-Za-z]`.
pub fn alphanumeric(len: usize) -> String {
    let mut bytes = vec![0u8; len];
    random_bytes(&mut bytes);
    // 62 does not divide 256, so this is very slightly biased; fine for ids.
    bytes
        .iter()
        .map(|b| char::from(ALPHANUMERIC[usize::from(*b) % ALPHANUMERIC.len()]))
        .collect()
}

/// An Okta object id with a given prefix (`00u` users, `0oa` apps, `00g` groups, `who` hooks,
/// ...), 20 characters in all.
pub fn okta_id(prefix: &str) -> String {
    format!(
        "{prefix}{}",
        alphanumeric(20usize.saturating_sub(prefix.len()))
    )
}

/// An `X-Okta-Request-Id` (Okta's are about 25-27 characters).
pub fn request_id() -> String {
    alphanumeric(27)
}

/// A random (version 4) UUID in the usual 8-4-4-4-12 form, the shape of Okta's event `uuid`s
/// and delivery `eventId`s.
pub fn uuid_v4() -> String {
    let mut b = [0u8; 16];
    random_bytes(&mut b);
    b[6] = (b[6] & 0x0f) | 0x40;
    b[8] = (b[8] & 0x3f) | 0x80;
    const HEX: &[u8; 16] = b"0123456789abcdef";
    let mut text = String::with_capacity(36);
    for (index, byte) in b.iter().enumerate() {
        if matches!(index, 4 | 6 | 8 | 10) {
            text.push('-');
        }
        text.push(char::from(HEX[usize::from(byte >> 4)]));
        text.push(char::from(HEX[usize::from(byte & 0x0f)]));
    }
    text
}

/// A verification challenge as Okta sends it in `X-Okta-Verification-Challenge`: 40 URL-safe
/// characters, always with at least one `-` and one `_`, so that a receiver which mangles them
/// (a form decoder, an alphanumeric check) fails every time instead of one time in two.
pub fn challenge() -> String {
    let mut bytes = [0u8; CHALLENGE_LEN + 2];
    random_bytes(&mut bytes);
    let (picks, spots) = bytes.split_at(CHALLENGE_LEN);
    let mut chars: Vec<u8> = picks
        .iter()
        .map(|b| URL_SAFE[usize::from(*b) % URL_SAFE.len()])
        .collect();
    let dash = usize::from(spots[0]) % CHALLENGE_LEN;
    // A different place for `_`: one of the other 39.
    let underscore = (dash + 1 + usize::from(spots[1]) % (CHALLENGE_LEN - 1)) % CHALLENGE_LEN;
    chars[dash] = b'-';
    chars[underscore] = b'_';
    chars.into_iter().map(char::from).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_have_okta_shapes() {
        let id = okta_id("who");
        assert_eq!(id.len(), 20);
        assert!(id.starts_with("who"));
        assert!(id.chars().all(|c| c.is_ascii_alphanumeric()));
        assert_ne!(okta_id("who"), id);
        let u = uuid_v4();
        assert_eq!(u.len(), 36);
        assert_eq!(&u[14..15], "4");
        assert!(matches!(&u[19..20], "8" | "9" | "a" | "b"), "{u}");
        assert_eq!(request_id().len(), 27);
    }

    /// Through many refills of the thread's buffer: every uuid is new and in the 8-4-4-4-12
    /// form, and a large request (straight from the OS) works too.
    #[test]
    fn buffered_randomness_never_repeats() {
        let mut seen = std::collections::HashSet::new();
        for _ in 0..10_000 {
            let u = uuid_v4();
            let groups: Vec<usize> = u.split('-').map(str::len).collect();
            assert_eq!(groups, [8, 4, 4, 4, 12], "{u}");
            assert!(
                u.bytes()
                    .all(|b| b == b'-' || b.is_ascii_hexdigit() && !b.is_ascii_uppercase())
            );
            assert!(seen.insert(u));
        }
        let mut large = [0u8; RANDOM_BUFFER];
        random_bytes(&mut large);
        assert!(large.iter().any(|&b| b != 0));
    }

    #[test]
    fn challenges_are_url_safe_with_dash_and_underscore() {
        let mut seen = std::collections::HashSet::new();
        for _ in 0..200 {
            let c = challenge();
            assert_eq!(c.len(), CHALLENGE_LEN, "{c}");
            assert!(c.bytes().all(|b| URL_SAFE.contains(&b)), "{c}");
            assert!(c.contains('-') && c.contains('_'), "{c}");
            assert!(seen.insert(c));
        }
    }
}
