//! [`ParseError`]: a reply or a captured message that does not decode. A
//! leaf module, so the model's decoders and the request errors (which name
//! model objects) do not depend on each other.

use netlink_packet_core::DecodeError;

/// A reply (or captured message) that does not decode.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ParseError {
    /// Bytes that are not a valid netlink/IPVS message.
    #[error("undecodable message: {0}")]
    Decode(#[from] DecodeError),
    /// A required attribute is absent.
    #[error("missing {0}")]
    Missing(&'static str),
    /// An address family other than AF_INET/AF_INET6.
    #[error("unknown address family {0}")]
    UnknownAddressFamily(u16),
    /// A sync daemon state other than master/backup.
    #[error("unknown sync daemon state {0}")]
    UnknownDaemonState(u32),
    /// A message of a kind the request did not expect.
    #[error("unexpected message: {0}")]
    Unexpected(String),
}
