//! Retries of transient failures (throttling, timeouts, an unavailable service) with
//! exponential backoff and jitter, never past the caller's deadline.

use std::time::{Duration, Instant};

use rand::Rng;

use crate::{ChatModel, ChatRequest, ChatResponse, EmbeddingModel, Embeddings, ModelError};

/// One call to the model, kept for the task's trace.
#[derive(Debug, Clone, PartialEq)]
pub struct Attempt {
    pub latency: Duration,
    /// `None` when the call answered.
    pub error: Option<ModelError>,
}

const FIRST_BACKOFF: Duration = Duration::from_millis(200);
const MAX_BACKOFF: Duration = Duration::from_secs(8);
const MAX_ATTEMPTS: u32 = 6;

/// The pause before attempt `n + 1` (n ≥ 1): doubling from 200 ms with up to 50 % jitter, or
/// the service's own hint when it gave one.
fn backoff(n: u32, error: &ModelError) -> Duration {
    if let ModelError::Throttled {
        retry_after: Some(hint),
    } = error
    {
        return (*hint).min(MAX_BACKOFF);
    }
    let base = FIRST_BACKOFF
        .saturating_mul(1 << (n - 1).min(6))
        .min(MAX_BACKOFF);
    let jitter = rand::rng().random_range(0.0..0.5);
    base.mul_f64(1.0 + jitter)
}

async fn within<T, F, Fut>(deadline: Instant, mut call: F) -> (Result<T, ModelError>, Vec<Attempt>)
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<T, ModelError>>,
{
    let mut attempts = Vec::new();
    loop {
        let started = Instant::now();
        let remaining = deadline.saturating_duration_since(started);
        if remaining.is_zero() {
            return (Err(ModelError::Timeout), attempts);
        }
        let outcome = match tokio::time::timeout(remaining, call()).await {
            Ok(outcome) => outcome,
            Err(_) => Err(ModelError::Timeout),
        };
        attempts.push(Attempt {
            latency: started.elapsed(),
            error: outcome.as_ref().err().cloned(),
        });
        let error = match outcome {
            Ok(value) => return (Ok(value), attempts),
            Err(error) => error,
        };
        let n = attempts.len() as u32;
        if !error.is_transient() || n >= MAX_ATTEMPTS {
            return (Err(error), attempts);
        }
        let pause = backoff(n, &error);
        if Instant::now() + pause >= deadline {
            return (Err(error), attempts);
        }
        tracing::info!(attempt = n, ?pause, %error, "model call failed; retrying");
        tokio::time::sleep(pause).await;
    }
}

/// Asks `model`, retrying transient failures until `deadline`.
pub async fn chat_within(
    model: &impl ChatModel,
    request: &ChatRequest,
    deadline: Instant,
) -> (Result<ChatResponse, ModelError>, Vec<Attempt>) {
    within(deadline, || model.chat(request)).await
}

/// Embeds `texts`, retrying transient failures until `deadline`.
pub async fn embed_within(
    model: &impl EmbeddingModel,
    model_id: &str,
    texts: &[String],
    deadline: Instant,
) -> (Result<Embeddings, ModelError>, Vec<Attempt>) {
    within(deadline, || model.embed(model_id, texts)).await
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicU32, Ordering};

    struct Flaky {
        failures: u32,
        calls: AtomicU32,
        error: ModelError,
    }

    impl ChatModel for Flaky {
        async fn chat(&self, _: &ChatRequest) -> Result<ChatResponse, ModelError> {
            let n = self.calls.fetch_add(1, Ordering::SeqCst);
            if n < self.failures {
                Err(self.error.clone())
            } else {
                Ok(ChatResponse {
                    answer: crate::Answer::Text("ok".into()),
                    stop: crate::StopReason::EndTurn,
                    usage: crate::Usage::default(),
                })
            }
        }
    }

    fn request() -> ChatRequest {
        ChatRequest {
            model: "m".into(),
            system: String::new(),
            messages: vec![],
            max_tokens: 10,
            temperature: 0.0,
            output: None,
        }
    }

    #[tokio::test]
    async fn given_two_throttles_when_asked_then_the_third_attempt_answers() {
        let model = Flaky {
            failures: 2,
            calls: AtomicU32::new(0),
            error: ModelError::Throttled { retry_after: None },
        };
        let deadline = Instant::now() + Duration::from_secs(10);
        let (outcome, attempts) = chat_within(&model, &request(), deadline).await;
        assert!(outcome.is_ok());
        assert_eq!(attempts.len(), 3);
        assert!(attempts[0].error.is_some() && attempts[2].error.is_none());
    }

    #[tokio::test]
    async fn given_a_refusal_when_asked_then_it_is_not_retried() {
        let model = Flaky {
            failures: 5,
            calls: AtomicU32::new(0),
            error: ModelError::Refused("no access".into()),
        };
        let deadline = Instant::now() + Duration::from_secs(10);
        let (outcome, attempts) = chat_within(&model, &request(), deadline).await;
        assert_eq!(
            outcome.unwrap_err(),
            ModelError::Refused("no access".into())
        );
        assert_eq!(attempts.len(), 1);
    }

    #[tokio::test]
    async fn given_a_near_deadline_when_throttled_then_it_gives_up_before_the_deadline() {
        let model = Flaky {
            failures: 100,
            calls: AtomicU32::new(0),
            error: ModelError::Throttled {
                retry_after: Some(Duration::from_secs(5)),
            },
        };
        let started = Instant::now();
        let (outcome, attempts) =
            chat_within(&model, &request(), started + Duration::from_secs(1)).await;
        assert!(matches!(outcome, Err(ModelError::Throttled { .. })));
        assert_eq!(attempts.len(), 1);
        assert!(started.elapsed() < Duration::from_secs(1));
    }
}
