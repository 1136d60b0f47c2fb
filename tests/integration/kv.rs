//! The DynamoDB table's operations behave as the product relies on them, TTL included.

use chrono::{Duration, Utc};
use integration_tests::{local_stack, sdk, unique};
use kv::{Item, ItemKey, Kv};

async fn fresh_table() -> Kv {
    let aws = cloud::AwsClients::new(&sdk());
    let table = unique("itest-kv");
    local_stack::create_table(&aws, &table).await.unwrap();
    Kv::new(aws.dynamodb, table)
}

#[tokio::test]
async fn put_if_absent_lets_exactly_one_writer_win() {
    let kv = fresh_table().await;
    let key = ItemKey::idempotency("org-1", "request-42");
    let expires = Some(Utc::now() + Duration::hours(24));

    assert!(
        kv.put_if_absent(&key, Item::new().with_string("response", "first"), expires)
            .await
            .unwrap()
    );
    assert!(
        !kv.put_if_absent(&key, Item::new().with_string("response", "second"), expires)
            .await
            .unwrap()
    );

    let stored = kv
        .get(&key)
        .await
        .unwrap()
        .expect("the first write is kept");
    assert_eq!(stored.string("response"), Some("first"));
}

#[tokio::test]
async fn an_expired_item_reads_as_absent_and_can_be_replaced() {
    let kv = fresh_table().await;
    let key = ItemKey::oauth_state(&unique("state"));
    let past = Some(Utc::now() - Duration::seconds(5));
    kv.put(&key, Item::new().with_string("verifier", "old"), past)
        .await
        .unwrap();

    // DynamoDB (and moto) may keep expired items for a while; we must not.
    assert_eq!(kv.get(&key).await.unwrap(), None);
    assert!(
        kv.put_if_absent(&key, Item::new().with_string("verifier", "new"), None)
            .await
            .unwrap()
    );
    assert_eq!(
        kv.get(&key).await.unwrap().unwrap().string("verifier"),
        Some("new")
    );
}

#[tokio::test]
async fn a_single_use_value_is_taken_by_one_of_many_concurrent_callers() {
    let kv = fresh_table().await;
    let key = ItemKey::oauth_state(&unique("state"));
    kv.put(
        &key,
        Item::new().with_string("verifier", "v"),
        Some(Utc::now() + Duration::minutes(10)),
    )
    .await
    .unwrap();

    let takers: Vec<_> = (0..8)
        .map(|_| {
            let kv = kv.clone();
            let key = key.clone();
            tokio::spawn(async move { kv.take(&key).await.unwrap() })
        })
        .collect();
    let mut taken = 0;
    for taker in takers {
        if taker.await.unwrap().is_some() {
            taken += 1;
        }
    }
    assert_eq!(taken, 1);
}

#[tokio::test]
async fn counters_add_up_under_concurrency_and_keep_their_first_expiry() {
    let kv = fresh_table().await;
    let key = ItemKey::rate_limit("login-ip", "203.0.113.7", 1_764_000_000);
    let first_expiry = Utc::now() + Duration::seconds(60);

    let increments: Vec<_> = (0..10)
        .map(|_| {
            let kv = kv.clone();
            let key = key.clone();
            tokio::spawn(async move { kv.increment(&key, 1, first_expiry).await.unwrap() })
        })
        .collect();
    let mut seen = Vec::new();
    for increment in increments {
        seen.push(increment.await.unwrap());
    }
    seen.sort();
    assert_eq!(
        seen,
        (1..=10).collect::<Vec<_>>(),
        "every increment saw a distinct count"
    );

    kv.increment(&key, 1, first_expiry + Duration::hours(1))
        .await
        .unwrap();
    let item = kv.get(&key).await.unwrap().unwrap();
    assert_eq!(item.number("count"), Some(11));
    assert_eq!(
        item.expires_at().unwrap().timestamp(),
        first_expiry.timestamp()
    );
}

#[tokio::test]
async fn a_prefix_query_returns_live_items_newest_first() {
    let kv = fresh_table().await;
    let user = unique("user");
    for (id, expired) in [("0001", false), ("0002", true), ("0003", false)] {
        let expiry = if expired {
            Utc::now() - Duration::seconds(1)
        } else {
            Utc::now() + Duration::days(1)
        };
        kv.put(
            &ItemKey::notification(&user, id),
            Item::new().with_string("title", id),
            Some(expiry),
        )
        .await
        .unwrap();
    }
    let (pk, prefix) = ItemKey::notification_prefix(&user);
    let items = kv.query_prefix(&pk, prefix, 10, true).await.unwrap();
    let titles: Vec<_> = items
        .iter()
        .map(|(_, item)| item.string("title").unwrap())
        .collect();
    assert_eq!(titles, ["0003", "0001"]);
}

#[tokio::test]
async fn a_filtered_page_fills_up_and_counts_skip_expired_items() {
    // Given ten items, every third one unread, and one unread item already expired
    let kv = fresh_table().await;
    let user = unique("user");
    for n in 0..10 {
        let item = Item::new().with_bool("read", n % 3 != 0);
        kv.put(
            &ItemKey::notification(&user, &format!("{n:04}")),
            item,
            None,
        )
        .await
        .unwrap();
    }
    kv.put(
        &ItemKey::notification(&user, "0100"),
        Item::new().with_bool("read", false),
        Some(Utc::now() - Duration::seconds(1)),
    )
    .await
    .unwrap();
    let (pk, prefix) = ItemKey::notification_prefix(&user);
    let unread = |after| {
        kv::PrefixQuery::new(&pk, prefix)
            .newest_first()
            .after(after)
            .only("read", kv::AttributeValue::Bool(false))
    };

    // When the unread ones are paged two at a time
    let first = kv.query_page(&unread(None), 2).await.unwrap();
    let second = kv
        .query_page(&unread(first.next.as_deref()), 2)
        .await
        .unwrap();

    // Then each page is full though the filter skips most items, and the count agrees
    let ids = |page: &kv::Page| -> Vec<String> {
        page.items
            .iter()
            .map(|(sk, _)| sk.trim_start_matches(prefix).to_owned())
            .collect()
    };
    assert_eq!(ids(&first), ["0009", "0006"]);
    assert_eq!(ids(&second), ["0003", "0000"]);
    assert_eq!(kv.count(&unread(None)).await.unwrap(), 4);
}
