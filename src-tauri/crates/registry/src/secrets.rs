//! Tokens live in the OS keyring, never on disk.
//!
//! [`SecretStore`] is the small seam: [`KeyringStore`] is the production store (Secret Service on
//! Linux, Keychain on macOS, Credential Manager on Windows) and [`MemoryStore`] keeps tokens for
//! this process only; [`FallbackStore`] is what the app uses: the keyring, or memory when the
//! machine has none. Keyring calls can block forever on a locked keyring waiting for an unlock
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

/// The keyring while there is one; memory for this session once it turns out there is none.
///
/// A headless machine or a desktop without a Secret Service must still let the admin work, so an
/// [`SecretError::Unavailable`] from the keyring moves every later call to memory, and
/// [`FallbackStore::fallback_reason`] tells the UI to say so. A locked keyring is not missing: its
/// errors are passed on, since silently keeping the token in memory would lose it at exit.
pub struct FallbackStore {
    keyring: Arc<dyn SecretStore>,
    memory: MemoryStore,
    fallback_reason: Mutex<Option<String>>,
}

impl FallbackStore {
    /// Wraps `keyring` (a [`KeyringStore`] in the app).
    pub fn new(keyring: Arc<dyn SecretStore>) -> Self {
        Self {
            keyring,
            memory: MemoryStore::new(),
            fallback_reason: Mutex::new(None),
        }
    }

    /// Why tokens are kept in memory, once the keyring was found missing; `None` while the
    /// keyring serves.
    pub fn fallback_reason(&self) -> Option<String> {
        self.reason().clone()
    }

    fn reason(&self) -> std::sync::MutexGuard<'_, Option<String>> {
        self.fallback_reason
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Runs `call` on the keyring unless it is known missing; `None` means "use memory".
    fn on_keyring<T>(
        &self,
        call: impl FnOnce(&dyn SecretStore) -> Result<T, SecretError>,
    ) -> Option<Result<T, SecretError>> {
        if self.reason().is_some() {
            return None;
        }
        match call(self.keyring.as_ref()) {
            Err(SecretError::Unavailable(why)) => {
                tracing::warn!(reason = %why, "no system keyring: tokens are kept in memory for this session");
                *self.reason() = Some(why);
                None
            }
            other => Some(other),
        }
    }
}

impl SecretStore for FallbackStore {
    fn set(&self, account: &str, secret: &str) -> Result<(), SecretError> {
        self.on_keyring(|k| k.set(account, secret))
            .unwrap_or_else(|| self.memory.set(account, secret))
    }

    fn get(&self, account: &str) -> Result<Option<String>, SecretError> {
        self.on_keyring(|k| k.get(account))
            .unwrap_or_else(|| self.memory.get(account))
    }

    fn delete(&self, account: &str) -> Result<(), SecretError> {
        self.memory.delete(account)?;
        self.on_keyring(|k| k.delete(account)).unwrap_or(Ok(()))
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

    /// A keyring that answers like a desktop without a Secret Service, or like a locked one.
    struct Refusing(SecretError);

    impl SecretStore for Refusing {
        fn set(&self, _: &str, _: &str) -> Result<(), SecretError> {
            Err(self.0.clone())
        }
        fn get(&self, _: &str) -> Result<Option<String>, SecretError> {
            Err(self.0.clone())
        }
        fn delete(&self, _: &str) -> Result<(), SecretError> {
            Err(self.0.clone())
        }
    }

    #[test]
    fn fallback_keeps_tokens_in_memory_and_says_why_when_no_keyring_exists() {
        let store = FallbackStore::new(Arc::new(Refusing(SecretError::Unavailable(
            "org.freedesktop.secrets was not provided by any .service files".into(),
        ))));
        assert_eq!(store.fallback_reason(), None);
        store.set("conn-1", "tok").unwrap();
        assert_eq!(store.get("conn-1").unwrap().as_deref(), Some("tok"));
        let reason = store.fallback_reason().unwrap();
        assert!(reason.contains("org.freedesktop.secrets"), "{reason}");
        store.delete("conn-1").unwrap();
        assert_eq!(store.get("conn-1").unwrap(), None);
    }

    #[test]
    fn fallback_uses_the_keyring_while_it_serves() {
        let keyring = Arc::new(MemoryStore::new());
        let store = FallbackStore::new(keyring.clone());
        store.set("conn-1", "tok").unwrap();
        assert_eq!(keyring.get("conn-1").unwrap().as_deref(), Some("tok"));
        assert_eq!(store.fallback_reason(), None);
        store.delete("conn-1").unwrap();
        assert_eq!(keyring.get("conn-1").unwrap(), None);
    }

    #[test]
    fn a_locked_keyring_is_reported_not_replaced_by_memory() {
        let store = FallbackStore::new(Arc::new(Refusing(SecretError::Locked("denied".into()))));
        assert_eq!(
            store.set("conn-1", "tok"),
            Err(SecretError::Locked("denied".into()))
        );
        assert_eq!(store.fallback_reason(), None);
        assert!(store.get("conn-1").is_err());
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
