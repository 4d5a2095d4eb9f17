//! Golden tests against netlink messages of ipvsadm 1.31 and kernel 6.1,
//! captured with nlmon in the test VM (see tests/data/README.md). No kernel
//! needed. Both directions: captured bytes -> typed values -> bytes again
//! (identical), and hand-built typed requests -> bytes identical to ipvsadm's.

#![allow(clippy::unwrap_used)] // test helpers may unwrap

use std::net::IpAddr;
use std::path::PathBuf;

use ipvs_sys::capture::{CapturedMessage, read_nlmon_pcap};
use ipvs_sys::nla::IpvsNla;
use ipvs_sys::{
    AddressFamily, DaemonState, Destination, ForwardMethod, IpvsCmd, IpvsMessage, Protocol, Reply,
    Request, Service, ServiceFlags, ServiceKey, SyncDaemon, Timeouts, TunnelFlags, TunnelType,
    parse_replies,
};

const NLCTRL: u16 = 0x10;

fn data_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/data/ipvsadm")
}

fn steps() -> Vec<String> {
    let text = std::fs::read_to_string(data_dir().join("../steps.txt")).unwrap();
    text.lines()
        .filter(|l| !l.starts_with('#') && !l.is_empty())
        .map(|l| l.split('|').next().unwrap().to_string())
        .collect()
}

fn capture(name: &str) -> Vec<CapturedMessage> {
    let bytes = std::fs::read(data_dir().join(format!("{name}.pcap"))).unwrap();
    read_nlmon_pcap(&bytes).unwrap()
}

/// IPVS requests sent by ipvsadm in one capture (GET_INFO excluded).
fn ipvs_requests(name: &str) -> Vec<CapturedMessage> {
    capture(name)
        .into_iter()
        .filter(|m| m.protocol == 16 && m.message_type() > NLCTRL && m.flags() & 1 != 0)
        .filter(|m| m.bytes[16] != 15)
        .collect()
}

/// Every IPVS-family message of a capture, both directions, as parsed replies.
fn ipvs_replies(name: &str) -> Vec<Reply> {
    capture(name)
        .into_iter()
        .filter(|m| m.protocol == 16 && m.message_type() != NLCTRL && m.flags() & 1 == 0)
        .flat_map(|m| parse_replies(&m.bytes).unwrap())
        .collect()
}

fn decode(bytes: &[u8]) -> IpvsMessage {
    match parse_replies(bytes).unwrap().remove(0) {
        Reply::Message { message, .. } => message,
        other => panic!("not an IPVS message: {other:?}"),
    }
}

fn service_of(m: &IpvsMessage) -> Option<Service> {
    m.nlas.iter().find_map(|n| match n {
        IpvsNla::Service(s) => Some(Service::from_nlas(s).unwrap()),
        _ => None,
    })
}

/// Rebuilds the typed request that a captured request message carries.
fn typed_request(m: &IpvsMessage, dump: bool) -> Request {
    let svc = service_of(m);
    let af = svc
        .as_ref()
        .map(|s| s.key.af())
        .unwrap_or(AddressFamily::Inet);
    let dest = m
        .nlas
        .iter()
        .any(|n| matches!(n, IpvsNla::Dest(_)))
        .then(|| m.destination(af).unwrap());
    match m.cmd {
        IpvsCmd::NewService => Request::NewService(svc.unwrap()),
        IpvsCmd::SetService => Request::SetService(svc.unwrap()),
        IpvsCmd::DelService => Request::DelService(svc.unwrap()),
        IpvsCmd::GetService if dump => Request::DumpServices,
        IpvsCmd::GetService => Request::GetService(svc.unwrap()),
        IpvsCmd::NewDest => Request::NewDest(svc.unwrap(), dest.unwrap()),
        IpvsCmd::SetDest => Request::SetDest(svc.unwrap(), dest.unwrap()),
        IpvsCmd::DelDest => Request::DelDest(svc.unwrap(), dest.unwrap()),
        IpvsCmd::GetDest => Request::DumpDests(svc.unwrap()),
        IpvsCmd::NewDaemon => Request::NewDaemon(m.daemon().unwrap()),
        IpvsCmd::DelDaemon => Request::DelDaemon(m.daemon().unwrap()),
        IpvsCmd::GetDaemon => Request::DumpDaemons,
        IpvsCmd::SetConfig => Request::SetTimeouts(m.timeouts()),
        IpvsCmd::GetConfig => Request::GetTimeouts,
        IpvsCmd::GetInfo => Request::GetInfo,
        IpvsCmd::Zero => Request::Zero(svc),
        IpvsCmd::Flush => Request::Flush,
        other => panic!("unexpected command {other:?}"),
    }
}

