//! ipvsadm 1.31's listing and save formats, byte for byte, including its
//! sort order (a merge sort with its wrapping C comparators, as glibc's
//! qsort runs it).

use std::cmp::Ordering;
use std::fmt::Write as _;
use std::net::IpAddr;

use ipvs_sys::{
    AddressFamily, DaemonState, Destination, ForwardMethod, Info, Protocol, Service, ServiceFlags,
    ServiceKey, SyncDaemon, Timeouts, TunnelFlags, TunnelType,
};

use crate::cli::Format;

/// A service with its destinations.
#[derive(Debug, Clone)]
pub struct Entry {
    /// The service.
    pub service: Service,
    /// Its destinations.
    pub dests: Vec<Destination>,
}

fn addr_words(a: &IpAddr) -> [u32; 4] {
    match a {
        IpAddr::V4(v) => [u32::from(*v), 0, 0, 0],
        IpAddr::V6(v) => {
            let o = v.octets();
            let w = |i: usize| u32::from_be_bytes([o[i], o[i + 1], o[i + 2], o[i + 3]]);
            [w(0), w(4), w(8), w(12)]
        }
    }
}

/// C's `(int)(a - b)` on unsigned values.
fn cdiff(a: u32, b: u32) -> i32 {
    a.wrapping_sub(b) as i32
}

/// libipvs `ipvs_cmp_services`.
pub fn cmp_services(a: &Service, b: &Service) -> i32 {
    let (fa, fb) = (fwmark(a), fwmark(b));
    let r = cdiff(fa, fb);
    if r != 0 {
        return r;
    }
    let r = i32::from(a.key.af().to_raw()) - i32::from(b.key.af().to_raw());
    if r != 0 {
        return r;
    }
    let (pa, aa, porta) = inet_parts(a);
    let (pb, ab, portb) = inet_parts(b);
    let r = i32::from(pa) - i32::from(pb);
    if r != 0 {
        return r;
    }
    let (wa, wb) = (addr_words(&aa), addr_words(&ab));
    let n = if a.key.af() == AddressFamily::Inet6 {
        4
    } else {
        1
    };
    let mut r = 0;
    for i in 0..n {
        r = cdiff(wa[i], wb[i]);
        if r != 0 {
            break;
        }
    }
    if r != 0 {
        return r;
    }
    i32::from(porta) - i32::from(portb)
}

fn fwmark(s: &Service) -> u32 {
    match s.key {
        ServiceKey::Fwmark { mark, .. } => mark,
        ServiceKey::Inet { .. } => 0,
    }
}

fn inet_parts(s: &Service) -> (u16, IpAddr, u16) {
    match s.key {
        // ipvsadm's -f entries carry protocol TCP and address 0 in the kernel.
        ServiceKey::Fwmark { .. } => (0, IpAddr::V4(std::net::Ipv4Addr::UNSPECIFIED), 0),
        ServiceKey::Inet {
            protocol,
            addr,
            port,
        } => (protocol.to_raw(), addr, port),
    }
}

/// libipvs `ipvs_cmp_dests`.
pub fn cmp_dests(a: &Destination, b: &Destination) -> i32 {
    let (wa, wb) = (addr_words(&a.addr), addr_words(&b.addr));
    let n = if matches!(a.addr, IpAddr::V6(_)) {
        4
    } else {
        1
    };
    let mut r = 0;
    for i in 0..n {
        r = cdiff(wa[i], wb[i]);
        if r != 0 {
            break;
        }
    }
    if r != 0 {
        return r;
    }
    i32::from(a.port) - i32::from(b.port)
}

/// glibc's merge sort (`msort`): split n/2, take from the left on `<= 0`.
pub fn msort<T: Clone>(v: &mut [T], cmp: &dyn Fn(&T, &T) -> i32) {
    let n = v.len();
    if n <= 1 {
        return;
    }
    let n1 = n / 2;
    msort(&mut v[..n1], cmp);
    msort(&mut v[n1..], cmp);
    let mut merged = Vec::with_capacity(n);
    let (mut i, mut j) = (0, n1);
    while i < n1 && j < n {
        if cmp(&v[i], &v[j]) <= 0 {
            merged.push(v[i].clone());
            i += 1;
        } else {
            merged.push(v[j].clone());
            j += 1;
        }
    }
    merged.extend_from_slice(&v[i..n1]);
    merged.extend_from_slice(&v[j..n]);
    v.clone_from_slice(&merged);
}

