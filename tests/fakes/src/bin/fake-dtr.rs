//! `fake-dtr --bind 127.0.0.1 --port 0 [--version 2.6|2.7] [--token TOKEN]`: starts a fake DTR
//! (2.7 answers by default) seeded with user `alice` (basic auth `alice:TOKEN`, default token
//! `fake-dtr-token`), organization `payments` (admin `alice`), private `payments/api` (tags
//! `v1.4.2`, `v1.4.1`) and public `payments/web` (tag `latest`), prints its base URL on the
//! first line of stdout, and serves until Ctrl-C.
//!
//! Drive it over HTTP with the `/__fake/` routes: `POST /__fake/simulate?namespace=&repository=&type=`,
//! `GET /__fake/requests`, `GET /__fake/deliveries`, `POST /__fake/fault` (JSON
//! `{"kind":"status","status":429,"count":2}`, `{"kind":"hang"}`, `{"kind":"truncated_json"}`,
//! `{"kind":"wrong_content_type"}`), `POST /__fake/latency?ms=N`, `POST /__fake/clear-faults`,
//! `POST /__fake/ignore-repository-writes?on=true|false` (repository writes answer but change
//! nothing).

use fakes::dtr::{DtrVersion, FakeDtr};
use std::io::Write;
use std::net::{IpAddr, SocketAddr};

fn usage() -> ! {
    eprintln!("usage: fake-dtr [--bind 127.0.0.1] [--port N] [--version 2.6|2.7] [--token TOKEN]");
    std::process::exit(2)
}

#[tokio::main]
async fn main() {
    let mut bind: IpAddr = [127, 0, 0, 1].into();
    let mut port: u16 = 0;
    let mut version = DtrVersion::V2_7;
    let mut token = "fake-dtr-token".to_owned();
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        let mut value = || args.next().unwrap_or_else(|| usage());
        match arg.as_str() {
            "--bind" => bind = value().parse().unwrap_or_else(|_| usage()),
            "--port" => port = value().parse().unwrap_or_else(|_| usage()),
            "--token" => token = value(),
            "--version" => {
                version = match value().as_str() {
                    "2.6" => DtrVersion::V2_6,
                    "2.7" => DtrVersion::V2_7,
                    _ => usage(),
                }
            }
            _ => usage(),
        }
    }
    let fake = match FakeDtr::bind(SocketAddr::new(bind, port), version).await {
        Ok(fake) => fake,
        Err(err) => {
            eprintln!("fake-dtr: cannot listen on {bind}:{port}: {err}");
            std::process::exit(1)
        }
    };
    fake.add_user("alice", &token, false);
    fake.add_org("payments", &["alice"], &[]);
    fake.add_repo("payments", "api", false, &["v1.4.2", "v1.4.1"]);
    fake.add_repo("payments", "web", true, &["latest"]);
    println!("{}", fake.base_url());
    let _ = std::io::stdout().flush();
    let _ = tokio::signal::ctrl_c().await;
}
