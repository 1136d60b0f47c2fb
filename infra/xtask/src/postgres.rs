//! A throwaway PostgreSQL cluster on loopback, from the system's PostgreSQL binaries.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use crate::process::{apt_install, is_root, port_open, run, wait_until};

pub struct Postgres {
    bin: PathBuf,
    data: PathBuf,
    port: u16,
}

/// The newest installed server's binaries (Debian keeps them per major version).
fn find_binaries() -> Option<PathBuf> {
    let mut versions: Vec<(u32, PathBuf)> = std::fs::read_dir("/usr/lib/postgresql")
        .ok()?
        .filter_map(|entry| {
            let entry = entry.ok()?;
            let version = entry.file_name().to_str()?.parse::<u32>().ok()?;
            let bin = entry.path().join("bin");
            bin.join("pg_ctl").exists().then_some((version, bin))
        })
        .collect();
    versions.sort();
    versions.pop().map(|(_, bin)| bin)
}

impl Postgres {
    pub fn new(state: &Path, port: u16) -> Result<Self, String> {
        let bin = match find_binaries() {
            Some(bin) => bin,
            None => {
                apt_install(&["postgresql", "postgresql-contrib"])?;
                find_binaries().ok_or("PostgreSQL was installed but its binaries were not found")?
            }
        };
        Ok(Postgres {
            bin,
            data: state.join(format!("pg-{port}")),
            port,
        })
    }

    pub fn admin_url(&self) -> String {
        format!("postgres://postgres@127.0.0.1:{}/postgres", self.port)
    }

    pub fn url(&self, database: &str) -> String {
        format!("postgres://postgres@127.0.0.1:{}/{database}", self.port)
    }

    /// initdb refuses to run as root: as root, the cluster belongs to the `postgres` user.
    fn as_owner(&self, program: &str) -> Command {
        let path = self.bin.join(program);
        if is_root() {
            let mut command = Command::new("runuser");
            command.args(["-u", "postgres", "--"]).arg(path);
            command
        } else {
            Command::new(path)
        }
    }

    pub fn is_running(&self) -> bool {
        port_open(self.port)
    }

    /// Starts the cluster (creating it first if needed). Returns false if it was already up.
    pub fn start(&self) -> Result<bool, String> {
        if self.is_running() {
            return Ok(false);
        }
        if !self.data.join("PG_VERSION").exists() {
            println!("==> initdb {}", self.data.display());
            std::fs::create_dir_all(&self.data)
                .map_err(|e| format!("{}: {e}", self.data.display()))?;
            if is_root() {
                run(Command::new("chown")
                    .args(["-R", "postgres:postgres"])
                    .arg(&self.data))?;
            }
            run(self.as_owner("initdb").arg("-D").arg(&self.data).args([
                "-U",
                "postgres",
                "--auth=trust",
                "-E",
                "UTF8",
                "--no-sync",
            ]))?;
        }
        println!("==> postgres on 127.0.0.1:{}", self.port);
        // A throwaway cluster: durability settings traded for speed.
        let options = format!(
            "-p {} -k /tmp -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off \
             -c full_page_writes=off -c max_connections=300",
            self.port
        );
        let mut start = self.as_owner("pg_ctl");
        start
            .arg("-D")
            .arg(&self.data)
            .arg("-l")
            .arg(self.data.join("server.log"))
            .args(["-w", "-t", "60", "-o", &options, "start"]);
        // Its own process group: a Ctrl-C in the terminal must not kill it before we stop it.
        std::os::unix::process::CommandExt::process_group(&mut start, 0);
        run(&mut start)?;
        wait_until("postgres", Duration::from_secs(30), || self.is_running())?;
        Ok(true)
    }

    pub fn stop(&self) {
        let _ = run(self
            .as_owner("pg_ctl")
            .arg("-D")
            .arg(&self.data)
            .args(["-m", "fast", "-w", "stop"]));
    }

    fn psql(&self, database: &str, sql: &str) -> Result<String, String> {
        let output = run(Command::new(self.bin.join("psql"))
            .args(["-X", "-q", "-A", "-t", "-v", "ON_ERROR_STOP=1"])
            .arg(self.url(database))
            .args(["-c", sql]))?;
        Ok(String::from_utf8_lossy(&output.stdout).into_owned())
    }

    pub fn ensure_database(&self, name: &str) -> Result<(), String> {
        let exists = self.psql(
            "postgres",
            &format!("SELECT 1 FROM pg_database WHERE datname = '{name}'"),
        )?;
        if exists.trim().is_empty() {
            self.psql("postgres", &format!("CREATE DATABASE \"{name}\""))?;
        }
        Ok(())
    }

    /// Databases left by earlier test runs (each test makes its own).
    pub fn drop_databases_like(&self, prefix: &str) -> Result<(), String> {
        let names = self.psql(
            "postgres",
            &format!("SELECT datname FROM pg_database WHERE datname LIKE '{prefix}%'"),
        )?;
        for name in names.lines().map(str::trim).filter(|n| !n.is_empty()) {
            self.psql(
                "postgres",
                &format!("DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)"),
            )?;
        }
        Ok(())
    }
}
