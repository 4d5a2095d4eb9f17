//! The AgentX PDU codec (RFC 2741 §5, §6).
//!
//! [`Pdu::decode`] reads one complete PDU in either byte order (the
//! NETWORK_BYTE_ORDER flag, §6.1, tells which); [`Pdu::encode`] always writes
//! network byte order. [`pdu_len`] tells a stream reader how long the PDU at
//! the front of its buffer is once the 20-byte header has arrived.

mod error;
#[cfg(test)]
mod tests;

use core::fmt;

pub use error::{DecodeError, EncodeError};

/// The fixed header's length (RFC 2741 §6.1).
pub const HEADER_LEN: usize = 20;

/// `h.flags` bits (RFC 2741 §6.1).
pub mod flags {
    /// INSTANCE_REGISTRATION (Register only).
    pub const INSTANCE_REGISTRATION: u8 = 0x01;
    /// NEW_INDEX (IndexAllocate only).
    pub const NEW_INDEX: u8 = 0x02;
    /// ANY_INDEX (IndexAllocate only).
    pub const ANY_INDEX: u8 = 0x04;
    /// NON_DEFAULT_CONTEXT: a context octet string precedes the payload.
    pub const NON_DEFAULT_CONTEXT: u8 = 0x08;
    /// NETWORK_BYTE_ORDER: multi-byte integers are big-endian.
    pub const NETWORK_BYTE_ORDER: u8 = 0x10;
}

/// An object identifier: its sub-identifiers, compared lexicographically
/// (the order of SNMP's GetNext).
#[derive(Clone, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Oid(pub Vec<u32>);

impl Oid {
    /// The null OID (no sub-identifiers; RFC 2741 §5.1).
    pub const NULL: Oid = Oid(Vec::new());

    /// Whether this is the null OID.
    pub fn is_null(&self) -> bool {
        self.0.is_empty()
    }

    /// Whether `self` lies in the subtree rooted at `root` (equal or below).
    pub fn starts_with(&self, root: &Oid) -> bool {
        self.0.starts_with(&root.0)
    }

    /// `self` with `ids` appended.
    #[must_use]
    pub fn child(&self, ids: &[u32]) -> Oid {
        let mut v = self.0.clone();
        v.extend_from_slice(ids);
        Oid(v)
    }
}

impl From<&[u32]> for Oid {
    fn from(ids: &[u32]) -> Self {
        Oid(ids.to_vec())
    }
}

impl<const N: usize> From<[u32; N]> for Oid {
    fn from(ids: [u32; N]) -> Self {
        Oid(ids.to_vec())
    }
}

impl fmt::Display for Oid {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, id) in self.0.iter().enumerate() {
            if i > 0 {
                f.write_str(".")?;
            }
            write!(f, "{id}")?;
        }
        Ok(())
    }
}

/// Error from parsing a dotted OID string.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
#[error("invalid OID {0:?}")]
pub struct ParseOidError(pub String);

impl core::str::FromStr for Oid {
    type Err = ParseOidError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let t = s.strip_prefix('.').unwrap_or(s);
        if t.is_empty() {
            return Ok(Oid::NULL);
        }
        t.split('.')
            .map(|p| p.parse::<u32>())
            .collect::<Result<Vec<_>, _>>()
            .map(Oid)
            .map_err(|_| ParseOidError(s.to_owned()))
    }
}

/// A VarBind's value (RFC 2741 §5.4).
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum Value {
    /// Integer (type 2).
    Integer(i32),
    /// OCTET STRING (type 4).
    OctetString(Vec<u8>),
    /// Null (type 5).
    Null,
    /// OBJECT IDENTIFIER (type 6).
    ObjectIdentifier(Oid),
    /// IpAddress (type 64), carried as a 4-byte octet string.
    IpAddress([u8; 4]),
    /// Counter32 (type 65).
    Counter32(u32),
    /// Gauge32 (type 66).
    Gauge32(u32),
    /// TimeTicks (type 67).
    TimeTicks(u32),
    /// Opaque (type 68), carried as an octet string.
    Opaque(Vec<u8>),
    /// Counter64 (type 70).
    Counter64(u64),
    /// noSuchObject (type 128).
    NoSuchObject,
    /// noSuchInstance (type 129).
    NoSuchInstance,
    /// endOfMibView (type 130).
    EndOfMibView,
}

