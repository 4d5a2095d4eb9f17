//! Checks across whole configurations (possibly several routers' files) for settings that
//! are valid but cannot do what they are meant to do.
//!
//! [`tracking_weights`] finds the classic failover trap: the Master has priority
//! 150, the Backup 100, and a `track_script` with `weight -20` is meant to hand over the
//! virtual router when the script fails. But 150 − 20 = 130 is still above 100, so the
//! Backup never takes over. keepalived accepts such files silently.
//!
//! Priority arithmetic follows keepalived (vrrp_track.c, see docs/keepalived.md §3.15): the
//! effective priority is `base + Σ adjustments`, clamped to 1..254; a tracker with weight
//! `+w` adds `w` while its object is up, `−w` subtracts `|w|` while it is down, `reverse`
//! flips the sign, and weight 0 means "FAULT when down" (no priority change). An address
//! owner (priority 255) never changes priority (RFC 9568 §6.1: the owner always uses 255).

use crate::diag::Diagnostic;
use crate::model::{Config, TrackRef, VrrpInstance};
use crate::span::Span;
use std::net::IpAddr;

/// A finding of a cross-file check: the index of the configuration it belongs to (in the
/// slice given to the check) and the diagnostic, whose span refers to that configuration's
/// source files (render it with that parse's [`SourceMap`](crate::SourceMap)).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Finding {
    /// Index of the configuration in the checked slice.
    pub config: usize,
    /// The warning.
    pub diagnostic: Diagnostic,
}

/// The priority one router can take for one virtual router.
#[derive(Debug, Clone)]
struct Router<'c> {
    config: usize,
    vi: &'c VrrpInstance,
    base: u32,
    /// Lowest and highest priority the trackers can produce (after clamping).
    low: u32,
    high: u32,
    /// Trackers with a non-zero weight: (span, signed effective weight; `None` when the
    /// adjustment is unbounded, as for a tracked file whose value multiplies the weight).
    weighted: Vec<(Span, &'c str, Option<i64>)>,
}

/// Address family of a virtual router: the first virtual address's, else the source
/// address's, else IPv4 (keepalived's default).
fn is_ipv6(vi: &VrrpInstance) -> bool {
    let addr: Option<IpAddr> = vi
        .virtual_ipaddress
        .first()
        .map(|v| v.address.value.addr)
        .or(vi.unicast_src_ip.as_ref().map(|a| a.value))
        .or(vi.mcast_src_ip.as_ref().map(|a| a.value));
    addr.is_some_and(|a| a.is_ipv6())
}

/// `weight N [reverse]` of a `vrrp_track_process NAME { ... }` block (default 0).
fn process_weight(cfg: &Config, name: &str) -> (i64, bool) {
    cfg.track_processes
        .iter()
        .find(|p| p.name.value == name)
        .map_or((0, false), |p| {
            (
                p.weight.as_ref().map_or(0, |w| i64::from(w.value)),
                p.reverse,
            )
        })
}

fn signed(w: i64, reverse: bool) -> i64 {
    if reverse { -w } else { w }
}

/// The effective weight of a reference: its own `weight`, else the tracked object's.
fn effective(r: &TrackRef, default: (i64, bool)) -> i64 {
    match r.weight {
        Some(w) => signed(i64::from(w), r.reverse),
        None => signed(default.0, default.1),
    }
}

fn router<'c>(config: usize, cfg: &'c Config, vi: &'c VrrpInstance) -> Router<'c> {
    let base = vi.priority.as_ref().map_or(100, |p| u32::from(p.value));
    let mut weighted = Vec::new();
    for r in &vi.track_interface {
        let w = effective(r, (0, false));
        if w != 0 {
            weighted.push((r.span, r.name.as_str(), Some(w)));
        }
    }
    for r in &vi.track_script {
        let script = cfg.vrrp_scripts.iter().find(|s| s.name.value == r.name);
        let default = script.map_or((0, false), |s| {
            (
                s.weight.as_ref().map_or(0, |w| i64::from(w.value)),
                s.reverse,
            )
        });
        let w = effective(r, default);
        if w != 0 {
            weighted.push((r.span, r.name.as_str(), Some(w)));
        }
    }
    for r in &vi.track_file {
        let file = cfg.track_files.iter().find(|f| f.name.value == r.name);
        let default = file.map_or((1, false), |f| {
            (
                f.weight.as_ref().map_or(1, |w| i64::from(w.value)),
                f.reverse,
            )
        });
        // the file's value multiplies the weight: any adjustment is possible
        if effective(r, default) != 0 {
            weighted.push((r.span, r.name.as_str(), None));
        }
    }
    for r in &vi.track_process {
        let w = effective(r, process_weight(cfg, &r.name));
        if w != 0 {
            weighted.push((r.span, r.name.as_str(), Some(w)));
        }
    }
    // track_bfd entries carry their resolved weight (the bfd_instance's if unwritten)
    for r in &vi.track_bfd {
        let w = effective(r, (0, false));
        if w != 0 {
            weighted.push((r.span, r.name.as_str(), Some(w)));
        }
    }
    let (mut low, mut high) = (i64::from(base), i64::from(base));
    if base < 255 {
        for (_, _, w) in &weighted {
            match w {
                Some(w) if *w < 0 => low += w,
                Some(w) => high += w,
                None => {
                    low = i64::MIN / 2;
                    high = i64::MAX / 2;
                }
            }
        }
    }
    let clamp = |p: i64| u32::try_from(p.clamp(1, 254)).unwrap_or(1);
    let (low, high) = if base >= 255 {
        (255, 255)
    } else {
        (clamp(low), clamp(high))
    };
    Router {
        config,
        vi,
        base,
        low,
        high,
        weighted,
    }
}

