//! PostgreSQL's `tsquery` syntax, for the words the domain reads from a search.

use crate::domain::calllogs::{SearchTerm, STEM_MARK};

/// A PostgreSQL `tsquery` for `words`, all required: each word matches as
/// a prefix of a folded word, or by its stem (docs/api.md §7): the index
/// keeps each word's stem, marked, when it is another word
/// ([`crate::domain::calllogs::index_terms`]), and a word that is its own
/// stem as itself. Every lexeme quoted, so no word is syntax.
pub fn tsquery_text(words: &[String]) -> String {
    words
        .iter()
        .map(|w| {
            let term = SearchTerm::of(w);
            let mut any = vec![format!("{}:*", quoted(&term.prefix)), quoted(&format!("{STEM_MARK}{}", term.stem))];
            if term.stem_as_word {
                any.push(quoted(&term.stem));
            }
            format!("({})", any.join(" | "))
        })
        .collect::<Vec<_>>()
        .join(" & ")
}

fn quoted(lexeme: &str) -> String {
    format!("'{}'", lexeme.replace('\\', "\\\\").replace('\'', "''"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn indexed_words_are_folded_like_the_search_words() {
        assert_eq!(tsquery_text(&["Crème".into(), "leak".into()]), "('creme':* | '~creme') & ('leak':* | '~leak')");
        assert_eq!(tsquery_text(&["parking".into()]), "('parking':* | '~park' | 'park')");
    }
}
