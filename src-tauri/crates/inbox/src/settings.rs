//! The user's settings: receiver address and limits, public base URL, retention, toast rules and
//! theme, in `settings.json` next to the connections file. The app's Settings screen edits them;
//! [`Settings::inbox_config`] turns them into what the [`crate::Inbox`] runs with. Every default
//! comes from the module that owns it ([`crate::receiver`], [`crate::retention`]).

use std::net::{IpAddr, Ipv4Addr, SocketAddr, UdpSocket};
use std::path::{Path, PathBuf};
use std::time::Duration;

use serde::{Deserialize, Serialize};
use ts_rs::TS;

use crate::receiver::{ReceiverConfig, DEFAULT_BODY_LIMIT, DEFAULT_PORT};
use crate::retention::RetentionPolicy;
use crate::runtime::InboxConfig;
use crate::toast_policy::ToastRules;

const MIB: usize = 1024 * 1024;
const DAY: u64 = 24 * 3600;

/// Overrides for scripted runs and tests; they win over the file.
pub const BIND_ENV: &str = "WHARF_RECEIVER_BIND";
/// See [`BIND_ENV`].
pub const PORT_ENV: &str = "WHARF_RECEIVER_PORT";
/// See [`BIND_ENV`].
pub const PUBLIC_BASE_URL_ENV: &str = "WHARF_PUBLIC_BASE_URL";

/// A setting the environment decides for this run, whatever the file says.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[ts(export_to = "inbox.ts")]
#[serde(rename_all = "camelCase")]
pub struct EnvOverride {
    /// The setting, by its name in [`Settings`] (`receiverPort`, ...).
    pub field: String,
    /// The variable, such as `WHARF_RECEIVER_PORT`.
    pub variable: String,
    /// Its value.
    pub value: String,
}

/// The settings the environment overrides now (the screen shows them beside their fields, so
/// a saved value that does not apply is never shown as if it did).
pub fn environment_overrides() -> Vec<EnvOverride> {
    [
        ("receiverBind", BIND_ENV),
        ("receiverPort", PORT_ENV),
        ("publicBaseUrl", PUBLIC_BASE_URL_ENV),
        ("fleetRescanMinutes", RESCAN_SECONDS_ENV),
    ]
    .into_iter()
    .filter_map(|(field, variable)| {
        let value = std::env::var(variable).ok()?;
        Some(EnvOverride {
            field: field.to_owned(),
            variable: variable.to_owned(),
            value,
        })
    })
    .collect()
}

/// Light, dark, or whatever the desktop uses.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, TS)]
#[ts(export_to = "inbox.ts")]
#[serde(rename_all = "camelCase")]
pub enum Theme {
    /// Follow the desktop.
    #[default]
    System,
    /// Always light.
    Light,
    /// Always dark.
    Dark,
}

/// What listening on every interface (0.0.0.0 or ::) exposes, or `None` for any other address.
pub fn all_interfaces_warning(bind: IpAddr) -> Option<&'static str> {
    bind.is_unspecified().then_some(
        "The receiver listens on every interface: anyone on every network this machine joins \
         (Wi-Fi, VPN, container bridges) can reach it. Bind one LAN address instead unless that \
         is what you want.",
    )
}

/// The largest body limit. SQLite stores a row of at most 1,000,000,000 bytes (its default
/// SQLITE_MAX_LENGTH); a body that fits the limit must also fit a row with its headers.
pub const MAX_BODY_LIMIT_MIB: u32 = 512;

/// The longest background re-scan interval: a day.
pub const MAX_RESCAN_MINUTES: u32 = 24 * 60;

/// Overrides [`Settings::fleet_rescan_minutes`] in seconds (tests and demos cannot wait minutes).
pub const RESCAN_SECONDS_ENV: &str = "WHARF_FLEET_RESCAN_SECONDS";

