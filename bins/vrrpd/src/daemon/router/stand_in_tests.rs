//! The router over the in-memory host: VIP install, VMAC, GARP pacing and
//! reload, driven by its own configuration mapping and timers on a virtual
//! clock, so that every time below is exact (no machine, no root, no
//! waiting).

use std::net::IpAddr;

use keepalived_conf::{LoadOptions, parse_str};
use keepalived_nft::ruleset::Request;
use keepalived_nft::{NftError, Transport};
use vrrp_core::packet::{Advertisement, Auth, ChecksumMode, Version};
use vrrp_core::time::Instant;

use super::Router;
use crate::daemon::accept_mode::AcceptFirewall;
use crate::daemon::host::Host;
use crate::daemon::host::stand_in::{Call, StandInHost};
use crate::daemon::router::Inbound;
use crate::daemon::status::Detail;
use crate::spec::mapping::{Mapped, map_config};

const ETH0: u32 = 2;
const GROUP: &str = "224.0.0.18";

/// An nftables transport that accepts every batch: the VMAC and accept
/// mode rules are computed, nothing reaches the kernel.
struct NoKernel;

impl Transport for NoKernel {
    fn send_batch(&mut self, _requests: &[Request]) -> Result<(), NftError> {
        Ok(())
    }
}

fn ip(s: &str) -> IpAddr {
    s.parse().expect("test address")
}

fn host() -> StandInHost {
    StandInHost::default()
        .with_link("lo", 1, "00:00:00:00:00:00".parse().expect("mac"))
        .with_link("eth0", ETH0, "02:00:00:00:00:01".parse().expect("mac"))
        .with_address(ETH0, "10.0.0.1", 24)
}

fn mapped(conf: &str, host: &StandInHost) -> Mapped {
    let p = parse_str("t.conf", conf, &LoadOptions::default());
    let (m, diags) = map_config(&p.config, &host.view());
    let errors: Vec<_> = diags.iter().filter(|d| d.is_error()).collect();
    assert!(errors.is_empty(), "{errors:?}");
    m
}

async fn started(conf: &str) -> Router<StandInHost> {
    let mut r = Router::new(host());
    r.accept_fw = AcceptFirewall::new(Box::new(|| {
        Ok(Box::new(NoKernel) as Box<dyn Transport + Send>)
    }));
    let m = mapped(conf, r.host());
    let view = r.host().view();
    r.install(m, &view).await.expect("install");
    r
}

/// Runs the router's timers in order up to `until` (at most 10,000 of
/// them), stopping early once a recorded call satisfies `stop`.
async fn run(r: &mut Router<StandInHost>, until: Instant, stop: impl Fn(&Call) -> bool) {
    for _ in 0..10_000 {
        if r.host().calls().iter().any(|(_, c)| stop(c)) {
            return;
        }
        match r.next_deadline() {
            Some(t) if t <= until => {
                r.host().set_now(t.max(r.host().now()));
                r.on_timers().await;
            }
            _ => break,
        }
    }
    if r.host().now() < until && !r.host().calls().iter().any(|(_, c)| stop(c)) {
        r.host().set_now(until);
    }
}

fn later(t: Instant, ms: u64) -> Instant {
    Instant::from_micros(t.as_micros() + ms * 1_000)
}

fn announcements(calls: &[(Instant, Call)]) -> Vec<(Instant, u32, IpAddr)> {
    calls
        .iter()
        .filter_map(|(t, c)| match c {
            Call::Announce { ifindex, addr } => Some((*t, *ifindex, *addr)),
            _ => None,
        })
        .collect()
}

fn adverts(calls: &[(Instant, Call)], vrid: u8) -> Vec<(Instant, u32, u8)> {
    calls
        .iter()
        .filter_map(|(t, c)| match c {
            Call::Advert {
                ifindex,
                vrid: v,
                priority,
                ..
            } if *v == vrid => Some((*t, *ifindex, *priority)),
            _ => None,
        })
        .collect()
}

fn is_master_advert(vrid: u8) -> impl Fn(&Call) -> bool {
    move |c| matches!(c, Call::Advert { vrid: v, priority, .. } if *v == vrid && *priority > 0)
}

fn state(r: &Router<StandInHost>, name: &str) -> &'static str {
    r.snapshot(Detail::Light)
        .instances
        .iter()
        .find(|i| i.name == name)
        .map_or("GONE", |i| i.state)
}

const TWO_VIPS: &str = "
global_defs {
    vrrp_garp_interval 0.5
}
vrrp_instance VI_1 {
    state BACKUP
    interface eth0
    virtual_router_id 51
    priority 100
    advert_int 1
    virtual_ipaddress {
        10.0.0.100/24
        10.0.0.101/24
    }
}
";

