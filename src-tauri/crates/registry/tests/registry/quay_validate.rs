//! Quay client-side validation: each rule accepts what Quay accepts and refuses, with a message
//! a person can act on and the field to highlight, what Quay refuses or would choke on.

use registry::quay::validate::{
    check_email, check_python_regex, check_template, check_url, validate_create, validate_uuid,
};
use registry::quay::{
    QuayEventSpec, QuayMethodSpec, QuayNotificationDraft, QuayRepoRef, QuayTarget, QuayTargetKind,
    QuayValidationError as E,
};

fn repo() -> QuayRepoRef {
    QuayRepoRef::new("acme", "web")
}

fn webhook(url: &str) -> QuayMethodSpec {
    QuayMethodSpec::Webhook {
        url: url.into(),
        template: String::new(),
    }
}

fn create(event: QuayEventSpec, method: QuayMethodSpec) -> Result<(), E> {
    create_titled("", event, method)
}

fn create_titled(title: &str, event: QuayEventSpec, method: QuayMethodSpec) -> Result<(), E> {
    let draft = QuayNotificationDraft {
        title: title.into(),
        event,
        method,
    };
    validate_create(&repo(), &draft).map(|_| ())
}

fn with_method(method: QuayMethodSpec) -> Result<(), E> {
    create(QuayEventSpec::RepoPush, method)
}

/// The error, its message and its field, for one refused draft.
fn refused(result: Result<(), E>) -> (E, String, &'static str) {
    let err = result.expect_err("should be refused");
    let message = err.to_string();
    let field = err.field();
    (err, message, field)
}

#[test]
fn title_up_to_255_characters_is_accepted() {
    let title = "é".repeat(255);
    assert_eq!(
        create_titled(
            &title,
            QuayEventSpec::RepoPush,
            webhook("https://h.example.com")
        ),
        Ok(())
    );
    let (err, message, field) = refused(create_titled(
        &"x".repeat(256),
        QuayEventSpec::RepoPush,
        webhook("https://h.example.com"),
    ));
    assert_eq!(err, E::TitleTooLong(256));
    assert_eq!(field, "title");
    assert!(
        message.contains("256") && message.contains("255"),
        "{message}"
    );
}

#[test]
fn webhook_url_must_be_http_or_https_with_a_host() {
    for ok in [
        "https://ci.example.com/hooks/quay",
        "http://10.0.0.5:8080/hook",
        "HTTPS://CI.EXAMPLE.COM/x?token=1#frag",
        "https://user:pw@ci.example.com/",
        "https://[2001:db8::1]:8443/hook",
        "http://192.168.1.20/hook",
    ] {
        assert_eq!(with_method(webhook(ok)), Ok(()), "{ok}");
    }
    let (err, message, field) = refused(with_method(webhook("  ")));
    assert_eq!(err, E::MissingUrl("webhook"));
    assert_eq!(
        (message.as_str(), field),
        ("Enter the webhook URL.", "method.url")
    );
    for (bad, reason) in [
        (
            "ftp://ci.example.com/hook",
            "it must start with https:// or http://",
        ),
        (
            "ci.example.com/hook",
            "it must start with https:// or http://",
        ),
        (
            "javascript:alert(1)",
            "it must start with https:// or http://",
        ),
        ("http:///hook", "the server name is missing"),
        ("https://:8080/hook", "the server name is missing"),
        (
            "https://ci.example.com:0/",
            "the port must be a number from 1 to 65535",
        ),
        (
            "https://ci.example.com:99999/",
            "the port must be a number from 1 to 65535",
        ),
        (
            "https://ci.example.com:http/",
            "the port must be a number from 1 to 65535",
        ),
        (
            "https://ci.example .com/",
            "it contains spaces or control characters",
        ),
        ("https://[2001:db8::1/", "the IPv6 address is malformed"),
    ] {
        let (err, message, field) = refused(with_method(webhook(bad)));
        assert_eq!(
            err,
            E::InvalidUrl {
                label: "webhook",
                reason
            },
            "{bad}"
        );
        assert_eq!(field, "method.url");
        assert!(message.ends_with(&format!("{reason}.")), "{message}");
    }
}

