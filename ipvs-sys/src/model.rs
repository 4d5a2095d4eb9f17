//! Plain typed structs on top of the attribute enums: what a caller of this
//! crate builds and reads. Conversions to attributes follow libipvs's
//! attribute order, so requests are byte-identical to ipvsadm's.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use bitflags::bitflags;

use crate::constants::*;
use crate::nla::{DaemonNla, DestNla, FlagsNla, ServiceNla, Stats64Nla, StatsNla};
use crate::parse_error::ParseError;

/// Address family of a service or destination.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum AddressFamily {
    /// IPv4 (`AF_INET`).
    Inet,
    /// IPv6 (`AF_INET6`).
    Inet6,
}

impl AddressFamily {
    /// The Linux `AF_*` number.
    pub fn to_raw(self) -> u16 {
        match self {
            Self::Inet => AF_INET,
            Self::Inet6 => AF_INET6,
        }
    }

    /// From a Linux `AF_*` number.
    pub fn from_raw(af: u16) -> Result<Self, ParseError> {
        match af {
            AF_INET => Ok(Self::Inet),
            AF_INET6 => Ok(Self::Inet6),
            other => Err(ParseError::UnknownAddressFamily(other)),
        }
    }

    /// The family of an address.
    pub fn of(addr: &IpAddr) -> Self {
        match addr {
            IpAddr::V4(_) => Self::Inet,
            IpAddr::V6(_) => Self::Inet6,
        }
    }
}

/// The transport protocol of a service.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Protocol {
    /// TCP (6).
    Tcp,
    /// UDP (17).
    Udp,
    /// SCTP (132).
    Sctp,
    /// Any other IP protocol number.
    Other(u16),
}

impl Protocol {
    /// The IP protocol number.
    pub fn to_raw(self) -> u16 {
        match self {
            Self::Tcp => 6,
            Self::Udp => 17,
            Self::Sctp => 132,
            Self::Other(p) => p,
        }
    }

    /// From an IP protocol number.
    pub fn from_raw(p: u16) -> Self {
        match p {
            6 => Self::Tcp,
            17 => Self::Udp,
            132 => Self::Sctp,
            other => Self::Other(other),
        }
    }
}

/// What identifies a virtual service.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ServiceKey {
    /// Protocol, virtual address and port.
    Inet {
        /// Transport protocol.
        protocol: Protocol,
        /// Virtual IP address.
        addr: IpAddr,
        /// Virtual port (0 = all ports, persistent services only).
        port: u16,
    },
    /// A firewall mark.
    Fwmark {
        /// Address family of the packets matched.
        af: AddressFamily,
        /// The mark.
        mark: u32,
    },
}

impl ServiceKey {
    /// The address family of the service.
    pub fn af(&self) -> AddressFamily {
        match self {
            Self::Inet { addr, .. } => AddressFamily::of(addr),
            Self::Fwmark { af, .. } => *af,
        }
    }
}

impl std::fmt::Display for ServiceKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Inet {
                protocol,
                addr,
                port,
            } => {
                let p = match protocol {
                    Protocol::Tcp => "TCP".to_string(),
                    Protocol::Udp => "UDP".to_string(),
                    Protocol::Sctp => "SCTP".to_string(),
                    Protocol::Other(n) => format!("proto {n}"),
                };
                match addr {
                    IpAddr::V4(a) => write!(f, "{p} {a}:{port}"),
                    IpAddr::V6(a) => write!(f, "{p} [{a}]:{port}"),
                }
            }
            Self::Fwmark {
                af: AddressFamily::Inet,
                mark,
            } => write!(f, "FWM {mark}"),
            Self::Fwmark {
                af: AddressFamily::Inet6,
                mark,
            } => write!(f, "FWM {mark} IPv6"),
        }
    }
}

bitflags! {
    /// Service flags (`IP_VS_SVC_F_*`).
    #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
    pub struct ServiceFlags: u32 {
        /// Persistent service.
        const PERSISTENT = IP_VS_SVC_F_PERSISTENT;
        /// Hashed (set by the kernel on every service it reports).
        const HASHED = IP_VS_SVC_F_HASHED;
        /// One-packet scheduling.
        const ONEPACKET = IP_VS_SVC_F_ONEPACKET;
        /// Scheduler flag 1 (`sh-fallback`, `mh-fallback`).
        const SCHED1 = IP_VS_SVC_F_SCHED1;
        /// Scheduler flag 2 (`sh-port`, `mh-port`).
        const SCHED2 = IP_VS_SVC_F_SCHED2;
        /// Scheduler flag 3.
        const SCHED3 = IP_VS_SVC_F_SCHED3;
        // Keep bits a newer kernel may define.
        const _ = !0;
    }
}

