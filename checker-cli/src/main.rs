//! `acp-preflight`: is this Alauda Container Platform ready to be upgraded?
//!
//! `args` defines the flags (their doc comments are the `--help` text), `inputs` resolves them
//! into a plan of what to read, `commands/` has one file per subcommand, `render/` one file per
//! output format, and `exit` the exit codes.

mod args;
mod commands;
mod exit;
mod inputs;
mod render;

use std::io::{IsTerminal, Write};
use std::process::ExitCode;

use checker_core::lang::Lang;
use checker_core::report::Tool;
use checker_core::tr;
use clap::{CommandFactory, FromArgMatches};

use args::{Cli, ColorChoice, Command, LangArg, Show};
use exit::{Exit, Failure};
use render::Style;

/// Large list answers are allocated and freed page after page; mimalloc reuses that memory
/// where the system allocator returns it and faults it in again (BENCHMARKS.md).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    let parsed = cli_command()
        .try_get_matches()
        .and_then(|matches| Cli::from_arg_matches(&matches));
    let cli = match parsed {
        Ok(cli) => cli,
        Err(error) if error.use_stderr() && lang_before_parsing() == Lang::Ru => {
            // clap speaks English; its error is framed as ours are.
            let text = error.render().to_string();
            let text = text.strip_prefix("error: ").unwrap_or(&text);
            let _ = write!(std::io::stderr(), "ошибка: {text}");
            return ExitCode::from(Exit::Usage as u8);
        }
        Err(error) => {
            let _ = error.print();
            return ExitCode::from(if error.use_stderr() {
                Exit::Usage as u8
            } else {
                0
            });
        }
    };
    let lang = cli.lang.map(LangArg::lang).unwrap_or_else(lang_of_locale);
    let result = match &cli.command {
        Command::Check(args) => commands::check::run(args, &style(args.color, args.show, lang)),
        Command::Plan(args) => {
            commands::plan::run(args, &style(args.check.color, args.check.show, lang))
        }
        Command::Collect(args) => commands::collect::run(args),
        Command::Host(args) => commands::host::run(args),
        Command::Diff(args) => commands::diff::run(args, lang),
        Command::Completions { shell } => commands::completions::completions(*shell),
        Command::Man => commands::completions::man(),
        Command::Rules { command } => commands::rules::run(command, lang),
    };
    let exit = match result {
        Ok(exit) => exit,
        Err(Failure::Usage(message)) => {
            let _ = writeln!(
                std::io::stderr(),
                "{}",
                tr!(
                    lang,
                    "error: {message}",
                    "ошибка: {message}",
                    message = message
                )
            );
            Exit::Usage
        }
        Err(Failure::Internal(message)) => {
            let _ = writeln!(
                std::io::stderr(),
                "{}",
                tr!(
                    lang,
                    "internal error: {message}",
                    "внутренняя ошибка: {message}",
                    message = message
                )
            );
            Exit::Internal
        }
    };
    ExitCode::from(exit as u8)
}

/// The command line: the derived definition, with the bundled packs in `--version`, and named
/// `kubectl acp-preflight` in help and errors when run as a kubectl plugin (a binary named
/// `kubectl-acp_preflight`).
fn cli_command() -> clap::Command {
    static LONG_VERSION: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    let long = LONG_VERSION.get_or_init(|| {
        let packs = checker_core::rules::bundled()
            .map(|packs| {
                packs
                    .iter()
                    .map(|p| {
                        let preview = if p.preview { ", preview" } else { "" };
                        format!("{} (ACP {}{preview})", p.name, p.target)
                    })
                    .collect::<Vec<_>>()
                    .join(", ")
            })
            .unwrap_or_else(|e| format!("none: {}", e.render()));
        format!(
            "{}\nrule packs: {packs}\nreport schema version {}, snapshot format version {}",
            env!("CARGO_PKG_VERSION"),
            checker_core::report::REPORT_SCHEMA_VERSION,
            checker_core::snapshot::SNAPSHOT_FORMAT_VERSION
        )
    });
    let command = Cli::command().long_version(long.as_str());
    let plugin = std::env::args_os()
        .next()
        .and_then(|arg0| {
            std::path::Path::new(&arg0)
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
        })
        .is_some_and(|name| name.starts_with("kubectl-"));
    if plugin {
        command.bin_name("kubectl acp-preflight")
    } else {
        command
    }
}

/// How stdout may look: colour as `--color` and the environment say (anstream's reading of
/// NO_COLOR, CLICOLOR, CLICOLOR_FORCE, TERM and whether stdout is a terminal), and the
/// terminal's width; into a file or pipe, `COLUMNS` when set, else 140 columns.
fn style(choice: ColorChoice, show: Show, lang: Lang) -> Style {
    match choice {
        ColorChoice::Auto => anstream::ColorChoice::Auto,
        ColorChoice::Always => anstream::ColorChoice::Always,
        ColorChoice::Never => anstream::ColorChoice::Never,
    }
    .write_global();
    let stdout = std::io::stdout();
    let color = anstream::AutoStream::choice(&stdout) != anstream::ColorChoice::Never;
    let columns = || {
        std::env::var("COLUMNS")
            .ok()
            .and_then(|c| c.trim().parse::<u16>().ok())
            .filter(|c| *c > 0)
    };
    let width = if stdout.is_terminal() {
        comfy_table::Table::new().width().or_else(columns)
    } else {
        columns()
    };
    Style {
        color,
        // Narrower than 40 columns nothing is readable; the table does not try.
        width: width.unwrap_or(Style::plain().width).max(40),
        show_all: show == Show::All,
        lang,
    }
}

/// The language when the command line could not be parsed: a `--lang ru` (or `--lang=ru`)
/// among the arguments, else the locale's.
fn lang_before_parsing() -> Lang {
    let args: Vec<String> = std::env::args_os()
        .map(|a| a.to_string_lossy().into_owned())
        .collect();
    let given = args
        .iter()
        .enumerate()
        .find_map(|(i, arg)| match arg.as_str() {
            "--lang" => args.get(i + 1).map(String::as_str),
            other => other.strip_prefix("--lang="),
        });
    match given {
        Some("ru") => Lang::Ru,
        Some(_) => Lang::En,
        None => lang_of_locale(),
    }
}

/// The language the locale names: the first of `LC_ALL`, `LC_MESSAGES` and `LANG` that is set
/// and not empty, as POSIX orders them; English when none is, or when it names another
/// language.
fn lang_of_locale() -> Lang {
    ["LC_ALL", "LC_MESSAGES", "LANG"]
        .iter()
        .filter_map(|name| std::env::var(name).ok())
        .find(|value| !value.is_empty())
        .and_then(|locale| Lang::from_locale(&locale))
        .unwrap_or_default()
}

/// This tool, as reports record it.
pub fn tool() -> Tool {
    Tool {
        name: "acp-preflight".to_string(),
        version: env!("CARGO_PKG_VERSION").to_string(),
    }
}

/// Writes to stdout. A closed stdout (`| head` that has read enough) is not a failure: the text
/// is dropped, quietly, and the command goes on to return the exit code it would have returned
/// had the reader stayed (`check` its verdict's), so `set -o pipefail` scripts still see it.
pub fn print(text: &str) -> Result<(), Failure> {
    let mut out = std::io::stdout().lock();
    match out.write_all(text.as_bytes()).and_then(|()| out.flush()) {
        Err(error) if error.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
        written => written.map_err(Failure::from),
    }
}
