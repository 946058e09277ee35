//! DTR answers of every version shape, paging, the credential check and route paths.

use registry::dtr::decode::{
    decode_created_webhook, decode_member_orgs, decode_repositories, decode_tags,
    decode_updated_webhook, decode_webhooks, expect_success, next_page_start, verify_account,
    verify_settings, PageCursor, PageStyle,
};
use registry::dtr::validate::validate_create;
use registry::dtr::{
    paths, CreateWebhookRequest, DtrError, DtrMissing, DtrValidationError, DtrWebhookDraft,
    DtrWebhookScope, DtrWebhookType,
};
use serde_json::json;

fn webhook_json(id: &str, key: &str, inactive: bool) -> serde_json::Value {
    json!({
        "id": id, "type": "TAG_PUSH", "key": key, "endpoint": "https://hooks.example.net/dtr/7f3c",
        "authorID": "de806359-84e8-4041-8573-27aa03f6cf24", "createdAt": "2024-03-11T09:14:27.118302554Z",
        "lastSuccessfulAt": "0001-01-01T00:00:00Z", "inactive": inactive, "tlsCert": "", "skipTLSVerification": false
    })
}

fn create_request() -> CreateWebhookRequest {
    validate_create(
        &DtrWebhookDraft {
            webhook_type: DtrWebhookType::TagPush,
            scope: DtrWebhookScope::Repository {
                namespace: "payments".into(),
                repository: "api".into(),
            },
            endpoint: "https://hooks.example.net/dtr/7f3c".into(),
            tls_cert: String::new(),
            skip_tls_verification: false,
        },
        false,
    )
    .unwrap()
}

fn bytes(v: serde_json::Value) -> Vec<u8> {
    serde_json::to_vec(&v).unwrap()
}

#[test]
fn create_answer_27_object_and_26_array() {
    let req = create_request();
    let v27 =
        decode_created_webhook(&bytes(webhook_json("a1", "payments/api", false)), &req).unwrap();
    let v26 = decode_created_webhook(
        &bytes(json!([webhook_json("a1", "payments/api", false)])),
        &req,
    )
    .unwrap();
    assert_eq!(v27, v26);
    assert_eq!(v27.id, "a1");
    assert_eq!(v27.key, "payments/api");
}

#[test]
fn create_answer_with_several_items_picks_the_matching_one() {
    let req = create_request();
    let body = bytes(json!([
        webhook_json("other", "payments/web", false),
        webhook_json("mine", "payments/api", false),
    ]));
    assert_eq!(decode_created_webhook(&body, &req).unwrap().id, "mine");
    let none = bytes(json!([
        webhook_json("x", "payments/web", false),
        webhook_json("y", "alice/tool", false),
    ]));
    let e = decode_created_webhook(&none, &req).unwrap_err();
    assert_eq!(
        e,
        DtrError::Decode {
            what: "the new webhook",
            reason: "the answer does not contain the webhook just created".into()
        }
    );
    assert!(matches!(
        decode_created_webhook(b"[]", &req),
        Err(DtrError::Decode { .. })
    ));
}