impl Value {
    /// The §5.4 type code.
    pub fn type_code(&self) -> u16 {
        match self {
            Value::Integer(_) => 2,
            Value::OctetString(_) => 4,
            Value::Null => 5,
            Value::ObjectIdentifier(_) => 6,
            Value::IpAddress(_) => 64,
            Value::Counter32(_) => 65,
            Value::Gauge32(_) => 66,
            Value::TimeTicks(_) => 67,
            Value::Opaque(_) => 68,
            Value::Counter64(_) => 70,
            Value::NoSuchObject => 128,
            Value::NoSuchInstance => 129,
            Value::EndOfMibView => 130,
        }
    }

    /// Whether this is one of the three exception values (noSuchObject,
    /// noSuchInstance, endOfMibView).
    pub fn is_exception(&self) -> bool {
        matches!(
            self,
            Value::NoSuchObject | Value::NoSuchInstance | Value::EndOfMibView
        )
    }
}

/// A name and its value (RFC 2741 §5.4).
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct VarBind {
    /// The variable's name.
    pub name: Oid,
    /// Its value.
    pub value: Value,
}

impl VarBind {
    /// A VarBind.
    pub fn new(name: Oid, value: Value) -> Self {
        VarBind { name, value }
    }
}

/// A SearchRange (RFC 2741 §5.2): from `start` (included when `include`)
/// up to `end` (excluded; the null OID means no bound).
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash)]
pub struct SearchRange {
    /// The starting OID.
    pub start: Oid,
    /// The `include` field of the starting OID.
    pub include: bool,
    /// The end of the range, exclusive; null for none.
    pub end: Oid,
}

/// Why a session is closed (RFC 2741 §6.2.2).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum CloseReason {
    /// reasonOther (1).
    Other,
    /// reasonParseError (2).
    ParseError,
    /// reasonProtocolError (3).
    ProtocolError,
    /// reasonTimeouts (4).
    Timeouts,
    /// reasonShutdown (5).
    Shutdown,
    /// reasonByManager (6).
    ByManager,
}

impl CloseReason {
    fn code(self) -> u8 {
        match self {
            CloseReason::Other => 1,
            CloseReason::ParseError => 2,
            CloseReason::ProtocolError => 3,
            CloseReason::Timeouts => 4,
            CloseReason::Shutdown => 5,
            CloseReason::ByManager => 6,
        }
    }

    fn from_code(c: u8) -> Result<Self, DecodeError> {
        Ok(match c {
            1 => CloseReason::Other,
            2 => CloseReason::ParseError,
            3 => CloseReason::ProtocolError,
            4 => CloseReason::Timeouts,
            5 => CloseReason::Shutdown,
            6 => CloseReason::ByManager,
            _ => return Err(DecodeError::UnknownCloseReason(c)),
        })
    }
}

/// `res.error` of a Response (RFC 2741 §6.2.16): the AgentX errors and, for
/// the Set phases and Get answers, SNMP's error-status values.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ResError(pub u16);

#[allow(missing_docs)]
impl ResError {
    pub const NO_ERROR: ResError = ResError(0);
    // SNMP error-status values used by the Set phases (RFC 3416 §3).
    pub const GEN_ERR: ResError = ResError(5);
    pub const NO_ACCESS: ResError = ResError(6);
    pub const WRONG_TYPE: ResError = ResError(7);
    pub const WRONG_LENGTH: ResError = ResError(8);
    pub const WRONG_ENCODING: ResError = ResError(9);
    pub const WRONG_VALUE: ResError = ResError(10);
    pub const NO_CREATION: ResError = ResError(11);
    pub const INCONSISTENT_VALUE: ResError = ResError(12);
    pub const RESOURCE_UNAVAILABLE: ResError = ResError(13);
    pub const COMMIT_FAILED: ResError = ResError(14);
    pub const UNDO_FAILED: ResError = ResError(15);
    pub const NOT_WRITABLE: ResError = ResError(17);
    pub const INCONSISTENT_NAME: ResError = ResError(18);
    // AgentX errors (RFC 2741 §6.2.16).
    pub const OPEN_FAILED: ResError = ResError(256);
    pub const NOT_OPEN: ResError = ResError(257);
    pub const INDEX_WRONG_TYPE: ResError = ResError(258);
    pub const INDEX_ALREADY_ALLOCATED: ResError = ResError(259);
    pub const INDEX_NONE_AVAILABLE: ResError = ResError(260);
    pub const INDEX_NOT_ALLOCATED: ResError = ResError(261);
    pub const UNSUPPORTED_CONTEXT: ResError = ResError(262);
    pub const DUPLICATE_REGISTRATION: ResError = ResError(263);
    pub const UNKNOWN_REGISTRATION: ResError = ResError(264);
    pub const UNKNOWN_AGENT_CAPS: ResError = ResError(265);
    pub const PARSE_ERROR: ResError = ResError(266);
    pub const REQUEST_DENIED: ResError = ResError(267);
    pub const PROCESSING_ERROR: ResError = ResError(268);
}

