//! Bad input yields the documented exit codes, a one-line message and never a panic; profiles
//! restore from their phrase (read from stdin, the environment or a file, never argv).

mod common;
use common::*;
use serde_json::Value;
use std::time::Duration;

fn stderr_json(o: &Out) -> Value {
    serde_json::from_str(o.stderr.trim()).unwrap_or_else(|e| panic!("stderr is not one JSON object ({e}): {}", o.stderr))
}

#[test]
fn unknown_command_and_bad_flags_are_usage_errors() {
    let home = Home::new();
    let o = home.run(&["frobnicate"]).fails_with(2);
    assert!(o.stderr.contains("unrecognized subcommand"), "{}", o.stderr);
    home.run(&["send"]).fails_with(2);
    home.run(&["history", "x", "--limit", "many"]).fails_with(2);
    let o = home.run(&["--json", "frobnicate"]).fails_with(2);
    assert_eq!(stderr_json(&o)["kind"], "USAGE");
    // No profile yet.
    let o = home.run(&["contacts", "list"]).fails_with(2);
    assert!(o.stderr.contains("profile create"), "{}", o.stderr);
    // Help documents the exit codes.
    let help = home.run(&["--help"]).ok().stdout;
    for line in ["4  invalid Session ID", "5  invalid recovery phrase", "6  wrong PIN", "7  network unreachable"] {
        assert!(help.contains(line), "--help lacks {line:?}");
    }
}

#[test]
fn bad_session_ids() {
    let home = Home::new();
    home.create("a", "public", &[]);
    for bad in ["05zz", "hello", &format!("06{}", "a".repeat(64)), &"0".repeat(66)] {
        let o = home.run(&["--json", "send", bad, "-m", "hi"]).fails_with(4);
        assert_eq!(stderr_json(&o)["kind"], "INVALID_SESSION_ID", "{bad}");
    }
    let o = home.run(&["contacts", "add", "not-an-id"]).fails_with(4);
    assert!(o.stderr.starts_with("session-cli: error: ") && o.stderr.trim().lines().count() == 1, "{}", o.stderr);
}

#[test]
fn bad_recovery_phrases() {
    let home = Home::new();
    let (id, phrase) = home.create("orig", "public", &[]);
    let words: Vec<&str> = phrase.split(' ').collect();
    let twelve = words[..12].join(" ");
    let mut wrong_checksum = words.clone();
    // Words match by their first three letters: take one that differs from the checksum word.
    wrong_checksum[12] = words[..12].iter().find(|w| w[..3] != words[12][..3]).expect("a differing word");
    let mut unknown = words.clone();
    unknown[3] = "qwertyuiop";
    for (phrase, kind) in [
        (twelve.as_str(), "MNEMONIC_WORD_COUNT"),
        (&wrong_checksum.join(" "), "MNEMONIC_CHECKSUM"),
        (&unknown.join(" "), "MNEMONIC_UNKNOWN_WORD"),
        ("", "MNEMONIC_WORD_COUNT"),
    ] {
        let o = home.run_stdin(&["--json", "profile", "restore", "copy"], phrase).fails_with(5);
        assert_eq!(stderr_json(&o)["kind"], kind, "{phrase:?}");
    }
    assert_eq!(home.run(&["--json", "profile", "list"]).ok().json_lines().len(), 1, "failed restores leave nothing behind");

    // The right phrase restores the same Session ID: from stdin, the environment and a file.
    let v = home.run_stdin(&["--json", "profile", "restore", "copy1"], &format!("  {}\n", phrase.to_uppercase())).ok().json();
    assert_eq!((v["type"].as_str(), v["session_id"].as_str()), (Some("profile_restored"), Some(id.as_str())));
    assert!(v.get("recovery_phrase").is_none());
    let o =
        run(home.cmd(&["--json", "profile", "restore", "copy2"]).env("SESSION_CLI_PHRASE", &phrase), None, Duration::from_secs(30)).ok();
    assert_eq!(o.json()["session_id"].as_str(), Some(id.as_str()));
    let f = home.dir.path().join("phrase.txt");
    std::fs::write(&f, format!("{phrase}\n")).unwrap();
    let o = home.run(&["--json", "profile", "restore", "copy3", "--phrase-file", f.to_str().unwrap()]).ok();
    assert_eq!(o.json()["session_id"].as_str(), Some(id.as_str()));

    home.run_stdin(&["profile", "restore", "copy1"], &phrase).fails_with(16);
    home.run(&["profile", "create", "orig"]).fails_with(16);
    home.run(&["profile", "create", "../evil"]).fails_with(3);
}

