//! Two profiles exchange messages through the CLI on a real testnet; contacts and requests.

mod common;
use common::*;
use std::time::Instant;

#[test]
fn two_profiles_exchange_messages() {
    let t0 = Instant::now();
    let net = testnet_file().to_str().unwrap().to_string();
    let home = Home::new();
    let (alice, phrase) = home.create("alice", &net, &["--display-name", "Alice"]);
    let (bob, _) = home.create("bob", &net, &["--display-name", "Bob"]);
    assert_eq!(phrase.split(' ').count(), 13, "{phrase}");
    assert!(alice.starts_with("05") && alice.len() == 66);

    // The first profile became the default; both remember the testnet.
    let list = home.run(&["--json", "profile", "list"]).ok().json_lines();
    assert_eq!(list.len(), 2);
    assert_fields(&list[0], &["type", "name", "session_id", "display_name", "network", "pin", "default", "created_at", "data_dir"]);
    assert_eq!((list[0]["name"].as_str(), list[0]["default"].as_bool()), (Some("alice"), Some(true)));
    assert_eq!(list[1]["network"].as_str(), Some(net.as_str()));

    // Alice (the default profile) writes to Bob.
    let sent = home.run(&["--json", "send", &bob, "-m", "hello bob"]).ok().json();
    assert_fields(&sent, &["type", "id", "to", "state", "sent_at"]);
    assert_eq!((sent["type"].as_str(), sent["state"].as_str(), sent["to"].as_str()), (Some("sent"), Some("sent"), Some(bob.as_str())));

    // Bob receives it as a message request.
    let got = home.run(&["--json", "-p", "bob", "receive", "--timeout", "30"]).ok();
    eprintln!("bob's receive took {:?}", got.elapsed);
    let msgs = got.json_lines();
    assert_eq!(msgs.len(), 1, "{}", got.stdout);
    let m = &msgs[0];
    assert_fields(m, MESSAGE_FIELDS);
    assert_eq!(m["type"], "message");
    assert_eq!(m["body"], "hello bob");
    assert_eq!(m["sender"].as_str(), Some(alice.as_str()));
    assert_eq!(m["conversation"].as_str(), Some(alice.as_str()));
    assert_eq!(m["sender_name"], "Alice");
    assert_eq!((m["outgoing"].as_bool(), m["is_request"].as_bool(), m["state"].as_str()), (Some(false), Some(true), Some("received")));
    assert_eq!(m["sent_at"], sent["sent_at"], "the sender's timestamp identifies the message");

    // Printed once: a second receive has nothing new.
    let again = home.run(&["--json", "-p", "bob", "receive", "--timeout", "30"]).ok();
    assert_eq!(again.stdout.trim(), "", "nothing new expected");

    let reqs = home.run(&["--json", "-p", "bob", "requests", "list"]).ok().json_lines();
    assert_eq!(reqs.len(), 1);
    assert_fields(
        &reqs[0],
        &["type", "session_id", "name", "display_name", "nickname", "approved", "approved_me", "blocked", "created_at", "last_message"],
    );
    assert_eq!((reqs[0]["type"].as_str(), reqs[0]["session_id"].as_str()), (Some("request"), Some(alice.as_str())));
    assert_eq!(reqs[0]["last_message"]["body"], "hello bob");

    // Bob accepts (by her display name) and answers in people's format.
    let acc = home.run(&["--json", "-p", "bob", "requests", "accept", "Alice"]).ok().json();
    assert_eq!(
        (acc["type"].as_str(), acc["action"].as_str(), acc["session_id"].as_str()),
        (Some("done"), Some("request_accepted"), Some(alice.as_str()))
    );
    assert_eq!(acc["notified"], true);
    assert!(home.run(&["--json", "-p", "bob", "requests", "list"]).ok().stdout.trim().is_empty());
    let out = home.run_stdin(&["-p", "bob", "send", "alice"], "hi alice\n").ok();
    assert!(out.stdout.starts_with("Sent to Alice ("), "{}", out.stdout);

    let text = home.run(&["receive", "--timeout", "30"]).ok();
    assert!(text.stdout.contains("Bob (") && text.stdout.contains("hi alice"), "{}", text.stdout);
    assert!(!text.stdout.contains("[request]"), "Bob is a contact of Alice's: {}", text.stdout);

    // History: one page at a time, oldest first within a page.
    let h = home.run(&["--json", "history", &bob]).ok().json_lines();
    let bodies: Vec<&str> = h.iter().map(|m| m["body"].as_str().unwrap()).collect();
    assert_eq!(bodies, ["hello bob", "hi alice"]);
    assert_eq!((h[0]["outgoing"].as_bool(), h[1]["outgoing"].as_bool()), (Some(true), Some(false)));
    assert_eq!(h[0]["state"], "sent");
    let newest = home.run(&["--json", "history", "Bob", "--limit", "1"]).ok().json_lines();
    assert_eq!(newest.len(), 1);
    assert_eq!(newest[0]["body"], "hi alice");
    let before = newest[0]["id"].to_string();
    let older = home.run(&["--json", "history", "Bob", "--limit", "1", "--before", &before]).ok().json_lines();
    assert_eq!(older[0]["body"], "hello bob");
    let people = home.run(&["history", "Bob"]).ok().stdout;
    assert!(people.contains("me → ") && people.contains("hi alice"), "{people}");

    let convs = home.run(&["--json", "conversations"]).ok().json_lines();
    assert_eq!(convs.len(), 1);
    assert_fields(&convs[0], &["type", "id", "kind", "name", "unread", "is_request", "last_activity", "created_at", "last_message"]);
    assert_eq!(
        (convs[0]["id"].as_str(), convs[0]["name"].as_str(), convs[0]["kind"].as_str()),
        (Some(bob.as_str()), Some("Bob"), Some("direct"))
    );
    assert_eq!(convs[0]["unread"], 0, "receive marked it read");
    assert_eq!(convs[0]["last_message"]["body"], "hi alice");

    let net_state = home.run(&["--json", "network", "--timeout", "30"]).ok().json();
    assert_fields(&net_state, &["type", "network", "source", "seed_nodes", "file_server", "connected", "pool_size", "paths", "stats"]);
    assert_eq!((net_state["network"].as_str(), net_state["connected"].as_bool()), (Some("testnet"), Some(true)));
    assert_eq!(net_state["pool_size"], 15);
    assert!(
        net_state["paths"].as_array().is_some_and(|p| !p.is_empty() && p.iter().all(|p| p.as_array().unwrap().len() == 3)),
        "{net_state}"
    );
    eprintln!("two_profiles_exchange_messages: {:?}", t0.elapsed());
}

