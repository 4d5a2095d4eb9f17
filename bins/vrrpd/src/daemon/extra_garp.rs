//! Where an instance's gratuitous ARPs / unsolicited NAs go, and
//! `garp_extra_if` (docs/keepalived.md §3.30).
//!
//! A VIP with `dev OTHER` is announced on OTHER with OTHER's MAC, as
//! keepalived's `vrrp_send_update` sends on the address's own interface.
//! With `garp_extra_if all DELAY` a Master also sends, every DELAY seconds
//! (checked when it sends an advert: vrrp.c `vrrp_state_master_tx`), one
//! GARP/NA on each of those other interfaces for the first VIP (or
//! excluded VIP) on it, and on its own VMAC with `vmac_xmit_base`
//! (`vrrp_send_vmac_update`). The timer starts when the instance becomes
//! Master (`vrrp_state_become_master`).

use std::collections::HashMap;
use std::net::IpAddr;
use std::time::Duration;

use vrrp_core::node::InstanceId;
use vrrp_core::time::Instant;
use vrrp_linux::MacAddr;

use crate::spec::mapping::InstanceSpec;

/// An interface other than the instance's: index, name and MAC.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Link {
    /// ifindex.
    pub ifindex: u32,
    /// Interface name (for its IPv6 `forwarding` sysctl).
    pub name: String,
    /// Its MAC (None: no announcements there).
    pub mac: Option<MacAddr>,
}

/// One periodic announcement of `garp_extra_if`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Target {
    /// On another interface.
    Other(Link, IpAddr),
    /// On the instance's own VMAC (`vmac_xmit_base`).
    OwnVmac(IpAddr),
}

#[derive(Debug)]
struct Plan {
    /// Other interfaces by `dev` name.
    links: HashMap<String, Link>,
    /// `garp_extra_if`: the interval and what to send.
    periodic: Option<(Duration, Vec<Target>)>,
    /// When the next round is due (set while Master).
    next: Option<Instant>,
}

/// Per instance (`K`: the instance's id): the other interfaces of its VIPs
/// and the `garp_extra_if` timer.
#[derive(Debug)]
pub struct ExtraGarp<K = InstanceId> {
    plans: HashMap<K, Plan>,
}

impl<K> Default for ExtraGarp<K> {
    fn default() -> Self {
        ExtraGarp {
            plans: HashMap::new(),
        }
    }
}

/// The `garp_extra_if` targets of `spec` on interface `iface` (vip then
/// excluded VIPs, one per interface, as `vrrp_send_vmac_update`); `link`
/// finds another interface by name.
pub fn targets<C>(
    spec: &InstanceSpec<C>,
    iface: &str,
    link: impl Fn(&str) -> Option<Link>,
) -> Vec<Target> {
    let xmit_base_vmac = spec.vmac.as_ref().is_some_and(|v| v.xmit_base);
    let mut out: Vec<Target> = Vec::new();
    for v in spec.vips.iter().chain(&spec.excluded_vips) {
        let t = match v.dev.as_deref().filter(|d| *d != iface) {
            Some(d) => match link(d) {
                Some(l) => Target::Other(l, v.prefix.addr),
                None => continue,
            },
            None if xmit_base_vmac => Target::OwnVmac(v.prefix.addr),
            None => continue,
        };
        let seen = out.iter().any(|o| match (o, &t) {
            (Target::Other(a, _), Target::Other(b, _)) => a.ifindex == b.ifindex,
            (Target::OwnVmac(_), Target::OwnVmac(_)) => true,
            _ => false,
        });
        if !seen {
            out.push(t);
        }
    }
    out
}

impl<K: std::hash::Hash + Eq + Copy> ExtraGarp<K> {
    /// Sets instance `id`'s interfaces and `garp_extra_if` (kept timer if
    /// it had one: a reload does not restart the rounds). An instance with
    /// neither has no plan: most have none, and a node may run thousands.
    pub fn set(
        &mut self,
        id: K,
        links: HashMap<String, Link>,
        periodic: Option<(Duration, Vec<Target>)>,
    ) {
        if links.is_empty() && periodic.is_none() {
            self.plans.remove(&id);
            return;
        }
        let next = self.plans.get(&id).and_then(|p| p.next);
        let next = periodic.as_ref().and(next);
        self.plans.insert(
            id,
            Plan {
                links,
                periodic,
                next,
            },
        );
    }

    /// Forgets instances for which `keep` is false.
    pub fn retain(&mut self, keep: impl Fn(K) -> bool) {
        self.plans.retain(|id, _| keep(*id));
    }

