//! What a user hears about and where: per kind, in the app and by email; emails at once or as a
//! daily digest; quiet hours in the user's time zone. One function decides the route of each
//! notification ([`route`]), so every producer honours the settings the same way.

use chrono::{DateTime, NaiveTime, Timelike, Utc};
use chrono_tz::Tz;
use domain::{EmailDelivery, NotificationKind};
use serde::{Deserialize, Serialize};
use store::accounts::audit::Caller;
use store::notifications::{self as stored, Channels, StoredSettings};

use crate::NotificationsError;

/// One kind's channels, as the settings screen shows them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct KindSetting {
    pub kind: NotificationKind,
    pub in_app: bool,
    pub email: bool,
}

/// Hours without notification emails, `HH:MM` in the user's time zone; they may wrap past
/// midnight (22:00–07:00).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct QuietHours {
    #[schemars(pattern(r"^([01][0-9]|2[0-3]):[0-5][0-9]$"), example = &"22:00")]
    pub start: String,
    #[schemars(pattern(r"^([01][0-9]|2[0-3]):[0-5][0-9]$"), example = &"07:00")]
    pub end: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, schemars::JsonSchema)]
pub struct NotificationSettings {
    /// Every kind, in a fixed order.
    pub kinds: Vec<KindSetting>,
    pub email_delivery: EmailDelivery,
    pub quiet_hours: Option<QuietHours>,
    /// The profile's time zone, in which quiet hours and the digest hour are read.
    pub timezone: String,
}

/// A validated change: the kinds listed change, the others keep their setting.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SettingsChange {
    pub kinds: Vec<KindSetting>,
    pub email_delivery: EmailDelivery,
    pub quiet_hours: Option<(NaiveTime, NaiveTime)>,
}

/// The local hour from which a daily digest goes out.
pub const DIGEST_HOUR: u32 = 8;

/// A kind's channels for a user who may never have chosen.
pub fn channels_of(settings: &StoredSettings, kind: NotificationKind) -> Channels {
    settings.channels.get(&kind).copied().unwrap_or(Channels {
        in_app: true,
        email: kind.emailed_by_default(),
    })
}

pub fn clock(time: NaiveTime) -> String {
    format!("{:02}:{:02}", time.hour(), time.minute())
}

pub fn view(settings: &StoredSettings, timezone: &str) -> NotificationSettings {
    NotificationSettings {
        kinds: NotificationKind::ALL
            .iter()
            .map(|&kind| {
                let channels = channels_of(settings, kind);
                KindSetting {
                    kind,
                    in_app: channels.in_app,
                    email: channels.email,
                }
            })
            .collect(),
        email_delivery: settings.email_delivery,
        quiet_hours: settings.quiet_hours.map(|(start, end)| QuietHours {
            start: clock(start),
            end: clock(end),
        }),
        timezone: timezone.to_owned(),
    }
}

/// The user's time zone; an unreadable stored name falls back to UTC rather than losing mail.
pub fn zone(name: &str) -> Tz {
    name.parse().unwrap_or(Tz::UTC)
}

/// Whether `local` falls inside quiet hours `[start, end)`, which may wrap past midnight.
pub fn is_quiet(quiet_hours: Option<(NaiveTime, NaiveTime)>, local: NaiveTime) -> bool {
    match quiet_hours {
        None => false,
        Some((start, end)) if start < end => start <= local && local < end,
        Some((start, end)) => local >= start || local < end,
    }
}

/// What happens to a notification's email.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EmailRoute {
    Skip,
    SendNow,
    /// Held for the digest, or until quiet hours end.
    Hold,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Route {
    pub in_app: bool,
    pub email: EmailRoute,
}

/// Where one notification of `kind` goes for a user with these settings, at `now`.
pub fn route(
    settings: &StoredSettings,
    timezone: Tz,
    kind: NotificationKind,
    now: DateTime<Utc>,
) -> Route {
    let channels = channels_of(settings, kind);
    let local = now.with_timezone(&timezone).time();
    let email = if !channels.email {
        EmailRoute::Skip
    } else if settings.email_delivery == EmailDelivery::DailyDigest
        || is_quiet(settings.quiet_hours, local)
    {
        EmailRoute::Hold
    } else {
        EmailRoute::SendNow
    };
    Route {
        in_app: channels.in_app,
        email,
    }
}

/// Whether a user's held emails may go out at `now`: never in quiet hours; a daily digest once
/// a local day, from [`DIGEST_HOUR`].
pub fn held_emails_due(settings: &StoredSettings, timezone: Tz, now: DateTime<Utc>) -> bool {
    let local = now.with_timezone(&timezone);
    if is_quiet(settings.quiet_hours, local.time()) {
        return false;
    }
    match settings.email_delivery {
        EmailDelivery::Immediate => true,
        EmailDelivery::DailyDigest => {
            let sent_today = settings
                .last_digest_at
                .is_some_and(|at| at.with_timezone(&timezone).date_naive() >= local.date_naive());
            local.hour() >= DIGEST_HOUR && !sent_today
        }
    }
}

