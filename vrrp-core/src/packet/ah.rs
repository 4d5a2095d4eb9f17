//! IP Authentication Header (RFC 2402) around VRRPv2 over IPv4, the way
//! keepalived's `auth_type AH` uses it (RFC 2338 §5.3.6.3).
//!
//! There is no IPsec security association: both ends share `auth_pass` and
//! the VRRP daemon itself builds and checks the header on a raw socket of
//! protocol 51. The datagram is
//!
//! ```text
//! IPv4 header (protocol 51) | AH (24 bytes) | VRRPv2 advert (auth type 2, data zero)
//! ```
//!
//! and the AH header (RFC 2402 §2) is
//!
//! ```text
//! | Next Header = 112 | Payload Len = 4 |          Reserved = 0          |
//! |        Security Parameters Index = the sender's IPv4 source          |
//! |                    Sequence Number (big endian)                      |
//! |           Integrity Check Value: HMAC-MD5-96, 12 bytes               |
//! ```
//!
//! * ICV (RFC 2403, keepalived `vrrp_build_ipsecah`, `vrrp_in_chk_ipsecah`):
//!   HMAC-MD5 keyed with the 8-byte, NUL padded `auth_pass`, truncated to 96
//!   bits, over the whole datagram with the ICV itself zero and these IP
//!   header fields zeroed: TOS, flags and fragment offset, header checksum,
//!   and the TTL too when the instance uses unicast peers. The IP
//!   identification and total length are covered as sent.
//! * SPI: the sender's IPv4 source address (as stored in the header, so the
//!   same bytes), which the receiver requires to equal the IP source.
//! * Sequence number: one counter per instance ([`SeqCounter`]), used both to
//!   number what it sends and to reject what it receives (anti-replay).
//!
//! Everything here is pure: the caller supplies the sequence numbers, keys
//! and bytes, nothing allocates.

use hmac::{Hmac, Mac};
use md5::Md5;

use super::IPPROTO_VRRP;

/// IP protocol number of the Authentication Header (RFC 2402 §2).
pub const IPPROTO_AH: u8 = 51;

/// Length of the AH header keepalived sends: 12 fixed bytes and a 12-byte ICV.
pub const AH_LEN: usize = 24;

/// Length of the truncated HMAC-MD5 ICV (RFC 2403 §2: 96 bits).
pub const ICV_LEN: usize = 12;

/// The Payload Len field: AH length in 32-bit words minus 2 (RFC 2402 §2.2).
pub const AH_PAYLOAD_LEN: u8 = 4;

/// Length of the key: VRRPv2's authentication data, 8 bytes.
pub const KEY_LEN: usize = super::AUTH_DATA_LEN;

const IPV4_MIN_HEADER: usize = 20;
const ICV_OFFSET: usize = 12;

type HmacMd5 = Hmac<Md5>;

/// The shared secret: `auth_pass` truncated to 8 bytes and NUL padded, all 8
/// bytes being the HMAC key (as keepalived keys with its whole `auth_data`).
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct AhKey([u8; KEY_LEN]);

impl AhKey {
    /// The key for `auth_pass` `password` (bytes past the eighth are ignored,
    /// as keepalived's `auth_pass` handler does).
    pub fn from_pass(password: &[u8]) -> AhKey {
        let mut k = [0u8; KEY_LEN];
        for (d, s) in k.iter_mut().zip(password) {
            *d = *s;
        }
        AhKey(k)
    }

    /// The 8 key bytes.
    pub fn bytes(&self) -> &[u8; KEY_LEN] {
        &self.0
    }
}

impl core::fmt::Debug for AhKey {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str("AhKey(..)")
    }
}

/// Why an AH datagram was not accepted.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, thiserror::Error)]
#[non_exhaustive]
pub enum AhError {
    /// Not an IPv4 header, or too short for the IP and AH headers.
    #[error("datagram too short or not IPv4 for an AH-protected advert")]
    Truncated,
    /// The IP protocol is not 51.
    #[error("IP protocol {0} is not AH")]
    NotAh(u8),
    /// AH protects some other protocol than VRRP: keepalived ignores the
    /// datagram without counting it.
    #[error("AH next header {0} is not VRRP")]
    NextHeader(u8),
    /// The ICV does not match: wrong `auth_pass`, or the datagram was changed
    /// (keepalived: "invalid IPSEC HMAC-MD5 value").
    #[error("AH ICV mismatch (wrong auth_pass or altered datagram)")]
    BadIcv,
    /// The SPI is not the IP source address.
    #[error("AH SPI {spi:#010x} is not the IP source {src:#010x}")]
    BadSpi {
        /// SPI received.
        spi: u32,
        /// IP source, as a big-endian number.
        src: u32,
    },
    /// The sequence number is not above the one last seen or sent
    /// (keepalived: "sequence number already processed").
    #[error("AH sequence number {received} already processed (local {local})")]
    Replay {
        /// The received sequence number.
        received: u32,
        /// The instance's counter.
        local: u32,
    },
    /// A buffer given to [`seal`] has no room for the IP and AH headers.
    #[error("buffer too short for an IPv4 header and AH")]
    BufferTooShort,
}

