//! Ids on the wire: the plain number each id type holds. Answers write it
//! (`Raw::raw`, so the models keep their `i64` fields and the OpenAPI
//! document its `integer`s); requests are read as `i64` and wrapped where
//! they are read.

use crate::domain::ids::{LogId, PropertyId, ReasonId, ResidentId, StatusId, TokenId, UnitId, UserId};

/// The number an id, an optional id or a list of ids is written as.
pub trait Raw {
    type Number;
    fn raw(self) -> Self::Number;
}

macro_rules! raw_ids {
    ($($name:ident),*) => {
        $(
            impl Raw for $name {
                type Number = i64;
                fn raw(self) -> i64 {
                    self.0
                }
            }

            impl Raw for Option<$name> {
                type Number = Option<i64>;
                fn raw(self) -> Option<i64> {
                    self.map(|id| id.0)
                }
            }

            impl Raw for Vec<$name> {
                type Number = Vec<i64>;
                fn raw(self) -> Vec<i64> {
                    self.into_iter().map(|id| id.0).collect()
                }
            }
        )*
    };
}

raw_ids!(LogId, PropertyId, UnitId, ResidentId, UserId, ReasonId, StatusId, TokenId);

/// Numbers read from a request, as the ids they name (`typed(ids, UnitId)`).
pub fn typed<T>(numbers: Vec<i64>, id: fn(i64) -> T) -> Vec<T> {
    numbers.into_iter().map(id).collect()
}
