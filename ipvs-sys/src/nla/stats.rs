//! `IPVS_SVC_ATTR_STATS` / `IPVS_DEST_ATTR_STATS` (32-bit counters, 64-bit
//! byte counts) and the `..._STATS64` sets (all 64-bit).

use netlink_packet_core::{DecodeError, DefaultNla, Nla, NlaBuffer, Parseable};

use super::{parse_u32, parse_u64};
use crate::constants::*;

/// One attribute of the 32-bit statistics set.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum StatsNla {
    /// Connections scheduled.
    Conns(u32),
    /// Incoming packets.
    InPkts(u32),
    /// Outgoing packets.
    OutPkts(u32),
    /// Incoming bytes.
    InBytes(u64),
    /// Outgoing bytes.
    OutBytes(u64),
    /// Connections per second.
    Cps(u32),
    /// Incoming packets per second.
    InPps(u32),
    /// Outgoing packets per second.
    OutPps(u32),
    /// Incoming bytes per second.
    InBps(u32),
    /// Outgoing bytes per second.
    OutBps(u32),
    /// Any other attribute (e.g. padding).
    Other(DefaultNla),
}

impl Nla for StatsNla {
    fn value_len(&self) -> usize {
        match self {
            Self::InBytes(_) | Self::OutBytes(_) => 8,
            Self::Other(n) => n.value_len(),
            _ => 4,
        }
    }

    fn kind(&self) -> u16 {
        match self {
            Self::Conns(_) => IPVS_STATS_ATTR_CONNS,
            Self::InPkts(_) => IPVS_STATS_ATTR_INPKTS,
            Self::OutPkts(_) => IPVS_STATS_ATTR_OUTPKTS,
            Self::InBytes(_) => IPVS_STATS_ATTR_INBYTES,
            Self::OutBytes(_) => IPVS_STATS_ATTR_OUTBYTES,
            Self::Cps(_) => IPVS_STATS_ATTR_CPS,
            Self::InPps(_) => IPVS_STATS_ATTR_INPPS,
            Self::OutPps(_) => IPVS_STATS_ATTR_OUTPPS,
            Self::InBps(_) => IPVS_STATS_ATTR_INBPS,
            Self::OutBps(_) => IPVS_STATS_ATTR_OUTBPS,
            Self::Other(n) => n.kind(),
        }
    }

    fn emit_value(&self, buffer: &mut [u8]) {
        match self {
            Self::InBytes(v) | Self::OutBytes(v) => buffer[..8].copy_from_slice(&v.to_ne_bytes()),
            Self::Conns(v)
            | Self::InPkts(v)
            | Self::OutPkts(v)
            | Self::Cps(v)
            | Self::InPps(v)
            | Self::OutPps(v)
            | Self::InBps(v)
            | Self::OutBps(v) => buffer[..4].copy_from_slice(&v.to_ne_bytes()),
            Self::Other(n) => n.emit_value(buffer),
        }
    }
}

impl<'a, T: AsRef<[u8]> + ?Sized> Parseable<NlaBuffer<&'a T>> for StatsNla {
    fn parse(buf: &NlaBuffer<&'a T>) -> Result<Self, DecodeError> {
        let v = buf.value();
        Ok(match buf.kind() {
            IPVS_STATS_ATTR_CONNS => Self::Conns(parse_u32(v)?),
            IPVS_STATS_ATTR_INPKTS => Self::InPkts(parse_u32(v)?),
            IPVS_STATS_ATTR_OUTPKTS => Self::OutPkts(parse_u32(v)?),
            IPVS_STATS_ATTR_INBYTES => Self::InBytes(parse_u64(v)?),
            IPVS_STATS_ATTR_OUTBYTES => Self::OutBytes(parse_u64(v)?),
            IPVS_STATS_ATTR_CPS => Self::Cps(parse_u32(v)?),
            IPVS_STATS_ATTR_INPPS => Self::InPps(parse_u32(v)?),
            IPVS_STATS_ATTR_OUTPPS => Self::OutPps(parse_u32(v)?),
            IPVS_STATS_ATTR_INBPS => Self::InBps(parse_u32(v)?),
            IPVS_STATS_ATTR_OUTBPS => Self::OutBps(parse_u32(v)?),
            _ => Self::Other(DefaultNla::parse(buf)?),
        })
    }
}

