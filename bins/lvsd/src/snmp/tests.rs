use agentx_subagent::table::Table;
use agentx_subagent::{MibView, Oid, Value};
use keepalived_conf as kc;

use super::check::{CHECK_ROOT, CheckInput, add, weight_target};
use super::traps::{Change, notification};
use crate::mapping::map_config;
use crate::pool::{Pool, Verdict};

const CONF: &str = "global_defs {\n lvs_timeouts tcp 900 udp 60\n}\n\
virtual_server_group web {\n 10.9.0.1 80\n 10.9.0.10-12 80\n fwmark 7\n}\n\
virtual_server group web {\n lvs_sched rr\n lvs_method NAT\n protocol TCP\n\
 delay_loop 2.5\n retry 4\n warmup 3\n connect_timeout 7\n weight 6\n alpha\n inhibit_on_failure\n\
 real_server 10.2.0.1 80 {\n weight 2\n }\n}\n\
virtual_server 10.9.0.2 443 {\n lvs_sched wlc\n lvs_method DR\n protocol TCP\n quorum 3\n\
 persistence_timeout 50\n sorry_server 10.3.0.9 443\n\
 real_server 10.2.0.1 443 {\n weight 3\n uthreshold 100\n TCP_CHECK {\n }\n }\n\
 real_server 10.2.0.2 443 {\n weight 4\n inhibit_on_failure\n TCP_CHECK {\n }\n }\n}\n";

fn setup() -> (kc::Config, Vec<Pool>) {
    let parsed = kc::parse_str("t.conf", CONF, &kc::LoadOptions::default());
    let m = map_config(&parsed.config);
    let pools = m
        .desired
        .virtual_servers
        .into_iter()
        .map(|v| Pool::new(v, None))
        .collect();
    (parsed.config, pools)
}

fn table(cfg: &kc::Config, pools: &[Pool]) -> Table {
    let mut t = Table::default();
    let in_kernel = |_: &ipvs_sys::ServiceKey| true;
    add(
        &mut t,
        &CheckInput {
            groups: &std::sync::Arc::new(cfg.virtual_server_groups.clone()),
            pools,
            in_kernel: &in_kernel,
            timeouts: Some(ipvs_sys::Timeouts {
                tcp: 900,
                tcp_fin: 0,
                udp: 60,
            }),
            sync_daemon: None,
        },
    );
    t
}

fn at(t: &Table, sub: &[u32]) -> Value {
    t.get(&Oid::from(CHECK_ROOT).child(sub))
}

fn int(i: i32) -> Value {
    Value::Integer(i)
}

#[test]
fn group_rows_list_fwmarks_first_then_addresses() {
    let (cfg, pools) = setup();
    let t = table(&cfg, &pools);
    assert_eq!(at(&t, &[1, 1, 2, 1]), Value::OctetString(b"web".to_vec()));
    // member 1: the fwmark, written last
    assert_eq!(at(&t, &[2, 1, 2, 1, 1]), int(1));
    assert_eq!(at(&t, &[2, 1, 3, 1, 1]), Value::Gauge32(7));
    assert_eq!(at(&t, &[2, 1, 4, 1, 1]), Value::NoSuchInstance);
    // member 2: one address
    assert_eq!(at(&t, &[2, 1, 2, 1, 2]), int(2));
    assert_eq!(
        at(&t, &[2, 1, 5, 1, 2]),
        Value::OctetString(vec![10, 9, 0, 1])
    );
    assert_eq!(at(&t, &[2, 1, 6, 1, 2]), Value::NoSuchInstance);
    assert_eq!(at(&t, &[2, 1, 8, 1, 2]), Value::Gauge32(80));
    // member 3: a range
    assert_eq!(at(&t, &[2, 1, 2, 1, 3]), int(3));
    assert_eq!(
        at(&t, &[2, 1, 6, 1, 3]),
        Value::OctetString(vec![10, 9, 0, 10])
    );
    assert_eq!(
        at(&t, &[2, 1, 7, 1, 3]),
        Value::OctetString(vec![10, 9, 0, 12])
    );
    assert_eq!(at(&t, &[2, 1, 5, 1, 3]), Value::NoSuchInstance);
}

