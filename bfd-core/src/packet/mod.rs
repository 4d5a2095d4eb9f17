//! The BFD control packet codec (RFC 5880 §4.1), version 1 only.
//!
//! # Layers
//!
//! * [`ControlPacketView`]: a zero-copy view over received bytes, checked once
//!   by [`ControlPacketView::new_checked`] (version 1, Length field at least
//!   the mandatory section and no more than the bytes received); accessors
//!   never panic afterwards.
//! * [`ControlPacket`]: the owned, decoded form. [`ControlPacket::parse`]
//!   applies every reception check of RFC 5880 §6.8.6 that concerns the
//!   packet alone; [`ControlPacket::emit`] writes into a caller buffer.
//!
//! Nothing here allocates.
//!
//! # Wire format (RFC 5880 §4.1, mandatory section)
//!
//! ```text
//!  0                   1                   2                   3
//!  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
//! +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//! |Vers |  Diag   |Sta|P|F|C|A|D|M|  Detect Mult  |    Length     |
//! +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//! |                       My Discriminator                        |
//! +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//! |                      Your Discriminator                       |
//! +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//! |                    Desired Min TX Interval                    |
//! +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//! |                   Required Min RX Interval                    |
//! +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//! |                 Required Min Echo RX Interval                 |
//! +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//! ```
//!
//! Intervals are microseconds. The optional authentication section (A bit)
//! is not supported: such packets are discarded, as keepalived's BFD does
//! (it implements no authentication), which is what RFC 5880 §6.8.6 asks of
//! a session without authentication.
//!
//! The IP layer's part (RFC 5881 §4, §5): UDP destination port
//! [`CONTROL_PORT`], source port in 49152..=65535, TTL / hop limit 255 on
//! send and checked on receipt.

/// UDP destination port of single-hop BFD control packets (RFC 5881 §4).
pub const CONTROL_PORT: u16 = 3784;

/// UDP destination port of the BFD echo function (RFC 5881 §4); echo is not
/// implemented, the constant is for callers' filters.
pub const ECHO_PORT: u16 = 3785;

/// The range single-hop source ports must come from (RFC 5881 §4).
pub const SOURCE_PORTS: core::ops::RangeInclusive<u16> = 49152..=65535;

/// The TTL / hop limit single-hop packets are sent with and must arrive with
/// (RFC 5881 §5).
pub const TTL: u8 = 255;

/// Length of the mandatory section, and of every packet this crate emits.
pub const HEADER_LEN: usize = 24;

/// The only protocol version (RFC 5880 §4.1).
pub const VERSION: u8 = 1;

/// Byte offsets of the mandatory section (RFC 5880 §4.1).
mod field {
    pub const VERS_DIAG: usize = 0;
    pub const STA_FLAGS: usize = 1;
    pub const DETECT_MULT: usize = 2;
    pub const LENGTH: usize = 3;
    pub const MY_DISCR: usize = 4;
    pub const YOUR_DISCR: usize = 8;
    pub const DESIRED_MIN_TX: usize = 12;
    pub const REQUIRED_MIN_RX: usize = 16;
    pub const REQUIRED_MIN_ECHO_RX: usize = 20;
}

/// Flag bits of the second byte (RFC 5880 §4.1).
mod flag {
    pub const POLL: u8 = 0x20;
    pub const FINAL: u8 = 0x10;
    pub const CPI: u8 = 0x08;
    pub const AUTH: u8 = 0x04;
    pub const DEMAND: u8 = 0x02;
    pub const MULTIPOINT: u8 = 0x01;
}

/// A session state as carried in the Sta field (RFC 5880 §4.1, §6.2).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum State {
    /// 0: administratively held down.
    AdminDown,
    /// 1: down (the initial state).
    Down,
    /// 2: the remote is heard, the three-way handshake is under way.
    Init,
    /// 3: up.
    Up,
}

impl State {
    /// From the two-bit wire value (the upper bits are ignored).
    pub const fn from_bits(bits: u8) -> State {
        match bits & 0x3 {
            0 => State::AdminDown,
            1 => State::Down,
            2 => State::Init,
            _ => State::Up,
        }
    }
    /// The two-bit wire value.
    pub const fn bits(self) -> u8 {
        match self {
            State::AdminDown => 0,
            State::Down => 1,
            State::Init => 2,
            State::Up => 3,
        }
    }
}

