//! Reading and writing fields of config data the way libsession-util does: empty strings and
//! zero integers are removed rather than stored, flags are 1 or absent, an avatar is a URL and
//! a 32-byte key together or neither.

use crate::config::{ConfigValue, Dict};

pub fn set_nonempty(d: &mut Dict, k: &str, v: &[u8]) {
    if v.is_empty() {
        d.remove(k.as_bytes());
    } else {
        d.insert(k.as_bytes().to_vec(), ConfigValue::bytes(v));
    }
}
pub fn set_positive(d: &mut Dict, k: &str, v: i64) {
    if v > 0 {
        d.insert(k.as_bytes().to_vec(), ConfigValue::int(v));
    } else {
        d.remove(k.as_bytes());
    }
}
pub fn set_flag(d: &mut Dict, k: &str, v: bool) {
    set_positive(d, k, i64::from(v));
}
pub fn set_pic(d: &mut Dict, pic: Option<(&str, &[u8; 32])>) {
    match pic.filter(|(url, _)| !url.is_empty()) {
        Some((url, key)) => {
            d.insert(b"p".to_vec(), ConfigValue::bytes(url.as_bytes()));
            d.insert(b"q".to_vec(), ConfigValue::bytes(&key[..]));
        }
        None => {
            d.remove(&b"p"[..]);
            d.remove(&b"q"[..]);
        }
    }
}
pub fn get_int(d: &Dict, k: &str) -> Option<i64> {
    d.get(k.as_bytes()).and_then(ConfigValue::as_int)
}
pub fn get_str(d: &Dict, k: &str) -> Option<String> {
    d.get(k.as_bytes()).and_then(ConfigValue::as_bytes).filter(|b| !b.is_empty()).map(|b| String::from_utf8_lossy(b).into_owned())
}
pub fn get_pic(d: &Dict) -> Option<(String, [u8; 32])> {
    let url = get_str(d, "p")?;
    let key: [u8; 32] = d.get(&b"q"[..]).and_then(ConfigValue::as_bytes)?.try_into().ok()?;
    Some((url, key))
}

/// `d[key]` as a dict, created (or replacing a value of another type) when needed.
pub fn dict_mut<'a>(d: &'a mut Dict, key: &[u8]) -> &'a mut Dict {
    let slot = d.entry(key.to_vec()).or_insert_with(|| ConfigValue::Dict(Dict::new()));
    if !matches!(slot, ConfigValue::Dict(_)) {
        *slot = ConfigValue::Dict(Dict::new());
    }
    match slot {
        ConfigValue::Dict(inner) => inner,
        _ => unreachable!("just made a dict"),
    }
}

/// The entry `key` of the keyed section `section` (e.g. one contact under `c`), created as
/// needed.
pub fn entry_mut<'a>(d: &'a mut Dict, section: &[u8], key: &[u8]) -> &'a mut Dict {
    dict_mut(dict_mut(d, section), key)
}

/// Remove the entry `key` of section `section`, if there.
pub fn remove_entry(d: &mut Dict, section: &[u8], key: &[u8]) {
    if let Some(ConfigValue::Dict(s)) = d.get_mut(section) {
        s.remove(key);
    }
}