#[test]
fn virtual_server_rows() {
    let (cfg, pools) = setup();
    let t = table(&cfg, &pools);
    // the group virtual server
    assert_eq!(at(&t, &[3, 1, 2, 1]), int(3));
    assert_eq!(at(&t, &[3, 1, 3, 1]), Value::OctetString(b"web".to_vec()));
    assert_eq!(at(&t, &[3, 1, 6, 1]), Value::NoSuchInstance);
    assert_eq!(at(&t, &[3, 1, 8, 1]), int(1));
    assert_eq!(at(&t, &[3, 1, 9, 1]), int(1));
    assert_eq!(at(&t, &[3, 1, 10, 1]), int(1));
    // its own settings: delay_loop in s (truncated) and us, alpha,
    // actionWhenDown false with inhibit_on_failure, retry, unset
    // delay_before_retry 0, warmup, weight, connect_timeout in us
    assert_eq!(at(&t, &[3, 1, 16, 1]), Value::Gauge32(2));
    assert_eq!(at(&t, &[3, 1, 64, 1]), Value::Gauge32(2_500_000));
    assert_eq!(at(&t, &[3, 1, 18, 1]), int(1));
    assert_eq!(at(&t, &[3, 1, 56, 1]), int(2));
    assert_eq!(at(&t, &[3, 1, 57, 1]), Value::Gauge32(4));
    assert_eq!(at(&t, &[3, 1, 58, 1]), Value::Gauge32(0));
    assert_eq!(at(&t, &[3, 1, 59, 1]), Value::Gauge32(3));
    assert_eq!(at(&t, &[3, 1, 66, 1]), Value::Gauge32(3_000_000));
    assert_eq!(at(&t, &[3, 1, 60, 1]), int(6));
    assert_eq!(at(&t, &[3, 1, 67, 1]), Value::Gauge32(7_000_000));
    // granularity: a group shows both forms
    assert_eq!(at(&t, &[3, 1, 15, 1]), Value::OctetString(vec![0xff; 4]));
    assert_eq!(at(&t, &[3, 1, 51, 1]), Value::Gauge32(u32::MAX));
    // the address virtual server: keepalived's defaults (60 s, 5 s, weight 1)
    assert_eq!(at(&t, &[3, 1, 15, 2]), Value::OctetString(vec![0xff; 4]));
    assert_eq!(at(&t, &[3, 1, 51, 2]), Value::NoSuchInstance);
    assert_eq!(at(&t, &[3, 1, 16, 2]), Value::Gauge32(60));
    assert_eq!(at(&t, &[3, 1, 17, 2]), int(2));
    assert_eq!(at(&t, &[3, 1, 18, 2]), int(2));
    assert_eq!(at(&t, &[3, 1, 56, 2]), int(1));
    assert_eq!(at(&t, &[3, 1, 57, 2]), Value::Gauge32(0));
    assert_eq!(at(&t, &[3, 1, 60, 2]), int(1));
    assert_eq!(at(&t, &[3, 1, 67, 2]), Value::Gauge32(5_000_000));
    assert_eq!(at(&t, &[3, 1, 2, 2]), int(2));
    assert_eq!(at(&t, &[3, 1, 5, 2]), int(1));
    assert_eq!(at(&t, &[3, 1, 6, 2]), Value::OctetString(vec![10, 9, 0, 2]));
    assert_eq!(at(&t, &[3, 1, 7, 2]), Value::Gauge32(443));
    assert_eq!(at(&t, &[3, 1, 9, 2]), int(4));
    assert_eq!(at(&t, &[3, 1, 10, 2]), int(2));
    assert_eq!(at(&t, &[3, 1, 11, 2]), int(1));
    assert_eq!(at(&t, &[3, 1, 13, 2]), int(1));
    assert_eq!(at(&t, &[3, 1, 14, 2]), Value::Gauge32(50));
    assert_eq!(at(&t, &[3, 1, 20, 2]), Value::Gauge32(2));
    assert_eq!(at(&t, &[3, 1, 21, 2]), Value::Gauge32(2));
    assert_eq!(at(&t, &[3, 1, 22, 2]), Value::Gauge32(3));
    assert_eq!(at(&t, &[3, 1, 23, 2]), int(1));
    assert_eq!(at(&t, &[3, 1, 2, 3]), Value::NoSuchInstance);
    // timeouts: only those set
    assert_eq!(at(&t, &[7, 1, 0]), int(900));
    assert_eq!(at(&t, &[7, 2, 0]), Value::NoSuchInstance);
    assert_eq!(at(&t, &[7, 3, 0]), int(60));
    assert_eq!(at(&t, &[6, 1, 0]), int(2));
}

