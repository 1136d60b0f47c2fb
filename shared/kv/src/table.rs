use std::collections::HashMap;
use std::time::{Duration, Instant};

use aws_sdk_dynamodb::Client;
use aws_sdk_dynamodb::error::{DisplayErrorContext, SdkError};
use aws_sdk_dynamodb::types::{AttributeValue, ReturnValue};
use chrono::{DateTime, Utc};

use crate::ItemKey;

const PK: &str = "pk";
const SK: &str = "sk";
const TTL: &str = "ttl";

#[derive(Debug, thiserror::Error)]
pub enum KvError {
    /// The table could not be reached or refused the request (throttling, missing table, auth).
    #[error("key-value store unavailable: {0}")]
    Unavailable(String),
    /// An attribute had an unexpected type: a bug or a corrupted item.
    #[error("malformed item {pk}/{sk}: {reason}")]
    Malformed {
        pk: String,
        sk: String,
        reason: String,
    },
}

fn unavailable<E, R>(error: SdkError<E, R>) -> KvError
where
    E: std::error::Error + 'static,
    R: std::fmt::Debug,
{
    KvError::Unavailable(DisplayErrorContext(&error).to_string())
}

/// One item's attributes, without the key and TTL bookkeeping concerns of callers.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Item(HashMap<String, AttributeValue>);

impl Item {
    pub fn new() -> Self {
        Item::default()
    }

    pub fn with_string(mut self, name: &str, value: impl Into<String>) -> Self {
        self.0
            .insert(name.to_owned(), AttributeValue::S(value.into()));
        self
    }

    pub fn with_number(mut self, name: &str, value: i64) -> Self {
        self.0
            .insert(name.to_owned(), AttributeValue::N(value.to_string()));
        self
    }

    pub fn with_bool(mut self, name: &str, value: bool) -> Self {
        self.0.insert(name.to_owned(), AttributeValue::Bool(value));
        self
    }

    pub fn string(&self, name: &str) -> Option<&str> {
        self.0
            .get(name)
            .and_then(|v| v.as_s().ok())
            .map(String::as_str)
    }

    pub fn number(&self, name: &str) -> Option<i64> {
        self.0
            .get(name)
            .and_then(|v| v.as_n().ok())
            .and_then(|n| n.parse().ok())
    }

    pub fn bool(&self, name: &str) -> Option<bool> {
        self.0.get(name).and_then(|v| v.as_bool().ok()).copied()
    }

    /// The fields of a flat serde value (strings, whole numbers, booleans; `null` fields are
    /// left out): how typed messages (`contracts`) are stored attribute by attribute, so the
    /// table stays queryable and readable in the console.
    pub fn from_fields<T: serde::Serialize>(value: &T) -> Result<Item, FieldsError> {
        let serde_json::Value::Object(fields) =
            serde_json::to_value(value).map_err(|e| FieldsError(e.to_string()))?
        else {
            return Err(FieldsError("not an object".to_owned()));
        };
        let mut item = Item::new();
        for (name, field) in fields {
            item = match field {
                serde_json::Value::Null => item,
                serde_json::Value::String(text) => item.with_string(&name, text),
                serde_json::Value::Bool(flag) => item.with_bool(&name, flag),
                serde_json::Value::Number(n) => match n.as_i64() {
                    Some(n) => item.with_number(&name, n),
                    None => return Err(FieldsError(format!("{name}: only whole numbers"))),
                },
                _ => return Err(FieldsError(format!("{name}: only flat fields"))),
            };
        }
        Ok(item)
    }

    /// The typed value an item holds (see [`Item::from_fields`]); bookkeeping attributes
    /// (key, expiry) are not fields.
    pub fn to_fields<T: serde::de::DeserializeOwned>(&self) -> Result<T, FieldsError> {
        let mut fields = serde_json::Map::new();
        for (name, value) in &self.0 {
            if name == PK || name == SK || name == TTL {
                continue;
            }
            let field = match value {
                AttributeValue::S(text) => serde_json::Value::String(text.clone()),
                AttributeValue::Bool(flag) => serde_json::Value::Bool(*flag),
                AttributeValue::N(n) => n
                    .parse::<i64>()
                    .map(serde_json::Value::from)
                    .map_err(|e| FieldsError(format!("{name}: {e}")))?,
                _ => continue,
            };
            fields.insert(name.clone(), field);
        }
        serde_json::from_value(serde_json::Value::Object(fields))
            .map_err(|e| FieldsError(e.to_string()))
    }

