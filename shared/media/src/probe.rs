use std::io::Cursor;

use domain::MediaType;
use image::ImageReader;

/// What probing a file found.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct MediaProbe {
    pub width: Option<u32>,
    pub height: Option<u32>,
    pub duration_ms: Option<u64>,
}

#[derive(Debug, thiserror::Error)]
pub enum ProbeError {
    #[error("the image could not be read: {0}")]
    UnreadableImage(String),
}

/// Dimensions of an image (from its header), or the duration of a video (from its `mvhd` box
/// when the `moov` box comes first, as in files prepared for streaming).
pub fn probe(kind: MediaType, bytes: &[u8]) -> Result<MediaProbe, ProbeError> {
    if kind.is_video() {
        return Ok(MediaProbe {
            duration_ms: mp4_duration_ms(bytes),
            ..MediaProbe::default()
        });
    }
    let format = match kind {
        MediaType::Jpeg => image::ImageFormat::Jpeg,
        MediaType::Png => image::ImageFormat::Png,
        MediaType::Gif => image::ImageFormat::Gif,
        _ => image::ImageFormat::WebP,
    };
    let (width, height) = ImageReader::with_format(Cursor::new(bytes), format)
        .into_dimensions()
        .map_err(|e| ProbeError::UnreadableImage(e.to_string()))?;
    Ok(MediaProbe {
        width: Some(width),
        height: Some(height),
        duration_ms: None,
    })
}

/// Walks ISO BMFF boxes: top level, then into `moov`, to the movie header.
fn mp4_duration_ms(bytes: &[u8]) -> Option<u64> {
    let moov = find_box(bytes, b"moov")?;
    let mvhd = find_box(moov, b"mvhd")?;
    let version = *mvhd.first()?;
    let (timescale, duration) = if version == 1 {
        let timescale = u32::from_be_bytes(mvhd.get(20..24)?.try_into().ok()?);
        let duration = u64::from_be_bytes(mvhd.get(24..32)?.try_into().ok()?);
        (timescale, duration)
    } else {
        let timescale = u32::from_be_bytes(mvhd.get(12..16)?.try_into().ok()?);
        let duration = u32::from_be_bytes(mvhd.get(16..20)?.try_into().ok()?);
        (timescale, u64::from(duration))
    };
    (timescale > 0).then(|| duration.saturating_mul(1000) / u64::from(timescale))
}

/// The payload of the first box of `kind` among `data`'s boxes.
fn find_box<'a>(mut data: &'a [u8], kind: &[u8; 4]) -> Option<&'a [u8]> {
    while data.len() >= 8 {
        let size = u32::from_be_bytes(data[0..4].try_into().ok()?) as usize;
        let (header, size) = match size {
            1 => (
                16,
                usize::try_from(u64::from_be_bytes(data.get(8..16)?.try_into().ok()?)).ok()?,
            ),
            0 => (8, data.len()),
            n => (8, n),
        };
        if size < header || size > data.len() {
            return None;
        }
        if &data[4..8] == kind {
            return Some(&data[header..size]);
        }
        data = &data[size..];
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn mp4_box(kind: &[u8; 4], payload: &[u8]) -> Vec<u8> {
        let mut out = ((payload.len() + 8) as u32).to_be_bytes().to_vec();
        out.extend_from_slice(kind);
        out.extend_from_slice(payload);
        out
    }

    #[test]
    fn a_streaming_mp4_reports_its_duration() {
        let mut mvhd = vec![0u8; 100];
        mvhd[12..16].copy_from_slice(&1000u32.to_be_bytes());
        mvhd[16..20].copy_from_slice(&12_500u32.to_be_bytes());
        let mut file = mp4_box(b"ftyp", b"isom\0\0\0\0isom");
        file.extend(mp4_box(b"moov", &mp4_box(b"mvhd", &mvhd)));
        file.extend(mp4_box(b"mdat", &[0; 32]));
        assert_eq!(
            probe(MediaType::Mp4, &file).unwrap().duration_ms,
            Some(12_500)
        );
        assert_eq!(
            probe(MediaType::Mp4, &file[..20]).unwrap().duration_ms,
            None
        );
    }

    #[test]
    fn a_png_reports_its_dimensions() {
        let mut bytes = Vec::new();
        image::RgbImage::new(31, 17)
            .write_to(&mut Cursor::new(&mut bytes), image::ImageFormat::Png)
            .unwrap();
        let probe = probe(MediaType::Png, &bytes).unwrap();
        assert_eq!((probe.width, probe.height), (Some(31), Some(17)));
        assert!(super::probe(MediaType::Jpeg, b"\xFF\xD8\xFFnot really").is_err());
    }
}
