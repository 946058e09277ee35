// Prevents an extra console window on Windows in release builds.
#![cfg_attr(not(debug_assertions), windows_subsystem = "windows")]

/// glibc's allocator spent a fifth of the receiver's ingest time in contended arenas and
/// `malloc_consolidate` (bodies are allocated on the HTTP threads and freed on the store's writer
/// thread); mimalloc took the receiver's throughput up by about a fifth (docs/benchmarks.md).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match wharf_lib::headless::parse(&args) {
        Ok(Some(opts)) => std::process::exit(wharf_lib::headless::run(opts)),
        Ok(None) => wharf_lib::run(),
        Err(message) => {
            eprintln!("{message}");
            std::process::exit(2);
        }
    }
}
