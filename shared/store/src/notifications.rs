//! Users' notification settings and the notification emails held back for later (quiet hours,
//! daily digests). The notifications themselves live in DynamoDB; what must survive and be
//! queried across users lives here.

use std::collections::BTreeMap;

use chrono::{DateTime, NaiveTime, Utc};
use domain::{EmailDelivery, NotificationKind, Role};
use serde::{Deserialize, Serialize};
use tokio_postgres::{GenericClient, Row};
use uuid::Uuid;

use crate::{OrgId, StoreError};

/// The channels one kind reaches a user on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct Channels {
    pub in_app: bool,
    pub email: bool,
}

/// One user's stored choices; kinds missing from `channels` have never been chosen.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredSettings {
    pub channels: BTreeMap<NotificationKind, Channels>,
    pub email_delivery: EmailDelivery,
    pub quiet_hours: Option<(NaiveTime, NaiveTime)>,
    pub last_digest_at: Option<DateTime<Utc>>,
}

/// A user a notification may go to, with what deciding and sending needs.
#[derive(Debug, Clone)]
pub struct Recipient {
    pub user_id: Uuid,
    pub email: String,
    pub email_verified: bool,
    pub timezone: String,
    pub settings: StoredSettings,
}

impl Default for StoredSettings {
    fn default() -> Self {
        StoredSettings {
            channels: BTreeMap::new(),
            email_delivery: EmailDelivery::Immediate,
            quiet_hours: None,
            last_digest_at: None,
        }
    }
}

fn channels_from(value: serde_json::Value) -> BTreeMap<NotificationKind, Channels> {
    // A kind that no longer exists is dropped rather than failing the whole row.
    serde_json::from_value::<BTreeMap<String, Channels>>(value)
        .unwrap_or_default()
        .into_iter()
        .filter_map(|(kind, channels)| Some((kind.parse().ok()?, channels)))
        .collect()
}

fn settings_from(row: &Row) -> StoredSettings {
    let channels: Option<serde_json::Value> = row.get("channels");
    let start: Option<NaiveTime> = row.get("quiet_start");
    let end: Option<NaiveTime> = row.get("quiet_end");
    StoredSettings {
        channels: channels.map(channels_from).unwrap_or_default(),
        email_delivery: row
            .get::<_, Option<String>>("email_delivery")
            .and_then(|text| text.parse().ok())
            .unwrap_or(EmailDelivery::Immediate),
        quiet_hours: start.zip(end),
        last_digest_at: row.get("last_digest_at"),
    }
}

const RECIPIENT: &str = "SELECT u.id, u.email, COALESCE(u.email_verified, false) AS email_verified,
            COALESCE(u.timezone, 'UTC') AS timezone,
            s.channels, s.email_delivery, s.quiet_start, s.quiet_end, s.last_digest_at
     FROM users u LEFT JOIN notification_settings s ON s.user_id = u.id";

fn recipient_from(row: &Row) -> Recipient {
    Recipient {
        user_id: row.get("id"),
        email: row.get("email"),
        email_verified: row.get("email_verified"),
        timezone: row.get("timezone"),
        settings: settings_from(row),
    }
}

/// The active members among `user_ids` of the organization, with their settings. A user who
/// left the organization or was deactivated is not a recipient anymore.
pub async fn recipients(
    db: &impl GenericClient,
    organization_id: OrgId,
    user_ids: &[Uuid],
) -> Result<Vec<Recipient>, StoreError> {
    let rows = db
        .query(
            &format!("{RECIPIENT} WHERE u.id = ANY($1) AND u.organization_id = $2 AND u.is_active"),
            &[&user_ids, &organization_id],
        )
        .await?;
    Ok(rows.iter().map(recipient_from).collect())
}

/// One user's settings and time zone, whatever their organization (unsubscribe links).
pub async fn recipient(
    db: &impl GenericClient,
    user_id: Uuid,
) -> Result<Option<Recipient>, StoreError> {
    let row = db
        .query_opt(&format!("{RECIPIENT} WHERE u.id = $1"), &[&user_id])
        .await?;
    Ok(row.as_ref().map(recipient_from))
}

/// The active members of an organization whose role is one of `roles`.
pub async fn members_with_roles(
    db: &impl GenericClient,
    organization_id: OrgId,
    roles: &[Role],
) -> Result<Vec<Uuid>, StoreError> {
    let roles: Vec<&str> = roles.iter().map(|r| r.as_str()).collect();
    let rows = db
        .query(
            "SELECT id FROM users WHERE organization_id = $1 AND is_active AND role = ANY($2)",
            &[&organization_id, &roles],
        )
        .await?;
    Ok(rows.iter().map(|row| row.get(0)).collect())
}