/// The diagnostic code (RFC 5880 §4.1): why the sender's session last left
/// Up, or why it is down.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Diagnostic {
    /// 0
    None,
    /// 1
    ControlDetectionTimeExpired,
    /// 2
    EchoFunctionFailed,
    /// 3
    NeighborSignaledSessionDown,
    /// 4
    ForwardingPlaneReset,
    /// 5
    PathDown,
    /// 6
    ConcatenatedPathDown,
    /// 7
    AdministrativelyDown,
    /// 8
    ReverseConcatenatedPathDown,
    /// 9..=31: reserved, kept so that a packet round-trips.
    Reserved(u8),
}

impl Diagnostic {
    /// From the five-bit wire value (the upper bits are ignored).
    pub const fn from_bits(bits: u8) -> Diagnostic {
        match bits & 0x1f {
            0 => Diagnostic::None,
            1 => Diagnostic::ControlDetectionTimeExpired,
            2 => Diagnostic::EchoFunctionFailed,
            3 => Diagnostic::NeighborSignaledSessionDown,
            4 => Diagnostic::ForwardingPlaneReset,
            5 => Diagnostic::PathDown,
            6 => Diagnostic::ConcatenatedPathDown,
            7 => Diagnostic::AdministrativelyDown,
            8 => Diagnostic::ReverseConcatenatedPathDown,
            b => Diagnostic::Reserved(b),
        }
    }
    /// The five-bit wire value (a `Reserved` value is masked to five bits).
    pub const fn bits(self) -> u8 {
        match self {
            Diagnostic::None => 0,
            Diagnostic::ControlDetectionTimeExpired => 1,
            Diagnostic::EchoFunctionFailed => 2,
            Diagnostic::NeighborSignaledSessionDown => 3,
            Diagnostic::ForwardingPlaneReset => 4,
            Diagnostic::PathDown => 5,
            Diagnostic::ConcatenatedPathDown => 6,
            Diagnostic::AdministrativelyDown => 7,
            Diagnostic::ReverseConcatenatedPathDown => 8,
            Diagnostic::Reserved(b) => b & 0x1f,
        }
    }
}

/// A received control packet that must be discarded (RFC 5880 §6.8.6, the
/// checks about the packet itself; the sender's fault).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, thiserror::Error)]
#[non_exhaustive]
pub enum ParseError {
    /// Fewer bytes than the mandatory section.
    #[error("BFD packet truncated: {got} bytes, {needed} needed")]
    Truncated {
        /// Bytes needed.
        needed: usize,
        /// Bytes received.
        got: usize,
    },
    /// "If the version number is not correct (1), the packet MUST be
    /// discarded."
    #[error("unknown BFD version {0}")]
    UnknownVersion(u8),
    /// "If the Length field is less than the minimum correct value (24 if
    /// the A bit is clear, or 26 if the A bit is set), the packet MUST be
    /// discarded."
    #[error("BFD Length field {0} is below the minimum")]
    LengthTooShort(u8),
    /// "If the Length field is greater than the payload of the encapsulating
    /// protocol, the packet MUST be discarded."
    #[error("BFD Length field {length} exceeds the {payload} bytes received")]
    LengthExceedsPayload {
        /// The Length field.
        length: u8,
        /// Bytes received.
        payload: usize,
    },
    /// "If the Detect Mult field is zero, the packet MUST be discarded."
    #[error("BFD Detect Mult is zero")]
    ZeroDetectMult,
    /// "If the Multipoint (M) bit is nonzero, the packet MUST be discarded."
    #[error("BFD Multipoint bit set")]
    Multipoint,
    /// "If the My Discriminator field is zero, the packet MUST be discarded."
    #[error("BFD My Discriminator is zero")]
    ZeroMyDiscriminator,
    /// "If the Your Discriminator field is zero and the State field is not
    /// Down or AdminDown, the packet MUST be discarded."
    #[error("BFD Your Discriminator is zero in state {0:?}")]
    ZeroYourDiscriminator(State),
    /// The A bit is set: no authentication is implemented, and "if the A bit
    /// is set and no authentication is in use (bfd.AuthType is zero), the
    /// packet MUST be discarded" (keepalived discards these too).
    #[error("BFD authentication present but not supported")]
    Authenticated,
    /// Both Poll and Final are set: "A Control packet MUST NOT have both the
    /// Poll (P) and Final (F) bits set" (RFC 5880 §6.5).
    #[error("BFD Poll and Final both set")]
    PollAndFinal,
}

/// A [`ControlPacket`] that cannot be emitted (the caller's fault).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, thiserror::Error)]
#[non_exhaustive]
pub enum EmitError {
    /// The buffer is shorter than [`HEADER_LEN`].
    #[error("emit buffer is {got} bytes, {needed} needed")]
    BufferTooShort {
        /// [`HEADER_LEN`].
        needed: usize,
        /// The buffer's length.
        got: usize,
    },
}

