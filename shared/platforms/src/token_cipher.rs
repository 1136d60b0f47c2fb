use aes_gcm::aead::{Aead, KeyInit, Payload};
use aes_gcm::{Aes256Gcm, Nonce};
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use rand::RngCore;

/// The version prefix of stored ciphertexts, so the key or scheme can change later.
const PREFIX: &str = "v1:";

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CipherError {
    #[error("the token encryption key must be 32 bytes")]
    BadKey,
    #[error("the stored token is not a ciphertext of this scheme")]
    Malformed,
    /// Wrong key, wrong record (associated data), or tampering.
    #[error("the stored token could not be decrypted")]
    Undecryptable,
}

/// Encrypts platform tokens at rest with AES-256-GCM. Each ciphertext is bound to its record
/// (the associated data, e.g. the social account id), so one account's token pasted into
/// another row does not decrypt.
#[derive(Clone)]
pub struct TokenCipher {
    cipher: Aes256Gcm,
}

impl std::fmt::Debug for TokenCipher {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("TokenCipher(<key redacted>)")
    }
}

impl TokenCipher {
    pub fn new(key: &[u8]) -> Result<Self, CipherError> {
        let cipher = Aes256Gcm::new_from_slice(key).map_err(|_| CipherError::BadKey)?;
        Ok(TokenCipher { cipher })
    }

    /// `v1:` + base64(nonce ‖ ciphertext ‖ tag), with a fresh random 96-bit nonce.
    pub fn encrypt(&self, plaintext: &str, bound_to: &[u8]) -> String {
        let mut nonce = [0u8; 12];
        rand::rng().fill_bytes(&mut nonce);
        let sealed = self
            .cipher
            .encrypt(
                Nonce::from_slice(&nonce),
                Payload {
                    msg: plaintext.as_bytes(),
                    aad: bound_to,
                },
            )
            .expect("AES-GCM encryption of in-memory data cannot fail");
        let mut out = nonce.to_vec();
        out.extend(sealed);
        format!("{PREFIX}{}", STANDARD.encode(out))
    }

    pub fn decrypt(&self, stored: &str, bound_to: &[u8]) -> Result<String, CipherError> {
        let encoded = stored.strip_prefix(PREFIX).ok_or(CipherError::Malformed)?;
        let bytes = STANDARD
            .decode(encoded)
            .map_err(|_| CipherError::Malformed)?;
        if bytes.len() < 12 + 16 {
            return Err(CipherError::Malformed);
        }
        let (nonce, sealed) = bytes.split_at(12);
        let plain = self
            .cipher
            .decrypt(
                Nonce::from_slice(nonce),
                Payload {
                    msg: sealed,
                    aad: bound_to,
                },
            )
            .map_err(|_| CipherError::Undecryptable)?;
        String::from_utf8(plain).map_err(|_| CipherError::Undecryptable)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_token_round_trips_for_its_own_record_only() {
        let cipher = TokenCipher::new(&[3; 32]).unwrap();
        let stored = cipher.encrypt("EAAGm0PX4ZCpsBA", b"account-1");
        assert!(stored.starts_with("v1:") && !stored.contains("EAAG"));
        assert_eq!(
            cipher.decrypt(&stored, b"account-1").unwrap(),
            "EAAGm0PX4ZCpsBA"
        );
        assert_eq!(
            cipher.decrypt(&stored, b"account-2"),
            Err(CipherError::Undecryptable)
        );
        assert_ne!(
            cipher.encrypt("same", b"a"),
            cipher.encrypt("same", b"a"),
            "nonces are fresh"
        );
    }

    #[test]
    fn another_key_or_tampering_is_detected() {
        let cipher = TokenCipher::new(&[3; 32]).unwrap();
        let stored = cipher.encrypt("secret", b"a");
        assert_eq!(
            TokenCipher::new(&[4; 32]).unwrap().decrypt(&stored, b"a"),
            Err(CipherError::Undecryptable)
        );
        let mut bytes = STANDARD.decode(&stored[3..]).unwrap();
        bytes[20] ^= 1;
        let tampered = format!("v1:{}", STANDARD.encode(bytes));
        assert_eq!(
            cipher.decrypt(&tampered, b"a"),
            Err(CipherError::Undecryptable)
        );
        assert_eq!(
            cipher.decrypt("plaintext-token", b"a"),
            Err(CipherError::Malformed)
        );
        assert_eq!(TokenCipher::new(&[0; 16]).err(), Some(CipherError::BadKey));
        assert_eq!(format!("{cipher:?}"), "TokenCipher(<key redacted>)");
    }
}
