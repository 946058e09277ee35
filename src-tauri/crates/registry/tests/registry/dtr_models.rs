//! DTR models: request bodies for every type × scope, and decoding of DTR's objects.

use registry::dtr::validate::{validate_create, validate_test, validate_update};
use registry::dtr::{
    namespaces_of, DtrAccount, DtrNamespace, DtrNamespaceType, DtrRepository, DtrScopeKind, DtrTag,
    DtrValidationError, DtrVisibility, DtrWebhook, DtrWebhookDraft, DtrWebhookScope,
    DtrWebhookTestDraft, DtrWebhookType, DtrWebhookUpdate, MemberOrg, MemberOrgList,
};
use serde_json::json;

/// The server enum names, from the fake DTR (its spec order) rather than the code under test.
use fakes::dtr::WEBHOOK_TYPES as TYPE_NAMES;

fn repo_scope() -> DtrWebhookScope {
    DtrWebhookScope::Repository {
        namespace: "payments".into(),
        repository: "api".into(),
    }
}

fn ns_scope() -> DtrWebhookScope {
    DtrWebhookScope::Namespace {
        namespace: "payments".into(),
    }
}

fn draft(webhook_type: DtrWebhookType, scope: DtrWebhookScope) -> DtrWebhookDraft {
    DtrWebhookDraft {
        webhook_type,
        scope,
        endpoint: "https://hooks.example.net/dtr/7f3c".into(),
        tls_cert: String::new(),
        skip_tls_verification: false,
    }
}

fn body(
    webhook_type: DtrWebhookType,
    scope: DtrWebhookScope,
) -> Result<String, DtrValidationError> {
    validate_create(&draft(webhook_type, scope), true).map(|r| serde_json::to_string(&r).unwrap())
}

#[test]
fn every_type_and_scope_serialises_exactly_or_is_refused() {
    for name in TYPE_NAMES {
        let t = DtrWebhookType::from_name(name);
        assert!(
            !matches!(t, DtrWebhookType::Other(_)),
            "{name} is a known type"
        );
        let repo_json = format!(
            r#"{{"type":"{name}","key":"payments/api","endpoint":"https://hooks.example.net/dtr/7f3c","tlsCert":"","skipTLSVerification":false}}"#
        );
        let ns_json = format!(
            r#"{{"type":"{name}","key":"payments","endpoint":"https://hooks.example.net/dtr/7f3c","tlsCert":"","skipTLSVerification":false}}"#
        );
        let global_json = format!(
            r#"{{"type":"{name}","endpoint":"https://hooks.example.net/dtr/7f3c","tlsCert":"","skipTLSVerification":false}}"#
        );
        let (repo, ns, global) = (
            body(t.clone(), repo_scope()),
            body(t.clone(), ns_scope()),
            body(t.clone(), DtrWebhookScope::Global),
        );
        match name {
            "REPO_EVENT" => {
                assert_eq!(repo, Err(DtrValidationError::NeedsNamespace(t.clone())));
                assert_eq!(ns, Ok(ns_json));
                assert_eq!(global, Ok(global_json));
            }
            "SCANNER_UPDATE_COMPLETED" => {
                assert_eq!(repo, Err(DtrValidationError::GlobalOnly(t.clone())));
                assert_eq!(ns, Err(DtrValidationError::GlobalOnly(t.clone())));
                assert_eq!(global, Ok(global_json));
            }
            _ => {
                assert_eq!(repo, Ok(repo_json), "{name}");
                assert_eq!(ns, Err(DtrValidationError::NeedsRepository(t.clone())));
                assert_eq!(global, Ok(global_json), "{name}");
            }
        }
    }
}

#[test]
fn chart_and_unknown_types_serialise_as_written() {
    let chart = DtrWebhookType::Other("CHART_PUSH".into());
    assert_eq!(
        body(chart.clone(), repo_scope()).unwrap(),
        r#"{"type":"CHART_PUSH","key":"payments/api","endpoint":"https://hooks.example.net/dtr/7f3c","tlsCert":"","skipTLSVerification":false}"#
    );
    assert_eq!(
        body(chart.clone(), ns_scope()),
        Err(DtrValidationError::NeedsRepository(chart))
    );
    // An unknown type's scope is unknown, so any key shape goes through.
    assert_eq!(
        body(DtrWebhookType::Other("NEW_THING".into()), ns_scope()).unwrap(),
        r#"{"type":"NEW_THING","key":"payments","endpoint":"https://hooks.example.net/dtr/7f3c","tlsCert":"","skipTLSVerification":false}"#
    );
}

