//! Reports: asked for in the API (recorded, then queued), built by the report builder (the
//! numbers, a CSV of every post, a PDF a manager can send to a client), with progress on the
//! live feed and a notification when ready; listed and downloaded through short-lived links.

use chrono::{Duration, Utc};
use contracts::{LiveEvent, ReportStage};
use domain::NotificationKind;
use runtime::AppState;
use serde::{Deserialize, Serialize};
use store::OrgId;
use store::analytics::dashboards::{PostSort, Scope};
use store::analytics::reports::{self as db_reports, NewReport, Report};
use uuid::Uuid;

use crate::AnalyticsError;
use crate::dashboards::{self, Filters, Interval, Period};
use crate::export::{self, DOWNLOAD_TTL};
use crate::pdf::{self, Document, MARGIN, WIDTH};

/// What a report can hold; the CSV always lists every post of the period.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Section {
    Overview,
    Engagement,
    Growth,
    TopPosts,
    Audience,
}

impl Section {
    pub const ALL: [Section; 5] = [
        Section::Overview,
        Section::Engagement,
        Section::Growth,
        Section::TopPosts,
        Section::Audience,
    ];

    fn name(self) -> &'static str {
        match self {
            Section::Overview => "overview",
            Section::Engagement => "engagement",
            Section::Growth => "growth",
            Section::TopPosts => "top_posts",
            Section::Audience => "audience",
        }
    }

    fn parse(name: &str) -> Option<Section> {
        Section::ALL.into_iter().find(|s| s.name() == name)
    }
}

/// A report request, validated at the edge.
pub struct ReportRequest {
    pub title: String,
    pub period: Period,
    pub accounts: Vec<Uuid>,
    pub sections: Vec<Section>,
}

/// The message on the reports queue.
#[derive(Debug, Serialize, Deserialize)]
pub struct BuildReport {
    pub report_id: Uuid,
}

fn queue_url(state: &AppState) -> Result<&str, AnalyticsError> {
    state
        .config
        .queue_url("analytics-reports")
        .map_err(|e| AnalyticsError::Queue(e.0))
}

/// Records the request and queues it for the builder.
pub async fn request(
    state: &AppState,
    organization_id: OrgId,
    user_id: Uuid,
    request: ReportRequest,
) -> Result<Report, AnalyticsError> {
    let client = state.db.client().await?;
    let filters = Filters {
        accounts: request.accounts.clone(),
        ..Filters::default()
    };
    dashboards::accounts_in(&client, organization_id, &filters).await?;
    let sections: Vec<String> = request
        .sections
        .iter()
        .map(|s| s.name().to_owned())
        .collect();
    let report = db_reports::create(
        &**client,
        &NewReport {
            organization_id,
            requested_by: user_id,
            title: &request.title,
            date_from: request.period.from,
            date_to: request.period.to,
            timezone: request.period.zone.name(),
            account_ids: &request.accounts,
            sections: &sections,
        },
    )
    .await?;
    let body = serde_json::to_string(&BuildReport {
        report_id: report.id,
    })
    .map_err(|e| AnalyticsError::Queue(e.to_string()))?;
    let queued = cloud::send_messages(
        state.sqs(),
        queue_url(state)?,
        &[cloud::OutgoingMessage {
            body,
            delay_secs: 0,
        }],
    )
    .await;
    if let Err(error) = queued {
        db_reports::fail(&**client, report.id, "could not be queued; ask again").await?;
        return Err(AnalyticsError::Queue(error.to_string()));
    }
    Ok(report)
}

async fn progress(state: &AppState, report: &Report, stage: ReportStage, percent: u8) {
    if let Some(user_id) = report.requested_by {
        live::send(
            state,
            live::Audience::User {
                organization_id: report.organization_id,
                user_id,
            },
            LiveEvent::ReportProgress {
                report_id: report.id,
                stage,
                percent,
            },
        )
        .await;
    }
}

