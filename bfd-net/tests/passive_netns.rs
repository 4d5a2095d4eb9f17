//! The Passive role (RFC 5880 §6.1, keepalived `passive`) against FRR
//! bfdd's `passive-mode` (root; namespaces `g5-*`):
//!
//! * FRR passive, we active: both Up.
//! * We passive, FRR active: nothing leaves our side until FRR's first
//!   packet (our counter and a tcpdump capture read with tshark), then
//!   both Up.
//! * Both passive: neither sends, the session never comes Up.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::net::IpAddr;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use bfd_net::{PeerSpec, SessionStatus, State};
use common::*;

const US: &str = "10.78.9.1";
const FRR: &str = "10.78.9.2";

fn ours(passive: bool) -> PeerSpec {
    PeerSpec::new("frr", FRR.parse::<IpAddr>().unwrap())
        .with_source(US.parse().unwrap())
        .with_intervals(Duration::from_millis(100), Duration::from_millis(100))
        .with_multiplier(3)
        .with_passive(passive)
}

fn frr_conf(passive: bool) -> String {
    format!(
        "bfd\n peer {US} local-address {FRR}\n  receive-interval 100\n  \
         transmit-interval 100\n  detect-multiplier 3\n{}  !\n!\n",
        if passive { "  passive-mode\n" } else { "" }
    )
}

fn both_up(s: &SessionStatus) -> bool {
    (s.local_state, s.remote_state) == (State::Up, State::Up)
}

#[test]
fn frr_passive_we_active() {
    if skip_netns_test("bfd-net passive_netns frr-passive", FRR_TOOLS) {
        return;
    }
    let (nr, nf) = pair(
        "g5-pa1",
        "g5-pf1",
        &format!("{US}/24"),
        &format!("{FRR}/24"),
    );
    let frr = Frr::start(&nf, &frr_conf(true));
    let r = NsBfd::start(&nr, vec![ours(false)]);
    r.wait_status("frr", Duration::from_secs(15), both_up)
        .unwrap_or_else(|| panic!("not Up: {:?}\n{}", r.session("frr"), frr.log()));
    let p = frr
        .wait_peer(US, Duration::from_secs(5), |p| p["status"] == "up")
        .unwrap_or_else(|| panic!("FRR not up: {:?}", frr.peer(US)));
    assert_eq!(p["passive-mode"], true, "{p}");
}

/// tcpdump of UDP 3784 in `ns`, stopped and read by [`Capture::rows`].
struct Capture {
    kid: Kid,
    pcap: String,
}

impl Capture {
    fn start(ns: &Netns) -> Capture {
        let pcap = format!("/tmp/{}.pcap", ns.0);
        let _ = std::fs::remove_file(&pcap);
        let kid = Kid(Command::new("ip")
            .args([
                "netns",
                "exec",
                &ns.0,
                "tcpdump",
                "--immediate-mode",
                "-U",
                "-n",
            ])
            .args(["-i", "eth0", "-w", &pcap, "udp", "port", "3784"])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap());
        // Capturing once the pcap header is written, plus a margin.
        let end = Instant::now() + Duration::from_secs(10);
        while std::fs::metadata(&pcap).map_or(true, |m| m.len() < 24) && Instant::now() < end {
            std::thread::sleep(Duration::from_millis(50));
        }
        std::thread::sleep(Duration::from_millis(300));
        Capture { kid, pcap }
    }

    /// Stops the capture; (source address, BFD state) of each packet in
    /// order.
    fn rows(self) -> Vec<(String, String)> {
        std::thread::sleep(Duration::from_millis(300));
        let _ = run(&["kill", "-INT", &self.kid.0.id().to_string()]);
        std::thread::sleep(Duration::from_millis(300));
        let out = sh(&[
            "tshark", "-r", &self.pcap, "-T", "fields", "-e", "ip.src", "-e", "bfd.sta",
        ]);
        let _ = std::fs::remove_file(&self.pcap);
        out.lines()
            .filter_map(|l| {
                let mut f = l.split('\t');
                Some((f.next()?.to_string(), f.next()?.to_string()))
            })
            .collect()
    }
}

#[test]
fn we_passive_frr_active_we_wait_for_frr() {
    let mut tools = FRR_TOOLS.to_vec();
    tools.extend(["tcpdump", "tshark"]);
    if skip_netns_test("bfd-net passive_netns we-passive", &tools) {
        return;
    }
    let (nr, nf) = pair(
        "g5-pa2",
        "g5-pf2",
        &format!("{US}/24"),
        &format!("{FRR}/24"),
    );
    let cap = Capture::start(&nr);
    let r = NsBfd::start(&nr, vec![ours(true)]);
    // Active, we would send once per idle_tx (1 s) from the start; passive,
    // three seconds pass without a packet.
    std::thread::sleep(Duration::from_secs(3));
    let s = r.session("frr");
    assert_eq!((s.packets_out, s.packets_in), (0, 0), "{s:?}");
    let frr = Frr::start(&nf, &frr_conf(false));
    r.wait_status("frr", Duration::from_secs(15), both_up)
        .unwrap_or_else(|| panic!("not Up: {:?}\n{}", r.session("frr"), frr.log()));
    frr.wait_peer(US, Duration::from_secs(5), |p| p["status"] == "up")
        .unwrap_or_else(|| panic!("FRR not up: {:?}", frr.peer(US)));
    let rows = cap.rows();
    let first_ours = rows
        .iter()
        .position(|(src, _)| src == US)
        .unwrap_or_else(|| panic!("nothing from us captured: {rows:?}"));
    let first_frr = rows
        .iter()
        .position(|(src, _)| src == FRR)
        .unwrap_or_else(|| panic!("nothing from FRR captured: {rows:?}"));
    assert!(
        first_frr < first_ours,
        "we sent before hearing FRR: {rows:?}"
    );
    eprintln!(
        "first packet from FRR at {first_frr}, ours at {first_ours} of {}",
        rows.len()
    );
}

#[test]
fn both_passive_never_come_up() {
    if skip_netns_test("bfd-net passive_netns both-passive", FRR_TOOLS) {
        return;
    }
    let (nr, nf) = pair(
        "g5-pa3",
        "g5-pf3",
        &format!("{US}/24"),
        &format!("{FRR}/24"),
    );
    let frr = Frr::start(&nf, &frr_conf(true));
    let r = NsBfd::start(&nr, vec![ours(true)]);
    // Long enough for an active side to come Up several times over.
    std::thread::sleep(Duration::from_secs(4));
    let s = r.session("frr");
    assert_eq!((s.packets_out, s.packets_in), (0, 0), "{s:?}");
    assert_ne!(s.local_state, State::Up);
    let p = frr.peer(US).expect("FRR has the peer");
    assert_eq!(p["status"], "down", "{p}");
}
