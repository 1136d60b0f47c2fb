//! Producing a notification: for each recipient, the route their settings give it (in the app
//! and on the live feed, by email now, or held for later), then each channel. Producers call
//! [`notify`] after their own transaction committed; a notification that cannot be delivered is
//! logged and never undoes what it is about.

use chrono::Utc;
use contracts::{LiveEvent, Notification};
use domain::{NotificationKind, Permission, Role};
use runtime::AppState;
use store::OrgId;
use store::notifications::{self as stored, HeldEmail, Recipient};
use uuid::Uuid;

use crate::settings::{self, EmailRoute};
use crate::{NotificationsError, email, inbox};

/// What a producer says; the id, time and read state are added per recipient.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Draft {
    pub kind: NotificationKind,
    pub title: String,
    pub body: String,
    /// An app path (`/posts/{id}`), never a URL with a token in it.
    pub link: Option<String>,
    pub post_id: Option<Uuid>,
    pub social_account_id: Option<Uuid>,
}

/// Who a notification is for, inside one organization.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Recipients {
    User(Uuid),
    /// The members who follow organization-wide events (admins and managers), except one (who
    /// caused the event and knows already).
    Team {
        except: Option<Uuid>,
    },
    /// The team and one more member (whoever connected an account), each once.
    TeamAnd(Option<Uuid>),
}

/// What one [`notify`] did, for logs and tests.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Delivery {
    pub in_app: usize,
    pub emailed: usize,
    pub held: usize,
    pub skipped: usize,
}

/// `db` is the producer's own connection (after its transaction committed): a producer holding
/// one connection of its execution environment's small pool never waits for a second.
pub async fn notify(
    state: &AppState,
    db: &store::tokio_postgres::Client,
    organization_id: OrgId,
    recipients: Recipients,
    draft: Draft,
) -> Delivery {
    match try_notify(state, db, organization_id, recipients, &draft).await {
        Ok(delivery) => delivery,
        Err(error) => {
            tracing::error!(%error, kind = %draft.kind, "notification not delivered");
            Delivery::default()
        }
    }
}

async fn try_notify(
    state: &AppState,
    pg: &store::tokio_postgres::Client,
    organization_id: OrgId,
    recipients: Recipients,
    draft: &Draft,
) -> Result<Delivery, NotificationsError> {
    let user_ids = match recipients {
        Recipients::User(user) => vec![user],
        Recipients::Team { except } => {
            let mut members = team_members(pg, organization_id).await?;
            members.retain(|member| Some(*member) != except);
            members
        }
        Recipients::TeamAnd(extra) => {
            let mut members = team_members(pg, organization_id).await?;
            members.extend(extra.filter(|user| !members.contains(user)));
            members
        }
    };
    if user_ids.is_empty() {
        return Ok(Delivery::default());
    }
    let recipients = stored::recipients(pg, organization_id, &user_ids).await?;
    let mut delivery = Delivery::default();
    for recipient in &recipients {
        deliver_to(state, pg, organization_id, recipient, draft, &mut delivery).await?;
    }
    Ok(delivery)
}

/// The members who follow organization-wide events.
async fn team_members(
    pg: &store::tokio_postgres::Client,
    organization_id: OrgId,
) -> Result<Vec<Uuid>, NotificationsError> {
    let roles: Vec<Role> = Role::ALL
        .iter()
        .copied()
        .filter(|role| role.can(Permission::FollowTeamEvents))
        .collect();
    Ok(stored::members_with_roles(pg, organization_id, &roles).await?)
}

async fn deliver_to(
    state: &AppState,
    pg: &store::tokio_postgres::Client,
    organization_id: OrgId,
    recipient: &Recipient,
    draft: &Draft,
    delivery: &mut Delivery,
) -> Result<(), NotificationsError> {
    let now = Utc::now();
    let route = settings::route(
        &recipient.settings,
        settings::zone(&recipient.timezone),
        draft.kind,
        now,
    );
    let notification = Notification {
        id: Uuid::now_v7(),
        kind: draft.kind,
        title: draft.title.clone(),
        body: draft.body.clone(),
        link: draft.link.clone(),
        post_id: draft.post_id,
        social_account_id: draft.social_account_id,
        read: false,
        created_at: now,
    };
    if route.in_app {
        inbox::store(state, recipient.user_id, &notification).await?;
        // The count and the connections are independent reads: one round trip, not two.
        let audience = live::Audience::User {
            organization_id,
            user_id: recipient.user_id,
        };
        let (unread, connections) = tokio::join!(
            inbox::unread_count(state, recipient.user_id),
            live::connections_of(state, audience)
        );
        let unread = unread?;
        match connections {
            Ok(connections) => {
                let event = LiveEvent::NotificationCreated {
                    notification: notification.clone(),
                    unread,
                };
                live::send_to(state, &connections, event).await;
            }
            Err(error) => tracing::warn!(%error, "notification not pushed live"),
        }
        delivery.in_app += 1;
    }
    // Only a confirmed address gets mail: nobody can sign someone else's inbox up.
    let email_route = if recipient.email_verified {
        route.email
    } else {
        EmailRoute::Skip
    };
    match email_route {
        EmailRoute::Skip => {
            if !route.in_app {
                delivery.skipped += 1;
            }
        }
        EmailRoute::SendNow => {
            let held = held_email(&notification);
            email::send(state, recipient, std::slice::from_ref(&held)).await?;
            delivery.emailed += 1;
        }
        EmailRoute::Hold => {
            stored::hold_email(pg, recipient.user_id, &held_email(&notification)).await?;
            delivery.held += 1;
        }
    }
    Ok(())
}

fn held_email(notification: &Notification) -> HeldEmail {
    HeldEmail {
        kind: notification.kind,
        title: notification.title.clone(),
        body: notification.body.clone(),
        link: notification.link.clone(),
        created_at: notification.created_at,
    }
}