fn keys(report: &Report) -> (String, String) {
    let base = format!("reports/{}/{}", report.organization_id.as_uuid(), report.id);
    (format!("{base}.csv"), format!("{base}.pdf"))
}

/// Builds one queued report. A report that is not queued (built already, or by a redelivered
/// message) is left alone.
pub async fn build(state: &AppState, report_id: Uuid) -> Result<(), AnalyticsError> {
    let report = {
        let client = state.db.client().await?;
        db_reports::claim(&**client, report_id).await?
    };
    let Some(report) = report else {
        return Ok(());
    };
    progress(state, &report, ReportStage::Running, 5).await;
    match render(state, &report).await {
        Ok((csv_key, pdf_key)) => {
            let client = state.db.client().await?;
            db_reports::complete(&**client, report.id, &csv_key, &pdf_key).await?;
            progress(state, &report, ReportStage::Ready, 100).await;
            if let Some(user_id) = report.requested_by {
                notifications::notify(
                    state,
                    &client,
                    report.organization_id,
                    notifications::Recipients::User(user_id),
                    notifications::Draft {
                        kind: NotificationKind::ReportReady,
                        title: format!("Your report “{}” is ready", report.title),
                        body: format!(
                            "{} to {}: download the PDF or the CSV from Analytics.",
                            report.date_from, report.date_to
                        ),
                        link: Some("/analytics/reports".to_owned()),
                        post_id: None,
                        social_account_id: None,
                    },
                )
                .await;
            }
            integrations::deliveries::emit(
                &**client,
                report.organization_id,
                integrations::catalog::EventType::ReportReady,
                serde_json::json!({
                    "report_id": report.id,
                    "name": report.title,
                    "date_from": report.date_from,
                    "date_to": report.date_to,
                }),
            )
            .await;
            Ok(())
        }
        Err(error) => {
            tracing::error!(report = %report.id, %error, "report failed");
            let client = state.db.client().await?;
            db_reports::fail(
                &**client,
                report.id,
                "the report could not be built; ask again",
            )
            .await?;
            progress(state, &report, ReportStage::Failed, 100).await;
            Ok(())
        }
    }
}

async fn advance(state: &AppState, report: &Report, percent: u8) -> Result<(), AnalyticsError> {
    {
        let client = state.db.client().await?;
        db_reports::advance(&**client, report.id, i16::from(percent)).await?;
    }
    progress(state, report, ReportStage::Running, percent).await;
    Ok(())
}

fn period_of(report: &Report) -> Result<Period, AnalyticsError> {
    Ok(Period {
        from: report.date_from,
        to: report.date_to,
        zone: report
            .timezone
            .parse()
            .map_err(|_| AnalyticsError::Invalid("the report's time zone is unknown".into()))?,
    })
}

/// The numbers, the CSV and the PDF; returns their keys.
async fn render(state: &AppState, report: &Report) -> Result<(String, String), AnalyticsError> {
    let org = report.organization_id;
    let period = period_of(report)?;
    let filters = Filters {
        accounts: report.account_ids.clone(),
        ..Filters::default()
    };
    let sections: Vec<Section> = report
        .sections
        .iter()
        .filter_map(|s| Section::parse(s))
        .collect();
    let overview = dashboards::overview(state, org, &period, &filters).await?;
    advance(state, report, 20).await?;
    let interval = if period.days() > 120 {
        Interval::Month
    } else if period.days() > 31 {
        Interval::Week
    } else {
        Interval::Day
    };
    let engagement = dashboards::engagement(state, org, &period, interval, &filters).await?;
    let growth = dashboards::growth(state, org, &period, &filters).await?;
    let audience = dashboards::audience(state, org, &period, &filters).await?;
    let top = dashboards::posts(
        state,
        org,
        &period,
        &filters,
        PostSort::Engagements,
        true,
        None,
        10,
    )
    .await?;
    advance(state, report, 40).await?;

    let (csv_key, pdf_key) = keys(report);
    let (from, to) = period.instants();
    let scope = Scope {
        from,
        to,
        accounts: filters.accounts.clone(),
        platform: None,
        content_type: None,
        tag: None,
    };
    export::write_posts_csv(state, org, &scope, &csv_key, |_| {}).await?;
    advance(state, report, 70).await?;

    let organization = {
        let client = state.db.client().await?;
        store::accounts::organizations::get(&**client, org, false)
            .await?
            .map(|o| o.name)
    };
    let content = Content {
        title: &report.title,
        organization: organization.as_deref().unwrap_or(""),
        sections: &sections,
        overview: &overview,
        engagement: &engagement,
        growth: &growth,
        audience: &audience,
        top: &top,
    };
    let bytes = content.draw();
    cloud::put_object(
        state.s3(),
        &state.config.media_bucket,
        &pdf_key,
        "application/pdf",
        bytes,
    )
    .await
    .map_err(|e| AnalyticsError::Storage(e.to_string()))?;
    advance(state, report, 95).await?;
    Ok((csv_key, pdf_key))
}

