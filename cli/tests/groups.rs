//! Groups through the CLI on a real testnet: create with a member, the member sees the invite in
//! `receive` and accepts, messages both ways, admin-only changes refused with exit code 11,
//! remove; and the daemon's group methods over stdio with a `group_invite` notification.

mod common;
use common::rpc::{Conn, T};
use common::*;
use serde_json::{json, Value};
use std::process::Stdio;
use std::time::Instant;

pub const GROUP_FIELDS: &[&str] = &["type", "id", "name", "description", "state", "is_admin", "member_count", "inviter"];
pub const MEMBER_FIELDS: &[&str] = &["type", "group_id", "session_id", "name", "admin", "invite_pending", "removed"];

fn of_type<'a>(lines: &'a [Value], ty: &str) -> Vec<&'a Value> {
    lines.iter().filter(|v| v["type"] == ty).collect()
}

#[test]
fn groups_through_the_cli() {
    let t0 = Instant::now();
    let net = testnet_file().to_str().unwrap().to_string();
    let home = Home::new();
    let (alice, _) = home.create("alice", &net, &["--no-pin", "--display-name", "Alice"]);
    let (bob, _) = home.create("bob", &net, &["--no-pin", "--display-name", "Bob"]);

    // Alice creates the group with Bob; it prints the group ID.
    let created = home.run(&["--json", "group", "create", "Hikers", "--description", "weekend trips", &bob]).ok().json();
    assert_eq!(
        (created["type"].as_str(), created["action"].as_str(), created["delivered"].as_bool()),
        (Some("done"), Some("group_created"), Some(true))
    );
    let gid = created["group_id"].as_str().unwrap().to_string();
    assert!(gid.starts_with("03") && gid.len() == 66, "{gid}");
    assert_eq!(created["invited"], json!([bob]));
    let t_create = t0.elapsed();

    let list = home.run(&["--json", "group", "list"]).ok().json();
    assert_fields(&list, GROUP_FIELDS);
    assert_eq!(list["id"].as_str(), Some(gid.as_str()));
    assert_eq!(
        (list["name"].as_str(), list["description"].as_str(), list["state"].as_str()),
        (Some("Hikers"), Some("weekend trips"), Some("joined"))
    );
    assert_eq!((list["is_admin"].as_bool(), list["member_count"].as_u64(), list["inviter"].as_str()), (Some(true), Some(2), None));
    let shown = home.run(&["--json", "group", "show", "hikers"]).ok().json_lines();
    assert_eq!(shown.len(), 3, "the group and its two members");
    let members = of_type(&shown, "group_member");
    members.iter().for_each(|m| assert_fields(m, MEMBER_FIELDS));
    let b = members.iter().find(|m| m["session_id"] == bob.as_str()).expect("bob is listed");
    assert_eq!((b["admin"].as_bool(), b["invite_pending"].as_bool()), (Some(false), Some(true)));
    let a = members.iter().find(|m| m["session_id"] == alice.as_str()).expect("alice is listed");
    assert_eq!((a["admin"].as_bool(), a["name"].as_str()), (Some(true), Some("Alice")));

    // Bob sees the invite once, accepts it by the group's name.
    let got = home.run(&["--json", "-p", "bob", "receive", "--timeout", "30"]).ok().json_lines();
    let inv = of_type(&got, "group_invite");
    assert_eq!(inv.len(), 1, "{got:?}");
    assert_fields(inv[0], &["type", "group_id", "name", "inviter", "inviter_name"]);
    assert_eq!(
        (inv[0]["group_id"].as_str(), inv[0]["name"].as_str(), inv[0]["inviter"].as_str()),
        (Some(gid.as_str()), Some("Hikers"), Some(alice.as_str()))
    );
    let bobs = home.run(&["--json", "-p", "bob", "group", "list"]).ok().json();
    assert_eq!(
        (bobs["state"].as_str(), bobs["is_admin"].as_bool(), bobs["inviter"].as_str()),
        (Some("invited"), Some(false), Some(alice.as_str()))
    );
    let acc = home.run(&["--json", "-p", "bob", "group", "accept", "Hikers"]).ok().json();
    assert_eq!(
        (acc["action"].as_str(), acc["group_id"].as_str(), acc["ready"].as_bool()),
        (Some("group_accepted"), Some(gid.as_str()), Some(true))
    );
    let bobs = home.run(&["--json", "-p", "bob", "group", "show", &gid]).ok().json_lines();
    assert_eq!((bobs[0]["state"].as_str(), bobs[0]["member_count"].as_u64()), (Some("joined"), Some(2)));

    // Messages both ways: `send --group` and a group's name as the recipient.
    let sent = home.run(&["--json", "send", "--group", "Hikers", "-m", "hello hikers"]).ok().json();
    assert_eq!((sent["to"].as_str(), sent["state"].as_str()), (Some(gid.as_str()), Some("sent")));
    let got = home.run(&["--json", "-p", "bob", "receive", "--timeout", "30"]).ok().json_lines();
    let msgs = of_type(&got, "message");
    assert_eq!(msgs.len(), 1, "{got:?}");
    assert_fields(msgs[0], MESSAGE_FIELDS);
    assert_eq!((msgs[0]["conversation"].as_str(), msgs[0]["group_name"].as_str()), (Some(gid.as_str()), Some("Hikers")));
    assert_eq!(
        (msgs[0]["sender"].as_str(), msgs[0]["body"].as_str(), msgs[0]["is_request"].as_bool()),
        (Some(alice.as_str()), Some("hello hikers"), Some(false))
    );
    let out = home.run(&["-p", "bob", "send", "hikers", "-m", "hi alice"]).ok();
    assert!(out.stdout.starts_with("Sent to Hikers ("), "{}", out.stdout);
    let text = home.run(&["receive", "--timeout", "30"]).ok().stdout;
    assert!(text.lines().any(|l| l.contains(" in Hikers") && l.contains("hi alice")), "{text}");

    let h = home.run(&["--json", "history", "Hikers"]).ok().json_lines();
    let bodies: Vec<&str> = h.iter().map(|m| m["body"].as_str().unwrap()).collect();
    assert_eq!(bodies, ["hello hikers", "hi alice"]);
    let convs = home.run(&["--json", "conversations"]).ok().json_lines();
    let c = convs.iter().find(|c| c["id"] == gid.as_str()).expect("the group is a conversation");
    assert_eq!((c["kind"].as_str(), c["name"].as_str(), c["is_request"].as_bool()), (Some("group"), Some("Hikers"), Some(false)));

    // Only admins change the group; unknown groups are not found.
    let e = home.run(&["--json", "-p", "bob", "group", "rename", "Hikers", "Bob's"]).fails_with(11);
    assert!(e.stderr.contains("PERMISSION_DENIED"), "{}", e.stderr);
    home.run(&["-p", "bob", "group", "invite", "Hikers", &alice]).fails_with(11);
    home.run(&["group", "show", "Nope"]).fails_with(9);
    home.run(&["group", "show", &format!("03{}", "ab".repeat(32))]).fails_with(9);
    home.run(&["send", "--group", "Nope", "-m", "x"]).fails_with(9);
    home.run(&["group", "accept", "Hikers", "--offline"]).fails_with(3);

    // Alice removes Bob: he is told, and can no longer send to it.
    let rm = home.run(&["--json", "group", "remove", "Hikers", &bob]).ok().json();
    assert_eq!((rm["action"].as_str(), rm["members"].as_array().map(Vec::len)), (Some("group_removed"), Some(1)));
    let shown = home.run(&["--json", "group", "show", &gid]).ok().json_lines();
    assert_eq!(shown[0]["member_count"], 1);
    let got = home.run(&["--json", "-p", "bob", "receive", "--timeout", "30"]).ok().json_lines();
    let kicked = of_type(&got, "group_update");
    assert!(kicked.iter().any(|u| u["change"] == "kicked" && u["group_id"] == gid.as_str()), "{got:?}");
    assert_fields(kicked[0], &["type", "group_id", "group_name", "change", "members", "actor"]);
    assert_eq!(home.run(&["--json", "-p", "bob", "group", "list"]).ok().json()["state"], "kicked");
    home.run(&["-p", "bob", "send", "--group", &gid, "-m", "still here?"]).fails_with(11);
    eprintln!("groups_through_the_cli: {:?} (create {t_create:?})", t0.elapsed());
}

