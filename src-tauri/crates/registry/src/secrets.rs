//! Tokens live in the OS keyring, never on disk.
//!
//! [`SecretStore`] is the small seam: [`KeyringStore`] is the production store (Secret Service on
//! Linux, Keychain on macOS, Credential Manager on Windows) and [`MemoryStore`] keeps tokens for
//! this process only. Keyring calls can block forever on a locked keyring waiting for an unlock
//! prompt, so async code goes through [`get_secret`] / [`set_secret`] / [`delete_secret`], which
//! run the call on a blocking thread with a timeout.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// The keyring service name all Wharf entries are filed under.
pub const SERVICE: &str = "dev.wharf.desktop";

/// How long a keyring call may take before we give up on it.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(10);

/// Why a secret could not be stored or read. Messages never contain the secret itself.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SecretError {
    /// No keyring service is running (for example a headless machine without gnome-keyring).
    #[error(
        "no system keyring is available ({0}); the token is kept in memory for this session only"
    )]
    Unavailable(String),
    /// The keyring exists but refused access, typically because it is locked.
    #[error("the system keyring refused access ({0}); unlock it and try again")]
    Locked(String),
    /// The keyring did not answer in time (often a locked keyring waiting for a prompt).
    #[error("the system keyring did not answer within {0:?}; it may be locked and waiting for an unlock prompt")]
    Timeout(Duration),
    /// Any other keyring failure.
    #[error("keyring error: {0}")]
    Other(String),
}

/// A place to keep secrets by account name (one entry per connection id).
pub trait SecretStore: Send + Sync {
    /// Stores `secret` under `account`, replacing any previous value.
    fn set(&self, account: &str, secret: &str) -> Result<(), SecretError>;
    /// Reads the secret for `account`; `Ok(None)` when there is none.
    fn get(&self, account: &str) -> Result<Option<String>, SecretError>;
    /// Removes the secret for `account`; removing a missing entry is not an error.
    fn delete(&self, account: &str) -> Result<(), SecretError>;
}

/// The OS keyring through the `keyring` crate.
#[derive(Debug, Clone)]
pub struct KeyringStore {
    service: String,
}

impl KeyringStore {
    /// A store filing entries under `service` (use [`SERVICE`] in the app).
    pub fn new(service: impl Into<String>) -> Self {
        Self {
            service: service.into(),
        }
    }

    fn entry(&self, account: &str) -> Result<keyring::Entry, SecretError> {
        keyring::Entry::new(&self.service, account).map_err(|e| match e {
            // The v1 facade hides why the platform store failed; ask it.
            keyring::Error::NoDefaultStore => {
                let why = match keyring::Entry::store_status() {
                    Err(inner) => inner.to_string(),
                    Ok(()) => "no default credential store".to_string(),
                };
                SecretError::Unavailable(why)
            }
            other => map_error(other),
        })
    }
}

fn map_error(e: keyring::Error) -> SecretError {
    match e {
        keyring::Error::NoStorageAccess(inner) => SecretError::Locked(inner.to_string()),
        keyring::Error::PlatformFailure(inner) => SecretError::Unavailable(inner.to_string()),
        keyring::Error::NoDefaultStore => {
            SecretError::Unavailable("no default credential store".into())
        }
        other => SecretError::Other(other.to_string()),
    }
}

impl SecretStore for KeyringStore {
    fn set(&self, account: &str, secret: &str) -> Result<(), SecretError> {
        self.entry(account)?.set_password(secret).map_err(map_error)
    }

    fn get(&self, account: &str) -> Result<Option<String>, SecretError> {
        match self.entry(account)?.get_password() {
            Ok(s) => Ok(Some(s)),
            Err(keyring::Error::NoEntry) => Ok(None),
            Err(e) => Err(map_error(e)),
        }
    }

    fn delete(&self, account: &str) -> Result<(), SecretError> {
        match self.entry(account)?.delete_credential() {
            Ok(()) | Err(keyring::Error::NoEntry) => Ok(()),
            Err(e) => Err(map_error(e)),
        }
    }
}

/// Secrets held in this process only: the fallback when no keyring exists, and the test double.
#[derive(Debug, Default, Clone)]
pub struct MemoryStore {
    entries: Arc<Mutex<HashMap<String, String>>>,
}

impl MemoryStore {
    /// An empty store.
    pub fn new() -> Self {
        Self::default()
    }
}