#[test]
fn real_server_rows_put_the_sorry_server_first_and_follow_verdicts() {
    let (cfg, mut pools) = setup();
    pools[1].set_verdict(1, 0, Verdict::DOWN);
    let t = table(&cfg, &pools);
    // vs 1: one real server, no sorry server
    assert_eq!(at(&t, &[4, 1, 2, 1, 1]), int(1));
    assert_eq!(at(&t, &[4, 1, 7, 1, 1]), int(2));
    // vs 2: sorry server, then the two real servers
    assert_eq!(at(&t, &[4, 1, 2, 2, 1]), int(2));
    assert_eq!(
        at(&t, &[4, 1, 4, 2, 1]),
        Value::OctetString(vec![10, 3, 0, 9])
    );
    assert_eq!(at(&t, &[4, 1, 6, 2, 1]), Value::NoSuchInstance);
    assert_eq!(at(&t, &[4, 1, 7, 2, 1]), Value::NoSuchInstance);
    assert_eq!(
        at(&t, &[4, 1, 4, 2, 2]),
        Value::OctetString(vec![10, 2, 0, 1])
    );
    assert_eq!(at(&t, &[4, 1, 5, 2, 2]), Value::Gauge32(443));
    assert_eq!(at(&t, &[4, 1, 6, 2, 2]), int(1));
    assert_eq!(at(&t, &[4, 1, 7, 2, 2]), int(3));
    assert_eq!(at(&t, &[4, 1, 8, 2, 2]), Value::Gauge32(100));
    assert_eq!(at(&t, &[4, 1, 9, 2, 2]), Value::NoSuchInstance);
    assert_eq!(at(&t, &[4, 1, 10, 2, 2]), int(1));
    assert_eq!(at(&t, &[4, 1, 13, 2, 2]), Value::Gauge32(0));
    assert_eq!(at(&t, &[4, 1, 40, 2, 2]), int(2));
    // smtp_alert not written on the real server: true, as keepalived shows it
    assert_eq!(at(&t, &[4, 1, 47, 2, 2]), int(1));
    // the failed one
    assert_eq!(at(&t, &[4, 1, 6, 2, 3]), int(2));
    assert_eq!(at(&t, &[4, 1, 10, 2, 3]), int(2));
    assert_eq!(at(&t, &[4, 1, 13, 2, 3]), Value::Gauge32(1));
    assert_eq!(at(&t, &[3, 1, 21, 2]), Value::Gauge32(1));
    // quorum 3 > weight 3 alive? 3 >= 3: still up
    assert_eq!(at(&t, &[3, 1, 23, 2]), int(1));
}

#[test]
fn weight_targets_skip_the_sorry_server() {
    let (_, pools) = setup();
    let w =
        |vs: u32, rs: u32| weight_target(&pools, &Oid::from(CHECK_ROOT).child(&[4, 1, 7, vs, rs]));
    assert_eq!(w(1, 1), Some((0, 0)));
    assert_eq!(w(1, 2), None);
    assert_eq!(w(2, 1), None);
    assert_eq!(w(2, 2), Some((1, 0)));
    assert_eq!(w(2, 3), Some((1, 1)));
    assert_eq!(w(3, 1), None);
    assert_eq!(
        weight_target(&pools, &Oid::from(CHECK_ROOT).child(&[4, 1, 6, 2, 2])),
        None
    );
}

