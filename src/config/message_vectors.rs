//! Config messages against the literal vectors of libsession-util tests/test_configdata.cpp:
//! serialization, hashes, the signature, and merge examples 1–4.

use super::*;
use crate::config::test_support::*;

fn serialization_base() -> ConfigMessage {
    let mut m = ConfigMessage::new_mutable(10, 5, none());
    let data = m.data_mut();
    data.insert(b"foo".to_vec(), int(123));
    data.insert(b"bar".to_vec(), dict(vec![("asdf", int(123)), ("xyz", st("abc")), ("", set(vec!["a".into(), "b".into(), 42.into()]))]));
    m
}

const M10: &[u8] =
    b"d1:#i10e1:&d3:bard0:li42e1:a1:be4:asdfi123e3:xyz3:abce3:fooi123ee1:<le1:=d3:bard0:lli42e1:a1:belee4:asdf0:3:xyz0:e3:foo0:ee";

#[test]
fn serialization_and_hashes() {
    let mut m = serialization_base();
    assert_eq!(m.serialize(true), M10);
    let hash0 = hx("d65738bba88b0f3455cef20fe09a7b4b10f25f9db82be24a6ce1bd06da197526");
    assert_eq!(m.hash().to_vec(), hash0);

    let mut m1 = m.increment();
    m1.data_mut().remove(&b"foo"[..]);
    let hash1 = hx("5b30b4abf4cba71db25dbc0d977cc25df1d0a8a87cad7f561cdec2b8caf65f5e");
    assert_eq!(m1.hash().to_vec(), hash1);

    let mut m2 = m1.increment();
    {
        let data = m2.data_mut();
        data.insert(b"foo".to_vec(), int(123));
        let bar = sub(data, "bar");
        bar.insert(b"xyz".to_vec(), int(42));
        bar.insert(b"a".to_vec(), int(42));
        let s = subset(bar, "");
        s.insert("c".into());
        s.insert(99.into());
        s.remove(&Scalar::from("b"));
        s.insert(42.into());
    }
    let hash2 = hx("027552203cf669070d3ecbeecfa65c65497d59aa4da490e0f68f8131ce081320");
    assert_eq!(m2.hash().to_vec(), hash2);
    let want2 = cat(&[
        b"d1:#i12e1:&d3:bard0:li42ei99e1:a1:ce1:ai42e4:asdfi123e3:xyzi42ee3:fooi123ee1:<ll",
        b"i10e32:",
        &hash0,
        b"d3:bard0:lli42e1:a1:belee4:asdf0:3:xyz0:e3:foo0:eel",
        b"i11e32:",
        &hash1,
        b"d3:foo1:-eee1:=d3:bard0:lli99e1:cel1:bee1:a0:3:xyz0:e3:foo0:ee",
    ]);
    assert_eq!(String::from_utf8_lossy(&m2.serialize(true)), String::from_utf8_lossy(&want2));

    let hash3 = hx("b83871ea06587f9254cdf2b2af8daff19bd7fb550fb90d5f8f9f546464c08bc5");
    let hash4 = hx("c30e2cfa7ec93c64a1ab6420c9bccfb63da8e4c2940ed6509ffb64f3f0131860");
    let hash5 = hx("3234eb7da8cf4b79b9eec2a144247279d10f6f118184f82429a42c5996bea60c");
    assert_eq!(m2.increment().hash().to_vec(), hash3);
    assert_eq!(m2.increment().increment().hash().to_vec(), hash4);
    let mut m5 = m2.increment().increment().increment();
    assert_eq!(m5.hash().to_vec(), hash5);
    let want5 = cat(&[
        b"d1:#i15e1:&d3:bard0:li42ei99e1:a1:ce1:ai42e4:asdfi123e3:xyzi42ee3:fooi123ee1:<l",
        b"li11e32:",
        &hash1,
        b"d3:foo1:-ee",
        b"li12e32:",
        &hash2,
        b"d3:bard0:lli99e1:cel1:bee1:a0:3:xyz0:e3:foo0:ee",
        b"li13e32:",
        &hash3,
        b"dee",
        b"li14e32:",
        &hash4,
        b"dee",
        b"e1:=dee",
    ]);
    assert_eq!(m5.serialize(true), want5);
}

