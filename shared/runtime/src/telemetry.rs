use tracing_subscriber::filter::Targets;
use tracing_subscriber::layer::SubscriberExt;
use tracing_subscriber::util::SubscriberInitExt;

/// JSON logs, one object per line, with the current span's fields (the request id among them)
/// on every line. `LOG_FORMAT=text` gives readable lines for a terminal; `RUST_LOG` filters.
pub fn init_tracing() {
    // `Targets` takes RUST_LOG's usual `info,store=debug` form without linking a regex engine
    // into every function (EnvFilter's span-field syntax is not needed here).
    let filter = std::env::var("RUST_LOG")
        .ok()
        .and_then(|directives| directives.parse::<Targets>().ok())
        .unwrap_or_else(|| Targets::new().with_default(tracing::Level::INFO));
    let text = std::env::var("LOG_FORMAT").is_ok_and(|f| f.eq_ignore_ascii_case("text"));
    let registry = tracing_subscriber::registry().with(filter);
    // CloudWatch adds its own timestamps and does not render colours.
    let result = if text {
        registry
            .with(
                tracing_subscriber::fmt::layer()
                    .with_target(false)
                    .compact(),
            )
            .try_init()
    } else {
        registry
            .with(
                tracing_subscriber::fmt::layer()
                    .with_target(false)
                    .json()
                    .flatten_event(true)
                    .with_current_span(true)
                    .with_span_list(false)
                    .with_ansi(false),
            )
            .try_init()
    };
    // A second call (tests, the dev server embedding handlers) keeps the first subscriber.
    drop(result);
}
