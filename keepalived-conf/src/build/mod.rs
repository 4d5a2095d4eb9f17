//! Block tree → typed model, with keepalived's value rules and ranges.
//!
//! One submodule per section family. Each block has a list of the keywords it knows
//! (typed ones and ones kept raw); anything else warns "unknown keyword" with the nearest
//! known keyword as hint, and parsing continues, as in keepalived.

pub(crate) mod bfd;
pub(crate) mod global;
pub(crate) mod iproute;
pub(crate) mod lvs;
mod row;
mod validate;
pub(crate) mod vrrp;

use crate::diag::{Diagnostic, Severity, Sink, nearest};
use crate::model::*;
use crate::span::{Span, Spanned};
use crate::tree::{Node, Word};
use crate::values;
use std::net::IpAddr;
use std::time::Duration;

/// Top-level keywords and what they are.
pub(crate) const ROOT_KEYWORDS: &[&str] = &[
    "global_defs",
    "vrrp_instance",
    "vrrp_sync_group",
    "vrrp_script",
    "track_file",
    "vrrp_track_file",
    "vrrp_track_process",
    "static_ipaddress",
    "static_routes",
    "static_rules",
    "virtual_server_group",
    "virtual_server",
    "bfd_instance",
    // kept raw (with a warning for blocks)
    "garp_group",
    "SSL",
    "linkbeat_interfaces",
    "interface_up_down_delays",
    "track_group",
    "net_namespace",
    "net_namespace_ipvs",
    "namespace_with_ipsets",
    "use_pid_dir",
    "instance",
    "child_wait_time",
    "linkbeat_use_polling",
];

const RAW_ROOT_BLOCKS: &[&str] = &[
    "garp_group",
    "SSL",
    "linkbeat_interfaces",
    "interface_up_down_delays",
    "track_group",
];

/// Accumulates the model from top-level statements.
pub(crate) struct Builder {
    pub(crate) config: Config,
    keep: bool,
    validator: validate::Validator,
    /// Sections and items counted before they are built.
    counter: crate::limit_count::Counter,
    limits: crate::limits::Limits,
}

impl Builder {
    /// `keep`: keep the sections in the model (otherwise they are validated and dropped).
    /// `limits`: statements that would take a count over its limit are counted, not built.
    pub(crate) fn new(keep: bool, limits: crate::limits::Limits) -> Builder {
        Builder {
            config: Config::default(),
            keep,
            validator: validate::Validator::default(),
            counter: crate::limit_count::Counter::default(),
            limits,
        }
    }

    /// True when a count went over its limit (with what `other` counted).
    pub(crate) fn over_limits(&self, other: &Builder) -> bool {
        let mut c = crate::limit_count::Counter::default();
        c.absorb(&self.counter);
        c.absorb(&other.counter);
        c.over(&self.limits)
    }

    /// Runs the cross-reference checks and returns the model.
    pub(crate) fn finish(self, sink: &mut Sink) -> Config {
        self.counter.report(&self.limits, sink);
        self.validator.finish(sink);
        self.config
    }

    /// Takes over the virtual servers of a builder that was fed `virtual_server` statements
    /// only, read after this builder's (the second part of a split input: `crate::split`).
    pub(crate) fn absorb_virtual_servers(&mut self, other: Builder) {
        self.config
            .virtual_servers
            .extend(other.config.virtual_servers);
        self.validator.absorb_virtual_servers(other.validator);
    }

    /// Makes room for the `vrrp_instance`s among `roots`, about to be added in one go:
    /// the instance list grows once to its size instead of doubling past it (an
    /// instance is large, so the doubling's slack is a large part of the model).
    pub(crate) fn reserve_for(&mut self, roots: &[Node]) {
        let n = roots
            .iter()
            .filter(|r| r.keyword() == "vrrp_instance")
            .count();
        self.config.vrrp_instances.reserve_exact(n);
    }