    /// The other interface `dev` of instance `id`'s VIPs.
    pub fn link(&self, id: K, dev: &str) -> Option<&Link> {
        self.plans.get(&id)?.links.get(dev)
    }

    /// Instance `id` became Master at `now`: the first round is due one
    /// interval later.
    pub fn became_master(&mut self, id: K, now: Instant) {
        if let Some(p) = self.plans.get_mut(&id)
            && let Some((every, _)) = &p.periodic
        {
            p.next = Some(now + core_duration(*every));
        }
    }

    /// Instance `id` is no longer Master.
    pub fn left_master(&mut self, id: K) {
        if let Some(p) = self.plans.get_mut(&id) {
            p.next = None;
        }
    }

    /// Instance `id`, Master, sent an advert at `now`: the targets of a
    /// round when one is due (strictly after its time, as keepalived's
    /// `timercmp(>)`), and the next round is scheduled.
    pub fn due(&mut self, id: K, now: Instant) -> Option<Vec<Target>> {
        let p = self.plans.get_mut(&id)?;
        let (every, targets) = p.periodic.as_ref()?;
        if now <= p.next? {
            return None;
        }
        p.next = Some(now + core_duration(*every));
        Some(targets.clone())
    }
}

fn core_duration(d: Duration) -> vrrp_core::time::Duration {
    vrrp_core::time::Duration::from_micros(u64::try_from(d.as_micros()).unwrap_or(u64::MAX))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::spec::mapping::{SimResolver, map_config};
    use keepalived_conf::{LoadOptions, parse_str};

    fn spec(extra: &str) -> InstanceSpec {
        let text = format!(
            "vrrp_instance A {{\n interface eth0\n virtual_router_id 1\n{extra}\
             virtual_ipaddress {{\n 10.0.0.100\n 10.0.1.100 dev eth1\n 10.0.1.101 dev eth1\n }}\n\
             virtual_ipaddress_excluded {{\n 10.0.2.100 dev eth2\n 10.0.0.101 dev eth0\n }}\n}}\n"
        );
        let p = parse_str("t.conf", &text, &LoadOptions::default());
        let (m, _) = map_config(&p.config, &SimResolver { node: 1 });
        m.instances.into_iter().next().unwrap()
    }

    fn link(name: &str) -> Option<Link> {
        let ifindex = name.strip_prefix("eth")?.parse::<u32>().ok()? + 10;
        Some(Link {
            ifindex,
            name: name.into(),
            mac: None,
        })
    }

    #[test]
    fn one_target_per_other_interface_in_order() {
        let t = targets(&spec(""), "eth0", link);
        let got: Vec<(u32, String)> = t
            .iter()
            .map(|t| match t {
                Target::Other(l, a) => (l.ifindex, a.to_string()),
                Target::OwnVmac(a) => (0, a.to_string()),
            })
            .collect();
        assert_eq!(got, [(11, "10.0.1.100".into()), (12, "10.0.2.100".into())]);
        // With vmac_xmit_base the VMAC's own first VIP comes first.
        let t = targets(&spec(" use_vmac\n vmac_xmit_base\n"), "eth0", link);
        assert_eq!(
            t.first(),
            Some(&Target::OwnVmac("10.0.0.100".parse().unwrap()))
        );
        assert_eq!(t.len(), 3);
    }

    #[test]
    fn rounds_follow_mastership_and_adverts() {
        let id = 1u32;
        let mut g = ExtraGarp::<u32>::default();
        let t = vec![Target::OwnVmac("10.0.0.1".parse().unwrap())];
        g.set(
            id,
            HashMap::new(),
            Some((Duration::from_secs(2), t.clone())),
        );
        let at = |s: u64| Instant::from_micros(s * 1_000_000);
        assert_eq!(g.due(id, at(5)), None, "not Master");
        g.became_master(id, at(10));
        assert_eq!(g.due(id, at(11)), None);
        assert_eq!(g.due(id, at(12)), None, "strictly after");
        assert_eq!(g.due(id, Instant::from_micros(12_000_001)), Some(t.clone()));
        assert_eq!(g.due(id, at(13)), None);
        assert_eq!(g.due(id, at(15)), Some(t.clone()));
        // A reload keeps the timer; leaving Master stops it.
        g.set(
            id,
            HashMap::new(),
            Some((Duration::from_secs(2), t.clone())),
        );
        assert_eq!(g.due(id, at(18)), Some(t));
        g.left_master(id);
        assert_eq!(g.due(id, at(30)), None);
    }
}
