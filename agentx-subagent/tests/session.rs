//! A scripted AgentX master driving the session through Open, Register,
//! Get/GetNext/GetBulk, the Set phases, Notify, Ping, Close and re-open.
#![allow(clippy::unwrap_used)] // tests may unwrap

use std::collections::BTreeMap;
use std::ops::Bound;
use std::time::{Duration, Instant};

use agentx_subagent::pdu::{GetBulk, Open};
use agentx_subagent::{
    CloseReason, Config, Event, LossReason, MibView, Oid, Payload, Pdu, Registration, ResError,
    Response, SearchRange, Session, SessionError, SetPhase, Value, VarBind,
};

fn oid(s: &str) -> Oid {
    s.parse().unwrap()
}

/// Two columns of a table under 1.3.6.1.4.1.9586.100.5.2.3.1, rows 1 and 2,
/// and one scalar.
struct TestMib {
    vars: BTreeMap<Oid, Value>,
    objects: Vec<Oid>,
}

impl TestMib {
    fn new() -> Self {
        let t = "1.3.6.1.4.1.9586.100.5.2.3.1";
        let mut vars = BTreeMap::new();
        vars.insert(
            oid(&format!("{t}.2.1")),
            Value::OctetString(b"VI_1".to_vec()),
        );
        vars.insert(
            oid(&format!("{t}.2.2")),
            Value::OctetString(b"VI_2".to_vec()),
        );
        vars.insert(oid(&format!("{t}.3.1")), Value::Integer(51));
        vars.insert(oid(&format!("{t}.3.2")), Value::Integer(52));
        vars.insert(
            oid("1.3.6.1.4.1.9586.100.5.1.1.0"),
            Value::OctetString(b"v1".to_vec()),
        );
        let objects = vec![
            oid(&format!("{t}.2")),
            oid(&format!("{t}.3")),
            oid("1.3.6.1.4.1.9586.100.5.1.1"),
        ];
        TestMib { vars, objects }
    }
}

impl MibView for TestMib {
    fn get(&self, o: &Oid) -> Value {
        if let Some(v) = self.vars.get(o) {
            v.clone()
        } else if self
            .objects
            .iter()
            .any(|obj| o.starts_with(obj) && o != obj)
        {
            Value::NoSuchInstance
        } else {
            Value::NoSuchObject
        }
    }
    fn get_next(&self, o: &Oid) -> Option<(Oid, Value)> {
        self.vars
            .range((Bound::Excluded(o.clone()), Bound::Unbounded))
            .next()
            .map(|(k, v)| (k.clone(), v.clone()))
    }
}

fn config() -> Config {
    let mut c = Config::new(oid("1.3.6.1.4.1.9586.100.5"), "rust-ha test");
    c.registrations = vec![
        Registration::new(oid("1.3.6.1.4.1.9586.100.5.1")),
        Registration::new(oid("1.3.6.1.4.1.9586.100.5.2")),
    ];
    c.ping_interval = Some(Duration::from_secs(10));
    c
}

fn sent(s: &mut Session) -> Vec<Pdu> {
    std::iter::from_fn(|| s.poll_transmit())
        .map(|b| Pdu::decode(&b).unwrap())
        .collect()
}

fn events(s: &mut Session) -> Vec<Event> {
    std::iter::from_fn(|| s.poll_event()).collect()
}

fn response(session_id: u32, to: &Pdu, error: ResError) -> Vec<u8> {
    let r = Response {
        sys_up_time: 77,
        error,
        index: 0,
        varbinds: vec![],
    };
    Pdu::new(
        session_id,
        to.transaction_id,
        to.packet_id,
        Payload::Response(r),
    )
    .to_bytes()
    .unwrap()
}

const SID: u32 = 42;