/// Traffic counters and rates (64-bit).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Stats {
    /// Connections scheduled.
    pub conns: u64,
    /// Incoming packets.
    pub inpkts: u64,
    /// Outgoing packets.
    pub outpkts: u64,
    /// Incoming bytes.
    pub inbytes: u64,
    /// Outgoing bytes.
    pub outbytes: u64,
    /// Connections per second.
    pub cps: u64,
    /// Incoming packets per second.
    pub inpps: u64,
    /// Outgoing packets per second.
    pub outpps: u64,
    /// Incoming bytes per second.
    pub inbps: u64,
    /// Outgoing bytes per second.
    pub outbps: u64,
}

impl Stats {
    fn from_32(nlas: &[StatsNla]) -> Self {
        let mut s = Self::default();
        for n in nlas {
            match *n {
                StatsNla::Conns(v) => s.conns = v.into(),
                StatsNla::InPkts(v) => s.inpkts = v.into(),
                StatsNla::OutPkts(v) => s.outpkts = v.into(),
                StatsNla::InBytes(v) => s.inbytes = v,
                StatsNla::OutBytes(v) => s.outbytes = v,
                StatsNla::Cps(v) => s.cps = v.into(),
                StatsNla::InPps(v) => s.inpps = v.into(),
                StatsNla::OutPps(v) => s.outpps = v.into(),
                StatsNla::InBps(v) => s.inbps = v.into(),
                StatsNla::OutBps(v) => s.outbps = v.into(),
                _ => {}
            }
        }
        s
    }

    fn from_64(nlas: &[Stats64Nla]) -> Self {
        let mut s = Self::default();
        for n in nlas {
            match *n {
                Stats64Nla::Conns(v) => s.conns = v,
                Stats64Nla::InPkts(v) => s.inpkts = v,
                Stats64Nla::OutPkts(v) => s.outpkts = v,
                Stats64Nla::InBytes(v) => s.inbytes = v,
                Stats64Nla::OutBytes(v) => s.outbytes = v,
                Stats64Nla::Cps(v) => s.cps = v,
                Stats64Nla::InPps(v) => s.inpps = v,
                Stats64Nla::OutPps(v) => s.outpps = v,
                Stats64Nla::InBps(v) => s.inbps = v,
                Stats64Nla::OutBps(v) => s.outbps = v,
                _ => {}
            }
        }
        s
    }

    /// The 64-bit statistics attribute set, as the kernel sends it.
    pub fn to_nlas64(&self) -> Vec<Stats64Nla> {
        vec![
            Stats64Nla::Conns(self.conns),
            Stats64Nla::InPkts(self.inpkts),
            Stats64Nla::OutPkts(self.outpkts),
            Stats64Nla::InBytes(self.inbytes),
            Stats64Nla::OutBytes(self.outbytes),
            Stats64Nla::Cps(self.cps),
            Stats64Nla::InPps(self.inpps),
            Stats64Nla::OutPps(self.outpps),
            Stats64Nla::InBps(self.inbps),
            Stats64Nla::OutBps(self.outbps),
        ]
    }
}

/// A virtual service.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Service {
    /// What identifies it.
    pub key: ServiceKey,
    /// Scheduler name (`rr`, `wlc`, `sh`, ...). Empty in requests that only
    /// name the service.
    pub scheduler: String,
    /// Flags. The kernel adds `HASHED` to every service it reports.
    pub flags: ServiceFlags,
    /// Persistence timeout in seconds (used with `PERSISTENT`).
    pub timeout: u32,
    /// Persistence granularity: IPv4 netmask as a host-order u32
    /// (`0xffff_ff00` for /24), or an IPv6 prefix length.
    pub netmask: u32,
    /// Persistence engine name (`sip`), if any.
    pub pe_name: Option<String>,
    /// Counters (replies only; never sent).
    pub stats: Stats,
}

impl Service {
    /// A service with the given key and scheduler, no flags, and the
    /// all-ones persistence netmask of its family.
    pub fn new(key: ServiceKey, scheduler: impl Into<String>) -> Self {
        let netmask = match key.af() {
            AddressFamily::Inet => 0xffff_ffff,
            AddressFamily::Inet6 => 128,
        };
        Self {
            key,
            scheduler: scheduler.into(),
            flags: ServiceFlags::empty(),
            timeout: 0,
            netmask,
            pe_name: None,
            stats: Stats::default(),
        }
    }

