//! Message padding: `P ‖ 0x80 ‖ 0x00…` to a multiple of 160 bytes, applied to a serialized
//! `Content` before 1:1 encryption or community posting.

/// The padding block size.
pub const BLOCK: usize = 160;

/// Pad as the newest reference clients do (libsession): always at least one 0x80 byte, then zeros
/// so the length is a multiple of 160; when `len + 1` is already a multiple of 160 a whole extra
/// block of zeros follows.
pub fn pad(plain: &[u8]) -> Vec<u8> {
    let zeros = BLOCK - (plain.len() + 1) % BLOCK;
    let mut out = Vec::with_capacity(plain.len() + 1 + zeros);
    out.extend_from_slice(plain);
    out.push(0x80);
    out.resize(plain.len() + 1 + zeros, 0);
    out
}

/// Remove padding: drop trailing zeros, then one 0x80 if present. Input without padding is
/// returned unchanged (as the reference does), so both padded lengths in use are accepted.
pub fn unpad(padded: &[u8]) -> &[u8] {
    let end = padded.iter().rposition(|&b| b != 0).map_or(0, |i| i + 1);
    match padded[..end].last() {
        Some(0x80) => &padded[..end - 1],
        _ => &padded[..end],
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lengths_and_round_trip() {
        for n in 0..500 {
            let p: Vec<u8> = (0..n).map(|i| (i % 250 + 1) as u8).collect();
            let padded = pad(&p);
            assert_eq!(padded.len() % BLOCK, 0, "n={n}");
            assert!(padded.len() > n);
            assert_eq!(unpad(&padded), &p[..]);
        }
        assert_eq!(pad(&[1u8; 159]).len(), 320); // len+1 = 160: an extra block
        assert_eq!(pad(&[1u8; 158]).len(), 160);
    }

    #[test]
    fn legacy_padding_and_unpadded_input() {
        // Legacy clients pad to exactly ceil((n+1)/160)*160.
        let mut legacy = vec![7u8; 159];
        legacy.push(0x80);
        assert_eq!(unpad(&legacy), &[7u8; 159][..]);
        assert_eq!(unpad(b"abc"), b"abc");
        assert_eq!(unpad(&[0, 0]), b"");
        assert_eq!(unpad(&[]), b"");
    }
}
