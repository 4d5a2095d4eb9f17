//! `IPVS_DEST_ATTR_*`: the attributes of a destination (real server).

use netlink_packet_core::{DecodeError, DefaultNla, Nla, NlaBuffer, Parseable};

use super::{
    Stats64Nla, StatsNla, emit_nested, nested, nested_len, parse_addr, parse_be16, parse_nested,
    parse_u8, parse_u16, parse_u32,
};
use crate::constants::*;

/// One attribute of a destination nest.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum DestNla {
    /// Real server address as `union nf_inet_addr`.
    Addr([u8; 16]),
    /// Real server port (host order here; network order on the wire).
    Port(u16),
    /// Forwarding method (`IP_VS_CONN_F_*`).
    FwdMethod(u32),
    /// Weight (the kernel reads it as s32).
    Weight(u32),
    /// Upper connection threshold.
    UpperThreshold(u32),
    /// Lower connection threshold.
    LowerThreshold(u32),
    /// Active connections (replies only).
    ActiveConns(u32),
    /// Inactive connections (replies only).
    InactiveConns(u32),
    /// Persistent connections (replies only).
    PersistConns(u32),
    /// 32-bit statistics (replies only).
    Stats(Vec<StatsNla>),
    /// Address family of the destination.
    AddrFamily(u16),
    /// 64-bit statistics (replies only).
    Stats64(Vec<Stats64Nla>),
    /// Tunnel type (`IP_VS_CONN_F_TUNNEL_TYPE_*`).
    TunType(u8),
    /// Tunnel port (host order here; network order on the wire).
    TunPort(u16),
    /// Tunnel flags (`IP_VS_TUNNEL_ENCAP_FLAG_*`).
    TunFlags(u16),
    /// Any other attribute.
    Other(DefaultNla),
}

impl Nla for DestNla {
    fn value_len(&self) -> usize {
        match self {
            Self::Addr(_) => 16,
            Self::Port(_) | Self::AddrFamily(_) | Self::TunPort(_) | Self::TunFlags(_) => 2,
            Self::TunType(_) => 1,
            Self::FwdMethod(_)
            | Self::Weight(_)
            | Self::UpperThreshold(_)
            | Self::LowerThreshold(_)
            | Self::ActiveConns(_)
            | Self::InactiveConns(_)
            | Self::PersistConns(_) => 4,
            Self::Stats(n) => nested_len(n),
            Self::Stats64(n) => nested_len(n),
            Self::Other(n) => n.value_len(),
        }
    }

    fn kind(&self) -> u16 {
        match self {
            Self::Addr(_) => IPVS_DEST_ATTR_ADDR,
            Self::Port(_) => IPVS_DEST_ATTR_PORT,
            Self::FwdMethod(_) => IPVS_DEST_ATTR_FWD_METHOD,
            Self::Weight(_) => IPVS_DEST_ATTR_WEIGHT,
            Self::UpperThreshold(_) => IPVS_DEST_ATTR_U_THRESH,
            Self::LowerThreshold(_) => IPVS_DEST_ATTR_L_THRESH,
            Self::ActiveConns(_) => IPVS_DEST_ATTR_ACTIVE_CONNS,
            Self::InactiveConns(_) => IPVS_DEST_ATTR_INACT_CONNS,
            Self::PersistConns(_) => IPVS_DEST_ATTR_PERSIST_CONNS,
            Self::Stats(_) => nested(IPVS_DEST_ATTR_STATS),
            Self::AddrFamily(_) => IPVS_DEST_ATTR_ADDR_FAMILY,
            Self::Stats64(_) => nested(IPVS_DEST_ATTR_STATS64),
            Self::TunType(_) => IPVS_DEST_ATTR_TUN_TYPE,
            Self::TunPort(_) => IPVS_DEST_ATTR_TUN_PORT,
            Self::TunFlags(_) => IPVS_DEST_ATTR_TUN_FLAGS,
            Self::Other(n) => n.kind(),
        }
    }

    fn emit_value(&self, buffer: &mut [u8]) {
        match self {
            Self::Addr(a) => buffer[..16].copy_from_slice(a),
            Self::Port(v) | Self::TunPort(v) => buffer[..2].copy_from_slice(&v.to_be_bytes()),
            Self::AddrFamily(v) | Self::TunFlags(v) => {
                buffer[..2].copy_from_slice(&v.to_ne_bytes())
            }
            Self::TunType(v) => buffer[0] = *v,
            Self::FwdMethod(v)
            | Self::Weight(v)
            | Self::UpperThreshold(v)
            | Self::LowerThreshold(v)
            | Self::ActiveConns(v)
            | Self::InactiveConns(v)
            | Self::PersistConns(v) => buffer[..4].copy_from_slice(&v.to_ne_bytes()),
            Self::Stats(n) => emit_nested(n, buffer),
            Self::Stats64(n) => emit_nested(n, buffer),
            Self::Other(n) => n.emit_value(buffer),
        }
    }
}

impl<'a, T: AsRef<[u8]> + ?Sized> Parseable<NlaBuffer<&'a T>> for DestNla {
    fn parse(buf: &NlaBuffer<&'a T>) -> Result<Self, DecodeError> {
        let v = buf.value();
        Ok(match buf.kind() {
            IPVS_DEST_ATTR_ADDR => Self::Addr(parse_addr(v)?),
            IPVS_DEST_ATTR_PORT => Self::Port(parse_be16(v)?),
            IPVS_DEST_ATTR_FWD_METHOD => Self::FwdMethod(parse_u32(v)?),
            IPVS_DEST_ATTR_WEIGHT => Self::Weight(parse_u32(v)?),
            IPVS_DEST_ATTR_U_THRESH => Self::UpperThreshold(parse_u32(v)?),
            IPVS_DEST_ATTR_L_THRESH => Self::LowerThreshold(parse_u32(v)?),
            IPVS_DEST_ATTR_ACTIVE_CONNS => Self::ActiveConns(parse_u32(v)?),
            IPVS_DEST_ATTR_INACT_CONNS => Self::InactiveConns(parse_u32(v)?),
            IPVS_DEST_ATTR_PERSIST_CONNS => Self::PersistConns(parse_u32(v)?),
            IPVS_DEST_ATTR_STATS => Self::Stats(parse_nested(v)?),
            IPVS_DEST_ATTR_ADDR_FAMILY => Self::AddrFamily(parse_u16(v)?),
            IPVS_DEST_ATTR_STATS64 => Self::Stats64(parse_nested(v)?),
            IPVS_DEST_ATTR_TUN_TYPE => Self::TunType(parse_u8(v)?),
            IPVS_DEST_ATTR_TUN_PORT => Self::TunPort(parse_be16(v)?),
            IPVS_DEST_ATTR_TUN_FLAGS => Self::TunFlags(parse_u16(v)?),
            _ => Self::Other(DefaultNla::parse(buf)?),
        })
    }
}
