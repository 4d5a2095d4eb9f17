//! Strict mode (`vrrp_strict` / `strict_mode`) beyond accept mode: the
//! corrections keepalived 2.2.7 makes in vrrp.c `vrrp_complete_instance`,
//! each reported with keepalived's text (as `keepalived -t` prints it).
//! Accept mode itself is in [`crate::spec::mapping`] (`effective_accept`),
//! the "at least one VIP" error there too.
//!
//! - IPv6 with VRRPv2 becomes VRRPv3 (RFC 9568 §1: VRRPv2 is IPv4 only);
//! - a written `state` must match being the address owner: `state MASTER`
//!   only at priority 255, and an owner starts as Master (RFC 9568 §6.4.1);
//! - authentication ignored (RFC 9568 §1.5 removed it);
//! - the first IPv6 VIP should be link-local (reported, not corrected);
//! - `preempt_delay` 0, `down_timer_adverts` 3, `garp_lower_prio_repeat`
//!   and `garp_lower_prio_delay` 0 (global defaults ignored),
//!   `lower_prio_no_advert` on, `higher_prio_send_advert` off.
//!
//! Unicast peers on a multicast-capable interface are refused by the code
//! of `vrrp_complete_instance`, but the check reads interface flags that are
//! not known yet at that point: keepalived 2.2.7 runs such an instance
//! (observed with a veth), and so does vrrpd.
//!
//! A VMAC MAC written out is cleared (standard virtual MAC instead) in
//! [`crate::spec::vmac::map_vmac`], with keepalived's "cannot specify MAC
//! address with strict mode - clearing"; a written `vmac_xmit_base` is
//! reset there too ("xmit_base is incompatible with strict mode").

use keepalived_conf::{Diagnostic, GlobalDefs, Span, VrrpInstance};
use vrrp_core::packet::{Auth, Family, Version};
use vrrp_core::time::Duration;
use vrrp_core::{InitialState, InstanceConfig};

/// Whether `vi` runs in strict mode (`strict_mode`, else `vrrp_strict`).
pub fn is_strict(vi: &VrrpInstance, g: &GlobalDefs) -> bool {
    keepalived_conf::effective::instance(vi, g).strict
}

/// keepalived's default `down_timer_adverts` (`VRRP_DOWN_TIMER_ADVERTS`).
const DOWN_TIMER_ADVERTS: u32 = keepalived_conf::effective::defaults::DOWN_TIMER_ADVERTS;

/// Applies strict mode to a mapped `config` of `vi` (nothing without it).
pub fn apply(
    vi: &VrrpInstance,
    g: &GlobalDefs,
    span: Span,
    config: &mut InstanceConfig,
    diags: &mut Vec<Diagnostic>,
) {
    if !is_strict(vi, g) {
        return;
    }
    let name = config.name.clone();
    let warn = |diags: &mut Vec<Diagnostic>, at: Option<Span>, text: String| {
        diags.push(Diagnostic::warning(
            "vrrpd-strict",
            at.unwrap_or(span),
            text,
        ));
    };
    let written_v2 = keepalived_conf::effective::instance(vi, g)
        .version_written
        .is_some_and(|v| v.value == 2);
    if config.family == Family::V6 && written_v2 {
        warn(
            diags,
            None,
            format!("({name}) cannot use IPv6 with VRRP version 2; setting version 3"),
        );
        config.version = Version::V3;
    }
    // Only a written state is checked; an unset one follows the priority.
    let master = config.initial_state == Some(InitialState::Master);
    let owner = config.priority == 255;
    if config.initial_state.is_some() && master != owner {
        warn(
            diags,
            vi.state.as_ref().map(|s| s.span),
            format!("({name}) State MASTER must match being address owner"),
        );
        config.initial_state = Some(if owner {
            InitialState::Master
        } else {
            InitialState::Backup
        });
    }
    if vi.authentication.is_some() {
        warn(
            diags,
            None,
            format!("({name}) Strict mode does not support authentication. Ignoring."),
        );
        config.auth = Auth::None;
    }
    if let Some(first6) = config.vips.iter().find(|a| a.is_ipv6())
        && let std::net::IpAddr::V6(a) = first6
        && !a.is_unicast_link_local()
    {
        warn(
            diags,
            None,
            format!("({name}) the first IPv6 VIP address must be link local"),
        );
    }
    if config.preempt_delay != Duration::ZERO {
        warn(
            diags,
            vi.preempt_delay.as_ref().map(|p| p.span),
            format!("({name}) preempt_delay is incompatible with strict mode - resetting"),
        );
        config.preempt_delay = Duration::ZERO;
    }
    if config.down_timer_adverts != DOWN_TIMER_ADVERTS {
        warn(
            diags,
            vi.down_timer_adverts.as_ref().map(|d| d.span),
            format!("({name}) down_timer_adverts is incompatible with strict mode - resetting"),
        );
        config.down_timer_adverts = DOWN_TIMER_ADVERTS;
    }
    // Unset per instance: 0 whatever the global default; set: reset loudly.
    if vi
        .garp_lower_prio_repeat
        .as_ref()
        .is_some_and(|r| r.value != 0)
    {
        warn(
            diags,
            vi.garp_lower_prio_repeat.as_ref().map(|r| r.span),
            format!("({name}) Strict mode requires no repeat garps. resetting"),
        );
    }
    config.garp.lower_prio_repeat = 0;
    if vi
        .garp_lower_prio_delay
        .as_ref()
        .is_some_and(|d| d.value != 0)
    {
        warn(
            diags,
            vi.garp_lower_prio_delay.as_ref().map(|d| d.span),
            format!("({name}) Strict mode requires no repeat garp delay. resetting"),
        );
    }
    config.garp.lower_prio_delay = Duration::ZERO;
    if vi.lower_prio_no_advert.as_ref().is_some_and(|b| !b.value) {
        warn(
            diags,
            vi.lower_prio_no_advert.as_ref().map(|b| b.span),
            format!("({name}) Strict mode requires no lower priority advert. resetting"),
        );
    }
    config.lower_prio_no_advert = true;
    if vi.higher_prio_send_advert.as_ref().is_some_and(|b| b.value) {
        warn(
            diags,
            vi.higher_prio_send_advert.as_ref().map(|b| b.span),
            format!("({name}) strict mode requires higher_prio_send_advert to be clear. resetting"),
        );
    }
    config.higher_prio_send_advert = false;
}

