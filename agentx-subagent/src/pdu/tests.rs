use super::*;
use proptest::prelude::*;

fn oid(s: &str) -> Oid {
    s.parse().unwrap()
}

/// An Open PDU laid out by hand after RFC 2741 §6.1, §6.2.1, §5.1 and §5.3.
#[test]
fn open_matches_rfc_layout() {
    let pdu = Pdu::new(
        0,
        0,
        7,
        Payload::Open(Open {
            timeout: 5,
            id: oid("1.3.6.1.4.1.9586"),
            description: b"rha".to_vec(),
        }),
    );
    #[rustfmt::skip]
    let expected: &[u8] = &[
        1, 1, 0x10, 0,          // version 1, Open, NETWORK_BYTE_ORDER
        0, 0, 0, 0,             // sessionID
        0, 0, 0, 0,             // transactionID
        0, 0, 0, 7,             // packetID
        0, 0, 0, 24,            // payload_length
        5, 0, 0, 0,             // o.timeout
        2, 4, 0, 0,             // n_subid 2, prefix 4 (1.3.6.1.4), include 0
        0, 0, 0, 1,             // 1
        0, 0, 0x25, 0x72,       // 9586
        0, 0, 0, 3,             // descr length
        b'r', b'h', b'a', 0,    // descr + padding
    ];
    assert_eq!(pdu.to_bytes().unwrap(), expected);
    assert_eq!(Pdu::decode(expected).unwrap(), pdu);
}

/// A Notify as keepalived's VRRP-MIB vrrpTrapNewMaster goes out, laid out by
/// hand after RFC 2741 §6.2.10 (snmpTrapOID.0 first when sysUpTime.0 is left
/// to the master), §5.1 (prefix compression of 1.3.6.1.6 and 1.3.6.1.2) and
/// §5.4 (an IpAddress as a 4-byte octet string).
#[test]
fn notify_matches_rfc_layout() {
    let pdu = Pdu::new(
        3,
        0,
        9,
        Payload::Notify(vec![
            VarBind::new(
                oid("1.3.6.1.6.3.1.1.4.1.0"),
                Value::ObjectIdentifier(oid("1.3.6.1.2.1.68.0.1")),
            ),
            VarBind::new(
                oid("1.3.6.1.2.1.68.1.3.1.7.2.51"),
                Value::IpAddress([10, 9, 0, 1]),
            ),
        ]),
    );
    #[rustfmt::skip]
    let expected: &[u8] = &[
        1, 12, 0x10, 0,         // version 1, Notify, NETWORK_BYTE_ORDER
        0, 0, 0, 3,             // sessionID
        0, 0, 0, 0,             // transactionID
        0, 0, 0, 9,             // packetID
        0, 0, 0, 100,           // payload_length
        0, 6, 0, 0,             // type OBJECT IDENTIFIER
        6, 6, 0, 0,             // name: n_subid 6, prefix 6 (1.3.6.1.6)
        0, 0, 0, 3, 0, 0, 0, 1, 0, 0, 0, 1, 0, 0, 0, 4, 0, 0, 0, 1, 0, 0, 0, 0,
        4, 2, 0, 0,             // value: n_subid 4, prefix 2 (1.3.6.1.2)
        0, 0, 0, 1, 0, 0, 0, 68, 0, 0, 0, 0, 0, 0, 0, 1,
        0, 64, 0, 0,            // type IpAddress
        8, 2, 0, 0,             // name: n_subid 8, prefix 2
        0, 0, 0, 1, 0, 0, 0, 68, 0, 0, 0, 1, 0, 0, 0, 3,
        0, 0, 0, 1, 0, 0, 0, 7, 0, 0, 0, 2, 0, 0, 0, 51,
        0, 0, 0, 4, 10, 9, 0, 1, // the address as an octet string
    ];
    assert_eq!(pdu.to_bytes().unwrap(), expected);
    assert_eq!(Pdu::decode(expected).unwrap(), pdu);
}

