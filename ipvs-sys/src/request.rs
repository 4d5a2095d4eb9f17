//! Requests to the kernel and parsing of its replies; no socket code here.

use netlink_packet_core::{
    NLM_F_ACK, NLM_F_DUMP, NLM_F_REQUEST, NetlinkBuffer, NetlinkHeader, NetlinkMessage,
    NetlinkPayload,
};
use netlink_packet_generic::GenlMessage;

use crate::error::{Object, ParseError};
use crate::message::{IpvsCmd, IpvsMessage};
use crate::model::{AddressFamily, DaemonState, Destination, Info, Service, SyncDaemon, Timeouts};
use crate::nla::IpvsNla;

/// One request to IPVS.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Request {
    /// Add a service.
    NewService(Service),
    /// Edit a service (scheduler, flags, timeout, netmask, pe).
    SetService(Service),
    /// Delete a service and its destinations.
    DelService(Service),
    /// Get one service.
    GetService(Service),
    /// Dump all services.
    DumpServices,
    /// Add a destination to a service.
    NewDest(Service, Destination),
    /// Edit a destination.
    SetDest(Service, Destination),
    /// Delete a destination.
    DelDest(Service, Destination),
    /// Dump the destinations of a service.
    DumpDests(Service),
    /// Start a sync daemon.
    NewDaemon(SyncDaemon),
    /// Stop a sync daemon.
    DelDaemon(SyncDaemon),
    /// Dump the sync daemons.
    DumpDaemons,
    /// Set the timeouts (0 = unchanged).
    SetTimeouts(Timeouts),
    /// Get the timeouts.
    GetTimeouts,
    /// Get version and connection table size.
    GetInfo,
    /// Zero the counters of one service, or of all.
    Zero(Option<Service>),
    /// Delete every service.
    Flush,
}

impl Request {
    /// The IPVS message of this request.
    pub fn message(&self) -> IpvsMessage {
        let (cmd, nlas) = match self {
            Self::NewService(s) => (IpvsCmd::NewService, vec![IpvsNla::Service(s.to_nlas())]),
            Self::SetService(s) => (IpvsCmd::SetService, vec![IpvsNla::Service(s.to_nlas())]),
            Self::DelService(s) => (IpvsCmd::DelService, vec![IpvsNla::Service(s.to_nlas())]),
            Self::GetService(s) => (IpvsCmd::GetService, vec![IpvsNla::Service(s.to_nlas())]),
            Self::DumpServices => (IpvsCmd::GetService, vec![]),
            Self::NewDest(s, d) => (IpvsCmd::NewDest, svc_dest(s, d)),
            Self::SetDest(s, d) => (IpvsCmd::SetDest, svc_dest(s, d)),
            Self::DelDest(s, d) => (IpvsCmd::DelDest, svc_dest(s, d)),
            Self::DumpDests(s) => (IpvsCmd::GetDest, vec![IpvsNla::Service(s.key_nlas())]),
            Self::NewDaemon(d) => (IpvsCmd::NewDaemon, vec![IpvsNla::Daemon(d.to_nlas())]),
            Self::DelDaemon(d) => (IpvsCmd::DelDaemon, vec![IpvsNla::Daemon(d.to_nlas())]),
            Self::DumpDaemons => (IpvsCmd::GetDaemon, vec![]),
            Self::SetTimeouts(t) => (
                IpvsCmd::SetConfig,
                vec![
                    IpvsNla::TimeoutTcp(t.tcp),
                    IpvsNla::TimeoutTcpFin(t.tcp_fin),
                    IpvsNla::TimeoutUdp(t.udp),
                ],
            ),
            Self::GetTimeouts => (IpvsCmd::GetConfig, vec![]),
            Self::GetInfo => (IpvsCmd::GetInfo, vec![]),
            Self::Zero(None) => (IpvsCmd::Zero, vec![]),
            Self::Zero(Some(s)) => (IpvsCmd::Zero, vec![IpvsNla::Service(s.to_nlas())]),
            Self::Flush => (IpvsCmd::Flush, vec![]),
        };
        IpvsMessage { cmd, nlas }
    }

