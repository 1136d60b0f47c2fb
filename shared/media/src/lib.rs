//! Media files, without I/O: what a file really is (from its first bytes, never its name or
//! declared type), its dimensions or duration, and the variants each platform needs.

mod probe;
mod sniff;
mod variants;

pub use probe::{MediaProbe, ProbeError, probe};
pub use sniff::{SNIFF_BYTES, sniff};
pub use variants::{Variant, VariantError, render_decoded, render_variant};

/// Decoding, exposed so a caller rendering several variants decodes once.
pub use image::{DynamicImage, load_from_memory as decode};

/// Every platform's variant of one image, decoded once.
pub fn render_all(source: &[u8]) -> Result<Vec<Variant>, VariantError> {
    let decoded = decode(source).map_err(|e| VariantError::Undecodable(e.to_string()))?;
    domain::Platform::ALL
        .iter()
        .map(|platform| render_decoded(&decoded, *platform))
        .collect()
}
