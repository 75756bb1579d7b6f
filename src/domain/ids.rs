//! Ids of the things calllog stores, one type each, so that a unit's id
//! passed where a property's is expected does not compile:
//!
//! ```compile_fail,E0308
//! use calllog::domain::ids::{PropertyId, UnitId};
//! fn units_of(_property: PropertyId) {}
//! units_of(UnitId(7));
//! ```
//!
//! ```
//! use calllog::domain::ids::PropertyId;
//! fn units_of(property: PropertyId) -> String { property.to_string() }
//! assert_eq!(units_of(PropertyId(7)), "7");
//! ```
//!
//! Each is the stored `i64` and nothing more: the engines bind and read it
//! as that integer (`store/sqlite/ids.rs`, `store/postgres/ids.rs`) and the
//! wire writes it as that number (`wire/`), so no answer changes by a byte.
//! Numbers that are not ids (counts, event numbers, display orders, page
//! sizes) stay `i64`.

use std::fmt;

macro_rules! ids {
    ($($(#[$doc:meta])* $name:ident),* $(,)?) => {
        $(
            $(#[$doc])*
            #[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
            pub struct $name(pub i64);

            /// The plain number, as messages, targets and ETags write it.
            impl fmt::Display for $name {
                fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                    fmt::Display::fmt(&self.0, f)
                }
            }
        )*
    };
}

ids! {
    /// A call log (`LogId`).
    LogId,
    /// A property of the directory (`PropertyId`).
    PropertyId,
    /// A unit of the directory (`UnitId`).
    UnitId,
    /// A resident of the directory (`ResidentId`).
    ResidentId,
    /// A user of calllog (`UserId`); 0 is the command line, which is no user row.
    UserId,
    /// A call-log reason of the catalog (`CallLogReasonId`).
    ReasonId,
    /// A status of the catalog (`ModuleStatusId`).
    StatusId,
    /// A session or API token (`TokenId`).
    TokenId,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_id_displays_as_its_plain_number() {
        assert_eq!(LogId(42).to_string(), "42");
        assert_eq!(format!("{}", UserId(-3)), "-3");
    }
}