#[test]
fn webhook_url_to_localhost_or_127_0_0_1_is_refused_like_quay() {
    for bad in [
        "http://localhost:8080/hook",
        "http://LOCALHOST/hook",
        "http://127.0.0.1:9000/",
        "http://localhost./",
    ] {
        let (err, message, field) = refused(with_method(webhook(bad)));
        assert_eq!(err, E::LoopbackUrl, "{bad}");
        assert_eq!(field, "method.url");
        assert!(message.contains("Quay refuses"), "{message}");
    }
    // Quay blocks only those two names; other loopback addresses reach a Quay on this machine.
    for ok in [
        "http://127.0.0.2:8080/hooks/x",
        "http://[::1]:8080/",
        "http://inbox.localhost/",
    ] {
        assert_eq!(with_method(webhook(ok)), Ok(()), "{ok}");
    }
    // Names that merely contain "localhost" are real hosts.
    assert_eq!(
        with_method(webhook("https://localhost.example.com/")),
        Ok(())
    );
}

#[test]
fn url_messages_never_quote_the_url() {
    let secret = "s3cr3t-path-token";
    for url in [
        format!("ftp://h.example.com/{secret}"),
        format!("http://localhost/{secret}"),
        format!("https://h.example.com:0/{secret}"),
    ] {
        let message = check_url(&url, "webhook").unwrap_err().to_string();
        assert!(!message.contains(secret), "{message}");
    }
}

#[test]
fn template_must_be_json_text_with_filled_expressions() {
    for ok in [
        r#"{"text": "${repository} pushed ${updated_tags[0]}"}"#,
        r#"["${repository}", 1, null]"#,
        r#""${repository}""#,
        r#"{"${namespace}": true, "price": "$5 {not an expression}"}"#,
    ] {
        assert_eq!(check_template(ok), Ok(()), "{ok}");
        let method = QuayMethodSpec::Webhook {
            url: "https://h.example.com".into(),
            template: ok.into(),
        };
        assert_eq!(with_method(method), Ok(()), "{ok}");
    }
    for bad in ["{text: 1}", r#"{"a": 1,}"#, "not json", r#"{"a": "b""#] {
        let method = QuayMethodSpec::Webhook {
            url: "https://h.example.com".into(),
            template: bad.into(),
        };
        let (err, message, field) = refused(with_method(method));
        assert!(matches!(err, E::TemplateNotJson(_)), "{bad}: {err:?}");
        assert_eq!(field, "method.template");
        assert!(
            message.contains("must be a JSON document") && message.contains("line 1"),
            "{message}"
        );
    }
    for bad in [r#"{"text": "${}"}"#, r#"{"text": "a ${ } b"}"#] {
        assert_eq!(
            check_template(bad),
            Err(E::TemplateEmptyExpression),
            "{bad}"
        );
    }
    let message = E::TemplateEmptyExpression.to_string();
    assert!(message.contains("${repository}"), "{message}");
}

#[test]
fn slack_url_follows_the_same_url_rules() {
    let slack = |url: &str| QuayMethodSpec::Slack { url: url.into() };
    assert_eq!(
        with_method(slack(
            "https://hooks.slack.com/services/T0AAA/B0BBB/cccccccccccccccc"
        )),
        Ok(())
    );
    // Slack-compatible receivers (Mattermost, Rocket.Chat) live elsewhere; Quay accepts them.
    assert_eq!(
        with_method(slack("https://chat.example.com/hooks/abc123")),
        Ok(())
    );
    let (err, message, field) = refused(with_method(slack("")));
    assert_eq!(err, E::MissingUrl("Slack webhook"));
    assert_eq!(
        (message.as_str(), field),
        ("Enter the Slack webhook URL.", "method.url")
    );
    let (err, _, _) = refused(with_method(slack("hooks.slack.com/services/x")));
    assert!(matches!(
        err,
        E::InvalidUrl {
            label: "Slack webhook",
            ..
        }
    ));
}