struct Content<'a> {
    title: &'a str,
    organization: &'a str,
    sections: &'a [Section],
    overview: &'a dashboards::Overview,
    engagement: &'a dashboards::EngagementSeries,
    growth: &'a dashboards::Growth,
    audience: &'a dashboards::AudienceView,
    top: &'a dashboards::PostPage,
}

fn thousands(n: i64) -> String {
    let digits = n.unsigned_abs().to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    if n < 0 { format!("-{out}") } else { out }
}

fn rate(r: Option<f64>) -> String {
    r.map(|r| format!("{r:.2}%")).unwrap_or_else(|| "–".into())
}

fn change(c: Option<f64>, unit: &str) -> (String, pdf::Rgb) {
    match c {
        Some(c) if c > 0.0 => (format!("+{c:.1}{unit} vs previous"), pdf::GOOD),
        Some(c) if c < 0.0 => (format!("{c:.1}{unit} vs previous"), pdf::BAD),
        Some(_) => ("no change".to_owned(), pdf::MUTED),
        None => ("no earlier data".into(), pdf::MUTED),
    }
}

/// A vertical cursor down the page that starts a new page when the next block will not fit.
struct Flow {
    doc: Document,
    y: f32,
}

impl Flow {
    fn need(&mut self, height: f32) {
        if self.y + height > pdf::HEIGHT - MARGIN {
            self.doc.add_page();
            self.y = MARGIN + 10.0;
        }
    }

    fn heading(&mut self, text: &str) {
        self.need(60.0);
        self.y += 28.0;
        self.doc.text(MARGIN, self.y, 14.0, true, pdf::INK, text);
        self.y += 8.0;
        self.doc
            .line(MARGIN, self.y, WIDTH - MARGIN, self.y, pdf::RULE);
        self.y += 16.0;
    }

    /// A table: `columns` as (title, width, right-aligned).
    fn table(&mut self, columns: &[(&str, f32, bool)], rows: &[Vec<String>]) {
        self.need(40.0);
        let row = |flow: &mut Flow, cells: &[String], bold: bool, color: pdf::Rgb| {
            let mut x = MARGIN;
            for ((_, width, right), cell) in columns.iter().zip(cells) {
                let text = pdf::fit(cell, width - 6.0, 9.0);
                if *right {
                    flow.doc
                        .text_right(x + width - 6.0, flow.y, 9.0, bold, color, &text);
                } else {
                    flow.doc.text(x, flow.y, 9.0, bold, color, &text);
                }
                x += width;
            }
            flow.y += 15.0;
        };
        let titles: Vec<String> = columns.iter().map(|c| c.0.to_owned()).collect();
        row(self, &titles, true, pdf::MUTED);
        for cells in rows {
            self.need(15.0);
            row(self, cells, false, pdf::INK);
        }
    }
}

