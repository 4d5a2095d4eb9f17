//! Whole-configuration checks (keepalived's `vrrp_complete_init` / `validate_check_config`
//! checks that concern the file itself, not the machine: interfaces, users and script files
//! are not looked at).
//!
//! Sections are fed one at a time as they are read, so the model need not be kept
//! (`check_file`, keep_model = false); only names and references are remembered, and the
//! cross-reference checks run in [`Validator::finish`].

use crate::diag::{Diagnostic, Sink};
use crate::model::*;
use crate::span::{Span, Spanned};
use std::collections::{HashMap, HashSet};

/// (interface, VRID, IPv6, `mcast_dst_ip`).
type VridKey = (String, u8, bool, Option<std::net::IpAddr>);

#[derive(Default)]
pub(crate) struct Validator {
    scripts: HashSet<String>,
    files: HashSet<String>,
    vs_groups: HashSet<String>,
    /// instance name -> line of its definition
    instances: HashMap<String, u32>,
    /// Multicast instances by (interface, VRID, IPv6, `mcast_dst_ip`):
    /// keepalived lets instances with different groups share a VRID
    /// (vrrp.c `check_vrid_conflicts`), to (instance name, line).
    vrids: HashMap<VridKey, (String, u32)>,
    /// (instance, script, span)
    script_refs: Vec<(String, String, Span)>,
    /// (instance, file, span)
    file_refs: Vec<(String, String, Span)>,
    /// (group, member, span)
    members: Vec<(String, String, Span)>,
    /// (vsg name, span)
    vsg_refs: Vec<(String, Span)>,
}

impl Validator {
    pub(crate) fn script(&mut self, s: &VrrpScript) {
        self.scripts.insert(s.name.value.clone());
    }

    pub(crate) fn track_file(&mut self, t: &TrackFile) {
        self.files.insert(t.name.value.clone());
    }

    pub(crate) fn vs_group(&mut self, g: &VirtualServerGroup) {
        self.vs_groups.insert(g.name.value.clone());
    }

    /// A second `vrrp_instance` of an existing name: keepalived reports "vrrp instance %s
    /// already defined" and skips the whole block (vrrp_parser.c vrrp_handler()); so do
    /// we. True when `name` is already defined (the warning is reported).
    pub(crate) fn duplicate_instance(&self, name: &Spanned<String>, sink: &mut Sink) -> bool {
        let Some(line) = self.instances.get(&name.value) else {
            return false;
        };
        sink.push(
            Diagnostic::warning(
                "duplicate-instance",
                name.span,
                format!(
                    "vrrp_instance `{}` is defined twice; this second block is skipped, as keepalived does",
                    name.value
                ),
            )
            .with_hint(format!("the first definition is at line {line}")),
        );
        true
    }

