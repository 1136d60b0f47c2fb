use argon2::password_hash::rand_core::OsRng;
use argon2::password_hash::{PasswordHash, SaltString};
use argon2::{Algorithm, Argon2, Params, PasswordVerifier, Version};
use domain::NewPassword;

/// argon2id with OWASP's recommended parameters (19 MiB, 2 passes, 1 lane).
#[derive(Clone)]
pub struct PasswordHasher {
    argon2: Argon2<'static>,
}

impl Default for PasswordHasher {
    fn default() -> Self {
        let params = Params::new(19 * 1024, 2, 1, None).expect("constant parameters are valid");
        PasswordHasher {
            argon2: Argon2::new(Algorithm::Argon2id, Version::V0x13, params),
        }
    }
}

impl PasswordHasher {
    /// A PHC string (`$argon2id$v=19$m=…`) with a fresh random salt.
    pub fn hash(&self, password: &NewPassword) -> String {
        let salt = SaltString::generate(&mut OsRng);
        argon2::PasswordHasher::hash_password(&self.argon2, password.expose().as_bytes(), &salt)
            .expect("hashing with valid parameters cannot fail")
            .to_string()
    }

    /// Constant-time check of a password against a stored PHC string.
    pub fn verify(&self, password: &str, stored: &str) -> bool {
        match PasswordHash::new(stored) {
            Ok(hash) => self
                .argon2
                .verify_password(password.as_bytes(), &hash)
                .is_ok(),
            Err(_) => false,
        }
    }
}

/// Spends the same work as a real verification, so a login for an unknown email takes as long
/// as one with a wrong password.
pub fn verify_against_nothing(hasher: &PasswordHasher, password: &str) {
    static DUMMY: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    let dummy = DUMMY.get_or_init(|| {
        hasher.hash(&NewPassword::parse("dummy-password-for-timing").expect("valid"))
    });
    let _ = hasher.verify(password, dummy);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_hash_verifies_its_password_only() {
        let hasher = PasswordHasher::default();
        let password = NewPassword::parse("correct horse battery").unwrap();
        let stored = hasher.hash(&password);
        assert!(stored.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"));
        assert!(hasher.verify("correct horse battery", &stored));
        assert!(!hasher.verify("correct horse battery!", &stored));
        assert!(!hasher.verify("anything", "not a phc string"));
        assert_ne!(hasher.hash(&password), stored, "salts differ");
    }
}