#[tokio::test]
async fn a_new_master_adds_its_vips_after_its_advert_then_paces_its_garps() {
    let mut r = started(TWO_VIPS).await;
    let start = r.host().now();
    // RFC 3768 §6.4.2: Master_Down_Interval = 3 s + (256 - 100) / 256 s.
    run(&mut r, later(start, 6_000), |_| false).await;
    let calls = r.host().calls();
    assert!(
        calls.contains(&(
            start,
            Call::Join {
                group: ip(GROUP),
                ifindex: ETH0
            }
        )),
        "{calls:?}"
    );
    let first = calls
        .iter()
        .position(|(_, c)| is_master_advert(51)(c))
        .expect("an advert as Master");
    let became = calls[first].0;
    assert_eq!(became.as_micros() - start.as_micros(), 3_609_375);
    let added: Vec<_> = calls
        .iter()
        .enumerate()
        .filter_map(|(k, (t, c))| match c {
            Call::AddAddress { ifindex, addr } => Some((k, *t, *ifindex, *addr)),
            _ => None,
        })
        .collect();
    assert_eq!(
        added
            .iter()
            .map(|&(_, t, i, a)| (t, i, a))
            .collect::<Vec<_>>(),
        [
            (became, ETH0, ip("10.0.0.100")),
            (became, ETH0, ip("10.0.0.101"))
        ]
    );
    assert!(
        added.iter().all(|&(k, ..)| k > first),
        "the advert goes before the VIPs (keepalived vrrp_state_master_tx)"
    );
    // garp_master_repeat 5 over two VIPs with vrrp_garp_interval 0.5 s: one
    // GARP now, each address pending once after it, 0.5 s apart (as
    // keepalived 2.2.7 puts them on the wire); the garp_master_delay
    // burst is 5 s later, after this run.
    assert_eq!(
        announcements(&calls),
        [
            (became, ETH0, ip("10.0.0.100")),
            (later(became, 500), ETH0, ip("10.0.0.101")),
            (later(became, 1_000), ETH0, ip("10.0.0.100")),
        ]
    );
    assert_eq!(
        r.host().addresses_on(ETH0),
        [ip("10.0.0.1"), ip("10.0.0.100"), ip("10.0.0.101")]
    );
    assert_eq!(state(&r, "VI_1"), "MASTER");
}

/// A VRRPv2 advert of VRID 51 from `src` with `priority`, carrying the VIPs.
fn advert(priority: u8, vips: &[&str]) -> Vec<u8> {
    let adv = Advertisement {
        version: Version::V2,
        vrid: 51,
        priority,
        max_advert_int_cs: 100,
        auth: Auth::None,
        addresses: vips.iter().map(|v| ip(v)).collect(),
    };
    let mut buf = vec![0; adv.buffer_len()];
    adv.emit(&mut buf, ip("10.0.0.2"), ip(GROUP), ChecksumMode::Rfc)
        .expect("emit");
    buf
}

#[tokio::test]
async fn a_master_hearing_a_higher_priority_removes_its_vips_and_drops_pending_garps() {
    let mut r = started(TWO_VIPS).await;
    let start = r.host().now();
    run(&mut r, later(start, 6_000), is_master_advert(51)).await;
    let became = r.host().now();
    assert_eq!(state(&r, "VI_1"), "MASTER");
    // Before the paced GARPs of 10.0.0.101 (+0.5 s) and 10.0.0.100 (+1 s).
    r.host().set_now(later(became, 200));
    r.host().take_calls();
    r.on_packet(Inbound {
        family: vrrp_core::packet::Family::V4,
        ifindex: ETH0,
        src: ip("10.0.0.2"),
        dst: ip(GROUP),
        ttl: 255,
        payload: advert(200, &["10.0.0.100", "10.0.0.101"]),
        ah: false,
        received: None,
    })
    .await;
    assert_eq!(state(&r, "VI_1"), "BACKUP");
    let at = later(became, 200);
    assert_eq!(
        r.host().take_calls(),
        [
            (
                at,
                Call::DelAddress {
                    ifindex: ETH0,
                    addr: ip("10.0.0.100")
                }
            ),
            (
                at,
                Call::DelAddress {
                    ifindex: ETH0,
                    addr: ip("10.0.0.101")
                }
            ),
        ]
    );
    assert_eq!(r.host().addresses_on(ETH0), [ip("10.0.0.1")]);
    // A Backup neither advertises nor announces the addresses it gave up.
    run(&mut r, later(became, 2_500), |_| false).await;
    let calls = r.host().calls();
    assert!(announcements(&calls).is_empty(), "{calls:?}");
    assert!(adverts(&calls, 51).is_empty(), "{calls:?}");
}