/// A GetNext in little-endian order (NETWORK_BYTE_ORDER clear), with a
/// context, as a master may send it (RFC 2741 §6.1, §6.2.6).
#[test]
fn decodes_little_endian_getnext_with_context() {
    #[rustfmt::skip]
    let bytes: &[u8] = &[
        1, 6, 0x08, 0,          // GetNext, NON_DEFAULT_CONTEXT, little endian
        9, 0, 0, 0,             // sessionID 9
        2, 0, 0, 0,             // transactionID 2
        3, 0, 0, 0,             // packetID 3
        40, 0, 0, 0,            // payload_length
        2, 0, 0, 0, b'c', b'x', 0, 0,  // context "cx"
        2, 2, 1, 0, 1, 0, 0, 0, 5, 0, 0, 0, // start 1.3.6.1.2.1.5, include
        0, 0, 0, 0,             // end: null OID
        3, 0, 0, 0, 1, 0, 0, 0, 2, 0, 0, 0, 3, 0, 0, 0, // a start OID 1.2.3 without its end OID
    ];
    // The last range above is incomplete (no end OID): a truncation error.
    assert!(matches!(
        Pdu::decode(bytes),
        Err(DecodeError::Truncated { .. })
    ));
    let mut fixed = bytes[..bytes.len() - 16].to_vec();
    fixed[16] = 24;
    let pdu = Pdu::decode(&fixed).unwrap();
    assert_eq!(pdu.session_id, 9);
    assert_eq!(pdu.transaction_id, 2);
    assert_eq!(pdu.packet_id, 3);
    assert_eq!(pdu.context.as_deref(), Some(&b"cx"[..]));
    assert_eq!(
        pdu.payload,
        Payload::GetNext(vec![SearchRange {
            start: oid("1.3.6.1.2.1.5"),
            include: true,
            end: Oid::NULL
        }])
    );
}

/// A Response with one VarBind of each §5.4 type, checked field by field
/// for the first few and by round trip for all.
#[test]
fn response_varbinds_layout() {
    let pdu = Pdu::new(
        1,
        2,
        3,
        Payload::Response(Response {
            sys_up_time: 0,
            error: ResError::NO_ERROR,
            index: 0,
            varbinds: vec![
                VarBind::new(oid("1.2"), Value::Integer(-2)),
                VarBind::new(oid("1.3.6.1.2.1.1.3.0"), Value::TimeTicks(100)),
                VarBind::new(oid("1.3.6.1.2.1.4.20.1.1"), Value::IpAddress([10, 0, 0, 1])),
            ],
        }),
    );
    let bytes = pdu.to_bytes().unwrap();
    #[rustfmt::skip]
    let expected: &[u8] = &[
        1, 18, 0x10, 0, 0, 0, 0, 1, 0, 0, 0, 2, 0, 0, 0, 3,
        0, 0, 0, 92,
        0, 0, 0, 0, 0, 0, 0, 0, // sysUpTime, error, index
        0, 2, 0, 0, 2, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 2, 0xff, 0xff, 0xff, 0xfe,
        0, 67, 0, 0, 4, 2, 0, 0, 0, 0, 0, 1, 0, 0, 0, 1, 0, 0, 0, 3, 0, 0, 0, 0, 0, 0, 0, 100,
        0, 64, 0, 0, 5, 2, 0, 0, 0, 0, 0, 1, 0, 0, 0, 4, 0, 0, 0, 20, 0, 0, 0, 1, 0, 0, 0, 1,
        0, 0, 0, 4, 10, 0, 0, 1,
    ];
    assert_eq!(bytes, expected);
    assert_eq!(Pdu::decode(&bytes).unwrap(), pdu);
}

