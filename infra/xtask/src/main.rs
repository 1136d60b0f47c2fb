//! Project commands, std only so they build in seconds on a fresh machine:
//!
//! * `cargo xtask dev`   – local stack up, then every API on http://127.0.0.1:3000
//! * `cargo xtask test`  – local stack up, cfn-lint, the whole test suite, stack down
//! * `cargo xtask bench [media]` – benchmarks, printing their numbers
//! * `cargo xtask admin grant|revoke EMAIL` – platform administration for a local user
//! * `cargo xtask stack up|down|status` – the local stack alone, left running after `up`
//!
//! The local stack is a throwaway PostgreSQL cluster (the Debian package is installed if its
//! binaries are missing) and the moto server as the local AWS endpoint (installed into the
//! project venv). Each command stops only what it started itself.

mod postgres;
mod process;
mod stack;
mod web;

use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode};

use stack::Stack;

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let words: Vec<&str> = args.iter().map(String::as_str).collect();
    let result = match words.as_slice() {
        ["dev"] => dev(false),
        ["dev", "--seed-demo"] => dev(true),
        ["test", rest @ ..] => test(rest),
        ["bench", rest @ ..] => bench(rest),
        ["admin", verb @ ("grant" | "revoke"), email] => platform_admin(verb, email),
        ["stack", "up"] => stack_up(),
        ["stack", "down"] => Stack::down(&paths()),
        ["stack", "status"] => Stack::status(&paths()),
        _ => {
            eprintln!(
                "usage: cargo xtask <command>\n\n\
                 commands:\n  \
                 dev [--seed-demo]   run every API on http://127.0.0.1:3000 against the local stack\n                      (--seed-demo: a demo organization with 120 days of analytics)\n  \
                 test [-- ARGS]      lint the SAM template and run the whole test suite\n  \
                 bench [NAME]        run the benchmarks (api, media, publish, live, analytics, agents, insights, webhooks, init); release build, numbers printed\n  \
                 admin grant|revoke EMAIL  make a signed-up user a platform administrator (or not)\n  \
                 stack up|down|status  manage the local stack (Postgres + local AWS endpoint)"
            );
            return ExitCode::from(2);
        }
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("xtask: {message}");
            ExitCode::FAILURE
        }
    }
}

/// Where things live. Everything is overridable so CI can keep state outside its fresh clone.
pub struct Paths {
    pub root: PathBuf,
    pub state: PathBuf,
    pub venv: PathBuf,
    pub pg_port: u16,
    pub moto_port: u16,
}

fn paths() -> Paths {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../..")
        .canonicalize()
        .expect("the workspace root exists");
    let var = |name: &str| std::env::var(name).ok().filter(|v| !v.is_empty());
    let port = |name: &str, default: u16| var(name).and_then(|v| v.parse().ok()).unwrap_or(default);
    Paths {
        state: var("SOCIAL_STATE_DIR")
            .map(PathBuf::from)
            .unwrap_or_else(|| PathBuf::from("/var/tmp/social-platform")),
        venv: var("SOCIAL_VENV")
            .map(PathBuf::from)
            .unwrap_or_else(|| root.join(".venv")),
        pg_port: port("SOCIAL_PG_PORT", 5433),
        moto_port: port("SOCIAL_MOTO_PORT", 5055),
        root,
    }
}

fn platform_admin(verb: &str, email: &str) -> Result<(), String> {
    let paths = paths();
    let stack = Stack::up(&paths)?;
    let status = Command::new(cargo())
        .current_dir(&paths.root)
        .args([
            "run",
            "--quiet",
            "--package",
            "dev-server",
            "--",
            "platform-admin",
            verb,
            email,
        ])
        .envs(stack.env())
        .status()
        .map_err(|e| format!("cannot run the dev server: {e}"))?;
    // The stack stays up: a running dev server may be using it.
    std::mem::forget(stack);
    if status.success() {
        Ok(())
    } else {
        Err(format!("admin {verb} failed ({status})"))
    }
}

fn stack_up() -> Result<(), String> {
    let paths = paths();
    let stack = Stack::up(&paths)?;
    println!("# the local stack is running; use it with:");
    for (name, value) in stack.env() {
        println!("export {name}={value}");
    }
    // Left running on purpose: `cargo xtask stack down` stops it.
    std::mem::forget(stack);
    Ok(())
}

