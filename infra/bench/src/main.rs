//! `cargo xtask bench`: measures what the issues ask to be measured and prints the numbers.
//!
//! * `api`: latency percentiles and throughput of read endpoints, and login time, against the
//!   local stack (Postgres + the local AWS endpoint).
//! * `publish`: 10,000 post targets due at once through the real publisher path, clean and
//!   with 5% faults; zero duplicates and zero lost targets are checked and printed.
//! * `media`: optimising a 12-megapixel JPEG (decode once, render the five platform variants),
//!   the work `POST /api/media/{id}/optimize` does, with the process's peak memory.
//! * `live`: the live feed with 1,000 WebSocket connections: notification and event → receipt
//!   latency, a 500-connection fan-out, and the server's memory per connection.
//! * `analytics`: the dashboards over 50 accounts × 2 years and 20,000 posts, their query
//!   plans, the full CSV export's time and heap, and the metrics sync of 50 accounts.
//! * `agents`: the AI task pipeline with the model sandbox at 500 ms a call: content generation
//!   end to end beyond the model's time, and 1,000 tasks at once with duplicates under each
//!   agent's concurrency cap.
//! * `webhooks`: Stripe events through `webhook-stripe` (first deliveries, shuffled, and
//!   redeliveries) with their outcome checked, outgoing integration deliveries, and the cached
//!   maintenance switch.
//! * `init`: every function's release binary, size, cold start and warm latency, beside a bare
//!   `lambda_runtime` hello-world (the binaries are in `$BENCH_BINARIES`, built by xtask).

mod agents_load;
mod analytics_load;
mod api_load;
mod init_load;
mod insights_load;
mod live_load;
mod publish_load;
mod webhooks_load;

use std::alloc::{GlobalAlloc, Layout, System};
use std::io::Cursor;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

/// The system allocator, counting the bytes in use: memory per connection is measured as heap
/// bytes, which freed-but-kept pages (RSS) would hide.
struct CountingAllocator;

static HEAP_IN_USE: AtomicUsize = AtomicUsize::new(0);
/// The most heap in use since the last [`reset_heap_peak`].
static HEAP_PEAK: AtomicUsize = AtomicUsize::new(0);

unsafe impl GlobalAlloc for CountingAllocator {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        let pointer = unsafe { System.alloc(layout) };
        if !pointer.is_null() {
            let now = HEAP_IN_USE.fetch_add(layout.size(), Ordering::Relaxed) + layout.size();
            HEAP_PEAK.fetch_max(now, Ordering::Relaxed);
        }
        pointer
    }

    unsafe fn dealloc(&self, pointer: *mut u8, layout: Layout) {
        unsafe { System.dealloc(pointer, layout) };
        HEAP_IN_USE.fetch_sub(layout.size(), Ordering::Relaxed);
    }

    unsafe fn realloc(&self, pointer: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        let moved = unsafe { System.realloc(pointer, layout, new_size) };
        if !moved.is_null() {
            let now = HEAP_IN_USE.fetch_add(new_size, Ordering::Relaxed) + new_size;
            HEAP_PEAK.fetch_max(now, Ordering::Relaxed);
            HEAP_IN_USE.fetch_sub(layout.size(), Ordering::Relaxed);
        }
        moved
    }
}

#[global_allocator]
static ALLOCATOR: CountingAllocator = CountingAllocator;

/// Heap bytes in use by this process now.
fn heap_in_use() -> usize {
    HEAP_IN_USE.load(Ordering::Relaxed)
}

/// Starts a new peak from the heap in use now, and returns it.
fn reset_heap_peak() -> usize {
    let now = heap_in_use();
    HEAP_PEAK.store(now, Ordering::Relaxed);
    now
}

/// The most heap in use since the last [`reset_heap_peak`].
fn heap_peak() -> usize {
    HEAP_PEAK.load(Ordering::Relaxed)
}

