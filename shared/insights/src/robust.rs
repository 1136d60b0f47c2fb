//! Robust location and spread: a viral post or a quiet week must not move the baseline it is
//! judged against, so outliers are measured with the median and the MAD, not mean and SD.

/// The median of `values` (none when empty).
pub fn median(values: &[f64]) -> Option<f64> {
    quantile(values, 0.5)
}

/// The `q` quantile (0 ≤ q ≤ 1) with linear interpolation between order statistics.
pub fn quantile(values: &[f64], q: f64) -> Option<f64> {
    if values.is_empty() {
        return None;
    }
    let mut sorted: Vec<f64> = values.iter().copied().filter(|v| v.is_finite()).collect();
    if sorted.is_empty() {
        return None;
    }
    sorted.sort_by(f64::total_cmp);
    let position = q.clamp(0.0, 1.0) * (sorted.len() - 1) as f64;
    let (low, high) = (position.floor() as usize, position.ceil() as usize);
    let weight = position - low as f64;
    Some(sorted[low] * (1.0 - weight) + sorted[high] * weight)
}

/// The median absolute deviation, scaled (×1.4826) to estimate the standard deviation of
/// normal data.
pub fn mad(values: &[f64]) -> Option<f64> {
    let center = median(values)?;
    let deviations: Vec<f64> = values.iter().map(|v| (v - center).abs()).collect();
    median(&deviations).map(|m| m * 1.4826)
}

/// A baseline: the median and robust spread of past values.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Baseline {
    pub median: f64,
    pub spread: f64,
    pub samples: usize,
}

impl Baseline {
    /// The baseline of `values`, with the spread floored at `min_spread` so a perfectly steady
    /// history does not make every small change infinitely unusual.
    pub fn of(values: &[f64], min_spread: f64) -> Option<Baseline> {
        Some(Baseline {
            median: median(values)?,
            spread: mad(values)?.max(min_spread),
            samples: values.len(),
        })
    }

    /// How many robust standard deviations `value` lies from the median.
    pub fn z(&self, value: f64) -> f64 {
        (value - self.median) / self.spread
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_median_ignores_one_huge_value() {
        let values = [10.0, 11.0, 9.0, 10.0, 1_000.0];
        assert_eq!(median(&values), Some(10.0));
        let baseline = Baseline::of(&values, 0.1).unwrap();
        assert!(baseline.spread < 2.0, "{baseline:?}");
        assert!(baseline.z(1_000.0) > 100.0);
    }

    #[test]
    fn quantiles_interpolate_and_empty_input_has_none() {
        assert_eq!(quantile(&[1.0, 2.0, 3.0, 4.0], 0.5), Some(2.5));
        assert_eq!(quantile(&[], 0.5), None);
        assert_eq!(Baseline::of(&[5.0, 5.0, 5.0], 1.0).unwrap().z(7.0), 2.0);
    }
}

/// A spike: the last of `series` (oldest first) against the ones before, when it is at least
/// `min_z` robust spreads above their median (spread floored at `min_spread`). Returns the
/// value, the baseline median and z.
pub fn spike(series: &[f64], min_spread: f64, min_z: f64) -> Option<(f64, f64, f64)> {
    let (last, before) = series.split_last()?;
    if before.len() < 5 {
        return None;
    }
    let baseline = Baseline::of(before, min_spread)?;
    let z = baseline.z(*last);
    (z >= min_z).then_some((*last, baseline.median, (z * 10.0).round() / 10.0))
}

#[cfg(test)]
mod spike_tests {
    use super::spike;

    #[test]
    fn a_jump_in_daily_growth_is_a_spike_and_steady_growth_is_not() {
        let steady = [40.0, 41.0, 39.0, 42.0, 40.0, 41.0, 43.0];
        assert!(spike(&steady, 1.0, 4.0).is_none());
        let jump = [40.0, 41.0, 39.0, 42.0, 40.0, 41.0, 400.0];
        let (value, baseline, z) = spike(&jump, 1.0, 4.0).unwrap();
        assert_eq!((value, baseline), (400.0, 40.5));
        assert!(z > 100.0);
    }
}
