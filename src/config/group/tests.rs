//! An admin and its members: fields, limits, signatures, sync and dumps of both group configs.

use super::*;
use crate::config::group::keys::GroupKeys;
use crate::config::group::keys_message::KeysRole;
use crate::identity::IdPrefix;
use crate::identity::Identity;

struct Admin {
    key: GroupAdminKey,
    keys: GroupKeys,
    info: GroupInfo,
    members: GroupMembers,
}

fn new_group(n_members: usize) -> (Admin, Vec<Identity>) {
    let key = GroupAdminKey::generate();
    let me = Identity::generate();
    let others: Vec<Identity> = (0..n_members).map(|_| Identity::generate()).collect();
    let mut members = GroupMembers::new(key.public_key(), Some(&key));
    let mut m = Member::new(me.session_id());
    m.admin = true;
    m.name = "Admin".into();
    members.set(&m).unwrap();
    for o in &others {
        members.set(&Member::new(o.session_id())).unwrap();
    }
    let mut info = GroupInfo::new(key.public_key(), Some(&key));
    info.set_name("Test group").unwrap();
    info.set_created(1_700_000_000).unwrap();
    let mut keys = GroupKeys::new();
    let r = keys.rekey(&key, &members.session_ids()).unwrap();
    keys.load_message("k0", &r, 1_000, key.public_key(), KeysRole::Admin(&key)).unwrap();
    info.set_keys(&keys, true).unwrap();
    members.set_keys(&keys, true).unwrap();
    (Admin { key, keys, info, members }, others)
}

#[test]
fn info_fields_and_limits() {
    let (mut a, _) = new_group(0);
    let info = &mut a.info;
    assert_eq!(info.name().as_deref(), Some("Test group"));
    assert_eq!(info.set_name(&"x".repeat(101)).unwrap_err().kind(), ErrorKind::TooLarge);
    info.set_name(&"é".repeat(50)).unwrap();
    assert_eq!(info.set_description(&"y".repeat(2001)).unwrap_err().kind(), ErrorKind::TooLarge);
    info.set_description("about").unwrap();
    info.set_expiry_timer(3600).unwrap();
    info.set_delete_before(10).unwrap();
    info.set_delete_attachments_before(11).unwrap();
    info.set_profile_pic(Some(("http://x/y", &[1u8; 32]))).unwrap();
    assert_eq!(info.description().as_deref(), Some("about"));
    assert_eq!(info.expiry_timer(), Some(3600));
    assert_eq!(info.delete_before(), Some(10));
    assert_eq!(info.delete_attachments_before(), Some(11));
    assert_eq!(info.created(), Some(1_700_000_000));
    assert_eq!(info.profile_pic(), Some(("http://x/y".to_string(), [1u8; 32])));
    info.set_expiry_timer(0).unwrap();
    assert_eq!(info.expiry_timer(), None);
    info.set_profile_pic(None).unwrap();
    assert_eq!(info.profile_pic(), None);
    assert!(!info.is_destroyed());
    info.destroy_group().unwrap();
    assert!(info.is_destroyed());
    assert_eq!(info.group_id().prefix(), IdPrefix::Group);
}

#[test]
fn member_records_and_the_limit() {
    let (mut a, others) = new_group(98);
    assert_eq!(a.members.len(), 99);
    let extra = Identity::generate().session_id();
    a.members.set(&Member::new(extra)).unwrap();
    assert_eq!(a.members.len(), CLOSED_GROUP_SIZE_LIMIT);
    let e = a.members.set(&Member::new(Identity::generate().session_id())).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::GroupFull);
    // Updating an existing member at the limit is fine.
    let mut m = a.members.get(&others[0].session_id()).unwrap();
    assert_eq!(m.invite_status, STATUS_NOT_SENT);
    m.invite_status = STATUS_SENT;
    m.supplement = true;
    m.name = "Bob".into();
    a.members.set(&m).unwrap();
    assert_eq!(a.members.get(&others[0].session_id()).unwrap(), m);
    // Accepting clears I; supplement only shows while the invite is pending.
    m.invite_status = 0;
    a.members.set(&m).unwrap();
    let got = a.members.get(&others[0].session_id()).unwrap();
    assert_eq!((got.invite_status, got.supplement), (0, false));
    // Admins have no invite status; promotion status is kept.
    m.admin = true;
    m.invite_status = STATUS_SENT;
    m.promotion_status = STATUS_SENT;
    a.members.set(&m).unwrap();
    let got = a.members.get(&others[0].session_id()).unwrap();
    assert_eq!((got.admin, got.invite_status, got.promotion_status), (true, 0, STATUS_SENT));
    let mut long = Member::new(extra);
    long.name = "n".repeat(101);
    assert_eq!(a.members.set(&long).unwrap_err().kind(), ErrorKind::TooLarge);
    // Erase frees a slot; sorted IDs.
    assert!(a.members.erase(&extra).unwrap());
    assert!(!a.members.erase(&extra).unwrap());
    a.members.set(&Member::new(Identity::generate().session_id())).unwrap();
    let ids = a.members.session_ids();
    assert!(ids.windows(2).all(|w| w[0] < w[1]));
    assert_eq!(ids.len(), 100);
}

