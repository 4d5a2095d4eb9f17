//! An instance's interface and unicast settings: `interface` (only a
//! unicast instance with `unicast_src_ip` may go without), `unicast_peer`,
//! `unicast_fault_no_peer` and the source address's family.

use keepalived_conf::{Diagnostic, Span, VrrpInstance};
use vrrp_core::packet::Family;

use crate::spec::mapping::ignored;

/// The instance's `interface`; its absence is an error unless
/// `unicast_src_ip` is set.
pub fn interface(vi: &VrrpInstance, span: Span, diags: &mut Vec<Diagnostic>) -> Option<String> {
    let interface = vi.interface.as_ref().map(|i| i.value.clone());
    if interface.is_none() && vi.unicast_src_ip.is_none() {
        diags.push(
            Diagnostic::error(
                "vrrpd-missing",
                span,
                format!("vrrp_instance `{}` has no interface", vi.name.value),
            )
            .with_hint(
                "add `interface IF` (only unicast instances with unicast_src_ip may omit it)",
            ),
        );
    }
    interface
}

/// Checks the unicast peers and the source address against `family`;
/// returns whether the instance is a configuration fault (FAULT for good).
///
/// vrrp.c `vrrp_complete_instance`: a unicast keyword without any peer is a
/// configuration fault with `unicast_fault_no_peer`; otherwise keepalived
/// 2.2.7 warns that this is deprecated and uses multicast.
pub fn check(vi: &VrrpInstance, family: Family, diags: &mut Vec<Diagnostic>) -> bool {
    let name = &vi.name.value;
    for p in &vi.unicast_peer {
        if Family::of(p.address) != family {
            diags.push(Diagnostic::error(
                "vrrpd-family",
                p.span,
                format!("unicast_peer {} is not of the instance's family", p.address),
            ));
        }
        if p.min_ttl.is_some() || p.max_ttl.is_some() {
            diags.push(ignored(p.span, "`min_ttl`/`max_ttl`"));
        }
    }
    let config_fault = vi.unicast_peer.is_empty()
        && match &vi.unicast_fault_no_peer {
            Some(f) if f.value => {
                diags.push(Diagnostic::warning(
                    "vrrpd-unicast-no-peer",
                    f.span,
                    format!(
                        "vrrp_instance `{name}` cannot use unicast without any peers: it stays in FAULT (as keepalived does)"
                    ),
                ));
                true
            }
            _ => {
                if let Some(s) = vi.unicast_src_ip.as_ref() {
                    diags.push(Diagnostic::warning(
                        "vrrpd-unicast-no-peer",
                        s.span,
                        format!(
                            "vrrp_instance `{name}`: a unicast keyword without any unicast peers; using multicast (keepalived 2.2.7 does too and calls this deprecated)"
                        ),
                    ).with_hint("add unicast_peer entries, or unicast_fault_no_peer to stay in FAULT without them"));
                }
                false
            }
        };
    if let Some(s) = vi.unicast_src_ip.as_ref().or(vi.mcast_src_ip.as_ref())
        && Family::of(s.value) != family
    {
        diags.push(Diagnostic::error(
            "vrrpd-family",
            s.span,
            format!("source address {} is not of the instance's family", s.value),
        ));
    }
    config_fault
}
