//! PostgreSQL's `tsquery` syntax, for the words the domain reads from a search.

use crate::domain::calllogs::fold_word;

/// A PostgreSQL `tsquery` for `words`: each folded, quoted (so no word is
/// syntax), matched as a prefix, all required.
pub fn tsquery_text(words: &[String]) -> String {
    words
        .iter()
        .map(|w| format!("'{}':*", fold_word(w).replace('\\', "\\\\").replace('\'', "''")))
        .collect::<Vec<_>>()
        .join(" & ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn indexed_words_are_folded_like_the_search_words() {
        assert_eq!(tsquery_text(&["Crème".into(), "leak".into()]), "'creme':* & 'leak':*");
    }
}
