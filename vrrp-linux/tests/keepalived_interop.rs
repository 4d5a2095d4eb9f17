//! vrrp-linux's raw sockets against the real keepalived 2.2.7: we receive its
//! adverts (TTL/hop limit 255, group destination, valid checksum) and it accepts
//! ours (a higher-priority advert sent by vrrp-linux makes its Master step down and
//! remove the VIP). VRRP packets are built by hand here: the IO layer must be
//! right independently of the codec. Root, keepalived and iproute2 needed;
//! skipped loudly otherwise.
#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: panics are the failure report

mod common;

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};
use std::time::{Duration, Instant};

use common::{
    Daemon, IF_A, IF_B, Pair, in_ns, internet_checksum, join, root_or_skip, scratch_dir, v6_pseudo,
    wait_addr,
};
use vrrp_linux::vrrp_socket::{VRRP_GROUP_V4, VRRP_GROUP_V6};
use vrrp_linux::{Family, Outgoing, ReceivedPacket, Rtnl, Scope, VrrpSocket};

const VRID: u8 = 51;

/// RFC 3768 §5.1 advert: one IPv4 address, no authentication.
fn vrrp_v2(vrid: u8, prio: u8, vip: Ipv4Addr) -> Vec<u8> {
    let mut p = vec![0x21, vrid, prio, 1, 0, 1, 0, 0];
    p.extend_from_slice(&vip.octets());
    p.extend_from_slice(&[0; 8]);
    let c = internet_checksum(&[&p]);
    p[6..8].copy_from_slice(&c.to_be_bytes());
    p
}

/// RFC 9568 §5.1 advert over IPv6: one address, interval 100 cs, checksum with the
/// IPv6 pseudo-header.
fn vrrp_v3_v6(vrid: u8, prio: u8, vip: Ipv6Addr, src: Ipv6Addr) -> Vec<u8> {
    let mut p = vec![0x31, vrid, prio, 1, 0, 100, 0, 0];
    p.extend_from_slice(&vip.octets());
    let c = internet_checksum(&[&v6_pseudo(src, VRRP_GROUP_V6, p.len()), &p]);
    p[6..8].copy_from_slice(&c.to_be_bytes());
    p
}

fn keepalived_conf(dir: &std::path::Path, iface: &str, prio: u8, vip: &str) -> std::path::PathBuf {
    let conf = dir.join("keepalived.conf");
    std::fs::write(
        &conf,
        format!(
            "global_defs {{\n    router_id vrrp-linux-test\n}}\n\
             vrrp_instance VI_1 {{\n    state BACKUP\n    interface {iface}\n    virtual_router_id {VRID}\n    \
             priority {prio}\n    advert_int 1\n    virtual_ipaddress {{\n        {vip}\n    }}\n}}\n"
        ),
    )
    .unwrap();
    conf
}

fn start_keepalived(ns: &str, dir: &std::path::Path, conf: &std::path::Path) -> Daemon {
    let pid = dir.join("ka.pid");
    let vpid = dir.join("ka.vrrp.pid");
    Daemon::start(
        ns,
        &[
            "keepalived",
            "-n",
            "-l",
            "-D",
            "-G",
            "-P",
            "-f",
            conf.to_str().unwrap(),
            "-p",
            pid.to_str().unwrap(),
            "-r",
            vpid.to_str().unwrap(),
        ],
        dir.join("keepalived.log"),
    )
}

/// Receives in namespace `ns` until a packet from `from` arrives (max `secs`).
fn receive_from(
    ns: &str,
    family: Family,
    iface: &'static str,
    from: IpAddr,
    secs: u64,
) -> ReceivedPacket {
    join(in_ns(ns, move || async move {
        let idx = vrrp_linux::netns::if_index(iface).unwrap();
        let sock = VrrpSocket::open(family, None).unwrap();
        sock.join_group(idx).unwrap();
        let end = Instant::now() + Duration::from_secs(secs);
        loop {
            let left = end.saturating_duration_since(Instant::now());
            let p = tokio::time::timeout(left, sock.recv())
                .await
                .expect("no advert from keepalived")
                .unwrap();
            if p.src == from {
                return p;
            }
        }
    }))
}

