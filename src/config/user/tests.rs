//! Two devices, literal libsession-util vectors (tests/test_config_userprofile.cpp and
//! friends) and the value rules of every user config.

use super::*;
use crate::config::ConfigValue;

fn ident(b: u8) -> Identity {
    Identity::from_seed(&[b; 32]).unwrap()
}

#[test]
fn profile_round_trips_between_two_devices_of_one_identity() {
    let (a, b) = (ident(1), ident(1));
    let mut dev1 = UserProfile::new(&a, None).unwrap();
    assert_eq!(dev1.name(), None);
    assert!(dev1.set_name("Kallie", 1_700_000_000).unwrap());
    assert!(!dev1.set_name("Kallie", 1_700_000_999).unwrap(), "an unchanged name is not a change");
    let key = [7u8; 32];
    dev1.set_profile_pic(Some(("http://example.org/omg-pic-123.bmp", &key)), 1_700_000_001).unwrap();
    let push = dev1.config_mut().push().unwrap();
    assert_eq!(push.seqno, 1);
    dev1.config_mut().confirm_pushed(push.seqno, "hash1");
    assert!(!dev1.config().needs_push());

    let mut dev2 = UserProfile::new(&b, None).unwrap();
    dev2.config_mut().merge(&[("hash1".into(), push.data.clone())]).unwrap();
    assert_eq!(dev2.name().as_deref(), Some("Kallie"));
    assert_eq!(dev2.profile_pic(), Some(("http://example.org/omg-pic-123.bmp".into(), key)));
    assert_eq!(dev2.config().seqno(), 1);
    assert_eq!(dev2.updated(), Some(1_700_000_001));
    assert!(!dev2.config().needs_push(), "adopting a single message needs no push");

    // Another identity cannot read it.
    let mut other = UserProfile::new(&ident(2), None).unwrap();
    assert!(other.config_mut().merge(&[("hash1".into(), push.data)]).unwrap().is_empty());
    assert_eq!(other.name(), None);

    assert!(matches!(dev2.set_name(&"x".repeat(101), 0), Err(e) if e.kind() == ErrorKind::TooLarge));
    // Dumps keep the state.
    let dump = dev2.config_mut().dump();
    let restored = UserProfile::new(&b, Some(&dump)).unwrap();
    assert_eq!(restored.name().as_deref(), Some("Kallie"));
}

// Literal vectors from libsession-util tests/test_config_userprofile.cpp: the seed
// 0123456789abcdef0123456789abcdef (16 bytes, zero-extended), the wrapped push of an empty
// profile, and the raw encrypted seqno-1 push after setting name, avatar and priority.
const SEED16: &str = "0123456789abcdef0123456789abcdef";
const EMPTY_PUSH_WRAPPED: &str = "080112ab030a0012001aa20308062801429b0326ec9746282053eb119228e6c36012966e7d2642163169ba3998af44ca65f967768dd78ee80fffab6f809f6cef49c73a36c82a89622ff0de2ceee06b8c638e2c876fa9047f449dbe24b1fc89281a264fe90abdeffcdd44f797bd4572a6c5ae8d88bf372c3c717943ebd570222206fabf0ee9f3c6756f5d71a32616b1df53d12887961f5c129207a79622ccc1a4bba976886d9a6ddf0fe5d570e5075d01ecd627f656e95f27b4c40d5661b5664cedd3e568206effa1308b0ccd663ca61a6d39c0731891804a8cf5edcf8b98eaa5580c3d436e22156e38455e403869700956c3c1dd0b4470b663e75c98c5b859b53ccef6559215d8049f755be9c2d6b3f4a310f97c496fc392f65b6431dd87788ac61074fd8cd409702e1b839b3f774d38cf8b28f0226c4efa5220ac6ae060793e36e7ef278d42d042f15b21291f3bb29e3158f09d154b93f83fd8a319811a26cb5240d90cbb360fafec0b7eff4c676ae598540813d062dc9468365c73b4cfa2ffd02d48cdcd8f0c71324c6d0a60346a7a0e50af3be64684b37f9e6c831115bf112ddd18acde08eaec376f0872a3952000";
const PUSH1_ENCRYPTED: &str = "9693a69686da3055f1ecdfb239c3bf8e746951a36d888c2fb7c02e856a5c2091b24e39a7e1af828f1fa09fe8bf7d274afde0a0847ba143c43ffb8722301b5ae32e2f078b9a5e19097403336e50b18c84aade446cd2823b011f97d6ad2116a53feb814efecc086bc172d31f4214b4d7c630b63bbe575b08682d146da44915063a07a78556ab5eff4f67f6aa26211e8d330b53d28567a931028c393709a325425de7486ccde24416a7fd4a8ba5fa73899c65f4276dfaddd5b2100adcf0f793104fb235b31ce32ec656056009a9ebf58d45d7d696b74e0c7ff0499c4d23204976f19561dc0dba6dc53a2497d28ce03498ea49bf122762d7bc1d6d9c02f6d54f8384";
const PIC_URL: &str = "http://example.org/omg-pic-123.bmp";
const PIC_KEY: &[u8; 32] = b"secret78901234567890123456789012";
const HASH0: &str = "ea173b57beca8af18c3519a7bbf69c3e7a05d1c049fa9558341d8ebb48b0c965";

