//! Encrypted backups end to end: a busy account (10,000 messages across 1:1s and a group, 50 MB
//! of received files) backed up while it receives, restored into a new directory with another
//! PIN, and compared; messages sent after the backup reach the restored client once each; a
//! pending upload in a backup is sent by the restored client; every bad input fails with its
//! code and leaves nothing behind.

mod common;
use common::*;
use session_sdk::client::{backup_inspect, backup_restore, Client, ClientConfig, Event, NetworkConfig, OutgoingFile};
use session_sdk::ErrorKind;
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::time::Duration;

const T: Duration = Duration::from_secs(90);
const PASS: &str = "correct horse battery staple";

fn noise(n: usize, seed: u32) -> Vec<u8> {
    let mut x = seed.wrapping_mul(2654435761) | 1;
    (0..n)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 17;
            x ^= x << 5;
            x as u8
        })
        .collect()
}

fn no_progress() -> impl FnMut(u64, u64) -> bool {
    |_, _| true
}

/// A message as compared: sender, sent time, body, attachment count.
type Line = (String, i64, Option<String>, usize);
/// Conversations with their messages, contacts, groups (ID and name).
type Account = (BTreeMap<String, Vec<Line>>, Vec<String>, Vec<(String, Option<String>)>);

/// Everything a user would compare.
fn snapshot(c: &Client) -> Account {
    let mut convos = BTreeMap::new();
    for conv in c.conversations().unwrap() {
        let mut all = vec![];
        let mut before = 0;
        loop {
            let page = c.history(&conv.id, before, 1000).unwrap();
            if page.is_empty() {
                break;
            }
            before = page.last().unwrap().id;
            all.extend(page.into_iter().map(|m| (m.sender, m.sent_ts, m.body, m.attachments.len())));
        }
        convos.insert(conv.id, all);
    }
    let contacts = c.contacts().unwrap().into_iter().map(|c| c.session_id).collect();
    let groups = c.groups().unwrap().into_iter().map(|g| (g.id, g.name)).collect();
    (convos, contacts, groups)
}

fn restore_dir(tag: &str) -> PathBuf {
    temp_dir(tag).join("restored")
}

