//! An instance's timers: `advert_int` and the gratuitous ARP / unsolicited
//! NA schedule (docs/keepalived.md §3.2, §3.12).

use keepalived_conf::effective::EffectiveInstance;
use keepalived_conf::{Diagnostic, VrrpInstance};
use vrrp_core::{GarpConfig, packet::Version, time::Duration};

/// `advert_int`: VRRPv2 rounds to whole seconds 1..255, VRRPv3 to 10 ms
/// 0.01..40.95 s (above is an error); 1 s when unset.
pub fn advert_interval(
    vi: &VrrpInstance,
    version: Version,
    diags: &mut Vec<Diagnostic>,
) -> Duration {
    let Some(a) = &vi.advert_int else {
        return Duration::from_secs(1);
    };
    let us = u64::try_from(a.value.as_micros()).unwrap_or(u64::MAX);
    match version {
        Version::V2 => {
            let secs = (us + 500_000) / 1_000_000;
            if us % 1_000_000 != 0 {
                diags.push(Diagnostic::warning(
                    "vrrpd-advert-int",
                    a.span,
                    format!(
                        "VRRPv2 advert_int is whole seconds; {:?} rounded to {} s",
                        a.value,
                        secs.clamp(1, 255)
                    ),
                ));
            }
            Duration::from_secs(secs.clamp(1, 255))
        }
        Version::V3 => {
            let cs = (us + 5_000) / 10_000;
            if cs > 4095 {
                diags.push(Diagnostic::error(
                    "vrrpd-advert-int",
                    a.span,
                    format!("VRRPv3 advert_int {:?} above 40.95 s", a.value),
                ));
            }
            Duration::from_centis(cs.clamp(1, 4095))
        }
    }
}

/// The GARP schedule: the instance's settings, else the global ones, else
/// keepalived's defaults, `vrrp_min_garp` applied (keepalived-conf's effective
/// view, docs/keepalived.md §3.12).
pub fn garp(eff: &EffectiveInstance<'_>) -> GarpConfig {
    let secs = |s: u32| Duration::from_secs(u64::from(s));
    GarpConfig {
        master_delay: secs(eff.garp.master_delay),
        master_repeat: eff.garp.master_repeat,
        master_refresh: secs(eff.garp.master_refresh),
        master_refresh_repeat: eff.garp.master_refresh_repeat,
        lower_prio_delay: secs(eff.garp.lower_prio_delay),
        lower_prio_repeat: eff.garp.lower_prio_repeat,
    }
}
