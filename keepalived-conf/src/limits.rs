//! Limits on how many sections and items a configuration may hold, counted on the
//! statement tree before the typed model is built.
//!
//! The byte budget ([`crate::LoadOptions::max_bytes`]) bounds what is read; these
//! bound what is kept. Each kept section or item costs far more memory in the model
//! (and in a daemon's running state) than its bytes: a one-line `vrrp_instance` of 38
//! bytes becomes a model entry of some 2.6 KB, so 6 MiB of one-line sections would be
//! hundreds of megabytes. keepalived has no such limits (docs/keepalived.md §1.11 says why
//! ours are where they are); they are set far above what keepalived can run, and raised
//! with the daemons' and kaconf's `--config-limit NAME=N`.
//!
//! A statement that would take a count over its limit is not built: it is counted, and
//! the read ends with one `config-limit` error per limit passed, naming the limit, the
//! count and the option raising it. A top-level statement holding more statements than
//! [`Item::SectionStatements`] is cut while it is read and then dropped whole. The
//! daemons never turn these errors into warnings, whichever section they are in.

use crate::diag::Diagnostic;
use crate::span::Span;
use std::sync::Mutex;

/// What is counted. Each has a name for `--config-limit NAME=N` and the messages.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Item {
    /// `vrrp_instance` sections.
    VrrpInstance,
    /// `virtual_server` sections.
    VirtualServer,
    /// `real_server`s of all virtual servers (and their `sorry_server`s).
    RealServer,
    /// Addresses of every `virtual_ipaddress`, `virtual_ipaddress_excluded` and
    /// `static_ipaddress` block.
    Address,
    /// Routes and rules of every `virtual_routes`, `virtual_rules`, `static_routes` and
    /// `static_rules` block.
    Route,
    /// Every other top-level statement (`vrrp_script`, `vrrp_sync_group`,
    /// `virtual_server_group`, `track_file`, `bfd_instance`, unknown keywords, ...).
    Section,
    /// Statements inside one top-level statement, at every depth (counted while its
    /// block is read: a section over it is cut before its statement tree grows).
    SectionStatements,
}

impl Item {
    /// Every item, in the order of the messages.
    pub const ALL: [Item; 7] = [
        Item::VrrpInstance,
        Item::VirtualServer,
        Item::RealServer,
        Item::Address,
        Item::Route,
        Item::Section,
        Item::SectionStatements,
    ];

    /// The name used by `--config-limit NAME=N`.
    pub fn name(self) -> &'static str {
        match self {
            Item::VrrpInstance => "vrrp_instance",
            Item::VirtualServer => "virtual_server",
            Item::RealServer => "real_server",
            Item::Address => "address",
            Item::Route => "route",
            Item::Section => "section",
            Item::SectionStatements => "section_statements",
        }
    }

    /// What is counted, for messages (plural).
    fn what(self) -> &'static str {
        match self {
            Item::VrrpInstance => "vrrp_instance sections",
            Item::VirtualServer => "virtual_server sections",
            Item::RealServer => "real and sorry servers",
            Item::Address => "virtual and static addresses",
            Item::Route => "virtual and static routes and rules",
            Item::Section => "top-level statements other than vrrp_instance and virtual_server",
            Item::SectionStatements => "statements in one section",
        }
    }

    pub(crate) fn index(self) -> usize {
        match self {
            Item::VrrpInstance => 0,
            Item::VirtualServer => 1,
            Item::RealServer => 2,
            Item::Address => 3,
            Item::Route => 4,
            Item::Section => 5,
            Item::SectionStatements => 6,
        }
    }
}

/// The limits of one read ([`crate::LoadOptions::limits`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    max: [usize; 7],
}

/// Default limits. Each is far above what keepalived can run (VRIDs 1–255 per
/// interface and address family; our scale benchmark runs 4,000 instances; generated
/// LVS configurations have thousands of real servers; real configurations have tens of
/// routes) and low enough that a configuration at any one of them reads in under
/// 64 MiB (`benches/conf-hostile.sh` checks each limit alone; per item, a route costs
/// about 1.4 KB of model, a real server about 0.8 KB in lvsd, an instance 4 KB).
pub const DEFAULT_LIMITS: Limits = Limits {
    max: [
        10_000,  // vrrp_instance
        10_000,  // virtual_server
        50_000,  // real_server
        100_000, // address
        20_000,  // route
        10_000,  // section
        100_000, // section_statements
    ],
};