#[test]
fn register_with_range_layout() {
    let mut pdu = Pdu::new(
        4,
        0,
        1,
        Payload::Register(Register {
            timeout: 0,
            priority: 127,
            range: Some((6, 22)),
            subtree: oid("1.3.6.1.2.1.2.2.1.1.7"),
        }),
    );
    pdu.instance_registration = true;
    let bytes = pdu.to_bytes().unwrap();
    assert_eq!(&bytes[..4], &[1, 3, 0x11, 0]);
    assert_eq!(&bytes[20..24], &[0, 127, 6, 0]);
    assert_eq!(&bytes[24..28], &[6, 2, 0, 0]);
    assert_eq!(&bytes[bytes.len() - 4..], &22u32.to_be_bytes());
    assert_eq!(Pdu::decode(&bytes).unwrap(), pdu);
}

#[test]
fn oid_prefix_only_for_internet_subtrees() {
    // 1.3.6.1.0.x and 1.3.6.1.256.x cannot use the prefix byte.
    for (s, prefix) in [
        ("1.3.6.1.0.5", 0),
        ("1.3.6.1.256.1", 0),
        ("1.3.6.1.6.3", 6),
        ("2.1", 0),
    ] {
        let mut out = Vec::new();
        put_oid(&mut out, &oid(s), false).unwrap();
        assert_eq!(out[1], prefix, "{s}");
        let mut r = Reader {
            buf: &out,
            pos: 0,
            be: true,
        };
        assert_eq!(r.oid().unwrap().0, oid(s));
    }
}

#[test]
fn malformed_inputs_are_errors() {
    let good = Pdu::new(1, 1, 1, Payload::Ping).to_bytes().unwrap();
    assert_eq!(
        Pdu::decode(&good[..10]),
        Err(DecodeError::Truncated {
            needed: 20,
            got: 10
        })
    );
    let mut b = good.clone();
    b[0] = 2;
    assert_eq!(Pdu::decode(&b), Err(DecodeError::BadVersion(2)));
    let mut b = good.clone();
    b[1] = 99;
    assert_eq!(Pdu::decode(&b), Err(DecodeError::UnknownPduType(99)));
    let mut b = good.clone();
    b[1] = 14;
    assert_eq!(Pdu::decode(&b), Err(DecodeError::UnsupportedPduType(14)));
    let mut b = good.clone();
    b[19] = 3;
    assert_eq!(Pdu::decode(&b), Err(DecodeError::PayloadNotAligned(3)));
    let mut b = good.clone();
    b[19] = 4;
    b.extend_from_slice(&[0; 4]);
    assert_eq!(Pdu::decode(&b), Err(DecodeError::TrailingBytes(4)));
    assert_eq!(
        pdu_len(&b, 0),
        Err(DecodeError::PayloadTooLarge { got: 4, limit: 0 })
    );
    // A context on a Response.
    let mut b = Pdu::new(1, 1, 1, Payload::CommitSet).to_bytes().unwrap();
    b[2] |= flags::NON_DEFAULT_CONTEXT;
    assert_eq!(Pdu::decode(&b), Err(DecodeError::UnexpectedContext(9)));
    // Close with reason 9.
    let mut b = Pdu::new(1, 1, 1, Payload::Close(CloseReason::Shutdown))
        .to_bytes()
        .unwrap();
    b[20] = 9;
    assert_eq!(Pdu::decode(&b), Err(DecodeError::UnknownCloseReason(9)));
    // An OID of 129 sub-identifiers.
    let mut b = Pdu::new(1, 1, 1, Payload::Get(vec![])).to_bytes().unwrap();
    b[19] = 4;
    b.extend_from_slice(&[129, 0, 0, 0]);
    assert_eq!(Pdu::decode(&b), Err(DecodeError::OidTooLong(129)));
    // An octet string whose length runs past the payload.
    let mut b = Pdu::new(1, 1, 1, Payload::Ping).to_bytes().unwrap();
    b[2] |= flags::NON_DEFAULT_CONTEXT;
    b[19] = 4;
    b.extend_from_slice(&[0xff, 0xff, 0xff, 0xff]);
    assert!(matches!(
        Pdu::decode(&b),
        Err(DecodeError::Truncated { .. })
    ));
    // An unknown VarBind type and a 3-byte IpAddress.
    let vb = |ty: u8, data: &[u8]| {
        let mut b = Pdu::new(1, 1, 1, Payload::Notify(vec![]))
            .to_bytes()
            .unwrap();
        b.extend_from_slice(&[0, ty, 0, 0, 0, 0, 0, 0]);
        b.extend_from_slice(data);
        let len = (b.len() - 20) as u32;
        b[16..20].copy_from_slice(&len.to_be_bytes());
        Pdu::decode(&b)
    };
    assert_eq!(vb(3, &[]), Err(DecodeError::UnknownVarBindType(3)));
    assert_eq!(
        vb(64, &[0, 0, 0, 3, 1, 2, 3, 0]),
        Err(DecodeError::BadIpAddressLength(3))
    );
    assert!(vb(64, &[0, 0, 0, 4, 1, 2, 3, 4]).is_ok());
}