impl Content<'_> {
    fn draw(&self) -> Vec<u8> {
        let mut flow = Flow {
            doc: Document::new(),
            y: MARGIN,
        };
        let o = self.overview;
        flow.y += 18.0;
        flow.doc
            .text(MARGIN, flow.y, 22.0, true, pdf::INK, self.title);
        flow.y += 20.0;
        let subtitle = format!(
            "{}{} to {} ({}) · compared with {} to {}",
            if self.organization.is_empty() {
                String::new()
            } else {
                format!("{} · ", self.organization)
            },
            o.period.from,
            o.period.to,
            o.period.timezone,
            o.previous_period.from,
            o.previous_period.to
        );
        flow.doc
            .text(MARGIN, flow.y, 10.0, false, pdf::MUTED, &subtitle);
        flow.y += 6.0;
        for section in self.sections {
            match section {
                Section::Overview => self.overview_cards(&mut flow),
                Section::Engagement => self.engagement_chart(&mut flow),
                Section::Growth => self.growth_chart(&mut flow),
                Section::TopPosts => self.top_posts(&mut flow),
                Section::Audience => self.audience_tables(&mut flow),
            }
        }
        flow.need(30.0);
        flow.y += 24.0;
        flow.doc.text(
            MARGIN,
            flow.y,
            8.0,
            false,
            pdf::MUTED,
            &format!(
                "Generated {} UTC. Engagement rate = (likes + comments + shares + saves + clicks) / impressions.",
                Utc::now().format("%Y-%m-%d %H:%M")
            ),
        );
        flow.doc.finish()
    }

    fn overview_cards(&self, flow: &mut Flow) {
        flow.heading("Overview");
        let t = &self.overview.total;
        let cards = [
            (
                "Posts",
                thousands(t.current.totals.posts),
                change(t.change.posts, "%"),
            ),
            (
                "Impressions",
                thousands(t.current.totals.impressions),
                change(t.change.impressions, "%"),
            ),
            (
                "Engagements",
                thousands(t.current.totals.engagements),
                change(t.change.engagements, "%"),
            ),
            (
                "Engagement rate",
                rate(t.current.engagement_rate),
                change(t.change.engagement_rate_points, " pts"),
            ),
            (
                "Followers",
                t.current
                    .followers
                    .map(thousands)
                    .unwrap_or_else(|| "–".into()),
                change(t.change.followers, "%"),
            ),
        ];
        flow.need(70.0);
        let width = (WIDTH - 2.0 * MARGIN) / cards.len() as f32;
        for (i, (label, value, (delta, color))) in cards.iter().enumerate() {
            let x = MARGIN + i as f32 * width;
            flow.doc.rect(
                x + 2.0,
                flow.y - 4.0,
                width - 4.0,
                58.0,
                pdf::Rgb(0.96, 0.97, 0.99),
            );
            flow.doc
                .text(x + 8.0, flow.y + 10.0, 8.0, false, pdf::MUTED, label);
            flow.doc
                .text(x + 8.0, flow.y + 30.0, 15.0, true, pdf::INK, value);
            flow.doc.text(
                x + 8.0,
                flow.y + 45.0,
                7.0,
                false,
                *color,
                &pdf::fit(delta, width - 14.0, 7.0),
            );
        }
        flow.y += 66.0;
        let rows: Vec<Vec<String>> = self
            .overview
            .platforms
            .iter()
            .map(|p| {
                vec![
                    p.platform.display_name().to_owned(),
                    thousands(p.figures.current.totals.posts),
                    thousands(p.figures.current.totals.impressions),
                    thousands(p.figures.current.totals.engagements),
                    rate(p.figures.current.engagement_rate),
                    p.figures
                        .current
                        .followers
                        .map(thousands)
                        .unwrap_or_else(|| "–".into()),
                ]
            })
            .collect();
        flow.y += 8.0;
        flow.table(
            &[
                ("Platform", 140.0, false),
                ("Posts", 60.0, true),
                ("Impressions", 85.0, true),
                ("Engagements", 85.0, true),
                ("Rate", 60.0, true),
                ("Followers", 69.0, true),
            ],
            &rows,
        );
    }

    fn engagement_chart(&self, flow: &mut Flow) {
        let e = self.engagement;
        let unit = match e.interval {
            Interval::Day => "day",
            Interval::Week => "week",
            Interval::Month => "month",
        };
        flow.heading(&format!("Engagement by {unit}"));
        let height = 140.0;
        flow.need(height + 30.0);
        let max = e
            .buckets
            .iter()
            .map(|b| b.engagements)
            .max()
            .unwrap_or(0)
            .max(1) as f32;
        let width = (WIDTH - 2.0 * MARGIN) / e.buckets.len().max(1) as f32;
        let base = flow.y + height;
        for (i, bucket) in e.buckets.iter().enumerate() {
            let h = bucket.engagements as f32 / max * (height - 10.0);
            let x = MARGIN + i as f32 * width;
            flow.doc
                .rect(x + width * 0.15, base - h, width * 0.7, h, pdf::ACCENT);
        }
        flow.doc.line(MARGIN, base, WIDTH - MARGIN, base, pdf::RULE);
        flow.doc.text(
            MARGIN,
            flow.y + 6.0,
            8.0,
            false,
            pdf::MUTED,
            &format!("max {}", thousands(max as i64)),
        );
        if let (Some(first), Some(last)) = (e.buckets.first(), e.buckets.last()) {
            flow.doc.text(
                MARGIN,
                base + 12.0,
                8.0,
                false,
                pdf::MUTED,
                &first.start.to_string(),
            );
            flow.doc.text_right(
                WIDTH - MARGIN,
                base + 12.0,
                8.0,
                false,
                pdf::MUTED,
                &last.start.to_string(),
            );
        }
        flow.y = base + 32.0;
        let best = e
            .buckets
            .iter()
            .filter(|b| b.engagement_rate.is_some())
            .max_by(|a, b| {
                a.engagement_rate
                    .partial_cmp(&b.engagement_rate)
                    .unwrap_or(std::cmp::Ordering::Equal)
            });
        let summary = match best {
            Some(b) => format!(
                "Engagement rate over the period: {}. Best {unit}: from {} at {}.",
                rate(e.engagement_rate),
                b.start,
                rate(b.engagement_rate)
            ),
            None => "No impressions were reported in this period.".to_owned(),
        };
        flow.doc
            .text(MARGIN, flow.y, 9.0, false, pdf::INK, &summary);
        flow.y += 6.0;
    }

    fn growth_chart(&self, flow: &mut Flow) {
        flow.heading("Followers");
        let points = &self.growth.total;
        if points.len() < 2 {
            flow.doc.text(
                MARGIN,
                flow.y,
                9.0,
                false,
                pdf::MUTED,
                "Not enough follower history in this period.",
            );
            flow.y += 10.0;
            return;
        }
        let height = 120.0;
        flow.need(height + 30.0);
        let min = points.iter().map(|p| p.followers).min().unwrap_or(0) as f32;
        let max = points.iter().map(|p| p.followers).max().unwrap_or(0) as f32;
        let span = (max - min).max(1.0);
        let width = WIDTH - 2.0 * MARGIN;
        let step = width / (points.len() - 1) as f32;
        let line: Vec<(f32, f32)> = points
            .iter()
            .enumerate()
            .map(|(i, p)| {
                (
                    MARGIN + i as f32 * step,
                    flow.y + height - (p.followers as f32 - min) / span * (height - 10.0),
                )
            })
            .collect();
        flow.doc.polyline(&line, 1.5, pdf::ACCENT);
        let base = flow.y + height;
        flow.doc.line(MARGIN, base, WIDTH - MARGIN, base, pdf::RULE);
        flow.doc.text(
            MARGIN,
            base + 12.0,
            8.0,
            false,
            pdf::MUTED,
            &format!("{}: {}", points[0].date, thousands(points[0].followers)),
        );
        let last = &points[points.len() - 1];
        flow.doc.text_right(
            WIDTH - MARGIN,
            base + 12.0,
            8.0,
            false,
            pdf::MUTED,
            &format!("{}: {}", last.date, thousands(last.followers)),
        );
        flow.y = base + 28.0;
        let rows: Vec<Vec<String>> = self
            .growth
            .accounts
            .iter()
            .map(|a| {
                vec![
                    a.account_name.clone().unwrap_or_default(),
                    a.platform.display_name().to_owned(),
                    a.points
                        .last()
                        .map(|p| thousands(p.followers))
                        .unwrap_or_else(|| "–".into()),
                    a.gained
                        .map(|g| format!("{}{}", if g > 0 { "+" } else { "" }, thousands(g)))
                        .unwrap_or_else(|| "–".into()),
                ]
            })
            .collect();
        flow.table(
            &[
                ("Account", 200.0, false),
                ("Platform", 110.0, false),
                ("Followers", 95.0, true),
                ("Gained", 94.0, true),
            ],
            &rows,
        );
    }

    fn top_posts(&self, flow: &mut Flow) {
        flow.heading("Top posts by engagements");
        let rows: Vec<Vec<String>> = self
            .top
            .items
            .iter()
            .map(|r| {
                let p = &r.post;
                vec![
                    p.published_at.format("%Y-%m-%d").to_string(),
                    p.platform.display_name().to_owned(),
                    p.text.clone(),
                    thousands(p.totals.impressions),
                    thousands(p.totals.engagements),
                    rate(p.engagement_rate),
                ]
            })
            .collect();
        if rows.is_empty() {
            flow.doc.text(
                MARGIN,
                flow.y,
                9.0,
                false,
                pdf::MUTED,
                "No posts were published in this period.",
            );
            flow.y += 10.0;
            return;
        }
        flow.table(
            &[
                ("Date", 62.0, false),
                ("Platform", 66.0, false),
                ("Post", 201.0, false),
                ("Impressions", 62.0, true),
                ("Engagements", 62.0, true),
                ("Rate", 46.0, true),
            ],
            &rows,
        );
    }

    fn audience_tables(&self, flow: &mut Flow) {
        flow.heading("Audience and timing");
        const DAYS: [&str; 7] = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"];
        let best: Vec<Vec<String>> = self
            .audience
            .best_hours
            .iter()
            .map(|h| {
                vec![
                    format!(
                        "{} {:02}:00",
                        DAYS[(h.weekday.clamp(1, 7) - 1) as usize],
                        h.hour
                    ),
                    thousands(h.posts),
                    rate(h.engagement_rate),
                ]
            })
            .collect();
        if best.is_empty() {
            flow.doc.text(
                MARGIN,
                flow.y,
                9.0,
                false,
                pdf::MUTED,
                "Too few posts to rank posting times.",
            );
            flow.y += 14.0;
        } else {
            flow.doc
                .text(MARGIN, flow.y, 10.0, true, pdf::INK, "Best times to post");
            flow.y += 14.0;
            flow.table(
                &[
                    ("When", 150.0, false),
                    ("Posts", 80.0, true),
                    ("Rate", 80.0, true),
                ],
                &best,
            );
        }
        let total: i64 = self.audience.countries.iter().map(|c| c.followers).sum();
        if total > 0 {
            flow.y += 8.0;
            flow.doc.text(
                MARGIN,
                flow.y,
                10.0,
                true,
                pdf::INK,
                "Followers by country (Instagram)",
            );
            flow.y += 14.0;
            let rows: Vec<Vec<String>> = self
                .audience
                .countries
                .iter()
                .take(8)
                .map(|c| {
                    vec![
                        c.country.clone().unwrap_or_default(),
                        thousands(c.followers),
                        format!("{:.1}%", c.followers as f64 * 100.0 / total as f64),
                    ]
                })
                .collect();
            flow.table(
                &[
                    ("Country", 150.0, false),
                    ("Followers", 80.0, true),
                    ("Share", 80.0, true),
                ],
                &rows,
            );
        }
    }
}

