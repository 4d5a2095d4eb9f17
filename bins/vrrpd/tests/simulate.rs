//! `vrrpd simulate` end to end: runs the binary on the examples and asserts
//! exact timelines (the virtual LAN is deterministic).
#![allow(clippy::unwrap_used)]

mod common;

use common::{example, run_vrrpd as run};

use std::path::{Path, PathBuf};

#[test]
fn mysql_pair_crash_and_nopreempt_return() {
    let m = example("mysql-master.conf");
    let b = example("mysql-backup.conf");
    let (out, err, code) = run(&[
        "simulate", &m, &b, "--until", "30", "--crash", "1@10", "--start", "1@20", "--json",
    ]);
    assert_eq!(code, 0, "{err}");
    assert_eq!(err, "", "the repaired examples are clean");
    let expected = r#"{"t_ms":0,"node":1,"instance":"VI_1","from":"INIT","to":"BACKUP","reason":"startup"}
{"t_ms":0,"node":2,"instance":"VI_1","from":"INIT","to":"BACKUP","reason":"startup"}
{"t_ms":3609.375,"node":1,"instance":"VI_1","from":"BACKUP","to":"MASTER","reason":"master-down-timer"}
{"t_ms":10000,"node":1,"event":"crash"}
{"t_ms":13258.812,"node":2,"instance":"VI_1","from":"BACKUP","to":"MASTER","reason":"master-down-timer"}
{"t_ms":20000,"node":1,"event":"start"}
{"t_ms":20000,"node":1,"instance":"VI_1","from":"INIT","to":"BACKUP","reason":"startup"}
"#;
    assert_eq!(out, expected);
}

#[test]
fn readme_command_prints_a_table() {
    let m = example("mysql-master.conf");
    let b = example("mysql-backup.conf");
    let (out, err, code) = run(&["simulate", &m, &b, "--until", "30", "--crash", "1@10"]);
    assert_eq!(code, 0, "{err}");
    let expected = "\
# 2 node(s) on one virtual segment, latency 1.000 ms, until 30.000 s
      t(s)  node  instance      from     to       reason
     0.000     1  VI_1          INIT     BACKUP   startup
     0.000     2  VI_1          INIT     BACKUP   startup
     3.609     1  VI_1          BACKUP   MASTER   master-down-timer
    10.000     1  *             -- crash --
    13.259     2  VI_1          BACKUP   MASTER   master-down-timer
# at 30.000 s:
#   node 1 VI_1         DOWN   
#   node 2 VI_1         MASTER  holds 192.168.143.32
";
    assert_eq!(out, expected);
}

