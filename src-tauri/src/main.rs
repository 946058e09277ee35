// Prevents an extra console window on Windows in release builds.
#![cfg_attr(not(debug_assertions), windows_subsystem = "windows")]

/// glibc's allocator spent a fifth of the receiver's ingest time in contended arenas and
/// `malloc_consolidate` (bodies are allocated on the HTTP threads and freed on the store's writer
/// thread); mimalloc took the receiver's throughput up by about a fifth (docs/benchmarks.md).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() {
    std::process::exit(wharf_lib::cli::main(std::env::args().collect()));
}
