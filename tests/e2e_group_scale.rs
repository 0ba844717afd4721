//! A 100-member group on the testnet with lightweight member clients in one process: one
//! message is stored once in the group swarm and read by all 99 other members; removing a member
//! rotates the keys for everyone else.

mod common;
use common::*;
use session_node::config::RateLimitConfig;
use session_node::testnet::TestnetConfig;
use session_sdk::client::{Client, Event, LogLevel};
use session_sdk::identity::{AccountId, IdPrefix};
use std::time::{Duration, Instant};

const T: Duration = Duration::from_secs(180);

fn member(net: &session_node::testnet::TestnetHandle, i: usize) -> Client {
    let mut c = config(net, &format!("g100-m{i}"));
    c.auto_accept_requests = true;
    c.poll_active = Duration::from_millis(1500);
    c.poll_idle = Duration::from_secs(3);
    c.log_level = LogLevel::Off;
    started(c)
}

fn stored_bodies(net: &session_node::testnet::TestnetHandle, reader: &Client, gid: &str, body: &str) -> usize {
    let acct = AccountId::parse_with(gid, IdPrefix::Group).unwrap();
    let node = net.nodes_for(&acct)[0];
    let db = rusqlite::Connection::open(net.data_dir().join(format!("node-{node:02}/storage.db"))).unwrap();
    let mut st = db.prepare("SELECT data FROM messages WHERE owner = ?1 AND namespace = 11").unwrap();
    let all: Vec<Vec<u8>> = st.query_map([gid], |r| r.get(0)).unwrap().map(|r| r.unwrap()).collect();
    all.iter()
        .filter(|d| reader.group_decrypt_raw(gid, d).is_ok_and(|(_, c)| c.data_message.and_then(|m| m.body).as_deref() == Some(body)))
        .count()
}

#[test]
fn a_message_to_100_members_is_stored_once_and_read_by_all() {
    let net = own_testnet(TestnetConfig { rate_limit: RateLimitConfig::unlimited(), ..TestnetConfig::default() });
    let t0 = Instant::now();
    let mut cfg = config(&net, "g100-admin");
    cfg.poll_active = Duration::from_millis(1500);
    let admin = started(cfg);
    let members: Vec<Client> = (0..99).map(|i| member(&net, i)).collect();
    let ids: Vec<String> = members.iter().map(|m| m.session_id().to_hex()).collect();
    let refs: Vec<&str> = ids.iter().map(String::as_str).collect();
    let gid = admin.create_group("Hundred", None, &refs).unwrap();
    assert_eq!(admin.group_members(&gid).unwrap().len(), 100);
    for m in &members {
        wait_until(T, "every member joined and holds the key", || m.groups().unwrap().iter().any(|g| g.id == gid && g.member_count == 100));
    }
    eprintln!("100-member group formed in {:?}", t0.elapsed());

    let t = Instant::now();
    admin.send_text(&gid, "hello hundred").unwrap();
    let mut pending: Vec<&Client> = members.iter().collect();
    let deadline = Instant::now() + T;
    while !pending.is_empty() && Instant::now() < deadline {
        pending.retain(|m| {
            let mut got = false;
            while let Some(e) = m.next_event(Duration::ZERO) {
                if matches!(&e, Event::MessageReceived { message, .. } if message.body.as_deref() == Some("hello hundred")) {
                    got = true;
                }
            }
            !got
        });
        std::thread::sleep(Duration::from_millis(20));
    }
    assert!(pending.is_empty(), "{} members never received the message", pending.len());
    eprintln!("all 99 members received one group message in {:?}", t.elapsed());
    assert_eq!(stored_bodies(&net, &admin, &gid, "hello hundred"), 1, "the message is stored once, not once per member");

    // Remove one member: the other 98 move to the new key and still read.
    let gone = &members[0];
    admin.group_remove(&gid, &[&ids[0]]).unwrap();
    admin.send_text(&gid, "after removal").unwrap();
    for m in &members[1..] {
        wait_until(T, "a remaining member reads after the rotation", || {
            m.history(&gid, 0, 5).unwrap().iter().any(|x| x.body.as_deref() == Some("after removal"))
        });
    }
    assert_eq!(stored_bodies(&net, gone, &gid, "after removal"), 0, "the removed member's keys open nothing new");
    assert_eq!(stored_bodies(&net, &members[1], &gid, "after removal"), 1);
}
