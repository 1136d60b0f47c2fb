//! The API as one caller uses it: one method per endpoint, so a test says what it does
//! (`app.api(auth(&admin)).invite(json!(…))`) and the method and path of each endpoint are
//! written once, here.

use std::fmt::Display;

use http::Method;
use serde_json::Value;

use crate::{Member, TestApp, TestResponse};

/// The bearer token a member's requests carry.
pub fn auth(member: &Member) -> Option<&str> {
    Some(&member.access_token)
}

/// Requests as one caller: signed in with `token`, or anonymous.
#[derive(Clone, Copy)]
pub struct Api<'a> {
    app: &'a TestApp,
    token: Option<&'a str>,
}

impl TestApp {
    pub fn api<'a>(&'a self, token: Option<&'a str>) -> Api<'a> {
        Api { app: self, token }
    }
}

/// `?query` appended when there is one (`"type=video"`, or `""` for none).
fn with_query(path: String, query: &str) -> String {
    if query.is_empty() {
        path
    } else {
        format!("{path}?{query}")
    }
}

impl<'a> Api<'a> {
    async fn send(&self, method: Method, path: &str, body: Option<Value>) -> TestResponse {
        self.app.call_as(self.token, method, path, body).await
    }

    async fn get(&self, path: &str) -> TestResponse {
        self.send(Method::GET, path, None).await
    }

    // Authentication
    pub async fn register(self, body: Value) -> TestResponse {
        self.send(Method::POST, "/api/auth/register", Some(body))
            .await
    }

    pub async fn login(self, body: Value) -> TestResponse {
        self.send(Method::POST, "/api/auth/login", Some(body)).await
    }

    pub async fn refresh(self, body: Value) -> TestResponse {
        self.send(Method::POST, "/api/auth/refresh", Some(body))
            .await
    }

    pub async fn forgot_password(self, body: Value) -> TestResponse {
        self.send(Method::POST, "/api/auth/forgot-password", Some(body))
            .await
    }

    pub async fn reset_password(self, body: Value) -> TestResponse {
        self.send(Method::POST, "/api/auth/reset-password", Some(body))
            .await
    }

    pub async fn verify_email(self, body: Value) -> TestResponse {
        self.send(Method::POST, "/api/auth/verify-email", Some(body))
            .await
    }

    pub async fn logout(self) -> TestResponse {
        self.send(Method::POST, "/api/auth/logout", None).await
    }

    // The user's own account
    pub async fn profile(self) -> TestResponse {
        self.get("/api/users/profile").await
    }

    pub async fn update_profile(self, body: Value) -> TestResponse {
        self.send(Method::PUT, "/api/users/profile", Some(body))
            .await
    }

    pub async fn delete_account(self, body: impl Into<Option<Value>>) -> TestResponse {
        self.send(Method::DELETE, "/api/users/profile", body.into())
            .await
    }

    pub async fn sessions(self) -> TestResponse {
        self.get("/api/users/sessions").await
    }

    pub async fn revoke_session(self, id: impl Display) -> TestResponse {
        let path = format!("/api/users/sessions/{id}");
        self.send(Method::DELETE, &path, None).await
    }

    pub async fn export_data(self) -> TestResponse {
        self.send(Method::POST, "/api/users/export-data", None)
            .await
    }

    pub async fn export(self, id: impl Display) -> TestResponse {
        self.get(&format!("/api/users/export-data/{id}")).await
    }

    // The organization
    pub async fn update_organization(self, body: Value) -> TestResponse {
        self.send(Method::PUT, "/api/organizations", Some(body))
            .await
    }

    pub async fn members(self) -> TestResponse {
        self.get("/api/organizations/members").await
    }

    pub async fn invite(self, body: Value) -> TestResponse {
        self.send(
            Method::POST,
            "/api/organizations/members/invite",
            Some(body),
        )
        .await
    }

