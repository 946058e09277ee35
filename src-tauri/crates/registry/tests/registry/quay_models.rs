//! Quay models: the create body for every event × method, and decoding of Quay's answers
//! (examples from the API reference and Red Hat's documentation).

use registry::quay::decode::{
    decode_user, next_tag_page, token_probe_answer, verify_answer, RepositoryPaging,
};
use registry::quay::validate::validate_create;
use registry::quay::{
    namespaces_of, paths, QuayError, QuayEvent, QuayEventSpec, QuayMethod, QuayMethodSpec,
    QuayNamespace, QuayNamespaceKind, QuayNotification, QuayNotificationDraft,
    QuayNotificationList, QuayRepoRef, QuayRepositoryDetail, QuayRepositoryPage,
    QuayRepositoryState, QuaySeverity, QuayTagPage, QuayTarget, QuayTargetKind, QuayUser,
};
use serde_json::{json, Value};

const SLACK_URL: &str = "https://hooks.slack.com/services/T0AAA/B0BBB/cccccccccccccccc";

fn repo() -> QuayRepoRef {
    QuayRepoRef::new("acme", "web")
}

/// Every event with its options and the exact `eventConfig` Quay must receive, written out by
/// hand rather than taken from the code under test.
fn events() -> Vec<(QuayEventSpec, &'static str, Value)> {
    let main = || "(refs/heads/main)|(refs/tags/v.*)".to_owned();
    let main_json = || json!({ "ref-regex": "(refs/heads/main)|(refs/tags/v.*)" });
    vec![
        (QuayEventSpec::RepoPush, "repo_push", json!({})),
        (
            QuayEventSpec::BuildQueued { ref_regex: main() },
            "build_queued",
            main_json(),
        ),
        (
            QuayEventSpec::BuildStart { ref_regex: main() },
            "build_start",
            main_json(),
        ),
        (
            QuayEventSpec::BuildSuccess { ref_regex: main() },
            "build_success",
            main_json(),
        ),
        (
            QuayEventSpec::BuildFailure { ref_regex: main() },
            "build_failure",
            main_json(),
        ),
        (
            QuayEventSpec::BuildCancelled { ref_regex: main() },
            "build_cancelled",
            main_json(),
        ),
        (
            QuayEventSpec::VulnerabilityFound {
                level: QuaySeverity::High,
            },
            "vulnerability_found",
            json!({ "level": "1", "vulnerability": { "priority": "High" } }),
        ),
        (
            QuayEventSpec::RepoMirrorSyncStarted,
            "repo_mirror_sync_started",
            json!({}),
        ),
        (
            QuayEventSpec::RepoMirrorSyncSuccess,
            "repo_mirror_sync_success",
            json!({}),
        ),
        (
            QuayEventSpec::RepoMirrorSyncFailed,
            "repo_mirror_sync_failed",
            json!({}),
        ),
        (
            QuayEventSpec::RepoImageExpiry { days: 7 },
            "repo_image_expiry",
            json!({ "days": 7 }),
        ),
        (QuayEventSpec::QuotaWarning, "quota_warning", json!({})),
        (QuayEventSpec::QuotaError, "quota_error", json!({})),
    ]
}

