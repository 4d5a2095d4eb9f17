use super::*;

fn map(text: &str) -> Mapped {
    let parsed = kc::parse_str("t.conf", text, &kc::LoadOptions::default());
    map_config(&parsed.config)
}

fn only(m: &Mapped) -> &VirtualServer {
    assert_eq!(m.desired.virtual_servers.len(), 1, "{:?}", m.diagnostics);
    &m.desired.virtual_servers[0]
}

#[test]
fn address_service_with_defaults_and_inheritance() {
    let m = map("virtual_server 10.1.0.1 80 {\n\
         delay_loop 7\n lvs_sched rr\n lvs_method NAT\n protocol TCP\n connect_timeout 2\n\
         real_server 10.2.0.1 8080 {\n weight 3\n uthreshold 100\n lthreshold 10\n TCP_CHECK {\n retry 4\n }\n }\n\
         real_server 10.2.0.2 {\n HTTP_GET {\n url {\n path /h\n }\n }\n }\n}\n");
    assert!(m.diagnostics.is_empty(), "{:?}", m.diagnostics);
    let vs = only(&m);
    assert_eq!(vs.id, "TCP 10.1.0.1:80");
    assert_eq!(vs.location, "t.conf:1");
    assert_eq!(vs.services.len(), 1);
    let s = &vs.services[0];
    assert_eq!(s.scheduler, "rr");
    assert_eq!(s.flags, ServiceFlags::empty());
    let rs = &vs.real_servers[0];
    assert_eq!(rs.key.to_string(), "10.2.0.1:8080");
    assert_eq!(rs.dest.weight, 3);
    assert_eq!(
        (rs.dest.upper_threshold, rs.dest.lower_threshold),
        (100, 10)
    );
    assert_eq!(rs.dest.fwd, ForwardMethod::Masq);
    let t = rs.checkers[0].timing;
    assert_eq!(t.retry, 4);
    assert_eq!(t.connect_timeout, Duration::from_secs(2));
    assert_eq!(t.delay_loop, Duration::from_secs(7));
    assert_eq!(t.warmup, Duration::from_secs(7));
    assert_eq!(t.delay_before_retry, Duration::from_secs(1));
    // Second RS: port from the VS, weight 1, HTTP defaults.
    let rs2 = &vs.real_servers[1];
    assert_eq!(rs2.key.port, 80);
    assert_eq!(rs2.dest.weight, 1);
    let t2 = rs2.checkers[0].timing;
    assert_eq!(
        (t2.retry, t2.delay_before_retry),
        (1, Duration::from_secs(3))
    );
    match &rs2.checkers[0].kind {
        CheckKind::Http(h) => {
            assert!(!h.tls);
            assert_eq!(h.urls[0].status, vec![(200, 299)]);
            assert_eq!(h.protocol, "1.0");
        }
        k => panic!("{k:?}"),
    }
}

#[test]
fn every_scheduler_is_accepted_and_an_unknown_one_is_ignored() {
    for s in SCHEDULERS {
        let m = map(&format!(
            "virtual_server 10.1.0.1 80 {{\n lvs_sched {s}\n lvs_method DR\n protocol TCP\n real_server 10.2.0.1 80 {{\n }}\n}}\n"
        ));
        assert_eq!(only(&m).services[0].scheduler, *s);
    }
    // keepalived's lbalgo_handler() reports "Invalid lvs_scheduler ... - ignoring" and
    // the service runs with the default scheduler: the parser warns, both services run.
    let text = "virtual_server 10.1.0.1 80 {\n lvs_sched bogus\n lvs_method NAT\n protocol TCP\n\
         real_server 10.2.0.1 80 {\n }\n}\n\
         virtual_server 10.1.0.2 80 {\n lvs_sched rr\n lvs_method NAT\n protocol TCP\n\
         real_server 10.2.0.1 80 {\n }\n}\n";
    let parsed = kc::parse_str("t.conf", text, &kc::LoadOptions::default());
    assert!(!parsed.has_errors());
    assert!(
        parsed
            .diagnostics
            .iter()
            .any(|d| d.span.map(|s| s.line) == Some(2) && d.message.contains("bogus"))
    );
    let m = map(text);
    assert_eq!(m.diagnostics.len(), 1, "{:?}", m.diagnostics);
    assert!(m.diagnostics[0].message.contains("using wlc"));
    assert_eq!(m.desired.virtual_servers.len(), 2);
    assert_eq!(m.desired.virtual_servers[0].services[0].scheduler, "wlc");
    assert_eq!(m.desired.virtual_servers[1].services[0].scheduler, "rr");
}

#[test]
fn family_mismatch_skips_the_real_server_but_tun_may_mix() {
    // keepalived: "Address family of virtual server and real server ... don't match -
    // skipping real server" (check_parser.c rs_handler()); the service stays.
    let m = map(
        "virtual_server 10.1.0.1 80 {\n lvs_sched rr\n lvs_method NAT\n protocol TCP\n\
         real_server fd00::2 80 {\n }\n real_server 10.0.0.3 80 {\n }\n}\n\
         virtual_server fd00::1 80 {\n lvs_sched rr\n lvs_method TUN\n protocol TCP\n\
         real_server 10.0.0.2 80 {\n }\n}\n",
    );
    assert_eq!(m.desired.virtual_servers.len(), 2);
    let kept: Vec<String> = m.desired.virtual_servers[0]
        .real_servers
        .iter()
        .map(|rs| rs.key.to_string())
        .collect();
    assert_eq!(kept, ["10.0.0.3:80"]);
    let vs = &m.desired.virtual_servers[1];
    assert_eq!(vs.id, "TCP [fd00::1]:80");
    assert_eq!(vs.real_servers[0].dest.fwd, ForwardMethod::Tunnel);
    assert_eq!(m.diagnostics.len(), 1);
    assert!(!m.diagnostics[0].is_error());
    assert_eq!(m.location(&m.diagnostics[0]), "t.conf:5");
    assert!(
        m.diagnostics[0].message.contains("IPv6"),
        "{}",
        m.line(&m.diagnostics[0])
    );
}

#[test]
fn protocols_methods_and_ports() {
    for (p, want) in [
        ("TCP", Protocol::Tcp),
        ("UDP", Protocol::Udp),
        ("SCTP", Protocol::Sctp),
    ] {
        let m = map(&format!(
            "virtual_server 10.1.0.1 53 {{\n lvs_sched rr\n lvs_method DR\n protocol {p}\n real_server 10.2.0.1 99 {{\n }}\n}}\n"
        ));
        let vs = only(&m);
        assert!(
            matches!(vs.services[0].key, ServiceKey::Inet { protocol, .. } if protocol == want)
        );
        // DR: the destination port is the service's, whatever the real server says.
        assert_eq!(vs.real_servers[0].key.port, 53);
        assert_eq!(vs.real_servers[0].dest.fwd, ForwardMethod::Route);
    }
    // Per real server method overrides the virtual server's.
    let m = map(
        "virtual_server 10.1.0.1 80 {\n lvs_sched rr\n lvs_method DR\n protocol TCP\n\
         real_server 10.2.0.1 8080 {\n lvs_method NAT\n }\n real_server 10.2.0.2 8080 {\n lvs_method TUN\n }\n}\n",
    );
    let vs = only(&m);
    assert_eq!(vs.real_servers[0].dest.fwd, ForwardMethod::Masq);
    assert_eq!(vs.real_servers[0].key.port, 8080);
    assert_eq!(vs.real_servers[1].dest.fwd, ForwardMethod::Tunnel);
    assert_eq!(vs.real_servers[1].key.port, 80);
}