fn main() {
    let which: Vec<String> = std::env::args().skip(1).collect();
    // `bench live` re-runs this binary as its WebSocket client process.
    if let [mode, url_file] = which.as_slice()
        && mode == "live-clients"
    {
        tokio::runtime::Runtime::new()
            .expect("a runtime")
            .block_on(live_load::clients(url_file));
        return;
    }
    let all = which.is_empty();
    if all || which.iter().any(|w| w == "media") {
        media_optimize();
    }
    if all || which.iter().any(|w| w == "publish") {
        tokio::runtime::Runtime::new()
            .expect("a runtime")
            .block_on(publish_load::run());
    }
    if all || which.iter().any(|w| w == "init") {
        let binaries = std::env::var_os("BENCH_BINARIES")
            .expect("BENCH_BINARIES names the release binaries: run `cargo xtask bench init`");
        tokio::runtime::Runtime::new()
            .expect("a runtime")
            .block_on(init_load::run(binaries.into()));
    }
    if all || which.iter().any(|w| w == "api") {
        tokio::runtime::Runtime::new()
            .expect("a runtime")
            .block_on(api_load::run());
    }
    if all || which.iter().any(|w| w == "analytics") {
        tokio::runtime::Runtime::new()
            .expect("a runtime")
            .block_on(analytics_load::run());
    }
    if all || which.iter().any(|w| w == "agents") {
        tokio::runtime::Runtime::new()
            .expect("a runtime")
            .block_on(agents_load::run());
    }
    if all || which.iter().any(|w| w == "insights") {
        tokio::runtime::Runtime::new()
            .expect("a runtime")
            .block_on(insights_load::run());
    }
    if all || which.iter().any(|w| w == "webhooks") {
        tokio::runtime::Runtime::new()
            .expect("a runtime")
            .block_on(webhooks_load::run());
    }
    if all || which.iter().any(|w| w == "live") {
        tokio::runtime::Runtime::new()
            .expect("a runtime")
            .block_on(live_load::run());
    }
}

/// The state of a benchmark against the local stack: the environment's configuration with a
/// fresh table of its own and the deployed pool size, every local resource provisioned, the
/// schema migrated.
async fn local_state(table_prefix: &str) -> runtime::AppState {
    local_state_with(table_prefix, |_| None).await
}

/// [`local_state`] with some variables set by `change` (a database of the benchmark's own).
async fn local_state_with(
    table_prefix: &str,
    change: impl Fn(&str) -> Option<String>,
) -> runtime::AppState {
    let table = format!("{table_prefix}-{}", uuid::Uuid::new_v4().simple());
    let pool = dev_server::local_stack::deployed_db_max_connections().to_string();
    let config = runtime::Config::from_lookup(|name| match name {
        "TABLE_NAME" => Some(table.clone()),
        "DB_MAX_CONNECTIONS" => Some(pool.clone()),
        _ => change(name).or_else(|| std::env::var(name).ok()),
    })
    .expect("the configuration: run the benchmarks with `cargo xtask bench`");
    let sdk = cloud::load_sdk_config();
    let aws = cloud::AwsClients::new(&sdk);
    let names = dev_server::local_stack::LocalResources::of(
        &config,
        &dev_server::local_stack::LocalResources::default().queue_prefix,
    );
    dev_server::local_stack::provision(&aws, &names)
        .await
        .expect("local resources");
    let state = runtime::AppState::build(config, &sdk)
        .await
        .expect("app state");
    store::run_migrations(&state.db).await.expect("migrations");
    state
}

/// A state against the local stack with `vars` set (a sandbox's URL), a table and queues of its
/// own, the deployed pool size, and the schema migrated.
async fn sandboxed_state(vars: &[(&str, String)]) -> runtime::AppState {
    let suffix = uuid::Uuid::new_v4().simple().to_string();
    let table = format!("bench-{suffix}");
    let pool = dev_server::local_stack::deployed_db_max_connections().to_string();
    let mut config = runtime::Config::from_lookup(|name| match name {
        "TABLE_NAME" => Some(table.clone()),
        "DB_MAX_CONNECTIONS" => Some(pool.clone()),
        _ => vars
            .iter()
            .find(|(n, _)| *n == name)
            .map(|(_, v)| v.clone())
            .or_else(|| std::env::var(name).ok()),
    })
    .expect("config");
    let sdk = cloud::load_sdk_config();
    let aws = cloud::AwsClients::new(&sdk);
    let names = dev_server::local_stack::LocalResources::of(&config, &format!("bench-{suffix}-"));
    let queues = dev_server::local_stack::provision(&aws, &names)
        .await
        .expect("local resources");
    config.queue_urls = queues.urls;
    config.queue_arns = queues.arns;
    let state = runtime::AppState::build(config, &sdk).await.expect("state");
    store::run_migrations(&state.db).await.expect("migrations");
    state
}

