//! `IPVS_SVC_ATTR_*`: the attributes of a virtual service.

use netlink_packet_core::{DecodeError, DefaultNla, Nla, NlaBuffer, Parseable};

use super::{
    Stats64Nla, StatsNla, emit_nested, emit_str, nested, nested_len, parse_addr, parse_be16,
    parse_nested, parse_str, parse_u16, parse_u32,
};
use crate::constants::*;

/// `struct ip_vs_flags`: the flags to set and the mask of flags to change.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct FlagsNla {
    /// Flag bits (`IP_VS_SVC_F_*`).
    pub flags: u32,
    /// Which bits of `flags` apply.
    pub mask: u32,
}

/// One attribute of a service nest.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum ServiceNla {
    /// Address family (`AF_INET`, `AF_INET6`).
    Af(u16),
    /// IP protocol (6 TCP, 17 UDP, 132 SCTP).
    Protocol(u16),
    /// Virtual address as `union nf_inet_addr` (IPv4 in the first 4 bytes).
    Addr([u8; 16]),
    /// Virtual port (host order here; network order on the wire).
    Port(u16),
    /// Firewall mark.
    Fwmark(u32),
    /// Scheduler name.
    SchedName(String),
    /// Flags and mask.
    Flags(FlagsNla),
    /// Persistence timeout in seconds.
    Timeout(u32),
    /// Persistence netmask exactly as on the wire (IPv4: the mask's bytes in
    /// network order read as a native u32; IPv6: a prefix length).
    Netmask(u32),
    /// 32-bit statistics.
    Stats(Vec<StatsNla>),
    /// Persistence engine name.
    PeName(String),
    /// 64-bit statistics.
    Stats64(Vec<Stats64Nla>),
    /// Any other attribute.
    Other(DefaultNla),
}

impl Nla for ServiceNla {
    fn value_len(&self) -> usize {
        match self {
            Self::Af(_) | Self::Protocol(_) | Self::Port(_) => 2,
            Self::Addr(_) => 16,
            Self::Fwmark(_) | Self::Timeout(_) | Self::Netmask(_) => 4,
            Self::SchedName(s) | Self::PeName(s) => s.len() + 1,
            Self::Flags(_) => 8,
            Self::Stats(n) => nested_len(n),
            Self::Stats64(n) => nested_len(n),
            Self::Other(n) => n.value_len(),
        }
    }

    fn kind(&self) -> u16 {
        match self {
            Self::Af(_) => IPVS_SVC_ATTR_AF,
            Self::Protocol(_) => IPVS_SVC_ATTR_PROTOCOL,
            Self::Addr(_) => IPVS_SVC_ATTR_ADDR,
            Self::Port(_) => IPVS_SVC_ATTR_PORT,
            Self::Fwmark(_) => IPVS_SVC_ATTR_FWMARK,
            Self::SchedName(_) => IPVS_SVC_ATTR_SCHED_NAME,
            Self::Flags(_) => IPVS_SVC_ATTR_FLAGS,
            Self::Timeout(_) => IPVS_SVC_ATTR_TIMEOUT,
            Self::Netmask(_) => IPVS_SVC_ATTR_NETMASK,
            Self::Stats(_) => nested(IPVS_SVC_ATTR_STATS),
            Self::PeName(_) => IPVS_SVC_ATTR_PE_NAME,
            Self::Stats64(_) => nested(IPVS_SVC_ATTR_STATS64),
            Self::Other(n) => n.kind(),
        }
    }

    fn emit_value(&self, buffer: &mut [u8]) {
        match self {
            Self::Af(v) | Self::Protocol(v) => buffer[..2].copy_from_slice(&v.to_ne_bytes()),
            Self::Port(v) => buffer[..2].copy_from_slice(&v.to_be_bytes()),
            Self::Addr(a) => buffer[..16].copy_from_slice(a),
            Self::Fwmark(v) | Self::Timeout(v) | Self::Netmask(v) => {
                buffer[..4].copy_from_slice(&v.to_ne_bytes())
            }
            Self::SchedName(s) | Self::PeName(s) => emit_str(s, buffer),
            Self::Flags(f) => {
                buffer[..4].copy_from_slice(&f.flags.to_ne_bytes());
                buffer[4..8].copy_from_slice(&f.mask.to_ne_bytes());
            }
            Self::Stats(n) => emit_nested(n, buffer),
            Self::Stats64(n) => emit_nested(n, buffer),
            Self::Other(n) => n.emit_value(buffer),
        }
    }
}

impl<'a, T: AsRef<[u8]> + ?Sized> Parseable<NlaBuffer<&'a T>> for ServiceNla {
    fn parse(buf: &NlaBuffer<&'a T>) -> Result<Self, DecodeError> {
        let v = buf.value();
        Ok(match buf.kind() {
            IPVS_SVC_ATTR_AF => Self::Af(parse_u16(v)?),
            IPVS_SVC_ATTR_PROTOCOL => Self::Protocol(parse_u16(v)?),
            IPVS_SVC_ATTR_ADDR => Self::Addr(parse_addr(v)?),
            IPVS_SVC_ATTR_PORT => Self::Port(parse_be16(v)?),
            IPVS_SVC_ATTR_FWMARK => Self::Fwmark(parse_u32(v)?),
            IPVS_SVC_ATTR_SCHED_NAME => Self::SchedName(parse_str(v)?),
            IPVS_SVC_ATTR_FLAGS => {
                if v.len() != 8 {
                    return Err(DecodeError::invalid_number(8, v.len()));
                }
                Self::Flags(FlagsNla {
                    flags: parse_u32(&v[..4])?,
                    mask: parse_u32(&v[4..])?,
                })
            }
            IPVS_SVC_ATTR_TIMEOUT => Self::Timeout(parse_u32(v)?),
            IPVS_SVC_ATTR_NETMASK => Self::Netmask(parse_u32(v)?),
            IPVS_SVC_ATTR_STATS => Self::Stats(parse_nested(v)?),
            IPVS_SVC_ATTR_PE_NAME => Self::PeName(parse_str(v)?),
            IPVS_SVC_ATTR_STATS64 => Self::Stats64(parse_nested(v)?),
            _ => Self::Other(DefaultNla::parse(buf)?),
        })
    }
}
