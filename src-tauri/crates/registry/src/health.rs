//! A connection's health: how its last verification went and when. It is kept with the
//! connection in the connections file (so it survives leaving the screen and a restart); it
//! holds the account name and the reason in words, never the token.

use serde::{Deserialize, Serialize};
use ts_rs::TS;

use crate::client::Account;
use crate::error::RegistryError;

/// The last verification of a connection.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[ts(export_to = "registry.ts")]
#[serde(rename_all = "camelCase")]
pub struct ConnectionHealth {
    /// When it ran, Unix milliseconds.
    #[ts(type = "number")]
    pub checked_at: i64,
    /// What it found.
    pub result: HealthResult,
}

/// What a verification found.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[ts(export_to = "registry.ts")]
#[serde(tag = "state", rename_all = "camelCase")]
pub enum HealthResult {
    /// The registry accepted the token.
    Verified {
        /// Whose token it is.
        account: Account,
    },
    /// It did not: a wrong token, an address nothing answers at, ...
    Failing {
        /// The sentence to show.
        reason: String,
        /// The transport's own words, for a "details" disclosure (network failures only).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        #[ts(optional)]
        detail: Option<String>,
    },
}

impl ConnectionHealth {
    /// Verified just now as `account`.
    pub fn verified(account: Account) -> Self {
        Self {
            checked_at: now_ms(),
            result: HealthResult::Verified { account },
        }
    }

    /// Failed just now with `error`.
    pub fn failing(error: &RegistryError) -> Self {
        Self {
            checked_at: now_ms(),
            result: HealthResult::Failing {
                reason: error.to_string(),
                detail: error.network_detail().map(str::to_owned),
            },
        }
    }

    /// Whether the last verification succeeded.
    pub fn is_verified(&self) -> bool {
        matches!(self.result, HealthResult::Verified { .. })
    }
}

fn now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_millis() as i64)
        .unwrap_or_default()
}
