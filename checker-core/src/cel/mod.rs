//! The CEL environment of rule expressions: which functions exist, how facts become CEL values
//! and back, and the load-time check of the fact paths an expression names.
//!
//! Nothing here knows about rules or facts in particular: the rule loader passes in samples of
//! the variables an expression may read ([`paths::check_paths`]), and the engine passes in the
//! values ([`values::to_cel`]).

mod functions;
pub mod paths;
pub mod values;

use std::sync::{Arc, OnceLock};

use cel::{Context, Env};

pub use cel::{Program, Value};
pub use functions::{format_bytes, format_size};

/// The functions rules may call: standard CEL, the strings extension, and ours.
pub const FUNCTIONS: &[&str] = &[
    "size",
    "contains",
    "startsWith",
    "endsWith",
    "matches",
    "int",
    "uint",
    "double",
    "string",
    "bytes",
    "bool",
    "type",
    "dyn",
    "charAt",
    "indexOf",
    "lastIndexOf",
    "lowerAscii",
    "upperAscii",
    "trim",
    "replace",
    "split",
    "substring",
    "join",
    "reverse",
    "versionAtLeast",
    "majorMinor",
    "gib",
    "formatBytes",
    "formatSize",
];

/// Type names, which CEL expressions may name as values (`type(x) == string`).
pub const TYPE_NAMES: &[&str] = &[
    "int",
    "uint",
    "double",
    "bool",
    "string",
    "bytes",
    "list",
    "map",
    "null_type",
    "type",
];

/// Longest expression accepted, to keep evaluation far from stack limits.
const MAX_EXPRESSION_LEN: usize = 2000;

fn env() -> Arc<Env> {
    static ENV: OnceLock<Arc<Env>> = OnceLock::new();
    ENV.get_or_init(|| {
        let mut env = Env::stdlib();
        // The strings extension only adds functions; a failure would be a programming error
        // caught by every test, so fall back to the standard library rather than panic.
        let _ = env.add_extension(cel::extensions::strings);
        Arc::new(env)
    })
    .clone()
}

/// Compiles one CEL expression.
pub fn compile(source: &str) -> Result<cel::Program, String> {
    if source.len() > MAX_EXPRESSION_LEN {
        return Err(format!(
            "expression is {} characters long; the limit is {MAX_EXPRESSION_LEN}",
            source.len()
        ));
    }
    env().compile(source).map_err(|e| {
        e.to_string()
            .lines()
            .next()
            .unwrap_or_default()
            .replace("ERROR: <input>:", "at expression ")
    })
}

/// A fresh evaluation context with our functions.
pub fn context() -> Context<'static, 'static> {
    let mut context = Context::with_env(env());
    functions::add(&mut context);
    context
}
