//! The registry commands end to end on the mock runtime: a connection to the fake Quay or fake
//! DTR (token in the secret store, never in the config file), browsing, a "Send to Wharf"
//! route, a notification or webhook pointing at the app's own receiver, Test, the delivery
//! arriving in the inbox recognised, and Delete.
//!
//! The receiver binds 127.0.0.2: the fake Quay, like Quay, refuses 127.0.0.1 and localhost.

mod common;

use common::invoke_with;
use fakes::dtr::{DtrVersion, FakeDtr};
use fakes::quay::{FakeQuay, Scope, TeamRole};
use serde_json::{json, Value};
use std::time::{Duration, Instant};

const QUAY_TOKEN: &str = "qTok-FlowSecret-0123456789";
const DTR_TOKEN: &str = "dtrTok-FlowSecret-0123456789";

type App = tauri::App<tauri::test::MockRuntime>;

/// One app for the whole file: apps in one process share the XDG home and so the inbox
/// database, which one running app holds.
fn app() -> App {
    common::isolated_home(
        "registry-flow",
        &[
            ("WHARF_RECEIVER_BIND", "127.0.0.2"),
            ("WHARF_SECRET_STORE", "memory"),
        ],
    );
    common::app()
}

fn call(app: &App, cmd: &str, args: Value) -> Value {
    invoke_with(app, "main", cmd, args).unwrap_or_else(|e| panic!("{cmd} failed: {e}"))
}

/// Polls the inbox for a delivery on `token` (deliveries are asynchronous), for at most 10 s.
fn wait_for_delivery(app: &App, token: &str) -> Value {
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let rows = call(app, "inbox_list", json!({"query": {"route": token}}));
        if let Some(row) = rows.as_array().and_then(|r| r.first()) {
            return row.clone();
        }
        assert!(Instant::now() < deadline, "no delivery on route {token}");
        std::thread::sleep(Duration::from_millis(50));
    }
}

fn config_files_hold_no_token(app: &App, token: &str) {
    let info = call(app, "app_info", json!({}));
    for key in ["configDir", "dataDir"] {
        let dir = std::path::PathBuf::from(info[key].as_str().unwrap());
        for entry in std::fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_file() {
                let bytes = std::fs::read(&path).unwrap();
                let text = String::from_utf8_lossy(&bytes);
                assert!(!text.contains(token), "token found in {}", path.display());
            }
        }
    }
}

#[test]
fn registry_flows_against_both_fakes() {
    let rt = tokio::runtime::Runtime::new().unwrap();
    let app = app();
    quay_connection_to_delivery_and_back(&rt, &app);
    quay_errors_reach_the_ui_as_sentences(&rt, &app);
    repository_lifecycle_through_the_commands(&rt, &app);
    dtr_connection_to_delivery_and_back(&rt, &app, DtrVersion::V2_7);
    dtr_connection_to_delivery_and_back(&rt, &app, DtrVersion::V2_6);
    retention_from_settings_prunes_at_once(&app);
}

/// Last, since it empties the inbox down to one delivery.
fn retention_from_settings_prunes_at_once(app: &App) {
    let before = call(app, "inbox_list", json!({"query": {}}));
    assert!(
        before.as_array().unwrap().len() >= 3,
        "the flows stored deliveries: {before}"
    );
    let newest = before[0]["id"].clone();
    let mut settings = call(app, "settings_get", json!({}))["settings"].clone();
    settings["retentionMaxCount"] = json!(1);
    call(app, "settings_save", json!({"next": settings}));
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let rows = call(app, "inbox_list", json!({"query": {}}));
        if rows.as_array().unwrap().len() == 1 {
            assert_eq!(rows[0]["id"], newest, "the newest delivery is kept");
            return;
        }
        assert!(Instant::now() < deadline, "not pruned to 1: {rows}");
        std::thread::sleep(Duration::from_millis(50));
    }
}

