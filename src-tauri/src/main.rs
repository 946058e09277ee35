// Prevents an extra console window on Windows in release builds.
#![cfg_attr(not(debug_assertions), windows_subsystem = "windows")]

/// Why this allocator, and how it is tuned: `inbox::allocator`.
#[global_allocator]
static ALLOCATOR: inbox::allocator::Allocator = inbox::allocator::Allocator;

fn main() {
    std::process::exit(wharf_lib::cli::main(std::env::args().collect()));
}
