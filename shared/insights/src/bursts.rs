//! Bursts: is a term's volume over the last day unusual against its own previous days?
//!
//! The baseline is the median of the previous six days' counts, with a spread that is the
//! larger of their MAD and the Poisson noise of the median (√median, at least 1): a quiet term
//! going from 2 to 6 is noise, one going from 120 to 900 is not. A term is **emerging** when
//! the last day is at least 1.5× its baseline and 3 spreads above it, **declining** when it is
//! at most 0.67× and 3 spreads below, **steady** otherwise.

use crate::robust::{self, Baseline};

pub const RISE_RATIO: f64 = 1.5;
pub const FALL_RATIO: f64 = 0.67;
pub const MIN_Z: f64 = 3.0;

#[derive(
    Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize, schemars::JsonSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum TermStatus {
    Emerging,
    Declining,
    Steady,
}

#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Burst {
    pub recent: f64,
    pub baseline_per_day: f64,
    pub ratio: f64,
    pub z: f64,
    pub status: TermStatus,
}

/// Judges the last of `daily` counts (oldest first) against the days before it.
pub fn judge(daily: &[f64]) -> Option<Burst> {
    let (recent, previous) = daily.split_last()?;
    if previous.is_empty() {
        return None;
    }
    let center = robust::median(previous)?;
    let noise = center.sqrt().max(1.0);
    let baseline = Baseline::of(previous, noise)?;
    let z = baseline.z(*recent);
    let ratio = (recent + 1.0) / (baseline.median + 1.0);
    let status = if ratio >= RISE_RATIO && z >= MIN_Z {
        TermStatus::Emerging
    } else if ratio <= FALL_RATIO && z <= -MIN_Z {
        TermStatus::Declining
    } else {
        TermStatus::Steady
    };
    Some(Burst {
        recent: *recent,
        baseline_per_day: baseline.median,
        ratio: (ratio * 100.0).round() / 100.0,
        z: (z * 10.0).round() / 10.0,
        status,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_sevenfold_day_is_emerging_and_small_wobbles_are_not() {
        let burst = judge(&[120.0, 118.0, 125.0, 119.0, 130.0, 121.0, 900.0]).unwrap();
        assert_eq!(burst.status, TermStatus::Emerging);
        assert!(burst.z > 50.0 && burst.ratio > 7.0, "{burst:?}");
        assert_eq!(
            judge(&[2.0, 3.0, 1.0, 2.0, 2.0, 3.0, 6.0]).unwrap().status,
            TermStatus::Steady
        );
    }

    #[test]
    fn a_collapse_is_declining() {
        let burst = judge(&[400.0, 410.0, 395.0, 405.0, 398.0, 402.0, 90.0]).unwrap();
        assert_eq!(burst.status, TermStatus::Declining);
        assert!(judge(&[5.0]).is_none());
    }
}