/// The agentx-Open-PDU (RFC 2741 §6.2.1).
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Open {
    /// `o.timeout`: seconds the master waits for this subagent (0: its default).
    pub timeout: u8,
    /// `o.id`: the subagent's identifier (may be null).
    pub id: Oid,
    /// `o.descr`: a description of the subagent.
    pub description: Vec<u8>,
}

/// The agentx-Register-PDU (RFC 2741 §6.2.3); also the body of Unregister
/// (§6.2.4), whose `timeout` is reserved and sent as 0.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Register {
    /// `r.timeout`: seconds for requests in this region (0: session default).
    pub timeout: u8,
    /// `r.priority`: lower is preferred; 127 by default.
    pub priority: u8,
    /// `r.range_subid` and `r.upper_bound`: when set, sub-identifier number
    /// `.0` (1-based) of `subtree` ranges up to `.1`.
    pub range: Option<(u8, u32)>,
    /// `r.subtree`: the region's root.
    pub subtree: Oid,
}

/// The agentx-GetBulk-PDU's body (RFC 2741 §6.2.7).
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct GetBulk {
    /// `g.non_repeaters`.
    pub non_repeaters: u16,
    /// `g.max_repetitions`.
    pub max_repetitions: u16,
    /// The SearchRangeList.
    pub ranges: Vec<SearchRange>,
}

/// The agentx-Response-PDU (RFC 2741 §6.2.16).
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Response {
    /// `res.sysUpTime` (meaningful from the master only).
    pub sys_up_time: u32,
    /// `res.error`.
    pub error: ResError,
    /// `res.index`: 1-based index of the failing VarBind, or 0.
    pub index: u16,
    /// The VarBindList.
    pub varbinds: Vec<VarBind>,
}

/// A PDU's type-specific payload.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Payload {
    /// agentx-Open-PDU (type 1).
    Open(Open),
    /// agentx-Close-PDU (type 2).
    Close(CloseReason),
    /// agentx-Register-PDU (type 3).
    Register(Register),
    /// agentx-Unregister-PDU (type 4).
    Unregister(Register),
    /// agentx-Get-PDU (type 5).
    Get(Vec<SearchRange>),
    /// agentx-GetNext-PDU (type 6).
    GetNext(Vec<SearchRange>),
    /// agentx-GetBulk-PDU (type 7).
    GetBulk(GetBulk),
    /// agentx-TestSet-PDU (type 8).
    TestSet(Vec<VarBind>),
    /// agentx-CommitSet-PDU (type 9).
    CommitSet,
    /// agentx-UndoSet-PDU (type 10).
    UndoSet,
    /// agentx-CleanupSet-PDU (type 11).
    CleanupSet,
    /// agentx-Notify-PDU (type 12).
    Notify(Vec<VarBind>),
    /// agentx-Ping-PDU (type 13).
    Ping,
    /// agentx-Response-PDU (type 18).
    Response(Response),
}

impl Payload {
    /// The §6.1 `h.type` code.
    pub fn type_code(&self) -> u8 {
        match self {
            Payload::Open(_) => 1,
            Payload::Close(_) => 2,
            Payload::Register(_) => 3,
            Payload::Unregister(_) => 4,
            Payload::Get(_) => 5,
            Payload::GetNext(_) => 6,
            Payload::GetBulk(_) => 7,
            Payload::TestSet(_) => 8,
            Payload::CommitSet => 9,
            Payload::UndoSet => 10,
            Payload::CleanupSet => 11,
            Payload::Notify(_) => 12,
            Payload::Ping => 13,
            Payload::Response(_) => 18,
        }
    }
}

