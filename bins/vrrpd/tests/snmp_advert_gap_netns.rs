//! A slow, silent or busy AgentX master never delays adverts (root, network
//! namespaces, snmpd, snmpwalk and tcpdump installed; else `SKIPPED:`).
//!
//! One namespace with four looped veth links, 250 VRRPv3 instances on each
//! (1,000 in all, every one alone on its link, so every one is Master),
//! advert_int [`ADVERT_CS`] centiseconds, `enable_snmp_vrrp`. The adverts of the
//! first link (250 VRIDs) are captured while:
//!
//! 1. `snmpwalk` walks the whole vrrpInstanceTable (1,000 rows) through
//!    snmpd as AgentX master: every GetNext has the table built on the
//!    daemon's loop;
//! 2. a master that accepts the connection and never answers the Open;
//! 3. a master that opens the session, then sends a burst of GetBulk
//!    requests for the instance table and reads the answers slowly (a few
//!    KiB at a time), so that the daemon's output waits on it.
//!
//! In each, the largest gap between two adverts of one VRID (also from the
//! last advert to the end of the window) must stay under twice advert_int
//! (the target is 1.5 times; twice leaves room for a loaded 2-core
//! machine). The gaps are printed.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::Kid;
use common::netns::{Daemon, Looped, poll_until, skip_differential};
use common::snmp::{snmp, snmpd};

use std::collections::BTreeMap;
use std::io::{Read, Write};
use std::os::unix::net::UnixListener;
use std::path::Path;
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use agentx_subagent::{GetBulk, Oid, Payload, Pdu, ResError, Response, SearchRange, pdu::pdu_len};

/// advert_int of every instance, in centiseconds.
const ADVERT_CS: u64 = 25;
/// Instances per link, and links.
const PER_LINK: usize = 250;
const LINKS: usize = 4;
/// KEEPALIVED-MIB vrrpInstanceTable.
const INSTANCE_TABLE: &str = ".1.3.6.1.4.1.9586.100.5.2.3";
/// vrrpInstanceName (column 2) of the last row.
const LAST_NAME: &str = ".1.3.6.1.4.1.9586.100.5.2.3.1.2.1000";

fn advert_int() -> Duration {
    Duration::from_millis(ADVERT_CS * 10)
}

fn config(socket: &Path) -> String {
    let mut c = format!(
        "global_defs {{\n router_id gap\n vrrp_garp_master_delay 0\n \
         vrrp_garp_master_refresh 0\n enable_snmp_vrrp\n snmp_socket unix:{}\n}}\n",
        socket.display()
    );
    let adv = format!("0.{ADVERT_CS:02}");
    for i in 0..PER_LINK * LINKS {
        let (k, v) = (i / PER_LINK, i % PER_LINK + 1);
        c.push_str(&format!(
            "vrrp_instance VI_{i} {{\n state BACKUP\n interface eth{k}\n virtual_router_id {v}\n \
             version 3\n priority 100\n advert_int {adv}\n \
             virtual_ipaddress {{\n  10.{}.0.{v}/32\n }}\n}}\n",
            100 + k
        ));
    }
    c
}

/// Seconds since the epoch, as the capture's timestamps.
fn wall() -> f64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs_f64()
}

/// tcpdump of the VRRP packets arriving on `p0` (the far end of `eth0`),
/// written to `file` packet by packet.
fn capture(ns: &str, file: &Path) -> Kid {
    let child = Command::new("ip")
        .args(["netns", "exec", ns, "tcpdump", "-i", "p0", "-n", "-U"])
        .args(["--immediate-mode", "-B", "65536", "-w"])
        .arg(file)
        .arg("ip proto 112")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    Kid(child)
}

/// The (time, VRID) of each VRRP packet of the pcap `file` (Ethernet,
/// IPv4); a record cut short at the end is left out.
fn adverts(file: &Path) -> Vec<(f64, u8)> {
    let b = std::fs::read(file).unwrap();
    assert!(b.len() >= 24, "no pcap header in {}", file.display());
    let le = b[..4] == [0xd4, 0xc3, 0xb2, 0xa1];
    let u32_at = |o: usize| {
        let w: [u8; 4] = b[o..o + 4].try_into().unwrap();
        if le {
            u32::from_le_bytes(w)
        } else {
            u32::from_be_bytes(w)
        }
    };
    let mut out = Vec::new();
    let mut o = 24;
    while o + 16 <= b.len() {
        let (sec, usec, len) = (u32_at(o), u32_at(o + 4), u32_at(o + 8) as usize);
        let p = o + 16;
        if p + len > b.len() {
            break;
        }
        let pkt = &b[p..p + len];
        // Ethernet, then IPv4 with its header length, then VRRP's VRID
        if pkt.len() > 14 && pkt[12..14] == [0x08, 0x00] {
            let ihl = usize::from(pkt[14] & 0x0f) * 4;
            if let Some(vrid) = pkt.get(14 + ihl + 1) {
                out.push((f64::from(sec) + f64::from(usec) / 1e6, *vrid));
            }
        }
        o = p + len;
    }
    out
}