/// A zero-copy view of a BFD control packet over any byte container.
///
/// [`ControlPacketView::new_checked`] checks the version and the Length
/// field once; after that every accessor is a plain read that does not
/// panic. Bytes after Length (and the authentication section, when the A
/// bit is set) are not interpreted.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ControlPacketView<T: AsRef<[u8]>> {
    buffer: T,
}

impl<T: AsRef<[u8]>> ControlPacketView<T> {
    /// Checks the first reception rules of RFC 5880 §6.8.6 that need no
    /// field interpretation: at least [`HEADER_LEN`] bytes, version 1, the
    /// Length field at least 24 (26 with the A bit) and no longer than
    /// `buffer`.
    pub fn new_checked(buffer: T) -> Result<Self, ParseError> {
        let b = buffer.as_ref();
        let Some(head) = b.first_chunk::<HEADER_LEN>() else {
            return Err(ParseError::Truncated {
                needed: HEADER_LEN,
                got: b.len(),
            });
        };
        let version = head[field::VERS_DIAG] >> 5;
        if version != VERSION {
            return Err(ParseError::UnknownVersion(version));
        }
        let length = head[field::LENGTH];
        let min = if head[field::STA_FLAGS] & flag::AUTH != 0 {
            26
        } else {
            HEADER_LEN
        };
        if usize::from(length) < min {
            return Err(ParseError::LengthTooShort(length));
        }
        if usize::from(length) > b.len() {
            return Err(ParseError::LengthExceedsPayload {
                length,
                payload: b.len(),
            });
        }
        Ok(ControlPacketView { buffer })
    }

    fn byte(&self, i: usize) -> u8 {
        self.buffer.as_ref().get(i).copied().unwrap_or(0)
    }

    fn word(&self, i: usize) -> u32 {
        self.buffer
            .as_ref()
            .get(i..i + 4)
            .and_then(|s| <[u8; 4]>::try_from(s).ok())
            .map_or(0, u32::from_be_bytes)
    }

    /// The underlying buffer.
    pub fn into_inner(self) -> T {
        self.buffer
    }
    /// The version field (always 1 after `new_checked`).
    pub fn version(&self) -> u8 {
        self.byte(field::VERS_DIAG) >> 5
    }
    /// Diag.
    pub fn diagnostic(&self) -> Diagnostic {
        Diagnostic::from_bits(self.byte(field::VERS_DIAG))
    }
    /// Sta.
    pub fn state(&self) -> State {
        State::from_bits(self.byte(field::STA_FLAGS) >> 6)
    }
    /// P: the sender asks for a Final (RFC 5880 §6.5).
    pub fn poll(&self) -> bool {
        self.byte(field::STA_FLAGS) & flag::POLL != 0
    }
    /// F: the answer to a Poll.
    pub fn final_(&self) -> bool {
        self.byte(field::STA_FLAGS) & flag::FINAL != 0
    }
    /// C: Control Plane Independent.
    pub fn control_plane_independent(&self) -> bool {
        self.byte(field::STA_FLAGS) & flag::CPI != 0
    }
    /// A: authentication section present.
    pub fn authentication_present(&self) -> bool {
        self.byte(field::STA_FLAGS) & flag::AUTH != 0
    }
    /// D: the sender wishes to use Demand mode.
    pub fn demand(&self) -> bool {
        self.byte(field::STA_FLAGS) & flag::DEMAND != 0
    }
    /// M: Multipoint (reserved, must be zero).
    pub fn multipoint(&self) -> bool {
        self.byte(field::STA_FLAGS) & flag::MULTIPOINT != 0
    }
    /// Detect Mult.
    pub fn detect_mult(&self) -> u8 {
        self.byte(field::DETECT_MULT)
    }
    /// Length.
    pub fn length(&self) -> u8 {
        self.byte(field::LENGTH)
    }
    /// My Discriminator.
    pub fn my_discriminator(&self) -> u32 {
        self.word(field::MY_DISCR)
    }
    /// Your Discriminator.
    pub fn your_discriminator(&self) -> u32 {
        self.word(field::YOUR_DISCR)
    }
    /// Desired Min TX Interval, µs.
    pub fn desired_min_tx(&self) -> u32 {
        self.word(field::DESIRED_MIN_TX)
    }
    /// Required Min RX Interval, µs.
    pub fn required_min_rx(&self) -> u32 {
        self.word(field::REQUIRED_MIN_RX)
    }
    /// Required Min Echo RX Interval, µs.
    pub fn required_min_echo_rx(&self) -> u32 {
        self.word(field::REQUIRED_MIN_ECHO_RX)
    }
}

