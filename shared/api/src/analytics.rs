//! `/api/analytics/*`: the dashboards (overview, posts, engagement, growth, audience), reports
//! and the CSV export. Periods are whole days in the caller's time zone (the `tz` parameter,
//! else the profile's); the numbers come from the `analytics` crate.

use analytics::competitors::{self as watchlist, CompetitorsView, WATCHABLE};
use analytics::dashboards::{
    self, AudienceView, EngagementSeries, Filters, Growth, Interval, MAX_PERIOD_DAYS, Overview,
    Period, PostPage, Trends,
};
use analytics::export::{self, ExportView};
use analytics::reports::{self, ReportPage, ReportRequest, ReportView, Section};
use axum::Json as JsonResponse;
use axum::Router;
use axum::extract::State;
use axum::http::{Method, StatusCode};
use axum::response::{IntoResponse, Response};
use chrono::{Duration, NaiveDate, Utc};
use domain::{Permission, Platform, TimeZone};
use http_kit::FieldIssue;
use http_kit::error::{ApiError, FieldChecks};
use http_kit::extract::{Json, Path, Query};
use http_kit::identity::CurrentUser;
use http_kit::routes::{Routes, op};
use runtime::AppState;
use serde::{Deserialize, Serialize};
use store::analytics::competitors::Competitor;
use store::analytics::dashboards::{PostSort, Scope};
use uuid::Uuid;

use crate::service_errors;

pub fn routes() -> Routes {
    Routes::new("analytics")
        .route(
            op(
                Method::GET,
                "/api/analytics/overview",
                "Totals for a period per platform and account, with the change from the period before",
            )
            .query::<PeriodParams>()
            .returns::<Overview>(200)
            .errors(&[404]),
            overview,
        )
        .route(
            op(
                Method::GET,
                "/api/analytics/posts",
                "Per-post performance, sortable and filtered, cursor-paginated",
            )
            .query::<PostParams>()
            .returns::<PostPage>(200)
            .errors(&[404]),
            posts,
        )
        .route(
            op(
                Method::GET,
                "/api/analytics/engagement",
                "Engagement over time in day, week or month buckets of your time zone",
            )
            .query::<EngagementParams>()
            .returns::<EngagementSeries>(200)
            .errors(&[404]),
            engagement,
        )
        .route(
            op(
                Method::GET,
                "/api/analytics/growth",
                "Followers over time per account and in total",
            )
            .query::<PeriodParams>()
            .returns::<Growth>(200)
            .errors(&[404]),
            growth,
        )
        .route(
            op(
                Method::GET,
                "/api/analytics/audience",
                "Demographics and the hours of the week your posts engage best",
            )
            .query::<PeriodParams>()
            .returns::<AudienceView>(200)
            .errors(&[404]),
            audience,
        )
        .route(
            op(
                Method::GET,
                "/api/analytics/competitors",
                "The competitor watchlist: their followers over the period, posting and engagement, beside yours",
            )
            .query::<CompetitorParams>()
            .returns::<CompetitorsView>(200),
            competitors,
        )
        .route(
            op(
                Method::POST,
                "/api/analytics/competitors",
                "Watch a public X or Instagram account (read through your connected account; 30 days backfilled)",
            )
            .body::<CompetitorBody>()
            .returns::<Competitor>(201)
            .errors(&[402, 404, 409]),
            add_competitor,
        )
        .route(
            op(
                Method::DELETE,
                "/api/analytics/competitors/{id}",
                "Stop watching a competitor (its history goes with it)",
            )
            .returns_nothing(204)
            .errors(&[404]),
            remove_competitor,
        )
        .route(
            op(
                Method::GET,
                "/api/analytics/trends",
                "Hashtags and content types engaging more or less than in the period before",
            )
            .query::<PeriodParams>()
            .returns::<Trends>(200)
            .errors(&[404]),
            trends,
        )
        .route(
            op(
                Method::GET,
                "/api/analytics/mentions",
                "The inbox: comments and mentions of the brand (from the platforms' webhooks and listening), newest first",
            )
            .query::<MentionParams>()
            .returns::<MentionPage>(200)
            .errors(&[422]),
            mentions,
        )
        .route(
            op(
                Method::POST,
                "/api/analytics/reports/generate",
                "Build a report (PDF and CSV) in the background; progress arrives on the live feed",
            )
            .body::<ReportBody>()
            .returns::<ReportView>(202)
            .errors(&[404, 503]),
            generate_report,
        )
        .route(
            op(
                Method::GET,
                "/api/analytics/reports",
                "The organization's reports, newest first, with download links when ready",
            )
            .query::<ReportListParams>()
            .returns::<ReportPage>(200),
            list_reports,
        )
        .route(
            op(
                Method::GET,
                "/api/analytics/reports/{id}",
                "One report, with download links when ready",
            )
            .returns::<ReportView>(200)
            .errors(&[404]),
            get_report,
        )
        .route(
            op(
                Method::GET,
                "/api/analytics/export",
                "Every post's performance as CSV (all columns, any size): a short-lived download link",
            )
            .query::<ExportParams>()
            .returns::<ExportView>(200)
            .errors(&[404]),
            export_csv,
        )
}