/// Sorts services and their destinations as ipvsadm does (unless --nosort).
pub fn sort_entries(entries: &mut [Entry]) {
    msort(entries, &|a: &Entry, b: &Entry| {
        cmp_services(&a.service, &b.service)
    });
    for e in entries {
        msort(&mut e.dests, &|a: &Destination, b: &Destination| {
            cmp_dests(a, b)
        });
    }
}

fn largenum(out: &mut String, i: u64, f: &Format) {
    if f.exact {
        let len = i.to_string().len();
        let w = if len <= 8 { 9 } else { len + 1 };
        let _ = write!(out, "{i:>w$}");
        return;
    }
    let _ = if i < 100_000_000 {
        write!(out, "{i:>9}")
    } else if i < 1_000_000_000 {
        write!(out, "{:>8}K", i / 1000)
    } else if i < 100_000_000_000 {
        write!(out, "{:>8}M", i / 1_000_000)
    } else if i < 100_000_000_000_000 {
        write!(out, "{:>8}G", i / 1_000_000_000)
    } else {
        write!(out, "{:>8}T", i / 1_000_000_000_000)
    };
}

fn sched_flags(s: &Service) -> String {
    let f = s.flags;
    let mut names = Vec::new();
    let (n1, n2, n3) = match s.scheduler.as_str() {
        "sh" => ("sh-fallback", "sh-port", None),
        "mh" => ("mh-fallback", "mh-port", None),
        _ => ("flag-1", "flag-2", Some("flag-3")),
    };
    if f.contains(ServiceFlags::SCHED1) {
        names.push(n1);
    }
    if f.contains(ServiceFlags::SCHED2) {
        names.push(n2);
    }
    if let Some(n3) = n3
        && f.contains(ServiceFlags::SCHED3)
    {
        names.push(n3);
    }
    names.join(",")
}

fn has_sched_flags(s: &Service) -> bool {
    s.flags
        .intersects(ServiceFlags::SCHED1 | ServiceFlags::SCHED2 | ServiceFlags::SCHED3)
}

/// Port name from /etc/services, as getservbyport.
fn port_name(port: u16, proto: Protocol) -> Option<String> {
    let p = crate::cli::services_protocol(proto)?;
    let text = std::fs::read_to_string("/etc/services").ok()?;
    let want = format!("{port}/{p}");
    text.lines().find_map(|line| {
        let line = line.split('#').next().unwrap_or("");
        let mut f = line.split_whitespace();
        let name = f.next()?;
        (f.next()? == want).then(|| name.to_string())
    })
}

/// ipvsadm's `addrport_to_anyname`. Without `-n` it names ports from
/// /etc/services; addresses stay numeric (no reverse DNS).
fn addrport(addr: &IpAddr, port: u16, proto: Protocol, f: &Format) -> String {
    let port_s = if f.numeric {
        port.to_string()
    } else {
        port_name(port, proto).unwrap_or_else(|| port.to_string())
    };
    match addr {
        IpAddr::V4(a) => format!("{a}:{port_s}"),
        IpAddr::V6(a) => format!("[{a}]:{port_s}"),
    }
}

fn protocol_name(p: Protocol) -> &'static str {
    match p {
        Protocol::Tcp => "TCP",
        Protocol::Udp => "UDP",
        Protocol::Sctp => "SCTP",
        Protocol::Other(_) => "?",
    }
}

fn protocol_option(p: Protocol) -> &'static str {
    match p {
        Protocol::Tcp => "-t",
        Protocol::Udp => "-u",
        Protocol::Sctp => "--sctp-service",
        Protocol::Other(_) => "--xxx-service",
    }
}

