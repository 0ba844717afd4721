//! JPEG metadata removal: drop EXIF (including GPS position and camera serials), XMP, IPTC and
//! comment segments, keeping what decoding and colour need (JFIF, ICC profile, Adobe, frame and
//! scan data).

use crate::error::{Error, Result};
use img_parts::jpeg::{markers, Jpeg};

/// APP1: EXIF and XMP. APP13: IPTC / Photoshop. COM: comments. APP3–APP12 and APP15: vendor
/// metadata (maker notes, previews). Kept: APP0 (JFIF), APP2 (ICC profile), APP14 (Adobe colour
/// transform).
fn is_metadata(marker: u8) -> bool {
    matches!(marker, markers::APP1 | markers::APP13 | markers::COM)
        || (markers::APP3..=markers::APP12).contains(&marker)
        || marker == markers::APP15
}

/// Whether the bytes look like a JPEG (SOI marker).
pub fn is_jpeg(data: &[u8]) -> bool {
    data.len() > 3 && data[0] == 0xFF && data[1] == 0xD8 && data[2] == 0xFF
}

/// `data` without its metadata when it is a JPEG and `strip` is on (the client's setting);
/// anything else as it is.
pub fn strip_metadata_if(data: Vec<u8>, strip: bool) -> Result<Vec<u8>> {
    if strip && is_jpeg(&data) {
        strip_metadata(&data)
    } else {
        Ok(data)
    }
}

/// The JPEG without its metadata segments. Fails (rather than sending the original) when the
/// file cannot be parsed as a JPEG.
pub fn strip_metadata(data: &[u8]) -> Result<Vec<u8>> {
    let mut jpeg = Jpeg::from_bytes(bytes::Bytes::copy_from_slice(data))
        .map_err(|e| Error::malformed(format!("not a valid JPEG ({e}); refusing to send it with its metadata")))?;
    jpeg.segments_mut().retain(|s| !is_metadata(s.marker()));
    Ok(jpeg.encoder().bytes().to_vec())
}

#[cfg(test)]
mod tests {
    include!("../../tests/fixtures/gps_jpeg.rs");
    use super::*;

    #[test]
    fn gps_tags_are_removed_and_the_image_still_decodes() {
        let original = jpeg_with_gps();
        assert!(is_jpeg(&original));
        assert!(has_gps(&original), "the fixture carries GPS");
        let stripped = strip_metadata(&original).unwrap();
        assert!(!has_gps(&stripped));
        assert!(!stripped.windows(6).any(|w| w == b"Exif\0\0"));
        assert_eq!(decoded_size(&stripped), (64, 48));
        assert!(strip_metadata(b"\xff\xd8\xff garbage").is_err());
        assert!(!is_jpeg(b"PNG"));
    }
}
