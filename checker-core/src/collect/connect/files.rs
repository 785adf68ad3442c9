//! The files that say how to reach the platform: the kubeconfig, found and merged as kubectl
//! does, and the client config of one of its contexts; the token file and the CA file. Errors
//! name the file, never its content.

use std::path::{Path, PathBuf};

use kube::config::{KubeConfigOptions, Kubeconfig, KubeconfigError};
use secrecy::SecretString;

use super::ConnectError;

/// A kubeconfig read from its files, and how to name it in messages.
pub(super) struct Loaded {
    config: Kubeconfig,
    name: String,
}

/// The token of a token file, without the surrounding whitespace (`kubectl create token > FILE`
/// ends it with a newline, which kube would otherwise send).
pub(super) fn read_token_file(path: &Path) -> Result<SecretString, ConnectError> {
    let fail = |message: String| ConnectError::TokenFile {
        path: path.display().to_string(),
        message,
    };
    let text = std::fs::read(path).map_err(|e| fail(e.to_string()))?;
    let text = std::str::from_utf8(&text).map_err(|_| fail("not text".to_string()))?;
    if text.trim().is_empty() {
        return Err(fail("the file is empty".to_string()));
    }
    if text.trim().contains(char::is_whitespace) {
        return Err(fail(
            "the file must hold just the token, on one line".to_string(),
        ));
    }
    Ok(SecretString::from(text.trim()))
}

/// Checks that a CA file is readable PEM; kube reads it (and re-reads it when it changes).
pub(super) fn read_ca(path: &Path) -> Result<PathBuf, ConnectError> {
    let fail = |message: String| ConnectError::CaFile {
        path: path.display().to_string(),
        message,
    };
    let text = std::fs::read_to_string(path).map_err(|e| fail(e.to_string()))?;
    if !text.contains("-----BEGIN CERTIFICATE-----") {
        return Err(fail("no PEM CERTIFICATE block".to_string()));
    }
    Ok(std::path::absolute(path).unwrap_or_else(|_| path.to_path_buf()))
}

pub(super) fn default_kubeconfig() -> Option<PathBuf> {
    std::env::var_os("HOME")
        .filter(|h| !h.is_empty())
        .map(|home| PathBuf::from(home).join(".kube").join("config"))
}

/// The kubeconfig, as kubectl finds it: `--kubeconfig`, else the files of `KUBECONFIG`
/// (missing ones skipped, the others merged), else `~/.kube/config`; `None` when there is none.
pub(super) fn load_kubeconfig(explicit: Option<&Path>) -> Result<Option<Loaded>, ConnectError> {
    if let Some(path) = explicit {
        return read_one(path).map(Some);
    }
    if let Some(value) = std::env::var_os("KUBECONFIG").filter(|v| !v.is_empty()) {
        let paths: Vec<PathBuf> = std::env::split_paths(&value)
            .filter(|p| !p.as_os_str().is_empty())
            .collect();
        let mut merged: Option<Kubeconfig> = None;
        let mut names = Vec::new();
        for path in paths.iter().filter(|p| p.exists()) {
            let loaded = read_one(path)?;
            names.push(loaded.name);
            merged = Some(match merged {
                None => loaded.config,
                Some(m) => m
                    .merge(loaded.config)
                    .map_err(|e| ConnectError::Kubeconfig {
                        path: path.display().to_string(),
                        message: e.to_string(),
                    })?,
            });
        }
        return match merged {
            Some(config) => Ok(Some(Loaded {
                config,
                name: names.join(":"),
            })),
            None => Err(ConnectError::Kubeconfig {
                path: value.to_string_lossy().into_owned(),
                message: "KUBECONFIG names no existing file".to_string(),
            }),
        };
    }
    match default_kubeconfig() {
        Some(path) if path.exists() => read_one(&path).map(Some),
        _ => Ok(None),
    }
}

fn read_one(path: &Path) -> Result<Loaded, ConnectError> {
    let config = Kubeconfig::read_from(path).map_err(|error| ConnectError::Kubeconfig {
        path: path.display().to_string(),
        message: kubeconfig_message(&error),
    })?;
    Ok(Loaded {
        config,
        name: path.display().to_string(),
    })
}

/// A kubeconfig error without any of the file's content (which may hold credentials).
fn kubeconfig_message(error: &KubeconfigError) -> String {
    match error {
        KubeconfigError::ReadConfig(source, _) => source.to_string(),
        KubeconfigError::Parse(parse) => match parse.location() {
            Some(at) => format!(
                "not a valid kubeconfig (YAML error at line {}, column {})",
                at.line(),
                at.column()
            ),
            None => "not a valid kubeconfig (YAML error)".to_string(),
        },
        other => other.to_string(),
    }
}

/// The client config of a context (`None`: the current context).
pub(super) async fn context_config(
    loaded: &Loaded,
    context: Option<&str>,
) -> Result<kube::Config, ConnectError> {
    let available = || {
        let names: Vec<&str> = loaded
            .config
            .contexts
            .iter()
            .map(|c| c.name.as_str())
            .collect();
        if names.is_empty() {
            "(none)".to_string()
        } else {
            names.join(", ")
        }
    };
    let name = match context.or(loaded.config.current_context.as_deref()) {
        Some(name) if !name.is_empty() => name.to_string(),
        _ => {
            return Err(ConnectError::NoCurrentContext {
                kubeconfig: loaded.name.clone(),
                available: available(),
            });
        }
    };
    if !loaded.config.contexts.iter().any(|c| c.name == name) {
        return Err(ConnectError::UnknownContext {
            context: name,
            kubeconfig: loaded.name.clone(),
            available: available(),
        });
    }
    let options = KubeConfigOptions {
        context: Some(name.clone()),
        ..KubeConfigOptions::default()
    };
    kube::Config::from_custom_kubeconfig(loaded.config.clone(), &options)
        .await
        .map_err(|error| ConnectError::Context {
            context: name,
            kubeconfig: loaded.name.clone(),
            message: match &error {
                KubeconfigError::LoadClusterOfContext(cluster) => {
                    format!("its cluster `{cluster}` is not in the kubeconfig")
                }
                other => kubeconfig_message(other),
            },
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn token_files_must_hold_a_token() {
        let dir = tempfile::tempdir().expect("tempdir");
        let file = dir.path().join("token");
        std::fs::write(&file, "abc.def\n").expect("write");
        let token = read_token_file(&file).expect("a token");
        assert_eq!(secrecy::ExposeSecret::expose_secret(&token), "abc.def");
        assert!(!format!("{token:?}").contains("abc"));
        std::fs::write(&file, "  \n").expect("write");
        let error = read_token_file(&file).expect_err("empty");
        assert!(error.to_string().contains("is empty"), "{error}");
        let missing = dir.path().join("missing");
        let error = read_token_file(&missing).expect_err("missing");
        assert!(
            error
                .to_string()
                .starts_with(&format!("cannot read token file {}", missing.display())),
            "{error}"
        );
    }

    #[test]
    fn kubeconfig_parse_errors_do_not_quote_the_file() {
        let dir = tempfile::tempdir().expect("tempdir");
        let file = dir.path().join("config");
        std::fs::write(
            &file,
            "apiVersion: v1\nusers:\n- name: u\n  user:\n    token: [sekrit-token\n",
        )
        .expect("write");
        let Err(error) = read_one(&file) else {
            panic!("a broken kubeconfig was read");
        };
        let message = error.to_string();
        assert!(message.contains(&file.display().to_string()), "{message}");
        assert!(!message.contains("sekrit"), "{message}");
    }
}