fn reference_identity() -> Identity {
    Identity::from_seed(&hex::decode(SEED16).unwrap()).unwrap()
}

fn kallie(now_s: i64) -> UserProfile {
    let mut p = UserProfile::new(&reference_identity(), None).unwrap();
    p.set_name("Kallie", now_s).unwrap();
    p.set_profile_pic(Some((PIC_URL, PIC_KEY)), now_s).unwrap();
    p.set_nts_priority(9).unwrap();
    p
}

#[test]
fn empty_profile_push_matches_libsession_byte_for_byte() {
    let id = reference_identity();
    let mut p = UserProfile::new(&id, None).unwrap();
    let push = p.config_mut().push().unwrap();
    assert_eq!(push.seqno, 0);
    assert_eq!(push.data.len(), 256);
    let wrapped = wrap_legacy(&id, shared_config_message::Kind::UserProfile, push.seqno, &push.data).unwrap();
    assert_eq!(hex::encode(&wrapped), EMPTY_PUSH_WRAPPED);
    assert_eq!(wrapped.len(), 256 + 176);
    assert_eq!(unwrap_legacy(&id, &wrapped), Some(push.data.clone()));
    assert_eq!(unwrap_legacy(&id, &push.data), None, "a raw config message is not wrapped");
    assert_eq!(unwrap_legacy(&ident(9), &wrapped), None, "another identity cannot unwrap it");
}

#[test]
fn profile_edit_push_matches_libsession_and_merges() {
    // Without the update time (libsession before `t`), the push is the reference ciphertext.
    let mut p = kallie(0);
    let push = p.config_mut().push().unwrap();
    assert_eq!(push.seqno, 1);
    assert_eq!(hex::encode(&push.data), PUSH1_ENCRYPTED);
    // Newer libsession records `t`; its test expects exactly this plaintext for t = 123.
    let mut p = kallie(123);
    let push = p.config_mut().push().unwrap();
    let plain = crate::config::storage::decode_from_storage(&push.data, &[*reference_identity().seed()], USER_PROFILE_DOMAIN).unwrap();
    let expected = [
        format!("d1:#i1e1:&d1:+i9e1:n6:Kallie1:p34:{PIC_URL}1:q32:secret789012345678901234567890121:ti123ee1:<lli0e32:").as_bytes(),
        &hex::decode(HASH0).unwrap(),
        b"deee1:=d1:+0:1:n0:1:p0:1:q0:1:t0:ee",
    ]
    .concat();
    assert_eq!(plain, expected);
    // The reference push, wrapped or not, merges into a fresh device.
    let id = reference_identity();
    for data in [
        hex::decode(PUSH1_ENCRYPTED).unwrap(),
        wrap_legacy(&id, shared_config_message::Kind::UserProfile, 1, &hex::decode(PUSH1_ENCRYPTED).unwrap()).unwrap(),
    ] {
        let mut q = UserProfile::new(&id, None).unwrap();
        let raw = unwrap_legacy(&id, &data).unwrap_or(data);
        assert_eq!(q.config_mut().merge(&[("fakehash1".into(), raw)]).unwrap(), vec!["fakehash1".to_string()]);
        assert_eq!(q.name().as_deref(), Some("Kallie"));
        assert_eq!(q.profile_pic(), Some((PIC_URL.to_string(), *PIC_KEY)));
        assert_eq!(q.nts_priority(), 9);
        assert_eq!(q.updated(), None);
    }
}

