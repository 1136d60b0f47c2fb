//! What a call costs: US dollars per million tokens, per model. The defaults are the providers'
//! published on-demand prices; `AI_PRICES` (JSON, `{"model": {"input": 0.06, "output": 0.24}}`)
//! adds or overrides entries, e.g. zero for a self-hosted model.

use std::collections::BTreeMap;

use serde::Deserialize;

use crate::Usage;

#[derive(Debug, Clone, Copy, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ModelPrice {
    /// Dollars per million input tokens.
    pub input: f64,
    /// Dollars per million output tokens.
    pub output: f64,
}

/// Models nobody priced are charged like a large model, so a budget is never silently
/// unlimited.
const UNPRICED: ModelPrice = ModelPrice {
    input: 3.0,
    output: 15.0,
};

const DEFAULTS: &[(&str, ModelPrice)] = &[
    (
        "amazon.nova-micro-v1:0",
        ModelPrice {
            input: 0.035,
            output: 0.14,
        },
    ),
    (
        "amazon.nova-lite-v1:0",
        ModelPrice {
            input: 0.06,
            output: 0.24,
        },
    ),
    (
        "amazon.nova-pro-v1:0",
        ModelPrice {
            input: 0.8,
            output: 3.2,
        },
    ),
    (
        "anthropic.claude-3-5-haiku-20241022-v1:0",
        ModelPrice {
            input: 0.8,
            output: 4.0,
        },
    ),
    (
        "anthropic.claude-3-7-sonnet-20250219-v1:0",
        ModelPrice {
            input: 3.0,
            output: 15.0,
        },
    ),
    (
        "amazon.titan-embed-text-v2:0",
        ModelPrice {
            input: 0.02,
            output: 0.0,
        },
    ),
    (
        "gpt-4o-mini",
        ModelPrice {
            input: 0.15,
            output: 0.6,
        },
    ),
    (
        "gpt-4o",
        ModelPrice {
            input: 2.5,
            output: 10.0,
        },
    ),
    (
        "text-embedding-3-small",
        ModelPrice {
            input: 0.02,
            output: 0.0,
        },
    ),
];

#[derive(Debug, Clone, PartialEq)]
pub struct PriceTable {
    prices: BTreeMap<String, ModelPrice>,
}

impl Default for PriceTable {
    fn default() -> Self {
        PriceTable {
            prices: DEFAULTS
                .iter()
                .map(|(model, price)| ((*model).to_owned(), *price))
                .collect(),
        }
    }
}

impl PriceTable {
    /// The defaults with `overrides` (the `AI_PRICES` JSON) on top.
    pub fn with_overrides(overrides: &str) -> Result<Self, String> {
        let extra: BTreeMap<String, ModelPrice> = serde_json::from_str(overrides)
            .map_err(|e| format!("AI_PRICES must map model ids to {{input, output}}: {e}"))?;
        if let Some((model, _)) = extra
            .iter()
            .find(|(_, p)| !(p.input >= 0.0 && p.output >= 0.0))
        {
            return Err(format!(
                "AI_PRICES: the price of {model} must not be negative"
            ));
        }
        let mut table = PriceTable::default();
        table.prices.extend(extra);
        Ok(table)
    }

    pub fn price_of(&self, model: &str) -> ModelPrice {
        self.prices.get(model).copied().unwrap_or(UNPRICED)
    }

    /// Dollars for `usage` of `model`.
    pub fn cost(&self, model: &str, usage: Usage) -> f64 {
        let price = self.price_of(model);
        (f64::from(usage.input_tokens) * price.input
            + f64::from(usage.output_tokens) * price.output)
            / 1_000_000.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_call_costs_its_tokens_at_the_models_price() {
        let table = PriceTable::default();
        let usage = Usage {
            input_tokens: 1_000_000,
            output_tokens: 500_000,
        };
        assert!((table.cost("amazon.nova-lite-v1:0", usage) - 0.18).abs() < 1e-9);
    }

    #[test]
    fn overrides_replace_defaults_and_unknown_models_are_charged_high() {
        let table =
            PriceTable::with_overrides(r#"{"llama3.1": {"input": 0, "output": 0}}"#).unwrap();
        assert_eq!(
            table.cost(
                "llama3.1",
                Usage {
                    input_tokens: 9,
                    output_tokens: 9
                }
            ),
            0.0
        );
        assert_eq!(table.price_of("mystery"), UNPRICED);
        assert!(PriceTable::with_overrides(r#"{"x": {"input": -1, "output": 0}}"#).is_err());
        assert!(PriceTable::with_overrides("[]").is_err());
    }
}
