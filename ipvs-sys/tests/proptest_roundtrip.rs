//! Property tests: every attribute set and every typed struct survives
//! encode -> decode unchanged, and reply parsing never panics.
#![allow(clippy::unwrap_used)] // test code may unwrap

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use ipvs_sys::nla::{DaemonNla, DestNla, FlagsNla, IpvsNla, ServiceNla, Stats64Nla, StatsNla};
use ipvs_sys::{
    AddressFamily, DaemonState, Destination, ForwardMethod, IpvsCmd, IpvsMessage, Protocol, Reply,
    Request, Service, ServiceFlags, ServiceKey, Stats, SyncDaemon, Timeouts, TunnelFlags,
    TunnelType, parse_replies,
};
use netlink_packet_core::{DefaultNla, Emitable, NlaBuffer, NlasIterator, Parseable};
use proptest::prelude::*;

fn name() -> impl Strategy<Value = String> {
    "[a-z0-9_.-]{0,15}"
}

fn other(reserved: u16) -> impl Strategy<Value = DefaultNla> {
    (
        (reserved + 1)..200u16,
        prop::collection::vec(any::<u8>(), 0..12),
    )
        .prop_map(|(k, v)| DefaultNla::new(k, v))
}

fn stats_nla() -> impl Strategy<Value = StatsNla> {
    prop_oneof![
        any::<u32>().prop_map(StatsNla::Conns),
        any::<u32>().prop_map(StatsNla::InPkts),
        any::<u32>().prop_map(StatsNla::OutPkts),
        any::<u64>().prop_map(StatsNla::InBytes),
        any::<u64>().prop_map(StatsNla::OutBytes),
        any::<u32>().prop_map(StatsNla::Cps),
        any::<u32>().prop_map(StatsNla::InPps),
        any::<u32>().prop_map(StatsNla::OutPps),
        any::<u32>().prop_map(StatsNla::InBps),
        any::<u32>().prop_map(StatsNla::OutBps),
        other(10).prop_map(StatsNla::Other),
    ]
}

fn stats64_nla() -> impl Strategy<Value = Stats64Nla> {
    prop_oneof![
        any::<u64>().prop_map(Stats64Nla::Conns),
        any::<u64>().prop_map(Stats64Nla::InPkts),
        any::<u64>().prop_map(Stats64Nla::OutPkts),
        any::<u64>().prop_map(Stats64Nla::InBytes),
        any::<u64>().prop_map(Stats64Nla::OutBytes),
        any::<u64>().prop_map(Stats64Nla::Cps),
        any::<u64>().prop_map(Stats64Nla::InPps),
        any::<u64>().prop_map(Stats64Nla::OutPps),
        any::<u64>().prop_map(Stats64Nla::InBps),
        any::<u64>().prop_map(Stats64Nla::OutBps),
        other(10).prop_map(Stats64Nla::Other),
    ]
}

fn service_nla() -> impl Strategy<Value = ServiceNla> {
    prop_oneof![
        any::<u16>().prop_map(ServiceNla::Af),
        any::<u16>().prop_map(ServiceNla::Protocol),
        any::<[u8; 16]>().prop_map(ServiceNla::Addr),
        any::<u16>().prop_map(ServiceNla::Port),
        any::<u32>().prop_map(ServiceNla::Fwmark),
        name().prop_map(ServiceNla::SchedName),
        (any::<u32>(), any::<u32>())
            .prop_map(|(flags, mask)| ServiceNla::Flags(FlagsNla { flags, mask })),
        any::<u32>().prop_map(ServiceNla::Timeout),
        any::<u32>().prop_map(ServiceNla::Netmask),
        prop::collection::vec(stats_nla(), 0..6).prop_map(ServiceNla::Stats),
        name().prop_map(ServiceNla::PeName),
        prop::collection::vec(stats64_nla(), 0..6).prop_map(ServiceNla::Stats64),
        other(12).prop_map(ServiceNla::Other),
    ]
}

fn dest_nla() -> impl Strategy<Value = DestNla> {
    prop_oneof![
        any::<[u8; 16]>().prop_map(DestNla::Addr),
        any::<u16>().prop_map(DestNla::Port),
        any::<u32>().prop_map(DestNla::FwdMethod),
        any::<u32>().prop_map(DestNla::Weight),
        any::<u32>().prop_map(DestNla::UpperThreshold),
        any::<u32>().prop_map(DestNla::LowerThreshold),
        any::<u32>().prop_map(DestNla::ActiveConns),
        any::<u32>().prop_map(DestNla::InactiveConns),
        any::<u32>().prop_map(DestNla::PersistConns),
        prop::collection::vec(stats_nla(), 0..6).prop_map(DestNla::Stats),
        any::<u16>().prop_map(DestNla::AddrFamily),
        prop::collection::vec(stats64_nla(), 0..6).prop_map(DestNla::Stats64),
        any::<u8>().prop_map(DestNla::TunType),
        any::<u16>().prop_map(DestNla::TunPort),
        any::<u16>().prop_map(DestNla::TunFlags),
        other(15).prop_map(DestNla::Other),
    ]
}

