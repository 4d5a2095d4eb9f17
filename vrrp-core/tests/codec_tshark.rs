//! tshark as an oracle: pcap files of packets we emit (VRRPv2, VRRPv3/IPv4,
//! VRRPv3/IPv6) are decoded by Wireshark's VRRP dissector, which must report
//! a good checksum and the fields we put in. Skips loudly without tshark.

#![allow(clippy::unwrap_used)] // tests may unwrap

mod codec_support;

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};
use std::path::PathBuf;
use std::process::Command;

use vrrp_core::packet::{AddressList, Advertisement, Auth, ChecksumMode, Version};

struct Case {
    name: &'static str,
    advert: Advertisement,
    src: IpAddr,
    dst: IpAddr,
    mode: ChecksumMode,
}

fn ip(s: &str) -> IpAddr {
    s.parse().unwrap()
}

fn advert(
    version: Version,
    vrid: u8,
    prio: u8,
    cs: u16,
    auth: Auth,
    a: &[IpAddr],
) -> Advertisement {
    Advertisement {
        version,
        vrid,
        priority: prio,
        max_advert_int_cs: cs,
        auth,
        addresses: a.iter().collect::<AddressList>(),
    }
}

fn cases() -> Vec<Case> {
    let v6: Vec<IpAddr> = (1..=3u16)
        .map(|i| IpAddr::V6(Ipv6Addr::new(0xfd00, 0x99, 0, 0, 0, 0, 0, i)))
        .collect();
    let many: Vec<IpAddr> = (1..=16u8)
        .map(|i| IpAddr::V4(Ipv4Addr::new(10, 1, 2, i)))
        .collect();
    vec![
        Case {
            name: "v2_pass",
            advert: advert(
                Version::V2,
                51,
                150,
                300,
                Auth::pass(b"tshark"),
                &[ip("10.99.0.51")],
            ),
            src: ip("10.99.0.1"),
            dst: ip("224.0.0.18"),
            mode: ChecksumMode::Rfc,
        },
        Case {
            name: "v3_ipv4_16",
            advert: advert(Version::V3, 200, 254, 4095, Auth::None, &many),
            src: ip("10.99.0.1"),
            dst: ip("224.0.0.18"),
            mode: ChecksumMode::Rfc,
        },
        Case {
            name: "v3_ipv4_unicast",
            advert: advert(Version::V3, 9, 1, 25, Auth::None, &[ip("10.99.0.9")]),
            src: ip("10.99.0.1"),
            dst: ip("10.99.0.2"),
            mode: ChecksumMode::Rfc,
        },
        Case {
            name: "v3_ipv6",
            advert: advert(Version::V3, 77, 100, 100, Auth::None, &v6),
            src: ip("fe80::a"),
            dst: ip("ff02::12"),
            mode: ChecksumMode::Rfc,
        },
    ]
}

fn emit_ip(c: &Case) -> Vec<u8> {
    let mut buf = vec![0u8; c.advert.buffer_len()];
    c.advert.emit(&mut buf, c.src, c.dst, c.mode).unwrap();
    codec_support::ip_packet(c.src, c.dst, 255, &buf)
}

const FIELDS: [&str; 13] = [
    "vrrp.version",
    "vrrp.type",
    "vrrp.virt_rtr_id",
    "vrrp.prio",
    "vrrp.addr_count",
    "vrrp.checksum",
    "vrrp.checksum.status",
    "vrrp.auth_type",
    "vrrp.adver_int",
    "vrrp.short_adver_int",
    "vrrp.ip_addr",
    "vrrp.ipv6_addr",
    "vrrp.auth_string",
];

fn tshark_present() -> bool {
    Command::new("tshark")
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success())
}