#[test]
fn create_answer_that_is_not_a_webhook_keeps_serdes_reason() {
    let req = create_request();
    let e = decode_created_webhook(br#"{"id":"a1"}"#, &req).unwrap_err();
    let DtrError::Decode { what, reason } = e else {
        panic!("expected Decode")
    };
    assert_eq!(what, "the new webhook");
    assert!(reason.contains("missing field `type`"), "{reason}");
    assert!(matches!(
        decode_created_webhook(b"", &req),
        Err(DtrError::Decode { .. })
    ));
    assert!(matches!(
        decode_created_webhook(b"null", &req),
        Err(DtrError::Decode { .. })
    ));
}

#[test]
fn update_answer_array_or_object_picked_by_id() {
    let array = bytes(json!([
        webhook_json("x", "payments/web", false),
        webhook_json("f34ab10d", "payments/api", true),
    ]));
    let w = decode_updated_webhook(&array, "f34ab10d").unwrap();
    assert!(w.inactive);
    assert_eq!(w.key, "payments/api");
    let object = bytes(webhook_json("f34ab10d", "payments/api", true));
    assert_eq!(decode_updated_webhook(&object, "f34ab10d").unwrap(), w);
    let e = decode_updated_webhook(&array, "missing").unwrap_err();
    assert_eq!(
        e,
        DtrError::Decode {
            what: "the webhook update",
            reason: "the answer does not contain the updated webhook".into()
        }
    );
}

#[test]
fn delete_and_test_accept_200_and_204() {
    assert_eq!(expect_success(200, None, b""), Ok(()));
    assert_eq!(expect_success(204, None, b""), Ok(()));
    assert_eq!(expect_success(200, Some("application/json"), b"{}"), Ok(()));
    assert_eq!(expect_success(201, None, b""), Ok(()));
    let e = expect_success(
        404,
        Some("application/json"),
        br#"{"errors":[{"code":"NO_SUCH_WEBHOOK","message":"No such webhook."}]}"#,
    )
    .unwrap_err();
    assert!(matches!(
        e,
        DtrError::NotFound {
            missing: DtrMissing::Webhook,
            ..
        }
    ));
    assert_eq!(
        expect_success(302, None, b""),
        Err(DtrError::Redirected { status: 302 })
    );
}

#[test]
fn lists_decode_with_their_envelopes() {
    let webhooks = decode_webhooks(&bytes(json!([webhook_json("a", "", false)]))).unwrap();
    assert_eq!(webhooks[0].scope(), Some(DtrWebhookScope::Global));
    assert!(decode_webhooks(b"[]").unwrap().is_empty());
    assert!(decode_webhooks(b"null").unwrap().is_empty());
    assert!(matches!(
        decode_webhooks(br#"{"webhooks":[]}"#),
        Err(DtrError::Decode {
            what: "the webhook list",
            ..
        })
    ));

    let repos = decode_repositories(&bytes(json!({"repositories":[
        {"id":"1","namespace":"payments","namespaceType":"organization","name":"api","shortDescription":"",
         "visibility":"private","scanOnPush":true,"immutableTags":false,"enableManifestLists":false,
         "pulls":1,"pushes":2,"tagLimit":0}
    ]})))
    .unwrap();
    assert_eq!(repos[0].full_name(), "payments/api");
    assert!(decode_repositories(br#"{"repositories":[]}"#)
        .unwrap()
        .is_empty());
    // A bare array is the tag shape, not the repository one.
    for wrong in [&b"[]"[..], b"{}", br#"[{"id":"1"}]"#] {
        assert!(matches!(
            decode_repositories(wrong),
            Err(DtrError::Decode {
                what: "the repository list",
                ..
            })
        ));
    }

    let tags = decode_tags(br#"[{"name":"v1","digest":"sha256:1"}]"#).unwrap();
    assert_eq!(tags[0].name, "v1");
    assert!(decode_tags(b"null").unwrap().is_empty());

    let orgs = decode_member_orgs(
        br#"{"memberOrgs":[{"org":{"name":"payments","isOrg":true},"isAdmin":false}]}"#,
    )
    .unwrap();
    assert_eq!(orgs.member_orgs[0].org.name, "payments");
    assert_eq!(orgs.next_page_start, None);
}

#[test]
fn next_page_header_absent_or_blank_ends_paging() {
    assert_eq!(next_page_start(None), None);
    assert_eq!(next_page_start(Some("")), None);
    assert_eq!(next_page_start(Some("  ")), None);
    assert_eq!(
        next_page_start(Some("9830a2cd-cbe7-47d8-99b5-98c0e2472973")).as_deref(),
        Some("9830a2cd-cbe7-47d8-99b5-98c0e2472973")
    );
}

#[test]
fn cursor_follows_pages_to_the_end() {
    let mut c = PageCursor::new(PageStyle::ApiV0, 100, "repositories").unwrap();
    assert_eq!(c.query(), vec![("pageSize", "100".to_owned())]);
    assert_eq!(c.advance(Some("p2")), Ok(true));
    assert_eq!(
        c.query(),
        vec![
            ("pageSize", "100".to_owned()),
            ("pageStart", "p2".to_owned())
        ]
    );
    assert_eq!(c.advance(Some("p3")), Ok(true));
    assert_eq!(c.query()[1], ("pageStart", "p3".to_owned()));
    assert_eq!(c.advance(Some("")), Ok(false));
    assert_eq!(c.query(), vec![("pageSize", "100".to_owned())]);
}

#[test]
fn cursor_uses_enzi_names_and_stops_loops() {
    let mut c = PageCursor::new(PageStyle::Enzi, 50, "organizations").unwrap();
    assert_eq!(c.advance(Some("o1")), Ok(true));
    assert_eq!(
        c.query(),
        vec![("limit", "50".to_owned()), ("start", "o1".to_owned())]
    );
    assert_eq!(c.advance(Some("o2")), Ok(true));
    assert_eq!(
        c.advance(Some("o1")),
        Err(DtrError::PagingLoop {
            what: "organizations"
        })
    );
    assert_eq!(
        PageCursor::new(PageStyle::ApiV0, 0, "x").unwrap_err(),
        DtrValidationError::InvalidPageSize
    );
    assert_eq!(
        DtrValidationError::InvalidPageSize.to_string(),
        "A page size must be at least 1."
    );
}

#[test]
fn verify_settings_treats_403_as_bad_credentials() {
    assert_eq!(
        verify_settings(200, Some("application/json"), br#"{"ContentCacheUUID":""}"#),
        Ok(())
    );
    let forbidden = br#"{"errors":[{"code":"NOT_AUTHORIZED","message":"Not authorized."}]}"#;
    assert!(matches!(
        verify_settings(403, Some("application/json"), forbidden),
        Err(DtrError::Unauthenticated { server: Some(_) })
    ));
    assert_eq!(
        verify_settings(401, None, b""),
        Err(DtrError::Unauthenticated { server: None })
    );
    assert_eq!(
        verify_settings(302, None, b""),
        Err(DtrError::Redirected { status: 302 })
    );
    // MSR 4 (Harbor) or a wrong address.
    assert_eq!(
        verify_settings(404, Some("text/plain"), b"404 page not found"),
        Err(DtrError::NoSuchRoute)
    );
}

#[test]
fn verify_account_checks_who_answered() {
    let alice =
        br#"{"name":"alice","id":"u1","fullName":"","isOrg":false,"isAdmin":true,"isActive":true}"#;
    let account = verify_account("Alice", 200, Some("application/json"), alice).unwrap();
    assert_eq!(account.is_admin, Some(true));
    assert_eq!(
        verify_account("bob", 200, None, alice),
        Err(DtrError::Unauthenticated { server: None })
    );
    let org = br#"{"name":"payments","id":"o1","isOrg":true}"#;
    assert_eq!(
        verify_account("payments", 200, None, org),
        Err(DtrError::Unauthenticated { server: None })
    );
    // eNZi sends anonymous callers to its OpenID sign-in page.
    assert_eq!(
        verify_account("alice", 302, None, b""),
        Err(DtrError::Redirected { status: 302 })
    );
    assert!(matches!(
        verify_account("alice", 200, None, b"<html>"),
        Err(DtrError::Decode {
            what: "the account",
            ..
        })
    ));
}

#[test]
fn paths_use_the_real_namespace_route_and_encode_names() {
    assert_eq!(paths::WEBHOOKS, "/api/v0/webhooks");
    assert_eq!(paths::WEBHOOK_TEST, "/api/v0/webhooks/test");
    assert_eq!(paths::WEBHOOK_UPDATE, "/api/v0/webhooks/update");
    assert_eq!(paths::webhook("f34a"), "/api/v0/webhooks/f34a");
    assert_eq!(
        paths::namespace_webhooks("payments"),
        "/api/v0/accounts/payments/webhooks"
    );
    assert_eq!(
        paths::repository_webhooks("payments", "api"),
        "/api/v0/repositories/payments/api/webhooks"
    );
    assert_eq!(
        paths::namespace_repositories("payments"),
        "/api/v0/repositories/payments"
    );
    assert_eq!(
        paths::tags("payments", "api"),
        "/api/v0/repositories/payments/api/tags"
    );
    assert_eq!(
        paths::account_settings("alice"),
        "/api/v0/accounts/alice/settings"
    );
    assert_eq!(paths::enzi_account("alice"), "/enzi/v0/accounts/alice");
    assert_eq!(
        paths::enzi_member_orgs("alice"),
        "/enzi/v0/accounts/alice/organizations"
    );
    assert_eq!(paths::segment("a.b-c_d~e"), "a.b-c_d~e");
    assert_eq!(paths::segment("a/b?c#d e%"), "a%2Fb%3Fc%23d%20e%25");
    assert_eq!(paths::segment("jörg@corp"), "j%C3%B6rg%40corp");
    assert_eq!(
        paths::enzi_account("../admin"),
        "/enzi/v0/accounts/..%2Fadmin"
    );
}