impl Default for Limits {
    /// [`DEFAULT_LIMITS`], or what [`set_default_limits`] set.
    fn default() -> Self {
        match DEFAULT_NOW.lock() {
            Ok(l) => *l,
            Err(p) => *p.into_inner(),
        }
    }
}

static DEFAULT_NOW: Mutex<Limits> = Mutex::new(DEFAULT_LIMITS);

/// Changes the [`Limits`] that [`Limits::default`] (and so
/// [`crate::LoadOptions::default`]) gives from now on, for the whole process (a
/// daemon's `--config-limit`, set once at start before any configuration is read).
pub fn set_default_limits(limits: Limits) {
    match DEFAULT_NOW.lock() {
        Ok(mut l) => *l = limits,
        Err(p) => *p.into_inner() = limits,
    }
}

/// A `--config-limit` value that cannot be used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum LimitError {
    /// Not of the form `NAME=N`.
    #[error("`{0}` is not NAME=N (e.g. vrrp_instance=20000)")]
    Syntax(String),
    /// An unknown limit name.
    #[error("no limit is named `{name}`; the limits are {known}")]
    UnknownName {
        /// The name given.
        name: String,
        /// The names there are.
        known: String,
    },
    /// N is not a positive integer.
    #[error("`{0}` is not a positive number")]
    Number(String),
}

impl Limits {
    /// The limit on `item`.
    pub fn get(&self, item: Item) -> usize {
        self.max[item.index()]
    }

    /// Sets the limit on `item`.
    pub fn set(&mut self, item: Item, max: usize) {
        self.max[item.index()] = max;
    }

    /// Applies one `NAME=N` (the value of `--config-limit`).
    pub fn apply(&mut self, spec: &str) -> Result<(), LimitError> {
        let (name, n) = spec
            .split_once('=')
            .ok_or_else(|| LimitError::Syntax(spec.to_string()))?;
        let item = Item::ALL
            .into_iter()
            .find(|i| i.name() == name.trim())
            .ok_or_else(|| LimitError::UnknownName {
                name: name.trim().to_string(),
                known: Item::ALL.map(Item::name).join(", "),
            })?;
        let n = n
            .trim()
            .parse::<usize>()
            .ok()
            .filter(|n| *n > 0)
            .ok_or_else(|| LimitError::Number(n.to_string()))?;
        self.set(item, n);
        Ok(())
    }

    /// The default limits with every `NAME=N` of `specs` applied (the values of
    /// `--config-limit`, in order).
    pub fn from_args<S: AsRef<str>>(specs: &[S]) -> Result<Limits, LimitError> {
        let mut l = Limits::default();
        for s in specs {
            l.apply(s.as_ref())?;
        }
        Ok(l)
    }

    /// The `--help` text listing every limit and its default.
    pub fn help() -> String {
        Item::ALL
            .map(|i| format!("{}={}", i.name(), DEFAULT_LIMITS.get(i)))
            .join(", ")
    }
}

/// The code of the error for a limit passed.
pub const CODE: &str = "config-limit";

/// The error for a count over its limit, at the first statement that went over it.
pub(crate) fn over_limit(item: Item, count: usize, max: usize, first: Span) -> Diagnostic {
    let name = item.name();
    Diagnostic::error(
        CODE,
        first,
        format!(
            "the configuration holds {count} {}, over the limit of {max}; this one and those after it are not read",
            item.what()
        ),
    )
    .with_hint(format!(
        "raise the limit with --config-limit {name}=N if this configuration is genuine (keepalived has no such limit)"
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn apply_parses_name_equals_number() {
        let mut l = DEFAULT_LIMITS;
        l.apply("vrrp_instance=20000").unwrap();
        assert_eq!(l.get(Item::VrrpInstance), 20000);
        assert_eq!(
            l.apply("vrrp_instances=1"),
            Err(LimitError::UnknownName {
                name: "vrrp_instances".into(),
                known: "vrrp_instance, virtual_server, real_server, address, route, section, section_statements".into()
            })
        );
        assert_eq!(l.apply("route"), Err(LimitError::Syntax("route".into())));
        assert_eq!(l.apply("route=0"), Err(LimitError::Number("0".into())));
        assert_eq!(l.apply("route=x"), Err(LimitError::Number("x".into())));
    }
}
