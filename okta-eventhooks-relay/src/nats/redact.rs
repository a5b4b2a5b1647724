//! Credentials out of text that may quote a NATS URL (an error message, a server list).

/// Replaces the user information of every URL in `text` (`scheme://user:pass@host`).
pub(crate) fn redact(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(start) = rest.find("://") {
        let (head, tail) = rest.split_at(start + 3);
        out.push_str(head);
        let authority_end = tail
            .find(['/', ' ', ',', '"', '\'', ')'])
            .unwrap_or(tail.len());
        match tail[..authority_end].rfind('@') {
            Some(at) => {
                out.push_str("[REDACTED]");
                rest = &tail[at..];
            }
            None => rest = tail,
        }
    }
    out.push_str(rest);
    // A URL without a scheme (`user:pass@host:4222`) has its credentials before the '@'.
    if !text.contains("://")
        && let Some(at) = out.rfind('@')
        && !out[..at].contains([' ', '/'])
    {
        return format!("[REDACTED]{}", &out[at..]);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn user_information_is_replaced() {
        assert_eq!(redact("bob:pw@host:4222"), "[REDACTED]@host:4222");
        assert_eq!(
            redact("failed to connect to nats://u:p@h:1 (refused)"),
            "failed to connect to nats://[REDACTED]@h:1 (refused)"
        );
    }
}
