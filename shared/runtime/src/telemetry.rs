use tracing_subscriber::EnvFilter;

/// JSON logs, one object per line, with the current span's fields (the request id among them)
/// on every line. `LOG_FORMAT=text` gives readable lines for a terminal; `RUST_LOG` filters.
pub fn init_tracing() {
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info"));
    let text = std::env::var("LOG_FORMAT").is_ok_and(|f| f.eq_ignore_ascii_case("text"));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_target(false);
    // CloudWatch adds its own timestamps and does not render colours.
    let result = if text {
        builder.compact().try_init()
    } else {
        builder
            .json()
            .flatten_event(true)
            .with_current_span(true)
            .with_span_list(false)
            .with_ansi(false)
            .try_init()
    };
    // A second call (tests, the dev server embedding handlers) keeps the first subscriber.
    drop(result);
}
