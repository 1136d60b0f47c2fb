//! Notifications for people: a per-user inbox in DynamoDB, the settings that decide what reaches
//! whom and where (in the app, by email now or in a digest, never in quiet hours), the live feed
//! that shows them (and post statuses, export progress) without polling, and the WebSocket
//! handlers behind it. Producers call [`notify`] after their change committed.

pub mod deliver;
pub mod email;
pub mod feed;
pub mod inbox;
pub mod settings;

pub use deliver::{Delivery, Draft, Recipients, notify};

#[derive(Debug, thiserror::Error)]
pub enum NotificationsError {
    #[error("{0} not found")]
    NotFound(&'static str),
    #[error("this unsubscribe link is not valid")]
    BadUnsubscribeLink,
    #[error("a stored notification is unreadable: {0}")]
    Malformed(String),
    #[error("notification email not sent: {0}")]
    Email(String),
    #[error(transparent)]
    Kv(#[from] kv::KvError),
    #[error(transparent)]
    Live(#[from] live::LiveError),
    #[error(transparent)]
    Store(#[from] store::StoreError),
}

impl From<store::tokio_postgres::Error> for NotificationsError {
    fn from(error: store::tokio_postgres::Error) -> Self {
        NotificationsError::Store(error.into())
    }
}
