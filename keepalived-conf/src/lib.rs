//! The keepalived.conf language: loader, preprocessor, typed model and diagnostics.
//!
//! keepalived 2.2's configuration language as its man page keepalived.conf(5) defines it,
//! read in stages, each its own module:
//!
//! 1. [`source`](crate) loading: small files read whole, large ones in chunks; `include` with globs and
//!    `{a,b}` braces relative to the including file; cycles detected;
//! 2. `lexer`: comments (`#`, `!`, outside double quotes), words, quotes, braces, columns;
//! 3. `preprocess`: `@ID` / `@^ID` conditionals against the config id, `$NAME=` definitions
//!    (multi-line with `\`), `$NAME` / `${NAME}` / `${_RANDOM 1 9}` expansion, `~SEQ` /
//!    `~SEQx` / `~LST` replication;
//! 4. `tree`: statements and `{ ... }` blocks (braces on the same or the next line);
//! 5. `build`: the typed [`Config`] with keepalived's ranges, and whole-file checks;
//! 6. [`lint`]: checks across several routers' configurations, e.g.
//!    [`lint::tracking_weights`] (tracker weights that can never move the Master).
//!
//! Every value keeps its [`Span`] (file, line, column). Problems are [`Diagnostic`]s
//! (severity, position, message, hint) rendered like rustc by [`Diagnostic::render`].
//! Unknown keywords warn and parsing continues, as keepalived does.
//!
//! ```
//! let text = "vrrp_instance VI_1 {\n interface eth0\n virtual_router_id 51\n priority 100\n virtual_ipaddress {\n  10.0.0.1/24\n }\n}\n";
//! let parsed = keepalived_conf::parse_str("keepalived.conf", text, &Default::default());
//! assert!(!parsed.has_errors());
//! let vi = &parsed.config.vrrp_instances[0];
//! assert_eq!(vi.virtual_router_id.as_ref().map(|v| v.value), Some(51));
//! ```
//!
//! The parser never panics and uses bounded memory and time on any input: lines are
//! capped, expansions and generators have depth and output limits
//! ([`LoadOptions::max_lines`]), the bytes read and generated are counted before they
//! are read or made ([`LoadOptions::max_bytes`]), the sections and items kept are
//! counted before the model is built ([`LoadOptions::limits`]), nesting is limited and
//! at most 1000 diagnostics are kept.
//!
//! # Using it from a daemon
//!
//! ```no_run
//! use keepalived_conf::{LoadOptions, load};
//! let parsed = load("/etc/keepalived/keepalived.conf", &LoadOptions::default());
//! eprint!("{}", parsed.render_diagnostics());
//! let Some(config) = parsed.ok() else { std::process::exit(1) };
//! for vi in &config.vrrp_instances {
//!     let vrid = vi.virtual_router_id.as_ref().map(|v| v.value);
//!     let prio = vi.priority.as_ref().map_or(100, |p| p.value); // keepalived's default
//!     let _ = (vrid, prio);
//! }
//! ```
//!
//! Unset keywords are `None` in the model; defaults are applied by the user of the model
//! (each field's documentation gives keepalived's default).
//!
//! # Deliberate differences from keepalived 2.2.7
//!
//! - An unknown keyword with a block skips the whole block (keepalived reports the keyword
//!   and then lets the block's `}` close the *enclosing* block).
//! - A `{` with no keyword before it opens an ignored block (keepalived ignores the `{`
//!   only, so the matching `}` closes the enclosing block).
//! - `${_RANDOM}` is deterministic for a given [`LoadOptions::random_seed`]. As in
//!   keepalived 2.2.7, only the built-ins take parameters (`${_RANDOM 1 9}`, `${_ENV X}`):
//!   `${NAME 1 2}` naming a user definition is left as written (keepalived has no
//!   parameterised user definitions; tests/data/pp_params.conf pins this).
//! - `include` lines may use `@ID` and `$NAME` (undefined behaviour in keepalived).
//! - Problems keepalived reports without a line number (e.g. "protocol specified for
//!   fwmark") get the position of the keyword concerned.
//! - Interfaces, users and script files are not looked up: that is the daemons' business.
#![warn(missing_docs)]