#[test]
fn create_body_carries_tls_fields() {
    let mut d = draft(DtrWebhookType::TagPush, repo_scope());
    d.endpoint = "  http://hooks.example.net:8080/x  ".into();
    d.skip_tls_verification = true;
    d.tls_cert = "\n-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n".into();
    let json = serde_json::to_value(validate_create(&d, false).unwrap()).unwrap();
    assert_eq!(
        json,
        json!({"type":"TAG_PUSH","key":"payments/api","endpoint":"http://hooks.example.net:8080/x",
               "tlsCert":"-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----",
               "skipTLSVerification":true})
    );
}

#[test]
fn test_and_update_bodies_are_exact() {
    let test = validate_test(&DtrWebhookTestDraft {
        webhook_type: DtrWebhookType::ScanCompleted,
        endpoint: "https://hooks.example.net/dtr/7f3c".into(),
        tls_cert: String::new(),
        skip_tls_verification: false,
    })
    .unwrap();
    assert_eq!(
        serde_json::to_string(&test).unwrap(),
        r#"{"type":"SCAN_COMPLETED","endpoint":"https://hooks.example.net/dtr/7f3c","tlsCert":"","skipTLSVerification":false}"#
    );
    let update = validate_update(
        &DtrWebhookUpdate {
            id: "f34ab10d".into(),
            inactive: true,
            tls_cert: String::new(),
            skip_tls_verification: false,
        },
        "https://hooks.example.net/dtr/7f3c",
    )
    .unwrap();
    assert_eq!(
        serde_json::to_string(&update).unwrap(),
        r#"{"id":"f34ab10d","inactive":true,"tlsCert":"","skipTLSVerification":false}"#
    );
}

#[test]
fn webhook_type_names_round_trip() {
    assert_eq!(DtrWebhookType::ALL.len(), TYPE_NAMES.len());
    for (t, name) in DtrWebhookType::ALL.iter().zip(TYPE_NAMES) {
        assert_eq!(t.as_str(), name);
        assert_eq!(t.to_string(), name);
        assert_eq!(serde_json::to_value(t).unwrap(), json!(name));
        assert_eq!(
            serde_json::from_value::<DtrWebhookType>(json!(name)).unwrap(),
            *t
        );
    }
    assert_eq!(
        serde_json::from_value::<DtrWebhookType>(json!("CHART_LINTED")).unwrap(),
        DtrWebhookType::Other("CHART_LINTED".into())
    );
    assert_eq!(
        DtrWebhookType::from_name("TAG_PULL"),
        DtrWebhookType::TagPull
    );
}

#[test]
fn webhook_type_scope_and_version() {
    use DtrScopeKind::*;
    assert_eq!(DtrWebhookType::TagPush.scope_kind(), Some(Repository));
    assert_eq!(DtrWebhookType::PollMirroring.scope_kind(), Some(Repository));
    assert_eq!(DtrWebhookType::RepoEvent.scope_kind(), Some(Namespace));
    assert_eq!(
        DtrWebhookType::ScannerUpdateCompleted.scope_kind(),
        Some(Global)
    );
    assert_eq!(
        DtrWebhookType::Other("CHART_PULL".into()).scope_kind(),
        Some(Repository)
    );
    assert_eq!(DtrWebhookType::Other("X".into()).scope_kind(), None);
    assert_eq!(DtrWebhookType::TagPull.introduced_in(), Some("DTR 2.6"));
    assert_eq!(
        DtrWebhookType::ManifestPull.introduced_in(),
        Some("DTR 2.6")
    );
    assert_eq!(
        DtrWebhookType::PushMirroring.introduced_in(),
        Some("DTR 2.5")
    );
    assert_eq!(DtrWebhookType::TagPush.introduced_in(), Some("DTR 2.2"));
    assert_eq!(
        DtrWebhookType::Other("CHART_PUSH".into()).introduced_in(),
        Some("MSR 3.0")
    );
}

