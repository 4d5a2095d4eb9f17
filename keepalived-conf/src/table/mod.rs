//! The keyword tables: for every section this crate reads, one row per keyword
//! with how its value is read (type and keepalived's range), keepalived's default,
//! the setting keepalived falls back to when it is not written, which daemon reads
//! it and whether that daemon acts on it.
//!
//! The builders take the list of known keywords, the keywords kept as written and
//! the ranges of numeric values from here; [`crate::keywords`] turns the rows that
//! are not acted on into warnings and generates the keyword matrix (docs/keywords.md)
//! from the same rows, so a keyword has one description.
//!
//! Adding a keyword: add a row to its section's table (in [`vrrp`], [`global`],
//! [`lvs`] or [`bfd`]). A keyword with a plain value names the field it sets
//! ([`Keyword::set`], [`set`]) and the builder reads it from the row alone; otherwise
//! read it in the section's builder (`build/*.rs`), taking the range from the row
//! (`Ctx::uint_of` and friends). Then regenerate docs/keywords.md
//! (`BLESS=1 cargo test -p keepalived-conf --test keyword_matrix`). A keyword read but
//! not acted on gets `.raw()` (kept as written) or `.not_acted(..)` with what
//! keepalived would do. A keyword keepalived 2.2.7 does not know, taken from a later
//! keepalived, gets `.later(VERSION)`: reading it is reported as a notice.

pub mod bfd;
pub mod global;
pub mod lvs;
pub mod set;
pub mod vrrp;

pub use bfd::BFD_INSTANCE;
pub use global::GLOBAL_DEFS;
pub use lvs::{
    BFD_CHECK, CHECKER_COMMON, CHECKER_CONNECT, DNS_CHECK, FILE_CHECK, HTTP_GET, MISC_CHECK,
    REAL_SERVER, SMTP_CHECK, SSL_GET, UDP_CHECK, URL, VIRTUAL_SERVER,
};
pub use vrrp::{INSTANCE, SCRIPT, SYNC_GROUP, TRACK_FILE, TRACK_PROCESS};

pub use set::{BoxField, Field, Fields, Set};

use std::fmt;

/// The daemons of this project that read a keepalived.conf.
#[non_exhaustive]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Daemon {
    /// The VRRP daemon (`vrrp_*` sections, keepalived's VRRP process).
    Vrrpd,
    /// The IPVS daemon (`virtual_server*` sections, keepalived's checker process).
    Lvsd,
}

impl Daemon {
    /// The daemon's program name.
    pub fn name(self) -> &'static str {
        match self {
            Daemon::Vrrpd => "vrrpd",
            Daemon::Lvsd => "lvsd",
        }
    }
}

/// vrrpd only.
pub const V: &[Daemon] = &[Daemon::Vrrpd];
/// lvsd only.
pub const L: &[Daemon] = &[Daemon::Lvsd];
/// Both daemons.
pub const VL: &[Daemon] = &[Daemon::Vrrpd, Daemon::Lvsd];

/// How a keyword's value is written and which values keepalived accepts.
#[non_exhaustive]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Value {
    /// No value: the keyword alone.
    Bare,
    /// The keyword alone (on) or followed by a boolean word.
    Flag,
    /// An unsigned integer in `min..=max`.
    Uint {
        /// Smallest accepted value.
        min: u64,
        /// Largest accepted value.
        max: u64,
    },
    /// A signed integer in `min..=max`.
    Int {
        /// Smallest accepted value.
        min: i64,
        /// Largest accepted value.
        max: i64,
    },
    /// Seconds with up to 6 decimals, in `min_us..=max_us` microseconds.
    Seconds {
        /// Smallest accepted value, microseconds.
        min_us: u64,
        /// Largest accepted value, microseconds.
        max_us: u64,
    },
    /// One IP address.
    Ip,
    /// One word.
    Text,
    /// The rest of the line as written.
    Words,
    /// A command line, then an optional user and group.
    Script,
    /// A `{ ... }` block of the given contents.
    Block(&'static str),
    /// A block of names of things to track, each `NAME [weight W] [reverse]` with
    /// `W` in `-max_weight..=max_weight`.
    Track {
        /// The largest weight in absolute value.
        max_weight: i64,
    },
    /// A weight in `-max..=max`, optionally followed by `reverse`.
    Weight {
        /// The largest weight in absolute value.
        max: i64,
    },
    /// Anything else, described.
    Other(&'static str),
}

impl Value {
    /// An unsigned integer in `min..=max`.
    pub const fn uint(min: u64, max: u64) -> Value {
        Value::Uint { min, max }
    }

    /// A signed integer in `min..=max`.
    pub const fn int(min: i64, max: i64) -> Value {
        Value::Int { min, max }
    }

    /// Seconds in `min_us..=max_us` microseconds.
    pub const fn secs(min_us: u64, max_us: u64) -> Value {
        Value::Seconds { min_us, max_us }
    }
}

impl fmt::Display for Value {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Value::Bare => f.write_str("none"),
            Value::Flag => f.write_str("[bool]"),
            Value::Uint { min, max } => write!(f, "integer {}..{}", num(*min), num(*max)),
            Value::Int { min, max } => write!(f, "integer {min}..{max}"),
            Value::Seconds { min_us, max_us } => write!(
                f,
                "seconds {}..{}",
                crate::values::fmt_us(*min_us),
                crate::values::fmt_us(*max_us)
            ),
            Value::Ip => f.write_str("IP address"),
            Value::Text => f.write_str("word"),
            Value::Words => f.write_str("words"),
            Value::Script => f.write_str("script [USER [GROUP]]"),
            Value::Block(what) => write!(f, "block: {what}"),
            Value::Weight { max } => write!(f, "integer -{max}..{max} [reverse]"),
            Value::Track { max_weight } => {
                write!(
                    f,
                    "block: NAME [weight -{max_weight}..{max_weight} [reverse]]"
                )
            }
            Value::Other(what) => f.write_str(what),
        }
    }
}