fn fwd_name(f: ForwardMethod) -> &'static str {
    match f {
        ForwardMethod::Masq => "Masq",
        ForwardMethod::Local => "Local",
        ForwardMethod::Tunnel => "Tunnel",
        ForwardMethod::Route => "Route",
        ForwardMethod::Other(_) => "(null)",
    }
}

fn fwd_switch(f: ForwardMethod) -> &'static str {
    match f {
        ForwardMethod::Masq => "-m",
        ForwardMethod::Tunnel => "-i",
        ForwardMethod::Local | ForwardMethod::Route => "-g",
        ForwardMethod::Other(_) => "(null)",
    }
}

fn tun_flag_index(f: TunnelFlags) -> usize {
    f.bits() as usize
}

fn tun_info(d: &Destination) -> Option<String> {
    if d.fwd != ForwardMethod::Tunnel {
        return None;
    }
    let flags = ["-c", "+c", "r+c"]
        .get(tun_flag_index(d.tun_flags))
        .copied()
        .unwrap_or("?");
    match d.tun_type {
        TunnelType::Ipip => Some("ipip".into()),
        TunnelType::Gue => Some(format!("gue:{}:{flags}", d.tun_port)),
        TunnelType::Gre => Some(format!("gre:{flags}")),
        TunnelType::Other(_) => None,
    }
}

/// The header lines of a listing.
pub fn title(out: &mut String, f: &Format) {
    if f.stats {
        let _ = writeln!(
            out,
            "{:<33} {:>8} {:>8} {:>8} {:>8} {:>8}\n  -> RemoteAddress:Port",
            "Prot LocalAddress:Port", "Conns", "InPkts", "OutPkts", "InBytes", "OutBytes"
        );
    } else if f.rate {
        let _ = writeln!(
            out,
            "{:<33} {:>8} {:>8} {:>8} {:>8} {:>8}\n  -> RemoteAddress:Port",
            "Prot LocalAddress:Port", "CPS", "InPPS", "OutPPS", "InBPS", "OutBPS"
        );
    } else if f.thresholds {
        let _ = writeln!(
            out,
            "{:<33} {:<10} {:<10} {:<10} {:<10}\n  -> RemoteAddress:Port",
            "Prot LocalAddress:Port", "Uthreshold", "Lthreshold", "ActiveConn", "InActConn"
        );
    } else if f.persistent_conn {
        let _ = writeln!(
            out,
            "{:<33} {:<9} {:<11} {:<10} {:<10}\n  -> RemoteAddress:Port",
            "Prot LocalAddress:Port", "Weight", "PersistConn", "ActiveConn", "InActConn"
        );
    } else if f.tun_info {
        out.push_str(
            "Prot LocalAddress:Port Scheduler Flags\n  -> RemoteAddress:Port           Forward TunnelInfo    Weight ActiveConn InActConn\n",
        );
    } else if !f.rule {
        out.push_str(
            "Prot LocalAddress:Port Scheduler Flags\n  -> RemoteAddress:Port           Forward Weight ActiveConn InActConn\n",
        );
    }
}

/// The persistence granularity, when it is not the family's full mask.
fn persistence_mask(se: &Service) -> Option<String> {
    match se.key.af() {
        AddressFamily::Inet if se.netmask != 0xffff_ffff => {
            Some(std::net::Ipv4Addr::from(se.netmask).to_string())
        }
        AddressFamily::Inet6 if se.netmask != 128 => Some(se.netmask.to_string()),
        _ => None,
    }
}

