//! "Did you mean …?": the known name nearest to an unknown one, so a typo in
//! a CSV header (or a field name) gets a hint instead of a silent loss.
//!
//! Names are compared ignoring case and everything but letters and digits
//! (`Property ID`, `property_id` and `PropertyId` are the same name), then by
//! edit distance (Levenshtein, on characters).

/// Letters and digits only, lower-cased: how two spellings of a name compare.
fn folded(name: &str) -> Vec<char> {
    name.chars().filter(|c| c.is_alphanumeric()).flat_map(char::to_lowercase).collect()
}

/// The Levenshtein distance between two character strings.
fn distance(a: &[char], b: &[char]) -> usize {
    let mut previous: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.iter().enumerate() {
        let mut current = vec![i + 1; b.len() + 1];
        for (j, cb) in b.iter().enumerate() {
            let substitution = previous[j] + usize::from(ca != cb);
            current[j + 1] = substitution.min(previous[j + 1] + 1).min(current[j] + 1);
        }
        previous = current;
    }
    previous[b.len()]
}

/// The known name nearest to `unknown`, when it is near enough to be a
/// likely typo: the same once case, spaces and punctuation are ignored, or
/// within a third of its length in edits (at least 1, at most 3); else the
/// one name that contains it (`Email` → `ResidentEmail`). Ties go to the
/// name listed first.
pub fn nearest<'a>(unknown: &str, known: &[&'a str]) -> Option<&'a str> {
    let wanted = folded(unknown);
    if wanted.is_empty() {
        return None;
    }
    let allowed = (wanted.len() / 3).clamp(1, 3);
    let near = known
        .iter()
        .map(|name| (distance(&wanted, &folded(name)), *name))
        .filter(|(d, _)| *d <= allowed)
        .min_by_key(|(d, _)| *d)
        .map(|(_, name)| name);
    near.or_else(|| {
        // A short form of one name only (`Email` for `ResidentEmail`).
        let mut containing = known.iter().filter(|name| wanted.len() >= 4 && contains(&folded(name), &wanted)).copied();
        match (containing.next(), containing.next()) {
            (Some(only), None) => Some(only),
            _ => None,
        }
    })
}

fn contains(haystack: &[char], needle: &[char]) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle)
}

/// `unknown column "X"` followed by ` — did you mean Y?` when one is near.
pub fn unknown_name_message(what: &str, unknown: &str, known: &[&str]) -> String {
    match nearest(unknown, known) {
        Some(name) => format!("unknown {what} \"{unknown}\" — did you mean {name}?"),
        None => format!("unknown {what} \"{unknown}\" (known: {})", known.join(", ")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const KNOWN: &[&str] = &["PropertyId", "PropertyName", "UnitId", "UnitNumber"];

    #[test]
    fn spaces_case_and_punctuation_do_not_count() {
        assert_eq!(nearest("Property ID", KNOWN), Some("PropertyId"));
        assert_eq!(nearest("unit_number", KNOWN), Some("UnitNumber"));
    }

    #[test]
    fn small_typos_are_found_and_far_names_are_not() {
        assert_eq!(nearest("PropertyNme", KNOWN), Some("PropertyName"));
        assert_eq!(nearest("Colour", KNOWN), None);
        assert_eq!(nearest("", KNOWN), None);
    }

    #[test]
    fn a_short_form_of_one_name_finds_it_but_not_of_several() {
        let known = ["ResidentEmail", "ResidentCellphone", "ResidentWorkphone"];
        assert_eq!(nearest("Email", &known), Some("ResidentEmail"));
        assert_eq!(nearest("cell phone", &known), Some("ResidentCellphone"));
        assert_eq!(nearest("Phone", &known), None);
    }

    #[test]
    fn distance_counts_edits() {
        let d = |a: &str, b: &str| distance(&a.chars().collect::<Vec<_>>(), &b.chars().collect::<Vec<_>>());
        assert_eq!(d("kitten", "sitting"), 3);
        assert_eq!(d("", "abc"), 3);
        assert_eq!(d("same", "same"), 0);
    }

    #[test]
    fn the_message_names_the_column_and_the_hint() {
        assert_eq!(
            unknown_name_message("column", "Property ID", KNOWN),
            "unknown column \"Property ID\" — did you mean PropertyId?"
        );
        assert!(unknown_name_message("column", "Colour", KNOWN).contains("known: PropertyId, PropertyName"));
    }
}
