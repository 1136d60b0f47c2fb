/// The primary key of one item. Constructors are the only way to build one, so every key
/// layout of the table is listed below.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct ItemKey {
    pk: String,
    sk: String,
}

impl ItemKey {
    pub fn pk(&self) -> &str {
        &self.pk
    }

    pub fn sk(&self) -> &str {
        &self.sk
    }

    fn new(pk: String, sk: String) -> Self {
        ItemKey { pk, sk }
    }

    /// A fixed-window counter: `scope` names the limit (e.g. `login-email`), `subject` who is
    /// limited, `window` the window's start in epoch seconds.
    pub fn rate_limit(scope: &str, subject: &str, window: i64) -> Self {
        Self::new(format!("RL#{scope}#{subject}"), format!("W#{window}"))
    }

    /// OAuth `state` and its PKCE verifier, single use.
    pub fn oauth_state(state: &str) -> Self {
        Self::new(format!("OAUTH#{state}"), "STATE".to_owned())
    }

    /// An idempotency key of a caller (`scope` is usually the organization).
    pub fn idempotency(scope: &str, key: &str) -> Self {
        Self::new(format!("IDEM#{scope}"), format!("K#{key}"))
    }

    /// One notification of a user; `sortable_id` orders them (a UUIDv7 is time-ordered).
    pub fn notification(user_id: &str, sortable_id: &str) -> Self {
        Self::new(format!("USER#{user_id}"), format!("NOTIF#{sortable_id}"))
    }

    /// The prefix under which all of a user's notifications sort.
    pub fn notification_prefix(user_id: &str) -> (String, &'static str) {
        (format!("USER#{user_id}"), "NOTIF#")
    }

    /// One open live-feed connection, by its id: what `$disconnect` (which knows only the id)
    /// reads to find the connection's entry in its organization.
    pub fn live_connection(connection_id: &str) -> Self {
        Self::new(format!("WSCONN#{connection_id}"), "CONN".to_owned())
    }

    /// The same connection listed under its organization, sorted by user: a user's connections
    /// and an organization's are each one query.
    pub fn live_member(organization_id: &str, user_id: &str, connection_id: &str) -> Self {
        Self::new(
            format!("ORGWS#{organization_id}"),
            format!("WS#{user_id}#{connection_id}"),
        )
    }

    /// The prefix of an organization's connections, or of one user's in it.
    pub fn live_members_prefix(organization_id: &str, user_id: Option<&str>) -> (String, String) {
        let sk = match user_id {
            Some(user) => format!("WS#{user}#"),
            None => "WS#".to_owned(),
        };
        (format!("ORGWS#{organization_id}"), sk)
    }

    /// A short-lived cache entry (`name` like `analytics#<org>#<date>`).
    pub fn cache(name: &str) -> Self {
        Self::new(format!("CACHE#{name}"), "V".to_owned())
    }

    /// The item the health check reads.
    pub fn health() -> Self {
        Self::new("HEALTH".to_owned(), "PING".to_owned())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kinds_never_share_a_partition_prefix() {
        let keys = [
            ItemKey::rate_limit("login", "a@b.c", 60),
            ItemKey::oauth_state("s"),
            ItemKey::idempotency("org", "k"),
            ItemKey::cache("c"),
            ItemKey::health(),
            ItemKey::notification("u", "n"),
            ItemKey::live_connection("c"),
            ItemKey::live_member("o", "u", "c"),
        ];
        let prefixes: std::collections::HashSet<_> = keys
            .iter()
            .map(|k| k.pk().split('#').next().unwrap().to_owned())
            .collect();
        assert_eq!(prefixes.len(), keys.len());
    }

    #[test]
    fn a_users_notifications_sort_under_one_prefix() {
        let n = ItemKey::notification("u1", "0190");
        let (pk, prefix) = ItemKey::notification_prefix("u1");
        assert_eq!(pk, n.pk());
        assert!(n.sk().starts_with(prefix));
    }

    #[test]
    fn a_users_connections_are_a_prefix_of_their_organizations() {
        let member = ItemKey::live_member("o1", "u1", "c1");
        let (org_pk, all) = ItemKey::live_members_prefix("o1", None);
        let (user_pk, mine) = ItemKey::live_members_prefix("o1", Some("u1"));
        assert_eq!(
            (member.pk(), member.pk()),
            (org_pk.as_str(), user_pk.as_str())
        );
        assert!(member.sk().starts_with(&all) && member.sk().starts_with(&mine));
        // One user id is never a prefix of another's entries.
        let (_, other) = ItemKey::live_members_prefix("o1", Some("u"));
        assert!(!member.sk().starts_with(&other));
    }
}
