//! The recovery phrase: 13 words for a 16-byte seed (25 for a 32-byte one), Electrum/Monero style
//! with a CRC-32 checksum word, over Session's 1626-word English list.

use crate::error::{Error, ErrorKind, Result};
use once_cell::sync::Lazy;
use std::collections::HashMap;

const WORDS_TEXT: &str = include_str!("mnemonic-english.txt");
const N: u64 = 1626;
const PREFIX_LEN: usize = 3;

struct WordList {
    words: Vec<&'static str>,
    by_prefix: HashMap<&'static str, usize>,
}

static LIST: Lazy<WordList> = Lazy::new(|| {
    let words: Vec<&'static str> = WORDS_TEXT.lines().filter(|l| !l.is_empty()).collect();
    assert_eq!(words.len(), N as usize, "word list must have 1626 words");
    let by_prefix = words.iter().enumerate().map(|(i, w)| (&w[..PREFIX_LEN], i)).collect::<HashMap<_, _>>();
    assert_eq!(by_prefix.len(), words.len(), "3-letter prefixes must be unique");
    WordList { words, by_prefix }
});

/// The word list, in order.
pub fn word_list() -> &'static [&'static str] {
    &LIST.words
}

fn prefix(word: &str) -> &str {
    match word.char_indices().nth(PREFIX_LEN) {
        Some((i, _)) => &word[..i],
        None => word,
    }
}

fn checksum_index(words: &[&str]) -> usize {
    let mut h = crc32fast::Hasher::new();
    for w in words {
        h.update(prefix(w).as_bytes());
    }
    (h.finalize() as usize) % words.len()
}

/// Encode a 16-byte (→ 13 words) or 32-byte (→ 25 words) seed.
pub fn encode(seed: &[u8]) -> Result<String> {
    if seed.len() != 16 && seed.len() != 32 {
        return Err(Error::invalid_argument(format!("a recovery phrase encodes a 16- or 32-byte seed, got {} bytes", seed.len())));
    }
    let list = &*LIST;
    let mut words: Vec<&str> = Vec::with_capacity(seed.len() / 4 * 3 + 1);
    for chunk in seed.chunks_exact(4) {
        let x = u32::from_le_bytes(chunk.try_into().expect("4 bytes")) as u64;
        let w1 = x % N;
        let w2 = (x / N + w1) % N;
        let w3 = (x / N / N + w2) % N;
        words.extend([w1, w2, w3].map(|i| list.words[i as usize]));
    }
    words.push(words[checksum_index(&words)]);
    Ok(words.join(" "))
}