#[test]
fn scope_keys_and_parsing() {
    assert_eq!(repo_scope().key().as_deref(), Some("payments/api"));
    assert_eq!(ns_scope().key().as_deref(), Some("payments"));
    assert_eq!(DtrWebhookScope::Global.key(), None);
    assert_eq!(
        DtrWebhookScope::from_key("payments/api"),
        Some(repo_scope())
    );
    assert_eq!(DtrWebhookScope::from_key("payments"), Some(ns_scope()));
    assert_eq!(DtrWebhookScope::from_key(""), Some(DtrWebhookScope::Global));
    for bad in ["a/b/c", "/b", "a/"] {
        assert_eq!(DtrWebhookScope::from_key(bad), None, "{bad}");
    }
}

#[test]
fn ui_json_for_scope_and_draft() {
    assert_eq!(
        serde_json::to_value(repo_scope()).unwrap(),
        json!({"kind":"repository","namespace":"payments","repository":"api"})
    );
    assert_eq!(
        serde_json::to_value(ns_scope()).unwrap(),
        json!({"kind":"namespace","namespace":"payments"})
    );
    assert_eq!(
        serde_json::to_value(DtrWebhookScope::Global).unwrap(),
        json!({"kind":"global"})
    );
    let from_ui: DtrWebhookDraft = serde_json::from_value(json!({
        "type": "REPO_EVENT", "scope": {"kind":"namespace","namespace":"payments"},
        "endpoint": "https://h.example/x"
    }))
    .unwrap();
    assert_eq!(from_ui.webhook_type, DtrWebhookType::RepoEvent);
    assert_eq!(from_ui.scope, ns_scope());
    assert_eq!(
        (from_ui.tls_cert.as_str(), from_ui.skip_tls_verification),
        ("", false)
    );
}

const WEBHOOK_27: &str = r#"{
  "id": "f34ab10dfcc32b169aa3020a92fa35313802f1bac1950552d3af9364eec61a78",
  "type": "TAG_PUSH",
  "key": "payments/api",
  "endpoint": "https://hooks.example.net/dtr/7f3c",
  "authorID": "de806359-84e8-4041-8573-27aa03f6cf24",
  "createdAt": "2024-03-11T09:14:27.118302554Z",
  "lastSuccessfulAt": "0001-01-01T00:00:00Z",
  "inactive": false,
  "tlsCert": "",
  "skipTLSVerification": false
}"#;

#[test]
fn webhook_decodes_and_go_zero_time_means_never() {
    let w: DtrWebhook = serde_json::from_str(WEBHOOK_27).unwrap();
    assert_eq!(w.id.len(), 64);
    assert_eq!(w.webhook_type, DtrWebhookType::TagPush);
    assert_eq!(w.author_id, "de806359-84e8-4041-8573-27aa03f6cf24");
    assert_eq!(w.created_at, "2024-03-11T09:14:27.118302554Z");
    assert_eq!(w.last_successful_at, None);
    assert_eq!(w.tls_cert.as_deref(), Some(""));
    assert_eq!(w.skip_tls_verification, Some(false));
    assert_eq!(w.scope(), Some(repo_scope()));
    // What the UI receives.
    let ui = serde_json::to_value(&w).unwrap();
    assert_eq!(ui["lastSuccessfulAt"], json!(null));
    assert_eq!(
        ui["authorID"],
        json!("de806359-84e8-4041-8573-27aa03f6cf24")
    );
    assert_eq!(ui["type"], json!("TAG_PUSH"));

    let delivered: DtrWebhook =
        serde_json::from_str(&WEBHOOK_27.replace("0001-01-01T00:00:00Z", "2024-03-11T10:02:11.5Z"))
            .unwrap();
    assert_eq!(
        delivered.last_successful_at.as_deref(),
        Some("2024-03-11T10:02:11.5Z")
    );
}