/// Sends `payload` from `src` to the group every 200 ms until `done` says stop
/// (max `secs`).
fn advertise_until(
    ns: &str,
    src: IpAddr,
    payload: Vec<u8>,
    secs: u64,
    done: impl Fn() -> bool + Send + 'static,
) -> bool {
    join(in_ns(ns, move || async move {
        let idx = vrrp_linux::netns::if_index(IF_A).unwrap();
        let family = Family::of(src);
        let sock = VrrpSocket::open(family, Some(IF_A)).unwrap();
        let dst = family.group();
        let end = Instant::now() + Duration::from_secs(secs);
        while Instant::now() < end {
            sock.send(&Outgoing {
                ifindex: idx,
                src,
                dst,
                ttl: 255,
                payload: &payload,
                ah: None,
            })
            .await
            .unwrap();
            if done() {
                return true;
            }
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
        false
    }))
}

fn have_keepalived(test: &str) -> bool {
    root_or_skip(test) && common::have_tool(test, "keepalived")
}

#[test]
fn keepalived_v2_ipv4_adverts_both_ways() {
    if !have_keepalived("keepalived_v2_ipv4_adverts_both_ways") {
        return;
    }
    let p = Pair::new("ka4");
    let dir = scratch_dir("ka4");
    let vip = Ipv4Addr::new(10, 200, p.n as u8, 100);
    let conf = keepalived_conf(&dir, IF_B, 100, &format!("{vip}/24"));
    let ka = start_keepalived(&p.b.name, &dir, &conf);

    // keepalived becomes Master (Master_Down_Interval ~3.6 s) and advertises.
    let adv = receive_from(&p.a.name, Family::V4, IF_A, IpAddr::V4(p.v4(2)), 10);
    assert_eq!(adv.dst, IpAddr::V4(VRRP_GROUP_V4));
    assert_eq!(adv.ttl, 255, "RFC 9568 §5.1.1.3");
    assert_eq!(adv.payload.len(), 20, "v2: 8 header + 4 address + 8 auth");
    assert_eq!(&adv.payload[..6], &[0x21, VRID, 100, 1, 0, 1]);
    assert_eq!(&adv.payload[8..12], &vip.octets());
    assert_eq!(internet_checksum(&[&adv.payload]), 0, "checksum verifies");
    assert!(
        wait_addr(&p.b.name, IF_B, &vip.to_string(), true, 5),
        "VIP on keepalived's side"
    );

    // A higher-priority advert from vrrp-linux makes keepalived's Master step down.
    let ns_b = p.b.name.clone();
    let vip_s = vip.to_string();
    let stepped_down = advertise_until(
        &p.a.name,
        IpAddr::V4(p.v4(1)),
        vrrp_v2(VRID, 200, vip),
        5,
        move || wait_addr(&ns_b, IF_B, &vip_s, false, 0),
    );
    assert!(
        stepped_down,
        "keepalived kept the VIP; log:\n{}",
        ka.log_text()
    );
    assert!(
        ka.log_text().contains("Entering BACKUP STATE"),
        "{}",
        ka.log_text()
    );
    drop(ka);
    let _ = std::fs::remove_dir_all(dir);
}

#[test]
fn keepalived_v3_ipv6_adverts_both_ways() {
    if !have_keepalived("keepalived_v3_ipv6_adverts_both_ways") {
        return;
    }
    let p = Pair::new("ka6");
    let dir = scratch_dir("ka6");
    let vip = Ipv6Addr::new(0xfd00, 0x200, p.n as u16, 0, 0, 0, 0, 0x100);
    let conf = keepalived_conf(&dir, IF_B, 100, &format!("{vip}/64"));
    let link_local = |ns: &str, iface: &'static str| {
        join(in_ns(ns, move || async move {
            let rt = Rtnl::open().unwrap();
            let idx = rt.link_by_name(iface).await.unwrap().index;
            let addrs = rt.addresses(Some(idx)).await.unwrap();
            addrs
                .into_iter()
                .find(|a| a.scope == Scope::Link && a.addr.is_ipv6())
                .unwrap()
                .addr
        }))
    };
    let ll_a = link_local(&p.a.name, IF_A);
    let ll_b = link_local(&p.b.name, IF_B);
    let ka = start_keepalived(&p.b.name, &dir, &conf);

    let adv = receive_from(&p.a.name, Family::V6, IF_A, ll_b, 10);
    assert_eq!(adv.dst, IpAddr::V6(VRRP_GROUP_V6));
    assert_eq!(adv.ttl, 255, "RFC 9568 §5.1.2.3");
    assert_eq!(adv.payload.len(), 24, "v3: 8 header + 16 address");
    assert_eq!(&adv.payload[..6], &[0x31, VRID, 100, 1, 0, 100]);
    assert_eq!(&adv.payload[8..24], &vip.octets());
    let IpAddr::V6(src6) = adv.src else {
        panic!("v6 source")
    };
    assert_eq!(
        internet_checksum(&[&v6_pseudo(src6, VRRP_GROUP_V6, 24), &adv.payload]),
        0
    );
    assert!(
        wait_addr(&p.b.name, IF_B, &vip.to_string(), true, 5),
        "VIP on keepalived's side"
    );

    let IpAddr::V6(ll_a6) = ll_a else {
        panic!("v6")
    };
    let ns_b = p.b.name.clone();
    let vip_s = vip.to_string();
    let stepped_down = advertise_until(
        &p.a.name,
        ll_a,
        vrrp_v3_v6(VRID, 200, vip, ll_a6),
        5,
        move || wait_addr(&ns_b, IF_B, &vip_s, false, 0),
    );
    assert!(
        stepped_down,
        "keepalived kept the VIP; log:\n{}",
        ka.log_text()
    );
    assert!(
        ka.log_text().contains("Entering BACKUP STATE"),
        "{}",
        ka.log_text()
    );
    drop(ka);
    let _ = std::fs::remove_dir_all(dir);
}
