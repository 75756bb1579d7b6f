//! What a new password must be (docs/api.md §3): 8 to 1024 characters, at least 8
//! of them neither white space nor invisible, not the user name, and not
//! one of the 10,000 most common passwords. Each refusal names its rule.
//!
//! "Invisible" is what shows nothing where it is typed: control characters,
//! and the code points Unicode calls default-ignorable (zero-width spaces
//! and joiners, bidirectional controls, the byte-order mark, variation
//! selectors, fillers, tags) and the few other format characters that
//! render as nothing. Eight zero-width spaces look like an empty field and
//! are as easy to guess as one.

use std::collections::HashSet;
use std::sync::LazyLock;

pub const MIN_PASSWORD_CHARS: usize = 8;
pub const MAX_PASSWORD_CHARS: usize = 1024;

/// Lower case, most common first; origin and licence in
/// `assets/common-passwords.NOTICE`.
const COMMON_PASSWORDS_TEXT: &str = include_str!("../../assets/common-passwords.txt");

static COMMON_PASSWORDS: LazyLock<HashSet<&'static str>> =
    LazyLock::new(|| COMMON_PASSWORDS_TEXT.lines().filter(|line| !line.is_empty()).collect());

/// How many passwords the list of common ones holds.
pub fn common_password_count() -> usize {
    COMMON_PASSWORDS.len()
}

/// Unicode's Default_Ignorable_Code_Point ranges, and the interlinear
/// annotation controls (U+FFF9..U+FFFB), which render as nothing too.
const INVISIBLE_RANGES: &[(u32, u32)] = &[
    (0x00AD, 0x00AD),
    (0x034F, 0x034F),
    (0x061C, 0x061C),
    (0x115F, 0x1160),
    (0x17B4, 0x17B5),
    (0x180B, 0x180F),
    (0x200B, 0x200F),
    (0x202A, 0x202E),
    (0x2060, 0x206F),
    (0x2800, 0x2800), // the blank braille pattern: a visible-width space
    (0x3164, 0x3164),
    (0xFE00, 0xFE0F),
    (0xFEFF, 0xFEFF),
    (0xFFA0, 0xFFA0),
    (0xFFF0, 0xFFFB),
    (0x1BCA0, 0x1BCA3),
    (0x1D173, 0x1D17A),
    (0xE0000, 0xE0FFF),
];

/// White space, a control character, or a character that shows nothing.
pub fn is_blank_or_invisible(c: char) -> bool {
    if c.is_whitespace() || c.is_control() {
        return true;
    }
    let code = u32::from(c);
    INVISIBLE_RANGES.iter().any(|&(first, last)| (first..=last).contains(&code))
}

/// The characters a reader would see, lower-cased: how a password is
/// compared with the user name and with the common ones, so that
/// `Password`, `password ` and `pass\u{200B}word` are all `password`.
fn seen(password: &str) -> String {
    password.chars().filter(|c| !is_blank_or_invisible(*c)).collect::<String>().to_lowercase()
}

/// Which password rule refuses a password; its text is the refusal, worded
/// to follow the field name (`Password must be at least 8 characters`).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PasswordProblem {
    #[error("must be at least {} characters", MIN_PASSWORD_CHARS)]
    TooShort,
    #[error("must be at most {} characters", MAX_PASSWORD_CHARS)]
    TooLong,
    #[error(
        "must have at least {} characters that are neither white space nor invisible (it has {visible})",
        MIN_PASSWORD_CHARS
    )]
    TooFewVisible { visible: usize },
    #[error(
        "is one of the {} most common passwords, the first that are guessed; choose another",
        thousands(common_password_count())
    )]
    Common,
    #[error("must not be the user name")]
    UserName,
}

/// The rules that need no user name: length, visible characters, the
/// common passwords.
pub fn check_password_shape(password: &str) -> Result<(), PasswordProblem> {
    let n = password.chars().count();
    if n < MIN_PASSWORD_CHARS {
        return Err(PasswordProblem::TooShort);
    }
    if n > MAX_PASSWORD_CHARS {
        return Err(PasswordProblem::TooLong);
    }
    let visible = password.chars().filter(|c| !is_blank_or_invisible(*c)).count();
    if visible < MIN_PASSWORD_CHARS {
        return Err(PasswordProblem::TooFewVisible { visible });
    }
    if COMMON_PASSWORDS.contains(password.to_lowercase().as_str()) || COMMON_PASSWORDS.contains(seen(password).as_str())
    {
        return Err(PasswordProblem::Common);
    }
    Ok(())
}

/// Every rule, for the user named `user_name`.
pub fn check_password(password: &str, user_name: &str) -> Result<(), PasswordProblem> {
    check_password_shape(password)?;
    if seen(password) == seen(user_name) {
        return Err(PasswordProblem::UserName);
    }
    Ok(())
}

/// `10000` → `10,000`.
fn thousands(n: usize) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, d) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(d);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_list_holds_the_ten_thousand_most_common_passwords() {
        assert_eq!(common_password_count(), 10_000);
        assert!(COMMON_PASSWORDS_TEXT.lines().take(4).eq(["123456", "123456789", "qwerty", "password"]));
        assert!(COMMON_PASSWORDS_TEXT.lines().all(|p| p == p.to_lowercase()), "stored lower case");
    }

    #[test]
    fn each_rule_refuses_and_names_itself() {
        let refusal = |password: &str| check_password(password, "jdoe").unwrap_err().to_string();
        assert!(refusal("short").contains("at least 8 characters"));
        assert!(refusal(&"x".repeat(1025)).contains("at most 1024"));
        for blank in
            ["        ", "\0\0\0\0\0\0\0\0", "\u{200B}\u{200B}\u{200B}\u{200B}\u{200B}\u{200B}\u{200B}\u{200B}"]
        {
            assert!(refusal(blank).contains("neither white space nor invisible"), "{blank:?}");
        }
        // Seven seen characters padded with invisible ones are still seven.
        assert!(refusal("abcdefg\u{FEFF}\u{202E}\t").contains("(it has 7)"));
        for common in ["password", "PASSWORD", "12345678", "Password ", "pass\u{200B}word", "iloveyou"] {
            assert!(refusal(common).contains("10,000 most common"), "{common:?}");
        }
        assert_eq!(
            check_password("Wolfgang-Amadeus", "wolfgang-amadeus").unwrap_err().to_string(),
            "must not be the user name"
        );
        assert!(check_password("wolfgang-amadeus", "Wolfgang-Amadeus").is_err());
    }

    #[test]
    fn strong_passwords_pass_at_both_ends_of_the_length() {
        assert_eq!(check_password("correct horse battery staple", "jdoe"), Ok(()));
        assert_eq!(check_password("q7#Lm2!v", "jdoe"), Ok(()));
        assert_eq!(check_password(&"é".repeat(1024), "jdoe"), Ok(()), "1024 characters, not bytes");
        // The test suite's own passwords.
        for password in ["admin-password-1", "sam-password", "a-long-password", "correct-horse-battery"] {
            assert_eq!(check_password(password, "someone"), Ok(()), "{password}");
        }
    }
}
