//! The effective settings of a `vrrp_instance`: what keepalived runs with once its
//! defaults and the `global_defs` fallbacks are applied (vrrp.c
//! `vrrp_complete_instance`, `vrrp_complete_init`; docs/keepalived.md §3.4, §3.12).
//! A daemon maps from this view instead of applying the fallbacks itself; the keyword
//! tables ([`crate::table`]) document the same defaults and fallbacks.
//!
//! [`checker`] does the same for a checker's timing: the checker's setting, else its
//! real server's, else its virtual server's, else keepalived's default for the kind of
//! checker (check_parser.c, check_api.c).
//!
//! Settings that depend on the host (the address family of the first VIP forcing
//! VRRPv3, interface addresses) stay with the daemon.

use crate::model::{
    Checker, CheckerKind, GarpExtraIf, GlobalDefs, RealServer, Script, VirtualServer, VrrpInstance,
    VrrpState, VrrpSyncGroup,
};
use crate::span::Spanned;
use std::net::IpAddr;
use std::time::Duration;

/// keepalived's defaults for what an instance does not write.
pub mod defaults {
    /// VRRP version (`VRRP_VERSION_2`).
    pub const VERSION: u8 = 2;
    /// Priority of a backup router (`VRRP_PRIO_DFL`).
    pub const PRIORITY: u8 = 100;
    /// Priority of the address owner, taken by an instance written `state MASTER`
    /// without a priority (`VRRP_PRIO_OWNER`).
    pub const OWNER_PRIORITY: u8 = 255;
    /// Seconds before the gratuitous ARP burst after becoming master.
    pub const GARP_MASTER_DELAY: u32 = 5;
    /// Gratuitous ARPs per burst.
    pub const GARP_MASTER_REPEAT: u32 = 5;
    /// Seconds between refresh bursts while master (0: none).
    pub const GARP_MASTER_REFRESH: u32 = 0;
    /// Gratuitous ARPs per refresh burst.
    pub const GARP_MASTER_REFRESH_REPEAT: u32 = 1;
    /// Advertisement intervals of silence before a backup takes over
    /// (`VRRP_DOWN_TIMER_ADVERTS`).
    pub const DOWN_TIMER_ADVERTS: u32 = 3;
    /// The IPv4 VRRP multicast group (RFC 3768 §5.2.2, RFC 9568 §5.1.1.2).
    pub const MCAST_GROUP4: std::net::Ipv4Addr = std::net::Ipv4Addr::new(224, 0, 0, 18);
    /// The IPv6 VRRP multicast group (RFC 9568 §5.1.2.2).
    pub const MCAST_GROUP6: std::net::Ipv6Addr =
        std::net::Ipv6Addr::new(0xff02, 0, 0, 0, 0, 0, 0, 0x12);
}

/// The gratuitous ARP / unsolicited NA schedule of an instance, seconds and counts.
#[non_exhaustive]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Garp {
    /// `garp_master_delay`.
    pub master_delay: u32,
    /// `garp_master_repeat`.
    pub master_repeat: u32,
    /// `garp_master_refresh`.
    pub master_refresh: u32,
    /// `garp_master_refresh_repeat`.
    pub master_refresh_repeat: u32,
    /// `garp_lower_prio_delay`.
    pub lower_prio_delay: u32,
    /// `garp_lower_prio_repeat`.
    pub lower_prio_repeat: u32,
}

/// A `vrrp_instance` with keepalived's defaults and `global_defs` fallbacks applied.
#[non_exhaustive]
#[derive(Debug, Clone, Copy)]
pub struct EffectiveInstance<'a> {
    /// The instance as written.
    pub instance: &'a VrrpInstance,
    /// The version written: the instance's `version`, else `vrrp_version`.
    pub version_written: Option<&'a Spanned<u8>>,
    /// The version: [`EffectiveInstance::version_written`], else 2 (IPv6 forces 3,
    /// which the daemon applies once it knows the family).
    pub version: u8,
    /// `priority`, else 255 with `state MASTER`, else 100.
    pub priority: u8,
    /// `strict_mode`, else `vrrp_strict`.
    pub strict: bool,
    /// The GARP schedule.
    pub garp: Garp,
    /// `down_timer_adverts`, else `vrrp_down_timer_adverts`, else 3.
    pub down_timer_adverts: u32,
    /// `lower_prio_no_advert`, else `vrrp_lower_prio_no_advert`.
    pub lower_prio_no_advert: bool,
    /// `higher_prio_send_advert`, else `vrrp_higher_prio_send_advert`.
    pub higher_prio_send_advert: bool,
    /// `garp_extra_if`, else `vrrp_garp_extra_if`.
    pub garp_extra_if: Option<GarpExtraIf>,
    /// `smtp_alert`, else `smtp_alert_vrrp`, else `smtp_alert` of `global_defs`.
    pub smtp_alert: bool,
}

