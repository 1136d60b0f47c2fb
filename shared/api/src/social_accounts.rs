//! `/api/social-accounts/*`: connecting accounts through each platform's OAuth (state and PKCE
//! verifier kept in DynamoDB for 10 minutes), their health, settings, sync and insights.
//! Platform tokens are stored encrypted, bound to their account row, and never logged.

use analytics::dashboards::{self, AudienceView, Filters, Period};
use auth::OpaqueToken;
use axum::extract::State;
use axum::http::{Method, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::{Json as JsonResponse, Router};
use chrono::{Duration, Utc};
use domain::{AuditAction, Permission, Platform, bounded_text, hashtags};
use kv::{Item, ItemKey};
use platforms::{
    AppCredentials, AuthorizationRequest, ConnectableAccount, Failure, OAuthApp, Pkce, TokenSet,
    authorization_url,
};
use runtime::AppState;
use serde::{Deserialize, Serialize};
use store::accounts::audit::{Actor, AuditEntry};
use store::accounts::{audit, organizations};
use store::social_accounts::{self, NewAccount, SocialAccount};
use store::tokio_postgres;
use uuid::Uuid;

use http_kit::error::{ApiError, ErrorCode, FieldChecks, FieldIssue};
use http_kit::extract::{Json, Path, Query};
use http_kit::identity::CurrentUser;
use http_kit::routes::{Routes, op};

use crate::service_errors;

pub fn routes() -> Routes {
    Routes::new("social-accounts")
        .route(op(Method::GET, "/api/social-accounts", "Connected accounts with their health").returns::<AccountList>(200), list_accounts)
        .route(
            op(Method::POST, "/api/social-accounts/connect", "Start connecting (returns the platform's authorization URL), or pick Pages after consent")
                .body::<ConnectRequest>()
                .returns::<ConnectAnswer>(200)
                .errors(&[402, 403]),
            connect,
        )
        .route(
            op(Method::GET, "/api/social-accounts/callback", "Where the platform sends the browser back after consent: forwards the answer to the web app, which completes it")
                .public()
                .query::<CallbackQuery>()
                .returns_nothing(303),
            callback,
        )
        .route(
            op(Method::POST, "/api/social-accounts/callback", "Complete a connection as the user who started it: exchange the code, store the accounts (or offer Pages to pick)")
                .body::<CallbackCompletion>()
                .returns::<ConnectAnswer>(200)
                .errors(&[400, 402, 403, 409]),
            complete,
        )
        .route(
            op(Method::PUT, "/api/social-accounts/{id}", "Display name, default hashtags, posting time slots, active flag")
                .body::<SettingsUpdate>()
                .returns::<SocialAccount>(200)
                .errors(&[403, 404]),
            update_settings,
        )
        .route(
            op(Method::DELETE, "/api/social-accounts/{id}", "Disconnect: revoke at the platform where possible, delete the tokens")
                .returns_nothing(204)
                .errors(&[403, 404]),
            disconnect,
        )
        .route(
            op(Method::POST, "/api/social-accounts/{id}/sync", "Refresh profile and followers, and pull recent post metrics into analytics")
                .returns::<SyncReport>(200)
                .errors(&[403, 404, 409]),
            sync,
        )
        .route(
            op(Method::GET, "/api/social-accounts/{id}/insights", "Audience insights and best posting hours from stored analytics")
                .returns::<Insights>(200)
                .errors(&[404]),
            insights,
        )
}

pub fn router(state: AppState) -> Router {
    routes().into_router(state)
}

const STATE_TTL: Duration = Duration::minutes(10);

fn redirect_uri(state: &AppState) -> String {
    format!("{}/api/social-accounts/callback", state.config.api_base_url)
}

/// The platform's app, or a clear error when the platform is not configured.
fn app_of(state: &AppState, platform: Platform) -> Result<AppCredentials, ApiError> {
    social::app_credentials(state, platform).map_err(service_errors::token)
}

#[derive(Serialize, schemars::JsonSchema)]
struct AccountView {
    #[serde(flatten)]
    account: SocialAccount,
    needs_reconnect: bool,
    token_expires_soon: bool,
}

fn view(account: SocialAccount) -> AccountView {
    let token_expires_soon = account
        .token_expires_at
        .is_some_and(|at| at < Utc::now() + Duration::days(3));
    AccountView {
        needs_reconnect: account.status == domain::AccountStatus::NeedsReconnect,
        token_expires_soon,
        account,
    }
}

#[derive(Serialize, schemars::JsonSchema)]
struct AccountList {
    accounts: Vec<AccountView>,
    max_social_accounts: i32,
}

async fn list_accounts(
    State(state): State<AppState>,
    current: CurrentUser,
) -> Result<Response, ApiError> {
    current.require(Permission::ViewOrganization)?;
    let client = state.db.client().await?;
    let pg: &tokio_postgres::Client = &client;
    let organization = organizations::get(pg, current.organization_id, false)
        .await?
        .ok_or_else(|| ApiError::not_found("organization"))?;
    let accounts = social_accounts::list(pg, current.organization_id)
        .await?
        .into_iter()
        .map(view)
        .collect();
    Ok(JsonResponse(AccountList {
        accounts,
        max_social_accounts: organization.max_social_accounts,
    })
    .into_response())
}

#[derive(Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
struct ConnectRequest {
    /// Starts a connection to this platform.
    platform: Option<Platform>,
    /// After a Meta consent with several Pages: the selection token the app was given…
    #[schemars(length(min = 16, max = 256))]
    selection: Option<String>,
    /// …and the ids of the Pages / Instagram accounts to connect.
    #[serde(default)]
    #[schemars(length(max = 50), inner(length(min = 1, max = 255)))]
    account_ids: Vec<String>,
}

#[derive(Serialize, schemars::JsonSchema)]
#[serde(untagged)]
enum ConnectAnswer {
    Started {
        authorization_url: String,
        state: String,
        expires_at: chrono::DateTime<Utc>,
    },
    Connected {
        accounts: Vec<AccountView>,
    },
    /// Meta: the login manages several Pages; connect some with `POST /connect` and this
    /// `selection` before `expires_at`.
    Select {
        selection: String,
        platform: Platform,
        candidates: Vec<Candidate>,
        expires_at: chrono::DateTime<Utc>,
    },
}

/// An account the consent offers.
#[derive(Serialize, schemars::JsonSchema)]
struct Candidate {
    account_id: String,
    name: String,
}

async fn connect(
    State(state): State<AppState>,
    current: CurrentUser,
    Json(body): Json<ConnectRequest>,
) -> Result<Response, ApiError> {
    current.require(Permission::ManageSocialAccounts)?;
    current.require_verified_email()?;
    match (body.platform, body.selection) {
        (Some(platform), None) => start_connect(&state, &current, platform).await,
        (None, Some(selection)) => {
            finish_selection(&state, &current, &selection, &body.account_ids).await
        }
        _ => Err(ApiError::validation(vec![FieldIssue::new(
            "platform",
            "give either platform, or selection with account_ids",
        )])),
    }
}

async fn ensure_room(
    db: &impl tokio_postgres::GenericClient,
    organization_id: store::OrgId,
    adding: i64,
) -> Result<(), ApiError> {
    let organization = organizations::get(db, organization_id, true)
        .await?
        .ok_or_else(|| ApiError::not_found("organization"))?;
    if social_accounts::count(db, organization_id).await? + adding
        > i64::from(organization.max_social_accounts)
    {
        return Err(ApiError::new(
            ErrorCode::PlanLimitReached,
            format!(
                "your plan allows {} social accounts; upgrade the subscription to add more",
                organization.max_social_accounts
            ),
        ));
    }
    Ok(())
}

async fn start_connect(
    state: &AppState,
    current: &CurrentUser,
    platform: Platform,
) -> Result<Response, ApiError> {
    let app = app_of(state, platform)?;
    {
        let client = state.db.client().await?;
        let pg: &tokio_postgres::Client = &client;
        ensure_room(pg, current.organization_id, 1).await?;
    }
    let oauth_state = OpaqueToken::generate();
    let pkce = Pkce::generate();
    let expires_at = Utc::now() + STATE_TTL;
    let item = Item::new()
        .with_string("organization_id", current.organization_id.to_string())
        .with_string("user_id", current.user_id.to_string())
        .with_string("platform", platform.as_str())
        .with_string("verifier", &pkce.verifier);
    state
        .kv
        .put(
            &ItemKey::oauth_state(&oauth_state.hash()),
            item,
            Some(expires_at),
        )
        .await?;
    let authorize = OAuthApp {
        client_id: app.client_id,
        authorize_url: state.platforms().endpoints().of(platform).authorize.clone(),
    };
    let redirect = redirect_uri(state);
    let url = authorization_url(
        platform,
        &AuthorizationRequest {
            app: &authorize,
            redirect_uri: &redirect,
            state: oauth_state.expose(),
            pkce: &pkce,
        },
    )
    .map_err(|e| ApiError::internal(&e))?;
    Ok(JsonResponse(ConnectAnswer::Started {
        authorization_url: url,
        state: oauth_state.expose().to_owned(),
        expires_at,
    })
    .into_response())
}

/// What the platform appends to the redirect back to us.
#[derive(Deserialize, schemars::JsonSchema)]
struct CallbackQuery {
    code: Option<String>,
    state: Option<String>,
    error: Option<String>,
    error_description: Option<String>,
}

/// The platform's answer, passed on by the web app of the user who started the connection.
#[derive(Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
struct CallbackCompletion {
    /// As the platform returned it to `/social-accounts/callback`.
    #[schemars(length(min = 16, max = 256))]
    state: String,
    #[schemars(length(min = 1, max = 2048))]
    code: Option<String>,
    #[schemars(length(max = 256))]
    error: Option<String>,
    #[schemars(length(max = 2048))]
    error_description: Option<String>,
}

fn encode(text: &str) -> String {
    url::form_urlencoded::byte_serialize(text.as_bytes()).collect()
}

/// The browser comes back here from the platform. Nothing is exchanged here: whoever opens this
/// link only forwards it to the web app, whose signed-in user must be the one who started the
/// connection. So a consent link sent to someone else connects nothing to the sender.
async fn callback(State(state): State<AppState>, Query(query): Query<CallbackQuery>) -> Response {
    let forwarded: Vec<String> = [
        ("code", query.code),
        ("state", query.state),
        ("error", query.error),
        ("error_description", query.error_description),
    ]
    .into_iter()
    .filter_map(|(name, value)| Some(format!("{name}={}", encode(&value?))))
    .collect();
    (
        StatusCode::SEE_OTHER,
        [(
            axum::http::header::LOCATION,
            format!(
                "{}/social-accounts/callback?{}",
                state.config.app_base_url,
                forwarded.join("&")
            ),
        )],
    )
        .into_response()
}

async fn complete(
    State(state): State<AppState>,
    current: CurrentUser,
    Json(body): Json<CallbackCompletion>,
) -> Result<Response, ApiError> {
    current.require(Permission::ManageSocialAccounts)?;
    let invalid = || {
        ApiError::new(
            ErrorCode::InvalidToken,
            "the connection attempt is unknown or expired; start again",
        )
    };
    let presented = OpaqueToken::presented(&body.state).ok_or_else(invalid)?;
    // Single use: a replayed completion finds nothing.
    let pending = state
        .kv
        .take(&ItemKey::oauth_state(&presented.hash()))
        .await?
        .ok_or_else(invalid)?;
    let field = |name: &str| pending.string(name).map(str::to_owned).ok_or_else(invalid);
    let organization_id =
        store::OrgId::new(field("organization_id")?.parse().map_err(|_| invalid())?);
    let user_id: Uuid = field("user_id")?.parse().map_err(|_| invalid())?;
    if (user_id, organization_id) != (current.user_id, current.organization_id) {
        tracing::warn!(started_by = %user_id, completed_by = %current.user_id, "a connection was completed by someone other than who started it; refused");
        return Err(ApiError::new(
            ErrorCode::Forbidden,
            "this connection was started by someone else; start your own from the app",
        ));
    }
    if let Some(error) = body.error {
        return Err(ApiError::new(
            ErrorCode::Conflict,
            format!(
                "the platform refused: {}",
                body.error_description.unwrap_or(error)
            ),
        ));
    }
    let code = body.code.ok_or_else(|| {
        ApiError::validation(vec![FieldIssue::new(
            "code",
            "is required (pass on what the platform sent)",
        )])
    })?;
    let platform: Platform = field("platform")?.parse().map_err(|_| invalid())?;
    let app = app_of(&state, platform)?;
    let tokens = state
        .platforms()
        .exchange_code(
            platform,
            &app,
            &code,
            &redirect_uri(&state),
            &field("verifier")?,
        )
        .await
        .map_err(|failure| service_errors::platform_failure(platform, &failure))?;
    let candidates = state
        .platforms()
        .accounts(platform, &tokens.access_token)
        .await
        .map_err(|f| service_errors::platform_failure(platform, &f))?;
    if candidates.is_empty() {
        return Err(ApiError::new(
            ErrorCode::Conflict,
            format!(
                "no {platform} account is available with this login (for Instagram: link a business account to a Facebook Page)"
            ),
        ));
    }
    if candidates.len() > 1 {
        // Meta: several Pages. The user picks; tokens wait, encrypted, for 10 minutes.
        let selection = OpaqueToken::generate();
        let sealed = state.token_cipher().encrypt(
            &serde_json::to_string(&CandidatesSealed::from(&candidates, &tokens))
                .map_err(|e| ApiError::internal(&e))?,
            selection.hash().as_bytes(),
        );
        let item = Item::new()
            .with_string("organization_id", organization_id.to_string())
            .with_string("user_id", user_id.to_string())
            .with_string("platform", platform.as_str())
            .with_string("sealed", sealed);
        let expires_at = Utc::now() + STATE_TTL;
        state
            .kv
            .put(
                &ItemKey::oauth_state(&format!("select#{}", selection.hash())),
                item,
                Some(expires_at),
            )
            .await?;
        return Ok(JsonResponse(ConnectAnswer::Select {
            selection: selection.expose().to_owned(),
            platform,
            candidates: candidates
                .iter()
                .map(|c| Candidate {
                    account_id: c.account_id.clone(),
                    name: c.name.clone(),
                })
                .collect(),
            expires_at,
        })
        .into_response());
    }
    let connected =
        store_accounts(&state, &current.actor(), platform, &candidates, &tokens).await?;
    Ok(JsonResponse(ConnectAnswer::Connected {
        accounts: connected,
    })
    .into_response())
}

#[derive(Serialize, Deserialize)]
struct CandidatesSealed {
    access_token: String,
    refresh_token: Option<String>,
    expires_at: Option<chrono::DateTime<Utc>>,
    accounts: Vec<SealedCandidate>,
}

/// One offered account, kept (encrypted) while the user picks.
#[derive(Serialize, Deserialize)]
struct SealedCandidate {
    account_id: String,
    name: String,
    handle: Option<String>,
    followers: Option<i64>,
    access_token: Option<String>,
    #[serde(default)]
    owner_id: Option<String>,
}

impl CandidatesSealed {
    fn from(candidates: &[ConnectableAccount], tokens: &TokenSet) -> Self {
        CandidatesSealed {
            access_token: tokens.access_token.clone(),
            refresh_token: tokens.refresh_token.clone(),
            expires_at: tokens.expires_at,
            accounts: candidates
                .iter()
                .map(|c| SealedCandidate {
                    account_id: c.account_id.clone(),
                    name: c.name.clone(),
                    handle: c.handle.clone(),
                    followers: c.followers,
                    access_token: c.access_token.clone(),
                    owner_id: c.owner_id.clone(),
                })
                .collect(),
        }
    }
}

async fn finish_selection(
    state: &AppState,
    current: &CurrentUser,
    selection: &str,
    account_ids: &[String],
) -> Result<Response, ApiError> {
    let invalid = || {
        ApiError::new(
            ErrorCode::InvalidToken,
            "the selection is unknown or expired; connect again",
        )
    };
    let presented = OpaqueToken::presented(selection).ok_or_else(invalid)?;
    let pending = state
        .kv
        .take(&ItemKey::oauth_state(&format!(
            "select#{}",
            presented.hash()
        )))
        .await?
        .ok_or_else(invalid)?;
    // Only the user who gave consent picks what it connects.
    if pending.string("organization_id") != Some(current.organization_id.to_string().as_str())
        || pending.string("user_id") != Some(current.user_id.to_string().as_str())
    {
        return Err(invalid());
    }
    let platform: Platform = pending
        .string("platform")
        .and_then(|p| p.parse().ok())
        .ok_or_else(invalid)?;
    let sealed = state
        .token_cipher()
        .decrypt(
            pending.string("sealed").ok_or_else(invalid)?,
            presented.hash().as_bytes(),
        )
        .map_err(|_| invalid())?;
    let sealed: CandidatesSealed = serde_json::from_str(&sealed).map_err(|_| invalid())?;
    let chosen: Vec<ConnectableAccount> = sealed
        .accounts
        .into_iter()
        .filter(|c| account_ids.contains(&c.account_id))
        .map(|c| ConnectableAccount {
            platform,
            account_id: c.account_id,
            name: c.name,
            handle: c.handle,
            followers: c.followers,
            access_token: c.access_token,
            owner_id: c.owner_id,
        })
        .collect();
    if chosen.is_empty() {
        return Err(ApiError::validation(vec![FieldIssue::new(
            "account_ids",
            "pick at least one of the offered accounts",
        )]));
    }
    let tokens = TokenSet {
        access_token: sealed.access_token,
        refresh_token: sealed.refresh_token,
        expires_at: sealed.expires_at,
        subject: None,
    };
    let accounts = store_accounts(state, &current.actor(), platform, &chosen, &tokens).await?;
    Ok(JsonResponse(ConnectAnswer::Connected { accounts }).into_response())
}

/// Creates or reconnects accounts with their encrypted tokens, within the plan's limit.
async fn store_accounts(
    state: &AppState,
    actor: &Actor,
    platform: Platform,
    accounts: &[ConnectableAccount],
    tokens: &TokenSet,
) -> Result<Vec<AccountView>, ApiError> {
    let organization_id = actor
        .organization_id
        .ok_or_else(|| ApiError::not_found("organization"))?;
    let user_id = actor.user_id.ok_or_else(|| ApiError::not_found("user"))?;
    let mut client = state.db.client().await?;
    let pg: &mut tokio_postgres::Client = &mut client;
    let tx = pg.transaction().await?;
    let mut new = 0;
    for account in accounts {
        if social_accounts::find(&tx, organization_id, platform, &account.account_id)
            .await?
            .is_none()
        {
            new += 1;
        }
    }
    ensure_room(&tx, organization_id, new).await?;
    let mut stored = Vec::new();
    for account in accounts {
        let row = match social_accounts::find(&tx, organization_id, platform, &account.account_id)
            .await?
        {
            Some(existing) => existing,
            None => {
                social_accounts::insert(
                    &tx,
                    &NewAccount {
                        id: Uuid::now_v7(),
                        organization_id,
                        connected_by: user_id,
                        platform,
                        account_id: &account.account_id,
                        account_name: &account.name,
                        account_handle: account.handle.as_deref(),
                        followers_count: account.followers,
                        owner_id: account.owner_id.as_deref(),
                    },
                )
                .await?
            }
        };
        let access = account
            .access_token
            .as_deref()
            .unwrap_or(&tokens.access_token);
        let bound = row.id.as_bytes().to_vec();
        let sealed_access = state.token_cipher().encrypt(access, &bound);
        let sealed_refresh = tokens
            .refresh_token
            .as_deref()
            .map(|r| state.token_cipher().encrypt(r, &bound));
        // A Facebook Page acts with its own token, which does not expire (see
        // `PlatformClient::refresh_account`); the user token's expiry is not the Page's.
        let expires_at = if platform == Platform::Facebook && account.access_token.is_some() {
            None
        } else {
            tokens.expires_at
        };
        let updated = social_accounts::set_tokens(
            &tx,
            organization_id,
            row.id,
            &sealed_access,
            sealed_refresh.as_deref(),
            expires_at,
        )
        .await?;
        audit::record(&tx, actor, AuditEntry {
            action: AuditAction::Connect,
            resource_type: "social_account",
            resource_id: Some(row.id),
            old_values: None,
            new_values: Some(serde_json::json!({ "platform": platform, "account_id": account.account_id, "name": account.name })),
        })
        .await?;
        stored.push(view(updated));
    }
    tx.commit().await?;
    Ok(stored)
}

#[derive(Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
struct PostingSlot {
    /// 0 = Monday … 6 = Sunday.
    #[schemars(range(min = 0, max = 6))]
    weekday: u8,
    /// `HH:MM`, in the organization's time zone.
    #[schemars(pattern(r"^([01]\d|2[0-3]):[0-5]\d$"), example = &"09:30")]
    time: String,
}

#[derive(Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
struct SettingsUpdate {
    #[schemars(length(min = 1, max = 255))]
    display_name: Option<String>,
    #[schemars(length(max = 30), inner(pattern(r"^#?[\p{L}\p{N}_]+$")))]
    default_hashtags: Option<Vec<String>>,
    #[schemars(length(max = 50))]
    posting_slots: Option<Vec<PostingSlot>>,
    is_active: Option<bool>,
}

async fn update_settings(
    State(state): State<AppState>,
    current: CurrentUser,
    Path(id): Path<Uuid>,
    Json(body): Json<SettingsUpdate>,
) -> Result<Response, ApiError> {
    current.require(Permission::ManageSocialAccounts)?;
    let mut checks = FieldChecks::new();
    let display_name = checks.check_opt("display_name", body.display_name.as_deref(), |v| {
        bounded_text(v, 255)
    });
    let tags = body.default_hashtags.map(|tags| {
        tags.iter()
            .map(|t| t.trim().trim_start_matches('#').to_owned())
            .filter(|t| !t.is_empty())
            .collect::<Vec<_>>()
    });
    if let Some(tags) = &tags
        && (tags.len() > 30
            || tags
                .iter()
                .any(|t| hashtags(&format!("#{t}")) != [t.clone()]))
    {
        checks.push(
            "default_hashtags",
            "at most 30 hashtags of letters, digits and underscores",
        );
    }
    let slots = body.posting_slots.map(|slots| {
        slots
            .into_iter()
            .map(|s| (s.weekday, s.time))
            .collect::<Vec<_>>()
    });
    if let Some(slots) = &slots
        && (slots.len() > 50
            || slots.iter().any(|(day, time)| {
                *day > 6 || chrono::NaiveTime::parse_from_str(time, "%H:%M").is_err()
            }))
    {
        checks.push(
            "posting_slots",
            "weekday 0-6 and time HH:MM, at most 50 slots",
        );
    }
    checks.finish()?;

    let mut client = state.db.client().await?;
    let pg: &mut tokio_postgres::Client = &mut client;
    let tx = pg.transaction().await?;
    let account = social_accounts::get(&tx, current.organization_id, id, true)
        .await?
        .ok_or_else(|| ApiError::not_found("social account"))?;
    let mut settings = account.settings.clone();
    if let Some(name) = &display_name {
        settings["display_name"] = serde_json::json!(name);
    }
    if let Some(tags) = &tags {
        settings["default_hashtags"] = serde_json::json!(tags);
    }
    if let Some(slots) = &slots {
        settings["posting_slots"] = serde_json::json!(
            slots
                .iter()
                .map(|(d, t)| serde_json::json!({ "weekday": d, "time": t }))
                .collect::<Vec<_>>()
        );
    }
    let updated = social_accounts::update_settings(
        &tx,
        current.organization_id,
        id,
        display_name.as_deref(),
        &settings,
        body.is_active,
    )
    .await?;
    audit::record(
        &tx,
        &current.actor(),
        AuditEntry {
            action: AuditAction::Update,
            resource_type: "social_account",
            resource_id: Some(id),
            old_values: Some(
                serde_json::json!({ "settings": account.settings, "is_active": account.is_active }),
            ),
            new_values: Some(
                serde_json::json!({ "settings": updated.settings, "is_active": updated.is_active }),
            ),
        },
    )
    .await?;
    tx.commit().await?;
    Ok(JsonResponse(view(updated)).into_response())
}

async fn disconnect(
    State(state): State<AppState>,
    current: CurrentUser,
    Path(id): Path<Uuid>,
) -> Result<StatusCode, ApiError> {
    current.require(Permission::ManageSocialAccounts)?;
    let account = {
        let client = state.db.client().await?;
        let pg: &tokio_postgres::Client = &client;
        social_accounts::get(pg, current.organization_id, id, false)
            .await?
            .ok_or_else(|| ApiError::not_found("social account"))?
    };
    // Best effort: the platform may already have revoked us; the tokens go either way.
    if let (Some(sealed), Ok(app)) = (
        account.access_token.as_deref(),
        app_of(&state, account.platform),
    ) && let Ok(token) = state.token_cipher().decrypt(sealed, account.id.as_bytes())
        && let Err(failure) = state
            .platforms()
            .revoke(account.platform, &app, &token)
            .await
    {
        tracing::warn!(platform = %account.platform, ?failure, "revocation at the platform failed");
    }
    let mut client = state.db.client().await?;
    let pg: &mut tokio_postgres::Client = &mut client;
    let tx = pg.transaction().await?;
    social_accounts::delete(&tx, current.organization_id, id).await?;
    audit::record(&tx, &current.actor(), AuditEntry {
        action: AuditAction::Disconnect,
        resource_type: "social_account",
        resource_id: Some(id),
        old_values: Some(serde_json::json!({ "platform": account.platform, "account_id": account.account_id, "name": account.account_name })),
        new_values: None,
    })
    .await?;
    tx.commit().await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Serialize, schemars::JsonSchema)]