/// Decode a phrase of 13 (or 25) words. Whitespace is collapsed and case ignored; words match by
/// their first three letters, as the reference clients do.
pub fn decode(phrase: &str) -> Result<Vec<u8>> {
    let lowered = phrase.to_lowercase();
    let words: Vec<&str> = lowered.split_whitespace().collect();
    match words.len() {
        13 | 25 => {}
        12 | 24 => {
            return Err(Error::new(
                ErrorKind::MnemonicWordCount,
                format!("the recovery phrase has {} words: the checksum word (13th) is missing", words.len()),
            ))
        }
        n => return Err(Error::new(ErrorKind::MnemonicWordCount, format!("a recovery phrase has 13 words, got {n}"))),
    }
    let list = &*LIST;
    let (body, check) = words.split_at(words.len() - 1);
    let mut idx = Vec::with_capacity(body.len());
    for (i, w) in words.iter().enumerate() {
        let p = prefix(w);
        let found = if p.chars().count() == PREFIX_LEN { list.by_prefix.get(p).copied() } else { None };
        match found {
            Some(k) => idx.push(k as u64),
            None => {
                return Err(Error::new(
                    ErrorKind::MnemonicUnknownWord,
                    format!("word {} ({w:?}) is not in the recovery phrase word list", i + 1),
                ))
            }
        }
    }
    let expected = body[checksum_index(body)];
    if prefix(expected) != prefix(check[0]) {
        return Err(Error::new(
            ErrorKind::MnemonicChecksum,
            "the recovery phrase's checksum word does not match: a word is wrong or out of order",
        ));
    }
    let mut seed = Vec::with_capacity(body.len() / 3 * 4);
    for (t, tri) in idx[..body.len()].chunks_exact(3).enumerate() {
        let (w1, w2, w3) = (tri[0], tri[1], tri[2]);
        let x = w1 + N * ((N - w1 + w2) % N) + N * N * ((N - w2 + w3) % N);
        if x % N != w1 || x > u32::MAX as u64 {
            return Err(Error::new(ErrorKind::MnemonicChecksum, format!("words {}-{} do not form a valid group", t * 3 + 1, t * 3 + 3)));
        }
        seed.extend_from_slice(&(x as u32).to_le_bytes());
    }
    Ok(seed)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn libsession_vectors() {
        let seed: Vec<u8> = (0u8..16).collect();
        let phrase = "amaze buffet cake entrance symptoms tiger lamb maze nestle python dusted faxed faxed";
        assert_eq!(encode(&seed).unwrap(), phrase);
        assert_eq!(decode(phrase).unwrap(), seed);
        let seed32: Vec<u8> = (0u8..32).collect();
        let phrase32 = "amaze buffet cake entrance symptoms tiger lamb maze nestle python dusted faxed \
            update vague zinger boxes ornament renting glass gained island nabbing afield calamity boxes";
        assert_eq!(encode(&seed32).unwrap(), phrase32);
        assert_eq!(decode(phrase32).unwrap(), seed32);
        assert_eq!(encode(&[0u8; 16]).unwrap(), vec!["abbey"; 13].join(" "));
    }

    #[test]
    fn normalises_whitespace_and_case() {
        let phrase = "  Amaze buffet\tCAKE entrance symptoms tiger lamb maze\nnestle python dusted faxed faxed ";
        assert_eq!(decode(phrase).unwrap(), (0u8..16).collect::<Vec<_>>());
    }

    #[test]
    fn distinct_errors() {
        let good = "amaze buffet cake entrance symptoms tiger lamb maze nestle python dusted faxed faxed";
        let twelve = good.rsplit_once(' ').unwrap().0;
        assert_eq!(decode(twelve).unwrap_err().kind(), ErrorKind::MnemonicWordCount);
        assert_eq!(decode("").unwrap_err().kind(), ErrorKind::MnemonicWordCount);
        assert_eq!(decode(&format!("{good} faxed")).unwrap_err().kind(), ErrorKind::MnemonicWordCount);
        let unknown = good.replace("cake", "qqqq");
        let e = decode(&unknown).unwrap_err();
        assert_eq!(e.kind(), ErrorKind::MnemonicUnknownWord);
        assert!(e.message().contains("word 3"), "{e}");
        assert_eq!(decode(&good.replace("cake", "ca")).unwrap_err().kind(), ErrorKind::MnemonicUnknownWord);
        assert_eq!(decode(&good.replace("cake", "çàke")).unwrap_err().kind(), ErrorKind::MnemonicUnknownWord);
        let wrong_check = good.rsplit_once(' ').unwrap().0.to_string() + " amaze";
        assert_eq!(decode(&wrong_check).unwrap_err().kind(), ErrorKind::MnemonicChecksum);
        // Swapping two words changes the checksum position or the value: caught.
        let swapped = good.replacen("amaze buffet", "buffet amaze", 1);
        assert_eq!(decode(&swapped).unwrap_err().kind(), ErrorKind::MnemonicChecksum);
    }

    #[test]
    fn round_trips_random_seeds() {
        for _ in 0..200 {
            let seed = crate::sodium::random_array::<16>();
            assert_eq!(decode(&encode(&seed).unwrap()).unwrap(), seed);
        }
    }
}
