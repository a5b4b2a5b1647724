//! Random identifiers and Okta's timestamp format.

use chrono::{DateTime, SubsecRound, Utc};

const ALPHANUMERIC: &[u8] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
/// The URL-safe base64 alphabet (RFC 4648 section 5): 64 characters, so one byte modulo 64
/// picks one without bias.
const URL_SAFE: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

/// `len` random characters from `[0-9A-Za-z]`, from the OS's random source.
fn alphanumeric(len: usize) -> String {
    let mut bytes = vec![0u8; len];
    fill(&mut bytes);
    // 62 does not divide 256, so this is very slightly biased; fine for ids.
    bytes
        .iter()
        .map(|b| char::from(ALPHANUMERIC[usize::from(*b) % ALPHANUMERIC.len()]))
        .collect()
}

/// Random bytes from the OS (time-derived bytes in the unlikely case it fails).
pub(crate) fn fill(bytes: &mut [u8]) {
    if getrandom::getrandom(bytes).is_err() {
        // The OS source essentially never fails; fall back to time-derived bytes rather than
        // panicking, which is good enough for a local emulator's ids.
        let mut seed = Utc::now().timestamp_nanos_opt().unwrap_or_default() as u64;
        for b in bytes.iter_mut() {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            *b = seed as u8;
        }
    }
}

/// A hook id: 20 characters starting with `who`, like `whokwr4rnwl1qMMuk1d7`.
pub(crate) fn hook_id() -> String {
    format!("who{}", alphanumeric(17))
}

/// An org id (`00o` + 17, like Okta's `00o5rb5mt2H3d1TJd0h7`).
pub(crate) fn org_id() -> String {
    format!("00o{}", alphanumeric(17))
}

/// A user id (`00u` + 17), used as `createdBy` and as the actor of generated events.
pub(crate) fn user_id() -> String {
    format!("00u{}", alphanumeric(17))
}

/// An `X-Okta-Request-Id` (Okta's are about 25-27 characters).
pub(crate) fn request_id() -> String {
    alphanumeric(27)
}

/// An `errorId` (Okta's start with `oae` and are about 25 characters).
pub(crate) fn error_id() -> String {
    format!("oae{}", alphanumeric(22))
}

/// Length of a verification challenge: Okta's published example
/// (`Me_rShK8JHsTnbyYrWXCEoMGbM_zsZ6k0hLPZ_Pg`, Okta support article "Unable to verify event
/// hook") has 40 URL-safe characters, the length of 30 random bytes in unpadded base64url.
pub(crate) const CHALLENGE_LEN: usize = 40;

/// A verification challenge sent in `X-Okta-Verification-Challenge`: 40 URL-safe characters,
/// always with at least one `-` and one `_`, so that a receiver which mangles them (a form
/// decoder, an alphanumeric check) fails every time instead of one time in two.
pub(crate) fn challenge() -> String {
    let mut bytes = [0u8; CHALLENGE_LEN + 2];
    fill(&mut bytes);
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

/// An id with a given prefix (`0oa` apps, `00g` groups, ...), 20 characters in all.
pub(crate) fn okta_id(prefix: &str) -> String {
    format!(
        "{prefix}{}",
        alphanumeric(20usize.saturating_sub(prefix.len()))
    )
}

/// A random (version 4) UUID in the usual 8-4-4-4-12 form, the shape of Okta's event `uuid`s
/// and delivery `eventId`s.
pub fn uuid_v4() -> String {
    let mut b = [0u8; 16];
    fill(&mut b);
    b[6] = (b[6] & 0x0f) | 0x40;
    b[8] = (b[8] & 0x3f) | 0x80;
    let hex: String = b.iter().map(|x| format!("{x:02x}")).collect();
    format!(
        "{}-{}-{}-{}-{}",
        &hex[0..8],
        &hex[8..12],
        &hex[12..16],
        &hex[16..20],
        &hex[20..32]
    )
}

/// Now, truncated to whole seconds: Okta's hook timestamps always end in `.000Z`.
pub(crate) fn now_seconds() -> DateTime<Utc> {
    Utc::now().trunc_subsecs(0)
}

/// `2025-03-13T23:36:13.000Z`.
pub(crate) fn okta_time(t: &DateTime<Utc>) -> String {
    t.format("%Y-%m-%dT%H:%M:%S%.3fZ").to_string()
}

/// [`okta_time`] of a time in milliseconds since the epoch.
pub(crate) fn okta_time_ms(ms: i64) -> String {
    okta_time(&DateTime::from_timestamp_millis(ms).unwrap_or_default())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_have_okta_shapes() {
        let id = hook_id();
        assert_eq!(id.len(), 20);
        assert!(id.starts_with("who"));
        assert!(id.chars().all(|c| c.is_ascii_alphanumeric()));
        assert_ne!(hook_id(), id);
        let u = uuid_v4();
        assert_eq!(u.len(), 36);
        assert_eq!(&u[14..15], "4");
        assert!(okta_time(&now_seconds()).ends_with(".000Z"));
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
