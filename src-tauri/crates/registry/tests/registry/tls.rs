//! TLS options against a real HTTPS server on 127.0.0.1 with a certificate from a throwaway CA.

use rcgen::{
    BasicConstraints, CertificateParams, CertifiedIssuer, DnType, IsCa, KeyPair, KeyUsagePurpose,
};
use registry::dtr::client::DtrClient;
use registry::dtr::{DtrError, DtrValidationError};
use registry::network::NetworkCause;
use registry::quay::client::QuayClient;
use registry::quay::QuayError;
use registry::tls::{http_client, parse_ca_bundle, TlsError, TlsOptions, UNTRUSTED_CERT_MESSAGE};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;
use tokio_native_tls::native_tls;

const TOKEN: &str = "s3cret-token-value";

/// A CA and a server certificate for 127.0.0.1 signed by it, as PEM.
struct Pki {
    ca_pem: String,
    server_cert_pem: String,
    server_key_pem: String,
}

fn pki() -> Pki {
    let ca_key = KeyPair::generate().unwrap();
    let mut ca_params = CertificateParams::new(Vec::<String>::new()).unwrap();
    ca_params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    ca_params
        .distinguished_name
        .push(DnType::CommonName, "Wharf test CA");
    ca_params.key_usages = vec![
        KeyUsagePurpose::KeyCertSign,
        KeyUsagePurpose::CrlSign,
        KeyUsagePurpose::DigitalSignature,
    ];
    let ca = CertifiedIssuer::self_signed(ca_params, ca_key).unwrap();

    let server_key = KeyPair::generate().unwrap();
    let mut server_params = CertificateParams::new(vec!["127.0.0.1".to_owned()]).unwrap();
    server_params
        .distinguished_name
        .push(DnType::CommonName, "127.0.0.1");
    let server_cert = server_params.signed_by(&server_key, &ca).unwrap();
    Pki {
        ca_pem: ca.pem(),
        server_cert_pem: server_cert.pem(),
        server_key_pem: server_key.serialize_pem(),
    }
}

/// Serves HTTPS on 127.0.0.1: every request gets a Quay-like `/user/` answer. Returns the base
/// URL and the number of requests that made it through the handshake.
async fn serve(pki: &Pki) -> (String, Arc<AtomicUsize>) {
    let identity = native_tls::Identity::from_pkcs8(
        pki.server_cert_pem.as_bytes(),
        pki.server_key_pem.as_bytes(),
    )
    .unwrap();
    let acceptor = tokio_native_tls::TlsAcceptor::from(
        native_tls::TlsAcceptor::builder(identity).build().unwrap(),
    );
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let served = Arc::new(AtomicUsize::new(0));
    let counter = served.clone();
    tokio::spawn(async move {
        loop {
            let Ok((tcp, _)) = listener.accept().await else {
                return;
            };
            let acceptor = acceptor.clone();
            let counter = counter.clone();
            tokio::spawn(async move {
                let Ok(mut stream) = acceptor.accept(tcp).await else {
                    return;
                };
                let mut request = Vec::new();
                let mut buf = [0u8; 4096];
                while !request.windows(4).any(|w| w == b"\r\n\r\n") {
                    match stream.read(&mut buf).await {
                        Ok(0) | Err(_) => return,
                        Ok(n) => request.extend_from_slice(&buf[..n]),
                    }
                }
                counter.fetch_add(1, Ordering::SeqCst);
                let body = br#"{"anonymous":false,"username":"alice"}"#;
                let head = format!(
                    "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
                    body.len()
                );
                let _ = stream.write_all(head.as_bytes()).await;
                let _ = stream.write_all(body).await;
                let _ = stream.shutdown().await;
            });
        }
    });
    (format!("https://127.0.0.1:{port}"), served)
}

#[tokio::test]
async fn untrusted_certificate_is_refused_with_an_actionable_message() {
    let pki = pki();
    let (base, served) = serve(&pki).await;

    let client = QuayClient::with_tls(&base, TOKEN, &TlsOptions::default()).unwrap();
    let err = client.verify().await.unwrap_err();
    let QuayError::Network(failure) = &err else {
        panic!("expected Network, got {err:?}")
    };
    assert_eq!(failure.cause, NetworkCause::UntrustedCertificate);
    let text = err.to_string();
    assert!(text.contains(&UNTRUSTED_CERT_MESSAGE[1..]), "{text}");
    assert!(!err.to_string().contains(TOKEN), "{err}");

    let dtr = DtrClient::with_tls(&base, "alice", TOKEN, &TlsOptions::default()).unwrap();
    let err = dtr.verify().await.unwrap_err();
    let DtrError::Network(failure) = &err else {
        panic!("expected Network, got {err:?}")
    };
    assert_eq!(failure.cause, NetworkCause::UntrustedCertificate);
    let text = err.to_string();
    assert!(text.contains(&UNTRUSTED_CERT_MESSAGE[1..]), "{text}");
    assert!(text.ends_with("DTR serves its CA at /ca."), "{text}");
    assert!(!err.to_string().contains(TOKEN), "{err}");

    assert_eq!(served.load(Ordering::SeqCst), 0, "no request got through");
}

