use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use rand::RngCore;
use sha2::{Digest, Sha256};

/// A random bearer token (256 bits). The database keeps only its SHA-256, so a leaked table
/// yields no usable token; high entropy makes a slow hash unnecessary.
#[derive(Clone, PartialEq, Eq)]
pub struct OpaqueToken(String);

impl OpaqueToken {
    pub fn generate() -> Self {
        let mut bytes = [0u8; 32];
        rand::rng().fill_bytes(&mut bytes);
        OpaqueToken(URL_SAFE_NO_PAD.encode(bytes))
    }

    /// A token as presented by a client (not validated beyond its length).
    pub fn presented(text: &str) -> Option<Self> {
        let text = text.trim();
        (16..=128)
            .contains(&text.len())
            .then(|| OpaqueToken(text.to_owned()))
    }

    pub fn expose(&self) -> &str {
        &self.0
    }

    /// What is stored and looked up.
    pub fn hash(&self) -> String {
        hex::encode(Sha256::digest(self.0.as_bytes()))
    }
}

impl std::fmt::Debug for OpaqueToken {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("OpaqueToken(<redacted>)")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_are_unique_and_hash_stably() {
        let a = OpaqueToken::generate();
        let b = OpaqueToken::generate();
        assert_ne!(a, b);
        assert_eq!(a.expose().len(), 43);
        assert_eq!(a.hash(), OpaqueToken::presented(a.expose()).unwrap().hash());
        assert_eq!(a.hash().len(), 64);
        assert!(OpaqueToken::presented("short").is_none());
    }
}
