//! DTR client-side validation: each rule accepts what it should and refuses the rest with an
//! actionable message.

use registry::dtr::validate::{
    loopback_warning, validate_create, validate_endpoint, validate_namespace, validate_repository,
    validate_test, validate_tls_cert, validate_type, validate_update, validate_webhook_id,
};
use registry::dtr::{
    DtrValidationError as E, DtrWebhookDraft, DtrWebhookScope, DtrWebhookTestDraft, DtrWebhookType,
    DtrWebhookUpdate,
};

const PEM: &str = "-----BEGIN CERTIFICATE-----\nMIIBszCCAVmgAwIBAgIU\n-----END CERTIFICATE-----";

fn repo(ns: &str, name: &str) -> DtrWebhookScope {
    DtrWebhookScope::Repository {
        namespace: ns.into(),
        repository: name.into(),
    }
}

fn draft(t: DtrWebhookType, scope: DtrWebhookScope) -> DtrWebhookDraft {
    DtrWebhookDraft {
        webhook_type: t,
        scope,
        endpoint: "https://hooks.example.net/dtr".into(),
        tls_cert: String::new(),
        skip_tls_verification: false,
    }
}

fn msg(e: E) -> String {
    e.to_string()
}

#[test]
fn non_admins_must_send_a_key() {
    let d = draft(DtrWebhookType::TagPush, DtrWebhookScope::Global);
    let err = validate_create(&d, false).unwrap_err();
    assert_eq!(err, E::NeedsKey(DtrWebhookType::TagPush));
    assert_eq!(
        msg(err),
        "Only a DTR admin can create a TAG_PUSH webhook without a repository or namespace (it would fire for all of them). Choose a repository or namespace."
    );
    let d = draft(DtrWebhookType::RepoEvent, DtrWebhookScope::Global);
    assert_eq!(
        validate_create(&d, false),
        Err(E::NeedsKey(DtrWebhookType::RepoEvent))
    );
    assert!(validate_create(&d, true).unwrap().key().is_none());
    // Unknown types follow the same rule.
    let d = draft(
        DtrWebhookType::Other("NEW_THING".into()),
        DtrWebhookScope::Global,
    );
    assert!(matches!(validate_create(&d, false), Err(E::NeedsKey(_))));
}

#[test]
fn global_events_are_admin_only() {
    let d = draft(
        DtrWebhookType::ScannerUpdateCompleted,
        DtrWebhookScope::Global,
    );
    let err = validate_create(&d, false).unwrap_err();
    assert_eq!(
        msg(err),
        "Only a DTR admin can subscribe to SCANNER_UPDATE_COMPLETED, a global event of the whole DTR."
    );
    assert!(validate_create(&d, true).is_ok());
}

#[test]
fn scope_mismatches_explain_the_right_scope() {
    let e = validate_create(
        &draft(
            DtrWebhookType::TagDelete,
            DtrWebhookScope::Namespace {
                namespace: "payments".into(),
            },
        ),
        true,
    )
    .unwrap_err();
    assert_eq!(msg(e), "TAG_DELETE webhooks belong to one repository: choose a repository (namespace/repository), not a whole namespace.");
    let e = validate_create(
        &draft(DtrWebhookType::RepoEvent, repo("payments", "api")),
        true,
    )
    .unwrap_err();
    assert_eq!(msg(e), "REPO_EVENT webhooks belong to a namespace: choose a user or organization, not a repository.");
    let e = validate_create(
        &draft(
            DtrWebhookType::ScannerUpdateCompleted,
            repo("payments", "api"),
        ),
        true,
    )
    .unwrap_err();
    assert_eq!(msg(e), "SCANNER_UPDATE_COMPLETED is a global event of the whole DTR: it cannot be limited to a repository or namespace. Choose the global scope.");
}