pub fn router(state: AppState) -> Router {
    routes().into_router(state)
}

/// A period and the accounts it covers.
#[derive(Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
struct PeriodParams {
    /// First day (YYYY-MM-DD), default 29 days before `to`.
    #[schemars(length(max = 10))]
    from: Option<String>,
    /// Last day, included (YYYY-MM-DD), default today.
    #[schemars(length(max = 10))]
    to: Option<String>,
    /// IANA time zone the days are cut in; default your profile's.
    #[schemars(length(max = 64))]
    tz: Option<String>,
    /// Comma-separated social account ids; default all.
    #[schemars(length(max = 2000))]
    accounts: Option<String>,
    platform: Option<Platform>,
}

#[derive(Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
struct PostParams {
    #[schemars(length(max = 10))]
    from: Option<String>,
    #[schemars(length(max = 10))]
    to: Option<String>,
    #[schemars(length(max = 64))]
    tz: Option<String>,
    #[schemars(length(max = 2000))]
    accounts: Option<String>,
    platform: Option<Platform>,
    /// text, image, video or carousel.
    #[schemars(length(max = 20))]
    content_type: Option<String>,
    /// A hashtag, with or without `#`.
    #[schemars(length(max = 100))]
    tag: Option<String>,
    /// Default `published_at`.
    sort: Option<PostSort>,
    /// `desc` (default) or `asc`.
    #[schemars(length(max = 4))]
    order: Option<String>,
    #[schemars(length(max = 100))]
    cursor: Option<String>,
    /// 1 to 100, default 25.
    #[schemars(range(min = 1, max = 100))]
    limit: Option<i64>,
}

#[derive(Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
struct EngagementParams {
    #[schemars(length(max = 10))]
    from: Option<String>,
    #[schemars(length(max = 10))]
    to: Option<String>,
    #[schemars(length(max = 64))]
    tz: Option<String>,
    #[schemars(length(max = 2000))]
    accounts: Option<String>,
    platform: Option<Platform>,
    #[schemars(length(max = 20))]
    content_type: Option<String>,
    #[schemars(length(max = 100))]
    tag: Option<String>,
    /// Default `day`.
    interval: Option<Interval>,
}

#[derive(Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
struct ExportParams {
    /// Default: from the first post.
    #[schemars(length(max = 10))]
    from: Option<String>,
    /// Default: today.
    #[schemars(length(max = 10))]
    to: Option<String>,
    #[schemars(length(max = 64))]
    tz: Option<String>,
    #[schemars(length(max = 2000))]
    accounts: Option<String>,
    platform: Option<Platform>,
    #[schemars(length(max = 20))]
    content_type: Option<String>,
    #[schemars(length(max = 100))]
    tag: Option<String>,
}

