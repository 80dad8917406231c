//! An embedded PostgreSQL cluster run from the machine's own PostgreSQL binaries,
//! so `make run` and the test suite need nothing set up by hand.
//!
//! PostgreSQL refuses to run as root; when this process is root, every cluster
//! command runs as the `postgres` system user, which owns the data directory.

use std::{
    path::{Path, PathBuf},
    process::Command,
};

use anyhow::{bail, Context};

#[derive(Debug, Clone)]
pub struct Cluster {
    data_dir: PathBuf,
    port: u16,
    bin_dir: Option<PathBuf>,
    run_as_postgres: bool,
    tuned_for_tests: bool,
}

impl Cluster {
    /// A cluster in `data_dir` listening on 127.0.0.1:`port` (created on first start).
    pub fn new(data_dir: impl AsRef<Path>, port: u16) -> anyhow::Result<Self> {
        let mut data_dir = absolute(data_dir.as_ref())?;
        let run_as_postgres = is_root();
        if run_as_postgres && !postgres_can_reach(&data_dir) {
            // e.g. a checkout under /root: the postgres user cannot enter it.
            let fallback = PathBuf::from("/var/tmp/fieldops")
                .join(data_dir.display().to_string().trim_start_matches('/').replace('/', "_"));
            tracing::warn!(
                wanted = %data_dir.display(),
                using = %fallback.display(),
                "the postgres user cannot reach the data directory; using a directory it can"
            );
            data_dir = fallback;
        }
        Ok(Cluster { data_dir, port, bin_dir: find_bin_dir(), run_as_postgres, tuned_for_tests: false })
    }

    /// Trades durability for speed: for throwaway test clusters only.
    pub fn tuned_for_tests(mut self) -> Self {
        self.tuned_for_tests = true;
        self
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    pub fn data_dir(&self) -> &Path {
        &self.data_dir
    }

    /// Connection URL for `user` (trust authentication on loopback).
    pub fn url(&self, user: &str, database: &str) -> String {
        format!("postgres://{user}@127.0.0.1:{}/{database}", self.port)
    }

    /// Initialises the cluster if needed and starts it if it is not running.
    /// Returns true when this call started it.
    pub fn ensure_started(&self) -> anyhow::Result<bool> {
        if !self.data_dir.join("PG_VERSION").exists() {
            self.init()?;
        }
        if self.is_running()? {
            return Ok(false);
        }
        let mut options = format!(
            "-p {} -c listen_addresses=127.0.0.1 -c unix_socket_directories='' -c max_connections=400",
            self.port
        );
        if self.tuned_for_tests {
            options.push_str(" -c fsync=off -c synchronous_commit=off -c full_page_writes=off");
        }
        let log = self.data_dir.join("server.log");
        let status = self
            .command("pg_ctl")
            .arg("-D")
            .arg(&self.data_dir)
            .arg("-l")
            .arg(&log)
            .args(["-w", "-t", "60", "-o", &options, "start"])
            .status()
            .context("running pg_ctl start")?;
        if !status.success() {
            let tail = std::fs::read_to_string(&log).unwrap_or_default();
            let tail: Vec<&str> = tail.lines().rev().take(15).collect();
            bail!(
                "pg_ctl could not start the cluster in {} (port {}); last log lines:\n{}",
                self.data_dir.display(),
                self.port,
                tail.into_iter().rev().collect::<Vec<_>>().join("\n")
            );
        }
        Ok(true)
    }

    pub fn is_running(&self) -> anyhow::Result<bool> {
        if !self.data_dir.join("PG_VERSION").exists() {
            return Ok(false);
        }
        let status = self
            .command("pg_ctl")
            .arg("-D")
            .arg(&self.data_dir)
            .arg("status")
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .status()
            .context("running pg_ctl status")?;
        Ok(status.success())
    }

    /// Stops the cluster (fast mode: open sessions are ended, data is kept).
    pub fn stop(&self) -> anyhow::Result<()> {
        if !self.is_running()? {
            return Ok(());
        }
        let status = self
            .command("pg_ctl")
            .arg("-D")
            .arg(&self.data_dir)
            .args(["-m", "fast", "-w", "stop"])
            .status()
            .context("running pg_ctl stop")?;
        if !status.success() {
            bail!("pg_ctl stop failed for {}", self.data_dir.display());
        }
        Ok(())
    }

    fn init(&self) -> anyhow::Result<()> {
        std::fs::create_dir_all(&self.data_dir)
            .with_context(|| format!("creating {}", self.data_dir.display()))?;

        if self.run_as_postgres {
            let status = Command::new("chown")
                .args(["-R", "postgres:"])
                .arg(&self.data_dir)
                .status()
                .context("running chown")?;
            if !status.success() {
                bail!("could not hand {} to the postgres user", self.data_dir.display());
            }
        }
        let output = self
            .command("initdb")
            .arg("-D")
            .arg(&self.data_dir)
            .args(["-U", "postgres", "--auth=trust", "-E", "UTF8", "--locale=C.UTF-8", "--no-instructions"])
            .output()
            .context("running initdb (are PostgreSQL's binaries installed? set PG_BIN_DIR)")?;
        if !output.status.success() {
            bail!(
                "initdb failed for {}: {}{}",
                self.data_dir.display(),
                String::from_utf8_lossy(&output.stdout),
                String::from_utf8_lossy(&output.stderr)
            );
        }
        Ok(())
    }

    fn command(&self, program: &str) -> Command {
        let program = match &self.bin_dir {
            Some(dir) => dir.join(program).display().to_string(),
            None => program.to_owned(),
        };
        if self.run_as_postgres {
            let mut command = Command::new("runuser");
            command.args(["-u", "postgres", "--"]).arg(program);
            // The postgres user may not be able to read the caller's working directory.
            command.current_dir("/");
            command
        } else {
            Command::new(program)
        }
    }
}

fn absolute(path: &Path) -> anyhow::Result<PathBuf> {
    if path.is_absolute() {
        Ok(path.to_path_buf())
    } else {
        Ok(std::env::current_dir().context("reading the working directory")?.join(path))
    }
}

/// Whether the postgres user can traverse to `path` (its nearest existing ancestor).
fn postgres_can_reach(path: &Path) -> bool {
    let existing = path.ancestors().find(|p| p.exists()).unwrap_or(Path::new("/"));
    Command::new("runuser")
        .args(["-u", "postgres", "--", "test", "-x"])
        .arg(existing)
        .current_dir("/")
        .status()
        .map(|s| s.success())
        .unwrap_or(false)
}

fn is_root() -> bool {
    // SAFETY: geteuid has no preconditions and cannot fail.
    unsafe { libc::geteuid() == 0 }
}

fn find_bin_dir() -> Option<PathBuf> {
    if let Ok(dir) = std::env::var("PG_BIN_DIR") {
        return Some(PathBuf::from(dir));
    }
    for version in ["17", "16", "15"] {
        let dir = PathBuf::from(format!("/usr/lib/postgresql/{version}/bin"));
        if dir.join("pg_ctl").exists() {
            return Some(dir);
        }
    }
    let output = Command::new("pg_config").arg("--bindir").output().ok()?;
    output.status.success().then(|| PathBuf::from(String::from_utf8_lossy(&output.stdout).trim()))
}