/// Every method with its settings and the exact `config` Quay must receive.
fn methods() -> Vec<(QuayMethodSpec, &'static str, Value)> {
    vec![
        (
            QuayMethodSpec::Webhook {
                url: "https://ci.example.com/hooks/quay".into(),
                template: String::new(),
            },
            "webhook",
            json!({ "url": "https://ci.example.com/hooks/quay" }),
        ),
        (
            QuayMethodSpec::Webhook {
                url: " https://ci.example.com/hooks/quay ".into(),
                template: r#"{"text": "${repository} pushed", "tags": "${updated_tags}"}"#.into(),
            },
            "webhook",
            json!({
                "url": "https://ci.example.com/hooks/quay",
                "template": r#"{"text": "${repository} pushed", "tags": "${updated_tags}"}"#,
            }),
        ),
        (
            QuayMethodSpec::Email {
                email: "ops@example.com".into(),
            },
            "email",
            json!({ "email": "ops@example.com" }),
        ),
        (
            QuayMethodSpec::Slack {
                url: SLACK_URL.into(),
            },
            "slack",
            json!({ "url": SLACK_URL }),
        ),
        (
            QuayMethodSpec::QuayNotification {
                target: QuayTarget {
                    kind: QuayTargetKind::User,
                    name: "alice".into(),
                },
            },
            "quay_notification",
            json!({ "target": { "kind": "user", "name": "alice" } }),
        ),
        (
            QuayMethodSpec::QuayNotification {
                target: QuayTarget {
                    kind: QuayTargetKind::Team,
                    name: "ops".into(),
                },
            },
            "quay_notification",
            json!({ "target": { "kind": "team", "name": "ops" } }),
        ),
        (
            QuayMethodSpec::QuayNotification {
                target: QuayTarget {
                    kind: QuayTargetKind::Org,
                    name: "acme".into(),
                },
            },
            "quay_notification",
            json!({ "target": { "kind": "org", "name": "acme" } }),
        ),
        (
            QuayMethodSpec::Flowdock {
                flow_api_token: "flow-token-123".into(),
            },
            "flowdock",
            json!({ "flow_api_token": "flow-token-123" }),
        ),
        (
            QuayMethodSpec::Hipchat {
                room_id: "1234567".into(),
                notification_token: "hip-token-456".into(),
            },
            "hipchat",
            json!({ "room_id": "1234567", "notification_token": "hip-token-456" }),
        ),
    ]
}

fn body(title: &str, event: QuayEventSpec, method: QuayMethodSpec) -> Value {
    let draft = QuayNotificationDraft {
        title: title.into(),
        event,
        method,
    };
    serde_json::to_value(validate_create(&repo(), &draft).expect("valid draft")).unwrap()
}

#[test]
fn every_event_with_every_method_serialises_exactly() {
    let mut combinations = 0;
    for (event, event_name, event_config) in events() {
        for (method, method_name, config) in methods() {
            let got = body("On push", event.clone(), method.clone());
            let want = json!({
                "event": event_name,
                "method": method_name,
                "config": config,
                "eventConfig": event_config,
                "title": "On push",
            });
            assert_eq!(got, want, "{event_name} × {method_name}");
            combinations += 1;
        }
    }
    assert_eq!(combinations, 13 * 9);
}

#[test]
fn the_tables_cover_every_event_and_method_name() {
    let event_names: Vec<_> = events().into_iter().map(|(_, n, _)| n).collect();
    let all: Vec<_> = QuayEvent::ALL.iter().map(QuayEvent::as_str).collect();
    assert_eq!(event_names, all);
    let mut method_names: Vec<_> = methods().into_iter().map(|(_, n, _)| n).collect();
    method_names.dedup();
    let all: Vec<_> = QuayMethod::ALL.iter().map(QuayMethod::as_str).collect();
    assert_eq!(method_names, all);
}

#[test]
fn create_body_is_exact_as_text_with_camel_case_event_config() {
    let request = validate_create(
        &repo(),
        &QuayNotificationDraft {
            title: "High+ CVEs".into(),
            event: QuayEventSpec::VulnerabilityFound {
                level: QuaySeverity::High,
            },
            method: QuayMethodSpec::Slack {
                url: SLACK_URL.into(),
            },
        },
    )
    .unwrap();
    assert_eq!(
        serde_json::to_string(&request).unwrap(),
        format!(
            r#"{{"event":"vulnerability_found","method":"slack","config":{{"url":"{SLACK_URL}"}},"eventConfig":{{"level":"1","vulnerability":{{"priority":"High"}}}},"title":"High+ CVEs"}}"#
        )
    );
}

#[test]
fn blank_title_is_left_out_not_null_and_titles_are_trimmed() {
    for title in ["", "   ", "\t\n"] {
        let got = body(title, QuayEventSpec::RepoPush, methods()[0].0.clone());
        let object = got.as_object().unwrap();
        assert!(!object.contains_key("title"), "{title:?} gave {got}");
        assert!(!object.contains_key("event_config"));
    }
    let got = body(
        "  Deploy hook  ",
        QuayEventSpec::RepoPush,
        methods()[0].0.clone(),
    );
    assert_eq!(got["title"], "Deploy hook");
}