#[test]
fn contacts_nicknames_and_blocking() {
    let home = Home::new();
    home.create("me", "public", &["--no-pin"]);
    let (carol, _) = home.create("carol", "public", &["--no-pin"]);
    let added = home.run(&["--json", "contacts", "add", &carol, "--name", "Caro"]).ok().json();
    assert_eq!((added["action"].as_str(), added["session_id"].as_str()), (Some("contact_added"), Some(carol.as_str())));
    let list = home.run(&["--json", "contacts", "list"]).ok().json_lines();
    assert_eq!(list.len(), 1);
    assert_fields(
        &list[0],
        &["type", "session_id", "name", "display_name", "nickname", "approved", "approved_me", "blocked", "created_at"],
    );
    assert_eq!((list[0]["name"].as_str(), list[0]["approved"].as_bool()), (Some("Caro"), Some(true)));

    home.run(&["contacts", "rename", "caro", "Carol C"]).ok();
    assert_eq!(home.run(&["--json", "contacts", "show", &carol]).ok().json()["nickname"], "Carol C");
    let table = home.run(&["contacts", "list"]).ok().stdout;
    assert!(table.starts_with("NAME") && table.contains("Carol C") && table.contains(&carol), "{table}");

    // Blocked: sending is refused with its own exit code before any network call.
    home.run(&["contacts", "block", "Carol C"]).ok();
    assert_eq!(home.run(&["--json", "contacts", "blocked"]).ok().json()["session_id"].as_str(), Some(carol.as_str()));
    let e = home.run(&["--json", "send", &carol, "-m", "hi"]).fails_with(10);
    let err: serde_json::Value = serde_json::from_str(e.stderr.trim()).unwrap();
    assert_eq!((err["type"].as_str(), err["kind"].as_str(), err["exit_code"].as_i64()), (Some("error"), Some("BLOCKED"), Some(10)));
    home.run(&["contacts", "unblock", &carol]).ok();
    assert!(home.run(&["--json", "contacts", "blocked"]).ok().stdout.trim().is_empty());

    home.run(&["contacts", "remove", &carol]).ok();
    home.run(&["contacts", "show", &carol]).fails_with(9);
    home.run(&["contacts", "rename", "nobody-by-that-name", "x"]).fails_with(4);

    // Display name and default profile.
    home.run(&["profile", "set-name", "Me Myself"]).ok();
    let shown = home.run(&["--json", "profile", "show"]).ok().json();
    assert_eq!(
        (shown["display_name"].as_str(), shown["name"].as_str(), shown["pin"].as_bool()),
        (Some("Me Myself"), Some("me"), Some(false))
    );
    home.run(&["profile", "use", "carol"]).ok();
    assert_eq!(home.run(&["--json", "profile", "show"]).ok().json()["name"], "carol");
    home.run(&["profile", "use", "nobody"]).fails_with(9);
}