    pub(crate) fn add_root(&mut self, n: &Node, sink: &mut Sink) {
        if !self.counter.admit(n, &self.limits) {
            return;
        }
        let mut c = Ctx {
            sink,
            bfd: &self.config.bfd_instances,
        };
        match n.keyword() {
            "" => {}
            "global_defs" => {
                if c.block_required(n, 0) {
                    global::global_defs(&mut c, n, &mut self.config.global_defs);
                }
            }
            "vrrp_instance" => {
                if let Some(w) = n.args().first()
                    && self
                        .validator
                        .duplicate_instance(&Spanned::new(w.text.to_string(), w.span), c.sink)
                {
                    return;
                }
                if let Some(mut v) = vrrp::instance(&mut c, n) {
                    self.validator.instance(&v, c.sink);
                    // always kept, for the cross-file checks (lint); without the model,
                    // only what they read
                    if !self.keep {
                        lint_summary(&mut v);
                    }
                    self.config.vrrp_instances.push(v);
                }
            }
            "vrrp_sync_group" => {
                if let Some(v) = vrrp::sync_group(&mut c, n) {
                    self.validator.sync_group(&v, c.sink);
                    // always kept: few, and needed by cross-file checks (lint)
                    self.config.vrrp_sync_groups.push(v);
                }
            }
            "vrrp_script" => {
                if let Some(v) = vrrp::script(&mut c, n) {
                    self.validator.script(&v);
                    // always kept: few, and needed by cross-file checks (lint)
                    self.config.vrrp_scripts.push(v);
                }
            }
            "track_file" | "vrrp_track_file" => {
                if let Some(v) = vrrp::track_file(&mut c, n) {
                    self.validator.track_file(&v);
                    // always kept: few, and needed by cross-file checks (lint)
                    self.config.track_files.push(v);
                }
            }
            "vrrp_track_process" => {
                if let Some(v) = vrrp::track_process(&mut c, n) {
                    // always kept: few, and needed by cross-file checks (lint)
                    self.config.track_processes.push(v);
                }
            }
            "bfd_instance" => {
                if let Some(b) = bfd::instance(&mut c, n, &self.config.bfd_instances) {
                    // always kept: few, and the VRRP and checker sides name them
                    self.config.bfd_instances.push(b);
                }
            }
            "static_ipaddress" => {
                if c.block_required(n, 0) {
                    let v = vrrp::ip_list(&mut c, n);
                    self.config.static_ipaddress.extend(v);
                }
            }
            "static_routes" => {
                if c.block_required(n, 0) {
                    let v = vrrp::routes(&mut c, n);
                    self.config.static_routes.extend(v);
                }
            }
            "static_rules" => {
                if c.block_required(n, 0) {
                    let v = vrrp::rules(&mut c, n);
                    self.config.static_rules.extend(v);
                }
            }
            "virtual_server_group" => {
                if let Some(v) = lvs::vs_group(&mut c, n) {
                    self.validator.vs_group(&v);
                    keep(self.keep, &mut self.config.virtual_server_groups, v);
                }
            }
            "virtual_server" => {
                if let Some(v) = lvs::virtual_server(&mut c, n) {
                    self.validator.virtual_server(&v, c.sink);
                    keep(self.keep, &mut self.config.virtual_servers, v);
                }
            }
            k if RAW_ROOT_BLOCKS.contains(&k) => {
                c.sink.push(
                    Diagnostic::warning(
                        "raw-section",
                        n.span(),
                        format!("`{k}` is kept as written; this implementation does not act on it"),
                    )
                    .with_hint("its contents are in the model's `raw_blocks`"),
                );
                self.config.raw_blocks.push(raw_block(n));
            }
            "net_namespace" => {
                c.no_block(n);
                global::first_name(&mut c, n, &mut self.config.global_defs.net_namespace);
            }
            "instance" => {
                c.no_block(n);
                global::first_name(&mut c, n, &mut self.config.global_defs.instance);
            }
            k if ROOT_KEYWORDS.contains(&k) => {
                if n.block.is_some() {
                    c.no_block(n);
                }
                self.config.other.push(raw_setting(n));
            }
            _ => c.unknown(n, "the top level", ROOT_KEYWORDS),
        }
    }
}

/// Diagnostic helpers shared by the section builders.
pub(crate) struct Ctx<'s> {
    pub(crate) sink: &'s mut Sink,
    /// The `bfd_instance`s written so far (`track_bfd` names only those).
    pub(crate) bfd: &'s [BfdInstance],
}

