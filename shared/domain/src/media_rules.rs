//! What each platform accepts as media: the one place both media optimisation and post
//! validation read (sizes, types, aspect ratios, dimensions).

use crate::Platform;

/// Media types the library accepts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum MediaType {
    Jpeg,
    Png,
    Gif,
    Webp,
    Mp4,
    QuickTime,
}

impl MediaType {
    pub const ALL: &'static [MediaType] = &[
        MediaType::Jpeg,
        MediaType::Png,
        MediaType::Gif,
        MediaType::Webp,
        MediaType::Mp4,
        MediaType::QuickTime,
    ];

    pub const fn mime(self) -> &'static str {
        match self {
            MediaType::Jpeg => "image/jpeg",
            MediaType::Png => "image/png",
            MediaType::Gif => "image/gif",
            MediaType::Webp => "image/webp",
            MediaType::Mp4 => "video/mp4",
            MediaType::QuickTime => "video/quicktime",
        }
    }

    pub fn from_mime(mime: &str) -> Option<MediaType> {
        let mime = mime.trim().to_ascii_lowercase();
        let mime = if mime == "image/jpg" {
            "image/jpeg".to_owned()
        } else {
            mime
        };
        MediaType::ALL.iter().copied().find(|t| t.mime() == mime)
    }

    pub const fn is_video(self) -> bool {
        matches!(self, MediaType::Mp4 | MediaType::QuickTime)
    }

    pub const fn kind(self) -> &'static str {
        if self.is_video() { "video" } else { "image" }
    }

    pub const fn extension(self) -> &'static str {
        match self {
            MediaType::Jpeg => "jpg",
            MediaType::Png => "png",
            MediaType::Gif => "gif",
            MediaType::Webp => "webp",
            MediaType::Mp4 => "mp4",
            MediaType::QuickTime => "mov",
        }
    }
}

/// The largest file the library accepts.
pub const MAX_UPLOAD_BYTES: i64 = 100 * 1024 * 1024;

/// How a platform wants still images.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ImageRules {
    /// Image types the platform takes as they are.
    pub accepted: &'static [MediaType],
    pub max_bytes: u64,
    /// Width / height bounds; `None` when any shape is fine.
    pub aspect_ratio: Option<(f64, f64)>,
    /// The longest side a variant is resized to.
    pub max_side: u32,
    /// Images per post at most.
    pub max_per_post: u32,
}

impl Platform {
    pub const fn image_rules(self) -> ImageRules {
        use MediaType::*;
        match self {
            // X: 5 MB per image, 4 images per post.
            Platform::X => ImageRules {
                accepted: &[Jpeg, Png, Gif, Webp],
                max_bytes: 5 * 1024 * 1024,
                aspect_ratio: None,
                max_side: 4096,
                max_per_post: 4,
            },
            // Instagram: JPEG only, 8 MB, aspect 4:5 to 1.91:1, carousels of 10.
            Platform::Instagram => ImageRules {
                accepted: &[Jpeg],
                max_bytes: 8 * 1024 * 1024,
                aspect_ratio: Some((0.8, 1.91)),
                max_side: 1440,
                max_per_post: 10,
            },
            Platform::Facebook => ImageRules {
                accepted: &[Jpeg, Png, Gif, Webp],
                max_bytes: 10 * 1024 * 1024,
                aspect_ratio: None,
                max_side: 2048,
                max_per_post: 10,
            },
            Platform::LinkedIn => ImageRules {
                accepted: &[Jpeg, Png, Gif],
                max_bytes: 8 * 1024 * 1024,
                aspect_ratio: Some((1.0 / 3.0, 3.0)),
                max_side: 4096,
                max_per_post: 20,
            },
            // TikTok photo posts: JPG/WEBP, up to 35 photos.
            Platform::TikTok => ImageRules {
                accepted: &[Jpeg, Webp],
                max_bytes: 20 * 1024 * 1024,
                aspect_ratio: Some((0.5, 2.0)),
                max_side: 1920,
                max_per_post: 35,
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mime_types_round_trip_and_jpg_is_an_alias() {
        for t in MediaType::ALL {
            assert_eq!(MediaType::from_mime(t.mime()), Some(*t));
        }
        assert_eq!(MediaType::from_mime("IMAGE/JPG"), Some(MediaType::Jpeg));
        assert_eq!(MediaType::from_mime("image/bmp"), None);
    }

    #[test]
    fn instagram_takes_only_jpeg_within_its_aspect_range() {
        let rules = Platform::Instagram.image_rules();
        assert_eq!(rules.accepted, &[MediaType::Jpeg]);
        assert_eq!(rules.aspect_ratio, Some((0.8, 1.91)));
        assert_eq!(Platform::X.image_rules().max_bytes, 5 * 1024 * 1024);
    }
}
