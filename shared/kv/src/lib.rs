//! The single DynamoDB table (`pk`, `sk`, `ttl`). Every item kind has a typed key here, so
//! key layouts live in one place; writes that must not clobber use conditions; and reads treat
//! items past their `ttl` as absent, because DynamoDB deletes expired items only eventually.

mod key;
mod table;

pub use key::ItemKey;
pub use table::{FieldsError, Item, Kv, KvError, Page, PrefixQuery};

/// Re-exported so callers build attribute values with the same SDK version.
pub use aws_sdk_dynamodb::types::AttributeValue;
