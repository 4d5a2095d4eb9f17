//! An in-memory IPVS for tests (feature `testing`).
//!
//! [`InMemoryIpvs`] implements [`IpvsOps`] on a table held in memory and
//! answers each request as the kernel's `ip_vs_ctl.c` does
//! (`ip_vs_genl_set_cmd`): a new service or destination that exists already
//! fails with EEXIST, a request about a missing service with ESRCH, an edit
//! or delete of a missing destination with ENOENT, an unknown scheduler with
//! ENOENT, a second sync daemon of the same state with EEXIST and stopping
//! one that is not running with ESRCH. Zero timeout fields are left
//! unchanged. Services and destinations are listed in the order they were
//! added. Dumps and gets inside a batch are refused with EINVAL, as
//! [`IpvsClient::execute_batch`](crate::IpvsClient::execute_batch) refuses
//! them.

use crate::error::{Error, Object};
use crate::model::{Destination, Service, SyncDaemon, Timeouts};
use crate::ops::IpvsOps;
use crate::request::Request;

/// The schedulers of Linux 6.x's IPVS (`ip_vs_*.ko`).
pub const KERNEL_SCHEDULERS: &[&str] = &[
    "rr", "wrr", "lc", "wlc", "lblc", "lblcr", "dh", "sh", "sed", "nq", "fo", "ovf", "mh", "twos",
];

/// The kernel's connection timeouts before anyone sets them
/// (`IP_VS_TCP_S_ESTABLISHED` 15 min, `IP_VS_TCP_S_FIN_WAIT` 2 min, UDP 5 min).
pub const KERNEL_DEFAULT_TIMEOUTS: Timeouts = Timeouts {
    tcp: 900,
    tcp_fin: 120,
    udp: 300,
};

/// One service and its destinations.
#[derive(Debug, Clone, PartialEq)]
pub struct Entry {
    /// The service.
    pub service: Service,
    /// Its destinations, in the order they were added.
    pub dests: Vec<Destination>,
}

/// An IPVS table in memory that answers as the kernel does.
#[derive(Debug, Clone)]
pub struct InMemoryIpvs {
    entries: Vec<Entry>,
    timeouts: Timeouts,
    daemons: Vec<SyncDaemon>,
}

impl Default for InMemoryIpvs {
    fn default() -> Self {
        Self {
            entries: Vec::new(),
            timeouts: KERNEL_DEFAULT_TIMEOUTS,
            daemons: Vec::new(),
        }
    }
}

impl InMemoryIpvs {
    /// An empty table with the kernel's default timeouts.
    pub fn new() -> Self {
        Self::default()
    }

    /// The table: every service with its destinations.
    pub fn entries(&self) -> &[Entry] {
        &self.entries
    }

    /// The table, to change behind the requests' back as another program
    /// (or traffic: the counters) would.
    pub fn entries_mut(&mut self) -> &mut Vec<Entry> {
        &mut self.entries
    }