/// `u32::MAX` and `u64::MAX` by name in the matrix.
fn num(n: u64) -> String {
    match n {
        u64::MAX => "u64::MAX".into(),
        n if n == u64::from(u32::MAX) => "u32::MAX".into(),
        n => n.to_string(),
    }
}

/// How the parser keeps a keyword.
#[non_exhaustive]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Model {
    /// A field of the typed model.
    Typed,
    /// Kept as written (a raw setting); no daemon reads it.
    AsWritten,
}

/// A keyword some daemons read and do not act on.
#[non_exhaustive]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct NotActed {
    /// The daemons that ignore it.
    pub daemons: &'static [Daemon],
    /// What keepalived 2.2.7 does with it, completing "keepalived would ...".
    pub keepalived_would: &'static str,
}

/// What keepalived does with a keyword this crate keeps as written, with no text of its own.
pub const KEPT_AS_WRITTEN: &str = "use this setting (see keepalived.conf(5))";

/// One keyword of a section.
#[non_exhaustive]
#[derive(Debug, Clone, Copy)]
pub struct Keyword {
    /// The keyword as written.
    pub keyword: &'static str,
    /// How the parser keeps it.
    pub model: Model,
    /// Its value's type and keepalived's range.
    pub value: Value,
    /// keepalived's value when it is not written (`""`: none, or not recorded).
    pub default: &'static str,
    /// The setting keepalived takes when it is not written (`""`: none), before the default.
    pub fallback: &'static str,
    /// The daemons that read it.
    pub daemons: &'static [Daemon],
    /// Set when some of [`Keyword::daemons`] do not act on it.
    pub not_acted_on: Option<NotActed>,
    /// The field it sets.
    pub set: Set,
    /// For a keyword keepalived 2.2.7 does not know (it reports it as unknown and
    /// runs without it) but a later keepalived does: that keepalived's version.
    /// Reading one is reported as a notice (`keepalived-version`).
    pub later: Option<&'static str>,
}

impl Keyword {
    /// A typed keyword read by `daemons`.
    pub const fn new(keyword: &'static str, daemons: &'static [Daemon], value: Value) -> Self {
        Keyword {
            keyword,
            model: Model::Typed,
            value,
            default: "",
            fallback: "",
            daemons,
            not_acted_on: None,
            set: Set::Builder,
            later: None,
        }
    }

    /// A keyword of keepalived `version`, later than 2.2.7, which does not know it.
    pub const fn later(mut self, version: &'static str) -> Self {
        self.later = Some(version);
        self
    }

    /// Setting the field `set` names.
    pub const fn set(mut self, set: Set) -> Self {
        self.set = set;
        self
    }

    /// With keepalived's default.
    pub const fn dflt(mut self, default: &'static str) -> Self {
        self.default = default;
        self
    }

    /// With the setting keepalived falls back to.
    pub const fn fallback(mut self, fallback: &'static str) -> Self {
        self.fallback = fallback;
        self
    }

    /// Kept as written (a raw setting of the model), whether or not a daemon acts on it.
    pub const fn kept(mut self) -> Self {
        self.model = Model::AsWritten;
        self
    }

    /// Kept as written: not acted on by any daemon reading it, keepalived would use it.
    pub const fn raw(mut self) -> Self {
        self.model = Model::AsWritten;
        self.not_acted_on = Some(NotActed {
            daemons: self.daemons,
            keepalived_would: KEPT_AS_WRITTEN,
        });
        self
    }

    /// Not acted on by `daemons`; keepalived would `keepalived_would`.
    pub const fn not_acted(
        mut self,
        daemons: &'static [Daemon],
        keepalived_would: &'static str,
    ) -> Self {
        self.not_acted_on = Some(NotActed {
            daemons,
            keepalived_would,
        });
        self
    }

    /// Whether `daemon` reads this keyword and does not act on it.
    pub fn ignored_by(&self, daemon: Daemon) -> bool {
        self.not_acted_on
            .is_some_and(|n| n.daemons.contains(&daemon) && self.daemons.contains(&daemon))
    }

