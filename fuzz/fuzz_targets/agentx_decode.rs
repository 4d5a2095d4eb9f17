#![no_main]
//! Fuzz target `agentx_decode`: arbitrary bytes through agentx-subagent's
//! receive path. `pdu_len` and `Pdu::decode` must never panic; a decoded
//! PDU must encode, and decode again to itself; and a `Session` fed the
//! bytes in chunks (sizes from byte 0) must never panic and must answer
//! every request with whole PDUs.
//!
//! Input: byte 0 selects the chunk size; the rest is the byte stream.
use std::time::Instant;

use agentx_subagent::pdu::pdu_len;
use agentx_subagent::{Config, MibView, Oid, Pdu, Session, Value};
use libfuzzer_sys::fuzz_target;

/// Every name below 1.3.6.1.4.1 holds its own last sub-identifier.
struct Mib;

impl MibView for Mib {
    fn get(&self, oid: &Oid) -> Value {
        match oid.0.last() {
            Some(&id) if oid.0.starts_with(&[1, 3, 6, 1, 4, 1]) => Value::Counter32(id),
            _ => Value::NoSuchObject,
        }
    }
    fn get_next(&self, oid: &Oid) -> Option<(Oid, Value)> {
        let next = oid.child(&[0]);
        (next.0.len() <= 20).then(|| (next.clone(), self.get(&next)))
    }
}

fuzz_target!(|data: &[u8]| {
    let [sel, stream @ ..] = data else {
        return;
    };
    let _ = pdu_len(stream, 1 << 16);
    if let Ok(pdu) = Pdu::decode(stream) {
        let bytes = pdu.to_bytes().expect("a decoded PDU encodes");
        assert_eq!(pdu_len(&bytes, u32::MAX), Ok(Some(bytes.len())));
        assert_eq!(Pdu::decode(&bytes).expect("re-decodes"), pdu);
    }

    let now = Instant::now();
    let mut session = Session::new(Config::new(Oid::from([1, 3, 6, 1, 4, 1, 9586]), "fuzz"), now);
    let chunk = usize::from(*sel).max(1);
    for part in stream.chunks(chunk) {
        session.handle_bytes(now, part, &Mib);
        while let Some(out) = session.poll_transmit() {
            Pdu::decode(&out).expect("the session sends whole, valid PDUs");
        }
        while session.poll_event().is_some() {}
    }
    session.handle_timeout(now);
});
