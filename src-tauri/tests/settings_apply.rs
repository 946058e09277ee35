//! Saving receiver settings moves the running receiver without a restart. Its own test process
//! (and so its own settings file): the addresses it saves must not reach apps other tests start.

mod common;

use common::{invoke, invoke_with};

fn app() -> tauri::App<tauri::test::MockRuntime> {
    common::isolated_home("settings-apply", &[]);
    common::app()
}

#[test]
fn a_new_bind_address_applies_at_once_or_says_why_not() {
    let app = app();
    let view = invoke(&app, "main", "settings_get").unwrap();
    let first = view["listeningOn"].as_str().unwrap().to_owned();
    assert!(first.starts_with("http://127.0.0.1:"), "{view}");
    assert_eq!(view["listenError"], serde_json::Value::Null);
    // This test process sets WHARF_RECEIVER_PORT=0: the screen is told, field by field.
    assert!(
        view["overrides"]
            .as_array()
            .unwrap()
            .contains(&serde_json::json!({"field": "receiverPort", "variable": "WHARF_RECEIVER_PORT", "value": "0"})),
        "{view}"
    );
    let minted = common::mint_push_route(&app, "ns/app");
    let token = minted["route"]["token"].as_str().unwrap();
    let mut settings = view["settings"].clone();
    let save = |settings: &serde_json::Value| common::save_settings(&app, settings).unwrap();

    let url = minted["url"].as_str().unwrap().to_owned();
    let check = |url: &str| {
        invoke_with(
            &app,
            "main",
            "inbox_route_check",
            serde_json::json!({"urls": [url, format!("{first}/hooks/not-ours"), "https://hooks.slack.com/x"]}),
        )
        .unwrap()
    };
    assert_eq!(
        check(&url),
        serde_json::json!([
            {"kind": "current", "label": "x", "response": {"status": 200, "body": null, "delayMs": 0}},
            {"kind": "unknown"},
            {"kind": "not_a_route"}
        ])
    );

    // Another loopback address (the port stays 0, from WHARF_RECEIVER_PORT).
    settings["receiverBind"] = serde_json::json!("127.0.0.2");
    let moved = save(&settings);
    let listening = moved["listeningOn"].as_str().unwrap().to_owned();
    // The URL the registry holds still names the old address: flagged, with the new one.
    assert_eq!(
        check(&url)[0],
        serde_json::json!({"kind": "moved", "now": format!("{listening}/hooks/{token}")})
    );
    assert!(listening.starts_with("http://127.0.0.2:"), "{moved}");
    assert_eq!(moved["listenError"], serde_json::Value::Null);
    let status = invoke(&app, "main", "inbox_status").unwrap();
    assert_eq!(status["baseUrl"].as_str(), Some(listening.as_str()));
    let (sent, refused) = tauri::async_runtime::block_on(async {
        let client = reqwest::Client::new();
        let sent = client
            .post(format!("{listening}/hooks/{token}"))
            .body("{}")
            .send()
            .await;
        (
            sent,
            client.get(format!("{first}/hooks/{token}")).send().await,
        )
    });
    assert_eq!(sent.unwrap().status(), 200);
    assert!(
        refused.unwrap_err().is_connect(),
        "the old address is closed"
    );
    let listed = invoke_with(
        &app,
        "main",
        "inbox_list",
        serde_json::json!({"query": {"route": token}}),
    )
    .unwrap();
    assert_eq!(listed.as_array().unwrap().len(), 1, "{listed}");

    // An address this machine does not have (TEST-NET-1: the bind fails locally and nothing is
    // sent): the receiver stays where it was and the view says why.
    settings["receiverBind"] = serde_json::json!("192.0.2.1");
    let stuck = save(&settings);
    assert_eq!(stuck["listeningOn"].as_str(), Some(listening.as_str()));
    let why = stuck["listenError"].as_str().unwrap();
    assert!(why.starts_with("cannot listen on 192.0.2.1:0:"), "{why}");
    assert_eq!(
        stuck["settings"]["receiverBind"], "127.0.0.2",
        "the address that failed is not written to the file"
    );
    let file = invoke(&app, "main", "app_info").unwrap()["configDir"]
        .as_str()
        .map(|dir| {
            std::fs::read_to_string(std::path::Path::new(dir).join("settings.json")).unwrap()
        })
        .unwrap();
    assert!(!file.contains("192.0.2.1"), "{file}");

    settings["receiverBind"] = serde_json::json!("127.0.0.1");
    let back = save(&settings);
    let back_on = back["listeningOn"].as_str().unwrap();
    assert!(back_on.starts_with("http://127.0.0.1:"), "{back}");
    assert_eq!(back["listenError"], serde_json::Value::Null);
}