impl AhError {
    /// Whether keepalived counts this as an authentication failure
    /// (`auth_failure`, trap `authFailure`): the ICV, SPI and sequence checks.
    /// A foreign next header is dropped silently; the others are length or
    /// type errors of the IP layer.
    pub fn is_auth_failure(&self) -> bool {
        matches!(
            self,
            AhError::BadIcv | AhError::BadSpi { .. } | AhError::Replay { .. }
        )
    }
}

/// The AH header fields.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct AhHeader {
    /// Protocol of what follows (112 for VRRP).
    pub next_header: u8,
    /// Security Parameters Index (keepalived: the sender's IPv4 address).
    pub spi: u32,
    /// Sequence number.
    pub seq: u32,
    /// The ICV as carried.
    pub icv: [u8; ICV_LEN],
}

impl AhHeader {
    /// The header a VRRP sender with source `src` puts before its advert,
    /// ICV zero (to be filled by [`seal`]).
    pub fn for_vrrp(src: [u8; 4], seq: u32) -> AhHeader {
        AhHeader {
            next_header: IPPROTO_VRRP,
            spi: u32::from_be_bytes(src),
            seq,
            icv: [0; ICV_LEN],
        }
    }

    /// The 24 wire bytes (RFC 2402 §2).
    pub fn to_bytes(&self) -> [u8; AH_LEN] {
        let mut b = [0u8; AH_LEN];
        b[0] = self.next_header;
        b[1] = AH_PAYLOAD_LEN;
        b[4..8].copy_from_slice(&self.spi.to_be_bytes());
        b[8..12].copy_from_slice(&self.seq.to_be_bytes());
        b[ICV_OFFSET..].copy_from_slice(&self.icv);
        b
    }

    /// Reads the first 24 bytes of `b` (None when shorter). The Payload Len
    /// and Reserved fields are not checked, as keepalived does not.
    pub fn parse(b: &[u8]) -> Option<AhHeader> {
        let b = b.get(..AH_LEN)?;
        let mut icv = [0u8; ICV_LEN];
        icv.copy_from_slice(&b[ICV_OFFSET..]);
        Some(AhHeader {
            next_header: b[0],
            spi: u32::from_be_bytes([b[4], b[5], b[6], b[7]]),
            seq: u32::from_be_bytes([b[8], b[9], b[10], b[11]]),
            icv,
        })
    }
}

/// A verified AH datagram: the header and where the VRRP message lies.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Opened {
    /// The AH header received.
    pub header: AhHeader,
    /// Byte range of the VRRP message within the datagram.
    pub payload: core::ops::Range<usize>,
}

/// The HMAC-MD5-96 of `datagram` (IPv4 header, AH, payload) with the ICV and
/// the mutable IP fields zeroed. `ihl` is the IP header length in bytes.
fn icv(datagram: &[u8], ihl: usize, key: &AhKey, unicast: bool) -> Result<HmacMd5, AhError> {
    let ip = datagram.get(..ihl).ok_or(AhError::Truncated)?;
    let ah = datagram.get(ihl..ihl + AH_LEN).ok_or(AhError::Truncated)?;
    let rest = datagram.get(ihl + AH_LEN..).ok_or(AhError::Truncated)?;
    let mut fixed = [0u8; IPV4_MIN_HEADER];
    fixed.copy_from_slice(&ip[..IPV4_MIN_HEADER]);
    fixed[1] = 0; // TOS
    fixed[6] = 0; // flags, fragment offset
    fixed[7] = 0;
    if unicast {
        fixed[8] = 0; // TTL
    }
    fixed[10] = 0; // header checksum
    fixed[11] = 0;
    let mut ah_zeroed = [0u8; AH_LEN];
    ah_zeroed[..ICV_OFFSET].copy_from_slice(&ah[..ICV_OFFSET]);
    let mut mac = <HmacMd5 as hmac::digest::KeyInit>::new_from_slice(key.bytes())
        .map_err(|_| AhError::BadIcv)?;
    mac.update(&fixed);
    mac.update(&ip[IPV4_MIN_HEADER..]);
    mac.update(&ah_zeroed);
    mac.update(rest);
    Ok(mac)
}

fn ipv4_ihl(datagram: &[u8]) -> Result<usize, AhError> {
    let first = *datagram.first().ok_or(AhError::Truncated)?;
    let ihl = usize::from(first & 0x0f) * 4;
    if first >> 4 != 4 || ihl < IPV4_MIN_HEADER || datagram.len() < ihl + AH_LEN {
        return Err(AhError::Truncated);
    }
    Ok(ihl)
}

