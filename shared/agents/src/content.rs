//! The content creator: a brief → one post per platform, each checked against the platform's
//! rules (weighted length, hashtag caps). An over-long variant goes back to the model with the
//! measured overflow, at most twice; then it is cut at a sentence (or, on X with threads
//! allowed, split into a thread) and flagged. And rewrites of a draft for a goal.

use std::collections::BTreeMap;

use domain::{HashtagCaps, MemoryType, Platform, check_text};
use llm::OutputSchema;
use runtime::AppState;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value, json};
use store::agents::tasks::Task;
use uuid::Uuid;

use crate::catalog::AgentSettings;
use crate::memory::{self, BrandContext, Remember};
use crate::session::{Conversation, data_block, not_blank};
use crate::worker::input_of;
use crate::{AgentsError, ModelSession, rules};

/// How many times an over-long variant is sent back before it is cut.
pub const REWRITES: u32 = 2;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Goal {
    Awareness,
    Engagement,
    Traffic,
    Conversions,
    Community,
}

/// A content brief.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Brief {
    /// What the post is about.
    #[schemars(length(min = 1, max = 1000))]
    pub topic: String,
    pub goal: Option<Goal>,
    /// Overrides the agent's tone for this brief.
    #[schemars(length(max = 60))]
    pub tone: Option<String>,
    /// Who it is for.
    #[schemars(length(max = 300))]
    pub audience: Option<String>,
    /// BCP 47 tag; default the agent's language, else English.
    #[schemars(length(max = 10))]
    pub language: Option<String>,
    /// One variant per platform (1 to 5, no repeats).
    #[schemars(length(min = 1, max = 5))]
    pub platforms: Vec<Platform>,
    /// A link the post should carry.
    #[schemars(length(max = 2000))]
    pub link: Option<String>,
    /// On X, a text that cannot fit becomes a thread instead of being cut.
    #[serde(default)]
    pub allow_thread: bool,
    /// Also save the result as one draft post targeting these accounts (each account's
    /// platform must be among `platforms`).
    #[serde(default)]
    #[schemars(length(max = 20))]
    pub draft_for_accounts: Vec<Uuid>,
}

impl crate::catalog::TaskInput for Brief {
    const KIND: crate::TaskKind = crate::TaskKind::ContentGenerate;

    fn problems(&self) -> Vec<(&'static str, String)> {
        let mut problems = Vec::new();
        if self.topic.trim().is_empty() || self.topic.chars().count() > 1000 {
            problems.push(("topic", "must be 1 to 1000 characters".to_owned()));
        }
        problems.extend(crate::catalog::tone_problem(self.tone.as_ref()));
        if self
            .audience
            .as_ref()
            .is_some_and(|a| a.chars().count() > 300)
        {
            problems.push(("audience", "must be at most 300 characters".to_owned()));
        }
        problems.extend(crate::catalog::language_problem(self.language.as_ref()));
        let mut seen = self.platforms.clone();
        seen.sort_by_key(|p| p.as_str());
        seen.dedup();
        if self.platforms.is_empty()
            || self.platforms.len() > 5
            || seen.len() != self.platforms.len()
        {
            problems.push((
                "platforms",
                "must name 1 to 5 different platforms".to_owned(),
            ));
        }
        if let Some(link) = &self.link
            && (link.len() > 2000
                || !(link.starts_with("https://") || link.starts_with("http://"))
                || link.chars().any(char::is_whitespace))
        {
            problems.push(("link", "must be an http(s) URL without spaces".to_owned()));
        }
        if self.draft_for_accounts.len() > 20 {
            problems.push(("draft_for_accounts", "at most 20 accounts".to_owned()));
        }
        problems
    }
}

/// One platform's post, as checked.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct Variant {
    pub platform: Platform,
    pub text: String,
    /// On X when the text became a thread: its posts in order (`text` is the first).
    pub thread: Vec<String>,
    /// As the platform measures it (X weighs URLs and most non-Latin characters).
    pub length: usize,
    pub max_length: usize,
    pub hashtags: Vec<String>,
    pub max_hashtags: Option<usize>,
    /// Times the model was asked to rewrite it to fit.
    pub rewrites: u32,
    /// Cut (or split) by us because the model's rewrites still did not fit.
    pub shortened: bool,
    /// What the checks found on the way, for the user to see.
    pub notes: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct Generated {
    pub variants: Vec<Variant>,
    /// The model's reasoning, in a sentence or two.
    pub rationale: String,
    /// The memories the agent was given (see `/api/ai-agents/memory`).
    pub memories_used: Vec<Uuid>,
    pub draft_post_id: Option<Uuid>,
}