#[test]
fn signature_vector_and_rejections() {
    let sk: [u8; 64] = hx(
        "79f530dbf3d81aecc04072933c1b3e3edc0b7d91f2dcc2f7756f2611886cca5f4384261cdd338f5820ca9cbbe3fc72ac8944ee60d3b795b797fbbf5597b09f17",
    )
    .try_into()
    .unwrap();
    let keys = SigningKeys::admin(sk);
    let mut m = serialization_base();
    m.set_signing_keys(keys.clone());
    let signing_value = &M10[..M10.len() - 1];
    let expected_sig = hx(
        "77267f4de7701ae348eba0ef73175281512ba3f1051cfed22dc3e31b9c6993302938863e09bc8b33638161071bd8dc397d5c1d3f674120d08fbb9c64dde2e907",
    );
    let expected = cat(&[signing_value, b"1:~64:", &expected_sig, b"e"]);
    assert_eq!(m.serialize(true), expected);

    let verify = SigningKeys::verify_only(sk[32..].try_into().unwrap());
    let mut parsed = ConfigMessage::parse(&expected, &verify, 5, false).unwrap();
    assert!(parsed.verified_signature().is_some());
    assert_eq!(parsed.hash(), m.hash());
    assert_eq!(parsed.serialize(true), expected);

    let mut broken = expected.clone();
    let n = broken.len();
    assert_eq!(broken[n - 2], 0x07);
    broken[n - 2] = 0x17;
    assert_eq!(ConfigMessage::parse(&broken, &verify, 5, false).unwrap_err().kind(), ErrorKind::BadSignature);
    assert!(ConfigMessage::merge(&[&broken, &broken], &verify, 5, false, |_, _| {}).is_err());
    let mut errors = 0;
    let mut m2 = ConfigMessage::merge(&[&broken, &expected], &keys, 5, false, |_, _| errors += 1).unwrap();
    assert_eq!(errors, 1);
    assert!(!m2.merged());
    assert_eq!(m2.seqno(), 10);
    assert_eq!(m2.hash(), m.hash());
    // Unsigned (or signed by someone else) with a verifier: rejected.
    let unsigned = [signing_value, b"e"].concat();
    assert_eq!(ConfigMessage::parse(&unsigned, &verify, 5, false).unwrap_err().kind(), ErrorKind::BadSignature);
    let mut forged = serialization_base();
    forged.set_signing_keys(SigningKeys::admin(sodium::ed25519_seed_keypair(&[9; 32]).1));
    let forged = forged.serialize(true);
    assert_eq!(ConfigMessage::parse(&forged, &verify, 5, false).unwrap_err().kind(), ErrorKind::BadSignature);
    // Without a verifier the unsigned one parses.
    assert!(ConfigMessage::parse(&unsigned, &none(), 5, false).is_ok());
}

fn data118() -> Dict {
    d(vec![
        ("dictB", dict(vec![("changed", int(-1)), ("foo", int(123)), ("removed", st("x")), ("removed2", st("y"))])),
        ("dictC", dict(vec![("x", dict(vec![("y", int(1))]))])),
        ("good", set(vec![99.into(), 456.into(), "bar".into()])),
        ("great", set(vec![(-42).into(), "omg".into()])),
        ("int0", int(-9999)),
        ("int1", int(100)),
        ("string1", st("hello")),
        ("string2", st("goodbye")),
    ])
}
const H119: &str = "43094f68c1faa37eff79e1c2f3973ffd5f9d6423b00ccda306fc6e7dac5f0c44";
const H120: &str = "e3a237f91014d31e4d30569c4a8bfcd72157804f99b8732c611c48bf126432b5";
const H121: &str = "1a7f602055124deaf21175ef3f32983dee7c9de570e5d9c9a0bbc2db71dcb97f";
const H122: &str = "46560604fe352101bb869435260d7100ccfe007be5f741c7e96303f02f394e8a";
const H123: &str = "d9398c597b058ac7e28e3febb76ed68eb8c5b6c369610562ab5f2b596775d73c";
const H124: &str = "8b73f316178765b9b3b37168e865c84bb5a78610cbb59b84d0fa4d3b4b3c102b";
const H125A: &str = "80f229c3667de6d0fa6f96b53118e097fbda82db3ca1aea221a3db91ea9c45fb";
const H125B: &str = "ab12f0efe9a9ed00db6b17b44ae0ff36b9f49094077fb114f415522f2a0e98de";
const DATA123: &[u8] = b"1:&d5:dictBd7:changedi-1e3:fooi123e7:removed1:x8:removed21:ye5:dictCd1:xd1:yi1eee4:goodli99ei456e3:bare5:greatli-42e3:omge4:int1i1e4:int2i2e7:string15:hello7:string27:goodbyee";
const DATA124: &[u8] = b"1:&d5:dictAd7:goodbyeli123ei456ee5:helloi123ee5:dictBd5:addedi9999e7:changedi1e3:fooi123e6:nestedd1:ai1eee4:goodli99ei123e3:Foo3:bare4:int1i42e4:int2i2e7:string25:hello7:string33:omge";
const DIFF124: &[u8] = b"d5:dictAd7:goodbyelli123ei456eelee5:hello0:e5:dictBd5:added0:7:changed0:6:nestedd1:a0:e7:removed1:-8:removed21:-e5:dictCd1:xd1:y1:-ee4:goodlli123e3:Fooeli456eee5:greatlleli-42e3:omgee4:int10:7:string11:-7:string20:7:string30:e";

