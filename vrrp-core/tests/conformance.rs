//! Golden conformance cases: `tests/conformance/*.case` hold a config and
//! inputs; `*.expected` hold the inputs echoed with every action, timeout
//! and state the instance produced. `VRRP_BLESS=1 cargo test -p vrrp-core
//! --test conformance` rewrites the `.expected` files; otherwise they are
//! compared. Format: see tests/conformance/README.md.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use core::net::IpAddr;

use vrrp_core::packet::{AddressList, Advertisement, Auth, Version};
use vrrp_core::time::{Duration, Instant};
use vrrp_core::{Event, Instance, InstanceConfig, TrackerConfig, TrackerKind};

fn parse_time(s: &str) -> u64 {
    // Decimal seconds with up to 6 places → µs.
    let (w, f) = s.split_once('.').unwrap_or((s, ""));
    assert!(f.len() <= 6, "time {s}: more than 6 decimals");
    let w: u64 = w.parse().unwrap_or_else(|_| panic!("bad time {s}"));
    let f: u64 = if f.is_empty() {
        0
    } else {
        format!("{f:0<6}").parse().unwrap()
    };
    w * 1_000_000 + f
}

fn fmt_time(us: u64) -> String {
    format!("{}.{:06}", us / 1_000_000, us % 1_000_000)
}

fn ip(s: &str) -> IpAddr {
    s.parse().unwrap_or_else(|_| panic!("bad address {s}"))
}

fn pass(s: &str) -> [u8; 8] {
    let mut p = [0u8; 8];
    for (d, b) in p.iter_mut().zip(s.bytes()) {
        *d = b;
    }
    p
}

fn parse_config(args: &[&str]) -> InstanceConfig {
    let mut c = InstanceConfig::new("VI_1", 1, Version::V3, ip("10.0.0.1"));
    for a in args {
        let (k, v) = a.split_once('=').unwrap_or((a, ""));
        match k {
            "name" => c.name = v.into(),
            "vrid" => c.vrid = v.parse().unwrap(),
            "version" => {
                c.version = if v == "2" { Version::V2 } else { Version::V3 };
            }
            "priority" => c.priority = v.parse().unwrap(),
            "advert" => c.advert_interval = Duration::from_micros(parse_time(v)),
            "primary" => {
                c.primary_address = ip(v);
                c.family = if c.primary_address.is_ipv4() {
                    vrrp_core::packet::Family::V4
                } else {
                    vrrp_core::packet::Family::V6
                };
            }
            "vips" => c.vips = v.split(',').map(ip).collect(),
            "peers" => c.unicast_peers = v.split(',').map(ip).collect(),
            "state" => {
                c.initial_state = Some(if v == "MASTER" {
                    vrrp_core::InitialState::Master
                } else {
                    vrrp_core::InitialState::Backup
                })
            }
            "nopreempt" => c.nopreempt = true,
            "preempt_delay" => c.preempt_delay = Duration::from_micros(parse_time(v)),
            "lower_prio_no_advert" => c.lower_prio_no_advert = true,
            "higher_prio_send_advert" => c.higher_prio_send_advert = true,
            "owner_ignore_adverts" => c.owner_ignore_adverts = true,
            "auth" => c.auth = Auth::Pass(pass(v)),
            "garp_delay" => c.garp.master_delay = Duration::from_micros(parse_time(v)),
            "garp_repeat" => c.garp.master_repeat = v.parse().unwrap(),
            "garp_refresh" => c.garp.master_refresh = Duration::from_micros(parse_time(v)),
            "garp_refresh_repeat" => c.garp.master_refresh_repeat = v.parse().unwrap(),
            "garp_lower_delay" => c.garp.lower_prio_delay = Duration::from_micros(parse_time(v)),
            "garp_lower_repeat" => c.garp.lower_prio_repeat = v.parse().unwrap(),
            "down_timer_adverts" => c.down_timer_adverts = v.parse().unwrap(),
            "tracker" => {
                // name:weight[:reverse][:down]
                let mut it = v.split(':');
                let name = it.next().unwrap().to_string();
                let weight = it.next().unwrap().parse().unwrap();
                let rest: Vec<&str> = it.collect();
                c.trackers.push(TrackerConfig {
                    kind: TrackerKind::Interface,
                    name,
                    weight,
                    reverse: rest.contains(&"reverse"),
                    initially_up: !rest.contains(&"down"),
                });
            }
            other => panic!("unknown config key {other}"),
        }
    }
    c
}

fn parse_advert(cfg: &InstanceConfig, args: &[&str]) -> (IpAddr, Advertisement) {
    let mut src = None;
    let mut adv = Advertisement {
        version: cfg.version,
        vrid: cfg.vrid,
        priority: 100,
        max_advert_int_cs: cfg.advert_interval_cs(),
        auth: if cfg.version == Version::V2 {
            cfg.auth
        } else {
            Auth::None
        },
        addresses: cfg.vips.iter().collect::<AddressList>(),
    };
    for a in args {
        let (k, v) = a.split_once('=').unwrap_or((a, ""));
        match k {
            "from" => src = Some(ip(v)),
            "priority" => adv.priority = v.parse().unwrap(),
            "interval_cs" => adv.max_advert_int_cs = v.parse().unwrap(),
            "vrid" => adv.vrid = v.parse().unwrap(),
            "version" => adv.version = if v == "2" { Version::V2 } else { Version::V3 },
            "addrs" => {
                adv.addresses = if v.is_empty() {
                    AddressList::new()
                } else {
                    v.split(',').map(ip).collect::<Vec<_>>().iter().collect()
                }
            }
            "auth" => {
                adv.auth = if v == "none" {
                    Auth::None
                } else {
                    Auth::Pass(pass(v))
                }
            }
            other => panic!("unknown advert key {other}"),
        }
    }
    (src.expect("advert needs from="), adv)
}