/// Opens the session (the Open response split across three reads) and
/// answers both Registers in reverse order in one read.
fn open(t0: Instant, mib: &TestMib) -> Session {
    let mut s = Session::new(config(), t0);
    let out = sent(&mut s);
    assert_eq!(out.len(), 1);
    let Payload::Open(Open {
        id, description, ..
    }) = &out[0].payload
    else {
        panic!("expected Open, got {:?}", out[0]);
    };
    assert_eq!(*id, oid("1.3.6.1.4.1.9586.100.5"));
    assert_eq!(description, b"rust-ha test");
    assert_eq!(out[0].session_id, 0);
    let bytes = response(SID, &out[0], ResError::NO_ERROR);
    s.handle_bytes(t0, &bytes[..7], mib);
    s.handle_bytes(t0, &bytes[7..21], mib);
    assert_eq!(events(&mut s), vec![], "no event before the whole Response");
    s.handle_bytes(t0, &bytes[21..], mib);
    assert_eq!(events(&mut s), vec![Event::Opened { session_id: SID }]);
    assert_eq!(s.session_id(), Some(SID));

    let regs = sent(&mut s);
    assert_eq!(regs.len(), 2);
    let subtrees: Vec<Oid> = regs
        .iter()
        .map(|p| match &p.payload {
            Payload::Register(r) => {
                assert_eq!(p.session_id, SID);
                assert_eq!(r.priority, 127);
                r.subtree.clone()
            }
            other => panic!("expected Register, got {other:?}"),
        })
        .collect();
    assert_eq!(
        subtrees,
        [
            oid("1.3.6.1.4.1.9586.100.5.1"),
            oid("1.3.6.1.4.1.9586.100.5.2")
        ]
    );
    assert_ne!(regs[0].packet_id, regs[1].packet_id);
    let mut batch = response(SID, &regs[1], ResError::DUPLICATE_REGISTRATION);
    batch.extend(response(SID, &regs[0], ResError::NO_ERROR));
    s.handle_bytes(t0, &batch, mib);
    assert_eq!(
        events(&mut s),
        vec![
            Event::Registered {
                subtree: oid("1.3.6.1.4.1.9586.100.5.2"),
                error: ResError::DUPLICATE_REGISTRATION
            },
            Event::Registered {
                subtree: oid("1.3.6.1.4.1.9586.100.5.1"),
                error: ResError::NO_ERROR
            },
        ]
    );
    s
}

fn range(start: &str, include: bool, end: &str) -> SearchRange {
    SearchRange {
        start: oid(start),
        include,
        end: oid(end),
    }
}

fn answer(p: &Pdu) -> &Response {
    match &p.payload {
        Payload::Response(r) => r,
        other => panic!("expected Response, got {other:?}"),
    }
}

const T: &str = "1.3.6.1.4.1.9586.100.5.2.3.1";

#[test]
fn open_and_register() {
    let mib = TestMib::new();
    let mut s = open(Instant::now(), &mib);
    assert_eq!(sent(&mut s), vec![]);
}