/// Replaces a user's stored choices (channels of the kinds given, delivery, quiet hours).
pub async fn save(
    db: &impl GenericClient,
    user_id: Uuid,
    settings: &StoredSettings,
) -> Result<(), StoreError> {
    let channels: BTreeMap<&str, Channels> = settings
        .channels
        .iter()
        .map(|(kind, channels)| (kind.as_str(), *channels))
        .collect();
    let channels = serde_json::to_value(channels).expect("channels serialise");
    let delivery = settings.email_delivery.as_str();
    let (start, end) = settings.quiet_hours.unzip();
    db.execute(
        "INSERT INTO notification_settings (user_id, channels, email_delivery, quiet_start, quiet_end)
         VALUES ($1, $2, $3, $4, $5)
         ON CONFLICT (user_id) DO UPDATE
           SET channels = EXCLUDED.channels, email_delivery = EXCLUDED.email_delivery,
               quiet_start = EXCLUDED.quiet_start, quiet_end = EXCLUDED.quiet_end, updated_at = now()",
        &[&user_id, &channels, &delivery, &start, &end],
    )
    .await?;
    Ok(())
}

/// A user's settings, locked for an update in the caller's transaction.
pub async fn lock(db: &impl GenericClient, user_id: Uuid) -> Result<StoredSettings, StoreError> {
    db.execute(
        "INSERT INTO notification_settings (user_id) VALUES ($1) ON CONFLICT (user_id) DO NOTHING",
        &[&user_id],
    )
    .await?;
    let row = db
        .query_one(
            "SELECT channels, email_delivery, quiet_start, quiet_end, last_digest_at
             FROM notification_settings WHERE user_id = $1 FOR UPDATE",
            &[&user_id],
        )
        .await?;
    Ok(settings_from(&row))
}

/// A notification email held back for later.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HeldEmail {
    pub kind: NotificationKind,
    pub title: String,
    pub body: String,
    pub link: Option<String>,
    pub created_at: DateTime<Utc>,
}

pub async fn hold_email(
    db: &impl GenericClient,
    user_id: Uuid,
    email: &HeldEmail,
) -> Result<(), StoreError> {
    db.execute(
        "INSERT INTO notification_emails_held (user_id, kind, title, body, link, created_at)
         VALUES ($1, $2, $3, $4, $5, $6)",
        &[
            &user_id,
            &email.kind.as_str(),
            &email.title,
            &email.body,
            &email.link,
            &email.created_at,
        ],
    )
    .await?;
    Ok(())
}

/// The users who have emails waiting, oldest waiting first.
pub async fn users_with_held_emails(
    db: &impl GenericClient,
    limit: i64,
) -> Result<Vec<Uuid>, StoreError> {
    let rows = db
        .query(
            "SELECT user_id FROM notification_emails_held
             GROUP BY user_id ORDER BY min(created_at) LIMIT $1",
            &[&limit],
        )
        .await?;
    Ok(rows.iter().map(|row| row.get(0)).collect())
}

/// Removes and returns a user's held emails, oldest first. Called in the transaction that
/// commits only once the digest was sent, so a failed send keeps them.
pub async fn take_held_emails(
    db: &impl GenericClient,
    user_id: Uuid,
) -> Result<Vec<HeldEmail>, StoreError> {
    let rows = db
        .query(
            "DELETE FROM notification_emails_held WHERE id IN (
                 SELECT id FROM notification_emails_held WHERE user_id = $1
                 FOR UPDATE SKIP LOCKED)
             RETURNING kind, title, body, link, created_at",
            &[&user_id],
        )
        .await?;
    let mut held: Vec<HeldEmail> = rows
        .iter()
        .map(|row| HeldEmail {
            kind: row
                .get::<_, String>("kind")
                .parse()
                .expect("checked notification kind"),
            title: row.get("title"),
            body: row.get("body"),
            link: row.get("link"),
            created_at: row.get("created_at"),
        })
        .collect();
    held.sort_by_key(|email| email.created_at);
    Ok(held)
}

pub async fn mark_digest_sent(
    db: &impl GenericClient,
    user_id: Uuid,
    at: DateTime<Utc>,
) -> Result<(), StoreError> {
    db.execute(
        "INSERT INTO notification_settings (user_id, last_digest_at) VALUES ($1, $2)
         ON CONFLICT (user_id) DO UPDATE SET last_digest_at = EXCLUDED.last_digest_at",
        &[&user_id, &at],
    )
    .await?;
    Ok(())
}