/// The first written of `own` and `global`.
fn either<'a, T>(own: &'a Option<Spanned<T>>, global: &'a Option<Spanned<T>>) -> Option<&'a T> {
    own.as_ref().or(global.as_ref()).map(|s| &s.value)
}

/// The effective settings of `vi` under `g`.
pub fn instance<'a>(vi: &'a VrrpInstance, g: &'a GlobalDefs) -> EffectiveInstance<'a> {
    let version_written = vi.version.as_ref().or(g.vrrp_version.as_ref());
    let master = vi
        .state
        .as_ref()
        .is_some_and(|s| s.value == VrrpState::Master);
    let priority = match &vi.priority {
        Some(p) => p.value,
        None if master => defaults::OWNER_PRIORITY,
        None => defaults::PRIORITY,
    };
    let flag = |own: &Option<Spanned<bool>>, global: &Option<Spanned<bool>>| {
        either(own, global).is_some_and(|b| *b)
    };
    EffectiveInstance {
        instance: vi,
        version_written,
        version: version_written.map_or(defaults::VERSION, |v| v.value),
        priority,
        strict: flag(&vi.strict_mode, &g.vrrp_strict),
        garp: garp(vi, g),
        down_timer_adverts: either(&vi.down_timer_adverts, &g.vrrp_down_timer_adverts)
            .copied()
            .unwrap_or(defaults::DOWN_TIMER_ADVERTS),
        lower_prio_no_advert: flag(&vi.lower_prio_no_advert, &g.vrrp_lower_prio_no_advert),
        higher_prio_send_advert: flag(&vi.higher_prio_send_advert, &g.vrrp_higher_prio_send_advert),
        garp_extra_if: either(&vi.garp_extra_if, &g.vrrp_garp_extra_if).copied(),
        smtp_alert: smtp_alert_vrrp(&vi.smtp_alert, g),
    }
}

/// Whether instance `vi` writes its effective priority changes to the notify
/// FIFOs: its `notify_priority_changes`, else that of the sync group listing it
/// (the first one, as keepalived keeps one group per instance), else
/// `vrrp_notify_priority_changes`, else off (vrrp.c `vrrp_complete_instance`).
pub fn notify_priority_changes(
    vi: &VrrpInstance,
    groups: &[VrrpSyncGroup],
    g: &GlobalDefs,
) -> bool {
    let group = groups
        .iter()
        .find(|sg| sg.group.iter().any(|m| m.value == vi.name.value))
        .and_then(|sg| sg.notify_priority_changes.as_ref());
    vi.notify_priority_changes
        .as_ref()
        .or(group)
        .or(g.vrrp_notify_priority_changes.as_ref())
        .is_some_and(|b| b.value)
}

/// Whether an instance or sync group whose own `smtp_alert` is `own` sends mail:
/// `own`, else `smtp_alert_vrrp`, else `smtp_alert`, else off (smtp.c `smtp_alert`).
pub fn smtp_alert_vrrp(own: &Option<Spanned<bool>>, g: &GlobalDefs) -> bool {
    own.as_ref()
        .or(g.smtp_alert_vrrp.as_ref())
        .or(g.smtp_alert.as_ref())
        .is_some_and(|b| b.value)
}