#[test]
fn get_getnext_getbulk_batched_and_split() {
    let t0 = Instant::now();
    let mib = TestMib::new();
    let mut s = open(t0, &mib);
    let get = Pdu::new(
        SID,
        10,
        100,
        Payload::Get(vec![
            range(&format!("{T}.2.1"), false, ""),
            range(&format!("{T}.2.9"), false, ""),
            range(&format!("{T}.9.1"), false, ""),
        ]),
    );
    let next = Pdu::new(
        SID,
        11,
        101,
        Payload::GetNext(vec![
            range(&format!("{T}.2.1"), true, ""),
            range(&format!("{T}.2.1"), false, ""),
            range(&format!("{T}.2.2"), false, &format!("{T}.3")),
            range("1.3.6.1.4.1.9586.100.5.1.1.0", false, ""),
            range(T, false, ""),
        ]),
    );
    let bulk = Pdu::new(
        SID,
        12,
        102,
        Payload::GetBulk(GetBulk {
            non_repeaters: 1,
            max_repetitions: 5,
            ranges: vec![
                range("1.3.6.1.4.1.9586.100.5.1", false, ""),
                range(T, false, ""),
                range(&format!("{T}.3"), false, ""),
            ],
        }),
    );
    let mut bytes = get.to_bytes().unwrap();
    bytes.extend(next.to_bytes().unwrap());
    let b = bulk.to_bytes().unwrap();
    bytes.extend(&b[..30]);
    s.handle_bytes(t0, &bytes, &mib);
    let out = sent(&mut s);
    assert_eq!(
        out.len(),
        2,
        "two complete requests answered, the third awaits its tail"
    );
    s.handle_bytes(t0, &b[30..], &mib);
    let out: Vec<Pdu> = out.into_iter().chain(sent(&mut s)).collect();
    assert_eq!(out.len(), 3);
    for (p, (txn, pkt)) in out.iter().zip([(10, 100), (11, 101), (12, 102)]) {
        assert_eq!(
            (p.session_id, p.transaction_id, p.packet_id),
            (SID, txn, pkt)
        );
        assert_eq!(answer(p).error, ResError::NO_ERROR);
    }

    let vb = |name: &str, v: Value| VarBind::new(oid(name), v);
    let s1 = |b: &[u8]| Value::OctetString(b.to_vec());
    // RFC 2741 §7.2.3.1.
    assert_eq!(
        answer(&out[0]).varbinds,
        [
            vb(&format!("{T}.2.1"), s1(b"VI_1")),
            vb(&format!("{T}.2.9"), Value::NoSuchInstance),
            vb(&format!("{T}.9.1"), Value::NoSuchObject),
        ]
    );
    // RFC 2741 §7.2.3.2.
    assert_eq!(
        answer(&out[1]).varbinds,
        [
            vb(&format!("{T}.2.1"), s1(b"VI_1")),
            vb(&format!("{T}.2.2"), s1(b"VI_2")),
            vb(&format!("{T}.2.2"), Value::EndOfMibView),
            vb(&format!("{T}.2.1"), s1(b"VI_1")),
            vb(&format!("{T}.2.1"), s1(b"VI_1")),
        ]
    );
    // RFC 2741 §7.2.3.3: one non-repeater, then rows of two until both
    // repeaters reach the end.
    assert_eq!(
        answer(&out[2]).varbinds,
        [
            vb("1.3.6.1.4.1.9586.100.5.1.1.0", s1(b"v1")),
            vb(&format!("{T}.2.1"), s1(b"VI_1")),
            vb(&format!("{T}.3.1"), Value::Integer(51)),
            vb(&format!("{T}.2.2"), s1(b"VI_2")),
            vb(&format!("{T}.3.2"), Value::Integer(52)),
            vb(&format!("{T}.3.1"), Value::Integer(51)),
            vb(&format!("{T}.3.2"), Value::EndOfMibView),
            vb(&format!("{T}.3.2"), Value::Integer(52)),
            vb(&format!("{T}.3.2"), Value::EndOfMibView),
            vb(&format!("{T}.3.2"), Value::EndOfMibView),
            vb(&format!("{T}.3.2"), Value::EndOfMibView),
        ]
    );
}

#[test]
fn four_phase_set_is_delegated() {
    let t0 = Instant::now();
    let mib = TestMib::new();
    let mut s = open(t0, &mib);
    let vbs = vec![VarBind::new(oid(&format!("{T}.3.1")), Value::Integer(250))];
    let test = Pdu::new(SID, 7, 200, Payload::TestSet(vbs.clone()));
    s.handle_bytes(t0, &test.to_bytes().unwrap(), &mib);
    assert_eq!(
        events(&mut s),
        [Event::Set {
            transaction_id: 7,
            phase: SetPhase::Test(vbs)
        }]
    );
    assert_eq!(sent(&mut s), [], "TestSet waits for the caller");
    assert_eq!(
        s.answer_set(8, ResError::NO_ERROR, 0),
        Err(SessionError::NoPendingSet(8))
    );
    s.answer_set(7, ResError::NO_ERROR, 0).unwrap();
    let out = sent(&mut s);
    assert_eq!((out[0].transaction_id, out[0].packet_id), (7, 200));
    assert_eq!(answer(&out[0]).error, ResError::NO_ERROR);
    assert_eq!(
        s.answer_set(7, ResError::NO_ERROR, 0),
        Err(SessionError::NoPendingSet(7))
    );

    s.handle_bytes(
        t0,
        &Pdu::new(SID, 7, 201, Payload::CommitSet)
            .to_bytes()
            .unwrap(),
        &mib,
    );
    assert_eq!(
        events(&mut s),
        [Event::Set {
            transaction_id: 7,
            phase: SetPhase::Commit
        }]
    );
    s.answer_set(7, ResError::COMMIT_FAILED, 1).unwrap();
    let out = sent(&mut s);
    assert_eq!(out[0].packet_id, 201);
    assert_eq!(
        (answer(&out[0]).error, answer(&out[0]).index),
        (ResError::COMMIT_FAILED, 1)
    );

    let mut batch = Pdu::new(SID, 7, 202, Payload::UndoSet).to_bytes().unwrap();
    batch.extend(
        Pdu::new(SID, 7, 203, Payload::CleanupSet)
            .to_bytes()
            .unwrap(),
    );
    s.handle_bytes(t0, &batch, &mib);
    assert_eq!(
        events(&mut s),
        [
            Event::Set {
                transaction_id: 7,
                phase: SetPhase::Undo
            },
            Event::Set {
                transaction_id: 7,
                phase: SetPhase::Cleanup
            },
        ]
    );
    // RFC 2741 §7.2.4.4: CleanupSet is not answered, and it ends the
    // transaction, so the Undo can no longer be answered either.
    assert_eq!(sent(&mut s), []);
    assert_eq!(
        s.answer_set(7, ResError::NO_ERROR, 0),
        Err(SessionError::NoPendingSet(7))
    );
}

