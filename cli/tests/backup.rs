//! Encrypted backups: create, inspect, restore into a new profile with a new PIN; the passphrase
//! from the environment or a file, never argv; a wrong passphrase, a damaged file, an existing
//! file and Ctrl-C, each leaving nothing behind; the daemon's backup methods. No testnet: a
//! backup needs only the database. (Each backup or inspection runs Argon2id at the SDK's
//! default cost, slow in a debug build: the tests keep them few and the time limits long.)

mod common;
use common::rpc::Conn;
use common::*;
use serde_json::{json, Value};
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

const PASS_ENV: &str = "SESSION_CLI_BACKUP_PASSPHRASE";
const PASS: &str = "correct horse battery staple";
/// Long enough for a few Argon2id derivations of a debug build on a busy machine.
const LIMIT: Duration = Duration::from_secs(300);

fn run_with(cmd: &mut Command) -> Out {
    run(cmd, None, LIMIT)
}

fn stderr_json(o: &Out) -> Value {
    serde_json::from_str(o.stderr.trim()).unwrap_or_else(|e| panic!("stderr is not one JSON object ({e}): {}", o.stderr))
}

/// Names in a directory starting with `prefix` (work files of a backup or a profile being made).
fn entries(dir: &Path, prefix: &str) -> Vec<String> {
    std::fs::read_dir(dir)
        .map(|d| d.filter_map(|e| e.ok()).map(|e| e.file_name().to_string_lossy().into_owned()).filter(|n| n.starts_with(prefix)).collect())
        .unwrap_or_default()
}

/// Wait until `dir` holds an entry starting with `prefix` (the command got that far).
fn wait_for_entry(dir: &Path, prefix: &str, child: &mut std::process::Child) {
    let deadline = Instant::now() + LIMIT;
    while entries(dir, prefix).is_empty() {
        if let Some(st) = child.try_wait().unwrap() {
            panic!("the command ended ({st}) before {prefix}* appeared in {}", dir.display());
        }
        assert!(Instant::now() < deadline, "no {prefix}* in {}", dir.display());
        std::thread::sleep(Duration::from_millis(5));
    }
}

fn interrupt(child: &std::process::Child) {
    // SAFETY: kill(2) only takes two integers; the pid is our own child's, which has not been
    // waited for yet, so it cannot name another process.
    let r = unsafe { libc::kill(child.id() as libc::pid_t, libc::SIGINT) };
    assert_eq!(r, 0, "SIGINT delivered");
}

fn profile_names(home: &Home) -> Vec<String> {
    home.run(&["--json", "profile", "list"]).ok().json_lines().iter().map(|p| p["name"].as_str().unwrap().to_string()).collect()
}