    pub async fn change_role(self, member_id: impl Display, body: Value) -> TestResponse {
        let path = format!("/api/organizations/members/{member_id}");
        self.send(Method::PUT, &path, Some(body)).await
    }

    pub async fn subscription(self) -> TestResponse {
        self.get("/api/organizations/subscription").await
    }

    pub async fn change_plan(self, body: Value) -> TestResponse {
        self.send(Method::POST, "/api/organizations/subscription", Some(body))
            .await
    }

    // Integrations
    pub async fn integrations(self) -> TestResponse {
        self.get("/api/integrations").await
    }

    pub async fn connect_integration(self, kind: &str, body: Value) -> TestResponse {
        let path = format!("/api/integrations/{kind}/connect");
        self.send(Method::POST, &path, Some(body)).await
    }

    pub async fn disconnect_integration(self, id: impl Display) -> TestResponse {
        self.send(Method::DELETE, &format!("/api/integrations/{id}"), None)
            .await
    }

    pub async fn test_integration(self, id: impl Display) -> TestResponse {
        self.send(Method::POST, &format!("/api/integrations/{id}/test"), None)
            .await
    }

    pub async fn integration_deliveries(self, id: impl Display) -> TestResponse {
        self.get(&format!("/api/integrations/{id}/deliveries"))
            .await
    }

    // Platform administration
    pub async fn admin_stats(self) -> TestResponse {
        self.get("/api/admin/stats").await
    }

    pub async fn admin_users(self, query: &str) -> TestResponse {
        self.get(&with_query("/api/admin/users".into(), query))
            .await
    }

    pub async fn admin_organizations(self, query: &str) -> TestResponse {
        self.get(&with_query("/api/admin/organizations".into(), query))
            .await
    }

    pub async fn admin_set_plan(self, organization_id: impl Display, body: Value) -> TestResponse {
        let path = format!("/api/admin/organizations/{organization_id}/plan");
        self.send(Method::PUT, &path, Some(body)).await
    }

    pub async fn admin_audit_logs(self, query: &str) -> TestResponse {
        self.get(&with_query("/api/admin/audit-logs".into(), query))
            .await
    }

    pub async fn admin_system_health(self) -> TestResponse {
        self.get("/api/admin/system-health").await
    }

    pub async fn maintenance_mode(self) -> TestResponse {
        self.get("/api/admin/maintenance-mode").await
    }

    pub async fn set_maintenance_mode(self, body: Value) -> TestResponse {
        self.send(Method::POST, "/api/admin/maintenance-mode", Some(body))
            .await
    }

    // Media
    pub async fn upload(self, body: Value) -> TestResponse {
        self.send(Method::POST, "/api/media/upload", Some(body))
            .await
    }

    pub async fn confirm(self, id: impl Display, body: impl Into<Option<Value>>) -> TestResponse {
        let path = format!("/api/media/{id}/confirm");
        self.send(Method::POST, &path, body.into()).await
    }

    pub async fn media(self, query: &str) -> TestResponse {
        self.get(&with_query("/api/media".to_owned(), query)).await
    }

    pub async fn update_media(self, id: impl Display, body: Value) -> TestResponse {
        let path = format!("/api/media/{id}");
        self.send(Method::PUT, &path, Some(body)).await
    }

    pub async fn delete_media(self, id: impl Display) -> TestResponse {
        let path = format!("/api/media/{id}");
        self.send(Method::DELETE, &path, None).await
    }

    pub async fn optimize(self, id: impl Display) -> TestResponse {
        let path = format!("/api/media/{id}/optimize");
        self.send(Method::POST, &path, None).await
    }

    pub async fn storage_usage(self) -> TestResponse {
        self.get("/api/media/storage-usage").await
    }

    // Social accounts
    pub async fn social_accounts(self) -> TestResponse {
        self.get("/api/social-accounts").await
    }

