//! Quay error mapping: every answer shape (API error object, `{"error"}`, `{"message"}`, HTML,
//! empty) and every class of error, with the message checked.

use registry::quay::error::parse_error_body;
use registry::quay::{error_for, error_from_response, QuayError, QuayOperation as Op};

const JSON: Option<&str> = Some("application/json");
const HTML: Option<&str> = Some("text/html; charset=utf-8");

/// An API error object as Quay's `ApiException` writes it.
fn api_error(status: u16, error_type: &str, detail: &str) -> Vec<u8> {
    serde_json::to_vec(&serde_json::json!({
        "detail": detail,
        "error_message": detail,
        "error_type": error_type,
        "title": error_type,
        "type": format!("https://quay.io/api/v1/error/{error_type}"),
        "status": status,
    }))
    .unwrap()
}

const SCHEMA_REQUIRED: &str = "'eventConfig' is a required property\n\nFailed validating 'required' in schema:\n    {'type': 'object',\n     'required': ['event', 'method', 'config', 'eventConfig']}\n\nOn instance:\n    {'event': 'repo_push', 'method': 'webhook', 'config': {}}";
const SCHEMA_TYPE: &str = "None is not of type 'string'\n\nFailed validating 'type' in schema['properties']['title']:\n    {'description': 'The human-readable title of the notification',\n     'type': 'string'}\n\nOn instance['title']:\n    None";

#[test]
fn unauthenticated_401_means_the_token_was_dropped() {
    let body = api_error(401, "invalid_token", "Requires authentication");
    let err = error_for(Op::ListNotifications, 401, JSON, &body);
    assert_eq!(err, QuayError::TokenRejected);
    let message = err.to_string();
    assert!(
        message.contains("wrong, expired or revoked") && message.contains("Generate"),
        "{message}"
    );
    // Shape {"error"}: anonymous access switched off.
    assert_eq!(
        error_from_response(
            401,
            JSON,
            br#"{"error": "Anonymous access is not allowed"}"#
        ),
        QuayError::TokenRejected
    );
    assert_eq!(
        error_from_response(401, None, b""),
        QuayError::TokenRejected
    );
}

#[test]
fn user_401_cannot_tell_a_bad_token_from_a_missing_user_read_scope() {
    let mut value: serde_json::Value =
        serde_json::from_slice(&api_error(401, "invalid_token", "Requires authentication"))
            .unwrap();
    value["session_required"] = false.into();
    let body = serde_json::to_vec(&value).unwrap();
    // Known from the body alone, and from the call alone.
    assert_eq!(
        error_from_response(401, JSON, &body),
        QuayError::TokenRejectedOrNoUserRead
    );
    assert_eq!(
        error_for(Op::GetUser, 401, None, b""),
        QuayError::TokenRejectedOrNoUserRead
    );
    let message = QuayError::TokenRejectedOrNoUserRead.to_string();
    assert!(
        message.contains("user:read") && message.contains("by hand"),
        "{message}"
    );
}

#[test]
fn csrf_403_on_a_write_means_the_token_was_dropped() {
    let body = br#"{"error": "CSRF token was invalid or missing."}"#;
    assert_eq!(
        error_for(Op::CreateNotification, 403, JSON, body),
        QuayError::TokenRejected
    );
    assert_eq!(
        error_from_response(403, Some("text/html"), body),
        QuayError::TokenRejected
    );
}

#[test]
fn insufficient_scope_names_the_scope_the_call_needs() {
    let body = api_error(403, "insufficient_scope", "Unauthorized");
    for (op, scope, role) in [
        (
            Op::ListNotifications,
            "repo:admin",
            "admin rights on the repository",
        ),
        (
            Op::CreateNotification,
            "repo:admin",
            "admin rights on the repository",
        ),
        (
            Op::TestNotification,
            "repo:admin",
            "admin rights on the repository",
        ),
        (Op::ListTags, "repo:read", "read access to the repository"),
        (
            Op::GetRepository,
            "repo:read",
            "read access to the repository",
        ),
    ] {
        let err = error_for(op, 403, JSON, &body);
        assert_eq!(
            err,
            QuayError::Forbidden {
                operation: Some(op)
            }
        );
        let message = err.to_string();
        assert!(message.contains(&format!("the {scope} scope")), "{message}");
        assert!(message.contains(role), "{message}");
        assert!(message.contains(op.describe()), "{message}");
        assert!(message.contains("does not exist"), "{message}");
    }
    let generic = error_from_response(403, JSON, &body);
    assert_eq!(generic, QuayError::Forbidden { operation: None });
    assert!(generic.to_string().contains("repo:admin"));
}

