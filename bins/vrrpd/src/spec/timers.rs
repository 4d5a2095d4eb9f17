//! An instance's timers: `advert_int` and the gratuitous ARP / unsolicited
//! NA schedule (docs/keepalived.md §3.2, §3.12).

use keepalived_conf::{Diagnostic, GlobalDefs, Spanned, VrrpInstance};
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

/// Seconds: the instance's, else the global one, else `dflt`.
fn secs(inst: &Option<Spanned<u32>>, glob: &Option<Spanned<u32>>, dflt: Duration) -> Duration {
    inst.as_ref()
        .or(glob.as_ref())
        .map_or(dflt, |v| Duration::from_secs(u64::from(v.value)))
}

/// A count: the instance's, else the global one, else `dflt`.
fn count(inst: &Option<Spanned<u32>>, glob: &Option<Spanned<u32>>, dflt: u32) -> u32 {
    inst.as_ref().or(glob.as_ref()).map_or(dflt, |v| v.value)
}

/// The GARP schedule: the instance's settings, else the global ones, else
/// keepalived's defaults; `vrrp_min_garp` makes it one GARP, at once.
pub fn garp(vi: &VrrpInstance, g: &GlobalDefs) -> GarpConfig {
    let d = GarpConfig::default();
    let mut garp = GarpConfig {
        master_delay: secs(
            &vi.garp_master_delay,
            &g.vrrp_garp_master_delay,
            d.master_delay,
        ),
        master_repeat: count(
            &vi.garp_master_repeat,
            &g.vrrp_garp_master_repeat,
            d.master_repeat,
        ),
        master_refresh: secs(
            &vi.garp_master_refresh,
            &g.vrrp_garp_master_refresh,
            d.master_refresh,
        ),
        master_refresh_repeat: count(
            &vi.garp_master_refresh_repeat,
            &g.vrrp_garp_master_refresh_repeat,
            d.master_refresh_repeat,
        ),
        lower_prio_delay: Duration::ZERO,
        lower_prio_repeat: 0,
    };
    // Unset, the lower-priority burst follows the *global* GARP settings,
    // not the instance's (vrrp.c `vrrp_complete_instance` takes
    // vrrp_garp_lower_prio_*, which `vrrp_complete_init` defaults to
    // vrrp_garp_master_*).
    garp.lower_prio_delay = secs(
        &vi.garp_lower_prio_delay,
        &g.vrrp_garp_lower_prio_delay,
        secs(&None, &g.vrrp_garp_master_delay, d.master_delay),
    );
    garp.lower_prio_repeat = count(
        &vi.garp_lower_prio_repeat,
        &g.vrrp_garp_lower_prio_repeat,
        count(&None, &g.vrrp_garp_master_repeat, d.master_repeat),
    );
    if g.vrrp_min_garp.as_ref().is_some_and(|b| b.value) {
        garp.master_repeat = 1;
        garp.master_delay = Duration::ZERO;
    }
    garp
}