    /// The item's expiry, if it has one.
    pub fn expires_at(&self) -> Option<DateTime<Utc>> {
        self.number(TTL)
            .and_then(|s| DateTime::from_timestamp(s, 0))
    }

    fn is_expired(&self, now: DateTime<Utc>) -> bool {
        self.expires_at().is_some_and(|at| at <= now)
    }
}

/// A value that is not a flat object of strings, whole numbers and booleans.
#[derive(Debug, thiserror::Error)]
#[error("not storable as item fields: {0}")]
pub struct FieldsError(String);

/// The items of one partition whose sort key starts with a prefix, oldest sort key first
/// unless [`PrefixQuery::newest_first`].
#[derive(Debug, Clone)]
pub struct PrefixQuery<'a> {
    pk: &'a str,
    sk_prefix: &'a str,
    newest_first: bool,
    after: Option<&'a str>,
    only: Option<(&'a str, AttributeValue)>,
    projection: Option<&'a [&'a str]>,
}

impl<'a> PrefixQuery<'a> {
    pub fn new(pk: &'a str, sk_prefix: &'a str) -> Self {
        PrefixQuery {
            pk,
            sk_prefix,
            newest_first: false,
            after: None,
            only: None,
            projection: None,
        }
    }

    pub fn newest_first(mut self) -> Self {
        self.newest_first = true;
        self
    }

    /// Start after this sort key (the `next` of a previous [`Page`]).
    pub fn after(mut self, sk: Option<&'a str>) -> Self {
        self.after = sk;
        self
    }

    /// Only items whose attribute equals this value.
    pub fn only(mut self, name: &'a str, value: AttributeValue) -> Self {
        self.only = Some((name, value));
        self
    }

    /// Only these attributes (and the sort key) of each item: less to read and to send when a
    /// caller needs a few fields of many items.
    pub fn project(mut self, attributes: &'a [&'a str]) -> Self {
        self.projection = Some(attributes);
        self
    }
}

/// One page of a [`PrefixQuery`]: items with their sort keys, and the sort key to continue
/// after when there may be more.
#[derive(Debug, Clone, Default)]
pub struct Page {
    pub items: Vec<(String, Item)>,
    pub next: Option<String>,
}

/// The table, with the operations the product needs. Cheap to clone.
#[derive(Clone, Debug)]
pub struct Kv {
    client: Client,
    table: String,
}

impl Kv {
    pub fn new(client: Client, table: impl Into<String>) -> Self {
        Kv {
            client,
            table: table.into(),
        }
    }

    pub fn table_name(&self) -> &str {
        &self.table
    }

    fn full_item(
        key: &ItemKey,
        item: Item,
        expires_at: Option<DateTime<Utc>>,
    ) -> HashMap<String, AttributeValue> {
        let mut attributes = item.0;
        attributes.insert(PK.to_owned(), AttributeValue::S(key.pk().to_owned()));
        attributes.insert(SK.to_owned(), AttributeValue::S(key.sk().to_owned()));
        if let Some(at) = expires_at {
            attributes.insert(
                TTL.to_owned(),
                AttributeValue::N(at.timestamp().to_string()),
            );
        }
        attributes
    }

    fn key_attributes(key: &ItemKey) -> HashMap<String, AttributeValue> {
        HashMap::from([
            (PK.to_owned(), AttributeValue::S(key.pk().to_owned())),
            (SK.to_owned(), AttributeValue::S(key.sk().to_owned())),
        ])
    }

    fn live(item: Option<HashMap<String, AttributeValue>>) -> Option<Item> {
        item.map(Item).filter(|item| !item.is_expired(Utc::now()))
    }

    /// Reads an item (strongly consistent); an expired item reads as absent.
    pub async fn get(&self, key: &ItemKey) -> Result<Option<Item>, KvError> {
        let output = self
            .client
            .get_item()
            .table_name(&self.table)
            .set_key(Some(Self::key_attributes(key)))
            .consistent_read(true)
            .send()
            .await
            .map_err(unavailable)?;
        Ok(Self::live(output.item))
    }

    /// Writes an item, replacing any previous one.
    pub async fn put(
        &self,
        key: &ItemKey,
        item: Item,
        expires_at: Option<DateTime<Utc>>,
    ) -> Result<(), KvError> {
        self.client
            .put_item()
            .table_name(&self.table)
            .set_item(Some(Self::full_item(key, item, expires_at)))
            .send()
            .await
            .map_err(unavailable)?;
        Ok(())
    }

