//! Codec errors, split by who is at fault: [`ParseError`] for bytes a peer
//! sent, [`EmitError`] for an [`super::Advertisement`] the caller built.

use super::Version;

/// A received VRRP payload that cannot be decoded (the sender's fault).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, thiserror::Error)]
#[non_exhaustive]
pub enum ParseError {
    /// Shorter than the fixed header, or than the address count (and, for
    /// VRRPv2, the authentication data) require (RFC 9568 §7.1, RFC 3768 §7.1:
    /// "contains the complete VRRP packet").
    #[error("VRRP packet truncated: {got} bytes, {needed} needed")]
    Truncated {
        /// Bytes the header says the message has.
        needed: usize,
        /// Bytes received.
        got: usize,
    },
    /// The version nibble is neither 2 nor 3.
    #[error("unknown VRRP version {0}")]
    UnknownVersion(u8),
    /// A VRRPv2 message over IPv6: RFC 3768 is IPv4 only.
    #[error("VRRPv2 over IPv6 (RFC 3768 is IPv4 only)")]
    V2OverIpv6,
    /// The type nibble is not 1 (ADVERTISEMENT, the only type; RFC 9568
    /// §5.2.2, RFC 3768 §5.3.2).
    #[error("unknown VRRP packet type {0}")]
    UnknownType(u8),
}

/// An [`super::Advertisement`] that cannot be encoded (the caller's fault).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, thiserror::Error)]
#[non_exhaustive]
pub enum EmitError {
    /// The buffer is not exactly [`super::Advertisement::buffer_len`] bytes.
    #[error("emit buffer is {got} bytes, the advertisement needs exactly {expected}")]
    BufferLength {
        /// `buffer_len()`.
        expected: usize,
        /// The buffer's length.
        got: usize,
    },
    /// Source, destination and virtual addresses are not all of one family.
    #[error("source, destination and virtual addresses are not all of one family")]
    FamilyMismatch,
    /// VRRPv2 over IPv6 (RFC 3768 is IPv4 only).
    #[error("VRRPv2 is IPv4 only (RFC 3768)")]
    V2RequiresIpv4,
    /// The interval does not fit the version's field: VRRPv2 carries whole
    /// seconds 0..=255 (RFC 3768 §5.3.7), VRRPv3 centiseconds 0..=4095
    /// (RFC 9568 §5.2.7).
    #[error("advertisement interval {centiseconds} cs cannot be carried by {version:?}")]
    IntervalOutOfRange {
        /// The advertisement's version.
        version: Version,
        /// The interval asked for.
        centiseconds: u16,
    },
    /// Authentication on a VRRPv3 advertisement, which has no such field
    /// (RFC 9568 §5.1).
    #[error("VRRPv3 has no authentication field")]
    AuthOnV3,
    /// `Auth::Other` with a type 0, 1 or 2, which has its own variant; it
    /// would not decode to the same value.
    #[error("Auth::Other({0}, ..) must use its own Auth variant")]
    NonCanonicalAuth(u8),
}