#[test]
fn receive_follow_streams_until_interrupted() {
    use std::io::BufRead;
    let net = testnet_file().to_str().unwrap().to_string();
    let home = Home::new();
    let (listener, _) = home.create("listener", &net, &["--no-pin"]);
    home.create("talker", &net, &["--no-pin"]);
    let mut child = home
        .cmd(&["--json", "-p", "listener", "receive", "--follow"])
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let (tx, rx) = std::sync::mpsc::channel();
    let stdout = child.stdout.take().unwrap();
    std::thread::spawn(move || {
        for line in std::io::BufReader::new(stdout).lines().map_while(Result::ok) {
            let _ = tx.send(line);
        }
    });
    for text in ["first", "second"] {
        home.run(&["-p", "talker", "send", &listener, "-m", text]).ok();
        let line = rx.recv_timeout(std::time::Duration::from_secs(30)).expect("a streamed message");
        let v: serde_json::Value = serde_json::from_str(&line).unwrap();
        assert_eq!((v["type"].as_str(), v["body"].as_str()), (Some("message"), Some(text)));
    }
    let st = std::process::Command::new("kill").args(["-INT", &child.id().to_string()]).status().unwrap();
    assert!(st.success());
    assert_eq!(wait_limit(&mut child, std::time::Duration::from_secs(15)), 0, "Ctrl-C ends --follow cleanly");
}

#[test]
fn files_are_sent_and_downloaded() {
    let net = testnet_file().to_str().unwrap().to_string();
    let home = Home::new();
    home.create("sender", &net, &["--no-pin"]);
    let (rcpt, _) = home.create("rcpt", &net, &["--no-pin"]);
    let data: Vec<u8> = (0..300_000u32).map(|i| (i.wrapping_mul(2654435761) >> 13) as u8).collect();
    let file = home.dir.path().join("notes.bin");
    std::fs::write(&file, &data).unwrap();

    let sent = home.run(&["--json", "-p", "sender", "send", &rcpt, "-a", file.to_str().unwrap(), "-m", "the notes"]).ok().json();
    assert_eq!((sent["state"].as_str(), sent["file_name"].as_str()), (Some("sent"), Some("notes.bin")));
    home.run(&["-p", "sender", "send", &rcpt, "-a", "/nonexistent/file"]).fails_with(14);

    let got = home.run(&["--json", "-p", "rcpt", "receive", "--timeout", "30"]).ok().json();
    assert_eq!(got["body"], "the notes");
    let att = &got["attachments"][0];
    assert_fields(att, &["index", "file_name", "content_type", "size", "voice_note", "width", "height", "caption", "state"]);
    assert_eq!(
        (att["file_name"].as_str(), att["size"].as_u64(), att["state"].as_str()),
        (Some("notes.bin"), Some(data.len() as u64), Some("remote"))
    );

    let id = got["id"].to_string();
    let dir = home.dir.path().join("downloads");
    std::fs::create_dir(&dir).unwrap();
    let d = home.run(&["--json", "-p", "rcpt", "download", &id, "-o", dir.to_str().unwrap()]).ok().json();
    assert_eq!((d["type"].as_str(), d["size"].as_u64()), (Some("downloaded"), Some(data.len() as u64)));
    assert_eq!(std::fs::read(dir.join("notes.bin")).unwrap(), data, "the file arrives intact");
    home.run(&["-p", "rcpt", "download", &id, "-o", dir.to_str().unwrap()]).fails_with(3);
    home.run(&["-p", "rcpt", "download", &id, "--index", "1"]).fails_with(9);
    let sender = home.run(&["--json", "-p", "sender", "profile", "show"]).ok().json()["session_id"].as_str().unwrap().to_string();
    let h = home.run(&["-p", "rcpt", "history", &sender]).ok().stdout;
    assert!(h.contains("[file #0: notes.bin, 300.0 kB]"), "{h}");
}

#[test]
fn profile_pictures_through_the_cli() {
    let net = testnet_file().to_str().unwrap().to_string();
    let home = Home::new();
    let (alice, _) = home.create("pic-alice", &net, &["--display-name", "Pia"]);
    let (bob, _) = home.create("pic-bob", &net, &[]);
    let dir = home.dir.path();
    let image: Vec<u8> = (0..4000u32).map(|i| (i * 7 % 251) as u8).collect();
    std::fs::write(dir.join("me.png"), &image).unwrap();

    let set = home.run(&["--json", "-p", "pic-alice", "profile", "set-picture", dir.join("me.png").to_str().unwrap()]).ok().json();
    assert_eq!((set["action"].as_str(), set["bytes"].as_u64()), (Some("profile_picture_set"), Some(4000)));
    home.run(&["-p", "pic-alice", "send", &bob, "-m", "my picture"]).ok();
    home.run(&["-p", "pic-bob", "receive", "--timeout", "30"]).ok();
    let out = dir.join("pia.png");
    let saved = home.run(&["--json", "-p", "pic-bob", "profile", "picture", "Pia", "-o", out.to_str().unwrap()]).ok().json();
    assert_eq!(saved["session_id"].as_str(), Some(alice.as_str()));
    assert_eq!(std::fs::read(&out).unwrap(), image);
    // An existing file needs --force; a missing picture is NOT_FOUND (exit 9).
    home.run(&["-p", "pic-bob", "profile", "picture", "Pia", "-o", out.to_str().unwrap()]).fails_with(3);
    home.run(&["-p", "pic-alice", "profile", "set-picture", "--remove"]).ok();
    home.run(&["-p", "pic-alice", "profile", "picture", "-o", dir.join("none.png").to_str().unwrap()]).fails_with(9);
    home.run(&["-p", "pic-alice", "profile", "set-picture"]).fails_with(2);
}
