//! Query strings as docs/api.md §1 reads them: names match ignoring case, and a
//! multi-value parameter may be written `a=1&a=2`, `a[0]=1&a[1]=2` or `a=1,2`.

use crate::domain::error::DomainError;
use crate::domain::query::{Named, Page, DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE};
use crate::domain::time::{parse_date, Stamp};
use jiff::tz::TimeZone;
use serde::Serialize;

pub struct QueryParams {
    /// (lower-cased name without any `[n]` suffix, value)
    pairs: Vec<(String, String)>,
}

impl QueryParams {
    pub fn parse(query: &str) -> Result<QueryParams, DomainError> {
        let raw: Vec<(String, String)> = serde_urlencoded::from_str(query)
            .map_err(|_| DomainError::invalid("The query string is not valid URL encoding."))?;
        let pairs = raw
            .into_iter()
            .map(|(name, value)| {
                let mut name = name.to_lowercase();
                if let Some(open) = name.find('[') {
                    if name.ends_with(']') {
                        name.truncate(open);
                    }
                }
                (name, value)
            })
            .collect();
        Ok(QueryParams { pairs })
    }

    /// The last value given for `name`, as sent (untrimmed, maybe blank).
    pub fn raw(&self, name: &str) -> Option<&str> {
        let name = name.to_lowercase();
        self.pairs.iter().rev().find(|(n, _)| *n == name).map(|(_, v)| v.as_str())
    }

    /// The last value given for `name`, if not blank, lower-cased for a
    /// match ignoring case, a NUL kept as U+FFFD as stored text keeps it
    /// (docs/api.md §1).
    pub fn text_key(&self, name: &str) -> Option<String> {
        self.get(name).map(|text| {
            let text = text.to_lowercase();
            crate::wire::input::nul_replaced(&text).unwrap_or(text)
        })
    }

    /// The last value given for `name`, if not blank.
    pub fn get(&self, name: &str) -> Option<&str> {
        self.raw(name).map(str::trim).filter(|v| !v.is_empty())
    }

    /// Every value of a multi-value parameter, in all three spellings.
    pub fn all(&self, name: &str) -> Vec<&str> {
        let name = name.to_lowercase();
        self.pairs
            .iter()
            .filter(|(n, _)| *n == name)
            .flat_map(|(_, v)| v.split(','))
            .map(str::trim)
            .filter(|v| !v.is_empty())
            .collect()
    }

    /// A multi-value list of positive ids, each as the id type `id` makes
    /// of it; `None` when the parameter is absent.
    pub fn ids<T>(&self, name: &str, id: fn(i64) -> T) -> Result<Option<Vec<T>>, DomainError> {
        let values = self.all(name);
        if values.is_empty() {
            return Ok(None);
        }
        values
            .into_iter()
            .map(|v| match v.parse::<i64>() {
                Ok(number) if number > 0 => Ok(id(number)),
                _ => Err(DomainError::invalid_field(name, &format!("has {v:?}, which is not a positive id"))),
            })
            .collect::<Result<Vec<_>, _>>()
            .map(Some)
    }

    /// A positive id, as the id type `id` makes of it.
    pub fn id<T>(&self, name: &str, id: fn(i64) -> T) -> Result<Option<T>, DomainError> {
        match self.get(name) {
            None => Ok(None),
            Some(v) => match v.parse::<i64>() {
                Ok(number) if number > 0 => Ok(Some(id(number))),
                _ => Err(DomainError::invalid_field(name, &format!("has {v:?}, which is not a positive id"))),
            },
        }
    }

    pub fn bool(&self, name: &str) -> Result<Option<bool>, DomainError> {
        match self.get(name) {
            None => Ok(None),
            Some(v) => crate::wire::input::parse_bool_text(v)
                .map(Some)
                .ok_or_else(|| DomainError::invalid_field(name, "must be true or false")),
        }
    }

    pub fn date(&self, name: &str, zone: &TimeZone) -> Result<Option<Stamp>, DomainError> {
        match self.get(name) {
            None => Ok(None),
            Some(v) => parse_date(v, zone).map(Some).ok_or_else(|| {
                DomainError::invalid_field(
                    name,
                    &format!("has {v:?}, which is not a date such as 2026-01-31 or 2026-01-31T14:30:00Z"),
                )
            }),
        }
    }