/// The most accounts one request may name.
const MAX_ACCOUNTS: usize = 50;

const CONTENT_TYPES: [&str; 4] = ["text", "image", "video", "carousel"];

/// The caller's time zone: the parameter, else the profile's.
pub(crate) async fn zone_of(
    state: &AppState,
    current: &CurrentUser,
    checks: &mut FieldChecks,
    tz: Option<&str>,
) -> Result<chrono_tz::Tz, ApiError> {
    if let Some(tz) = tz {
        return Ok(checks
            .check("tz", TimeZone::parse(tz))
            .map(|z| z.0)
            .unwrap_or(chrono_tz::UTC));
    }
    let client = state.db.client().await?;
    let profile = store::accounts::users::timezone_of(&**client, current.user_id).await?;
    Ok(profile
        .and_then(|z| TimeZone::parse(&z).ok())
        .map(|z| z.0)
        .unwrap_or(chrono_tz::UTC))
}

fn day(checks: &mut FieldChecks, field: &str, text: Option<&str>) -> Option<NaiveDate> {
    checks.check_opt(field, text, |t| {
        NaiveDate::parse_from_str(t, "%Y-%m-%d")
            .map_err(|_| domain::Invalid("must be a date as YYYY-MM-DD".into()))
    })
}

/// The period the parameters ask for: `to` defaults to today in the zone, `from` to
/// `default_days` before it (or the earliest day the API serves when `None`).
fn period(
    checks: &mut FieldChecks,
    zone: chrono_tz::Tz,
    from: Option<&str>,
    to: Option<&str>,
    default_days: Option<i64>,
) -> Period {
    let today = Utc::now().with_timezone(&zone).date_naive();
    let to_day = day(checks, "to", to).unwrap_or(today);
    let from_day = day(checks, "from", from).unwrap_or_else(|| match default_days {
        Some(days) => to_day - Duration::days(days - 1),
        None => to_day - Duration::days(MAX_PERIOD_DAYS - 1),
    });
    if from_day > to_day {
        checks.push("from", "must not be after `to`");
    } else if (to_day - from_day).num_days() >= MAX_PERIOD_DAYS {
        checks.push(
            "from",
            &format!("a period covers at most {MAX_PERIOD_DAYS} days"),
        );
    }
    Period {
        from: from_day,
        to: to_day,
        zone,
    }
}

fn account_ids(checks: &mut FieldChecks, text: Option<&str>) -> Vec<Uuid> {
    checks
        .check_opt("accounts", text, |t| {
            t.split(',')
                .filter(|s| !s.trim().is_empty())
                .map(|s| s.trim().parse::<Uuid>())
                .collect::<Result<Vec<_>, _>>()
                .map_err(|_| {
                    domain::Invalid("must be social account ids separated by commas".into())
                })
                .and_then(|ids| {
                    if ids.len() > MAX_ACCOUNTS {
                        Err(domain::Invalid(format!("at most {MAX_ACCOUNTS} accounts")))
                    } else {
                        Ok(ids)
                    }
                })
        })
        .unwrap_or_default()
}

fn post_filters(
    checks: &mut FieldChecks,
    accounts: Option<&str>,
    platform: Option<Platform>,
    content_type: Option<&str>,
    tag: Option<&str>,
) -> Filters {
    let content_type = checks.check_opt("content_type", content_type, |t| {
        if CONTENT_TYPES.contains(&t) {
            Ok(t.to_owned())
        } else {
            Err(domain::Invalid(
                "must be text, image, video or carousel".into(),
            ))
        }
    });
    let tag = checks.check_opt("tag", tag, |t| {
        let t = t.trim().trim_start_matches('#');
        if t.is_empty() || t.chars().any(char::is_whitespace) {
            Err(domain::Invalid("must be one hashtag".into()))
        } else {
            Ok(t.to_lowercase())
        }
    });
    Filters {
        accounts: account_ids(checks, accounts),
        platform,
        content_type,
        tag,
    }
}

