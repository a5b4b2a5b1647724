//! "Did you mean ...?": the eligible event types closest to a name that is not one.

use super::eligible;

/// Most names suggested.
const MOST: usize = 3;

/// The eligible event types closest to `name` by edit distance (the nearest first, at most
/// three), or none when nothing is close: fewer edits than half the shorter of the two names.
/// A name that is eligible itself is its only suggestion.
pub fn closest_eligible(name: &str) -> Vec<&'static str> {
    let length = name.chars().count();
    let mut scored: Vec<(usize, &'static str)> = eligible()
        .map(|t| (distance(name, t.name), t.name))
        .filter(|&(d, candidate)| d * 2 < length.min(candidate.chars().count()))
        .collect();
    scored.sort();
    let Some(&(best, _)) = scored.first() else {
        return Vec::new();
    };
    // Only the nearest few: a far second guess is noise next to a near first.
    scored
        .into_iter()
        .take_while(|&(d, _)| d <= best + 2)
        .take(MOST)
        .map(|(_, candidate)| candidate)
        .collect()
}

/// Levenshtein distance over characters: insertions, deletions and substitutions (also
/// `doctor`'s near hook names).
pub(crate) fn distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut previous: Vec<usize> = (0..=b.len()).collect();
    let mut current = vec![0; b.len() + 1];
    for (i, ca) in a.chars().enumerate() {
        current[0] = i + 1;
        for (j, &cb) in b.iter().enumerate() {
            let substitution = previous[j] + usize::from(ca != cb);
            current[j + 1] = substitution.min(previous[j + 1] + 1).min(current[j] + 1);
        }
        std::mem::swap(&mut previous, &mut current);
    }
    previous[b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn distances() {
        assert_eq!(distance("", ""), 0);
        assert_eq!(distance("abc", ""), 3);
        assert_eq!(distance("kitten", "sitting"), 3);
        assert_eq!(distance("user.session.start", "user.session.start"), 0);
        assert_eq!(distance("é", "e"), 1);
    }

    #[test]
    fn suggestions_are_near_eligible_names() {
        let cases: &[(&str, &[&str])] = &[
            ("user.session.start", &["user.session.start"]),
            ("user.session.started", &["user.session.start"]),
            ("user.sesion.start", &["user.session.start"]),
            ("user.lifecycle.created", &["user.lifecycle.create"]),
            ("session.start", &["user.session.start"]),
            ("zone.update", &[]),
            ("nothing.like.any.okta.type.at.all.zzzz", &[]),
            ("", &[]),
        ];
        for (name, want) in cases {
            assert_eq!(closest_eligible(name), *want, "{name}");
        }
        // A known type that is not eligible gets eligible neighbours.
        let near = closest_eligible("user.account.lock.limit");
        assert_eq!(near, ["user.account.lock", "user.account.unlock"]);
        let near = closest_eligible("user.session.expire");
        assert_eq!(near.len(), MOST, "{near:?}");
        assert!(
            near.iter()
                .all(|n| super::super::get(n).unwrap().hook_eligible)
        );
    }
}
