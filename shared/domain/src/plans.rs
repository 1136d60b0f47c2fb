use crate::SubscriptionPlan;

const GIB: i64 = 1024 * 1024 * 1024;

/// What a plan allows. Enforced when members are invited, accounts connected and media uploaded.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PlanLimits {
    pub max_users: i32,
    pub max_social_accounts: i32,
    /// Media library quota, originals and variants together.
    pub storage_bytes: i64,
    /// Competitor accounts on the analytics watchlist (Hootsuite allows 2 to 20 by plan).
    pub max_competitors: i32,
    /// What the organization's AI tasks may cost a month, in US cents (at the providers'
    /// prices): a task is refused with the figures once it is spent.
    pub ai_budget_cents: i64,
}

impl SubscriptionPlan {
    /// The list price shown next to each plan, in US cents a month. What a customer pays is the
    /// Stripe Price configured for the plan (`STRIPE_PRICES`); these are kept equal to them.
    pub const fn monthly_price_cents(self) -> i64 {
        match self {
            SubscriptionPlan::Free => 0,
            SubscriptionPlan::Pro => 1_900,
            SubscriptionPlan::Business => 4_900,
            SubscriptionPlan::Enterprise => 19_900,
        }
    }

    pub const fn limits(self) -> PlanLimits {
        match self {
            SubscriptionPlan::Free => PlanLimits {
                max_users: 5,
                max_social_accounts: 3,
                storage_bytes: GIB,
                max_competitors: 2,
                ai_budget_cents: 200,
            },
            SubscriptionPlan::Pro => PlanLimits {
                max_users: 10,
                max_social_accounts: 10,
                storage_bytes: 10 * GIB,
                max_competitors: 5,
                ai_budget_cents: 2_000,
            },
            SubscriptionPlan::Business => PlanLimits {
                max_users: 25,
                max_social_accounts: 30,
                storage_bytes: 50 * GIB,
                max_competitors: 10,
                ai_budget_cents: 10_000,
            },
            SubscriptionPlan::Enterprise => PlanLimits {
                max_users: 200,
                max_social_accounts: 150,
                storage_bytes: 500 * GIB,
                max_competitors: 20,
                ai_budget_cents: 100_000,
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn free_matches_the_schema_defaults_and_plans_only_grow() {
        let free = SubscriptionPlan::Free.limits();
        assert_eq!((free.max_users, free.max_social_accounts), (5, 3));
        for pair in SubscriptionPlan::ALL.windows(2) {
            let (smaller, larger) = (pair[0].limits(), pair[1].limits());
            assert!(smaller.max_users < larger.max_users);
            assert!(smaller.max_social_accounts < larger.max_social_accounts);
            assert!(smaller.storage_bytes < larger.storage_bytes);
            assert!(smaller.max_competitors < larger.max_competitors);
            assert!(smaller.ai_budget_cents < larger.ai_budget_cents);
        }
    }
}