#[test]
fn types_are_normalised_or_refused() {
    assert_eq!(
        validate_type(&DtrWebhookType::Other("TAG_PUSH".into())),
        Ok(DtrWebhookType::TagPush)
    );
    assert_eq!(
        validate_type(&DtrWebhookType::Other("CHART_DELETE".into())),
        Ok(DtrWebhookType::Other("CHART_DELETE".into()))
    );
    assert_eq!(
        validate_type(&DtrWebhookType::Other(String::new())),
        Err(E::EmptyType)
    );
    assert_eq!(msg(E::EmptyType), "Choose a webhook type.");
    for bad in ["tag_push", "TAG PUSH", "_X", "9X", "TAG-PUSH"] {
        let e = validate_type(&DtrWebhookType::Other(bad.into())).unwrap_err();
        assert_eq!(e, E::MalformedType(bad.into()));
        assert_eq!(
            msg(e),
            format!(
                "\"{bad}\" is not a DTR webhook type: types are upper-case names such as TAG_PUSH."
            )
        );
    }
    for sub in ["REPO_CREATED", "REPO_UPDATED", "REPO_DELETED"] {
        let e = validate_create(
            &draft(
                DtrWebhookType::Other(sub.into()),
                DtrWebhookScope::Namespace {
                    namespace: "p".into(),
                },
            ),
            true,
        )
        .unwrap_err();
        assert_eq!(
            msg(e),
            format!("DTR has no {sub} webhook type. Subscribe to REPO_EVENT for the namespace instead; each delivery names REPO_CREATED, REPO_UPDATED or REPO_DELETED in contents.event.")
        );
    }
}

#[test]
fn repository_names_follow_dtr_pattern() {
    for ok in ["api", "a", "my-app", "my.app_2", "0x1", "a-b.c_d"] {
        assert_eq!(validate_repository("payments", ok), Ok(()), "{ok}");
    }
    for bad in ["Api", "-api", "api-", "a--b", "a._b", "a b", "a/b", "ü"] {
        let e = validate_repository("payments", bad).unwrap_err();
        assert_eq!(
            msg(e),
            format!("\"{bad}\" is not a valid repository name: use lower-case letters and digits, with single . _ or - between them.")
        );
    }
    assert_eq!(
        msg(validate_repository("payments", "").unwrap_err()),
        "\"\" is not a valid repository name: it is empty."
    );
    // The whole of namespace/repository is limited to 255 characters.
    let ns = "n".repeat(100);
    assert_eq!(validate_repository(&ns, &"r".repeat(154)), Ok(()));
    let e = validate_repository(&ns, &"r".repeat(155)).unwrap_err();
    assert_eq!(e, E::NameTooLong(256));
    assert_eq!(
        msg(e),
        "namespace/repository is 256 characters long; DTR allows at most 255."
    );
}

#[test]
fn namespace_names_refuse_only_impossible_values() {
    assert_eq!(validate_namespace("payments"), Ok(()));
    assert_eq!(validate_namespace("Team.Ops-1"), Ok(()));
    let cases = [
        ("", "it is empty"),
        ("a/b", "it contains \"/\""),
        ("a b", "it contains spaces or control characters"),
        ("a\tb", "it contains spaces or control characters"),
    ];
    for (name, reason) in cases {
        let e = validate_namespace(name).unwrap_err();
        assert_eq!(
            msg(e),
            format!("\"{name}\" is not a valid namespace: {reason}.")
        );
    }
    assert!(validate_namespace(&"n".repeat(256)).is_err());
    // Through validate_create, for both scopes that carry a namespace.
    let e = validate_create(&draft(DtrWebhookType::TagPush, repo("", "api")), true).unwrap_err();
    assert!(matches!(e, E::InvalidNamespace { .. }));
    let e = validate_create(
        &draft(
            DtrWebhookType::RepoEvent,
            DtrWebhookScope::Namespace {
                namespace: "a/b".into(),
            },
        ),
        true,
    )
    .unwrap_err();
    assert!(matches!(e, E::InvalidNamespace { .. }));
}

