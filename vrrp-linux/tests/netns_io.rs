//! vrrp-linux against the real kernel, inside network namespaces the tests create
//! themselves (root only; skipped loudly otherwise).
#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: panics are the failure report

mod common;

use std::net::IpAddr;
use std::process::{Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

use common::{IF_A, IF_B, Netns, Pair, in_ns, ip, join, root_or_skip};
use vrrp_linux::vrrp_socket::{VRRP_GROUP_V4, VRRP_GROUP_V6, VRRP_TTL};
use vrrp_linux::{
    AddressSpec, Announcer, Family, MacvlanMode, MacvlanSpec, NetEventKind, NetWatcher, Outgoing,
    ReceivedPacket, Rtnl, Scope, VrrpSocket, WatchGroups, vmac_address,
};

const T: Duration = Duration::from_secs(5);
/// A fake VRRP payload: the IO layer never looks inside.
const PAYLOAD: &[u8] = &[0x31, 0x33, 0x64, 0x01, 0x00, 0x64, 0xab, 0xcd, 10, 0, 0, 1];

async fn recv_timeout(sock: &VrrpSocket) -> ReceivedPacket {
    tokio::time::timeout(T, sock.recv())
        .await
        .expect("no packet within 5 s")
        .expect("recv")
}

/// Receiver in b joins the group on vb and reports `count` packets; sender in a
/// sends `packets` once the receiver is ready.
fn exchange(
    pair: &Pair,
    family: Family,
    packets: Vec<(IpAddr, IpAddr, u8)>,
) -> (Vec<ReceivedPacket>, u32) {
    let (ready_tx, ready_rx) = mpsc::sync_channel::<()>(1);
    let count = packets.len();
    let receiver = in_ns(&pair.b.name, move || async move {
        let idx = vrrp_linux::netns::if_index(IF_B).expect("vb");
        let sock = VrrpSocket::open(family, None).expect("open");
        sock.join_group(idx).expect("join");
        ready_tx.send(()).unwrap();
        let mut got = Vec::new();
        for _ in 0..count {
            let r = recv_timeout(&sock).await;
            got.push(r);
        }
        (got, idx)
    });
    let sender = in_ns(&pair.a.name, move || async move {
        ready_rx.recv().unwrap();
        let idx = vrrp_linux::netns::if_index(IF_A).expect("va");
        let sock = VrrpSocket::open(family, Some(IF_A)).expect("open");
        for (src, dst, ttl) in packets {
            sock.send(&Outgoing {
                ifindex: idx,
                src,
                dst,
                ttl,
                payload: PAYLOAD,
                ah: None,
            })
            .await
            .expect("send");
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    });
    join(sender);
    join(receiver)
}

#[test]
fn ipv4_multicast_and_unicast_with_ttl() {
    if !root_or_skip("ipv4_multicast_and_unicast_with_ttl") {
        return;
    }
    let p = Pair::new("v4");
    let (a, b) = (IpAddr::V4(p.v4(1)), IpAddr::V4(p.v4(2)));
    let before = std::time::SystemTime::now();
    let (got, idx) = exchange(
        &p,
        Family::V4,
        vec![
            (a, IpAddr::V4(VRRP_GROUP_V4), VRRP_TTL),
            (a, b, VRRP_TTL),
            (a, b, 7),
        ],
    );
    assert_eq!(got[0].src, a);
    assert_eq!(got[0].dst, IpAddr::V4(VRRP_GROUP_V4));
    assert_eq!(got[0].ttl, 255);
    assert_eq!(got[0].ifindex, idx);
    assert_eq!(got[0].payload, PAYLOAD);
    assert_eq!(got[1].dst, b);
    assert_eq!(got[1].ttl, 255);
    assert_eq!(got[1].payload, PAYLOAD);
    // TTL is read from the received header, not assumed.
    assert_eq!(got[2].ttl, 7);
    assert_received_between(&got, before, std::time::SystemTime::now());
}

/// Every packet carries its kernel receive time (SO_TIMESTAMPNS), in order and
/// within the exchange.
fn assert_received_between(
    got: &[ReceivedPacket],
    before: std::time::SystemTime,
    after: std::time::SystemTime,
) {
    let times: Vec<_> = got
        .iter()
        .map(|g| g.received.expect("kernel receive timestamp"))
        .collect();
    assert!(
        times.iter().all(|t| *t >= before && *t <= after),
        "{times:?} not within {before:?}..{after:?}"
    );
    assert!(
        times.windows(2).all(|w| w[0] <= w[1]),
        "{times:?} out of order"
    );
}

#[test]
fn ipv6_multicast_from_link_local_and_unicast_with_hop_limit() {
    if !root_or_skip("ipv6_multicast_from_link_local_and_unicast_with_hop_limit") {
        return;
    }
    let p = Pair::new("v6");
    // a's link-local address, read through rtnetlink.
    let ll = join(in_ns(&p.a.name, || async {
        let rt = Rtnl::open().unwrap();
        let idx = rt.link_by_name(IF_A).await.unwrap().index;
        let addrs = rt.addresses(Some(idx)).await.unwrap();
        addrs
            .iter()
            .find(|a| a.scope == Scope::Link && a.addr.is_ipv6())
            .map(|a| a.addr)
            .expect("link-local address on va")
    }));
    let (a, b) = (IpAddr::V6(p.v6(1)), IpAddr::V6(p.v6(2)));
    let before = std::time::SystemTime::now();
    let (got, idx) = exchange(
        &p,
        Family::V6,
        vec![
            (ll, IpAddr::V6(VRRP_GROUP_V6), VRRP_TTL),
            (a, b, VRRP_TTL),
            (a, b, 9),
        ],
    );
    assert_eq!(got[0].src, ll);
    assert_eq!(got[0].dst, IpAddr::V6(VRRP_GROUP_V6));
    assert_eq!(got[0].ttl, 255);
    assert_eq!(got[0].ifindex, idx);
    assert_eq!(got[0].payload, PAYLOAD);
    assert_eq!((got[1].src, got[1].dst, got[1].ttl), (a, b, 255));
    assert_eq!(got[2].ttl, 9);
    assert_received_between(&got, before, std::time::SystemTime::now());
}

#[test]
fn group_membership_filters_multicast() {
    if !root_or_skip("group_membership_filters_multicast") {
        return;
    }
    // A receiver that did not join sees no multicast (IP_MULTICAST_ALL off), but
    // sees unicast; the probe order proves the multicast one was not just late.
    let p = Pair::new("nojoin");
    let (ready_tx, ready_rx) = mpsc::sync_channel::<()>(1);
    let receiver = in_ns(&p.b.name, move || async move {
        let sock = VrrpSocket::open(Family::V4, None).unwrap();
        ready_tx.send(()).unwrap();
        recv_timeout(&sock).await
    });
    let (a, b) = (IpAddr::V4(p.v4(1)), IpAddr::V4(p.v4(2)));
    join(in_ns(&p.a.name, move || async move {
        ready_rx.recv().unwrap();
        let idx = vrrp_linux::netns::if_index(IF_A).unwrap();
        let sock = VrrpSocket::open(Family::V4, None).unwrap();
        let group = IpAddr::V4(VRRP_GROUP_V4);
        sock.send(&Outgoing {
            ifindex: idx,
            src: a,
            dst: group,
            ttl: 255,
            payload: PAYLOAD,
            ah: None,
        })
        .await
        .unwrap();
        tokio::time::sleep(Duration::from_millis(100)).await;
        sock.send(&Outgoing {
            ifindex: idx,
            src: a,
            dst: b,
            ttl: 255,
            payload: PAYLOAD,
            ah: None,
        })
        .await
        .unwrap();
    }));
    let first = join(receiver);
    assert_eq!(
        first.dst, b,
        "unjoined socket must not see the multicast packet"
    );
}

#[test]
fn send_refuses_mixed_families() {
    if !root_or_skip("send_refuses_mixed_families") {
        return;
    }
    let p = Pair::new("fam");
    let v6 = IpAddr::V6(p.v6(1));
    join(in_ns(&p.a.name, move || async move {
        let sock = VrrpSocket::open(Family::V4, None).unwrap();
        let r = sock
            .send(&Outgoing {
                ifindex: 0,
                src: v6,
                dst: v6,
                ttl: 255,
                payload: PAYLOAD,
                ah: None,
            })
            .await;
        assert!(
            matches!(r, Err(vrrp_linux::SocketError::FamilyMismatch { .. })),
            "{r:?}"
        );
    }));
}

#[test]
fn vip_add_remove_visible_in_ip_addr_and_events() {
    if !root_or_skip("vip_add_remove_visible_in_ip_addr_and_events") {
        return;
    }
    let p = Pair::new("vip");
    let vip4 = p.v4(100);
    let vip6 = p.v6(0x100);
    let ns = p.a.name.clone();
    join(in_ns(&p.a.name, move || async move {
        let rt = Rtnl::open().unwrap();
        let mut watch = NetWatcher::open(WatchGroups {
            links: false,
            addresses: true,
            routes: false,
            rules: false,
        })
        .unwrap();
        let va = rt.link_by_name(IF_A).await.unwrap();
        let mut s4 = AddressSpec::vip(va.index, IpAddr::V4(vip4), 32);
        s4.label = Some("va:vip".into());
        let s6 = AddressSpec::vip(va.index, IpAddr::V6(vip6), 64);
        rt.add_address(&s4).await.unwrap();
        rt.add_address(&s6).await.unwrap();

        let shown = ip(&ns, &["addr", "show", "dev", IF_A]);
        assert!(shown.contains(&format!("inet {vip4}/32")), "{shown}");
        assert!(shown.contains("va:vip"), "{shown}");
        assert!(shown.contains(&format!("inet6 {vip6}/64")), "{shown}");
        let v6line = shown
            .lines()
            .find(|l| l.contains(&vip6.to_string()))
            .unwrap();
        assert!(
            !v6line.contains("tentative"),
            "NODAD VIP must be usable at once: {v6line}"
        );

        let listed = rt.addresses(Some(va.index)).await.unwrap();
        let l4 = listed
            .iter()
            .find(|a| a.addr == IpAddr::V4(vip4))
            .expect("listed");
        assert_eq!(
            (l4.prefix_len, l4.label.as_deref(), l4.scope),
            (32, Some("va:vip"), Scope::Global)
        );
        assert!(
            listed
                .iter()
                .any(|a| a.addr == IpAddr::V6(vip6) && !a.is_tentative())
        );

        // The watcher saw both additions.
        let mut added = Vec::new();
        while added.len() < 2 {
            let ev = tokio::time::timeout(T, watch.next())
                .await
                .expect("event")
                .unwrap();
            if let NetEventKind::AddressAdded(a) = ev.kind
                && (a.addr == IpAddr::V4(vip4) || a.addr == IpAddr::V6(vip6))
            {
                added.push(a.addr);
            }
        }

        let dup = rt.add_address(&s4).await.unwrap_err();
        assert!(dup.is_already_exists(), "{dup}");
        let dup6 = rt.add_address(&s6).await.unwrap_err();
        assert!(dup6.is_already_exists(), "{dup6}");

        rt.del_address(&s4).await.unwrap();
        rt.del_address(&s6).await.unwrap();
        let shown = ip(&ns, &["addr", "show", "dev", IF_A]);
        assert!(!shown.contains(&vip4.to_string()), "{shown}");
        assert!(!shown.contains(&vip6.to_string()), "{shown}");
        let gone = rt.del_address(&s4).await.unwrap_err();
        assert!(gone.is_not_found(), "{gone}");
        loop {
            let ev = tokio::time::timeout(T, watch.next())
                .await
                .expect("event")
                .unwrap();
            if matches!(ev.kind, NetEventKind::AddressRemoved(ref a) if a.addr == IpAddr::V4(vip4))
            {
                break;
            }
        }
    }));
}

#[test]
fn vip_with_broadcast_and_scope() {
    if !root_or_skip("vip_with_broadcast_and_scope") {
        return;
    }
    let p = Pair::new("brd");
    // Outside va's 10.200.N.0/24: the kernel refuses a link-scope secondary in a
    // subnet whose primary is global ("ipv4: Invalid scope value.").
    let vip = std::net::Ipv4Addr::new(10, 201, p.n as u8, 77);
    let brd = std::net::Ipv4Addr::new(10, 201, p.n as u8, 255);
    let p_v4_1 = p.v4(50);
    let ns = p.a.name.clone();
    join(in_ns(&p.a.name, move || async move {
        let rt = Rtnl::open().unwrap();
        let idx = rt.link_by_name(IF_A).await.unwrap().index;
        let mut s = AddressSpec::vip(idx, IpAddr::V4(vip), 24);
        s.broadcast = Some(brd);
        s.scope = Scope::Link;
        rt.add_address(&s).await.unwrap();
        let shown = ip(&ns, &["addr", "show", "dev", IF_A]);
        let line = shown
            .lines()
            .find(|l| l.contains(&format!("inet {vip}/24")))
            .expect("vip shown");
        assert!(line.contains(&format!("brd {brd}")), "{line}");
        assert!(line.contains("scope link"), "{line}");
        rt.del_address(&s).await.unwrap();
        // A refused request carries the kernel's extended-ACK text.
        let mut bad = AddressSpec::vip(idx, IpAddr::V4(p_v4_1), 24);
        bad.scope = Scope::Link;
        let e = rt.add_address(&bad).await.unwrap_err();
        assert_eq!(e.errno(), Some(libc_einval()), "{e}");
        assert!(e.to_string().contains("scope"), "{e}");
    }));
}

fn libc_einval() -> i32 {
    22
}

#[test]
fn interface_lookup_matches_ip_link() {
    if !root_or_skip("interface_lookup_matches_ip_link") {
        return;
    }
    let p = Pair::new("link");
    let shown = ip(&p.a.name, &["-o", "link", "show", IF_A]);
    let iface = join(in_ns(&p.a.name, || async {
        let rt = Rtnl::open().unwrap();
        let by_name = rt.link_by_name(IF_A).await.unwrap();
        let by_index = rt.link_by_index(by_name.index).await.unwrap();
        assert_eq!(by_name, by_index);
        assert!(rt.links().await.unwrap().iter().any(|l| l.name == "lo"));
        let missing = rt.link_by_name("nosuchif0").await.unwrap_err();
        assert!(
            matches!(missing, vrrp_linux::NetlinkError::NoSuchInterface(_)),
            "{missing}"
        );
        by_name
    }));
    assert!(
        shown.starts_with(&format!("{}: {IF_A}@", iface.index)),
        "{shown}"
    );
    let mac = iface.mac.expect("mac").to_string();
    assert!(shown.contains(&format!("link/ether {mac}")), "{shown}");
    assert!(shown.contains(&format!("mtu {}", iface.mtu)), "{shown}");
    assert!(iface.is_up());
    assert_eq!(iface.kind.as_deref(), Some("veth"));
}

#[test]
fn link_down_and_up_events() {
    if !root_or_skip("link_down_and_up_events") {
        return;
    }
    let p = Pair::new("watch");
    let ns = p.a.name.clone();
    join(in_ns(&p.a.name, move || async move {
        let mut watch = NetWatcher::open(WatchGroups {
            links: true,
            addresses: false,
            routes: false,
            rules: false,
        })
        .unwrap();
        let idx = vrrp_linux::netns::if_index(IF_A).unwrap();
        ip(&ns, &["link", "set", IF_A, "down"]);
        loop {
            let ev = tokio::time::timeout(T, watch.next())
                .await
                .expect("link event")
                .unwrap();
            if let NetEventKind::LinkChanged(i) = ev.kind
                && i.index == idx
                && !i.is_up()
            {
                assert_eq!(i.name, IF_A);
                break;
            }
        }
        ip(&ns, &["link", "set", IF_A, "up"]);
        loop {
            let ev = tokio::time::timeout(T, watch.next())
                .await
                .expect("link event")
                .unwrap();
            if let NetEventKind::LinkChanged(i) = ev.kind
                && i.index == idx
                && i.is_up()
            {
                break;
            }
        }
    }));
}

#[test]
fn macvlan_vmac_created_with_rfc_mac_and_sysctls() {
    if !root_or_skip("macvlan_vmac_created_with_rfc_mac_and_sysctls") {
        return;
    }
    let p = Pair::new("vmac");
    let ns = p.a.name.clone();
    join(in_ns(&p.a.name, move || async move {
        let rt = Rtnl::open().unwrap();
        let mut watch = NetWatcher::open(WatchGroups {
            links: true,
            addresses: false,
            routes: false,
            rules: false,
        })
        .unwrap();
        let parent = rt.link_by_name(IF_A).await.unwrap();
        let mac = vmac_address(Family::V4, 51);
        let spec = MacvlanSpec {
            name: "vrrp.51".into(),
            parent_index: parent.index,
            mac,
            mode: MacvlanMode::Bridge,
            master: None,
        };
        let vm = rt.add_macvlan(&spec).await.unwrap();
        rt.set_link_up(vm.index, true).await.unwrap();
        assert_eq!(vm.mac, Some(mac));
        assert_eq!(vm.kind.as_deref(), Some("macvlan"));
        assert_eq!(vm.parent_index, Some(parent.index));
        let shown = ip(&ns, &["-d", "link", "show", "vrrp.51"]);
        assert!(shown.contains("link/ether 00:00:5e:00:01:33"), "{shown}");
        assert!(shown.contains("macvlan mode bridge"), "{shown}");
        assert!(shown.contains(&format!("vrrp.51@{IF_A}")), "{shown}");
        let again = rt.add_macvlan(&spec).await.unwrap_err();
        assert!(again.is_already_exists(), "{again}");

        let mut vmac_sysctls = vrrp_linux::VmacSysctls::default();
        let sysctl = vmac_sysctls.sysctl().clone();
        let hold = vmac_sysctls.apply("vrrp.51", IF_A).unwrap();
        let read = |iface: &str, key: &str| {
            common::run(&[
                "ip",
                "netns",
                "exec",
                &ns,
                "cat",
                &format!("/proc/sys/net/ipv4/conf/{iface}/{key}"),
            ])
            .trim()
            .to_string()
        };
        assert_eq!(read("vrrp.51", "arp_ignore"), "1");
        assert_eq!(read("vrrp.51", "accept_local"), "1");
        assert_eq!(read(IF_A, "arp_filter"), "1");
        vmac_sysctls.release(hold).unwrap();
        assert_eq!(read(IF_A, "arp_filter"), "0");
        assert_eq!(read(IF_A, "arp_ignore"), "0");

        // IPv4 VMAC: no IPv6 on it.
        let mut v6saved = vrrp_linux::vmac::SavedSysctls::default();
        sysctl.disable_ipv6(&mut v6saved, "vrrp.51").unwrap();
        assert!(!ip(&ns, &["-6", "addr", "show", "dev", "vrrp.51"]).contains("inet6"));

        // IPv6 VMAC: no automatic link-local; the EUI-64 one of the VMAC instead.
        let mac6 = vmac_address(Family::V6, 51);
        let spec6 = MacvlanSpec {
            name: "vrrp6.51".into(),
            parent_index: parent.index,
            mac: mac6,
            mode: MacvlanMode::Private,
            master: None,
        };
        let vm6 = rt.add_macvlan(&spec6).await.unwrap();
        sysctl
            .suppress_auto_link_local(&mut v6saved, "vrrp6.51")
            .unwrap();
        rt.set_link_up(vm6.index, true).await.unwrap();
        let ll = vrrp_linux::eui64_link_local(mac6);
        let mut ll_spec = AddressSpec::vip(vm6.index, IpAddr::V6(ll), 64);
        ll_spec.scope = Scope::Link;
        rt.add_address(&ll_spec).await.unwrap();
        let shown6 = ip(&ns, &["-6", "addr", "show", "dev", "vrrp6.51"]);
        assert!(
            shown6.contains("inet6 fe80::200:5eff:fe00:233/64 scope link"),
            "{shown6}"
        );
        assert_eq!(shown6.matches("inet6 fe80").count(), 1, "{shown6}");
        assert!(ip(&ns, &["-d", "link", "show", "vrrp6.51"]).contains("macvlan mode private"));
        rt.del_link(vm6.index).await.unwrap();
        v6saved.restore(&sysctl).unwrap();

        rt.del_link(vm.index).await.unwrap();
        loop {
            let ev = tokio::time::timeout(T, watch.next())
                .await
                .expect("event")
                .unwrap();
            if matches!(ev.kind, NetEventKind::LinkRemoved(ref i) if i.index == vm.index) {
                break;
            }
        }
        assert!(rt.link_by_name("vrrp.51").await.is_err());
    }));
}

/// Starts tcpdump in `ns` on `iface` and waits until it listens.
fn tcpdump(ns: &str, iface: &str, count: &str, filter: &str) -> std::process::Child {
    use std::io::{BufRead, BufReader};
    let mut child = Command::new("ip")
        .args([
            "netns", "exec", ns, "tcpdump", "-i", iface, "-nn", "-e", "-vv", "-l", "-c", count,
            filter,
        ])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("tcpdump");
    let mut err = BufReader::new(child.stderr.take().unwrap());
    let mut line = String::new();
    loop {
        line.clear();
        assert!(
            err.read_line(&mut line).unwrap() > 0,
            "tcpdump exited early"
        );
        if line.contains("listening on") {
            break;
        }
    }
    child
}

#[test]
fn garp_and_na_seen_by_tcpdump_in_peer() {
    if !root_or_skip("garp_and_na_seen_by_tcpdump_in_peer")
        || !common::have_tool("garp_and_na", "tcpdump")
    {
        return;
    }
    let p = Pair::new("garp");
    let vip4 = p.v4(100);
    let vip6 = p.v6(0x100);
    let dump = tcpdump(&p.b.name, IF_B, "2", "arp or (icmp6 and ip6[40] == 136)");
    let mac = vmac_address(Family::V4, 7);
    join(in_ns(&p.a.name, move || async move {
        let idx = vrrp_linux::netns::if_index(IF_A).unwrap();
        let ann = Announcer::open().unwrap();
        ann.send_garp(idx, mac, vip4).unwrap();
        ann.send_na(idx, mac, vip6, false).unwrap();
    }));
    let out = wait_output(dump);
    let lines: Vec<&str> = out.lines().collect();
    let arp = out
        .split("\n")
        .find(|l| l.contains("ARP"))
        .unwrap_or_else(|| panic!("no ARP in {lines:?}"));
    assert!(
        arp.contains("00:00:5e:00:01:07 > ff:ff:ff:ff:ff:ff"),
        "{arp}"
    );
    assert!(
        arp.contains(&format!(
            "Request who-has {vip4} (ff:ff:ff:ff:ff:ff) tell {vip4}"
        )),
        "{arp}"
    );
    // The NA spans several lines with -vv.
    let na_at = out
        .find("neighbor advertisement")
        .unwrap_or_else(|| panic!("no NA in {out}"));
    let na = &out[out[..na_at].rfind("00:00:5e").unwrap_or(0)..];
    assert!(na.contains("00:00:5e:00:01:07 > 33:33:00:00:00:01"), "{na}");
    assert!(na.contains("hlim 255"), "{na}");
    assert!(na.contains(&format!("{vip6} > ff02::1")), "{na}");
    assert!(na.contains("icmp6 sum ok"), "{na}");
    assert!(na.contains(&format!("tgt is {vip6}")), "{na}");
    assert!(na.contains("Flags [override]"), "{na}");
    assert!(
        na.contains("destination link-address option (2), length 8 (1): 00:00:5e:00:01:07"),
        "{na}"
    );
}

fn wait_output(mut child: std::process::Child) -> String {
    use std::io::Read;
    for _ in 0..50 {
        if child.try_wait().unwrap().is_some() {
            break;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    if child.try_wait().unwrap().is_none() {
        let _ = child.kill();
    }
    let _ = child.wait();
    let mut out = String::new();
    child
        .stdout
        .take()
        .unwrap()
        .read_to_string(&mut out)
        .unwrap();
    out
}

#[test]
fn ipv6_kernel_checksum_option() {
    if !root_or_skip("ipv6_kernel_checksum_option") {
        return;
    }
    let p = Pair::new("csum");
    let (a, b) = (p.v6(1), p.v6(2));
    let (ready_tx, ready_rx) = mpsc::sync_channel::<()>(1);
    let receiver = in_ns(&p.b.name, move || async move {
        let sock = VrrpSocket::open(Family::V6, None).unwrap();
        sock.set_kernel_checksum_v6(true).unwrap();
        ready_tx.send(()).unwrap();
        recv_timeout(&sock).await
    });
    // Payload with a zero (wrong) checksum field at offset 6.
    let payload: Vec<u8> = vec![0x31, 51, 100, 0, 0, 100, 0, 0];
    let sent = payload.clone();
    join(in_ns(&p.a.name, move || async move {
        ready_rx.recv().unwrap();
        let idx = vrrp_linux::netns::if_index(IF_A).unwrap();
        let plain = VrrpSocket::open(Family::V6, None).unwrap();
        let out = Outgoing {
            ifindex: idx,
            src: IpAddr::V6(a),
            dst: IpAddr::V6(b),
            ttl: 255,
            payload: &sent,
            ah: None,
        };
        // Sent as is: the receiver's kernel drops it (bad checksum).
        plain.send(&out).await.unwrap();
        tokio::time::sleep(Duration::from_millis(100)).await;
        // The kernel fills the checksum: delivered.
        let fixing = VrrpSocket::open(Family::V6, None).unwrap();
        fixing.set_kernel_checksum_v6(true).unwrap();
        fixing.send(&out).await.unwrap();
    }));
    let got = join(receiver);
    assert_eq!(&got.payload[..6], &payload[..6]);
    assert_ne!(
        &got.payload[6..8],
        &[0, 0],
        "the kernel filled the checksum"
    );
    assert_eq!(
        common::internet_checksum(&[&common::v6_pseudo(a, b, 8), &got.payload]),
        0
    );
    join(in_ns(&p.a.name, || async {
        let v4 = VrrpSocket::open(Family::V4, None).unwrap();
        assert!(v4.set_kernel_checksum_v6(true).is_err());
    }));
}

/// `set_link_master` enslaves a link to a master and releases it again
/// (0), as `ip link` then shows; a bridge stands in for a VRF, which this
/// kernel may lack.
#[test]
fn set_link_master_enslaves_and_releases() {
    if !root_or_skip("set_link_master_enslaves_and_releases") {
        return;
    }
    let ns = Netns::new(format!("vl-master-{}", std::process::id()));
    ip(&ns.name, &["link", "add", "vl-br", "type", "bridge"]);
    ip(
        &ns.name,
        &[
            "link", "add", "vl-p0", "type", "veth", "peer", "name", "vl-p1",
        ],
    );
    let name = ns.name.clone();
    join(in_ns(&ns.name, move || async move {
        let rt = Rtnl::open().unwrap();
        let br = rt.link_by_name("vl-br").await.unwrap();
        let p0 = rt.link_by_name("vl-p0").await.unwrap();
        assert_eq!(p0.master, None);
        rt.set_link_master(p0.index, br.index).await.unwrap();
        assert_eq!(
            rt.link_by_name("vl-p0").await.unwrap().master,
            Some(br.index)
        );
        assert!(ip(&name, &["link", "show", "vl-p0"]).contains("master vl-br"));
        rt.set_link_master(p0.index, 0).await.unwrap();
        assert_eq!(rt.link_by_name("vl-p0").await.unwrap().master, None);
        assert!(!ip(&name, &["link", "show", "vl-p0"]).contains("master"));
    }));
}
