//! Gratuitous ARPs and unsolicited NAs: the bursts of a new Master paced
//! by `vrrp_garp_interval` / `vrrp_gna_interval`, and `garp_extra_if` rounds.

use std::net::IpAddr;

use tracing::{debug, warn};
use vrrp_core::AnnounceReason;
use vrrp_core::node::{InstanceId, Transmit};
use vrrp_linux::{Announcement, MacAddr};

use crate::daemon::extra_garp::{self, Link, Target};
use crate::daemon::host::{Host, HostView};

use super::Router;
use crate::daemon::extra_garp::ExtraGarp;
use vrrp_linux::AnnouncePacer;

/// GARPs / NAs not sent yet and the `garp_extra_if` rounds.
#[derive(Default)]
pub(super) struct Announcements {
    /// GARPs/NAs waiting for their `vrrp_garp_interval` /
    /// `vrrp_gna_interval` slot (times are vrrp-core µs as durations).
    pub(super) pacer: AnnouncePacer,
    /// Other interfaces of the VIPs and `garp_extra_if` rounds.
    pub(super) extra_garp: ExtraGarp,
}

/// A gratuitous ARP (IPv4) or unsolicited NA (IPv6) for `addr` on interface
/// `ifindex` named `iface`; keepalived sets the NA's R flag when that
/// interface forwards IPv6.
pub(super) fn announcement(
    host: &impl Host,
    ifindex: u32,
    mac: MacAddr,
    iface: &str,
    addr: IpAddr,
) -> Announcement {
    match addr {
        IpAddr::V4(vip) => Announcement::Garp { ifindex, mac, vip },
        IpAddr::V6(vip) => Announcement::Na {
            ifindex,
            mac,
            vip,
            router: host.ipv6_forwarding(iface),
        },
    }
}

impl<H: Host> Router<H> {
    /// Gratuitous ARPs / NAs for every VIP of instance `id`, `rounds` times,
    /// sent now or queued for their `vrrp_garp_interval` slot.
    pub(super) fn announce_vips(&mut self, id: InstanceId, rounds: u32, reason: AnnounceReason) {
        let (Some(slot), Some(inst)) = (self.node.data(id), self.node.instance(id)) else {
            return;
        };
        let name = inst.name().to_string();
        let vrid = inst.config().vrid;
        if !self.host.can_announce() {
            return;
        }
        let (ifindex, ann_mac) = slot.announce_from();
        let Some(mac) = ann_mac else {
            warn!(instance = %name, iface = %slot.iface, "no MAC address: no gratuitous ARP/NA");
            return;
        };
        let now = std::time::Duration::from_micros(self.host.now().as_micros());
        let (mut sent, mut queued) = (0u32, 0u32);
        // Each address on its own interface, VIPs then excluded VIPs
        // (keepalived vrrp_send_link_update / vrrp_send_update).
        let mut each: Vec<Announcement> = Vec::new();
        for v in slot.spec.vips.iter().chain(&slot.spec.excluded_vips) {
            let other = v
                .dev
                .as_deref()
                .filter(|d| *d != slot.iface)
                .and_then(|d| self.announce.extra_garp.link(id, d));
            each.extend(match other {
                Some(l) => l
                    .mac
                    .map(|m| announcement(&self.host, l.ifindex, m, &l.name, v.prefix.addr)),
                None => Some(announcement(
                    &self.host,
                    ifindex,
                    mac,
                    &slot.iface,
                    v.prefix.addr,
                )),
            });
        }
        for _ in 0..rounds {
            for a in each.iter().cloned() {
                // Sent now, or later from the main loop's timer, spaced
                // by vrrp_garp_interval / vrrp_gna_interval.
                match self.announce.pacer.offer(a, now) {
                    Some(a) => match self.host.announce(&a) {
                        Ok(()) => sent += 1,
                        Err(e) => debug!(instance = %name, "announce: {e}"),
                    },
                    None => queued += 1,
                }
            }
        }
        debug!(instance = %name, vrid, iface = %slot.iface, ?reason, sent, queued, "gratuitous ARP/NA sent");
    }