#[test]
fn endpoints_must_be_reachable_http_urls() {
    assert_eq!(
        validate_endpoint(" https://hooks.example.net/x?y=1 ", false),
        Ok("https://hooks.example.net/x?y=1".into())
    );
    for ok in [
        "HTTPS://Hooks.Example.net",
        "https://user:pw@hooks.example.net:8443/p",
        "https://[2001:db8::1]:8443/p",
        "https://10.0.0.5/x",
    ] {
        assert!(validate_endpoint(ok, false).is_ok(), "{ok}");
    }
    let cases: [(&str, &str); 8] = [
        ("ftp://x.example", "it must start with https:// or http://"),
        (
            "hooks.example.net/x",
            "it must start with https:// or http://",
        ),
        (
            "https://hooks.example.net/a b",
            "it contains spaces or control characters",
        ),
        ("https:///path", "the server name is missing"),
        ("https://:8443/", "the server name is missing"),
        (
            "https://h.example:0/",
            "the port must be a number from 1 to 65535",
        ),
        (
            "https://h.example:99999/",
            "the port must be a number from 1 to 65535",
        ),
        (
            "https://[2001:db8::1/",
            "an IPv6 address must be closed with ]",
        ),
    ];
    for (endpoint, reason) in cases {
        let e = validate_endpoint(endpoint, true).unwrap_err();
        assert_eq!(e, E::InvalidEndpoint(reason), "{endpoint}");
        let text = msg(e);
        assert_eq!(
            text,
            format!("The endpoint must be a full https:// or http:// URL, such as https://hooks.example.com/dtr: {reason}.")
        );
    }
    assert_eq!(validate_endpoint("  ", false), Err(E::EmptyEndpoint));
    assert_eq!(
        msg(E::EmptyEndpoint),
        "Enter the endpoint URL DTR should send deliveries to."
    );
}

#[test]
fn messages_never_quote_the_endpoint() {
    let secret = "s3cr3t-path-token";
    for endpoint in [
        format!("https://h.example:0/{secret}"),
        format!("http://h.example/{secret}"),
        format!("ftp://h.example/{secret}"),
        format!("https://h.example/{secret} x"),
    ] {
        let e = validate_endpoint(&endpoint, false).unwrap_err();
        assert!(!msg(e.clone()).contains(secret), "{e:?}");
        assert!(!format!("{e:?}").contains(secret));
    }
}

#[test]
fn loopback_endpoints_are_accepted_with_a_warning() {
    for host in [
        "localhost",
        "LOCALHOST.",
        "inbox.localhost",
        "127.0.0.1",
        "127.1.2.3",
        "[::1]",
        "0.0.0.0",
    ] {
        let endpoint = format!("http://{host}:8080/hook");
        assert!(validate_endpoint(&endpoint, true).is_ok(), "{host}");
        let warning =
            loopback_warning(&endpoint).unwrap_or_else(|| panic!("no warning for {host}"));
        assert!(warning.starts_with("DTR sends webhooks from its own server"));
    }
    // Look-alikes get no warning.
    assert_eq!(loopback_warning("https://localhost.example.com/"), None);
    assert_eq!(loopback_warning("https://128.0.0.1/"), None);
    assert_eq!(
        loopback_warning("https://user@hooks.example.com:8443/x"),
        None
    );
}

#[test]
fn http_endpoints_need_skip_tls_verification() {
    let mut d = draft(DtrWebhookType::TagPush, repo("payments", "api"));
    d.endpoint = "http://hooks.example.net/x".into();
    let e = validate_create(&d, false).unwrap_err();
    assert_eq!(e, E::HttpNeedsSkipTls);
    assert_eq!(
        msg(e),
        "DTR only delivers to an http:// endpoint when \"Allow http:// or untrusted certificates\" is on. Turn it on, or use an https:// endpoint."
    );
    d.skip_tls_verification = true;
    assert!(validate_create(&d, false).is_ok());
    // Same rule for the test delivery.
    let mut t = DtrWebhookTestDraft {
        webhook_type: DtrWebhookType::TagPush,
        endpoint: "HTTP://hooks.example.net/x".into(),
        tls_cert: String::new(),
        skip_tls_verification: false,
    };
    assert_eq!(validate_test(&t), Err(E::HttpNeedsSkipTls));
    t.skip_tls_verification = true;
    assert!(validate_test(&t).is_ok());
}

