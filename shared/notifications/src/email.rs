//! Notification emails: one at a time or as a digest, each with a link to the settings and a
//! one-click unsubscribe link; the held ones go out when quiet hours end or at the digest hour.

use chrono::{DateTime, Utc};
use cloud::OutgoingEmail;
use domain::NotificationKind;
use runtime::AppState;
use serde::Serialize;
use store::notifications::{self as stored, Channels, HeldEmail, Recipient};
use uuid::Uuid;

use crate::NotificationsError;
use crate::settings::{self, channels_of};

/// The unsubscribe link of a user's notification emails (the web app's page, which confirms
/// through the API).
pub fn unsubscribe_link(state: &AppState, user_id: Uuid) -> String {
    let token = auth::unsubscribe_token(state.secrets.jwt_signing_key.expose(), user_id);
    format!(
        "{}/unsubscribe?user={user_id}&token={token}",
        state.config.app_base_url
    )
}

fn render(state: &AppState, user_id: Uuid, emails: &[HeldEmail]) -> (String, String) {
    let base = &state.config.app_base_url;
    let subject = match emails {
        [one] => one.title.clone(),
        many => format!("{} notifications", many.len()),
    };
    let mut text = String::new();
    for email in emails {
        text.push_str(&email.title);
        text.push('\n');
        text.push_str(&email.body);
        text.push('\n');
        if let Some(link) = &email.link {
            text.push_str(&format!("{base}{link}\n"));
        }
        text.push('\n');
    }
    text.push_str(&format!(
        "--\nChoose what we email you: {base}/settings/notifications\n\
         Stop these emails: {}\n",
        unsubscribe_link(state, user_id)
    ));
    (subject, text)
}

/// Sends one email with these notifications.
pub async fn send(
    state: &AppState,
    recipient: &Recipient,
    emails: &[HeldEmail],
) -> Result<(), NotificationsError> {
    let (subject, text) = render(state, recipient.user_id, emails);
    state
        .mailer()
        .send(&OutgoingEmail {
            to: recipient.email.clone(),
            subject,
            text,
        })
        .await
        .map_err(|e| NotificationsError::Email(e.to_string()))
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, schemars::JsonSchema)]
pub struct HeldEmailsReport {
    /// Emails sent, each with one or more notifications.
    pub sent: usize,
    pub notifications: usize,
    /// Users whose emails wait (quiet hours, or the digest hour not reached).
    pub waiting: usize,
}

/// Sends the held emails that may go out at `now` (the maintenance schedule runs this).
pub async fn send_held(
    state: &AppState,
    now: DateTime<Utc>,
) -> Result<HeldEmailsReport, NotificationsError> {
    let mut report = HeldEmailsReport::default();
    let users = {
        let client = state.db.client().await?;
        let pg: &store::tokio_postgres::Client = &client;
        stored::users_with_held_emails(pg, 500).await?
    };
    for user_id in users {
        let mut client = state.db.client().await?;
        let pg: &mut store::tokio_postgres::Client = &mut client;
        let Some(recipient) = stored::recipient(&*pg, user_id).await? else {
            continue;
        };
        let zone = settings::zone(&recipient.timezone);
        if !settings::held_emails_due(&recipient.settings, zone, now) {
            report.waiting += 1;
            continue;
        }
        let tx = pg.transaction().await?;
        let held = stored::take_held_emails(&tx, user_id).await?;
        // Kinds turned off since they were held are not sent, nor to an address no longer
        // confirmed.
        let wanted: Vec<HeldEmail> = held
            .into_iter()
            .filter(|email| channels_of(&recipient.settings, email.kind).email)
            .collect();
        if !wanted.is_empty() && recipient.email_verified {
            // The transaction commits only after the send: a failed send keeps them held.
            send(state, &recipient, &wanted).await?;
            stored::mark_digest_sent(&tx, user_id, now).await?;
            report.sent += 1;
            report.notifications += wanted.len();
        }
        tx.commit().await?;
    }
    Ok(report)
}

#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub struct Unsubscribed {
    /// The kinds no longer emailed.
    pub email_off: Vec<NotificationKind>,
}

/// Turns notification emails off (one kind, or all) for the owner of an unsubscribe link.
pub async fn unsubscribe(
    state: &AppState,
    user_id: Uuid,
    token: &str,
    kind: Option<NotificationKind>,
) -> Result<Unsubscribed, NotificationsError> {
    if !auth::unsubscribe_token_matches(state.secrets.jwt_signing_key.expose(), user_id, token) {
        return Err(NotificationsError::BadUnsubscribeLink);
    }
    let mut client = state.db.client().await?;
    let pg: &mut store::tokio_postgres::Client = &mut client;
    let tx = pg.transaction().await?;
    if stored::recipient(&tx, user_id).await?.is_none() {
        return Err(NotificationsError::BadUnsubscribeLink);
    }
    let mut settings = stored::lock(&tx, user_id).await?;
    let kinds: Vec<NotificationKind> = match kind {
        Some(kind) => vec![kind],
        None => NotificationKind::ALL.to_vec(),
    };
    for kind in kinds {
        let channels = channels_of(&settings, kind);
        settings.channels.insert(
            kind,
            Channels {
                email: false,
                ..channels
            },
        );
    }
    stored::save(&tx, user_id, &settings).await?;
    tx.commit().await?;
    let email_off = NotificationKind::ALL
        .iter()
        .copied()
        .filter(|kind| !channels_of(&settings, *kind).email)
        .collect();
    Ok(Unsubscribed { email_off })
}