#[test]
fn real_server_trap_carries_keepalived_varbinds() {
    let (_, mut pools) = setup();
    pools[1].set_verdict(1, 0, Verdict::DOWN);
    let n = notification(&pools[1], Change::RealServer(1), "lb1").unwrap();
    let root = Oid::from(CHECK_ROOT);
    assert_eq!(n.trap, root.child(&[5, 0, 1]));
    let got: Vec<(Oid, Value)> = n.varbinds.into_iter().map(|v| (v.name, v.value)).collect();
    let want = vec![
        (root.child(&[4, 1, 3]), int(1)),
        (
            root.child(&[4, 1, 4]),
            Value::OctetString(vec![10, 2, 0, 2]),
        ),
        (root.child(&[4, 1, 5]), Value::Gauge32(443)),
        (root.child(&[4, 1, 6]), int(2)),
        (root.child(&[3, 1, 2]), int(2)),
        (root.child(&[3, 1, 5]), int(1)),
        (
            root.child(&[3, 1, 6]),
            Value::OctetString(vec![10, 9, 0, 2]),
        ),
        (root.child(&[3, 1, 7]), Value::Gauge32(443)),
        (root.child(&[3, 1, 8]), int(1)),
        (root.child(&[3, 1, 21]), Value::Gauge32(1)),
        (root.child(&[3, 1, 20]), Value::Gauge32(2)),
        (
            "1.3.6.1.4.1.9586.100.5.1.2.0".parse().unwrap(),
            Value::OctetString(b"lb1".to_vec()),
        ),
    ];
    assert_eq!(got, want);
}

#[test]
fn quorum_trap_of_a_group() {
    let (_, pools) = setup();
    let n = notification(&pools[0], Change::QuorumStopping, "lb1").unwrap();
    let root = Oid::from(CHECK_ROOT);
    assert_eq!(n.trap, root.child(&[5, 0, 2]));
    let names: Vec<Oid> = n.varbinds.iter().map(|v| v.name.clone()).collect();
    assert_eq!(
        names[..5],
        [
            root.child(&[3, 1, 2]),
            root.child(&[3, 1, 3]),
            root.child(&[3, 1, 8]),
            root.child(&[3, 1, 23]),
            root.child(&[3, 1, 22]),
        ]
    );
    assert_eq!(n.varbinds[3].value, int(3));
}

/// A kernel holding every service of the pools with the same counters, and
/// destinations for the sorry server, one real server and a stranger.
fn read_fake(s: &ipvs_sys::Service) -> Option<(ipvs_sys::Service, Vec<ipvs_sys::Destination>)> {
    use ipvs_sys::{Destination, ForwardMethod, Stats};
    let mut svc = s.clone();
    svc.stats = Stats {
        conns: 3,
        inpkts: 10,
        inbytes: 1 << 33,
        cps: 2,
        ..Stats::default()
    };
    let dest = |a: [u8; 4], active: u32, conns: u64| {
        let mut d = Destination::new(std::net::IpAddr::from(a), 443, ForwardMethod::Route);
        d.active_conns = active;
        d.inactive_conns = 1;
        d.stats.conns = conns;
        d.stats.outbps = 1 << 32;
        d
    };
    Some((
        svc,
        vec![
            dest([10, 3, 0, 9], 4, 5),
            dest([10, 2, 0, 2], 6, 7),
            dest([10, 9, 9, 9], 100, 100),
        ],
    ))
}