#[test]
fn unknown_notification_is_404_on_get_but_400_on_delete_reset_and_test() {
    let get = api_error(404, "not_found", "Not Found");
    assert_eq!(
        error_for(Op::GetNotification, 404, JSON, &get),
        QuayError::NotificationNotFound
    );
    let delete = api_error(
        400,
        "invalid_request",
        "No repository notification found for: acme, web, 0b6f3c1e-2d4a-4f7e-9a51-7c2e8d3b4f10",
    );
    for op in [
        Op::DeleteNotification,
        Op::ResetNotification,
        Op::TestNotification,
    ] {
        assert_eq!(
            error_for(op, 400, JSON, &delete),
            QuayError::NotificationNotFound
        );
    }
    // The data-model path of reset answers {"message": …}.
    let reset = br#"{"message": "No repository notification found with uuid: 0b6f3c1e-2d4a-4f7e-9a51-7c2e8d3b4f10"}"#;
    assert_eq!(
        error_from_response(400, JSON, reset),
        QuayError::NotificationNotFound
    );
    assert!(QuayError::NotificationNotFound
        .to_string()
        .contains("Reload"));
}

#[test]
fn api_404_is_a_missing_thing_and_other_404s_a_missing_route() {
    // The repository-detail example of the Red Hat Quay guide.
    let body = br#"{"detail": "Not Found", "error_message": "Not Found", "error_type": "not_found", "title": "not_found", "type": "http://quay-server.example.com/api/v1/error/not_found", "status": 404}"#;
    let err = error_for(Op::GetRepository, 404, JSON, body);
    assert_eq!(err, QuayError::NotFound { what: "repository" });
    assert_eq!(
        err.to_string(),
        "Quay has no such repository, or you cannot see it. Check the name."
    );
    let werkzeug = br#"{"message": "The requested URL was not found on the server. If you entered the URL manually please check your spelling and try again."}"#;
    assert_eq!(
        error_from_response(404, JSON, werkzeug),
        QuayError::NoSuchRoute
    );
    assert_eq!(
        error_from_response(404, HTML, b"<html><title>404 Not Found</title></html>"),
        QuayError::NoSuchRoute
    );
}

#[test]
fn method_validator_400s_name_the_field() {
    for (detail, field, hint) in [
        ("Missing webhook URL", "method.url", ""),
        (
            "Invalid webhook URL",
            "method.url",
            "WEBHOOK_HOSTNAME_BLACKLIST",
        ),
        (
            "Could not parse template: Expecting value: line 1 column 1 (char 0)",
            "method.template",
            "",
        ),
        (
            "For expression `foo[`: Parse error at 1:4 near token [ ([)",
            "method.template",
            "",
        ),
        ("Missing Slack Callback URL", "method.url", ""),
        ("Missing e-mail address", "method.email", ""),
        ("Missing target", "method.target", ""),
        ("Unknown user alicee", "method.target", "robot"),
        ("Unknown organization acme", "method.target", ""),
        (
            "Unknown team opps",
            "method.target",
            "organization that owns the repository",
        ),
        (
            "Missing Hipchat Room Notification Token",
            "method.notification_token",
            "",
        ),
        ("Missing Hipchat Room ID", "method.room_id", ""),
        ("Missing Flowdock API Token", "method.flow_api_token", ""),
    ] {
        let err = error_for(
            Op::CreateNotification,
            400,
            JSON,
            &api_error(400, "invalid_request", detail),
        );
        assert_eq!(
            err,
            QuayError::ConfigRejected {
                field,
                message: detail.to_owned()
            },
            "{detail}"
        );
        let message = err.to_string();
        assert!(
            message.starts_with(&format!(
                "Quay rejected the notification's {field}: {detail}."
            )),
            "{message}"
        );
        assert!(message.contains(hint), "{message}");
    }
}

