//! The local stack: Postgres plus the moto server as the local AWS endpoint.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use crate::Paths;
use crate::postgres::Postgres;
use crate::process::{apt_install, http_answers, run, wait_until};

/// The application database of the dev server; tests make their own next to it.
const APP_DATABASE: &str = "social";
pub const TEST_DATABASE_PREFIX: &str = "itest_";

pub struct Stack {
    postgres: Option<Postgres>,
    database_url: String,
    admin_database_url: String,
    started_postgres: bool,
    moto: Option<Child>,
    moto_port: u16,
    moto_pid_file: PathBuf,
}

impl Stack {
    pub fn up(paths: &Paths) -> Result<Stack, String> {
        fs::create_dir_all(&paths.state).map_err(|e| format!("{}: {e}", paths.state.display()))?;
        ensure_venv(&paths.root, &paths.venv)?;

        // An externally provided database is used as is and never stopped.
        let external = std::env::var("DATABASE_URL").ok().filter(|u| !u.is_empty());
        let (postgres, started_postgres, database_url, admin_database_url) = match external {
            Some(url) => (None, false, url.clone(), url),
            None => {
                let postgres = Postgres::new(&paths.state, paths.pg_port)?;
                let started = postgres.start()?;
                postgres.ensure_database(APP_DATABASE)?;
                let url = postgres.url(APP_DATABASE);
                let admin = postgres.admin_url();
                (Some(postgres), started, url, admin)
            }
        };

        let moto_pid_file = paths.state.join(format!("moto-{}.pid", paths.moto_port));
        let mut stack = Stack {
            postgres,
            database_url,
            admin_database_url,
            started_postgres,
            moto: None,
            moto_port: paths.moto_port,
            moto_pid_file,
        };
        if !http_answers(paths.moto_port, "/moto-api/") {
            println!("==> moto server on 127.0.0.1:{}", paths.moto_port);
            let log = fs::File::create(paths.state.join("moto.log")).map_err(|e| e.to_string())?;
            let mut command = Command::new(paths.venv.join("bin/moto_server"));
            command
                .args(["-H", "127.0.0.1", "-p", &paths.moto_port.to_string()])
                .stdin(Stdio::null())
                .stdout(log.try_clone().map_err(|e| e.to_string())?)
                .stderr(log);
            std::os::unix::process::CommandExt::process_group(&mut command, 0);
            let child = command
                .spawn()
                .map_err(|e| format!("cannot start moto_server: {e}"))?;
            let _ = fs::write(&stack.moto_pid_file, child.id().to_string());
            stack.moto = Some(child);
            let port = paths.moto_port;
            wait_until("the moto server", Duration::from_secs(30), || {
                http_answers(port, "/moto-api/")
            })?;
        }
        Ok(stack)
    }

    /// The environment the dev server and the tests run with.
    pub fn env(&self) -> Vec<(String, String)> {
        let endpoint = format!("http://127.0.0.1:{}", self.moto_port);
        [
            ("APP_ENV", "local"),
            ("DATABASE_URL", self.database_url.as_str()),
            ("TEST_ADMIN_DATABASE_URL", self.admin_database_url.as_str()),
            ("AWS_ENDPOINT_URL", endpoint.as_str()),
            ("AWS_ACCESS_KEY_ID", "test"),
            ("AWS_SECRET_ACCESS_KEY", "test"),
            ("AWS_REGION", "us-east-1"),
            ("AWS_EC2_METADATA_DISABLED", "true"),
            ("TABLE_NAME", "social-local"),
            ("MEDIA_BUCKET", "social-local-media"),
            ("APP_SECRET_ID", "social/local/app"),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_owned(), v.to_owned()))
        .collect()
    }

    pub fn drop_test_databases(&self) -> Result<(), String> {
        match &self.postgres {
            Some(postgres) => postgres.drop_databases_like(TEST_DATABASE_PREFIX),
            None => Ok(()),
        }
    }

    pub fn down(paths: &Paths) -> Result<(), String> {
        let pid_file = paths.state.join(format!("moto-{}.pid", paths.moto_port));
        if let Ok(pid) = fs::read_to_string(&pid_file) {
            let _ = Command::new("kill").arg(pid.trim()).status();
            let _ = fs::remove_file(&pid_file);
            println!("stopped the moto server");
        }
        let postgres = Postgres::new(&paths.state, paths.pg_port)?;
        if postgres.is_running() {
            postgres.stop();
            println!("stopped postgres");
        }
        Ok(())
    }

    pub fn status(paths: &Paths) -> Result<(), String> {
        let up = |b: bool| if b { "up" } else { "down" };
        println!(
            "postgres 127.0.0.1:{}: {}",
            paths.pg_port,
            up(crate::process::port_open(paths.pg_port))
        );
        println!(
            "moto     127.0.0.1:{}: {}",
            paths.moto_port,
            up(http_answers(paths.moto_port, "/moto-api/"))
        );
        Ok(())
    }
}

impl Drop for Stack {
    /// Stops only what this run started; services found running are left alone.
    fn drop(&mut self) {
        if let Some(mut moto) = self.moto.take() {
            let _ = moto.kill();
            let _ = moto.wait();
            let _ = fs::remove_file(&self.moto_pid_file);
        }
        if self.started_postgres
            && let Some(postgres) = &self.postgres
        {
            postgres.stop();
        }
    }
}

/// The project venv with moto and cfn-lint, reinstalled whenever infra/requirements.txt changes.
fn ensure_venv(root: &Path, venv: &Path) -> Result<(), String> {
    let requirements = root.join("infra/requirements.txt");
    let wanted = fs::read_to_string(&requirements)
        .map_err(|e| format!("{}: {e}", requirements.display()))?;
    let stamp = venv.join(".installed-requirements");
    if fs::read_to_string(&stamp).ok().as_deref() == Some(wanted.as_str())
        && venv.join("bin/moto_server").exists()
    {
        return Ok(());
    }
    if !venv.join("bin/pip").exists() {
        println!("==> python3 -m venv {}", venv.display());
        let created = run(Command::new("python3").args(["-m", "venv"]).arg(venv));
        if created.is_err() {
            // Debian's python3 needs python3-venv for ensurepip.
            apt_install(&["python3", "python3-venv"])?;
            let _ = fs::remove_dir_all(venv);
            run(Command::new("python3").args(["-m", "venv"]).arg(venv))?;
        }
    }
    println!("==> pip install -r infra/requirements.txt");
    run(Command::new(venv.join("bin/pip"))
        .args(["install", "-q", "--disable-pip-version-check", "-r"])
        .arg(&requirements))?;
    fs::write(&stamp, wanted).map_err(|e| e.to_string())?;
    Ok(())
}
