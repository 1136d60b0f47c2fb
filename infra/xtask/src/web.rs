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

/// Installs (`npm ci`) and builds (`npm run build`) the app when needed; returns `web/dist`, or
/// `None` when the checkout has no web app.
pub fn ensure_built(root: &Path) -> Result<Option<PathBuf>, String> {
    let web = root.join("web");
    if !web.join("package.json").is_file() {
        return Ok(None);
    }
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
