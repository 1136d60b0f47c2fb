use domain::MediaType;

/// How many leading bytes sniffing needs.
pub const SNIFF_BYTES: usize = 16;

/// The real type of a file from its magic bytes.
pub fn sniff(head: &[u8]) -> Option<MediaType> {
    match head {
        [0xFF, 0xD8, 0xFF, ..] => Some(MediaType::Jpeg),
        [0x89, b'P', b'N', b'G', 0x0D, 0x0A, 0x1A, 0x0A, ..] => Some(MediaType::Png),
        [b'G', b'I', b'F', b'8', b'7' | b'9', b'a', ..] => Some(MediaType::Gif),
        [
            b'R',
            b'I',
            b'F',
            b'F',
            _,
            _,
            _,
            _,
            b'W',
            b'E',
            b'B',
            b'P',
            ..,
        ] => Some(MediaType::Webp),
        // ISO base media files start with an `ftyp` box; QuickTime declares the `qt  ` brand.
        [
            _,
            _,
            _,
            _,
            b'f',
            b't',
            b'y',
            b'p',
            b'q',
            b't',
            b' ',
            b' ',
            ..,
        ] => Some(MediaType::QuickTime),
        [_, _, _, _, b'f', b't', b'y', b'p', ..] => Some(MediaType::Mp4),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn magic_bytes_decide_the_type() {
        assert_eq!(
            sniff(&[0xFF, 0xD8, 0xFF, 0xE0, 0, 0]),
            Some(MediaType::Jpeg)
        );
        assert_eq!(sniff(b"\x89PNG\r\n\x1a\n...."), Some(MediaType::Png));
        assert_eq!(sniff(b"GIF89a......"), Some(MediaType::Gif));
        assert_eq!(sniff(b"RIFF\0\0\0\0WEBPVP8 "), Some(MediaType::Webp));
        assert_eq!(sniff(b"\0\0\0\x20ftypisom\0\0\0\0"), Some(MediaType::Mp4));
        assert_eq!(
            sniff(b"\0\0\0\x14ftypqt  \0\0\0\0"),
            Some(MediaType::QuickTime)
        );
        assert_eq!(sniff(b"<html><body>"), None);
        assert_eq!(sniff(b""), None);
    }
}
