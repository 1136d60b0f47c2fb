//! Media: the library service ([`library`]: uploads, confirmation, edits, variants, usage),
//! and its pure parts, without I/O: what a file really is (from its first bytes, never its name
//! or declared type), its dimensions or duration, and the variants each platform needs.

pub mod library;
mod probe;
mod sniff;
mod variants;

pub use probe::{MediaProbe, ProbeError, probe};
pub use sniff::{SNIFF_BYTES, sniff};
pub use variants::{
    PlannedVariant, Variant, VariantError, original_fits, plan_variants, render_decoded,
    render_variant,
};

pub use image::DynamicImage;

/// The largest image decoded: 100 megapixels (a 12,000 × 8,000 photo is 96), and at most
/// 1 GiB of decoded data. A file declaring more is refused from its header, before any pixel
/// is allocated, so a small "image bomb" cannot exhaust the function's memory.
pub const MAX_DECODED_PIXELS: u64 = 100_000_000;
const MAX_DECODE_ALLOC: u64 = 1024 * 1024 * 1024;

/// Decodes an image within [`MAX_DECODED_PIXELS`]; exposed so a caller rendering several
/// variants decodes once.
pub fn decode(source: &[u8]) -> Result<DynamicImage, VariantError> {
    let mut reader = image::ImageReader::new(std::io::Cursor::new(source))
        .with_guessed_format()
        .map_err(|e| VariantError::Undecodable(e.to_string()))?;
    let (width, height) = reader
        .into_dimensions()
        .map_err(|e| VariantError::Undecodable(e.to_string()))?;
    if u64::from(width) * u64::from(height) > MAX_DECODED_PIXELS {
        return Err(VariantError::TooManyPixels { width, height });
    }
    reader = image::ImageReader::new(std::io::Cursor::new(source))
        .with_guessed_format()
        .map_err(|e| VariantError::Undecodable(e.to_string()))?;
    let mut limits = image::Limits::default();
    limits.max_image_width = Some(width);
    limits.max_image_height = Some(height);
    limits.max_alloc = Some(MAX_DECODE_ALLOC);
    reader.limits(limits);
    reader
        .decode()
        .map_err(|e| VariantError::Undecodable(e.to_string()))
}

/// Every platform's variant of one image, decoded once.
pub fn render_all(source: &[u8]) -> Result<Vec<Variant>, VariantError> {
    let decoded = decode(source)?;
    domain::Platform::ALL
        .iter()
        .map(|platform| render_decoded(&decoded, *platform))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use image::ImageEncoder;

    #[test]
    fn an_image_declaring_too_many_pixels_is_refused_before_decoding() {
        // A 20,000 × 20,000 PNG header (400 megapixels) over a few hundred bytes.
        let mut png = Vec::new();
        image::codecs::png::PngEncoder::new(&mut png)
            .write_image(&[0u8; 3], 1, 1, image::ExtendedColorType::Rgb8)
            .unwrap();
        // Rewrite the IHDR dimensions (bytes 16..24) and its CRC (bytes 29..33).
        png[16..20].copy_from_slice(&20_000u32.to_be_bytes());
        png[20..24].copy_from_slice(&20_000u32.to_be_bytes());
        let crc = crc32(&png[12..29]);
        png[29..33].copy_from_slice(&crc.to_be_bytes());
        assert!(matches!(
            decode(&png),
            Err(VariantError::TooManyPixels {
                width: 20_000,
                height: 20_000
            })
        ));
        assert!(render_all(&png).is_err());
    }

    fn crc32(bytes: &[u8]) -> u32 {
        let mut crc = 0xFFFF_FFFFu32;
        for byte in bytes {
            crc ^= u32::from(*byte);
            for _ in 0..8 {
                crc = if crc & 1 == 1 {
                    (crc >> 1) ^ 0xEDB8_8320
                } else {
                    crc >> 1
                };
            }
        }
        !crc
    }
}