/// One attribute of the 64-bit statistics set (kernel 4.1+).
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Stats64Nla {
    /// Connections scheduled.
    Conns(u64),
    /// Incoming packets.
    InPkts(u64),
    /// Outgoing packets.
    OutPkts(u64),
    /// Incoming bytes.
    InBytes(u64),
    /// Outgoing bytes.
    OutBytes(u64),
    /// Connections per second.
    Cps(u64),
    /// Incoming packets per second.
    InPps(u64),
    /// Outgoing packets per second.
    OutPps(u64),
    /// Incoming bytes per second.
    InBps(u64),
    /// Outgoing bytes per second.
    OutBps(u64),
    /// Any other attribute (e.g. padding).
    Other(DefaultNla),
}

impl Nla for Stats64Nla {
    fn value_len(&self) -> usize {
        match self {
            Self::Other(n) => n.value_len(),
            _ => 8,
        }
    }

    fn kind(&self) -> u16 {
        match self {
            Self::Conns(_) => IPVS_STATS_ATTR_CONNS,
            Self::InPkts(_) => IPVS_STATS_ATTR_INPKTS,
            Self::OutPkts(_) => IPVS_STATS_ATTR_OUTPKTS,
            Self::InBytes(_) => IPVS_STATS_ATTR_INBYTES,
            Self::OutBytes(_) => IPVS_STATS_ATTR_OUTBYTES,
            Self::Cps(_) => IPVS_STATS_ATTR_CPS,
            Self::InPps(_) => IPVS_STATS_ATTR_INPPS,
            Self::OutPps(_) => IPVS_STATS_ATTR_OUTPPS,
            Self::InBps(_) => IPVS_STATS_ATTR_INBPS,
            Self::OutBps(_) => IPVS_STATS_ATTR_OUTBPS,
            Self::Other(n) => n.kind(),
        }
    }

    fn emit_value(&self, buffer: &mut [u8]) {
        match self {
            Self::Conns(v)
            | Self::InPkts(v)
            | Self::OutPkts(v)
            | Self::InBytes(v)
            | Self::OutBytes(v)
            | Self::Cps(v)
            | Self::InPps(v)
            | Self::OutPps(v)
            | Self::InBps(v)
            | Self::OutBps(v) => buffer[..8].copy_from_slice(&v.to_ne_bytes()),
            Self::Other(n) => n.emit_value(buffer),
        }
    }
}

impl<'a, T: AsRef<[u8]> + ?Sized> Parseable<NlaBuffer<&'a T>> for Stats64Nla {
    fn parse(buf: &NlaBuffer<&'a T>) -> Result<Self, DecodeError> {
        let v = buf.value();
        Ok(match buf.kind() {
            IPVS_STATS_ATTR_CONNS => Self::Conns(parse_u64(v)?),
            IPVS_STATS_ATTR_INPKTS => Self::InPkts(parse_u64(v)?),
            IPVS_STATS_ATTR_OUTPKTS => Self::OutPkts(parse_u64(v)?),
            IPVS_STATS_ATTR_INBYTES => Self::InBytes(parse_u64(v)?),
            IPVS_STATS_ATTR_OUTBYTES => Self::OutBytes(parse_u64(v)?),
            IPVS_STATS_ATTR_CPS => Self::Cps(parse_u64(v)?),
            IPVS_STATS_ATTR_INPPS => Self::InPps(parse_u64(v)?),
            IPVS_STATS_ATTR_OUTPPS => Self::OutPps(parse_u64(v)?),
            IPVS_STATS_ATTR_INBPS => Self::InBps(parse_u64(v)?),
            IPVS_STATS_ATTR_OUTBPS => Self::OutBps(parse_u64(v)?),
            _ => Self::Other(DefaultNla::parse(buf)?),
        })
    }
}