/// The parameters every dashboard shares, borrowed from its query.
#[derive(Default)]
struct Window<'a> {
    from: Option<&'a str>,
    to: Option<&'a str>,
    tz: Option<&'a str>,
    accounts: Option<&'a str>,
    platform: Option<Platform>,
    content_type: Option<&'a str>,
    tag: Option<&'a str>,
}

/// A dashboard request read at the edge: the caller may read analytics, the period (whole days
/// in the caller's zone, `default_days` long unless given) and the filters are valid so far;
/// the handler adds its own checks before `checks.finish()`.
struct Scoped {
    checks: FieldChecks,
    period: Period,
    filters: Filters,
}

async fn scoped(
    state: &AppState,
    current: &CurrentUser,
    window: Window<'_>,
    default_days: Option<i64>,
) -> Result<Scoped, ApiError> {
    current.require(Permission::ViewAnalytics)?;
    let mut checks = FieldChecks::new();
    let zone = zone_of(state, current, &mut checks, window.tz).await?;
    let period = period(&mut checks, zone, window.from, window.to, default_days);
    let filters = post_filters(
        &mut checks,
        window.accounts,
        window.platform,
        window.content_type,
        window.tag,
    );
    Ok(Scoped {
        checks,
        period,
        filters,
    })
}

impl PeriodParams {
    fn window(&self) -> Window<'_> {
        Window {
            from: self.from.as_deref(),
            to: self.to.as_deref(),
            tz: self.tz.as_deref(),
            accounts: self.accounts.as_deref(),
            platform: self.platform,
            ..Window::default()
        }
    }
}

/// The queries that filter posts too (a hand-written `flatten`, which `deny_unknown_fields`
/// does not allow).
macro_rules! post_window {
    ($($params:ty),+) => {$(
        impl $params {
            fn window(&self) -> Window<'_> {
                Window {
                    from: self.from.as_deref(),
                    to: self.to.as_deref(),
                    tz: self.tz.as_deref(),
                    accounts: self.accounts.as_deref(),
                    platform: self.platform,
                    content_type: self.content_type.as_deref(),
                    tag: self.tag.as_deref(),
                }
            }
        }
    )+};
}

post_window!(PostParams, EngagementParams, ExportParams);

async fn overview(
    State(state): State<AppState>,
    current: CurrentUser,
    Query(params): Query<PeriodParams>,
) -> Result<Response, ApiError> {
    let Scoped {
        checks,
        period,
        filters,
    } = scoped(&state, &current, params.window(), Some(30)).await?;
    checks.finish()?;
    let overview = dashboards::overview(&state, current.organization_id, &period, &filters)
        .await
        .map_err(service_errors::analytics)?;
    Ok(JsonResponse(overview).into_response())
}

async fn posts(
    State(state): State<AppState>,
    current: CurrentUser,
    Query(params): Query<PostParams>,
) -> Result<Response, ApiError> {
    let Scoped {
        mut checks,
        period,
        filters,
    } = scoped(&state, &current, params.window(), Some(30)).await?;
    let limit = checks.page_limit(params.limit, 25);
    let descending = checks
        .check_opt("order", params.order.as_deref(), |o| match o {
            "desc" => Ok(true),
            "asc" => Ok(false),
            _ => Err(domain::Invalid("must be asc or desc".into())),
        })
        .unwrap_or(true);
    let after = checks.check_opt("cursor", params.cursor.as_deref(), |c| {
        dashboards::decode_cursor(c)
            .ok_or_else(|| domain::Invalid("is not a cursor this API returned".into()))
    });
    checks.finish()?;
    let page = dashboards::posts(
        &state,
        current.organization_id,
        &period,
        &filters,
        params.sort.unwrap_or(PostSort::PublishedAt),
        descending,
        after,
        limit,
    )
    .await
    .map_err(service_errors::analytics)?;
    Ok(JsonResponse(page).into_response())
}