#[test]
fn contacts_merge_concurrent_edits_from_two_devices() {
    let id = ident(3);
    let alice = format!("05{}", "a1".repeat(32));
    let bob = format!("05{}", "b2".repeat(32));
    let mut d1 = Contacts::new(&id, None).unwrap();
    let info =
        ContactInfo { session_id: alice.clone(), name: Some("Alice".into()), approved: true, created: 1_700_000_000, ..Default::default() };
    assert!(d1.set(&info).unwrap());
    assert!(!d1.set(&info).unwrap());
    let p1 = d1.config_mut().push().unwrap();
    d1.config_mut().confirm_pushed(p1.seqno, "h1");

    let mut d2 = Contacts::new(&id, None).unwrap();
    d2.config_mut().merge(&[("h1".into(), p1.data.clone())]).unwrap();
    assert_eq!(d2.get(&alice).unwrap(), Some(info.clone()));

    // Concurrent edits: device 1 blocks bob, device 2 nicknames alice.
    d1.set(&ContactInfo { session_id: bob.clone(), blocked: true, ..Default::default() }).unwrap();
    let p2 = d1.config_mut().push().unwrap();
    d1.config_mut().confirm_pushed(p2.seqno, "h2");
    d2.set(&ContactInfo { nickname: Some("Al".into()), ..info.clone() }).unwrap();
    let p3 = d2.config_mut().push().unwrap();
    d2.config_mut().confirm_pushed(p3.seqno, "h3");
    assert_eq!((p2.seqno, p3.seqno), (2, 2));

    // Each merges the other's message; both end with the same data.
    d1.config_mut().merge(&[("h3".into(), p3.data.clone())]).unwrap();
    d2.config_mut().merge(&[("h2".into(), p2.data.clone())]).unwrap();
    assert_eq!(d1.all(), d2.all());
    assert_eq!(d1.config().seqno(), 3);
    let all = d1.all();
    assert_eq!(all.len(), 2);
    assert_eq!(all[0].nickname.as_deref(), Some("Al"));
    assert!(all[1].blocked && !all[1].approved && all[1].name.is_none());

    assert!(d1.erase(&bob).unwrap());
    assert!(!d1.erase(&bob).unwrap());
    assert_eq!(d1.all().len(), 1);
    assert!(d1.get("not an id").is_err());
}

#[test]
fn user_groups_carry_admin_seeds_and_member_auth_between_devices() {
    let id = ident(5);
    let admin = crate::crypto::group_key::GroupAdminKey::from_seed(&[0x44; 32]);
    let gid = admin.group_id().to_hex();
    let other = crate::crypto::group_key::GroupAdminKey::from_seed(&[0x45; 32]).group_id().to_hex();
    let mut d1 = UserGroups::new(&id, None).unwrap();
    let as_admin = GroupEntry {
        group_id: gid.clone(),
        name: Some("Hikers".into()),
        admin_seed: Some([0x44; 32]),
        joined_at: 1_700_000_000,
        ..Default::default()
    };
    assert!(d1.set(&as_admin).unwrap());
    let as_member = GroupEntry { group_id: other.clone(), auth_data: Some(vec![7; 100]), invited: true, ..Default::default() };
    assert!(d1.set(&as_member).unwrap());
    // A seed of another group, or no credential at all, is refused.
    assert!(d1.set(&GroupEntry { admin_seed: Some([0x45; 32]), ..as_admin.clone() }).is_err());
    assert!(d1.set(&GroupEntry { group_id: other.clone(), ..Default::default() }).is_err());
    let raw = d1.config().data().get(&b"g"[..]).and_then(ConfigValue::as_dict).unwrap();
    assert!(raw.keys().all(|k| k.len() == 33 && k[0] == 0x03), "entries are keyed by the 33-byte group ID");
    let member_raw = raw.get(&hex::decode(&other).unwrap()).and_then(ConfigValue::as_dict).unwrap();
    assert_eq!(member_raw.get(&b"K"[..]).and_then(ConfigValue::as_bytes), Some(&[][..]), "K is written empty for a member");
    assert!(member_raw.get(&b"n"[..]).is_none(), "an empty name is not written");
    let p = d1.config_mut().push().unwrap();
    let mut d2 = UserGroups::new(&id, None).unwrap();
    d2.config_mut().merge(&[("h".into(), p.data)]).unwrap();
    assert_eq!(d2.get(&gid).unwrap(), Some(as_admin));
    assert_eq!(d2.get(&other).unwrap(), Some(as_member));
    assert_eq!(d2.all().len(), 2);
    // Kicked: credentials gone, the entry stays with r = 1.
    assert!(d2.mark_removed(&other, 1).unwrap());
    let kicked = d2.get(&other).unwrap().unwrap();
    assert_eq!((kicked.removed, kicked.auth_data, kicked.admin_seed), (1, None, None));
    assert_eq!(d2.all().len(), 2);
    assert!(d2.erase(&other).unwrap());
    assert_eq!(d2.all().len(), 1);
}

