//! An in-memory [`Host`] for unit tests: links and addresses held in maps,
//! a clock the test moves, and a log of every request the router made, with
//! the time it made it. Nothing reaches the machine.

use std::cell::{Cell, RefCell};
use std::collections::{BTreeMap, BTreeSet};
use std::net::IpAddr;
use std::time::SystemTime;

use vrrp_core::packet::Family;
use vrrp_core::time::Instant;
use vrrp_linux::{
    AddMode, AddressInfo, AddressSpec, Announcement, Interface, MacAddr, NetlinkError, Outgoing,
    RouteSpec, RuleSpec, Scope, SocketError,
};

use super::{Host, HostView};
use crate::daemon::vmac::{Parent, VmacError, VmacLink};
use crate::spec::mapping::VmacSpec;

/// `IFF_UP | IFF_RUNNING`.
const UP_RUNNING: u32 = 0x1 | 0x40;

/// One request the router made of the host.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Call {
    /// An address added.
    AddAddress { ifindex: u32, addr: IpAddr },
    /// An address removed.
    DelAddress { ifindex: u32, addr: IpAddr },
    /// A route added.
    AddRoute,
    /// A route removed.
    DelRoute,
    /// A rule added.
    AddRule,
    /// A rule removed.
    DelRule,
    /// An advert sent, with the VRID and priority it carries.
    Advert {
        ifindex: u32,
        src: IpAddr,
        dst: IpAddr,
        vrid: u8,
        priority: u8,
    },
    /// A multicast group joined.
    Join { group: IpAddr, ifindex: u32 },
    /// A multicast group left.
    Leave { group: IpAddr, ifindex: u32 },
    /// A gratuitous ARP (IPv4) or unsolicited NA (IPv6) sent.
    Announce { ifindex: u32, addr: IpAddr },
    /// A VMAC created on `parent`.
    CreateVmac {
        name: String,
        parent: u32,
        ifindex: u32,
        mac: MacAddr,
    },
    /// A VMAC removed.
    RemoveVmac { name: String },
    /// A link enslaved to `master` (0: released).
    SetMaster { index: u32, master: u32 },
}

/// The stand-in host.
#[derive(Debug)]
pub struct StandInHost {
    now: Cell<Instant>,
    /// Links by name: (ifindex, MAC).
    links: RefCell<BTreeMap<String, (u32, MacAddr)>>,
    next_index: Cell<u32>,
    /// Addresses present: (ifindex, address, prefix length).
    addresses: RefCell<BTreeSet<(u32, IpAddr, u8)>>,
    calls: RefCell<Vec<(Instant, Call)>>,
    /// The VRF master of each enslaved link, by index.
    vrfs: RefCell<BTreeMap<u32, u32>>,
    /// Destinations whose route adds the kernel refuses.
    refused_routes: RefCell<BTreeSet<IpAddr>>,
}

impl Default for StandInHost {
    fn default() -> Self {
        StandInHost {
            now: Cell::new(Instant::from_secs(1)),
            links: RefCell::default(),
            next_index: Cell::new(100),
            addresses: RefCell::default(),
            calls: RefCell::default(),
            vrfs: RefCell::default(),
            refused_routes: RefCell::default(),
        }
    }
}

impl StandInHost {
    /// Refuses every later add of a route to `dst` as the kernel refuses a
    /// gateway it cannot reach (ENETUNREACH).
    pub fn refuse_routes_to(&self, dst: IpAddr) {
        self.refused_routes.borrow_mut().insert(dst);
    }

    /// Puts link `index` in VRF `vrf` (0: out of any VRF).
    pub fn set_vrf(&self, index: u32, vrf: u32) {
        if vrf == 0 {
            self.vrfs.borrow_mut().remove(&index);
        } else {
            self.vrfs.borrow_mut().insert(index, vrf);
        }
    }

    /// Adds a link `name` (up and running) with `ifindex` and `mac`.
    pub fn with_link(self, name: &str, ifindex: u32, mac: MacAddr) -> Self {
        self.links
            .borrow_mut()
            .insert(name.to_string(), (ifindex, mac));
        self
    }

    /// Adds an address on `ifindex`.
    pub fn with_address(self, ifindex: u32, addr: &str, prefix_len: u8) -> Self {
        if let Ok(a) = addr.parse() {
            self.addresses.borrow_mut().insert((ifindex, a, prefix_len));
        }
        self
    }

    /// The links and addresses as the router reads them at (re)load.
    pub fn view(&self) -> HostView {
        let links = self
            .links
            .borrow()
            .iter()
            .map(|(name, &(index, mac))| {
                let l = Interface {
                    index,
                    name: name.clone(),
                    mac: Some(mac),
                    flags: UP_RUNNING,
                    mtu: 1500,
                    kind: None,
                    parent_index: None,
                    master: None,
                    vrf_table: None,
                };
                (name.clone(), l)
            })
            .collect();
        let addresses = self
            .addresses
            .borrow()
            .iter()
            .map(|&(ifindex, addr, prefix_len)| AddressInfo {
                ifindex,
                addr,
                prefix_len,
                label: None,
                scope: Scope::Global,
                broadcast: None,
                flags: 0,
            })
            .collect();
        HostView { links, addresses }
    }

    /// Sets the clock.
    pub fn set_now(&self, t: Instant) {
        self.now.set(t);
    }

    /// Every request so far with its time, in order.
    pub fn calls(&self) -> Vec<(Instant, Call)> {
        self.calls.borrow().clone()
    }

    /// Every request so far, forgotten here.
    pub fn take_calls(&self) -> Vec<(Instant, Call)> {
        std::mem::take(&mut *self.calls.borrow_mut())
    }

