//! One file per subcommand; each resolves its flags into a [`crate::inputs::Plan`] (when it
//! reads a platform) and returns the exit code.

pub mod check;
pub mod collect;
pub mod completions;
pub mod diff;
pub mod host;
pub mod plan;
pub mod rules;