#[tokio::test]
async fn custom_ca_makes_the_server_trusted() {
    let pki = pki();
    let (base, served) = serve(&pki).await;
    let tls = TlsOptions {
        ca_pem: Some(pki.ca_pem.clone()),
        accept_invalid_certs: false,
    };

    let user = QuayClient::with_tls(&base, TOKEN, &tls)
        .unwrap()
        .verify()
        .await
        .unwrap();
    assert_eq!(user.username, "alice");

    let plain = http_client(&tls).unwrap().get(&base).send().await.unwrap();
    assert_eq!(plain.status(), 200);
    assert_eq!(served.load(Ordering::SeqCst), 2);
}

#[tokio::test]
async fn another_ca_does_not_make_the_server_trusted() {
    let pki = pki();
    let other = self::pki();
    let (base, served) = serve(&pki).await;
    let tls = TlsOptions {
        ca_pem: Some(other.ca_pem),
        accept_invalid_certs: false,
    };
    let err = http_client(&tls)
        .unwrap()
        .get(&base)
        .send()
        .await
        .unwrap_err();
    assert!(registry::tls::is_untrusted_cert(&err), "{err:?}");
    assert_eq!(served.load(Ordering::SeqCst), 0);
}

#[tokio::test]
async fn accept_invalid_certs_works_without_the_ca() {
    let pki = pki();
    let (base, served) = serve(&pki).await;
    let tls = TlsOptions {
        ca_pem: None,
        accept_invalid_certs: true,
    };

    let user = QuayClient::with_tls(&base, TOKEN, &tls)
        .unwrap()
        .verify()
        .await
        .unwrap();
    assert_eq!(user.username, "alice");
    let plain = http_client(&tls).unwrap().get(&base).send().await.unwrap();
    assert_eq!(plain.status(), 200);
    assert_eq!(served.load(Ordering::SeqCst), 2);
}

#[test]
fn ca_bundle_must_parse() {
    let pki = pki();
    let other = self::pki();
    let bundle = format!("{}\n{}", pki.ca_pem, other.ca_pem);
    assert_eq!(parse_ca_bundle(&bundle).unwrap().len(), 2);

    assert!(matches!(
        parse_ca_bundle("not pem"),
        Err(TlsError::InvalidCa(_))
    ));
    let garbage = "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n";
    assert!(matches!(
        parse_ca_bundle(garbage),
        Err(TlsError::InvalidCa(_))
    ));

    let bad = TlsOptions {
        ca_pem: Some("not pem".into()),
        accept_invalid_certs: false,
    };
    assert!(matches!(http_client(&bad), Err(TlsError::InvalidCa(_))));
    assert!(matches!(
        DtrClient::with_tls("https://dtr.example.com", "alice", TOKEN, &bad),
        Err(DtrError::Invalid(DtrValidationError::InvalidTlsCert))
    ));
    assert!(matches!(
        QuayClient::with_tls("https://quay.example.com", TOKEN, &bad),
        Err(QuayError::Network(_))
    ));
    // Blank means "no custom CA".
    let blank = TlsOptions {
        ca_pem: Some("  \n".into()),
        accept_invalid_certs: false,
    };
    assert!(http_client(&blank).is_ok());
}

#[test]
fn tls_options_default_to_verifying_and_use_camel_case() {
    let default = TlsOptions::default();
    assert!(!default.accept_invalid_certs);
    assert_eq!(default.ca_bundle(), None);
    let parsed: TlsOptions = serde_json::from_str("{}").unwrap();
    assert_eq!(parsed, default);
    let json = serde_json::to_value(TlsOptions {
        ca_pem: Some("pem".into()),
        accept_invalid_certs: true,
    })
    .unwrap();
    assert_eq!(
        json,
        serde_json::json!({"caPem": "pem", "acceptInvalidCerts": true})
    );
}