/// A report with links to its files while they may be downloaded.
#[derive(Debug, Clone, PartialEq, Serialize, schemars::JsonSchema)]
pub struct ReportView {
    #[serde(flatten)]
    pub report: Report,
    pub csv_url: Option<String>,
    pub pdf_url: Option<String>,
    pub urls_expire_at: Option<chrono::DateTime<Utc>>,
}

pub async fn view(state: &AppState, report: Report) -> Result<ReportView, AnalyticsError> {
    let sign = |key: &Option<String>| {
        let key = key.clone();
        async move {
            match key {
                Some(key) => {
                    cloud::presigned_get(state.s3(), &state.config.media_bucket, &key, DOWNLOAD_TTL)
                        .await
                        .map(Some)
                        .map_err(|e| AnalyticsError::Storage(e.to_string()))
                }
                None => Ok(None),
            }
        }
    };
    let csv_url = sign(&report.csv_key).await?;
    let pdf_url = sign(&report.pdf_key).await?;
    let urls_expire_at = csv_url
        .is_some()
        .then(|| Utc::now() + Duration::seconds(DOWNLOAD_TTL.as_secs() as i64));
    Ok(ReportView {
        report,
        csv_url,
        pdf_url,
        urls_expire_at,
    })
}

#[derive(Debug, Clone, PartialEq, Serialize, schemars::JsonSchema)]
pub struct ReportPage {
    pub items: Vec<ReportView>,
    pub next_cursor: Option<Uuid>,
}

