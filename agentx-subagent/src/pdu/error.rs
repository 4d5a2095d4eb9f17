//! Codec errors: [`DecodeError`] for bytes the master sent, [`EncodeError`]
//! for a [`super::Pdu`] the caller built.

/// Bytes that are not a valid AgentX PDU (the sender's fault).
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum DecodeError {
    /// The input ends before the header or the payload it announces.
    #[error("AgentX PDU truncated: {needed} bytes needed, {got} present")]
    Truncated {
        /// Bytes the structure being read needs.
        needed: usize,
        /// Bytes available.
        got: usize,
    },
    /// `h.version` is not 1 (RFC 2741 §6.1).
    #[error("unsupported AgentX version {0}")]
    BadVersion(u8),
    /// `h.type` is not one of RFC 2741 §6.1's PDU types.
    #[error("unknown AgentX PDU type {0}")]
    UnknownPduType(u8),
    /// A PDU type this crate does not decode (IndexAllocate,
    /// IndexDeallocate, AddAgentCaps, RemoveAgentCaps: sent by subagents,
    /// never by a master).
    #[error("AgentX PDU type {0} is not handled by a subagent")]
    UnsupportedPduType(u8),
    /// `h.payload_length` is not a multiple of 4 (RFC 2741 §6.1).
    #[error("AgentX payload length {0} is not a multiple of 4")]
    PayloadNotAligned(u32),
    /// `h.payload_length` exceeds the receiver's limit.
    #[error("AgentX payload length {got} exceeds the limit {limit}")]
    PayloadTooLarge {
        /// The announced payload length.
        got: u32,
        /// The configured limit.
        limit: u32,
    },
    /// The payload holds bytes after the last field of the PDU.
    #[error("{0} trailing bytes after the AgentX PDU's fields")]
    TrailingBytes(usize),
    /// An OID with more than 128 sub-identifiers (RFC 2741 §5.1).
    #[error("OID with {0} sub-identifiers (at most 128)")]
    OidTooLong(usize),
    /// A VarBind type not in RFC 2741 §5.4.
    #[error("unknown VarBind type {0}")]
    UnknownVarBindType(u16),
    /// An IpAddress VarBind whose octet string is not 4 bytes long.
    #[error("IpAddress VarBind of {0} bytes")]
    BadIpAddressLength(usize),
    /// A Close PDU with a reason not in RFC 2741 §6.2.2.
    #[error("unknown Close reason {0}")]
    UnknownCloseReason(u8),
    /// The NON_DEFAULT_CONTEXT flag on a PDU type that carries no context
    /// (RFC 2741 §6.1.1).
    #[error("context on AgentX PDU type {0}, which has none")]
    UnexpectedContext(u8),
}

/// A [`super::Pdu`] that cannot be encoded (the caller's fault).
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum EncodeError {
    /// An OID with more than 128 sub-identifiers (RFC 2741 §5.1).
    #[error("OID with {0} sub-identifiers (at most 128)")]
    OidTooLong(usize),
    /// An octet string longer than `u32::MAX` bytes.
    #[error("octet string of {0} bytes does not fit a u32 length")]
    OctetStringTooLong(usize),
    /// The PDU exceeds `u32::MAX` bytes.
    #[error("payload too large for AgentX")]
    PayloadTooLarge,
    /// A context on a PDU type that carries none (RFC 2741 §6.1.1).
    #[error("context on AgentX PDU type {0}, which has none")]
    UnexpectedContext(u8),
}