#[test]
fn backup_inspect_and_restore_into_a_new_profile() {
    let home = Home::new();
    let (alice, _) = home.create("alice", "public", &["--display-name", "Alice"]);
    let (bob, _) = home.create("bob", "public", &["--no-pin"]);
    home.run(&["-p", "alice", "contacts", "add", &bob, "--name", "Bobby"]).ok();
    let file = home.dir.path().join("alice.backup");
    let f = file.to_str().unwrap();

    // Create, the passphrase from the environment: one record, and nothing on stderr (no terminal).
    let o = run_with(home.cmd(&["--json", "-p", "alice", "backup", "create", f]).env(PASS_ENV, PASS)).ok();
    assert_eq!(o.stderr, "", "no progress without a terminal");
    let created = o.json();
    assert_fields(
        &created,
        &[
            "type",
            "path",
            "size",
            "session_id",
            "taken_at",
            "sdk_version",
            "messages",
            "conversations",
            "contacts",
            "groups",
            "attachments",
            "files",
            "database_bytes",
            "file_bytes",
        ],
    );
    assert_eq!((created["type"].as_str(), created["session_id"].as_str()), (Some("backup_created"), Some(alice.as_str())));
    assert!(created["contacts"].as_u64().unwrap() >= 1, "{created}");
    use std::os::unix::fs::PermissionsExt;
    let meta = std::fs::metadata(&file).unwrap();
    assert_eq!(meta.permissions().mode() & 0o777, 0o600);
    assert_eq!(created["size"].as_u64(), Some(meta.len()));
    assert!(entries(home.dir.path(), ".alice.backup").is_empty(), "no work file left");

    // Inspect: text, then one JSON record with what create reported.
    let o = run_with(home.cmd(&["backup", "inspect", f]).env(PASS_ENV, PASS)).ok();
    for want in ["verified", "Session ID:", alice.as_str(), "Taken at:", "Contacts:", "Messages:", "Database:"] {
        assert!(o.stdout.contains(want), "inspect text lacks {want:?}:\n{}", o.stdout);
    }
    let mut inspected = run_with(home.cmd(&["--json", "backup", "inspect", f]).env(PASS_ENV, PASS)).ok().json();
    assert_eq!(inspected["type"], "backup");
    inspected["type"] = created["type"].clone();
    assert_eq!(inspected, created);

    // Restore into a new profile with a new PIN: same Session ID, same data, the new PIN opens it.
    let restored =
        run_with(home.cmd(&["--json", "backup", "restore", f, "copy"]).env(PASS_ENV, PASS).env("SESSION_CLI_PIN", "1357")).ok().json();
    assert_eq!(
        (restored["type"].as_str(), restored["name"].as_str(), restored["session_id"].as_str()),
        (Some("backup_restored"), Some("copy"), Some(alice.as_str()))
    );
    assert_eq!(
        (restored["pin"].as_bool(), restored["default"].as_bool(), restored["network"].as_str()),
        (Some(true), Some(false), Some("public"))
    );
    let shown = run_with(home.cmd(&["--json", "-p", "copy", "profile", "show"]).env("SESSION_CLI_PIN", "1357")).ok().json();
    assert_eq!((shown["session_id"].as_str(), shown["display_name"].as_str()), (Some(alice.as_str()), Some("Alice")));
    let contacts = run_with(home.cmd(&["--json", "-p", "copy", "contacts", "list"]).env("SESSION_CLI_PIN", "1357")).ok().json();
    assert_eq!((contacts["session_id"].as_str(), contacts["nickname"].as_str()), (Some(bob.as_str()), Some("Bobby")));
    // A backup holds no PIN: the old one does not open the copy.
    home.run(&["-p", "copy", "contacts", "list"]).fails_with(6);
    // A name in use is refused before anything is read.
    home.run(&["backup", "restore", f, "copy"]).fails_with(16);

    // Without a PIN, as `profile create --no-pin`; text output.
    let o = run_with(home.cmd(&["backup", "restore", f, "nopin", "--no-pin"]).env(PASS_ENV, PASS)).ok();
    assert!(o.stdout.starts_with("Restored profile nopin from"), "{}", o.stdout);
    assert!(o.stdout.contains(&alice), "{}", o.stdout);
    let shown = run_with(home.cmd(&["--json", "-p", "nopin", "profile", "show"]).env("SESSION_CLI_PIN", "not-used")).ok().json();
    assert_eq!((shown["session_id"].as_str(), shown["pin"].as_bool()), (Some(alice.as_str()), Some(false)));
    assert_eq!(profile_names(&home), ["alice", "bob", "copy", "nopin"]);
}

#[test]
fn bad_passphrases_files_and_interruptions_leave_nothing_behind() {
    let home = Home::new();
    let (alice, _) = home.create("alice", "public", &[]);
    let dir = home.dir.path();
    let profiles = dir.join("profiles");

    // An existing file is refused and left as it was (before any prompt or database work).
    let taken = dir.join("taken.backup");
    std::fs::write(&taken, "keep me").unwrap();
    let o = run_with(home.cmd(&["--json", "-p", "alice", "backup", "create", taken.to_str().unwrap()]).env(PASS_ENV, PASS)).fails_with(3);
    assert_eq!(stderr_json(&o)["kind"], "INVALID_ARGUMENT");
    assert_eq!(std::fs::read_to_string(&taken).unwrap(), "keep me");

    // The passphrase from a file (its first line).
    let pass_file = dir.join("passphrase.txt");
    std::fs::write(&pass_file, format!("{PASS}\nsecond line ignored\n")).unwrap();
    let file = dir.join("alice.backup");
    let f = file.to_str().unwrap();
    let v = home.run(&["--json", "-p", "alice", "backup", "create", f, "--passphrase-file", pass_file.to_str().unwrap()]).ok().json();
    assert_eq!(v["session_id"].as_str(), Some(alice.as_str()));

    // A wrong passphrase: the wrong-PIN code, and no profile.
    let o = run_with(home.cmd(&["--json", "backup", "restore", f, "copy"]).env(PASS_ENV, "correct horse")).fails_with(6);
    assert_eq!(stderr_json(&o)["kind"], "WRONG_PIN");
    assert!(o.stderr.contains("passphrase"), "{}", o.stderr);

    // A truncated backup: the protocol/crypto code, and no profile.
    let bytes = std::fs::read(&file).unwrap();
    let cut = dir.join("cut.backup");
    std::fs::write(&cut, &bytes[..bytes.len() / 2]).unwrap();
    let o = run_with(home.cmd(&["--json", "backup", "restore", cut.to_str().unwrap(), "copy"]).env(PASS_ENV, PASS)).fails_with(15);
    assert_eq!(stderr_json(&o)["kind"], "MALFORMED");
    // Not a backup at all; no file there.
    let o = run_with(home.cmd(&["backup", "inspect", taken.to_str().unwrap()]).env(PASS_ENV, PASS)).fails_with(15);
    assert!(o.stderr.contains("not a session-sdk backup"), "{}", o.stderr);
    run_with(home.cmd(&["backup", "inspect", dir.join("none.backup").to_str().unwrap()]).env(PASS_ENV, PASS)).fails_with(9);

    // Ctrl-C during a restore (once its staging directory exists): 130 and no profile.
    let mut child = home
        .cmd(&["backup", "restore", f, "copy"])
        .env(PASS_ENV, PASS)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    wait_for_entry(&profiles, ".copy.", &mut child);
    interrupt(&child);
    assert_eq!(wait_limit(&mut child, LIMIT), 130);

    // Ctrl-C during a create (once its work file exists): 130 and no file.
    let stopped = dir.join("stopped.backup");
    let mut child = home
        .cmd(&["-p", "alice", "backup", "create", stopped.to_str().unwrap()])
        .env(PASS_ENV, PASS)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    wait_for_entry(dir, ".stopped.backup.", &mut child);
    interrupt(&child);
    assert_eq!(wait_limit(&mut child, LIMIT), 130);
    assert!(!stopped.exists());
    assert_eq!(entries(dir, ".stopped.backup"), Vec::<String>::new(), "no work file left");

    assert_eq!(profile_names(&home), ["alice"], "failed restores leave no profile");
    assert_eq!(entries(&profiles, "."), Vec::<String>::new(), "nor a staging directory");
}