#[test]
fn notify_puts_uptime_and_trap_oid_first() {
    let t0 = Instant::now();
    let mib = TestMib::new();
    let mut s = Session::new(config(), t0);
    assert_eq!(
        s.notify(t0, Some(1), oid("1.3.6.1.4.1.9586.100.5.2.10.0.2"), vec![]),
        Err(SessionError::NotOpen)
    );
    let mut s = open(t0, &mib);
    let extra = VarBind::new(
        oid(&format!("{T}.2.1")),
        Value::OctetString(b"VI_1".to_vec()),
    );
    let id = s
        .notify(
            t0,
            Some(12345),
            oid("1.3.6.1.4.1.9586.100.5.2.10.0.2"),
            vec![extra.clone()],
        )
        .unwrap();
    let out = sent(&mut s);
    assert_eq!(out[0].packet_id, id);
    assert_eq!(out[0].session_id, SID);
    assert_eq!(
        out[0].payload,
        Payload::Notify(vec![
            VarBind::new(oid("1.3.6.1.2.1.1.3.0"), Value::TimeTicks(12345)),
            VarBind::new(
                oid("1.3.6.1.6.3.1.1.4.1.0"),
                Value::ObjectIdentifier(oid("1.3.6.1.4.1.9586.100.5.2.10.0.2"))
            ),
            extra,
        ])
    );
    // A stale Response (unknown packet id) is ignored; the real one is reported.
    let mut stale = out[0].clone();
    stale.packet_id = 9999;
    s.handle_bytes(t0, &response(SID, &stale, ResError::NO_ERROR), &mib);
    assert_eq!(events(&mut s), []);
    s.handle_bytes(
        t0,
        &response(SID, &out[0], ResError::PROCESSING_ERROR),
        &mib,
    );
    assert_eq!(
        events(&mut s),
        [Event::NotifyAnswered {
            packet_id: id,
            error: ResError::PROCESSING_ERROR
        }]
    );
}

#[test]
fn notify_without_uptime_starts_with_the_trap_oid() {
    let t0 = Instant::now();
    let mib = TestMib::new();
    let mut s = open(t0, &mib);
    let id = s
        .notify(t0, None, oid("1.3.6.1.2.1.207.0.1"), vec![])
        .unwrap();
    let out = sent(&mut s);
    assert_eq!(out[0].packet_id, id);
    assert_eq!(
        out[0].payload,
        Payload::Notify(vec![VarBind::new(
            oid("1.3.6.1.6.3.1.1.4.1.0"),
            Value::ObjectIdentifier(oid("1.3.6.1.2.1.207.0.1"))
        )])
    );
}

