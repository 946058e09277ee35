//! DTR error mapping: every error class from status, code and body shape, without HTTP.

use registry::dtr::error::parse_api_error;
use registry::dtr::{error_from_response, DtrApiError, DtrError, DtrMissing, DtrValidationError};
use registry::network::{NetworkCause, NetworkFailure};
use serde_json::json;

const JSON: Option<&str> = Some("application/json");

fn envelope(code: &str, message: &str, detail: serde_json::Value) -> Vec<u8> {
    let mut e = json!({"code": code, "message": message});
    if !detail.is_null() {
        e["detail"] = detail;
    }
    serde_json::to_vec(&json!({ "errors": [e] })).unwrap()
}

fn api(code: &str, message: &str, detail: serde_json::Value) -> DtrApiError {
    DtrApiError {
        code: code.into(),
        message: message.into(),
        detail,
    }
}

#[test]
fn envelope_detail_of_every_json_type() {
    let cases = [
        (
            json!("Repository name: \"payments/apii\"."),
            Some("Repository name: \"payments/apii\"."),
        ),
        (json!({"requestID": "r-1"}), Some(r#"{"requestID":"r-1"}"#)),
        (json!(["v1", "v2"]), Some("v1, v2")),
        (json!([1, {"a": 2}]), Some(r#"1, {"a":2}"#)),
        (json!(42), Some("42")),
        (json!(true), Some("true")),
        (json!(null), None),
        (json!(""), None),
        (json!([]), None),
        (json!({}), None),
    ];
    for (detail, text) in cases {
        let parsed = parse_api_error(&envelope("X", "m", detail.clone())).unwrap();
        assert_eq!(parsed.detail, detail);
        assert_eq!(parsed.detail_text().as_deref(), text, "{detail}");
    }
    // Only the first error counts; DTR takes the status from it too.
    let two = br#"{"errors":[{"code":"A","message":"first"},{"code":"B","message":"second"}]}"#;
    assert_eq!(parse_api_error(two).unwrap().code, "A");
    assert_eq!(parse_api_error(br#"{"errors":[]}"#), None);
}

#[test]
fn bare_and_non_error_bodies() {
    let bare = parse_api_error(br#"{"code":"NOT_AUTHENTICATED","message":"Not authenticated."}"#);
    assert_eq!(
        bare,
        Some(api("NOT_AUTHENTICATED", "Not authenticated.", json!(null)))
    );
    for other in [
        &b"404 page not found"[..],
        b"<html>502</html>",
        b"{}",
        b"[]",
        b"",
        br#"{"code":""}"#,
        br#"{"message":"x"}"#,
    ] {
        assert_eq!(
            parse_api_error(other),
            None,
            "{}",
            String::from_utf8_lossy(other)
        );
    }
}

#[test]
fn unauthenticated_from_401_envelope_bare_or_text() {
    let e = error_from_response(
        401,
        JSON,
        &envelope("NOT_AUTHENTICATED", "Not authenticated.", json!(null)),
    );
    assert_eq!(
        e,
        DtrError::Unauthenticated {
            server: Some(api("NOT_AUTHENTICATED", "Not authenticated.", json!(null)))
        }
    );
    assert_eq!(
        e.to_string(),
        "DTR did not accept the username and access token. Check both; if the token was revoked, create a new one in DTR under your profile, Access tokens. DTR said: Not authenticated (NOT_AUTHENTICATED)."
    );
    let bare = error_from_response(401, JSON, br#"{"code":"NOT_AUTHENTICATED","message":"x"}"#);
    assert!(matches!(
        bare,
        DtrError::Unauthenticated { server: Some(_) }
    ));
    let text = error_from_response(401, Some("text/plain"), b"Unauthorized");
    assert_eq!(text, DtrError::Unauthenticated { server: None });
    assert!(text.to_string().ends_with("Access tokens."));
    // The code wins over an odd status.
    let odd = error_from_response(400, JSON, &envelope("NOT_AUTHENTICATED", "x", json!(null)));
    assert!(matches!(odd, DtrError::Unauthenticated { .. }));
}

#[test]
fn redirects_mean_anonymous() {
    for status in [301, 302, 303, 307, 308] {
        let e = error_from_response(
            status,
            Some("text/html"),
            b"<a href=\"/api/v0/openid/begin\">Found</a>",
        );
        assert_eq!(e, DtrError::Redirected { status });
    }
    assert_eq!(
        DtrError::Redirected { status: 302 }.to_string(),
        "DTR answered with a redirect (HTTP 302) instead of data, which it does when it treats the request as anonymous: the username or access token is probably wrong. If the server address starts with http://, try https://."
    );
}

#[test]
fn forbidden() {
    let e = error_from_response(
        403,
        JSON,
        &envelope("NOT_AUTHORIZED", "Not authorized.", json!(null)),
    );
    assert!(matches!(e, DtrError::Forbidden { server: Some(_) }));
    assert!(e
        .to_string()
        .starts_with("Your DTR account is not allowed to do this. Creating repositories needs admin rights on the namespace"));
    assert!(e
        .to_string()
        .ends_with("DTR said: Not authorized (NOT_AUTHORIZED)."));
    assert_eq!(
        error_from_response(403, None, b""),
        DtrError::Forbidden { server: None }
    );
}

#[test]
fn not_found_by_code() {
    let cases = [
        (
            "NO_SUCH_ACCOUNT",
            DtrMissing::Namespace,
            "user or organization",
        ),
        ("NO_SUCH_REPOSITORY", DtrMissing::Repository, "repository"),
        ("NO_SUCH_TAG", DtrMissing::Tag, "tag"),
        ("NO_SUCH_REF", DtrMissing::Reference, "tag or digest"),
        ("NO_SUCH_WEBHOOK", DtrMissing::Webhook, "webhook"),
    ];
    for (code, missing, noun) in cases {
        let e = error_from_response(
            404,
            JSON,
            &envelope(code, "It does not exist.", json!("name: x")),
        );
        assert_eq!(
            e,
            DtrError::NotFound {
                missing,
                server: Some(api(code, "It does not exist.", json!("name: x")))
            }
        );
        assert_eq!(
            e.to_string(),
            format!("DTR has no such {noun}, or you cannot see it. DTR said: It does not exist ({code}): name: x.")
        );
    }
    // An unknown NO_SUCH_* code still shows DTR's words.
    let e = error_from_response(
        404,
        JSON,
        &envelope("NO_SUCH_POLICY", "No policy.", json!(null)),
    );
    assert_eq!(
        e.to_string(),
        "DTR rejected the request: No policy (NO_SUCH_POLICY)."
    );
}

#[test]
fn unknown_route_points_at_harbor_and_wrong_addresses() {
    for (ct, body) in [
        (Some("text/plain"), &b"404 page not found"[..]),
        (None, b""),
        // Harbor (MSR 4) uses the same envelope with its own codes.
        (
            JSON,
            br#"{"errors":[{"code":"NOT_FOUND","message":"not found"}]}"#,
        ),
    ] {
        assert_eq!(error_from_response(404, ct, body), DtrError::NoSuchRoute);
    }
    assert!(DtrError::NoSuchRoute
        .to_string()
        .contains("MSR 4 is based on Harbor and has no /api/v0 API"));
}

#[test]
fn notary_conflicts_at_409_and_405() {
    let tag = error_from_response(
        409,
        JSON,
        &envelope("TAG_IN_NOTARY", "Tag is signed.", json!(null)),
    );
    let repo = error_from_response(
        405,
        JSON,
        &envelope(
            "REPOSITORY_CONTAINS_TAGS_IN_NOTARY",
            "Repo has signed tags.",
            json!(["v1", "v2"]),
        ),
    );
    assert!(matches!(tag, DtrError::SignedInNotary { .. }));
    assert!(matches!(repo, DtrError::SignedInNotary { .. }));
    assert!(repo
        .to_string()
        .starts_with("DTR refuses to delete content that is signed in Notary"));
    assert!(repo
        .to_string()
        .ends_with("DTR said: Repo has signed tags (REPOSITORY_CONTAINS_TAGS_IN_NOTARY): v1, v2."));
}

#[test]
fn scanning_not_enabled() {
    let e = error_from_response(
        400,
        JSON,
        &envelope(
            "SCANNING_NOT_ENABLED",
            "Scanning is not enabled.",
            json!(null),
        ),
    );
    assert_eq!(e, DtrError::ScanningNotEnabled);
    assert_eq!(e.to_string(), "Image scanning is not enabled on this DTR. A DTR admin can turn it on in System, Security.");
}

#[test]
fn method_not_allowed_means_older_version() {
    for body in [
        envelope("NOT_ALLOWED", "Method not allowed.", json!(null)),
        envelope("METHOD_NOT_ALLOWED", "m", json!(null)),
        Vec::new(),
    ] {
        assert!(matches!(
            error_from_response(405, JSON, &body),
            DtrError::NotSupported { .. }
        ));
    }
    assert_eq!(
        error_from_response(405, None, b"").to_string(),
        "This DTR does not support this operation (HTTP 405); it may be older than the feature."
    );
}

#[test]
fn other_client_errors_quote_dtr_with_hints() {
    let e = error_from_response(
        400,
        JSON,
        &envelope(
            "INVALID_JSON",
            "Invalid JSON.",
            json!("unknown webhook type"),
        ),
    );
    assert_eq!(
        e,
        DtrError::Rejected {
            status: 400,
            server: api(
                "INVALID_JSON",
                "Invalid JSON.",
                json!("unknown webhook type")
            )
        }
    );
    assert_eq!(
        e.to_string(),
        "DTR rejected the request: Invalid JSON (INVALID_JSON): unknown webhook type. Older DTR versions reject webhook types and fields they do not know: TAG_PULL and MANIFEST_PULL need DTR 2.6, chart events MSR 3.0."
    );
    let e = error_from_response(
        415,
        JSON,
        &envelope("UNSUPPORTED_MEDIA_TYPE", "", json!(null)),
    );
    assert_eq!(
        e.to_string(),
        "DTR rejected the request: UNSUPPORTED_MEDIA_TYPE. This is a Wharf bug; please report it."
    );
    let e = error_from_response(
        400,
        JSON,
        &envelope(
            "REPOSITORY_EXISTS",
            "Repository already exists.",
            json!("Name: \"payments/api\"."),
        ),
    );
    assert_eq!(e.to_string(), "DTR rejected the request: Repository already exists (REPOSITORY_EXISTS): Name: \"payments/api\". Choose another name, or open the existing repository.");
}

#[test]
fn server_errors_carry_the_request_id() {
    let e = error_from_response(
        500,
        JSON,
        &envelope(
            "INTERNAL_ERROR",
            "An internal error occurred.",
            json!({"requestID": "8a1f-77"}),
        ),
    );
    assert!(matches!(
        e,
        DtrError::Server {
            status: 500,
            server: Some(_)
        }
    ));
    assert_eq!(
        e.to_string(),
        r#"DTR failed to answer (HTTP 500). DTR said: An internal error occurred (INTERNAL_ERROR): {"requestID":"8a1f-77"}. Try again; if it keeps failing, give the time and request ID 8a1f-77 to your DTR administrator."#
    );
    let proxy = error_from_response(
        503,
        Some("text/html"),
        b"<html><body>Service Unavailable</body></html>",
    );
    assert_eq!(
        proxy,
        DtrError::Server {
            status: 503,
            server: None
        }
    );
    assert_eq!(
        proxy.to_string(),
        "DTR failed to answer (HTTP 503). Try again; if it keeps failing, give the time to your DTR administrator."
    );
}

#[test]
fn anything_else_is_unexpected_with_a_short_clean_excerpt() {
    let e = error_from_response(418, Some("text/plain"), b"I'm a\n\tteapot\x07");
    assert_eq!(
        e,
        DtrError::Unexpected {
            status: 418,
            excerpt: "I'm a teapot".into()
        }
    );
    assert_eq!(
        e.to_string(),
        "DTR answered HTTP 418, which Wharf did not expect: I'm a teapot"
    );
    let long = "x".repeat(500);
    let DtrError::Unexpected { excerpt, .. } = error_from_response(429, None, long.as_bytes())
    else {
        panic!("expected Unexpected");
    };
    assert_eq!(excerpt, format!("{}…", "x".repeat(200)));
    // Binary bodies are not quoted.
    let e = error_from_response(400, Some("application/octet-stream"), &[0xff, 0x00, 0x10]);
    assert_eq!(
        e,
        DtrError::Unexpected {
            status: 400,
            excerpt: String::new()
        }
    );
    assert_eq!(
        e.to_string(),
        "DTR answered HTTP 400, which Wharf did not expect."
    );
    // A 2xx handed in by mistake is not turned into success.
    assert!(matches!(
        error_from_response(200, None, b"ok"),
        DtrError::Unexpected { status: 200, .. }
    ));
}

#[test]
fn json_errors_are_found_whatever_the_content_type() {
    let body = envelope("NO_SUCH_TAG", "No tag.", json!(null));
    for ct in [
        None,
        Some("text/plain; charset=utf-8"),
        Some("application/json"),
    ] {
        assert!(matches!(
            error_from_response(404, ct, &body),
            DtrError::NotFound {
                missing: DtrMissing::Tag,
                ..
            }
        ));
    }
}

#[test]
fn client_side_and_transport_errors_read_well() {
    let e: DtrError = DtrValidationError::HttpNeedsSkipTls.into();
    assert_eq!(
        e.to_string(),
        DtrValidationError::HttpNeedsSkipTls.to_string()
    );
    assert_eq!(
        DtrError::Decode { what: "the webhook list", reason: "expected value at line 1 column 1".into() }.to_string(),
        "Wharf could not read DTR's answer to the webhook list: expected value at line 1 column 1. The server may run a DTR version Wharf does not support."
    );
    assert_eq!(
        DtrError::PagingLoop { what: "repositories" }.to_string(),
        "DTR repeated the page cursor while listing repositories; Wharf stopped to avoid an endless loop."
    );
    assert_eq!(
        DtrError::Network(NetworkFailure::new(
            NetworkCause::Other,
            "connection closed"
        ))
        .to_string(),
        "Could not reach DTR. Check the server address and the network."
    );
}