fn describe(configs: &[&Config], r: &Router<'_>) -> String {
    let file = configs[r.config].files.first().map_or("", String::as_str);
    if configs.len() > 1 && !file.is_empty() {
        format!("`{}` in {file}", r.vi.name.value)
    } else {
        format!("`{}`", r.vi.name.value)
    }
}

/// Warns where tracker weights can never change which router is Master.
///
/// `configs` are the configurations of the routers sharing the network (one file per
/// router, or one file with several instances). Instances are grouped by
/// (`virtual_router_id`, address family). For each instance: base priority `P` (default
/// 100), lowest reachable priority `P − Σ|negative weights|`, highest `P + Σ positive
/// weights`, clamped to 1..254; weights come from `track_interface`, `track_script`,
/// `track_file`, `track_process` and `track_bfd`, defaulting to the `vrrp_script` / `vrrp_track_file` /
/// `vrrp_track_process` weight; `reverse` flips the sign. A tracked file counts as able to
/// reach any priority (its value multiplies the weight).
///
/// - A group of two or more routers whose highest-priority router (unique) has weighted
///   trackers but whose lowest reachable priority is still above the highest reachable
///   priority of every other router: one warning per such tracker, at its span, with the
///   numbers and the weight that would allow a failover.
/// - An address owner (priority 255) never changes priority: each weighted tracker on it
///   is warned about, with one router or several.
///
/// A single router with a non-owner priority gets no warning (nothing to compare with).
pub fn tracking_weights(configs: &[&Config]) -> Vec<Finding> {
    let mut out = Vec::new();
    // (vrid, ipv6) → routers, in input order
    let mut groups: Vec<((u8, bool), Vec<Router<'_>>)> = Vec::new();
    for (i, cfg) in configs.iter().enumerate() {
        for vi in &cfg.vrrp_instances {
            let r = router(i, cfg, vi);
            if r.base >= 255 {
                for (span, _, _) in &r.weighted {
                    out.push(Finding {
                        config: i,
                        diagnostic: Diagnostic::warning(
                            "tracking-owner",
                            *span,
                            format!(
                                "`{}` has priority 255 (address owner), whose priority never changes: this tracker's weight has no effect",
                                vi.name.value
                            ),
                        )
                        .with_hint("use weight 0 (go to FAULT when the object fails) or give the instance a priority below 255"),
                    });
                }
            }
            let Some(vrid) = vi.virtual_router_id.as_ref().map(|v| v.value) else {
                continue;
            };
            let key = (vrid, is_ipv6(vi));
            match groups.iter_mut().find(|(k, _)| *k == key) {
                Some((_, rs)) => rs.push(r),
                None => groups.push((key, vec![r])),
            }
        }
    }
    for ((vrid, v6), routers) in &groups {
        if routers.len() < 2 {
            continue;
        }
        let Some(top_base) = routers.iter().map(|r| r.base).max() else {
            continue;
        };
        let mut tops = routers.iter().filter(|r| r.base == top_base);
        let (Some(top), None) = (tops.next(), tops.next()) else {
            continue; // equal base priorities: any drop changes the Master
        };
        if top.base >= 255 || top.weighted.is_empty() {
            continue;
        }
        let Some(rival) = routers
            .iter()
            .filter(|r| !std::ptr::eq(*r, top))
            .max_by_key(|r| r.high)
        else {
            continue;
        };
        if top.low <= rival.high {
            continue;
        }
        let neg: i64 = top
            .weighted
            .iter()
            .filter_map(|(_, _, w)| w.filter(|w| *w < 0))
            .sum();
        // the top must fall strictly below the rival's best for the rival to win
        let needed = i64::from(top.base) - i64::from(rival.high) + 1;
        let family = if *v6 { "IPv6" } else { "IPv4" };
        for (span, name, w) in &top.weighted {
            let Some(w) = w else { continue };
            let hint = if *w < 0 {
                let this = -*w + (needed + neg);
                format!(
                    "the negative weights must add up to at least -{needed} for {} to take over: e.g. `{name} weight -{this}`",
                    describe(configs, rival)
                )
            } else {
                format!(
                    "a positive weight only raises the Master; to hand over when the object fails use a negative weight of at least -{needed}, e.g. `{name} weight -{needed}`"
                )
            };
            out.push(Finding {
                config: top.config,
                diagnostic: Diagnostic::warning(
                    "tracking-never-fails-over",
                    *span,
                    format!(
                        "tracking can never change the Master of virtual router {vrid} ({family}): {} has priority {}, at least {} whatever its trackers report, still above {}, the most {} can reach",
                        describe(configs, top),
                        top.base,
                        top.low,
                        rival.high,
                        describe(configs, rival)
                    ),
                )
                .with_hint(hint),
            });
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{LoadOptions, parse_str};

    fn conf(name: &str, prio: u32, weight: &str, vrid: u32) -> Config {
        let text = format!(
            "vrrp_script chk {{\n    script \"/bin/true\"\n    {weight}\n}}\nvrrp_instance {name} {{\n    interface eth0\n    virtual_router_id {vrid}\n    priority {prio}\n    virtual_ipaddress {{\n        10.0.0.1/24\n    }}\n    track_script {{\n        chk\n    }}\n}}\n"
        );
        let p = parse_str(&format!("{name}.conf"), &text, &LoadOptions::default());
        assert!(!p.has_errors(), "{}", p.render_diagnostics());
        p.config
    }

    #[test]
    fn classic_trap_is_found_and_fixed_weight_is_not() {
        let m = conf("M", 150, "weight -20", 51);
        let b = conf("B", 100, "weight -20", 51);
        let f = tracking_weights(&[&m, &b]);
        assert_eq!(f.len(), 1, "{f:?}");
        assert_eq!(f[0].config, 0);
        let d = &f[0].diagnostic;
        assert_eq!(d.code, "tracking-never-fails-over");
        assert!(
            d.message.contains("priority 150, at least 130"),
            "{}",
            d.message
        );
        assert!(d.message.contains("still above 100"), "{}", d.message);
        assert!(
            d.hint.as_deref().is_some_and(|h| h.contains("weight -51")),
            "{d:?}"
        );
        // 150 - 51 = 99 < 100: fails over
        let m = conf("M", 150, "weight -51", 51);
        assert!(tracking_weights(&[&m, &b]).is_empty());
        // 150 - 50 = 100 = 100: a tie, decided by the primary addresses: not warned
        let m = conf("M", 150, "weight -50", 51);
        assert!(tracking_weights(&[&m, &b]).is_empty());
        // the backup's positive weight can lift it above 130
        let b2 = conf("B", 100, "weight 40", 51);
        assert!(tracking_weights(&[&conf("M", 150, "weight -20", 51), &b2]).is_empty());
    }

    #[test]
    fn single_router_and_other_vrids_give_nothing() {
        let m = conf("M", 150, "weight -20", 51);
        assert!(tracking_weights(&[&m]).is_empty());
        let b = conf("B", 100, "weight -20", 52);
        assert!(tracking_weights(&[&m, &b]).is_empty());
    }

    #[test]
    fn owner_with_weighted_tracker_is_warned_even_alone() {
        let o = conf("O", 255, "weight -20", 51);
        let f = tracking_weights(&[&o]);
        assert_eq!(f.len(), 1);
        assert_eq!(f[0].diagnostic.code, "tracking-owner");
        // weight 0 (fault mode) is fine
        let o = conf("O", 255, "weight 0", 51);
        assert!(tracking_weights(&[&o]).is_empty());
    }

    #[test]
    fn reverse_flips_the_sign() {
        // `weight 20 reverse`: -20 while the script is up, so the lowest is 130 too
        let m = conf("M", 150, "weight 20 reverse", 51);
        let b = conf("B", 100, "weight 0", 51);
        let f = tracking_weights(&[&m, &b]);
        assert_eq!(f.len(), 1, "{f:?}");
        assert!(f[0].diagnostic.message.contains("at least 130"));
    }
}
