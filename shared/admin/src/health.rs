//! System health, as the admin console shows it: each dependency's reachability and latency,
//! every queue's depth and its dead letters, and when each scheduled function last ran.

use std::time::Duration;

use chrono::{DateTime, Utc};
use runtime::AppState;
use serde::Serialize;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Level {
    Ok,
    Warning,
    Failing,
}

#[derive(Debug, Serialize, schemars::JsonSchema)]
pub struct Check {
    pub name: String,
    pub status: Level,
    pub detail: String,
    pub latency_ms: f64,
}

#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub struct QueueDepth {
    pub name: String,
    /// Messages waiting; `None` when the queue could not be read.
    pub depth: Option<i64>,
    pub in_flight: Option<i64>,
    /// Messages that failed every delivery: each one needs a look.
    pub dead_letters: Option<i64>,
}

#[derive(Debug, Serialize, schemars::JsonSchema)]
pub struct Run {
    pub name: String,
    pub last_run_at: Option<DateTime<Utc>>,
    pub status: Level,
    pub detail: String,
}

#[derive(Debug, Serialize, schemars::JsonSchema)]
pub struct SystemHealth {
    /// `ok` only when every check, queue and run is.
    pub status: Level,
    pub checked_at: DateTime<Utc>,
    pub checks: Vec<Check>,
    pub queues: Vec<QueueDepth>,
    pub runs: Vec<Run>,
    pub maintenance: runtime::MaintenanceMode,
}

const CHECK_TIMEOUT: Duration = Duration::from_secs(3);

/// The scheduled functions and how late each may be before it is a warning.
const SCHEDULED: &[(&str, i64)] = &[
    ("publish-sweeper", 5 * 60),
    ("integration-deliveries", 5 * 60),
    ("maintenance", 90 * 60),
    ("metrics-sync", 3 * 3600),
];

async fn timed<F, E>(name: &str, check: F) -> Check
where
    F: Future<Output = Result<String, E>>,
    E: std::fmt::Display,
{
    let (outcome, waited) = runtime::probe(CHECK_TIMEOUT, check).await;
    let (status, detail) = match outcome {
        Ok(detail) => (Level::Ok, detail),
        Err(error) => (Level::Failing, error),
    };
    Check {
        name: name.to_owned(),
        status,
        detail,
        latency_ms: (waited.as_secs_f64() * 1e4).round() / 10.0,
    }
}

async fn attribute(state: &AppState, url: &str) -> Result<(i64, i64), String> {
    use aws_sdk_sqs::types::QueueAttributeName;
    let answer = state
        .sqs()
        .get_queue_attributes()
        .queue_url(url)
        .attribute_names(QueueAttributeName::ApproximateNumberOfMessages)
        .attribute_names(QueueAttributeName::ApproximateNumberOfMessagesNotVisible)
        .send()
        .await
        .map_err(|e| aws_sdk_sqs::error::DisplayErrorContext(&e).to_string())?;
    let read = |name: QueueAttributeName| {
        answer
            .attributes()
            .and_then(|a| a.get(&name))
            .and_then(|v| v.parse::<i64>().ok())
            .unwrap_or(0)
    };
    Ok((
        read(QueueAttributeName::ApproximateNumberOfMessages),
        read(QueueAttributeName::ApproximateNumberOfMessagesNotVisible),
    ))
}

/// Every queue this function was given, with its dead-letter queue (named `<queue>-dlq`).
pub async fn queue_depths(state: &AppState) -> Vec<QueueDepth> {
    let mut depths = Vec::new();
    for (name, url) in &state.config.queue_urls {
        let main = attribute(state, url).await;
        let dead = attribute(state, &format!("{url}-dlq")).await;
        if let Err(error) = &main {
            tracing::warn!(queue = name, %error, "queue depth unreadable");
        }
        depths.push(QueueDepth {
            name: (*name).to_owned(),
            depth: main.as_ref().ok().map(|m| m.0),
            in_flight: main.as_ref().ok().map(|m| m.1),
            dead_letters: dead.ok().map(|d| d.0),
        });
    }
    depths
}

