//! Top-level attributes of an IPVS message: `IPVS_CMD_ATTR_*`, or
//! `IPVS_INFO_ATTR_*` in GET_INFO replies (the numbers overlap, so the
//! command decides).

use netlink_packet_core::{DecodeError, DefaultNla, Nla, NlaBuffer, Parseable};

use super::{
    DaemonNla, DestNla, ServiceNla, emit_nested, nested, nested_len, parse_nested, parse_u32,
};
use crate::constants::*;

/// One top-level attribute.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum IpvsNla {
    /// A service nest.
    Service(Vec<ServiceNla>),
    /// A destination nest.
    Dest(Vec<DestNla>),
    /// A sync daemon nest.
    Daemon(Vec<DaemonNla>),
    /// TCP timeout in seconds.
    TimeoutTcp(u32),
    /// TCP FIN timeout in seconds.
    TimeoutTcpFin(u32),
    /// UDP timeout in seconds.
    TimeoutUdp(u32),
    /// IPVS version (GET_INFO replies).
    InfoVersion(u32),
    /// Connection table size (GET_INFO replies).
    InfoConnTabSize(u32),
    /// Any other attribute.
    Other(DefaultNla),
}

impl Nla for IpvsNla {
    fn value_len(&self) -> usize {
        match self {
            Self::Service(n) => nested_len(n),
            Self::Dest(n) => nested_len(n),
            Self::Daemon(n) => nested_len(n),
            Self::Other(n) => n.value_len(),
            _ => 4,
        }
    }

    fn kind(&self) -> u16 {
        match self {
            Self::Service(_) => nested(IPVS_CMD_ATTR_SERVICE),
            Self::Dest(_) => nested(IPVS_CMD_ATTR_DEST),
            Self::Daemon(_) => nested(IPVS_CMD_ATTR_DAEMON),
            Self::TimeoutTcp(_) => IPVS_CMD_ATTR_TIMEOUT_TCP,
            Self::TimeoutTcpFin(_) => IPVS_CMD_ATTR_TIMEOUT_TCP_FIN,
            Self::TimeoutUdp(_) => IPVS_CMD_ATTR_TIMEOUT_UDP,
            Self::InfoVersion(_) => IPVS_INFO_ATTR_VERSION,
            Self::InfoConnTabSize(_) => IPVS_INFO_ATTR_CONN_TAB_SIZE,
            Self::Other(n) => n.kind(),
        }
    }

    fn emit_value(&self, buffer: &mut [u8]) {
        match self {
            Self::Service(n) => emit_nested(n, buffer),
            Self::Dest(n) => emit_nested(n, buffer),
            Self::Daemon(n) => emit_nested(n, buffer),
            Self::TimeoutTcp(v)
            | Self::TimeoutTcpFin(v)
            | Self::TimeoutUdp(v)
            | Self::InfoVersion(v)
            | Self::InfoConnTabSize(v) => buffer[..4].copy_from_slice(&v.to_ne_bytes()),
            Self::Other(n) => n.emit_value(buffer),
        }
    }
}

impl IpvsNla {
    /// Parses one top-level attribute of a message with command `cmd`.
    pub fn parse_for_cmd<T: AsRef<[u8]> + ?Sized>(
        buf: &NlaBuffer<&T>,
        cmd: u8,
    ) -> Result<Self, DecodeError> {
        let v = buf.value();
        if cmd == IPVS_CMD_GET_INFO || cmd == IPVS_CMD_SET_INFO {
            return Ok(match buf.kind() {
                IPVS_INFO_ATTR_VERSION => Self::InfoVersion(parse_u32(v)?),
                IPVS_INFO_ATTR_CONN_TAB_SIZE => Self::InfoConnTabSize(parse_u32(v)?),
                _ => Self::Other(DefaultNla::parse(buf)?),
            });
        }
        Ok(match buf.kind() {
            IPVS_CMD_ATTR_SERVICE => Self::Service(parse_nested(v)?),
            IPVS_CMD_ATTR_DEST => Self::Dest(parse_nested(v)?),
            IPVS_CMD_ATTR_DAEMON => Self::Daemon(parse_nested(v)?),
            IPVS_CMD_ATTR_TIMEOUT_TCP => Self::TimeoutTcp(parse_u32(v)?),
            IPVS_CMD_ATTR_TIMEOUT_TCP_FIN => Self::TimeoutTcpFin(parse_u32(v)?),
            IPVS_CMD_ATTR_TIMEOUT_UDP => Self::TimeoutUdp(parse_u32(v)?),
            _ => Self::Other(DefaultNla::parse(buf)?),
        })
    }
}

impl<'a, T: AsRef<[u8]> + ?Sized> Parseable<NlaBuffer<&'a T>> for IpvsNla {
    /// Parses as a command attribute (not GET_INFO); see [`IpvsNla::parse_for_cmd`].
    fn parse(buf: &NlaBuffer<&'a T>) -> Result<Self, DecodeError> {
        Self::parse_for_cmd(buf, 0)
    }
}