#[test]
fn persistence_timeout_granularity_engine_and_flags() {
    let m = map(
        "virtual_server 10.1.0.1 80 {\n lvs_sched sh\n sh-port\n sh-fallback\n ops\n lvs_method NAT\n protocol UDP\n\
         persistence_timeout 600\n persistence_granularity 255.255.255.0\n persistence_engine sip\n\
         real_server 10.2.0.1 80 {\n }\n}\n",
    );
    let s = &only(&m).services[0];
    assert_eq!(
        s.flags,
        ServiceFlags::PERSISTENT
            | ServiceFlags::SCHED1
            | ServiceFlags::SCHED2
            | ServiceFlags::ONEPACKET
    );
    assert_eq!((s.timeout, s.netmask), (600, 0xffff_ff00));
    assert_eq!(s.pe_name.as_deref(), Some("sip"));
    // Granularity alone implies 360 s; an IPv6 service takes a prefix length.
    let m = map(
        "virtual_server fd00::1 80 {\n lvs_sched rr\n lvs_method NAT\n protocol TCP\n persistence_granularity 64\n\
         real_server fd00::2 80 {\n }\n}\n",
    );
    let s = &only(&m).services[0];
    assert_eq!((s.timeout, s.netmask), (360, 64));
    assert!(s.flags.contains(ServiceFlags::PERSISTENT));
    // No port and no persistence: keepalived forces 360 s.
    let m = map(
        "virtual_server 10.1.0.1 {\n lvs_sched rr\n lvs_method DR\n protocol TCP\n real_server 10.2.0.1 {\n }\n}\n",
    );
    let s = &only(&m).services[0];
    assert_eq!((s.timeout, s.flags), (360, ServiceFlags::PERSISTENT));
}

fn granularity_service(vip: &str, word: &str, extra: &str) -> Mapped {
    let rs = if vip.contains(':') {
        "fd00::2"
    } else {
        "10.2.0.1"
    };
    map(&format!(
        "virtual_server {vip} 80 {{\n lvs_sched rr\n lvs_method NAT\n protocol TCP\n{extra} \
         persistence_granularity {word}\n real_server {rs} 80 {{\n }}\n}}\n"
    ))
}

fn messages(m: &Mapped) -> Vec<(String, String)> {
    m.diagnostics
        .iter()
        .map(|d| (m.location(d), d.message.clone()))
        .collect()
}

/// An IPv4 granularity is a numeric IPv4 address in any form glibc's
/// `getaddrinfo` (numeric host) takes, as keepalived 2.2.7 reads it. Observed
/// with `keepalived -t`: `24`, `255.255.255`, `0xffffff00` and
/// `0377.255.255.0` are accepted without a message, so keepalived gives the
/// kernel 0.0.0.24, 255.255.0.255 and 255.255.255.0; lvsd warns about every
/// form that is not four decimal numbers.
#[test]
fn ipv4_granularity_short_forms_are_addresses_as_keepalived_reads_them() {
    for (word, mask) in [
        ("24", 0x0000_0018),
        ("32", 0x0000_0020),
        ("255.255.255", 0xffff_00ff),
        ("255.255", 0xff00_00ff),
        ("255.255.0xff00", 0xffff_ff00),
        ("0xffffff00", 0xffff_ff00),
        ("0XFFFFFF00", 0xffff_ff00),
        ("0377.255.255.0", 0xffff_ff00),
        ("4294967295", 0xffff_ffff),
        ("0", 0),
    ] {
        let m = granularity_service("10.1.0.1", word, "");
        let s = &only(&m).services[0];
        assert_eq!((s.timeout, s.netmask), (360, mask), "{word}");
        assert!(s.flags.contains(ServiceFlags::PERSISTENT), "{word}");
        let shown = std::net::Ipv4Addr::from(mask);
        assert_eq!(
            messages(&m),
            [(
                "t.conf:5".to_string(),
                format!(
                    "persistence_granularity `{word}` is the netmask {shown}, as keepalived reads it (a numeric IPv4 address, not a prefix length); write the netmask as four numbers"
                )
            )],
            "{word}"
        );
    }
    let m = granularity_service("10.1.0.1", "255.255.255.0", "");
    assert!(m.diagnostics.is_empty(), "{:?}", m.diagnostics);
    assert_eq!(only(&m).services[0].netmask, 0xffff_ff00);
}

/// A refused granularity is reported with keepalived's message and the
/// service runs without it, and without the 360 s persistence it would
/// imply (`pgr_handler` returns before setting either). Observed with
/// `keepalived -t`: each of these words gives "Invalid IPv4
/// persistence_granularity specified - WORD" and nothing else.
#[test]
fn a_refused_ipv4_granularity_is_reported_and_the_service_runs_without_it() {
    for word in [
        "255.0.255.x",
        "08",
        "09.0.0.0",
        "4294967296",
        "1.2.3.",
        "1.2.3.4.5",
        "255.255.255.256",
        "255.65535.0",
        "0x",
        "/24",
        "ff.ff.ff.0",
        "+24",
    ] {
        let m = granularity_service("10.1.0.1", word, "");
        let s = &only(&m).services[0];
        assert_eq!((s.timeout, s.netmask), (0, 0xffff_ffff), "{word}");
        assert!(!s.flags.contains(ServiceFlags::PERSISTENT), "{word}");
        assert_eq!(
            messages(&m),
            [(
                "t.conf:5".to_string(),
                format!("Invalid IPv4 persistence_granularity specified - {word}")
            )],
            "{word}"
        );
    }
    // A persistence_timeout of its own still applies, with the full mask.
    let m = granularity_service("10.1.0.1", "255.0.255.x", " persistence_timeout 600\n");
    let s = &only(&m).services[0];
    assert_eq!((s.timeout, s.netmask), (600, 0xffff_ffff));
    assert!(s.flags.contains(ServiceFlags::PERSISTENT));
}

/// An IPv6 granularity is a decimal prefix length 1..128. Observed with
/// `keepalived -t`: `1`, `64`, `128`, `+64` are accepted; the others give
/// the number reader's message and then "Invalid IPv6
/// persistence_granularity specified - WORD", and keepalived runs the
/// service without a granularity.
#[test]
fn ipv6_granularity_is_a_prefix_length_and_a_refused_one_is_reported() {
    for (word, prefix) in [("1", 1), ("64", 64), ("128", 128), ("+64", 64), ("064", 64)] {
        let m = granularity_service("fd00::1", word, "");
        assert!(m.diagnostics.is_empty(), "{word}: {:?}", m.diagnostics);
        let s = &only(&m).services[0];
        assert_eq!((s.timeout, s.netmask), (360, prefix), "{word}");
    }
    for (word, first) in [
        ("0", "number '0' outside range [1, 128]"),
        ("129", "number '129' outside range [1, 128]"),
        ("0x40", "invalid number '0x40'"),
        ("64x", "invalid number '64x'"),
        ("-1", "negative number '-1'"),
        (
            "99999999999",
            "number '99999999999' outside unsigned integer range",
        ),
        ("255.255.255.0", "invalid number '255.255.255.0'"),
        ("ffff::", "invalid number 'ffff::'"),
    ] {
        let m = granularity_service("fd00::1", word, "");
        let s = &only(&m).services[0];
        assert_eq!((s.timeout, s.netmask), (0, 128), "{word}");
        assert!(!s.flags.contains(ServiceFlags::PERSISTENT), "{word}");
        assert_eq!(
            messages(&m),
            [
                ("t.conf:5".to_string(), first.to_string()),
                (
                    "t.conf:5".to_string(),
                    format!("Invalid IPv6 persistence_granularity specified - {word}")
                ),
            ],
            "{word}"
        );
    }
}

