//! Metrics in CloudWatch's Embedded Metric Format: one JSON line on stdout per data point,
//! which Lambda ships to CloudWatch Logs and CloudWatch turns into metrics (no API call, no
//! latency on the request). The alarms in `template.yaml` watch these. Outside Lambda the
//! same point is a debug log line.

use std::time::{SystemTime, UNIX_EPOCH};

/// The namespace every metric of the platform is published under.
pub const NAMESPACE: &str = "SocialPlatform";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Unit {
    Count,
    Milliseconds,
    Seconds,
    /// Dollars are recorded as a plain number.
    None,
}

impl Unit {
    fn as_str(self) -> &'static str {
        match self {
            Unit::Count => "Count",
            Unit::Milliseconds => "Milliseconds",
            Unit::Seconds => "Seconds",
            Unit::None => "None",
        }
    }
}

/// The EMF document for one data point with its dimensions.
pub fn document(
    name: &str,
    value: f64,
    unit: Unit,
    dimensions: &[(&str, &str)],
) -> serde_json::Value {
    let timestamp = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as u64);
    let mut document = serde_json::json!({
        "_aws": {
            "Timestamp": timestamp,
            "CloudWatchMetrics": [{
                "Namespace": NAMESPACE,
                // Per dimension and, for the alarms, in the platform-wide total.
                "Dimensions": if dimensions.is_empty() {
                    serde_json::json!([[]])
                } else {
                    serde_json::json!([dimensions.iter().map(|(k, _)| *k).collect::<Vec<_>>(), []])
                },
                "Metrics": [{"Name": name, "Unit": unit.as_str()}],
            }],
        },
        name: value,
    });
    for (key, value) in dimensions {
        document[*key] = serde_json::Value::from(*value);
    }
    document
}

/// Records one data point.
pub fn record(name: &str, value: f64, unit: Unit, dimensions: &[(&str, &str)]) {
    static IN_LAMBDA: std::sync::OnceLock<bool> = std::sync::OnceLock::new();
    if *IN_LAMBDA.get_or_init(|| std::env::var_os("AWS_LAMBDA_FUNCTION_NAME").is_some()) {
        println!("{}", document(name, value, unit, dimensions));
    } else {
        tracing::debug!(metric = name, value, ?dimensions, "metric");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_point_names_its_metric_dimensions_and_value_as_cloudwatch_expects() {
        let doc = document("PostsPublished", 1.0, Unit::Count, &[("Platform", "x")]);
        let directive = &doc["_aws"]["CloudWatchMetrics"][0];
        assert_eq!(directive["Namespace"], NAMESPACE);
        assert_eq!(directive["Dimensions"][0][0], "Platform");
        assert_eq!(directive["Dimensions"][1], serde_json::json!([]));
        assert_eq!(directive["Metrics"][0]["Name"], "PostsPublished");
        assert_eq!(doc["PostsPublished"], 1.0);
        assert_eq!(doc["Platform"], "x");
        assert!(doc["_aws"]["Timestamp"].as_u64().unwrap() > 1_700_000_000_000);
    }
}