#[test]
fn wrong_pin_and_pin_sources() {
    let home = Home::new();
    home.create("locked", "public", &[]);
    home.run(&["contacts", "list"]).ok();
    let o = run(home.cmd(&["--json", "contacts", "list"]).env("SESSION_CLI_PIN", "0000"), None, Duration::from_secs(30)).fails_with(6);
    assert_eq!(stderr_json(&o)["kind"], "WRONG_PIN");
    let o = run(home.cmd(&["contacts", "list"]).env("SESSION_CLI_PIN", "0000"), None, Duration::from_secs(30)).fails_with(6);
    assert_eq!(o.stderr.trim(), "session-cli: error: wrong PIN for profile \"locked\" [WRONG_PIN]");
    // --pin-file wins over the environment.
    let f = home.dir.path().join("pin");
    std::fs::write(&f, format!("{}\n", home.pin)).unwrap();
    run(home.cmd(&["--pin-file", f.to_str().unwrap(), "contacts", "list"]).env("SESSION_CLI_PIN", "0000"), None, Duration::from_secs(30))
        .ok();
    std::fs::write(&f, "9999\n").unwrap();
    home.run(&["--pin-file", f.to_str().unwrap(), "contacts", "list"]).fails_with(6);
    home.run(&["--pin-file", "/nonexistent/pin", "contacts", "list"]).fails_with(14);
    home.run(&["-p", "nobody", "contacts", "list"]).fails_with(9);
}

#[test]
fn unreachable_network() {
    let home = Home::new();
    // A well-formed description whose seed nodes do not listen.
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
    home.create("lonely", desc.to_str().unwrap(), &[]);
    let o = home.run(&["network", "--timeout", "3"]).fails_with(7);
    assert!(o.stderr.contains("cannot reach the network"), "{}", o.stderr);
    let (peer, _) = home.create("peer", "public", &[]);
    let o = home.run(&["--json", "-p", "lonely", "send", &peer, "-m", "into the void", "--timeout", "3"]).fails_with(7);
    assert_eq!(stderr_json(&o)["kind"], "NETWORK");
    // The message stays queued for the next time the profile is online.
    let h = home.run(&["--json", "-p", "lonely", "history", &peer]).ok().json();
    assert_eq!((h["body"].as_str(), h["state"].as_str()), (Some("into the void"), Some("sending")));
    // A description file that is not there.
    home.run(&["--network", "/nonexistent/t.json", "-p", "lonely", "network"]).fails_with(14);
}

#[test]
fn readme_documents_the_exit_codes_of_help() {
    let home = Home::new();
    let help = home.run(&["--help"]).ok().stdout;
    let table: Vec<(String, String)> = help
        .lines()
        .skip_while(|l| !l.starts_with("Exit codes:"))
        .skip(1)
        .map_while(|l| {
            let l = l.trim();
            let (code, meaning) = l.split_once("  ")?;
            code.parse::<u8>().ok()?;
            Some((code.to_string(), meaning.trim().to_string()))
        })
        .collect();
    assert!(table.len() >= 17, "{table:?}");
    let readme = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../README.md")).unwrap();
    for (code, meaning) in &table {
        let row = format!("| {code} | {meaning} |");
        assert!(readme.contains(&row), "README lacks the exit-code row {row:?}");
    }
}
