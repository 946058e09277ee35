//! Points notifications at a new URL, as after Wharf's receiver moved: each one is read again,
//! given the URL the caller says it should now use, and replaced by the safe edit (Quay cannot
//! change a notification, so the new one is created before the old one is deleted; DTR's too
//! when the endpoint changes).

use super::actions::{ActionItem, ActionResult};
use super::edit::{self, EditOutcome};
use super::source::Source;
use super::spec::NotificationSpec;
use super::target::Target;
use crate::listing::{self, Progress};
use std::future::Ready;

/// No check between the create and the delete: a repoint is not tested.
type NoCheck = fn(String) -> Ready<Result<String, String>>;

/// Repoints every item, at most `concurrency` at a time. `new_url` maps a notification's URL to
/// the one it should use (the same URL when it is already right), or says why it cannot.
pub async fn repoint_all(
    source: &Source,
    items: Vec<ActionItem>,
    new_url: impl Fn(&str) -> Result<String, String> + Sync,
    concurrency: usize,
    progress: impl FnMut(Progress),
) -> Vec<ActionResult> {
    let new_url = &new_url;
    listing::bounded(
        items,
        concurrency,
        |item| async move { repoint(source, &item.target, &item.id, new_url).await },
        progress,
    )
    .await
    .into_iter()
    .map(|(item, result)| {
        let (ok, message) = match result {
            Ok(message) => (true, message),
            Err(message) => (false, message),
        };
        ActionResult { item, ok, message }
    })
    .collect()
}

async fn repoint(
    source: &Source,
    target: &Target,
    id: &str,
    new_url: &(impl Fn(&str) -> Result<String, String> + Sync),
) -> Result<String, String> {
    let found = source
        .list(target)
        .await
        .map_err(|e| e.to_string())?
        .into_iter()
        .find(|f| f.row.id == id)
        .ok_or("It is no longer on the registry.")?;
    let spec = found.spec?;
    let old = spec
        .url()
        .ok_or("It does not deliver to a URL.")?
        .to_owned();
    let to = new_url(&old)?;
    if to == old {
        return Ok("Already points at the receiver.".into());
    }
    let next = spec.with_url(&to);
    let no_check: Option<NoCheck> = None;
    match edit::replace(source, target, id, &next, no_check).await {
        EditOutcome::Replaced { .. } | EditOutcome::Updated { .. } => {
            Ok(format!("Now delivers to {}.", where_to(&to)))
        }
        EditOutcome::NotCreated { message } => Err(format!(
            "Could not create its replacement ({message}); it still points at the old address."
        )),
        EditOutcome::CheckFailed { message, .. } => Err(message),
        EditOutcome::OldNotDeleted { message, .. } => Err(format!(
            "The replacement exists, but the old one could not be deleted ({message}); delete it \
             by hand."
        )),
    }
}

/// The scheme, host and port of a URL, never its path (a route's token is its only secret).
fn where_to(url: &str) -> &str {
    let after_scheme = url.find("://").map_or(0, |i| i + 3);
    match url[after_scheme..].find('/') {
        Some(i) => &url[..after_scheme + i],
        None => url,
    }
}

impl NotificationSpec {
    /// The same notification delivering to `url` (a webhook's URL, a DTR endpoint); other
    /// methods have no URL and are returned as they are.
    pub fn with_url(&self, url: &str) -> Self {
        let mut next = self.clone();
        match &mut next {
            Self::Quay(draft) => {
                if let crate::quay::QuayMethodSpec::Webhook { url: old, .. } = &mut draft.method {
                    *old = url.to_owned();
                }
            }
            Self::Dtr(spec) => spec.endpoint = url.to_owned(),
        }
        next
    }
}

#[cfg(test)]
mod tests {
    use super::where_to;

    #[test]
    fn only_the_address_of_a_route_is_said() {
        assert_eq!(
            where_to("http://192.0.2.2:47842/hooks/SECRETTOKEN"),
            "http://192.0.2.2:47842"
        );
        assert_eq!(where_to("https://hooks.example"), "https://hooks.example");
    }
}
