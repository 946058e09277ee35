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
