//! The web app in `web/`: installed and built when its inputs changed, so `cargo xtask dev`
//! serves a current build without rebuilding an unchanged one.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::SystemTime;

fn newest(path: &Path) -> Option<SystemTime> {
    let meta = std::fs::metadata(path).ok()?;
    if meta.is_file() {
        return meta.modified().ok();
    }
    std::fs::read_dir(path)
        .ok()?
        .filter_map(Result::ok)
        .filter(|e| e.file_name() != "node_modules" && e.file_name() != "dist")
        .filter_map(|e| newest(&e.path()))
        .max()
}

fn npm(web: &Path, args: &[&str]) -> Result<(), String> {
    println!("==> npm {} (web)", args.join(" "));
    let status = Command::new("npm")
        .current_dir(web)
        .args(args)
        .status()
        .map_err(|e| format!("cannot run npm ({e}): the web app needs Node 20 and npm"))?;
    if status.success() {
        Ok(())
    } else {
        Err(format!("npm {} failed in web/", args.join(" ")))
    }
}

/// Node and npm: Debian's packages when missing. The end-to-end driver (playwright-core) needs
/// Node 20 or later, which this project's machines ship; Debian 12's own package is Node 18.
fn ensure_node() -> Result<(), String> {
    let version = |program: &str| {
        Command::new(program)
            .arg("--version")
            .output()
            .ok()
            .filter(|o| o.status.success())
            .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_owned())
    };
    if version("npm").is_none() {
        crate::process::apt_install(&["nodejs", "npm"])?;
    }
    let node = version("node").ok_or("node is not installed")?;
    let major: u32 = node
        .trim_start_matches('v')
        .split('.')
        .next()
        .and_then(|m| m.parse().ok())
        .unwrap_or(0);
    if major < 20 {
        return Err(format!(
            "the web app needs Node 20 or later (found {node}): install Node 20 and npm"
        ));
    }
    Ok(())
}

/// Installs (`npm ci`) and builds (`npm run build`) the app when needed; returns `web/dist`, or
/// `None` when the checkout has no web app.
pub fn ensure_built(root: &Path) -> Result<Option<PathBuf>, String> {
    let web = root.join("web");
    if !web.join("package.json").is_file() {
        return Ok(None);
    }
    ensure_node()?;
    let lock = web.join("package-lock.json");
    let installed = web.join("node_modules/.package-lock.json");
    if newest(&lock) > newest(&installed) || !installed.exists() {
        npm(&web, &["ci", "--no-audit", "--no-fund"])?;
    }
    let dist = web.join("dist");
    let built = newest(&dist.join("index.html"));
    let inputs = [
        "src",
        "index.html",
        "package.json",
        "vite.config.ts",
        "public",
    ]
    .iter()
    .filter_map(|p| newest(&web.join(p)))
    .max();
    if built.is_none() || inputs > built {
        npm(&web, &["run", "build"])?;
    }
    Ok(Some(dist))
}

/// Counts from a runner's closing lines: vitest's `Tests  N passed (N)` / `N failed`, or the
/// end-to-end runner's `N passed, N failed`.
/// Text without ANSI colour sequences (runners colour their output on CI).
fn plain(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        if c == '\u{1b}' {
            // ESC [ … final byte in @–~
            if chars.peek() == Some(&'[') {
                chars.next();
                for c in chars.by_ref() {
                    if ('@'..='~').contains(&c) {
                        break;
                    }
                }
            }
            continue;
        }
        out.push(c);
    }
    out
}

fn counts(output: &str) -> (u64, u64) {
    let output = &plain(output);
    let number_before = |line: &str, word: &str| -> Option<u64> {
        let at = line.find(word)?;
        line[..at].split_whitespace().last()?.parse().ok()
    };
    let mut passed = 0;
    let mut failed = 0;
    for line in output.lines() {
        let line = line.trim();
        let is_summary = line.starts_with("Tests ") || line.contains(" passed, ");
        if is_summary {
            passed = number_before(line, " passed").unwrap_or(passed);
            failed = number_before(line, " failed").unwrap_or(failed);
        }
    }
    (passed, failed)
}

/// A dev server of its own for the browser tests, serving the built app on its origin.
struct DevServer(std::process::Child);