/// The GARP schedule: each setting from the instance, else `global_defs`, else
/// keepalived's default. Unset, the lower-priority burst follows the *global* master
/// settings, not the instance's (vrrp.c `vrrp_complete_instance` takes
/// `vrrp_garp_lower_prio_*`, which `vrrp_complete_init` defaults to
/// `vrrp_garp_master_*`). `vrrp_min_garp` makes the master burst one GARP, at once.
fn garp(vi: &VrrpInstance, g: &GlobalDefs) -> Garp {
    let or = |own: &Option<Spanned<u32>>, global: &Option<Spanned<u32>>, dflt: u32| {
        either(own, global).copied().unwrap_or(dflt)
    };
    let global_delay = or(
        &None,
        &g.vrrp_garp_master_delay,
        defaults::GARP_MASTER_DELAY,
    );
    let global_repeat = or(
        &None,
        &g.vrrp_garp_master_repeat,
        defaults::GARP_MASTER_REPEAT,
    );
    let mut garp = Garp {
        master_delay: or(
            &vi.garp_master_delay,
            &g.vrrp_garp_master_delay,
            defaults::GARP_MASTER_DELAY,
        ),
        master_repeat: or(
            &vi.garp_master_repeat,
            &g.vrrp_garp_master_repeat,
            defaults::GARP_MASTER_REPEAT,
        ),
        master_refresh: or(
            &vi.garp_master_refresh,
            &g.vrrp_garp_master_refresh,
            defaults::GARP_MASTER_REFRESH,
        ),
        master_refresh_repeat: or(
            &vi.garp_master_refresh_repeat,
            &g.vrrp_garp_master_refresh_repeat,
            defaults::GARP_MASTER_REFRESH_REPEAT,
        ),
        lower_prio_delay: or(
            &vi.garp_lower_prio_delay,
            &g.vrrp_garp_lower_prio_delay,
            global_delay,
        ),
        lower_prio_repeat: or(
            &vi.garp_lower_prio_repeat,
            &g.vrrp_garp_lower_prio_repeat,
            global_repeat,
        ),
    };
    if g.vrrp_min_garp.as_ref().is_some_and(|b| b.value) {
        garp.master_repeat = 1;
        garp.master_delay = 0;
    }
    garp
}

/// The notify FIFOs the VRRP process writes, each with the script reading it:
/// `notify_fifo` (shared with the checker) and `vrrp_notify_fifo`, in that order.
pub fn vrrp_notify_fifos(g: &GlobalDefs) -> Vec<(&Spanned<Script>, &Option<Spanned<Script>>)> {
    [
        (&g.notify_fifo, &g.notify_fifo_script),
        (&g.vrrp_notify_fifo, &g.vrrp_notify_fifo_script),
    ]
    .into_iter()
    .filter_map(|(fifo, script)| fifo.as_ref().map(|f| (f, script)))
    .collect()
}

/// Where an instance's multicast group comes from.
#[non_exhaustive]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum McastSource {
    /// The instance has `unicast_peer`s: no group.
    Unicast,
    /// The instance's `mcast_dst_ip`.
    Instance,
    /// `vrrp_mcast_group4` / `vrrp_mcast_group6` of `global_defs`.
    Global,
    /// keepalived's default, the family's VRRP group.
    Default,
}

/// Why an instance's `mcast_dst_ip` is not used.
#[non_exhaustive]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DstIgnored {
    /// The instance is unicast (vrrp.c `vrrp_complete_instance`).
    Unicast,
    /// It is of the other address family (vrrp_parser.c `vrrp_mcast_dstip_handler`).
    OtherFamily,
    /// It is not (link-local, for IPv6) multicast (vrrp_parser.c
    /// `vrrp_mcast_dstip_handler`).
    NotMulticast,
}

/// The multicast group of an instance with keepalived's fallbacks applied:
/// `mcast_dst_ip`, else `vrrp_mcast_group4` / `vrrp_mcast_group6`, else the family's
/// VRRP group (docs/keepalived.md §3.27).
#[non_exhaustive]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct McastGroup<'a> {
    /// The group; None for a unicast instance.
    pub group: Option<IpAddr>,
    /// Where [`McastGroup::group`] comes from.
    pub source: McastSource,
    /// The instance's `mcast_dst_ip` when it is written and skipped, and why.
    pub dst_ignored: Option<(&'a Spanned<IpAddr>, DstIgnored)>,
    /// The global IPv6 group taken although it is not link-local multicast
    /// (global_parser.c `vrrp_mcast_group6_handler` only warns).
    pub global_not_link_local: Option<&'a Spanned<IpAddr>>,
}

