//! FTS5's query syntax, for the words the domain reads from a search.

/// An FTS5 query: every word quoted (so no word is syntax) and matched as a prefix.
pub fn fts_query(words: &[String]) -> String {
    words.iter().map(|w| fts_word(w)).collect::<Vec<_>>().join(" ")
}

/// An FTS5 query for exactly one word (or stem), quoted, not a prefix.
pub fn fts_exact(word: &str) -> String {
    format!("\"{}\"", word.replace('\0', "").replace('"', "\"\""))
}

fn fts_word(word: &str) -> String {
    // FTS5 reads a query as a C string: a NUL would end it inside the quotes.
    format!("\"{}\"*", word.replace('\0', "").replace('"', "\"\""))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::calllogs::search_words;

    #[test]
    fn search_text_is_plain_words() {
        assert_eq!(fts_query(&search_words("leak \"ceil")), "\"leak\"* \"\"\"ceil\"*");
        assert_eq!(fts_query(&search_words("le\u{0}ak")), "\"leak\"*", "a NUL never reaches FTS5");
    }
}