#[test]
fn unrepaired_mysql_pair_runs_with_warnings_only() {
    // The MySQL pair as users write it: a `//` comment, a `VIP` placeholder and a
    // checker missing its `}` (keepalived-conf's tests/data/user/).
    let user = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../keepalived-conf/tests/data/user");
    let m = user.join("mysql-master.conf").display().to_string();
    let b = user.join("mysql-backup.conf").display().to_string();
    let (out, err, code) = run(&["simulate", &m, &b, "--until", "5", "--json"]);
    assert_eq!(code, 0, "{err}");
    assert!(err.contains("warning[unclosed-block]"), "{err}");
    assert!(err.contains("which vrrpd does not use"), "{err}");
    assert!(err.contains("mysql-master.conf:12:21"), "{err}");
    assert!(!err.contains("error["), "{err}");
    assert!(
        out.contains(r#""t_ms":3609.375,"node":1,"instance":"VI_1","from":"BACKUP","to":"MASTER""#)
    );
}

#[test]
fn three_nodes_preempt_on_return() {
    let f: Vec<String> = (1..=3)
        .map(|n| example(&format!("three-node-{n}.conf")))
        .collect();
    let (out, err, code) = run(&[
        "simulate", &f[0], &f[1], &f[2], "--until", "20", "--crash", "1@5", "--start", "1@12",
        "--json",
    ]);
    assert_eq!(code, 0, "{err}");
    // Node 2 (v3, priority 100, 0.5 s): last advert of node 1 sent 4.707031 s,
    // heard 1 ms later, + 3 x 0.5 + 156/256 x 0.5 s = 6.512718 s.
    let masters: Vec<&str> = out
        .lines()
        .filter(|l| l.contains(r#""to":"MASTER""#))
        .collect();
    assert_eq!(
        masters,
        [
            r#"{"t_ms":1707.031,"node":1,"instance":"WEB","from":"BACKUP","to":"MASTER","reason":"master-down-timer"}"#,
            r#"{"t_ms":6512.718,"node":2,"instance":"WEB","from":"BACKUP","to":"MASTER","reason":"master-down-timer"}"#,
            r#"{"t_ms":13707.031,"node":1,"instance":"WEB","from":"BACKUP","to":"MASTER","reason":"preempted"}"#,
        ]
    );
    assert!(out.contains(r#"{"t_ms":13708.031,"node":2,"instance":"WEB","from":"MASTER","to":"BACKUP","reason":"higher-priority(150 from 10.0.0.1)"}"#), "{out}");
    assert!(!out.contains(r#""node":3,"instance":"WEB","from":"BACKUP","to":"MASTER""#));
}

#[test]
fn ipv6_stop_releases_within_skew_time() {
    let a = example("v3-ipv6-a.conf");
    let b = example("v3-ipv6-b.conf");
    let (out, err, code) = run(&[
        "simulate", &a, &b, "--until", "15", "--stop", "1@6", "--json",
    ]);
    assert_eq!(code, 0, "{err}");
    let expected = r#"{"t_ms":0,"node":1,"instance":"V6","from":"INIT","to":"BACKUP","reason":"startup"}
{"t_ms":0,"node":2,"instance":"V6","from":"INIT","to":"BACKUP","reason":"startup"}
{"t_ms":3531.25,"node":1,"instance":"V6","from":"BACKUP","to":"MASTER","reason":"master-down-timer"}
{"t_ms":6000,"node":1,"event":"stop"}
{"t_ms":6000,"node":1,"instance":"V6","from":"MASTER","to":"STOP","reason":"shutdown"}
{"t_ms":6610.375,"node":2,"instance":"V6","from":"BACKUP","to":"MASTER","reason":"master-released"}
"#;
    // 6610.375 = 6000 + 1 ms latency + Skew_Time (256-100)/256 * 1 s = 609.375 ms.
    assert_eq!(out, expected);
}

#[test]
fn latency_shifts_takeover() {
    let m = example("mysql-master.conf");
    let b = example("mysql-backup.conf");
    let (out, _, code) = run(&[
        "simulate",
        &m,
        &b,
        "--until",
        "15",
        "--crash",
        "1@10",
        "--latency",
        "20",
        "--json",
    ]);
    assert_eq!(code, 0);
    // Last advert from node 1 at 9.609375 s arrives 20 ms later; node 2's
    // Master_Down_Interval is 3 + 166/256 s = 3.6484375 s.
    assert!(
        out.contains(
            r#"{"t_ms":13277.812,"node":2,"instance":"VI_1","from":"BACKUP","to":"MASTER""#
        ),
        "{out}"
    );
}

fn temp_conf(name: &str, text: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("vrrpd-sim-test-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let p = dir.join(name);
    std::fs::write(&p, text).unwrap();
    p
}

#[test]
fn auth_type_without_password_is_an_error_with_file_and_line() {
    let p = temp_conf(
        "ah.conf",
        "vrrp_instance A {\n interface eth0\n virtual_router_id 1\n authentication {\n  auth_type AH\n }\n virtual_ipaddress {\n  10.1.0.1\n }\n}\n",
    );
    let (out, err, code) = run(&["simulate", p.to_str().unwrap()]);
    assert_eq!(code, 1);
    assert_eq!(out, "");
    assert!(
        err.contains("error[vrrpd-auth]: auth_type AH without auth_pass"),
        "{err}"
    );
    assert!(err.contains("ah.conf:4:"), "{err}");
    assert!(err.contains("configuration refused"), "{err}");
}

#[test]
fn invalid_value_in_vrrp_instance_is_an_error() {
    // keepalived skips the bad address with a message; a VRRPv3 instance left without
    // any address is then refused ("No VIP specified; at least one is required").
    let p = temp_conf(
        "badvip.conf",
        "vrrp_instance A {\n interface eth0\n virtual_router_id 1\n virtual_ipaddress {\n  10.1.0.300\n }\n version 3\n}\n",
    );
    let (_, err, code) = run(&["simulate", p.to_str().unwrap()]);
    assert_eq!(code, 1, "{err}");
    assert!(err.contains("badvip.conf:5:"), "{err}");
    assert!(err.contains("error[vrrpd-no-vips]"), "{err}");
}

#[test]
fn unknown_node_is_refused() {
    let m = example("mysql-master.conf");
    let (_, err, code) = run(&["simulate", &m, "--crash", "2@1"]);
    assert_eq!(code, 2);
    assert!(err.contains("node 2 does not exist"), "{err}");
    let (_, err, code) = run(&["simulate", &m, "--crash", "x"]);
    assert_eq!(code, 2);
    assert!(err.contains("NODE@SECS"), "{err}");
}

#[test]
fn unicast_peers_meet_through_unicast_src_ip() {
    let conf = |me: &str, peer: &str, prio: u8| {
        format!(
            "vrrp_instance U {{\n interface eth0\n virtual_router_id 9\n version 3\n priority {prio}\n unicast_src_ip {me}\n unicast_peer {{\n  {peer}\n }}\n virtual_ipaddress {{\n  10.9.0.100\n }}\n}}\n"
        )
    };
    let a = temp_conf("u1.conf", &conf("10.9.0.1", "10.9.0.2", 150));
    let b = temp_conf("u2.conf", &conf("10.9.0.2", "10.9.0.1", 100));
    let (out, err, code) = run(&[
        "simulate",
        a.to_str().unwrap(),
        b.to_str().unwrap(),
        "--until",
        "10",
        "--stop",
        "1@5",
        "--json",
    ]);
    assert_eq!(code, 0, "{err}");
    let masters: Vec<&str> = out
        .lines()
        .filter(|l| l.contains(r#""to":"MASTER""#))
        .collect();
    // Node 1 (150): 3 + 106/256 s; node 2 takes over 1 ms + Skew_Time(100) =
    // 609.375 ms after the priority-0 advert at 5 s.
    assert_eq!(
        masters,
        [
            r#"{"t_ms":3414.062,"node":1,"instance":"U","from":"BACKUP","to":"MASTER","reason":"master-down-timer"}"#,
            r#"{"t_ms":5610.375,"node":2,"instance":"U","from":"BACKUP","to":"MASTER","reason":"master-released"}"#,
        ],
        "{out}"
    );
}