#[test]
fn every_severity_is_sent_as_index_string_and_priority_name() {
    let expected = [
        ("0", "Critical"),
        ("1", "High"),
        ("2", "Medium"),
        ("3", "Low"),
        ("4", "Negligible"),
        ("5", "Unknown"),
    ];
    assert_eq!(QuaySeverity::ALL.len(), expected.len());
    for (level, (index, name)) in QuaySeverity::ALL.into_iter().zip(expected) {
        let got = body(
            "",
            QuayEventSpec::VulnerabilityFound { level },
            methods()[0].0.clone(),
        );
        assert_eq!(
            got["eventConfig"],
            json!({ "level": index, "vulnerability": { "priority": name } })
        );
    }
}

#[test]
fn blank_ref_regex_sends_empty_event_config_and_days_stay_a_number() {
    let got = body(
        "",
        QuayEventSpec::BuildSuccess {
            ref_regex: "  ".into(),
        },
        methods()[0].0.clone(),
    );
    assert_eq!(got["eventConfig"], json!({}));
    let got = body(
        "",
        QuayEventSpec::RepoImageExpiry { days: 30 },
        methods()[0].0.clone(),
    );
    assert!(got["eventConfig"]["days"].is_u64(), "{got}");
    assert_eq!(got["eventConfig"]["days"], 30);
}

#[test]
fn ui_draft_json_reads_into_typed_specs() {
    let draft: QuayNotificationDraft = serde_json::from_value(json!({
        "title": "",
        "event": { "kind": "build_failure", "refRegex": "refs/heads/main" },
        "method": { "kind": "quay_notification", "target": { "kind": "team", "name": "ops" } },
    }))
    .unwrap();
    assert_eq!(
        draft.event,
        QuayEventSpec::BuildFailure {
            ref_regex: "refs/heads/main".into()
        }
    );
    let draft: QuayNotificationDraft = serde_json::from_value(json!({
        "event": { "kind": "vulnerability_found", "level": "Medium" },
        "method": { "kind": "webhook", "url": "https://h.example.com/x" },
    }))
    .unwrap();
    assert_eq!(draft.title, "");
    assert_eq!(
        draft.method,
        QuayMethodSpec::Webhook {
            url: "https://h.example.com/x".into(),
            template: String::new()
        }
    );
}

#[test]
fn unknown_event_method_and_target_kinds_cannot_be_drafted() {
    // Quay answers these with a 500, so they must not get as far as a request.
    let bad = [
        json!({ "event": { "kind": "repo_renamed" }, "method": { "kind": "email", "email": "a@b.co" } }),
        json!({ "event": { "kind": "repo_push" }, "method": { "kind": "teams", "url": "https://x.example" } }),
        json!({ "event": { "kind": "repo_push" },
                "method": { "kind": "quay_notification", "target": { "kind": "robot", "name": "a+b" } } }),
        json!({ "event": { "kind": "repo_push" },
                "method": { "kind": "quay_notification", "target": { "kind": "organization", "name": "acme" } } }),
        json!({ "event": { "kind": "vulnerability_found", "level": "1" }, "method": { "kind": "email", "email": "a@b.co" } }),
    ];
    for value in bad {
        assert!(
            serde_json::from_value::<QuayNotificationDraft>(value.clone()).is_err(),
            "{value} was accepted"
        );
    }
}

#[test]
fn event_and_method_names_round_trip_and_unknown_names_are_kept() {
    for event in QuayEvent::ALL {
        let json = serde_json::to_value(&event).unwrap();
        assert_eq!(json, event.as_str());
        assert_eq!(serde_json::from_value::<QuayEvent>(json).unwrap(), event);
        assert_eq!(QuayEvent::from_name(event.as_str()), event);
    }
    for method in QuayMethod::ALL {
        let json = serde_json::to_value(&method).unwrap();
        assert_eq!(json, method.as_str());
        assert_eq!(QuayMethod::from_name(method.as_str()), method);
    }
    // Quota events are repository events too (Quay 3.x accepts them on a repository).
    let quota: QuayEvent = serde_json::from_value(json!("quota_warning")).unwrap();
    assert_eq!(quota, QuayEvent::QuotaWarning);
    assert_eq!(serde_json::to_value(&quota).unwrap(), "quota_warning");
    assert!(QuayEvent::ALL.contains(&QuayEvent::QuotaError));
    let other: QuayEvent = serde_json::from_value(json!("repo_renamed")).unwrap();
    assert_eq!(other, QuayEvent::Other("repo_renamed".into()));
    assert_eq!(
        QuayEvent::known("BUILD_FAILURE"),
        Some(QuayEvent::BuildFailure)
    );
    assert_eq!(QuayEvent::known("repo_renamed"), None);
}