    /// A unicast instance out of FAULT: one gratuitous ARP (IPv4) or
    /// unsolicited NA (IPv6) for its advert source `addr` on its own
    /// interface, sent at once (not paced), so that the peers, whose ARP
    /// entry for it may have gone, send their adverts to it straight away
    /// (keepalived vrrp_scheduler.c `try_up_instance`, which sends it with
    /// `send_gratuitous_arp_immediate` / `ndisc_send_unsolicited_na_immediate`
    /// from the base interface). Nothing for a multicast instance.
    pub(super) fn announce_source(&mut self, id: InstanceId, addr: IpAddr) {
        let (Some(slot), Some(inst)) = (self.node.data(id), self.node.instance(id)) else {
            return;
        };
        if inst.config().unicast_peers.is_empty() || addr.is_unspecified() {
            return;
        }
        if !self.host.can_announce() {
            return;
        }
        let Some(mac) = slot.mac else {
            warn!(instance = %inst.name(), iface = %slot.iface, "no MAC address: no gratuitous ARP/NA for the source");
            return;
        };
        let a = announcement(&self.host, slot.ifindex, mac, &slot.iface, addr);
        match self.host.announce(&a) {
            Ok(()) => {
                debug!(instance = %inst.name(), source = %addr, "gratuitous ARP/NA for the source sent")
            }
            Err(e) => debug!(instance = %inst.name(), "announce the source: {e}"),
        }
    }

    /// Resolves the other interfaces of every instance's VIPs and its
    /// `garp_extra_if` round (docs/keepalived.md §3.30).
    pub(super) fn configure_extra_garp(&mut self, host: &HostView) {
        let ids: Vec<InstanceId> = self.node.ids().collect();
        for &id in &ids {
            let Some(slot) = self.node.data(id) else {
                continue;
            };
            let links: std::collections::HashMap<String, Link> = slot
                .spec
                .vips
                .iter()
                .chain(&slot.spec.excluded_vips)
                .filter_map(|v| v.dev.clone())
                .filter(|d| *d != slot.iface)
                .filter_map(|d| {
                    let l = Link {
                        ifindex: host.ifindex(&d)?,
                        mac: host.mac(&d),
                        name: d.clone(),
                    };
                    Some((d, l))
                })
                .collect();
            let periodic = slot.spec.garp_extra_if.map(|every| {
                let t = extra_garp::targets(&slot.spec, &slot.iface, |n| links.get(n).cloned());
                (every, t)
            });
            self.announce.extra_garp.set(id, links, periodic);
        }
        self.announce.extra_garp.retain(|id| ids.contains(&id));
    }

    /// After an advert of a Master: a `garp_extra_if` round when due
    /// (keepalived `vrrp_state_master_tx`, `vrrp_send_vmac_update`).
    pub(super) fn extra_garp_round(&mut self, t: &Transmit) {
        if t.copy != 0 || t.priority == 0 || !self.host.can_announce() {
            return;
        }
        let Some(targets) = self.announce.extra_garp.due(t.instance, self.host.now()) else {
            return;
        };
        let Some(slot) = self.node.data(t.instance) else {
            return;
        };
        let mut out = Vec::new();
        for target in targets {
            let (ifindex, mac, name, addr) = match target {
                Target::Other(l, a) => (l.ifindex, l.mac, l.name, a),
                Target::OwnVmac(a) => match &slot.vmac {
                    Some(v) => (v.ifindex, Some(v.mac), v.name.clone(), a),
                    None => continue,
                },
            };
            if let Some(mac) = mac {
                out.push(announcement(&self.host, ifindex, mac, &name, addr));
            }
        }
        let now = std::time::Duration::from_micros(self.host.now().as_micros());
        for a in out {
            if let Some(a) = self.announce.pacer.offer(a, now)
                && let Err(e) = self.host.announce(&a)
            {
                debug!("garp_extra_if: {e}");
            }
        }
    }

    /// Sends the queued GARPs/NAs whose interval slot has come.
    pub(super) fn send_due_announcements(&mut self) {
        let now = std::time::Duration::from_micros(self.host.now().as_micros());
        while let Some(a) = self.announce.pacer.pop_due(now) {
            if self.host.can_announce()
                && let Err(e) = self.host.announce(&a)
            {
                debug!("announce: {e}");
            }
        }
    }
}