#[test]
fn admin_to_member_sync_forgery_and_removal() {
    let (mut a, others) = new_group(2);
    let (bob, carol) = (&others[0], &others[1]);
    let pk = *a.key.public_key();
    // Push keys, info and members as the admin would.
    let info_push = a.info.config_mut().push().unwrap();
    let mem_push = a.members.config_mut().push().unwrap();
    a.info.config_mut().confirm_pushed(info_push.seqno, "i1");
    a.members.config_mut().confirm_pushed(mem_push.seqno, "m1");
    let r0 = a.keys.pending_config().map(<[u8]>::to_vec);
    assert!(r0.is_none(), "the admin already loaded its rekey back");

    // Bob: keys first, then info/members.
    let mut bob_keys = GroupKeys::new();
    let k0 = crate::config::group::keys_message::build_rekey(&a.key, &a.members.session_ids(), 0).unwrap().0;
    assert!(bob_keys.load_message("k0", &k0, 1_000, &pk, KeysRole::Member(bob)).unwrap());
    let mut bob_info = GroupInfo::new(&pk, None);
    let mut bob_members = GroupMembers::new(&pk, None);
    bob_info.set_keys(&bob_keys, false).unwrap();
    bob_members.set_keys(&bob_keys, false).unwrap();
    assert_eq!(bob_info.config_mut().merge(&[("i1".into(), info_push.data.clone())]).unwrap(), vec!["i1".to_string()]);
    bob_members.config_mut().merge(&[("m1".into(), mem_push.data.clone())]).unwrap();
    assert_eq!(bob_info.name().as_deref(), Some("Test group"));
    assert_eq!(bob_members.len(), 3);
    // Bob cannot edit, and a message he forges with his own "group" key is ignored by Carol.
    assert_eq!(bob_info.set_name("Bob's").unwrap_err().kind(), ErrorKind::PermissionDenied);
    let fake = GroupAdminKey::generate();
    let mut forged = GroupInfo::new(&pk, Some(&fake));
    forged.set_keys(&bob_keys, false).unwrap();
    forged.set_name("Hijacked").unwrap();
    let forged_push = forged.config_mut().push().unwrap();
    let mut carol_keys = GroupKeys::new();
    carol_keys.load_message("k0", &k0, 1_000, &pk, KeysRole::Member(carol)).unwrap();
    let mut carol_info = GroupInfo::new(&pk, None);
    carol_info.set_keys(&carol_keys, false).unwrap();
    let got = carol_info.config_mut().merge(&[("i1".into(), info_push.data.clone()), ("f".into(), forged_push.data)]).unwrap();
    assert_eq!(got, vec!["i1".to_string()]);
    assert_eq!(carol_info.name().as_deref(), Some("Test group"));

    // Remove Carol: erase, rekey, re-push under the new key. Carol cannot read it.
    a.members.erase(&carol.session_id()).unwrap();
    let r1 = a.keys.rekey(&a.key, &a.members.session_ids()).unwrap();
    a.info.set_keys(&a.keys, true).unwrap();
    a.members.set_keys(&a.keys, true).unwrap();
    a.info.set_name("Renamed").unwrap();
    let info2 = a.info.config_mut().push().unwrap();
    carol_keys.load_message("k1", &r1, 2_000, &pk, KeysRole::Member(carol)).unwrap();
    carol_info.set_keys(&carol_keys, false).unwrap();
    assert!(carol_info.config_mut().merge(&[("i2".into(), info2.data.clone())]).unwrap().is_empty());
    assert_eq!(carol_info.name().as_deref(), Some("Test group"));
    bob_keys.load_message("k1", &r1, 2_000, &pk, KeysRole::Member(bob)).unwrap();
    bob_info.set_keys(&bob_keys, false).unwrap();
    bob_info.config_mut().merge(&[("i2".into(), info2.data)]).unwrap();
    assert_eq!(bob_info.name().as_deref(), Some("Renamed"));

    // Promotion: Bob gets the seed and can edit.
    let seed_holder = GroupAdminKey::from_seed(a.key.seed());
    bob_info.set_admin(&seed_holder);
    bob_info.set_description("now admin").unwrap();
    assert!(bob_info.config().needs_push());
}

#[test]
fn dumps_round_trip() {
    let (mut a, _) = new_group(3);
    let d = a.members.config_mut().dump();
    let back = GroupMembers::from_dump(a.key.public_key(), Some(&a.key), &d).unwrap();
    assert_eq!(back.members(), a.members.members());
    let d = a.info.config_mut().dump();
    let back = GroupInfo::from_dump(a.key.public_key(), None, &d).unwrap();
    assert_eq!(back.name(), a.info.name());
    assert!(GroupInfo::from_dump(a.key.public_key(), None, b"junk").is_err());
}