#[test]
fn counter_columns_sum_the_kernel_services_of_each_virtual_server() {
    let (cfg, pools) = setup();
    let mut t = table(&cfg, &pools);
    let plans = super::stats::plan(&pools);
    let figures = super::stats::read(&plans, &mut read_fake);
    super::stats::add(&mut t, &plans, &figures);
    // the group's virtual server: one service per address and the fwmark
    let services = u32::try_from(pools[0].vs.services.len()).unwrap_or(0);
    assert!(services >= 3, "{services} services");
    assert_eq!(at(&t, &[3, 1, 27, 1]), Value::Gauge32(3 * services));
    assert_eq!(at(&t, &[3, 1, 28, 1]), Value::Counter32(10 * services));
    assert_eq!(
        at(&t, &[3, 1, 30, 1]),
        Value::Counter64(u64::from(services) << 33)
    );
    assert_eq!(
        at(&t, &[3, 1, 38, 1]),
        Value::Counter64(u64::from(3 * services))
    );
    // the address virtual server: one service
    assert_eq!(at(&t, &[3, 1, 27, 2]), Value::Gauge32(3));
    assert_eq!(at(&t, &[3, 1, 32, 2]), Value::Gauge32(2));
    assert_eq!(at(&t, &[3, 1, 41, 2]), Value::Gauge32(2));
    assert_eq!(at(&t, &[3, 1, 42, 2]), Value::Gauge32(0));
    assert_eq!(at(&t, &[3, 1, 37, 2]), int(2)); // onepacket untouched
    // row 1 is the sorry server, 2 and 3 the real servers
    assert_eq!(at(&t, &[4, 1, 14, 2, 1]), Value::Gauge32(5));
    assert_eq!(at(&t, &[4, 1, 15, 2, 1]), Value::Gauge32(4));
    assert_eq!(at(&t, &[4, 1, 16, 2, 1]), Value::Gauge32(1));
    assert_eq!(at(&t, &[4, 1, 17, 2, 1]), Value::Gauge32(0));
    assert_eq!(at(&t, &[4, 1, 14, 2, 2]), Value::Gauge32(0));
    assert_eq!(at(&t, &[4, 1, 14, 2, 3]), Value::Gauge32(7));
    assert_eq!(at(&t, &[4, 1, 15, 2, 3]), Value::Gauge32(6));
    assert_eq!(at(&t, &[4, 1, 27, 2, 3]), Value::Counter64(7));
    // outbps: .26 truncated, .38 low and .39 high halves
    assert_eq!(at(&t, &[4, 1, 26, 2, 3]), Value::Gauge32(0));
    assert_eq!(at(&t, &[4, 1, 38, 2, 3]), Value::Gauge32(0));
    assert_eq!(at(&t, &[4, 1, 39, 2, 3]), Value::Gauge32(1));
    // the timer columns after them are not counters
    assert_eq!(at(&t, &[4, 1, 13, 2, 3]), Value::Gauge32(0));
}

#[test]
fn counter_columns_are_zero_for_services_the_kernel_lacks() {
    let (cfg, pools) = setup();
    let mut t = table(&cfg, &pools);
    let plans = super::stats::plan(&pools);
    let figures = super::stats::read(&plans, &mut |_: &ipvs_sys::Service| None);
    super::stats::add(&mut t, &plans, &figures);
    assert_eq!(at(&t, &[3, 1, 27, 1]), Value::Gauge32(0));
    assert_eq!(at(&t, &[3, 1, 50, 2]), Value::Gauge32(0));
    assert_eq!(at(&t, &[4, 1, 31, 2, 1]), Value::Gauge32(0));
    assert_eq!(at(&t, &[4, 1, 18, 1, 1]), Value::Counter32(0));
}

#[test]
fn real_server_timers_are_its_own_else_the_virtual_servers() {
    const TIMERS: &str = "virtual_server 10.9.0.5 80 {\n lvs_sched rr\n lvs_method NAT\n\
 protocol TCP\n delay_loop 4\n retry 2\n connect_timeout 3\n alpha\n\
 real_server 10.2.0.1 80 {\n }\n\
 real_server 10.2.0.2 80 {\n delay_loop 1.5\n retry 5\n delay_before_retry 2\n warmup 7\n\
 connect_timeout 9\n }\n}\n";
    let parsed = kc::parse_str("t.conf", TIMERS, &kc::LoadOptions::default());
    let pools: Vec<Pool> = map_config(&parsed.config)
        .desired
        .virtual_servers
        .into_iter()
        .map(|v| Pool::new(v, None))
        .collect();
    assert!(pools[0].vs.real_servers[0].own_timers.is_none());
    let t = table(&parsed.config, &pools);
    let g = Value::Gauge32;
    // the first takes the virtual server's: unset warmup and
    // delay_before_retry are 0
    assert_eq!(at(&t, &[4, 1, 42, 1, 1]), int(1));
    assert_eq!(at(&t, &[4, 1, 43, 1, 1]), g(2));
    assert_eq!(at(&t, &[4, 1, 44, 1, 1]), g(0));
    assert_eq!(at(&t, &[4, 1, 45, 1, 1]), g(0));
    assert_eq!(at(&t, &[4, 1, 46, 1, 1]), g(4));
    assert_eq!(at(&t, &[4, 1, 48, 1, 1]), g(0));
    assert_eq!(at(&t, &[4, 1, 49, 1, 1]), g(0));
    assert_eq!(at(&t, &[4, 1, 50, 1, 1]), g(4_000_000));
    assert_eq!(at(&t, &[4, 1, 51, 1, 1]), g(3_000_000));
    // the second its own (delay_loop truncated in seconds)
    assert_eq!(at(&t, &[4, 1, 42, 1, 2]), int(1));
    assert_eq!(at(&t, &[4, 1, 43, 1, 2]), g(5));
    assert_eq!(at(&t, &[4, 1, 44, 1, 2]), g(2));
    assert_eq!(at(&t, &[4, 1, 45, 1, 2]), g(7));
    assert_eq!(at(&t, &[4, 1, 46, 1, 2]), g(1));
    assert_eq!(at(&t, &[4, 1, 48, 1, 2]), g(2_000_000));
    assert_eq!(at(&t, &[4, 1, 49, 1, 2]), g(7_000_000));
    assert_eq!(at(&t, &[4, 1, 50, 1, 2]), g(1_500_000));
    assert_eq!(at(&t, &[4, 1, 51, 1, 2]), g(9_000_000));
}