async fn engagement(
    State(state): State<AppState>,
    current: CurrentUser,
    Query(params): Query<EngagementParams>,
) -> Result<Response, ApiError> {
    let Scoped {
        mut checks,
        period,
        filters,
    } = scoped(&state, &current, params.window(), Some(30)).await?;
    let interval = params.interval.unwrap_or(Interval::Day);
    // One bucket per day for three years is plenty; more is a mistake.
    if interval == Interval::Day && period.days() > 400 {
        checks.push(
            "interval",
            "use week or month for periods longer than 400 days",
        );
    }
    checks.finish()?;
    let series =
        dashboards::engagement(&state, current.organization_id, &period, interval, &filters)
            .await
            .map_err(service_errors::analytics)?;
    Ok(JsonResponse(series).into_response())
}

async fn growth(
    State(state): State<AppState>,
    current: CurrentUser,
    Query(params): Query<PeriodParams>,
) -> Result<Response, ApiError> {
    let Scoped {
        checks,
        period,
        filters,
    } = scoped(&state, &current, params.window(), Some(30)).await?;
    checks.finish()?;
    let growth = dashboards::growth(&state, current.organization_id, &period, &filters)
        .await
        .map_err(service_errors::analytics)?;
    Ok(JsonResponse(growth).into_response())
}

async fn audience(
    State(state): State<AppState>,
    current: CurrentUser,
    Query(params): Query<PeriodParams>,
) -> Result<Response, ApiError> {
    let Scoped {
        checks,
        period,
        filters,
    } = scoped(&state, &current, params.window(), Some(90)).await?;
    checks.finish()?;
    let audience = dashboards::audience(&state, current.organization_id, &period, &filters)
        .await
        .map_err(service_errors::analytics)?;
    Ok(JsonResponse(audience).into_response())
}

#[derive(Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
struct ReportBody {
    /// 1 to 200 characters; default "Performance report".
    #[schemars(length(max = 200))]
    title: Option<String>,
    /// First day, YYYY-MM-DD.
    #[schemars(length(max = 10))]
    from: String,
    /// Last day, included.
    #[schemars(length(max = 10))]
    to: String,
    /// Default: your profile's time zone.
    #[schemars(length(max = 64))]
    timezone: Option<String>,
    /// Default: every account.
    #[schemars(length(max = 50))]
    accounts: Option<Vec<Uuid>>,
    /// Default: every section.
    #[schemars(length(min = 1, max = 5))]
    sections: Option<Vec<Section>>,
}

async fn generate_report(
    State(state): State<AppState>,
    current: CurrentUser,
    Json(body): Json<ReportBody>,
) -> Result<Response, ApiError> {
    let window = Window {
        from: Some(&body.from),
        to: Some(&body.to),
        tz: body.timezone.as_deref(),
        ..Window::default()
    };
    let Scoped {
        mut checks, period, ..
    } = scoped(&state, &current, window, None).await?;
    let title = body
        .title
        .map(|t| t.trim().to_owned())
        .unwrap_or_else(|| "Performance report".to_owned());
    if title.is_empty() || title.chars().count() > 200 {
        checks.push("title", "must be 1 to 200 characters");
    }
    let accounts = body.accounts.unwrap_or_default();
    if accounts.len() > MAX_ACCOUNTS {
        checks.push("accounts", &format!("at most {MAX_ACCOUNTS} accounts"));
    }
    // In the order asked for, each once.
    let mut sections = body.sections.unwrap_or_else(|| Section::ALL.to_vec());
    let mut seen = Vec::new();
    sections.retain(|s| {
        let first = !seen.contains(s);
        seen.push(*s);
        first
    });
    if sections.is_empty() {
        checks.push("sections", "choose at least one section");
    }
    checks.finish()?;
    let report = reports::request(
        &state,
        current.organization_id,
        current.user_id,
        ReportRequest {
            title,
            period,
            accounts,
            sections,
        },
    )
    .await
    .map_err(service_errors::analytics)?;
    let view = reports::view(&state, report)
        .await
        .map_err(service_errors::analytics)?;
    Ok((StatusCode::ACCEPTED, JsonResponse(view)).into_response())
}