#[cfg(test)]
mod tests {
    use crate::spec::mapping::{SimResolver, map_config};
    use vrrp_core::InstanceConfig;
    use vrrp_core::packet::Auth;
    use vrrp_core::time::Duration;

    fn config(global: &str, extra: &str) -> (InstanceConfig, Vec<String>) {
        let text = format!(
            "global_defs {{\n {global}\n vrrp_garp_lower_prio_repeat 3\n \
             vrrp_higher_prio_send_advert\n}}\n\
             vrrp_instance A {{\n interface eth0\n virtual_router_id 1\n{extra}\n \
             virtual_ipaddress {{\n 192.0.2.1\n }}\n}}\n"
        );
        let p = keepalived_conf::parse_str("t.conf", &text, &Default::default());
        assert!(!p.has_errors(), "{}", p.render_diagnostics());
        let (m, d) = map_config(&p.config, &SimResolver { node: 1 });
        let d = d.iter().map(|x| x.short(&p.sources)).collect();
        (m.instances[0].config.clone(), d)
    }

    /// vrrp.c vrrp_complete_instance: the values strict mode forces, the
    /// global defaults it overrides, and nothing without it.
    #[test]
    fn strict_mode_forces_keepalived_values() {
        let extra = " state MASTER\n priority 100\n preempt_delay 5\n down_timer_adverts 5\n \
                     authentication {\n  auth_type PASS\n  auth_pass secret\n }";
        let (c, d) = config("vrrp_strict", extra);
        assert_eq!(c.initial_state, Some(vrrp_core::InitialState::Backup));
        assert_eq!(c.auth, Auth::None);
        assert_eq!(c.preempt_delay, Duration::ZERO);
        assert_eq!(c.down_timer_adverts, 3);
        assert_eq!(c.garp.lower_prio_repeat, 0, "global default ignored");
        assert_eq!(c.garp.lower_prio_delay, Duration::ZERO);
        assert!(c.lower_prio_no_advert);
        assert!(!c.higher_prio_send_advert, "global default ignored");
        assert!(
            d.iter()
                .any(|w| w.contains("(A) State MASTER must match being address owner")),
            "{d:?}"
        );
        assert!(
            !d.iter().any(|w| w.contains("higher_prio_send_advert")),
            "only a value written in the instance is reported: {d:?}"
        );
        let (c, d) = config("", extra);
        assert_eq!(c.initial_state, Some(vrrp_core::InitialState::Master));
        assert_eq!(c.auth, Auth::pass(b"secret"));
        assert_eq!(c.down_timer_adverts, 5);
        assert_eq!(c.garp.lower_prio_repeat, 3);
        assert!(c.higher_prio_send_advert);
        assert!(!d.iter().any(|w| w.contains("strict")), "{d:?}");
    }

    /// An owner without a written state is not reported.
    #[test]
    fn an_unwritten_state_follows_the_priority() {
        let (_, d) = config("vrrp_strict", " priority 255");
        assert!(!d.iter().any(|w| w.contains("State MASTER")), "{d:?}");
        let (_, d) = config("", " strict_mode\n state BACKUP\n priority 255");
        assert!(d.iter().any(|w| w.contains("State MASTER")), "{d:?}");
    }

    /// vrrp.c vrrp_complete_instance: a VMAC MAC written out is cleared in
    /// strict mode (the RFC's virtual MAC is used), kept without it.
    #[test]
    fn strict_mode_clears_a_written_vmac_mac() {
        let text = |g: &str| {
            format!(
                "global_defs {{\n {g}\n}}\nvrrp_instance A {{\n interface eth0\n \
                 virtual_router_id 7\n use_vmac vm7 02:11:22:33:44:55\n vmac_xmit_base\n \
                 virtual_ipaddress {{\n 192.0.2.1\n }}\n}}\n"
            )
        };
        for (g, mac, warned) in [
            ("vrrp_strict", "00:00:5e:00:01:07", true),
            ("", "02:11:22:33:44:55", false),
        ] {
            let p = keepalived_conf::parse_str("t.conf", &text(g), &Default::default());
            assert!(!p.has_errors(), "{}", p.render_diagnostics());
            let (m, d) = map_config(&p.config, &SimResolver { node: 1 });
            let d: Vec<String> = d.iter().map(|x| x.short(&p.sources)).collect();
            let v = m.instances[0].vmac.as_ref().expect("a VMAC");
            assert_eq!(v.mac.to_string(), mac, "{g:?}");
            assert_eq!(v.name, "vm7");
            assert_eq!(v.xmit_base, !warned, "{g:?}");
            assert_eq!(
                d.iter()
                    .any(|w| w
                        .contains("(A): cannot specify MAC address with strict mode - clearing")),
                warned,
                "{g:?}: {d:?}"
            );
            assert!(!d.iter().any(|w| w.contains("not acted on")), "{d:?}");
        }
    }
}