/// A netmask that is not contiguous is the service's netmask as written, without
/// a message (keepalived 2.2.7 `pgr_handler` takes any IPv4 address; `keepalived
/// -t` accepts it silently).
#[test]
fn a_non_contiguous_ipv4_granularity_is_taken_as_written() {
    for (text, mask) in [
        ("255.0.255.0", 0xff00_ff00),
        ("0.255.255.255", 0x00ff_ffff),
        ("0.0.0.0", 0),
    ] {
        let conf = format!(
            "virtual_server 10.1.0.1 80 {{\n lvs_sched rr\n lvs_method NAT\n protocol TCP\n \
             persistence_granularity {text}\n real_server 10.2.0.1 80 {{\n }}\n}}\n"
        );
        let parsed = kc::parse_str("t.conf", &conf, &kc::LoadOptions::default());
        assert!(
            parsed.diagnostics.is_empty(),
            "{text}: {:?}",
            parsed.diagnostics
        );
        let m = map(&conf);
        assert!(m.diagnostics.is_empty(), "{text}: {:?}", m.diagnostics);
        let s = &only(&m).services[0];
        assert_eq!((s.timeout, s.netmask), (360, mask), "{text}");
        assert!(s.flags.contains(ServiceFlags::PERSISTENT), "{text}");
    }
}

#[test]
fn fwmark_and_groups_expand_to_services() {
    let m = map(
        "virtual_server_group G {\n 10.1.0.1-3 80\n 10.9.0.0/31 443\n fwmark 7\n}\n\
         virtual_server group G {\n lvs_sched wlc\n lvs_method DR\n protocol TCP\n real_server 10.2.0.1 {\n }\n}\n\
         virtual_server fwmark 9 {\n lvs_sched rr\n lvs_method DR\n real_server fd00::5 80 {\n }\n}\n",
    );
    assert!(
        m.diagnostics.iter().all(|d| !d.is_error()),
        "{:?}",
        m.diagnostics
    );
    let g = &m.desired.virtual_servers[0];
    assert_eq!(g.id, "group G");
    let keys: Vec<String> = g.services.iter().map(|s| s.key.to_string()).collect();
    assert_eq!(
        keys,
        [
            "TCP 10.1.0.1:80",
            "TCP 10.1.0.2:80",
            "TCP 10.1.0.3:80",
            "TCP 10.9.0.0:443",
            "TCP 10.9.0.1:443",
            "FWM 7"
        ]
    );
    // DR destinations take each service's port; 0 for the fwmark one.
    let rs = &g.real_servers[0];
    assert_eq!(
        dest_for(&g.services[3].key, &rs.dest.destination()).port,
        443
    );
    assert_eq!(dest_for(&g.services[5].key, &rs.dest.destination()).port, 0);
    let f = &m.desired.virtual_servers[1];
    assert_eq!(
        f.services[0].key,
        ServiceKey::Fwmark {
            af: AddressFamily::Inet6,
            mark: 9
        }
    );
    // An undefined group is skipped with a diagnostic.
    let m = map(
        "virtual_server group NOPE {\n lvs_sched rr\n lvs_method NAT\n protocol TCP\n\
         real_server 10.2.0.1 80 {\n }\n}\n",
    );
    assert!(m.desired.virtual_servers.is_empty());
    assert!(
        m.diagnostics
            .iter()
            .any(|d| d.is_error() && m.location(d) == "t.conf:1")
    );
}

#[test]
fn duplicate_services_are_skipped() {
    let m = map(
        "virtual_server 10.1.0.1 80 {\n lvs_sched rr\n lvs_method NAT\n protocol TCP\n\
         real_server 10.2.0.1 80 {\n }\n}\n\
         virtual_server 10.1.0.1 80 {\n lvs_sched wlc\n lvs_method NAT\n protocol TCP\n\
         real_server 10.2.0.2 80 {\n }\n}\n",
    );
    assert_eq!(only(&m).services[0].scheduler, "rr");
    assert_eq!(m.location(&m.diagnostics[0]), "t.conf:8");
}

#[test]
fn quorum_sorry_inhibit_scripts() {
    let m = map(
        "virtual_server 10.1.0.1 80 {\n lvs_sched rr\n lvs_method NAT\n protocol TCP\n\
         quorum 4\n hysteresis 9\n quorum_up \"/bin/up arg1\"\n quorum_down /bin/down x y\n\
         sorry_server 10.3.0.1\n sorry_server_inhibit\n inhibit_on_failure\n omega\n weight 2\n\
         real_server 10.2.0.1 80 {\n notify_up \"/bin/n 'a b'\"\n inhibit_on_failure off\n }\n\
         real_server 10.2.0.2 80 {\n notify_down /etc/keepalived/mysql.sh\n }\n}\n",
    );
    let vs = only(&m);
    assert_eq!((vs.quorum, vs.hysteresis), (4, 3));
    assert_eq!(
        vs.quorum_up.as_ref().map(|c| &c.argv[..]),
        Some(&["/bin/up".to_string(), "arg1".to_string()][..])
    );
    // Unquoted: the words after the command are USER GROUP, as keepalived reads them.
    let down = vs.quorum_down.as_ref().unwrap();
    assert_eq!(down.argv, ["/bin/down"]);
    assert_eq!(down.user, Some(("x".to_string(), Some("y".to_string()))));
    let sorry = vs.sorry_server.as_ref().unwrap();
    assert!(sorry.inhibit && sorry.port_from_service);
    assert_eq!(sorry.dest.port, 80);
    assert!(vs.omega);
    assert!(!vs.real_servers[0].inhibit_on_failure);
    assert!(vs.real_servers[1].inhibit_on_failure);
    assert_eq!(vs.real_servers[0].dest.weight, 2);
    assert_eq!(
        vs.real_servers[0].notify_up.as_ref().unwrap().argv[1],
        "a b"
    );
    assert_eq!(
        vs.real_servers[1].notify_down.as_ref().map(|c| &c.argv[..]),
        Some(&["/etc/keepalived/mysql.sh".to_string()][..])
    );
    assert!(
        m.diagnostics
            .iter()
            .any(|d| d.message.contains("hysteresis"))
    );
}

