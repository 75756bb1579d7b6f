//! What a list request asks for, once read from its query string (which
//! `web::query` reads): a page, and enums named by words.

pub const DEFAULT_PAGE_SIZE: i64 = 25;
pub const MAX_PAGE_SIZE: i64 = 500;

/// An enum that requests name by words (`sort=createdon`), matched ignoring case.
pub trait Named: Sized + Copy + 'static {
    const NAMES: &'static [(&'static str, Self)];

    fn parse_name(text: &str) -> Option<Self> {
        let text = text.trim();
        Self::NAMES.iter().find(|(n, _)| n.eq_ignore_ascii_case(text)).map(|(_, v)| *v)
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