/// Our encoding with ipvsadm's sequence number and port id.
fn encode_like(req: &Request, captured: &[u8], family: u16) -> Vec<u8> {
    let seq = u32::from_ne_bytes(captured[8..12].try_into().unwrap());
    let mut out = Vec::new();
    req.emit(family, seq, &mut out);
    out[12..16].copy_from_slice(&captured[12..16]);
    out
}

#[test]
fn every_ipvsadm_request_round_trips_byte_for_byte() {
    let mut checked = 0;
    for name in steps() {
        for m in ipvs_requests(&name) {
            let msg = decode(&m.bytes);
            let dump = m.flags() & 0x300 != 0;
            let req = typed_request(&msg, dump);
            assert_eq!(
                req.message(),
                msg,
                "{name}: typed form differs from the message"
            );
            let ours = encode_like(&req, &m.bytes, m.message_type());
            assert_eq!(
                ours, m.bytes,
                "{name}: {req:?} encodes differently from ipvsadm"
            );
            checked += 1;
        }
    }
    assert!(checked >= 45, "only {checked} requests checked");
}

fn v4(s: &str) -> IpAddr {
    s.parse().unwrap()
}

fn request_of(name: &str) -> Request {
    let reqs = ipvs_requests(name);
    assert_eq!(reqs.len(), 1, "{name}");
    typed_request(&decode(&reqs[0].bytes), reqs[0].flags() & 0x300 != 0)
}

fn tcp(addr: &str, port: u16) -> ServiceKey {
    ServiceKey::Inet {
        protocol: Protocol::Tcp,
        addr: v4(addr),
        port,
    }
}

