//! Errors, split by who is at fault: the kernel refused a request
//! ([`NftError::Refused`]), the socket failed or the kernel did not answer
//! ([`NftError::Io`], [`NftError::NoAnswer`]), or an answer did not decode
//! ([`NftError::Malformed`]).

/// Why a batch of nf_tables requests did not go through.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum NftError {
    /// The kernel refused request `index` of the batch (the whole batch is
    /// then undone by the kernel).
    #[error("nftables: request {index} ({what}) refused: {}", std::io::Error::from_raw_os_error(*errno))]
    Refused {
        /// Position of the request in the batch.
        index: usize,
        /// What the request was.
        what: &'static str,
        /// The positive errno.
        errno: i32,
    },
    /// The netlink socket failed.
    #[error("nftables netlink socket: {0}")]
    Io(#[from] std::io::Error),
    /// The kernel did not acknowledge every request within the timeout.
    #[error("nftables: {missing} of {sent} requests not acknowledged")]
    NoAnswer {
        /// Requests sent.
        sent: usize,
        /// Requests neither acknowledged nor refused.
        missing: usize,
    },
    /// A reply did not decode.
    #[error("nftables: malformed reply: {0}")]
    Malformed(String),
}

impl NftError {
    /// The kernel's errno when it refused a request.
    pub fn errno(&self) -> Option<i32> {
        match self {
            Self::Refused { errno, .. } => Some(*errno),
            _ => None,
        }
    }
}