pub(crate) mod build;
pub mod command;
mod diag;
pub mod effective;
mod fmt;
pub mod keywords;
mod lexer;
mod limit_count;
pub mod limits;
pub mod lint;
pub mod model;
mod preprocess;
pub mod sections;
mod source;
mod span;
mod split;
mod syntax;
pub mod table;
mod tree;
pub mod values;

pub use diag::{Diagnostic, Severity, nearest};
pub use fmt::format_source;
pub use model::*;
pub use span::{FileId, SourceFile, SourceMap, Span, Spanned};
pub use tree::{Block, Node, Word};

use std::path::Path;

/// How to read a configuration.
#[derive(Debug, Clone)]
pub struct LoadOptions {
    /// Config id for `@ID` lines (keepalived `-i`); `None`: the host name up to the first `.`.
    pub config_id: Option<String>,
    /// Follow `include` lines (disable for untrusted text).
    pub includes: bool,
    /// Upper bound on logical lines after replication and expansion.
    pub max_lines: usize,
    /// Upper bound on the bytes of configuration text, counted before they are
    /// read or made: every file read (the main file and each include, a file
    /// included twice counts twice) and every line that generators (`~SEQ`,
    /// `~LST`) and multi-line definitions add (the template's length per
    /// line; generated lines may take at most a third of the limit). A file
    /// that would go over is not read, a generator that would is refused whole (`config-too-large`, `expansion-budget`). keepalived
    /// has no such limit; see docs/keepalived.md. Default
    /// [`DEFAULT_MAX_BYTES`], or what [`set_default_max_bytes`] set.
    pub max_bytes: usize,
    /// Seed for `${_RANDOM}` (results are deterministic for a given seed).
    pub random_seed: u64,
    /// Inputs at least this large (bytes) are read in two parts on two threads when a
    /// safe place to split them exists (no preprocessor constructs after it; see
    /// [`parse_str_in_two_parts`]). The result is identical either way. `usize::MAX`
    /// turns it off.
    pub split_min_bytes: usize,
    /// How many sections and items the configuration may hold, counted before the model
    /// is built ([`limits`]; `--config-limit`). Default [`limits::DEFAULT_LIMITS`], or
    /// what [`limits::set_default_limits`] set.
    pub limits: limits::Limits,
}

impl Default for LoadOptions {
    fn default() -> Self {
        LoadOptions {
            config_id: None,
            includes: true,
            max_lines: 4_000_000,
            max_bytes: DEFAULT_MAX_BYTES_NOW.load(std::sync::atomic::Ordering::Relaxed),
            random_seed: 0x5eed,
            split_min_bytes: SPLIT_MIN_BYTES,
            limits: limits::Limits::default(),
        }
    }
}

/// The result of reading a configuration: the model (as complete as the input allowed),
/// every diagnostic, and the files read (for rendering).
#[derive(Debug, Clone)]
pub struct Parsed {
    /// The typed model. With errors it holds every section that could be read; blocks
    /// that failed (e.g. a `virtual_server` with an invalid address) are left out.
    pub config: Config,
    /// Errors and warnings, sorted by file, line and column.
    pub diagnostics: Vec<Diagnostic>,
    /// The files read, to render diagnostics.
    pub sources: SourceMap,
}

impl Parsed {
    /// True when at least one diagnostic is an error (the config must not be used).
    pub fn has_errors(&self) -> bool {
        self.diagnostics.iter().any(Diagnostic::is_error)
    }

    /// The configuration, only if there are no errors.
    pub fn ok(&self) -> Option<&Config> {
        (!self.has_errors()).then_some(&self.config)
    }

    /// All diagnostics rendered like rustc, separated by blank lines.
    pub fn render_diagnostics(&self) -> String {
        self.diagnostics
            .iter()
            .map(|d| d.render(&self.sources))
            .collect::<Vec<_>>()
            .join("\n")
    }

    /// All diagnostics in one-line form `file:line:col: severity: message (hint: ...)`.
    pub fn short_diagnostics(&self) -> Vec<String> {
        self.diagnostics
            .iter()
            .map(|d| d.short(&self.sources))
            .collect()
    }
}

/// Default of [`LoadOptions::max_bytes`]: 6 MiB, about 300,000 lines of a
/// typical configuration and over a thousand times the largest real one we
/// know; small enough that no input of that size, however hostile, costs the
/// reader much memory.
pub const DEFAULT_MAX_BYTES: usize = 6 << 20;