    pub(crate) fn instance(&mut self, vi: &VrrpInstance, sink: &mut Sink) {
        let name = vi.name.value.as_str();
        self.instances.insert(name.to_string(), vi.name.span.line);
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
                if vi.unicast_peer.is_empty()
                    && let Some((other, line)) = self.vrids.insert(
                        (
                            iface.clone(),
                            id.value,
                            v6,
                            vi.mcast_dst_ip.as_ref().map(|d| d.value),
                        ),
                        (name.to_string(), vi.name.span.line),
                    )
                {
                    sink.push(
                        Diagnostic::error(
                            "duplicate-vrid",
                            id.span,
                            format!(
                                "virtual_router_id {} on interface {iface} is also used by vrrp_instance `{other}`",
                                id.value
                            ),
                        )
                        .with_hint(format!("see line {line}")),
                    );
                }
            }
        }
        // vrrp.c `chk_min_cfg`, called from `vrrp_complete_init` before
        // `vrrp_complete_instance` marks unicast instances: keepalived 2.2.7 wants an
        // interface on every instance, unicast ones included, and stops its VRRP
        // process without one (docs/keepalived.md §3.26).
        if vi.interface.is_none() {
            sink.push(
                Diagnostic::error(
                    "missing-interface",
                    vi.name.span,
                    format!(
                        "vrrp_instance `{name}` has no `interface`; keepalived refuses it: \
                         \"({name}) Unknown interface!\""
                    ),
                )
                .with_hint(
                    "add `interface IF`: keepalived 2.2.7 refuses an instance without one, \
                     unicast instances with `unicast_src_ip` and peers included",
                ),
            );
        }
        if let Some(first) = vi.virtual_ipaddress.first()
            && let Some(a) = vi
                .virtual_ipaddress
                .iter()
                .find(|a| a.address.value.addr.is_ipv4() != first.address.value.addr.is_ipv4())
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
                Diagnostic::warning(
                    "ah-initial-master",
                    st.span,
                    format!("({name}) initial state MASTER is incompatible with AH authentication; starting as BACKUP"),
                )
                .with_hint("AH needs to learn the sequence number first; use `state BACKUP`"),
            );
        }
        if vi.version.as_ref().is_some_and(|v| v.value == 3) && vi.authentication.is_some() {
            sink.warn(
                "auth-v3",
                vi.name.span,
                format!("({name}) authentication is not supported with VRRPv3; it is ignored"),
            );
        }
        for t in &vi.track_script {
            self.script_refs
                .push((name.to_string(), t.name.clone(), t.span));
        }
        for t in &vi.track_file {
            self.file_refs
                .push((name.to_string(), t.name.clone(), t.span));
        }
    }

    pub(crate) fn sync_group(&mut self, g: &VrrpSyncGroup, sink: &mut Sink) {
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
            self.members
                .push((g.name.value.clone(), m.value.clone(), m.span));
        }
    }

    pub(crate) fn virtual_server(&mut self, vs: &VirtualServer, sink: &mut Sink) {
        if let VirtualServerKey::Group(g) = &vs.key.value {
            self.vsg_refs.push((g.clone(), vs.key.span));
        }
        if let VirtualServerKey::Address {
            port: None | Some(0),
            ..
        } = vs.key.value
            && vs.persistence_timeout.is_none()
            && vs.persistence_granularity.is_none()
        {
            sink.push(
                Diagnostic::warning(
                    "port-without-persistence",
                    vs.key.span,
                    "virtual server without a port is only valid with persistence; keepalived sets persistence_timeout 360",
                )
                .with_hint("add the service port, or `persistence_timeout`"),
            );
        }
    }

    /// Takes over what [`Validator::virtual_server`] remembered in `other` (which saw
    /// virtual servers only, read after this one's sections).
    pub(crate) fn absorb_virtual_servers(&mut self, other: Validator) {
        self.vsg_refs.extend(other.vsg_refs);
    }

    /// Cross-reference checks, once everything has been read.
    pub(crate) fn finish(self, sink: &mut Sink) {
        for (vi, script, span) in &self.script_refs {
            if !self.scripts.contains(script) {
                sink.push(
                    Diagnostic::warning(
                        "unknown-reference",
                        *span,
                        format!("({vi}) track script `{script}` not found, ignoring"),
                    )
                    .with_hint("define it with `vrrp_script NAME { script ... }`"),
                );
            }
        }
        for (vi, file, span) in &self.file_refs {
            if !self.files.contains(file) {
                sink.warn(
                    "unknown-reference",
                    *span,
                    format!("({vi}) track file `{file}` not found, ignoring"),
                );
            }
        }
        let mut in_group: HashMap<&str, &str> = HashMap::new();
        for (group, member, span) in &self.members {
            if !self.instances.contains_key(member) {
                sink.warn(
                    "unknown-reference",
                    *span,
                    format!(
                        "vrrp_instance `{member}` in sync group `{group}` does not exist, ignoring"
                    ),
                );
            } else if let Some(prev) = in_group.insert(member, group) {
                sink.error(
                    "duplicate-member",
                    *span,
                    format!("vrrp_instance `{member}` is already in sync group `{prev}`"),
                );
            }
        }
        for (g, span) in &self.vsg_refs {
            if !self.vs_groups.contains(g) {
                sink.error(
                    "unknown-reference",
                    *span,
                    format!("virtual_server_group `{g}` is not defined"),
                );
            }
        }
    }
}