    /// The identity attributes only (used as the filter of GET_DEST dumps).
    pub fn key_nlas(&self) -> Vec<ServiceNla> {
        let mut out = vec![ServiceNla::Af(self.key.af().to_raw())];
        match self.key {
            ServiceKey::Inet {
                protocol,
                addr,
                port,
            } => {
                out.push(ServiceNla::Protocol(protocol.to_raw()));
                out.push(ServiceNla::Addr(addr_bytes(&addr)));
                out.push(ServiceNla::Port(port));
            }
            ServiceKey::Fwmark { mark, .. } => out.push(ServiceNla::Fwmark(mark)),
        }
        out
    }

    /// The full service nest, in libipvs's order: AF, FWMARK or
    /// PROTOCOL+ADDR+PORT, SCHED_NAME, PE_NAME (if any), FLAGS (mask all
    /// ones), TIMEOUT, NETMASK.
    pub fn to_nlas(&self) -> Vec<ServiceNla> {
        let mut out = self.key_nlas();
        out.push(ServiceNla::SchedName(self.scheduler.clone()));
        if let Some(pe) = &self.pe_name {
            out.push(ServiceNla::PeName(pe.clone()));
        }
        out.push(ServiceNla::Flags(FlagsNla {
            flags: self.flags.bits(),
            mask: u32::MAX,
        }));
        out.push(ServiceNla::Timeout(self.timeout));
        out.push(ServiceNla::Netmask(self.netmask_raw()));
        out
    }

    fn netmask_raw(&self) -> u32 {
        match self.key.af() {
            // ipvsadm and the kernel keep the IPv4 mask in network order.
            AddressFamily::Inet => u32::from_ne_bytes(self.netmask.to_be_bytes()),
            AddressFamily::Inet6 => self.netmask,
        }
    }

    /// Builds a service from a service nest (a kernel reply or a request).
    pub fn from_nlas(nlas: &[ServiceNla]) -> Result<Self, ParseError> {
        let mut af = None;
        let mut protocol = None;
        let mut addr = None;
        let mut port = None;
        let mut fwmark = None;
        let mut scheduler = String::new();
        let mut flags = 0;
        let mut timeout = 0;
        let mut netmask_raw = None;
        let mut pe_name = None;
        let mut stats32 = None;
        let mut stats64 = None;
        for n in nlas {
            match n {
                ServiceNla::Af(v) => af = Some(AddressFamily::from_raw(*v)?),
                ServiceNla::Protocol(v) => protocol = Some(*v),
                ServiceNla::Addr(v) => addr = Some(*v),
                ServiceNla::Port(v) => port = Some(*v),
                ServiceNla::Fwmark(v) => fwmark = Some(*v),
                ServiceNla::SchedName(v) => scheduler.clone_from(v),
                ServiceNla::Flags(f) => flags = f.flags & f.mask,
                ServiceNla::Timeout(v) => timeout = *v,
                ServiceNla::Netmask(v) => netmask_raw = Some(*v),
                ServiceNla::PeName(v) => pe_name = Some(v.clone()),
                ServiceNla::Stats(s) => stats32 = Some(Stats::from_32(s)),
                ServiceNla::Stats64(s) => stats64 = Some(Stats::from_64(s)),
                _ => {}
            }
        }
        let af = af.ok_or(ParseError::Missing("service address family"))?;
        let key = match fwmark {
            Some(mark) if mark != 0 => ServiceKey::Fwmark { af, mark },
            _ => ServiceKey::Inet {
                protocol: Protocol::from_raw(
                    protocol.ok_or(ParseError::Missing("service protocol"))?,
                ),
                addr: ip_from_bytes(af, &addr.ok_or(ParseError::Missing("service address"))?),
                port: port.ok_or(ParseError::Missing("service port"))?,
            },
        };
        let netmask = match (af, netmask_raw) {
            (AddressFamily::Inet, Some(raw)) => u32::from_be_bytes(raw.to_ne_bytes()),
            (AddressFamily::Inet6, Some(raw)) => raw,
            (AddressFamily::Inet, None) => 0xffff_ffff,
            (AddressFamily::Inet6, None) => 128,
        };
        Ok(Self {
            key,
            scheduler,
            flags: ServiceFlags::from_bits_retain(flags),
            timeout,
            netmask,
            pe_name,
            stats: stats64.or(stats32).unwrap_or_default(),
        })
    }
}

