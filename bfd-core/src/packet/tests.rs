// Binary literals are grouped by RFC 5880 §4.1 field, not by nibble.
#![allow(clippy::unusual_byte_groupings)]

use super::*;
use proptest::prelude::*;

/// An Up packet written out by hand from the RFC 5880 §4.1 layout:
/// version 1, diag 0, state Up (3), P set, Detect Mult 3, Length 24,
/// My Discr 0x01020304, Your Discr 0x0a0b0c0d, Desired Min TX 300 000 µs,
/// Required Min RX 250 000 µs, Echo 0.
const UP_POLL: [u8; 24] = [
    0b001_00000,      // Vers 1, Diag 0
    0b11_1_0_0_0_0_0, // Sta 3 (Up), P
    3,
    24,
    0x01,
    0x02,
    0x03,
    0x04,
    0x0a,
    0x0b,
    0x0c,
    0x0d,
    0x00,
    0x04,
    0x93,
    0xe0, // 300 000
    0x00,
    0x03,
    0xd0,
    0x90, // 250 000
    0x00,
    0x00,
    0x00,
    0x00,
];

fn up_poll() -> ControlPacket {
    ControlPacket {
        diagnostic: Diagnostic::None,
        state: State::Up,
        poll: true,
        final_: false,
        control_plane_independent: false,
        demand: false,
        detect_mult: 3,
        my_discriminator: 0x0102_0304,
        your_discriminator: 0x0a0b_0c0d,
        desired_min_tx: 300_000,
        required_min_rx: 250_000,
        required_min_echo_rx: 0,
    }
}

#[test]
fn decodes_hand_written_bytes() {
    assert_eq!(ControlPacket::decode(&UP_POLL), Ok(up_poll()));
    let v = ControlPacketView::new_checked(&UP_POLL[..]).unwrap();
    assert_eq!(v.version(), 1);
    assert!(v.poll() && !v.final_() && !v.demand() && !v.multipoint());
    assert_eq!(v.length(), 24);
}

#[test]
fn emits_hand_written_bytes() {
    let mut buf = [0xffu8; 30];
    assert_eq!(up_poll().emit(&mut buf), Ok(24));
    assert_eq!(buf[..24], UP_POLL);
    assert_eq!(buf[24..], [0xff; 6], "emit writes only the packet");
}

#[test]
fn down_with_diag_and_final_bits() {
    // Vers 1, Diag 3 (Neighbor Signaled Session Down); Sta 1 (Down), F, C, D.
    let mut b = UP_POLL;
    b[0] = 0b001_00011;
    b[1] = 0b01_0_1_1_0_1_0;
    b[8..12].copy_from_slice(&[0; 4]);
    let p = ControlPacket::decode(&b).unwrap();
    assert_eq!(p.diagnostic, Diagnostic::NeighborSignaledSessionDown);
    assert_eq!(p.state, State::Down);
    assert!(!p.poll && p.final_ && p.control_plane_independent && p.demand);
    assert_eq!(p.your_discriminator, 0);
    let mut out = [0u8; 24];
    p.emit(&mut out).unwrap();
    assert_eq!(out, b);
}

#[test]
fn trailing_bytes_after_length_are_ignored() {
    let mut b = [0u8; 40];
    b[..24].copy_from_slice(&UP_POLL);
    assert_eq!(ControlPacket::decode(&b), Ok(up_poll()));
}