#[test]
fn email_must_be_an_address() {
    let email = |e: &str| QuayMethodSpec::Email { email: e.into() };
    for ok in [
        "ops@example.com",
        " ops+quay@mail.example.co.uk ",
        "\"odd@name\"@example.com",
    ] {
        assert_eq!(with_method(email(ok)), Ok(()), "{ok}");
    }
    let (err, message, field) = refused(with_method(email(" ")));
    assert_eq!(err, E::MissingEmail);
    assert_eq!(
        (message.as_str(), field),
        ("Enter the e-mail address to notify.", "method.email")
    );
    for (bad, reason) in [
        ("ops.example.com", "it has no @"),
        ("@example.com", "nothing comes before the @"),
        (
            "ops@localhost",
            "the part after the @ is not a domain such as example.com",
        ),
        (
            "ops@.example.com",
            "the part after the @ is not a domain such as example.com",
        ),
        (
            "ops@example..com",
            "the part after the @ is not a domain such as example.com",
        ),
        (
            "ops@example.com.",
            "the part after the @ is not a domain such as example.com",
        ),
        ("ops @example.com", "it contains spaces"),
    ] {
        let (err, message, field) = refused(with_method(email(bad)));
        assert_eq!(err, E::InvalidEmail(reason), "{bad}");
        assert_eq!(field, "method.email");
        assert_eq!(
            message,
            format!("The e-mail address is not valid: {reason}.")
        );
    }
    assert_eq!(check_email("  a@b.co ").unwrap(), "a@b.co");
}

#[test]
fn quay_notification_targets_mirror_quays_lookups() {
    let target = |kind, name: &str| QuayMethodSpec::QuayNotification {
        target: QuayTarget {
            kind,
            name: name.into(),
        },
    };
    assert_eq!(with_method(target(QuayTargetKind::User, "alice")), Ok(()));
    assert_eq!(with_method(target(QuayTargetKind::Team, "ops")), Ok(()));
    assert_eq!(with_method(target(QuayTargetKind::Org, "acme")), Ok(()));

    let (err, message, field) = refused(with_method(target(QuayTargetKind::Team, " ")));
    assert_eq!(err, E::MissingTargetName);
    assert_eq!(field, "method.target");
    assert!(message.contains("user, team or organization"));

    let (err, message, _) = refused(with_method(target(QuayTargetKind::User, "acme+deployer")));
    assert_eq!(err, E::RobotTarget("acme+deployer".into()));
    assert!(message.contains("robot"), "{message}");

    let (err, message, field) = refused(with_method(target(QuayTargetKind::Org, "other")));
    assert_eq!(
        err,
        E::OrgTargetMismatch {
            org: "other".into(),
            namespace: "acme".into()
        }
    );
    assert_eq!(field, "method.target");
    assert!(
        message.contains("\"acme\"") && message.contains("\"other\""),
        "{message}"
    );

    for bad in ["al ice", "acme/ops", "a\u{7}b"] {
        let (err, _, _) = refused(with_method(target(QuayTargetKind::User, bad)));
        assert_eq!(err, E::InvalidTargetName(bad.into()));
    }
}

#[test]
fn flowdock_and_hipchat_need_their_tokens() {
    let (err, message, field) = refused(with_method(QuayMethodSpec::Flowdock {
        flow_api_token: " ".into(),
    }));
    assert_eq!(err, E::MissingFlowdockToken);
    assert_eq!(
        (message.as_str(), field),
        ("Enter the Flowdock flow API token.", "method.flowApiToken")
    );

    let hipchat = |room: &str, token: &str| QuayMethodSpec::Hipchat {
        room_id: room.into(),
        notification_token: token.into(),
    };
    assert_eq!(with_method(hipchat(" 1234567 ", "tok")), Ok(()));
    let (err, _, field) = refused(with_method(hipchat("", "tok")));
    assert_eq!((err, field), (E::MissingHipchatRoom, "method.roomId"));
    let (err, message, field) = refused(with_method(hipchat("dev-room", "tok")));
    assert_eq!((err, field), (E::InvalidHipchatRoom, "method.roomId"));
    assert!(message.contains("must be a number"));
    let (err, _, field) = refused(with_method(hipchat("1234567", " ")));
    assert_eq!(
        (err, field),
        (E::MissingHipchatToken, "method.notificationToken")
    );
}

#[test]
fn expiry_days_run_from_1_to_3650() {
    let expiry = |days| {
        create(
            QuayEventSpec::RepoImageExpiry { days },
            webhook("https://h.example.com"),
        )
    };
    assert_eq!(expiry(1), Ok(()));
    assert_eq!(expiry(3650), Ok(()));
    for bad in [0, 3651, u32::MAX] {
        let (err, message, field) = refused(expiry(bad));
        assert_eq!(err, E::ExpiryDaysOutOfRange(bad));
        assert_eq!(field, "event.days");
        assert!(message.contains("from 1 to 3650"), "{message}");
    }
}