    /// What `daemon` does with it: `-` (not its keyword), `warned` or `acted on`.
    pub fn status(&self, daemon: Daemon) -> &'static str {
        if !self.daemons.contains(&daemon) {
            "-"
        } else if self.ignored_by(daemon) {
            "warned"
        } else {
            "acted on"
        }
    }
}

/// The keywords of one section.
#[non_exhaustive]
#[derive(Debug, Clone, Copy)]
pub struct Section {
    /// The section's keyword (`""` for the top level; `url` for a checker's url).
    pub name: &'static str,
    /// Its rows; the order is the order of "did you mean" candidates.
    pub keywords: &'static [Keyword],
}

impl Section {
    /// The row of `keyword`.
    pub fn get(&self, keyword: &str) -> Option<&'static Keyword> {
        self.keywords.iter().find(|k| k.keyword == keyword)
    }

    /// Every keyword, in table order.
    pub fn names(&self) -> Vec<&'static str> {
        self.keywords.iter().map(|k| k.keyword).collect()
    }

    /// Whether `keyword` is kept as written.
    pub fn as_written(&self, keyword: &str) -> bool {
        self.get(keyword)
            .is_some_and(|k| k.model == Model::AsWritten)
    }

    /// The value description of `keyword`; [`Value::Other`] for a keyword not in the
    /// table (a builder asking for one is a bug the table tests catch).
    pub fn value(&self, keyword: &str) -> Value {
        self.get(keyword)
            .map_or(Value::Other("not in the table"), |k| k.value)
    }

    /// The range of an unsigned `keyword` (`0..=u64::MAX` if the row says otherwise).
    pub fn uint_range(&self, keyword: &str) -> (u64, u64) {
        match self.value(keyword) {
            Value::Uint { min, max } => (min, max),
            _ => (0, u64::MAX),
        }
    }

    /// The range of a signed `keyword`, or of the weight of a track list
    /// (`i64::MIN..=i64::MAX` if the row says otherwise).
    pub fn int_range(&self, keyword: &str) -> (i64, i64) {
        match self.value(keyword) {
            Value::Int { min, max } => (min, max),
            Value::Track { max_weight: max } | Value::Weight { max } => (-max, max),
            _ => (i64::MIN, i64::MAX),
        }
    }

    /// The range of a `keyword` in seconds, in microseconds (`0..=u64::MAX` if the
    /// row says otherwise).
    pub fn secs_range(&self, keyword: &str) -> (u64, u64) {
        match self.value(keyword) {
            Value::Seconds { min_us, max_us } => (min_us, max_us),
            _ => (0, u64::MAX),
        }
    }
}

/// The top level: keywords outside any block (the blocks are sections of their own).
/// `net_namespace` and `instance` are typed fields of the model's `global_defs` (keepalived
/// keeps them with its global data); the others are kept as written in the model's `other`.
pub const TOP: Section = Section {
    name: "",
    keywords: &[
        Keyword::new("net_namespace", VL, Value::Text).dflt("none (the namespace it starts in)"),
        Keyword::new("net_namespace_ipvs", L, Value::Text).dflt("the net_namespace").kept()
            .not_acted(L, "program IPVS in this network namespace"),
        Keyword::new("namespace_with_ipsets", V, Value::Bare).dflt("off").kept()
            .not_acted(V, "use ipsets inside the network namespace"),
        Keyword::new("use_pid_dir", VL, Value::Bare).dflt("off (on with instance or net_namespace)").kept().not_acted(
            VL,
            "write its default pid files under /run/keepalived/ (these daemons write one only with -p)",
        ),
        Keyword::new("instance", VL, Value::Text).dflt("none"),
        Keyword::new("child_wait_time", VL, Value::Other("seconds")).dflt("5").kept()
            .not_acted(VL, "wait this long for its child processes at shutdown"),
        Keyword::new("linkbeat_use_polling", V, Value::Bare).dflt("off").kept().not_acted(
            V,
            "poll interface link state with ioctls instead of netlink",
        ),
    ],
};

/// Every section table, in matrix order.
pub const SECTIONS: &[&Section] = &[
    &TOP,
    &global::GLOBAL_DEFS,
    &vrrp::INSTANCE,
    &vrrp::SYNC_GROUP,
    &vrrp::SCRIPT,
    &vrrp::TRACK_FILE,
    &vrrp::TRACK_PROCESS,
    &bfd::BFD_INSTANCE,
    &lvs::VIRTUAL_SERVER,
    &lvs::REAL_SERVER,
    &lvs::CHECKER_CONNECT,
    &lvs::CHECKER_COMMON,
    &lvs::HTTP_GET,
    &lvs::SSL_GET,
    &lvs::URL,
    &lvs::MISC_CHECK,
    &lvs::SMTP_CHECK,
    &lvs::DNS_CHECK,
    &lvs::UDP_CHECK,
    &lvs::FILE_CHECK,
    &lvs::BFD_CHECK,
];

/// The table of `section`.
pub fn section(name: &str) -> Option<&'static Section> {
    SECTIONS.iter().copied().find(|s| s.name == name)
}