/// Whether PDUs of this type carry the optional context (RFC 2741 §6.1.1:
/// every type but Open, Close, Response and the CommitSet/UndoSet/CleanupSet
/// phases).
fn may_have_context(type_code: u8) -> bool {
    !matches!(type_code, 1 | 2 | 9 | 10 | 11 | 18)
}

/// One AgentX PDU: the header's identifiers and the payload.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Pdu {
    /// `h.sessionID`.
    pub session_id: u32,
    /// `h.transactionID`.
    pub transaction_id: u32,
    /// `h.packetID`.
    pub packet_id: u32,
    /// The INSTANCE_REGISTRATION flag (Register only).
    pub instance_registration: bool,
    /// The context (NON_DEFAULT_CONTEXT), for the types that carry one.
    pub context: Option<Vec<u8>>,
    /// The payload.
    pub payload: Payload,
}

impl Pdu {
    /// A PDU in the default context without flags.
    pub fn new(session_id: u32, transaction_id: u32, packet_id: u32, payload: Payload) -> Self {
        Pdu {
            session_id,
            transaction_id,
            packet_id,
            instance_registration: false,
            context: None,
            payload,
        }
    }

    /// Appends the PDU, in network byte order, to `out`.
    pub fn encode(&self, out: &mut Vec<u8>) -> Result<(), EncodeError> {
        let ty = self.payload.type_code();
        let mut f = flags::NETWORK_BYTE_ORDER;
        if self.instance_registration {
            f |= flags::INSTANCE_REGISTRATION;
        }
        if self.context.is_some() {
            if !may_have_context(ty) {
                return Err(EncodeError::UnexpectedContext(ty));
            }
            f |= flags::NON_DEFAULT_CONTEXT;
        }
        let start = out.len();
        out.extend_from_slice(&[1, ty, f, 0]);
        put_u32(out, self.session_id);
        put_u32(out, self.transaction_id);
        put_u32(out, self.packet_id);
        put_u32(out, 0); // payload_length, patched below
        let body = out.len();
        let result = self.encode_payload(out);
        if let Err(e) = result {
            out.truncate(start);
            return Err(e);
        }
        let Ok(len) = u32::try_from(out.len() - body) else {
            out.truncate(start);
            return Err(EncodeError::PayloadTooLarge);
        };
        out[body - 4..body].copy_from_slice(&len.to_be_bytes());
        Ok(())
    }

    /// The PDU in network byte order.
    pub fn to_bytes(&self) -> Result<Vec<u8>, EncodeError> {
        let mut v = Vec::new();
        self.encode(&mut v)?;
        Ok(v)
    }

    fn encode_payload(&self, out: &mut Vec<u8>) -> Result<(), EncodeError> {
        if let Some(c) = &self.context {
            put_octets(out, c)?;
        }
        match &self.payload {
            Payload::Open(o) => {
                out.extend_from_slice(&[o.timeout, 0, 0, 0]);
                put_oid(out, &o.id, false)?;
                put_octets(out, &o.description)?;
            }
            Payload::Close(r) => out.extend_from_slice(&[r.code(), 0, 0, 0]),
            Payload::Register(r) | Payload::Unregister(r) => {
                let timeout = if matches!(self.payload, Payload::Register(_)) {
                    r.timeout
                } else {
                    0
                };
                let (range_subid, upper) = r.range.unwrap_or((0, 0));
                out.extend_from_slice(&[timeout, r.priority, range_subid, 0]);
                put_oid(out, &r.subtree, false)?;
                if range_subid != 0 {
                    put_u32(out, upper);
                }
            }
            Payload::Get(ranges) | Payload::GetNext(ranges) => put_ranges(out, ranges)?,
            Payload::GetBulk(g) => {
                put_u16(out, g.non_repeaters);
                put_u16(out, g.max_repetitions);
                put_ranges(out, &g.ranges)?;
            }
            Payload::TestSet(vbs) | Payload::Notify(vbs) => put_varbinds(out, vbs)?,
            Payload::CommitSet | Payload::UndoSet | Payload::CleanupSet | Payload::Ping => {}
            Payload::Response(r) => {
                put_u32(out, r.sys_up_time);
                put_u16(out, r.error.0);
                put_u16(out, r.index);
                put_varbinds(out, &r.varbinds)?;
            }
        }
        Ok(())
    }

