use crate::SubscriptionPlan;

/// What a plan allows. Enforced when members are invited and accounts connected.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PlanLimits {
    pub max_users: i32,
    pub max_social_accounts: i32,
}

impl SubscriptionPlan {
    pub const fn limits(self) -> PlanLimits {
        match self {
            SubscriptionPlan::Free => PlanLimits {
                max_users: 5,
                max_social_accounts: 3,
            },
            SubscriptionPlan::Pro => PlanLimits {
                max_users: 10,
                max_social_accounts: 10,
            },
            SubscriptionPlan::Business => PlanLimits {
                max_users: 25,
                max_social_accounts: 30,
            },
            SubscriptionPlan::Enterprise => PlanLimits {
                max_users: 200,
                max_social_accounts: 150,
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn free_matches_the_schema_defaults_and_plans_only_grow() {
        assert_eq!(
            SubscriptionPlan::Free.limits(),
            PlanLimits {
                max_users: 5,
                max_social_accounts: 3
            }
        );
        for pair in SubscriptionPlan::ALL.windows(2) {
            assert!(pair[0].limits().max_users < pair[1].limits().max_users);
            assert!(pair[0].limits().max_social_accounts < pair[1].limits().max_social_accounts);
        }
    }
}
