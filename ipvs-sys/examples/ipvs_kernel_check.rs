//! Kernel check for ipvs-sys, run inside the IPVS test VM by
//! `scripts/vm/ipvs-kernel-test.sh` (needs root, a kernel with ip_vs and
//! `ipvsadm` on PATH). After each step it compares `ipvsadm -S -n` with what
//! the binding did, and reads back with the binding what ipvsadm set.
//! Prints `N passed, M failed` and exits non-zero on any failure.

use std::net::IpAddr;
use std::process::Command;

use ipvs_sys::{
    AddressFamily, DaemonState, Destination, Error, ForwardMethod, IpvsClient, Protocol, Service,
    ServiceFlags, ServiceKey, SyncDaemon, Timeouts, TunnelFlags, TunnelType,
};

struct Checker {
    passed: u32,
    failed: u32,
}

impl Checker {
    fn check(&mut self, name: &str, ok: bool, detail: impl FnOnce() -> String) {
        if ok {
            self.passed += 1;
            println!("ok   {name}");
        } else {
            self.failed += 1;
            println!("FAIL {name}\n{}", detail());
        }
    }

    fn save_is(&mut self, name: &str, want: &str) {
        let got = ipvsadm(&["-S", "-n"]);
        self.check(name, got == want, || {
            format!("--- want\n{want}--- ipvsadm -S -n\n{got}")
        });
    }
}

fn ipvsadm(args: &[&str]) -> String {
    match Command::new("ipvsadm").args(args).output() {
        Ok(o) => {
            String::from_utf8_lossy(&o.stdout).into_owned() + &String::from_utf8_lossy(&o.stderr)
        }
        Err(e) => format!("ipvsadm failed to run: {e}"),
    }
}

fn ip(s: &str) -> IpAddr {
    s.parse()
        .unwrap_or(IpAddr::V4(std::net::Ipv4Addr::UNSPECIFIED))
}

fn inet(protocol: Protocol, addr: &str, port: u16, sched: &str) -> Service {
    Service::new(
        ServiceKey::Inet {
            protocol,
            addr: ip(addr),
            port,
        },
        sched,
    )
}