fn ids(app: &App) -> Vec<String> {
    call(app, "connection_list", json!({}))["connections"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["id"].as_str().unwrap().to_owned())
        .collect()
}

fn quay_connection_to_delivery_and_back(rt: &tokio::runtime::Runtime, app: &App) {
    let fake = rt.block_on(FakeQuay::start()).unwrap();
    fake.add_user("alice");
    fake.add_token(QUAY_TOKEN, "alice", &Scope::ALL);
    fake.add_org("acme", &["alice"], &[]);
    fake.add_repo("acme", "api", false);
    fake.add_team("acme", "ops", TeamRole::Member, &["alice"])
        .unwrap();

    let saved = call(
        app,
        "connection_save",
        json!({"anyway": false, "input": {"id": null, "name": "Fake Quay", "kind": "quay", "baseUrl": fake.base_url(),
                         "username": null, "tls": {"acceptInvalidCerts": false}, "token": QUAY_TOKEN}}),
    );
    // Verified on save: the health comes with the connection.
    assert_eq!(saved["outcome"], "saved", "{saved}");
    let saved = &saved["connection"];
    assert_eq!(saved["health"]["result"]["state"], "verified", "{saved}");
    let id = saved["id"].as_str().unwrap().to_owned();
    assert!(ids(app).contains(&id));
    config_files_hold_no_token(app, QUAY_TOKEN);

    let verified = call(app, "connection_verify", json!({"id": id}));
    assert_eq!(verified["result"]["account"]["account"], "alice");
    assert!(verified["result"]["account"]["detail"]
        .as_str()
        .unwrap()
        .contains("acme"));
    assert_eq!(
        call(app, "connection_list", json!({}))["connections"]
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["id"] == id.as_str())
            .unwrap()["health"],
        verified,
        "the last check is kept with the connection"
    );
    let namespaces = call(app, "registry_namespace_list", json!({"connectionId": id}));
    let names: Vec<&str> = namespaces
        .as_array()
        .unwrap()
        .iter()
        .map(|n| n["name"].as_str().unwrap())
        .collect();
    assert!(names.contains(&"acme"), "{namespaces}");
    let teams = call(
        app,
        "quay_team_list",
        json!({"connectionId": id, "org": "acme"}),
    );
    let team_names: Vec<&str> = teams
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["name"].as_str().unwrap())
        .collect();
    assert!(team_names.contains(&"ops"), "{teams}");

    let minted = call(
        app,
        "inbox_route_create",
        json!({"route": {"connectionId": id, "repository": "acme/api", "notificationId": null,
                         "source": "quay", "event": "build_failure", "label": "CI failures",
                         "response": {"status": 200, "body": null, "delayMs": 0}}}),
    );
    let url = minted["url"].as_str().unwrap().to_owned();
    assert!(url.starts_with("http://127.0.0.2:"), "{url}");
    let token = minted["route"]["token"].as_str().unwrap().to_owned();

    let repo = json!({"connectionId": id, "namespace": "acme", "name": "api"});
    let mut create = repo.clone();
    create["draft"] = json!({"title": "CI failures", "event": {"kind": "build_failure", "refRegex": ""},
                             "method": {"kind": "webhook", "url": url, "template": ""}});
    // Rust is the validator of record: a refusal names the draft field it is about.
    let mut refused = create.clone();
    refused["draft"]["method"]["url"] = json!("http://localhost:8080/hook");
    let err = invoke_with(app, "main", "quay_notification_create", refused).unwrap_err();
    assert_eq!(
        (&err["kind"], &err["field"]),
        (&json!("invalid"), &json!("method.url"))
    );
    let created = call(app, "quay_notification_create", create);
    let uuid = created["uuid"].as_str().unwrap().to_owned();
    let mut one = repo.clone();
    one["uuid"] = json!(uuid);

    call(app, "quay_notification_test", one.clone());
    let delivery = wait_for_delivery(app, &token);
    assert_eq!(delivery["status"], 200);
    assert_eq!(delivery["source"], "quay");
    assert_eq!(delivery["event"], "build_failure");
    let summary = delivery["summary"].as_str().unwrap();
    assert!(
        summary.contains("build some-fake-build failed on acme/api"),
        "{summary}"
    );

    let listing = json!({"connectionId": id, "namespace": "acme", "repository": "api"});
    let listed = call(app, "registry_notification_list", listing.clone());
    assert_eq!(listed[0]["registry"], "quay", "{listed}");
    assert_eq!(listed[0]["uuid"], json!(uuid));
    assert_eq!(listed.as_array().unwrap().len(), 1);
    call(app, "quay_notification_delete", one);
    assert!(fake.notification(&uuid).is_none(), "deleted on the fake");
    assert_eq!(call(app, "registry_notification_list", listing), json!([]));

    call(app, "connection_remove", json!({"id": id}));
    assert!(!ids(app).contains(&id));
}