#[test]
fn encode_rejects_bad_pdus() {
    let mut pdu = Pdu::new(1, 1, 1, Payload::Close(CloseReason::Shutdown));
    pdu.context = Some(b"x".to_vec());
    assert_eq!(pdu.to_bytes(), Err(EncodeError::UnexpectedContext(2)));
    let long = Oid(vec![7; 129]);
    let pdu = Pdu::new(
        1,
        1,
        1,
        Payload::Notify(vec![VarBind::new(long, Value::Null)]),
    );
    let mut out = vec![9];
    assert_eq!(pdu.encode(&mut out), Err(EncodeError::OidTooLong(129)));
    assert_eq!(out, [9], "a failed encode leaves the buffer as it was");
}

#[test]
fn oid_text_and_order() {
    assert_eq!(oid(".1.3.6").to_string(), "1.3.6");
    assert!("1..3".parse::<Oid>().is_err());
    assert!(oid("1.3.6.1") < oid("1.3.6.1.0"));
    assert!(oid("1.3.6.1.2") < oid("1.3.6.1.10"));
    assert!(oid("1.3.6.1.2.1").starts_with(&oid("1.3.6")));
}

fn arb_oid() -> impl Strategy<Value = Oid> {
    prop_oneof![
        prop::collection::vec(any::<u32>(), 0..20).prop_map(Oid),
        (1u32..=255, prop::collection::vec(any::<u32>(), 0..20)).prop_map(|(p, rest)| {
            let mut v = vec![1, 3, 6, 1, p];
            v.extend(rest);
            Oid(v)
        }),
    ]
}

fn arb_value() -> impl Strategy<Value = Value> {
    prop_oneof![
        any::<i32>().prop_map(Value::Integer),
        prop::collection::vec(any::<u8>(), 0..20).prop_map(Value::OctetString),
        Just(Value::Null),
        arb_oid().prop_map(Value::ObjectIdentifier),
        any::<[u8; 4]>().prop_map(Value::IpAddress),
        any::<u32>().prop_map(Value::Counter32),
        any::<u32>().prop_map(Value::Gauge32),
        any::<u32>().prop_map(Value::TimeTicks),
        prop::collection::vec(any::<u8>(), 0..20).prop_map(Value::Opaque),
        any::<u64>().prop_map(Value::Counter64),
        Just(Value::NoSuchObject),
        Just(Value::NoSuchInstance),
        Just(Value::EndOfMibView),
    ]
}

fn arb_varbinds() -> impl Strategy<Value = Vec<VarBind>> {
    prop::collection::vec(
        (arb_oid(), arb_value()).prop_map(|(n, v)| VarBind::new(n, v)),
        0..6,
    )
}

fn arb_ranges() -> impl Strategy<Value = Vec<SearchRange>> {
    prop::collection::vec(
        (arb_oid(), any::<bool>(), arb_oid()).prop_map(|(start, include, end)| SearchRange {
            start,
            include,
            end,
        }),
        0..5,
    )
}

fn arb_register() -> impl Strategy<Value = Register> {
    (
        any::<u8>(),
        any::<u8>(),
        prop::option::of((1u8..=255, any::<u32>())),
        arb_oid(),
    )
        .prop_map(|(timeout, priority, range, subtree)| Register {
            timeout,
            priority,
            range,
            subtree,
        })
}