#[test]
fn virtual_server_defaults_reach_real_server_timers() {
    let (cfg, pools) = setup();
    let t = table(&cfg, &pools);
    // no settings: alpha false, delay_loop 60 s, connect_timeout 5 s
    assert_eq!(at(&t, &[4, 1, 42, 2, 2]), int(2));
    assert_eq!(at(&t, &[4, 1, 43, 2, 2]), Value::Gauge32(0));
    assert_eq!(at(&t, &[4, 1, 46, 2, 2]), Value::Gauge32(60));
    assert_eq!(at(&t, &[4, 1, 51, 2, 2]), Value::Gauge32(5_000_000));
    // the sorry server's are keepalived's zeroed ones
    assert_eq!(at(&t, &[4, 1, 42, 2, 1]), int(2));
    assert_eq!(at(&t, &[4, 1, 47, 2, 1]), int(2));
    for c in [43, 44, 45, 46, 48, 49, 50, 51] {
        assert_eq!(at(&t, &[4, 1, c, 2, 1]), Value::Gauge32(0), "column {c}");
    }
}

#[test]
fn tunnel_columns_by_type() {
    const TUN: &str = "virtual_server 10.9.0.6 80 {\n lvs_sched rr\n protocol TCP\n\
 lvs_method TUN type gue port 6080 csum\n\
 real_server 10.2.0.1 80 {\n }\n\
 real_server 10.2.0.2 80 {\n lvs_method TUN type gre\n }\n\
 real_server 10.2.0.3 80 {\n lvs_method TUN\n }\n\
 real_server 10.2.0.4 80 {\n lvs_method DR\n }\n}\n\
virtual_server 10.9.0.7 80 {\n lvs_sched rr\n protocol TCP\n lvs_method DR\n\
 real_server 10.2.0.1 80 {\n }\n}\n";
    let parsed = kc::parse_str("t.conf", TUN, &kc::LoadOptions::default());
    let pools: Vec<Pool> = map_config(&parsed.config)
        .desired
        .virtual_servers
        .into_iter()
        .map(|v| Pool::new(v, None))
        .collect();
    let t = table(&parsed.config, &pools);
    // the virtual server: gue(2), its port, csum(2)
    assert_eq!(at(&t, &[3, 1, 68, 1]), int(2));
    assert_eq!(at(&t, &[3, 1, 69, 1]), Value::Gauge32(6080));
    assert_eq!(at(&t, &[3, 1, 70, 1]), int(2));
    // a real server taking it
    assert_eq!(at(&t, &[4, 1, 52, 1, 1]), int(2));
    assert_eq!(at(&t, &[4, 1, 53, 1, 1]), Value::Gauge32(6080));
    assert_eq!(at(&t, &[4, 1, 54, 1, 1]), int(2));
    // gre(3) without a port, nocsum(1)
    assert_eq!(at(&t, &[4, 1, 52, 1, 2]), int(3));
    assert_eq!(at(&t, &[4, 1, 53, 1, 2]), Value::NoSuchInstance);
    assert_eq!(at(&t, &[4, 1, 54, 1, 2]), int(1));
    // ipip(1): no port, no checksum
    assert_eq!(at(&t, &[4, 1, 52, 1, 3]), int(1));
    assert_eq!(at(&t, &[4, 1, 54, 1, 3]), Value::NoSuchInstance);
    // not tunnelled: none of them
    assert_eq!(at(&t, &[4, 1, 52, 1, 4]), Value::NoSuchInstance);
    assert_eq!(at(&t, &[3, 1, 68, 2]), Value::NoSuchInstance);
}

