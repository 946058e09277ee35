//! Creating, changing and deleting repositories on DTR (`/api/v0/repositories`): the request
//! bodies and the checks DTR applies (the name rule is [`validate_repository`]'s).

use serde::Serialize;

use super::models::DtrVisibility;
use super::validate::{validate_repository, DtrValidationError};

/// Longest short description DTR stores, in bytes (DTR measures with Go's `len`, so 47
/// Japanese characters are already too many).
pub const MAX_SHORT_DESCRIPTION: usize = 140;

/// The body of `POST /api/v0/repositories/{namespace}`; only [`create_request`] builds one.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct CreateRepositoryRequest {
    name: String,
    visibility: DtrVisibility,
    short_description: String,
    long_description: String,
    scan_on_push: bool,
    immutable_tags: bool,
}

/// What a new repository starts with besides its name.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct NewRepository<'a> {
    /// Anyone may pull.
    pub public: bool,
    /// At most 140 bytes.
    pub short_description: &'a str,
    /// Markdown.
    pub long_description: &'a str,
    /// Scan every pushed image.
    pub scan_on_push: bool,
    /// Refuse pushes that would move an existing tag.
    pub immutable_tags: bool,
}

/// Checks a new repository and builds the body that creates it.
pub fn create_request(
    namespace: &str,
    name: &str,
    new: &NewRepository<'_>,
) -> Result<CreateRepositoryRequest, DtrValidationError> {
    validate_repository(namespace, name)?;
    check_short_description(new.short_description)?;
    Ok(CreateRepositoryRequest {
        name: name.to_owned(),
        visibility: visibility(new.public),
        short_description: new.short_description.to_owned(),
        long_description: new.long_description.to_owned(),
        scan_on_push: new.scan_on_push,
        immutable_tags: new.immutable_tags,
    })
}

/// The body of `PATCH /api/v0/repositories/{namespace}/{name}`: only the fields to change
/// (DTR keeps the others; there is no rename).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct UpdateRepositoryRequest {
    #[serde(skip_serializing_if = "Option::is_none")]
    visibility: Option<DtrVisibility>,
    #[serde(skip_serializing_if = "Option::is_none")]
    short_description: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    long_description: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    scan_on_push: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    immutable_tags: Option<bool>,
}

/// What to change; `None` leaves a field as DTR has it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RepositoryUpdate<'a> {
    /// Anyone may pull.
    pub public: Option<bool>,
    /// At most 140 bytes.
    pub short_description: Option<&'a str>,
    /// Markdown.
    pub long_description: Option<&'a str>,
    /// Scan every pushed image.
    pub scan_on_push: Option<bool>,
    /// Refuse pushes that would move an existing tag.
    pub immutable_tags: Option<bool>,
}

/// Checks a change and builds its body.
pub fn update_request(
    update: &RepositoryUpdate<'_>,
) -> Result<UpdateRepositoryRequest, DtrValidationError> {
    if let Some(short) = update.short_description {
        check_short_description(short)?;
    }
    Ok(UpdateRepositoryRequest {
        visibility: update.public.map(visibility),
        short_description: update.short_description.map(str::to_owned),
        long_description: update.long_description.map(str::to_owned),
        scan_on_push: update.scan_on_push,
        immutable_tags: update.immutable_tags,
    })
}

fn visibility(public: bool) -> DtrVisibility {
    if public {
        DtrVisibility::Public
    } else {
        DtrVisibility::Private
    }
}

fn check_short_description(text: &str) -> Result<(), DtrValidationError> {
    if text.len() > MAX_SHORT_DESCRIPTION {
        return Err(DtrValidationError::ShortDescriptionTooLong(text.len()));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bodies_carry_dtrs_field_names_and_only_what_changes() {
        let new = NewRepository {
            public: true,
            short_description: "Front end",
            long_description: "# Web",
            scan_on_push: true,
            immutable_tags: false,
        };
        let body = create_request("acme", "web", &new).unwrap();
        assert_eq!(
            serde_json::to_value(&body).unwrap(),
            serde_json::json!({"name": "web", "visibility": "public",
                "shortDescription": "Front end", "longDescription": "# Web",
                "scanOnPush": true, "immutableTags": false})
        );
        let patch = update_request(&RepositoryUpdate {
            public: Some(false),
            long_description: Some(""),
            ..RepositoryUpdate::default()
        })
        .unwrap();
        assert_eq!(
            serde_json::to_value(&patch).unwrap(),
            serde_json::json!({"visibility": "private", "longDescription": ""})
        );
    }

    #[test]
    fn names_and_short_descriptions_are_checked_first() {
        let plain = NewRepository::default();
        assert!(matches!(
            create_request("acme", "Web", &plain),
            Err(DtrValidationError::InvalidRepository { .. })
        ));
        assert!(matches!(
            create_request("acme", "a/b", &plain),
            Err(DtrValidationError::InvalidRepository { .. })
        ));
        let short = |text: &str| {
            update_request(&RepositoryUpdate {
                short_description: Some(text),
                ..RepositoryUpdate::default()
            })
        };
        assert_eq!(
            short(&"x".repeat(141)),
            Err(DtrValidationError::ShortDescriptionTooLong(141))
        );
        assert!(short(&"é".repeat(70)).is_ok());
        assert_eq!(
            short(&"é".repeat(71)),
            Err(DtrValidationError::ShortDescriptionTooLong(142))
        );
    }
}