/// Reduces an instance to what [`crate::lint::tracking_weights`] reads (name, VRID,
/// interface, priority, trackers, and the addresses that give the family: the first
/// virtual address, `unicast_src_ip`, `mcast_src_ip`), for [`crate::check_file`]: the rest of an instance (addresses, routes, peers, scripts) is not kept.
fn lint_summary(v: &mut VrrpInstance) {
    v.authentication = None;
    v.virtual_ipaddress.truncate(1);
    v.virtual_ipaddress.shrink_to_fit();
    v.virtual_ipaddress_excluded = Vec::new();
    v.virtual_routes = Vec::new();
    v.virtual_rules = Vec::new();
    v.unicast_peer = Vec::new();
    for script in [
        &mut v.notify_master,
        &mut v.notify_backup,
        &mut v.notify_fault,
        &mut v.notify_stop,
        &mut v.notify_deleted,
        &mut v.notify_master_rx_lower_pri,
        &mut v.notify,
    ] {
        *script = None;
    }
    v.other = Vec::new();
}

/// Appends `more` to `list`, taking over `more`'s allocation when `list` is empty.
///
/// An `extend` into an empty vector reserves room for at least four elements, and
/// nearly every list of an instance (its addresses, its tracked interfaces) is written
/// once with one or two elements: with thousands of instances that slack is most of
/// what the model holds beside the instances themselves.
pub(crate) fn append_list<T>(list: &mut Vec<T>, more: Vec<T>) {
    if list.is_empty() {
        *list = more;
    } else {
        list.extend(more);
    }
}

/// Adds a section to the model when the model is kept.
fn keep<T>(keep: bool, list: &mut Vec<T>, v: T) {
    if keep {
        list.push(v);
    }
}

pub(crate) fn raw_setting(n: &Node) -> RawSetting {
    RawSetting {
        keyword: n.keyword().to_string(),
        args: n.args().iter().map(|w| w.text.to_string()).collect(),
        span: n.span(),
    }
}

pub(crate) fn raw_block(n: &Node) -> RawBlock {
    let mut items = Vec::new();
    if let Some(b) = &n.block {
        for c in &b.children {
            items.push(RawItem {
                setting: raw_setting(c),
                block: c.block.as_ref().map(|_| Box::new(raw_block(c))),
            });
        }
    }
    RawBlock {
        header: raw_setting(n),
        items,
    }
}