#[test]
fn daemon_groups_over_stdio() {
    let t0 = Instant::now();
    let net = testnet_file().to_str().unwrap().to_string();
    let home = Home::new();
    let (dana, _) = home.create("dana", &net, &["--no-pin", "--display-name", "Dana"]);
    let (erin, _) = home.create("erin", &net, &["--no-pin", "--display-name", "Erin"]);
    let mut child = home
        .cmd(&["-p", "dana", "daemon"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .expect("daemon starts");
    let stdin = child.stdin.take().unwrap();
    let mut d = Conn::new(Box::new(stdin), child.stdout.take().unwrap());

    let methods = d.result("methods", json!({}));
    let names: Vec<&str> = methods.as_array().unwrap().iter().map(|m| m["name"].as_str().unwrap()).collect();
    for m in [
        "group_create",
        "groups",
        "group",
        "group_invite",
        "group_remove",
        "group_promote",
        "group_rename",
        "group_describe",
        "group_leave",
        "group_accept",
        "group_decline",
    ] {
        assert!(names.contains(&m), "method {m} missing from {names:?}");
    }

    // Dana's daemon creates a group with Erin.
    let g = d.result("group_create", json!({"name": "Daemons", "description": "run by dana", "members": [erin]}));
    assert_fields(&g, GROUP_FIELDS);
    let gid = g["id"].as_str().unwrap().to_string();
    assert_eq!((g["type"].as_str(), g["is_admin"].as_bool(), g["member_count"].as_u64()), (Some("group"), Some(true), Some(2)));
    let all = d.result("groups", json!({}));
    assert_eq!(all.as_array().map(Vec::len), Some(1));
    assert_eq!(all[0]["id"].as_str(), Some(gid.as_str()));
    let one = d.result("group", json!({"group": "daemons"}));
    assert_eq!(one["members"].as_array().map(Vec::len), Some(2), "{one}");
    assert_fields(&one["members"][0], MEMBER_FIELDS);
    let e = d.error("group", json!({"group": "nope"}));
    assert_eq!((e["data"]["kind"].as_str(), e["data"]["exit_code"].as_i64()), (Some("NOT_FOUND"), Some(9)));

    // Erin (a CLI process) invites Dana to her own group: the daemon notifies the invite.
    let theirs = home.run(&["--json", "-p", "erin", "group", "create", "Erin's", &dana]).ok().json();
    let theirs = theirs["group_id"].as_str().unwrap().to_string();
    let inv = d.event("group_invite", |p| p["kind"] == "group_invite" && p["group_id"] == theirs.as_str());
    assert_eq!((inv["name"].as_str(), inv["inviter"].as_str()), (Some("Erin's"), Some(erin.as_str())));
    let joined = d.result("group_accept", json!({"group": theirs}));
    assert_eq!((joined["state"].as_str(), joined["member_count"].as_u64()), (Some("joined"), Some(2)), "{joined}");
    let sent = d.result("send", json!({"group": "Erin's", "text": "dana here", "wait": true}));
    assert_eq!((sent["to"].as_str(), sent["state"].as_str()), (Some(theirs.as_str()), Some("sent")));
    let got = home.run(&["--json", "-p", "erin", "receive", "--timeout", "30"]).ok().json_lines();
    assert!(of_type(&got, "message").iter().any(|m| m["body"] == "dana here" && m["group_name"] == "Erin's"), "{got:?}");

    drop(d);
    assert_eq!(wait_limit(&mut child, T), 0);
    eprintln!("daemon_groups_over_stdio: {:?}", t0.elapsed());
}
