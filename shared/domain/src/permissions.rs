//! The one table that decides what each role may do. Handlers ask `role.can(permission)`.

use crate::Role;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Permission {
    /// See the organization, its members and its subscription.
    ViewOrganization,
    /// Rename, change the slug or the GDPR settings.
    UpdateOrganization,
    /// Invite, remove members and change their roles.
    ManageMembers,
    /// Change the plan.
    ManageSubscription,
    /// Create and edit one's own content (posts, media, agent runs).
    CreateContent,
    /// Edit or delete anyone's content in the organization.
    ManageAllContent,
    /// Connect, disconnect and configure social accounts.
    ManageSocialAccounts,
    /// Read analytics and reports.
    ViewAnalytics,
    /// Configure the AI agents (model, tone, brand voice, language) and curate their memory.
    ConfigureAgents,
    /// Connect, test and disconnect integrations (Slack, webhooks, Google Analytics).
    ManageIntegrations,
    /// Hear about organization-wide events: members invited or joining, accounts that need
    /// reconnecting.
    FollowTeamEvents,
}

impl Role {
    pub const fn can(self, permission: Permission) -> bool {
        use Permission as P;
        match self {
            Role::Admin => true,
            Role::Manager => !matches!(
                permission,
                P::UpdateOrganization | P::ManageMembers | P::ManageSubscription
            ),
            Role::User => matches!(
                permission,
                P::ViewOrganization | P::CreateContent | P::ViewAnalytics
            ),
            Role::Viewer => matches!(permission, P::ViewOrganization | P::ViewAnalytics),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_admins_manage_members_and_billing() {
        for role in Role::ALL {
            assert_eq!(role.can(Permission::ManageMembers), *role == Role::Admin);
            assert_eq!(
                role.can(Permission::ManageSubscription),
                *role == Role::Admin
            );
        }
    }

    #[test]
    fn viewers_only_look() {
        assert!(Role::Viewer.can(Permission::ViewAnalytics));
        assert!(!Role::Viewer.can(Permission::CreateContent));
        assert!(Role::User.can(Permission::CreateContent));
        assert!(!Role::User.can(Permission::ManageAllContent));
        assert!(Role::Manager.can(Permission::ManageAllContent));
    }
}