#[test]
fn ping_timeout_backoff_and_reopen() {
    let t0 = Instant::now();
    let mib = TestMib::new();
    let mut s = open(t0, &mib);
    let ping_at = t0 + Duration::from_secs(10);
    assert_eq!(s.poll_timeout(), Some(ping_at));
    s.handle_timeout(ping_at - Duration::from_millis(1));
    assert_eq!(sent(&mut s), []);
    s.handle_timeout(ping_at);
    let out = sent(&mut s);
    assert_eq!(out.len(), 1);
    assert_eq!(out[0].payload, Payload::Ping);
    assert_eq!(out[0].session_id, SID);
    // The master answers the first Ping.
    s.handle_bytes(ping_at, &response(SID, &out[0], ResError::NO_ERROR), &mib);
    let ping2 = ping_at + Duration::from_secs(10);
    assert_eq!(s.poll_timeout(), Some(ping2));
    s.handle_timeout(ping2);
    assert_eq!(sent(&mut s)[0].payload, Payload::Ping);
    // ... but not the second: lost after the 5 s response timeout.
    let dead = ping2 + Duration::from_secs(5);
    assert_eq!(s.poll_timeout(), Some(dead));
    s.handle_timeout(dead);
    assert_eq!(events(&mut s), [Event::Lost(LossReason::Timeout)]);
    assert_eq!(s.session_id(), None);
    // Back-off 1 s, then the caller is asked to reconnect.
    assert_eq!(s.poll_timeout(), Some(dead + Duration::from_secs(1)));
    s.handle_timeout(dead + Duration::from_secs(1));
    assert_eq!(events(&mut s), [Event::Reconnect]);
    assert_eq!(s.poll_timeout(), None);
    let t1 = dead + Duration::from_secs(2);
    s.reconnected(t1);
    let out = sent(&mut s);
    assert!(matches!(out[0].payload, Payload::Open(_)));
    // A master answering the Open with an error: lost again, back-off doubled.
    s.handle_bytes(t1, &response(0, &out[0], ResError::OPEN_FAILED), &mib);
    assert_eq!(
        events(&mut s),
        [Event::Lost(LossReason::OpenFailed(ResError::OPEN_FAILED))]
    );
    assert_eq!(s.poll_timeout(), Some(t1 + Duration::from_secs(2)));
}

#[test]
fn master_close_then_reopen_resets_backoff() {
    let t0 = Instant::now();
    let mib = TestMib::new();
    let mut s = open(t0, &mib);
    let close = Pdu::new(SID, 0, 0, Payload::Close(CloseReason::Shutdown));
    s.handle_bytes(t0, &close.to_bytes().unwrap(), &mib);
    assert_eq!(
        events(&mut s),
        [Event::Lost(LossReason::MasterClosed(CloseReason::Shutdown))]
    );
    assert_eq!(sent(&mut s), []);
    // Bytes after the loss (old transport) are ignored.
    s.handle_bytes(t0, &close.to_bytes().unwrap(), &mib);
    assert_eq!(events(&mut s), []);
    let t1 = t0 + Duration::from_secs(1);
    s.handle_timeout(t1);
    assert_eq!(events(&mut s), [Event::Reconnect]);
    s.reconnected(t1);
    let out = sent(&mut s);
    s.handle_bytes(t1, &response(SID + 1, &out[0], ResError::NO_ERROR), &mib);
    assert_eq!(
        events(&mut s),
        [Event::Opened {
            session_id: SID + 1
        }]
    );
    assert_eq!(sent(&mut s).len(), 2, "the regions are registered again");
    s.connection_lost(t1);
    assert_eq!(events(&mut s), [Event::Lost(LossReason::TransportClosed)]);
    assert_eq!(
        s.poll_timeout(),
        Some(t1 + Duration::from_secs(1)),
        "back-off reset by the Open"
    );
}

#[test]
fn malformed_bytes_close_with_parse_error() {
    let t0 = Instant::now();
    let mib = TestMib::new();
    let mut s = open(t0, &mib);
    let mut bad = Pdu::new(SID, 0, 0, Payload::Ping).to_bytes().unwrap();
    bad[0] = 3;
    s.handle_bytes(t0, &bad, &mib);
    assert!(matches!(
        events(&mut s)[..],
        [Event::Lost(LossReason::Malformed(_))]
    ));
    assert_eq!(
        sent(&mut s)[0].payload,
        Payload::Close(CloseReason::ParseError)
    );

    // An Open sent by the "master" is a protocol error.
    let mut s = open(t0, &mib);
    let open = Pdu::new(
        0,
        0,
        5,
        Payload::Open(Open {
            timeout: 0,
            id: Oid::NULL,
            description: vec![],
        }),
    );
    s.handle_bytes(t0, &open.to_bytes().unwrap(), &mib);
    assert_eq!(events(&mut s), [Event::Lost(LossReason::ProtocolError(1))]);
    assert_eq!(
        sent(&mut s)[0].payload,
        Payload::Close(CloseReason::ProtocolError)
    );
}

