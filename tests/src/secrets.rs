//! The secrets every suite uses. Each is distinctive, so a test can search any output, log,
//! error or `Debug` string for it: none may ever appear there.

/// The API token (SSWS) of the mock org and of the emulator.
pub const TOKEN: &str = "00tok-SECRET-never-printed-4242";
/// A hook's shared secret (`authScheme.value`), also what receivers require.
pub const HOOK_SECRET: &str = "hook-secret-never-printed-9191";
/// A second hook secret, the one a rotation moves to.
pub const ROTATED_SECRET: &str = "rotated-secret-never-printed-5151";
/// A custom header value of a hook (Okta returns it; tables and dry runs must not show it).
pub const HEADER_SECRET: &str = "header-value-never-printed-7373";

/// Fails the test if `text` (what `what` printed) contains the token or a hook secret.
pub fn assert_no_secret(what: &str, text: &str) {
    for secret in [TOKEN, HOOK_SECRET, ROTATED_SECRET] {
        assert!(!text.contains(secret), "a secret leaked in {what}:\n{text}");
    }
}
