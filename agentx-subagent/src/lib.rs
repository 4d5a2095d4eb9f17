//! Sans-IO AgentX (RFC 2741) subagent.
//!
//! * [`pdu`]: the PDU codec: header with either byte order on receive and
//!   network byte order on send, OIDs with §5.1's prefix compression,
//!   padded octet strings, every VarBind type of §5.4, SearchRanges, and the
//!   PDUs a subagent exchanges with its master.
//! * [`Session`]: one session with the master (RFC 2741 §7): Open,
//!   Register, answers to Get/GetNext/GetBulk from a [`MibView`], the
//!   four-phase Set delegated to the caller, Notify, Ping, and re-open with
//!   back-off after a loss.
//! * [`address`]: where the master listens, in net-snmp's syntax;
//! * `link` (feature `tokio`): a session on a tokio socket, reconnecting,
//!   answering from a [`table::Table`];
//! * [`table`]: an ordered OID → value [`MibView`] built from one snapshot
//!   of the subagent's state, and the value encodings of the common textual
//!   conventions.
//!
//! Without the `tokio` feature: no sockets, no clock, no threads; the caller
//! moves the bytes and passes the time.
#![warn(missing_docs)]
#![cfg_attr(not(test), deny(clippy::unwrap_used, clippy::expect_used))]

pub mod address;
#[cfg(feature = "tokio")]
pub mod link;
pub mod pdu;
pub mod session;
pub mod table;

pub use pdu::{
    CloseReason, DecodeError, EncodeError, GetBulk, Oid, Open, Payload, Pdu, Register, ResError,
    Response, SearchRange, Value, VarBind,
};
pub use session::{
    Config, Event, LossReason, MibView, Registration, Session, SessionError, SetPhase, notification,
};
pub use table::Table;

/// The crate README's example, compiled and run as a doctest.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
pub struct ReadmeDoctests;