/// Fills in the ICV of a complete outgoing datagram: an IPv4 header of
/// protocol 51, then an AH header (ICV bytes ignored), then the VRRP advert.
/// `unicast` leaves the TTL out of the ICV (keepalived does, for unicast
/// peers). keepalived's `vrrp_update_pkt`.
pub fn seal(datagram: &mut [u8], key: &AhKey, unicast: bool) -> Result<(), AhError> {
    let ihl = ipv4_ihl(datagram).map_err(|_| AhError::BufferTooShort)?;
    let mac = icv(datagram, ihl, key, unicast)?;
    let digest = mac.finalize().into_bytes();
    datagram[ihl + ICV_OFFSET..ihl + AH_LEN].copy_from_slice(&digest[..ICV_LEN]);
    Ok(())
}

/// Checks a received datagram as keepalived's `vrrp_check_packet` and
/// `vrrp_in_chk_ipsecah` do, except the sequence number (see
/// [`SeqCounter::accept`]): protocol 51, AH next header VRRP, the ICV
/// (compared in constant time), then the SPI equal to the IP source.
/// `unicast` as for [`seal`]. The IP header's total length is not trusted:
/// the ICV covers the whole of `datagram`, as the kernel delivered it.
pub fn open(datagram: &[u8], key: &AhKey, unicast: bool) -> Result<Opened, AhError> {
    let ihl = ipv4_ihl(datagram)?;
    let proto = datagram[9];
    if proto != IPPROTO_AH {
        return Err(AhError::NotAh(proto));
    }
    let header = AhHeader::parse(&datagram[ihl..]).ok_or(AhError::Truncated)?;
    if header.next_header != IPPROTO_VRRP {
        return Err(AhError::NextHeader(header.next_header));
    }
    let mac = icv(datagram, ihl, key, unicast)?;
    mac.verify_truncated_left(&header.icv)
        .map_err(|_| AhError::BadIcv)?;
    let src = u32::from_be_bytes([datagram[12], datagram[13], datagram[14], datagram[15]]);
    if header.spi != src {
        return Err(AhError::BadSpi {
            spi: header.spi,
            src,
        });
    }
    Ok(Opened {
        header,
        payload: ihl + AH_LEN..datagram.len(),
    })
}

/// An instance's AH sequence number: the last one sent or accepted, and
/// whether it has run out (keepalived `seq_counter_t`, `ipsecah_counter`).
///
/// One counter serves both directions: a Backup learns the Master's numbers
/// so that, taking over, it continues above them and the other routers
/// accept its adverts. A new instance starts at 0 (its first advert carries
/// 1); a reload keeps the counter.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct SeqCounter {
    /// The sequence number last sent or accepted.
    pub seq: u32,
    /// Set when the counter reached its end while sending.
    pub cycled: bool,
}

/// The highest sequence number keepalived increments from.
const SEQ_LAST_INCREMENT: u32 = 0xFFFF_FFFD;

impl SeqCounter {
    /// A counter starting at `seq`.
    pub const fn starting_at(seq: u32) -> SeqCounter {
        SeqCounter { seq, cycled: false }
    }

    /// The number for the next advert (keepalived `vrrp_update_pkt`): one
    /// more than the last, except past 0xFFFFFFFD where it stays and
    /// [`cycled`](Self::cycled) is set. Per advert, not per unicast peer.
    pub fn next_to_send(&mut self) -> u32 {
        if self.seq > SEQ_LAST_INCREMENT {
            self.cycled = true;
        } else {
            self.seq += 1;
        }
        self.seq
    }

    /// Anti-replay check of an advert whose ICV and SPI were good
    /// (keepalived `vrrp_in_chk_ipsecah`): accepted and learnt only when
    /// above the counter.
    pub fn accept(&mut self, received: u32) -> Result<(), AhError> {
        if received > self.seq {
            self.seq = received;
            Ok(())
        } else {
            Err(AhError::Replay {
                received,
                local: self.seq,
            })
        }
    }

    /// An accepted advert in Backup clears [`cycled`](Self::cycled)
    /// (keepalived `vrrp_check_packet`).
    pub fn accepted_in_backup(&mut self) {
        self.cycled = false;
    }

    /// A Master that hears a lower-priority advert continues from its number
    /// plus one (keepalived `vrrp_state_master_rx`, "Syncing seq_num").
    pub fn sync_from_lower_priority(&mut self, received: u32) {
        self.seq = received.wrapping_add(1);
        self.cycled = false;
    }

    /// A Master that yields to a better advert clears
    /// [`cycled`](Self::cycled) (keepalived `vrrp_state_master_rx`).
    pub fn yielded(&mut self) {
        self.cycled = false;
    }

    /// Becoming Master restarts a cycled counter from 0 (keepalived
    /// `vrrp_state_goto_master`).
    pub fn becoming_master(&mut self) {
        if self.cycled {
            self.cycled = false;
            self.seq = 0;
        }
    }
}

#[cfg(test)]
mod tests;
