// Prevents an extra console window on Windows in release builds.
#![cfg_attr(not(debug_assertions), windows_subsystem = "windows")]

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