fn lag(seq: u32, h: &str, diff: &[u8]) -> Vec<u8> {
    cat(&[b"li", seq.to_string().as_bytes(), b"e32:", &hx(h), diff, b"e"])
}

fn m123_expected() -> Vec<u8> {
    cat(&[
        b"d1:#i123e",
        DATA123,
        b"1:<l",
        &lag(119, H119, b"de"),
        &lag(120, H120, b"de"),
        &lag(121, H121, b"de"),
        &lag(122, H122, b"de"),
        b"e1:=d4:int01:-4:int10:4:int20:ee",
    ])
}

#[test]
fn example_1_ordinary_update() {
    let mut m118 = ConfigMessage::new_mutable(118, 5, none());
    *m118.data_mut() = data118();
    let want = cat(&[
        b"d1:#i118e1:&d5:dictBd7:changedi-1e3:fooi123e7:removed1:x8:removed21:ye5:dictCd1:xd1:yi1eee4:goodli99ei456e3:bare5:greatli-42e3:omge4:int0i-9999e4:int1i100e7:string15:hello7:string27:goodbyee",
        b"1:<le1:=d5:dictBd7:changed0:3:foo0:7:removed0:8:removed20:e5:dictCd1:xd1:y0:ee4:goodlli99ei456e3:barelee5:greatlli-42e3:omgelee4:int00:4:int10:7:string10:7:string20:ee",
    ]);
    assert_eq!(m118.serialize(true), want);
    assert_eq!(m118.hash().to_vec(), b2b(&want));
    let mut m = m118.increment();
    for (seq, h) in [(119, H119), (120, H120), (121, H121), (122, H122)] {
        assert_eq!(m.seqno(), seq);
        assert_eq!(hex::encode(m.hash()), h);
        m = m.increment();
    }
    let data = m.data_mut();
    data.insert(b"int1".to_vec(), int(1));
    data.insert(b"int2".to_vec(), int(2));
    data.remove(&b"int0"[..]);
    data.insert(b"string1".to_vec(), st("hello"));
    assert_eq!(m.serialize(true), m123_expected());
}

#[test]
fn deserialization() {
    let exp = m123_expected();
    let mut m = parse(&exp);
    assert_eq!(m.seqno(), 123);
    assert_eq!(hex::encode(m.hash()), H123);
    let want_diff: Diff =
        [(b"int0".to_vec(), DiffValue::Removed), (b"int1".to_vec(), DiffValue::Assigned), (b"int2".to_vec(), DiffValue::Assigned)]
            .into_iter()
            .collect();
    assert_eq!(m.diff(), &want_diff);
    assert!(m.verified_signature().is_none());
    let mut data = data118();
    data.insert(b"int1".to_vec(), int(1));
    data.remove(&b"int0"[..]);
    data.insert(b"int2".to_vec(), int(2));
    assert_eq!(m.data(), &data);

    let mut mu = mutable_of(&exp);
    assert_eq!(mu.seqno(), 124);
    assert_eq!(hex::encode(mu.hash()), "3ea36410cf7086ce816eb193b0c94e88632abfb75771d82f8ddb3a909124c580");
    assert!(mu.diff().is_empty());
    assert!(!mu.merged());
    let want = cat(&[
        b"d1:#i124e",
        DATA123,
        b"1:<l",
        &lag(120, H120, b"de"),
        &lag(121, H121, b"de"),
        &lag(122, H122, b"de"),
        &lag(123, H123, b"d4:int01:-4:int10:4:int20:e"),
        b"e1:=dee",
    ]);
    assert_eq!(mu.serialize(true), want);
}