#[test]
fn event_and_method_feature_flags_follow_quays_ui() {
    assert_eq!(QuayEvent::RepoPush.required_feature(), None);
    assert_eq!(
        QuayEvent::BuildCancelled.required_feature(),
        Some("BUILD_SUPPORT")
    );
    assert_eq!(
        QuayEvent::VulnerabilityFound.required_feature(),
        Some("SECURITY_SCANNER")
    );
    assert_eq!(
        QuayEvent::RepoMirrorSyncFailed.required_feature(),
        Some("REPO_MIRROR")
    );
    assert_eq!(
        QuayEvent::RepoImageExpiry.required_feature(),
        Some("IMAGE_EXPIRY_TRIGGER")
    );
    assert_eq!(QuayMethod::Email.required_feature(), Some("MAILING"));
    assert_eq!(QuayMethod::Webhook.required_feature(), None);
    let defunct: Vec<_> = QuayMethod::ALL
        .into_iter()
        .filter(QuayMethod::is_defunct)
        .collect();
    assert_eq!(defunct, [QuayMethod::Flowdock, QuayMethod::Hipchat]);
}

/// The list example of the API reference (§4.2).
const LIST: &str = r##"{
  "notifications": [
    {
      "uuid": "0b6f3c1e-2d4a-4f7e-9a51-7c2e8d3b4f10",
      "title": "CI hook on push",
      "event": "repo_push",
      "method": "webhook",
      "config": { "url": "https://ci.example.com/hooks/quay", "template": "" },
      "event_config": {},
      "number_of_failures": 0
    },
    {
      "uuid": "5a9e0d62-8c1b-4b3d-a0f4-2f61c9e7d8aa",
      "title": "High CVEs to #security",
      "event": "vulnerability_found",
      "method": "slack",
      "config": { "url": "https://hooks.slack.com/services/T0AAA/B0BBB/cccccccccccccccc" },
      "event_config": { "level": "1" },
      "number_of_failures": 3
    },
    {
      "uuid": "c2d41e7f-6b0a-4d9e-8f35-91a7b2c6e0d4",
      "title": "Expiring in 7d",
      "event": "repo_image_expiry",
      "method": "quay_notification",
      "config": { "target": { "name": "ops", "kind": "team", "is_robot": false } },
      "event_config": { "days": 7 },
      "number_of_failures": 0
    }
  ]
}"##;

#[test]
fn notification_list_example_decodes_with_derived_disabled() {
    let list: QuayNotificationList = serde_json::from_str(LIST).unwrap();
    let n = &list.notifications;
    assert_eq!(n.len(), 3);
    assert_eq!(n[0].uuid, "0b6f3c1e-2d4a-4f7e-9a51-7c2e8d3b4f10");
    assert_eq!(n[0].title.as_deref(), Some("CI hook on push"));
    assert_eq!(
        (n[0].event.clone(), n[0].method.clone()),
        (QuayEvent::RepoPush, QuayMethod::Webhook)
    );
    assert_eq!(n[0].config["template"], "");
    assert!(!n[0].disabled);
    assert_eq!(n[1].number_of_failures, 3);
    assert!(n[1].disabled, "3 failures means disabled");
    assert_eq!(n[1].event_config, json!({ "level": "1" }));
    assert_eq!(n[2].method, QuayMethod::QuayNotification);
    assert_eq!(n[2].config["target"]["is_robot"], false);
    assert_eq!(n[2].event_config["days"], 7);
    assert!(!n[2].disabled);
}

#[test]
fn disabled_starts_at_three_failures() {
    for (failures, disabled) in [(0, false), (2, false), (3, true), (7, true)] {
        let n: QuayNotification = serde_json::from_value(json!({
            "uuid": "0b6f3c1e-2d4a-4f7e-9a51-7c2e8d3b4f10", "title": null, "event": "repo_push",
            "method": "email", "config": {}, "event_config": {}, "number_of_failures": failures,
        }))
        .unwrap();
        assert_eq!(n.disabled, disabled, "{failures} failures");
    }
}