/// How packets reach a destination.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ForwardMethod {
    /// NAT (`-m`).
    Masq,
    /// Local node.
    Local,
    /// IP tunnelling (`-i`).
    Tunnel,
    /// Direct routing (`-g`).
    Route,
    /// A value this crate does not know (masked with 7).
    Other(u32),
}

impl ForwardMethod {
    /// The `IP_VS_CONN_F_*` number.
    pub fn to_raw(self) -> u32 {
        match self {
            Self::Masq => IP_VS_CONN_F_MASQ,
            Self::Local => IP_VS_CONN_F_LOCALNODE,
            Self::Tunnel => IP_VS_CONN_F_TUNNEL,
            Self::Route => IP_VS_CONN_F_DROUTE,
            Self::Other(v) => v,
        }
    }

    /// From the kernel's connection flags.
    pub fn from_raw(v: u32) -> Self {
        match v & IP_VS_CONN_F_FWD_MASK {
            IP_VS_CONN_F_MASQ => Self::Masq,
            IP_VS_CONN_F_LOCALNODE => Self::Local,
            IP_VS_CONN_F_TUNNEL => Self::Tunnel,
            IP_VS_CONN_F_DROUTE => Self::Route,
            other => Self::Other(other),
        }
    }
}

/// Encapsulation of a tunnelling destination.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum TunnelType {
    /// IP-in-IP.
    #[default]
    Ipip,
    /// Generic UDP encapsulation (needs a port).
    Gue,
    /// GRE.
    Gre,
    /// A value this crate does not know.
    Other(u8),
}

impl TunnelType {
    /// The `IP_VS_CONN_F_TUNNEL_TYPE_*` number.
    pub fn to_raw(self) -> u8 {
        match self {
            Self::Ipip => IP_VS_CONN_F_TUNNEL_TYPE_IPIP,
            Self::Gue => IP_VS_CONN_F_TUNNEL_TYPE_GUE,
            Self::Gre => IP_VS_CONN_F_TUNNEL_TYPE_GRE,
            Self::Other(v) => v,
        }
    }

    /// From the number.
    pub fn from_raw(v: u8) -> Self {
        match v {
            IP_VS_CONN_F_TUNNEL_TYPE_IPIP => Self::Ipip,
            IP_VS_CONN_F_TUNNEL_TYPE_GUE => Self::Gue,
            IP_VS_CONN_F_TUNNEL_TYPE_GRE => Self::Gre,
            other => Self::Other(other),
        }
    }
}

bitflags! {
    /// Tunnel encapsulation flags (`IP_VS_TUNNEL_ENCAP_FLAG_*`); empty = no checksum.
    #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
    pub struct TunnelFlags: u16 {
        /// Outer checksum.
        const CSUM = IP_VS_TUNNEL_ENCAP_FLAG_CSUM;
        /// Remote checksum offload.
        const REMCSUM = IP_VS_TUNNEL_ENCAP_FLAG_REMCSUM;
        // Keep unknown bits.
        const _ = !0;
    }
}

/// A destination (real server) of a service.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Destination {
    /// Real server address (its family may differ from the service's only
    /// for tunnelling).
    pub addr: IpAddr,
    /// Real server port.
    pub port: u16,
    /// Forwarding method.
    pub fwd: ForwardMethod,
    /// Weight (0 = quiesced: no new connections).
    pub weight: i32,
    /// Upper connection threshold (0 = none).
    pub upper_threshold: u32,
    /// Lower connection threshold.
    pub lower_threshold: u32,
    /// Tunnel type (tunnelling only).
    pub tun_type: TunnelType,
    /// Tunnel port (GUE only).
    pub tun_port: u16,
    /// Tunnel checksum flags.
    pub tun_flags: TunnelFlags,
    /// Active connections (replies only).
    pub active_conns: u32,
    /// Inactive connections (replies only).
    pub inactive_conns: u32,
    /// Persistent connections (replies only).
    pub persist_conns: u32,
    /// Counters (replies only).
    pub stats: Stats,
}

impl Destination {
    /// A destination with weight 1 and no thresholds.
    pub fn new(addr: IpAddr, port: u16, fwd: ForwardMethod) -> Self {
        Self {
            addr,
            port,
            fwd,
            weight: 1,
            upper_threshold: 0,
            lower_threshold: 0,
            tun_type: TunnelType::Ipip,
            tun_port: 0,
            tun_flags: TunnelFlags::empty(),
            active_conns: 0,
            inactive_conns: 0,
            persist_conns: 0,
            stats: Stats::default(),
        }
    }

