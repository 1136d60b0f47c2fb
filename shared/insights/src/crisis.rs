//! Crisis levels from the negative mentions of a recent window against the organization's own
//! baseline (the same-length windows of the previous 14 days).
//!
//! Negative mentions per window are taken as Poisson around the baseline mean, so the surprise
//! is z = (negative − mean) / √max(mean, 0.5). Then, with the share of negative mentions:
//! - **crisis**: ≥ 10 negative, ≥ 50 % negative and z ≥ 6;
//! - **warning**: ≥ 5 negative, ≥ 35 % negative and z ≥ 4;
//! - **watch**: ≥ 3 negative and z ≥ 2.5, or a negative share twice the baseline's (≥ 3 negative);
//! - **normal** otherwise.

#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    PartialOrd,
    Ord,
    serde::Serialize,
    serde::Deserialize,
    schemars::JsonSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum Level {
    Normal,
    Watch,
    Warning,
    Crisis,
}

impl Level {
    pub const fn as_str(self) -> &'static str {
        match self {
            Level::Normal => "normal",
            Level::Watch => "watch",
            Level::Warning => "warning",
            Level::Crisis => "crisis",
        }
    }

    pub fn parse(text: &str) -> Option<Level> {
        [Level::Normal, Level::Watch, Level::Warning, Level::Crisis]
            .into_iter()
            .find(|l| l.as_str() == text)
    }
}

/// The counts a level is judged on.
#[derive(
    Debug, Clone, Copy, PartialEq, serde::Serialize, serde::Deserialize, schemars::JsonSchema,
)]
pub struct Volumes {
    pub window_hours: u32,
    pub mentions: u32,
    pub negative: u32,
    /// Mean negative mentions per window over the baseline days.
    pub baseline_negative_per_window: f64,
    /// The baseline's share of negative mentions.
    pub baseline_ratio: f64,
}

#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Assessment {
    pub level: Level,
    pub negative_ratio: f64,
    pub z: f64,
}

pub fn assess(v: &Volumes) -> Assessment {
    let negative = f64::from(v.negative);
    let ratio = if v.mentions > 0 {
        negative / f64::from(v.mentions)
    } else {
        0.0
    };
    let mean = v.baseline_negative_per_window;
    let z = (negative - mean) / mean.max(0.5).sqrt();
    let level = if v.negative >= 10 && ratio >= 0.5 && z >= 6.0 {
        Level::Crisis
    } else if v.negative >= 5 && ratio >= 0.35 && z >= 4.0 {
        Level::Warning
    } else if v.negative >= 3
        && (z >= 2.5 || (v.baseline_ratio > 0.0 && ratio >= 2.0 * v.baseline_ratio))
    {
        Level::Watch
    } else {
        Level::Normal
    };
    Assessment {
        level,
        negative_ratio: (ratio * 1000.0).round() / 1000.0,
        z: (z * 10.0).round() / 10.0,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn volumes(mentions: u32, negative: u32) -> Volumes {
        Volumes {
            window_hours: 6,
            mentions,
            negative,
            baseline_negative_per_window: 0.8,
            baseline_ratio: 0.1,
        }
    }

    #[test]
    fn a_flood_of_complaints_is_a_crisis_and_a_grumble_is_not() {
        assert_eq!(assess(&volumes(40, 31)).level, Level::Crisis);
        assert_eq!(assess(&volumes(12, 6)).level, Level::Warning);
        assert_eq!(assess(&volumes(20, 4)).level, Level::Watch);
        assert_eq!(assess(&volumes(10, 1)).level, Level::Normal);
        assert_eq!(assess(&volumes(0, 0)).level, Level::Normal);
    }

    #[test]
    fn what_is_normal_for_a_noisy_brand_is_not_a_crisis() {
        let v = Volumes {
            window_hours: 6,
            mentions: 60,
            negative: 12,
            baseline_negative_per_window: 11.0,
            baseline_ratio: 0.2,
        };
        assert_eq!(assess(&v).level, Level::Normal);
    }
}