    /// Someone else deletes `addr` from `ifindex` (no call is recorded).
    pub fn forget_address(&self, ifindex: u32, addr: IpAddr) {
        self.addresses
            .borrow_mut()
            .retain(|&(i, a, _)| (i, a) != (ifindex, addr));
    }

    /// Someone else adds `addr` on `ifindex` (no call is recorded).
    pub fn put_address(&self, ifindex: u32, addr: IpAddr, prefix_len: u8) {
        self.addresses
            .borrow_mut()
            .insert((ifindex, addr, prefix_len));
    }

    /// The addresses present on `ifindex`.
    pub fn addresses_on(&self, ifindex: u32) -> Vec<IpAddr> {
        self.addresses
            .borrow()
            .iter()
            .filter(|a| a.0 == ifindex)
            .map(|a| a.1)
            .collect()
    }

    fn record(&self, c: Call) {
        self.calls.borrow_mut().push((self.now.get(), c));
    }

    fn add(&self, a: &AddressSpec) {
        self.record(Call::AddAddress {
            ifindex: a.ifindex,
            addr: a.addr,
        });
        self.addresses
            .borrow_mut()
            .insert((a.ifindex, a.addr, a.prefix_len));
    }
}

impl Host for StandInHost {
    fn now(&self) -> Instant {
        self.now.get()
    }

    fn received_at(&self, _received: SystemTime, floor: Instant) -> Instant {
        self.now.get().max(floor)
    }

    fn if_index(&self, name: &str) -> Option<u32> {
        self.links.borrow().get(name).map(|l| l.0)
    }

    fn ipv6_forwarding(&self, _iface: &str) -> bool {
        false
    }

    async fn read_view(&self) -> Result<HostView, NetlinkError> {
        Ok(self.view())
    }

    fn netlink_port(&self) -> Option<u32> {
        None
    }

    async fn add_address(&self, a: &AddressSpec) -> Result<(), NetlinkError> {
        self.add(a);
        Ok(())
    }

    async fn del_address(&self, a: &AddressSpec) -> Result<(), NetlinkError> {
        self.record(Call::DelAddress {
            ifindex: a.ifindex,
            addr: a.addr,
        });
        self.addresses
            .borrow_mut()
            .retain(|&(i, addr, _)| (i, addr) != (a.ifindex, a.addr));
        Ok(())
    }

    async fn add_route(&self, r: &RouteSpec, _mode: AddMode) -> Result<(), NetlinkError> {
        self.record(Call::AddRoute);
        if self.refused_routes.borrow().contains(&r.dst) {
            return Err(NetlinkError::Kernel {
                op: format!("add route {}", r.describe()),
                // ENETUNREACH (101 on Linux)
                source: std::io::Error::from_raw_os_error(101),
                detail: None,
            });
        }
        Ok(())
    }

    async fn del_route(&self, _r: &RouteSpec) -> Result<(), NetlinkError> {
        self.record(Call::DelRoute);
        Ok(())
    }

    async fn add_rule(&self, _r: &RuleSpec) -> Result<(), NetlinkError> {
        self.record(Call::AddRule);
        Ok(())
    }

    async fn del_rule(&self, _r: &RuleSpec) -> Result<(), NetlinkError> {
        self.record(Call::DelRule);
        Ok(())
    }

    fn has_socket(&self, _family: Family) -> bool {
        true
    }

    async fn send_advert(&self, out: &Outgoing<'_>) -> Result<(), SocketError> {
        // VRRP v2 and v3 both carry the VRID in the second byte and the
        // priority in the third (RFC 3768 §5.1, RFC 9568 §5.1).
        let byte = |k: usize| out.payload.get(k).copied().unwrap_or(0);
        self.record(Call::Advert {
            ifindex: out.ifindex,
            src: out.src,
            dst: out.dst,
            vrid: byte(1),
            priority: byte(2),
        });
        Ok(())
    }

    fn join_multicast(&self, group: IpAddr, ifindex: u32) -> Result<(), SocketError> {
        self.record(Call::Join { group, ifindex });
        Ok(())
    }

    fn leave_multicast(&self, group: IpAddr, ifindex: u32) -> Result<(), SocketError> {
        self.record(Call::Leave { group, ifindex });
        Ok(())
    }

    fn can_announce(&self) -> bool {
        true
    }

    fn announce(&self, a: &Announcement) -> Result<(), SocketError> {
        let (ifindex, addr) = match *a {
            Announcement::Garp { ifindex, vip, .. } => (ifindex, IpAddr::V4(vip)),
            Announcement::Na { ifindex, vip, .. } => (ifindex, IpAddr::V6(vip)),
        };
        self.record(Call::Announce { ifindex, addr });
        Ok(())
    }

    async fn create_vmac(
        &mut self,
        spec: &VmacSpec,
        parent: Parent<'_>,
        _family: Family,
        _source: IpAddr,
    ) -> Result<VmacLink, VmacError> {
        let ifindex = self.next_index.get();
        self.next_index.set(ifindex + 1);
        self.links
            .borrow_mut()
            .insert(spec.name.clone(), (ifindex, spec.mac));
        self.record(Call::CreateVmac {
            name: spec.name.clone(),
            parent: parent.index,
            ifindex,
            mac: spec.mac,
        });
        Ok(VmacLink::stand_in(spec.name.clone(), ifindex, spec.mac))
    }

    async fn remove_vmac(&mut self, link: VmacLink) {
        self.links.borrow_mut().remove(&link.name);
        self.record(Call::RemoveVmac { name: link.name });
    }

    async fn vrf_of(&self, index: u32) -> Option<u32> {
        self.vrfs.borrow().get(&index).copied()
    }

    async fn set_master(&self, index: u32, master: u32) -> Result<(), NetlinkError> {
        self.record(Call::SetMaster { index, master });
        Ok(())
    }
}
