//! Attachments end to end on the testnet: small and exact-10 MB files, the 11 MB refusal, JPEG
//! metadata removal, a tampered blob, a download after the sender went offline, progress events,
//! cancellation.

mod common;
mod fixtures {
    include!("fixtures/gps_jpeg.rs");
}
use common::*;
use session_sdk::client::{AttachmentState, Message, MessageState};
use session_sdk::client::{Client, Event, OutgoingFile};
use session_sdk::ErrorKind;
use std::time::{Duration, Instant};

const T: Duration = Duration::from_secs(60);

fn file(data: Vec<u8>, name: &str, ctype: &str) -> OutgoingFile {
    OutgoingFile { data, file_name: Some(name.into()), content_type: Some(ctype.into()), caption: None, voice_note: false }
}

/// Pseudo-random bytes (fast to make, incompressible enough to be honest).
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

/// Wait for the message with an attachment to arrive; returns it and the events seen meanwhile.
fn received_attachment(c: &Client) -> (Message, Vec<Event>) {
    let deadline = Instant::now() + T;
    let mut seen = vec![];
    while Instant::now() < deadline {
        if let Some(e) = c.next_event(Duration::from_millis(100)) {
            if let Event::MessageReceived { message, .. } = &e {
                if !message.attachments.is_empty() {
                    return (message.clone(), seen);
                }
            }
            seen.push(e);
        }
    }
    panic!("no attachment message arrived");
}

/// Wait for the sender's message to be sent, collecting its events.
fn sent(c: &Client, id: i64) -> Vec<Event> {
    let deadline = Instant::now() + T;
    let mut seen = vec![];
    while Instant::now() < deadline {
        if let Some(e) = c.next_event(Duration::from_millis(100)) {
            let done = matches!(&e, Event::MessageState { message_id, state: MessageState::Sent, .. } if *message_id == id);
            let failed = matches!(&e, Event::MessageState { message_id, state: MessageState::Failed, .. } if *message_id == id);
            seen.push(e);
            if done {
                return seen;
            }
            assert!(!failed, "message {id} failed: {seen:#?}");
        }
    }
    panic!("message {id} was not sent; events: {seen:#?}");
}

fn pair(tag: &str) -> (Client, Client) {
    let net = shared_testnet();
    let a = started(config(net, &format!("{tag}-a")));
    let b = started(config(net, &format!("{tag}-b")));
    b.add_contact(&a.session_id().to_hex(), None).unwrap();
    (a, b)
}

#[test]
fn a_small_file_round_trips_with_progress_events() {
    let (a, b) = pair("att-small");
    let data = noise(200_000, 1);
    let mut f = file(data.clone(), "notes.bin", "application/octet-stream");
    f.caption = Some("here you go".into());
    let id = a.send_file(&b.session_id().to_hex(), f).unwrap();
    let events = sent(&a, id);
    let up: Vec<_> = events.iter().filter(|e| matches!(e, Event::AttachmentProgress { upload: true, .. })).collect();
    assert!(!up.is_empty(), "upload progress was reported");
    assert!(up.len() < 40, "progress is rate-limited, not one event per chunk ({})", up.len());
    assert!(matches!(up.last().unwrap(), Event::AttachmentProgress { done, total, .. } if done == total));
    assert!(events.iter().any(|e| matches!(e, Event::AttachmentDone { upload: true, message_id, .. } if *message_id == id)));

    let (m, _) = received_attachment(&b);
    assert_eq!(m.body.as_deref(), Some("here you go"));
    let info = &m.attachments[0];
    assert_eq!(
        (info.file_name.as_deref(), info.content_type.as_deref(), info.size),
        (Some("notes.bin"), Some("application/octet-stream"), 200_000)
    );
    assert_eq!(info.state, AttachmentState::Remote);
    assert!(info.url.as_deref().unwrap().contains("/file/"));

    // Background download to a path, with progress and a done event.
    let dest = temp_dir("att-small-dl").join("notes.bin");
    b.start_download(m.id, 0, Some(dest.clone())).unwrap();
    let mut down_progress = 0;
    loop {
        match wait_for(&b, T, "download events", |e| {
            matches!(e, Event::AttachmentProgress { upload: false, .. } | Event::AttachmentDone { .. } | Event::AttachmentFailed { .. })
        }) {
            Event::AttachmentProgress { .. } => down_progress += 1,
            Event::AttachmentDone { path, upload: false, .. } => {
                assert_eq!(path.as_deref(), Some(dest.to_str().unwrap()));
                break;
            }
            other => panic!("{other:?}"),
        }
    }
    assert!(down_progress >= 1);
    assert_eq!(std::fs::read(&dest).unwrap(), data);
    assert_eq!(b.message(m.id).unwrap().attachments[0].state, AttachmentState::Downloaded);
    // And as bytes (from the verified cache).
    assert_eq!(b.download_attachment(m.id, 0).unwrap(), data);
    assert_eq!(b.download_attachment(m.id, 7).unwrap_err().kind(), ErrorKind::NotFound);
}

