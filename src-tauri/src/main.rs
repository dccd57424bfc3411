// No console window behind the app on Windows release builds.
#![cfg_attr(not(debug_assertions), windows_subsystem = "windows")]

use std::path::PathBuf;
use std::process::ExitCode;

const USAGE: &str = "usage: vantage-app [--workspace <folder>] | --export-bindings <file.ts>";

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let result = match args.iter().map(String::as_str).collect::<Vec<_>>().as_slice() {
        // Writes the UI's TypeScript bindings and exits (no window, no display needed).
        ["--export-bindings", file] => vantage_app::export_bindings(std::path::Path::new(file)),
        ["--workspace", dir] => vantage_app::run(Some(PathBuf::from(dir))),
        [] => vantage_app::run(None),
        _ => Err(USAGE.to_owned()),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("vantage-app: {e}");
            ExitCode::FAILURE
        }
    }
}