fn language_of(brief_language: Option<&str>, settings: &AgentSettings) -> String {
    brief_language
        .or(settings.language.as_deref())
        .unwrap_or("en")
        .to_owned()
}

fn limit_sentence(platform: Platform) -> String {
    let limits = platform.text_limits();
    let mut sentence = format!(
        "The {} post, at most {} characters",
        platform.display_name(),
        limits.max_length
    );
    if limits.weighted {
        sentence.push_str(" (every URL counts 23, most non-Latin characters count 2)");
    }
    if let Some(cap) = HashtagCaps::default().for_platform(platform) {
        sentence.push_str(&format!(", with at most {cap} hashtags"));
    }
    sentence.push_str(". Hashtags, if any, inline or at the end.");
    sentence
}

/// The schema of an answer with one text per platform, plus the rationale.
fn variants_schema(platforms: &[Platform], with_rationale: bool) -> OutputSchema {
    let mut properties = Map::new();
    for platform in platforms {
        properties.insert(
            platform.as_str().to_owned(),
            json!({ "type": "string", "description": limit_sentence(*platform) }),
        );
    }
    let mut required: Vec<&str> = platforms.iter().map(|p| p.as_str()).collect();
    if with_rationale {
        properties.insert(
            "rationale".into(),
            json!({ "type": "string", "description": "Why these posts should work, at most 300 characters." }),
        );
        required.push("rationale");
    }
    OutputSchema {
        name: "post_variants".into(),
        description: "One post for each platform.".into(),
        schema: json!({ "type": "object", "properties": properties, "required": required }),
    }
}

fn texts_of(
    document: &Map<String, Value>,
    platforms: &[Platform],
) -> Result<BTreeMap<Platform, String>, String> {
    let mut texts = BTreeMap::new();
    for platform in platforms {
        match document.get(platform.as_str()).and_then(Value::as_str) {
            Some(text) if !text.trim().is_empty() => {
                texts.insert(*platform, text.trim().to_owned());
            }
            _ => {
                return Err(format!(
                    "the {} post is missing or empty",
                    platform.display_name()
                ));
            }
        }
    }
    Ok(texts)
}

fn overflow(platform: Platform, text: &str) -> Option<String> {
    let report = check_text(platform, text, &HashtagCaps::default());
    (!report.fits()).then(|| {
        format!(
            "the {} post measures {} of at most {}{}: {}",
            platform.display_name(),
            report.length,
            report.max_length,
            report
                .max_hashtags
                .map(|cap| format!(" with {} hashtags of at most {cap}", report.hashtags))
                .unwrap_or_default(),
            report.errors.join("; ")
        )
    })
}