    /// Applies one change request, as the kernel would.
    pub fn apply(&mut self, request: &Request) -> Result<(), Error> {
        let object = request.object();
        let errno = |e: i32| Error::from_errno(e, object.clone());
        match request {
            Request::NewService(s) => {
                if self.find(s).is_some() {
                    return Err(errno(libc::EEXIST));
                }
                check_scheduler(s, &object)?;
                let mut s = s.clone();
                s.stats = Default::default();
                self.entries.push(Entry {
                    service: s,
                    dests: Vec::new(),
                });
            }
            Request::SetService(s) => {
                let i = self.find(s).ok_or_else(|| errno(libc::ESRCH))?;
                check_scheduler(s, &object)?;
                let stats = self.entries[i].service.stats;
                self.entries[i].service = s.clone();
                self.entries[i].service.stats = stats;
            }
            Request::DelService(s) => {
                let i = self.find(s).ok_or_else(|| errno(libc::ESRCH))?;
                self.entries.remove(i);
            }
            Request::NewDest(s, d) => {
                let i = self.find(s).ok_or_else(|| errno(libc::ESRCH))?;
                let dests = &mut self.entries[i].dests;
                if dests.iter().any(|x| same_dest(x, d)) {
                    return Err(errno(libc::EEXIST));
                }
                let mut d = d.clone();
                d.active_conns = 0;
                d.inactive_conns = 0;
                dests.push(d);
            }
            Request::SetDest(s, d) => {
                let i = self.find(s).ok_or_else(|| errno(libc::ESRCH))?;
                let x = self.entries[i]
                    .dests
                    .iter_mut()
                    .find(|x| same_dest(x, d))
                    .ok_or_else(|| errno(libc::ENOENT))?;
                let (active, inactive) = (x.active_conns, x.inactive_conns);
                *x = d.clone();
                x.active_conns = active;
                x.inactive_conns = inactive;
            }
            Request::DelDest(s, d) => {
                let i = self.find(s).ok_or_else(|| errno(libc::ESRCH))?;
                let dests = &mut self.entries[i].dests;
                let j = dests
                    .iter()
                    .position(|x| same_dest(x, d))
                    .ok_or_else(|| errno(libc::ENOENT))?;
                dests.remove(j);
            }
            Request::NewDaemon(d) => {
                if self.daemons.iter().any(|x| x.state == d.state) {
                    return Err(errno(libc::EEXIST));
                }
                self.daemons.push(d.clone());
            }
            Request::DelDaemon(d) => {
                let i = self
                    .daemons
                    .iter()
                    .position(|x| x.state == d.state)
                    .ok_or_else(|| errno(libc::ESRCH))?;
                self.daemons.remove(i);
            }
            Request::SetTimeouts(t) => {
                if t.tcp != 0 {
                    self.timeouts.tcp = t.tcp;
                }
                if t.tcp_fin != 0 {
                    self.timeouts.tcp_fin = t.tcp_fin;
                }
                if t.udp != 0 {
                    self.timeouts.udp = t.udp;
                }
            }
            Request::Zero(Some(s)) => {
                let i = self.find(s).ok_or_else(|| errno(libc::ESRCH))?;
                self.entries[i].service.stats = Default::default();
            }
            Request::Zero(None) => {
                for e in &mut self.entries {
                    e.service.stats = Default::default();
                }
            }
            Request::Flush => self.entries.clear(),
            _ => return Err(errno(libc::EINVAL)),
        }
        Ok(())
    }

    fn find(&self, s: &Service) -> Option<usize> {
        self.entries.iter().position(|e| e.service.key == s.key)
    }
}

fn same_dest(a: &Destination, b: &Destination) -> bool {
    a.addr == b.addr && a.port == b.port
}

fn check_scheduler(s: &Service, object: &Object) -> Result<(), Error> {
    if KERNEL_SCHEDULERS.contains(&s.scheduler.as_str()) {
        Ok(())
    } else {
        Err(Error::from_errno(libc::ENOENT, object.clone()))
    }
}

impl IpvsOps for InMemoryIpvs {
    fn services(&mut self) -> Result<Vec<Service>, Error> {
        Ok(self.entries.iter().map(|e| e.service.clone()).collect())
    }

    fn service(&mut self, service: &Service) -> Result<Option<Service>, Error> {
        Ok(self.find(service).map(|i| self.entries[i].service.clone()))
    }

    fn destinations(&mut self, service: &Service) -> Result<Vec<Destination>, Error> {
        match self.find(service) {
            Some(i) => Ok(self.entries[i].dests.clone()),
            None => Err(Error::from_errno(libc::ESRCH, Object::Service(service.key))),
        }
    }

    fn execute_batch(&mut self, requests: &[Request]) -> Result<Vec<Result<(), Error>>, Error> {
        Ok(requests.iter().map(|r| self.apply(r)).collect())
    }

    fn flush(&mut self) -> Result<(), Error> {
        self.apply(&Request::Flush)
    }

    fn timeouts(&mut self) -> Result<Timeouts, Error> {
        Ok(self.timeouts)
    }

    fn set_timeouts(&mut self, timeouts: &Timeouts) -> Result<(), Error> {
        self.apply(&Request::SetTimeouts(*timeouts))
    }

    fn daemons(&mut self) -> Result<Vec<SyncDaemon>, Error> {
        Ok(self.daemons.clone())
    }

    fn new_daemon(&mut self, daemon: &SyncDaemon) -> Result<(), Error> {
        self.apply(&Request::NewDaemon(daemon.clone()))
    }

