//! A hello-world Tauri 2 window: what `npm create tauri-app` gives, minus its greet command.
//! Wharf's memory is measured against it (tests/memory/measure.sh).

fn main() {
    tauri::Builder::default()
        .run(tauri::generate_context!())
        .expect("the hello window runs");
}