/// Everything the Settings screen edits.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[ts(export_to = "inbox.ts")]
#[serde(rename_all = "camelCase", default)]
pub struct Settings {
    /// The address the receiver listens on: 127.0.0.1 (this machine only) or a LAN address.
    pub receiver_bind: String,
    /// The receiver's port.
    pub receiver_port: u16,
    /// Base of "Send to Wharf" URLs when a tunnel or proxy fronts the receiver.
    pub public_base_url: Option<String>,
    /// Larger bodies are refused with 413.
    pub body_limit_mib: u32,
    /// Keep at most this many deliveries.
    #[ts(type = "number | null")]
    pub retention_max_count: Option<u64>,
    /// Keep deliveries at most this many days.
    pub retention_max_days: Option<u32>,
    /// Keep the inbox database under this many MiB (refused deliveries go first).
    pub retention_max_mib: Option<u32>,
    /// Which deliveries raise a desktop notification.
    pub toast_rules: ToastRules,
    /// Colour scheme.
    pub theme: Theme,
    /// Re-scan every notification of every connection this often (minutes) and raise a toast
    /// when one became disabled or started failing; 0 is off.
    pub fleet_rescan_minutes: u32,
}

impl Default for Settings {
    fn default() -> Self {
        let retention = RetentionPolicy::default();
        Self {
            receiver_bind: ReceiverConfig::default().addr.ip().to_string(),
            receiver_port: DEFAULT_PORT,
            public_base_url: None,
            body_limit_mib: (DEFAULT_BODY_LIMIT / MIB) as u32,
            retention_max_count: retention.max_count,
            retention_max_days: retention.max_age.map(|age| (age.as_secs() / DAY) as u32),
            retention_max_mib: retention.max_bytes.map(|b| (b / MIB as u64) as u32),
            toast_rules: ToastRules::default(),
            theme: Theme::System,
            fleet_rescan_minutes: 0,
        }
    }
}

/// A settings field, by its name in the saved file and in the UI's form.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, TS)]
#[ts(export_to = "inbox.ts")]
#[serde(rename_all = "camelCase")]
pub enum SettingsField {
    /// [`Settings::receiver_bind`].
    ReceiverBind,
    /// [`Settings::public_base_url`].
    PublicBaseUrl,
    /// [`Settings::body_limit_mib`].
    BodyLimitMib,
    /// [`Settings::retention_max_count`].
    RetentionMaxCount,
    /// [`Settings::retention_max_days`].
    RetentionMaxDays,
    /// [`Settings::retention_max_mib`].
    RetentionMaxMib,
    /// [`Settings::fleet_rescan_minutes`].
    FleetRescanMinutes,
}

impl SettingsField {
    /// The name as serialised (`receiverBind`, ...).
    pub fn name(self) -> String {
        serde_json::to_value(self)
            .ok()
            .and_then(|v| v.as_str().map(str::to_owned))
            .unwrap_or_default()
    }
}

/// A field the user got wrong, with a sentence saying how to put it right.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct InvalidSetting {
    /// The field.
    pub field: SettingsField,
    /// What is wrong with it.
    pub message: String,
}

/// Why settings could not be saved.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SaveError {
    /// A field is invalid; nothing was written.
    #[error(transparent)]
    Invalid(#[from] InvalidSetting),
    /// The file could not be written.
    #[error("Could not save {path}: {error}")]
    Io {
        /// The settings file.
        path: String,
        /// What the system said.
        error: String,
    },
}

impl Settings {
    /// The settings file inside a config folder.
    pub fn path(config_dir: &Path) -> PathBuf {
        config_dir.join("settings.json")
    }