pub async fn get(
    state: &runtime::AppState,
    caller: &Caller,
) -> Result<NotificationSettings, NotificationsError> {
    let client = state.db.client().await?;
    let pg: &store::tokio_postgres::Client = &client;
    let recipient = stored::recipient(pg, caller.user_id)
        .await?
        .ok_or(NotificationsError::NotFound("user"))?;
    Ok(view(&recipient.settings, &recipient.timezone))
}

pub async fn update(
    state: &runtime::AppState,
    caller: &Caller,
    change: &SettingsChange,
) -> Result<NotificationSettings, NotificationsError> {
    let mut client = state.db.client().await?;
    let pg: &mut store::tokio_postgres::Client = &mut client;
    let tx = pg.transaction().await?;
    let mut settings = stored::lock(&tx, caller.user_id).await?;
    for kind in &change.kinds {
        settings.channels.insert(
            kind.kind,
            Channels {
                in_app: kind.in_app,
                email: kind.email,
            },
        );
    }
    settings.email_delivery = change.email_delivery;
    settings.quiet_hours = change.quiet_hours;
    stored::save(&tx, caller.user_id, &settings).await?;
    tx.commit().await?;
    get(state, caller).await
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn at(hour: u32, minute: u32) -> NaiveTime {
        NaiveTime::from_hms_opt(hour, minute, 0).unwrap()
    }

    #[test]
    fn quiet_hours_may_wrap_past_midnight() {
        let night = Some((at(22, 0), at(7, 0)));
        assert!(is_quiet(night, at(23, 30)));
        assert!(is_quiet(night, at(3, 0)));
        assert!(!is_quiet(night, at(7, 0)));
        assert!(!is_quiet(night, at(12, 0)));
        let lunch = Some((at(12, 0), at(13, 0)));
        assert!(is_quiet(lunch, at(12, 30)));
        assert!(!is_quiet(lunch, at(13, 0)));
        assert!(!is_quiet(None, at(3, 0)));
    }

    #[test]
    fn quiet_hours_are_read_in_the_users_time_zone() {
        let settings = StoredSettings {
            quiet_hours: Some((at(22, 0), at(7, 0))),
            ..StoredSettings::default()
        };
        // 21:30 UTC is 22:30 in Paris (winter): quiet there, not in UTC.
        let now = Utc.with_ymd_and_hms(2026, 11, 26, 21, 30, 0).unwrap();
        let paris = route(
            &settings,
            chrono_tz::Europe::Paris,
            NotificationKind::PostFailed,
            now,
        );
        let utc = route(&settings, Tz::UTC, NotificationKind::PostFailed, now);
        assert_eq!(paris.email, EmailRoute::Hold);
        assert_eq!(utc.email, EmailRoute::SendNow);
        assert!(paris.in_app && utc.in_app);
    }

    #[test]
    fn defaults_email_what_needs_action_and_keep_the_rest_in_the_app() {
        let settings = StoredSettings::default();
        let now = Utc::now();
        let failed = route(&settings, Tz::UTC, NotificationKind::PostFailed, now);
        let published = route(&settings, Tz::UTC, NotificationKind::PostPublished, now);
        assert_eq!(failed.email, EmailRoute::SendNow);
        assert_eq!(published.email, EmailRoute::Skip);
        assert!(published.in_app);
    }

    #[test]
    fn a_daily_digest_goes_once_a_day_from_the_digest_hour() {
        let mut settings = StoredSettings {
            email_delivery: EmailDelivery::DailyDigest,
            ..StoredSettings::default()
        };
        let early = Utc.with_ymd_and_hms(2026, 11, 26, 6, 0, 0).unwrap();
        let later = Utc.with_ymd_and_hms(2026, 11, 26, 9, 0, 0).unwrap();
        assert_eq!(
            route(&settings, Tz::UTC, NotificationKind::PostFailed, later).email,
            EmailRoute::Hold
        );
        assert!(!held_emails_due(&settings, Tz::UTC, early));
        assert!(held_emails_due(&settings, Tz::UTC, later));
        settings.last_digest_at = Some(later);
        assert!(!held_emails_due(
            &settings,
            Tz::UTC,
            later + chrono::Duration::hours(3)
        ));
        assert!(held_emails_due(
            &settings,
            Tz::UTC,
            later + chrono::Duration::hours(24)
        ));
    }

    #[test]
    fn every_kind_is_listed_once_in_the_view() {
        let view = view(&StoredSettings::default(), "UTC");
        assert_eq!(view.kinds.len(), NotificationKind::ALL.len());
        assert!(view.quiet_hours.is_none());
    }
}
