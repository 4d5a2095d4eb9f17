//! The reconciler, pure: what the kernel holds (as last read or written),
//! what each service should hold, and what we own → the minimal IPVS
//! requests.
//!
//! Rules:
//! - A desired service absent from the kernel is created (and owned, as
//!   "created"). One present already is adopted; if its scheduler, flags,
//!   persistence or engine differ it is edited with SET_SERVICE, never
//!   removed and re-added (its connections and counters survive).
//! - A desired destination absent is added; present with other weight,
//!   thresholds, forwarding or tunnel settings, it is edited with SET_DEST;
//!   equal, it is left alone.
//! - A destination present but not desired is removed only if we manage it
//!   (one of the virtual server's real/sorry servers) or we added/adopted it
//!   earlier; anybody else's destinations are left alone.
//! - Services we do not own are never touched.
//! - [`Reconciler::remove_service`] (a virtual server gone after a reload)
//!   and [`Reconciler::shutdown`] delete the services we created and, in
//!   services we adopted, the destinations we added.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::net::IpAddr;

use ipvs_sys::{Destination, Request, Service, ServiceFlags, ServiceKey};

/// A destination's identity within a service.
pub type DestKey = (IpAddr, u16);

/// One service as the kernel holds it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KernelService {
    /// The service.
    pub service: Service,
    /// Its destinations.
    pub dests: BTreeMap<DestKey, Destination>,
}

impl KernelService {
    /// From a dump.
    pub fn new(service: Service, dests: Vec<Destination>) -> Self {
        KernelService {
            service,
            dests: dests.into_iter().map(|d| ((d.addr, d.port), d)).collect(),
        }
    }
}

/// One IPVS request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Op {
    /// NEW_SERVICE.
    NewService(Service),
    /// SET_SERVICE.
    SetService(Service),
    /// DEL_SERVICE.
    DelService(Service),
    /// NEW_DEST.
    NewDest(Service, Destination),
    /// SET_DEST.
    SetDest(Service, Destination),
    /// DEL_DEST.
    DelDest(Service, Destination),
}

impl Op {
    /// The ipvs-sys request.
    pub fn request(&self) -> Request {
        match self.clone() {
            Op::NewService(s) => Request::NewService(s),
            Op::SetService(s) => Request::SetService(s),
            Op::DelService(s) => Request::DelService(s),
            Op::NewDest(s, d) => Request::NewDest(s, d),
            Op::SetDest(s, d) => Request::SetDest(s, d),
            Op::DelDest(s, d) => Request::DelDest(s, d),
        }
    }

    /// The operation of a change request (`None` for requests lvsd never
    /// makes: dumps, gets, daemons, timeouts, flush).
    pub fn from_request(request: &Request) -> Option<Op> {
        Some(match request.clone() {
            Request::NewService(s) => Op::NewService(s),
            Request::SetService(s) => Op::SetService(s),
            Request::DelService(s) => Op::DelService(s),
            Request::NewDest(s, d) => Op::NewDest(s, d),
            Request::SetDest(s, d) => Op::SetDest(s, d),
            Request::DelDest(s, d) => Op::DelDest(s, d),
            _ => return None,
        })
    }

    /// The service the request is about.
    pub fn service(&self) -> &Service {
        match self {
            Op::NewService(s) | Op::SetService(s) | Op::DelService(s) => s,
            Op::NewDest(s, _) | Op::SetDest(s, _) | Op::DelDest(s, _) => s,
        }
    }
}

impl std::fmt::Display for Op {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let d = |d: &Destination| match d.addr {
            IpAddr::V4(a) => format!("{a}:{} w{}", d.port, d.weight),
            IpAddr::V6(a) => format!("[{a}]:{} w{}", d.port, d.weight),
        };
        match self {
            Op::NewService(s) => write!(f, "add service {} {}", s.key, s.scheduler),
            Op::SetService(s) => write!(f, "edit service {} {}", s.key, s.scheduler),
            Op::DelService(s) => write!(f, "delete service {}", s.key),
            Op::NewDest(s, x) => write!(f, "add {} to {}", d(x), s.key),
            Op::SetDest(s, x) => write!(f, "edit {} in {}", d(x), s.key),
            Op::DelDest(s, x) => write!(f, "delete {} from {}", d(x), s.key),
        }
    }
}

#[derive(Debug, Clone, Default)]
struct Owned {
    /// We created the service (else adopted it).
    created: bool,
    /// Destinations we own: true = we added it, false = adopted.
    dests: HashMap<DestKey, bool>,
}

/// The reconciler's memory: the kernel table as last known, and ownership.
#[derive(Debug, Clone, Default)]
pub struct Reconciler {
    kernel: HashMap<ServiceKey, KernelService>,
    owned: HashMap<ServiceKey, Owned>,
}

/// Same service settings (the kernel adds HASHED; netmask and timeout only
/// matter for persistent services).
pub fn service_matches(have: &Service, want: &Service) -> bool {
    let mask = !ServiceFlags::HASHED;
    let persistent = want.flags.contains(ServiceFlags::PERSISTENT);
    have.scheduler == want.scheduler
        && (have.flags & mask) == (want.flags & mask)
        && (!persistent || (have.timeout == want.timeout && have.netmask == want.netmask))
        && have.pe_name == want.pe_name
}

/// Same destination settings.
pub fn dest_matches(have: &Destination, want: &Destination) -> bool {
    let tunnel = matches!(want.fwd, ipvs_sys::ForwardMethod::Tunnel);
    have.fwd == want.fwd
        && have.weight == want.weight
        && have.upper_threshold == want.upper_threshold
        && have.lower_threshold == want.lower_threshold
        && (!tunnel
            || (have.tun_type == want.tun_type
                && have.tun_port == want.tun_port
                && have.tun_flags == want.tun_flags))
}