/// The largest gap between two adverts of one VRID overlapping the window
/// `from..to`, counting the end of the window after a VRID's last advert,
/// with that VRID; and how many VRIDs were seen.
fn max_gap(adverts: &[(f64, u8)], from: f64, to: f64) -> (Duration, u8, usize) {
    let mut by_vrid: BTreeMap<u8, Vec<f64>> = BTreeMap::new();
    for &(t, v) in adverts {
        by_vrid.entry(v).or_default().push(t);
    }
    let mut worst = (0.0f64, 0u8);
    for (&v, ts) in &by_vrid {
        let mut prev: Option<f64> = None;
        for &t in ts.iter().chain(std::iter::once(&to)) {
            if let Some(p) = prev
                && t > from
                && p < to
                && t - p > worst.0
            {
                worst = (t - p, v);
            }
            prev = Some(t);
        }
    }
    (Duration::from_secs_f64(worst.0), worst.1, by_vrid.len())
}

/// Captures the adverts of the first link around `action` (from 1 s before
/// to 1 s after it) and returns the largest gap in the action's window
/// (see [`max_gap`]) after checking every VRID of the link was seen.
fn gap_during(lab: &Looped, tag: &str, action: impl FnOnce()) -> Duration {
    let file = lab.lab.path(&format!("{tag}.pcap"));
    let tcpdump = capture(&lab.name, &file);
    std::thread::sleep(Duration::from_secs(1));
    let from = wall();
    let started = Instant::now();
    action();
    let took = started.elapsed();
    let to = wall();
    std::thread::sleep(Duration::from_secs(1));
    drop(tcpdump);
    let all = adverts(&file);
    let (gap, vrid, seen) = max_gap(&all, from, to);
    eprintln!(
        "{tag}: {} adverts captured, {seen} VRIDs, window {:.2} s, largest gap {:.1} ms (VRID {vrid})",
        all.len(),
        took.as_secs_f64(),
        gap.as_secs_f64() * 1e3
    );
    assert_eq!(seen, PER_LINK, "{tag}: not every VRID of eth0 was captured");
    gap
}

/// Starts vrrpd on [`config`] with `socket` and waits (60 s at most) until
/// every VIP is installed, i.e. every instance is Master.
fn start_all_master(lab: &Looped, socket: &Path) -> common::netns::Running {
    let daemon = lab.start(&config(socket), Daemon::Vrrpd);
    let all = poll_until(Duration::from_secs(60), || {
        lab.addresses("-4")
            .iter()
            .filter(|(_, a)| a.ends_with("/32"))
            .count()
            == PER_LINK * LINKS
    });
    assert!(all, "not every instance became Master in 60 s");
    daemon
}

/// How a fake master behaves after accepting the connection.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Fake {
    /// Reads everything and never answers.
    Silent,
    /// Opens the session, accepts the registrations, sends [`BURST`]
    /// GetBulk requests at once and reads the answers a few KiB at a time.
    Slow,
}

/// GetBulk requests a [`Fake::Slow`] master sends at once.
const BURST: u32 = 200;

/// A fake master listening on `path` until `stop`; counts the connections
/// and the answers (Responses after the session opened) it read.
fn fake_master(
    path: &Path,
    mode: Fake,
    stop: Arc<AtomicBool>,
    conns: Arc<AtomicUsize>,
    answers: Arc<AtomicUsize>,
) -> std::thread::JoinHandle<()> {
    let listener = UnixListener::bind(path).unwrap();
    listener.set_nonblocking(true).unwrap();
    std::thread::spawn(move || {
        let end = Instant::now() + Duration::from_secs(300);
        while !stop.load(Ordering::Relaxed) && Instant::now() < end {
            let Ok((mut s, _)) = listener.accept() else {
                std::thread::sleep(Duration::from_millis(20));
                continue;
            };
            conns.fetch_add(1, Ordering::Relaxed);
            s.set_read_timeout(Some(Duration::from_millis(100)))
                .unwrap();
            let mut buf = Vec::new();
            let mut chunk = [0u8; 4096];
            let mut burst_sent = false;
            while !stop.load(Ordering::Relaxed) && Instant::now() < end {
                match s.read(&mut chunk) {
                    Ok(0) => break,
                    Ok(n) => buf.extend_from_slice(&chunk[..n]),
                    Err(e)
                        if matches!(
                            e.kind(),
                            std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut
                        ) => {}
                    Err(_) => break,
                }
                if mode == Fake::Silent {
                    buf.clear();
                    continue;
                }
                let mut out = Vec::new();
                while let Ok(Some(n)) = pdu_len(&buf, 1 << 20) {
                    if n > buf.len() {
                        break;
                    }
                    let Ok(pdu) = Pdu::decode(&buf[..n]) else {
                        break;
                    };
                    buf.drain(..n);
                    let ok = Payload::Response(Response {
                        sys_up_time: 0,
                        error: ResError::NO_ERROR,
                        index: 0,
                        varbinds: Vec::new(),
                    });
                    match pdu.payload {
                        Payload::Open(_) | Payload::Register(_) => {
                            Pdu::new(7, pdu.transaction_id, pdu.packet_id, ok)
                                .encode(&mut out)
                                .unwrap();
                        }
                        Payload::Response(r) if !r.varbinds.is_empty() => {
                            answers.fetch_add(1, Ordering::Relaxed);
                        }
                        _ => {}
                    }
                }
                if !burst_sent && !out.is_empty() {
                    burst_sent = true;
                    let table: Oid = INSTANCE_TABLE[1..].parse().unwrap();
                    for id in 0..BURST {
                        let bulk = Payload::GetBulk(GetBulk {
                            non_repeaters: 0,
                            max_repetitions: 500,
                            ranges: vec![SearchRange {
                                start: table.clone(),
                                include: false,
                                end: Oid::default(),
                            }],
                        });
                        Pdu::new(7, 1000 + id, 1000 + id, bulk)
                            .encode(&mut out)
                            .unwrap();
                    }
                }
                if !out.is_empty() && s.write_all(&out).is_err() {
                    break;
                }
                // a slow reader: a few KiB per 100 ms at most
                std::thread::sleep(Duration::from_millis(50));
            }
        }
    })
}

