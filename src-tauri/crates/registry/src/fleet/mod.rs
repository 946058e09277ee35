//! Fleet work: the notifications of every repository of many connections at once.
//!
//! - [`source`]: one connection walked target by target, as rows ([`FleetRow`]) and specs.
//! - [`scan`]: the overview scan, streaming rows as targets answer.
//! - [`actions`]: bulk reset / test / delete / pause / resume, each read back.
//! - [`spec`]: a notification without id or state, equivalence, and secrets hidden for files.
//! - [`plan`]: create / skip / cannot / prune plans, apply with an undo.
//! - [`set`]: notification sets as files (export, then plan and apply on any connection).
//! - [`edit`]: safe edit (create the new one, then delete the old one).
//! - [`repoint`]: notifications moved to a new URL by safe edit (after the receiver moved).
//! - [`watch`]: what got worse between two scans, for the background re-scan's toast.

pub mod actions;
pub mod edit;
pub mod plan;
pub mod repoint;
pub mod scan;
pub mod set;
pub mod source;
pub mod spec;
pub mod target;
pub mod watch;

pub use source::{FleetProblem, FleetRow, FleetState, Found, Source};
pub use spec::NotificationSpec;
pub use target::Target;
