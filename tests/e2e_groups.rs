//! Groups end to end on the testnet: create, invite and accept, messages all ways, add a member
//! (reads from joining on), remove one (cannot read afterwards, proven with its own keys),
//! leave, promote, admin-only changes with a forged one rejected, and the 101st member.

mod common;
use common::*;
use session_sdk::client::GroupChange;
use session_sdk::client::GroupState;
use session_sdk::client::{Client, Event};
use session_sdk::config::group::keys::GroupKeys;
use session_sdk::identity::{AccountId, IdPrefix};
use session_sdk::wire::group_message::{self, GroupMessageRandomness};
use session_sdk::wire::proto::{group_update_info_change_message, Content, DataMessage, GroupUpdateInfoChangeMessage, GroupUpdateMessage};
use session_sdk::ErrorKind;
use std::time::Duration;

const T: Duration = Duration::from_secs(60);

fn invited(c: &Client) -> String {
    match wait_for(c, T, "group invite", |e| matches!(e, Event::GroupInvite { .. })) {
        Event::GroupInvite { group_id, .. } => group_id,
        _ => unreachable!(),
    }
}

fn group_update(c: &Client, change: GroupChange) -> Event {
    wait_for(c, T, &format!("group update {change:?}"), |e| matches!(e, Event::GroupUpdate { change: ch, .. } if *ch == change))
}

/// Every ns-11 message of the group as stored on one of its swarm members (read from the node's
/// database, as an outside observer would see the swarm).
fn stored_group_messages(net: &session_node::testnet::TestnetHandle, group: &str) -> Vec<Vec<u8>> {
    let acct = AccountId::parse_with(group, IdPrefix::Group).unwrap();
    let node = net.nodes_for(&acct)[0];
    let db = rusqlite::Connection::open(net.data_dir().join(format!("node-{node:02}/storage.db"))).unwrap();
    let mut st = db.prepare("SELECT data FROM messages WHERE owner = ?1 AND namespace = 11 ORDER BY id").unwrap();
    st.query_map([group], |r| r.get::<_, Vec<u8>>(0)).unwrap().map(|r| r.unwrap()).collect()
}

#[test]
fn a_group_lives_through_its_whole_life() {
    let net = shared_testnet();
    let alice = started(config(net, "g-alice"));
    let bob = started(config(net, "g-bob"));
    let carol = started(config(net, "g-carol"));
    let (a, b, c) = (alice.session_id().to_hex(), bob.session_id().to_hex(), carol.session_id().to_hex());

    // Create and invite; invitees accept.
    let gid = alice.create_group("Hikers", Some("weekend trips"), &[&b, &c]).unwrap();
    assert!(gid.starts_with("03"));
    for m in [&bob, &carol] {
        assert_eq!(invited(m), gid);
        assert_eq!(m.groups().unwrap()[0].state, GroupState::Invited);
        m.group_accept_invite(&gid).unwrap();
    }
    for m in [&bob, &carol] {
        group_update(m, GroupChange::Ready);
        wait_until(T, "the member has the group's key and name", || {
            m.groups().unwrap().iter().any(|g| g.id == gid && g.name.as_deref() == Some("Hikers") && g.member_count == 3)
        });
    }

    // Messages all ways, each stored once in the group swarm.
    let before = stored_group_messages(net, &gid).len();
    alice.send_text(&gid, "from alice").unwrap();
    bob.send_text(&gid, "from bob").unwrap();
    carol.send_text(&gid, "from carol").unwrap();
    for (who, texts) in [(&alice, ["from bob", "from carol"]), (&bob, ["from alice", "from carol"]), (&carol, ["from alice", "from bob"])] {
        let got = received_all(who, T, &texts.map(String::from));
        assert!(got.iter().all(|m| m.conversation == gid));
    }
    wait_until(T, "three messages stored", || stored_group_messages(net, &gid).len() >= before + 3);

    // Add dave: he reads from joining on, not history.
    let dave = started(config(net, "g-dave"));
    let d = dave.session_id().to_hex();
    alice.group_invite(&gid, &[&d]).unwrap();
    assert_eq!(invited(&dave), gid);
    dave.group_accept_invite(&gid).unwrap();
    wait_until(T, "dave has the group", || dave.groups().unwrap().iter().any(|g| g.member_count == 4));
    bob.send_text(&gid, "welcome dave").unwrap();
    received_text(&dave, T, "welcome dave");
    assert!(
        dave.history(&gid, 0, 50).unwrap().iter().all(|m| m.body.as_deref() != Some("from alice")),
        "dave read history from before he joined"
    );

    // Remove carol: keys rotate; she is told; she cannot read what follows, even with her keys.
    alice.group_remove(&gid, &[&c]).unwrap();
    group_update(&carol, GroupChange::Kicked);
    alice.send_text(&gid, "carol is gone").unwrap();
    received_text(&bob, T, "carol is gone");
    let stored = stored_group_messages(net, &gid);
    let secret = stored
        .iter()
        .rev()
        .find(|d| {
            bob.group_decrypt_raw(&gid, d).is_ok_and(|(_, c)| c.data_message.and_then(|m| m.body).as_deref() == Some("carol is gone"))
        })
        .expect("the message is in the swarm")
        .clone();
    let e = carol.group_decrypt_raw(&gid, &secret).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::DecryptionFailed, "{e}");
    assert!(carol.history(&gid, 0, 50).unwrap().iter().all(|m| m.body.as_deref() != Some("carol is gone")));
    assert!(alice.group_members(&gid).unwrap().iter().all(|m| m.session_id != c));

    // Only admins change the group: locally refused…
    assert_eq!(bob.group_rename(&gid, "Bob's").unwrap_err().kind(), ErrorKind::PermissionDenied);
    assert_eq!(bob.group_remove(&gid, &[&a]).unwrap_err().kind(), ErrorKind::PermissionDenied);
    // …and a forged change (dave signs a rename with his own key) is rejected by every member.
    forge_rename(&dave, &gid, "pwned");
    alice.send_text(&gid, "after the forgery").unwrap();
    for m in [&bob, &dave] {
        received_text(m, T, "after the forgery");
    }
    for m in [&alice, &bob, &dave] {
        assert_eq!(m.groups().unwrap().iter().find(|g| g.id == gid).unwrap().name.as_deref(), Some("Hikers"));
        while let Some(e) = m.next_event(Duration::from_millis(20)) {
            assert!(!matches!(e, Event::GroupUpdate { change: GroupChange::Renamed, .. }), "a forged rename was accepted: {e:?}");
        }
    }

    // Promote bob; he renames; everyone sees it.
    alice.group_promote(&gid, &b).unwrap();
    wait_until(T, "bob is an admin", || bob.groups().unwrap().iter().any(|g| g.id == gid && g.is_admin));
    bob.group_rename(&gid, "Hikers & Bikers").unwrap();
    for m in [&alice, &dave] {
        wait_until(T, "the new name", || m.groups().unwrap().iter().any(|g| g.name.as_deref() == Some("Hikers & Bikers")));
    }

    // Dave leaves; an admin removes him and rotates keys.
    dave.group_leave(&gid).unwrap();
    assert_eq!(dave.groups().unwrap()[0].state, GroupState::Left);
    group_update(&alice, GroupChange::MemberLeft);
    wait_until(T, "dave removed", || alice.group_members(&gid).unwrap().iter().all(|m| m.session_id != d));
    assert_eq!(alice.group_members(&gid).unwrap().len(), 2);
}