fn run() -> Result<Checker, Error> {
    let mut c = Checker {
        passed: 0,
        failed: 0,
    };
    let mut ipvs = IpvsClient::new()?;
    ipvs.flush()?;
    let info = ipvs.info()?;
    c.check(
        "info version 1.2.1",
        info.version_triple() == (1, 2, 1),
        || format!("{info:?}"),
    );

    // Services of every kind.
    let tcp = inet(Protocol::Tcp, "10.10.0.1", 80, "rr");
    let mut udp = inet(Protocol::Udp, "10.10.0.2", 53, "wlc");
    udp.flags = ServiceFlags::PERSISTENT;
    udp.timeout = 120;
    udp.netmask = 0xffff_ff00;
    let mut sctp = inet(Protocol::Sctp, "10.10.0.3", 3868, "sh");
    sctp.flags = ServiceFlags::SCHED1 | ServiceFlags::SCHED2;
    let mut fwm = Service::new(
        ServiceKey::Fwmark {
            af: AddressFamily::Inet,
            mark: 7,
        },
        "mh",
    );
    fwm.flags = ServiceFlags::SCHED2;
    let mut v6 = inet(Protocol::Tcp, "2001:db8::10", 443, "lc");
    v6.flags = ServiceFlags::PERSISTENT;
    v6.timeout = 600;
    v6.netmask = 64;
    let mut fwm6 = Service::new(
        ServiceKey::Fwmark {
            af: AddressFamily::Inet6,
            mark: 8,
        },
        "wrr",
    );
    fwm6.flags = ServiceFlags::PERSISTENT;
    fwm6.timeout = 30;
    let mut ops = inet(Protocol::Udp, "10.10.0.4", 5060, "sed");
    ops.flags = ServiceFlags::ONEPACKET | ServiceFlags::PERSISTENT;
    ops.timeout = 60;
    ops.pe_name = Some("sip".into());
    for s in [&tcp, &udp, &sctp, &fwm, &v6, &fwm6, &ops] {
        ipvs.new_service(s)?;
    }
    c.save_is(
        "services of every kind",
        "-A -t 10.10.0.1:80 -s rr\n\
         -A -u 10.10.0.2:53 -s wlc -p 120 -M 255.255.255.0\n\
         -A -u 10.10.0.4:5060 -s sed -p 60 --pe sip -o\n\
         -A --sctp-service 10.10.0.3:3868 -s sh -b sh-fallback,sh-port\n\
         -A -t [2001:db8::10]:443 -s lc -p 600 -M 64\n\
         -A -f 7 -s mh -b mh-port\n\
         -A -f 8 -6 -s wrr -p 30\n",
    );
    let mut dumped = ipvs.services()?;
    dumped.sort_by_key(|s| format!("{}", s.key));
    let back = dumped.iter().find(|s| s.key == udp.key).cloned();
    c.check(
        "dump reads back the persistent UDP service",
        back.as_ref().is_some_and(|b| {
            b.scheduler == "wlc"
                && b.timeout == 120
                && b.netmask == 0xffff_ff00
                && b.flags.contains(ServiceFlags::PERSISTENT)
        }),
        || format!("{back:?}"),
    );
    c.check("dump has 7 services", dumped.len() == 7, || {
        format!("{dumped:#?}")
    });

    // Destinations: each forwarding method, tunnels, IPv6, thresholds.
    let mut masq = Destination::new(ip("10.20.0.1"), 8080, ForwardMethod::Masq);
    masq.weight = 3;
    masq.upper_threshold = 1000;
    masq.lower_threshold = 100;
    let route = Destination::new(ip("10.20.0.2"), 80, ForwardMethod::Route);
    let tun = Destination::new(ip("10.20.0.3"), 80, ForwardMethod::Tunnel);
    let mut gue = Destination::new(ip("10.20.0.4"), 80, ForwardMethod::Tunnel);
    gue.tun_type = TunnelType::Gue;
    gue.tun_port = 5555;
    gue.tun_flags = TunnelFlags::CSUM;
    let mut gre = Destination::new(ip("10.20.0.5"), 80, ForwardMethod::Tunnel);
    gre.tun_type = TunnelType::Gre;
    let mut zero = Destination::new(ip("10.20.0.6"), 80, ForwardMethod::Route);
    zero.weight = 0;
    for d in [&masq, &route, &tun, &gue, &gre, &zero] {
        ipvs.new_dest(&tcp, d)?;
    }
    let mut d6 = Destination::new(ip("2001:db8::20"), 443, ForwardMethod::Masq);
    d6.weight = 7;
    ipvs.new_dest(&v6, &d6)?;
    ipvs.new_dest(
        &fwm,
        &Destination::new(ip("10.20.0.7"), 0, ForwardMethod::Route),
    )?;
    c.save_is(
        "destinations of every forwarding method",
        "-A -t 10.10.0.1:80 -s rr\n\
         -a -t 10.10.0.1:80 -r 10.20.0.1:8080 -m -w 3\n\
         -a -t 10.10.0.1:80 -r 10.20.0.2:80 -g -w 1\n\
         -a -t 10.10.0.1:80 -r 10.20.0.3:80 -i -w 1 --tun-type ipip\n\
         -a -t 10.10.0.1:80 -r 10.20.0.4:80 -i -w 1 --tun-type gue --tun-port 5555 --tun-csum\n\
         -a -t 10.10.0.1:80 -r 10.20.0.5:80 -i -w 1 --tun-type gre --tun-nocsum\n\
         -a -t 10.10.0.1:80 -r 10.20.0.6:80 -g -w 0\n\
         -A -u 10.10.0.2:53 -s wlc -p 120 -M 255.255.255.0\n\
         -A -u 10.10.0.4:5060 -s sed -p 60 --pe sip -o\n\
         -A --sctp-service 10.10.0.3:3868 -s sh -b sh-fallback,sh-port\n\
         -A -t [2001:db8::10]:443 -s lc -p 600 -M 64\n\
         -a -t [2001:db8::10]:443 -r [2001:db8::20]:443 -m -w 7\n\
         -A -f 7 -s mh -b mh-port\n\
         -a -f 7 -r 10.20.0.7:0 -g -w 1\n\
         -A -f 8 -6 -s wrr -p 30\n",
    );
    let dests = ipvs.destinations(&tcp)?;
    let m = dests.iter().find(|d| d.addr == masq.addr);
    c.check(
        "dump reads back thresholds",
        m.is_some_and(|d| {
            d.upper_threshold == 1000 && d.lower_threshold == 100 && d.weight == 3 && d.port == 8080
        }),
        || format!("{m:?}"),
    );
    let g = dests.iter().find(|d| d.addr == gue.addr);
    c.check(
        "dump reads back GUE tunnel",
        g.is_some_and(|d| {
            d.tun_type == TunnelType::Gue && d.tun_port == 5555 && d.tun_flags == TunnelFlags::CSUM
        }),
        || format!("{g:?}"),
    );

    // Edits and deletes.
    let mut tcp2 = tcp.clone();
    tcp2.scheduler = "wlc".into();
    tcp2.flags = ServiceFlags::PERSISTENT;
    tcp2.timeout = 900;
    ipvs.set_service(&tcp2)?;
    let mut masq2 = masq.clone();
    masq2.weight = 0;
    ipvs.set_dest(&tcp, &masq2)?;
    ipvs.del_dest(&tcp, &route)?;
    ipvs.del_service(&sctp)?;
    let save = ipvsadm(&["-S", "-n"]);
    c.check(
        "edit/delete visible to ipvsadm",
        save.contains("-A -t 10.10.0.1:80 -s wlc -p 900\n")
            && save.contains("-r 10.20.0.1:8080 -m -w 0\n")
            && !save.contains("10.20.0.2:80")
            && !save.contains("sctp"),
        || save.clone(),
    );

    // Typed errors naming the object.
    let e = ipvs.new_service(&tcp).err();
    c.check(
        "EEXIST -> Exists naming the service",
        matches!(&e, Some(Error::Exists(_)))
            && e.as_ref()
                .is_some_and(|e| e.to_string().contains("10.10.0.1:80")),
        || format!("{e:?}"),
    );
    let e = ipvs
        .del_service(&inet(Protocol::Tcp, "10.99.0.1", 1, ""))
        .err();
    c.check(
        "ESRCH -> NoSuchService",
        matches!(e, Some(Error::NoSuchService(_))),
        || format!("{e:?}"),
    );
    let e = ipvs.del_dest(&tcp, &route).err();
    c.check(
        "ENOENT -> NotFound for a missing destination",
        matches!(e, Some(Error::NotFound(_))),
        || format!("{e:?}"),
    );
    let e = ipvs
        .new_service(&inet(Protocol::Tcp, "10.10.0.9", 80, "nosuch"))
        .err();
    c.check(
        "unknown scheduler -> NotFound",
        matches!(e, Some(Error::NotFound(_))),
        || format!("{e:?}"),
    );

    // Batch: many requests, some failing, results in order.
    let mut batch = Vec::new();
    for i in 0..300u16 {
        let s = inet(Protocol::Tcp, "10.30.0.1", 1000 + i, "rr");
        batch.push(ipvs_sys::Request::NewService(s.clone()));
        batch.push(ipvs_sys::Request::NewDest(
            s,
            Destination::new(ip("10.40.0.1"), 80, ForwardMethod::Masq),
        ));
    }
    batch.push(ipvs_sys::Request::NewService(tcp.clone())); // exists
    let results = ipvs.execute_batch(&batch)?;
    let oks = results.iter().filter(|r| r.is_ok()).count();
    c.check(
        "batch of 601: 600 ok, last EEXIST",
        oks == 600 && matches!(results.last(), Some(Err(Error::Exists(_)))),
        || format!("{oks} ok, last {:?}", results.last()),
    );
    let n = ipvs.services()?.len();
    c.check("batch services visible", n == 306, || {
        format!("{n} services")
    });

    // ipvsadm sets, we read.
    ipvs.flush()?;
    let _ = ipvsadm(&["-A", "-u", "10.50.0.1:53", "-s", "nq", "-p", "45"]);
    let _ = ipvsadm(&[
        "-a",
        "-u",
        "10.50.0.1:53",
        "-r",
        "10.60.0.1:5353",
        "-m",
        "-w",
        "9",
        "-x",
        "50",
        "-y",
        "5",
    ]);
    let svcs = ipvs.services()?;
    let s = svcs.first().cloned();
    c.check(
        "reads back ipvsadm's service",
        s.as_ref().is_some_and(|s| {
            s.key
                == ServiceKey::Inet {
                    protocol: Protocol::Udp,
                    addr: ip("10.50.0.1"),
                    port: 53,
                }
                && s.scheduler == "nq"
                && s.timeout == 45
                && s.flags.contains(ServiceFlags::PERSISTENT)
        }),
        || format!("{svcs:?}"),
    );
    if let Some(s) = s {
        let d = ipvs.destinations(&s)?;
        c.check(
            "reads back ipvsadm's destination",
            d.len() == 1
                && d[0].port == 5353
                && d[0].weight == 9
                && d[0].upper_threshold == 50
                && d[0].lower_threshold == 5
                && d[0].fwd == ForwardMethod::Masq,
            || format!("{d:?}"),
        );
    }

    // Timeouts.
    let before = ipvs.timeouts()?;
    ipvs.set_timeouts(&Timeouts {
        tcp: 1000,
        tcp_fin: 100,
        udp: 200,
    })?;
    let out = ipvsadm(&["-L", "--timeout"]);
    c.check(
        "timeouts visible to ipvsadm",
        out == "Timeout (tcp tcpfin udp): 1000 100 200\n",
        || out.clone(),
    );
    let _ = ipvsadm(&["--set", "700", "70", "170"]);
    let t = ipvs.timeouts()?;
    c.check(
        "reads back ipvsadm's timeouts",
        t == Timeouts {
            tcp: 700,
            tcp_fin: 70,
            udp: 170,
        },
        || format!("{t:?}"),
    );
    ipvs.set_timeouts(&before)?;

    // Sync daemons.
    let mut master = SyncDaemon::new(DaemonState::Master, "dummy0", 9);
    master.mcast_port = Some(8900);
    master.mcast_ttl = Some(3);
    ipvs.new_daemon(&master)?;
    let out = ipvsadm(&["-L", "--daemon"]);
    c.check("master daemon visible to ipvsadm",
        out == "master sync daemon (mcast=dummy0, syncid=9, maxlen=1472, group=224.0.0.81, port=8900, ttl=3)\n",
        || out.clone());
    let _ = ipvsadm(&[
        "--start-daemon",
        "backup",
        "--mcast-interface",
        "dummy0",
        "--syncid",
        "4",
    ]);
    let ds = ipvs.daemons()?;
    let b = ds.iter().find(|d| d.state == DaemonState::Backup);
    c.check(
        "reads back ipvsadm's backup daemon",
        b.is_some_and(|b| b.syncid == 4 && b.mcast_ifn == "dummy0"),
        || format!("{ds:?}"),
    );
    let e = ipvs.new_daemon(&master).err();
    c.check(
        "second master -> Exists",
        matches!(e, Some(Error::Exists(_))),
        || format!("{e:?}"),
    );
    ipvs.del_daemon(&ipvs_sys::request::stop_daemon(DaemonState::Master))?;
    ipvs.del_daemon(&ipvs_sys::request::stop_daemon(DaemonState::Backup))?;
    let ds = ipvs.daemons()?;
    c.check("daemons stopped", ds.is_empty(), || format!("{ds:?}"));

    // Zero and flush.
    ipvs.zero(None)?;
    ipvs.flush()?;
    c.save_is("flushed", "");
    Ok(c)
}

fn main() {
    match run() {
        Ok(c) => {
            println!("{} passed, {} failed", c.passed, c.failed);
            std::process::exit(if c.failed == 0 { 0 } else { 1 });
        }
        Err(e) => {
            println!("FAIL ipvs_kernel_check aborted: {e}");
            println!("0 passed, 1 failed");
            std::process::exit(1);
        }
    }
}