#[test]
fn virtualhost_and_snmp_name_columns_show_each_blocks_own() {
    const VHOST: &str = "virtual_server 10.9.0.8 80 {\n lvs_sched rr\n lvs_method NAT\n\
 protocol TCP\n virtualhost www.example\n snmp_name web\n\
 real_server 10.2.0.1 80 {\n virtualhost rs.example\n snmp_name first\n snmp_name a b\n }\n\
 real_server 10.2.0.2 80 {\n }\n}\n";
    let parsed = kc::parse_str("t.conf", VHOST, &kc::LoadOptions::default());
    let pools: Vec<Pool> = map_config(&parsed.config)
        .desired
        .virtual_servers
        .into_iter()
        .map(|v| Pool::new(v, None))
        .collect();
    let t = table(&parsed.config, &pools);
    let s = |b: &[u8]| Value::OctetString(b.to_vec());
    assert_eq!(at(&t, &[3, 1, 12, 1]), s(b"www.example"));
    assert_eq!(at(&t, &[4, 1, 41, 1, 1]), s(b"rs.example"));
    // not the virtual server's: keepalived keeps the real server's own
    assert_eq!(at(&t, &[4, 1, 41, 1, 2]), Value::NoSuchInstance);
    // snmp_name: two words are refused
    assert_eq!(at(&t, &[3, 1, 71, 1]), s(b"web"));
    assert_eq!(at(&t, &[4, 1, 55, 1, 1]), s(b"first"));
    assert_eq!(at(&t, &[4, 1, 55, 1, 2]), Value::NoSuchInstance);
}

#[test]
fn script_columns_show_commands_as_keepalived_quotes_them() {
    const SCRIPTS: &str = "virtual_server 10.9.0.8 80 {\n lvs_sched rr\n lvs_method NAT\n\
 protocol TCP\n quorum 2\n quorum_up \"/nonexistent/q up\"\n\
 quorum_down \"/nonexistent/q 'no quorum'\"\n sorry_server 10.3.0.9 80\n\
 real_server 10.2.0.1 80 {\n notify_up \"/nonexistent/n up\"\n notify_down /nonexistent/d\n }\n\
 real_server 10.2.0.2 80 {\n }\n}\n\
virtual_server 10.9.0.9 80 {\n lvs_sched rr\n lvs_method NAT\n protocol TCP\n\
 real_server 10.2.0.1 80 {\n }\n}\n";
    let parsed = kc::parse_str("t.conf", SCRIPTS, &kc::LoadOptions::default());
    let pools: Vec<Pool> = map_config(&parsed.config)
        .desired
        .virtual_servers
        .into_iter()
        .map(|v| Pool::new(v, None))
        .collect();
    let t = table(&parsed.config, &pools);
    let s = |b: &str| Value::OctetString(b.as_bytes().to_vec());
    assert_eq!(at(&t, &[3, 1, 24, 1]), s("'/nonexistent/q' 'up'"));
    assert_eq!(at(&t, &[3, 1, 25, 1]), s("'/nonexistent/q' 'no quorum'"));
    // none written: no instance
    assert_eq!(at(&t, &[3, 1, 24, 2]), Value::NoSuchInstance);
    assert_eq!(at(&t, &[3, 1, 25, 2]), Value::NoSuchInstance);
    // row 1 is the sorry server: never a script
    assert_eq!(at(&t, &[4, 1, 11, 1, 1]), Value::NoSuchInstance);
    assert_eq!(at(&t, &[4, 1, 11, 1, 2]), s("'/nonexistent/n' 'up'"));
    assert_eq!(at(&t, &[4, 1, 12, 1, 2]), s("'/nonexistent/d'"));
    assert_eq!(at(&t, &[4, 1, 11, 1, 3]), Value::NoSuchInstance);
    assert_eq!(at(&t, &[4, 1, 12, 1, 3]), Value::NoSuchInstance);
}

