//! Recognition takes bytes straight from the network: no input may make it panic. The first
//! byte picks a route hint (none, or a Quay/DTR event), the rest is the body.
#![no_main]

use inbox::recognize::{recognize, RouteHint, Source};
use libfuzzer_sys::fuzz_target;

const EVENTS: [(Source, &str); 6] = [
    (Source::Quay, "repo_push"),
    (Source::Quay, "build_failure"),
    (Source::Quay, "vulnerability_found"),
    (Source::Dtr, "TAG_PUSH"),
    (Source::Dtr, "REPO_EVENT"),
    (Source::Dtr, "SCAN_COMPLETED"),
];

fuzz_target!(|data: &[u8]| {
    let Some((&pick, body)) = data.split_first() else {
        return;
    };
    let hint = EVENTS.get(usize::from(pick) % 8).map(|(source, event)| RouteHint {
        source: Some(*source),
        event: Some((*event).to_owned()),
    });
    let headers = vec![("content-type".to_owned(), b"application/json".to_vec())];
    let _ = recognize(hint.as_ref(), &headers, body);
});
