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
}

/// Checks a new repository and builds the body that creates it.
pub fn create_request(
    namespace: &str,
    name: &str,
    public: bool,
    short_description: &str,
    long_description: &str,
) -> Result<CreateRepositoryRequest, DtrValidationError> {
    validate_repository(namespace, name)?;
    check_short_description(short_description)?;
    Ok(CreateRepositoryRequest {
        name: name.to_owned(),
        visibility: visibility(public),
        short_description: short_description.to_owned(),
        long_description: long_description.to_owned(),
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
}

/// Checks a change and builds its body.
pub fn update_request(
    public: Option<bool>,
    short_description: Option<&str>,
    long_description: Option<&str>,
) -> Result<UpdateRepositoryRequest, DtrValidationError> {
    if let Some(short) = short_description {
        check_short_description(short)?;
    }
    Ok(UpdateRepositoryRequest {
        visibility: public.map(visibility),
        short_description: short_description.map(str::to_owned),
        long_description: long_description.map(str::to_owned),
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
        let body = create_request("acme", "web", true, "Front end", "# Web").unwrap();
        assert_eq!(
            serde_json::to_value(&body).unwrap(),
            serde_json::json!({"name": "web", "visibility": "public",
                "shortDescription": "Front end", "longDescription": "# Web"})
        );
        let patch = update_request(Some(false), None, Some("")).unwrap();
        assert_eq!(
            serde_json::to_value(&patch).unwrap(),
            serde_json::json!({"visibility": "private", "longDescription": ""})
        );
    }

    #[test]
    fn names_and_short_descriptions_are_checked_first() {
        assert!(matches!(
            create_request("acme", "Web", false, "", ""),
            Err(DtrValidationError::InvalidRepository { .. })
        ));
        assert!(matches!(
            create_request("acme", "a/b", false, "", ""),
            Err(DtrValidationError::InvalidRepository { .. })
        ));
        let long = "x".repeat(141);
        assert_eq!(
            update_request(None, Some(&long), None),
            Err(DtrValidationError::ShortDescriptionTooLong(141))
        );
        assert!(update_request(None, Some(&"é".repeat(70)), None).is_ok());
        assert_eq!(
            update_request(None, Some(&"é".repeat(71)), None),
            Err(DtrValidationError::ShortDescriptionTooLong(142))
        );
    }
}
