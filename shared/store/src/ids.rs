//! Typed ids. The organization that scopes every read and write of tenant data is an [`OrgId`],
//! never a bare UUID, so a user's or a post's id cannot be passed where the tenant is meant.
//! It is a UUID on the wire and in Postgres.

use std::fmt;

use serde::{Deserialize, Serialize};
use tokio_postgres::types::{FromSql, IsNull, ToSql, Type, to_sql_checked};
use uuid::Uuid;

#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Hash,
    PartialOrd,
    Ord,
    Serialize,
    Deserialize,
    schemars::JsonSchema,
)]
#[serde(transparent)]
pub struct OrgId(Uuid);

impl OrgId {
    pub const fn new(id: Uuid) -> Self {
        OrgId(id)
    }

    pub const fn as_uuid(&self) -> Uuid {
        self.0
    }
}

impl From<Uuid> for OrgId {
    fn from(id: Uuid) -> Self {
        OrgId(id)
    }
}

impl From<OrgId> for Uuid {
    fn from(id: OrgId) -> Self {
        id.0
    }
}

impl std::str::FromStr for OrgId {
    type Err = uuid::Error;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        text.parse().map(OrgId)
    }
}

impl fmt::Display for OrgId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

impl ToSql for OrgId {
    fn to_sql(
        &self,
        ty: &Type,
        out: &mut bytes::BytesMut,
    ) -> Result<IsNull, Box<dyn std::error::Error + Sync + Send>> {
        self.0.to_sql(ty, out)
    }

    fn accepts(ty: &Type) -> bool {
        <Uuid as ToSql>::accepts(ty)
    }

    to_sql_checked!();
}

impl<'a> FromSql<'a> for OrgId {
    fn from_sql(
        ty: &Type,
        raw: &'a [u8],
    ) -> Result<Self, Box<dyn std::error::Error + Sync + Send>> {
        Uuid::from_sql(ty, raw).map(OrgId)
    }

    fn accepts(ty: &Type) -> bool {
        <Uuid as FromSql>::accepts(ty)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_organization_id_is_a_plain_uuid_in_json() {
        let id = OrgId::new(Uuid::nil());
        assert_eq!(
            serde_json::to_string(&id).unwrap(),
            "\"00000000-0000-0000-0000-000000000000\""
        );
        assert_eq!(
            serde_json::from_str::<OrgId>("\"00000000-0000-0000-0000-000000000000\"").unwrap(),
            id
        );
    }
}
