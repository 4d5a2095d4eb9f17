//! Reading netlink messages captured on an `nlmon` device (`tcpdump -i
//! nlmon0 -w FILE`): classic pcap, link type LINKTYPE_NETLINK (253), each
//! packet a 16-byte cooked header followed by one netlink message.

use crate::error::ParseError;

/// pcap link type of nlmon captures.
pub const LINKTYPE_NETLINK: u32 = 253;
const COOKED_HEADER: usize = 16;

/// One captured netlink message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CapturedMessage {
    /// Netlink protocol (16 = generic) from the cooked header.
    pub protocol: u16,
    /// The netlink message bytes (header included).
    pub bytes: Vec<u8>,
}

impl CapturedMessage {
    /// `nlmsg_type`.
    pub fn message_type(&self) -> u16 {
        u16::from_ne_bytes([self.bytes[4], self.bytes[5]])
    }

    /// `nlmsg_flags`.
    pub fn flags(&self) -> u16 {
        u16::from_ne_bytes([self.bytes[6], self.bytes[7]])
    }
}

fn u32_at(b: &[u8], off: usize, le: bool) -> Option<u32> {
    let a: [u8; 4] = b.get(off..off + 4)?.try_into().ok()?;
    Some(if le {
        u32::from_le_bytes(a)
    } else {
        u32::from_be_bytes(a)
    })
}

/// Parses a pcap file of an nlmon capture into its netlink messages (several per packet for dump replies).
pub fn read_nlmon_pcap(file: &[u8]) -> Result<Vec<CapturedMessage>, ParseError> {
    let bad = |what: &str| ParseError::Unexpected(format!("pcap: {what}"));
    let magic = u32_at(file, 0, true).ok_or_else(|| bad("short header"))?;
    let le = match magic {
        0xa1b2_c3d4 | 0xa1b2_3c4d => true,
        0xd4c3_b2a1 | 0x4d3c_b2a1 => false,
        _ => return Err(bad("bad magic")),
    };
    let linktype = u32_at(file, 20, le).ok_or_else(|| bad("short header"))?;
    if linktype != LINKTYPE_NETLINK {
        return Err(bad("not a netlink capture"));
    }
    let mut out = Vec::new();
    let mut off = 24;
    while off < file.len() {
        let caplen = u32_at(file, off + 8, le).ok_or_else(|| bad("short record"))? as usize;
        let data = file
            .get(off + 16..off + 16 + caplen)
            .ok_or_else(|| bad("short packet"))?;
        off += 16 + caplen;
        if data.len() < COOKED_HEADER + 16 {
            continue;
        }
        let protocol = u16::from_be_bytes([data[14], data[15]]);
        // One packet is one skb, which may hold several messages (dumps).
        let mut msgs = &data[COOKED_HEADER..];
        while msgs.len() >= 16 {
            let len = u32::from_ne_bytes([msgs[0], msgs[1], msgs[2], msgs[3]]) as usize;
            if len < 16 || len > msgs.len() {
                return Err(bad("bad netlink length"));
            }
            out.push(CapturedMessage {
                protocol,
                bytes: msgs[..len].to_vec(),
            });
            msgs = &msgs[((len + 3) & !3).min(msgs.len())..];
        }
    }
    Ok(out)
}
