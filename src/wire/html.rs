//! Pages' HTML escaping, shared by the console's templates and `/help`.

use std::fmt;

/// The bidirectional controls: embeddings and overrides (U+202A–U+202E),
/// isolates (U+2066–U+2069) and the marks (U+200E, U+200F, U+061C).
pub fn is_bidi_control(c: char) -> bool {
    matches!(c, '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}' | '\u{200E}' | '\u{200F}' | '\u{061C}')
}

/// The templates' escaper (askama.toml names it for every `.html` template):
/// HTML escaping, and the bidirectional controls left out. One U+202E in a
/// subject or a name shows everything after it right to left ("invoice
/// U+202E fdp.exe" reads "invoiceexe.pdf"), and an unclosed one runs on
/// into the page's own text; dropped, every user text shows in the order
/// it was typed. Stored text keeps them (the API answers what was sent);
/// only what a page shows loses them. Doing it here, rather than with a
/// filter on each field, covers every value a page shows, attributes
/// included, and a new template cannot forget it.
#[derive(Debug, Clone, Copy, Default)]
pub struct Html;

impl askama::filters::Escaper for Html {
    fn write_escaped_str<W: fmt::Write>(&self, mut dest: W, string: &str) -> fmt::Result {
        for part in string.split(is_bidi_control) {
            askama::filters::Html.write_escaped_str(&mut dest, part)?;
        }
        Ok(())
    }

    fn write_escaped_char<W: fmt::Write>(&self, dest: W, c: char) -> fmt::Result {
        if is_bidi_control(c) {
            return Ok(());
        }
        askama::filters::Html.write_escaped_char(dest, c)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use askama::filters::Escaper;

    #[test]
    fn shown_text_is_escaped_and_loses_its_bidirectional_controls() {
        let mut shown = String::new();
        Html.write_escaped_str(&mut shown, "<b>invoice\u{202E}fdp.exe\u{2066}\u{200F}&\u{061C}\"x\"</b>").unwrap();
        assert_eq!(shown, "&#60;b&#62;invoicefdp.exe&#38;&#34;x&#34;&#60;/b&#62;");
        let mut shown = String::new();
        Html.write_escaped_char(&mut shown, '\u{202D}').unwrap();
        Html.write_escaped_char(&mut shown, '<').unwrap();
        Html.write_escaped_char(&mut shown, 'é').unwrap();
        assert_eq!(shown, "&#60;é");
        // Right-to-left text itself is left alone: only the controls go.
        let mut shown = String::new();
        Html.write_escaped_str(&mut shown, "שלום Cole").unwrap();
        assert_eq!(shown, "שלום Cole");
    }
}
