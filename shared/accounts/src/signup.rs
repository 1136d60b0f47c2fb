//! Sign-up: a new organization with its founder as admin, or joining the organization that
//! sent an invitation.

use auth::OpaqueToken;
use domain::{AuditAction, EmailAddress, NotificationKind, Role, Slug};
use runtime::AppState;
use store::accounts::audit::{self, AuditEntry};
use store::accounts::organizations::{self, Organization};
use store::accounts::tokens::{self as stored_tokens, Purpose};
use store::accounts::users::{self, NewUser, User};
use store::tokio_postgres::{self, GenericClient};
use uuid::Uuid;

use crate::sessions::{self, SessionTokens};
use crate::tokens::{VERIFY_EMAIL_TTL, replace_user_token};
use crate::{AccountsError, RequestOrigin, emails};

/// How the new account finds its organization.
pub enum Joining {
    /// Founds a new organization of this (validated) name.
    NewOrganization(String),
    /// Accepts the invitation this token stands for.
    Invitation(OpaqueToken),
}

/// A validated sign-up.
pub struct Registration {
    pub email: EmailAddress,
    pub password: domain::NewPassword,
    pub first_name: Option<String>,
    pub last_name: Option<String>,
    pub joining: Joining,
    pub gdpr_consent: bool,
}

pub struct Registered {
    pub user: User,
    pub organization: Organization,
    pub tokens: SessionTokens,
}

/// Creates the account (and organization), signs it in, and emails a verification link unless
/// the invitation already proved the address.
pub async fn register(
    state: &AppState,
    registration: Registration,
    origin: &RequestOrigin,
) -> Result<Registered, AccountsError> {
    let email = registration.email;
    // Hash before the transaction: it is the slow part and needs no lock.
    let password_hash = state.passwords().hash(&registration.password);
    let mut client = state.db.client().await?;
    let pg: &mut tokio_postgres::Client = &mut client;
    let tx = pg.transaction().await?;

    if users::find_by_email(&tx, email.as_str()).await?.is_some() {
        return Err(AccountsError::EmailTaken);
    }

    let (organization, role, verified) = match registration.joining {
        Joining::Invitation(token) => {
            let invitation = stored_tokens::consume(&tx, Purpose::Invite, &token.hash())
                .await?
                .ok_or(AccountsError::InvalidInvitation(
                    "the invitation is invalid, used or expired",
                ))?;
            if invitation.email != email.as_str() {
                return Err(AccountsError::NotTheInvitedAddress);
            }
            let gone =
                AccountsError::InvalidInvitation("the inviting organization no longer exists");
            let Some(organization_id) = invitation.organization_id else {
                return Err(gone);
            };
            let organization = organizations::get(&tx, organization_id, true)
                .await?
                .ok_or(gone)?;
            // Receiving the invitation proved the address.
            (organization, invitation.role.unwrap_or(Role::User), true)
        }
        Joining::NewOrganization(name) => {
            let slug = unique_slug(&tx, &Slug::from_name(&name)).await?;
            (
                // The founder's consent is the organization's acceptance, dated now.
                organizations::create(&tx, &name, &slug, true).await?,
                Role::Admin,
                false,
            )
        }
    };

    let user = users::create(
        &tx,
        &NewUser {
            organization_id: organization.id,
            email: email.as_str(),
            password_hash: &password_hash,
            first_name: registration.first_name.as_deref(),
            last_name: registration.last_name.as_deref(),
            role,
            email_verified: verified,
            gdpr_consent: registration.gdpr_consent,
        },
    )
    .await?;
    let verification = if verified {
        None
    } else {
        Some(replace_user_token(&tx, Purpose::VerifyEmail, &user, VERIFY_EMAIL_TTL).await?)
    };
    audit::record(&tx, &origin.actor(Some(&user)), AuditEntry {
        action: AuditAction::Create,
        resource_type: "user",
        resource_id: Some(user.id),
        old_values: None,
        new_values: Some(serde_json::json!({ "email": user.email, "role": user.role, "via_invitation": verified })),
    })
    .await?;
    let tokens = sessions::issue(&tx, state, &user, origin, None).await?;
    tx.commit().await?;
    if verified {
        let name = [user.first_name.as_deref(), user.last_name.as_deref()]
            .into_iter()
            .flatten()
            .collect::<Vec<_>>()
            .join(" ");
        let who = if name.is_empty() {
            user.email.clone()
        } else {
            format!("{name} ({})", user.email)
        };
        notifications::notify(
            state,
            pg,
            organization.id,
            notifications::Recipients::Team {
                except: Some(user.id),
            },
            notifications::Draft {
                kind: NotificationKind::MemberJoined,
                title: format!("{who} joined"),
                body: format!("{who} accepted the invitation and joined as {}.", user.role),
                link: Some("/organization".to_owned()),
                post_id: None,
                social_account_id: None,
            },
        )
        .await;
    }

    if let Some(token) = verification {
        emails::verification(state, email.as_str(), token.expose()).await;
    }
    Ok(Registered {
        user,
        organization,
        tokens,
    })
}

/// The slug itself if free, else the slug with a short random suffix.
async fn unique_slug(db: &impl GenericClient, base: &Slug) -> Result<String, AccountsError> {
    if !organizations::slug_taken(db, base.as_str()).await? {
        return Ok(base.as_str().to_owned());
    }
    for _ in 0..5 {
        let suffix = &Uuid::new_v4().simple().to_string()[..6];
        let candidate = format!("{}-{suffix}", base.as_str());
        if !organizations::slug_taken(db, &candidate).await? {
            return Ok(candidate);
        }
    }
    Err(AccountsError::NoFreeSlug)
}
