//! Recognition never panics, whatever arrives: every fixture mutated thousands of times, at the
//! byte level (flips, cuts, splices) and at the JSON level (any value swapped for another type),
//! with and without a route hint. Deterministic, so a failure reproduces; `cargo fuzz` (see
//! `fuzz/`) explores further.

use std::path::PathBuf;

use inbox::recognize::{recognize, recognize_on_route, RouteHint, Source, MAX_SUMMARY};
use serde_json::{json, Value};

/// xorshift64*: small, deterministic, good enough to pick mutations.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
}

fn fixtures() -> Vec<(String, Vec<u8>)> {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../tests/fixtures");
    let mut out = Vec::new();
    for dir in ["quay", "dtr"] {
        for entry in std::fs::read_dir(root.join(dir)).unwrap() {
            let path = entry.unwrap().path();
            out.push((path.display().to_string(), std::fs::read(&path).unwrap()));
        }
    }
    assert!(out.len() >= 15, "fixtures found: {}", out.len());
    out
}

fn hints() -> Vec<Option<RouteHint>> {
    let mut hints = vec![None];
    for (source, events) in [
        (
            Source::Quay,
            &[
                "repo_push",
                "build_failure",
                "vulnerability_found",
                "repo_image_expiry",
            ][..],
        ),
        (
            Source::Dtr,
            &["TAG_PUSH", "REPO_EVENT", "SCAN_FAILED", "CHART_PUSH"][..],
        ),
    ] {
        for event in events {
            hints.push(Some(RouteHint {
                source: Some(source),
                event: Some((*event).to_owned()),
            }));
        }
    }
    hints
}

/// Repositories a route may have been made for, the odd ones included: route fields are typed
/// by users.
const ROUTE_REPOSITORIES: [Option<&str>; 3] =
    [None, Some("testorg/repo3"), Some("\u{0}a/\u{202e}b\n")];

const ODD_VALUES: fn() -> Vec<Value> = || {
    vec![
        Value::Null,
        json!(true),
        json!(-1),
        json!(1e308),
        json!(u64::MAX),
        json!(""),
        json!("\u{0}\u{202e}<script>"),
        json!("x".repeat(10_000)),
        json!([]),
        json!({}),
        json!([[[[[[]]]]]]),
        json!({"tags": null, "name": 5}),
    ]
};

/// Replaces one randomly chosen node of `v` with an odd value.
fn mutate_json(v: &mut Value, rng: &mut Rng, odd: &[Value]) {
    let children: usize = match v {
        Value::Object(m) => m.len(),
        Value::Array(a) => a.len(),
        _ => 0,
    };
    if children == 0 || rng.below(4) == 0 {
        *v = odd[rng.below(odd.len())].clone();
        return;
    }
    let i = rng.below(children);
    match v {
        Value::Object(m) => {
            let key = m.keys().nth(i).cloned().unwrap();
            mutate_json(m.get_mut(&key).unwrap(), rng, odd);
        }
        Value::Array(a) => mutate_json(&mut a[i], rng, odd),
        _ => unreachable!(),
    }
}

fn mutate_bytes(bytes: &[u8], rng: &mut Rng) -> Vec<u8> {
    let mut out = bytes.to_vec();
    for _ in 0..=rng.below(4) {
        if out.is_empty() {
            break;
        }
        let at = rng.below(out.len());
        match rng.below(4) {
            0 => out[at] ^= 1 << rng.below(8),
            1 => out.truncate(at),
            2 => out.insert(
                at,
                [b'{', b'[', b'"', b'\\', 0xff, b',', b':'][rng.below(7)],
            ),
            _ => {
                let end = (at + rng.below(64)).min(out.len());
                let piece = out[at..end].to_vec();
                let to = rng.below(out.len());
                out.splice(to..to, piece);
            }
        }
    }
    out
}

#[test]
fn json_level_mutations_never_panic() {
    let odd = ODD_VALUES();
    let hints = hints();
    let mut rng = Rng(0x5eed_1234_abcd_0001);
    let mut checked = 0;
    for (name, bytes) in fixtures() {
        let original: Value =
            serde_json::from_slice(&bytes).unwrap_or_else(|e| panic!("{name}: {e}"));
        for round in 0..400 {
            let mut v = original.clone();
            for _ in 0..=rng.below(3) {
                mutate_json(&mut v, &mut rng, &odd);
            }
            let body = serde_json::to_vec(&v).unwrap();
            let hint = &hints[round % hints.len()];
            let repository = ROUTE_REPOSITORIES[(round / hints.len()) % ROUTE_REPOSITORIES.len()];
            let result = std::panic::catch_unwind(|| {
                recognize_on_route(hint.as_ref(), repository, &[], &body)
            });
            let Ok(r) = result else {
                panic!("{name}: panicked on {}", String::from_utf8_lossy(&body));
            };
            assert!(r.summary.chars().count() <= MAX_SUMMARY, "{}", r.summary);
            for text in [
                Some(&r.summary),
                r.repository.as_ref(),
                r.route_mismatch.as_ref(),
            ] {
                assert!(
                    !text.is_some_and(|t| t.chars().any(char::is_control)),
                    "{text:?}"
                );
            }
            checked += 1;
        }
    }
    assert!(checked >= 6_000);
}

#[test]
fn byte_level_mutations_never_panic() {
    let hints = hints();
    let mut rng = Rng(0x5eed_1234_abcd_0002);
    for (name, bytes) in fixtures() {
        for round in 0..400 {
            let body = mutate_bytes(&bytes, &mut rng);
            let hint = &hints[round % hints.len()];
            let headers = vec![("content-type".to_owned(), vec![0xff, b'x'])];
            let result = std::panic::catch_unwind(|| recognize(hint.as_ref(), &headers, &body));
            assert!(result.is_ok(), "{name}: panicked on {body:?}");
        }
    }
}