/// Asks until every text fits or `REWRITES` rounds are spent; then fits the rest ourselves.
async fn fit_to_rules(
    session: &mut ModelSession,
    conversation: &mut Conversation,
    mut texts: BTreeMap<Platform, String>,
    allow_thread: bool,
) -> Result<Vec<Variant>, AgentsError> {
    let mut rewrites: BTreeMap<Platform, u32> = BTreeMap::new();
    let mut notes: BTreeMap<Platform, Vec<String>> = BTreeMap::new();
    for _round in 0..REWRITES {
        let over: Vec<(Platform, String)> = texts
            .iter()
            .filter_map(|(p, t)| overflow(*p, t).map(|why| (*p, why)))
            .collect();
        session.note(
            "rule check",
            json!({ "over": over.iter().map(|(p, why)| json!({ "platform": p, "why": why })).collect::<Vec<_>>() }),
        );
        if over.is_empty() {
            break;
        }
        let platforms: Vec<Platform> = over.iter().map(|(p, _)| *p).collect();
        for (platform, why) in &over {
            *rewrites.entry(*platform).or_default() += 1;
            notes
                .entry(*platform)
                .or_default()
                .push(format!("sent back: {why}"));
        }
        conversation.messages.push(llm::Message::user(format!(
            "These posts break their platform's rules: {}. Rewrite only these, keeping the \
             message, so that each fits with room to spare.",
            over.iter()
                .map(|(_, why)| why.as_str())
                .collect::<Vec<_>>()
                .join("; ")
        )));
        let document: Map<String, Value> = session
            .structured(
                "rewrite to fit",
                conversation,
                &variants_schema(&platforms, false),
                1500,
                |d: &Map<String, Value>| texts_of(d, &platforms).map(|_| ()),
            )
            .await?;
        texts.extend(texts_of(&document, &platforms).map_err(AgentsError::MalformedOutput)?);
    }
    let caps = HashtagCaps::default();
    Ok(texts
        .into_iter()
        .map(|(platform, text)| {
            let mut notes = notes.remove(&platform).unwrap_or_default();
            let mut thread = Vec::new();
            let mut shortened = false;
            let text = if check_text(platform, &text, &caps).fits() {
                text
            } else if platform == Platform::X && allow_thread {
                thread = rules::split_into_thread(&text);
                shortened = true;
                notes.push(format!(
                    "still too long after {REWRITES} rewrites: split into a thread of {}",
                    thread.len()
                ));
                thread[0].clone()
            } else {
                shortened = true;
                notes.push(format!(
                    "still too long after {REWRITES} rewrites: cut at a sentence"
                ));
                rules::cut_to_fit(platform, &text)
            };
            let report = check_text(platform, &text, &caps);
            Variant {
                platform,
                hashtags: domain::hashtags(&text),
                length: report.length,
                max_length: report.max_length,
                max_hashtags: report.max_hashtags,
                text,
                thread,
                rewrites: rewrites.get(&platform).copied().unwrap_or(0),
                shortened,
                notes,
            }
        })
        .collect())
}

const CREATOR: &str = "You are the content creator of a social media team. You write posts that \
sound like the brand, suit each platform's audience and format, and respect each platform's \
length and hashtag rules. You write in the language you are told.";

/// Writes one post per platform for `brief`, checked; `angle` varies a campaign's posts.
pub(crate) async fn write_variants(
    session: &mut ModelSession,
    brief: &Brief,
    settings: &AgentSettings,
    context: &BrandContext,
    angle: Option<&str>,
) -> Result<(Vec<Variant>, String), AgentsError> {
    let language = language_of(brief.language.as_deref(), settings);
    let tone = brief
        .tone
        .as_deref()
        .or(settings.tone.as_deref())
        .unwrap_or("natural");
    let data = json!({
        "brief": {
            "topic": brief.topic, "goal": brief.goal, "audience": brief.audience,
            "link": brief.link, "angle": angle,
        },
        "brand": context.as_data(),
    });
    let mut conversation = Conversation::new(
        &format!("{CREATOR} Write in {language}. Tone: {tone}."),
        format!(
            "Write one post for each of these platforms: {}. Work from this brief and what we \
             know about the brand:\n{}",
            brief
                .platforms
                .iter()
                .map(|p| p.display_name())
                .collect::<Vec<_>>()
                .join(", "),
            data_block(&data)
        ),
    );
    let platforms = brief.platforms.clone();
    let document: Map<String, Value> = session
        .structured(
            "write posts",
            &mut conversation,
            &variants_schema(&platforms, true),
            2000,
            |d: &Map<String, Value>| texts_of(d, &platforms).map(|_| ()),
        )
        .await?;
    let rationale = document
        .get("rationale")
        .and_then(Value::as_str)
        .unwrap_or_default()
        .chars()
        .take(600)
        .collect();
    let texts = texts_of(&document, &platforms).map_err(AgentsError::MalformedOutput)?;
    let mut variants = fit_to_rules(session, &mut conversation, texts, brief.allow_thread).await?;
    variants.sort_by_key(|v| brief.platforms.iter().position(|p| *p == v.platform));
    Ok((variants, rationale))
}

/// Why each of `ids` cannot take a draft written for `platforms`: not one of the
/// organization's accounts (`owned`), or on a platform left out. Empty when all can.
pub fn account_problems(
    owned: &[store::social_accounts::SocialAccount],
    ids: &[Uuid],
    platforms: &[Platform],
) -> Vec<String> {
    ids.iter()
        .filter_map(|id| match owned.iter().find(|a| a.id == *id) {
            None => Some(format!("{id} is not one of your accounts")),
            Some(a) if !platforms.contains(&a.platform) => Some(format!(
                "{id} is on {}, which the brief's platforms leave out",
                a.platform.display_name()
            )),
            Some(_) => None,
        })
        .collect()
}