const TWO_INSTANCES: &str = "
vrrp_instance VI_1 {
    state BACKUP
    interface eth0
    virtual_router_id 51
    priority 100
    advert_int 1
    virtual_ipaddress {
        10.0.0.100/24
        10.0.0.101/24
    }
}
vrrp_instance VI_2 {
    state BACKUP
    interface eth0
    virtual_router_id 52
    priority 100
    advert_int 1
    virtual_ipaddress {
        10.0.0.200/24
    }
}
";

#[tokio::test]
async fn a_reload_leaves_an_unchanged_master_alone_and_releases_a_removed_one() {
    let mut r = started(TWO_INSTANCES).await;
    let start = r.host().now();
    run(&mut r, later(start, 6_000), |_| false).await;
    assert_eq!((state(&r, "VI_1"), state(&r, "VI_2")), ("MASTER", "MASTER"));
    let last_before = adverts(&r.host().calls(), 51)
        .last()
        .map(|a| a.0)
        .expect("VI_1 advertises");
    r.host().take_calls();
    let reloaded = r.host().now();
    let new = TWO_INSTANCES
        .replace("VI_2", "VI_3")
        .replace("virtual_router_id 52", "virtual_router_id 53");
    let m = mapped(&new, r.host());
    let view = r.host().view();
    r.reload(m, &view).await.expect("reload");
    // 2 s: before VI_1's garp_master_delay burst (5 s after it became Master).
    run(&mut r, later(reloaded, 2_000), |_| false).await;
    let calls = r.host().calls();
    // VI_1: no address touched, no GARP, adverts on, at most advert_int apart.
    let touched = |a: &str| {
        calls.iter().any(|(_, c)| {
            matches!(c, Call::AddAddress { addr, .. } | Call::DelAddress { addr, .. } | Call::Announce { addr, .. } if *addr == ip(a))
        })
    };
    assert!(
        !touched("10.0.0.100") && !touched("10.0.0.101"),
        "{calls:?}"
    );
    let after = adverts(&calls, 51);
    assert!(after.len() >= 2, "{calls:?}");
    assert!(
        after[0].0.as_micros() - last_before.as_micros() <= 1_000_000,
        "no advert gap: {last_before:?} then {:?}",
        after[0].0
    );
    // VI_2 (removed): priority 0, then its VIP goes (keepalived
    // clear_diff_vrrp / vrrp_restore_interface).
    let released = calls
        .iter()
        .position(|(_, c)| {
            matches!(
                c,
                Call::Advert {
                    vrid: 52,
                    priority: 0,
                    ..
                }
            )
        })
        .expect("VI_2 releases");
    let removed = calls
        .iter()
        .position(|(_, c)| {
            *c == Call::DelAddress {
                ifindex: ETH0,
                addr: ip("10.0.0.200"),
            }
        })
        .expect("VI_2's VIP removed");
    assert!(released < removed, "{calls:?}");
    assert_eq!(state(&r, "VI_2"), "GONE");
    // VI_3 (new) starts as Backup, with the same VIP not installed yet.
    assert_eq!(state(&r, "VI_3"), "BACKUP");
    assert_eq!(
        r.host().addresses_on(ETH0),
        [ip("10.0.0.1"), ip("10.0.0.100"), ip("10.0.0.101")]
    );
}

const VMAC: &str = "
vrrp_instance VI_1 {
    state BACKUP
    interface eth0
    use_vmac
    virtual_router_id 51
    priority 100
    advert_int 1
    virtual_ipaddress {
        10.0.0.100/24
    }
}
";