/// One service and its destinations (`print_service_entry`).
pub fn service_entry(out: &mut String, e: &Entry, f: &Format) {
    let se = &e.service;
    let af = se.key.af();
    let proto = match se.key {
        ServiceKey::Inet { protocol, .. } => protocol,
        ServiceKey::Fwmark { .. } => Protocol::Tcp,
    };
    let svc_name = match se.key {
        ServiceKey::Fwmark { af, mark } => match (f.rule, af) {
            (true, AddressFamily::Inet6) => format!("-f {mark} -6"),
            (true, AddressFamily::Inet) => format!("-f {mark}"),
            (false, AddressFamily::Inet6) => format!("FWM  {mark} IPv6"),
            (false, AddressFamily::Inet) => format!("FWM  {mark}"),
        },
        ServiceKey::Inet {
            protocol,
            addr,
            port,
        } => {
            let vname = addrport(&addr, port, protocol, f);
            if f.rule {
                format!("{} {vname}", protocol_option(protocol))
            } else {
                let mut s = format!("{:<4} {vname}", protocol_name(protocol));
                if af != AddressFamily::Inet6 {
                    s.truncate(33);
                }
                s
            }
        }
    };
    let persistent = se.flags.contains(ServiceFlags::PERSISTENT);
    if f.rule {
        let _ = write!(out, "-A {svc_name} -s {}", se.scheduler);
        if persistent {
            let _ = write!(out, " -p {}", se.timeout);
            if let Some(m) = persistence_mask(se) {
                let _ = write!(out, " -M {m}");
            }
        }
        if let Some(pe) = se.pe_name.as_deref().filter(|p| !p.is_empty()) {
            let _ = write!(out, " --pe {pe}");
        }
        if se.flags.contains(ServiceFlags::ONEPACKET) {
            out.push_str(" -o");
        }
        if has_sched_flags(se) {
            let _ = write!(out, " -b {}", sched_flags(se));
        }
    } else if f.stats || f.rate {
        let _ = write!(out, "{svc_name:<33}");
        let s = &se.stats;
        let vals = if f.stats {
            [s.conns, s.inpkts, s.outpkts, s.inbytes, s.outbytes]
        } else {
            [s.cps, s.inpps, s.outpps, s.inbps, s.outbps]
        };
        for v in vals {
            largenum(out, v, f);
        }
    } else {
        let _ = write!(out, "{svc_name} {}", se.scheduler);
        if has_sched_flags(se) {
            let _ = write!(out, " ({})", sched_flags(se));
        }
        if persistent {
            let _ = write!(out, " persistent {}", se.timeout);
            if let Some(m) = persistence_mask(se) {
                let _ = write!(out, " mask {m}");
            }
            if let Some(pe) = se.pe_name.as_deref().filter(|p| !p.is_empty()) {
                let _ = write!(out, " pe {pe}");
            }
        }
        if se.flags.contains(ServiceFlags::ONEPACKET) {
            out.push_str(" ops");
        }
    }
    out.push('\n');

    for d in &e.dests {
        let mut dname = addrport(&d.addr, d.port, proto, f);
        if !f.rule && !matches!(d.addr, IpAddr::V6(_)) {
            dname.truncate(28);
        }
        if f.rule {
            let _ = write!(
                out,
                "-a {svc_name} -r {dname} {} -w {}",
                fwd_switch(d.fwd),
                d.weight
            );
            if d.fwd == ForwardMethod::Tunnel {
                let opts = ["--tun-nocsum", "--tun-csum", "--tun-remcsum"];
                let flag = opts
                    .get(tun_flag_index(d.tun_flags))
                    .copied()
                    .unwrap_or("?");
                match d.tun_type {
                    TunnelType::Gre => {
                        let _ = write!(out, " --tun-type gre {flag}");
                    }
                    TunnelType::Gue => {
                        let _ = write!(out, " --tun-type gue --tun-port {} {flag}", d.tun_port);
                    }
                    TunnelType::Ipip => out.push_str(" --tun-type ipip"),
                    TunnelType::Other(_) => {}
                }
            }
            out.push('\n');
        } else if f.stats {
            let _ = write!(out, "  -> {dname:<28}");
            let s = &d.stats;
            for v in [s.conns, s.inpkts, s.outpkts, s.inbytes, s.outbytes] {
                largenum(out, v, f);
            }
            out.push('\n');
        } else if f.rate {
            let s = &d.stats;
            let _ = write!(
                out,
                "  -> {dname:<28} {:>8} {:>8} {:>8}",
                s.cps, s.inpps, s.outpps
            );
            largenum(out, s.inbps, f);
            largenum(out, s.outbps, f);
            out.push('\n');
        } else if f.thresholds {
            let _ = writeln!(
                out,
                "  -> {dname:<28} {:<10} {:<10} {:<10} {:<10}",
                d.upper_threshold, d.lower_threshold, d.active_conns, d.inactive_conns
            );
        } else if f.persistent_conn {
            let _ = writeln!(
                out,
                "  -> {dname:<28} {:<9} {:<11} {:<10} {:<10}",
                d.weight as u32, d.persist_conns, d.active_conns, d.inactive_conns
            );
        } else if f.tun_info {
            let ti = tun_info(d).unwrap_or_else(|| "n/a".into());
            let _ = writeln!(
                out,
                "  -> {dname:<28} {:<7} {ti:<13} {:<6} {:<10} {:<10}",
                fwd_name(d.fwd),
                d.weight,
                d.active_conns,
                d.inactive_conns
            );
        } else {
            let _ = writeln!(
                out,
                "  -> {dname:<28} {:<7} {:<6} {:<10} {:<10}",
                fwd_name(d.fwd),
                d.weight,
                d.active_conns,
                d.inactive_conns
            );
        }
    }
}