    pub async fn connect(self, body: Value) -> TestResponse {
        self.send(Method::POST, "/api/social-accounts/connect", Some(body))
            .await
    }

    pub async fn update_social_account(self, id: impl Display, body: Value) -> TestResponse {
        let path = format!("/api/social-accounts/{id}");
        self.send(Method::PUT, &path, Some(body)).await
    }

    pub async fn disconnect(self, id: impl Display) -> TestResponse {
        let path = format!("/api/social-accounts/{id}");
        self.send(Method::DELETE, &path, None).await
    }

    pub async fn sync(self, id: impl Display) -> TestResponse {
        let path = format!("/api/social-accounts/{id}/sync");
        self.send(Method::POST, &path, None).await
    }

    pub async fn insights(self, id: impl Display) -> TestResponse {
        self.get(&format!("/api/social-accounts/{id}/insights"))
            .await
    }

    // Posts
    pub async fn create_post(self, body: Value) -> TestResponse {
        self.send(Method::POST, "/api/posts", Some(body)).await
    }

    pub async fn posts(self, query: &str) -> TestResponse {
        self.get(&with_query("/api/posts".to_owned(), query)).await
    }

    pub async fn post(self, id: impl Display) -> TestResponse {
        self.get(&format!("/api/posts/{id}")).await
    }

    pub async fn update_post(self, id: impl Display, body: Value) -> TestResponse {
        let path = format!("/api/posts/{id}");
        self.send(Method::PUT, &path, Some(body)).await
    }

    pub async fn delete_post(self, id: impl Display) -> TestResponse {
        let path = format!("/api/posts/{id}");
        self.send(Method::DELETE, &path, None).await
    }

    pub async fn preview(self, id: impl Display) -> TestResponse {
        self.get(&format!("/api/posts/{id}/preview")).await
    }

    pub async fn schedule(self, id: impl Display, body: Value) -> TestResponse {
        let path = format!("/api/posts/{id}/schedule");
        self.send(Method::POST, &path, Some(body)).await
    }

    pub async fn duplicate(self, id: impl Display) -> TestResponse {
        let path = format!("/api/posts/{id}/duplicate");
        self.send(Method::POST, &path, None).await
    }

    pub async fn calendar(self, query: &str) -> TestResponse {
        self.get(&with_query("/api/posts/calendar".to_owned(), query))
            .await
    }

    // Notifications
    // Analytics
    pub async fn analytics(self, view: &str, query: &str) -> TestResponse {
        self.get(&with_query(format!("/api/analytics/{view}"), query))
            .await
    }

    pub async fn generate_report(self, body: Value) -> TestResponse {
        self.send(Method::POST, "/api/analytics/reports/generate", Some(body))
            .await
    }

    pub async fn reports(self, query: &str) -> TestResponse {
        self.get(&with_query("/api/analytics/reports".to_owned(), query))
            .await
    }

    pub async fn report(self, id: impl Display) -> TestResponse {
        self.get(&format!("/api/analytics/reports/{id}")).await
    }

    // AI agents
    pub async fn ai_agents(self) -> TestResponse {
        self.get("/api/ai-agents").await
    }

    pub async fn configure_agent(self, agent_type: &str, body: Value) -> TestResponse {
        self.send(
            Method::PATCH,
            &format!("/api/ai-agents/{agent_type}"),
            Some(body),
        )
        .await
    }

    /// `POST /api/ai-agents/{what}` (content/generate, content/improve, hashtags/suggest,
    /// competitor/analyze), waiting up to `wait` seconds with `Prefer: wait=N` when given.
    pub async fn ai_task(self, what: &str, body: Value, wait: Option<u64>) -> TestResponse {
        let prefer = wait.map(|n| format!("wait={n}"));
        let headers: Vec<(&str, &str)> = prefer.iter().map(|p| ("prefer", p.as_str())).collect();
        self.app
            .call_with(
                self.token,
                Method::POST,
                &format!("/api/ai-agents/{what}"),
                Some(body),
                &headers,
            )
            .await
    }