fn daemon_nla() -> impl Strategy<Value = DaemonNla> {
    prop_oneof![
        any::<u32>().prop_map(DaemonNla::State),
        name().prop_map(DaemonNla::McastIfn),
        any::<u32>().prop_map(DaemonNla::SyncId),
        any::<u16>().prop_map(DaemonNla::SyncMaxlen),
        any::<[u8; 4]>().prop_map(DaemonNla::McastGroup),
        any::<[u8; 16]>().prop_map(DaemonNla::McastGroup6),
        any::<u16>().prop_map(DaemonNla::McastPort),
        any::<u8>().prop_map(DaemonNla::McastTtl),
        other(8).prop_map(DaemonNla::Other),
    ]
}

fn cmd_nla() -> impl Strategy<Value = IpvsNla> {
    prop_oneof![
        prop::collection::vec(service_nla(), 0..8).prop_map(IpvsNla::Service),
        prop::collection::vec(dest_nla(), 0..8).prop_map(IpvsNla::Dest),
        prop::collection::vec(daemon_nla(), 0..8).prop_map(IpvsNla::Daemon),
        any::<u32>().prop_map(IpvsNla::TimeoutTcp),
        any::<u32>().prop_map(IpvsNla::TimeoutTcpFin),
        any::<u32>().prop_map(IpvsNla::TimeoutUdp),
        other(6).prop_map(IpvsNla::Other),
    ]
}

fn round_trip<N>(nlas: &[N]) -> Vec<N>
where
    N: netlink_packet_core::Nla,
    for<'a> N: Parseable<NlaBuffer<&'a [u8]>>,
{
    let mut buf = vec![0; nlas.buffer_len()];
    nlas.emit(&mut buf);
    NlasIterator::new(&buf[..])
        .map(|b| N::parse(&b.unwrap()).unwrap())
        .collect()
}

fn ipaddr() -> impl Strategy<Value = IpAddr> {
    prop_oneof![
        any::<[u8; 4]>().prop_map(|a| IpAddr::V4(Ipv4Addr::from(a))),
        any::<[u8; 16]>().prop_map(|a| IpAddr::V6(Ipv6Addr::from(a))),
    ]
}

fn service() -> impl Strategy<Value = Service> {
    let key = prop_oneof![
        (
            prop_oneof![
                Just(Protocol::Tcp),
                Just(Protocol::Udp),
                Just(Protocol::Sctp)
            ],
            ipaddr(),
            any::<u16>()
        )
            .prop_map(|(protocol, addr, port)| ServiceKey::Inet {
                protocol,
                addr,
                port
            }),
        (
            prop_oneof![Just(AddressFamily::Inet), Just(AddressFamily::Inet6)],
            1..u32::MAX
        )
            .prop_map(|(af, mark)| ServiceKey::Fwmark { af, mark }),
    ];
    (
        key,
        name(),
        any::<u32>(),
        any::<u32>(),
        any::<u32>(),
        prop::option::of("[a-z]{1,8}"),
    )
        .prop_map(|(key, sched, flags, timeout, netmask, pe)| {
            let mut s = Service::new(key, sched);
            s.flags = ServiceFlags::from_bits_retain(flags);
            s.timeout = timeout;
            s.netmask = netmask;
            s.pe_name = pe;
            s
        })
}

fn destination() -> impl Strategy<Value = Destination> {
    (
        ipaddr(),
        any::<u16>(),
        prop_oneof![
            Just(ForwardMethod::Masq),
            Just(ForwardMethod::Local),
            Just(ForwardMethod::Tunnel),
            Just(ForwardMethod::Route)
        ],
        any::<i32>(),
        any::<u32>(),
        any::<u32>(),
        prop_oneof![
            Just(TunnelType::Ipip),
            Just(TunnelType::Gue),
            Just(TunnelType::Gre)
        ],
        any::<u16>(),
        any::<u16>(),
    )
        .prop_map(|(addr, port, fwd, weight, u, l, tt, tp, tf)| {
            let mut d = Destination::new(addr, port, fwd);
            d.weight = weight;
            d.upper_threshold = u;
            d.lower_threshold = l;
            d.tun_type = tt;
            d.tun_port = tp;
            d.tun_flags = TunnelFlags::from_bits_retain(tf);
            d
        })
}

fn daemon() -> impl Strategy<Value = SyncDaemon> {
    (
        prop_oneof![Just(DaemonState::Master), Just(DaemonState::Backup)],
        name(),
        0..=255u32,
        prop::option::of(any::<u16>()),
        prop::option::of(ipaddr()),
        prop::option::of(any::<u16>()),
        prop::option::of(any::<u8>()),
    )
        .prop_map(|(state, ifn, syncid, maxlen, group, port, ttl)| {
            let mut d = SyncDaemon::new(state, ifn, syncid);
            d.sync_maxlen = maxlen;
            d.mcast_group = group;
            d.mcast_port = port;
            d.mcast_ttl = ttl;
            d
        })
}