impl Ctx<'_> {
    pub(crate) fn unknown(&mut self, n: &Node, within: &str, known: &[&str]) {
        let kw = n.keyword();
        if self.sink.is_full() {
            // dropped anyway: only counted, no hint to compute
            self.sink.warn("unknown-keyword", n.span(), String::new());
            return;
        }
        let mut d = Diagnostic::warning(
            "unknown-keyword",
            n.span(),
            format!("unknown keyword `{kw}` in {within}"),
        );
        if let Some(s) = nearest(kw, known) {
            d = d.with_hint(format!("did you mean `{s}`?"));
        } else if n.block.is_some() {
            d = d.with_hint("the keyword and its whole block are ignored");
        } else {
            d = d.with_hint("the line is ignored");
        }
        self.sink.push(d);
    }

    /// The statement must have a block; false (after an error) otherwise. Warns on extra args.
    pub(crate) fn block_required(&mut self, n: &Node, max_args: usize) -> bool {
        if n.block.is_none() {
            self.sink.push(
                Diagnostic::error(
                    "missing-block",
                    n.span(),
                    format!("`{}` needs a `{{ ... }}` block", n.keyword()),
                )
                .with_hint("put `{` at the end of this line or on the next line"),
            );
            return false;
        }
        self.extra(n, max_args);
        true
    }

    #[inline]
    pub(crate) fn no_block(&mut self, n: &Node) {
        if n.block.is_some() {
            self.no_block_report(n);
        }
    }

    #[cold]
    fn no_block_report(&mut self, n: &Node) {
        if let Some(b) = &n.block {
            self.sink.push(
                Diagnostic::warning(
                    "unexpected-block",
                    b.open,
                    format!(
                        "`{}` does not take a block; the block is ignored",
                        n.keyword()
                    ),
                )
                .with_hint("remove the `{ ... }`"),
            );
        }
    }

    /// Warns when there are more than `max` arguments.
    #[inline]
    pub(crate) fn extra(&mut self, n: &Node, max: usize) {
        if n.args().len() > max {
            self.extra_report(n, max);
        }
    }

    #[cold]
    fn extra_report(&mut self, n: &Node, max: usize) {
        let args = n.args();
        if let Some(w) = args.get(max) {
            let rest: Vec<&str> = args[max..].iter().map(|w| w.text.as_str()).collect();
            let mut d = Diagnostic::warning(
                "extra-arguments",
                w.span,
                format!(
                    "extra argument{} to `{}` ignored: `{}`",
                    if rest.len() > 1 { "s" } else { "" },
                    n.keyword(),
                    rest.join(" ")
                ),
            );
            if w.text.starts_with("//") {
                d = d.with_hint("`//` does not start a comment in keepalived.conf; use `#` or `!`");
            } else {
                d = d.with_hint("keepalived takes one setting per line");
            }
            self.sink.push(d);
        }
    }

    /// The first argument; an error when missing.
    #[inline]
    pub(crate) fn arg<'n>(&mut self, n: &'n Node) -> Option<&'n Word> {
        let first = n.args().first();
        if first.is_none() {
            self.missing_value(n);
        }
        first
    }

    #[cold]
    fn missing_value(&mut self, n: &Node) {
        self.sink.error(
            "missing-value",
            n.span(),
            format!("`{}` needs a value", n.keyword()),
        );
    }

    /// A value keepalived's handler rejects: it reports the line and runs on without the
    /// setting (its default, or the instance's / virtual server's fallback), so this is a
    /// warning and the field stays unset. Where running without the value is not possible
    /// (a missing virtual router id, say) the section's own check raises the error later,
    /// as keepalived's `vrrp_complete_instance()` / `validate_check_config()` do.
    #[cold]
    pub(crate) fn bad(&mut self, w: &Word, kw: &str, msg: String) {
        self.ignored_value(w.span, format!("invalid value for `{kw}`: {msg}"));
    }

    /// The warning for a value that is reported and then ignored, as keepalived does.
    #[cold]
    pub(crate) fn ignored_value(&mut self, span: Span, msg: String) {
        self.sink.push(
            Diagnostic::warning("invalid-value", span, msg)
                .with_hint("ignored, as keepalived does: the default applies"),
        );
    }

    /// [`Ctx::uint`] in the range the table `s` gives `n`'s keyword.
    pub(crate) fn uint_of<T: TryFrom<u64>>(
        &mut self,
        n: &Node,
        s: &crate::table::Section,
    ) -> Option<Spanned<T>> {
        let (lo, hi) = s.uint_range(n.keyword());
        self.uint(n, lo, hi)
    }

    /// [`Ctx::int`] in the range the table `s` gives `n`'s keyword.
    pub(crate) fn int_of<T: TryFrom<i64>>(
        &mut self,
        n: &Node,
        s: &crate::table::Section,
    ) -> Option<Spanned<T>> {
        let (lo, hi) = s.int_range(n.keyword());
        self.int(n, lo, hi)
    }

    /// [`Ctx::timer`] in the range the table `s` gives `n`'s keyword.
    pub(crate) fn timer_of(
        &mut self,
        n: &Node,
        s: &crate::table::Section,
    ) -> Option<Spanned<Duration>> {
        let (lo, hi) = s.secs_range(n.keyword());
        self.timer(n, lo, hi)
    }

    /// One unsigned argument in `lo..=hi`.
    pub(crate) fn uint<T: TryFrom<u64>>(
        &mut self,
        n: &Node,
        lo: u64,
        hi: u64,
    ) -> Option<Spanned<T>> {
        self.no_block(n);
        let w = self.arg(n)?;
        self.extra(n, 1);
        self.uint_word(w, n.keyword(), lo, hi)
    }

    pub(crate) fn uint_word<T: TryFrom<u64>>(
        &mut self,
        w: &Word,
        kw: &str,
        lo: u64,
        hi: u64,
    ) -> Option<Spanned<T>> {
        let r = values::parse_uint(&w.text, lo, hi);
        self.checked(w, kw, r)
    }

    /// [`Ctx::uint_word`] for a value that names a section (a virtual server's port or
    /// fwmark, a real server's port): keepalived skips the whole section then, so this
    /// stays an error (lvsd skips that virtual server, `-t` fails).
    pub(crate) fn uint_word_strict<T: TryFrom<u64>>(
        &mut self,
        w: &Word,
        kw: &str,
        lo: u64,
        hi: u64,
    ) -> Option<Spanned<T>> {
        match values::parse_uint(&w.text, lo, hi) {
            Ok(v) => T::try_from(v).ok().map(|v| Spanned::new(v, w.span)),
            Err(e) => {
                self.sink.error(
                    "invalid-value",
                    w.span,
                    format!("invalid value for `{kw}`: {e}"),
                );
                None
            }
        }
    }

    /// The parsed value with the word's span, or the error reported and `None`.
    fn checked<V, T: TryFrom<V>>(
        &mut self,
        w: &Word,
        kw: &str,
        r: Result<V, String>,
    ) -> Option<Spanned<T>> {
        match r {
            Ok(v) => T::try_from(v).ok().map(|v| Spanned::new(v, w.span)),
            Err(e) => {
                self.bad(w, kw, e);
                None
            }
        }
    }

    /// One signed argument in `lo..=hi`.
    pub(crate) fn int<T: TryFrom<i64>>(
        &mut self,
        n: &Node,
        lo: i64,
        hi: i64,
    ) -> Option<Spanned<T>> {
        self.no_block(n);
        let w = self.arg(n)?;
        self.int_word(w, n.keyword(), lo, hi)
    }

    pub(crate) fn int_word<T: TryFrom<i64>>(
        &mut self,
        w: &Word,
        kw: &str,
        lo: i64,
        hi: i64,
    ) -> Option<Spanned<T>> {
        let r = values::parse_int(&w.text, lo, hi);
        self.checked(w, kw, r)
    }

    /// One `<TIMER>` argument in `lo_us..=hi_us` microseconds.
    pub(crate) fn timer(&mut self, n: &Node, lo_us: u64, hi_us: u64) -> Option<Spanned<Duration>> {
        self.no_block(n);
        let w = self.arg(n)?;
        self.extra(n, 1);
        match values::parse_timer(&w.text, lo_us, hi_us) {
            Ok(v) => Some(Spanned::new(v, w.span)),
            Err(e) => {
                self.bad(w, n.keyword(), e);
                None
            }
        }
    }

    /// A flag with an optional `<BOOL>` argument (no argument = true).
    pub(crate) fn flag(&mut self, n: &Node) -> Option<Spanned<bool>> {
        self.no_block(n);
        match n.args().first() {
            None => Some(Spanned::new(true, n.span())),
            Some(w) => match values::parse_bool(&w.text) {
                Some(b) => {
                    self.extra(n, 1);
                    Some(Spanned::new(b, w.span))
                }
                None => {
                    self.bad(
                        w,
                        n.keyword(),
                        format!("`{}` is not one of true/on/yes/false/off/no", w.text),
                    );
                    None
                }
            },
        }
    }

    /// A flag that takes no argument at all.
    pub(crate) fn bare_flag(&mut self, n: &Node, value: bool) -> Option<Spanned<bool>> {
        self.no_block(n);
        self.extra(n, 0);
        Some(Spanned::new(value, n.span()))
    }

    /// One string argument.
    pub(crate) fn string(&mut self, n: &Node) -> Option<Spanned<String>> {
        self.no_block(n);
        let w = self.arg(n)?;
        self.extra(n, 1);
        Some(Spanned::new(w.text.to_string(), w.span))
    }

    /// One IP address argument.
    pub(crate) fn ip(&mut self, n: &Node) -> Option<Spanned<IpAddr>> {
        self.no_block(n);
        let w = self.arg(n)?;
        self.extra(n, 1);
        self.ip_word(w, n.keyword())
    }

    /// One IP address argument that keepalived skips with a message when malformed
    /// ("malformed src address ... Skipping", vrrp_parser.c): a warning here.
    pub(crate) fn ip_skipped(&mut self, n: &Node) -> Option<Spanned<IpAddr>> {
        self.no_block(n);
        let w = self.arg(n)?;
        self.extra(n, 1);
        self.ip_word_skipped(w, n.keyword())
    }

    /// [`Ctx::ip_word`] with a warning instead of an error for a malformed address.
    pub(crate) fn ip_word_skipped(&mut self, w: &Word, kw: &str) -> Option<Spanned<IpAddr>> {
        self.ip_word_sev(w, kw, Severity::Warning)
    }

    pub(crate) fn ip_word(&mut self, w: &Word, kw: &str) -> Option<Spanned<IpAddr>> {
        self.ip_word_sev(w, kw, Severity::Error)
    }

    fn ip_word_sev(&mut self, w: &Word, kw: &str, sev: Severity) -> Option<Spanned<IpAddr>> {
        match values::parse_ip(&w.text) {
            Ok(a) => Some(Spanned::new(a, w.span)),
            Err(e) => {
                // keepalived's inet_stosockaddr() (lib/utils.c) cuts the address at the
                // first `-` or `/` before parsing it: `10.0.0.1/24` is 10.0.0.1.
                if let Some(cut) = w.text.find(['/', '-'])
                    && let Ok(a) = values::parse_ip(&w.text[..cut])
                {
                    self.sink.push(
                        Diagnostic::warning(
                            "ignored",
                            w.span,
                            format!(
                                "`{}` after the address of `{kw}` is ignored",
                                &w.text[cut..]
                            ),
                        )
                        .with_hint(format!("write `{}`", &w.text[..cut])),
                    );
                    return Some(Spanned::new(a, w.span));
                }
                let mut d = match sev {
                    Severity::Error => Diagnostic::error(
                        "invalid-address",
                        w.span,
                        format!("invalid address for `{kw}`: {e}"),
                    ),
                    _ => Diagnostic::warning(
                        "invalid-address",
                        w.span,
                        format!("invalid address for `{kw}`, skipped as keepalived does: {e}"),
                    ),
                };
                if w.text.chars().all(|c| c.is_ascii_uppercase() || c == '_') {
                    d = d.with_hint(format!(
                        "`{}` looks like a placeholder that was never filled in",
                        w.text
                    ));
                }
                self.sink.push(d);
                None
            }
        }
    }

    /// A port number 0..65535 (or 1..65535).
    pub(crate) fn port_word(&mut self, w: &Word, kw: &str, lo: u64) -> Option<u16> {
        self.uint_word_strict::<u16>(w, kw, lo, 65535)
            .map(|s| s.value)
    }

    /// A script command: `kw "cmd args" [user [group]]`.
    pub(crate) fn script(&mut self, n: &Node) -> Option<Spanned<Script>> {
        self.no_block(n);
        let w = self.arg(n)?;
        let args = n.args();
        // With a quoted first argument the rest are user/group.
        if w.quoted || args.len() == 1 {
            if args.len() > 3 {
                self.extra(n, 3);
            }
            Some(Spanned::new(
                Script {
                    command: w.text.to_string(),
                    user: args.get(1).map(|u| u.text.to_string()),
                    group: args.get(2).map(|g| g.text.to_string()),
                },
                w.span,
            ))
        } else {
            // keepalived reads the line again with `"` and `'` quotes
            // (parser.c `alloc_strvec_quoted_escaped`): its first item is the
            // command (split into arguments later), the next ones USER
            // [GROUP] (lib/notify.c `notify_script_init`; vrrp_script and
            // misc_path ignore them). So `notify_master /x.sh arg` runs
            // /x.sh as user `arg`, and `script 'killall -0 x'` is one command.
            let raw = n.raw_args.clone().unwrap_or_else(|| {
                args.iter()
                    .map(|a| a.text.as_str())
                    .collect::<Vec<_>>()
                    .join(" ")
            });
            let (command, rest) = first_item(&raw);
            let mut more = rest.split_whitespace();
            let user = more.next().map(str::to_string);
            let group = more.next().map(str::to_string);
            if more.next().is_some() {
                self.extra(n, 3);
            }
            Some(Spanned::new(
                Script {
                    command,
                    user,
                    group,
                },
                w.span,
            ))
        }
    }

    /// `USER [GROUP]`.
    pub(crate) fn user(&mut self, n: &Node) -> Option<Spanned<ScriptUser>> {
        self.no_block(n);
        let w = self.arg(n)?;
        self.extra(n, 2);
        let group = n
            .args()
            .get(1)
            .map(|g| g.text.trim_start_matches(':').to_string());
        Some(Spanned::new(
            ScriptUser {
                user: w.text.to_string(),
                group,
            },
            w.span,
        ))
    }

    /// All arguments as strings.
    pub(crate) fn words(&mut self, n: &Node) -> Spanned<Vec<String>> {
        self.no_block(n);
        Spanned::new(
            n.args().iter().map(|w| w.text.to_string()).collect(),
            n.span(),
        )
    }

    pub(crate) fn lvs_method(&mut self, n: &Node) -> Option<Spanned<LvsMethod>> {
        self.no_block(n);
        let w = self.arg(n)?;
        let m = match w.text.to_ascii_uppercase().as_str() {
            "NAT" => LvsMethod::Nat,
            "DR" => LvsMethod::Dr,
            "TUN" => LvsMethod::Tun,
            _ => {
                self.bad(
                    w,
                    n.keyword(),
                    format!("`{}` is not NAT, DR or TUN", w.text),
                );
                return None;
            }
        };
        Some(Spanned::new(m, w.span))
    }

    /// The tunnel options after `lvs_method TUN`:
    /// `[type ipip|gue|gre] [port N] [nocsum|csum|remcsum]`, with keepalived's checks
    /// (check_parser.c forwarding_handler): GUE needs a port and only GUE takes one, ipip
    /// takes no checksum option, GRE no `remcsum`. None for NAT/DR (extra words warned) and
    /// on an error (reported).
    pub(crate) fn lvs_tunnel(&mut self, n: &Node) -> Option<Spanned<TunnelOptions>> {
        let args = n.args();
        let first = args.first()?;
        if !first.text.eq_ignore_ascii_case("TUN") {
            self.extra(n, 1);
            return None;
        }
        let mut opts = TunnelOptions {
            kind: TunnelType::Ipip,
            port: None,
            csum: TunnelCsum::Nocsum,
        };
        let mut i = 1;
        while let Some(w) = args.get(i) {
            match w.text.as_str() {
                "type" | "port" => {
                    let Some(v) = args.get(i + 1) else {
                        self.bad(w, n.keyword(), format!("`{}` needs a value", w.text));
                        return None;
                    };
                    if w.text == "type" {
                        opts.kind = match v.text.as_str() {
                            "ipip" => TunnelType::Ipip,
                            "gue" => TunnelType::Gue,
                            "gre" => TunnelType::Gre,
                            _ => {
                                self.bad(
                                    v,
                                    n.keyword(),
                                    format!("unknown tunnel type `{}` (ipip, gue, gre)", v.text),
                                );
                                return None;
                            }
                        };
                    } else {
                        opts.port = Some(
                            self.uint_word::<u16>(v, "lvs_method TUN port", 1, 65535)?
                                .value,
                        );
                    }
                    i += 2;
                    continue;
                }
                "nocsum" => opts.csum = TunnelCsum::Nocsum,
                "csum" => opts.csum = TunnelCsum::Csum,
                "remcsum" => opts.csum = TunnelCsum::Remcsum,
                _ => {
                    self.bad(
                        w,
                        n.keyword(),
                        format!("invalid tunnel option `{}`", w.text),
                    );
                    return None;
                }
            }
            i += 1;
        }
        let problem = if (opts.kind == TunnelType::Gue) != opts.port.is_some() {
            Some("gue tunnels require `port`, other tunnel types cannot have one")
        } else if opts.kind == TunnelType::Ipip && opts.csum != TunnelCsum::Nocsum {
            Some("ipip tunnels do not support a checksum option")
        } else if opts.kind == TunnelType::Gre && opts.csum == TunnelCsum::Remcsum {
            Some("gre tunnels do not support `remcsum`")
        } else {
            None
        };
        if let Some(msg) = problem {
            self.bad(first, n.keyword(), msg.to_string());
            return None;
        }
        Some(Spanned::new(opts, first.span))
    }

    /// Value-block entries: the block's children, with a warning for nested blocks.
    pub(crate) fn items<'n>(&mut self, n: &'n Node) -> &'n [Node] {
        match &n.block {
            Some(b) => &b.children,
            None => &[],
        }
    }
}

/// The first item of a script line as keepalived reads it again: a `'` or
/// `"` quoted text (quotes removed) or a word; and the rest of the line.
fn first_item(raw: &str) -> (String, &str) {
    let t = raw.trim_start();
    if let Some(q) = t.chars().next().filter(|c| *c == '\'' || *c == '"')
        && let Some(end) = t[1..].find(q)
    {
        return (t[1..1 + end].to_string(), &t[2 + end..]);
    }
    let end = t.find(char::is_whitespace).unwrap_or(t.len());
    (t[..end].to_string(), &t[end..])
}