#[test]
fn global_lvs_keys() {
    let m = map(
        "global_defs {\n lvs_timeouts tcp 7200 tcpfin 120 udp 300\n lvs_sync_daemon eth1 id 5 maxlen 1400 port 9000 ttl 2 group 239.1.1.1\n lvs_flush\n lvs_flush_on_stop\n}\n",
    );
    let d = &m.desired;
    assert_eq!(
        d.timeouts,
        Some(Timeouts {
            tcp: 7200,
            tcp_fin: 120,
            udp: 300
        })
    );
    assert!(d.flush_at_start && d.flush_on_stop);
    assert_eq!(d.sync_daemons.len(), 2);
    let sd = &d.sync_daemons[0];
    assert_eq!(
        (sd.state, sd.mcast_ifn.as_str(), sd.syncid),
        (DaemonState::Master, "eth1", 5)
    );
    assert_eq!(
        (sd.sync_maxlen, sd.mcast_port, sd.mcast_ttl),
        (Some(1400), Some(9000), Some(2))
    );
    assert_eq!(d.sync_daemons[1].state, DaemonState::Backup);
    // With `inst`, the VRRP daemon switches the role: lvsd leaves it alone and says so.
    let m = map("global_defs {\n lvs_sync_daemon bond0 vips\n}\n");
    assert!(m.desired.sync_daemons.is_empty());
    assert_eq!(m.location(&m.diagnostics[0]), "t.conf:2");
}

#[test]
fn checker_kinds_map_with_their_options() {
    let m = map("track_file TF {\n file /tmp/tf\n weight 3\n}\n\
         virtual_server 10.1.0.1 80 {\n lvs_sched rr\n lvs_method NAT\n protocol TCP\n delay_loop 10\n virtualhost vs.example\n\
         real_server 10.2.0.1 80 {\n\
         SSL_GET {\n url {\n path /a\n digest 9B3A0C85A887A256D6939DA88AABD8CD\n status_code 200 301-302\n }\n connect_port 8443\n bindto 10.2.0.9\n enable_sni\n }\n\
         MISC_CHECK {\n misc_path \"/bin/chk 1\"\n misc_dynamic\n }\n\
         SMTP_CHECK {\n connect_port 25\n }\n\
         DNS_CHECK {\n type A\n name example.\n connect_port 53\n }\n\
         UDP_CHECK {\n payload 0a0B\n require_reply 0ax1\n }\n\
         PING_CHECK {\n }\n\
         FILE_CHECK {\n track_file TF\n }\n\
         }\n}\n");
    assert!(
        m.diagnostics.iter().all(|d| !d.is_error()),
        "{:?}",
        m.diagnostics
    );
    let cks = &only(&m).real_servers[0].checkers;
    assert_eq!(cks.len(), 7);
    match &cks[0].kind {
        CheckKind::Http(h) => {
            assert!(h.tls);
            assert_eq!(
                h.urls[0].digest.as_deref(),
                Some("9b3a0c85a887a256d6939da88aabd8cd")
            );
            assert_eq!(h.urls[0].status, vec![(200, 200), (301, 302)]);
            assert_eq!(h.urls[0].virtualhost.as_deref(), Some("vs.example"));
            assert_eq!(h.sni.as_deref(), Some("vs.example"));
        }
        k => panic!("{k:?}"),
    }
    assert_eq!(cks[0].target.port, 8443);
    assert_eq!(cks[0].bind, Some(("10.2.0.9".parse().unwrap(), 0)));
    match &cks[1].kind {
        CheckKind::Misc(ms) => {
            assert_eq!(ms.argv, ["/bin/chk", "1"]);
            assert!(ms.dynamic);
            assert_eq!(ms.timeout, Duration::from_secs(10));
        }
        k => panic!("{k:?}"),
    }
    assert_eq!(cks[1].timing.retry, 0);
    assert!(
        matches!(&cks[2].kind, CheckKind::Smtp { helo_name } if helo_name == "smtpchecker.keepalived.org")
    );
    assert!(matches!(&cks[3].kind, CheckKind::Dns { qtype: 1, name } if name == "example."));
    assert_eq!(cks[3].timing.retry, 3);
    assert_eq!(cks[3].timing.delay_before_retry, Duration::from_secs(10));
    match &cks[4].kind {
        CheckKind::Udp(u) => {
            assert_eq!(u.payload.as_deref(), Some(&[0x0a, 0x0b][..]));
            assert_eq!(
                u.require_reply.as_deref(),
                Some(&[(0x0a, 0xff), (0x01, 0x0f)][..])
            );
        }
        k => panic!("{k:?}"),
    }
    assert!(matches!(cks[5].kind, CheckKind::Ping));
    assert!(
        matches!(&cks[6].kind, CheckKind::File(f) if f.weight == 3 && f.path.to_str() == Some("/tmp/tf"))
    );
}

#[test]
fn tenant_vip_and_repaired_mysql_map() {
    let root = concat!(env!("CARGO_MANIFEST_DIR"), "/../..");
    for (path, id, weight) in [
        (
            format!("{root}/examples/mysql-master.conf"),
            "TCP 192.168.143.32:3306",
            3,
        ),
        (
            format!("{root}/bins/lvsd/tests/data/tenant-vip-tcp-check.conf"),
            "TCP 192.168.143.33:5432",
            1,
        ),
    ] {
        let parsed = kc::load(&path, &kc::LoadOptions::default());
        let m = map_config(&parsed.config);
        let vs = only(&m);
        assert_eq!(vs.id, id);
        assert_eq!(vs.real_servers[0].dest.weight, weight);
        assert_eq!(vs.services[0].timeout, if weight == 3 { 50 } else { 7200 });
        assert!(!vs.real_servers[0].checkers.is_empty());
    }
}

#[test]
fn tunnel_options_reach_the_destinations() {
    let m = map(
        "virtual_server 10.1.0.1 80 {\n lvs_sched rr\n protocol TCP\n\
         lvs_method TUN type gue port 6080 csum\n\
         real_server 10.2.0.1 80 {\n weight 1\n }\n\
         real_server 10.2.0.2 80 {\n lvs_method TUN type gre csum\n }\n\
         real_server 10.2.0.3 80 {\n lvs_method TUN\n }\n\
         real_server 10.2.0.4 80 {\n lvs_method DR\n }\n}\n",
    );
    assert!(m.diagnostics.is_empty(), "{:?}", m.diagnostics);
    let vs = only(&m);
    let tun = |i: usize| {
        let d = &vs.real_servers[i].dest;
        (d.fwd, d.tun_type, d.tun_port, d.tun_flags)
    };
    assert_eq!(
        tun(0),
        (
            ForwardMethod::Tunnel,
            TunnelType::Gue,
            6080,
            TunnelFlags::CSUM
        )
    );
    assert_eq!(
        tun(1),
        (ForwardMethod::Tunnel, TunnelType::Gre, 0, TunnelFlags::CSUM)
    );
    assert_eq!(
        tun(2),
        (
            ForwardMethod::Tunnel,
            TunnelType::Ipip,
            0,
            TunnelFlags::empty()
        )
    );
    assert_eq!(
        tun(3),
        (
            ForwardMethod::Route,
            TunnelType::Ipip,
            0,
            TunnelFlags::empty()
        )
    );
}

const BFD_VS: &str =
    "virtual_server 10.1.0.1 80 {\n lvs_sched rr\n lvs_method NAT\n protocol TCP\n";