#[tokio::test]
async fn use_vmac_creates_the_vmac_and_an_instance_lives_on_it() {
    let mut r = started(VMAC).await;
    let start = r.host().now();
    let calls = r.host().calls();
    let Some(&(
        _,
        Call::CreateVmac {
            ref name,
            parent,
            ifindex: vmac,
            mac,
        },
    )) = calls
        .iter()
        .find(|(_, c)| matches!(c, Call::CreateVmac { .. }))
    else {
        panic!("no VMAC created: {calls:?}");
    };
    // keepalived's default name and RFC 5798 §7.3's virtual MAC.
    assert_eq!(
        (name.as_str(), parent, mac.to_string()),
        ("vrrp.51", ETH0, "00:00:5e:00:01:33".to_string())
    );
    assert!(
        calls.contains(&(
            start,
            Call::Join {
                group: ip(GROUP),
                ifindex: vmac
            }
        )),
        "adverts are received on the VMAC: {calls:?}"
    );
    run(&mut r, later(start, 6_000), |_| false).await;
    let calls = r.host().calls();
    let sent = adverts(&calls, 51);
    assert!(
        !sent.is_empty() && sent.iter().all(|a| a.1 == vmac),
        "{sent:?}"
    );
    assert!(
        calls.iter().any(|(_, c)| *c
            == Call::AddAddress {
                ifindex: vmac,
                addr: ip("10.0.0.100")
            }),
        "{calls:?}"
    );
    let ann = announcements(&calls);
    assert!(
        !ann.is_empty() && ann.iter().all(|a| a.1 == vmac),
        "{ann:?}"
    );
    assert_eq!(
        r.snapshot(Detail::Light).instances[0]
            .vmac
            .as_ref()
            .map(|v| v.name.as_str()),
        Some("vrrp.51")
    );
    r.host().take_calls();
    r.shutdown().await;
    let calls: Vec<Call> = r.host().take_calls().into_iter().map(|(_, c)| c).collect();
    let release = calls
        .iter()
        .position(|c| matches!(c, Call::Advert { priority: 0, ifindex, .. } if *ifindex == vmac));
    let del = calls.iter().position(|c| {
        *c == Call::DelAddress {
            ifindex: vmac,
            addr: ip("10.0.0.100"),
        }
    });
    let gone = calls.iter().position(|c| {
        *c == Call::RemoveVmac {
            name: "vrrp.51".into(),
        }
    });
    assert!(
        matches!((release, del, gone), (Some(a), Some(b), Some(c)) if a < b && b < c),
        "priority 0, the VIP, then the VMAC: {calls:?}"
    );
}

#[tokio::test]
async fn a_reload_changing_a_masters_vips_removes_only_the_dropped_one() {
    let mut r = started(TWO_VIPS).await;
    let start = r.host().now();
    run(&mut r, later(start, 6_000), |_| false).await;
    assert_eq!(state(&r, "VI_1"), "MASTER");
    r.host().take_calls();
    let new = TWO_VIPS.replace("10.0.0.101/24", "10.0.0.102/24");
    let m = mapped(&new, r.host());
    let view = r.host().view();
    r.reload(m, &view).await.expect("reload");
    let calls: Vec<Call> = r.host().take_calls().into_iter().map(|(_, c)| c).collect();
    let del = |a: &str| Call::DelAddress {
        ifindex: ETH0,
        addr: ip(a),
    };
    assert!(calls.contains(&del("10.0.0.101")), "{calls:?}");
    assert!(!calls.contains(&del("10.0.0.100")), "{calls:?}");
    assert!(
        calls.contains(&Call::AddAddress {
            ifindex: ETH0,
            addr: ip("10.0.0.102")
        }),
        "{calls:?}"
    );
    // Reconfigured in place: still Master, no release in between.
    assert!(
        !calls
            .iter()
            .any(|c| matches!(c, Call::Advert { priority: 0, .. })),
        "{calls:?}"
    );
    assert_eq!(state(&r, "VI_1"), "MASTER");
    assert_eq!(
        r.host().addresses_on(ETH0),
        [ip("10.0.0.1"), ip("10.0.0.100"), ip("10.0.0.102")]
    );
}

/// The two snapshots of [`Router::snapshot`]: the light one (metrics, SNMP,
/// systemd) is the full one (`vrrpd status`, SIGUSR1 dump) without each
/// instance's configuration.
#[tokio::test(flavor = "current_thread")]
async fn the_light_snapshot_is_the_full_one_without_the_configuration() {
    let router = started(
        "vrrp_instance A {\n interface eth0\n virtual_router_id 1\n priority 150\n\
         notify_master \"/bin/true master\"\n\
         virtual_ipaddress {\n 10.0.0.100\n 10.0.0.101\n }\n}\n\
         vrrp_instance B {\n interface eth0\n virtual_router_id 2\n\
         unicast_peer {\n 10.0.0.2\n }\n virtual_ipaddress {\n 10.0.0.102\n }\n}\n",
    )
    .await;
    let light = router.snapshot(Detail::Light);
    let full = router.snapshot(Detail::Full);
    assert_eq!(light.instances.len(), 2);
    assert!(
        light.instances.iter().all(|i| i.config.is_none()),
        "a light snapshot carries no configuration"
    );
    assert!(full.instances.iter().all(|i| i.config.is_some()));
    let a = full.instances[0].config.as_ref().unwrap();
    assert_eq!(a.vips.len(), 2);
    assert_eq!(a.notify.get("master").map(Vec::len), Some(2));
    // Everything else is the same.
    let mut full = serde_json::to_value(&full).unwrap();
    for i in full["instances"].as_array_mut().unwrap() {
        assert!(i.as_object_mut().unwrap().remove("config").is_some());
    }
    assert_eq!(serde_json::to_value(&light).unwrap(), full);
}

