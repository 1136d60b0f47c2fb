use std::io::Cursor;

use domain::{MediaType, Platform};
use image::codecs::jpeg::JpegEncoder;
use image::imageops::FilterType;
use image::{DynamicImage, GenericImageView, RgbImage};

/// One rendered variant, ready to store.
#[derive(Debug, Clone)]
pub struct Variant {
    pub platform: Platform,
    pub media_type: MediaType,
    pub width: u32,
    pub height: u32,
    pub bytes: Vec<u8>,
}

#[derive(Debug, thiserror::Error)]
pub enum VariantError {
    #[error("only images have variants; videos are published as uploaded")]
    NotAnImage,
    #[error("the image could not be decoded: {0}")]
    Undecodable(String),
    #[error("the image is {width} × {height} pixels, more than this service decodes")]
    TooManyPixels { width: u32, height: u32 },
    #[error("no encoding of the image fits {platform}'s {max_bytes} byte limit")]
    TooLarge { platform: Platform, max_bytes: u64 },
}

/// JPEG qualities tried in turn until the file fits the platform's byte cap.
const QUALITIES: [u8; 4] = [85, 75, 65, 55];

/// Renders the variant `platform` needs: centre-cropped into its aspect-ratio range, scaled to
/// its longest side, re-encoded as JPEG (accepted everywhere) under its byte cap.
pub fn render_variant(
    source: &[u8],
    source_type: MediaType,
    platform: Platform,
) -> Result<Variant, VariantError> {
    if source_type.is_video() {
        return Err(VariantError::NotAnImage);
    }
    render_decoded(&crate::decode(source)?, platform)
}

/// As [`render_variant`], for an image decoded once and shared by all platforms.
pub fn render_decoded(image: &DynamicImage, platform: Platform) -> Result<Variant, VariantError> {
    let rules = platform.image_rules();
    let cropped = crop_to_aspect(image, rules.aspect_ratio);
    let mut scaled = fit_within(cropped, rules.max_side);
    let mut rgb = flatten_on_white(&scaled);
    // Shrinking is the last resort, after quality.
    for _ in 0..4 {
        for quality in QUALITIES {
            let mut bytes = Vec::new();
            JpegEncoder::new_with_quality(&mut Cursor::new(&mut bytes), quality)
                .encode_image(&rgb)
                .map_err(|e| VariantError::Undecodable(e.to_string()))?;
            if bytes.len() as u64 <= rules.max_bytes {
                return Ok(Variant {
                    platform,
                    media_type: MediaType::Jpeg,
                    width: rgb.width(),
                    height: rgb.height(),
                    bytes,
                });
            }
        }
        let (w, h) = scaled.dimensions();
        scaled = scaled.resize(w * 4 / 5, h * 4 / 5, FilterType::Triangle);
        rgb = flatten_on_white(&scaled);
    }
    Err(VariantError::TooLarge {
        platform,
        max_bytes: rules.max_bytes,
    })
}

fn crop_to_aspect(image: &DynamicImage, range: Option<(f64, f64)>) -> DynamicImage {
    let (width, height) = image.dimensions();
    let Some((min, max)) = range else {
        return image.clone();
    };
    let ratio = f64::from(width) / f64::from(height);
    if ratio < min {
        let new_height = (f64::from(width) / min).floor().max(1.0) as u32;
        image.crop_imm(0, (height - new_height) / 2, width, new_height)
    } else if ratio > max {
        let new_width = (f64::from(height) * max).floor().max(1.0) as u32;
        image.crop_imm((width - new_width) / 2, 0, new_width, height)
    } else {
        image.clone()
    }
}

fn fit_within(image: DynamicImage, max_side: u32) -> DynamicImage {
    let (width, height) = image.dimensions();
    if width.max(height) <= max_side {
        image
    } else {
        image.resize(max_side, max_side, FilterType::CatmullRom)
    }
}

/// JPEG has no transparency: transparent pixels become white, not black.
fn flatten_on_white(image: &DynamicImage) -> RgbImage {
    if !image.color().has_alpha() {
        return image.to_rgb8();
    }
    let rgba = image.to_rgba8();
    RgbImage::from_fn(rgba.width(), rgba.height(), |x, y| {
        let [r, g, b, a] = rgba.get_pixel(x, y).0;
        let blend =
            |c: u8| ((u16::from(c) * u16::from(a) + 255 * (255 - u16::from(a))) / 255) as u8;
        image::Rgb([blend(r), blend(g), blend(b)])
    })
}