/// Whether `a` can be a VRRP group: multicast, and for IPv6 with `link_local`,
/// link-local multicast (ff02::/16 with any flags, keepalived's
/// `IN6_IS_ADDR_MC_LINKLOCAL`).
fn is_group(a: IpAddr, link_local: bool) -> bool {
    match a {
        IpAddr::V4(v) => v.is_multicast(),
        IpAddr::V6(v) => v.is_multicast() && (!link_local || v.segments()[0] & 0xff0f == 0xff02),
    }
}

/// The multicast group of `vi` under `g`, the instance's family being IPv6 when `ipv6`
/// (the daemon knows the family once it has read the addresses). A global group of
/// the other family or not multicast was reported by the parser and is skipped, as
/// keepalived skips it.
pub fn mcast_group<'a>(vi: &'a VrrpInstance, g: &'a GlobalDefs, ipv6: bool) -> McastGroup<'a> {
    let unicast = !vi.unicast_peer.is_empty();
    let mut m = McastGroup {
        group: None,
        source: McastSource::Unicast,
        dst_ignored: None,
        global_not_link_local: None,
    };
    if let Some(d) = &vi.mcast_dst_ip {
        let why = if unicast {
            Some(DstIgnored::Unicast)
        } else if d.value.is_ipv6() != ipv6 {
            Some(DstIgnored::OtherFamily)
        } else if !is_group(d.value, true) {
            Some(DstIgnored::NotMulticast)
        } else {
            None
        };
        match why {
            None => {
                m.group = Some(d.value);
                m.source = McastSource::Instance;
                return m;
            }
            Some(why) => m.dst_ignored = Some((d, why)),
        }
    }
    if unicast {
        return m;
    }
    let global = if ipv6 {
        &g.vrrp_mcast_group6
    } else {
        &g.vrrp_mcast_group4
    };
    match global {
        Some(d) if d.value.is_ipv6() == ipv6 && is_group(d.value, false) => {
            m.group = Some(d.value);
            m.source = McastSource::Global;
            if ipv6 && !is_group(d.value, true) {
                m.global_not_link_local = Some(d);
            }
        }
        _ => {
            m.group = Some(if ipv6 {
                IpAddr::V6(defaults::MCAST_GROUP6)
            } else {
                IpAddr::V4(defaults::MCAST_GROUP4)
            });
            m.source = McastSource::Default;
        }
    }
    m
}

/// A checker's timing and `alpha` with the fallbacks and defaults applied.
#[non_exhaustive]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CheckerTiming {
    /// `connect_timeout`, default 5 s.
    pub connect_timeout: Duration,
    /// `retry`: default 1; MISC_CHECK 0, DNS_CHECK 3.
    pub retry: u32,
    /// `delay_before_retry`: default 1 s; HTTP_GET and SSL_GET 3 s, DNS_CHECK the
    /// `delay_loop`.
    pub delay_before_retry: Duration,
    /// `delay_loop`, default 60 s.
    pub delay_loop: Duration,
    /// `warmup`, default the `delay_loop`.
    pub warmup: Duration,
    /// `alpha`, default off.
    pub alpha: bool,
}