fn dev(seed_demo: bool) -> Result<(), String> {
    let paths = paths();
    let stack = Stack::up(&paths)?;
    // Ctrl-C reaches the dev server (it shuts down gracefully); this process outlives it to
    // stop the services it started.
    process::ignore_interrupts();
    let mut command = Command::new(cargo());
    command
        .current_dir(&paths.root)
        .args(["run", "--package", "dev-server"])
        .envs(stack.env());
    if seed_demo {
        command.env("SEED_DEMO", "1");
    }
    // The web app, on the dev server's own origin (http://127.0.0.1:3000/).
    if let Some(dist) = web::ensure_built(&paths.root)? {
        command.env("WEB_DIST_DIR", dist);
        // Email links and OAuth callbacks come back to the app on this origin.
        let port = std::env::var("DEV_PORT").unwrap_or_else(|_| "3000".to_owned());
        let origin = format!("http://127.0.0.1:{port}");
        command
            .env("APP_BASE_URL", &origin)
            .env("API_BASE_URL", &origin);
    }
    let status = command
        .status()
        .map_err(|e| format!("cannot run the dev server: {e}"))?;
    drop(stack);
    if status.success() || status.code().is_none() {
        Ok(())
    } else {
        Err(format!("the dev server exited with {status}"))
    }
}

fn test(extra: &[&str]) -> Result<(), String> {
    let paths = paths();
    let stack = Stack::up(&paths)?;
    process::ignore_interrupts();

    println!("==> cfn-lint template.yaml");
    let lint = Command::new(paths.venv.join("bin/cfn-lint"))
        .current_dir(&paths.root)
        .arg("template.yaml")
        .status()
        .map_err(|e| format!("cannot run cfn-lint: {e}"))?;

    stack.drop_test_databases()?;
    println!("==> cargo test --workspace --no-fail-fast");
    let tests = run_tests(&paths, &stack, extra)?;
    drop(stack);

    match (lint.success(), tests) {
        (true, true) => Ok(()),
        (false, true) => Err("cfn-lint found problems in template.yaml".to_owned()),
        (true, false) => Err("tests failed".to_owned()),
        (false, false) => Err("cfn-lint found problems and tests failed".to_owned()),
    }
}

/// Runs the suite, streaming its output, and closes with one summary line over all test binaries.
fn run_tests(paths: &Paths, stack: &Stack, extra: &[&str]) -> Result<bool, String> {
    let log_file = test_log_file(paths);
    let _ = std::fs::create_dir_all(log_file.parent().expect("a directory"));
    let _ = std::fs::remove_file(&log_file);
    let (tests_ok, output) = process::run_streaming(
        Command::new(cargo())
            .current_dir(&paths.root)
            .args(["test", "--workspace", "--no-fail-fast"])
            .args(extra.iter().skip_while(|a| **a == "--"))
            .envs(stack.env())
            .env("TEST_LOG_FILE", &log_file)
            .env("SCHEMATHESIS_BIN", paths.venv.join("bin/st"))
            .env("PYTHON_BIN", paths.venv.join("bin/python")),
    )?;
    let (mut passed, mut failed, mut ignored) = (0u64, 0u64, 0u64);
    for line in output.lines() {
        if let Some(result) = line.strip_prefix("test result: ") {
            let count = |label: &str| {
                result
                    .split(';')
                    .find_map(|part| {
                        part.trim()
                            .strip_suffix(label)?
                            .trim()
                            .split(' ')
                            .next_back()?
                            .parse::<u64>()
                            .ok()
                    })
                    .unwrap_or(0)
            };
            passed += count(" passed");
            failed += count(" failed");
            ignored += count(" ignored");
        }
    }
    // The web app's own tests, unit and end to end (skipped when a filter selects Rust tests).
    if extra.iter().all(|a| *a == "--") {
        match web::test(&paths.root, &target_dir(paths), &stack.env()) {
            Ok((web_passed, web_failed)) => {
                passed += web_passed;
                failed += web_failed;
            }
            Err(error) => {
                println!("web tests could not run: {error}");
                failed += 1;
            }
        }
    }
    // The run's own logs must hold no secret or token it used: one more test, over all of them.
    match scan_test_logs(&log_file) {
        Ok(lines) => {
            println!("log scan: {lines} log lines of the run, no secret or token in them");
            passed += 1;
        }
        Err(leaks) => {
            println!("log scan FAILED: secrets or tokens were logged:\n{leaks}");
            failed += 1;
        }
    }
    println!("summary: {passed} passed, {failed} failed, {ignored} skipped");
    Ok(tests_ok && failed == 0)
}