#[test]
fn single_notification_from_red_hat_docs_decodes_with_null_title() {
    // GET …/notification/{uuid} example of the Red Hat Quay guide.
    let n: QuayNotification = serde_json::from_str(
        r##"{"uuid": "240662ea-597b-499d-98bb-2b57e73408d6", "title": null, "event": "repo_push", "method": "quay_notification", "config": {"target": {"name": "quayadmin", "kind": "user", "is_robot": false, "avatar": {"name": "quayadmin", "hash": "b28d563a6dc76b4431fc7b0524bbff6b810387dac86d9303874871839859c7cc", "color": "#17becf", "kind": "user"}}}, "event_config": {}, "number_of_failures": 0}"##,
    )
    .unwrap();
    assert_eq!(n.title, None);
    assert_eq!(n.config["target"]["name"], "quayadmin");
    assert!(!n.disabled);
    let empty: QuayNotificationList = serde_json::from_str(r#"{"notifications": []}"#).unwrap();
    assert!(empty.notifications.is_empty());
}

#[test]
fn notification_serialises_for_the_ui_with_disabled_and_quays_names() {
    let list: QuayNotificationList = serde_json::from_str(LIST).unwrap();
    let ui = serde_json::to_value(&list.notifications[1]).unwrap();
    assert_eq!(ui["disabled"], true);
    assert_eq!(ui["number_of_failures"], 3);
    assert_eq!(ui["event_config"], json!({ "level": "1" }));
    // And what the UI sends back reads the same.
    let back: QuayNotification = serde_json::from_value(ui).unwrap();
    assert_eq!(back, list.notifications[1]);
}

#[test]
fn debug_output_hides_secrets() {
    let list: QuayNotificationList = serde_json::from_str(LIST).unwrap();
    let debug = format!("{:?}", list.notifications[1]);
    assert!(!debug.contains("hooks.slack.com"), "{debug}");
    assert!(debug.contains("5a9e0d62"));
    for (method, _, _) in methods() {
        let draft = QuayNotificationDraft {
            title: String::new(),
            event: QuayEventSpec::RepoPush,
            method: method.clone(),
        };
        let request = validate_create(&repo(), &draft).unwrap();
        for text in [format!("{draft:?}"), format!("{request:?}")] {
            for secret in [
                "ci.example.com",
                "${repository}",
                "flow-token-123",
                "hip-token-456",
            ] {
                assert!(!text.contains(secret), "{secret} in {text}");
            }
        }
    }
}

/// `GET /api/v1/user/` example of the API reference (§8.1).
const USER: &str = r##"{
  "anonymous": false,
  "username": "alice",
  "avatar": {"name": "alice", "hash": "3b1f…", "color": "#9edae5", "kind": "user"},
  "can_create_repo": true,
  "is_me": true,
  "verified": true,
  "email": "alice@example.com",
  "organizations": [
    {"name": "acme", "avatar": {"name": "acme", "hash": "9c0e…", "color": "#e377c2", "kind": "org"},
     "can_create_repo": true, "public": false, "is_org_admin": true, "preferred_namespace": false}
  ]
}"##;

#[test]
fn user_example_decodes_and_gives_namespaces() {
    let user = decode_user(USER.as_bytes()).unwrap();
    assert_eq!(user.username, "alice");
    assert_eq!(user.email.as_deref(), Some("alice@example.com"));
    assert_eq!(user.organizations[0].avatar.as_ref().unwrap().kind, "org");
    assert_eq!(
        namespaces_of(&user),
        [
            QuayNamespace {
                name: "alice".into(),
                kind: QuayNamespaceKind::User,
                is_admin: true
            },
            QuayNamespace {
                name: "acme".into(),
                kind: QuayNamespaceKind::Organization,
                is_admin: true
            },
        ]
    );
}

#[test]
fn namespaces_are_sorted_deduplicated_and_keep_admin_rights() {
    let user: QuayUser = serde_json::from_value(json!({
        "username": "bob",
        "organizations": [
            {"name": "zeta", "is_org_admin": false},
            {"name": "acme", "is_org_admin": false},
            {"name": "acme", "is_org_admin": true},
            {"name": "bob"},
        ],
    }))
    .unwrap();
    let got: Vec<_> = namespaces_of(&user)
        .into_iter()
        .map(|n| (n.name, n.kind, n.is_admin))
        .collect();
    assert_eq!(
        got,
        [
            ("bob".to_owned(), QuayNamespaceKind::User, true),
            ("acme".to_owned(), QuayNamespaceKind::Organization, true),
            ("zeta".to_owned(), QuayNamespaceKind::Organization, false),
        ]
    );
}

