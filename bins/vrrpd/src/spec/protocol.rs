//! What an instance's adverts carry: the VRRP version, the priority and
//! initial state, and VRRPv2 authentication (docs/keepalived.md §3.4).

use keepalived_conf::effective::EffectiveInstance;
use keepalived_conf::{AuthType, Diagnostic, VrrpInstance, VrrpState};
use vrrp_core::{
    InitialState,
    packet::{Auth, Family, Version, ah::AhKey},
};

/// The version: the instance's, else the global `vrrp_version`, else 2;
/// IPv6 forces 3 (a warning when version 2 was written for it).
pub fn version(
    eff: &EffectiveInstance<'_>,
    family: Family,
    diags: &mut Vec<Diagnostic>,
) -> Version {
    let vi = eff.instance;
    let version = if eff.version == 3 {
        Version::V3
    } else {
        Version::V2
    };
    if family == Family::V6 && version == Version::V2 {
        if let Some(v) = &vi.version {
            diags.push(Diagnostic::warning(
                "vrrpd-version",
                v.span,
                "VRRPv2 cannot carry IPv6; using version 3 (as keepalived does)",
            ));
        }
        return Version::V3;
    }
    version
}

/// The initial state and priority: `priority`, else 255 with `state
/// MASTER`, else 100; priority 0 is an error.
pub fn state_and_priority(
    eff: &EffectiveInstance<'_>,
    diags: &mut Vec<Diagnostic>,
) -> (Option<InitialState>, u8) {
    let vi = eff.instance;
    let state = vi.state.as_ref().map(|s| match s.value {
        VrrpState::Master => InitialState::Master,
        VrrpState::Backup => InitialState::Backup,
    });
    let priority = eff.priority;
    if priority == 0
        && let Some(p) = &vi.priority
    {
        diags.push(Diagnostic::error(
            "vrrpd-invalid-value",
            p.span,
            "priority 0 is reserved for a Master's release (RFC 9568 §5.2.4)",
        ));
    }
    (state, priority)
}

/// The key of an `auth_type AH` instance: its `auth_pass` (see
/// [`vrrp_core::packet::ah`]); `None` for any other authentication.
pub fn ah_key(vi: &VrrpInstance) -> Option<AhKey> {
    let a = vi.authentication.as_ref()?;
    if a.auth_type.as_ref().map(|t| t.value) != Some(AuthType::Ah) {
        return None;
    }
    a.auth_pass
        .as_ref()
        .map(|p| AhKey::from_pass(p.value.as_bytes()))
}

/// The `authentication` block: PASS or AH for VRRPv2 (the AH key is
/// [`ah_key`]); ignored (a warning) for VRRPv3, IPv6 included, as
/// keepalived's `vrrp_complete_instance` ignores it; no valid `auth_type`
/// runs without, as keepalived does.
pub fn authentication(vi: &VrrpInstance, version: Version, diags: &mut Vec<Diagnostic>) -> Auth {
    match (&vi.authentication, version) {
        (None, _) => Auth::None,
        (Some(a), Version::V3) => {
            diags.push(Diagnostic::warning(
                "vrrpd-auth",
                a.span,
                "authentication is VRRPv2 only; ignored for this VRRPv3 instance (as keepalived does)",
            ));
            Auth::None
        }
        (Some(a), Version::V2) => match a.auth_type.as_ref().map(|t| t.value) {
            Some(t @ (AuthType::Pass | AuthType::Ah)) => match &a.auth_pass {
                Some(p) if t == AuthType::Pass => Auth::pass(p.value.as_bytes()),
                // RFC 2338 §5.3.6.3: the advert goes in an IPsec AH keyed
                // with the password (keepalived vrrp_build_ipsecah).
                Some(_) => Auth::Ah,
                None => {
                    diags.push(Diagnostic::error(
                        "vrrpd-auth",
                        a.span,
                        if t == AuthType::Pass {
                            "auth_type PASS without auth_pass"
                        } else {
                            "auth_type AH without auth_pass"
                        },
                    ));
                    Auth::None
                }
            },
            None => {
                // keepalived runs without authentication then (vrrp_parser.c
                // vrrp_auth_type_handler() leaves auth_type unset).
                diags.push(Diagnostic::warning(
                    "vrrpd-auth",
                    a.span,
                    "authentication block without a valid auth_type: no authentication is used, as keepalived does",
                ));
                Auth::None
            }
        },
    }
}