fn arb_payload() -> impl Strategy<Value = Payload> {
    prop_oneof![
        (
            any::<u8>(),
            arb_oid(),
            prop::collection::vec(any::<u8>(), 0..30)
        )
            .prop_map(|(timeout, id, description)| Payload::Open(Open {
                timeout,
                id,
                description
            })),
        prop_oneof![
            Just(CloseReason::Other),
            Just(CloseReason::ParseError),
            Just(CloseReason::ProtocolError),
            Just(CloseReason::Timeouts),
            Just(CloseReason::Shutdown),
            Just(CloseReason::ByManager),
        ]
        .prop_map(Payload::Close),
        arb_register().prop_map(Payload::Register),
        arb_register().prop_map(|r| Payload::Unregister(Register { timeout: 0, ..r })),
        arb_ranges().prop_map(Payload::Get),
        arb_ranges().prop_map(Payload::GetNext),
        (any::<u16>(), any::<u16>(), arb_ranges()).prop_map(|(n, m, ranges)| Payload::GetBulk(
            GetBulk {
                non_repeaters: n,
                max_repetitions: m,
                ranges
            }
        )),
        arb_varbinds().prop_map(Payload::TestSet),
        Just(Payload::CommitSet),
        Just(Payload::UndoSet),
        Just(Payload::CleanupSet),
        arb_varbinds().prop_map(Payload::Notify),
        Just(Payload::Ping),
        (any::<u32>(), any::<u16>(), any::<u16>(), arb_varbinds()).prop_map(|(t, e, i, v)| {
            Payload::Response(Response {
                sys_up_time: t,
                error: ResError(e),
                index: i,
                varbinds: v,
            })
        }),
    ]
}

fn arb_pdu() -> impl Strategy<Value = Pdu> {
    (
        any::<u32>(),
        any::<u32>(),
        any::<u32>(),
        any::<bool>(),
        prop::option::of(prop::collection::vec(any::<u8>(), 0..10)),
        arb_payload(),
    )
        .prop_map(|(s, t, p, inst, context, payload)| {
            let context = context.filter(|_| may_have_context(payload.type_code()));
            let instance_registration = inst && matches!(payload, Payload::Register(_));
            Pdu {
                session_id: s,
                transaction_id: t,
                packet_id: p,
                instance_registration,
                context,
                payload,
            }
        })
}

/// The PDU as a little-endian sender writes it: the network-order encoding
/// with NETWORK_BYTE_ORDER cleared and every 16/32/64-bit field reversed in
/// place (walked by this test from the known structure of `pdu`).
fn to_little_endian(pdu: &Pdu) -> Vec<u8> {
    let be = pdu.to_bytes().unwrap();
    let mut le = be.clone();
    le[2] &= !flags::NETWORK_BYTE_ORDER;
    // Header integers.
    for off in [4, 8, 12, 16] {
        le[off..off + 4].reverse();
    }
    let mut pos = 20;
    let swap4 = |le: &mut Vec<u8>, pos: &mut usize| {
        le[*pos..*pos + 4].reverse();
        *pos += 4;
    };
    let oid = |le: &mut Vec<u8>, pos: &mut usize| {
        let n = le[*pos] as usize;
        *pos += 4;
        for _ in 0..n {
            le[*pos..*pos + 4].reverse();
            *pos += 4;
        }
    };
    let octets = |le: &mut Vec<u8>, pos: &mut usize| {
        let n = u32::from_be_bytes(le[*pos..*pos + 4].try_into().unwrap()) as usize;
        le[*pos..*pos + 4].reverse();
        *pos += 4 + n.div_ceil(4) * 4;
    };
    let varbinds = |le: &mut Vec<u8>, pos: &mut usize| {
        while *pos < le.len() {
            let ty = u16::from_be_bytes([le[*pos], le[*pos + 1]]);
            le[*pos..*pos + 2].reverse();
            *pos += 4;
            oid(le, pos);
            match ty {
                2 | 65 | 66 | 67 => swap4(le, pos),
                70 => {
                    le[*pos..*pos + 8].reverse();
                    *pos += 8;
                }
                4 | 64 | 68 => octets(le, pos),
                6 => oid(le, pos),
                _ => {}
            }
        }
    };
    if pdu.context.is_some() {
        octets(&mut le, &mut pos);
    }
    match &pdu.payload {
        Payload::Open(_) => {
            pos += 4;
            oid(&mut le, &mut pos);
            octets(&mut le, &mut pos);
        }
        Payload::Register(r) | Payload::Unregister(r) => {
            pos += 4;
            oid(&mut le, &mut pos);
            if r.range.is_some() {
                swap4(&mut le, &mut pos);
            }
        }
        Payload::Get(_) | Payload::GetNext(_) | Payload::GetBulk(_) => {
            if matches!(pdu.payload, Payload::GetBulk(_)) {
                le[pos..pos + 2].reverse();
                le[pos + 2..pos + 4].reverse();
                pos += 4;
            }
            while pos < le.len() {
                oid(&mut le, &mut pos);
            }
        }
        Payload::TestSet(_) | Payload::Notify(_) => varbinds(&mut le, &mut pos),
        Payload::Response(_) => {
            swap4(&mut le, &mut pos);
            le[pos..pos + 2].reverse();
            le[pos + 2..pos + 4].reverse();
            pos += 4;
            varbinds(&mut le, &mut pos);
        }
        _ => {}
    }
    le
}