    /// Decodes exactly one PDU: `bytes` must be its header and whole payload.
    /// Either byte order is accepted (RFC 2741 §6.1).
    pub fn decode(bytes: &[u8]) -> Result<Pdu, DecodeError> {
        let total = pdu_len(bytes, u32::MAX)?.ok_or(DecodeError::Truncated {
            needed: HEADER_LEN,
            got: bytes.len(),
        })?;
        if bytes.len() < total {
            return Err(DecodeError::Truncated {
                needed: total,
                got: bytes.len(),
            });
        }
        if bytes.len() > total {
            return Err(DecodeError::TrailingBytes(bytes.len() - total));
        }
        let ty = bytes[1];
        let f = bytes[2];
        let mut r = Reader {
            buf: &bytes[4..],
            pos: 0,
            be: f & flags::NETWORK_BYTE_ORDER != 0,
        };
        let session_id = r.u32()?;
        let transaction_id = r.u32()?;
        let packet_id = r.u32()?;
        let _len = r.u32()?;
        let context = if f & flags::NON_DEFAULT_CONTEXT != 0 {
            if !may_have_context(ty) {
                return Err(DecodeError::UnexpectedContext(ty));
            }
            Some(r.octets()?)
        } else {
            None
        };
        let payload = match ty {
            1 => {
                let [timeout, _, _, _] = r.bytes4()?;
                let (id, _) = r.oid()?;
                let description = r.octets()?;
                Payload::Open(Open {
                    timeout,
                    id,
                    description,
                })
            }
            2 => {
                let [reason, _, _, _] = r.bytes4()?;
                Payload::Close(CloseReason::from_code(reason)?)
            }
            3 | 4 => {
                let [timeout, priority, range_subid, _] = r.bytes4()?;
                let (subtree, _) = r.oid()?;
                let range = if range_subid != 0 {
                    Some((range_subid, r.u32()?))
                } else {
                    None
                };
                let reg = Register {
                    timeout: if ty == 3 { timeout } else { 0 },
                    priority,
                    range,
                    subtree,
                };
                if ty == 3 {
                    Payload::Register(reg)
                } else {
                    Payload::Unregister(reg)
                }
            }
            5 => Payload::Get(r.ranges()?),
            6 => Payload::GetNext(r.ranges()?),
            7 => {
                let non_repeaters = r.u16()?;
                let max_repetitions = r.u16()?;
                Payload::GetBulk(GetBulk {
                    non_repeaters,
                    max_repetitions,
                    ranges: r.ranges()?,
                })
            }
            8 => Payload::TestSet(r.varbinds()?),
            9 => Payload::CommitSet,
            10 => Payload::UndoSet,
            11 => Payload::CleanupSet,
            12 => Payload::Notify(r.varbinds()?),
            13 => Payload::Ping,
            14..=17 => return Err(DecodeError::UnsupportedPduType(ty)),
            18 => {
                let sys_up_time = r.u32()?;
                let error = ResError(r.u16()?);
                let index = r.u16()?;
                Payload::Response(Response {
                    sys_up_time,
                    error,
                    index,
                    varbinds: r.varbinds()?,
                })
            }
            _ => return Err(DecodeError::UnknownPduType(ty)),
        };
        if r.pos != r.buf.len() {
            return Err(DecodeError::TrailingBytes(r.buf.len() - r.pos));
        }
        Ok(Pdu {
            session_id,
            transaction_id,
            packet_id,
            instance_registration: f & flags::INSTANCE_REGISTRATION != 0,
            context,
            payload,
        })
    }
}