fn parse_event(s: &str) -> Event {
    let (k, v) = s.split_once('=').unwrap_or((s, ""));
    match k {
        "startup" => Event::Startup,
        "shutdown" => Event::Shutdown,
        "interface_up" => Event::InterfaceUp,
        "interface_down" => Event::InterfaceDown,
        "tracker_up" => Event::TrackerUp(v.parse().unwrap()),
        "tracker_down" => Event::TrackerDown(v.parse().unwrap()),
        "fault_on" => Event::FaultOn,
        "fault_off" => Event::FaultOff,
        "vip_removed" => Event::VipRemoved,
        other => panic!("unknown event {other}"),
    }
}

/// Runs one case and renders the transcript.
fn run_case(text: &str) -> String {
    let mut out = String::new();
    let mut inst: Option<Instance> = None;
    let mut now = 0u64;
    let mut last_deadline: Option<Instant> = None;
    let drain = |inst: &mut Instance, now: u64, out: &mut String, last: &mut Option<Instant>| {
        while let Some(a) = inst.poll_action() {
            writeln!(out, "{} > {a:?}", fmt_time(now)).unwrap();
        }
        let d = inst.poll_timeout();
        if d != *last {
            match d {
                Some(d) => writeln!(
                    out,
                    "{} . next timeout {}",
                    fmt_time(now),
                    fmt_time(d.as_micros())
                ),
                None => writeln!(out, "{} . no timeout", fmt_time(now)),
            }
            .unwrap();
            *last = d;
        }
    };
    for line in text.lines() {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') {
            if !line.is_empty() {
                writeln!(out, "{line}").unwrap();
            }
            continue;
        }
        let words: Vec<&str> = line.split_whitespace().collect();
        match words[0] {
            "config" => {
                let c = parse_config(&words[1..]);
                writeln!(out, "config {}", words[1..].join(" ")).unwrap();
                inst = Some(Instance::new(c).expect("valid config"));
            }
            "at" => {
                let t = parse_time(words[1]);
                let i = inst.as_mut().expect("config first");
                // Timers due before t fire first, as a real event loop would.
                while let Some(d) = i.poll_timeout().filter(|d| d.as_micros() < t) {
                    now = d.as_micros();
                    writeln!(out, "{} ~ timeout", fmt_time(now)).unwrap();
                    i.handle_timeout(d);
                    drain(i, now, &mut out, &mut last_deadline);
                }
                now = t;
                writeln!(out, "{} < {}", fmt_time(now), words[2..].join(" ")).unwrap();
                match words[2] {
                    "event" => i.handle_event(Instant::from_micros(now), parse_event(words[3])),
                    "advert" => {
                        let (src, adv) = parse_advert(i.config(), &words[3..]);
                        if let Err(r) = i.handle_advert(Instant::from_micros(now), src, &adv) {
                            writeln!(out, "{} ! dropped {r:?}", fmt_time(now)).unwrap();
                        }
                    }
                    other => panic!("unknown input {other}"),
                }
                drain(i, now, &mut out, &mut last_deadline);
            }
            "run" => {
                let t = parse_time(words[1]);
                let i = inst.as_mut().expect("config first");
                while let Some(d) = i.poll_timeout().filter(|d| d.as_micros() <= t) {
                    now = d.as_micros();
                    writeln!(out, "{} ~ timeout", fmt_time(now)).unwrap();
                    i.handle_timeout(d);
                    drain(i, now, &mut out, &mut last_deadline);
                }
                now = t;
            }
            "status" => {
                let i = inst.as_ref().expect("config first");
                let s = i.status();
                writeln!(
                    out,
                    "{} = state={} priority={}/{} master={:?}/{} mai={}",
                    fmt_time(now),
                    s.state,
                    s.effective_priority,
                    s.base_priority,
                    s.master_address,
                    s.master_priority,
                    s.master_adver_interval
                )
                .unwrap();
                // Non-zero counters only, in declaration order.
                let dbg = format!("{:?}", s.counters);
                let inner = dbg.trim_start_matches("Counters { ").trim_end_matches(" }");
                let nz: Vec<&str> = inner
                    .split(", ")
                    .filter(|kv| !kv.ends_with(": 0"))
                    .collect();
                writeln!(out, "{} = counters {}", fmt_time(now), nz.join(", ")).unwrap();
            }
            other => panic!("unknown directive {other}"),
        }
    }
    out
}

fn cases() -> Vec<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/conformance");
    let mut v: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "case"))
        .collect();
    v.sort();
    v
}

#[test]
fn golden_cases() {
    let bless = std::env::var_os("VRRP_BLESS").is_some_and(|v| v == "1");
    let all = cases();
    assert!(all.len() >= 10, "conformance cases missing");
    let mut failed = Vec::new();
    for case in all {
        let got = run_case(&std::fs::read_to_string(&case).unwrap());
        let exp_path = case.with_extension("expected");
        if bless {
            std::fs::write(&exp_path, &got).unwrap();
            continue;
        }
        let want = std::fs::read_to_string(&exp_path)
            .unwrap_or_else(|_| panic!("{} missing: run with VRRP_BLESS=1", exp_path.display()));
        if got != want {
            eprintln!("--- {} differs; got:\n{got}", case.display());
            failed.push(case);
        }
    }
    assert!(
        failed.is_empty(),
        "cases differ: {failed:?} (VRRP_BLESS=1 to accept)"
    );
}