/// The timing of checker `ch` of real server `rs` in virtual server `vs`.
pub fn checker(ch: &Checker, rs: &RealServer, vs: &VirtualServer) -> CheckerTiming {
    fn pick<T: Copy>(
        a: &Option<Spanned<T>>,
        b: &Option<Spanned<T>>,
        c: &Option<Spanned<T>>,
    ) -> Option<T> {
        a.as_ref().or(b.as_ref()).or(c.as_ref()).map(|s| s.value)
    }
    let (retry_default, http) = match &ch.kind {
        CheckerKind::Misc(_) => (0, false),
        CheckerKind::Dns(_) => (3, false),
        CheckerKind::Http(_) | CheckerKind::Ssl(_) => (1, true),
        _ => (1, false),
    };
    let delay_loop =
        pick(&ch.delay_loop, &rs.delay_loop, &vs.delay_loop).unwrap_or(Duration::from_secs(60));
    let dbr_default = match &ch.kind {
        CheckerKind::Dns(_) => delay_loop,
        _ if http => Duration::from_secs(3),
        _ => Duration::from_secs(1),
    };
    CheckerTiming {
        connect_timeout: pick(
            &ch.connect.connect_timeout,
            &rs.connect_timeout,
            &vs.connect_timeout,
        )
        .unwrap_or(Duration::from_secs(5)),
        retry: pick(&ch.retry, &rs.retry, &vs.retry).unwrap_or(retry_default),
        delay_before_retry: pick(
            &ch.delay_before_retry,
            &rs.delay_before_retry,
            &vs.delay_before_retry,
        )
        .unwrap_or(dbr_default),
        delay_loop,
        warmup: pick(&ch.warmup, &rs.warmup, &vs.warmup).unwrap_or(delay_loop),
        alpha: pick(&ch.alpha, &rs.alpha, &vs.alpha).unwrap_or(false),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{LoadOptions, parse_str};

    fn eff(text: &str, check: impl FnOnce(EffectiveInstance<'_>)) {
        let p = parse_str("t.conf", text, &LoadOptions::default());
        let c = &p.config;
        check(instance(&c.vrrp_instances[0], &c.global_defs));
    }

    /// The instance's `notify_priority_changes`, else its sync group's,
    /// else `vrrp_notify_priority_changes`.
    #[test]
    fn notify_priority_changes_fallbacks() {
        let on = |global: &str, own: &str, group: &str| {
            let text = format!(
                "global_defs {{\n{global}\n}}\nvrrp_instance A {{\n{own}\n}}\n\
                 vrrp_instance B {{\n}}\nvrrp_sync_group G {{\n group {{\n  A\n  B\n }}\n{group}\n}}\n"
            );
            let p = parse_str("t.conf", &text, &LoadOptions::default());
            let c = &p.config;
            notify_priority_changes(&c.vrrp_instances[0], &c.vrrp_sync_groups, &c.global_defs)
        };
        assert!(!on("", "", ""));
        assert!(on("vrrp_notify_priority_changes", "", ""));
        assert!(on("", "", "notify_priority_changes"));
        assert!(!on(
            "vrrp_notify_priority_changes",
            "",
            "notify_priority_changes false"
        ));
        assert!(on(
            "",
            "notify_priority_changes",
            "notify_priority_changes false"
        ));
        assert!(!on(
            "vrrp_notify_priority_changes",
            "notify_priority_changes false",
            ""
        ));
    }

    #[test]
    fn defaults_without_global_defs() {
        eff("vrrp_instance A {\n state MASTER\n}\n", |e| {
            assert_eq!((e.version, e.priority, e.down_timer_adverts), (2, 255, 3));
            assert!(e.version_written.is_none() && !e.strict && !e.smtp_alert);
            assert_eq!(
                e.garp,
                Garp {
                    master_delay: 5,
                    master_repeat: 5,
                    master_refresh: 0,
                    master_refresh_repeat: 1,
                    lower_prio_delay: 5,
                    lower_prio_repeat: 5,
                }
            );
        });
        eff("vrrp_instance A {\n}\n", |e| assert_eq!(e.priority, 100));
    }

    #[test]
    fn global_defs_fill_in_and_the_instance_wins() {
        let text = "global_defs {\n vrrp_version 3\n vrrp_strict\n vrrp_garp_master_delay 2\n \
                    vrrp_garp_master_repeat 7\n vrrp_down_timer_adverts 9\n smtp_alert\n \
                    vrrp_garp_extra_if all 30\n}\n\
                    vrrp_instance A {\n garp_master_delay 1\n garp_lower_prio_repeat 4\n \
                    smtp_alert false\n}\n";
        eff(text, |e| {
            assert_eq!((e.version, e.down_timer_adverts), (3, 9));
            assert!(e.strict && !e.smtp_alert);
            // the lower-priority burst follows the global master settings
            assert_eq!(
                (e.garp.master_delay, e.garp.master_repeat),
                (1, 7),
                "{:?}",
                e.garp
            );
            assert_eq!((e.garp.lower_prio_delay, e.garp.lower_prio_repeat), (2, 4));
            assert_eq!(
                e.garp_extra_if,
                Some(GarpExtraIf {
                    delay: 30,
                    all: true
                })
            );
        });
    }

    #[test]
    fn checker_timing_falls_back_to_the_real_then_the_virtual_server() {
        let text = "virtual_server 10.0.0.1 53 {\n delay_loop 10\n retry 7\n \
                    real_server 10.0.0.2 53 {\n  connect_timeout 2\n  alpha\n  \
                    DNS_CHECK {\n   warmup 4\n  }\n  MISC_CHECK {\n   misc_path /bin/true\n   \
                    retry 0\n  }\n }\n}\n";
        let p = parse_str("t.conf", text, &LoadOptions::default());
        let vs = &p.config.virtual_servers[0];
        let rs = &vs.real_servers[0];
        let dns = checker(&rs.checkers[0], rs, vs);
        let s = Duration::from_secs;
        assert_eq!(
            dns,
            CheckerTiming {
                connect_timeout: s(2),
                retry: 7,
                // DNS_CHECK: the delay_loop
                delay_before_retry: s(10),
                delay_loop: s(10),
                warmup: s(4),
                alpha: true,
            }
        );
        let misc = checker(&rs.checkers[1], rs, vs);
        assert_eq!(
            (misc.retry, misc.delay_before_retry, misc.warmup),
            (0, s(1), s(10))
        );
    }

    /// The keyword table documents the defaults this view applies.
    #[test]
    fn the_table_documents_these_defaults() {
        let t = &crate::table::INSTANCE;
        for (kw, value) in [
            ("version", defaults::VERSION.to_string()),
            ("priority", defaults::PRIORITY.to_string()),
            ("garp_master_delay", defaults::GARP_MASTER_DELAY.to_string()),
            (
                "garp_master_repeat",
                defaults::GARP_MASTER_REPEAT.to_string(),
            ),
            (
                "garp_master_refresh",
                defaults::GARP_MASTER_REFRESH.to_string(),
            ),
            (
                "garp_master_refresh_repeat",
                defaults::GARP_MASTER_REFRESH_REPEAT.to_string(),
            ),
            (
                "down_timer_adverts",
                defaults::DOWN_TIMER_ADVERTS.to_string(),
            ),
        ] {
            let row = t.get(kw).unwrap();
            assert!(
                row.default.split([';', ' ']).next() == Some(value.as_str()),
                "{kw}: table says `{}`, the view applies {value}",
                row.default
            );
        }
        let owner = defaults::OWNER_PRIORITY.to_string();
        assert!(t.get("priority").unwrap().default.contains(&owner));
        for kw in [
            "garp_master_delay",
            "down_timer_adverts",
            "version",
            "strict_mode",
        ] {
            assert!(
                t.get(kw).unwrap().fallback.starts_with("global_defs"),
                "{kw}"
            );
        }
    }

    #[test]
    fn mcast_group_falls_back_to_global_defs_then_the_vrrp_group() {
        let text = "global_defs {\n vrrp_mcast_group4 224.0.0.44\n vrrp_mcast_group6 ff05::44\n}\n\
                    vrrp_instance A {\n}\n\
                    vrrp_instance B {\n mcast_dst_ip 224.0.0.55\n}\n\
                    vrrp_instance C {\n mcast_dst_ip ff02::55\n}\n\
                    vrrp_instance D {\n mcast_dst_ip 224.0.0.55\n unicast_peer {\n 10.0.0.2\n }\n}\n";
        let p = parse_str("t.conf", text, &LoadOptions::default());
        let c = &p.config;
        let g = &c.global_defs;
        let m = |i: usize, v6: bool| mcast_group(&c.vrrp_instances[i], g, v6);
        let ip = |s: &str| Some(s.parse::<IpAddr>().unwrap());
        assert_eq!(
            (m(0, false).group, m(0, false).source),
            (ip("224.0.0.44"), McastSource::Global)
        );
        // ff05::44 is multicast but not link-local: taken, with a warning to give
        let a6 = m(0, true);
        assert_eq!((a6.group, a6.source), (ip("ff05::44"), McastSource::Global));
        assert!(a6.global_not_link_local.is_some());
        assert_eq!(
            (m(1, false).group, m(1, false).source),
            (ip("224.0.0.55"), McastSource::Instance)
        );
        // an IPv4 mcast_dst_ip on an IPv6 instance is skipped for the global group
        let b6 = m(1, true);
        assert_eq!(b6.group, ip("ff05::44"));
        assert_eq!(b6.dst_ignored.map(|d| d.1), Some(DstIgnored::OtherFamily));
        assert_eq!(m(2, true).group, ip("ff02::55"));
        let d = m(3, false);
        assert_eq!((d.group, d.source), (None, McastSource::Unicast));
        assert_eq!(d.dst_ignored.map(|d| d.1), Some(DstIgnored::Unicast));
        let p = parse_str("t.conf", "vrrp_instance A {\n}\n", &LoadOptions::default());
        let e = |v6| mcast_group(&p.config.vrrp_instances[0], &p.config.global_defs, v6);
        assert_eq!(
            (e(false).group, e(false).source),
            (ip("224.0.0.18"), McastSource::Default)
        );
        assert_eq!(e(true).group, ip("ff02::12"));
    }

    /// The defaults this view applies to a configuration that writes nothing are the
    /// table's default column, row by row (the first word of the column, or the
    /// whole column where it is a list of words).
    #[test]
    fn the_default_column_is_what_this_view_applies() {
        let text = "vrrp_instance A {\n}\n\
                    virtual_server 10.0.0.1 80 {\n real_server 10.0.0.2 80 {\n  TCP_CHECK {\n  }\n }\n}\n";
        let p = parse_str("t.conf", text, &LoadOptions::default());
        let c = &p.config;
        let e = instance(&c.vrrp_instances[0], &c.global_defs);
        let vs = &c.virtual_servers[0];
        let rs = &vs.real_servers[0];
        let t = checker(&rs.checkers[0], rs, vs);
        let onoff = |b: bool| if b { "on" } else { "off" }.to_string();
        let secs = |d: Duration| d.as_secs().to_string();
        let g4 = mcast_group(&c.vrrp_instances[0], &c.global_defs, false).group;
        let g6 = mcast_group(&c.vrrp_instances[0], &c.global_defs, true).group;
        let ip = |a: Option<IpAddr>| a.map_or("none".to_string(), |a| a.to_string());
        use crate::table as tb;
        let rows: Vec<(&tb::Section, &str, String)> = vec![
            (&tb::INSTANCE, "version", e.version.to_string()),
            (&tb::INSTANCE, "priority", e.priority.to_string()),
            (
                &tb::INSTANCE,
                "garp_master_delay",
                e.garp.master_delay.to_string(),
            ),
            (
                &tb::INSTANCE,
                "garp_master_repeat",
                e.garp.master_repeat.to_string(),
            ),
            (
                &tb::INSTANCE,
                "garp_master_refresh",
                e.garp.master_refresh.to_string(),
            ),
            (
                &tb::INSTANCE,
                "garp_master_refresh_repeat",
                e.garp.master_refresh_repeat.to_string(),
            ),
            (
                &tb::INSTANCE,
                "garp_lower_prio_delay",
                e.garp.lower_prio_delay.to_string(),
            ),
            (
                &tb::INSTANCE,
                "garp_lower_prio_repeat",
                e.garp.lower_prio_repeat.to_string(),
            ),
            (
                &tb::INSTANCE,
                "down_timer_adverts",
                e.down_timer_adverts.to_string(),
            ),
            (&tb::INSTANCE, "strict_mode", onoff(e.strict)),
            (
                &tb::INSTANCE,
                "lower_prio_no_advert",
                onoff(e.lower_prio_no_advert),
            ),
            (
                &tb::INSTANCE,
                "higher_prio_send_advert",
                onoff(e.higher_prio_send_advert),
            ),
            (&tb::INSTANCE, "smtp_alert", onoff(e.smtp_alert)),
            (
                &tb::INSTANCE,
                "garp_extra_if",
                e.garp_extra_if.map_or(0, |x| x.delay).to_string(),
            ),
            (
                &tb::INSTANCE,
                "mcast_dst_ip",
                format!("{} / {}", ip(g4), ip(g6)),
            ),
            (&tb::GLOBAL_DEFS, "vrrp_version", e.version.to_string()),
            (&tb::GLOBAL_DEFS, "vrrp_strict", onoff(e.strict)),
            (
                &tb::GLOBAL_DEFS,
                "vrrp_garp_master_delay",
                e.garp.master_delay.to_string(),
            ),
            (
                &tb::GLOBAL_DEFS,
                "vrrp_garp_master_repeat",
                e.garp.master_repeat.to_string(),
            ),
            (
                &tb::GLOBAL_DEFS,
                "vrrp_garp_master_refresh",
                e.garp.master_refresh.to_string(),
            ),
            (
                &tb::GLOBAL_DEFS,
                "vrrp_garp_master_refresh_repeat",
                e.garp.master_refresh_repeat.to_string(),
            ),
            (
                &tb::GLOBAL_DEFS,
                "vrrp_garp_lower_prio_delay",
                e.garp.lower_prio_delay.to_string(),
            ),
            (
                &tb::GLOBAL_DEFS,
                "vrrp_garp_lower_prio_repeat",
                e.garp.lower_prio_repeat.to_string(),
            ),
            (
                &tb::GLOBAL_DEFS,
                "vrrp_down_timer_adverts",
                e.down_timer_adverts.to_string(),
            ),
            (
                &tb::GLOBAL_DEFS,
                "vrrp_lower_prio_no_advert",
                onoff(e.lower_prio_no_advert),
            ),
            (
                &tb::GLOBAL_DEFS,
                "vrrp_higher_prio_send_advert",
                onoff(e.higher_prio_send_advert),
            ),
            (&tb::GLOBAL_DEFS, "smtp_alert", onoff(e.smtp_alert)),
            (&tb::GLOBAL_DEFS, "smtp_alert_vrrp", onoff(e.smtp_alert)),
            (
                &tb::GLOBAL_DEFS,
                "vrrp_garp_extra_if",
                e.garp_extra_if.map_or(0, |x| x.delay).to_string(),
            ),
            (&tb::GLOBAL_DEFS, "vrrp_mcast_group4", ip(g4)),
            (&tb::GLOBAL_DEFS, "vrrp_mcast_group6", ip(g6)),
            (&tb::VIRTUAL_SERVER, "delay_loop", secs(t.delay_loop)),
            (
                &tb::VIRTUAL_SERVER,
                "connect_timeout",
                secs(t.connect_timeout),
            ),
            (&tb::VIRTUAL_SERVER, "alpha", onoff(t.alpha)),
            (&tb::REAL_SERVER, "delay_loop", secs(t.delay_loop)),
            (&tb::REAL_SERVER, "connect_timeout", secs(t.connect_timeout)),
            (&tb::REAL_SERVER, "alpha", onoff(t.alpha)),
            (
                &tb::CHECKER_CONNECT,
                "connect_timeout",
                secs(t.connect_timeout),
            ),
            (&tb::CHECKER_COMMON, "retry", t.retry.to_string()),
            (
                &tb::CHECKER_COMMON,
                "delay_before_retry",
                secs(t.delay_before_retry),
            ),
            (&tb::CHECKER_COMMON, "delay_loop", secs(t.delay_loop)),
            (&tb::CHECKER_COMMON, "alpha", onoff(t.alpha)),
        ];
        for (section, kw, applied) in rows {
            let row = section.get(kw).unwrap();
            assert_eq!(row.model, tb::Model::Typed, "{} {kw}", section.name);
            let first = row.default.split([';', ' ']).next().unwrap_or("");
            assert!(
                row.default == applied || first == applied,
                "{} {kw}: the table says `{}`, the view applies {applied}",
                section.name,
                row.default
            );
        }
        // TCP_CHECK's warmup is its delay_loop, as the column says
        assert_eq!(t.warmup, t.delay_loop);
        assert_eq!(
            tb::CHECKER_COMMON.get("warmup").unwrap().default,
            "the delay_loop"
        );
    }

    #[test]
    fn min_garp_makes_one_garp_at_once() {
        eff(
            "global_defs {\n vrrp_min_garp\n}\nvrrp_instance A {\n garp_master_repeat 3\n}\n",
            |e| assert_eq!((e.garp.master_delay, e.garp.master_repeat), (0, 1)),
        );
    }
}
