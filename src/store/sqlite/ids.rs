//! Ids bound and read as the `INTEGER` they are stored as.

use crate::domain::ids::{LogId, PropertyId, ReasonId, ResidentId, StatusId, TokenId, UnitId, UserId};
use rusqlite::types::{FromSql, FromSqlResult, ToSql, ToSqlOutput, ValueRef};

macro_rules! integer_ids {
    ($($name:ident),*) => {
        $(
            impl ToSql for $name {
                fn to_sql(&self) -> rusqlite::Result<ToSqlOutput<'_>> {
                    Ok(ToSqlOutput::from(self.0))
                }
            }

            impl FromSql for $name {
                fn column_result(value: ValueRef<'_>) -> FromSqlResult<Self> {
                    i64::column_result(value).map($name)
                }
            }
        )*
    };
}

integer_ids!(LogId, PropertyId, UnitId, ResidentId, UserId, ReasonId, StatusId, TokenId);