#[derive(Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
struct ReportListParams {
    /// 1 to 100, default 20.
    #[schemars(range(min = 1, max = 100))]
    limit: Option<i64>,
    /// `next_cursor` of the previous page.
    #[schemars(length(max = 100))]
    cursor: Option<String>,
}

async fn list_reports(
    State(state): State<AppState>,
    current: CurrentUser,
    Query(params): Query<ReportListParams>,
) -> Result<Response, ApiError> {
    current.require(Permission::ViewAnalytics)?;
    let mut checks = FieldChecks::new();
    let limit = checks.page_limit(params.limit, 20);
    let after = checks.check_opt("cursor", params.cursor.as_deref(), |c| {
        c.parse::<Uuid>()
            .map_err(|_| domain::Invalid("is not a cursor this API returned".into()))
    });
    checks.finish()?;
    let page = reports::list(&state, current.organization_id, after, limit)
        .await
        .map_err(service_errors::analytics)?;
    Ok(JsonResponse(page).into_response())
}

async fn get_report(
    State(state): State<AppState>,
    current: CurrentUser,
    Path(id): Path<Uuid>,
) -> Result<Response, ApiError> {
    current.require(Permission::ViewAnalytics)?;
    let report = reports::get(&state, current.organization_id, id)
        .await
        .map_err(service_errors::analytics)?;
    Ok(JsonResponse(report).into_response())
}

async fn export_csv(
    State(state): State<AppState>,
    current: CurrentUser,
    Query(params): Query<ExportParams>,
) -> Result<Response, ApiError> {
    let Scoped {
        checks,
        period,
        filters,
    } = scoped(&state, &current, params.window(), None).await?;
    checks.finish()?;
    let (from, to) = period.instants();
    let scope = Scope {
        // Without `from`, everything up to `to`, however old.
        from: if params.from.is_none() {
            chrono::DateTime::<Utc>::UNIX_EPOCH
        } else {
            from
        },
        to,
        accounts: filters.accounts,
        platform: filters.platform,
        content_type: filters.content_type,
        tag: filters.tag,
    };
    let view = export::export(&state, current.organization_id, &scope)
        .await
        .map_err(service_errors::analytics)?;
    Ok(JsonResponse(view).into_response())
}

#[derive(Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
struct CompetitorParams {
    /// First day of the followers series (YYYY-MM-DD), default 29 days before `to`.
    #[schemars(length(max = 10))]
    from: Option<String>,
    #[schemars(length(max = 10))]
    to: Option<String>,
    #[schemars(length(max = 64))]
    tz: Option<String>,
}

async fn competitors(
    State(state): State<AppState>,
    current: CurrentUser,
    Query(params): Query<CompetitorParams>,
) -> Result<Response, ApiError> {
    let window = Window {
        from: params.from.as_deref(),
        to: params.to.as_deref(),
        tz: params.tz.as_deref(),
        ..Window::default()
    };
    let Scoped { checks, period, .. } = scoped(&state, &current, window, Some(30)).await?;
    checks.finish()?;
    let view = watchlist::view(&state, current.organization_id, &period)
        .await
        .map_err(service_errors::analytics)?;
    Ok(JsonResponse(view).into_response())
}

#[derive(Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
struct CompetitorBody {
    /// `x` or `instagram`.
    platform: Platform,
    /// Their handle, with or without `@`.
    #[schemars(length(max = 31))]
    handle: String,
}

