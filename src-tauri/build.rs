// Declaring the app's commands makes Tauri generate `allow-<command>` permissions and check every
// invoke against the capabilities, instead of letting any local page call any command.
const COMMANDS: &[&str] = include!("src/command_names.rs");

fn main() {
    tauri_build::try_build(
        tauri_build::Attributes::new()
            .app_manifest(tauri_build::AppManifest::new().commands(COMMANDS)),
    )
    .expect("failed to run tauri-build");
}
