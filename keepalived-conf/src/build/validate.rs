//! Whole-configuration checks done after all sections are read (keepalived's
//! `vrrp_complete_init` / `validate_check_config` checks that concern the file itself,
//! not the machine: interfaces, users and script files are not looked at).

use crate::diag::{Diagnostic, Sink};
use crate::model::*;
use std::collections::{HashMap, HashSet};

pub(crate) fn validate(cfg: &Config, sink: &mut Sink) {
    let scripts: HashSet<&str> = cfg
        .vrrp_scripts
        .iter()
        .map(|s| s.name.value.as_str())
        .collect();
    let files: HashSet<&str> = cfg
        .track_files
        .iter()
        .map(|s| s.name.value.as_str())
        .collect();
    let mut names: HashMap<&str, u32> = HashMap::new();
    let mut vrids: HashMap<(String, u8, bool), &VrrpInstance> = HashMap::new();
    for vi in &cfg.vrrp_instances {
        let name = vi.name.value.as_str();
        if let Some(line) = names.insert(name, vi.name.span.line) {
            sink.push(
                Diagnostic::error(
                    "duplicate-instance",
                    vi.name.span,
                    format!("vrrp_instance `{name}` is defined twice"),
                )
                .with_hint(format!("the first definition is at line {line}")),
            );
        }
        match &vi.virtual_router_id {
            None => sink.push(
                Diagnostic::error(
                    "missing-vrid",
                    vi.name.span,
                    format!("vrrp_instance `{name}`: the virtual router id must be set"),
                )
                .with_hint(
                    "add `virtual_router_id N` (1..255), the same on every router of this group",
                ),
            ),
            Some(id) => {
                let iface = vi
                    .interface
                    .as_ref()
                    .map(|i| i.value.clone())
                    .unwrap_or_default();
                let v6 = vi
                    .virtual_ipaddress
                    .first()
                    .is_some_and(|a| a.address.value.addr.is_ipv6());
                let key = (iface.clone(), id.value, v6);
                if vi.unicast_peer.is_empty()
                    && let Some(other) = vrids.insert(key, vi)
                {
                    sink.push(
                        Diagnostic::error(
                            "duplicate-vrid",
                            id.span,
                            format!("virtual_router_id {} on interface {iface} is also used by vrrp_instance `{}`", id.value, other.name.value),
                        )
                        .with_hint(format!("see line {}", other.name.span.line)),
                    );
                }
            }
        }
        if vi.interface.is_none() && vi.unicast_src_ip.is_none() {
            sink.push(
                Diagnostic::error(
                    "missing-interface",
                    vi.name.span,
                    format!("vrrp_instance `{name}` has no `interface`"),
                )
                .with_hint(
                    "add `interface IF` (only unicast instances with `unicast_src_ip` may omit it)",
                ),
            );
        }
        let families: HashSet<bool> = vi
            .virtual_ipaddress
            .iter()
            .map(|a| a.address.value.addr.is_ipv4())
            .collect();
        if families.len() > 1
            && let Some(a) = vi.virtual_ipaddress.iter().find(|a| {
                a.address.value.addr.is_ipv4()
                    != vi.virtual_ipaddress[0].address.value.addr.is_ipv4()
            })
        {
            sink.push(
                Diagnostic::error("mixed-families", a.address.span, "virtual_ipaddress mixes IPv4 and IPv6 addresses")
                    .with_hint("put addresses of the other family in `virtual_ipaddress_excluded` or in another instance"),
            );
        }
        if let (Some(st), Some(auth)) = (&vi.state, &vi.authentication)
            && st.value == VrrpState::Master
            && auth
                .auth_type
                .as_ref()
                .is_some_and(|t| t.value == AuthType::Ah)
            && vi.priority.as_ref().is_none_or(|p| p.value != 255)
        {
            sink.push(
                Diagnostic::warning("ah-initial-master", st.span, format!("({name}) initial state MASTER is incompatible with AH authentication; starting as BACKUP"))
                    .with_hint("AH needs to learn the sequence number first; use `state BACKUP`"),
            );
        }
        for t in &vi.track_script {
            if !scripts.contains(t.name.as_str()) {
                sink.push(
                    Diagnostic::warning(
                        "unknown-reference",
                        t.span,
                        format!("({name}) track script `{}` not found, ignoring", t.name),
                    )
                    .with_hint("define it with `vrrp_script NAME { script ... }`"),
                );
            }
        }
        for t in &vi.track_file {
            if !files.contains(t.name.as_str()) {
                sink.warn(
                    "unknown-reference",
                    t.span,
                    format!("({name}) track file `{}` not found, ignoring", t.name),
                );
            }
        }
        if vi.version.as_ref().is_some_and(|v| v.value == 3) && vi.authentication.is_some() {
            sink.warn(
                "auth-v3",
                vi.name.span,
                format!("({name}) authentication is not supported with VRRPv3; it is ignored"),
            );
        }
    }
    let mut in_group: HashMap<&str, &str> = HashMap::new();
    for g in &cfg.vrrp_sync_groups {
        if g.group.is_empty() {
            sink.push(
                Diagnostic::error(
                    "empty-sync-group",
                    g.name.span,
                    format!(
                        "vrrp_sync_group `{}` has no `group {{ ... }}`",
                        g.name.value
                    ),
                )
                .with_hint("list the member instances: `group { VI_1 VI_2 }` one per line"),
            );
        }
        for m in &g.group {
            if !names.contains_key(m.value.as_str()) {
                sink.warn(
                    "unknown-reference",
                    m.span,
                    format!(
                        "vrrp_instance `{}` in sync group `{}` does not exist, ignoring",
                        m.value, g.name.value
                    ),
                );
            } else if let Some(prev) = in_group.insert(m.value.as_str(), g.name.value.as_str()) {
                sink.error(
                    "duplicate-member",
                    m.span,
                    format!(
                        "vrrp_instance `{}` is already in sync group `{prev}`",
                        m.value
                    ),
                );
            }
        }
    }
    let groups: HashSet<&str> = cfg
        .virtual_server_groups
        .iter()
        .map(|g| g.name.value.as_str())
        .collect();
    for vs in &cfg.virtual_servers {
        if let VirtualServerKey::Group(g) = &vs.key.value
            && !groups.contains(g.as_str())
        {
            sink.error(
                "unknown-reference",
                vs.key.span,
                format!("virtual_server_group `{g}` is not defined"),
            );
        }
        if let VirtualServerKey::Address {
            port: None | Some(0),
            ..
        } = vs.key.value
            && vs.persistence_timeout.is_none()
            && vs.persistence_granularity.is_none()
        {
            sink.push(
                Diagnostic::warning("port-without-persistence", vs.key.span, "virtual server without a port is only valid with persistence; keepalived sets persistence_timeout 360")
                    .with_hint("add the service port, or `persistence_timeout`"),
            );
        }
    }
}