#[test]
fn bfd_check_follows_its_bfd_instance_and_lvsd_runs_the_session() {
    let m = map(&format!(
        "bfd_instance b1 {{\n neighbor_ip 10.9.0.2\n source_ip 10.9.0.1\n min_rx 100\n \
         min_tx 200\n idle_tx 2000\n multiplier 3\n passive\n ttl 250\n max_hops 5\n checker\n}}\n\
         bfd_instance unused {{\n neighbor_ip 10.9.0.3\n}}\n\
         {BFD_VS} real_server 10.2.0.1 80 {{\n TCP_CHECK {{\n }}\n BFD_CHECK {{\n name b1\n alpha\n }}\n }}\n\
         real_server 10.2.0.2 80 {{\n alpha\n BFD_CHECK {{\n name b1\n }}\n }}\n}}\n"
    ));
    assert!(m.diagnostics.is_empty(), "{:?}", m.diagnostics);
    let vs = only(&m);
    let c = &vs.real_servers[0].checkers;
    assert_eq!(c.len(), 2);
    assert_eq!(c[1].kind, CheckKind::Bfd { name: "b1".into() });
    assert!(c[1].alpha && !c[0].alpha);
    // alpha inherited from the real server, as any checker's.
    assert!(vs.real_servers[1].checkers[0].alpha);
    // One session, for the instance a BFD_CHECK names.
    let want = bfd_net::PeerSpec::new("b1", "10.9.0.2".parse().unwrap())
        .with_source("10.9.0.1".parse().unwrap())
        .with_intervals(Duration::from_millis(100), Duration::from_millis(200))
        .with_idle_tx(Duration::from_secs(2))
        .with_multiplier(3)
        .with_passive(true)
        .with_ttl(250)
        .with_max_hops(5);
    assert_eq!(m.desired.bfd_sessions, [want]);
}

#[test]
fn bfd_check_dropped_with_keepalived_messages() {
    // keepalived 2.2.7 `keepalived -t` on this file says, for lines 20, 23, 26
    // and 29 (the closing brace of the nameless block):
    // ([10.2.0.1]:tcp:80) BFD_CHECK - RS already monitoring b1
    // ([10.2.0.1]:tcp:80) BFD_CHECK - BFD vonly not configured
    // ([10.2.0.1]:tcp:80) BFD_CHECK - BFD later not configured
    // ([10.2.0.1]:tcp:80) No name has been specified for BFD_CHECKER - skipping
    let text = "bfd_instance b1 {\n neighbor_ip 10.9.0.2\n min_rx 100\n min_tx 100\n multiplier 3\n}\n\
         bfd_instance vonly {\n neighbor_ip 10.9.0.3\n vrrp\n}\n\
         virtual_server 10.1.0.1 80 {\n lvs_sched rr\n lvs_method NAT\n protocol TCP\n\
         real_server 10.2.0.1 80 {\n\
         BFD_CHECK {\n name b1\n }\n\
         BFD_CHECK {\n name b1\n }\n\
         BFD_CHECK {\n name vonly\n }\n\
         BFD_CHECK {\n name later\n }\n\
         BFD_CHECK {\n }\n }\n}\n\
         bfd_instance later {\n neighbor_ip 10.9.0.4\n}\n";
    let m = map(text);
    let vs = only(&m);
    assert_eq!(
        vs.real_servers[0].checkers.len(),
        1,
        "only the first b1 is kept"
    );
    let got: Vec<(String, bool)> = m
        .diagnostics
        .iter()
        .map(|d| (m.location(d), d.is_error()))
        .collect();
    assert_eq!(
        got,
        [
            ("t.conf:20".to_string(), false),
            ("t.conf:23".to_string(), false),
            ("t.conf:26".to_string(), false),
            ("t.conf:28".to_string(), false)
        ]
    );
    for (d, text) in m.diagnostics.iter().zip([
        "([10.2.0.1]:tcp:80) BFD_CHECK - RS already monitoring b1",
        "([10.2.0.1]:tcp:80) BFD_CHECK - BFD vonly not configured",
        "([10.2.0.1]:tcp:80) BFD_CHECK - BFD later not configured",
        "([10.2.0.1]:tcp:80) No name has been specified for BFD_CHECKER - skipping",
    ]) {
        assert!(d.message.starts_with(text), "{}", d.message);
    }
    assert_eq!(m.desired.bfd_sessions.len(), 1);
    assert_eq!(m.desired.bfd_sessions[0].name, "b1");
}

#[test]
fn bfd_check_of_a_session_vrrpd_tracks_runs_no_session_and_is_warned() {
    let vi = "vrrp_instance V {\n interface eth0\n virtual_router_id 1\n priority 100\n\
              virtual_ipaddress {\n 10.0.0.9\n }\n track_bfd {\n b1\n }\n}\n";
    let text = format!(
        "bfd_instance b1 {{\n neighbor_ip 10.9.0.2\n}}\n{vi}\
         {BFD_VS} real_server 10.2.0.1 80 {{\n BFD_CHECK {{\n name b1\n }}\n }}\n}}\n"
    );
    let m = map(&text);
    let vs = only(&m);
    assert_eq!(
        vs.real_servers[0].checkers[0].kind,
        CheckKind::Bfd { name: "b1".into() }
    );
    assert!(m.desired.bfd_sessions.is_empty());
    assert_eq!(m.diagnostics.len(), 1, "{:?}", m.diagnostics);
    assert_eq!(m.location(&m.diagnostics[0]), "t.conf:1");
    assert!(
        m.diagnostics[0]
            .message
            .contains("vrrpd runs the BFD sessions"),
        "{}",
        m.diagnostics[0].message
    );
    // Untracked, its events still go to VRRP (no flag written): vrrpd runs it.
    let untracked = text.replace(" track_bfd {\n b1\n }\n", "");
    let m = map(&untracked);
    assert!(m.desired.bfd_sessions.is_empty());
    assert_eq!(m.diagnostics.len(), 1, "{:?}", m.diagnostics);
    // With `checker` only, vrrpd has no session to run and lvsd runs it.
    let m = map(&untracked.replace("neighbor_ip 10.9.0.2\n", "neighbor_ip 10.9.0.2\n checker\n"));
    assert!(m.diagnostics.is_empty(), "{:?}", m.diagnostics);
    assert_eq!(m.desired.bfd_sessions.len(), 1);
    // Without a vrrp_instance there is no vrrpd: lvsd runs it.
    let m = map(&text.replace(vi, ""));
    assert!(m.diagnostics.is_empty(), "{:?}", m.diagnostics);
    assert_eq!(m.desired.bfd_sessions.len(), 1);
}

#[test]
fn bfd_max_hops_minus_one_checks_no_ttl_as_keepalived() {
    let m = map(&format!(
        "bfd_instance b1 {{\n neighbor_ip 10.9.0.2\n max_hops -1\n}}\n\
         {BFD_VS} real_server 10.2.0.1 80 {{\n BFD_CHECK {{\n name b1\n }}\n }}\n}}\n"
    ));
    assert_eq!(m.desired.bfd_sessions[0].max_hops, 255);
    assert!(m.diagnostics.is_empty(), "{:?}", m.diagnostics);
}

#[test]
fn bfd_check_of_a_dropped_session_is_kept_without_a_session() {
    // keepalived's BFD process drops a session without a neighbor; the checker
    // process still knows the name, so the BFD_CHECK stays (never Up).
    let m = map(&format!(
        "bfd_instance b1 {{\n min_rx 100\n}}\n\
         {BFD_VS} real_server 10.2.0.1 80 {{\n BFD_CHECK {{\n name b1\n }}\n }}\n}}\n"
    ));
    assert_eq!(only(&m).real_servers[0].checkers.len(), 1);
    assert!(m.desired.bfd_sessions.is_empty());
}