#[test]
fn ref_regex_must_be_balanced() {
    for ok in [
        "refs/heads/main",
        "(refs/heads/main)|(refs/tags/v.*)",
        r"refs/tags/v\d+\.\d+",
        "refs/heads/(?:release|hotfix)/.*",
        "refs/heads/[(]weird[)]",
        "refs/heads/[]x]",
        r"refs/heads/\(literal",
        "(?P<branch>main)",
    ] {
        assert_eq!(check_python_regex(ok), Ok(()), "{ok}");
    }
    for (bad, reason) in [
        ("(refs/heads/main", "a ( is not closed"),
        ("refs/heads/main)", "a ) has no matching ("),
        ("refs/heads/[main", "a [ is not closed"),
        ("refs/heads/main\\", "it ends with a lone \\"),
        ("*main", "* or + follows nothing"),
        ("main|+x", "* or + follows nothing"),
        ("(*)", "* or + follows nothing"),
    ] {
        assert_eq!(check_python_regex(bad), Err(reason), "{bad}");
        let (err, message, field) = refused(create(
            QuayEventSpec::BuildStart {
                ref_regex: bad.into(),
            },
            webhook("https://h.example.com"),
        ));
        assert_eq!(err, E::InvalidRefRegex(reason));
        assert_eq!(field, "event.refRegex");
        assert!(message.contains("never notify"), "{message}");
    }
}

#[test]
fn repository_names_are_checked_before_they_reach_a_path() {
    let draft = QuayNotificationDraft {
        title: String::new(),
        event: QuayEventSpec::RepoPush,
        method: webhook("https://h.example.com"),
    };
    assert!(validate_create(&QuayRepoRef::new("acme", "team/app"), &draft).is_ok());
    for (repo, field) in [
        (QuayRepoRef::new("", "web"), "namespace"),
        (QuayRepoRef::new("ac/me", "web"), "namespace"),
        (QuayRepoRef::new("acme", ""), "repository"),
        (QuayRepoRef::new("acme", "../user"), "repository"),
        (QuayRepoRef::new("acme", "web/"), "repository"),
        (QuayRepoRef::new("acme", "web#x"), "repository"),
        (QuayRepoRef::new("acme", "w b"), "repository"),
        (QuayRepoRef::new("acme", "web%2F"), "repository"),
    ] {
        let err = validate_create(&repo, &draft).unwrap_err();
        assert_eq!(err.field(), field, "{repo}");
        assert!(err.to_string().starts_with('"'), "{err}");
    }
}

#[test]
fn uuids_must_be_hyphenated_and_are_lower_cased() {
    let uuid = "0b6f3c1e-2d4a-4f7e-9a51-7c2e8d3b4f10";
    assert_eq!(validate_uuid(uuid).unwrap(), uuid);
    assert_eq!(validate_uuid(&uuid.to_uppercase()).unwrap(), uuid);
    for bad in [
        "",
        "0b6f3c1e2d4a4f7e9a517c2e8d3b4f10",
        "{0b6f3c1e-2d4a-4f7e-9a51-7c2e8d3b4f10}",
        "urn:uuid:0b6f3c1e-2d4a-4f7e-9a51-7c2e8d3b4f10",
        "0b6f3c1e-2d4a-4f7e-9a51-7c2e8d3b4f1/",
    ] {
        assert_eq!(validate_uuid(bad), Err(E::InvalidUuid), "{bad}");
    }
    assert_eq!(E::InvalidUuid.field(), "uuid");
}

#[test]
fn page_and_page_size_are_bounded() {
    use registry::quay::paths::tags_query;
    assert_eq!(tags_query(0, 50), Err(E::InvalidPage));
    assert_eq!(tags_query(1, 0), Err(E::InvalidPageSize(0)));
    assert_eq!(tags_query(1, 101), Err(E::InvalidPageSize(101)));
    assert!(tags_query(1, 101)
        .unwrap_err()
        .to_string()
        .contains("1 to 100"));
}