struct SyncReport {
    account: AccountView,
    /// Snapshots of post metrics taken.
    posts_synced: usize,
    /// Posts published on the platform directly and imported now.
    posts_imported: usize,
}

/// Refreshes the profile, then runs the metrics sync for this account now (the scheduled
/// sync's own code, so both record the same history).
async fn sync(
    State(state): State<AppState>,
    current: CurrentUser,
    Path(id): Path<Uuid>,
) -> Result<Response, ApiError> {
    current.require(Permission::ManageSocialAccounts)?;
    let mut client = state.db.client().await?;
    let db: &mut tokio_postgres::Client = &mut client;
    let account = social_accounts::get(&*db, current.organization_id, id, false)
        .await?
        .ok_or_else(|| ApiError::not_found("social account"))?;
    let mut token = social::fresh_access_token(&state, db, &account, false)
        .await
        .map_err(service_errors::token)?;
    // For Meta, the account's own (Page) token lists the Page; other platforms list the user.
    let mut profile = state.platforms().accounts(account.platform, &token).await;
    if matches!(profile, Err(Failure::AuthExpired { .. })) {
        token = social::fresh_access_token(&state, db, &account, true)
            .await
            .map_err(service_errors::token)?;
        profile = state.platforms().accounts(account.platform, &token).await;
    }
    let profile = profile.map_err(|f| service_errors::platform_failure(account.platform, &f))?;
    let own = profile
        .iter()
        .find(|p| p.account_id == account.account_id)
        .or(profile.first());
    let pg: &tokio_postgres::Client = db;
    if let Some(own) = own {
        social_accounts::record_sync(
            pg,
            current.organization_id,
            id,
            &own.name,
            own.handle.as_deref(),
            own.followers,
        )
        .await?;
    }
    drop(client);
    // Inside API Gateway's 30 seconds, with room for the answer.
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
    let report = analytics::sync::sync_account(&state, id, Utc::now(), deadline)
        .await
        .map_err(service_errors::analytics)?;
    let client = state.db.client().await?;
    let updated = social_accounts::get(&**client, current.organization_id, id, false)
        .await?
        .ok_or_else(|| ApiError::not_found("social account"))?;
    Ok(JsonResponse(SyncReport {
        account: view(updated),
        posts_synced: report.snapshots,
        posts_imported: report.imported,
    })
    .into_response())
}

#[derive(Serialize, schemars::JsonSchema)]
struct Insights {
    followers_count: Option<i64>,
    /// The last 90 days in your time zone, as `/api/analytics/audience` gives them.
    #[serde(flatten)]
    audience: AudienceView,
}

async fn insights(
    State(state): State<AppState>,
    current: CurrentUser,
    Path(id): Path<Uuid>,
) -> Result<Response, ApiError> {
    current.require(Permission::ViewAnalytics)?;
    let account = {
        let client = state.db.client().await?;
        social_accounts::get(&**client, current.organization_id, id, false)
            .await?
            .ok_or_else(|| ApiError::not_found("social account"))?
    };
    let mut checks = FieldChecks::new();
    let zone = crate::analytics::zone_of(&state, &current, &mut checks, None).await?;
    let to = Utc::now().with_timezone(&zone).date_naive();
    let period = Period {
        from: to - Duration::days(89),
        to,
        zone,
    };
    let filters = Filters {
        accounts: vec![id],
        ..Filters::default()
    };
    let audience = dashboards::audience(&state, current.organization_id, &period, &filters)
        .await
        .map_err(service_errors::analytics)?;
    Ok(JsonResponse(Insights {
        followers_count: account.followers_count,
        audience,
    })
    .into_response())
}