#[test]
fn an_exact_10_mb_file_is_sent_and_11_mb_is_refused_before_upload() {
    let (a, b) = pair("att-10mb");
    let bob = b.session_id().to_hex();
    let big = noise(session_sdk::crypto::attachment::MAX_ATTACHMENT_SIZE, 2);
    let t0 = Instant::now();
    let id = a.send_file(&bob, file(big.clone(), "ten.bin", "application/octet-stream")).unwrap();
    sent(&a, id);
    let (m, _) = received_attachment(&b);
    let got = b.download_attachment(m.id, 0).unwrap();
    assert!(got == big, "10 MB file differs after the round trip");
    eprintln!("10 MB encrypt+upload+send+receive+download+decrypt (debug build): {:?}", t0.elapsed());

    let before = a.network().stats().onion_requests;
    let e = a.send_file(&bob, file(vec![0u8; 11_000_000], "eleven.bin", "application/octet-stream")).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::TooLarge);
    let p = temp_dir("att-11mb").join("eleven.bin");
    std::fs::write(&p, vec![0u8; 11_000_000]).unwrap();
    assert_eq!(a.send_file_path(&bob, &p, None).unwrap_err().kind(), ErrorKind::TooLarge);
    std::thread::sleep(Duration::from_millis(500));
    assert!(a.network().stats().onion_requests - before < 6, "no upload was attempted");
    assert!(a.history(&bob, 0, 10).unwrap().len() == 1, "the refused file left no message behind");
}

#[test]
fn jpeg_metadata_is_removed_before_sending() {
    let (a, b) = pair("att-exif");
    let jpeg = fixtures::jpeg_with_gps();
    assert!(fixtures::has_gps(&jpeg));
    let id = a.send_file(&b.session_id().to_hex(), file(jpeg, "holiday.jpg", "image/jpeg")).unwrap();
    sent(&a, id);
    let (m, _) = received_attachment(&b);
    assert_eq!((m.attachments[0].width, m.attachments[0].height), (Some(64), Some(48)));
    let got = b.download_attachment(m.id, 0).unwrap();
    assert!(!fixtures::has_gps(&got), "GPS tags reached the recipient");
    assert_eq!(fixtures::decoded_size(&got), (64, 48));
}

#[test]
fn a_tampered_blob_is_rejected_and_nothing_partial_appears() {
    let net = shared_testnet();
    let (a, b) = pair("att-tamper");
    let id = a.send_file(&b.session_id().to_hex(), file(noise(50_000, 3), "x.bin", "application/octet-stream")).unwrap();
    sent(&a, id);
    let (m, _) = received_attachment(&b);
    let file_id = m.attachments[0].url.as_deref().unwrap().rsplit('/').next().unwrap().to_string();
    // Flip a byte of the stored blob on the file server.
    let db = rusqlite::Connection::open(net.data_dir().join("fileserver/files.db")).unwrap();
    let mut blob: Vec<u8> = db.query_row("SELECT data FROM files WHERE id = ?1", [&file_id], |r| r.get(0)).unwrap();
    blob[100] ^= 0x55;
    db.execute("UPDATE files SET data = ?2 WHERE id = ?1", rusqlite::params![file_id, blob]).unwrap();
    let e = b.download_attachment(m.id, 0).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::DecryptionFailed, "{e}");
    let dest = temp_dir("att-tamper-dl").join("x.bin");
    assert!(b.save_attachment(m.id, 0, &dest).is_err());
    assert!(!dest.exists(), "a failed download left a file");
    assert_eq!(b.message(m.id).unwrap().attachments[0].state, AttachmentState::Remote);
    // Truncated: also refused.
    db.execute("UPDATE files SET data = substr(data, 1, 1000) WHERE id = ?1", [&file_id]).unwrap();
    assert_eq!(b.download_attachment(m.id, 0).unwrap_err().kind(), ErrorKind::DecryptionFailed);
}