fn target_dir(paths: &Paths) -> PathBuf {
    std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| paths.root.join("target"))
}

fn test_log_file(paths: &Paths) -> PathBuf {
    target_dir(paths).join("test-logs/run.jsonl")
}

/// What no log line may contain: tokens the platform sandbox issues (access `sbx-`, refresh
/// `sbr-`), the local apps' client secrets, our JWTs, the tests' password, and credentials in a
/// query string.
const NEVER_LOGGED: &[&str] = &[
    "sbx-",
    "sbr-",
    "sbxsecret-",
    "eyJ",
    "correct horse battery staple",
    "client_secret=",
    "fb_exchange_token=",
    "refresh_token=",
    "code_verifier=",
];

/// Ok(number of lines), or the offending lines (at most 20, shortened).
fn scan_test_logs(file: &Path) -> Result<usize, String> {
    let text = std::fs::read_to_string(file).unwrap_or_default();
    let mut leaks = Vec::new();
    for line in text.lines() {
        if let Some(marker) = NEVER_LOGGED.iter().find(|m| line.contains(*m)) {
            let shown: String = line.chars().take(300).collect();
            leaks.push(format!("  [{marker}] {shown}"));
        }
    }
    if leaks.is_empty() {
        Ok(text.lines().count())
    } else {
        let count = leaks.len();
        leaks.truncate(20);
        Err(format!("{}\n  ({count} lines)", leaks.join("\n")))
    }
}

/// Benchmarks print numbers; they never assert timings. They run against the local stack.
fn bench(names: &[&str]) -> Result<(), String> {
    let paths = paths();
    let binaries = if names.is_empty() || names.contains(&"init") {
        Some(build_release_functions(&paths)?)
    } else {
        None
    };
    let stack = Stack::up(&paths)?;
    process::ignore_interrupts();
    let mut command = Command::new(cargo());
    command
        .current_dir(&paths.root)
        .args(["run", "--release", "--quiet", "--package", "bench", "--"])
        .args(names)
        .envs(stack.env());
    if let Some(binaries) = binaries {
        command.env("BENCH_BINARIES", binaries);
    }
    let status = command
        .status()
        .map_err(|e| format!("cannot run the benchmarks: {e}"))?;
    drop(stack);
    if status.success() {
        Ok(())
    } else {
        Err(format!("the benchmarks exited with {status}"))
    }
}

/// Builds every function (and the hello-world yardstick) with the release profile, printing
/// how long it took; returns where the binaries are.
fn build_release_functions(paths: &Paths) -> Result<PathBuf, String> {
    let functions = std::fs::read_dir(paths.root.join("functions"))
        .map_err(|e| format!("cannot list functions/: {e}"))?
        .filter_map(|entry| Some(entry.ok()?.file_name().to_str()?.to_owned()))
        .collect::<Vec<_>>();
    let mut command = Command::new(cargo());
    command
        .current_dir(&paths.root)
        .args(["build", "--release", "--bins", "--package", "bench"]);
    for function in &functions {
        command.args(["--package", function]);
    }
    let started = std::time::Instant::now();
    let status = command
        .status()
        .map_err(|e| format!("cannot run cargo build: {e}"))?;
    if !status.success() {
        return Err(format!("the release build exited with {status}"));
    }
    println!(
        "release build of {} functions + bench: {:.0} s (incremental: only what changed)",
        functions.len(),
        started.elapsed().as_secs_f64()
    );
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| paths.root.join("target"));
    Ok(target.join("release"))
}

fn cargo() -> String {
    std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_log_scan_finds_a_token_in_any_line() {
        let file = std::env::temp_dir().join(format!("xtask-scan-{}.jsonl", std::process::id()));
        std::fs::write(
            &file,
            "{\"msg\":\"ok\"}\n{\"msg\":\"sync\",\"token\":\"sbx-x-1234\"}\n",
        )
        .unwrap();
        let found = scan_test_logs(&file).unwrap_err();
        assert!(found.contains("[sbx-]"), "{found}");
        std::fs::write(&file, "{\"msg\":\"ok\"}\n").unwrap();
        assert_eq!(scan_test_logs(&file), Ok(1));
        let _ = std::fs::remove_file(&file);
    }
}