/// The total length (header and payload) of the PDU at the front of `buf`,
/// or `None` while fewer than [`HEADER_LEN`] bytes are present. Checks the
/// version, the type and the payload length (a multiple of 4, RFC 2741 §6.1,
/// and at most `max_payload`), so that a stream reader can reject a bad
/// header before buffering its payload.
pub fn pdu_len(buf: &[u8], max_payload: u32) -> Result<Option<usize>, DecodeError> {
    let Some(h) = buf.get(..HEADER_LEN) else {
        return Ok(None);
    };
    if h[0] != 1 {
        return Err(DecodeError::BadVersion(h[0]));
    }
    match h[1] {
        1..=13 | 18 => {}
        14..=17 => return Err(DecodeError::UnsupportedPduType(h[1])),
        t => return Err(DecodeError::UnknownPduType(t)),
    }
    let raw = [h[16], h[17], h[18], h[19]];
    let len = if h[2] & flags::NETWORK_BYTE_ORDER != 0 {
        u32::from_be_bytes(raw)
    } else {
        u32::from_le_bytes(raw)
    };
    if len % 4 != 0 {
        return Err(DecodeError::PayloadNotAligned(len));
    }
    if len > max_payload {
        return Err(DecodeError::PayloadTooLarge {
            got: len,
            limit: max_payload,
        });
    }
    // A u32 always fits usize on the targets this crate supports (>= 32 bits).
    Ok(Some(HEADER_LEN.saturating_add(len as usize)))
}

/// The longest OID §5.1 allows.
const MAX_SUBIDS: usize = 128;
/// The `internet` prefix 1.3.6.1 that §5.1's `prefix` field abbreviates.
const INTERNET: [u32; 4] = [1, 3, 6, 1];

fn put_u16(out: &mut Vec<u8>, v: u16) {
    out.extend_from_slice(&v.to_be_bytes());
}

fn put_u32(out: &mut Vec<u8>, v: u32) {
    out.extend_from_slice(&v.to_be_bytes());
}

/// RFC 2741 §5.1: `n_subid`, `prefix`, `include`, reserved, then the
/// sub-identifiers; an OID 1.3.6.1.x.… with 0 < x < 256 is sent with
/// `prefix` = x and only the sub-identifiers after it.
fn put_oid(out: &mut Vec<u8>, oid: &Oid, include: bool) -> Result<(), EncodeError> {
    let ids = &oid.0;
    let (prefix, rest) = match ids.get(4) {
        Some(&x) if ids[..4] == INTERNET && (1..=255).contains(&x) => (x as u8, &ids[5..]),
        _ => (0, &ids[..]),
    };
    if rest.len() > MAX_SUBIDS {
        return Err(EncodeError::OidTooLong(ids.len()));
    }
    out.extend_from_slice(&[rest.len() as u8, prefix, u8::from(include), 0]);
    for &id in rest {
        put_u32(out, id);
    }
    Ok(())
}

/// RFC 2741 §5.3: a 4-byte length, the octets, zero padding to a multiple of 4.
fn put_octets(out: &mut Vec<u8>, s: &[u8]) -> Result<(), EncodeError> {
    let len = u32::try_from(s.len()).map_err(|_| EncodeError::OctetStringTooLong(s.len()))?;
    put_u32(out, len);
    out.extend_from_slice(s);
    out.resize(out.len() + (4 - s.len() % 4) % 4, 0);
    Ok(())
}

fn put_ranges(out: &mut Vec<u8>, ranges: &[SearchRange]) -> Result<(), EncodeError> {
    for r in ranges {
        put_oid(out, &r.start, r.include)?;
        put_oid(out, &r.end, false)?;
    }
    Ok(())
}

/// RFC 2741 §5.4: type, reserved, name, data.
fn put_varbinds(out: &mut Vec<u8>, vbs: &[VarBind]) -> Result<(), EncodeError> {
    for vb in vbs {
        put_u16(out, vb.value.type_code());
        put_u16(out, 0);
        put_oid(out, &vb.name, false)?;
        match &vb.value {
            Value::Integer(i) => out.extend_from_slice(&i.to_be_bytes()),
            Value::Counter32(v) | Value::Gauge32(v) | Value::TimeTicks(v) => put_u32(out, *v),
            Value::Counter64(v) => out.extend_from_slice(&v.to_be_bytes()),
            Value::OctetString(s) | Value::Opaque(s) => put_octets(out, s)?,
            Value::IpAddress(a) => put_octets(out, a)?,
            Value::ObjectIdentifier(o) => put_oid(out, o, false)?,
            Value::Null | Value::NoSuchObject | Value::NoSuchInstance | Value::EndOfMibView => {}
        }
    }
    Ok(())
}

/// A bounds-checked reader over one PDU in the sender's byte order.
struct Reader<'a> {
    buf: &'a [u8],
    pos: usize,
    be: bool,
}