#[test]
fn anonymous_user_answers_mean_the_token_was_dropped() {
    for body in [
        r#"{"anonymous": true}"#,
        r#"{"anonymous": false, "username": ""}"#,
    ] {
        assert_eq!(
            decode_user(body.as_bytes()),
            Err(QuayError::TokenRejected),
            "{body}"
        );
    }
    assert_eq!(
        verify_answer(200, Some("application/json"), USER.as_bytes())
            .unwrap()
            .username,
        "alice"
    );
    let unauthenticated = br#"{"detail": "Requires authentication", "error_message": "Requires authentication", "error_type": "invalid_token", "title": "invalid_token", "type": "https://quay.io/api/v1/error/invalid_token", "status": 401, "session_required": false}"#;
    assert_eq!(
        verify_answer(401, Some("application/json"), unauthenticated),
        Err(QuayError::TokenRejectedOrNoUserRead)
    );
    assert!(matches!(
        verify_answer(200, Some("text/html"), b"<html>login</html>"),
        Err(QuayError::Decode { .. })
    ));
}

#[test]
fn the_write_probe_tells_a_dropped_token_from_a_missing_user_read_scope() {
    let json = Some("application/json");
    let csrf = br#"{"error": "CSRF token was invalid or missing."}"#;
    assert_eq!(
        token_probe_answer(403, json, csrf),
        QuayError::TokenRejected
    );
    let scope = br#"{"detail": "Unauthorized", "error_type": "insufficient_scope", "status": 403}"#;
    assert_eq!(
        token_probe_answer(403, json, scope),
        QuayError::NoUserReadScope
    );
    let missing = br#"{"detail": "No repository notification found for: wharf-token-check, none, 00000000-0000-0000-0000-000000000000", "error_type": "invalid_request", "status": 400}"#;
    assert_eq!(
        token_probe_answer(400, json, missing),
        QuayError::NoUserReadScope
    );
    assert_eq!(
        token_probe_answer(204, None, b""),
        QuayError::NoUserReadScope
    );
    // Read-only mode or an outage says nothing about the token.
    let readonly = br#"{"message": "System is currently read-only.", "is_readonly": true}"#;
    assert_eq!(
        token_probe_answer(503, json, readonly),
        QuayError::TokenRejectedOrNoUserRead
    );
    assert_eq!(
        paths::token_probe(),
        "/api/v1/repository/wharf-token-check/none/notification/00000000-0000-0000-0000-000000000000"
    );
    assert!(QuayError::NoUserReadScope.to_string().contains("user:read"));
}

#[test]
fn repository_page_with_next_page_decodes() {
    let page: QuayRepositoryPage = serde_json::from_str(
        r#"{
          "repositories": [
            {"namespace": "acme", "name": "web", "description": "Frontend image", "is_public": false,
             "kind": "image", "state": "NORMAL", "is_starred": false, "last_modified": 1718012345}
          ],
          "next_page": "gAAAAABm-opaque-"
        }"#,
    )
    .unwrap();
    let r = &page.repositories[0];
    assert_eq!(r.repo_ref(), QuayRepoRef::new("acme", "web"));
    assert_eq!(r.description.as_deref(), Some("Frontend image"));
    assert_eq!(r.state, Some(QuayRepositoryState::Normal));
    assert_eq!(r.last_modified, Some(1_718_012_345));
    assert_eq!(r.is_starred, Some(false));
    assert_eq!(page.next_page.as_deref(), Some("gAAAAABm-opaque-"));
}