    /// One of `T`'s names (matched ignoring case), or `None` when absent;
    /// any other value is refused, never mapped to a default.
    pub fn choice<T: Named>(&self, name: &str) -> Result<Option<T>, DomainError> {
        match self.get(name) {
            None => Ok(None),
            Some(v) => T::parse_name(v).map(Some).ok_or_else(|| {
                DomainError::invalid_field(name, &format!("has {v:?}; use one of {}", T::names().join(", ")))
            }),
        }
    }

    /// `page` and `pageSize` by the rules of docs/api.md §1.
    pub fn page(&self) -> Result<Page, DomainError> {
        let number = |name: &str| -> Result<Option<i64>, DomainError> {
            match self.get(name) {
                None => Ok(None),
                Some(v) => v
                    .parse::<i64>()
                    .map(Some)
                    .map_err(|_| DomainError::invalid_field(name, &format!("has {v:?}, which is not a whole number"))),
            }
        };
        let page = match number("page")? {
            None | Some(0) => 1,
            Some(p) if p < 0 => return Err(DomainError::invalid_field("page", "must not be negative")),
            Some(p) => p,
        };
        let size = match number("pageSize")? {
            None | Some(0) => DEFAULT_PAGE_SIZE,
            Some(s) if (1..=MAX_PAGE_SIZE).contains(&s) => s,
            Some(_) => {
                return Err(DomainError::invalid_field("pageSize", &format!("must be between 1 and {MAX_PAGE_SIZE}")))
            }
        };
        Ok(Page { number: page, size })
    }
}

/// `{"Total": N, "Elements": [...]}`; `Total` counts every match, not just the page.
#[derive(Debug, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "PascalCase")]
pub struct ListWrapper<T> {
    pub total: i64,
    pub elements: Vec<T>,
}

impl<T> ListWrapper<T> {
    pub fn new(total: i64, elements: Vec<T>) -> Self {
        ListWrapper { total, elements }
    }

    /// Pages a full list in memory.
    pub fn paged(all: Vec<T>, page: Page) -> Self {
        let total = all.len() as i64;
        ListWrapper { total, elements: page.slice(all) }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn three_spellings_of_a_multi_value_parameter() {
        for q in ["status=1&status=2", "status[0]=1&status[1]=2", "status=1,2", "Status=1&STATUS%5B1%5D=2"] {
            let p = QueryParams::parse(q).unwrap();
            assert_eq!(p.ids("status", std::convert::identity).unwrap(), Some(vec![1, 2]), "{q}");
        }
    }

    #[test]
    fn names_ignore_case() {
        let p = QueryParams::parse("PAGESIZE=10&Page=3").unwrap();
        assert_eq!(p.page().unwrap(), Page { number: 3, size: 10 });
    }

    #[test]
    fn paging_rules() {
        let page = |q: &str| QueryParams::parse(q).unwrap().page();
        assert_eq!(page("").unwrap(), Page { number: 1, size: 25 });
        assert_eq!(page("page=0&pageSize=0").unwrap(), Page { number: 1, size: 25 });
        assert_eq!(page("pageSize=500").unwrap().size, 500);
        assert_eq!(page("pageSize=501").unwrap_err().kind, crate::domain::error::ErrorKind::InvalidValue);
        assert_eq!(page("page=-1").unwrap_err().kind, crate::domain::error::ErrorKind::InvalidValue);
        assert_eq!(page("pageSize=-5").unwrap_err().kind, crate::domain::error::ErrorKind::InvalidValue);
        assert_eq!(page("page=abc").unwrap_err().kind, crate::domain::error::ErrorKind::InvalidValue);
    }

    #[test]
    fn bad_ids_are_refused() {
        let p = QueryParams::parse("status=1,x").unwrap();
        assert_eq!(
            p.ids("status", std::convert::identity).unwrap_err().kind,
            crate::domain::error::ErrorKind::InvalidValue
        );
    }
}