    /// The destination nest, in libipvs's order: ADDR_FAMILY, ADDR, PORT,
    /// FWD_METHOD, WEIGHT, TUN_TYPE, TUN_PORT, TUN_FLAGS, U_THRESH, L_THRESH.
    pub fn to_nlas(&self) -> Vec<DestNla> {
        vec![
            DestNla::AddrFamily(AddressFamily::of(&self.addr).to_raw()),
            DestNla::Addr(addr_bytes(&self.addr)),
            DestNla::Port(self.port),
            DestNla::FwdMethod(self.fwd.to_raw()),
            DestNla::Weight(self.weight as u32),
            DestNla::TunType(self.tun_type.to_raw()),
            DestNla::TunPort(self.tun_port),
            DestNla::TunFlags(self.tun_flags.bits()),
            DestNla::UpperThreshold(self.upper_threshold),
            DestNla::LowerThreshold(self.lower_threshold),
        ]
    }

    /// Only what names the destination (address and port), for DEL_DEST.
    pub fn key_nlas(&self) -> Vec<DestNla> {
        vec![
            DestNla::AddrFamily(AddressFamily::of(&self.addr).to_raw()),
            DestNla::Addr(addr_bytes(&self.addr)),
            DestNla::Port(self.port),
        ]
    }

    /// Builds a destination from a destination nest; `service_af` is used
    /// when the kernel sends no ADDR_FAMILY (before 5.x).
    pub fn from_nlas(nlas: &[DestNla], service_af: AddressFamily) -> Result<Self, ParseError> {
        let mut af = service_af;
        let mut addr = None;
        let mut d = Self::new(IpAddr::V4(Ipv4Addr::UNSPECIFIED), 0, ForwardMethod::Masq);
        let mut port = None;
        let mut stats32 = None;
        let mut stats64 = None;
        let mut fwd = None;
        for n in nlas {
            match n {
                DestNla::AddrFamily(v) => af = AddressFamily::from_raw(*v)?,
                DestNla::Addr(v) => addr = Some(*v),
                DestNla::Port(v) => port = Some(*v),
                DestNla::FwdMethod(v) => fwd = Some(ForwardMethod::from_raw(*v)),
                DestNla::Weight(v) => d.weight = *v as i32,
                DestNla::UpperThreshold(v) => d.upper_threshold = *v,
                DestNla::LowerThreshold(v) => d.lower_threshold = *v,
                DestNla::ActiveConns(v) => d.active_conns = *v,
                DestNla::InactiveConns(v) => d.inactive_conns = *v,
                DestNla::PersistConns(v) => d.persist_conns = *v,
                DestNla::Stats(s) => stats32 = Some(Stats::from_32(s)),
                DestNla::Stats64(s) => stats64 = Some(Stats::from_64(s)),
                DestNla::TunType(v) => d.tun_type = TunnelType::from_raw(*v),
                DestNla::TunPort(v) => d.tun_port = *v,
                DestNla::TunFlags(v) => d.tun_flags = TunnelFlags::from_bits_retain(*v),
                _ => {}
            }
        }
        d.addr = ip_from_bytes(af, &addr.ok_or(ParseError::Missing("destination address"))?);
        d.port = port.ok_or(ParseError::Missing("destination port"))?;
        d.fwd = fwd.unwrap_or(ForwardMethod::Masq);
        d.stats = stats64.or(stats32).unwrap_or_default();
        Ok(d)
    }
}

/// Connection timeouts in seconds (0 in a request = leave unchanged).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Timeouts {
    /// Established TCP.
    pub tcp: u32,
    /// TCP after FIN.
    pub tcp_fin: u32,
    /// UDP.
    pub udp: u32,
}

/// Role of a connection sync daemon.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum DaemonState {
    /// Sends connection state.
    Master,
    /// Receives connection state.
    Backup,
}

impl DaemonState {
    /// The `IP_VS_STATE_*` number.
    pub fn to_raw(self) -> u32 {
        match self {
            Self::Master => IP_VS_STATE_MASTER,
            Self::Backup => IP_VS_STATE_BACKUP,
        }
    }
}

/// A connection sync daemon.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SyncDaemon {
    /// Master or backup.
    pub state: DaemonState,
    /// Multicast interface.
    pub mcast_ifn: String,
    /// Sync id (0..=255).
    pub syncid: u32,
    /// Maximum sync message length (kernel default 1472).
    pub sync_maxlen: Option<u16>,
    /// Multicast group (kernel default 224.0.0.81).
    pub mcast_group: Option<IpAddr>,
    /// Multicast UDP port (kernel default 8848).
    pub mcast_port: Option<u16>,
    /// Multicast TTL (kernel default 1).
    pub mcast_ttl: Option<u8>,
}