/// Whether a platform takes the original as it is: an accepted type, under its byte cap, inside
/// its aspect range and no larger than its longest side. Then no variant is stored for it.
pub fn original_fits(
    platform: Platform,
    media_type: MediaType,
    bytes: u64,
    width: u32,
    height: u32,
) -> bool {
    let rules = platform.image_rules();
    let aspect_ok = rules.aspect_ratio.is_none_or(|(min, max)| {
        let ratio = f64::from(width) / f64::from(height.max(1));
        ratio >= min - 0.01 && ratio <= max + 0.01
    });
    rules.accepted.contains(&media_type)
        && bytes <= rules.max_bytes
        && aspect_ok
        && width.max(height) <= rules.max_side
}

/// What each platform gets: the original, or a rendering of its own.
#[derive(Debug, Clone)]
pub enum PlannedVariant {
    Original(Platform),
    Rendered(Variant),
}

/// Every platform's variant of one image: the original wherever it already fits, otherwise a
/// rendering (decoded once, and only when some platform needs one).
pub fn plan_variants(
    source: &[u8],
    media_type: MediaType,
    width: u32,
    height: u32,
) -> Result<Vec<PlannedVariant>, VariantError> {
    if media_type.is_video() {
        return Err(VariantError::NotAnImage);
    }
    let fits = |p: Platform| original_fits(p, media_type, source.len() as u64, width, height);
    let mut decoded = None;
    let mut planned = Vec::new();
    for platform in Platform::ALL {
        if fits(*platform) {
            planned.push(PlannedVariant::Original(*platform));
            continue;
        }
        if decoded.is_none() {
            decoded = Some(crate::decode(source)?);
        }
        let image = decoded.as_ref().expect("decoded above");
        planned.push(PlannedVariant::Rendered(render_decoded(image, *platform)?));
    }
    Ok(planned)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_original_that_fits_is_reused_and_only_the_others_are_rendered() {
        let reused = |planned: &[PlannedVariant]| -> Vec<Platform> {
            planned
                .iter()
                .filter_map(|v| match v {
                    PlannedVariant::Original(p) => Some(*p),
                    PlannedVariant::Rendered(_) => None,
                })
                .collect()
        };
        // A 1200 x 1000 JPEG fits every platform as it is: nothing is rendered.
        let fits_all = plan_variants(&jpeg(1200, 1000), MediaType::Jpeg, 1200, 1000).unwrap();
        assert_eq!(reused(&fits_all), Platform::ALL);
        // A 3:1 banner: X and LinkedIn take it; Facebook (longest side), Instagram and TikTok
        // (aspect) get renderings.
        let banner = plan_variants(&jpeg(3000, 1000), MediaType::Jpeg, 3000, 1000).unwrap();
        assert_eq!(reused(&banner), [Platform::X, Platform::LinkedIn]);
        assert_eq!(banner.len(), Platform::ALL.len());
    }

    fn jpeg(width: u32, height: u32) -> Vec<u8> {
        let image = RgbImage::from_fn(width, height, |x, y| {
            image::Rgb([(x % 256) as u8, (y % 256) as u8, 128])
        });
        let mut bytes = Vec::new();
        image
            .write_to(&mut Cursor::new(&mut bytes), image::ImageFormat::Jpeg)
            .unwrap();
        bytes
    }

    #[test]
    fn instagram_variants_are_cropped_into_its_aspect_range_and_scaled() {
        // A tall 1:3 portrait must become 4:5; a wide 3:1 banner 1.91:1.
        let tall = render_variant(&jpeg(600, 1800), MediaType::Jpeg, Platform::Instagram).unwrap();
        assert_eq!(tall.media_type, MediaType::Jpeg);
        let ratio = f64::from(tall.width) / f64::from(tall.height);
        assert!((ratio - 0.8).abs() < 0.01, "{}x{}", tall.width, tall.height);
        let wide = render_variant(&jpeg(3000, 1000), MediaType::Jpeg, Platform::Instagram).unwrap();
        assert!(wide.width <= 1440 && wide.height <= 1440);
        let ratio = f64::from(wide.width) / f64::from(wide.height);
        assert!(
            (ratio - 1.91).abs() < 0.01,
            "{}x{}",
            wide.width,
            wide.height
        );
    }

    #[test]
    fn a_transparent_png_is_flattened_on_white() {
        let png = image::RgbaImage::from_pixel(10, 10, image::Rgba([0, 0, 0, 0]));
        let mut bytes = Vec::new();
        png.write_to(&mut Cursor::new(&mut bytes), image::ImageFormat::Png)
            .unwrap();
        let variant = render_variant(&bytes, MediaType::Png, Platform::X).unwrap();
        let decoded = image::load_from_memory(&variant.bytes).unwrap().to_rgb8();
        assert!(decoded.get_pixel(5, 5).0.iter().all(|c| *c > 240));
    }

    #[test]
    fn videos_have_no_variants() {
        assert!(matches!(
            render_variant(b"..", MediaType::Mp4, Platform::X),
            Err(VariantError::NotAnImage)
        ));
    }
}