/// Hand-built requests (as lvsd or ipvsctl would build them) give exactly
/// ipvsadm's bytes.
#[test]
fn hand_built_requests_match_ipvsadm() {
    let check = |name: &str, req: Request| {
        let m = &ipvs_requests(name)[0];
        assert_eq!(
            encode_like(&req, &m.bytes, m.message_type()),
            m.bytes,
            "{name}"
        );
        assert_eq!(request_of(name), req, "{name}");
    };
    check(
        "add_tcp",
        Request::NewService(Service::new(tcp("10.1.1.1", 80), "rr")),
    );
    let mut udp6 = Service::new(
        ServiceKey::Inet {
            protocol: Protocol::Udp,
            addr: v4("2001:db8::1"),
            port: 53,
        },
        "wlc",
    );
    udp6.flags = ServiceFlags::PERSISTENT;
    udp6.timeout = 300;
    check("add_udp6", Request::NewService(udp6.clone()));
    let mut sctp = Service::new(
        ServiceKey::Inet {
            protocol: Protocol::Sctp,
            addr: v4("10.1.1.2"),
            port: 3868,
        },
        "sh",
    );
    sctp.flags = ServiceFlags::SCHED1 | ServiceFlags::SCHED2;
    check("add_sctp", Request::NewService(sctp));
    let mut fwm = Service::new(
        ServiceKey::Fwmark {
            af: AddressFamily::Inet,
            mark: 1,
        },
        "mh",
    );
    fwm.flags = ServiceFlags::PERSISTENT | ServiceFlags::SCHED2;
    fwm.timeout = 60;
    fwm.netmask = 0xffff_ff00;
    check("add_fwmark", Request::NewService(fwm));
    let mut fwm6 = Service::new(
        ServiceKey::Fwmark {
            af: AddressFamily::Inet6,
            mark: 2,
        },
        "sed",
    );
    fwm6.flags = ServiceFlags::PERSISTENT;
    fwm6.timeout = 360;
    fwm6.netmask = 64;
    check("add_fwmark6", Request::NewService(fwm6));
    let mut ops = Service::new(
        ServiceKey::Inet {
            protocol: Protocol::Udp,
            addr: v4("10.1.1.3"),
            port: 53,
        },
        "lc",
    );
    ops.flags = ServiceFlags::ONEPACKET;
    check("add_ops", Request::NewService(ops));
    let mut pe = Service::new(
        ServiceKey::Inet {
            protocol: Protocol::Udp,
            addr: v4("10.1.1.4"),
            port: 5060,
        },
        "rr",
    );
    pe.flags = ServiceFlags::PERSISTENT;
    pe.timeout = 60;
    pe.pe_name = Some("sip".into());
    check("add_pe", Request::NewService(pe));
    check(
        "edit_tcp",
        Request::SetService(Service::new(tcp("10.1.1.1", 80), "wrr")),
    );

    // Destination commands name the service by key only (empty scheduler).
    let key = Service::new(tcp("10.1.1.1", 80), "");
    let mut masq = Destination::new(v4("10.2.0.1"), 8080, ForwardMethod::Masq);
    masq.weight = 5;
    masq.upper_threshold = 100;
    masq.lower_threshold = 10;
    check("dest_masq", Request::NewDest(key.clone(), masq.clone()));
    check(
        "dest_route",
        Request::NewDest(
            key.clone(),
            Destination::new(v4("10.2.0.2"), 80, ForwardMethod::Route),
        ),
    );
    check(
        "dest_tun",
        Request::NewDest(
            key.clone(),
            Destination::new(v4("10.2.0.3"), 80, ForwardMethod::Tunnel),
        ),
    );
    let mut gue = Destination::new(v4("10.2.0.4"), 80, ForwardMethod::Tunnel);
    gue.tun_type = TunnelType::Gue;
    gue.tun_port = 6080;
    gue.tun_flags = TunnelFlags::REMCSUM;
    check("dest_gue", Request::NewDest(key.clone(), gue));
    let mut gre = Destination::new(v4("10.2.0.5"), 80, ForwardMethod::Tunnel);
    gre.tun_type = TunnelType::Gre;
    gre.tun_flags = TunnelFlags::CSUM;
    check("dest_gre", Request::NewDest(key.clone(), gre));
    let mut v6 = Destination::new(v4("2001:db8::2"), 53, ForwardMethod::Masq);
    v6.weight = 3;
    let key6 = Service::new(
        ServiceKey::Inet {
            protocol: Protocol::Udp,
            addr: v4("2001:db8::1"),
            port: 53,
        },
        "",
    );
    check("dest_v6", Request::NewDest(key6, v6));
    let mut quiesce = Destination::new(v4("10.2.0.1"), 8080, ForwardMethod::Masq);
    quiesce.weight = 0;
    check("edit_dest", Request::SetDest(key.clone(), quiesce));
    check(
        "del_dest",
        Request::DelDest(
            key.clone(),
            Destination::new(v4("10.2.0.2"), 80, ForwardMethod::Route),
        ),
    );
    check(
        "set_timeout",
        Request::SetTimeouts(Timeouts {
            tcp: 900,
            tcp_fin: 120,
            udp: 300,
        }),
    );
    check(
        "start_master",
        Request::NewDaemon(SyncDaemon::new(DaemonState::Master, "dummy0", 5)),
    );
    let mut backup = SyncDaemon::new(DaemonState::Backup, "dummy0", 6);
    backup.sync_maxlen = Some(1000);
    backup.mcast_group = Some(v4("224.0.0.90"));
    backup.mcast_port = Some(8850);
    backup.mcast_ttl = Some(2);
    check("start_backup", Request::NewDaemon(backup));
    check(
        "stop_master",
        Request::DelDaemon(ipvs_sys::request::stop_daemon(DaemonState::Master)),
    );
    check("zero", Request::Zero(None));
    check("zero_one", Request::Zero(Some(key.clone())));
    check("clear", Request::Flush);
}