#[test]
fn a_slow_or_busy_master_does_not_delay_adverts() {
    if skip_differential(
        "SNMP advert gap test",
        &["snmpd", "snmpwalk", "snmpget", "tcpdump", "ip"],
    ) {
        return;
    }
    let addrs: Vec<String> = (0..LINKS).map(|k| format!("10.90.{k}.1/24")).collect();
    let addrs: Vec<&str> = addrs.iter().map(String::as_str).collect();
    let lab = Looped::new(&format!("snm-gap-{}", std::process::id()), &addrs);
    let dir = lab.lab.dir.clone();
    let bound = advert_int() * 2;

    // 1. snmpwalk of every instance row through snmpd
    let walk_gap = {
        let _snmpd = snmpd(&lab.name, &dir, &dir, "");
        let mut daemon = start_all_master(&lab, &dir.join("agentx"));
        let ready = poll_until(Duration::from_secs(30), || {
            snmp(&dir, &lab.name, "snmpget", "public", &[LAST_NAME]).contains("VI_999")
        });
        assert!(ready, "vrrpd's rows are not served through snmpd");
        let mut rows = 0;
        let gap = gap_during(&lab, "walk", || {
            let out = Command::new("timeout")
                .args(["600", "ip", "netns", "exec", &lab.name])
                .args([
                    "snmpwalk", "-v2c", "-c", "public", "-On", "-t", "5", "-r", "1",
                ])
                .arg(format!("127.0.0.1:{}", common::snmp::SNMP_PORT))
                .arg(INSTANCE_TABLE)
                .env("SNMP_PERSISTENT_DIR", &dir)
                .stdin(Stdio::null())
                .output()
                .unwrap();
            rows = String::from_utf8_lossy(&out.stdout)
                .lines()
                .filter(|l| l.starts_with(".1.3.6.1.4.1.9586.100.5.2.3.1.2."))
                .count();
        });
        assert_eq!(rows, PER_LINK * LINKS, "the walk missed instance rows");
        daemon.stop();
        gap
    };

    // 2. and 3. fake masters
    let fake_gap = |mode: Fake, tag: &str| {
        let sock = dir.join(format!("{tag}.agentx"));
        let (stop, conns, answers) = (
            Arc::new(AtomicBool::new(false)),
            Arc::new(AtomicUsize::new(0)),
            Arc::new(AtomicUsize::new(0)),
        );
        let master = fake_master(&sock, mode, stop.clone(), conns.clone(), answers.clone());
        let mut daemon = start_all_master(&lab, &sock);
        let gap = gap_during(&lab, tag, || std::thread::sleep(Duration::from_secs(8)));
        daemon.stop();
        stop.store(true, Ordering::Relaxed);
        master.join().unwrap();
        assert!(
            conns.load(Ordering::Relaxed) >= 1,
            "{tag}: vrrpd never connected"
        );
        (gap, answers.load(Ordering::Relaxed))
    };
    let (silent_gap, _) = fake_gap(Fake::Silent, "silent");
    let (slow_gap, answered) = fake_gap(Fake::Slow, "slow");
    eprintln!("slow: the master read {answered} answers to its GetBulks");
    assert!(
        answered > 0,
        "the slow master read no answer to its GetBulks"
    );

    for (what, gap) in [
        ("snmpwalk of vrrpInstanceTable", walk_gap),
        ("a master that never answers", silent_gap),
        ("a master that reads slowly", slow_gap),
    ] {
        assert!(
            gap < bound,
            "{what}: an advert gap of {gap:?} (advert_int {:?})",
            advert_int()
        );
    }
}