#[test]
fn unconfirmed_email_says_what_to_do() {
    let body = api_error(
        400,
        "invalid_request",
        "The specified e-mail address is not authorized to receive notifications for this repository",
    );
    let err = error_for(Op::CreateNotification, 400, JSON, &body);
    assert_eq!(err, QuayError::EmailNotAuthorized);
    assert!(err.to_string().contains("click"));
}

#[test]
fn jsonschema_400s_show_the_first_line_and_the_property() {
    let err = error_from_response(
        400,
        JSON,
        &api_error(400, "invalid_request", SCHEMA_REQUIRED),
    );
    assert_eq!(
        err,
        QuayError::SchemaRejected {
            field: Some("eventConfig".into()),
            message: "'eventConfig' is a required property".into()
        }
    );
    let message = err.to_string();
    assert!(!message.contains("Failed validating"), "{message}");
    assert!(
        message.contains("(field eventConfig)") && message.contains("Wharf bug"),
        "{message}"
    );

    let err = error_from_response(400, JSON, &api_error(400, "invalid_request", SCHEMA_TYPE));
    assert_eq!(
        err,
        QuayError::SchemaRejected {
            field: Some("title".into()),
            message: "None is not of type 'string'".into()
        }
    );
}

#[test]
fn other_4xx_quote_quays_first_line() {
    // Tag filter syntax: Flask-RESTful's {"message": …}.
    let err = error_from_response(
        400,
        JSON,
        br#"{"message": "Invalid filter_tag_name syntax"}"#,
    );
    assert_eq!(
        err,
        QuayError::Rejected {
            status: 400,
            message: "Invalid filter_tag_name syntax".into()
        }
    );
    assert_eq!(
        err.to_string(),
        "Quay rejected the request (HTTP 400): Invalid filter_tag_name syntax."
    );
    // Flask-RESTful argument errors nest the message in an object.
    let err = error_from_response(
        400,
        JSON,
        br#"{"message": {"limit": "invalid literal for int()"}}"#,
    );
    assert_eq!(
        err,
        QuayError::Rejected {
            status: 400,
            message: "limit: invalid literal for int()".into()
        }
    );
    let err = error_for(
        Op::ListTags,
        409,
        JSON,
        &api_error(409, "tag_immutable", "Tag v1 is immutable"),
    );
    assert_eq!(
        err,
        QuayError::Rejected {
            status: 409,
            message: "Tag v1 is immutable".into()
        }
    );
    let xhr = br#"{"error": "API calls must be invoked with an X-Requested-With header if called from a browser"}"#;
    assert!(matches!(
        error_from_response(400, JSON, xhr),
        QuayError::Rejected { status: 400, .. }
    ));
}

#[test]
fn html_500_on_create_explains_quays_500_traps() {
    let page = b"<!DOCTYPE HTML PUBLIC \"-//W3C//DTD HTML 3.2 Final//EN\">\n<html><head><title>500 Internal Server Error</title></head><body><h1>Internal Server Error</h1><p>The server encountered an internal error.</p></body></html>";
    let err = error_for(Op::CreateNotification, 500, HTML, page);
    assert_eq!(
        err,
        QuayError::Server {
            status: 500,
            detail: Some("500 Internal Server Error".into()),
            operation: Some(Op::CreateNotification)
        }
    );
    let message = err.to_string();
    assert!(
        message.starts_with("Quay failed (HTTP 500): 500 Internal Server Error."),
        "{message}"
    );
    assert!(
        message.contains("repo_image_expiry needs Quay 3.12"),
        "{message}"
    );
    assert!(!message.contains("<h1>"));

    let other = error_for(
        Op::ListTags,
        502,
        HTML,
        b"<html><head><title>502 Bad Gateway</title></head></html>",
    );
    let message = other.to_string();
    assert!(
        message.contains("HTTP 502") && message.contains("Try again later"),
        "{message}"
    );
    assert!(!message.contains("3.12"));
    let downstream = error_from_response(
        520,
        JSON,
        &api_error(520, "downstream_issue", "Downstream issue"),
    );
    assert_eq!(
        downstream,
        QuayError::Server {
            status: 520,
            detail: Some("Downstream issue".into()),
            operation: None
        }
    );
    assert_eq!(
        error_from_response(500, None, b""),
        QuayError::Server {
            status: 500,
            detail: None,
            operation: None
        }
    );
}