/// Dave, a plain member, builds a rename signed with his own key (not the group's) and stores it
/// in the group swarm with his own, valid member credentials.
fn forge_rename(dave: &Client, gid: &str, name: &str) {
    let rec = dave.store().group(gid).unwrap().unwrap();
    let keys = GroupKeys::from_dump(rec.keys_dump.as_deref().unwrap()).unwrap();
    let key = keys.encryption_key().unwrap();
    let ts = session_sdk::clock::local_now_ms() as u64;
    let kind = group_update_info_change_message::Type::Name as i32;
    let forged_sig = dave.identity().sign(&group_message::info_change_signed_bytes(kind, ts));
    let content = Content {
        data_message: Some(DataMessage {
            group_update_message: Some(GroupUpdateMessage {
                info_change_message: Some(GroupUpdateInfoChangeMessage {
                    r#type: kind,
                    updated_name: Some(name.into()),
                    updated_expiration: None,
                    admin_signature: forged_sig.to_vec(),
                }),
                ..Default::default()
            }),
            ..Default::default()
        }),
        sig_timestamp: Some(ts),
        ..Default::default()
    };
    use prost::Message;
    let data =
        group_message::encode_for_group(dave.identity(), &key, &content.encode_to_vec(), ts, &GroupMessageRandomness::random()).unwrap();
    let signer = session_sdk::crypto::subaccount::SubaccountSigner::new(dave.identity(), rec.auth_data.as_deref().unwrap()).unwrap();
    let acct = AccountId::parse_with(gid, IdPrefix::Group).unwrap();
    let net = dave.network();
    session_sdk::client::runtime::runtime()
        .unwrap()
        .block_on(net.swarm_rpc(&acct, &|_, now| {
            signer.with_rpc_signer(|s| session_sdk::wire::rpc::store(&acct, 11, &data, 3_600_000, now, Some(s)))
        }))
        .expect("a member may store to the group's message namespace");
}

#[test]
fn the_101st_member_is_refused() {
    let net = shared_testnet();
    let alice = started(config(net, "g101-alice"));
    let ids: Vec<String> = (0..100).map(|_| session_sdk::Identity::generate().session_id().to_hex()).collect();
    let refs: Vec<&str> = ids.iter().map(String::as_str).collect();
    assert_eq!(alice.create_group("Too big", None, &refs).unwrap_err().kind(), ErrorKind::GroupFull);
    let gid = alice.create_group("Full", None, &refs[..99]).unwrap();
    assert_eq!(alice.group_members(&gid).unwrap().len(), 100);
    let extra = session_sdk::Identity::generate().session_id().to_hex();
    assert_eq!(alice.group_invite(&gid, &[&extra]).unwrap_err().kind(), ErrorKind::GroupFull);
}
