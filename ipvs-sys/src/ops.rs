//! The IPVS operations a daemon needs, as one trait.
//!
//! [`IpvsOps`] is what a load balancer or a VRRP daemon asks of IPVS: read
//! the table, apply a batch of changes, flush, read and set the connection
//! timeouts, start and stop sync daemons. [`IpvsClient`] implements it on the
//! kernel; with the `testing` feature, [`crate::testing::InMemoryIpvs`]
//! implements it on an in-memory table that answers as the kernel does, so
//! code written against the trait is tested without root or the ip_vs module.

use crate::client::IpvsClient;
use crate::error::Error;
use crate::model::{Destination, Service, SyncDaemon, Timeouts};
use crate::request::Request;

/// The IPVS operations the daemons use.
///
/// Errors are the kernel's: a request about a missing service fails with
/// [`Error::NoSuchService`] (ESRCH), a missing destination with
/// [`Error::NotFound`] (ENOENT), a duplicate with [`Error::Exists`] (EEXIST).
pub trait IpvsOps {
    /// Every virtual service.
    fn services(&mut self) -> Result<Vec<Service>, Error>;
    /// The service with `service`'s key, `None` when there is none.
    fn service(&mut self, service: &Service) -> Result<Option<Service>, Error>;
    /// The destinations of `service`.
    fn destinations(&mut self, service: &Service) -> Result<Vec<Destination>, Error>;
    /// Runs change requests in order (no dumps or gets) and returns one
    /// result each; a failed request does not stop the ones after it. The
    /// outer error means the batch could not be sent at all.
    fn execute_batch(&mut self, requests: &[Request]) -> Result<Vec<Result<(), Error>>, Error>;
    /// Deletes every service.
    fn flush(&mut self) -> Result<(), Error>;
    /// The connection timeouts.
    fn timeouts(&mut self) -> Result<Timeouts, Error>;
    /// Sets the connection timeouts (a zero field is left unchanged).
    fn set_timeouts(&mut self, timeouts: &Timeouts) -> Result<(), Error>;
    /// The running sync daemons.
    fn daemons(&mut self) -> Result<Vec<SyncDaemon>, Error>;
    /// Starts a sync daemon.
    fn new_daemon(&mut self, daemon: &SyncDaemon) -> Result<(), Error>;
    /// Stops a sync daemon (its state and sync id select it).
    fn del_daemon(&mut self, daemon: &SyncDaemon) -> Result<(), Error>;
    /// A second handle on the same table that can move to another thread,
    /// for reads that must not wait for this handle's user (a daemon reading
    /// counters away from its event loop); `None` (the default) when the
    /// implementation has none.
    fn another_handle(&self) -> Result<Option<Box<dyn IpvsOps + Send>>, Error> {
        Ok(None)
    }
}

impl IpvsOps for IpvsClient {
    fn services(&mut self) -> Result<Vec<Service>, Error> {
        IpvsClient::services(self)
    }

    fn service(&mut self, service: &Service) -> Result<Option<Service>, Error> {
        match IpvsClient::service(self, service) {
            Ok(s) => Ok(Some(s)),
            // ip_vs_ctl.c answers GET_SERVICE for an absent service with
            // ESRCH; some kernels answer ENOENT.
            Err(Error::NoSuchService(_) | Error::NotFound(_)) => Ok(None),
            Err(e) => Err(e),
        }
    }

    fn destinations(&mut self, service: &Service) -> Result<Vec<Destination>, Error> {
        IpvsClient::destinations(self, service)
    }

    fn execute_batch(&mut self, requests: &[Request]) -> Result<Vec<Result<(), Error>>, Error> {
        IpvsClient::execute_batch(self, requests)
    }

    fn flush(&mut self) -> Result<(), Error> {
        IpvsClient::flush(self)
    }

    fn timeouts(&mut self) -> Result<Timeouts, Error> {
        IpvsClient::timeouts(self)
    }

    fn set_timeouts(&mut self, timeouts: &Timeouts) -> Result<(), Error> {
        IpvsClient::set_timeouts(self, timeouts)
    }

    fn daemons(&mut self) -> Result<Vec<SyncDaemon>, Error> {
        IpvsClient::daemons(self)
    }

    fn new_daemon(&mut self, daemon: &SyncDaemon) -> Result<(), Error> {
        IpvsClient::new_daemon(self, daemon)
    }

    fn del_daemon(&mut self, daemon: &SyncDaemon) -> Result<(), Error> {
        IpvsClient::del_daemon(self, daemon)
    }

    /// A client of its own: another netlink socket.
    fn another_handle(&self) -> Result<Option<Box<dyn IpvsOps + Send>>, Error> {
        Ok(Some(Box::new(IpvsClient::new()?)))
    }
}

impl<T: IpvsOps + ?Sized> IpvsOps for &mut T {
    fn services(&mut self) -> Result<Vec<Service>, Error> {
        (**self).services()
    }
    fn service(&mut self, service: &Service) -> Result<Option<Service>, Error> {
        (**self).service(service)
    }
    fn destinations(&mut self, service: &Service) -> Result<Vec<Destination>, Error> {
        (**self).destinations(service)
    }
    fn execute_batch(&mut self, requests: &[Request]) -> Result<Vec<Result<(), Error>>, Error> {
        (**self).execute_batch(requests)
    }
    fn flush(&mut self) -> Result<(), Error> {
        (**self).flush()
    }
    fn timeouts(&mut self) -> Result<Timeouts, Error> {
        (**self).timeouts()
    }
    fn set_timeouts(&mut self, timeouts: &Timeouts) -> Result<(), Error> {
        (**self).set_timeouts(timeouts)
    }
    fn daemons(&mut self) -> Result<Vec<SyncDaemon>, Error> {
        (**self).daemons()
    }
    fn new_daemon(&mut self, daemon: &SyncDaemon) -> Result<(), Error> {
        (**self).new_daemon(daemon)
    }
    fn del_daemon(&mut self, daemon: &SyncDaemon) -> Result<(), Error> {
        (**self).del_daemon(daemon)
    }
    fn another_handle(&self) -> Result<Option<Box<dyn IpvsOps + Send>>, Error> {
        (**self).another_handle()
    }
}