    /// Writes an item only if no live item has that key. Returns false when one already exists:
    /// the building block of idempotency keys and single-flight claims.
    pub async fn put_if_absent(
        &self,
        key: &ItemKey,
        item: Item,
        expires_at: Option<DateTime<Utc>>,
    ) -> Result<bool, KvError> {
        let result = self
            .client
            .put_item()
            .table_name(&self.table)
            .set_item(Some(Self::full_item(key, item, expires_at)))
            // An expired item that DynamoDB has not removed yet does not block a new one.
            .condition_expression(
                "attribute_not_exists(#pk) OR (attribute_exists(#ttl) AND #ttl <= :now)",
            )
            .expression_attribute_names("#pk", PK)
            .expression_attribute_names("#ttl", TTL)
            .expression_attribute_values(
                ":now",
                AttributeValue::N(Utc::now().timestamp().to_string()),
            )
            .send()
            .await;
        match result {
            Ok(_) => Ok(true),
            Err(error)
                if error
                    .as_service_error()
                    .is_some_and(|e| e.is_conditional_check_failed_exception()) =>
            {
                Ok(false)
            }
            Err(error) => Err(unavailable(error)),
        }
    }

    /// Deletes an item and returns it if it was live: single-use values (OAuth state, reset
    /// links) are consumed by exactly one caller even under concurrent requests.
    pub async fn take(&self, key: &ItemKey) -> Result<Option<Item>, KvError> {
        let output = self
            .client
            .delete_item()
            .table_name(&self.table)
            .set_key(Some(Self::key_attributes(key)))
            .return_values(ReturnValue::AllOld)
            .send()
            .await
            .map_err(unavailable)?;
        Ok(Self::live(output.attributes))
    }

    pub async fn delete(&self, key: &ItemKey) -> Result<(), KvError> {
        self.client
            .delete_item()
            .table_name(&self.table)
            .set_key(Some(Self::key_attributes(key)))
            .send()
            .await
            .map_err(unavailable)?;
        Ok(())
    }

    /// Atomically adds `by` to the numeric attribute `count` and returns the new value. The
    /// expiry is set by the first increment only, so a window's end never moves.
    pub async fn increment(
        &self,
        key: &ItemKey,
        by: i64,
        expires_at: DateTime<Utc>,
    ) -> Result<i64, KvError> {
        let output = self
            .client
            .update_item()
            .table_name(&self.table)
            .set_key(Some(Self::key_attributes(key)))
            .update_expression("ADD #count :by SET #ttl = if_not_exists(#ttl, :ttl)")
            .expression_attribute_names("#count", "count")
            .expression_attribute_names("#ttl", TTL)
            .expression_attribute_values(":by", AttributeValue::N(by.to_string()))
            .expression_attribute_values(
                ":ttl",
                AttributeValue::N(expires_at.timestamp().to_string()),
            )
            .return_values(ReturnValue::UpdatedNew)
            .send()
            .await
            .map_err(unavailable)?;
        let item = Item(output.attributes.unwrap_or_default());
        item.number("count").ok_or_else(|| KvError::Malformed {
            pk: key.pk().to_owned(),
            sk: key.sk().to_owned(),
            reason: "counter has no numeric `count`".to_owned(),
        })
    }

    /// Live items of one partition whose sort key starts with `sk_prefix`, newest sort key first
    /// when `newest_first`.
    pub async fn query_prefix(
        &self,
        pk: &str,
        sk_prefix: &str,
        limit: i32,
        newest_first: bool,
    ) -> Result<Vec<(String, Item)>, KvError> {
        let query = PrefixQuery {
            newest_first,
            ..PrefixQuery::new(pk, sk_prefix)
        };
        Ok(self.query_page(&query, limit.max(1) as usize).await?.items)
    }

