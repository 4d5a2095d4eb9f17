//! The cost floor of sending VRRP adverts: sends what N instances with a
//! 10 ms advert interval send (one VRRPv3 advert per instance every 10 ms,
//! 250 VRIDs per interface on `eth0`, `eth1`, ...) for SECS seconds, with no
//! state machine at all, and prints the CPU time it took. Two ways:
//!
//! * `raw`: one `sendto` per advert on a plain raw socket per interface
//!   (`IP_MULTICAST_IF`), datagrams encoded once up front: the system calls
//!   alone.
//! * `socket`: [`vrrp_linux::VrrpSocket::send`], the path vrrpd sends through
//!   (our IPv4 header, `IP_PKTINFO`, `MSG_DONTROUTE`), datagrams encoded once.
//!
//! `advert_floor raw|socket N SECS`; run it inside a network namespace that
//! has the interfaces and an IPv4 address on each (tests-netns/vrrpd-scale.sh
//! `floor` does). Sends only to 224.0.0.18 on those interfaces.

use std::net::{IpAddr, Ipv4Addr, SocketAddrV4};
use std::time::{Duration, Instant};

use socket2::{Domain, Protocol, Socket, Type};
use vrrp_core::packet::{AddressList, Advertisement, Auth, ChecksumMode, Version};

const GROUP: Ipv4Addr = Ipv4Addr::new(224, 0, 0, 18);

/// CPU time (user + system) of this process so far, from /proc/self/stat
/// (clock ticks of 10 ms).
fn cpu() -> Duration {
    let stat = std::fs::read_to_string("/proc/self/stat").unwrap_or_default();
    // Fields after the command name in parentheses: utime is the 12th, stime the 13th.
    let rest = stat.rsplit_once(')').map_or("", |(_, r)| r);
    let f: Vec<u64> = rest
        .split_whitespace()
        .map(|w| w.parse().unwrap_or(0))
        .collect();
    let ticks = f.get(11).copied().unwrap_or(0) + f.get(12).copied().unwrap_or(0);
    Duration::from_millis(ticks * 10)
}

/// The interface's first IPv4 address.
fn ipv4_of(ifname: &str) -> Option<Ipv4Addr> {
    let out = std::process::Command::new("ip")
        .args(["-4", "-o", "addr", "show", "dev", ifname])
        .output()
        .ok()?;
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    text.split_whitespace()
        .skip_while(|w| *w != "inet")
        .nth(1)?
        .split('/')
        .next()?
        .parse()
        .ok()
}

type Error = Box<dyn std::error::Error>;

/// One advert per instance: (interface position, encoded VRRP message).
type Adverts = Vec<(usize, Vec<u8>)>;

fn adverts(n: usize, srcs: &[Ipv4Addr]) -> Result<Adverts, Error> {
    let mut out = Vec::with_capacity(n);
    for i in 0..n {
        let link = i / 250;
        let vrid = u8::try_from(i % 250 + 1)?;
        let vip = IpAddr::V4(Ipv4Addr::new(10, u8::try_from(100 + link)?, 0, vrid));
        let adv = Advertisement {
            version: Version::V3,
            vrid,
            priority: 100,
            max_advert_int_cs: 1,
            auth: Auth::None,
            addresses: [vip].iter().collect::<AddressList>(),
        };
        let mut buf = vec![0u8; adv.buffer_len()];
        adv.emit(
            &mut buf,
            IpAddr::V4(srcs[link]),
            IpAddr::V4(GROUP),
            ChecksumMode::Rfc,
        )?;
        out.push((link, buf));
    }
    Ok(out)
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let usage = "usage: advert_floor raw|socket N SECS";
    let how = args.next().ok_or(usage)?;
    let n: usize = args.next().ok_or(usage)?.parse()?;
    let secs: u64 = args.next().ok_or(usage)?.parse()?;
    let links = n.div_ceil(250);
    let names: Vec<String> = (0..links).map(|k| format!("eth{k}")).collect();
    let mut srcs = Vec::new();
    let mut ifindexes = Vec::new();
    for name in &names {
        srcs.push(ipv4_of(name).ok_or_else(|| format!("{name}: no IPv4 address"))?);
        let idx = std::fs::read_to_string(format!("/sys/class/net/{name}/ifindex"))?;
        ifindexes.push(idx.trim().parse::<u32>()?);
    }
    let ads = adverts(n, &srcs)?;
    let rounds = secs * 100;
    let start = Instant::now();
    let cpu0 = cpu();
    let mut sent = 0u64;
    let mut failed = 0u64;
    match how.as_str() {
        "raw" => {
            let mut socks = Vec::new();
            for src in &srcs {
                let s = Socket::new(Domain::IPV4, Type::RAW, Some(Protocol::from(112)))?;
                s.set_multicast_if_v4(src)?;
                s.set_multicast_ttl_v4(255)?;
                s.set_multicast_loop_v4(false)?;
                socks.push(s);
            }
            let to = SocketAddrV4::new(GROUP, 0).into();
            for r in 0..rounds {
                for (link, buf) in &ads {
                    match socks[*link].send_to(buf, &to) {
                        Ok(_) => sent += 1,
                        Err(_) => failed += 1,
                    }
                }
                pace(start, r + 1);
            }
        }
        "socket" => {
            let rt = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()?;
            rt.block_on(async {
                let sock = vrrp_linux::VrrpSocket::open(vrrp_linux::Family::V4, None)?;
                for r in 0..rounds {
                    for (link, buf) in &ads {
                        let out = vrrp_linux::Outgoing {
                            ifindex: ifindexes[*link],
                            src: IpAddr::V4(srcs[*link]),
                            dst: IpAddr::V4(GROUP),
                            ttl: 255,
                            payload: buf,
                            ah: None,
                        };
                        match sock.send(&out).await {
                            Ok(()) => sent += 1,
                            Err(_) => failed += 1,
                        }
                    }
                    let due = start + Duration::from_millis(10 * (r + 1));
                    tokio::time::sleep_until(due.into()).await;
                }
                Ok::<(), Box<dyn std::error::Error>>(())
            })?;
        }
        _ => return Err(usage.into()),
    }
    let used = cpu() - cpu0;
    let wall = start.elapsed();
    println!(
        "{how} instances={n} secs={secs} sent={sent} failed={failed} cpu_ms={} core_pct={:.1}",
        used.as_millis(),
        used.as_secs_f64() * 100.0 / wall.as_secs_f64()
    );
    Ok(())
}

/// Sleeps until round `r` of 10 ms is due.
fn pace(start: Instant, r: u64) {
    let due = start + Duration::from_millis(10 * r);
    if let Some(d) = due.checked_duration_since(Instant::now()) {
        std::thread::sleep(d);
    }
}
