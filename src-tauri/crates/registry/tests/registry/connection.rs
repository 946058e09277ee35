//! The connection model and its config file.

use registry::connection::{
    Connection, ConnectionError, ConnectionKind, ConnectionsFile, CONNECTIONS_FILE_VERSION,
};
use registry::secrets::{MemoryStore, SecretStore};
use registry::tls::TlsOptions;
use std::path::{Path, PathBuf};

const TOKEN: &str = "tok-9f8e7d6c5b4a-never-on-disk";

/// A fresh empty directory under the system temp dir, removed on drop.
struct TempDir(PathBuf);

impl TempDir {
    fn new() -> Self {
        let dir = std::env::temp_dir().join(format!("wharf-conn-test-{}", uuid::Uuid::new_v4()));
        std::fs::create_dir_all(&dir).unwrap();
        Self(dir)
    }

    fn path(&self) -> &Path {
        &self.0
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn quay() -> Connection {
    Connection::new(
        "quay.io",
        ConnectionKind::Quay,
        "https://quay.io/",
        None,
        TlsOptions::default(),
    )
    .unwrap()
}

fn dtr() -> Connection {
    Connection::new(
        " Lab DTR ",
        ConnectionKind::Dtr,
        "https://dtr.lab.example:8443",
        Some("alice"),
        TlsOptions {
            ca_pem: None,
            accept_invalid_certs: true,
        },
    )
    .unwrap()
}

#[test]
fn round_trips_through_a_real_file() {
    let dir = TempDir::new();
    let path = dir.path().join("nested").join("connections.json");
    let mut file = ConnectionsFile::default();
    file.add(quay()).unwrap();
    file.add(dtr()).unwrap();
    file.save(&path).unwrap();

    let loaded = ConnectionsFile::load(&path).unwrap();
    assert_eq!(loaded, file);
    assert_eq!(loaded.version, CONNECTIONS_FILE_VERSION);
    assert_eq!(loaded.connections[0].base_url, "https://quay.io");
    assert_eq!(loaded.connections[1].name, "Lab DTR");
    assert!(loaded.connections[1].tls.accept_invalid_certs);

    let json: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
    assert_eq!(json["version"], 1);
    let second = &json["connections"][1];
    assert_eq!(second["kind"], "dtr");
    assert_eq!(second["baseUrl"], "https://dtr.lab.example:8443");
    assert_eq!(second["username"], "alice");
    assert_eq!(second["tls"]["acceptInvalidCerts"], true);
}

#[test]
fn the_token_never_reaches_the_file() {
    let dir = TempDir::new();
    let path = dir.path().join("connections.json");
    let store = MemoryStore::new();
    let connection = dtr();
    connection.set_token(&store, TOKEN).unwrap();
    assert_eq!(connection.token(&store).unwrap().as_deref(), Some(TOKEN));
    assert_eq!(
        store.get(&connection.id.to_string()).unwrap().as_deref(),
        Some(TOKEN),
        "the account name is the connection id"
    );

    let mut file = ConnectionsFile::default();
    file.add(connection.clone()).unwrap();
    file.save(&path).unwrap();
    let text = std::fs::read_to_string(&path).unwrap();
    assert!(text.contains(&connection.id.to_string()), "{text}");
    assert!(!text.contains(TOKEN), "{text}");
    assert!(!text.to_ascii_lowercase().contains("token"), "{text}");
}

#[test]
fn a_missing_file_is_an_empty_list() {
    let dir = TempDir::new();
    let loaded = ConnectionsFile::load(&dir.path().join("absent.json")).unwrap();
    assert_eq!(loaded, ConnectionsFile::default());
    assert!(loaded.connections.is_empty());
}

#[test]
fn saving_leaves_no_temporary_file_and_replaces_the_old_one() {
    let dir = TempDir::new();
    let path = dir.path().join("connections.json");
    let mut file = ConnectionsFile::default();
    file.add(quay()).unwrap();
    file.save(&path).unwrap();
    file.add(dtr()).unwrap();
    file.save(&path).unwrap();

    let names: Vec<String> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert_eq!(names, vec!["connections.json".to_owned()]);
    assert_eq!(ConnectionsFile::load(&path).unwrap().connections.len(), 2);
}

#[test]
fn a_damaged_or_newer_file_is_reported() {
    let dir = TempDir::new();
    let path = dir.path().join("connections.json");
    std::fs::write(&path, "{ not json").unwrap();
    assert!(matches!(
        ConnectionsFile::load(&path),
        Err(ConnectionError::Parse { .. })
    ));
    std::fs::write(&path, r#"{"version": 2, "connections": []}"#).unwrap();
    assert_eq!(
        ConnectionsFile::load(&path),
        Err(ConnectionError::UnsupportedVersion(2))
    );
}

#[test]
fn validation_messages() {
    let tls = TlsOptions::default;
    let err = Connection::new("  ", ConnectionKind::Quay, "https://q.io", None, tls()).unwrap_err();
    assert_eq!(err, ConnectionError::EmptyName);
    assert_eq!(err.to_string(), "Enter a name for the connection.");

    for (url, why) in [
        ("quay.io", "it is not a URL"),
        ("ftp://quay.io", "it must start with https:// or http://"),
        (
            "https://alice:pw@quay.io",
            "leave the user name and token out",
        ),
        ("https://quay.io/?x=1", "remove the ? or # part"),
    ] {
        let err = Connection::new("q", ConnectionKind::Quay, url, None, tls()).unwrap_err();
        assert!(matches!(err, ConnectionError::InvalidBaseUrl(_)), "{url}");
        assert!(err.to_string().contains(why), "{url}: {err}");
    }
    assert!(Connection::new(
        "q",
        ConnectionKind::Quay,
        "http://10.0.0.5:8080",
        None,
        tls()
    )
    .is_ok());

    for username in [None, Some("  ")] {
        let err = Connection::new("d", ConnectionKind::Dtr, "https://dtr.x", username, tls())
            .unwrap_err();
        assert_eq!(err, ConnectionError::MissingUsername);
        assert!(err.to_string().contains("user name"), "{err}");
    }

    let bad_ca = TlsOptions {
        ca_pem: Some("-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----".into()),
        accept_invalid_certs: false,
    };
    let err = Connection::new("q", ConnectionKind::Quay, "https://q.io", None, bad_ca).unwrap_err();
    assert!(matches!(err, ConnectionError::InvalidCa(_)), "{err:?}");
    assert!(err.to_string().contains("PEM"), "{err}");
}

#[test]
fn add_validates_and_rejects_duplicate_ids() {
    let mut file = ConnectionsFile::default();
    let connection = quay();
    file.add(connection.clone()).unwrap();
    assert_eq!(
        file.add(connection.clone()),
        Err(ConnectionError::DuplicateId(connection.id))
    );
    let mut broken = quay();
    broken.name = String::new();
    assert_eq!(file.add(broken), Err(ConnectionError::EmptyName));
    assert_eq!(file.connections.len(), 1);

    assert_eq!(file.remove(connection.id), Some(connection.clone()));
    assert_eq!(file.get(connection.id), None);
}

type Seen = std::sync::Arc<std::sync::Mutex<Vec<Option<String>>>>;

/// A server that records the `Authorization` header of each request.
async fn recording_server() -> (String, Seen) {
    let seen: Seen = Default::default();
    let record = seen.clone();
    let app = axum::Router::new().fallback(move |headers: axum::http::HeaderMap| {
        let record = record.clone();
        async move {
            record.lock().unwrap().push(
                headers
                    .get(axum::http::header::AUTHORIZATION)
                    .map(|v| String::from_utf8_lossy(v.as_bytes()).into_owned()),
            );
            axum::http::StatusCode::UNAUTHORIZED
        }
    });
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    (base, seen)
}

#[tokio::test]
async fn an_edited_address_or_trust_needs_the_token_again_and_the_old_one_never_goes_there() {
    use registry::saved::{ConnectionInput, SavedConnections};
    use registry::RegistryError;
    let dir = TempDir::new();
    let saved = SavedConnections::open(
        dir.path().join("connections.json"),
        std::sync::Arc::new(MemoryStore::new()),
    );
    let input = |id, base: &str, tls: TlsOptions, token: Option<&str>| ConnectionInput {
        id,
        name: "quay".into(),
        kind: ConnectionKind::Quay,
        base_url: base.into(),
        username: None,
        tls,
        token: token.map(str::to_owned),
    };
    let first = saved
        .save(input(
            None,
            "https://quay.example",
            TlsOptions::default(),
            Some(TOKEN),
        ))
        .await
        .unwrap();
    let (elsewhere, seen) = recording_server().await;
    let id = Some(first.id);

    // Another host, another scheme, or weaker trust: refused without the token.
    let insecure = TlsOptions {
        accept_invalid_certs: true,
        ..TlsOptions::default()
    };
    for (base, tls) in [
        (elsewhere.as_str(), TlsOptions::default()),
        ("http://quay.example", TlsOptions::default()),
        ("https://quay.example:8443", TlsOptions::default()),
        ("https://quay.example", insecure.clone()),
    ] {
        let refused = saved.save(input(id, base, tls, None)).await;
        assert!(
            matches!(refused, Err(RegistryError::TokenForNewServer)),
            "{base}: {refused:?}"
        );
    }
    // The connection still points where it did, so the token never reached the other server.
    assert_eq!(
        saved.get(first.id).unwrap().base_url,
        "https://quay.example"
    );
    assert!(seen.lock().unwrap().is_empty());

    // A new name or path on the same server keeps the token.
    saved
        .save(input(
            id,
            "https://QUAY.example/",
            TlsOptions::default(),
            None,
        ))
        .await
        .unwrap();
    // With the token typed again the move is saved, and the new token replaces the old one.
    saved
        .save(input(
            id,
            &elsewhere,
            TlsOptions::default(),
            Some("another-token"),
        ))
        .await
        .unwrap();
    let client = saved.client(first.id).await.unwrap();
    let _ = client.verify().await;
    let seen = seen.lock().unwrap();
    assert!(!seen.is_empty());
    assert!(
        seen.iter()
            .all(|a| a.as_deref() == Some("Bearer another-token")),
        "only the new token went there: {seen:?}"
    );
}

mod health {
    //! Verify on save and the health kept with each connection, against the fake Quay and
    //! real sockets on 127.0.0.1.

    use super::{TempDir, TOKEN};
    use fakes::quay::{FakeQuay, Scope};
    use registry::connection::ConnectionKind;
    use registry::health::HealthResult;
    use registry::saved::{ConnectionInput, SaveVerdict, SavedConnections};
    use registry::secrets::MemoryStore;
    use registry::tls::TlsOptions;
    use registry::RegistryError;
    use std::sync::Arc;

    fn input(
        id: Option<uuid::Uuid>,
        name: &str,
        base: &str,
        token: Option<&str>,
    ) -> ConnectionInput {
        ConnectionInput {
            id,
            name: name.into(),
            kind: ConnectionKind::Quay,
            base_url: base.into(),
            username: None,
            tls: TlsOptions::default(),
            token: token.map(str::to_owned),
        }
    }

    async fn fake_quay() -> FakeQuay {
        let fake = FakeQuay::start().await.unwrap();
        fake.add_user("alice");
        fake.add_token(TOKEN, "alice", &Scope::ALL);
        fake
    }

    fn saved(verdict: SaveVerdict) -> registry::connection::Connection {
        match verdict {
            SaveVerdict::Saved(c) => c,
            SaveVerdict::NotVerified(e) => panic!("not verified: {e}"),
        }
    }

    #[tokio::test]
    async fn a_bad_token_is_refused_at_the_token_and_saves_nothing_unless_saved_anyway() {
        let fake = fake_quay().await;
        let dir = TempDir::new();
        let path = dir.path().join("connections.json");
        let store = Arc::new(MemoryStore::new());
        let connections = SavedConnections::open(path.clone(), store.clone());

        let refused = connections
            .save_verified(
                input(None, "Bad token", fake.base_url(), Some("wrong-token")),
                false,
            )
            .await
            .unwrap();
        let SaveVerdict::NotVerified(why) = refused else {
            panic!("saved with a wrong token")
        };
        assert_eq!(why.field_at_fault(), Some("token"), "{why}");
        assert!(!why.to_string().contains("wrong-token"));
        assert!(
            connections.overview().connections.is_empty(),
            "nothing saved"
        );

        let kept = saved(
            connections
                .save_verified(
                    input(None, "Bad token", fake.base_url(), Some("wrong-token")),
                    true,
                )
                .await
                .unwrap(),
        );
        let health = kept.health.clone().expect("the failure is its health");
        let HealthResult::Failing { reason, .. } = &health.result else {
            panic!("{health:?}")
        };
        assert!(reason.contains("did not accept the token"), "{reason}");

        // A restart reads the same health back; the file holds no token.
        let reopened = SavedConnections::open(path.clone(), store.clone());
        assert_eq!(reopened.get(kept.id).unwrap().health, Some(health));
        let text = std::fs::read_to_string(&path).unwrap();
        assert!(
            !text.contains("wrong-token") && !text.contains(TOKEN),
            "{text}"
        );
    }

    #[tokio::test]
    async fn a_good_token_is_verified_on_save_and_a_rename_keeps_it() {
        let fake = fake_quay().await;
        let dir = TempDir::new();
        let path = dir.path().join("connections.json");
        let store = Arc::new(MemoryStore::new());
        let connections = SavedConnections::open(path.clone(), store.clone());
        let first = saved(
            connections
                .save_verified(input(None, "Quay", fake.base_url(), Some(TOKEN)), false)
                .await
                .unwrap(),
        );
        let health = first.health.clone().unwrap();
        let HealthResult::Verified { account } = &health.result else {
            panic!("{health:?}")
        };
        assert_eq!(account.account, "alice");
        assert!(
            health.checked_at > 1_700_000_000_000,
            "{}",
            health.checked_at
        );

        // Were the rename verified, this token (without scopes now) would fail it.
        fake.add_token(TOKEN, "alice", &[]);
        let renamed = saved(
            connections
                .save_verified(
                    input(Some(first.id), "Renamed", fake.base_url(), None),
                    false,
                )
                .await
                .unwrap(),
        );
        assert_eq!(
            renamed.health,
            Some(health.clone()),
            "a rename keeps the check"
        );
        let reopened = SavedConnections::open(path, store);
        assert_eq!(reopened.get(first.id).unwrap().health, Some(health));
    }

    #[tokio::test]
    async fn an_edit_to_an_address_nothing_listens_at_is_refused_at_the_address() {
        let fake = fake_quay().await;
        let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let closed_at = closed.local_addr().unwrap();
        drop(closed);
        let dir = TempDir::new();
        let connections = SavedConnections::open(
            dir.path().join("connections.json"),
            Arc::new(MemoryStore::new()),
        );
        let first = saved(
            connections
                .save_verified(input(None, "Quay", fake.base_url(), Some(TOKEN)), false)
                .await
                .unwrap(),
        );
        let elsewhere = format!("http://{closed_at}");
        let refused = connections
            .save_verified(
                input(Some(first.id), "Quay", &elsewhere, Some(TOKEN)),
                false,
            )
            .await
            .unwrap();
        let SaveVerdict::NotVerified(why) = refused else {
            panic!("saved an address nothing answers at")
        };
        assert_eq!(why.field_at_fault(), Some("baseUrl"));
        assert!(
            why.to_string()
                .starts_with(&format!("Nothing is listening at {closed_at}.")),
            "{why}"
        );
        assert!(why.network_detail().is_some_and(|d| !d.contains(TOKEN)));
        // Still the old, verified connection.
        assert_eq!(connections.get(first.id).unwrap(), first);

        // Saved anyway, the old verification is gone: its failure is the health now.
        let moved = saved(
            connections
                .save_verified(input(Some(first.id), "Quay", &elsewhere, Some(TOKEN)), true)
                .await
                .unwrap(),
        );
        assert!(
            matches!(&moved.health.as_ref().unwrap().result, HealthResult::Failing { reason, .. } if reason.starts_with("Nothing is listening")),
            "{moved:?}"
        );
    }

    #[tokio::test]
    async fn verify_keeps_its_result_and_an_edit_without_verifying_forgets_the_old_one() {
        let fake = fake_quay().await;
        let dir = TempDir::new();
        let path = dir.path().join("connections.json");
        let store = Arc::new(MemoryStore::new());
        let connections = SavedConnections::open(path.clone(), store.clone());
        let first = connections
            .save(input(None, "Quay", fake.base_url(), Some(TOKEN)))
            .await
            .unwrap();
        assert_eq!(first.health, None, "not verified yet");
        let health = connections.verify(first.id).await.unwrap();
        assert!(health.is_verified(), "{health:?}");
        assert_eq!(
            connections.get(first.id).unwrap().health,
            Some(health.clone())
        );

        // The token is revoked on the server: the next check says so, and is kept.
        fake.add_token(TOKEN, "alice", &[]);
        let later = connections.verify(first.id).await.unwrap();
        assert!(!later.is_verified(), "{later:?}");
        assert!(later.checked_at >= health.checked_at);
        assert_eq!(
            SavedConnections::open(path, store)
                .get(first.id)
                .unwrap()
                .health,
            Some(later)
        );

        // A new token (or address) makes the last result about something else: it goes.
        let edited = connections
            .save(input(
                Some(first.id),
                "Quay",
                fake.base_url(),
                Some("another-token"),
            ))
            .await
            .unwrap();
        assert_eq!(edited.health, None);
        let mut dtr = input(Some(first.id), "Quay", fake.base_url(), Some(TOKEN));
        dtr.kind = ConnectionKind::Dtr;
        dtr.username = Some("alice".into());
        assert!(matches!(
            connections.save(dtr).await,
            Err(RegistryError::KindLocked)
        ));
        assert!(matches!(
            connections.verify(uuid::Uuid::new_v4()).await,
            Err(RegistryError::NoSuchConnection)
        ));
    }
}