#[test]
fn repository_page_from_red_hat_docs_decodes_null_description_mirror_and_quota() {
    let page: QuayRepositoryPage = serde_json::from_str(
        r#"{"repositories": [{"namespace": "quayadmin", "name": "busybox", "description": null, "is_public": false, "kind": "image", "state": "MIRROR", "is_starred": false, "quota_report": {"quota_bytes": 2280675, "configured_quota": 2199023255552}}]}"#,
    )
    .unwrap();
    let r = &page.repositories[0];
    assert_eq!(r.description, None);
    assert_eq!(r.state, Some(QuayRepositoryState::Mirror));
    assert_eq!(
        r.quota_report.as_ref().unwrap().configured_quota,
        Some(2_199_023_255_552)
    );
    assert_eq!(r.last_modified, None);
    assert_eq!(page.next_page, None);
    let odd: QuayRepositoryPage = serde_json::from_str(
        r#"{"repositories": [{"namespace": "a", "name": "b", "state": "FROZEN"}]}"#,
    )
    .unwrap();
    assert_eq!(
        odd.repositories[0].state,
        Some(QuayRepositoryState::Other("FROZEN".into()))
    );
}

#[test]
fn repository_paging_follows_cursors_and_stops_on_a_repeat() {
    let page = |cursor: Option<&str>| QuayRepositoryPage {
        repositories: vec![],
        next_page: cursor.map(str::to_owned),
    };
    let mut paging = RepositoryPaging::new();
    assert_eq!(
        paging.next(&page(Some("c1"))).unwrap().as_deref(),
        Some("c1")
    );
    assert_eq!(
        paging.next(&page(Some("c2"))).unwrap().as_deref(),
        Some("c2")
    );
    // An expired cursor makes Quay start over, which hands back c1 again.
    assert_eq!(
        paging.next(&page(Some("c1"))),
        Err(QuayError::PagingLoop {
            what: "repositories"
        })
    );
    assert_eq!(RepositoryPaging::new().next(&page(None)).unwrap(), None);
    assert_eq!(RepositoryPaging::new().next(&page(Some(""))).unwrap(), None);
}

#[test]
fn repository_detail_decodes_admin_flag_and_embedded_tags() {
    let detail: QuayRepositoryDetail = serde_json::from_value(json!({
        "namespace": "acme", "name": "web", "kind": "image", "description": null,
        "is_public": false, "is_organization": true, "is_starred": false, "status_token": "",
        "trust_enabled": false, "tag_expiration_s": 1209600, "is_free_account": true,
        "state": "NORMAL", "can_write": true, "can_admin": true,
        "tags": { "latest": { "name": "latest", "size": 2280675,
                  "last_modified": "Mon, 10 Jun 2024 09:12:25 -0000",
                  "manifest_digest": "sha256:4c5b" } },
    }))
    .unwrap();
    assert!(detail.can_admin && detail.can_write && detail.is_organization);
    assert_eq!(detail.tag_expiration_s, Some(1_209_600));
    let tags = detail.tags.as_ref().unwrap();
    assert_eq!(tags["latest"].size, Some(2_280_675));
    assert_eq!(tags["latest"].expiration, None);
    let bare: QuayRepositoryDetail =
        serde_json::from_value(json!({ "namespace": "acme", "name": "web" })).unwrap();
    assert!(!bare.can_admin);
    assert_eq!(bare.tags, None);
}

#[test]
fn tag_page_decodes_and_paging_stops() {
    let page: QuayTagPage = serde_json::from_value(json!({
        "tags": [
            { "name": "v1.4.2", "reversion": false, "start_ts": 1718011945,
              "manifest_digest": "sha256:4c5b", "is_manifest_list": false, "size": 2280675,
              "last_modified": "Mon, 10 Jun 2024 09:12:25 -0000" },
            { "name": "multi", "reversion": false, "start_ts": 1718011000, "end_ts": 1720000000,
              "manifest_digest": "sha256:9e1f", "is_manifest_list": true, "size": null,
              "last_modified": "Mon, 10 Jun 2024 08:56:40 -0000",
              "expiration": "Wed, 03 Jul 2024 09:46:40 -0000", "immutable": true }
        ],
        "page": 2,
        "has_additional": true
    }))
    .unwrap();
    assert_eq!(page.tags[0].start_ts, Some(1_718_011_945));
    assert_eq!(page.tags[0].end_ts, None);
    assert!(page.tags[1].is_manifest_list);
    assert_eq!(page.tags[1].size, None);
    assert_eq!(page.tags[1].immutable, Some(true));
    assert_eq!(next_tag_page(&page), Some(3));
    let last = QuayTagPage {
        has_additional: false,
        ..page.clone()
    };
    assert_eq!(next_tag_page(&last), None);
    let empty_but_more = QuayTagPage {
        tags: vec![],
        ..page
    };
    assert_eq!(next_tag_page(&empty_but_more), None);
}

