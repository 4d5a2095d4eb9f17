//! Why an instance's accept mode is on or off (vrrp.c
//! `vrrp_complete_instance`), as `vrrpd status` reports it.

use serde::Serialize;

/// The reason for an instance's accept mode (RFC 9568 §6.1 Accept_Mode).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum AcceptReason {
    /// Priority 255: the address owner always accepts, whatever is written.
    Owner,
    /// `accept` written.
    Accept,
    /// Nothing written, not in strict mode: keepalived's default is on.
    Default,
    /// `no_accept` (or `accept false`) written.
    NoAccept,
    /// Nothing written, strict mode: off.
    Strict,
    /// `accept` written but reset by strict mode on VRRPv2 (RFC 3768 has
    /// no Accept_Mode).
    StrictV2,
}

impl AcceptReason {
    /// Whether the accept mode is on (the VIPs are not dropped while
    /// Master).
    pub fn accepts(self) -> bool {
        matches!(self, Self::Owner | Self::Accept | Self::Default)
    }

    /// The name used in logs, JSON and metrics.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Owner => "owner",
            Self::Accept => "accept",
            Self::Default => "default",
            Self::NoAccept => "no_accept",
            Self::Strict => "strict",
            Self::StrictV2 => "strict_v2",
        }
    }
}
