//! Netlink attribute enums of the IPVS family, one per attribute set.
//!
//! Each enum implements [`netlink_packet_core::Nla`] and keeps unknown
//! attributes in an `Other(DefaultNla)` variant, so a newer kernel never breaks
//! parsing. Nested sets are emitted with `NLA_F_NESTED`, as libnl (and so
//! ipvsadm) does; the flag is ignored on parsing, as the kernel sends none.

mod cmd;
mod daemon;
mod dest;
mod service;
mod stats;

pub use cmd::IpvsNla;
pub use daemon::DaemonNla;
pub use dest::DestNla;
pub use service::{FlagsNla, ServiceNla};
pub use stats::{Stats64Nla, StatsNla};

use netlink_packet_core::{
    DecodeError, Emitable, NLA_F_NESTED, Nla, NlaBuffer, NlasIterator, Parseable,
};

/// Parses every attribute of a nested set.
pub(crate) fn parse_nested<'a, N>(value: &'a [u8]) -> Result<Vec<N>, DecodeError>
where
    N: Parseable<NlaBuffer<&'a [u8]>>,
{
    let mut out = Vec::new();
    for nla in NlasIterator::new(value) {
        let nla = nla?;
        out.push(N::parse(&nla)?);
    }
    Ok(out)
}

/// Length of a nested set's value.
pub(crate) fn nested_len<N: Nla>(nlas: &[N]) -> usize {
    nlas.iter().map(Emitable::buffer_len).sum()
}

/// Emits a nested set's value.
pub(crate) fn emit_nested<N: Nla>(nlas: &[N], buffer: &mut [u8]) {
    let mut start = 0;
    for nla in nlas {
        let len = nla.buffer_len();
        nla.emit(&mut buffer[start..start + len]);
        start += len;
    }
}

/// Attribute kind with the nested flag.
pub(crate) const fn nested(kind: u16) -> u16 {
    kind | NLA_F_NESTED
}

/// A 16-byte `union nf_inet_addr`.
pub(crate) fn parse_addr(value: &[u8]) -> Result<[u8; 16], DecodeError> {
    <[u8; 16]>::try_from(value)
        .map_err(|_| DecodeError::from(format!("address of {} bytes, expected 16", value.len())))
}

/// A NUL-terminated string (the terminator is optional on input).
pub(crate) fn parse_str(value: &[u8]) -> Result<String, DecodeError> {
    let end = value.iter().position(|&b| b == 0).unwrap_or(value.len());
    String::from_utf8(value[..end].to_vec()).map_err(DecodeError::from)
}

/// Emits a string with its NUL terminator into a buffer of `s.len() + 1`.
pub(crate) fn emit_str(s: &str, buffer: &mut [u8]) {
    buffer[..s.len()].copy_from_slice(s.as_bytes());
    buffer[s.len()] = 0;
}

pub(crate) fn parse_u8(value: &[u8]) -> Result<u8, DecodeError> {
    match value {
        [b] => Ok(*b),
        _ => Err(DecodeError::invalid_number(1, value.len())),
    }
}

pub(crate) fn parse_u16(value: &[u8]) -> Result<u16, DecodeError> {
    <[u8; 2]>::try_from(value)
        .map(u16::from_ne_bytes)
        .map_err(|_| DecodeError::invalid_number(2, value.len()))
}

pub(crate) fn parse_be16(value: &[u8]) -> Result<u16, DecodeError> {
    <[u8; 2]>::try_from(value)
        .map(u16::from_be_bytes)
        .map_err(|_| DecodeError::invalid_number(2, value.len()))
}

pub(crate) fn parse_u32(value: &[u8]) -> Result<u32, DecodeError> {
    <[u8; 4]>::try_from(value)
        .map(u32::from_ne_bytes)
        .map_err(|_| DecodeError::invalid_number(4, value.len()))
}

pub(crate) fn parse_u64(value: &[u8]) -> Result<u64, DecodeError> {
    <[u8; 8]>::try_from(value)
        .map(u64::from_ne_bytes)
        .map_err(|_| DecodeError::invalid_number(8, value.len()))
}
