#![allow(clippy::unwrap_used)]
//! The values keepalived 2.2.7 ends up using for `bfd_instance` and `track_bfd`,
//! read from its own configuration dump (`keepalived -d`, run for a few seconds
//! in a network namespace of its own, `bc-bfdconf-dump`), compared with the
//! model's values after keepalived's defaults, corrections and fallbacks.
//! Needs root, `ip` and /usr/sbin/keepalived; prints `SKIPPED: ...` otherwise.

use keepalived_conf::{LoadOptions, parse_str};
use std::collections::BTreeMap;
use std::process::Command;
use std::time::Duration;

const NS: &str = "bc-bfdconf-dump";
const KEEPALIVED: &str = "/usr/sbin/keepalived";

/// Deletes the namespace and the scratch directory on drop (also on failure).
struct Guard(std::path::PathBuf);
impl Drop for Guard {
    fn drop(&mut self) {
        let _ = Command::new("ip").args(["netns", "del", NS]).status();
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn is_root() -> bool {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("Uid:"))
                .and_then(|l| l.split_whitespace().nth(2).map(|e| e == "0"))
        })
        .unwrap_or(false)
}

fn sh(args: &[&str]) {
    let st = Command::new(args[0]).args(&args[1..]).status().unwrap();
    assert!(st.success(), "{args:?}");
}

const CONF: &str = "\
bfd_instance b1 {
  neighbor_ip 192.0.2.2
  min_rx 20.5
  multiplier 3
  max_hops 300
  weight -20 reverse
}
bfd_instance b6 {
  neighbor_ip fd00::2
  source_ip fd00::1
  idle_tx 2000
  max_hops 100
  passive
  checker
}
bfd_instance b7 {
  neighbor_ip 192.0.2.3
  min_tx 15.25
  ttl 2
  max_hops 1
  vrrp
  weight 30
}
bfd_instance b8 {
  neighbor_ip 192.0.2.4
  source_ip 192.0.2.1
  multiplier 0
  idle_tx 500
  weight 200 reverse
}
vrrp_instance A {
  interface veth0
  virtual_router_id 1
  priority 100
  track_bfd {
    b1
    b7 weight 5
    b8 weight -7
    b6
  }
  virtual_ipaddress {
    192.0.2.100
  }
}
";

/// One session as keepalived's BFD process dumps it: key → value.
type Session = BTreeMap<String, String>;

