//! Posts per local day.

use super::*;

#[derive(Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub(super) struct CalendarQuery {
    /// First day, `YYYY-MM-DD`.
    pub(super) from: NaiveDate,
    /// Last day (inclusive), at most 62 days after `from`.
    pub(super) to: NaiveDate,
    /// Defaults to the caller's profile time zone.
    #[schemars(length(min = 1, max = 64))]
    pub(super) timezone: Option<String>,
}

#[derive(Serialize, schemars::JsonSchema)]
pub(super) struct CalendarEntry {
    pub(super) id: Uuid,
    pub(super) title: Option<String>,
    /// The text's first line, at most 80 characters (for untitled posts).
    pub(super) excerpt: String,
    pub(super) status: PostStatus,
    pub(super) local_time: String,
    pub(super) platforms: Vec<Platform>,
}

#[derive(Serialize, schemars::JsonSchema)]
pub(super) struct Calendar {
    pub(super) timezone: String,
    pub(super) days: BTreeMap<String, Vec<CalendarEntry>>,
}

pub(super) async fn calendar(
    State(state): State<AppState>,
    current: CurrentUser,
    Query(query): Query<CalendarQuery>,
) -> Result<Response, ApiError> {
    current.require(Permission::ViewOrganization)?;
    let client = state.db.client().await?;
    let pg: &tokio_postgres::Client = &client;
    let zone_name = match query.timezone {
        Some(zone) => zone,
        None => store::accounts::users::get(pg, current.user_id)
            .await?
            .map(|u| u.timezone)
            .unwrap_or_else(|| "UTC".into()),
    };
    let mut checks = FieldChecks::new();
    let zone = checks.check("timezone", TimeZone::parse(&zone_name));
    if query.to < query.from || (query.to - query.from).num_days() > 62 {
        checks.push("to", "must be on or after from, at most 62 days later");
    }
    checks.finish()?;
    let zone = zone.expect("checked");
    let start = zone
        .0
        .from_local_datetime(&query.from.and_hms_opt(0, 0, 0).expect("midnight"))
        .earliest()
        .map(|t| t.with_timezone(&Utc));
    let end = zone
        .0
        .from_local_datetime(
            &(query.to + chrono::Duration::days(1))
                .and_hms_opt(0, 0, 0)
                .expect("midnight"),
        )
        .earliest()
        .map(|t| t.with_timezone(&Utc));
    let filter = PostFilter {
        from: start,
        to: end,
        limit: 2000,
        ..PostFilter::default()
    };
    let posts = posts::list(pg, current.organization_id, &filter).await?;
    let mut days: BTreeMap<String, Vec<CalendarEntry>> = BTreeMap::new();
    for post in posts {
        let Some(at) = post.scheduled_at.or(post.published_at) else {
            continue;
        };
        let local = at.with_timezone(&zone.0);
        days.entry(local.format("%Y-%m-%d").to_string())
            .or_default()
            .push(CalendarEntry {
                id: post.id,
                title: post.title.clone(),
                excerpt: post
                    .content
                    .lines()
                    .next()
                    .unwrap_or_default()
                    .chars()
                    .take(80)
                    .collect(),
                status: post.status,
                local_time: local.format("%H:%M").to_string(),
                platforms: post.targets.iter().map(|t| t.platform).collect(),
            });
    }
    for entries in days.values_mut() {
        entries.sort_by(|a, b| a.local_time.cmp(&b.local_time));
    }
    Ok(JsonResponse(Calendar {
        timezone: zone.name().to_owned(),
        days,
    })
    .into_response())
}