    /// Whether the request is a dump (NLM_F_DUMP; many replies then DONE).
    pub fn is_dump(&self) -> bool {
        matches!(
            self,
            Self::DumpServices | Self::DumpDests(_) | Self::DumpDaemons
        )
    }

    /// What the request is about, for error messages.
    pub fn object(&self) -> Object {
        match self {
            Self::NewService(s)
            | Self::SetService(s)
            | Self::DelService(s)
            | Self::GetService(s)
            | Self::DumpDests(s)
            | Self::Zero(Some(s)) => Object::Service(s.key),
            Self::NewDest(s, d) | Self::SetDest(s, d) | Self::DelDest(s, d) => {
                Object::Destination {
                    service: s.key,
                    addr: d.addr,
                    port: d.port,
                }
            }
            Self::NewDaemon(d) | Self::DelDaemon(d) => Object::Daemon(d.state),
            Self::SetTimeouts(_) | Self::GetTimeouts => Object::Timeouts,
            Self::GetInfo => Object::Info,
            Self::DumpServices | Self::DumpDaemons | Self::Zero(None) | Self::Flush => {
                Object::Table
            }
        }
    }

    /// Appends this request as one netlink message (flags REQUEST|ACK, plus
    /// DUMP for dumps, as libnl sends them) to `out`.
    pub fn emit(&self, family_id: u16, seq: u32, out: &mut Vec<u8>) {
        let mut flags = NLM_F_REQUEST | NLM_F_ACK;
        if self.is_dump() {
            flags |= NLM_F_DUMP;
        }
        emit_message(&self.message(), family_id, seq, flags, out);
    }
}

/// Appends any IPVS message as one netlink message with the given header
/// flags (for requests, replies in tests and mocks, benches).
pub fn emit_message(
    message: &IpvsMessage,
    family_id: u16,
    seq: u32,
    flags: u16,
    out: &mut Vec<u8>,
) {
    let mut genl = GenlMessage::from_payload(message.clone());
    genl.set_resolved_family_id(family_id);
    let mut header = NetlinkHeader::default();
    header.flags = flags;
    header.sequence_number = seq;
    let mut msg = NetlinkMessage::new(header, NetlinkPayload::InnerMessage(genl));
    msg.finalize();
    let start = out.len();
    out.resize(start + msg.buffer_len(), 0);
    msg.serialize(&mut out[start..]);
}

fn svc_dest(s: &Service, d: &Destination) -> Vec<IpvsNla> {
    vec![IpvsNla::Service(s.to_nlas()), IpvsNla::Dest(d.to_nlas())]
}

/// One message of a reply, with the header fields that matter.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Reply {
    /// NLMSG_ERROR with code 0.
    Ack {
        /// Sequence number of the request.
        seq: u32,
    },
    /// NLMSG_ERROR with a negative errno (stored positive).
    Error {
        /// Sequence number of the request.
        seq: u32,
        /// Positive errno.
        errno: i32,
    },
    /// NLMSG_DONE: the end of a dump.
    Done {
        /// Sequence number of the request.
        seq: u32,
    },
    /// An IPVS message.
    Message {
        /// Sequence number of the request.
        seq: u32,
        /// Whether more parts follow (NLM_F_MULTI).
        multi: bool,
        /// The message.
        message: IpvsMessage,
    },
}

impl Reply {
    /// The sequence number.
    pub fn seq(&self) -> u32 {
        match self {
            Self::Ack { seq } | Self::Error { seq, .. } | Self::Done { seq } => *seq,
            Self::Message { seq, .. } => *seq,
        }
    }
}