    /// Reads the file; a missing file gives the defaults, a damaged one an error to show.
    /// A damaged or invalid file (a hand-edited `retentionMaxCount: 0` would empty the inbox) is
    /// moved aside to `settings.json.rejected`, so the defaults in use are never mistaken for it
    /// and the next save does not destroy it.
    pub fn load(config_dir: &Path) -> Result<Self, String> {
        let path = Self::path(config_dir);
        let problem = match std::fs::read(&path) {
            Ok(bytes) => match serde_json::from_slice::<Self>(&bytes) {
                Ok(settings) => match settings.validate() {
                    Ok(()) => return Ok(settings),
                    Err(invalid) => format!("is invalid ({invalid})"),
                },
                Err(e) => format!("is damaged ({e})"),
            },
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Self::default()),
            Err(e) => return Err(format!("cannot read {}: {e}", path.display())),
        };
        let aside = path.with_extension("json.rejected");
        let kept = match std::fs::rename(&path, &aside) {
            Ok(()) => format!("it was moved to {}", aside.display()),
            Err(e) => format!("it could not be moved aside: {e}"),
        };
        Err(format!(
            "{} {problem}; defaults are in use and {kept}",
            path.display()
        ))
    }

    /// Validates and writes the file atomically (temporary file, then rename).
    pub fn save(&self, config_dir: &Path) -> Result<(), SaveError> {
        self.validate()?;
        let path = Self::path(config_dir);
        let temp = path.with_extension("json.tmp");
        let json = serde_json::to_vec_pretty(self).expect("settings serialise");
        std::fs::create_dir_all(config_dir)
            .and_then(|()| std::fs::write(&temp, json))
            .and_then(|()| std::fs::rename(&temp, &path))
            .map_err(|e| SaveError::Io {
                path: path.display().to_string(),
                error: e.to_string(),
            })
    }

    /// Checks every field, with a sentence per mistake.
    pub fn validate(&self) -> Result<(), InvalidSetting> {
        use SettingsField::*;
        let invalid = |field: SettingsField, m: &str| {
            Err(InvalidSetting {
                field,
                message: m.to_owned(),
            })
        };
        if self.receiver_bind.trim().parse::<IpAddr>().is_err() {
            return invalid(
                ReceiverBind,
                "The bind address must be an IP address, such as 127.0.0.1 or 192.168.1.20.",
            );
        }
        if let Some(url) = self
            .public_base_url
            .as_deref()
            .filter(|u| !u.trim().is_empty())
        {
            let url = url.trim();
            let rest = url
                .strip_prefix("http://")
                .or_else(|| url.strip_prefix("https://"));
            if rest.is_none_or(|r| r.is_empty() || r.starts_with('/')) {
                return invalid(
                    PublicBaseUrl,
                    "The public base URL must start with http:// or https:// and name a host.",
                );
            }
        }
        if !(1..=MAX_BODY_LIMIT_MIB).contains(&self.body_limit_mib) {
            return invalid(
                BodyLimitMib,
                "The body limit must be between 1 and 512 MiB.",
            );
        }
        let at_least_one = "Retention limits must be at least 1 (leave a limit empty for none).";
        if self.retention_max_count == Some(0) {
            return invalid(RetentionMaxCount, at_least_one);
        }
        if self.retention_max_days == Some(0) {
            return invalid(RetentionMaxDays, at_least_one);
        }
        if self.retention_max_mib == Some(0) {
            return invalid(RetentionMaxMib, at_least_one);
        }
        if self.fleet_rescan_minutes > MAX_RESCAN_MINUTES {
            return invalid(
                FleetRescanMinutes,
                "The re-scan interval must be at most 1440 minutes (a day); 0 turns it off.",
            );
        }
        Ok(())
    }

    /// Where the receiver should listen: the environment overrides, else these settings.
    pub fn receiver_addr(&self) -> Result<SocketAddr, String> {
        let ip: IpAddr = match std::env::var(BIND_ENV) {
            Ok(v) => v
                .parse()
                .map_err(|_| format!("{BIND_ENV}={v:?} is not an IP address"))?,
            Err(_) => self.receiver_bind.trim().parse().map_err(|_| {
                format!("bind address {:?} is not an IP address", self.receiver_bind)
            })?,
        };
        let port: u16 = match std::env::var(PORT_ENV) {
            Ok(v) => v
                .parse()
                .map_err(|_| format!("{PORT_ENV}={v:?} is not a port number"))?,
            Err(_) => self.receiver_port,
        };
        Ok(SocketAddr::new(ip, port))
    }

    /// The configured public base URL, the environment's first.
    pub fn public_base_url(&self) -> Option<String> {
        std::env::var(PUBLIC_BASE_URL_ENV)
            .ok()
            .or_else(|| self.public_base_url.clone())
            .map(|u| u.trim().trim_end_matches('/').to_owned())
            .filter(|u| !u.is_empty())
    }

    /// How often the background re-scan runs, `None` when off; the environment's first.
    pub fn fleet_rescan_interval(&self) -> Option<Duration> {
        let seconds = match std::env::var(RESCAN_SECONDS_ENV)
            .ok()
            .and_then(|v| v.trim().parse::<u64>().ok())
        {
            Some(seconds) => seconds,
            None => u64::from(self.fleet_rescan_minutes.min(MAX_RESCAN_MINUTES)) * 60,
        };
        (seconds > 0).then(|| Duration::from_secs(seconds))
    }

    /// What the background pruner keeps.
    pub fn retention(&self) -> RetentionPolicy {
        RetentionPolicy {
            max_count: self.retention_max_count,
            max_age: self
                .retention_max_days
                .map(|days| Duration::from_secs(u64::from(days) * DAY)),
            max_bytes: self
                .retention_max_mib
                .map(|mib| u64::from(mib) * MIB as u64),
        }
    }

    /// What the inbox runs with under these settings (and the environment's overrides).
    pub fn inbox_config(&self) -> InboxConfig {
        InboxConfig {
            receiver: self.receiver_addr().map(|addr| ReceiverConfig {
                addr,
                body_limit: self.body_limit_mib as usize * MIB,
                public_host: self.public_base_url().and_then(|url| {
                    let rest = url.split_once("://")?.1;
                    let authority = rest.split('/').next()?;
                    let host = authority.rsplit_once('@').map_or(authority, |(_, h)| h);
                    Some(host.rsplit_once(':').map_or(host, |(h, _)| h).to_owned())
                }),
                ..ReceiverConfig::default()
            }),
            public_base_url: self.public_base_url(),
            retention: self.retention(),
            toast_rules: self.toast_rules.clone(),
            forward_timing: crate::forward::ForwardTiming::default(),
        }
    }
}