/// An owned, decoded BFD control packet (mandatory section only).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct ControlPacket {
    /// Diag.
    pub diagnostic: Diagnostic,
    /// Sta.
    pub state: State,
    /// P.
    pub poll: bool,
    /// F.
    pub final_: bool,
    /// C.
    pub control_plane_independent: bool,
    /// D.
    pub demand: bool,
    /// Detect Mult (nonzero on a parsed packet).
    pub detect_mult: u8,
    /// My Discriminator (nonzero on a parsed packet).
    pub my_discriminator: u32,
    /// Your Discriminator.
    pub your_discriminator: u32,
    /// Desired Min TX Interval, µs.
    pub desired_min_tx: u32,
    /// Required Min RX Interval, µs.
    pub required_min_rx: u32,
    /// Required Min Echo RX Interval, µs (0: no echo).
    pub required_min_echo_rx: u32,
}

impl ControlPacket {
    /// Checks and decodes `bytes` (the UDP payload).
    pub fn decode(bytes: &[u8]) -> Result<ControlPacket, ParseError> {
        ControlPacket::parse(&ControlPacketView::new_checked(bytes)?)
    }

    /// Decodes a checked view, applying the remaining packet-only reception
    /// checks of RFC 5880 §6.8.6, in the RFC's order: Detect Mult, M bit,
    /// My Discriminator, Your Discriminator with the state, then the A bit
    /// (no authentication in use), and P with F (§6.5).
    pub fn parse<T: AsRef<[u8]>>(v: &ControlPacketView<T>) -> Result<ControlPacket, ParseError> {
        if v.detect_mult() == 0 {
            return Err(ParseError::ZeroDetectMult);
        }
        if v.multipoint() {
            return Err(ParseError::Multipoint);
        }
        if v.my_discriminator() == 0 {
            return Err(ParseError::ZeroMyDiscriminator);
        }
        let state = v.state();
        if v.your_discriminator() == 0 && !matches!(state, State::Down | State::AdminDown) {
            return Err(ParseError::ZeroYourDiscriminator(state));
        }
        if v.authentication_present() {
            return Err(ParseError::Authenticated);
        }
        if v.poll() && v.final_() {
            return Err(ParseError::PollAndFinal);
        }
        Ok(ControlPacket {
            diagnostic: v.diagnostic(),
            state,
            poll: v.poll(),
            final_: v.final_(),
            control_plane_independent: v.control_plane_independent(),
            demand: v.demand(),
            detect_mult: v.detect_mult(),
            my_discriminator: v.my_discriminator(),
            your_discriminator: v.your_discriminator(),
            desired_min_tx: v.desired_min_tx(),
            required_min_rx: v.required_min_rx(),
            required_min_echo_rx: v.required_min_echo_rx(),
        })
    }

    /// Writes the packet (version 1, A and M clear, Length 24) into the first
    /// [`HEADER_LEN`] bytes of `buf` and returns that length. Fields are
    /// written as they are: the caller builds valid packets (a
    /// [`crate::Session`] does).
    pub fn emit(&self, buf: &mut [u8]) -> Result<usize, EmitError> {
        let got = buf.len();
        let Some(out) = buf.first_chunk_mut::<HEADER_LEN>() else {
            return Err(EmitError::BufferTooShort {
                needed: HEADER_LEN,
                got,
            });
        };
        let mut flags = self.state.bits() << 6;
        for (on, bit) in [
            (self.poll, flag::POLL),
            (self.final_, flag::FINAL),
            (self.control_plane_independent, flag::CPI),
            (self.demand, flag::DEMAND),
        ] {
            if on {
                flags |= bit;
            }
        }
        out[field::VERS_DIAG] = (VERSION << 5) | self.diagnostic.bits();
        out[field::STA_FLAGS] = flags;
        out[field::DETECT_MULT] = self.detect_mult;
        out[field::LENGTH] = HEADER_LEN as u8;
        for (at, value) in [
            (field::MY_DISCR, self.my_discriminator),
            (field::YOUR_DISCR, self.your_discriminator),
            (field::DESIRED_MIN_TX, self.desired_min_tx),
            (field::REQUIRED_MIN_RX, self.required_min_rx),
            (field::REQUIRED_MIN_ECHO_RX, self.required_min_echo_rx),
        ] {
            out[at..at + 4].copy_from_slice(&value.to_be_bytes());
        }
        Ok(HEADER_LEN)
    }
}

#[cfg(test)]
mod tests;