#[test]
fn webhook_from_dtr_25_has_no_tls_fields_and_update_keeps_settings() {
    let w: DtrWebhook = serde_json::from_value(json!({
        "id":"abc","type":"SCAN_FAILED","key":"payments/api","endpoint":"http://hooks.example.net/x",
        "authorID":"u","createdAt":"2018-04-01T00:00:00Z","inactive":true
    }))
    .unwrap();
    assert_eq!(w.tls_cert, None);
    assert_eq!(w.skip_tls_verification, None);
    assert_eq!(w.last_successful_at, None);
    let update = DtrWebhookUpdate::from_webhook(&w);
    // http:// needs skipTLSVerification on 2.6+, and 2.5 ignores the field.
    assert_eq!(
        update,
        DtrWebhookUpdate {
            id: "abc".into(),
            inactive: true,
            tls_cert: String::new(),
            skip_tls_verification: true
        }
    );
    let mut current: DtrWebhook = serde_json::from_str(WEBHOOK_27).unwrap();
    current.tls_cert = Some("PEM".into());
    current.skip_tls_verification = Some(true);
    let update = DtrWebhookUpdate::from_webhook(&current);
    assert_eq!(
        (update.tls_cert.as_str(), update.skip_tls_verification),
        ("PEM", true)
    );
}

#[test]
fn webhook_with_chart_type_decodes() {
    let w: DtrWebhook =
        serde_json::from_str(&WEBHOOK_27.replace("TAG_PUSH", "CHART_PUSH")).unwrap();
    assert_eq!(w.webhook_type, DtrWebhookType::Other("CHART_PUSH".into()));
}

#[test]
fn repository_decodes_with_and_without_newer_fields() {
    let r: DtrRepository = serde_json::from_value(json!({
        "id":"7bda5c7e-94f0-4709-a8ee-10bb0f2443c0","namespace":"payments","namespaceType":"organization",
        "name":"api","shortDescription":"Payments API","visibility":"private","scanOnPush":true,
        "immutableTags":false,"enableManifestLists":false,"pulls":1832,"pushes":214,"tagLimit":0
    }))
    .unwrap();
    assert_eq!(r.full_name(), "payments/api");
    assert_eq!(r.namespace_type, DtrNamespaceType::Organization);
    assert_eq!(r.visibility, DtrVisibility::Private);
    assert!(r.scan_on_push);
    assert_eq!((r.pulls, r.pushes, r.tag_limit), (1832, 214, Some(0)));
    assert_eq!(r.long_description, None);
    let ui = serde_json::to_value(&r).unwrap();
    assert_eq!(ui["namespaceType"], json!("organization"));
    assert!(ui.get("longDescription").is_none());

    // DTR 2.5: no tagLimit; single GET: longDescription.
    let old: DtrRepository = serde_json::from_value(json!({
        "id":"x","namespace":"alice","namespaceType":"user","name":"scratchpad","shortDescription":"",
        "longDescription":"# hi","visibility":"public","scanOnPush":false,"immutableTags":false,
        "enableManifestLists":false,"pulls":3,"pushes":5
    }))
    .unwrap();
    assert_eq!(old.tag_limit, None);
    assert_eq!(old.long_description.as_deref(), Some("# hi"));
    assert_eq!(old.visibility, DtrVisibility::Public);
}

#[test]
fn repo_event_delivery_data_is_a_repository() {
    // contents.data of a REPO_EVENT delivery follows the repository object.
    let data = json!({"id":"577af3f8-2152-4f17-9759-7de3479293f8","namespace":"payments","namespaceType":"organization",
     "name":"worker","shortDescription":"","visibility":"private","scanOnPush":false,"immutableTags":false,
     "enableManifestLists":false,"pulls":0,"pushes":0,"tagLimit":0});
    let r: DtrRepository = serde_json::from_value(data).unwrap();
    assert_eq!(r.full_name(), "payments/worker");
}