    pub async fn queue_post(self, id: impl Display, body: Value) -> TestResponse {
        self.send(Method::POST, &format!("/api/posts/{id}/queue"), Some(body))
            .await
    }

    pub async fn set_trend_keywords(self, body: Value) -> TestResponse {
        self.send(Method::PUT, "/api/ai-agents/trends/keywords", Some(body))
            .await
    }

    pub async fn crisis(self) -> TestResponse {
        self.get("/api/ai-agents/crisis").await
    }

    pub async fn crisis_settings(self, body: Value) -> TestResponse {
        self.send(Method::PUT, "/api/ai-agents/crisis/settings", Some(body))
            .await
    }

    pub async fn resolve_crisis(self) -> TestResponse {
        self.send(Method::POST, "/api/ai-agents/crisis/resolve", None)
            .await
    }

    pub async fn resume_publishing(self) -> TestResponse {
        self.send(Method::POST, "/api/posts/publishing/resume", None)
            .await
    }

    pub async fn ai_tasks(self, query: &str) -> TestResponse {
        self.get(&with_query("/api/ai-agents/tasks".to_owned(), query))
            .await
    }

    pub async fn ai_task_detail(self, id: impl Display) -> TestResponse {
        self.get(&format!("/api/ai-agents/tasks/{id}")).await
    }

    pub async fn ai_feedback(self, id: impl Display, body: Value) -> TestResponse {
        self.send(
            Method::POST,
            &format!("/api/ai-agents/tasks/{id}/feedback"),
            Some(body),
        )
        .await
    }

    pub async fn ai_usage(self) -> TestResponse {
        self.get("/api/ai-agents/usage").await
    }

    pub async fn memories(self, query: &str) -> TestResponse {
        self.get(&with_query("/api/ai-agents/memory".to_owned(), query))
            .await
    }

    pub async fn remember(self, body: Value) -> TestResponse {
        self.send(Method::POST, "/api/ai-agents/memory", Some(body))
            .await
    }

    pub async fn forget(self, id: impl Display) -> TestResponse {
        self.send(Method::DELETE, &format!("/api/ai-agents/memory/{id}"), None)
            .await
    }

    pub async fn start_workflow(self, body: Value) -> TestResponse {
        self.send(Method::POST, "/api/ai-agents/workflows", Some(body))
            .await
    }

    pub async fn workflow(self, id: impl Display) -> TestResponse {
        self.get(&format!("/api/ai-agents/workflows/{id}")).await
    }

    pub async fn retry_workflow(self, id: impl Display) -> TestResponse {
        self.send(
            Method::POST,
            &format!("/api/ai-agents/workflows/{id}/retry"),
            None,
        )
        .await
    }

    pub async fn notifications(self, query: &str) -> TestResponse {
        self.get(&with_query("/api/notifications".to_owned(), query))
            .await
    }

    pub async fn read_notification(self, id: impl Display) -> TestResponse {
        let path = format!("/api/notifications/{id}/read");
        self.send(Method::PUT, &path, None).await
    }

    pub async fn delete_notification(self, id: impl Display) -> TestResponse {
        let path = format!("/api/notifications/{id}");
        self.send(Method::DELETE, &path, None).await
    }

    pub async fn mark_all_read(self) -> TestResponse {
        self.send(Method::POST, "/api/notifications/mark-all-read", None)
            .await
    }

    pub async fn notification_settings(self) -> TestResponse {
        self.get("/api/notifications/settings").await
    }

    pub async fn update_notification_settings(self, body: Value) -> TestResponse {
        self.send(Method::PUT, "/api/notifications/settings", Some(body))
            .await
    }

    pub async fn unsubscribe(self, body: Value) -> TestResponse {
        self.send(Method::POST, "/api/notifications/unsubscribe", Some(body))
            .await
    }
}
