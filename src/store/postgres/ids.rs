//! Ids bound and read as the `bigint` they are stored as (arrays of them as
//! `bigint[]`, through the client's own `Vec<T>` and slice impls).

use crate::domain::ids::{LogId, PropertyId, ReasonId, ResidentId, StatusId, TokenId, UnitId, UserId};
use bytes::BytesMut;
use postgres::types::{to_sql_checked, FromSql, IsNull, ToSql, Type};
use std::error::Error;

type BoxError = Box<dyn Error + Sync + Send>;

macro_rules! bigint_ids {
    ($($name:ident),*) => {
        $(
            impl ToSql for $name {
                fn to_sql(&self, ty: &Type, out: &mut BytesMut) -> Result<IsNull, BoxError> {
                    self.0.to_sql(ty, out)
                }

                fn accepts(ty: &Type) -> bool {
                    <i64 as ToSql>::accepts(ty)
                }

                to_sql_checked!();
            }

            impl<'a> FromSql<'a> for $name {
                fn from_sql(ty: &Type, raw: &'a [u8]) -> Result<Self, BoxError> {
                    i64::from_sql(ty, raw).map($name)
                }

                fn accepts(ty: &Type) -> bool {
                    <i64 as FromSql>::accepts(ty)
                }
            }
        )*
    };
}

bigint_ids!(LogId, PropertyId, UnitId, ResidentId, UserId, ReasonId, StatusId, TokenId);