static DEFAULT_MAX_BYTES_NOW: std::sync::atomic::AtomicUsize =
    std::sync::atomic::AtomicUsize::new(DEFAULT_MAX_BYTES);

/// Changes the [`LoadOptions::max_bytes`] that [`LoadOptions::default`] gives
/// from now on, for the whole process (a daemon's `--max-config-bytes`, set
/// once at start before any configuration is read).
pub fn set_default_max_bytes(bytes: usize) {
    DEFAULT_MAX_BYTES_NOW.store(bytes, std::sync::atomic::Ordering::Relaxed);
}

/// Default of [`LoadOptions::split_min_bytes`]: below it a second thread costs more than
/// it saves.
const SPLIT_MIN_BYTES: usize = 256 * 1024;

/// One read's options: the caller's [`LoadOptions`] and whether the typed model is
/// kept whole.
#[derive(Debug, Clone)]
pub(crate) struct ReadOptions {
    load: LoadOptions,
    /// `false` for the `check_*` entry points: virtual servers and their groups are
    /// validated and dropped as soon as they are read, and each `vrrp_instance` is
    /// reduced to what [`lint`] reads.
    pub(crate) keep_model: bool,
    /// Bytes of the main input, already counted against
    /// [`LoadOptions::max_bytes`] before it is read.
    pub(crate) main_bytes: usize,
}

impl ReadOptions {
    fn new(load: &LoadOptions, keep_model: bool) -> Self {
        Self {
            load: load.clone(),
            keep_model,
            main_bytes: 0,
        }
    }

    /// These options for a main input of `bytes`; `None` when that is over
    /// [`LoadOptions::max_bytes`].
    fn with_main(&self, bytes: u64) -> Option<Self> {
        let bytes = usize::try_from(bytes)
            .ok()
            .filter(|b| *b <= self.max_bytes)?;
        Some(Self {
            main_bytes: bytes,
            ..self.clone()
        })
    }
}

impl std::ops::Deref for ReadOptions {
    type Target = LoadOptions;
    fn deref(&self) -> &LoadOptions {
        &self.load
    }
}

/// The result for a main input over [`LoadOptions::max_bytes`]: one error, nothing read.
fn too_large(name: &str, bytes: u64, max: usize) -> Parsed {
    Parsed {
        config: Config::default(),
        diagnostics: vec![Diagnostic {
            severity: Severity::Error,
            code: "config-too-large",
            span: None,
            message: format!(
                "{name} has {bytes} bytes, over the limit of {max} bytes of configuration; nothing is read"
            ),
            hint: Some(
                "raise the limit (--max-config-bytes) if this configuration is genuine".to_string(),
            ),
        }],
        sources: SourceMap::default(),
    }
}

/// Reads the configuration file at `path`, following includes.
pub fn load(path: impl AsRef<Path>, opts: &LoadOptions) -> Parsed {
    load_with(path.as_ref(), &ReadOptions::new(opts, true))
}

/// Reads the configuration file at `path` for checking only (`kaconf check`): the
/// diagnostics are exactly those of [`load`], but [`Parsed::config`] holds only
/// `global_defs`, the VRRP sections reduced to what [`lint`] reads (each
/// `vrrp_instance`'s name, VRID, interface, priority, trackers, first virtual address
/// and source addresses), the static sections and raw blocks: virtual servers and their
/// groups are validated and dropped as they are read, so memory does not grow with them.
pub fn check_file(path: impl AsRef<Path>, opts: &LoadOptions) -> Parsed {
    load_with(path.as_ref(), &ReadOptions::new(opts, false))
}

/// [`check_file`] on configuration text.
pub fn check_str(name: &str, text: &str, opts: &LoadOptions) -> Parsed {
    parse_with(name, text, &ReadOptions::new(opts, false))
}

fn load_with(path: &Path, opts: &ReadOptions) -> Parsed {
    let size = std::fs::metadata(path).map_or(0, |m| m.len());
    let Some(opts) = &opts.with_main(size) else {
        return too_large(&path.display().to_string(), size, opts.max_bytes);
    };
    if size >= u64::try_from(opts.split_min_bytes).unwrap_or(u64::MAX)
        && let Some(p) = split::load_in_two_parts(opts, path)
    {
        return p;
    }
    let mut pp = preprocess::Preprocessor::new(opts);
    pp.push_file(path);
    run(pp)
}