async fn add_competitor(
    State(state): State<AppState>,
    current: CurrentUser,
    Json(body): Json<CompetitorBody>,
) -> Result<Response, ApiError> {
    current.require(Permission::ManageSocialAccounts)?;
    let mut checks = FieldChecks::new();
    if !WATCHABLE.contains(&body.platform) {
        checks.push("platform", "competitors can be watched on x and instagram");
    }
    let handle = body.handle.trim().trim_start_matches('@').to_lowercase();
    let valid = !handle.is_empty()
        && handle.len() <= 30
        && handle
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '.');
    if !valid {
        checks.push("handle", "must be 1 to 30 letters, digits, `_` or `.`");
    }
    checks.finish()?;
    let competitor = watchlist::add(
        &state,
        current.organization_id,
        current.user_id,
        body.platform,
        &handle,
    )
    .await
    .map_err(service_errors::analytics)?;
    Ok((StatusCode::CREATED, JsonResponse(competitor)).into_response())
}

async fn remove_competitor(
    State(state): State<AppState>,
    current: CurrentUser,
    Path(id): Path<Uuid>,
) -> Result<Response, ApiError> {
    current.require(Permission::ManageSocialAccounts)?;
    watchlist::remove(&state, current.organization_id, id)
        .await
        .map_err(service_errors::analytics)?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

#[derive(Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
struct MentionParams {
    label: Option<MentionLabel>,
    platform: Option<Platform>,
    kind: Option<MentionKind>,
    /// The page before this instant (the previous page's `next_before`).
    before: Option<chrono::DateTime<chrono::Utc>>,
    /// 1 to 100 (50).
    limit: Option<i64>,
}

#[derive(Deserialize, schemars::JsonSchema, Clone, Copy)]
#[serde(rename_all = "snake_case")]
enum MentionLabel {
    Positive,
    Neutral,
    Negative,
}

#[derive(Deserialize, schemars::JsonSchema, Clone, Copy)]
#[serde(rename_all = "snake_case")]
enum MentionKind {
    Mention,
    Comment,
}

#[derive(Serialize, schemars::JsonSchema)]
struct MentionPage {
    mentions: Vec<store::insights::InboxMention>,
    /// Pass as `before` for the next page; absent on the last one.
    next_before: Option<chrono::DateTime<chrono::Utc>>,
}

async fn mentions(
    State(state): State<AppState>,
    current: CurrentUser,
    Query(params): Query<MentionParams>,
) -> Result<Response, ApiError> {
    current.require(Permission::ViewAnalytics)?;
    let limit = params.limit.unwrap_or(50);
    if !(1..=100).contains(&limit) {
        return Err(ApiError::validation(vec![FieldIssue::new(
            "limit",
            "must be between 1 and 100",
        )]));
    }
    let label = params.label.map(|l| match l {
        MentionLabel::Positive => "positive",
        MentionLabel::Neutral => "neutral",
        MentionLabel::Negative => "negative",
    });
    let kind = params.kind.map(|k| match k {
        MentionKind::Mention => "mention",
        MentionKind::Comment => "comment",
    });
    let client = state.db.client().await?;
    let mentions = store::insights::inbox(
        &**client,
        current.organization_id,
        label,
        params.platform,
        kind,
        params.before,
        limit,
    )
    .await?;
    let next_before = (mentions.len() as i64 == limit)
        .then(|| mentions.last().map(|m| m.created_at))
        .flatten();
    Ok(JsonResponse(MentionPage {
        mentions,
        next_before,
    })
    .into_response())
}

async fn trends(
    State(state): State<AppState>,
    current: CurrentUser,
    Query(params): Query<PeriodParams>,
) -> Result<Response, ApiError> {
    let Scoped {
        checks,
        period,
        filters,
    } = scoped(&state, &current, params.window(), Some(30)).await?;
    checks.finish()?;
    let trends = dashboards::trends(&state, current.organization_id, &period, &filters)
        .await
        .map_err(service_errors::analytics)?;
    Ok(JsonResponse(trends).into_response())
}
