//! `fake-quay --bind 127.0.0.1 --port 0 [--token TOKEN]`: starts a fake Quay seeded with a demo
//! user `alice` (token from `--token`, default `fake-quay-token`, every scope), organization
//! `acme` (admin `alice`), private `acme/web` (tags `latest`, `v1.0`) and public `acme/api`,
//! prints its base URL on the first line of stdout, and serves until Ctrl-C.
//!
//! Drive it over HTTP with the `/__fake/` routes: `POST /__fake/simulate?namespace=&repository=&event=`,
//! `GET /__fake/requests`, `GET /__fake/deliveries`, `POST /__fake/fault` (JSON
//! `{"kind":"status","status":429,"count":2}`, `{"kind":"hang"}`, `{"kind":"truncated_json"}`,
//! `{"kind":"wrong_content_type"}`), `POST /__fake/latency?ms=N`, `POST /__fake/clear-faults`,
//! `POST /__fake/ignore-repository-writes?on=true|false` (repository writes answer but change
//! nothing).

use fakes::quay::{FakeQuay, FakeTag, Scope};
use std::io::Write;
use std::net::{IpAddr, SocketAddr};

fn usage() -> ! {
    eprintln!("usage: fake-quay [--bind 127.0.0.1] [--port N] [--token TOKEN]");
    std::process::exit(2)
}

#[tokio::main]
async fn main() {
    let mut bind: IpAddr = [127, 0, 0, 1].into();
    let mut port: u16 = 0;
    let mut token = "fake-quay-token".to_owned();
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        let mut value = || args.next().unwrap_or_else(|| usage());
        match arg.as_str() {
            "--bind" => bind = value().parse().unwrap_or_else(|_| usage()),
            "--port" => port = value().parse().unwrap_or_else(|_| usage()),
            "--token" => token = value(),
            _ => usage(),
        }
    }
    let fake = match FakeQuay::bind(SocketAddr::new(bind, port)).await {
        Ok(fake) => fake,
        Err(err) => {
            eprintln!("fake-quay: cannot listen on {bind}:{port}: {err}");
            std::process::exit(1)
        }
    };
    fake.add_user("alice");
    fake.add_token(&token, "alice", &Scope::ALL);
    fake.add_org("acme", &["alice"], &[]);
    fake.add_repo("acme", "web", false);
    fake.add_repo("acme", "api", true);
    let _ = fake.add_tag("acme", "web", FakeTag::new("latest", 1_718_012_345));
    let _ = fake.add_tag("acme", "web", FakeTag::new("v1.0", 1_718_000_000));
    println!("{}", fake.base_url());
    let _ = std::io::stdout().flush();
    let _ = tokio::signal::ctrl_c().await;
}