proptest! {
    #[test]
    fn stats_set_round_trips(n in prop::collection::vec(stats_nla(), 0..12)) {
        prop_assert_eq!(round_trip(&n), n);
    }

    #[test]
    fn stats64_set_round_trips(n in prop::collection::vec(stats64_nla(), 0..12)) {
        prop_assert_eq!(round_trip(&n), n);
    }

    #[test]
    fn service_set_round_trips(n in prop::collection::vec(service_nla(), 0..12)) {
        prop_assert_eq!(round_trip(&n), n);
    }

    #[test]
    fn dest_set_round_trips(n in prop::collection::vec(dest_nla(), 0..16)) {
        prop_assert_eq!(round_trip(&n), n);
    }

    #[test]
    fn daemon_set_round_trips(n in prop::collection::vec(daemon_nla(), 0..10)) {
        prop_assert_eq!(round_trip(&n), n);
    }

    #[test]
    fn command_set_round_trips(n in prop::collection::vec(cmd_nla(), 0..6)) {
        prop_assert_eq!(round_trip(&n), n);
    }

    #[test]
    fn info_set_round_trips(version in any::<u32>(), size in any::<u32>()) {
        let msg = IpvsMessage { cmd: IpvsCmd::SetInfo, nlas: vec![IpvsNla::InfoVersion(version), IpvsNla::InfoConnTabSize(size)] };
        let mut buf = Vec::new();
        // Through a full netlink message, as a GET_INFO reply.
        let req = Request::GetInfo;
        req.emit(0x20, 1, &mut buf);
        let mut genl = netlink_packet_generic::GenlMessage::from_payload(msg.clone());
        genl.set_resolved_family_id(0x20);
        let mut nl = netlink_packet_core::NetlinkMessage::new(
            netlink_packet_core::NetlinkHeader::default(),
            netlink_packet_core::NetlinkPayload::InnerMessage(genl),
        );
        nl.finalize();
        let mut bytes = vec![0; nl.buffer_len()];
        nl.serialize(&mut bytes);
        let parsed = parse_replies(&bytes).unwrap();
        match &parsed[0] {
            Reply::Message { message, .. } => {
                prop_assert_eq!(message, &msg);
                let info = message.info().unwrap();
                prop_assert_eq!((info.version, info.conn_tab_size), (version, size));
            }
            other => prop_assert!(false, "{:?}", other),
        }
    }

    #[test]
    fn typed_service_round_trips(s in service()) {
        let back = Service::from_nlas(&round_trip(&s.to_nlas())).unwrap();
        prop_assert_eq!(back, s);
    }

    #[test]
    fn typed_destination_round_trips(d in destination(), v6 in any::<bool>()) {
        let af = if v6 { AddressFamily::Inet6 } else { AddressFamily::Inet };
        let back = Destination::from_nlas(&round_trip(&d.to_nlas()), af).unwrap();
        prop_assert_eq!(back, d);
    }

    #[test]
    fn typed_daemon_round_trips(d in daemon()) {
        let back = SyncDaemon::from_nlas(&round_trip(&d.to_nlas())).unwrap();
        prop_assert_eq!(back, d);
    }

    #[test]
    fn typed_stats_round_trip(v in any::<[u64; 10]>()) {
        let s = Stats { conns: v[0], inpkts: v[1], outpkts: v[2], inbytes: v[3], outbytes: v[4],
            cps: v[5], inpps: v[6], outpps: v[7], inbps: v[8], outbps: v[9] };
        let mut svc = Service::new(ServiceKey::Fwmark { af: AddressFamily::Inet, mark: 1 }, "rr");
        let mut nlas = svc.to_nlas();
        nlas.push(ServiceNla::Stats64(s.to_nlas64()));
        svc.stats = s;
        prop_assert_eq!(Service::from_nlas(&round_trip(&nlas)).unwrap(), svc);
    }

    #[test]
    fn requests_parse_back(s in service(), d in destination(), t in any::<(u32, u32, u32)>(), seq in any::<u32>()) {
        for req in [
            Request::NewService(s.clone()),
            Request::NewDest(s.clone(), d.clone()),
            Request::SetTimeouts(Timeouts { tcp: t.0, tcp_fin: t.1, udp: t.2 }),
            Request::Zero(Some(s.clone())),
        ] {
            let mut buf = Vec::new();
            req.emit(0x21, seq, &mut buf);
            let replies = parse_replies(&buf).unwrap();
            match &replies[0] {
                Reply::Message { seq: got, message, .. } => {
                    prop_assert_eq!(*got, seq);
                    prop_assert_eq!(message, &req.message());
                }
                other => prop_assert!(false, "{:?}", other),
            }
        }
    }

    #[test]
    fn parsing_never_panics(bytes in prop::collection::vec(any::<u8>(), 0..512)) {
        if let Ok(replies) = parse_replies(&bytes) {
            for r in replies {
                if let Reply::Message { message, .. } = r {
                    let _ = message.service();
                    let _ = message.destination(AddressFamily::Inet6);
                    let _ = message.daemon();
                    let _ = message.info();
                }
            }
        }
    }
}
