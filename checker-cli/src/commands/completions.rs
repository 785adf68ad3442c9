//! `acp-preflight completions SHELL` and `acp-preflight man`: generated from the CLI definition,
//! so they cannot fall behind the flags.

use clap::CommandFactory;

use crate::args::Cli;
use crate::exit::{Exit, Failure};
use crate::print;

/// Prints the completion script of a shell.
pub fn completions(shell: clap_complete::Shell) -> Result<Exit, Failure> {
    let mut command = Cli::command();
    let mut script = Vec::new();
    clap_complete::generate(shell, &mut command, "acp-preflight", &mut script);
    print(&String::from_utf8_lossy(&script))?;
    Ok(Exit::Ready)
}

/// Prints the man page: the program, then a section per subcommand.
pub fn man() -> Result<Exit, Failure> {
    let command = Cli::command();
    let mut page = Vec::new();
    let man = clap_mangen::Man::new(command.clone());
    man.render(&mut page)?;
    for sub in command.get_subcommands().filter(|s| !s.is_hide_set()) {
        let sub = sub
            .clone()
            .display_name(format!("acp-preflight-{}", sub.get_name()))
            .bin_name(format!("acp-preflight {}", sub.get_name()));
        clap_mangen::Man::new(sub).render(&mut page)?;
    }
    print(&String::from_utf8_lossy(&page))?;
    Ok(Exit::Ready)
}
