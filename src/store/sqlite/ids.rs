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

#[cfg(test)]
mod tests {
    use super::*;
    use rusqlite::Connection;

    #[test]
    fn an_id_is_bound_and_read_as_its_integer() {
        let conn = Connection::open_in_memory().unwrap();
        let (id, kind): (LogId, String) =
            conn.query_row("SELECT ?1, typeof(?1)", [LogId(42)], |r| Ok((r.get(0)?, r.get(1)?))).unwrap();
        assert_eq!((id, kind.as_str()), (LogId(42), "integer"));
        let missing: Option<UnitId> = conn.query_row("SELECT NULL", [], |r| r.get(0)).unwrap();
        assert_eq!(missing, None);
        // A column that holds no integer is an error to answer, never a panic.
        assert!(conn.query_row("SELECT 'seven'", [], |r| r.get::<_, PropertyId>(0)).is_err());
    }
}
