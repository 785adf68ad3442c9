//! `cargo xtask generate` writes every generated file; `cargo xtask check` lists the stale ones
//! and exits 1. `cargo xtask glibc BINARY` prints the newest glibc the binary needs and exits 1
//! when that is newer than the floor of old control-plane nodes (glibc 2.17).

use std::process::ExitCode;

fn main() -> ExitCode {
    let command = std::env::args().nth(1).unwrap_or_default();
    let outcome = match command.as_str() {
        "generate" => xtask::generated().and_then(|files| {
            for (path, text) in files {
                let file = xtask::root().join(&path);
                if let Some(dir) = file.parent() {
                    std::fs::create_dir_all(dir)
                        .map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
                }
                std::fs::write(&file, text)
                    .map_err(|e| format!("cannot write {}: {e}", path.display()))?;
                println!("wrote {}", path.display());
            }
            Ok(true)
        }),
        "check" => xtask::stale().map(|stale| {
            for path in &stale {
                eprintln!("stale: {} (run `cargo xtask generate`)", path.display());
            }
            stale.is_empty()
        }),
        "glibc" => match std::env::args_os().nth(2) {
            Some(binary) => xtask::glibc::required_by(binary.as_ref()).map(|required| {
                let floor = xtask::glibc::OLD_NODES_FLOOR;
                let binary = binary.to_string_lossy();
                match xtask::glibc::check(&required, floor) {
                    Ok(highest) => {
                        println!("{binary}: needs glibc {highest}, within the floor {floor}");
                        true
                    }
                    Err(why) => {
                        eprintln!("{binary}: {why}");
                        false
                    }
                }
            }),
            None => Err("usage: cargo xtask glibc BINARY".to_string()),
        },
        _ => Err("usage: cargo xtask generate | check | glibc BINARY".to_string()),
    };
    match outcome {
        Ok(true) => ExitCode::SUCCESS,
        Ok(false) => ExitCode::FAILURE,
        Err(error) => {
            eprintln!("error: {error}");
            ExitCode::from(2)
        }
    }
}