impl Drop for DevServer {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

const E2E_PORT: u16 = 3100;
const E2E_SANDBOX_PORT: u16 = 4110;
/// The model sandbox of the browser tests' dev server (faults are set through it).
const E2E_MODEL_SANDBOX_PORT: u16 = 4121;

/// The web app's unit tests (Vitest) and end-to-end tests (Playwright driving Debian's
/// chromium against a dev server of the real API): (passed, failed), both runners' counts.
pub fn test(root: &Path, target: &Path, env: &[(String, String)]) -> Result<(u64, u64), String> {
    let Some(dist) = ensure_built(root)? else {
        return Ok((0, 0));
    };
    let web = root.join("web");
    println!("==> npm test (web unit tests)");
    let (unit_ok, unit_output) =
        crate::process::run_streaming(Command::new("npm").current_dir(&web).arg("test"))?;
    let (mut passed, mut failed) = counts(&unit_output);
    if !unit_ok && failed == 0 {
        failed = 1;
    }

    if !Path::new("/usr/bin/chromium").exists() {
        crate::process::apt_install(&["chromium"])?;
    }
    println!("==> cargo build -p dev-server (for the browser tests)");
    let built = Command::new(crate::cargo())
        .current_dir(root)
        .args(["build", "--quiet", "-p", "dev-server"])
        .status()
        .map_err(|e| e.to_string())?;
    if !built.success() {
        return Err("the dev server does not build".to_owned());
    }
    let origin = format!("http://127.0.0.1:{E2E_PORT}");
    let log =
        std::fs::File::create(target.join("e2e-dev-server.log")).map_err(|e| e.to_string())?;
    let server = Command::new(target.join("debug/dev-server"))
        .current_dir(root)
        .envs(env.iter().cloned())
        .env("DEV_PORT", E2E_PORT.to_string())
        .env("PLATFORM_SANDBOX_PORT", E2E_SANDBOX_PORT.to_string())
        .env("MODEL_SANDBOX_PORT", E2E_MODEL_SANDBOX_PORT.to_string())
        .env("APP_BASE_URL", &origin)
        .env("API_BASE_URL", &origin)
        .env("WEB_DIST_DIR", &dist)
        .env("RUST_LOG", "warn")
        .stdout(log.try_clone().map_err(|e| e.to_string())?)
        .stderr(log)
        .spawn()
        .map_err(|e| format!("cannot start the dev server: {e}"))?;
    let _server = DevServer(server);
    crate::process::wait_until("the dev server", std::time::Duration::from_secs(90), || {
        crate::process::http_answers(E2E_PORT, "/api/health")
    })?;
    let ses = env
        .iter()
        .find(|(k, _)| k == "AWS_ENDPOINT_URL")
        .map(|(_, v)| format!("{v}/moto-api/data.json"))
        .unwrap_or_default();
    println!("==> npm run e2e (web end-to-end tests, chromium)");
    let (e2e_ok, e2e_output) = crate::process::run_streaming(
        Command::new("npm")
            .current_dir(&web)
            .args(["run", "e2e"])
            // The admin console's test grants a fresh user as `cargo xtask admin grant` does,
            // through the dev server binary with the stack's configuration.
            .envs(env.iter().cloned())
            .env(
                "E2E_GRANT_ADMIN_CMD",
                format!(
                    "{} platform-admin grant {{email}}",
                    target.join("debug/dev-server").display()
                ),
            )
            .env("E2E_BASE_URL", &origin)
            .env("E2E_API_URL", &origin)
            .env("E2E_SES_URL", ses)
            .env(
                "E2E_MODEL_SANDBOX_URL",
                format!("http://127.0.0.1:{E2E_MODEL_SANDBOX_PORT}"),
            ),
    )?;
    let (e2e_passed, e2e_failed) = counts(&e2e_output);
    passed += e2e_passed;
    failed += e2e_failed;
    if !e2e_ok && e2e_failed == 0 {
        failed += 1;
    }
    Ok((passed, failed))
}

#[cfg(test)]
mod tests {
    use super::counts;

    #[test]
    fn both_runners_closing_lines_are_counted() {
        let vitest = " Test Files  6 passed (6)\n      Tests  35 passed (35)\n";
        assert_eq!(counts(vitest), (35, 0));
        let vitest_failing = "      Tests  2 failed | 33 passed (35)\n";
        assert_eq!(counts(vitest_failing), (33, 2));
        let coloured = "\u{1b}[2m      Tests \u{1b}[22m \u{1b}[1m\u{1b}[32m35 passed\u{1b}[39m\u{1b}[22m\u{1b}[90m (35)\u{1b}[39m";
        assert_eq!(counts(coloured), (35, 0));
        assert_eq!(counts("e2e:\n6 passed, 0 failed\n"), (6, 0));
    }
}