#[test]
fn tag_decodes_with_manifest_and_without() {
    let tags: Vec<DtrTag> = serde_json::from_value(json!([
      {"name":"v1.4.2","digest":"sha256:3b1f","author":"ci-bot","createdAt":"2024-03-10T17:02:44.01Z",
       "updatedAt":"2024-03-10T17:02:44.01Z","hashMismatch":false,"inNotary":true,
       "manifest":{"digest":"sha256:3b1f","mediaType":"application/vnd.docker.distribution.manifest.v2+json",
         "size":48211733,"os":"linux","osVersion":"","architecture":"amd64","author":"",
         "createdAt":"2024-03-10T17:01:58Z","configDigest":"sha256:91aa",
         "configMediaType":"application/vnd.docker.container.image.v1+json",
         "dockerfile":[{"line":"ADD file:… in /","layerDigest":"sha256:a2ab","size":2811969,"isEmpty":false,
           "mediaType":"application/vnd.docker.image.rootfs.diff.tar.gzip","urls":null}]},
       "promotion":{"promotionPolicyID":"p1","sourceRepository":"payments/api-dev","sourceTag":"v1","string":""}},
      {"name":"old","digest":"sha256:aaaa","manifest":{"digest":"sha256:aaaa","dockerfile":null},
       "mirroring":{"mirroringPolicyID":"m1","digest":"sha256:aaaa","remoteRepository":"r","remoteTag":"t"}}
    ]))
    .unwrap();
    let m = tags[0].manifest.as_ref().unwrap();
    assert!(tags[0].in_notary);
    assert_eq!((m.size, m.architecture.as_str()), (48211733, "amd64"));
    assert_eq!(m.dockerfile[0].size, 2811969);
    assert_eq!(m.dockerfile[0].urls, None);
    assert_eq!(
        tags[0].promotion.as_ref().unwrap().source_repository,
        "payments/api-dev"
    );
    assert!(tags[1].manifest.as_ref().unwrap().dockerfile.is_empty());
    assert_eq!(
        tags[1].mirroring.as_ref().unwrap().mirroring_policy_id,
        "m1"
    );
    assert_eq!(tags[1].author, "");
}

fn account(name: &str, is_org: bool, is_admin: Option<bool>) -> DtrAccount {
    DtrAccount {
        name: name.into(),
        id: format!("id-{name}"),
        full_name: String::new(),
        is_org,
        is_admin,
        is_active: None,
    }
}

#[test]
fn accounts_and_member_orgs_decode() {
    let a: DtrAccount = serde_json::from_value(json!({
        "name":"alice","id":"de806359","fullName":"Alice A","isOrg":false,"isAdmin":true,
        "isActive":true,"isImported":false
    }))
    .unwrap();
    assert_eq!(a.is_admin, Some(true));
    let org: DtrAccount = serde_json::from_value(json!({
        "name":"payments","id":"o1","fullName":"","isOrg":true,"membersCount":4,"teamsCount":1
    }))
    .unwrap();
    assert!(org.is_org);
    assert_eq!(org.is_admin, None);
    let list: MemberOrgList = serde_json::from_value(json!({
        "memberOrgs":[{"org":{"name":"payments","id":"o1","isOrg":true},"isAdmin":true,"isPublic":false}],
        "nextPageStart":"o1"
    }))
    .unwrap();
    assert_eq!(list.member_orgs.len(), 1);
    assert!(list.member_orgs[0].is_admin);
    assert_eq!(list.next_page_start.as_deref(), Some("o1"));
    let empty: MemberOrgList = serde_json::from_value(json!({"memberOrgs":null})).unwrap();
    assert!(empty.member_orgs.is_empty());
}

#[test]
fn namespaces_are_own_first_then_orgs_sorted_and_merged() {
    let member = |name: &str, is_admin: bool| MemberOrg {
        org: account(name, true, None),
        is_admin,
        is_public: false,
    };
    let orgs = [
        member("zeta", false),
        member("payments", false),
        member("payments", true),
    ];
    let got = namespaces_of(&account("alice", false, Some(false)), &orgs);
    let ns = |name: &str, namespace_type, is_admin| DtrNamespace {
        name: name.into(),
        namespace_type,
        is_admin,
    };
    assert_eq!(
        got,
        vec![
            ns("alice", DtrNamespaceType::User, true),
            ns("payments", DtrNamespaceType::Organization, true),
            ns("zeta", DtrNamespaceType::Organization, false),
        ]
    );
    // A DTR admin can manage every namespace.
    let admin = namespaces_of(
        &account("root", false, Some(true)),
        &[member("zeta", false)],
    );
    assert!(admin.iter().all(|n| n.is_admin));
    assert_eq!(admin.len(), 2);
}
