//! `BFD_CHECK` and the `bfd_instance`s it names, as keepalived 2.2.7's checker
//! process reads them (check_bfd.c `bfd_name_handler`, `bfd_end_handler`;
//! bfd_parser.c `bfd_checker_handler`, `bfd_checker_end_handler`), and which
//! sessions lvsd runs (docs/keepalived.md §3.38).

use std::collections::BTreeSet;

use keepalived_conf as kc;

use super::Ctx;

/// The session a `bfd_instance` describes, for bfd-net; `None` when
/// keepalived's BFD process drops it (the one mapping, in bfd-net).
pub use bfd_net::keepalived::peer_spec;

/// The name a `BFD_CHECK` of real server `rs_name` (keepalived's `FMT_RS`)
/// follows, or `None` with keepalived's message when keepalived drops the
/// checker: no name; a name that is no `bfd_instance` of the checker process
/// (unknown, written after the checker in the same file, or one whose events
/// go to VRRP only); a session this real server already follows (`seen`).
pub(super) fn resolve(
    c: &mut Ctx,
    ch: &kc::Checker,
    b: &kc::BfdCheck,
    rs_name: &str,
    seen: &mut BTreeSet<String>,
) -> Option<String> {
    let Some(name) = &b.name else {
        c.warn(
            ch.span,
            format!(
                "({rs_name}) No name has been specified for BFD_CHECKER - skipping \
                 (keepalived's message; the real server is judged by its other checkers)"
            ),
        );
        return None;
    };
    let known = c.cfg.bfd_instances.iter().any(|i| {
        i.name.value == name.value
            && i.to_checker()
            && (i.name.span.file != name.span.file || i.name.span < name.span)
    });
    if !known {
        c.warn(
            name.span,
            format!(
                "({rs_name}) BFD_CHECK - BFD {} not configured (keepalived's message: no \
                 bfd_instance of that name is written before it with its events going to \
                 the checkers); the checker is ignored",
                name.value
            ),
        );
        return None;
    }
    if !seen.insert(name.value.clone()) {
        c.warn(
            name.span,
            format!(
                "({rs_name}) BFD_CHECK - RS already monitoring {} (keepalived's message); \
                 this checker is ignored",
                name.value
            ),
        );
        return None;
    }
    Some(name.value.clone())
}

/// The sessions vrrpd runs from this configuration: every session that runs
/// and whose events go to the VRRP side (neither `vrrp` nor `checker`
/// written, or `vrrp` written), tracked or not, as keepalived's BFD process
/// reports them to its VRRP process; none without a `vrrp_instance`.
fn vrrpd_sessions(cfg: &kc::Config) -> Vec<&str> {
    if cfg.vrrp_instances.is_empty() {
        return Vec::new();
    }
    cfg.bfd_instances
        .iter()
        .filter(|b| b.session && b.to_vrrp())
        .map(|b| b.name.value.as_str())
        .collect()
}

/// The sessions lvsd runs for the `BFD_CHECK`s that follow `used`. One host
/// has one owner of UDP port 3784: when vrrpd has BFD sessions to run
/// ([`vrrpd_sessions`]), vrrpd runs BFD and lvsd runs none; each
/// `bfd_instance` lvsd would have run is then warned.
pub(super) fn sessions(c: &mut Ctx, used: &BTreeSet<String>) -> Vec<bfd_net::PeerSpec> {
    let cfg = c.cfg;
    let wanted: Vec<&kc::BfdInstance> = cfg
        .bfd_instances
        .iter()
        .filter(|b| used.contains(&b.name.value) && b.session)
        .collect();
    let vrrp = vrrpd_sessions(cfg);
    if !vrrp.is_empty() {
        for b in wanted {
            c.warn(
                b.name.span,
                format!(
                    "bfd_instance `{}` is followed by a BFD_CHECK, and vrrpd runs the BFD \
                     sessions of this configuration (those whose events go to VRRP: {}): \
                     one host has one owner of UDP port 3784 and keepalived's single BFD \
                     process has no equivalent here, so lvsd runs no BFD session and the \
                     real servers checked by it keep their start state (up, or down with \
                     alpha)",
                    b.name.value,
                    vrrp.iter()
                        .map(|n| format!("`{n}`"))
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            );
        }
        return Vec::new();
    }
    wanted.into_iter().filter_map(peer_spec).collect()
}