#[test]
fn paths_have_the_trailing_slashes_quay_needs() {
    let uuid = "0b6f3c1e-2d4a-4f7e-9a51-7c2e8d3b4f10";
    let r = repo();
    assert_eq!(paths::USER, "/api/v1/user/");
    assert_eq!(
        paths::repository(&r).unwrap(),
        "/api/v1/repository/acme/web"
    );
    assert_eq!(paths::tags(&r).unwrap(), "/api/v1/repository/acme/web/tag/");
    assert_eq!(
        paths::notifications(&r).unwrap(),
        "/api/v1/repository/acme/web/notification/"
    );
    assert_eq!(
        paths::notification(&r, uuid).unwrap(),
        format!("/api/v1/repository/acme/web/notification/{uuid}")
    );
    assert_eq!(
        paths::notification_test(&r, &uuid.to_uppercase()).unwrap(),
        format!("/api/v1/repository/acme/web/notification/{uuid}/test")
    );
    assert_eq!(
        paths::repository(&QuayRepoRef::new("acme", "team/app")).unwrap(),
        "/api/v1/repository/acme/team/app"
    );
    assert_eq!(
        paths::authorized_email(&r, "ops+quay@example.com").unwrap(),
        "/api/v1/repository/acme/web/authorizedemail/ops%2Bquay%40example.com"
    );
    assert!(paths::notification(&r, "../../user").is_err());
    assert!(paths::repository(&QuayRepoRef::new("acme", "web?x=1")).is_err());
}

#[test]
fn queries_ask_for_live_tags_and_bounded_pages() {
    assert_eq!(
        paths::tags_query(1, 100).unwrap(),
        [
            ("onlyActiveTags", "true".to_owned()),
            ("page", "1".to_owned()),
            ("limit", "100".to_owned())
        ]
    );
    assert_eq!(
        paths::repositories_query("acme", Some("gAAA")).unwrap(),
        [
            ("namespace", "acme".to_owned()),
            ("last_modified", "true".to_owned()),
            ("next_page", "gAAA".to_owned())
        ]
    );
    assert_eq!(paths::repositories_query("acme", None).unwrap().len(), 2);
    assert_eq!(
        paths::repository_query(),
        [("includeTags", "false"), ("includeStats", "false")]
    );
}

#[test]
fn repo_ref_parses_nested_names() {
    assert_eq!(
        QuayRepoRef::parse("acme/web"),
        Some(QuayRepoRef::new("acme", "web"))
    );
    assert_eq!(
        QuayRepoRef::parse("acme/a/b"),
        Some(QuayRepoRef::new("acme", "a/b"))
    );
    assert_eq!(QuayRepoRef::parse("acme"), None);
    assert_eq!(QuayRepoRef::new("acme", "a/b").to_string(), "acme/a/b");
}

#[test]
fn authorized_email_answer_decodes() {
    let answer: registry::quay::QuayAuthorizedEmail = serde_json::from_value(json!({
        "email": "ops@example.com", "repository": "web", "namespace": "acme", "confirmed": false
    }))
    .unwrap();
    assert!(!answer.confirmed);
    assert_eq!(answer.namespace, "acme");
}

#[test]
fn a_team_is_read_in_quays_words_and_sent_to_the_ui_in_camel_case() {
    let team: registry::quay::QuayTeam = serde_json::from_value(json!({
        "name": "ops", "description": null, "role": "member", "can_view": true,
        "repo_count": 2, "member_count": 3, "is_synced": false
    }))
    .unwrap();
    assert_eq!((team.member_count, team.can_view), (3, true));
    let sent = serde_json::to_value(&team).unwrap();
    assert_eq!(sent["memberCount"], 3);
    assert_eq!(sent["canView"], true);
    assert!(sent.get("member_count").is_none());
}

#[test]
fn drafts_come_from_the_ui_in_camel_case() {
    let draft: QuayNotificationDraft = serde_json::from_value(json!({
        "title": "",
        "event": {"kind": "build_failure", "refRegex": "refs/heads/main"},
        "method": {"kind": "hipchat", "roomId": "12", "notificationToken": "t"}
    }))
    .unwrap();
    assert_eq!(
        draft.event,
        QuayEventSpec::BuildFailure {
            ref_regex: "refs/heads/main".into()
        }
    );
}