/// `ipvsadm -L` / `-S`: header (not for -S), title, every service.
pub fn list_all(info: &Info, entries: &[Entry], f: &Format) -> String {
    let mut out = String::new();
    if !f.rule {
        let (a, b, c) = info.version_triple();
        let _ = writeln!(
            out,
            "IP Virtual Server version {a}.{b}.{c} (size={})",
            info.conn_tab_size
        );
    }
    title(&mut out, f);
    for e in entries {
        service_entry(&mut out, e, f);
    }
    out
}

/// `ipvsadm -L --timeout`.
pub fn timeouts(t: &Timeouts) -> String {
    format!(
        "Timeout (tcp tcpfin udp): {} {} {}\n",
        t.tcp, t.tcp_fin, t.udp
    )
}

/// `ipvsadm -L --daemon`.
pub fn daemons(ds: &[SyncDaemon]) -> String {
    let mut out = String::new();
    for d in ds.iter().take(2) {
        let kind = match d.state {
            DaemonState::Master => "master",
            DaemonState::Backup => "backup",
        };
        let _ = write!(
            out,
            "{kind} sync daemon (mcast={}, syncid={}",
            d.mcast_ifn, d.syncid as i32
        );
        if let Some(m) = d.sync_maxlen.filter(|m| *m != 0) {
            let _ = write!(out, ", maxlen={m}");
        }
        if let Some(g) = d.mcast_group {
            let _ = write!(out, ", group={g}");
        }
        if let Some(p) = d.mcast_port.filter(|p| *p != 0) {
            let _ = write!(out, ", port={p}");
        }
        if let Some(t) = d.mcast_ttl.filter(|t| *t != 0) {
            let _ = write!(out, ", ttl={t}");
        }
        out.push_str(")\n");
    }
    out
}

/// Compare helper for tests: the ordering `cmp_services` implies.
pub fn order_of(a: &Service, b: &Service) -> Ordering {
    cmp_services(a, b).cmp(&0)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tcp(a: &str) -> Service {
        Service::new(
            ServiceKey::Inet {
                protocol: Protocol::Tcp,
                addr: a.parse().unwrap(),
                port: 80,
            },
            "rr",
        )
    }

    #[test]
    fn address_order_wraps_like_c() {
        // ipvsadm's (int)(a - b) puts 200.x before 10.x.
        assert!(cmp_services(&tcp("200.1.1.1"), &tcp("10.1.1.1")) < 0);
        assert!(cmp_services(&tcp("10.1.1.1"), &tcp("10.1.1.2")) < 0);
    }

    #[test]
    fn merge_sort_is_glibc_msort() {
        let mut v = vec![5, 3, 9, 1, 3, 7];
        msort(&mut v, &|a: &i32, b: &i32| a - b);
        assert_eq!(v, [1, 3, 3, 5, 7, 9]);
    }

    #[test]
    fn large_numbers_scale_like_ipvsadm() {
        let f = Format::default();
        let mut s = String::new();
        for n in [99_999_999, 100_000_000, 1_500_000_000, 123_000_000_000_000] {
            largenum(&mut s, n, &f);
        }
        assert_eq!(s, " 99999999  100000K    1500M     123T");
    }
}