/// Kernel replies decode to what ipvsadm printed for the same table.
#[test]
fn kernel_dump_replies_decode() {
    let replies = ipvs_replies("list");
    let msgs: Vec<&IpvsMessage> = replies
        .iter()
        .filter_map(|r| match r {
            Reply::Message { message, .. } => Some(message),
            _ => None,
        })
        .collect();
    let services: Vec<Service> = msgs
        .iter()
        .filter(|m| m.cmd == IpvsCmd::NewService)
        .map(|m| m.service().unwrap())
        .collect();
    assert_eq!(services.len(), 7);
    let fwm6 = services
        .iter()
        .find(|s| {
            s.key
                == ServiceKey::Fwmark {
                    af: AddressFamily::Inet6,
                    mark: 2,
                }
        })
        .unwrap();
    assert_eq!(fwm6.scheduler, "sed");
    assert_eq!(fwm6.timeout, 360);
    assert_eq!(fwm6.netmask, 64);
    assert!(
        fwm6.flags
            .contains(ServiceFlags::PERSISTENT | ServiceFlags::HASHED)
    );
    let dests: Vec<Destination> = msgs
        .iter()
        .filter(|m| m.cmd == IpvsCmd::NewDest)
        .map(|m| m.destination(AddressFamily::Inet).unwrap())
        .collect();
    assert_eq!(dests.len(), 8);
    let gue = dests.iter().find(|d| d.addr == v4("10.2.0.4")).unwrap();
    assert_eq!(
        (gue.tun_type, gue.tun_port, gue.tun_flags),
        (TunnelType::Gue, 6080, TunnelFlags::REMCSUM)
    );
    let masq = dests.iter().find(|d| d.addr == v4("10.2.0.1")).unwrap();
    assert_eq!(
        (
            masq.port,
            masq.weight,
            masq.upper_threshold,
            masq.lower_threshold
        ),
        (8080, 0, 0, 0)
    ); // -e reset the thresholds
    let v6 = dests.iter().find(|d| d.addr == v4("2001:db8::2")).unwrap();
    assert_eq!((v6.fwd, v6.weight), (ForwardMethod::Masq, 3));

    let info = ipvs_replies("list")
        .into_iter()
        .find_map(|r| match r {
            Reply::Message { message, .. } if message.cmd == IpvsCmd::SetInfo => {
                Some(message.info().unwrap())
            }
            _ => None,
        })
        .unwrap();
    assert_eq!(
        (info.version_triple(), info.conn_tab_size),
        ((1, 2, 1), 4096)
    );

    let daemons: Vec<SyncDaemon> = ipvs_replies("list_daemon")
        .into_iter()
        .filter_map(|r| match r {
            Reply::Message { message, .. } if message.cmd == IpvsCmd::NewDaemon => {
                Some(message.daemon().unwrap())
            }
            _ => None,
        })
        .collect();
    assert_eq!(daemons.len(), 2);
    let b = daemons
        .iter()
        .find(|d| d.state == DaemonState::Backup)
        .unwrap();
    assert_eq!(
        (b.syncid, b.sync_maxlen, b.mcast_port, b.mcast_ttl),
        (6, Some(1024), Some(8850), Some(2))
    );
    assert_eq!(b.mcast_group, Some(v4("224.0.0.90")));

    let t = ipvs_replies("list_timeout")
        .into_iter()
        .find_map(|r| match r {
            Reply::Message { message, .. } if message.cmd == IpvsCmd::SetConfig => {
                Some(message.timeouts())
            }
            _ => None,
        })
        .unwrap();
    assert_eq!(
        t,
        Timeouts {
            tcp: 900,
            tcp_fin: 120,
            udp: 300
        }
    );
}

