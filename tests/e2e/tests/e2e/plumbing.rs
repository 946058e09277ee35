//! The toast and keyring plumbing, live: a real notification daemon (dunst) on the D-Bus session
//! and a real, unlocked Secret Service (gnome-keyring). Run through `tests/e2e/run.sh`.

use std::process::Command;
use std::sync::Arc;
use std::time::Duration;

use inbox::toast::{DesktopToaster, Toast, Toaster};
use registry::secrets::{self, KeyringStore, SecretStore};

#[test]
#[ignore = "needs the e2e environment: run `make e2e`"]
fn a_toast_reaches_the_notification_daemon() {
    let marker = format!("wharf-plumbing-{}", std::process::id());
    let id = DesktopToaster::new("Wharf")
        .show(&Toast {
            title: marker.clone(),
            body: "toast plumbing works".into(),
            opens: None,
        })
        .expect("dunst accepted the notification");
    assert!(id > 0);

    // dunst keeps a toast out of its history until it is closed.
    std::thread::sleep(Duration::from_millis(300));
    e2e::dunstctl(&["close-all"]);
    std::thread::sleep(Duration::from_millis(300));
    let history = e2e::dunstctl(&["history"]);
    assert!(
        history.contains(&marker),
        "dunst history lacks {marker}: {history}"
    );
    assert!(history.contains("toast plumbing works"));
}

#[tokio::test]
#[ignore = "needs the e2e environment: run `make e2e`"]
async fn a_secret_round_trips_through_the_secret_service() {
    let store: Arc<dyn SecretStore> = Arc::new(KeyringStore::new("dev.wharf.e2e"));
    let account = format!("plumbing-{}", std::process::id());
    let t = secrets::DEFAULT_TIMEOUT;

    secrets::set_secret(store.clone(), account.clone(), "s3cret-token".into(), t)
        .await
        .expect("stored in gnome-keyring");

    // Read it back with libsecret's own tool, so this does not only test our code against itself.
    let out = Command::new("secret-tool")
        .args(["lookup", "service", "dev.wharf.e2e", "username", &account])
        .output()
        .expect("secret-tool runs");
    assert_eq!(String::from_utf8_lossy(&out.stdout), "s3cret-token");

    assert_eq!(
        secrets::get_secret(store.clone(), account.clone(), t).await,
        Ok(Some("s3cret-token".into()))
    );
    secrets::delete_secret(store.clone(), account.clone(), t)
        .await
        .unwrap();
    assert_eq!(secrets::get_secret(store, account, t).await, Ok(None));
}