/// Splits a received datagram into netlink messages and decodes each as an
/// IPVS reply. Never panics, on any bytes.
pub fn parse_replies(buf: &[u8]) -> Result<Vec<Reply>, ParseError> {
    let mut out = Vec::new();
    let mut off = 0;
    while off < buf.len() {
        let rest = &buf[off..];
        let len = NetlinkBuffer::new_checked(rest)?.length() as usize;
        if len < 16 || len > rest.len() {
            return Err(ParseError::Unexpected(format!("netlink length {len}")));
        }
        let msg = NetlinkMessage::<GenlMessage<IpvsMessage>>::deserialize(&rest[..len])?;
        let seq = msg.header.sequence_number;
        let multi = msg.header.flags & netlink_packet_core::NLM_F_MULTIPART != 0;
        out.push(match msg.payload {
            NetlinkPayload::Error(e) => match e.code {
                None => Reply::Ack { seq },
                Some(code) => Reply::Error {
                    seq,
                    errno: code.get().saturating_abs(),
                },
            },
            NetlinkPayload::Done(_) => Reply::Done { seq },
            NetlinkPayload::InnerMessage(genl) => Reply::Message {
                seq,
                multi,
                message: genl.payload,
            },
            _ => {
                return Err(ParseError::Unexpected(format!(
                    "netlink message type {}",
                    msg.header.message_type
                )));
            }
        });
        off += (len + 3) & !3;
    }
    Ok(out)
}

impl IpvsMessage {
    /// The service nest of a NEW_SERVICE message (a GET_SERVICE reply).
    pub fn service(&self) -> Result<Service, ParseError> {
        self.nlas
            .iter()
            .find_map(|n| match n {
                IpvsNla::Service(s) => Some(Service::from_nlas(s)),
                _ => None,
            })
            .ok_or(ParseError::Missing("service nest"))?
    }

    /// The destination nest of a NEW_DEST message (a GET_DEST reply);
    /// `service_af` fills in a missing ADDR_FAMILY.
    pub fn destination(&self, service_af: AddressFamily) -> Result<Destination, ParseError> {
        self.nlas
            .iter()
            .find_map(|n| match n {
                IpvsNla::Dest(d) => Some(Destination::from_nlas(d, service_af)),
                _ => None,
            })
            .ok_or(ParseError::Missing("destination nest"))?
    }

    /// The daemon nest of a NEW_DAEMON message (a GET_DAEMON reply).
    pub fn daemon(&self) -> Result<SyncDaemon, ParseError> {
        self.nlas
            .iter()
            .find_map(|n| match n {
                IpvsNla::Daemon(d) => Some(SyncDaemon::from_nlas(d)),
                _ => None,
            })
            .ok_or(ParseError::Missing("daemon nest"))?
    }

    /// The timeouts of a SET_CONFIG message (a GET_CONFIG reply); absent
    /// values are 0.
    pub fn timeouts(&self) -> Timeouts {
        let mut t = Timeouts::default();
        for n in &self.nlas {
            match n {
                IpvsNla::TimeoutTcp(v) => t.tcp = *v,
                IpvsNla::TimeoutTcpFin(v) => t.tcp_fin = *v,
                IpvsNla::TimeoutUdp(v) => t.udp = *v,
                _ => {}
            }
        }
        t
    }

    /// The info of a SET_INFO message (a GET_INFO reply).
    pub fn info(&self) -> Result<Info, ParseError> {
        let mut version = None;
        let mut size = None;
        for n in &self.nlas {
            match n {
                IpvsNla::InfoVersion(v) => version = Some(*v),
                IpvsNla::InfoConnTabSize(v) => size = Some(*v),
                _ => {}
            }
        }
        Ok(Info {
            version: version.ok_or(ParseError::Missing("info version"))?,
            conn_tab_size: size.ok_or(ParseError::Missing("connection table size"))?,
        })
    }
}

/// A DEL_DAEMON request body as ipvsadm sends it: state only, empty
/// interface, sync id 0.
pub fn stop_daemon(state: DaemonState) -> SyncDaemon {
    SyncDaemon::new(state, "", 0)
}
