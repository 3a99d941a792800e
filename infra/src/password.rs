//! Password hashing with argon2 (PHC strings, per-hash salt).

use argon2::password_hash::phc::PasswordHash;
use argon2::password_hash::{PasswordHasher, PasswordVerifier};
use argon2::Argon2;
use domain::DomainError;

pub fn hash(password: &str) -> Result<String, DomainError> {
    Argon2::default()
        .hash_password(password.as_bytes())
        .map(|h| h.to_string())
        .map_err(|e| DomainError::fault(format!("argon2: {e}")))
}

/// False for a wrong password or a malformed stored hash.
pub fn verify(password: &str, stored: &str) -> bool {
    PasswordHash::new(stored)
        .map(|parsed| Argon2::default().verify_password(password.as_bytes(), &parsed).is_ok())
        .unwrap_or(false)
}

/// Spends the time of a verification when there is no account, so response
/// times do not tell which usernames exist.
pub fn verify_dummy(password: &str) {
    static DUMMY: std::sync::OnceLock<Option<String>> = std::sync::OnceLock::new();
    if let Some(stored) = DUMMY.get_or_init(|| hash("not-a-real-password").ok()) {
        let _ = verify(password, stored);
    }
}

/// A one-time password an administrator reads out or sends: 12 letters and
/// digits in groups of four (`k7mq-3hxa-w9pe`), none that look alike (no
/// 0/o, 1/l/i), about 59 bits from a CSPRNG seeded by the system.
pub fn one_time() -> String {
    use rand::seq::IndexedRandom;
    const ALPHABET: &[u8] = b"abcdefghjkmnpqrstuvwxyz23456789";
    let mut rng = rand::rng();
    let chars: Vec<char> = (0..12).filter_map(|_| ALPHABET.choose(&mut rng).map(|b| char::from(*b))).collect();
    chars.chunks(4).map(|c| c.iter().collect::<String>()).collect::<Vec<_>>().join("-")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_time_passwords_are_readable_and_differ() {
        let a = one_time();
        assert_eq!(a.len(), 14, "{a}");
        assert!(a.split('-').all(|g| g.len() == 4 && g.bytes().all(|b| b.is_ascii_alphanumeric())), "{a}");
        assert!(!a.contains(['0', 'o', '1', 'l', 'i']), "{a}");
        assert!(domain::user::check_new_password("password", &a).is_ok());
        assert_ne!(a, one_time());
    }

    #[test]
    fn round_trip() {
        let stored = hash("correct horse").unwrap();
        assert!(stored.starts_with("$argon2"));
        assert!(verify("correct horse", &stored));
        assert!(!verify("wrong horse", &stored));
        assert!(!verify("correct horse", "not a hash"));
        assert_ne!(hash("correct horse").unwrap(), stored, "salted");
    }
}