#[test]
fn read_marks_follow_libsession_rules() {
    let id = ident(6);
    let now = 1_800_000_000_000;
    let day = 24 * 3600 * 1000;
    let peer = format!("05{}", "d4".repeat(32));
    let group = crate::crypto::group_key::GroupAdminKey::from_seed(&[0x46; 32]).group_id().to_hex();
    let mut c = ConvoInfoVolatile::new(&id, None).unwrap();
    assert!(c.set(&ReadState { conversation: peer.clone(), last_read_ms: now - day, unread: false }, now).unwrap());
    assert!(c.set(&ReadState { conversation: group.clone(), last_read_ms: now - 50 * day, unread: true }, now).unwrap());
    // Too old to record (the group entry keeps only its unread flag) ...
    assert_eq!(c.get(&group).unwrap().unwrap(), ReadState { conversation: group.clone(), last_read_ms: 0, unread: true });
    // ... but moving a mark back is a reset and is written.
    c.set(&ReadState { conversation: peer.clone(), last_read_ms: now - 2 * day, unread: false }, now).unwrap();
    assert_eq!(c.get(&peer).unwrap().unwrap().last_read_ms, now - 2 * day);
    let raw = c.config().data().get(&b"1"[..]).and_then(ConfigValue::as_dict).unwrap();
    assert!(raw.keys().all(|k| k.len() == 33 && k[0] == 0x05));
    // A device merging the push sees the same marks; pruning drops stale 1:1 marks only.
    let p = c.config_mut().push().unwrap();
    let mut other = ConvoInfoVolatile::new(&id, None).unwrap();
    other.config_mut().merge(&[("h".into(), p.data)]).unwrap();
    assert_eq!(other.all(), c.all());
    assert!(!other.prune(now).unwrap());
    assert!(other.prune(now + 60 * day).unwrap());
    assert_eq!(other.all().len(), 1, "the group's mark is never pruned");
    assert!(c.get("not an id").is_err());
}

#[test]
fn unknown_fields_survive_an_edit() {
    let id = ident(4);
    let alice = format!("05{}", "c3".repeat(32));
    let mut c = Contacts::new(&id, None).unwrap();
    c.set(&ContactInfo { session_id: alice.clone(), approved: true, ..Default::default() }).unwrap();
    c.config_mut()
        .modify(|d| {
            if let Some(ConfigValue::Dict(cs)) = d.get_mut(&b"c"[..]) {
                if let Some(ConfigValue::Dict(e)) = cs.values_mut().next() {
                    e.insert(b"+".to_vec(), ConfigValue::int(5));
                }
            }
        })
        .unwrap();
    c.set(&ContactInfo { session_id: alice.clone(), approved: true, blocked: true, ..Default::default() }).unwrap();
    let cs = c.config().data().get(&b"c"[..]).and_then(ConfigValue::as_dict).unwrap();
    let e = cs.values().next().and_then(ConfigValue::as_dict).unwrap();
    assert_eq!(e.get(&b"+"[..]).and_then(ConfigValue::as_int), Some(5));
    assert_eq!(e.get(&b"b"[..]).and_then(ConfigValue::as_int), Some(1));
}