impl Reconciler {
    /// Starts from the kernel's table (a dump of every service with its
    /// destinations). Nothing is owned yet.
    pub fn new(kernel: Vec<KernelService>) -> Self {
        Reconciler {
            kernel: kernel.into_iter().map(|k| (k.service.key, k)).collect(),
            owned: HashMap::new(),
        }
    }

    /// The kernel table as the reconciler believes it is.
    pub fn kernel(&self) -> &HashMap<ServiceKey, KernelService> {
        &self.kernel
    }

    /// True when we own (created or adopted) this service.
    pub fn owns(&self, key: &ServiceKey) -> bool {
        self.owned.contains_key(key)
    }

    /// Replaces what we believe of one service with a fresh dump (after a
    /// failed request); `None` when the kernel no longer has it.
    pub fn refresh(&mut self, key: ServiceKey, fresh: Option<KernelService>) {
        match fresh {
            Some(k) => {
                self.kernel.insert(key, k);
            }
            None => {
                self.kernel.remove(&key);
                if let Some(o) = self.owned.get_mut(&key) {
                    // It must be re-created: it is ours again when we do.
                    o.created = true;
                    o.dests.clear();
                }
            }
        }
    }

    /// Makes `want` hold exactly `dests` among the destinations in
    /// `managed` (plus those we own); returns the requests, in order.
    pub fn sync_service(
        &mut self,
        want: &Service,
        dests: &[Destination],
        managed: &HashSet<DestKey>,
    ) -> Vec<Op> {
        let mut ops = Vec::new();
        let key = want.key;
        let owned = self.owned.entry(key).or_default();
        let entry = match self.kernel.get_mut(&key) {
            Some(k) => {
                if owned.dests.is_empty() && !owned.created {
                    // First sight: adopt the configured destinations present.
                    for dk in k.dests.keys() {
                        if managed.contains(dk) {
                            owned.dests.insert(*dk, false);
                        }
                    }
                }
                if !service_matches(&k.service, want) {
                    ops.push(Op::SetService(want.clone()));
                    let stats = k.service.stats;
                    k.service = want.clone();
                    k.service.stats = stats;
                }
                k
            }
            None => {
                owned.created = true;
                ops.push(Op::NewService(want.clone()));
                self.kernel
                    .entry(key)
                    .or_insert_with(|| KernelService::new(want.clone(), Vec::new()))
            }
        };
        let wanted: HashSet<DestKey> = dests.iter().map(|d| (d.addr, d.port)).collect();
        // Removals first: frees the slot if a sorry server replaces a real server.
        let present: Vec<DestKey> = entry.dests.keys().copied().collect();
        for dk in present {
            if wanted.contains(&dk) {
                continue;
            }
            if managed.contains(&dk) || owned.dests.contains_key(&dk) {
                if let Some(d) = entry.dests.remove(&dk) {
                    ops.push(Op::DelDest(want.clone(), d));
                }
                owned.dests.remove(&dk);
            }
        }
        for d in dests {
            let dk = (d.addr, d.port);
            match entry.dests.get_mut(&dk) {
                Some(have) => {
                    owned.dests.entry(dk).or_insert(false);
                    if !dest_matches(have, d) {
                        ops.push(Op::SetDest(want.clone(), d.clone()));
                        let (stats, a, i, p) = (
                            have.stats,
                            have.active_conns,
                            have.inactive_conns,
                            have.persist_conns,
                        );
                        *have = d.clone();
                        have.stats = stats;
                        have.active_conns = a;
                        have.inactive_conns = i;
                        have.persist_conns = p;
                    }
                }
                None => {
                    owned.dests.insert(dk, true);
                    ops.push(Op::NewDest(want.clone(), d.clone()));
                    entry.dests.insert(dk, d.clone());
                }
            }
        }
        ops
    }

    /// Gives up a service (its virtual server left the configuration): deletes
    /// it if we created it, else deletes the destinations we added and leaves
    /// adopted ones.
    pub fn remove_service(&mut self, key: &ServiceKey) -> Vec<Op> {
        let Some(owned) = self.owned.remove(key) else {
            return Vec::new();
        };
        let Some(k) = self.kernel.get_mut(key) else {
            return Vec::new();
        };
        if owned.created {
            let svc = k.service.clone();
            self.kernel.remove(key);
            return vec![Op::DelService(svc)];
        }
        let mut ops = Vec::new();
        for (dk, added) in owned.dests {
            if added && let Some(d) = k.dests.remove(&dk) {
                ops.push(Op::DelDest(k.service.clone(), d));
            }
        }
        ops
    }

    /// Removes everything we added (exit): every owned service, in a stable order.
    pub fn shutdown(&mut self) -> Vec<Op> {
        let mut keys: Vec<ServiceKey> = self.owned.keys().copied().collect();
        keys.sort_by_key(|k| k.to_string());
        keys.iter().flat_map(|k| self.remove_service(k)).collect()
    }

    /// Keys of owned services that are not in `keep` (to remove after a reload).
    pub fn owned_except(&self, keep: &HashSet<ServiceKey>) -> Vec<ServiceKey> {
        let mut v: Vec<ServiceKey> = self
            .owned
            .keys()
            .filter(|k| !keep.contains(k))
            .copied()
            .collect();
        v.sort_by_key(|k| k.to_string());
        v
    }

    /// Forgets everything about the kernel (after `lvs_flush`).
    pub fn flushed(&mut self) {
        self.kernel.clear();
        self.owned.clear();
    }
}

#[cfg(test)]
mod tests;
