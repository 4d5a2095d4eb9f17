//! Keywords this crate reads that a daemon does not act on, with what keepalived 2.2.7
//! would have done instead. [`not_acted_on`] turns every use of one in a configuration
//! into a warning, so that a daemon never says "OK, 0 warnings" about a file whose
//! meaning it silently drops.
//!
//! One row per keyword and the section it is written in; the daemons ask this table
//! rather than keeping lists of their own.

use crate::Parsed;
use crate::diag::{Diagnostic, MAX_DIAGNOSTICS};
use crate::sections::for_each_statement;
use crate::span::{FileId, Span};
use crate::tree::Node;

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

/// A keyword a daemon accepts and does not act on.
#[non_exhaustive]
#[derive(Debug, Clone, Copy)]
pub struct NotActedOn {
    /// The block it is written in (`""` for the top level; `url` for a checker's url).
    pub section: &'static str,
    /// The keyword.
    pub keyword: &'static str,
    /// The daemons that read this section and ignore the keyword.
    pub daemons: &'static [Daemon],
    /// What keepalived 2.2.7 does with it, completing "keepalived would ...".
    pub keepalived_would: &'static str,
}

const V: &[Daemon] = &[Daemon::Vrrpd];
const L: &[Daemon] = &[Daemon::Lvsd];
const VL: &[Daemon] = &[Daemon::Vrrpd, Daemon::Lvsd];

const fn row(
    section: &'static str,
    keyword: &'static str,
    daemons: &'static [Daemon],
    keepalived_would: &'static str,
) -> NotActedOn {
    NotActedOn {
        section,
        keyword,
        daemons,
        keepalived_would,
    }
}

const IPTABLES: &str = "ignore it as its Debian build (nftables only) does, logging \
                        'iptables not supported, using nftables instead': vrrpd uses \
                        nftables table keepalived the same way";
const SNMP: &str = "serve this data over SNMP (AgentX); use --metrics-listen or the status \
                    command instead";
// vrrpd serves KEEPALIVED-MIB's global scalars, sync group, instance,
// address and tracked interface/script tables with it; the rest is missing
const SNMP_KEEPALIVED_MIB: &str = "serve KEEPALIVED-MIB's route, rule, script, file, BFD and \
                                   process tables and static_ipaddress rows (its global \
                                   scalars, sync group, instance, address and tracked \
                                   interface and script tables are served) and, with \
                                   enable_traps, send its vrrpInstanceStateChange and \
                                   vrrpSyncGroupStateChange traps; use --metrics-listen or \
                                   the status command instead";
