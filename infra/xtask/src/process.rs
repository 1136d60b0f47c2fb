//! Small process helpers: running commands with a clear error, waiting for ports.

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::process::{Command, Output};
use std::time::{Duration, Instant};

/// Runs a command to completion; a non-zero exit is an error carrying its stderr.
pub fn run(command: &mut Command) -> Result<Output, String> {
    let shown = format!("{command:?}");
    let output = command
        .output()
        .map_err(|e| format!("cannot start {shown}: {e}"))?;
    if output.status.success() {
        Ok(output)
    } else {
        Err(format!(
            "{shown} failed ({}):\n{}{}",
            output.status,
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        ))
    }
}

pub fn is_root() -> bool {
    // The effective uid, without a libc dependency: `id -u` is on every Debian machine.
    Command::new("id")
        .arg("-u")
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim() == "0")
        .unwrap_or(false)
}

/// `apt-get install` the given Debian packages (through sudo when not root).
pub fn apt_install(packages: &[&str]) -> Result<(), String> {
    let sudo = |args: &[&str]| {
        let mut command = if is_root() {
            Command::new(args[0])
        } else {
            let mut c = Command::new("sudo");
            c.arg(args[0]);
            c
        };
        command
            .args(&args[1..])
            .env("DEBIAN_FRONTEND", "noninteractive");
        command
    };
    println!("==> apt-get install {}", packages.join(" "));
    run(&mut sudo(&["apt-get", "update", "-q"]))?;
    let mut install = vec!["apt-get", "install", "-y", "-q", "--no-install-recommends"];
    install.extend_from_slice(packages);
    run(&mut sudo(&install))?;
    Ok(())
}

pub fn port_open(port: u16) -> bool {
    let address = SocketAddr::from(([127, 0, 0, 1], port));
    TcpStream::connect_timeout(&address, Duration::from_millis(200)).is_ok()
}

/// True when an HTTP server on the port answers `GET path` with any status line.
pub fn http_answers(port: u16, path: &str) -> bool {
    let address = SocketAddr::from(([127, 0, 0, 1], port));
    let Ok(mut stream) = TcpStream::connect_timeout(&address, Duration::from_millis(300)) else {
        return false;
    };
    let _ = stream.set_read_timeout(Some(Duration::from_secs(2)));
    let request = format!("GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n");
    if stream.write_all(request.as_bytes()).is_err() {
        return false;
    }
    let mut head = [0u8; 12];
    stream.read_exact(&mut head).is_ok() && head.starts_with(b"HTTP/1.")
}

/// Polls `ready` until it holds or `limit` passes.
pub fn wait_until(
    what: &str,
    limit: Duration,
    mut ready: impl FnMut() -> bool,
) -> Result<(), String> {
    let started = Instant::now();
    while started.elapsed() < limit {
        if ready() {
            return Ok(());
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    Err(format!("{what} was not ready after {}s", limit.as_secs()))
}

/// Makes this process survive Ctrl-C so it can clean up after its children, which still get it.
pub fn ignore_interrupts() {
    const SIGINT: i32 = 2;
    const SIG_IGN: usize = 1;
    unsafe extern "C" {
        fn signal(signum: i32, handler: usize) -> usize;
    }
    // SAFETY: installing SIG_IGN for SIGINT has no preconditions; no handler code runs.
    unsafe {
        signal(SIGINT, SIG_IGN);
    }
}

/// Runs a command, streams its output, and returns its exit success with the output.
pub fn run_streaming(command: &mut Command) -> Result<(bool, String), String> {
    use std::io::{BufRead, BufReader};
    let mut child = command
        .stdout(std::process::Stdio::piped())
        .spawn()
        .map_err(|e| format!("cannot start {command:?}: {e}"))?;
    let mut output = String::new();
    if let Some(stdout) = child.stdout.take() {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            println!("{line}");
            output.push_str(&line);
            output.push('\n');
        }
    }
    let status = child.wait().map_err(|e| e.to_string())?;
    Ok((status.success(), output))
}