#[test]
fn the_passphrase_never_comes_from_argv() {
    let home = Home::new();
    home.create("alice", "public", &[]);
    let file = home.dir.path().join("x.backup");
    let f = file.to_str().unwrap();
    // There is no flag for it.
    for cmd in [&["backup", "create", f, "--passphrase", PASS][..], &["backup", "inspect", f, "--passphrase", PASS]] {
        home.run(cmd).fails_with(2);
    }
    for sub in ["create", "inspect", "restore"] {
        let help = home.run(&["backup", sub, "--help"]).ok().stdout;
        assert!(help.contains("--passphrase-file"), "{help}");
        assert!(!help.replace("--passphrase-file", "").contains("--passphrase"), "backup {sub} has a passphrase flag:\n{help}");
    }
    let help = home.run(&["backup", "--help"]).ok().stdout;
    assert!(help.contains(PASS_ENV) && help.contains("never from the command line"), "{help}");
    assert!(home.run(&["--help"]).ok().stdout.contains(PASS_ENV));

    // Without the environment, a file or a terminal, the commands say where to give it.
    use std::os::unix::process::CommandExt;
    let mut cmd = home.cmd(&["-p", "alice", "backup", "create", f]);
    // SAFETY: the closure runs in the child between fork and exec, where only async-signal-safe
    // calls are allowed; setsid is one. It detaches the child from any controlling terminal, so
    // no prompt can open /dev/tty.
    unsafe {
        cmd.pre_exec(|| {
            libc::setsid();
            Ok(())
        });
    }
    let o = run_with(&mut cmd).fails_with(2);
    assert!(o.stderr.contains(PASS_ENV) && o.stderr.contains("--passphrase-file"), "{}", o.stderr);
    assert!(!file.exists());
    // An empty one is refused.
    run_with(home.cmd(&["-p", "alice", "backup", "create", f]).env(PASS_ENV, "")).fails_with(3);
    assert!(!file.exists());
}