/// Saves variants as one draft post: the first variant as its text, each account's platform's
/// variant as that account's text; marked as the agent's, optionally at a proposed time.
pub(crate) async fn save_draft(
    state: &AppState,
    task: &Task,
    variants: &[Variant],
    accounts: &[Uuid],
    prompt: &str,
    model: &str,
    proposed: Option<(chrono::DateTime<chrono::Utc>, &str)>,
) -> Result<Option<Uuid>, AgentsError> {
    let (Some(author), Some(first)) = (task.requested_by, variants.first()) else {
        return Ok(None);
    };
    let mut client = state.db.client().await?;
    let pg: &mut store::tokio_postgres::Client = &mut client;
    let tx = pg.transaction().await?;
    let owned = store::social_accounts::list(&tx, task.organization_id).await?;
    let mut targets = Vec::new();
    for id in accounts {
        let Some(account) = owned.iter().find(|a| a.id == *id) else {
            continue;
        };
        if let Some(variant) = variants.iter().find(|v| v.platform == account.platform) {
            targets.push((
                *id,
                (variant.text != first.text).then(|| variant.text.clone()),
            ));
        }
    }
    let post_id = store::posts::insert(
        &tx,
        &store::posts::NewPost {
            organization_id: task.organization_id,
            author_id: author,
            title: None,
            content: &first.text,
            content_type: "text",
            media: &[],
            hashtags: &first.hashtags,
            mentions: &[],
            ai_generated: true,
        },
    )
    .await?;
    store::posts::set_targets(&tx, task.organization_id, post_id, &targets).await?;
    store::posts::mark_ai_draft(
        &tx,
        task.organization_id,
        post_id,
        &store::posts::AiOrigin {
            agent_id: task.agent_id,
            prompt,
            model,
        },
        proposed,
    )
    .await?;
    store::accounts::audit::record(
        &tx,
        &store::accounts::audit::Actor {
            organization_id: Some(task.organization_id),
            user_id: Some(author),
            ip: None,
            user_agent: Some(format!("agent:{}", task.agent_type)),
        },
        store::accounts::audit::AuditEntry {
            action: domain::AuditAction::Create,
            resource_type: "post",
            resource_id: Some(post_id),
            old_values: None,
            new_values: Some(json!({ "ai_task": task.id, "targets": targets.len() })),
        },
    )
    .await?;
    tx.commit().await?;
    Ok(Some(post_id))
}