#[test]
fn rs_init_notifies_flag() {
    let on = map("global_defs {\n rs_init_notifies\n}\n");
    assert!(on.desired.rs_init_notifies);
    let off = map("global_defs {\n rs_init_notifies false\n}\n");
    assert!(!off.desired.rs_init_notifies);
    assert!(!map("global_defs {\n}\n").desired.rs_init_notifies);
}

#[test]
fn ha_suspend_names_the_virtual_address_and_is_off_by_default() {
    let text = |flag: &str| {
        format!(
            "virtual_server 10.1.0.1 80 {{\n {flag}\n lvs_sched rr\n lvs_method NAT\n protocol TCP\n\
             real_server 10.2.0.1 80 {{\n }}\n}}\n"
        )
    };
    assert_eq!(
        only(&map(&text("ha_suspend"))).ha_suspend,
        Some("10.1.0.1".parse().unwrap())
    );
    assert_eq!(only(&map(&text(""))).ha_suspend, None);
}

#[test]
fn http_get_without_url_is_ignored_but_the_servers_stay() {
    // keepalived 2.2.7 -t: "HTTP/SSL_GET checker has no urls specified - ignoring".
    let m = map(
        "virtual_server 10.1.0.1 80 {\n lvs_sched rr\n lvs_method NAT\n protocol TCP\n\
         real_server 10.2.0.2 80 {\n HTTP_GET {\n connect_timeout 3\n }\n TCP_CHECK {\n }\n }\n}\n",
    );
    let vs = only(&m);
    assert_eq!(vs.real_servers.len(), 1);
    assert_eq!(vs.real_servers[0].checkers.len(), 1, "only TCP_CHECK stays");
    assert_eq!(m.diagnostics.len(), 1, "{:?}", m.diagnostics);
    assert!(!m.diagnostics[0].is_error());
    assert!(
        m.diagnostics[0].message.contains("no url"),
        "{:?}",
        m.diagnostics
    );
}

/// keepalived 2.2.7 (`keepalived -t` on such a config): "Warning - quorum 10
/// for [10.9.0.1]:tcp:80 exceeds total weight of real servers 7, reducing
/// quorum to 7", then "Virtual server [10.9.0.1]:tcp:80: hysteresis 8 >=
/// quorum 7; setting hysteresis to 6".
#[test]
fn quorum_above_the_weight_sum_is_reduced() {
    let conf = |q: &str, w: (u32, u32)| {
        format!(
            "virtual_server 10.9.0.1 80 {{\n lb_algo rr\n lb_kind NAT\n protocol TCP\n {q}\n\
             real_server 10.9.0.2 80 {{\n weight {}\n }}\n\
             real_server 10.9.0.3 80 {{\n weight {}\n }}\n}}\n",
            w.0, w.1
        )
    };
    let messages = |m: &Mapped| {
        m.diagnostics
            .iter()
            .map(|d| d.message.clone())
            .collect::<Vec<_>>()
    };
    let m = map(&conf("quorum 10\n hysteresis 8", (3, 4)));
    assert_eq!((only(&m).quorum, only(&m).hysteresis), (7, 6));
    assert_eq!(
        messages(&m),
        [
            "Warning - quorum 10 for [10.9.0.1]:tcp:80 exceeds total weight of real servers 7, \
             reducing quorum to 7",
            "Virtual server [10.9.0.1]:tcp:80: hysteresis 8 >= quorum 7; setting hysteresis to 6",
        ]
    );
    // Within the sum: kept, no warning.
    let m = map(&conf("quorum 7\n hysteresis 2", (3, 4)));
    assert_eq!((only(&m).quorum, only(&m).hysteresis), (7, 2));
    assert!(messages(&m).is_empty(), "{:?}", messages(&m));
    // All weights 0: quorum 0 (keepalived wraps the hysteresis to UINT_MAX;
    // lvsd uses 0).
    let m = map(&conf("quorum 10\n hysteresis 2", (0, 0)));
    assert_eq!((only(&m).quorum, only(&m).hysteresis), (0, 0));
    assert_eq!(messages(&m).len(), 2, "{:?}", messages(&m));
}

/// MISC_CHECK carries global_defs' `script_user` / `enable_script_security`
/// (keepalived runs a misc script without `user` as the default script user).
#[test]
fn misc_check_gets_the_global_script_policy() {
    let m = map(
        "global_defs {\n script_user nobody\n enable_script_security\n}\n\
         virtual_server 10.1.0.1 80 {\n lb_kind NAT\n protocol TCP\n\
         real_server 10.2.0.1 80 {\n MISC_CHECK {\n misc_path /bin/true\n }\n }\n}\n",
    );
    let CheckKind::Misc(spec) = &only(&m).real_servers[0].checkers[0].kind else {
        panic!("not a MISC_CHECK");
    };
    assert_eq!(spec.user, None);
    assert_eq!(
        spec.policy,
        crate::script_policy::ScriptPolicy {
            user: Some(("nobody".into(), None)),
            security: true,
        }
    );
}

/// `notify_up SCRIPT [USER [GROUP]]` and the same for notify_down, quorum_up
/// and quorum_down (keepalived.conf(5) 2.2.7): the user goes with the command.
#[test]
fn script_lines_keep_their_user_and_group() {
    let m = map(
        "virtual_server 10.1.0.1 80 {\n lb_algo rr\n lb_kind NAT\n protocol TCP\n\
         quorum_up \"/bin/qup a\" nobody nogroup\n quorum_down /bin/qdown\n\
         real_server 10.2.0.1 80 {\n notify_up \"/bin/up x\" nobody\n\
         notify_down \"/bin/down\" root\n }\n}\n",
    );
    let vs = only(&m);
    let cmd = |c: Option<&Command>| c.cloned().map(|c| (c.argv.join(" "), c.user));
    let some = |a: &str, u: Option<(&str, Option<&str>)>| {
        Some((
            a.to_string(),
            u.map(|(u, g)| (u.to_string(), g.map(str::to_string))),
        ))
    };
    assert_eq!(
        cmd(vs.quorum_up.as_ref()),
        some("/bin/qup a", Some(("nobody", Some("nogroup"))))
    );
    assert_eq!(cmd(vs.quorum_down.as_ref()), some("/bin/qdown", None));
    let rs = &vs.real_servers[0];
    assert_eq!(
        cmd(rs.notify_up.as_deref()),
        some("/bin/up x", Some(("nobody", None)))
    );
    assert_eq!(
        cmd(rs.notify_down.as_deref()),
        some("/bin/down", Some(("root", None)))
    );
}

