//! One-time EventBridge Scheduler schedules: one per post target, firing the publisher once at
//! the minute it is due, deleted by the service after it ran.

use aws_sdk_scheduler::error::DisplayErrorContext;
use aws_sdk_scheduler::types::{
    ActionAfterCompletion, DeadLetterConfig, FlexibleTimeWindow, FlexibleTimeWindowMode,
    RetryPolicy, Target,
};
use chrono::{DateTime, NaiveDateTime, Utc};

#[derive(Debug, thiserror::Error)]
#[error("scheduler: {0}")]
pub struct ScheduleError(pub String);

/// How schedules fire: into the publishing lane's queue, through a role Scheduler may assume.
#[derive(Debug, Clone)]
pub struct PublishTrigger {
    pub group: String,
    pub role_arn: String,
    /// Where Scheduler puts triggers it could not deliver.
    pub dead_letter_arn: Option<String>,
}

/// A schedule the service holds, as read back (local emulation of the firing).
#[derive(Debug, Clone)]
pub struct HeldSchedule {
    pub name: String,
    pub due_at: DateTime<Utc>,
    pub target_arn: String,
    pub input: String,
}

pub fn schedule_name(target_id: &str) -> String {
    format!("pp-{target_id}")
}

/// Creates (or replaces) the one-time schedule `name` at `at` (whole seconds, UTC) that sends
/// `input` to `target_arn` (a publishing lane's queue).
pub async fn put_one_time_schedule(
    client: &aws_sdk_scheduler::Client,
    trigger: &PublishTrigger,
    target_arn: &str,
    name: &str,
    at: DateTime<Utc>,
    input: &serde_json::Value,
) -> Result<(), ScheduleError> {
    let _ = delete_schedule(client, &trigger.group, name).await;
    let mut target = Target::builder()
        .arn(target_arn)
        .role_arn(&trigger.role_arn)
        .input(input.to_string())
        // A redelivered trigger is harmless: the publisher's claim makes it a no-op.
        .retry_policy(
            RetryPolicy::builder()
                .maximum_event_age_in_seconds(3600)
                .maximum_retry_attempts(5)
                .build(),
        );
    if let Some(dlq) = &trigger.dead_letter_arn {
        target = target.dead_letter_config(DeadLetterConfig::builder().arn(dlq).build());
    }
    client
        .create_schedule()
        .name(name)
        .group_name(&trigger.group)
        .schedule_expression(format!("at({})", at.format("%Y-%m-%dT%H:%M:%S")))
        .schedule_expression_timezone("UTC")
        .flexible_time_window(
            FlexibleTimeWindow::builder()
                .mode(FlexibleTimeWindowMode::Off)
                .build()
                .map_err(|e| ScheduleError(e.to_string()))?,
        )
        .action_after_completion(ActionAfterCompletion::Delete)
        .target(target.build().map_err(|e| ScheduleError(e.to_string()))?)
        .send()
        .await
        .map_err(|e| ScheduleError(DisplayErrorContext(&e).to_string()))?;
    Ok(())
}

pub async fn delete_schedule(
    client: &aws_sdk_scheduler::Client,
    group: &str,
    name: &str,
) -> Result<(), ScheduleError> {
    match client
        .delete_schedule()
        .group_name(group)
        .name(name)
        .send()
        .await
    {
        Ok(_) => Ok(()),
        Err(e)
            if e.as_service_error()
                .is_some_and(|e| e.is_resource_not_found_exception()) =>
        {
            Ok(())
        }
        Err(e) => Err(ScheduleError(DisplayErrorContext(&e).to_string())),
    }
}

/// Every one-time schedule of the group with its due time (for the local emulation, which
/// fires them, since the local endpoint stores schedules but never runs them).
pub async fn held_schedules(
    client: &aws_sdk_scheduler::Client,
    group: &str,
) -> Result<Vec<HeldSchedule>, ScheduleError> {
    let mut held = Vec::new();
    let mut token = None;
    loop {
        let page = client
            .list_schedules()
            .group_name(group)
            .set_next_token(token)
            .send()
            .await
            .map_err(|e| ScheduleError(DisplayErrorContext(&e).to_string()))?;
        for summary in page.schedules {
            let Some(name) = summary.name else { continue };
            let detail = client
                .get_schedule()
                .group_name(group)
                .name(&name)
                .send()
                .await
                .map_err(|e| ScheduleError(DisplayErrorContext(&e).to_string()))?;
            let expression = detail.schedule_expression.unwrap_or_default();
            let due = expression
                .strip_prefix("at(")
                .and_then(|rest| rest.strip_suffix(')'))
                .and_then(|at| NaiveDateTime::parse_from_str(at, "%Y-%m-%dT%H:%M:%S").ok())
                .map(|naive| naive.and_utc());
            let (target_arn, input) = detail
                .target
                .map(|t| (t.arn, t.input.unwrap_or_default()))
                .unwrap_or_default();
            if let Some(due_at) = due {
                held.push(HeldSchedule {
                    name,
                    due_at,
                    target_arn,
                    input,
                });
            }
        }
        token = page.next_token;
        if token.is_none() {
            break;
        }
    }
    Ok(held)
}