#[test]
fn download_works_after_the_sender_is_offline() {
    let (a, b) = pair("att-offline");
    let data = noise(300_000, 4);
    let id = a.send_file(&b.session_id().to_hex(), file(data.clone(), "later.bin", "application/octet-stream")).unwrap();
    sent(&a, id);
    a.stop().unwrap();
    drop(a);
    let (m, _) = received_attachment(&b);
    assert_eq!(b.download_attachment(m.id, 0).unwrap(), data);
}

#[test]
fn cancelling_an_upload_fails_the_message_and_nothing_is_sent() {
    let net = shared_testnet();
    // A client whose uploads cannot start yet (stopped), so cancellation hits the pending upload.
    let a = Client::new(config(net, "att-cancel-a")).unwrap();
    let b = started(config(net, "att-cancel-b"));
    let id = a.send_file(&b.session_id().to_hex(), file(noise(100_000, 5), "c.bin", "application/octet-stream")).unwrap();
    a.cancel_transfer(id, 0).unwrap();
    assert_eq!(a.message(id).unwrap().state, MessageState::Failed);
    assert_eq!(a.message(id).unwrap().attachments[0].state, AttachmentState::UploadFailed);
    assert_eq!(a.cancel_transfer(id, 0).unwrap_err().kind(), ErrorKind::NotFound);
    a.start().unwrap();
    std::thread::sleep(Duration::from_secs(2));
    while let Some(e) = b.next_event(Duration::from_millis(50)) {
        assert!(!matches!(e, Event::MessageReceived { .. }), "a cancelled file was delivered");
    }
    assert_eq!(a.store().outbox_len().unwrap(), 0);
}

#[test]
fn profile_pictures_travel_with_messages_and_to_other_devices() {
    let (a, b) = pair("avatar");
    let (a_id, b_id) = (a.session_id().to_hex(), b.session_id().to_hex());
    assert_eq!(a.profile_picture(None).unwrap(), None, "no picture yet");
    assert_eq!(b.profile_picture(Some(&a_id)).unwrap(), None);
    let jpeg = fixtures::jpeg_with_gps();
    a.set_profile_picture(Some(&jpeg)).unwrap();
    let mine = a.profile_picture(None).unwrap().expect("our picture");
    assert!(!fixtures::has_gps(&mine), "the uploaded picture kept its GPS tags");
    assert_eq!(fixtures::decoded_size(&mine), (64, 48));

    // It travels with the next message, with its key.
    a.send_text(&b_id, "see my picture").unwrap();
    received_text(&b, T, "see my picture");
    assert_eq!(b.profile_picture(Some(&a_id)).unwrap().as_deref(), Some(&mine[..]));

    // A device restored from the phrase finds it in the synced profile.
    let mut c2 = config(shared_testnet(), "avatar-a2");
    c2.identity = session_sdk::client::IdentitySource::Mnemonic(zeroize::Zeroizing::new(a.mnemonic()));
    let a2 = started(c2);
    wait_for(&a2, T, "synced profile", |e| matches!(e, Event::ProfileChanged { .. }));
    assert_eq!(a2.profile_picture(None).unwrap().as_deref(), Some(&mine[..]));

    // Removing it removes it here and on the other device; bad input has its own errors.
    a.set_profile_picture(None).unwrap();
    assert_eq!(a.profile_picture(None).unwrap(), None);
    wait_until(T, "removal on device 2", || a2.profile_picture(None).unwrap().is_none());
    assert_eq!(a.set_profile_picture(Some(&[])).unwrap_err().kind(), ErrorKind::InvalidArgument);
    assert_eq!(a.set_profile_picture(Some(&vec![0u8; 10_000_001])).unwrap_err().kind(), ErrorKind::TooLarge);
    assert_eq!(b.profile_picture(Some("05nope")).unwrap_err().kind(), ErrorKind::InvalidSessionId);
}