impl SecretStore for MemoryStore {
    fn set(&self, account: &str, secret: &str) -> Result<(), SecretError> {
        self.entries
            .lock()
            .expect("memory store poisoned")
            .insert(account.to_string(), secret.to_string());
        Ok(())
    }

    fn get(&self, account: &str) -> Result<Option<String>, SecretError> {
        Ok(self
            .entries
            .lock()
            .expect("memory store poisoned")
            .get(account)
            .cloned())
    }

    fn delete(&self, account: &str) -> Result<(), SecretError> {
        self.entries
            .lock()
            .expect("memory store poisoned")
            .remove(account);
        Ok(())
    }
}

async fn off_thread<T: Send + 'static>(
    timeout: Duration,
    f: impl FnOnce() -> Result<T, SecretError> + Send + 'static,
) -> Result<T, SecretError> {
    // A timed-out call keeps its blocking thread until the keyring answers; the caller moves on.
    match tokio::time::timeout(timeout, tokio::task::spawn_blocking(f)).await {
        Ok(Ok(result)) => result,
        Ok(Err(join)) => Err(SecretError::Other(format!("keyring task failed: {join}"))),
        Err(_) => Err(SecretError::Timeout(timeout)),
    }
}

/// [`SecretStore::get`] on a blocking thread, bounded by `timeout`.
pub async fn get_secret(
    store: Arc<dyn SecretStore>,
    account: String,
    timeout: Duration,
) -> Result<Option<String>, SecretError> {
    off_thread(timeout, move || store.get(&account)).await
}

/// [`SecretStore::set`] on a blocking thread, bounded by `timeout`.
pub async fn set_secret(
    store: Arc<dyn SecretStore>,
    account: String,
    secret: String,
    timeout: Duration,
) -> Result<(), SecretError> {
    off_thread(timeout, move || store.set(&account, &secret)).await
}

/// [`SecretStore::delete`] on a blocking thread, bounded by `timeout`.
pub async fn delete_secret(
    store: Arc<dyn SecretStore>,
    account: String,
    timeout: Duration,
) -> Result<(), SecretError> {
    off_thread(timeout, move || store.delete(&account)).await
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A store whose calls hang, like a locked keyring waiting for a prompt.
    struct Hanging;

    impl SecretStore for Hanging {
        fn set(&self, _: &str, _: &str) -> Result<(), SecretError> {
            std::thread::sleep(Duration::from_secs(5));
            Ok(())
        }
        fn get(&self, _: &str) -> Result<Option<String>, SecretError> {
            std::thread::sleep(Duration::from_secs(5));
            Ok(None)
        }
        fn delete(&self, _: &str) -> Result<(), SecretError> {
            Ok(())
        }
    }

    #[tokio::test]
    async fn memory_store_round_trip() {
        let store: Arc<dyn SecretStore> = Arc::new(MemoryStore::new());
        let t = DEFAULT_TIMEOUT;
        assert_eq!(get_secret(store.clone(), "a".into(), t).await, Ok(None));
        set_secret(store.clone(), "a".into(), "s3cret".into(), t)
            .await
            .unwrap();
        assert_eq!(
            get_secret(store.clone(), "a".into(), t).await,
            Ok(Some("s3cret".into()))
        );
        assert_eq!(get_secret(store.clone(), "b".into(), t).await, Ok(None));
        delete_secret(store.clone(), "a".into(), t).await.unwrap();
        delete_secret(store.clone(), "a".into(), t).await.unwrap();
        assert_eq!(get_secret(store, "a".into(), t).await, Ok(None));
    }

    #[tokio::test]
    async fn a_hanging_keyring_times_out_instead_of_blocking() {
        let store: Arc<dyn SecretStore> = Arc::new(Hanging);
        let started = std::time::Instant::now();
        let err = get_secret(store, "a".into(), Duration::from_millis(100))
            .await
            .unwrap_err();
        assert_eq!(err, SecretError::Timeout(Duration::from_millis(100)));
        assert!(started.elapsed() < Duration::from_secs(4));
        assert!(err.to_string().contains("locked"));
    }

    #[test]
    fn errors_never_carry_the_secret_and_say_what_to_do() {
        let unavailable = SecretError::Unavailable("no session bus".into()).to_string();
        assert!(unavailable.contains("memory for this session only"));
        let locked = SecretError::Locked("NoResult".into()).to_string();
        assert!(locked.contains("unlock it"));
    }
}