/// An IPv6 `use_ipvlan` without an address whose ipvlan has no link-local
/// address yet: the instance becomes Master on time but sends nothing
/// (keepalived `vrrp_send_adv`, "No address yet"); a link-local address
/// added on eth0 is not taken, the first one on the ipvlan is, and the
/// adverts then come from it.
#[tokio::test]
async fn an_ipv6_ipvlan_sends_from_its_link_local_once_it_has_one() {
    const CONF: &str = "vrrp_instance A {\n interface eth0\n virtual_router_id 9\n \
        priority 100\n advert_int 1\n use_ipvlan private\n \
        virtual_ipaddress {\n 2001:db8::9/64\n }\n}\n";
    let mut r = started(CONF).await;
    let start = r.host().now();
    let ipvlan = r
        .host()
        .calls()
        .iter()
        .find_map(|(_, c)| match c {
            Call::CreateVmac { name, ifindex, .. } if name == "vrrp.9" => Some(*ifindex),
            _ => None,
        })
        .expect("the ipvlan");
    run(&mut r, later(start, 5_000), |_| false).await;
    let mine = |calls: &[(Instant, Call)]| -> Vec<IpAddr> {
        calls
            .iter()
            .filter_map(|(_, c)| match c {
                Call::Advert { src, vrid: 9, .. } => Some(*src),
                _ => None,
            })
            .collect()
    };
    assert!(mine(&r.host().calls()).is_empty(), "{:?}", r.host().calls());
    let snap = r.snapshot(Detail::Light);
    assert_eq!(snap.instances[0].state, "MASTER");
    let added = |ifindex, a: &str| vrrp_linux::AddressInfo {
        ifindex,
        addr: ip(a),
        prefix_len: 64,
        label: None,
        scope: vrrp_linux::Scope::Link,
        broadcast: None,
        flags: 0,
    };
    r.on_address_added(&added(ETH0, "fe80::1")).await;
    r.on_address_added(&added(ipvlan, "2001:db8::77")).await;
    run(&mut r, later(start, 7_000), |_| false).await;
    assert!(mine(&r.host().calls()).is_empty());
    r.on_address_added(&added(ipvlan, "fe80::ff:fe00:9")).await;
    r.on_address_added(&added(ipvlan, "fe80::2")).await;
    run(&mut r, later(start, 9_500), |_| false).await;
    let sent = mine(&r.host().calls());
    assert!(sent.len() >= 2, "{sent:?}");
    assert!(sent.iter().all(|s| *s == ip("fe80::ff:fe00:9")), "{sent:?}");
}

/// keepalived `update_vmac_vrfs`: the VMAC follows its parent into a VRF
/// and out of it again, once per change; a link event that changes no
/// VRF moves nothing.
#[tokio::test]
async fn a_vmac_follows_its_parents_vrf() {
    const CONF: &str = "vrrp_instance A {\n interface eth0\n virtual_router_id 9\n \
        use_vmac\n virtual_ipaddress {\n 10.0.0.9/24\n }\n}\n";
    let mut r = started(CONF).await;
    let vmac = r
        .host()
        .calls()
        .iter()
        .find_map(|(_, c)| match c {
            Call::CreateVmac { ifindex, .. } => Some(*ifindex),
            _ => None,
        })
        .expect("the VMAC");
    let moves = |r: &Router<StandInHost>| -> Vec<(u32, u32)> {
        r.host()
            .calls()
            .iter()
            .filter_map(|(_, c)| match c {
                Call::SetMaster { index, master } => Some((*index, *master)),
                _ => None,
            })
            .collect()
    };
    r.on_link(ETH0, "eth0", true).await;
    assert!(moves(&r).is_empty());
    r.host().set_vrf(ETH0, 50);
    r.on_link(ETH0, "eth0", true).await;
    r.on_link(ETH0, "eth0", true).await;
    r.on_link(vmac, "vrrp.9", true).await;
    assert_eq!(moves(&r), [(vmac, 50)]);
    r.host().set_vrf(ETH0, 0);
    r.on_link(ETH0, "eth0", true).await;
    assert_eq!(moves(&r), [(vmac, 50), (vmac, 0)]);
}

const ALONE: &str = "vrrp_instance A {\n interface eth0\n virtual_router_id 9\n \
    priority 100\n advert_int 1\n virtual_ipaddress {\n 10.0.0.9/24\n }\n}\n";

fn address_event(ifindex: u32, a: &str) -> vrrp_linux::AddressInfo {
    vrrp_linux::AddressInfo {
        ifindex,
        addr: ip(a),
        prefix_len: 24,
        label: None,
        scope: vrrp_linux::Scope::Global,
        broadcast: None,
        flags: 0,
    }
}

