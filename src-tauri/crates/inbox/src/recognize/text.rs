//! Text taken from untrusted bodies: fields read as strings, cleaned of control and invisible
//! characters, capped, and joined into summaries.

use std::borrow::Cow;

use super::lazy::Obj;
use super::*;

/// `namespace/name`, each part cleaned on its own so junk cannot land around the slash.
pub(super) fn join_repo(namespace: Option<&str>, name: &str) -> Option<String> {
    let name = clean(name, MAX_REPO);
    let joined = match namespace.map(|ns| clean(ns, MAX_REPO)) {
        Some(ns) if !ns.is_empty() => format!("{ns}/{name}"),
        _ => name,
    };
    Some(clean(&joined, MAX_REPO)).filter(|r| !r.is_empty())
}

pub(super) fn str_at<'a>(obj: &Obj<'a>, key: &str) -> Option<Cow<'a, str>> {
    obj.get(key).and_then(|v| v.as_str())
}

/// A number (as written) or string field as text: counts and versions come as either across
/// versions.
pub(super) fn scalar_at(obj: &Obj<'_>, key: &str) -> Option<String> {
    let value = obj.get(key)?;
    match value.as_number_text() {
        Some(n) => Some(n.to_owned()),
        None => value.as_str().map(Cow::into_owned),
    }
}

/// Tags as a body lists them: the first [`MAX_TAGS`] non-empty ones kept (display-safe), all of
/// them counted, so a body with a million tags costs a hundred strings.
#[derive(Default)]
pub(super) struct Tags {
    pub kept: Vec<String>,
    pub total: usize,
}

impl Tags {
    pub fn push(&mut self, tag: &str) {
        self.total += 1;
        if self.kept.len() < MAX_TAGS {
            let tag = clean(tag, MAX_TAG);
            if !tag.is_empty() {
                self.kept.push(tag);
            }
        }
    }

    pub fn extend<'t>(&mut self, tags: impl IntoIterator<Item = &'t str>) {
        for tag in tags {
            self.push(tag);
        }
    }
}

/// A long repository name would push everything else out of the summary; the field keeps more.
pub(super) fn summary_repo(repo: Option<&str>) -> String {
    repo.map_or_else(
        || "unknown repository".into(),
        |r| clean(r, MAX_REPO_IN_SUMMARY),
    )
}

/// `total` counts the tags in the body, which may be more than the capped `tags`.
pub(super) fn tag_list(tags: &[String], total: usize) -> Option<String> {
    let shown = &tags[..tags.len().min(TAGS_IN_SUMMARY)];
    match total.saturating_sub(shown.len()) {
        _ if shown.is_empty() => None,
        0 => Some(shown.join(", ")),
        n => Some(format!("{} (+{n} more)", shown.join(", "))),
    }
}

/// `head` ending with `note` (where a fact came from, or how the route disagreed): the head is
/// cut to make room, so the note is never what [`MAX_SUMMARY`] cuts off.
pub(super) fn with_note(head: &str, note: Option<&str>) -> String {
    let Some(note) = note.map(|n| clean(n, MAX_SUMMARY / 2)) else {
        return clean(head, MAX_SUMMARY);
    };
    let room = MAX_SUMMARY - 1 - note.chars().count();
    format!("{} {note}", clean(head, room))
}

/// Free text from the body (error and mirror messages) for a summary, display-safe, without
/// the full stop Quay ends some messages with: whatever follows it, a separator, a note or a
/// stop added when the summary is shown, would otherwise make `..`.
pub(super) fn free_text(text: &str) -> Option<String> {
    let text = clean(text, MAX_TEXT);
    let text = text.trim_end_matches(['.', ' ']);
    Some(text.to_owned()).filter(|t| !t.is_empty())
}

pub(super) fn with_detail(head: String, detail: Option<String>) -> String {
    match detail.filter(|d| !d.is_empty()) {
        Some(d) => format!("{head}: {d}"),
        None => head,
    }
}

/// `sha256:` plus 12 hex digits is enough to tell digests apart at a glance.
pub(super) fn short_digest(digest: &str) -> String {
    let (algo, hex) = digest.split_once(':').unwrap_or(("", digest));
    let hex: String = hex.chars().take(12).collect();
    if algo.is_empty() {
        hex
    } else {
        format!("{algo}:{hex}")
    }
}

/// Invisible formatting characters that can hide or reorder text (zero-width, bidi overrides).
pub(super) fn is_invisible(c: char) -> bool {
    matches!(c, '\u{200B}'..='\u{200F}' | '\u{202A}'..='\u{202E}' | '\u{2060}'..='\u{2069}' | '\u{FEFF}')
}

/// One display-safe line: control, invisible and whitespace runs become one space, the ends are
/// trimmed, and the result is at most `max` characters, ending in `…` when cut.
pub(super) fn clean(s: &str, max: usize) -> String {
    // Built in place: called once per tag, so a push with many tags must not pay for a
    // `Vec<char>` and a second copy per tag.
    let mut out = String::with_capacity(s.len().min(max.saturating_mul(4)) + 4);
    let mut chars = 0usize;
    let mut gap = false;
    // Stops one past `max`, so a multi-megabyte string costs no more than a short one.
    for c in s.chars() {
        if c.is_control() || c.is_whitespace() || is_invisible(c) {
            gap = chars > 0;
            continue;
        }
        if gap {
            out.push(' ');
            chars += 1;
            gap = false;
        }
        out.push(c);
        chars += 1;
        if chars > max {
            let keep = max.saturating_sub(1);
            let cut = out.char_indices().nth(keep).map_or(out.len(), |(i, _)| i);
            out.truncate(cut);
            while out.ends_with(' ') {
                out.pop();
            }
            out.push('…');
            break;
        }
    }
    out
}