/// The sync daemon scalars (`lvsSyncDaemon`, check.6) for one
/// `lvs_sync_daemon` line.
fn sync_scalars(line: &str) -> Table {
    let conf = format!("global_defs {{\n {line}\n}}\n");
    let parsed = kc::parse_str("t.conf", &conf, &kc::LoadOptions::default());
    let m = map_config(&parsed.config);
    let sd = m.desired.lvs_sync_daemon.clone();
    assert!(sd.is_some(), "{line}: not read");
    let mut t = Table::default();
    let in_kernel = |_: &ipvs_sys::ServiceKey| true;
    add(
        &mut t,
        &CheckInput {
            groups: &Default::default(),
            pools: &[],
            in_kernel: &in_kernel,
            timeouts: None,
            sync_daemon: sd.as_ref(),
        },
    );
    t
}

#[test]
fn sync_daemon_scalars_show_every_setting() {
    let t = sync_scalars("lvs_sync_daemon eth1 id 5 maxlen 1400 port 8850 ttl 2 group 224.0.0.82");
    let s = |b: &str| Value::OctetString(b.as_bytes().to_vec());
    assert_eq!(at(&t, &[6, 1, 0]), int(1));
    assert_eq!(at(&t, &[6, 2, 0]), s("eth1"));
    assert_eq!(at(&t, &[6, 3, 0]), Value::NoSuchInstance);
    assert_eq!(at(&t, &[6, 4, 0]), int(5));
    assert_eq!(at(&t, &[6, 5, 0]), int(1400));
    assert_eq!(at(&t, &[6, 6, 0]), int(8850));
    assert_eq!(at(&t, &[6, 7, 0]), int(2));
    assert_eq!(at(&t, &[6, 8, 0]), int(1));
    assert_eq!(at(&t, &[6, 9, 0]), Value::OctetString(vec![224, 0, 0, 82]));
    let t = sync_scalars("lvs_sync_daemon eth1 group ff02::8:1");
    assert_eq!(at(&t, &[6, 8, 0]), int(2));
    let mut v6 = vec![0xff, 2];
    v6.extend([0; 10]);
    v6.extend([0, 8, 0, 1]);
    assert_eq!(at(&t, &[6, 9, 0]), Value::OctetString(v6));
}

#[test]
fn sync_daemon_scalars_unwritten_settings() {
    // no instance: the checker runs the daemon with sync id 0; maxlen, port
    // and TTL 0; no group
    let t = sync_scalars("lvs_sync_daemon eth1");
    assert_eq!(at(&t, &[6, 4, 0]), int(0));
    for n in 5..=7 {
        assert_eq!(at(&t, &[6, n, 0]), int(0), "6.{n}");
    }
    assert_eq!(at(&t, &[6, 8, 0]), Value::NoSuchInstance);
    assert_eq!(at(&t, &[6, 9, 0]), Value::NoSuchInstance);
    // an instance and no id: keepalived's unset marker
    let t = sync_scalars("lvs_sync_daemon eth1 VI_1");
    assert_eq!(at(&t, &[6, 3, 0]), Value::OctetString(b"VI_1".to_vec()));
    assert_eq!(at(&t, &[6, 4, 0]), int(-1));
    // no sync daemon: enabled false, nothing else
    let in_kernel = |_: &ipvs_sys::ServiceKey| true;
    let mut t = Table::default();
    add(
        &mut t,
        &CheckInput {
            groups: &Default::default(),
            pools: &[],
            in_kernel: &in_kernel,
            timeouts: None,
            sync_daemon: None,
        },
    );
    assert_eq!(at(&t, &[6, 1, 0]), int(2));
    assert_eq!(at(&t, &[6, 4, 0]), Value::NoSuchInstance);
}