/// Writes `packets` to a pcap and returns tshark's field lines, one per packet.
fn tshark(tag: &str, packets: &[Vec<u8>], prefs: &[&str]) -> Vec<Vec<String>> {
    let dir = std::env::temp_dir().join(format!("vrrp-core-tshark-{}-{tag}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let file: PathBuf = dir.join("emitted.pcap");
    std::fs::write(&file, codec_support::write_pcap(packets)).unwrap();
    let mut cmd = Command::new("tshark");
    cmd.arg("-n").arg("-r").arg(&file).args([
        "-T",
        "fields",
        "-E",
        "separator=|",
        "-E",
        "occurrence=a",
        "-E",
        "aggregator=,",
    ]);
    for p in prefs {
        cmd.args(["-o", p]);
    }
    for f in FIELDS {
        cmd.args(["-e", f]);
    }
    let out = cmd.output().unwrap();
    let _ = std::fs::remove_dir_all(&dir);
    assert!(
        out.status.success(),
        "tshark failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .map(|l| l.split('|').map(str::to_owned).collect())
        .collect()
}

/// What tshark must print for `c` (checksum status 1 = good in
/// Wireshark's `proto_checksum_enum_e`).
fn expected_fields(c: &Case, checksum: u16, status: &str) -> Vec<String> {
    let a = &c.advert;
    let (v, auth, int8, int16) = match a.version {
        Version::V2 => {
            let t = match a.auth {
                Auth::None => 0,
                Auth::Pass(_) => 1,
                Auth::Ah => 2,
                Auth::Other(t, _) => t,
            };
            (
                "2",
                t.to_string(),
                (a.max_advert_int_cs / 100).to_string(),
                String::new(),
            )
        }
        Version::V3 => (
            "3",
            String::new(),
            String::new(),
            a.max_advert_int_cs.to_string(),
        ),
    };
    let list = |want_v4: bool| {
        a.addresses
            .iter()
            .filter(|x| x.is_ipv4() == want_v4)
            .map(|x| x.to_string())
            .collect::<Vec<_>>()
            .join(",")
    };
    vec![
        v.to_owned(),
        "1".to_owned(),
        a.vrid.to_string(),
        a.priority.to_string(),
        a.addresses.len().to_string(),
        format!("0x{checksum:04x}"),
        status.to_owned(),
        auth,
        int8,
        int16,
        list(true),
        list(false),
        match a.auth {
            Auth::Pass(p) => String::from_utf8_lossy(&p)
                .trim_end_matches('\0')
                .to_owned(),
            _ => String::new(),
        },
    ]
}

fn checksum_of(packet: &[u8]) -> u16 {
    let ip = codec_support::parse_ip(packet).unwrap();
    u16::from_be_bytes([ip.payload[6], ip.payload[7]])
}

#[test]
fn tshark_decodes_our_packets_with_good_checksums() {
    if !tshark_present() {
        eprintln!(
            "SKIPPED: tshark not found; install it (apt-get install tshark) to run the VRRP dissector oracle"
        );
        return;
    }
    let cases = cases();
    let packets: Vec<Vec<u8>> = cases.iter().map(emit_ip).collect();
    let lines = tshark("rfc", &packets, &[]);
    assert_eq!(lines.len(), cases.len(), "{lines:?}");
    for ((c, p), got) in cases.iter().zip(&packets).zip(&lines) {
        assert_eq!(got, &expected_fields(c, checksum_of(p), "1"), "{}", c.name);
    }
}

#[test]
fn tshark_agrees_on_the_v3_ipv4_checksum_without_pseudo_header() {
    if !tshark_present() {
        eprintln!(
            "SKIPPED: tshark not found; install it (apt-get install tshark) to run the VRRP dissector oracle"
        );
        return;
    }
    let c = Case {
        name: "v3_ipv4_no_pseudo",
        advert: advert(Version::V3, 60, 100, 100, Auth::None, &[ip("10.99.0.60")]),
        src: ip("10.99.0.1"),
        dst: ip("224.0.0.18"),
        mode: ChecksumMode::V3WithoutPseudoHeader,
    };
    let p = emit_ip(&c);
    let ck = checksum_of(&p);
    // Wireshark's own switch for this variant judges it good ...
    let good = tshark(
        "v2style",
        std::slice::from_ref(&p),
        &["vrrp.v3_checksum_as_in_v2:TRUE"],
    );
    assert_eq!(good, vec![expected_fields(&c, ck, "1")]);
    // ... and its default (RFC) rule judges it bad (status 0).
    let bad = tshark("v2style-rfc", std::slice::from_ref(&p), &[]);
    assert_eq!(bad, vec![expected_fields(&c, ck, "0")]);
}
