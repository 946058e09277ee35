//! The real keyring crate on a machine without a Secret Service: the error says so plainly and
//! [`FallbackStore`] keeps the token in memory. The check runs in a child process whose D-Bus
//! session address points nowhere, so it cannot touch (or depend on) the developer's keyring.

use registry::secrets::{FallbackStore, KeyringStore, SecretError, SecretStore};
use std::process::Command;
use std::sync::Arc;

const CHILD: &str = "WHARF_KEYRING_ABSENT_CHILD";

#[test]
fn without_a_secret_service_tokens_stay_in_memory_and_the_reason_is_plain() {
    if std::env::var_os(CHILD).is_some() {
        return in_child();
    }
    let out = Command::new(std::env::current_exe().unwrap())
        .args([
            "--exact",
            "keyring_absent::without_a_secret_service_tokens_stay_in_memory_and_the_reason_is_plain",
            "--nocapture",
        ])
        .env(CHILD, "1")
        .env(
            "DBUS_SESSION_BUS_ADDRESS",
            "unix:path=/nonexistent/wharf-test-bus",
        )
        .env_remove("DISPLAY")
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "child failed: {stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        stdout.contains("CHILD-CHECKED"),
        "the child did not run its checks: {stdout}"
    );
}

fn in_child() {
    let keyring = KeyringStore::new("dev.wharf.absent-test");
    let direct = keyring.set("conn", "tok-absent-secret").unwrap_err();
    assert!(matches!(direct, SecretError::Unavailable(_)), "{direct:?}");
    let message = direct.to_string();
    assert!(message.contains("no system keyring"), "{message}");
    assert!(!message.contains("tok-absent-secret"), "{message}");

    let store = FallbackStore::new(Arc::new(keyring));
    store.set("conn", "tok-absent-secret").unwrap();
    assert_eq!(
        store.get("conn").unwrap().as_deref(),
        Some("tok-absent-secret")
    );
    let reason = store.fallback_reason().expect("the fallback says why");
    assert!(!reason.contains("tok-absent-secret"), "{reason}");
    println!("CHILD-CHECKED: {reason}");
}
