//! The crisis manager: reads the brand's mentions (X mentions of each connected X account),
//! scores every one with the lexicon and the ambiguous ones with the model, compares the last
//! six hours' negative volume and share with the previous 14 days (`insights::crisis`), keeps
//! one open alert with its evidence, drafts a holding statement once it is serious, tells the
//! managers, and — when the organization asked for it — pauses all scheduled publishing on a
//! crisis. Resuming is one click; held posts then go out at once.

use chrono::{DateTime, Duration, Utc};
use contracts::LiveEvent;
use domain::{NotificationKind, Permission, Platform};
use insights::crisis::{self, Level, Volumes};
use insights::sentiment;
use llm::OutputSchema;
use runtime::AppState;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use store::OrgId;
use store::agents::tasks::Task;
use store::insights::{NewMention, PublishingState};
use uuid::Uuid;

use crate::catalog::AgentSettings;
use crate::session::{Conversation, data_block, not_blank};
use crate::{AgentsError, ModelSession};

pub const WINDOW_HOURS: i64 = 6;
pub const BASELINE_DAYS: i64 = 14;
/// Ambiguous mentions the model reads per scan at most (the rest keep their lexicon score).
const MODEL_READS: usize = 20;

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct CrisisScanRequest {}

impl crate::catalog::TaskInput for CrisisScanRequest {
    const KIND: crate::TaskKind = crate::TaskKind::CrisisScan;