/// Parses configuration text; `name` is used in diagnostics and as the base for relative includes.
pub fn parse_str(name: &str, text: &str, opts: &LoadOptions) -> Parsed {
    parse_with(name, text, &ReadOptions::new(opts, true))
}

fn parse_with(name: &str, text: &str, opts: &ReadOptions) -> Parsed {
    let size = text.len() as u64;
    let Some(opts) = &opts.with_main(size) else {
        return too_large(name, size, opts.max_bytes);
    };
    if text.len() >= opts.split_min_bytes {
        let shared = std::sync::Arc::new(text.to_string());
        if let Some(p) = split::parse_in_two_parts(opts, name, None, Some(text), &shared) {
            return p;
        }
    }
    parse_str_in_one_go(name, text, opts)
}

fn parse_str_in_one_go(name: &str, text: &str, opts: &ReadOptions) -> Parsed {
    let mut pp = preprocess::Preprocessor::new(opts);
    pp.push_text(name, text);
    run(pp)
}

/// Parses configuration text in two parts on two threads, whatever its size: the result
/// is exactly the one of [`parse_str`] reading it in one go, or `None` when the text has
/// no place where it can be split safely (the second part must have no `$`, `@`, `~` or
/// `include`, and start with a word in column 0 at the top level) or the split would
/// change the result (e.g. the diagnostics cap is reached). [`load`] and [`parse_str`] do
/// this for large inputs ([`LoadOptions::split_min_bytes`]); this entry point is for
/// tests comparing both ways.
pub fn parse_str_in_two_parts(name: &str, text: &str, opts: &LoadOptions) -> Option<Parsed> {
    let shared = std::sync::Arc::new(text.to_string());
    split::parse_in_two_parts(
        &ReadOptions::new(opts, true),
        name,
        None,
        Some(text),
        &shared,
    )
}

/// [`parse_str`] in one go with every line read by the general path (the fast path for
/// plain lines of in-memory text turned off): the result must be identical. For tests
/// and the fuzz target only.
#[doc(hidden)]
pub fn parse_str_general_path(name: &str, text: &str, opts: &LoadOptions) -> Parsed {
    let opts = ReadOptions::new(opts, true);
    let mut pp = preprocess::Preprocessor::new(&opts);
    pp.fast_lines = false;
    pp.push_text(name, text);
    run(pp)
}

/// Preprocessor and tree, then the typed model, one top-level statement at a time.
fn run(mut pp: preprocess::Preprocessor<'_>) -> Parsed {
    let mut b = build::Builder::new(pp.keep_model(), pp.limits());
    let mut build_sink = diag::Sink::default();
    while let Some(nodes) = pp.next_batch() {
        for n in nodes {
            b.add_root(&n, &mut build_sink);
            pp.recycle(n);
        }
    }
    finish(pp, b, build_sink)
}

/// The result of a read: the model finished, the builder's diagnostics after the
/// preprocessor's.
fn finish(
    mut pp: preprocess::Preprocessor<'_>,
    b: build::Builder,
    mut build_sink: diag::Sink,
) -> Parsed {
    let mut config = b.finish(&mut build_sink);
    config.files = pp.sources.files.iter().map(|f| f.name.clone()).collect();
    pp.sink.merge(build_sink);
    Parsed {
        config,
        diagnostics: pp.sink.finish(),
        sources: pp.sources,
    }
}

/// Parses configuration text into the block tree only (after preprocessing), for tools.
pub fn parse_tree(name: &str, text: &str, opts: &LoadOptions) -> (Vec<Node>, Vec<Diagnostic>) {
    let opts = ReadOptions::new(opts, true);
    let mut pp = preprocess::Preprocessor::new(&opts);
    pp.push_text(name, text);
    let mut out = Vec::new();
    while let Some(nodes) = pp.next_batch() {
        out.extend(nodes);
    }
    (out, pp.sink.finish())
}

/// The crate README's example, compiled and run as a doctest.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
pub struct ReadmeDoctests;
