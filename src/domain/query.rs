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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::calllogs::{SortField, SortOrder};
    use crate::domain::directory::{PropertyStatus, UnitSort};

    #[test]
    fn names_are_the_words_a_request_may_use_in_order() {
        assert_eq!(SortField::names(), ["createdon", "modifiedon", "logid"], "relevance has no name");
        assert_eq!(SortOrder::names(), ["desc", "asc"]);
        assert_eq!(PropertyStatus::names(), ["Active", "Inactive", "All"]);
        assert_eq!(UnitSort::names(), ["unitdisplayorder", "unitnumber"]);
    }

    #[test]
    fn a_name_is_matched_ignoring_case_and_surrounding_blanks() {
        assert_eq!(SortField::parse_name(" ModifiedOn "), Some(SortField::ModifiedOn));
        assert_eq!(PropertyStatus::parse_name("inactive"), Some(PropertyStatus::Inactive));
        assert_eq!(UnitSort::parse_name("UNITNUMBER"), Some(UnitSort::UnitNumber));
        assert_eq!(SortField::parse_name("relevance"), None, "only the default of a search");
        assert_eq!(SortOrder::parse_name("descending"), None);
    }
}