#[test]
fn a_busy_account_is_backed_up_while_receiving_and_restored_with_another_pin() {
    let net = shared_testnet();
    let mut acfg = config(net, "backup-alice");
    acfg.pin = Some("1111".to_string().into());
    acfg.auto_accept_requests = true;
    let alice = started(acfg.clone());
    let bob = started(config(net, "backup-bob"));
    let alice_id = alice.session_id().to_hex();
    let me = alice_id.clone();

    // 10,000 messages of history across 20 one-to-one conversations.
    for k in 0..20u8 {
        let peer = format!("05{}", hex::encode([k + 1; 32]));
        let msgs: Vec<(i64, String, bool)> = (0..500).map(|i| (1_700_000_000_000 + i * 1000, format!("old {k}/{i}"), i % 3 == 0)).collect();
        assert_eq!(alice.store().import_history(&peer, &me, &msgs).unwrap(), 500);
    }
    // Real traffic: a contact, a group, and 50 MB of received files, downloaded (so cached).
    bob.send_text(&alice_id, "hello alice").unwrap();
    received_text(&alice, T, "hello alice");
    let group = alice.create_group("Backups", Some("a group to keep"), &[&bob.session_id().to_hex()]).unwrap();
    wait_for(&bob, T, "the invite", |e| matches!(e, Event::GroupInvite { .. }));
    alice.send_text(&group, "in the group").unwrap();
    let mut files = vec![];
    for i in 0..5u32 {
        let data = noise(10_000_000, i + 1);
        let f = OutgoingFile { data: data.clone(), file_name: Some(format!("f{i}.bin")), ..Default::default() };
        bob.send_file(&alice_id, f).unwrap();
        files.push(data);
    }
    let mut got = vec![];
    while got.len() < files.len() {
        if let Event::MessageReceived { message, .. } =
            wait_for(&alice, T, "a file", |e| matches!(e, Event::MessageReceived { message, .. } if !message.attachments.is_empty()))
        {
            got.push(message.id);
        }
    }
    for id in &got {
        let bytes = alice.download_attachment(*id, 0).unwrap();
        assert!(files.contains(&bytes));
    }

    // A cancelled backup leaves no file.
    let dir = temp_dir("backup-files");
    let file = dir.join("alice.ssdkbackup");
    std::thread::scope(|s| {
        let h = s.spawn(|| alice.backup_create_fast(&file, PASS));
        wait_for(&alice, T, "backup progress", |e| matches!(e, Event::BackupProgress { .. }));
        alice.cancel_backup();
        assert_eq!(h.join().unwrap().unwrap_err().kind(), ErrorKind::Cancelled);
    });
    assert!(!file.exists());
    assert_eq!(std::fs::read_dir(&dir).unwrap().count(), 0, "no partial file");

    // Backed up while bob keeps writing.
    let during: Vec<String> = (0..20).map(|i| format!("during backup {i}")).collect();
    let info = std::thread::scope(|s| {
        s.spawn(|| {
            for t in &during {
                bob.send_text(&alice_id, t).unwrap();
                std::thread::sleep(Duration::from_millis(20));
            }
        });
        alice.backup_create_fast(&file, PASS).unwrap()
    });
    assert_eq!(info.session_id, alice_id);
    assert!(info.messages >= 10_000 + 1 + 5, "{info:?}");
    assert_eq!(info.files, 5);
    assert!(info.file_bytes >= 50_000_000);
    assert!(info.groups >= 1 && info.contacts >= 1);
    assert_eq!(backup_inspect(&file, PASS).unwrap(), info);

    // Messages sent after the backup was taken.
    let after: Vec<String> = (0..5).map(|i| format!("after backup {i}")).collect();
    for t in &after {
        bob.send_text(&alice_id, t).unwrap();
    }
    let everything: Vec<String> = during.iter().chain(&after).cloned().collect();
    received_all(&alice, T, &after);
    wait_until(T, "alice has every message", || {
        let h = alice.history(&bob.session_id().to_hex(), 0, 1000).unwrap();
        everything.iter().all(|t| h.iter().any(|m| m.body.as_deref() == Some(t.as_str())))
    });
    alice.stop().unwrap();
    let before = snapshot(&alice);

    // Restore elsewhere, with another PIN.
    let target = restore_dir("backup-restore");
    let mut reports = 0;
    let restored_info = backup_restore(&file, PASS, &target, Some("2222"), &mut |done, total| {
        assert!(done <= total);
        reports += 1;
        true
    })
    .unwrap();
    assert_eq!(restored_info, info);
    assert!(reports >= 1);
    let mut rcfg = ClientConfig::new(&target, acfg.network.clone());
    rcfg.poll_active = acfg.poll_active;
    rcfg.poll_idle = acfg.poll_idle;
    rcfg.pin = Some("1111".to_string().into());
    assert_eq!(Client::new(rcfg.clone()).err().unwrap().kind(), ErrorKind::WrongPin, "the old PIN does not open it");
    rcfg.pin = Some("2222".to_string().into());
    let restored = Client::new(rcfg).unwrap();
    assert_eq!(restored.session_id().to_hex(), alice_id);
    // Files come back without the network (the verified downloads were in the backup).
    for id in &got {
        assert!(files.contains(&restored.download_attachment(*id, 0).unwrap()));
    }
    let (convos, contacts, groups) = snapshot(&restored);
    assert_eq!(contacts, before.1);
    assert_eq!(groups, before.2);
    for (id, msgs) in &before.0 {
        if *id == bob.session_id().to_hex() {
            continue; // compared below, once it caught up
        }
        assert_eq!(convos.get(id), Some(msgs), "conversation {id}");
    }
    // The restored client fetches what arrived after the backup, once each.
    restored.start().unwrap();
    wait_until(T, "the restored client caught up", || {
        let h = restored.history(&bob.session_id().to_hex(), 0, 1000).unwrap();
        everything.iter().all(|t| h.iter().any(|m| m.body.as_deref() == Some(t.as_str())))
    });
    std::thread::sleep(Duration::from_secs(2)); // a few more polls: nothing may come twice
    let h = restored.history(&bob.session_id().to_hex(), 0, 1000).unwrap();
    let mut seen = BTreeSet::new();
    for m in &h {
        assert!(seen.insert((m.sender.clone(), m.sent_ts)), "duplicate message {:?}", m.body);
    }
    assert_eq!(h.len(), before.0[&bob.session_id().to_hex()].len());
    restored.stop().unwrap();
}

#[test]
fn a_pending_upload_in_a_backup_is_sent_by_the_restored_client() {
    let net = shared_testnet();
    let acfg = config(net, "backup-pending");
    let bob = started(config(net, "backup-pending-bob"));
    let data = noise(300_000, 9);
    let file = temp_dir("backup-pending-file").join("b.ssdkbackup");
    {
        // Queued while offline: the encrypted blob waits on disk for the uploader.
        let alice = Client::new(acfg.clone()).unwrap();
        let f = OutgoingFile { data: data.clone(), file_name: Some("later.bin".into()), ..Default::default() };
        alice.send_file(&bob.session_id().to_hex(), f).unwrap();
        let info = alice.backup_create_fast(&file, PASS).unwrap();
        assert_eq!(info.files, 1, "the pending blob is in the backup");
    }
    let target = restore_dir("backup-pending-restore");
    backup_restore(&file, PASS, &target, None, &mut no_progress()).unwrap();
    let mut rcfg = ClientConfig::new(&target, acfg.network.clone());
    rcfg.poll_active = acfg.poll_active;
    let restored = started(rcfg);
    let m = match wait_for(&bob, T, "the file", |e| matches!(e, Event::MessageReceived { message, .. } if !message.attachments.is_empty()))
    {
        Event::MessageReceived { message, .. } => message,
        _ => unreachable!(),
    };
    assert_eq!(bob.download_attachment(m.id, 0).unwrap(), data);
    restored.stop().unwrap();
}

