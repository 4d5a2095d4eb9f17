//! `IPVS_DAEMON_ATTR_*`: the attributes of a connection sync daemon.

use netlink_packet_core::{DecodeError, DefaultNla, Nla, NlaBuffer, Parseable};

use super::{emit_str, parse_addr, parse_str, parse_u8, parse_u16, parse_u32};
use crate::constants::*;

/// One attribute of a sync daemon nest.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum DaemonNla {
    /// State: 1 master, 2 backup (kernel s32).
    State(u32),
    /// Multicast interface name.
    McastIfn(String),
    /// Sync id (kernel s32).
    SyncId(u32),
    /// Maximum sync message length.
    SyncMaxlen(u16),
    /// IPv4 multicast group, as its 4 address bytes.
    McastGroup([u8; 4]),
    /// IPv6 multicast group.
    McastGroup6([u8; 16]),
    /// Multicast UDP port (host order, as the kernel stores it).
    McastPort(u16),
    /// Multicast TTL.
    McastTtl(u8),
    /// Any other attribute.
    Other(DefaultNla),
}

impl Nla for DaemonNla {
    fn value_len(&self) -> usize {
        match self {
            Self::State(_) | Self::SyncId(_) | Self::McastGroup(_) => 4,
            Self::McastIfn(s) => s.len() + 1,
            Self::SyncMaxlen(_) | Self::McastPort(_) => 2,
            Self::McastGroup6(_) => 16,
            Self::McastTtl(_) => 1,
            Self::Other(n) => n.value_len(),
        }
    }

    fn kind(&self) -> u16 {
        match self {
            Self::State(_) => IPVS_DAEMON_ATTR_STATE,
            Self::McastIfn(_) => IPVS_DAEMON_ATTR_MCAST_IFN,
            Self::SyncId(_) => IPVS_DAEMON_ATTR_SYNC_ID,
            Self::SyncMaxlen(_) => IPVS_DAEMON_ATTR_SYNC_MAXLEN,
            Self::McastGroup(_) => IPVS_DAEMON_ATTR_MCAST_GROUP,
            Self::McastGroup6(_) => IPVS_DAEMON_ATTR_MCAST_GROUP6,
            Self::McastPort(_) => IPVS_DAEMON_ATTR_MCAST_PORT,
            Self::McastTtl(_) => IPVS_DAEMON_ATTR_MCAST_TTL,
            Self::Other(n) => n.kind(),
        }
    }

    fn emit_value(&self, buffer: &mut [u8]) {
        match self {
            Self::State(v) | Self::SyncId(v) => buffer[..4].copy_from_slice(&v.to_ne_bytes()),
            Self::McastIfn(s) => emit_str(s, buffer),
            Self::SyncMaxlen(v) | Self::McastPort(v) => {
                buffer[..2].copy_from_slice(&v.to_ne_bytes())
            }
            Self::McastGroup(a) => buffer[..4].copy_from_slice(a),
            Self::McastGroup6(a) => buffer[..16].copy_from_slice(a),
            Self::McastTtl(v) => buffer[0] = *v,
            Self::Other(n) => n.emit_value(buffer),
        }
    }
}

impl<'a, T: AsRef<[u8]> + ?Sized> Parseable<NlaBuffer<&'a T>> for DaemonNla {
    fn parse(buf: &NlaBuffer<&'a T>) -> Result<Self, DecodeError> {
        let v = buf.value();
        Ok(match buf.kind() {
            IPVS_DAEMON_ATTR_STATE => Self::State(parse_u32(v)?),
            IPVS_DAEMON_ATTR_MCAST_IFN => Self::McastIfn(parse_str(v)?),
            IPVS_DAEMON_ATTR_SYNC_ID => Self::SyncId(parse_u32(v)?),
            IPVS_DAEMON_ATTR_SYNC_MAXLEN => Self::SyncMaxlen(parse_u16(v)?),
            IPVS_DAEMON_ATTR_MCAST_GROUP => Self::McastGroup(
                <[u8; 4]>::try_from(v).map_err(|_| DecodeError::invalid_ip_address(v.len()))?,
            ),
            IPVS_DAEMON_ATTR_MCAST_GROUP6 => Self::McastGroup6(parse_addr(v)?),
            IPVS_DAEMON_ATTR_MCAST_PORT => Self::McastPort(parse_u16(v)?),
            IPVS_DAEMON_ATTR_MCAST_TTL => Self::McastTtl(parse_u8(v)?),
            _ => Self::Other(DefaultNla::parse(buf)?),
        })
    }
}