const DBUS: &str = "publish instance states and accept commands over D-Bus";
const REGEX: &str = "fail the check unless the page matches the regular expression";
/// Every keyword a daemon reads and does not act on.
pub const NOT_ACTED_ON: &[NotActedOn] = &[
    // top level (keepalived/core/global_parser.c, vrrp_parser.c)
    row("", "net_namespace", L, "run in this network namespace"),
    row(
        "",
        "net_namespace_ipvs",
        L,
        "program IPVS in this network namespace",
    ),
    row(
        "",
        "namespace_with_ipsets",
        V,
        "use ipsets inside the network namespace",
    ),
    row(
        "",
        "use_pid_dir",
        VL,
        "write its default pid files under /run/keepalived/ (these daemons write one only with -p)",
    ),
    row(
        "",
        "child_wait_time",
        VL,
        "wait this long for its child processes at shutdown",
    ),
    row(
        "",
        "linkbeat_use_polling",
        V,
        "poll interface link state with ioctls instead of netlink",
    ),
    // global_defs (keepalived/core/global_parser.c)
    row(
        "global_defs",
        "startup_script",
        VL,
        "run this script before starting",
    ),
    row(
        "global_defs",
        "startup_script_timeout",
        VL,
        "wait this long for the startup_script",
    ),
    row(
        "global_defs",
        "shutdown_script",
        VL,
        "run this script after stopping",
    ),
    row(
        "global_defs",
        "shutdown_script_timeout",
        VL,
        "wait this long for the shutdown_script",
    ),
    row("global_defs", "vrrp_iptables", V, IPTABLES),
    row("global_defs", "vrrp_ipsets", V, IPTABLES),
    row(
        "global_defs",
        "vrrp_notify_priority_changes",
        V,
        "write priority changes to the notify FIFO",
    ),
    row(
        "global_defs",
        "no_checker_emails",
        L,
        "send no mail for checker state changes",
    ),
    row(
        "global_defs",
        "checker_log_all_failures",
        L,
        "log every failed check, not only state changes",
    ),
    row(
        "global_defs",
        "max_auto_priority",
        VL,
        "raise its own scheduling priority when it misses timers",
    ),
    row("global_defs", "enable_snmp_vrrp", V, SNMP_KEEPALIVED_MIB),
    row("global_defs", "enable_snmp_checker", L, SNMP),
    row(
        "global_defs",
        "enable_snmp_keepalived",
        VL,
        SNMP_KEEPALIVED_MIB,
    ),
    // vrrpd sends the VRRP-MIB and VRRPv3-MIB notifications; the checker's
    // (KEEPALIVED-MIB) are not sent
    row(
        "global_defs",
        "enable_traps",
        L,
        "send SNMP traps when real servers and virtual servers change state",
    ),
    row("global_defs", "snmp_socket", L, SNMP),
    row("global_defs", "enable_dbus", V, DBUS),
    row("global_defs", "dbus_service_name", V, DBUS),
    row("global_defs", "dbus_no_interface_name", V, DBUS),
    // vrrp_instance (keepalived/vrrp/vrrp_parser.c)
    row(
        "vrrp_instance",
        "vrf",
        V,
        "bind the sockets of this unicast, interface-less instance to the VRF device",
    ),
    row(
        "vrrp_instance",
        "use_vmac_addr",
        V,
        "put the VMAC's address on the VMAC interface",
    ),
    row(
        "vrrp_instance",
        "notify_priority_changes",
        V,
        "write priority changes to the notify FIFO",
    ),
    // virtual_server (keepalived/check/check_parser.c)
    row("virtual_server", "snmp_name", L, SNMP),
    row("virtual_server", "hashed", L, KEPT_AS_WRITTEN),
    // HTTP_GET / SSL_GET url (keepalived/check/check_http.c)
    row("url", "regex", L, REGEX),
    row("url", "regex_no_match", L, REGEX),
    row("url", "regex_options", L, REGEX),
    row("url", "regex_stack", L, REGEX),
    row("url", "regex_min_offset", L, REGEX),
    row("url", "regex_max_offset", L, REGEX),
];

/// What keepalived does with a keyword this crate keeps as written, with no row of its own.
const KEPT_AS_WRITTEN: &str = "use this setting (see keepalived.conf(5))";

/// The row for `keyword` written in `section` that `daemon` does not act on: a row of
/// [`NOT_ACTED_ON`], or, for a `global_defs` / `vrrp_instance` keyword the parser keeps
/// only as written (no daemon reads those), a row made for it.
pub fn lookup(section: &str, keyword: &str, daemon: Daemon) -> Option<NotActedOn> {
    if let Some(r) = NOT_ACTED_ON
        .iter()
        .find(|r| r.section == section && r.keyword == keyword)
    {
        return r.daemons.contains(&daemon).then_some(*r);
    }
    let daemons = match section {
        "global_defs" => {
            let k = crate::build::global::RAW.iter().find(|k| **k == keyword)?;
            global_owner(k)
        }
        "vrrp_instance" => {
            let k = crate::build::vrrp::INSTANCE_RAW
                .iter()
                .find(|k| **k == keyword)?;
            return daemon_row("vrrp_instance", k, V, daemon);
        }
        _ => return None,
    };
    daemon_row("global_defs", daemons.0, daemons.1, daemon)
}