    fn problems(&self) -> Vec<(&'static str, String)> {
        Vec::new()
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct MentionExample {
    pub author: Option<String>,
    pub text: String,
    pub sentiment: f32,
    pub scored_by: String,
    pub created_at: DateTime<Utc>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct Evidence {
    pub window_hours: u32,
    pub mentions: u32,
    pub negative: u32,
    pub negative_ratio: f64,
    pub baseline_negative_per_window: f64,
    pub baseline_ratio: f64,
    pub z: f64,
    pub method: String,
    pub examples: Vec<MentionExample>,
}

#[derive(Debug, Clone, PartialEq, Serialize, schemars::JsonSchema)]
pub struct AlertView {
    pub id: Uuid,
    pub level: Level,
    pub opened_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub evidence: Value,
    pub holding_statement: Option<String>,
    /// The model that drafted the statement, as labelled (`sandbox:…` locally).
    pub statement_model: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, schemars::JsonSchema)]
pub struct PublishingView {
    pub paused: bool,
    pub paused_at: Option<DateTime<Utc>>,
    pub reason: Option<String>,
    /// Due posts held back by the pause (they keep their schedule).
    pub held_targets: i64,
    /// Held posts sent out by this resume.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub released: Option<usize>,
}

impl PublishingView {
    pub fn of(state: PublishingState, released: Option<usize>) -> Self {
        PublishingView {
            paused: state.paused_at.is_some(),
            paused_at: state.paused_at,
            reason: state.reason,
            held_targets: state.held_targets,
            released,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, schemars::JsonSchema)]
pub struct CrisisStatus {
    pub level: Level,
    pub alert: Option<AlertView>,
    pub auto_pause: bool,
    pub last_scan_at: Option<DateTime<Utc>>,
    pub publishing: PublishingView,
}

pub async fn status(state: &AppState, organization_id: OrgId) -> Result<CrisisStatus, AgentsError> {
    let client = state.db.client().await?;
    let alert = store::insights::open_alert(&**client, organization_id).await?;
    let publishing = store::insights::publishing_state(&**client, organization_id).await?;
    let last_scan_at = store::insights::last_task_at(
        &**client,
        organization_id,
        crate::TaskKind::CrisisScan.as_str(),
        false,
    )
    .await?;
    let alert = alert.map(|a| AlertView {
        id: a.id,
        level: Level::parse(&a.level).unwrap_or(Level::Watch),
        opened_at: a.opened_at,
        updated_at: a.updated_at,
        evidence: a.evidence,
        holding_statement: a.holding_statement,
        statement_model: a.statement_model,
    });
    Ok(CrisisStatus {
        level: alert.as_ref().map_or(Level::Normal, |a| a.level),
        alert,
        auto_pause: publishing.auto_pause,
        last_scan_at,
        publishing: PublishingView::of(publishing, None),
    })
}

async fn announce(state: &AppState, organization_id: OrgId, level: Level, paused: bool) {
    live::send(
        state,
        live::Audience::Organization {
            organization_id,
            permission: Permission::ViewAnalytics,
        },
        LiveEvent::CrisisChanged {
            level: level.as_str().to_owned(),
            paused,
        },
    )
    .await;
}

/// Pauses the organization's publishing: due posts are held from now on (they keep their
/// schedule). False when it was paused already.
pub async fn pause(
    state: &AppState,
    organization_id: OrgId,
    reason: &str,
) -> Result<bool, AgentsError> {
    let paused = {
        let client = state.db.client().await?;
        store::insights::pause_publishing(&**client, organization_id, reason).await?
    };
    if paused {
        let level = status(state, organization_id).await?.level;
        announce(state, organization_id, level, true).await;
    }
    Ok(paused)
}

/// Resumes publishing: held posts go to their lanes at once. Returns how many were released.
pub async fn resume(state: &AppState, organization_id: OrgId) -> Result<usize, AgentsError> {
    let released = {
        let client = state.db.client().await?;
        store::insights::resume_publishing(&**client, organization_id).await?
    };
    let queued: Vec<store::posts::QueuedTarget> = released
        .iter()
        .map(|(target_id, platform)| store::posts::QueuedTarget {
            target_id: *target_id,
            platform: *platform,
        })
        .collect();
    if let Err(error) = posting::enqueue(state, &queued, 0).await {
        // They are due: the sweeper queues them within minutes.
        tracing::warn!(%error, "released posts not queued; the sweeper will");
    }
    let level = status(state, organization_id).await?.level;
    announce(state, organization_id, level, false).await;
    Ok(released.len())
}

pub async fn resolve(
    state: &AppState,
    organization_id: OrgId,
    user_id: Uuid,
) -> Result<bool, AgentsError> {
    let resolved = {
        let client = state.db.client().await?;
        store::insights::resolve_alert(&**client, organization_id, Some(user_id)).await?
    };
    if resolved {
        let paused = status(state, organization_id).await?.publishing.paused;
        announce(state, organization_id, Level::Normal, paused).await;
    }
    Ok(resolved)
}

#[derive(Deserialize)]
struct Readings {
    readings: Vec<Reading>,
}

#[derive(Deserialize)]
struct Reading {
    index: usize,
    sentiment: String,
}

/// Reads new mentions of every X account, scored; returns (new, read by the model).
async fn collect_mentions(
    state: &AppState,
    organization_id: OrgId,
    session: &mut ModelSession,
) -> Result<(u64, usize), AgentsError> {
    let accounts =
        analytics::listening::healthy_accounts(state, organization_id, Platform::X).await?;
    let (mut added, mut by_model) = (0, 0);
    for account in accounts {
        let since = {
            let client = state.db.client().await?;
            store::insights::latest_mention_at(&**client, account.id).await?
        }
        .unwrap_or_else(|| {
            Utc::now() - Duration::days(BASELINE_DAYS) - Duration::hours(WINDOW_HOURS)
        });
        let account_id = account.id;
        let mentions = match analytics::listening::mentions(state, account, since).await {
            Ok(m) => m,
            Err(analytics::AnalyticsError::Store(e)) => return Err(AgentsError::Store(e)),
            Err(error) => {
                session.note(
                    "mentions",
                    json!({ "account": account_id, "error": error.to_string() }),
                );
                continue;
            }
        };
        let mut scores: Vec<sentiment::Score> =
            mentions.iter().map(|m| sentiment::score(&m.text)).collect();
        let mut scorers = vec!["lexicon"; mentions.len()];
        let ambiguous: Vec<usize> = scores
            .iter()
            .enumerate()
            .filter(|(_, s)| s.ambiguous)
            .map(|(i, _)| i)
            .take(MODEL_READS)
            .collect();
        if !ambiguous.is_empty() {
            let items: Vec<Value> = ambiguous
                .iter()
                .enumerate()
                .map(|(k, i)| json!({ "index": k, "text": mentions[*i].text }))
                .collect();
            let schema = OutputSchema {
                name: "sentiment_readings".into(),
                description: "The sentiment of each mention toward the brand.".into(),
                schema: json!({ "type": "object", "properties": { "readings": { "type": "array", "minItems": items.len(), "maxItems": items.len(), "items": {
                    "type": "object",
                    "properties": {
                        "index": { "type": "integer", "minimum": 0, "maximum": items.len() - 1 },
                        "sentiment": { "type": "string", "enum": ["positive", "neutral", "negative"] }
                    },
                    "required": ["index", "sentiment"]
                } } }, "required": ["readings"] }),
            };
            let mut conversation = Conversation::new(
                "You read social media mentions of a brand and judge each one's sentiment toward the brand. Mixed messages lean to what the author will do next (return, complain, warn others).",
                format!(
                    "Judge each mention.\n{}",
                    data_block(&json!({ "mentions": items }))
                ),
            );
            let read: Result<Readings, AgentsError> = session
                .structured(
                    "read ambiguous mentions",
                    &mut conversation,
                    &schema,
                    800,
                    |_: &Readings| Ok(()),
                )
                .await;
            match read {
                Ok(readings) => {
                    for r in readings.readings {
                        let Some(&i) = ambiguous.get(r.index) else {
                            continue;
                        };
                        let compound = match r.sentiment.as_str() {
                            "negative" => -0.6,
                            "positive" => 0.6,
                            _ => 0.0,
                        };
                        scores[i] = sentiment::Score {
                            compound,
                            label: sentiment::label_of(compound),
                            ambiguous: false,
                        };
                        scorers[i] = "model";
                        by_model += 1;
                    }
                }
                // The lexicon's reading stands when the model is unavailable.
                Err(error) => session.note(
                    "ambiguous",
                    json!({ "kept_lexicon": ambiguous.len(), "error": error.to_string() }),
                ),
            }
        }
        let new: Vec<NewMention<'_>> = mentions
            .iter()
            .zip(&scores)
            .zip(&scorers)
            .map(|((m, s), by)| NewMention {
                social_account_id: account_id,
                platform: Platform::X,
                platform_mention_id: &m.id,
                kind: "mention",
                author: m.author.as_deref(),
                text: &m.text,
                created_at: m.created_at,
                sentiment: s.compound as f32,
                label: s.label.as_str(),
                scored_by: by,
            })
            .collect();
        let client = state.db.client().await?;
        added += store::insights::insert_mentions(&**client, organization_id, &new).await?;
    }
    Ok((added, by_model))
}

async fn measure(
    state: &AppState,
    organization_id: OrgId,
    now: DateTime<Utc>,
) -> Result<(Volumes, Vec<MentionExample>), AgentsError> {
    let client = state.db.client().await?;
    let window_start = now - Duration::hours(WINDOW_HOURS);
    let (mentions, negative) = store::insights::mention_counts(
        &**client,
        organization_id,
        window_start,
        now + Duration::minutes(1),
    )
    .await?;
    let baseline_start = window_start - Duration::days(BASELINE_DAYS);
    let (base_total, base_negative) =
        store::insights::mention_counts(&**client, organization_id, baseline_start, window_start)
            .await?;
    let windows = (BASELINE_DAYS * 24 / WINDOW_HOURS) as f64;
    let examples = store::insights::most_negative(&**client, organization_id, window_start, 3)
        .await?
        .into_iter()
        .map(|m| MentionExample {
            author: m.author,
            text: m.text,
            sentiment: m.sentiment,
            scored_by: m.scored_by,
            created_at: m.created_at,
        })
        .collect();
    Ok((
        Volumes {
            window_hours: WINDOW_HOURS as u32,
            mentions: mentions as u32,
            negative: negative as u32,
            baseline_negative_per_window: ((base_negative as f64 / windows) * 1000.0).round()
                / 1000.0,
            baseline_ratio: if base_total > 0 {
                ((base_negative as f64 / base_total as f64) * 1000.0).round() / 1000.0
            } else {
                0.0
            },
        },
        examples,
    ))
}

#[derive(Deserialize)]
struct Statement {
    statement: String,
}

async fn holding_statement(
    evidence: &Evidence,
    settings: &AgentSettings,
    session: &mut ModelSession,
) -> Result<String, AgentsError> {
    let language = settings.language.as_deref().unwrap_or("en");
    let schema = OutputSchema {
        name: "holding_statement".into(),
        description: "A short public holding statement.".into(),
        schema: json!({ "type": "object", "properties": {
            "statement": { "type": "string", "description": "At most 280 characters: acknowledges, says we are looking into it, says where to reach us; no admission of fault, no promises." }
        }, "required": ["statement"] }),
    };
    let mut conversation = Conversation::new(
        &format!(
            "You write calm, human holding statements for a brand's social accounts while a team investigates. Write in {language}.{}",
            settings
                .brand_voice
                .as_deref()
                .map(|v| format!(" Brand voice: {v}"))
                .unwrap_or_default()
        ),
        format!(
            "Complaints about us are spiking. Draft a holding statement.\n{}",
            data_block(
                &json!({ "negative_mentions": evidence.negative, "examples": evidence.examples.iter().map(|e| &e.text).collect::<Vec<_>>() })
            )
        ),
    );
    let document: Statement = session
        .structured(
            "holding statement",
            &mut conversation,
            &schema,
            400,
            |s: &Statement| not_blank(&s.statement, "statement"),
        )
        .await?;
    Ok(document.statement.chars().take(280).collect())
}

/// `crisis/scan` (on demand, and every 30 minutes for each organization).
pub async fn scan(
    state: &AppState,
    task: &Task,
    settings: &AgentSettings,
    session: &mut ModelSession,
) -> Result<Value, AgentsError> {
    let organization_id = task.organization_id;
    let (added, by_model) = collect_mentions(state, organization_id, session).await?;
    let now = Utc::now();
    let (volumes, examples) = measure(state, organization_id, now).await?;
    let assessment = crisis::assess(&volumes);
    let evidence = Evidence {
        window_hours: volumes.window_hours,
        mentions: volumes.mentions,
        negative: volumes.negative,
        negative_ratio: assessment.negative_ratio,
        baseline_negative_per_window: volumes.baseline_negative_per_window,
        baseline_ratio: volumes.baseline_ratio,
        z: assessment.z,
        method: "Negative mentions of the last 6 h against the mean of the 56 six-hour windows before (Poisson z); crisis at ≥10 negative, ≥50 % negative and z ≥ 6; warning at ≥5, ≥35 %, z ≥ 4; watch at ≥3 and z ≥ 2.5.".into(),
        examples,
    };
    session.note("assessment", json!({ "new_mentions": added, "read_by_model": by_model, "level": assessment.level, "z": assessment.z }));
    let mut paused = false;
    let mut alert_id = None;
    if assessment.level > Level::Normal {
        let open = {
            let client = state.db.client().await?;
            store::insights::open_alert(&**client, organization_id).await?
        };
        let needs_statement = assessment.level >= Level::Warning
            && open.as_ref().is_none_or(|a| a.holding_statement.is_none());
        let statement = if needs_statement {
            Some(holding_statement(&evidence, settings, session).await?)
        } else {
            None
        };
        let evidence_json = serde_json::to_value(&evidence).expect("evidence serializes");
        let label = session.label();
        let alert = {
            let client = state.db.client().await?;
            store::insights::raise_alert(
                &**client,
                organization_id,
                assessment.level.as_str(),
                &evidence_json,
                statement.as_deref().map(|s| (s, label.as_str())),
            )
            .await?
        };
        alert_id = Some(alert.id);
        let rose = open
            .as_ref()
            .and_then(|a| Level::parse(&a.level))
            .is_none_or(|before| assessment.level > before);
        if assessment.level == Level::Crisis {
            let auto_pause = {
                let client = state.db.client().await?;
                store::insights::publishing_state(&**client, organization_id)
                    .await?
                    .auto_pause
            };
            if auto_pause {
                let reason = format!(
                    "crisis detected: {} negative mentions in {} h, {:.0} % negative",
                    evidence.negative,
                    evidence.window_hours,
                    evidence.negative_ratio * 100.0
                );
                paused = pause(state, organization_id, &reason).await?;
            }
        }
        if rose {
            let client = state.db.client().await?;
            notifications::notify(
                state,
                &client,
                organization_id,
                notifications::Recipients::Team { except: None },
                notifications::Draft {
                    kind: NotificationKind::CrisisAlert,
                    title: format!("Brand sentiment: {}", assessment.level.as_str()),
                    body: format!(
                        "{} negative mentions in the last {} h ({:.0} % of {}), against {:.1} usually.{}",
                        evidence.negative,
                        evidence.window_hours,
                        evidence.negative_ratio * 100.0,
                        evidence.mentions,
                        evidence.baseline_negative_per_window,
                        if paused { " Scheduled publishing is paused." } else { "" }
                    ),
                    link: Some("/insights/crisis".into()),
                    post_id: None,
                    social_account_id: None,
                },
            )
            .await;
            drop(client);
            if !paused {
                announce(state, organization_id, assessment.level, false).await;
            }
        }
    }
    Ok(json!({
        "level": assessment.level,
        "alert_id": alert_id,
        "new_mentions": added,
        "read_by_model": by_model,
        "evidence": evidence,
        "paused_publishing": paused,
    }))
}
