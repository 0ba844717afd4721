//! Driving the `session-cli` binary as a user would: spawned processes, a profile home in a
//! temporary directory, a real testnet started in this test process.
#![allow(dead_code)]

pub mod rpc;

use serde_json::Value;
use session_node::testnet::{TestnetConfig, TestnetHandle};
use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

pub const BIN: &str = env!("CARGO_BIN_EXE_session-cli");
/// Fast polling: tests want latency.
pub const POLL_MS: &str = "200";

/// One testnet per test binary, with its description written to a file.
pub fn testnet_file() -> &'static Path {
    static NET: OnceLock<(TestnetHandle, tempfile::TempDir, PathBuf)> = OnceLock::new();
    let (_, _, p) = NET.get_or_init(|| {
        let net = TestnetHandle::start(TestnetConfig::default()).expect("testnet starts");
        let dir = tempfile::tempdir().expect("temp dir");
        let p = dir.path().join("testnet.json");
        net.write_description(&p).expect("description written");
        (net, dir, p)
    });
    p
}

/// A profile home in a temporary directory, and a PIN for its profiles.
pub struct Home {
    pub dir: tempfile::TempDir,
    pub pin: String,
}

pub struct Out {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
    pub elapsed: Duration,
}

impl Out {
    /// Every stdout line as JSON (fails the test on a line that is not).
    pub fn json_lines(&self) -> Vec<Value> {
        self.stdout
            .lines()
            .filter(|l| !l.trim().is_empty())
            .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("not a JSON line ({e}): {l}\nstderr: {}", self.stderr)))
            .collect()
    }
    pub fn json(&self) -> Value {
        let mut v = self.json_lines();
        assert_eq!(v.len(), 1, "expected one JSON line, got {}: {}", v.len(), self.stdout);
        v.remove(0)
    }
    pub fn ok(self) -> Out {
        assert_eq!(self.code, 0, "session-cli failed ({}):\nstdout: {}\nstderr: {}", self.code, self.stdout, self.stderr);
        self
    }
    /// Assert the exit code, and that the failure was reported in one line without a panic.
    pub fn fails_with(self, code: i32) -> Out {
        assert_eq!(self.code, code, "expected exit code {code}, got {}:\nstdout: {}\nstderr: {}", self.code, self.stdout, self.stderr);
        assert!(
            !self.stderr.contains("panicked") && !self.stderr.contains("stack backtrace") && !self.stderr.contains("internal error"),
            "{}",
            self.stderr
        );
        self
    }
}

impl Home {
    pub fn new() -> Home {
        Home { dir: tempfile::tempdir().expect("temp dir"), pin: "2468".into() }
    }

    /// A command with this home, the PIN in the environment and fast polling.
    pub fn cmd(&self, args: &[&str]) -> Command {
        let mut c = Command::new(BIN);
        c.env("SESSION_CLI_HOME", self.dir.path())
            .env("SESSION_CLI_PIN", &self.pin)
            .env_remove("SESSION_CLI_PROFILE")
            .env_remove("SESSION_CLI_PHRASE")
            .env_remove("SESSION_CLI_BACKUP_PASSPHRASE")
            .env("NO_COLOR", "1")
            .args(["--poll-interval-ms", POLL_MS])
            .args(args);
        c
    }

    pub fn run(&self, args: &[&str]) -> Out {
        run(&mut self.cmd(args), None, Duration::from_secs(60))
    }

    pub fn run_stdin(&self, args: &[&str], stdin: &str) -> Out {
        run(&mut self.cmd(args), Some(stdin), Duration::from_secs(60))
    }

    /// Create a profile; returns (Session ID, recovery phrase).
    pub fn create(&self, name: &str, network: &str, extra: &[&str]) -> (String, String) {
        let mut args = vec!["--json", "--network", network, "profile", "create", name];
        args.extend_from_slice(extra);
        let v = self.run(&args).ok().json();
        assert_eq!(v["type"], "profile_created");
        (v["session_id"].as_str().unwrap().to_string(), v["recovery_phrase"].as_str().unwrap().to_string())
    }
}

/// Run a command to completion (killed after `limit`), capturing its output.
pub fn run(cmd: &mut Command, stdin: Option<&str>, limit: Duration) -> Out {
    let t0 = Instant::now();
    cmd.stdin(if stdin.is_some() { Stdio::piped() } else { Stdio::null() }).stdout(Stdio::piped()).stderr(Stdio::piped());
    let mut child = cmd.spawn().expect("session-cli starts");
    if let Some(s) = stdin {
        let mut w = child.stdin.take().unwrap();
        w.write_all(s.as_bytes()).unwrap();
    }
    let out_t = reader(child.stdout.take().unwrap());
    let err_t = reader(child.stderr.take().unwrap());
    let code = wait_limit(&mut child, limit);
    Out { code, stdout: out_t.join().unwrap(), stderr: err_t.join().unwrap(), elapsed: t0.elapsed() }
}

fn reader(mut r: impl Read + Send + 'static) -> std::thread::JoinHandle<String> {
    std::thread::spawn(move || {
        let mut s = String::new();
        let _ = r.read_to_string(&mut s);
        s
    })
}

pub fn wait_limit(child: &mut Child, limit: Duration) -> i32 {
    let deadline = Instant::now() + limit;
    loop {
        if let Some(st) = child.try_wait().expect("wait") {
            return st.code().unwrap_or(-1);
        }
        if Instant::now() >= deadline {
            let _ = child.kill();
            let _ = child.wait();
            panic!("session-cli did not finish within {limit:?}");
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// The fields every message object has.
pub const MESSAGE_FIELDS: &[&str] =
    &["type", "id", "conversation", "sender", "sender_name", "outgoing", "body", "sent_at", "received_at", "state", "read", "is_request"];

pub fn assert_fields(v: &Value, fields: &[&str]) {
    let obj = v.as_object().unwrap_or_else(|| panic!("not an object: {v}"));
    for f in fields {
        assert!(obj.contains_key(*f), "field {f:?} missing in {v}");
    }
}