/// The sources and priorities of the adverts of VRID 9 in `calls`.
fn sent(calls: &[(Instant, Call)]) -> Vec<(IpAddr, u8)> {
    calls
        .iter()
        .filter_map(|(_, c)| match c {
            Call::Advert {
                src,
                vrid: 9,
                priority,
                ..
            } => Some((*src, *priority)),
            _ => None,
        })
        .collect()
}

/// keepalived `netlink_if_address_filter` / `down_instance`: the Master's
/// only interface address deleted puts it in FAULT after a priority 0 advert
/// from that address; another address added brings it up as BACKUP with
/// that source, and it becomes Master sending from it.
#[tokio::test]
async fn a_master_whose_source_is_deleted_faults_and_comes_back_with_the_next_address() {
    let mut r = started(ALONE).await;
    let start = r.host().now();
    run(&mut r, later(start, 5_000), |_| false).await;
    assert_eq!(state(&r, "A"), "MASTER");
    r.host().take_calls();
    r.host().forget_address(ETH0, ip("10.0.0.1"));
    r.on_address_removed(ETH0, ip("10.0.0.1")).await;
    assert_eq!(state(&r, "A"), "FAULT");
    assert_eq!(sent(&r.host().calls()), [(ip("10.0.0.1"), 0)]);
    assert!(!r.host().addresses_on(ETH0).contains(&ip("10.0.0.9")));
    let t = r.host().now();
    run(&mut r, later(t, 5_000), |_| false).await;
    assert_eq!(state(&r, "A"), "FAULT");
    assert_eq!(sent(&r.host().calls()).len(), 1);
    // a VIP-looking address is not taken
    r.on_address_added(&address_event(ETH0, "10.0.0.9")).await;
    assert_eq!(state(&r, "A"), "FAULT");
    r.host().put_address(ETH0, ip("10.0.0.7"), 24);
    r.on_address_added(&address_event(ETH0, "10.0.0.7")).await;
    assert_eq!(state(&r, "A"), "BACKUP");
    r.host().take_calls();
    let t = r.host().now();
    run(&mut r, later(t, 5_000), |_| false).await;
    assert_eq!(state(&r, "A"), "MASTER");
    let after = sent(&r.host().calls());
    assert!(!after.is_empty());
    assert!(
        after.iter().all(|&(s, p)| s == ip("10.0.0.7") && p == 100),
        "{after:?}"
    );
}

/// With a second address on the interface, the deleted source is replaced
/// by it and nothing else changes; an address deleted that is no source
/// changes nothing.
#[tokio::test]
async fn a_deleted_source_is_replaced_by_another_address_of_the_interface() {
    let mut r = started(ALONE).await;
    r.host().put_address(ETH0, ip("10.0.1.1"), 24);
    let start = r.host().now();
    run(&mut r, later(start, 5_000), |_| false).await;
    assert_eq!(state(&r, "A"), "MASTER");
    r.host().forget_address(ETH0, ip("10.0.0.1"));
    r.on_address_removed(ETH0, ip("10.0.0.1")).await;
    assert_eq!(state(&r, "A"), "MASTER");
    r.host().take_calls();
    let t = r.host().now();
    run(&mut r, later(t, 3_000), |_| false).await;
    let after = sent(&r.host().calls());
    assert!(!after.is_empty());
    assert!(after.iter().all(|&(s, _)| s == ip("10.0.1.1")), "{after:?}");
    r.on_address_removed(ETH0, ip("10.0.5.5")).await;
    assert_eq!(state(&r, "A"), "MASTER");
}

/// A configured source (`unicast_src_ip` / `mcast_src_ip`) deleted downs
/// nothing in keepalived 2.2.7.
#[tokio::test]
async fn a_configured_source_deleted_changes_nothing() {
    let conf = ALONE.replace("advert_int 1\n", "advert_int 1\n mcast_src_ip 10.0.0.1\n");
    let mut r = started(&conf).await;
    let start = r.host().now();
    run(&mut r, later(start, 5_000), |_| false).await;
    r.host().forget_address(ETH0, ip("10.0.0.1"));
    r.on_address_removed(ETH0, ip("10.0.0.1")).await;
    assert_eq!(state(&r, "A"), "MASTER");
}