    fn del_daemon(&mut self, daemon: &SyncDaemon) -> Result<(), Error> {
        self.apply(&Request::DelDaemon(daemon.clone()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{DaemonState, ForwardMethod, Protocol, ServiceKey};

    fn svc(port: u16) -> Service {
        Service::new(
            ServiceKey::Inet {
                protocol: Protocol::Tcp,
                addr: "10.0.0.1".parse().unwrap(),
                port,
            },
            "wlc",
        )
    }

    fn dest(last: u8) -> Destination {
        Destination::new(
            format!("10.0.1.{last}").parse().unwrap(),
            80,
            ForwardMethod::Masq,
        )
    }

    #[test]
    fn answers_as_the_kernel_does() {
        let mut k = InMemoryIpvs::new();
        let s = svc(80);
        let r = k
            .execute_batch(&[
                Request::NewService(s.clone()),
                Request::NewService(s.clone()),
                Request::NewDest(s.clone(), dest(2)),
                Request::NewDest(s.clone(), dest(2)),
                Request::SetDest(s.clone(), dest(3)),
                Request::DelDest(s.clone(), dest(3)),
                Request::NewDest(svc(81), dest(2)),
                Request::DelService(svc(81)),
                Request::DumpServices,
            ])
            .unwrap();
        let errnos: Vec<_> = r
            .iter()
            .map(|r| r.as_ref().err().and_then(Error::errno))
            .collect();
        assert_eq!(
            errnos,
            [
                None,
                Some(libc::EEXIST),
                None,
                Some(libc::EEXIST),
                Some(libc::ENOENT),
                Some(libc::ENOENT),
                Some(libc::ESRCH),
                Some(libc::ESRCH),
                Some(libc::EINVAL),
            ]
        );
        assert_eq!(k.services().unwrap(), std::slice::from_ref(&s));
        assert_eq!(k.destinations(&s).unwrap(), [dest(2)]);
        assert_eq!(k.service(&svc(81)).unwrap(), None);
        assert!(matches!(
            k.destinations(&svc(81)),
            Err(Error::NoSuchService(Object::Service(_)))
        ));
    }

    #[test]
    fn edits_keep_the_entry_and_its_place() {
        let mut k = InMemoryIpvs::new();
        let (a, b) = (svc(80), svc(443));
        for r in [
            Request::NewService(a.clone()),
            Request::NewService(b.clone()),
            Request::NewDest(a.clone(), dest(2)),
            Request::NewDest(a.clone(), dest(3)),
        ] {
            k.apply(&r).unwrap();
        }
        let mut heavier = dest(2);
        heavier.weight = 5;
        k.apply(&Request::SetDest(a.clone(), heavier.clone()))
            .unwrap();
        let mut rr = a.clone();
        rr.scheduler = "rr".into();
        k.apply(&Request::SetService(rr.clone())).unwrap();
        assert_eq!(k.entries()[0].service.scheduler, "rr");
        assert_eq!(k.entries()[0].dests, [heavier, dest(3)]);
        assert_eq!(k.entries()[1].service, b);
        let mut bogus = a.clone();
        bogus.scheduler = "nosuch".into();
        assert!(matches!(
            k.apply(&Request::SetService(bogus)),
            Err(Error::NotFound(_))
        ));
        k.flush().unwrap();
        assert!(k.entries().is_empty());
    }

    #[test]
    fn timeouts_and_sync_daemons() {
        let mut k = InMemoryIpvs::new();
        assert_eq!(k.timeouts().unwrap(), KERNEL_DEFAULT_TIMEOUTS);
        k.set_timeouts(&Timeouts {
            tcp: 7200,
            tcp_fin: 0,
            udp: 60,
        })
        .unwrap();
        assert_eq!(
            k.timeouts().unwrap(),
            Timeouts {
                tcp: 7200,
                tcp_fin: 120,
                udp: 60
            }
        );
        let m = SyncDaemon::new(DaemonState::Master, "eth0", 7);
        k.new_daemon(&m).unwrap();
        assert!(matches!(k.new_daemon(&m), Err(Error::Exists(_))));
        let b = SyncDaemon::new(DaemonState::Backup, "eth0", 7);
        assert!(matches!(k.del_daemon(&b), Err(Error::NoSuchService(_))));
        k.new_daemon(&b).unwrap();
        assert_eq!(k.daemons().unwrap(), [m.clone(), b.clone()]);
        k.del_daemon(&m).unwrap();
        assert_eq!(k.daemons().unwrap(), [b]);
    }

    #[test]
    fn works_through_a_mutable_reference() {
        fn add(mut ops: impl IpvsOps, s: &Service) -> Result<(), Error> {
            ops.execute_batch(&[Request::NewService(s.clone())])?
                .into_iter()
                .collect()
        }
        let mut k = InMemoryIpvs::new();
        add(&mut k, &svc(80)).unwrap();
        assert!(matches!(add(&mut k, &svc(80)), Err(Error::Exists(_))));
    }
}