#[test]
fn scripts_split_as_vrrpd_splits_them_and_a_broken_one_is_ignored() {
    // One splitter for both daemons (keepalived_conf::command): the configured
    // text loses one level of backslashes, then is split into words; an
    // unterminated quote makes keepalived ignore the script.
    let m = map(
        "virtual_server 10.1.0.1 80 {\n lvs_sched rr\n lvs_method NAT\n protocol TCP\n\
         quorum_up \"/bin/q 'unterminated\"\n\
         real_server 10.2.0.1 80 {\n notify_up \"/bin/n a\\\\\\\\ b\"\n }\n}\n",
    );
    let vs = only(&m);
    assert!(
        vs.quorum_up.is_none(),
        "a script keepalived ignores is not run"
    );
    assert!(
        m.diagnostics
            .iter()
            .any(|d| m.location(d) == "t.conf:5" && d.message.contains("the script is ignored")),
        "{:?}",
        m.diagnostics
    );
    // `a\\\\ b` in the file: `a\\ b` after the configuration's own unescaping,
    // then the words `a\` and `b`.
    let up = vs.real_servers[0].notify_up.as_ref().unwrap();
    assert_eq!(up.argv, ["/bin/n", "a\\", "b"]);
}

#[test]
fn group_of_the_other_family_than_the_real_servers_drops_the_virtual_server() {
    // keepalived: a group's virtual server takes its family from its first real server
    // not tunnelled; a group holding only the other family is "address family doesn't
    // match virtual server - ignoring" (ipwrapper.c link_vsg_to_vs()), not an error.
    let m = map("virtual_server_group v6 {\n 2001::1 80\n}\n\
         virtual_server group v6 {\n lvs_sched rr\n lvs_method NAT\n protocol TCP\n\
         real_server 192.168.88.30 80 {\n }\n}\n\
         virtual_server_group v6t {\n 2001::2 80\n}\n\
         virtual_server group v6t {\n lvs_sched rr\n lvs_method TUN\n protocol TCP\n\
         real_server 192.168.88.31 80 {\n }\n}\n");
    let vs = only(&m);
    assert_eq!(vs.id, "group v6t");
    assert_eq!(vs.real_servers.len(), 1);
    assert_eq!(m.diagnostics.len(), 1, "{:?}", m.diagnostics);
    assert!(!m.diagnostics[0].is_error());
    assert_eq!(m.location(&m.diagnostics[0]), "t.conf:4");
    assert!(
        m.diagnostics[0].message.contains("is ignored"),
        "{:?}",
        m.diagnostics[0]
    );
}

/// A real server without `smtp_alert` takes global_defs' `smtp_alert_checker`, then
/// `smtp_alert`, else on; the virtual server's own `smtp_alert` is not inherited
/// (check_data.c `validate_check_config`; keepalived's dump shows "Using smtp
/// notification = yes" for an unset real server).
#[test]
fn real_server_smtp_alert_defaults_on_and_skips_the_virtual_server() {
    let rs_alerts = |globals: &str, vs: &str| -> Vec<bool> {
        let m = map(&format!(
            "global_defs {{\n{globals}}}\n\
             virtual_server 10.1.0.1 80 {{\n protocol TCP\n{vs}\
             real_server 10.2.0.1 80 {{\n }}\n\
             real_server 10.2.0.2 80 {{\n smtp_alert no\n }}\n\
             real_server 10.2.0.3 80 {{\n smtp_alert\n }}\n}}\n"
        ));
        only(&m).real_servers.iter().map(|r| r.smtp_alert).collect()
    };
    assert_eq!(rs_alerts("", ""), [true, false, true]);
    assert_eq!(rs_alerts("", " smtp_alert no\n"), [true, false, true]);
    assert_eq!(
        rs_alerts(" smtp_alert no\n", " smtp_alert\n"),
        [false, false, true]
    );
    assert_eq!(
        rs_alerts(" smtp_alert no\n smtp_alert_checker\n", ""),
        [true, false, true]
    );
    // The virtual server itself still defaults to off.
    let m = map("virtual_server 10.1.0.1 80 {\n protocol TCP\n real_server 10.2.0.1 80 {\n }\n}\n");
    assert!(!only(&m).smtp_alert);
}

/// `misc_timeout 0` (keepalived accepts it) and no `misc_timeout` both give the
/// virtual server's delay_loop (check_misc.c `misc_check_thread`).
#[test]
fn misc_timeout_zero_is_the_delay_loop() {
    let timeout = |line: &str| {
        let m = map(&format!(
            "virtual_server 10.1.0.1 80 {{\n protocol TCP\n delay_loop 7\n\
             real_server 10.2.0.1 80 {{\n MISC_CHECK {{\n misc_path /bin/true\n{line} }}\n }}\n}}\n"
        ));
        assert!(
            m.diagnostics.iter().all(|d| !d.is_error()),
            "{:?}",
            m.diagnostics
        );
        let CheckKind::Misc(spec) = &only(&m).real_servers[0].checkers[0].kind else {
            panic!("not a MISC_CHECK");
        };
        spec.timeout
    };
    assert_eq!(timeout(""), Duration::from_secs(7));
    assert_eq!(timeout(" misc_timeout 0\n"), Duration::from_secs(7));
    assert_eq!(timeout(" misc_timeout 3\n"), Duration::from_secs(3));
}

#[test]
fn granularity_as_keepalived_holds_it() {
    let held = |conf: &str| only(&map(conf)).written.granularity;
    let v4 = |w: &str| {
        format!(
            "virtual_server 10.1.0.1 80 {{\n lvs_sched rr\n lvs_method NAT\n protocol TCP\n persistence_granularity {w}\n real_server 10.2.0.1 80 {{\n }}\n}}\n"
        )
    };
    let v6 = |w: &str| {
        format!(
            "virtual_server fd00::1 80 {{\n lvs_sched rr\n lvs_method NAT\n protocol TCP\n persistence_granularity {w}\n real_server fd00::2 80 {{\n }}\n}}\n"
        )
    };
    assert_eq!(
        held(&v4("255.255.255.0")),
        u32::from_ne_bytes([255, 255, 255, 0])
    );
    assert_eq!(
        held(&v4("255.0.255.0")),
        u32::from_ne_bytes([255, 0, 255, 0])
    );
    // An IPv4 service reads a bare number as an address.
    assert_eq!(held(&v4("24")), u32::from_ne_bytes([0, 0, 0, 24]));
    assert_eq!(held(&v4("255.0.255.x")), u32::MAX);
    assert_eq!(held(&v6("64")), 64);
    assert_eq!(held(&v6("129")), u32::MAX);
}