#[test]
fn test_requests_check_type_and_cert() {
    let t = DtrWebhookTestDraft {
        webhook_type: DtrWebhookType::Other("REPO_DELETED".into()),
        endpoint: "https://hooks.example.net/x".into(),
        tls_cert: String::new(),
        skip_tls_verification: false,
    };
    assert_eq!(
        validate_test(&t),
        Err(E::RepoSubEvent("REPO_DELETED".into()))
    );
    let t = DtrWebhookTestDraft {
        webhook_type: DtrWebhookType::TagPush,
        tls_cert: "not a cert".into(),
        ..t
    };
    assert_eq!(validate_test(&t), Err(E::InvalidTlsCert));
}

#[test]
fn tls_cert_must_be_pem_or_blank() {
    assert_eq!(validate_tls_cert(""), Ok(String::new()));
    assert_eq!(validate_tls_cert(" \n "), Ok(String::new()));
    assert_eq!(validate_tls_cert(&format!("\n{PEM}\n")), Ok(PEM.into()));
    let chain = format!("{PEM}\n{PEM}");
    assert_eq!(validate_tls_cert(&chain), Ok(chain.clone()));
    for bad in [
        "MIIBszCCAVmgAwIBAgIU",
        "-----BEGIN CERTIFICATE-----\nMIIB",
        "-----BEGIN CERTIFICATE----------END CERTIFICATE-----",
        "-----BEGIN PRIVATE KEY-----\nMIIB\n-----END PRIVATE KEY-----",
    ] {
        assert_eq!(validate_tls_cert(bad), Err(E::InvalidTlsCert), "{bad}");
    }
    assert_eq!(
        msg(E::InvalidTlsCert),
        "The TLS certificate must be PEM text from -----BEGIN CERTIFICATE----- to -----END CERTIFICATE-----, or empty to use the trusted CAs of the DTR server."
    );
    let mut d = draft(DtrWebhookType::TagPush, repo("payments", "api"));
    d.tls_cert = "garbage".into();
    assert_eq!(validate_create(&d, true), Err(E::InvalidTlsCert));
}

#[test]
fn updates_check_id_cert_and_http_rule() {
    let update = DtrWebhookUpdate {
        id: "f34ab10d".into(),
        inactive: true,
        tls_cert: String::new(),
        skip_tls_verification: false,
    };
    assert_eq!(
        validate_update(&update, "https://h.example/x")
            .unwrap()
            .id(),
        "f34ab10d"
    );
    // Turning verification on for an http:// webhook would stop its deliveries.
    assert_eq!(
        validate_update(&update, "http://h.example/x"),
        Err(E::HttpNeedsSkipTls)
    );
    let skip = DtrWebhookUpdate {
        skip_tls_verification: true,
        ..update.clone()
    };
    assert!(validate_update(&skip, "http://h.example/x").is_ok());
    let bad_cert = DtrWebhookUpdate {
        tls_cert: "nope".into(),
        ..update.clone()
    };
    assert_eq!(
        validate_update(&bad_cert, "https://h.example/x"),
        Err(E::InvalidTlsCert)
    );
    let bad_id = DtrWebhookUpdate {
        id: "../x".into(),
        ..update
    };
    assert_eq!(
        validate_update(&bad_id, "https://h.example/x"),
        Err(E::InvalidWebhookId)
    );
}

#[test]
fn webhook_ids_cannot_change_the_path() {
    assert_eq!(
        validate_webhook_id("f34ab10dfcc32b169aa3020a92fa35313802f1bac1950552d3af9364eec61a78"),
        Ok(())
    );
    assert_eq!(
        validate_webhook_id("de806359-84e8-4041-8573-27aa03f6cf24"),
        Ok(())
    );
    for bad in ["", ".", "..", "a/b", "a?b", "a#b", "a%2Fb", "a b", "a\nb"] {
        assert_eq!(
            validate_webhook_id(bad),
            Err(E::InvalidWebhookId),
            "{bad:?}"
        );
    }
    assert_eq!(
        msg(E::InvalidWebhookId),
        "The webhook ID is missing or malformed; reload the webhook list and try again."
    );
}