fn quay_errors_reach_the_ui_as_sentences(rt: &tokio::runtime::Runtime, app: &App) {
    let fake = rt.block_on(FakeQuay::start()).unwrap();
    fake.add_user("alice");
    let bad = json!({"id": null, "name": "Bad token", "kind": "quay", "baseUrl": fake.base_url(),
                     "username": null, "tls": {"acceptInvalidCerts": false}, "token": "qTok-not-known-anywhere"});
    // Refused at save, at the token field, and nothing is saved.
    let refused = call(
        app,
        "connection_save",
        json!({"anyway": false, "input": bad}),
    );
    assert_eq!(refused["outcome"], "notVerified", "{refused}");
    let err = &refused["error"];
    assert_eq!(
        (&err["kind"], &err["field"]),
        (&json!("unauthorized"), &json!("token")),
        "{err}"
    );
    let message = err["message"].as_str().unwrap();
    assert!(message.to_lowercase().contains("token"), "{message}");
    assert!(!message.contains("qTok-not-known-anywhere"), "{message}");
    let names = |app: &App| -> Vec<String> {
        call(app, "connection_list", json!({}))["connections"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| c["name"].as_str().unwrap().to_owned())
            .collect()
    };
    assert!(!names(app).contains(&"Bad token".to_owned()));
    // Saved anyway, it is kept failing, and Verify says the same.
    let kept = call(
        app,
        "connection_save",
        json!({"anyway": true, "input": bad}),
    );
    assert_eq!(
        kept["connection"]["health"]["result"]["state"], "failing",
        "{kept}"
    );
    let health = call(
        app,
        "connection_verify",
        json!({"id": kept["connection"]["id"]}),
    );
    assert_eq!(health["result"]["reason"], json!(message), "{health}");
    config_files_hold_no_token(app, "qTok-not-known-anywhere");

    // Nothing listening: plain words at the address, the transport's text as the detail.
    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let closed_at = closed.local_addr().unwrap();
    drop(closed);
    let nowhere = call(
        app,
        "connection_save",
        json!({"anyway": false, "input": {"id": null, "name": "Nowhere", "kind": "quay",
               "baseUrl": format!("http://{closed_at}"), "username": null,
               "tls": {"acceptInvalidCerts": false}, "token": QUAY_TOKEN}}),
    );
    let err = &nowhere["error"];
    assert_eq!(
        (&err["kind"], &err["field"]),
        (&json!("unreachable"), &json!("baseUrl")),
        "{err}"
    );
    assert!(
        err["message"]
            .as_str()
            .unwrap()
            .starts_with(&format!("Nothing is listening at {closed_at}.")),
        "{err}"
    );
    let detail = err["detail"].as_str().unwrap();
    assert!(detail.to_lowercase().contains("refused"), "{detail}");
    assert!(!detail.contains(QUAY_TOKEN), "{detail}");

    let missing_token = invoke_with(
        app,
        "main",
        "connection_save",
        json!({"anyway": false, "input": {"id": null, "name": "No token", "kind": "quay", "baseUrl": fake.base_url(),
                         "username": null, "tls": {"acceptInvalidCerts": false}, "token": "  "}}),
    )
    .unwrap_err();
    assert_eq!(missing_token["kind"], "invalid");
    assert_eq!(missing_token["field"], "token");
    let bad_address = invoke_with(
        app,
        "main",
        "connection_save",
        json!({"anyway": false, "input": {"id": null, "name": "Typo", "kind": "quay", "baseUrl": "quay.example.com",
                         "username": null, "tls": {"acceptInvalidCerts": false}, "token": "t"}}),
    )
    .unwrap_err();
    assert_eq!(bad_address["field"], "baseUrl", "{bad_address}");
}