#[test]
fn close_by_caller_is_final() {
    let t0 = Instant::now();
    let mib = TestMib::new();
    let mut s = open(t0, &mib);
    s.close(CloseReason::Shutdown);
    let out = sent(&mut s);
    assert_eq!(
        (out[0].session_id, &out[0].payload),
        (SID, &Payload::Close(CloseReason::Shutdown))
    );
    assert_eq!(s.poll_timeout(), None);
    let get = Pdu::new(
        SID,
        1,
        1,
        Payload::Get(vec![range(&format!("{T}.2.1"), false, "")]),
    );
    s.handle_bytes(t0, &get.to_bytes().unwrap(), &mib);
    assert_eq!(sent(&mut s), []);
    assert_eq!(events(&mut s), []);
}

#[test]
fn little_endian_master_and_oversized_header() {
    let t0 = Instant::now();
    let mib = TestMib::new();
    let mut s = Session::new(config(), t0);
    let out = sent(&mut s);
    // The Open's Response written by a little-endian master (RFC 2741 §6.1:
    // NETWORK_BYTE_ORDER clear), session id 0x01020304.
    let mut le = vec![1, 18, 0, 0, 4, 3, 2, 1, 0, 0, 0, 0];
    le.extend_from_slice(&out[0].packet_id.to_le_bytes());
    le.extend_from_slice(&8u32.to_le_bytes());
    le.extend_from_slice(&[0; 8]);
    s.handle_bytes(t0, &le, &mib);
    assert_eq!(
        events(&mut s),
        [Event::Opened {
            session_id: 0x0102_0304
        }]
    );
    sent(&mut s);
    // A header announcing more than `max_payload` loses the session at once.
    let mut huge = Pdu::new(0x0102_0304, 0, 9, Payload::Ping)
        .to_bytes()
        .unwrap();
    huge[16..20].copy_from_slice(&(2u32 << 20).to_be_bytes());
    s.handle_bytes(t0, &huge, &mib);
    assert!(matches!(
        &events(&mut s)[..],
        [Event::Lost(LossReason::Malformed(
            agentx_subagent::DecodeError::PayloadTooLarge { .. }
        ))]
    ));
}

#[test]
fn ping_answered_not_open_loses_the_session() {
    let t0 = Instant::now();
    let mib = TestMib::new();
    let mut s = open(t0, &mib);
    let at = t0 + Duration::from_secs(10);
    s.handle_timeout(at);
    let ping = sent(&mut s).remove(0);
    s.handle_bytes(at, &response(SID, &ping, ResError::NOT_OPEN), &mib);
    assert_eq!(
        events(&mut s),
        [Event::Lost(LossReason::MasterClosed(CloseReason::Other))]
    );
}

#[test]
fn byte_at_a_time_and_bulk_cap() {
    let t0 = Instant::now();
    let mib = TestMib::new();
    let mut cfg = config();
    cfg.max_bulk_varbinds = 3;
    let mut s = Session::new(cfg, t0);
    let open_pdu = sent(&mut s).remove(0);
    for b in response(SID, &open_pdu, ResError::NO_ERROR) {
        s.handle_bytes(t0, &[b], &mib);
    }
    assert_eq!(events(&mut s), [Event::Opened { session_id: SID }]);
    sent(&mut s);

    let bulk = Pdu::new(
        SID,
        3,
        300,
        Payload::GetBulk(GetBulk {
            non_repeaters: 0,
            max_repetitions: 100,
            ranges: vec![range(T, false, ""), range(&format!("{T}.3"), false, "")],
        }),
    );
    let get = Pdu::new(
        SID,
        4,
        301,
        Payload::Get(vec![range(&format!("{T}.3.2"), false, "")]),
    );
    let mut stream = bulk.to_bytes().unwrap();
    stream.extend(get.to_bytes().unwrap());
    let mut answers = Vec::new();
    for b in stream {
        s.handle_bytes(t0, &[b], &mib);
        answers.extend(sent(&mut s));
    }
    assert_eq!(answers.len(), 2);
    // The cap of 3 VarBinds leaves room for one row of two repeaters.
    assert_eq!(
        answer(&answers[0]).varbinds,
        [
            VarBind::new(
                oid(&format!("{T}.2.1")),
                Value::OctetString(b"VI_1".to_vec())
            ),
            VarBind::new(oid(&format!("{T}.3.1")), Value::Integer(51)),
        ]
    );
    assert_eq!(answers[1].packet_id, 301);
    assert_eq!(answer(&answers[1]).varbinds[0].value, Value::Integer(52));
}