impl SyncDaemon {
    /// A daemon with kernel defaults for the optional settings.
    pub fn new(state: DaemonState, mcast_ifn: impl Into<String>, syncid: u32) -> Self {
        Self {
            state,
            mcast_ifn: mcast_ifn.into(),
            syncid,
            sync_maxlen: None,
            mcast_group: None,
            mcast_port: None,
            mcast_ttl: None,
        }
    }

    /// The daemon nest in libipvs's order: STATE, MCAST_IFN, SYNC_ID, then
    /// SYNC_MAXLEN, MCAST_PORT, MCAST_TTL, MCAST_GROUP(6) when set.
    pub fn to_nlas(&self) -> Vec<DaemonNla> {
        let mut out = vec![
            DaemonNla::State(self.state.to_raw()),
            DaemonNla::McastIfn(self.mcast_ifn.clone()),
            DaemonNla::SyncId(self.syncid),
        ];
        if let Some(v) = self.sync_maxlen {
            out.push(DaemonNla::SyncMaxlen(v));
        }
        if let Some(v) = self.mcast_port {
            out.push(DaemonNla::McastPort(v));
        }
        if let Some(v) = self.mcast_ttl {
            out.push(DaemonNla::McastTtl(v));
        }
        match self.mcast_group {
            Some(IpAddr::V4(a)) => out.push(DaemonNla::McastGroup(a.octets())),
            Some(IpAddr::V6(a)) => out.push(DaemonNla::McastGroup6(a.octets())),
            None => {}
        }
        out
    }

    /// Builds a daemon from a daemon nest.
    pub fn from_nlas(nlas: &[DaemonNla]) -> Result<Self, ParseError> {
        let mut state = None;
        let mut d = Self::new(DaemonState::Master, "", 0);
        for n in nlas {
            match n {
                DaemonNla::State(v) => {
                    state = Some(if v & IP_VS_STATE_MASTER != 0 {
                        DaemonState::Master
                    } else if v & IP_VS_STATE_BACKUP != 0 {
                        DaemonState::Backup
                    } else {
                        return Err(ParseError::UnknownDaemonState(*v));
                    })
                }
                DaemonNla::McastIfn(v) => d.mcast_ifn.clone_from(v),
                DaemonNla::SyncId(v) => d.syncid = *v,
                DaemonNla::SyncMaxlen(v) => d.sync_maxlen = Some(*v),
                DaemonNla::McastGroup(a) => d.mcast_group = Some(IpAddr::V4(Ipv4Addr::from(*a))),
                DaemonNla::McastGroup6(a) => d.mcast_group = Some(IpAddr::V6(Ipv6Addr::from(*a))),
                DaemonNla::McastPort(v) => d.mcast_port = Some(*v),
                DaemonNla::McastTtl(v) => d.mcast_ttl = Some(*v),
                _ => {}
            }
        }
        d.state = state.ok_or(ParseError::Missing("daemon state"))?;
        Ok(d)
    }
}

/// What GET_INFO reports.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Info {
    /// IPVS version, `major << 16 | minor << 8 | patch`.
    pub version: u32,
    /// Connection hash table size.
    pub conn_tab_size: u32,
}

impl Info {
    /// The version as (major, minor, patch).
    pub fn version_triple(&self) -> (u32, u32, u32) {
        (
            (self.version >> 16) & 0xff,
            (self.version >> 8) & 0xff,
            self.version & 0xff,
        )
    }
}

/// A `union nf_inet_addr` from an address.
pub fn addr_bytes(addr: &IpAddr) -> [u8; 16] {
    let mut out = [0u8; 16];
    match addr {
        IpAddr::V4(a) => out[..4].copy_from_slice(&a.octets()),
        IpAddr::V6(a) => out = a.octets(),
    }
    out
}

/// An address from a `union nf_inet_addr` and its family.
pub fn ip_from_bytes(af: AddressFamily, bytes: &[u8; 16]) -> IpAddr {
    match af {
        AddressFamily::Inet => IpAddr::V4(Ipv4Addr::new(bytes[0], bytes[1], bytes[2], bytes[3])),
        AddressFamily::Inet6 => IpAddr::V6(Ipv6Addr::from(*bytes)),
    }
}