#[test]
fn keepalived_dump_equals_the_model() {
    if !is_root() {
        eprintln!("SKIPPED: bfd_dump_netns needs root (a network namespace for keepalived)");
        return;
    }
    if !std::path::Path::new(KEEPALIVED).exists() || Command::new("ip").arg("-V").output().is_err()
    {
        eprintln!("SKIPPED: bfd_dump_netns needs {KEEPALIVED} and ip");
        return;
    }
    let dir = std::env::temp_dir().join(format!("bc-bfdconf-dump-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let _ = Command::new("ip").args(["netns", "del", NS]).status();
    let _guard = Guard(dir.clone());
    sh(&["ip", "netns", "add", NS]);
    let ip = |a: &str| {
        let mut v = vec!["ip", "-n", NS];
        v.extend(a.split(' '));
        sh(&v);
    };
    ip("link set lo up");
    ip("link add veth0 type veth peer name veth1");
    ip("link set veth0 up");
    ip("link set veth1 up");
    ip("addr add 192.0.2.1/24 dev veth0");
    let conf = dir.join("k.conf");
    std::fs::write(&conf, CONF).unwrap();
    let pid = |n: &str| dir.join(n).to_string_lossy().into_owned();
    // bounded: keepalived is stopped by timeout after 4 s
    let out = Command::new("ip")
        .args(["netns", "exec", NS, "timeout", "4", KEEPALIVED])
        .args(["-n", "-l", "-D", "-d", "-f"])
        .arg(&conf)
        .args([
            "-p",
            &pid("k.pid"),
            "-r",
            &pid("v.pid"),
            "-c",
            &pid("c.pid"),
        ])
        .args(["-b", &pid("b.pid")])
        .output()
        .unwrap();
    let text =
        String::from_utf8_lossy(&out.stderr).into_owned() + &String::from_utf8_lossy(&out.stdout);
    // the processes write to the same stream: pick the lines by their shape
    let mut sessions: BTreeMap<String, Session> = BTreeMap::new();
    let mut current: Option<String> = None;
    let mut tracked: Vec<(String, i32, bool)> = Vec::new();
    for l in text.lines() {
        // "Sun Dec  6 21:50:09 2026: text"
        let l = match l.get(24..26) {
            Some(": ") => &l[26..],
            _ => l,
        };
        if let Some(name) = l.strip_prefix(" BFD Instance = ") {
            current = Some(name.to_string());
            sessions.entry(name.to_string()).or_default();
            continue;
        }
        if let Some((k, v)) = l.trim().split_once(" = ")
            && let Some(name) = &current
            && matches!(
                k,
                "Neighbor IP"
                    | "Source IP"
                    | "Required min RX interval"
                    | "Desired min TX interval"
                    | "Desired idle TX interval"
                    | "Detection multiplier"
                    | "TTL"
                    | "hoplimit"
                    | "max_hops"
                    | "passive"
                    | "send event to VRRP process"
                    | "send event to checker process"
            )
        {
            sessions
                .get_mut(name)
                .unwrap()
                .entry(k.to_string())
                .or_insert_with(|| v.to_string());
            continue;
        }
        // instance A's "Tracked BFDs :" entries: "     b1: weight -20 reverse"
        if l.starts_with("     ")
            && let Some((name, rest)) = l.trim().split_once(": weight ")
            && !name.contains(' ')
        {
            let (w, rev) = match rest.split_once(' ') {
                Some((w, r)) => (w, r == "reverse"),
                None => (rest, false),
            };
            if let Ok(w) = w.parse::<i32>()
                && !tracked.iter().any(|t| t.0 == name)
            {
                tracked.push((name.to_string(), w, rev));
            }
        }
    }
    assert!(
        sessions.len() >= 3 && !tracked.is_empty(),
        "no dump from keepalived:\n{text}"
    );

    let p = parse_str("k.conf", CONF, &LoadOptions::default());
    let mut ours: BTreeMap<String, Session> = BTreeMap::new();
    for b in p.config.bfd_instances.iter().filter(|b| b.session) {
        let mut s = Session::new();
        let us = |d: Duration| format!("{} us", d.as_micros());
        let nbr = b.neighbor_ip.as_ref().unwrap().value;
        s.insert("Neighbor IP".into(), nbr.to_string());
        if let Some(src) = &b.source_ip {
            s.insert("Source IP".into(), src.value.to_string());
        }
        s.insert("Required min RX interval".into(), us(b.min_rx_value()));
        s.insert("Desired min TX interval".into(), us(b.min_tx_value()));
        s.insert("Desired idle TX interval".into(), us(b.idle_tx_value()));
        s.insert(
            "Detection multiplier".into(),
            b.multiplier_value().to_string(),
        );
        let ttl_key = if nbr.is_ipv4() { "TTL" } else { "hoplimit" };
        s.insert(ttl_key.into(), b.ttl_value().to_string());
        s.insert("max_hops".into(), b.max_hops_value().to_string());
        s.insert("passive".into(), b.passive_value().to_string());
        let yes = |x: bool| if x { "Yes" } else { "No" }.to_string();
        s.insert("send event to VRRP process".into(), yes(b.to_vrrp()));
        s.insert("send event to checker process".into(), yes(b.to_checker()));
        ours.insert(b.name.value.clone(), s);
    }
    assert_eq!(
        ours, sessions,
        "bfd_instance values: ours (left), keepalived (right)"
    );

    let our_tracked: Vec<(String, i32, bool)> = p.config.vrrp_instances[0]
        .track_bfd
        .iter()
        .map(|t| (t.name.clone(), t.weight.unwrap(), t.reverse))
        .collect();
    assert_eq!(
        our_tracked, tracked,
        "track_bfd of A: ours (left), keepalived (right)"
    );
}