#[test]
fn every_packet_check_of_6_8_6() {
    let with = |f: &dyn Fn(&mut [u8; 24])| {
        let mut b = UP_POLL;
        f(&mut b);
        ControlPacket::decode(&b)
    };
    assert_eq!(
        ControlPacket::decode(&UP_POLL[..23]),
        Err(ParseError::Truncated {
            needed: 24,
            got: 23
        })
    );
    assert_eq!(
        with(&|b| b[0] = 0b010_00000),
        Err(ParseError::UnknownVersion(2))
    );
    assert_eq!(with(&|b| b[0] = 0), Err(ParseError::UnknownVersion(0)));
    assert_eq!(with(&|b| b[3] = 23), Err(ParseError::LengthTooShort(23)));
    // With the A bit the minimum is 26.
    assert_eq!(
        with(&|b| {
            b[1] |= 0x04;
            b[3] = 25;
        }),
        Err(ParseError::LengthTooShort(25))
    );
    assert_eq!(
        with(&|b| b[3] = 25),
        Err(ParseError::LengthExceedsPayload {
            length: 25,
            payload: 24
        })
    );
    assert_eq!(with(&|b| b[2] = 0), Err(ParseError::ZeroDetectMult));
    assert_eq!(with(&|b| b[1] |= 0x01), Err(ParseError::Multipoint));
    assert_eq!(
        with(&|b| b[4..8].copy_from_slice(&[0; 4])),
        Err(ParseError::ZeroMyDiscriminator)
    );
    assert_eq!(
        with(&|b| b[8..12].copy_from_slice(&[0; 4])),
        Err(ParseError::ZeroYourDiscriminator(State::Up))
    );
    assert_eq!(
        with(&|b| {
            b[1] = (2 << 6) | (b[1] & 0x3f);
            b[8..12].copy_from_slice(&[0; 4]);
        }),
        Err(ParseError::ZeroYourDiscriminator(State::Init))
    );
    // Your Discriminator 0 is fine in Down and AdminDown.
    for sta in [0u8, 1] {
        let p = with(&|b| {
            b[1] = sta << 6;
            b[8..12].copy_from_slice(&[0; 4]);
        })
        .unwrap();
        assert_eq!(p.state.bits(), sta);
    }
    // A bit: discarded even with a well-formed authentication section.
    let mut auth = [0u8; 33];
    auth[..24].copy_from_slice(&UP_POLL);
    auth[1] |= 0x04;
    auth[3] = 33;
    assert_eq!(ControlPacket::decode(&auth), Err(ParseError::Authenticated));
    assert_eq!(with(&|b| b[1] |= 0x10), Err(ParseError::PollAndFinal));
}

#[test]
fn emit_rejects_short_buffer() {
    assert_eq!(
        up_poll().emit(&mut [0u8; 23]),
        Err(EmitError::BufferTooShort {
            needed: 24,
            got: 23
        })
    );
}

#[test]
fn diagnostic_and_state_codes_follow_the_rfc() {
    for b in 0..32u8 {
        assert_eq!(Diagnostic::from_bits(b).bits(), b);
    }
    assert_eq!(Diagnostic::from_bits(7), Diagnostic::AdministrativelyDown);
    assert_eq!(Diagnostic::from_bits(9), Diagnostic::Reserved(9));
    for b in 0..4u8 {
        assert_eq!(State::from_bits(b).bits(), b);
    }
    assert_eq!(State::from_bits(0), State::AdminDown);
}

fn arb_packet() -> impl Strategy<Value = ControlPacket> {
    (
        (0u8..32, 0u8..4, any::<(bool, bool, bool)>(), 1u8..=255),
        (1u32.., any::<u32>(), any::<(u32, u32, u32)>()),
    )
        .prop_map(
            |((diag, sta, (p, c, d), mult), (my, your, (tx, rx, echo)))| {
                let state = State::from_bits(sta);
                ControlPacket {
                    diagnostic: Diagnostic::from_bits(diag),
                    state,
                    poll: p,
                    final_: !p && c,
                    control_plane_independent: c,
                    demand: d,
                    detect_mult: mult,
                    my_discriminator: my,
                    your_discriminator: if your == 0 && state > State::Down {
                        1
                    } else {
                        your
                    },
                    desired_min_tx: tx,
                    required_min_rx: rx,
                    required_min_echo_rx: echo,
                }
            },
        )
}

proptest! {
    #[test]
    fn round_trip(p in arb_packet()) {
        let mut buf = [0u8; HEADER_LEN];
        prop_assert_eq!(p.emit(&mut buf), Ok(HEADER_LEN));
        prop_assert_eq!(ControlPacket::decode(&buf), Ok(p));
    }

    #[test]
    fn arbitrary_bytes_never_panic_and_reencode(bytes in proptest::collection::vec(any::<u8>(), 0..64)) {
        if let Ok(p) = ControlPacket::decode(&bytes) {
            let mut buf = [0u8; HEADER_LEN];
            p.emit(&mut buf).unwrap();
            // Everything but the Length byte and the A/M bits (zero on an
            // accepted packet) is reproduced.
            prop_assert_eq!(&buf[..3], &bytes[..3]);
            prop_assert_eq!(&buf[4..], &bytes[4..24]);
        }
    }
}