impl Reader<'_> {
    fn take(&mut self, n: usize) -> Result<&[u8], DecodeError> {
        let end = self
            .pos
            .checked_add(n)
            .filter(|&e| e <= self.buf.len())
            .ok_or(DecodeError::Truncated {
                needed: 4 + self.pos.saturating_add(n),
                got: 4 + self.buf.len(),
            })?;
        let s = &self.buf[self.pos..end];
        self.pos = end;
        Ok(s)
    }

    fn bytes4(&mut self) -> Result<[u8; 4], DecodeError> {
        let s = self.take(4)?;
        Ok([s[0], s[1], s[2], s[3]])
    }

    fn u16(&mut self) -> Result<u16, DecodeError> {
        let s = self.take(2)?;
        let b = [s[0], s[1]];
        Ok(if self.be {
            u16::from_be_bytes(b)
        } else {
            u16::from_le_bytes(b)
        })
    }

    fn u32(&mut self) -> Result<u32, DecodeError> {
        let b = self.bytes4()?;
        Ok(if self.be {
            u32::from_be_bytes(b)
        } else {
            u32::from_le_bytes(b)
        })
    }

    fn u64(&mut self) -> Result<u64, DecodeError> {
        let s = self.take(8)?;
        let mut b = [0u8; 8];
        b.copy_from_slice(s);
        Ok(if self.be {
            u64::from_be_bytes(b)
        } else {
            u64::from_le_bytes(b)
        })
    }

    /// An OID and its `include` field (RFC 2741 §5.1).
    fn oid(&mut self) -> Result<(Oid, bool), DecodeError> {
        let [n, prefix, include, _] = self.bytes4()?;
        let n = usize::from(n);
        if n > MAX_SUBIDS {
            return Err(DecodeError::OidTooLong(n));
        }
        let mut ids = Vec::with_capacity(n + 5);
        if prefix != 0 {
            ids.extend_from_slice(&INTERNET);
            ids.push(u32::from(prefix));
        }
        for _ in 0..n {
            ids.push(self.u32()?);
        }
        Ok((Oid(ids), include != 0))
    }

    /// An octet string with its padding (RFC 2741 §5.3).
    fn octets(&mut self) -> Result<Vec<u8>, DecodeError> {
        let len = self.u32()? as usize;
        let padded = len.checked_add(3).map(|l| l & !3).unwrap_or(usize::MAX);
        let s = self.take(padded)?;
        Ok(s[..len].to_vec())
    }

    /// A SearchRangeList up to the end of the payload (RFC 2741 §5.2).
    fn ranges(&mut self) -> Result<Vec<SearchRange>, DecodeError> {
        let mut v = Vec::new();
        while self.pos < self.buf.len() {
            let (start, include) = self.oid()?;
            let (end, _) = self.oid()?;
            v.push(SearchRange {
                start,
                include,
                end,
            });
        }
        Ok(v)
    }

    /// A VarBindList up to the end of the payload (RFC 2741 §5.4).
    fn varbinds(&mut self) -> Result<Vec<VarBind>, DecodeError> {
        let mut v = Vec::new();
        while self.pos < self.buf.len() {
            let ty = self.u16()?;
            let _reserved = self.u16()?;
            let (name, _) = self.oid()?;
            let value = match ty {
                2 => Value::Integer(self.u32()? as i32),
                4 => Value::OctetString(self.octets()?),
                5 => Value::Null,
                6 => Value::ObjectIdentifier(self.oid()?.0),
                64 => {
                    let s = self.octets()?;
                    let a: [u8; 4] = s
                        .as_slice()
                        .try_into()
                        .map_err(|_| DecodeError::BadIpAddressLength(s.len()))?;
                    Value::IpAddress(a)
                }
                65 => Value::Counter32(self.u32()?),
                66 => Value::Gauge32(self.u32()?),
                67 => Value::TimeTicks(self.u32()?),
                68 => Value::Opaque(self.octets()?),
                70 => Value::Counter64(self.u64()?),
                128 => Value::NoSuchObject,
                129 => Value::NoSuchInstance,
                130 => Value::EndOfMibView,
                t => return Err(DecodeError::UnknownVarBindType(t)),
            };
            v.push(VarBind { name, value });
        }
        Ok(v)
    }
}