/// A small account that needs no network.
fn small_account(tag: &str) -> (Client, PathBuf) {
    let cfg = ClientConfig::new(temp_dir(tag), NetworkConfig::mainnet());
    let c = Client::new(cfg).unwrap();
    c.set_display_name("Backed Up").unwrap();
    let me = c.session_id().to_hex();
    let peer = format!("05{}", hex::encode([7u8; 32]));
    c.store().import_history(&peer, &me, &[(1, "one".into(), false), (2, "two".into(), true)]).unwrap();
    let file = temp_dir(&format!("{tag}-file")).join("a.ssdkbackup");
    c.backup_create_fast(&file, PASS).unwrap();
    (c, file)
}

fn assert_nothing_at(target: &Path) {
    assert!(!target.exists(), "{} was created", target.display());
    let parent = target.parent().unwrap();
    let left: Vec<_> = std::fs::read_dir(parent).unwrap().map(|e| e.unwrap().file_name()).collect();
    assert!(left.is_empty(), "left behind: {left:?}");
}

#[test]
fn bad_input_fails_with_its_code_and_leaves_nothing() {
    let (c, file) = small_account("backup-bad");
    let good = std::fs::read(&file).unwrap();
    let restore = |bytes: &[u8], pass: &str| {
        let dir = temp_dir("backup-bad-case");
        let f = dir.join("x.ssdkbackup");
        std::fs::write(&f, bytes).unwrap();
        let target = dir.join("out").join("restored");
        std::fs::create_dir_all(target.parent().unwrap()).unwrap();
        let e = backup_restore(&f, pass, &target, None, &mut no_progress()).unwrap_err();
        assert_nothing_at(&target);
        e.kind()
    };
    assert_eq!(restore(&good, "wrong passphrase"), ErrorKind::WrongPin);
    assert_eq!(restore(&good[..good.len() - 1], PASS), ErrorKind::Malformed, "truncated");
    assert_eq!(restore(&good[..good.len() / 2], PASS), ErrorKind::Malformed, "truncated");
    let mut flipped = good.clone();
    let mid = good.len() / 2;
    flipped[mid] ^= 1;
    assert_eq!(restore(&flipped, PASS), ErrorKind::DecryptionFailed, "a flipped byte");
    let mut newer = good.clone();
    newer[8..10].copy_from_slice(&9u16.to_be_bytes());
    let sum = session_sdk::sodium::blake2b_n::<16>(None, &[&newer[..82]]);
    newer[82..98].copy_from_slice(&sum);
    assert_eq!(restore(&newer, PASS), ErrorKind::Unsupported, "a newer format");
    assert_eq!(restore(b"not a backup", PASS), ErrorKind::Malformed);
    // A target that is not empty is refused and left as it was.
    let target = temp_dir("backup-bad-target");
    std::fs::write(target.join("mine.txt"), b"keep me").unwrap();
    assert_eq!(backup_restore(&file, PASS, &target, None, &mut no_progress()).unwrap_err().kind(), ErrorKind::InvalidArgument);
    assert_eq!(std::fs::read(target.join("mine.txt")).unwrap(), b"keep me");
    assert_eq!(std::fs::read_dir(&target).unwrap().count(), 1);
    // A restore cancelled from its progress callback leaves nothing.
    let t2 = restore_dir("backup-bad-cancel");
    let e = backup_restore(&file, PASS, &t2, None, &mut |_, _| false).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Cancelled);
    assert_nothing_at(&t2);
    // A backup never overwrites a file, and an empty passphrase is refused.
    let e = c.backup_create_fast(&file, PASS).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::InvalidArgument);
    assert_eq!(std::fs::read(&file).unwrap(), good, "the existing file is untouched");
    let other = file.with_file_name("b.ssdkbackup");
    assert_eq!(c.backup_create_fast(&other, "").unwrap_err().kind(), ErrorKind::InvalidArgument);
    assert!(!other.exists());
    // A file that is not there, and a restore of a good file into an empty directory.
    assert_eq!(backup_inspect(&file.with_file_name("missing"), PASS).unwrap_err().kind(), ErrorKind::NotFound);
    let empty = temp_dir("backup-bad-empty");
    let info = backup_restore(&file, PASS, &empty, Some("9876"), &mut no_progress()).unwrap();
    assert_eq!(info.messages, 2);
    let mut cfg = ClientConfig::new(&empty, NetworkConfig::mainnet());
    cfg.pin = Some("9876".to_string().into());
    let r = Client::new(cfg).unwrap();
    assert_eq!(r.session_id(), c.session_id());
    assert_eq!(r.display_name().unwrap().as_deref(), Some("Backed Up"));
    assert_eq!(r.history(&format!("05{}", hex::encode([7u8; 32])), 0, 10).unwrap().len(), 2);
}