/// The IPv6 ipvlan's link-local source deleted: FAULT; a link-local
/// address added on the ipvlan: BACKUP, then Master sending from it.
#[tokio::test]
async fn an_ipvlan_whose_link_local_source_is_deleted_faults_until_another_comes() {
    const CONF: &str = "vrrp_instance A {\n interface eth0\n virtual_router_id 9\n \
        priority 100\n advert_int 1\n use_ipvlan private\n \
        virtual_ipaddress {\n 2001:db8::9/64\n }\n}\n";
    let mut r = started(CONF).await;
    let ipvlan = r
        .host()
        .calls()
        .iter()
        .find_map(|(_, c)| match c {
            Call::CreateVmac { name, ifindex, .. } if name == "vrrp.9" => Some(*ifindex),
            _ => None,
        })
        .expect("the ipvlan");
    let ll = |a: &str| vrrp_linux::AddressInfo {
        scope: vrrp_linux::Scope::Link,
        prefix_len: 64,
        ..address_event(ipvlan, a)
    };
    r.host().put_address(ipvlan, ip("fe80::ff:fe00:9"), 64);
    r.on_address_added(&ll("fe80::ff:fe00:9")).await;
    let start = r.host().now();
    run(&mut r, later(start, 5_000), |_| false).await;
    assert_eq!(state(&r, "A"), "MASTER");
    r.host().forget_address(ipvlan, ip("fe80::ff:fe00:9"));
    r.on_address_removed(ipvlan, ip("fe80::ff:fe00:9")).await;
    assert_eq!(state(&r, "A"), "FAULT");
    r.host().put_address(ipvlan, ip("fe80::2"), 64);
    r.on_address_added(&ll("fe80::2")).await;
    assert_eq!(state(&r, "A"), "BACKUP");
    r.host().take_calls();
    let t = r.host().now();
    run(&mut r, later(t, 5_000), |_| false).await;
    assert_eq!(state(&r, "A"), "MASTER");
    let after = sent(&r.host().calls());
    assert!(!after.is_empty());
    assert!(after.iter().all(|&(s, _)| s == ip("fe80::2")), "{after:?}");
}

const AH_BACKUP: &str = "
vrrp_instance VI_1 {
    state BACKUP
    interface eth0
    virtual_router_id 51
    priority 100
    advert_int 1
    authentication {
        auth_type AH
        auth_pass secret
    }
    virtual_ipaddress {
        10.0.0.100/24
    }
}
";

/// An AH-protected VRRPv2 advert of VRID 51 from 10.0.0.2 (priority
/// `priority`, sequence number `seq`) keyed with `pass`.
fn ah_advert(priority: u8, seq: u32, pass: &[u8]) -> Vec<u8> {
    use vrrp_core::packet::ah::{self, AhHeader, AhKey};
    let adv = Advertisement {
        version: Version::V2,
        vrid: 51,
        priority,
        max_advert_int_cs: 100,
        auth: Auth::Ah,
        addresses: [ip("10.0.0.100")].into_iter().collect(),
    };
    let mut vrrp = vec![0; adv.buffer_len()];
    adv.emit(&mut vrrp, ip("10.0.0.2"), ip(GROUP), ChecksumMode::Rfc)
        .expect("emit");
    let total = u16::try_from(20 + ah::AH_LEN + vrrp.len()).expect("length");
    let mut d = vec![0x45, 0xc0];
    d.extend_from_slice(&total.to_be_bytes());
    d.extend_from_slice(&[
        0,
        1,
        0,
        0,
        255,
        ah::IPPROTO_AH,
        0,
        0,
        10,
        0,
        0,
        2,
        224,
        0,
        0,
        18,
    ]);
    d.extend_from_slice(&AhHeader::for_vrrp([10, 0, 0, 2], seq).to_bytes());
    d.extend_from_slice(&vrrp);
    ah::seal(&mut d, &AhKey::from_pass(pass), false).expect("seal");
    d
}

fn inbound(payload: Vec<u8>, ah: bool) -> Inbound {
    Inbound {
        family: vrrp_core::packet::Family::V4,
        ifindex: ETH0,
        src: ip("10.0.0.2"),
        dst: ip(GROUP),
        ttl: 255,
        payload,
        ah,
        received: None,
    }
}

fn counters(r: &Router<StandInHost>) -> vrrp_core::Counters {
    let id = r.node.ids().next().expect("an instance");
    r.node.instance(id).expect("instance").counters()
}

