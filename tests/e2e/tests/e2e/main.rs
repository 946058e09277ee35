//! The end-to-end tests, in one binary: the plumbing they stand on (dunst, gnome-keyring), the
//! real window, and whole workflows against the fake registries. `tests/e2e/run.sh` sets up the
//! session and runs them one at a time.

mod benchmarks;
mod connections;
mod email;
mod fleet;
mod forward;
mod inbox;
mod keyboard;
mod plumbing;
mod receiver_move;
mod repositories;
mod routes;
mod rows;
mod search;
mod settings;
mod webkit;
mod window;
mod workflows;
