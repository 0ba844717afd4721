//! Helpers shared by the config tests (literal libsession-util vectors are built with these).
#![allow(dead_code)]

use super::message::{ConfigMessage, SigningKeys, DEFAULT_DIFF_LAGS};
use super::value::*;
use crate::sodium;

pub fn hx(s: &str) -> Vec<u8> {
    hex::decode(s).unwrap()
}
pub fn int(i: i64) -> ConfigValue {
    ConfigValue::int(i)
}
pub fn st(s: &str) -> ConfigValue {
    ConfigValue::bytes(s.as_bytes())
}
pub fn set(items: Vec<Scalar>) -> ConfigValue {
    ConfigValue::Set(items.into_iter().collect())
}
pub fn dict(items: Vec<(&str, ConfigValue)>) -> ConfigValue {
    ConfigValue::Dict(d(items))
}
pub fn d(items: Vec<(&str, ConfigValue)>) -> Dict {
    items.into_iter().map(|(k, v)| (k.as_bytes().to_vec(), v)).collect()
}
/// Autovivifying nested dict access, like libsession's `d(m.data()["x"])`.
pub fn sub<'a>(m: &'a mut Dict, key: &str) -> &'a mut Dict {
    match m.entry(key.as_bytes().to_vec()).or_insert_with(|| ConfigValue::Dict(Dict::new())) {
        ConfigValue::Dict(x) => x,
        _ => panic!("not a dict"),
    }
}
pub fn subset<'a>(m: &'a mut Dict, key: &str) -> &'a mut Set {
    match m.entry(key.as_bytes().to_vec()).or_insert_with(|| ConfigValue::Set(Set::new())) {
        ConfigValue::Set(x) => x,
        _ => panic!("not a set"),
    }
}
pub fn cat(parts: &[&[u8]]) -> Vec<u8> {
    parts.concat()
}
pub fn b2b(x: &[u8]) -> Vec<u8> {
    sodium::blake2b_n::<32>(None, &[x]).to_vec()
}
pub fn none() -> SigningKeys {
    SigningKeys::none()
}
pub fn parse(b: &[u8]) -> ConfigMessage {
    ConfigMessage::parse(b, &none(), DEFAULT_DIFF_LAGS, false).unwrap()
}
pub fn merge_of(confs: &[&[u8]]) -> ConfigMessage {
    ConfigMessage::merge(confs, &none(), DEFAULT_DIFF_LAGS, false, |_, e| panic!("{e}")).unwrap()
}
pub fn mutable_of(conf: &[u8]) -> ConfigMessage {
    ConfigMessage::merge(&[conf], &none(), DEFAULT_DIFF_LAGS, true, |_, e| panic!("{e}")).unwrap()
}