/// `auth_type AH` (keepalived `vrrp_check_packet`, `vrrp_in_chk_ipsecah`):
/// a good AH advert reaches the state machine and its number is learnt; a
/// replayed number, another key, or a plain advert (even one whose auth type
/// says AH) are dropped and counted; taking over continues the numbers.
#[tokio::test]
async fn ah_adverts_are_checked_before_the_state_machine() {
    let mut r = started(AH_BACKUP).await;
    let start = r.host().now();
    r.on_packet(inbound(ah_advert(200, 7, b"secret"), true))
        .await;
    assert_eq!(counters(&r).auth_failures, 0);
    let snap = r.snapshot(Detail::Light);
    assert_eq!(snap.instances[0].master_address, Some(ip("10.0.0.2")));
    // The same number again, an older one, another password: failures.
    r.on_packet(inbound(ah_advert(200, 7, b"secret"), true))
        .await;
    r.on_packet(inbound(ah_advert(200, 3, b"secret"), true))
        .await;
    r.on_packet(inbound(ah_advert(200, 8, b"Secret"), true))
        .await;
    assert_eq!(counters(&r).auth_failures, 3);
    // A plain advert, auth type 2 in its header but no AH: type mismatch.
    let ah = ah_advert(200, 9, b"secret");
    let plain = ah[20 + vrrp_core::packet::ah::AH_LEN..].to_vec();
    assert_eq!(plain[4], 2, "auth type AH");
    r.on_packet(inbound(plain, false)).await;
    assert_eq!(counters(&r).auth_type_mismatch, 1);
    // Silence: it takes over and numbers on from 7.
    r.host().take_calls();
    run(&mut r, later(start, 6_000), is_master_advert(51)).await;
    assert_eq!(state(&r, "VI_1"), "MASTER");
    let id = r.node.ids().next().expect("an instance");
    assert_eq!(
        r.ah.by_id.get(&id).map(|s| s.seq.seq),
        Some(8),
        "the first advert as Master carries 8"
    );
}

/// A reload keeps an AH instance's sequence number (keepalived copies
/// `ipsecah_counter` from the old instance) and takes a new password.
#[tokio::test]
async fn a_reload_keeps_the_ah_sequence_number() {
    let mut r = started(AH_BACKUP).await;
    r.on_packet(inbound(ah_advert(200, 41, b"secret"), true))
        .await;
    let seq = |r: &Router<StandInHost>| {
        let id = r.node.ids().next().expect("an instance");
        r.ah.by_id.get(&id).map(|s| s.seq.seq)
    };
    assert_eq!(seq(&r), Some(41));
    let changed = AH_BACKUP
        .replace("priority 100", "priority 90")
        .replace("auth_pass secret", "auth_pass other");
    let m = mapped(&changed, r.host());
    let view = r.host().view();
    r.reload(m, &view).await.expect("reload");
    assert_eq!(seq(&r), Some(41));
    // The new password: the old one's adverts are refused, the new one's
    // accepted (above the kept number only).
    r.on_packet(inbound(ah_advert(200, 42, b"secret"), true))
        .await;
    assert_eq!(counters(&r).auth_failures, 1);
    r.on_packet(inbound(ah_advert(200, 40, b"other"), true))
        .await;
    assert_eq!(counters(&r).auth_failures, 2);
    r.on_packet(inbound(ah_advert(200, 43, b"other"), true))
        .await;
    assert_eq!(counters(&r).auth_failures, 2);
    assert_eq!(seq(&r), Some(43));
    // Without AH after a reload: the counter goes with it.
    let plain = AH_BACKUP.replace("auth_type AH", "auth_type PASS");
    let m = mapped(&plain, r.host());
    r.reload(m, &view).await.expect("reload");
    assert!(r.ah.by_id.is_empty());
}

/// A counter that ran out restarts when the instance becomes Master, in its
/// first advert as Master (keepalived `vrrp_state_goto_master`), and stays
/// put while it is Master (keepalived `vrrp_update_pkt`).
#[tokio::test]
async fn an_exhausted_ah_counter_restarts_on_becoming_master() {
    let mut r = started(AH_BACKUP).await;
    let start = r.host().now();
    let id = r.node.ids().next().expect("an instance");
    let st = r.ah.by_id.get_mut(&id).expect("AH state");
    st.seq = vrrp_core::packet::ah::SeqCounter {
        seq: u32::MAX - 1,
        cycled: true,
    };
    run(&mut r, later(start, 6_000), is_master_advert(51)).await;
    assert_eq!(state(&r, "VI_1"), "MASTER");
    let seq = |r: &Router<StandInHost>| r.ah.by_id.get(&id).map(|s| s.seq);
    assert_eq!(
        seq(&r),
        Some(vrrp_core::packet::ah::SeqCounter::starting_at(1)),
        "the first advert as Master carries 1"
    );
    // Without a restart the last number repeats.
    r.ah.by_id.get_mut(&id).expect("AH state").seq.seq = u32::MAX - 1;
    let now = r.host().now();
    run(&mut r, later(now, 2_500), |_| false).await;
    assert_eq!(
        seq(&r).map(|s| (s.seq, s.cycled)),
        Some((u32::MAX - 1, true))
    );
}