#[test]
fn daemon_backup_methods() {
    let home = Home::new();
    // A network whose nodes do not listen: the daemon starts, and backups need no network.
    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = closed.local_addr().unwrap().port();
    drop(closed);
    let desc = home.dir.path().join("dead.json");
    std::fs::write(
        &desc,
        format!(
            r#"{{"network":"dead","seed_nodes":["https://127.0.0.1:{port}"],
               "file_server":{{"host":"127.0.0.1","port":{port},"protocol":"http",
               "x25519_pubkey":"09324794aa9c11948189762d198c618148e9136ac9582068180661208927ef34"}}}}"#
        ),
    )
    .unwrap();
    let (alice, _) = home.create("alice", desc.to_str().unwrap(), &[]);
    let sock = home.dir.path().join("alice.sock");
    let mut child = home
        .cmd(&["-p", "alice", "daemon", "--socket", sock.to_str().unwrap()])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .expect("daemon starts");
    let mut stdio = Conn::new(Box::new(child.stdin.take().unwrap()), child.stdout.take().unwrap());

    let methods = stdio.result("methods", json!({}));
    let listed: Vec<&Value> = methods.as_array().unwrap().iter().filter(|m| m["name"].as_str().unwrap().starts_with("backup")).collect();
    let names: Vec<&str> = listed.iter().map(|m| m["name"].as_str().unwrap()).collect();
    assert_eq!(names, ["backup_cancel", "backup_create", "backup_inspect"]);
    assert!(listed[1]["summary"].as_str().unwrap().contains("never a command line"), "{:?}", listed[1]);

    // Create: a backup record, and progress events up to the end.
    let file = home.dir.path().join("d.backup");
    let f = file.to_str().unwrap();
    stdio.send_line(
        &json!({"jsonrpc": "2.0", "id": "create", "method": "backup_create", "params": {"path": f, "passphrase": PASS}}).to_string(),
    );
    let r = stdio.response_within(LIMIT);
    assert_eq!(r["id"], "create");
    assert_eq!((r["result"]["type"].as_str(), r["result"]["session_id"].as_str()), (Some("backup_created"), Some(alice.as_str())), "{r}");
    let ev = stdio.event("backup_progress", |p| p["kind"] == "backup_progress" && p["done"] == p["total"]);
    assert_eq!(ev["restore"], false);
    // Refusals that need no passphrase work.
    let e = stdio.error("backup_create", json!({"path": f, "passphrase": PASS}));
    assert_eq!((e["data"]["kind"].as_str(), e["data"]["exit_code"].as_i64()), (Some("INVALID_ARGUMENT"), Some(3)));
    assert_eq!(stdio.error("backup_create", json!({"path": f}))["code"], -32602);

    // The CLI backs up beside the running daemon: it only opens the database.
    let cli_file = home.dir.path().join("cli.backup");
    let v = run_with(home.cmd(&["--json", "-p", "alice", "backup", "create", cli_file.to_str().unwrap()]).env(PASS_ENV, PASS)).ok().json();
    assert_eq!(v["session_id"].as_str(), Some(alice.as_str()));
    // Inspect through the daemon; a wrong passphrase is WRONG_PIN (exit code 6).
    stdio.send_line(
        &json!({"jsonrpc": "2.0", "id": "inspect", "method": "backup_inspect", "params": {"path": cli_file, "passphrase": PASS}})
            .to_string(),
    );
    let r = stdio.response_within(LIMIT);
    assert_eq!(r["id"], "inspect");
    assert_eq!((r["result"]["type"].as_str(), r["result"]["session_id"].as_str()), (Some("backup"), Some(alice.as_str())), "{r}");
    stdio.send_line(
        &json!({"jsonrpc": "2.0", "id": "inspect-wrong", "method": "backup_inspect", "params": {"path": cli_file, "passphrase": "wrong"}})
            .to_string(),
    );
    let r = stdio.response_within(LIMIT);
    assert_eq!(r["id"], "inspect-wrong");
    assert_eq!((r["error"]["data"]["kind"].as_str(), r["error"]["data"]["exit_code"].as_i64()), (Some("WRONG_PIN"), Some(6)), "{r}");

    // backup_cancel from a second connection stops a backup in progress: CANCELLED, no file.
    let stream = std::os::unix::net::UnixStream::connect(&sock).expect("daemon socket");
    let mut socket = Conn::new(Box::new(stream.try_clone().unwrap()), stream);
    let stopped = home.dir.path().join("stopped.backup");
    stdio.send_line(
        &json!({"jsonrpc": "2.0", "id": "create-cancelled", "method": "backup_create", "params": {"path": stopped, "passphrase": PASS}})
            .to_string(),
    );
    let deadline = Instant::now() + LIMIT;
    while entries(home.dir.path(), ".stopped.backup.").is_empty() {
        assert!(Instant::now() < deadline, "the backup never started");
        std::thread::sleep(Duration::from_millis(5));
    }
    assert_eq!(socket.result("backup_cancel", json!({}))["cancelled"], true);
    let r = stdio.response_within(LIMIT);
    assert_eq!(r["id"], "create-cancelled");
    assert_eq!((r["error"]["data"]["kind"].as_str(), r["error"]["data"]["exit_code"].as_i64()), (Some("CANCELLED"), Some(130)), "{r}");
    assert!(!stopped.exists());
    assert!(entries(home.dir.path(), ".stopped.backup").is_empty(), "no work file left");

    drop(stdio);
    assert_eq!(wait_limit(&mut child, LIMIT), 0);
}