/// A copy of the state with a pool of its own, as one Lambda execution environment has.
fn execution_environment(state: &runtime::AppState) -> runtime::AppState {
    let settings = match &state.config.database {
        runtime::DatabaseConfig::Url(url) => {
            store::DbSettings::from_url(url, state.config.db_max_connections).expect("settings")
        }
        runtime::DatabaseConfig::RdsProxy { .. } => unreachable!("the benchmark runs locally"),
    };
    let mut environment = state.clone();
    environment.db = store::Db::new(settings).expect("pool");
    environment
}

/// The nearest-rank percentile `p` (0 to 1) of sorted samples.
fn percentile<T: Copy>(sorted: &[T], p: f64) -> T {
    let index = ((sorted.len() as f64 * p).ceil() as usize).clamp(1, sorted.len()) - 1;
    sorted[index]
}

/// Peak resident memory of this process so far (VmHWM), in MiB.
fn peak_rss_mib() -> f64 {
    peak_rss_mib_of("self")
}

/// Peak resident memory of process `pid` (or `self`) so far (VmHWM), in MiB.
fn peak_rss_mib_of(pid: &str) -> f64 {
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .ok()
        .and_then(|status| {
            status
                .lines()
                .find_map(|l| l.strip_prefix("VmHWM:"))
                .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<f64>().ok())
        })
        .map_or(f64::NAN, |kb| kb / 1024.0)
}

/// A 4000×3000 photo-like JPEG: smooth gradients with deterministic grain, quality 90.
fn twelve_megapixel_jpeg() -> Vec<u8> {
    let mut seed: u32 = 0x9E37_79B9;
    let image = image::RgbImage::from_fn(4000, 3000, |x, y| {
        seed ^= seed << 13;
        seed ^= seed >> 17;
        seed ^= seed << 5;
        let grain = (seed % 24) as i32 - 12;
        let channel = |base: i32| (base + grain).clamp(0, 255) as u8;
        image::Rgb([
            channel((x * 255 / 4000) as i32),
            channel((y * 255 / 3000) as i32),
            channel(((x + y) * 255 / 7000) as i32),
        ])
    });
    let mut bytes = Vec::new();
    image::codecs::jpeg::JpegEncoder::new_with_quality(&mut Cursor::new(&mut bytes), 90)
        .encode_image(&image)
        .expect("encoding a generated image");
    bytes
}

fn media_optimize() {
    let source = twelve_megapixel_jpeg();
    let baseline = peak_rss_mib();
    println!(
        "media optimize: 4000x3000 JPEG, {:.1} MB, decode once + 5 platform variants",
        source.len() as f64 / 1e6
    );
    let mut timings: Vec<Duration> = Vec::new();
    let mut last = Vec::new();
    for _ in 0..5 {
        let started = Instant::now();
        last = media::render_all(&source).expect("variants render");
        timings.push(started.elapsed());
    }
    timings.sort();
    let ms = |d: Duration| d.as_secs_f64() * 1000.0;
    println!(
        "  time per optimize: min {:.0} ms, median {:.0} ms, max {:.0} ms (5 runs, 1 thread)",
        ms(timings[0]),
        ms(timings[2]),
        ms(timings[4])
    );
    println!(
        "  peak RSS: {:.0} MiB (source generation alone: {:.0} MiB)",
        peak_rss_mib(),
        baseline
    );
    for variant in &last {
        println!(
            "  {:<9} {}x{} JPEG, {:.2} MB (limit {:.0} MB)",
            variant.platform.as_str(),
            variant.width,
            variant.height,
            variant.bytes.len() as f64 / 1e6,
            variant.platform.image_rules().max_bytes as f64 / (1024.0 * 1024.0)
        );
    }
}