#[test]
fn hostile_and_invalid_messages() {
    for bad in [
        &b"d1:#i0e1:&d0:leee1:<le1:=dee"[..],
        b"d1:#i0e1:&d0:lee1:<le1:=dee",
        b"d1:#i0e1:&d0:deee",
        b"d1:&de1:#i0ee",
        b"d1:#i0ee",
        b"d1:#i5e1:&de1:<lli5e32:aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaadeee1:=dee",
        b"d1:#i5e1:&de1:<lli4e3:abcdeee1:=dee",
        b"d1:#i0e1:&de1:=d1:ai1eee",
        b"d1:#i0e1:&de1:=d1:a1:xee",
        b"d1:#i0e1:&d1:ali2ei1eeee",
        b"d1:#i0e1:&de1:~1:x1:\x7fi1ee",
        b"",
        b"le",
        b"d1:#i0e1:&de",
    ] {
        assert!(ConfigMessage::parse(bad, &none(), 5, false).is_err(), "{}", String::from_utf8_lossy(bad));
    }
    let deep = [&b"d1:#i0e1:&"[..], &b"d1:a".repeat(100), &b"i1e"[..], &b"e".repeat(100), b"e"].concat();
    assert!(ConfigMessage::parse(&deep, &none(), 5, false).is_err());
    // Unknown keys survive a round trip.
    let with_unknown = b"d1:#i3e1:$3:abc1:&d1:ai1ee1:<le1:=de1:}i7ee";
    let mut m = parse(with_unknown);
    assert_eq!(m.serialize(true), with_unknown);
}

fn updates_124(m: &mut Dict) {
    m.insert(b"dictA".to_vec(), dict(vec![("hello", int(123)), ("goodbye", set(vec![123.into(), 456.into()]))]));
    let b = sub(m, "dictB");
    b.insert(b"changed".to_vec(), int(1));
    b.insert(b"added".to_vec(), int(9999));
    b.insert(b"nested".to_vec(), dict(vec![("a", int(1))]));
    b.remove(&b"removed"[..]);
    b.remove(&b"removed2"[..]);
    m.remove(&b"dictC"[..]);
    let g = subset(m, "good");
    g.insert("Foo".into());
    g.remove(&Scalar::Int(456));
    g.insert(123.into());
    m.insert(b"int1".to_vec(), int(42));
    m.remove(&b"string1"[..]);
    m.insert(b"string2".to_vec(), st("hello"));
    m.insert(b"string3".to_vec(), st("omg"));
    m.remove(&b"great"[..]);
}

#[test]
fn example_2_large_update() {
    let exp = m123_expected();
    let mut m = mutable_of(&exp);
    assert_eq!(m.seqno(), 124);
    updates_124(m.data_mut());
    let want = cat(&[
        b"d1:#i124e",
        DATA124,
        b"1:<l",
        &lag(120, H120, b"de"),
        &lag(121, H121, b"de"),
        &lag(122, H122, b"de"),
        &lag(123, &hex::encode(b2b(&exp)), b"d4:int01:-4:int10:4:int20:e"),
        b"e1:=",
        DIFF124,
        b"e",
    ]);
    assert_eq!(String::from_utf8_lossy(&m.serialize(true)), String::from_utf8_lossy(&want));
    assert_eq!(hex::encode(m.hash()), H124);
}

fn m126_expected() -> Vec<u8> {
    cat(&[
        b"d1:#i126e1:&d5:dictAd7:goodbyeli123ei456ee5:helloi123ee5:dictBd5:addedi9999e7:changedi1e6:nestedd1:ai1eee4:goodli99ei123e3:Foo3:bare4:int1i5e4:int2i2e7:string25:hello7:string33:omge",
        b"1:<l",
        &lag(122, H122, b"de"),
        &lag(123, H123, b"d4:int01:-4:int10:4:int20:e"),
        &lag(124, H124, DIFF124),
        &lag(125, H125A, b"d5:dictBd3:foo1:-ee"),
        &lag(125, H125B, b"d4:int10:e"),
        b"e1:=dee",
    ])
}