/// The repository commands as the Repositories screen calls them: create (with the form's field
/// named on a refusal), change, tags, what a delete takes, and a delete that needs the name.
fn repository_lifecycle_through_the_commands(rt: &tokio::runtime::Runtime, app: &App) {
    let fake = rt.block_on(FakeQuay::start()).unwrap();
    fake.add_user("alice");
    fake.add_token(QUAY_TOKEN, "alice", &Scope::ALL);
    fake.add_org("acme", &["alice"], &[]);
    let saved = call(
        app,
        "connection_save",
        json!({"anyway": false, "input": {"id": null, "name": "Repo admin", "kind": "quay", "baseUrl": fake.base_url(),
                         "username": null, "tls": {"acceptInvalidCerts": false}, "token": QUAY_TOKEN}}),
    );
    let id = saved["connection"]["id"].clone();
    let draft = |name: &str| {
        json!({"connectionId": id, "draft": {"namespace": "acme", "name": name, "isPublic": false,
               "description": "CI images", "longDescription": ""}})
    };
    let created = call(app, "registry_repository_create", draft("ci"));
    assert_eq!(created["name"], "ci");
    assert_eq!(created["description"], "CI images");
    assert_eq!(created["isPublic"], false);
    let taken = invoke_with(app, "main", "registry_repository_create", draft("ci")).unwrap_err();
    assert_eq!(
        (taken["kind"].as_str(), taken["field"].as_str()),
        (Some("invalid"), Some("name")),
        "{taken}"
    );
    let bad = invoke_with(app, "main", "registry_repository_create", draft("CI")).unwrap_err();
    assert_eq!(bad["field"], "name", "{bad}");

    let repo = json!({"connectionId": id, "namespace": "acme", "name": "ci"});
    let mut change = repo.clone();
    change["change"] = json!({"isPublic": true});
    let changed = call(app, "registry_repository_change", change);
    assert_eq!(changed["isPublic"], true);
    assert_eq!(
        call(app, "registry_repository_get", repo.clone())["isPublic"],
        true
    );
    let mut tags = repo.clone();
    tags["cursor"] = json!(null);
    let page = call(app, "registry_repository_tags", tags);
    assert_eq!(page, json!({"tags": [], "next": null}));
    let impact = call(app, "registry_repository_delete_impact", repo.clone());
    assert_eq!(
        impact,
        json!({"tags": 0, "moreTags": false, "notifications": 0})
    );

    let mut wrong = repo.clone();
    wrong["typedName"] = json!("acme/ci");
    let refused = invoke_with(app, "main", "registry_repository_delete", wrong).unwrap_err();
    assert_eq!(refused["field"], "typedName", "{refused}");
    assert!(
        fake.repository("acme", "ci").is_some(),
        "nothing deleted on a wrong name"
    );
    let mut typed = repo.clone();
    typed["typedName"] = json!("ci");
    call(app, "registry_repository_delete", typed);
    assert!(fake.repository("acme", "ci").is_none());
    let gone = invoke_with(app, "main", "registry_repository_get", repo).unwrap_err();
    assert_eq!(
        gone["kind"], "forbidden",
        "Quay's answer for a repository that is not there"
    );

    // What the server switched off, cached per connection until the next Verify.
    fake.set_feature("MAILING", false);
    let features = call(app, "quay_features", json!({"connectionId": id}));
    assert_eq!(
        features["unavailableMethods"][0]["value"], "email",
        "{features}"
    );
    fake.set_feature("MAILING", true);
    let cached = call(app, "quay_features", json!({"connectionId": id}));
    assert_eq!(cached, features, "read once per connection");
    call(app, "connection_verify", json!({"id": id}));
    let fresh = call(app, "quay_features", json!({"connectionId": id}));
    assert_eq!(
        fresh["unavailableMethods"],
        json!([]),
        "read again after Verify"
    );
    call(app, "connection_remove", json!({"id": id}));
}

