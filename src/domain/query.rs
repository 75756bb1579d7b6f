//! What a list request asks for, once read from its query string (which
//! `web::query` reads): a page, and enums named by words.

pub const DEFAULT_PAGE_SIZE: i64 = 25;
pub const MAX_PAGE_SIZE: i64 = 500;

/// An enum that requests name by words (`sort=createdon`): strum's
/// `EnumString` (with `ascii_case_insensitive`: matched ignoring case) and
/// `VariantNames` give the words.
pub trait Named: Sized + std::str::FromStr + strum::VariantNames {
    fn parse_name(text: &str) -> Option<Self> {
        text.trim().parse().ok()
    }

    /// The words a request may use, in declaration order; a variant disabled
    /// for parsing (a search's relevance order) has none.
    fn names() -> Vec<&'static str> {
        Self::VARIANTS.iter().copied().filter(|name| name.parse::<Self>().is_ok()).collect()
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Page {
    pub number: i64,
    pub size: i64,
}

impl Page {
    pub fn offset(&self) -> i64 {
        (self.number - 1).saturating_mul(self.size)
    }

    /// The page's part of an already materialized list.
    pub fn slice<T>(&self, items: Vec<T>) -> Vec<T> {
        let offset = usize::try_from(self.offset()).unwrap_or(usize::MAX);
        items.into_iter().skip(offset).take(self.size as usize).collect()
    }
}