#[test]
fn example_3_simple_conflict() {
    let exp = m123_expected();
    let mut m124 = mutable_of(&exp);
    updates_124(m124.data_mut());
    assert_eq!(hex::encode(m124.hash()), H124);
    let mut a = m124.increment();
    sub(a.data_mut(), "dictB").remove(&b"foo"[..]);
    let mut b = m124.increment();
    b.data_mut().insert(b"int1".to_vec(), int(5));
    assert_eq!(hex::encode(a.hash()), H125A);
    assert_eq!(hex::encode(b.hash()), H125B);
    let (sa, sb, s124) = (a.serialize(true), b.serialize(true), m124.serialize(true));
    let mut m = merge_of(&[&sa, &sb]);
    assert!(m.merged());
    assert_eq!(m.seqno(), 126);
    let want = m126_expected();
    assert_eq!(String::from_utf8_lossy(&m.serialize(true)), String::from_utf8_lossy(&want));
    assert_eq!(merge_of(&[&sb, &sa]).serialize(true), want);
    assert_eq!(merge_of(&[&s124, &sb, &sa]).serialize(true), want);
    assert_eq!(merge_of(&[&sb, &sa, &s124]).serialize(true), want);
    let mut m120b = ConfigMessage::new_mutable(118, 5, none()).increment().increment();
    m120b.data_mut().insert(b"too old".to_vec(), st("won't see"));
    let s120b = m120b.serialize(true);
    assert_eq!(merge_of(&[&sb, &s120b, &sa]).serialize(true), want);
}

#[test]
fn example_4_complex_conflict() {
    let m123 = parse(&m123_expected());
    let mut m124a = m123.increment();
    let b = sub(m124a.data_mut(), "dictB");
    b.insert(b"foo".to_vec(), int(66));
    b.insert(b"answer".to_vec(), int(42));
    let mut m124b = m123.increment();
    updates_124(m124b.data_mut());
    assert_eq!(hex::encode(m124b.hash()), H124);
    let mut m125a = m124b.increment();
    sub(m125a.data_mut(), "dictB").remove(&b"foo"[..]);
    let mut m125b = m124b.increment();
    m125b.data_mut().insert(b"int1".to_vec(), int(5));
    let (s125a, s125b, s124a) = (m125a.serialize(true), m125b.serialize(true), m124a.serialize(true));
    let mut m126a = merge_of(&[&s125a, &s125b]);
    let mut m120b = ConfigMessage::new_mutable(118, 5, none()).increment().increment();
    m120b.data_mut().insert(b"too old".to_vec(), st("won't see"));
    let s120b = m120b.serialize(true);
    let s123 = m123_expected();
    let mut m126b = merge_of(&[&s125b, &s124a, &s125a, &s123, &s120b]);
    assert!(m124a.hash() < m124b.hash());
    let (h126a, h126b) = (m126a.hash(), m126b.hash());
    assert!(h126a < h126b);
    let (s126a, s126b) = (m126a.serialize(true), m126b.serialize(true));
    let mut m127 = ConfigMessage::merge(&[&s126a, &s126b], &none(), 5, true, |_, e| panic!("{e}")).unwrap();
    subset(sub(m127.data_mut(), "dictA"), "goodbye").insert(789.into());
    assert_eq!(m127.seqno(), 127);
    let want = cat(&[
        b"d1:#i127e1:&d5:dictAd7:goodbyeli123ei456ei789ee5:helloi123ee5:dictBd5:addedi9999e6:answeri42e7:changedi1e6:nestedd1:ai1eee4:goodli99ei123e3:Foo3:bare4:int1i5e4:int2i2e7:string25:hello7:string33:omge",
        b"1:<l",
        &lag(123, H123, b"d4:int01:-4:int10:4:int20:e"),
        &lag(124, &hex::encode(m124a.hash()), b"d5:dictBd6:answer0:3:foo0:ee"),
        &lag(124, H124, DIFF124),
        &lag(125, H125A, b"d5:dictBd3:foo1:-ee"),
        &lag(125, H125B, b"d4:int10:e"),
        &lag(126, &hex::encode(h126a), b"de"),
        &lag(126, &hex::encode(h126b), b"de"),
        b"e1:=d5:dictAd7:goodbyelli789eeleeeee",
    ]);
    let s127 = m127.serialize(true);
    assert_eq!(String::from_utf8_lossy(&s127), String::from_utf8_lossy(&want));
    let mut alt = merge_of(&[&s127, &s125a, &s126b]);
    assert_eq!(alt.seqno(), 127);
    assert_eq!(alt.hash(), m127.hash());
}
