//! One-click unsubscribe links for notification emails. The token is an HMAC of the user id
//! under the application's signing key: it needs no storage, never expires (an old email's
//! link must keep working), and grants nothing but turning emails off.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use hmac::{KeyInit, Mac};
use sha2::Sha256;
use uuid::Uuid;

type HmacSha256 = hmac::Hmac<Sha256>;

/// Keeps these MACs apart from anything else the same key signs.
const PURPOSE: &[u8] = b"notification-unsubscribe:";

fn mac(key: &[u8], user_id: Uuid) -> HmacSha256 {
    let mut mac = HmacSha256::new_from_slice(key).expect("HMAC takes keys of any length");
    mac.update(PURPOSE);
    mac.update(user_id.as_bytes());
    mac
}

/// The token of a user's unsubscribe links.
pub fn unsubscribe_token(key: &[u8], user_id: Uuid) -> String {
    URL_SAFE_NO_PAD.encode(mac(key, user_id).finalize().into_bytes())
}

/// Whether `token` is the user's unsubscribe token (compared in constant time).
pub fn unsubscribe_token_matches(key: &[u8], user_id: Uuid, token: &str) -> bool {
    match URL_SAFE_NO_PAD.decode(token.trim()) {
        Ok(bytes) => mac(key, user_id).verify_slice(&bytes).is_ok(),
        Err(_) => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_token_opens_only_its_own_users_link() {
        let key = b"k".repeat(32);
        let (alice, bob) = (Uuid::new_v4(), Uuid::new_v4());
        let token = unsubscribe_token(&key, alice);
        assert!(unsubscribe_token_matches(&key, alice, &token));
        assert!(!unsubscribe_token_matches(&key, bob, &token));
        assert!(!unsubscribe_token_matches(b"another key", alice, &token));
        assert!(!unsubscribe_token_matches(&key, alice, "not base64 !"));
        assert!(!unsubscribe_token_matches(&key, alice, ""));
    }
}