proptest! {
    #[test]
    fn round_trip(pdu in arb_pdu()) {
        let bytes = pdu.to_bytes().unwrap();
        prop_assert_eq!(bytes.len() % 4, 0);
        prop_assert_eq!(pdu_len(&bytes, u32::MAX).unwrap(), Some(bytes.len()));
        prop_assert_eq!(Pdu::decode(&bytes).unwrap(), pdu);
    }

    #[test]
    fn little_endian_round_trip(pdu in arb_pdu()) {
        let le = to_little_endian(&pdu);
        prop_assert_eq!(Pdu::decode(&le).unwrap(), pdu);
    }

    #[test]
    fn decode_never_panics(bytes in prop::collection::vec(any::<u8>(), 0..200)) {
        let _ = Pdu::decode(&bytes);
        let _ = pdu_len(&bytes, 1 << 16);
    }

    #[test]
    fn truncation_is_an_error(pdu in arb_pdu(), cut in any::<prop::sample::Index>()) {
        let bytes = pdu.to_bytes().unwrap();
        let cut = cut.index(bytes.len());
        prop_assert!(Pdu::decode(&bytes[..cut]).is_err());
    }
}

proptest! {
    /// A notification's VarBindList: snmpTrapOID.0 right after the optional
    /// sysUpTime.0, the caller's VarBinds after it in order, and the whole
    /// Notify PDU decodes to what was encoded (RFC 2741 §6.2.10).
    #[test]
    fn notification_order_and_round_trip(
        up in proptest::option::of(any::<u32>()),
        trap in arb_oid(),
        vbs in arb_varbinds(),
    ) {
        let list = crate::session::notification(up, trap.clone(), vbs.clone());
        let skip = usize::from(up.is_some());
        if let Some(t) = up {
            prop_assert_eq!(&list[0].name, &Oid::from(crate::session::SYS_UP_TIME_0));
            prop_assert_eq!(&list[0].value, &Value::TimeTicks(t));
        }
        prop_assert_eq!(&list[skip].name, &Oid::from(crate::session::SNMP_TRAP_OID_0));
        prop_assert_eq!(&list[skip].value, &Value::ObjectIdentifier(trap));
        prop_assert_eq!(&list[skip + 1..], &vbs[..]);
        let pdu = Pdu::new(1, 0, 2, Payload::Notify(list));
        if let Ok(bytes) = pdu.to_bytes() {
            prop_assert_eq!(Pdu::decode(&bytes).unwrap(), pdu);
        }
    }
}
