//! What changed for the worse between two scans: notifications that became disabled or started
//! failing. The background re-scan raises a toast with [`Watch::observe`]'s answer.

use std::collections::{HashMap, HashSet};

use uuid::Uuid;

use super::source::{FleetRow, FleetState};

/// The states seen by the last scan of each connection.
#[derive(Debug, Default)]
pub struct Watch {
    states: HashMap<String, FleetState>,
    baselined: HashSet<Uuid>,
}

fn key(row: &FleetRow) -> String {
    format!("{}\u{0}{}\u{0}{}", row.connection_id, row.target, row.id)
}

fn rank(state: FleetState) -> u8 {
    match state {
        FleetState::Ok | FleetState::Inactive => 0,
        FleetState::Failing => 1,
        FleetState::Disabled => 2,
    }
}

impl Watch {
    /// Records a complete scan of `scanned` connections and returns the rows that got worse
    /// since their previous scan (ok → failing or disabled, failing → disabled, or new and
    /// already failing). The first scan of a connection only sets its baseline.
    pub fn observe<'a>(&mut self, scanned: &[Uuid], rows: &'a [FleetRow]) -> Vec<&'a FleetRow> {
        let worse = rows
            .iter()
            .filter(|r| self.baselined.contains(&r.connection_id))
            .filter(|r| {
                let before = self.states.get(&key(r)).copied().unwrap_or(FleetState::Ok);
                rank(r.state) > rank(before)
            })
            .collect();
        self.states
            .retain(|k, _| !scanned.iter().any(|id| k.starts_with(&id.to_string())));
        self.states.extend(rows.iter().map(|r| (key(r), r.state)));
        self.baselined.extend(scanned);
        worse
    }
}

/// A toast's title and body for rows that got worse.
pub fn toast_words(worse: &[&FleetRow]) -> (String, String) {
    let disabled = worse
        .iter()
        .filter(|r| r.state == FleetState::Disabled)
        .count();
    let failing = worse.len() - disabled;
    let title = match (disabled, failing) {
        (0, n) => format!("{n} notification{} started failing", plural(n)),
        (n, 0) => format!("Quay disabled {n} notification{}", plural(n)),
        (d, f) => format!("{d} notification{} disabled, {f} failing", plural(d)),
    };
    let mut lines: Vec<String> = worse
        .iter()
        .take(3)
        .map(|r| format!("{} {} → {}", r.target, r.event, r.destination))
        .collect();
    if worse.len() > 3 {
        lines.push(format!("and {} more: see Overview", worse.len() - 3));
    }
    (title, lines.join("\n"))
}

fn plural(n: usize) -> &'static str {
    if n == 1 {
        ""
    } else {
        "s"
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::connection::ConnectionKind;
    use crate::fleet::Target;

    fn row(connection: Uuid, id: &str, state: FleetState) -> FleetRow {
        FleetRow {
            connection_id: connection,
            connection: "q".into(),
            registry: ConnectionKind::Quay,
            target: Target::repository("acme", "web"),
            id: id.into(),
            title: None,
            event: "repo_push".into(),
            method: "webhook".into(),
            destination: "Webhook → h/x".into(),
            url: None,
            failures: Some(0),
            state,
            last_success: None,
        }
    }

    #[test]
    fn only_changes_for_the_worse_after_a_baseline_count() {
        let (a, b) = (Uuid::new_v4(), Uuid::new_v4());
        let mut watch = Watch::default();
        let first = [
            row(a, "1", FleetState::Failing),
            row(a, "2", FleetState::Ok),
        ];
        assert!(
            watch.observe(&[a], &first).is_empty(),
            "the first scan is a baseline"
        );
        let second = [
            row(a, "1", FleetState::Disabled),
            row(a, "2", FleetState::Ok),
            row(a, "3", FleetState::Failing),
            row(b, "9", FleetState::Disabled),
        ];
        let worse: Vec<&str> = watch
            .observe(&[a, b], &second)
            .iter()
            .map(|r| r.id.as_str())
            .collect();
        assert_eq!(worse, ["1", "3"], "b had no baseline yet");
        let third = [
            row(a, "1", FleetState::Ok),
            row(b, "9", FleetState::Disabled),
        ];
        assert!(
            watch.observe(&[a, b], &third).is_empty(),
            "better is not news"
        );
        let fourth = [row(a, "1", FleetState::Disabled)];
        assert_eq!(watch.observe(&[a], &fourth).len(), 1);
        let (title, body) = toast_words(&watch_rows(&fourth));
        assert_eq!(title, "Quay disabled 1 notification");
        assert_eq!(body, "acme/web repo_push → Webhook → h/x");
    }

    fn watch_rows(rows: &[FleetRow]) -> Vec<&FleetRow> {
        rows.iter().collect()
    }

    #[test]
    fn toast_words_count_both_and_cut_long_lists() {
        let a = Uuid::new_v4();
        let rows: Vec<FleetRow> = (0..5)
            .map(|i| {
                row(
                    a,
                    &i.to_string(),
                    if i < 2 {
                        FleetState::Disabled
                    } else {
                        FleetState::Failing
                    },
                )
            })
            .collect();
        let (title, body) = toast_words(&rows.iter().collect::<Vec<_>>());
        assert_eq!(title, "2 notifications disabled, 3 failing");
        assert!(body.ends_with("and 2 more: see Overview"), "{body}");
    }
}