fn daemon_row(
    section: &'static str,
    keyword: &'static str,
    daemons: &'static [Daemon],
    daemon: Daemon,
) -> Option<NotActedOn> {
    daemons
        .contains(&daemon)
        .then_some(row(section, keyword, daemons, KEPT_AS_WRITTEN))
}

/// Which daemon's side a `global_defs` keyword belongs to, by keepalived's naming: the
/// VRRP process's (`vrrp_*`, `vmac_*`, `nftables*`, BFD and process tracking), the
/// checker's (`checker_*`, `lvs_*`, `nftables_ipvs*`), or the whole program's.
fn global_owner(k: &'static str) -> (&'static str, &'static [Daemon]) {
    let lvs = ["checker_", "lvs_", "nftables_ipvs", "no_checker"];
    let vrrp = [
        "vrrp_",
        "vmac_",
        "nftables",
        "fifo_write_vrrp",
        "log_unknown_vrids",
        "v3_checksum",
        "disable_local_igmp",
        "enable_dbus",
        "dbus_",
        "linkbeat",
        "bfd_",
        "process_monitor",
        "no_email_faults",
        "dynamic_interfaces",
        "default_interface",
    ];
    let daemons = if lvs.iter().any(|p| k.starts_with(p)) {
        L
    } else if vrrp.iter().any(|p| k.starts_with(p)) {
        V
    } else {
        VL
    };
    (k, daemons)
}

/// A warning for every use in `parsed` of a keyword `daemon` does not act on, at its
/// file and line, naming what keepalived would have done. A flag written as `false`
/// (`smtp_alert false`) asks for nothing and is not reported.
///
/// As many are kept as the parser keeps diagnostics (1000); past that they are only
/// counted, and one more warning without a position says how many were not kept.
/// The files are read again one top-level statement at a time.
pub fn not_acted_on(parsed: &Parsed, daemon: Daemon) -> Vec<Diagnostic> {
    let mut out = Warnings::default();
    for_each_statement(parsed, |file, n, _| {
        walk(std::slice::from_ref(n), "", file, daemon, &mut out, 0);
    });
    out.finish()
}

/// The warnings of [`not_acted_on`], at most [`MAX_DIAGNOSTICS`] kept.
#[derive(Default)]
struct Warnings {
    kept: Vec<Diagnostic>,
    dropped: usize,
}

impl Warnings {
    fn finish(mut self) -> Vec<Diagnostic> {
        if self.dropped > 0 {
            self.kept.push(Diagnostic {
                severity: crate::Severity::Warning,
                code: "too-many-diagnostics",
                span: None,
                message: format!(
                    "{} further keywords that are not acted on were not listed",
                    self.dropped
                ),
                hint: None,
            });
        }
        self.kept
    }
}

/// Nesting deeper than a checker's `url` holds nothing in the table.
const MAX_DEPTH: usize = 4;

fn walk(
    nodes: &[Node],
    section: &str,
    file: FileId,
    daemon: Daemon,
    out: &mut Warnings,
    depth: usize,
) {
    for n in nodes {
        let kw = n.keyword();
        if let Some(r) = lookup(section, kw, daemon)
            && !written_false(n)
        {
            if out.kept.len() < MAX_DIAGNOSTICS {
                let sp = n.span();
                out.kept.push(
                    Diagnostic::warning(
                        "not-acted-on",
                        Span { file, ..sp },
                        format!(
                            "`{kw}` is not acted on by {}: keepalived would {}",
                            daemon.name(),
                            r.keepalived_would
                        ),
                    )
                    .with_hint("run keepalived for this if you rely on it"),
                );
            } else {
                out.dropped += 1;
            }
        }
        if depth < MAX_DEPTH
            && let Some(b) = &n.block
        {
            walk(&b.children, kw, file, daemon, out, depth + 1);
        }
    }
}

/// `KEYWORD false|no|off`: an explicit "do not".
fn written_false(n: &Node) -> bool {
    n.args()
        .first()
        .and_then(|w| crate::values::parse_bool(&w.text))
        == Some(false)
}