/// Kernel error replies carry the errno ipvsadm turned into its messages.
#[test]
fn kernel_errors_decode() {
    for (name, errno) in [
        ("err_exists", libc_eexist()),
        ("err_nosvc", 3),
        ("err_nodest", 2),
        ("err_dest_exists", 17),
        ("err_sched", 2),
    ] {
        let errs: Vec<i32> = ipvs_replies(name)
            .into_iter()
            .filter_map(|r| match r {
                Reply::Error { errno, .. } => Some(errno),
                _ => None,
            })
            .collect();
        assert_eq!(errs, vec![errno], "{name}");
        let err = ipvs_sys::Error::from_errno(errno, request_of(name).object());
        assert_eq!(err.errno(), Some(errno));
        assert!(
            err.to_string().contains("10."),
            "{name}: {err} names no object"
        );
    }
}

fn libc_eexist() -> i32 {
    17
}

/// Kernel replies re-encode to the same bytes except NLA_F_NESTED, which the
/// kernel does not set and libnl/this crate do.
#[test]
fn kernel_replies_reencode() {
    let mut checked = 0;
    for name in steps() {
        for m in capture(&name) {
            if m.protocol != 16 || m.message_type() <= NLCTRL || m.flags() & 1 != 0 {
                continue;
            }
            let msg = decode(&m.bytes);
            let mut genl = netlink_packet_generic::GenlMessage::from_payload(msg);
            genl.set_resolved_family_id(m.message_type());
            let mut header = netlink_packet_core::NetlinkHeader::default();
            header.flags = m.flags();
            header.sequence_number = u32::from_ne_bytes(m.bytes[8..12].try_into().unwrap());
            header.port_number = u32::from_ne_bytes(m.bytes[12..16].try_into().unwrap());
            let mut nl = netlink_packet_core::NetlinkMessage::new(
                header,
                netlink_packet_core::NetlinkPayload::InnerMessage(genl),
            );
            nl.finalize();
            let mut ours = vec![0; nl.buffer_len()];
            nl.serialize(&mut ours);
            assert_eq!(
                strip_nested(&ours[20..]),
                strip_nested(&m.bytes[20..]),
                "{name}"
            );
            checked += 1;
        }
    }
    assert!(checked >= 30, "only {checked} replies");
}

/// Clears NLA_F_NESTED in every attribute header, recursing into nests.
fn strip_nested(b: &[u8]) -> Vec<u8> {
    let mut out = b.to_vec();
    fn walk(b: &mut [u8]) {
        let mut off = 0;
        while off + 4 <= b.len() {
            let len = u16::from_ne_bytes([b[off], b[off + 1]]) as usize;
            let kind = u16::from_ne_bytes([b[off + 2], b[off + 3]]);
            let nested = kind & 0x8000 != 0;
            b[off + 2..off + 4].copy_from_slice(&(kind & 0x3fff).to_ne_bytes());
            let attr = kind & 0x3fff;
            // Stats/nests: recurse where the payload is itself attributes.
            if nested || (len > 8 && matches!(attr, 1..=3 | 10 | 12)) {
                let end = (off + len).min(b.len());
                let inner = &mut b[off + 4..end];
                if looks_like_attrs(inner) {
                    walk(inner);
                }
            }
            if len < 4 {
                break;
            }
            off += (len + 3) & !3;
        }
    }
    fn looks_like_attrs(b: &[u8]) -> bool {
        let mut off = 0;
        while off + 4 <= b.len() {
            let len = u16::from_ne_bytes([b[off], b[off + 1]]) as usize;
            if len < 4 || off + len > b.len() {
                return false;
            }
            off += (len + 3) & !3;
        }
        off == b.len() || off == b.len() + (4 - b.len() % 4) % 4
    }
    walk(&mut out);
    out
}