fn run_level(name: &str, run: Option<&store::platform::ScheduledRun>, now: DateTime<Utc>) -> Run {
    let late_after = SCHEDULED
        .iter()
        .find(|(n, _)| *n == name)
        .map_or(3600, |(_, secs)| *secs);
    match run {
        None => Run {
            name: name.to_owned(),
            last_run_at: None,
            status: Level::Warning,
            detail: "has not run yet".into(),
        },
        Some(run) => {
            let age = (now - run.last_run_at).num_seconds();
            let (status, detail) = if !run.succeeded {
                (
                    Level::Failing,
                    run.detail.clone().unwrap_or_else(|| "failed".into()),
                )
            } else if age > late_after {
                (
                    Level::Warning,
                    format!(
                        "last ran {} min ago (expected every {} min at most)",
                        age / 60,
                        late_after / 60
                    ),
                )
            } else {
                (
                    Level::Ok,
                    run.detail.clone().unwrap_or_else(|| "ran".into()),
                )
            };
            Run {
                name: name.to_owned(),
                last_run_at: Some(run.last_run_at),
                status,
                detail,
            }
        }
    }
}

pub async fn system_health(state: &AppState) -> SystemHealth {
    let now = Utc::now();
    let postgres = timed("postgres", async {
        state
            .db
            .ping()
            .await
            .map(|d| format!("SELECT 1 in {:.1} ms", d.as_secs_f64() * 1e3))
    });
    let dynamodb = timed("dynamodb", async {
        state
            .kv
            .ping()
            .await
            .map(|_| format!("table {}", state.config.table_name))
    });
    let s3 = timed("s3", async {
        state
            .s3()
            .head_bucket()
            .bucket(&state.config.media_bucket)
            .send()
            .await
            .map(|_| format!("bucket {}", state.config.media_bucket))
            .map_err(|e| format!("bucket {}: {e}", state.config.media_bucket))
    });
    let scheduler = timed("scheduler", async {
        state
            .scheduler()
            .list_schedules()
            .group_name(&state.config.publish_trigger.group)
            .max_results(1)
            .send()
            .await
            .map(|_| format!("group {}", state.config.publish_trigger.group))
            .map_err(|e| format!("group {}: {e}", state.config.publish_trigger.group))
    });
    let (postgres, dynamodb, s3, scheduler) = tokio::join!(postgres, dynamodb, s3, scheduler);
    let mut checks = vec![postgres, dynamodb, s3, scheduler];
    let runs = match state.db.client().await {
        Ok(client) => {
            let stored = store::platform::runs(&**client).await.unwrap_or_default();
            let stuck = store::webhook_events::stuck_count(&**client)
                .await
                .unwrap_or(0);
            let lag = store::posts::publishing_lag_secs(&**client)
                .await
                .unwrap_or(0.0);
            checks.push(Check {
                name: "publishing lag".into(),
                // The sweeper takes a lost trigger 90 s late; five minutes means it is not.
                status: if lag <= 300.0 {
                    Level::Ok
                } else {
                    Level::Warning
                },
                detail: format!("the oldest due post is {lag:.0} s late"),
                latency_ms: 0.0,
            });
            checks.push(Check {
                name: "webhook events".into(),
                status: if stuck == 0 {
                    Level::Ok
                } else {
                    Level::Warning
                },
                detail: format!("{stuck} unprocessed for over a minute"),
                latency_ms: 0.0,
            });
            SCHEDULED
                .iter()
                .map(|(name, _)| run_level(name, stored.iter().find(|r| r.name == *name), now))
                .collect()
        }
        Err(_) => Vec::new(),
    };
    let queues = queue_depths(state).await;
    let worst = checks
        .iter()
        .map(|c| c.status)
        .chain(runs.iter().map(|r| r.status))
        .chain(queues.iter().map(|q| match (q.depth, q.dead_letters) {
            (None, _) => Level::Failing,
            (_, Some(n)) if n > 0 => Level::Warning,
            _ => Level::Ok,
        }))
        .max_by_key(|l| *l as u8)
        .unwrap_or(Level::Ok);
    SystemHealth {
        status: worst,
        checked_at: now,
        checks,
        queues,
        runs,
        maintenance: state.maintenance().await,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::Duration as Span;

    fn run(minutes_ago: i64, succeeded: bool) -> store::platform::ScheduledRun {
        store::platform::ScheduledRun {
            name: "publish-sweeper".into(),
            last_run_at: Utc::now() - Span::minutes(minutes_ago),
            succeeded,
            detail: None,
        }
    }

    #[test]
    fn a_sweeper_that_stopped_running_is_a_warning_and_a_failed_run_is_failing() {
        let now = Utc::now();
        assert_eq!(
            run_level("publish-sweeper", Some(&run(1, true)), now).status,
            Level::Ok
        );
        assert_eq!(
            run_level("publish-sweeper", Some(&run(12, true)), now).status,
            Level::Warning
        );
        assert_eq!(
            run_level("publish-sweeper", Some(&run(1, false)), now).status,
            Level::Failing
        );
        assert_eq!(
            run_level("publish-sweeper", None, now).status,
            Level::Warning
        );
    }
}