/// The sections of the keyword matrix: (section, its keywords, the daemon that reads it;
/// `None` for `global_defs`, read by both).
fn matrix_sections() -> Vec<(&'static str, Vec<&'static str>, Option<Daemon>)> {
    use crate::build::{bfd, global, lvs, vrrp};
    vec![
        ("global_defs", global::known(), None),
        ("vrrp_instance", vrrp::instance_known(), Some(Daemon::Vrrpd)),
        (
            "vrrp_sync_group",
            vrrp::SYNC_TYPED.to_vec(),
            Some(Daemon::Vrrpd),
        ),
        ("vrrp_script", vrrp::SCRIPT_KW.to_vec(), Some(Daemon::Vrrpd)),
        ("bfd_instance", bfd::BFD_KW.to_vec(), Some(Daemon::Vrrpd)),
        (
            "vrrp_track_process",
            vrrp::PROCESS_KW.to_vec(),
            Some(Daemon::Vrrpd),
        ),
        ("virtual_server", lvs::vs_known(), Some(Daemon::Lvsd)),
        ("real_server", lvs::RS_KW.to_vec(), Some(Daemon::Lvsd)),
        ("url", lvs::URL_KW.to_vec(), Some(Daemon::Lvsd)),
    ]
}

/// The keyword matrix (docs/keywords.md): for each keyword of the main sections, how
/// the parser keeps it and what each daemon does with it, from the parser's keyword
/// lists and [`NOT_ACTED_ON`]. A test keeps the checked-in file equal to this.
pub fn matrix_markdown() -> String {
    let mut s = String::from(
        "# keepalived.conf keywords: what vrrpd and lvsd do with them\n\n\
         Generated from keepalived-conf's keyword lists and `keywords::NOT_ACTED_ON` \
         (`BLESS=1 cargo test -p keepalived-conf --test keyword_matrix` rewrites it).\n\n\
         - **model**: `typed` (a field of the typed model) or `as written` (kept as a raw \
         setting; no daemon reads it).\n\
         - **vrrpd** / **lvsd**: `read` (the section is the daemon's and no gap is recorded), \
         `warned` (accepted, not acted on: the daemon warns at load and in `-t`, naming what \
         keepalived would do), `-` (the other daemon's section). A setting only a `warned` feature uses is not acted \
         on either.\n\n\
         Value types, ranges and defaults follow keepalived 2.2.7 (keepalived.conf(5)); \
         values keepalived reports and ignores are warnings here too.\n",
    );
    let raw = |section: &str, k: &str| match section {
        "global_defs" => crate::build::global::RAW.contains(&k),
        "vrrp_instance" => crate::build::vrrp::INSTANCE_RAW.contains(&k),
        "virtual_server" => crate::build::lvs::VS_RAW.contains(&k),
        _ => false,
    };
    for (section, mut kws, owner) in matrix_sections() {
        kws.sort_unstable();
        kws.dedup();
        s.push_str(&format!(
            "\n## {section}\n\n| keyword | model | vrrpd | lvsd |\n|---|---|---|---|\n"
        ));
        for k in kws {
            let col = |d: Daemon| {
                let side = match owner {
                    Some(o) => o == d,
                    None => global_owner_of(k).contains(&d),
                };
                if !side {
                    "-"
                } else if lookup(section, k, d).is_some() {
                    "warned"
                } else {
                    "read"
                }
            };
            s.push_str(&format!(
                "| `{k}` | {} | {} | {} |\n",
                if raw(section, k) {
                    "as written"
                } else {
                    "typed"
                },
                col(Daemon::Vrrpd),
                col(Daemon::Lvsd)
            ));
        }
    }
    s
}

/// [`global_owner`] for any `global_defs` keyword.
fn global_owner_of(k: &str) -> &'static [Daemon] {
    crate::build::global::known()
        .into_iter()
        .find(|x| *x == k)
        .map_or(VL, |x| global_owner(x).1)
}
