//! The daemon answers JSON-RPC 2.0 over stdio and over a Unix socket, and pushes a notification
//! for an incoming message to every connection.

mod common;
use common::rpc::{Conn, T};
use common::*;
use serde_json::json;
use std::os::unix::net::UnixStream;
use std::process::Stdio;
use std::time::Instant;

#[test]
fn daemon_serves_stdio_and_socket_and_pushes_events() {
    let t0 = Instant::now();
    let net = testnet_file().to_str().unwrap().to_string();
    let home = Home::new();
    let (alice, _) = home.create("alice", &net, &["--display-name", "Alice"]);
    let (bob, _) = home.create("bob", &net, &["--no-pin", "--display-name", "Bob"]);
    let sock = home.dir.path().join("alice.sock");

    let mut child = home
        .cmd(&["-p", "alice", "daemon", "--socket", sock.to_str().unwrap()])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .expect("daemon starts");
    let stdin = child.stdin.take().unwrap();
    let mut stdio = Conn::new(Box::new(stdin), child.stdout.take().unwrap());

    // Over stdio.
    let me = stdio.result("profile", json!({}));
    assert_eq!(
        (me["session_id"].as_str(), me["name"].as_str(), me["display_name"].as_str()),
        (Some(alice.as_str()), Some("alice"), Some("Alice"))
    );
    let methods = stdio.result("methods", json!({}));
    let names: Vec<&str> = methods.as_array().unwrap().iter().map(|m| m["name"].as_str().unwrap()).collect();
    for m in [
        "send",
        "receive",
        "history",
        "conversations",
        "contacts",
        "requests",
        "accept_request",
        "decline_request",
        "block",
        "unblock",
        "set_display_name",
        "set_profile_picture",
        "profile_picture",
        "network",
    ] {
        assert!(names.contains(&m), "method {m} missing from {names:?}");
    }

    // Over the socket (it exists once the daemon printed its first answer).
    let stream = UnixStream::connect(&sock).expect("daemon socket");
    use std::os::unix::fs::PermissionsExt;
    assert_eq!(std::fs::metadata(&sock).unwrap().permissions().mode() & 0o777, 0o600);
    let mut socket = Conn::new(Box::new(stream.try_clone().unwrap()), stream);
    assert_eq!(socket.result("profile", json!({}))["session_id"].as_str(), Some(alice.as_str()));
    assert_eq!(socket.result("contacts", json!({})), json!([]));

    // Errors: the standard codes, and SDK errors with their kind.
    assert_eq!(socket.raw("{not json")["error"]["code"], -32700);
    assert_eq!(socket.raw(r#"{"jsonrpc":"1.0","id":9,"method":"profile"}"#)["error"]["code"], -32600);
    assert_eq!(socket.raw(r#"{"jsonrpc":"2.0","id":9,"method":7}"#)["error"]["code"], -32600);
    assert_eq!(socket.raw("[]")["error"]["code"], -32600);
    assert_eq!(socket.error("no_such_method", json!({}))["code"], -32601);
    assert_eq!(socket.error("send", json!({"text": "no recipient"}))["code"], -32602);
    assert_eq!(socket.raw(r#"{"jsonrpc":"2.0","id":10,"method":"send","params":["x"]}"#)["error"]["code"], -32602);
    let e = socket.error("send", json!({"to": "05nothex", "text": "hi"}));
    assert_eq!(
        (e["code"].as_i64(), e["data"]["kind"].as_str(), e["data"]["exit_code"].as_i64()),
        (Some(-32005), Some("INVALID_SESSION_ID"), Some(4))
    );
    assert_eq!(socket.error("history", json!({"peer": bob, "limit": 0}))["data"]["kind"], "INVALID_ARGUMENT");
    // A batch with a notification in it: answers only the request.
    let batch = socket.raw(r#"[{"jsonrpc":"2.0","id":"b1","method":"version"},{"jsonrpc":"2.0","method":"version"}]"#);
    assert_eq!(batch.as_array().map(Vec::len), Some(1));
    assert_eq!(batch[0]["id"], "b1");

    // The daemon holds the profile: a second process for it is refused with BUSY.
    home.run(&["-p", "alice", "receive", "--timeout", "5"]).fails_with(13);

    // Bob (a CLI process) writes to Alice: both connections get the notification.
    home.run(&["-p", "bob", "send", &alice, "-m", "to the daemon"]).ok();
    for conn in [&mut stdio, &mut socket] {
        let ev = conn.event("message_received", |p| p["kind"] == "message_received" && p["message"]["body"] == "to the daemon");
        assert_fields(&ev["message"], MESSAGE_FIELDS);
        assert_eq!((ev["message"]["sender"].as_str(), ev["is_request"].as_bool()), (Some(bob.as_str()), Some(true)));
        assert_eq!(ev["message"]["sender_name"], "Bob");
    }
    let reqs = socket.result("requests", json!({}));
    assert_eq!(reqs[0]["session_id"].as_str(), Some(bob.as_str()));
    socket.result("accept_request", json!({"peer": "Bob"}));

    // Alice answers through the socket and waits for the network's acknowledgement.
    let sent = socket.result("send", json!({"to": bob, "text": "hello from the daemon", "wait": true, "timeout": 30}));
    assert_eq!((sent["type"].as_str(), sent["state"].as_str()), (Some("sent"), Some("sent")));
    stdio.event("message_state sent", |p| p["kind"] == "message_state" && p["state"] == "sent" && p["message_id"] == sent["id"]);
    let got = home.run(&["--json", "-p", "bob", "receive", "--timeout", "30"]).ok().json_lines();
    assert!(got.iter().any(|m| m["body"] == "hello from the daemon"), "{got:?}");

    let history = stdio.result("history", json!({"peer": bob}));
    let bodies: Vec<&str> = history.as_array().unwrap().iter().map(|m| m["body"].as_str().unwrap()).collect();
    assert_eq!(bodies, ["to the daemon", "hello from the daemon"]);
    let unread = stdio.result("receive", json!({}));
    assert_eq!(unread.as_array().map(Vec::len), Some(1), "{unread}");
    assert_eq!(stdio.result("receive", json!({})), json!([]), "receive marks read");
    assert_eq!(stdio.result("set_display_name", json!({"name": "Alice D"}))["display_name"], "Alice D");
    let net_state = socket.result("network", json!({}));
    assert_eq!((net_state["connected"].as_bool(), net_state["pool_size"].as_u64()), (Some(true), Some(15)));
    // A file through the daemon, then downloaded by Bob's CLI.
    let file = home.dir.path().join("hello.txt");
    std::fs::write(&file, "a file from the daemon").unwrap();
    let sent = socket.result("send", json!({"to": bob, "attachments": [file], "text": "see file", "wait": true, "timeout": 30}));
    assert_eq!((sent["state"].as_str(), sent["file_name"].as_str()), (Some("sent"), Some("hello.txt")));
    let got = home.run(&["--json", "-p", "bob", "receive", "--timeout", "30"]).ok().json();
    assert_eq!(got["attachments"][0]["file_name"], "hello.txt");
    let out = home.dir.path().join("bob-got.txt");
    home.run(&["-p", "bob", "download", &got["id"].to_string(), "-o", out.to_str().unwrap()]).ok();
    assert_eq!(std::fs::read_to_string(&out).unwrap(), "a file from the daemon");
    assert_eq!(socket.result("unsubscribe", json!({}))["events"], false);

    // End of stdin stops the daemon cleanly and removes the socket.
    drop(stdio);
    let code = wait_limit(&mut child, T);
    assert_eq!(code, 0);
    assert!(!sock.exists(), "socket removed at exit");
    eprintln!("daemon test: {:?}", t0.elapsed());
}