/// `content/generate`.
pub async fn generate(
    state: &AppState,
    task: &Task,
    settings: &AgentSettings,
    session: &mut ModelSession,
) -> Result<Value, AgentsError> {
    let brief: Brief = input_of(task)?;
    let context = memory::context(session, state, task, settings, &brief.topic).await?;
    let (variants, rationale) = write_variants(session, &brief, settings, &context, None).await?;
    let draft_post_id = if brief.draft_for_accounts.is_empty() {
        None
    } else {
        save_draft(
            state,
            task,
            &variants,
            &brief.draft_for_accounts,
            &brief.topic,
            &session.label(),
            None,
        )
        .await?
    };
    let summary = format!(
        "Wrote {} posts about “{}”: {}",
        brief
            .platforms
            .iter()
            .map(|p| p.display_name())
            .collect::<Vec<_>>()
            .join(", "),
        brief.topic.chars().take(200).collect::<String>(),
        variants
            .first()
            .map(|v| v.text.chars().take(200).collect::<String>())
            .unwrap_or_default()
    );
    memory::remember(
        session,
        state,
        Remember {
            organization_id: task.organization_id,
            agent_id: Some(task.agent_id),
            memory_type: MemoryType::Conversation,
            summary: &summary,
            metadata: json!({ "task_id": task.id }),
            importance: 0.3,
            ttl_days: Some(90),
            source_task_id: Some(task.id),
            created_by: task.requested_by,
        },
    )
    .await?;
    let generated = Generated {
        variants,
        rationale,
        memories_used: context.memory_ids(),
        draft_post_id,
    };
    Ok(serde_json::to_value(generated).expect("output serializes"))
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum ImproveGoal {
    Clearer,
    Shorter,
    MoreEngaging,
    /// In the tone given by `tone`.
    Tone,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ImproveRequest {
    #[schemars(length(min = 1, max = 10000))]
    pub text: String,
    pub goal: ImproveGoal,
    /// Required when the goal is `tone`.
    #[schemars(length(max = 60))]
    pub tone: Option<String>,
    /// Checked against this platform's rules.
    pub platform: Option<Platform>,
    #[schemars(length(max = 10))]
    pub language: Option<String>,
}

impl crate::catalog::TaskInput for ImproveRequest {
    const KIND: crate::TaskKind = crate::TaskKind::ContentImprove;

    fn problems(&self) -> Vec<(&'static str, String)> {
        let mut problems = Vec::new();
        if self.text.trim().is_empty() || self.text.chars().count() > 10_000 {
            problems.push(("text", "must be 1 to 10000 characters".to_owned()));
        }
        if self.goal == ImproveGoal::Tone && self.tone.is_none() {
            problems.push(("tone", "is required when the goal is tone".to_owned()));
        }
        problems.extend(crate::catalog::tone_problem(self.tone.as_ref()));
        problems.extend(crate::catalog::language_problem(self.language.as_ref()));
        problems
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct Change {
    pub change: String,
    pub reason: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct Improved {
    pub text: String,
    /// What changed and why.
    pub changes: Vec<Change>,
    /// The checks, when a platform was named.
    pub check: Option<Variant>,
    pub original_length: usize,
}

#[derive(Deserialize)]
struct ImprovedDocument {
    text: String,
    changes: Vec<Change>,
}

/// `content/improve`.
pub async fn improve(
    state: &AppState,
    task: &Task,
    settings: &AgentSettings,
    session: &mut ModelSession,
) -> Result<Value, AgentsError> {
    let request: ImproveRequest = input_of(task)?;
    let context = memory::context(session, state, task, settings, &request.text).await?;
    let language = language_of(request.language.as_deref(), settings);
    let goal = match request.goal {
        ImproveGoal::Clearer => "clearer and easier to read".to_owned(),
        ImproveGoal::Shorter => "noticeably shorter without losing the point".to_owned(),
        ImproveGoal::MoreEngaging => {
            "more engaging: a stronger hook and a clear call to action".to_owned()
        }
        ImproveGoal::Tone => format!(
            "in a {} tone",
            request.tone.as_deref().unwrap_or("different")
        ),
    };
    let text_description = match request.platform {
        Some(platform) => limit_sentence(platform),
        None => "The rewritten post.".to_owned(),
    };
    let schema = OutputSchema {
        name: "improved_post".into(),
        description: "The rewritten post and what changed.".into(),
        schema: json!({
            "type": "object",
            "properties": {
                "text": { "type": "string", "description": text_description },
                "changes": { "type": "array", "minItems": 1, "maxItems": 5, "items": {
                    "type": "object",
                    "properties": {
                        "change": { "type": "string", "description": "What changed, at most 120 characters." },
                        "reason": { "type": "string", "description": "Why, at most 200 characters." }
                    },
                    "required": ["change", "reason"]
                } }
            },
            "required": ["text", "changes"]
        }),
    };
    let mut conversation = Conversation::new(
        &format!(
            "You are the editor of a social media team. Rewrite posts in {language} for the goal you are given, keeping their facts."
        ),
        format!(
            "Rewrite this post to be {goal}. Say what you changed and why.\n{}",
            data_block(&json!({ "post": request.text, "brand": context.as_data() }))
        ),
    );
    let document: ImprovedDocument = session
        .structured(
            "rewrite",
            &mut conversation,
            &schema,
            2000,
            |d: &ImprovedDocument| not_blank(&d.text, "text"),
        )
        .await?;
    let (text, check) = match request.platform {
        Some(platform) => {
            let texts = BTreeMap::from([(platform, document.text.trim().to_owned())]);
            let variant = fit_to_rules(session, &mut conversation, texts, false)
                .await?
                .pop()
                .expect("one platform in, one variant out");
            (variant.text.clone(), Some(variant))
        }
        None => (document.text.trim().to_owned(), None),
    };
    let improved = Improved {
        text,
        changes: document.changes.into_iter().take(5).collect(),
        check,
        original_length: request.text.chars().count(),
    };
    Ok(serde_json::to_value(improved).expect("output serializes"))
}