/// The address this machine uses to reach other networks, which is the one a registry on the
/// LAN can most likely reach. A UDP `connect` only picks a route; it sends nothing.
pub fn lan_address() -> Option<IpAddr> {
    let socket = UdpSocket::bind((Ipv4Addr::UNSPECIFIED, 0)).ok()?;
    socket.connect((Ipv4Addr::new(192, 0, 2, 1), 9)).ok()?;
    let ip = socket.local_addr().ok()?.ip();
    (!ip.is_loopback() && !ip.is_unspecified()).then_some(ip)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_are_valid_and_round_trip_through_the_file() {
        let dir = std::env::temp_dir().join(format!("wharf-settings-{}", std::process::id()));
        assert_eq!(Settings::load(&dir), Ok(Settings::default()));
        let s = Settings {
            public_base_url: Some("https://hooks.example.com/wharf".into()),
            theme: Theme::Dark,
            ..Settings::default()
        };
        s.save(&dir).unwrap();
        assert_eq!(Settings::load(&dir), Ok(s));
        std::fs::write(Settings::path(&dir), b"{not json").unwrap();
        assert!(Settings::load(&dir).unwrap_err().contains("damaged"));
        let aside = Settings::path(&dir).with_extension("json.rejected");
        assert_eq!(std::fs::read(&aside).unwrap(), b"{not json", "kept aside");
        // Valid JSON with an invalid value is refused too, not used.
        std::fs::write(Settings::path(&dir), br#"{"retentionMaxCount": 0}"#).unwrap();
        let why = Settings::load(&dir).unwrap_err();
        assert!(
            why.contains("invalid") && why.contains("at least 1"),
            "{why}"
        );
        assert!(!Settings::path(&dir).exists());
        assert_eq!(Settings::load(&dir), Ok(Settings::default()));
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn the_receiver_accepts_the_public_base_urls_host() {
        std::env::remove_var(PUBLIC_BASE_URL_ENV);
        let s = Settings {
            public_base_url: Some("https://u:p@Hooks.Example.com:8443/wharf".into()),
            ..Settings::default()
        };
        let receiver = s.inbox_config().receiver.unwrap();
        assert_eq!(receiver.public_host.as_deref(), Some("Hooks.Example.com"));
        assert_eq!(
            Settings::default()
                .inbox_config()
                .receiver
                .unwrap()
                .public_host,
            None
        );
    }

    #[test]
    fn only_all_interface_binds_are_warned_about() {
        for bind in ["0.0.0.0", "::"] {
            assert!(
                all_interfaces_warning(bind.parse().unwrap()).is_some(),
                "{bind}"
            );
        }
        for bind in ["127.0.0.1", "192.168.1.20", "::1"] {
            assert!(
                all_interfaces_warning(bind.parse().unwrap()).is_none(),
                "{bind}"
            );
        }
    }

    #[test]
    fn the_background_rescan_is_off_by_default_and_in_minutes() {
        // Only this test touches the variable.
        std::env::remove_var(RESCAN_SECONDS_ENV);
        assert_eq!(Settings::default().fleet_rescan_interval(), None);
        let every_5 = Settings {
            fleet_rescan_minutes: 5,
            ..Settings::default()
        };
        assert_eq!(
            every_5.fleet_rescan_interval(),
            Some(Duration::from_secs(300))
        );
        // A file written before the field existed still loads, with the re-scan off.
        let old: Settings = serde_json::from_str(r#"{"receiverPort": 9000}"#).unwrap();
        assert_eq!(old.fleet_rescan_minutes, 0);
    }

    #[test]
    fn mistakes_are_refused_with_a_sentence_naming_the_field() {
        type Break = fn(&mut Settings);
        let cases: [(Break, &str, &str); 7] = [
            (
                |s| s.fleet_rescan_minutes = MAX_RESCAN_MINUTES + 1,
                "fleetRescanMinutes",
                "at most 1440",
            ),
            (
                |s| s.receiver_bind = "my-laptop".into(),
                "receiverBind",
                "IP address",
            ),
            (
                |s| s.public_base_url = Some("hooks.example.com".into()),
                "publicBaseUrl",
                "http://",
            ),
            (
                |s| s.public_base_url = Some("https://".into()),
                "publicBaseUrl",
                "http://",
            ),
            (
                |s| s.body_limit_mib = 0,
                "bodyLimitMib",
                "between 1 and 512",
            ),
            (
                |s| s.retention_max_count = Some(0),
                "retentionMaxCount",
                "at least 1",
            ),
            (
                |s| s.retention_max_days = Some(0),
                "retentionMaxDays",
                "at least 1",
            ),
        ];
        for (break_it, field, says) in cases {
            let mut s = Settings::default();
            break_it(&mut s);
            let err = s.validate().unwrap_err();
            assert_eq!(err.field.name(), field, "{}", err.message);
            assert!(err.message.contains(says), "{}", err.message);
        }
        assert_eq!(Settings::default().validate(), Ok(()));
    }

    #[test]
    fn defaults_are_the_inbox_defaults() {
        let config = Settings::default().inbox_config();
        assert_eq!(config.receiver.unwrap().body_limit, DEFAULT_BODY_LIMIT);
        assert_eq!(config.retention, RetentionPolicy::default());
    }
}
