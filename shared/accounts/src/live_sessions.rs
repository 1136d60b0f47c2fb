//! A session that ends takes its live-feed connections with it: sign-out, a revoked device, a
//! reused refresh token, a password reset, a removal, a role change, an erasure. Called after
//! the change committed.

use runtime::AppState;
use store::OrgId;
use uuid::Uuid;

/// Closes the user's live connections of one session, or of all their sessions (`None`).
pub async fn close(
    state: &AppState,
    organization_id: Option<OrgId>,
    user_id: Uuid,
    session: Option<Uuid>,
) {
    if let Some(organization_id) = organization_id {
        live::close_sessions(state, organization_id, user_id, session).await;
    }
}