pub async fn list(
    state: &AppState,
    organization_id: OrgId,
    after: Option<Uuid>,
    limit: i64,
) -> Result<ReportPage, AnalyticsError> {
    let reports = {
        let client = state.db.client().await?;
        db_reports::list(&**client, organization_id, after, limit + 1).await?
    };
    let more = reports.len() as i64 > limit;
    let mut items = Vec::new();
    for report in reports.into_iter().take(limit as usize) {
        items.push(view(state, report).await?);
    }
    let next_cursor = if more {
        items.last().map(|r| r.report.id)
    } else {
        None
    };
    Ok(ReportPage { items, next_cursor })
}

pub async fn get(
    state: &AppState,
    organization_id: OrgId,
    id: Uuid,
) -> Result<ReportView, AnalyticsError> {
    let report = {
        let client = state.db.client().await?;
        db_reports::get(&**client, organization_id, id).await?
    }
    .ok_or(AnalyticsError::NotFound("report"))?;
    view(state, report).await
}

/// Builds the reports of a batch of queue messages (id, body); returns the ids of messages to
/// deliver again (the database or storage was unavailable). A malformed body is dropped.
pub async fn handle_batch(state: &AppState, messages: Vec<(String, String)>) -> Vec<String> {
    let mut failed = Vec::new();
    for (message_id, body) in messages {
        let Ok(message) = serde_json::from_str::<BuildReport>(&body) else {
            tracing::error!(%message_id, "dropping a malformed report message");
            continue;
        };
        if let Err(error) = build(state, message.report_id).await {
            tracing::warn!(report = %message.report_id, %error, "report not built; retrying");
            failed.push(message_id);
        }
    }
    failed
}

/// Builds what the reports queue holds, as Lambda's event source would (the dev server and
/// tests, where no event source runs).
pub async fn drain(state: &AppState) -> Result<usize, AnalyticsError> {
    let url = queue_url(state)?;
    let mut handled = 0;
    loop {
        let received = cloud::deliver_once(
            state.sqs(),
            url,
            cloud::Redelivery::AfterVisibilityTimeout,
            |messages| handle_batch(state, messages),
        )
        .await
        .map_err(|e| AnalyticsError::Queue(e.to_string()))?;
        if received == 0 {
            return Ok(handled);
        }
        handled += received;
    }
}