#[test]
fn read_only_rate_limit_and_redirects_have_their_own_errors() {
    let readonly = br#"{"message": "System is currently read-only. Pulls will succeed but all write operations are currently suspended.", "is_readonly": true}"#;
    assert_eq!(
        error_for(Op::CreateNotification, 503, JSON, readonly),
        QuayError::ReadOnly
    );
    assert!(matches!(
        error_from_response(503, HTML, b"<html></html>"),
        QuayError::Server { status: 503, .. }
    ));
    let nginx =
        b"<html>\r\n<head><title>429 Too Many Requests</title></head>\r\n<body></body></html>";
    assert_eq!(
        error_from_response(429, HTML, nginx),
        QuayError::RateLimited
    );
    assert!(QuayError::RateLimited.to_string().contains("Wait"));
    for status in [301, 302, 307, 308] {
        assert_eq!(
            error_from_response(status, HTML, b""),
            QuayError::Redirected { status }
        );
    }
    assert!(QuayError::Redirected { status: 301 }
        .to_string()
        .contains("https://"));
}

#[test]
fn unrecognised_answers_are_quoted_briefly_without_markup() {
    let err = error_from_response(418, Some("text/plain"), b"  I'm a\n\tteapot ");
    assert_eq!(
        err,
        QuayError::Unexpected {
            status: 418,
            excerpt: "I'm a teapot".into()
        }
    );
    assert_eq!(
        err.to_string(),
        "Quay answered HTTP 418, which Wharf did not expect: I'm a teapot"
    );
    let long = "x".repeat(500);
    let QuayError::Unexpected { excerpt, .. } = error_from_response(418, None, long.as_bytes())
    else {
        panic!("not Unexpected");
    };
    assert_eq!(excerpt.chars().count(), 201);
    assert!(excerpt.ends_with('…'));
    let err = error_from_response(400, HTML, b"<html><body><h1>Bad</h1></body></html>");
    assert_eq!(
        err,
        QuayError::Unexpected {
            status: 400,
            excerpt: String::new()
        }
    );
    assert_eq!(
        err.to_string(),
        "Quay answered HTTP 400, which Wharf did not expect."
    );
    let err = error_from_response(400, Some("application/octet-stream"), &[0, 159, 146, 150]);
    assert_eq!(
        err,
        QuayError::Unexpected {
            status: 400,
            excerpt: String::new()
        }
    );
}

#[test]
fn error_bodies_are_read_in_every_shape() {
    let a = parse_error_body(&api_error(403, "insufficient_scope", "Unauthorized")).unwrap();
    assert_eq!(a.text.as_deref(), Some("Unauthorized"));
    assert_eq!(a.error_type.as_deref(), Some("insufficient_scope"));
    // error_message alone (older servers), then message, then error.
    let b = parse_error_body(br#"{"error_message": "Old style", "error_type": "invalid_request"}"#)
        .unwrap();
    assert_eq!(b.text.as_deref(), Some("Old style"));
    let c = parse_error_body(br#"{"message": "From Flask-RESTful", "is_readonly": true}"#).unwrap();
    assert_eq!(
        (c.text.as_deref(), c.is_readonly),
        (Some("From Flask-RESTful"), true)
    );
    let d = parse_error_body(br#"{"error": "CSRF token was invalid or missing."}"#).unwrap();
    assert_eq!(d.first_line(), Some("CSRF token was invalid or missing."));
    assert_eq!(
        parse_error_body(br#""Unauthorized""#),
        None,
        "a bare string is not an error body"
    );
    assert_eq!(parse_error_body(b"{}"), None);
    assert_eq!(parse_error_body(br#"{"notifications": []}"#), None);
    assert_eq!(parse_error_body(b"<html></html>"), None);
}

#[test]
fn validation_errors_convert_into_quay_errors() {
    let err: QuayError = registry::quay::QuayValidationError::InvalidUuid.into();
    assert_eq!(
        err.to_string(),
        registry::quay::QuayValidationError::InvalidUuid.to_string()
    );
}