fn dtr_connection_to_delivery_and_back(
    rt: &tokio::runtime::Runtime,
    app: &App,
    version: DtrVersion,
) {
    let fake = rt.block_on(FakeDtr::start(version)).unwrap();
    fake.add_user("alice", DTR_TOKEN, false);
    fake.add_org("payments", &["alice"], &[]);
    fake.add_repo("payments", "api", false, &["v1"]);
    let saved = call(
        app,
        "connection_save",
        json!({"anyway": false, "input": {"id": null, "name": "Fake DTR", "kind": "dtr", "baseUrl": fake.base_url(),
                         "username": "alice", "tls": {"acceptInvalidCerts": false}, "token": DTR_TOKEN}}),
    );
    let id = saved["connection"]["id"].as_str().unwrap().to_owned();
    config_files_hold_no_token(app, DTR_TOKEN);
    assert_eq!(
        call(app, "connection_verify", json!({"id": id}))["result"]["account"]["account"],
        "alice"
    );

    for (scope, event, repository) in [
        (
            json!({"kind": "repository", "namespace": "payments", "repository": "api"}),
            "TAG_PUSH",
            json!("api"),
        ),
        (
            json!({"kind": "namespace", "namespace": "payments"}),
            "REPO_EVENT",
            Value::Null,
        ),
    ] {
        let minted = call(
            app,
            "inbox_route_create",
            json!({"route": {"connectionId": id, "repository": "payments/api", "notificationId": null,
                             "source": "dtr", "event": event, "label": event,
                             "response": {"status": 200, "body": null, "delayMs": 0}}}),
        );
        let url = minted["url"].as_str().unwrap().to_owned();
        let token = minted["route"]["token"].as_str().unwrap().to_owned();
        let created = call(
            app,
            "dtr_webhook_create",
            json!({"connectionId": id, "draft": {"type": event, "scope": scope, "endpoint": url,
                                                 "tlsCert": "", "skipTLSVerification": true}}),
        );
        let hook_id = created["id"].as_str().unwrap().to_owned();
        let listed = call(
            app,
            "registry_notification_list",
            json!({"connectionId": id, "namespace": "payments", "repository": repository}),
        );
        assert!(
            listed
                .as_array()
                .unwrap()
                .iter()
                .any(|h| h["id"] == hook_id.as_str() && h["registry"] == "dtr"),
            "{listed}"
        );

        call(
            app,
            "dtr_webhook_test",
            json!({"connectionId": id, "draft": {"type": event, "endpoint": url, "tlsCert": "",
                                                 "skipTLSVerification": true}}),
        );
        let delivery = wait_for_delivery(app, &token);
        assert_eq!(delivery["source"], "dtr", "{delivery}");
        assert_eq!(delivery["event"], event, "{delivery}");

        let paused = call(
            app,
            "dtr_webhook_update",
            json!({"connectionId": id, "endpoint": url,
                   "update": {"id": hook_id, "inactive": true, "tlsCert": "", "skipTLSVerification": true}}),
        );
        assert_eq!(paused["inactive"], true);
        call(
            app,
            "dtr_webhook_delete",
            json!({"connectionId": id, "id": hook_id}),
        );
        assert!(fake.webhooks().iter().all(|h| h["id"] != hook_id.as_str()));
    }
}