    /// Up to `limit` live items of a [`PrefixQuery`], and where the next page starts when there
    /// may be more. DynamoDB applies its limit before a filter, so this reads on until the page
    /// is full or the partition is exhausted.
    pub async fn query_page(&self, query: &PrefixQuery<'_>, limit: usize) -> Result<Page, KvError> {
        let mut items = Vec::new();
        let mut start: Option<HashMap<String, AttributeValue>> = query.after.map(|sk| {
            HashMap::from([
                (PK.to_owned(), AttributeValue::S(query.pk.to_owned())),
                (SK.to_owned(), AttributeValue::S(sk.to_owned())),
            ])
        });
        let now = Utc::now();
        loop {
            let wanted = limit - items.len();
            let mut request = self
                .prefix_request(query)
                .limit(wanted.clamp(1, 1000) as i32)
                .set_exclusive_start_key(start.take());
            if let Some((name, value)) = &query.only {
                request = request
                    .filter_expression("#f = :f")
                    .expression_attribute_names("#f", *name)
                    .expression_attribute_values(":f", value.clone());
            }
            if let Some(attributes) = query.projection {
                // Names go through `#` aliases: some (`role`, `ttl`) are reserved words.
                let mut names = vec!["#sk".to_owned(), "#ttl".to_owned()];
                for (i, attribute) in attributes.iter().enumerate() {
                    let alias = format!("#p{i}");
                    request = request.expression_attribute_names(&alias, *attribute);
                    names.push(alias);
                }
                request = request
                    .expression_attribute_names("#ttl", TTL)
                    .projection_expression(names.join(", "));
            }
            let output = request.send().await.map_err(unavailable)?;
            for item in output.items.unwrap_or_default().into_iter().map(Item) {
                if !item.is_expired(now) {
                    let sk = item.string(SK).unwrap_or_default().to_owned();
                    items.push((sk, item));
                }
            }
            start = output.last_evaluated_key;
            if start.is_none() {
                return Ok(Page { items, next: None });
            }
            if items.len() >= limit {
                let next = items.last().map(|(sk, _)| sk.clone());
                return Ok(Page { items, next });
            }
        }
    }

    /// Every live item a [`PrefixQuery`] matches, read page by page.
    pub async fn query_all(&self, query: &PrefixQuery<'_>) -> Result<Vec<(String, Item)>, KvError> {
        Ok(self.query_page(query, usize::MAX).await?.items)
    }

    /// How many live items a [`PrefixQuery`] matches (its `after` is ignored).
    pub async fn count(&self, query: &PrefixQuery<'_>) -> Result<u64, KvError> {
        let now = AttributeValue::N(Utc::now().timestamp().to_string());
        let mut total = 0u64;
        let mut start = None;
        loop {
            // Expired items DynamoDB has not removed yet are not counted.
            let mut filter = "(attribute_not_exists(#ttl) OR #ttl > :now)".to_owned();
            let mut request = self
                .prefix_request(query)
                .select(aws_sdk_dynamodb::types::Select::Count)
                .expression_attribute_names("#ttl", TTL)
                .expression_attribute_values(":now", now.clone())
                .set_exclusive_start_key(start.take());
            if let Some((name, value)) = &query.only {
                filter.push_str(" AND #f = :f");
                request = request
                    .expression_attribute_names("#f", *name)
                    .expression_attribute_values(":f", value.clone());
            }
            let output = request
                .filter_expression(filter)
                .send()
                .await
                .map_err(unavailable)?;
            total += output.count.max(0) as u64;
            start = output.last_evaluated_key;
            if start.is_none() {
                return Ok(total);
            }
        }
    }

    fn prefix_request(
        &self,
        query: &PrefixQuery<'_>,
    ) -> aws_sdk_dynamodb::operation::query::builders::QueryFluentBuilder {
        self.client
            .query()
            .table_name(&self.table)
            .key_condition_expression("#pk = :pk AND begins_with(#sk, :prefix)")
            .expression_attribute_names("#pk", PK)
            .expression_attribute_names("#sk", SK)
            .expression_attribute_values(":pk", AttributeValue::S(query.pk.to_owned()))
            .expression_attribute_values(":prefix", AttributeValue::S(query.sk_prefix.to_owned()))
            .scan_index_forward(!query.newest_first)
            .consistent_read(true)
    }

    /// Sets one attribute of an existing live item and returns the item as it is now; `None`
    /// when there is no such item (nothing is created).
    pub async fn set_field(
        &self,
        key: &ItemKey,
        name: &str,
        value: AttributeValue,
    ) -> Result<Option<Item>, KvError> {
        let result = self
            .client
            .update_item()
            .table_name(&self.table)
            .set_key(Some(Self::key_attributes(key)))
            .update_expression("SET #f = :v")
            .condition_expression("attribute_exists(#pk)")
            .expression_attribute_names("#f", name)
            .expression_attribute_names("#pk", PK)
            .expression_attribute_values(":v", value)
            .return_values(ReturnValue::AllNew)
            .send()
            .await;
        match result {
            Ok(output) => Ok(Self::live(output.attributes)),
            Err(error)
                if error
                    .as_service_error()
                    .is_some_and(|e| e.is_conditional_check_failed_exception()) =>
            {
                Ok(None)
            }
            Err(error) => Err(unavailable(error)),
        }
    }

    /// Reads the health item; the time it took is what the health check reports.
    pub async fn ping(&self) -> Result<Duration, KvError> {
        let started = Instant::now();
        self.get(&ItemKey::health()).await?;
        Ok(started.elapsed())
    }
}
