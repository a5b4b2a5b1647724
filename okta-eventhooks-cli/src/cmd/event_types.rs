//! `event-types`: Okta's event-type catalog, searched offline.

use clap::Args;
use okta_eventhooks::catalog::{self, EventType};

use crate::context::Context;
use crate::error::Result;

/// `event-types`
#[derive(Debug, Args)]
pub struct EventTypes {
    /// Only the types whose name contains SEARCH (any case), or matches it as a glob when it
    /// has `*` (any characters) or `?` (one character), e.g. 'user.lifecycle.*'.
    #[arg(value_name = "SEARCH")]
    search: Option<String>,

    /// Every type of the catalog, also those an event hook may not subscribe to.
    #[arg(long)]
    all: bool,
}

impl EventTypes {
    /// Prints the matching types, with their release and category.
    pub fn run(self, ctx: &Context) -> Result<()> {
        let search = self.search.as_deref().map(Search::new);
        let types: Vec<&EventType> = catalog::all()
            .iter()
            .filter(|t| self.all || t.hook_eligible)
            .filter(|t| search.as_ref().is_none_or(|s| s.matches(t.name)))
            .collect();
        ctx.printer().note(&format!(
            "{} event type(s) from the catalog of Okta release {}{}",
            types.len(),
            catalog::RELEASE,
            if self.all {
                ""
            } else {
                " that event hooks may subscribe to (--all for every type)"
            }
        ));
        ctx.printer().event_types(&types)
    }
}

/// A substring (any case), or a glob when the text has `*` or `?`.
enum Search {
    Substring(String),
    Glob(Vec<char>),
}

impl Search {
    fn new(text: &str) -> Self {
        if text.contains(['*', '?']) {
            Self::Glob(text.to_lowercase().chars().collect())
        } else {
            Self::Substring(text.to_lowercase())
        }
    }

    fn matches(&self, name: &str) -> bool {
        let name = name.to_lowercase();
        match self {
            Self::Substring(part) => name.contains(part.as_str()),
            Self::Glob(pattern) => glob(pattern, &name.chars().collect::<Vec<_>>()),
        }
    }
}

/// Whether `text` matches `pattern` whole, `*` standing for any characters and `?` for one.
/// Keeps the last `*` to return to, so the time is linear in practice and never exponential.
fn glob(pattern: &[char], text: &[char]) -> bool {
    let (mut p, mut t) = (0, 0);
    let mut last_star: Option<(usize, usize)> = None;
    while t < text.len() {
        match pattern.get(p) {
            Some('*') => {
                last_star = Some((p, t));
                p += 1;
            }
            Some(&c) if c == '?' || c == text[t] => {
                p += 1;
                t += 1;
            }
            _ => match last_star {
                // Let the star take one more character and try again.
                Some((star, taken)) => {
                    p = star + 1;
                    t = taken + 1;
                    last_star = Some((star, taken + 1));
                }
                None => return false,
            },
        }
    }
    pattern[p..].iter().all(|&c| c == '*')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn globs_and_substrings() {
        let cases = [
            ("user.lifecycle.*", "user.lifecycle.create", true),
            ("user.lifecycle.*", "user.lifecycle.delete.initiated", true),
            ("user.lifecycle.*", "user.lifecycle", false),
            ("*.start", "user.session.start", true),
            ("user.?ession.*", "user.session.end", true),
            ("*lock*", "user.account.unlock", true),
            ("*", "", true),
            ("?", "", false),
            ("USER.SESSION.*", "user.session.start", true),
            ("session", "user.session.start", true),
            ("SESSION", "user.session.start", true),
            ("sessions", "user.session.start", false),
        ];
        for (search, name, want) in cases {
            assert_eq!(Search::new(search).matches(name), want, "{search} {name}");
        }
    }

    #[test]
    fn a_glob_of_many_stars_stays_fast() {
        let pattern: Vec<char> = "*a".repeat(50).chars().collect();
        let text: Vec<char> = "a".repeat(49).chars().collect();
        let started = std::time::Instant::now();
        assert!(!glob(&pattern, &text));
        assert!(started.elapsed() < std::time::Duration::from_secs(1));
    }
}