/// A fwmark service whose family is not known when its granularity is met
/// takes the family from the word (a dot: IPv4), as keepalived's
/// `pgr_handler` does. Observed with `keepalived -t`: `fwmark 1` with
/// `persistence_granularity 24` before an IPv4 real server gives "Address
/// family of virtual server and real server 10.2.0.1 don't match - skipping
/// real server."; with `255.255.255.0`, or with the real server written
/// first, nothing.
#[test]
fn fwmark_family_follows_a_granularity_written_first() {
    let fw = |gr_first: bool, word: &str, with_v6_rs: bool| {
        let gr = format!(" persistence_granularity {word}\n");
        let mut rs = " real_server 10.2.0.1 80 {\n }\n".to_string();
        if with_v6_rs {
            rs.push_str(" real_server fd00::2 80 {\n }\n");
        }
        let (a, b) = if gr_first {
            (&gr[..], &rs[..])
        } else {
            (&rs[..], &gr[..])
        };
        map(&format!(
            "virtual_server fwmark 1 {{\n lvs_sched rr\n lvs_method NAT\n{a}{b}}}\n"
        ))
    };
    let m = fw(true, "24", true);
    let vs = only(&m);
    assert_eq!(
        vs.services[0].key,
        ServiceKey::Fwmark {
            af: AddressFamily::Inet6,
            mark: 1
        }
    );
    assert_eq!(vs.services[0].netmask, 24);
    let kept: Vec<String> = vs
        .real_servers
        .iter()
        .map(|rs| rs.key.to_string())
        .collect();
    assert_eq!(kept, ["[fd00::2]:80"]);
    assert_eq!(m.diagnostics.len(), 1, "{:?}", m.diagnostics);
    assert_eq!(m.location(&m.diagnostics[0]), "t.conf:5");
    assert!(
        m.diagnostics[0]
            .message
            .contains("real_server 10.2.0.1 is IPv4"),
        "{:?}",
        m.diagnostics
    );
    // With its only real server skipped, the service has none and is dropped.
    let m = fw(true, "24", false);
    assert!(m.desired.virtual_servers.is_empty());
    assert_eq!(m.diagnostics.len(), 2, "{:?}", m.diagnostics);
    let messages: Vec<(String, &str)> = m
        .diagnostics
        .iter()
        .map(|d| (m.location(d), d.message.as_str()))
        .collect();
    assert_eq!(
        messages[0],
        (
            "t.conf:1".to_string(),
            "Virtual server FWM 1 has no real servers - ignoring"
        ),
        "{messages:?}"
    );
    assert!(
        messages[1].1.contains("real_server 10.2.0.1 is IPv4"),
        "{messages:?}"
    );

    let m = fw(true, "255.255.255.0", false);
    assert!(m.diagnostics.is_empty(), "{:?}", m.diagnostics);
    let vs = only(&m);
    assert_eq!(vs.services[0].key.af(), AddressFamily::Inet);
    assert_eq!(vs.services[0].netmask, 0xffff_ff00);
    assert_eq!(vs.real_servers.len(), 1);

    let m = fw(false, "24", false);
    let vs = only(&m);
    assert_eq!(vs.services[0].key.af(), AddressFamily::Inet);
    assert_eq!(vs.services[0].netmask, 24);
    assert_eq!(vs.real_servers.len(), 1);
    assert_eq!(vs.written.granularity, u32::from_ne_bytes([0, 0, 0, 24]));
}

/// keepalived runs its checker process, and with it the checker's SNMP
/// agent, only when a `virtual_server` is written (`running_checker`).
#[test]
fn snmp_is_served_only_with_a_virtual_server() {
    let g = "global_defs {\n enable_snmp_checker\n}\n";
    assert!(map(g).desired.snmp.is_none());
    let m = map(&format!(
        "{g}virtual_server 10.1.0.1 80 {{\n protocol TCP\n real_server 10.2.0.1 80 {{\n }}\n}}\n"
    ));
    assert!(m.desired.snmp.is_some());
}

#[test]
fn refused_real_server_tunnel_options_leave_the_virtual_servers() {
    let m = map(
        "virtual_server 10.1.0.1 80 {\n lvs_sched rr\n protocol TCP\n\
         lvs_method TUN type gue port 6080 csum\n\
         real_server 10.2.0.1 80 {\n lvs_method TUN type gre remcsum\n }\n}\n",
    );
    let vs = only(&m);
    let d = &vs.real_servers[0].dest;
    assert_eq!(
        (d.fwd, d.tun_type, d.tun_port, d.tun_flags),
        (
            ForwardMethod::Tunnel,
            TunnelType::Gue,
            6080,
            TunnelFlags::CSUM
        )
    );
}

/// keepalived's `validate_check_config` drops a virtual server without real
/// servers: none written, all skipped for their family, or only a sorry
/// server; the other virtual servers stay.
#[test]
fn a_virtual_server_without_real_servers_is_dropped() {
    let kept = " virtual_server 10.1.0.9 80 {\n lvs_sched rr\n lvs_method NAT\n protocol TCP\n\
                real_server 10.2.0.9 80 {\n }\n}\n";
    for (case, body, name) in [
        (
            "none",
            "virtual_server 10.1.0.1 80 {\n lvs_sched rr\n lvs_method NAT\n protocol TCP\n}\n",
            "[10.1.0.1]:tcp:80",
        ),
        (
            "all skipped by family",
            "virtual_server 10.1.0.1 80 {\n lvs_sched rr\n lvs_method NAT\n protocol TCP\n\
             real_server fd00::2 80 {\n }\n real_server fd00::3 80 {\n }\n}\n",
            "[10.1.0.1]:tcp:80",
        ),
        (
            "sorry server only",
            "virtual_server 10.1.0.1 80 {\n lvs_sched rr\n lvs_method NAT\n protocol TCP\n\
             sorry_server 10.3.0.1 80\n}\n",
            "[10.1.0.1]:tcp:80",
        ),
        (
            "undefined group",
            "virtual_server group NOPE {\n lvs_sched rr\n lvs_method NAT\n protocol TCP\n}\n",
            "[NOPE]:0",
        ),
        (
            "group",
            "virtual_server_group G {\n 10.1.0.1 80\n}\n\
             virtual_server group G {\n lvs_sched rr\n lvs_method NAT\n protocol TCP\n}\n",
            "[G]:0",
        ),
    ] {
        let m = map(&format!("{body}{kept}"));
        let ids: Vec<&str> = m
            .desired
            .virtual_servers
            .iter()
            .map(|vs| vs.id.as_str())
            .collect();
        assert_eq!(ids, ["TCP 10.1.0.9:80"], "{case}: {:?}", m.diagnostics);
        let drops: Vec<_> = m
            .diagnostics
            .iter()
            .filter(|d| d.message.contains("no real servers"))
            .collect();
        assert_eq!(drops.len(), 1, "{case}: {:?}", m.diagnostics);
        let last = drops[0];
        assert!(!last.is_error(), "{case}");
        assert!(
            last.message.contains("has no real servers - ignoring") && last.message.contains(name),
            "{case}: {}",
            last.message
        );
        let first_line = if case == "group" { 4 } else { 1 };
        assert_eq!(m.location(last), format!("t.conf:{first_line}"), "{case}");
    }
}

/// A real server written twice (same address and destination port) is
/// removed the second time with keepalived's warning; the virtual server
/// keeps the first, with its own settings.
#[test]
fn a_duplicated_real_server_is_removed_the_second_time() {
    let m = map(
        "virtual_server 10.1.0.1 80 {\n lvs_sched rr\n lvs_method NAT\n protocol TCP\n\
         real_server 10.2.0.1 80 {\n weight 3\n }\n real_server 10.2.0.2 80 {\n }\n\
         real_server 10.2.0.1 80 {\n weight 7\n }\n}\n",
    );
    let vs = only(&m);
    let kept: Vec<(String, i32)> = vs
        .real_servers
        .iter()
        .map(|rs| (rs.key.to_string(), rs.dest.weight))
        .collect();
    assert_eq!(
        kept,
        [
            ("10.2.0.1:80".to_string(), 3),
            ("10.2.0.2:80".to_string(), 1)
        ]
    );
    assert_eq!(
        messages(&m),
        [(
            "t.conf:10".to_string(),
            "VS [10.1.0.1]:tcp:80: real server [10.2.0.1]:tcp:80 is duplicated - removing second rs"
                .to_string()
        )]
    );
}
