//! The non-simulate command lines that need no root: `-t`, `status` without a
//! daemon, `--help`.
#![allow(clippy::unwrap_used)]

mod common;

use common::{example, run_vrrpd as run};

#[test]
fn config_test_accepts_every_example() {
    for f in [
        "mysql-master.conf",
        "mysql-backup.conf",
        "three-node-1.conf",
        "v3-ipv6-a.conf",
    ] {
        let p = example(f);
        let (out, err, code) = run(&["-t", "-f", &p]);
        assert_eq!(code, 0, "{f}: {err}");
        assert_eq!(
            out,
            format!("{p}: 1 vrrp_instance(s), 0 sync group(s): OK\n")
        );
    }
}

#[test]
fn config_test_refuses_errors_with_position() {
    let dir = std::env::temp_dir().join(format!("vrrpd-cli-test-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let p = dir.join("bad.conf");
    std::fs::write(
        &p,
        "vrrp_instance A {\n interface eth0\n virtual_router_id 300\n virtual_ipaddress {\n  10.1.0.1\n }\n}\n",
    )
    .unwrap();
    let (out, err, code) = run(&["-t", "-f", p.to_str().unwrap()]);
    assert_eq!(code, 1, "{err}");
    assert_eq!(out, "");
    assert!(err.contains("bad.conf:3:"), "{err}");
    assert!(err.contains("configuration refused"), "{err}");
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn status_without_daemon_fails_clearly() {
    let (out, err, code) = run(&["status", "--socket", "/nonexistent/vrrpd.sock"]);
    assert_eq!(code, 1);
    assert_eq!(out, "");
    assert!(
        err.contains("cannot connect to /nonexistent/vrrpd.sock"),
        "{err}"
    );
}

#[test]
fn simulate_help_states_latency_and_addresses() {
    let (out, _, code) = run(&["simulate", "--help"]);
    assert_eq!(code, 0);
    assert!(out.contains("default 1 ms"), "{out}");
    assert!(out.contains("10.0.0.N"), "{out}");
    assert!(out.contains("fe80::N"), "{out}");
}

/// The keywords of the multicast-group, promote_secondaries, track_src_ip and
/// garp_extra_if work.
const ACTED_ON: [&str; 8] = [
    "mcast_dst_ip",
    "vrrp_mcast_group4",
    "vrrp_mcast_group6",
    "promote_secondaries",
    "track_src_ip",
    "garp_extra_if",
    "vrrp_garp_extra_if",
    "vmac_garp_intvl",
];

/// `vrrpd -t` no longer calls those keywords unsupported or not acted on:
/// on every file of the shared real-world corpus that uses one
/// (`../shared/realworld` beside the repository, or `$VRRPD_CORPUS`), and always on a file
/// written here that uses all of them.
#[test]
fn config_test_acts_on_group_promote_and_garp_keywords() {
    let dir = std::env::temp_dir().join(format!("vrrpd-cli-acted-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let own = dir.join("all.conf");
    std::fs::write(
        &own,
        "global_defs {\n vrrp_mcast_group4 224.0.0.44\n vrrp_mcast_group6 ff02::44\n\
         vrrp_garp_extra_if all 5\n}\n\
         vrrp_instance A {\n interface eth0\n virtual_router_id 1\n mcast_dst_ip 224.0.0.45\n\
         mcast_src_ip 10.0.0.1\n promote_secondaries\n track_src_ip\n garp_extra_if all 3\n\
         virtual_ipaddress {\n 10.0.0.100\n 10.0.1.100 dev eth1\n }\n}\n\
         vrrp_instance B {\n interface eth0\n virtual_router_id 2\n vmac_garp_intvl 4\n\
         virtual_ipaddress {\n fd00::100\n }\n}\n",
    )
    .unwrap();
    let corpus = std::env::var("VRRPD_CORPUS").unwrap_or_else(|_| {
        concat!(env!("CARGO_MANIFEST_DIR"), "/../../../shared/realworld").into()
    });
    let mut files = vec![own];
    if let Ok(rd) = std::fs::read_dir(&corpus) {
        for e in rd.flatten() {
            let text = std::fs::read_to_string(e.path()).unwrap_or_default();
            if ACTED_ON.iter().any(|k| {
                text.lines()
                    .any(|l| l.split_whitespace().next() == Some(*k))
            }) {
                files.push(e.path());
            }
        }
    }
    for f in &files {
        let (_, err, _) = run(&["-t", "-f", f.to_str().unwrap()]);
        for line in err
            .lines()
            .filter(|l| l.contains("not acted on") || l.contains("not supported by vrrpd"))
        {
            assert!(
                !ACTED_ON.iter().any(|k| line.contains(&format!("`{k}`"))),
                "{}: {line}",
                f.display()
            );
        }
    }
    let (out, err, code) = run(&["-t", "-f", files[0].to_str().unwrap()]);
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("2 vrrp_instance(s)"), "{out}");
    std::fs::remove_dir_all(dir).unwrap();
}

/// `--max-config-bytes` bounds what is read: a file over it is refused
/// unread (`config-too-large`), and `--help` says so.
#[test]
fn max_config_bytes_refuses_a_larger_file() {
    let p = example("mysql-master.conf");
    let (_, err, code) = run(&["-t", "--max-config-bytes", "100", "-f", &p]);
    assert_ne!(code, 0, "{err}");
    assert!(err.contains("config-too-large"), "{err}");
    let (_, err, code) = run(&["-t", "--max-config-bytes", "1000000", "-f", &p]);
    assert_eq!(code, 0, "{err}");
    let (out, _, _) = run(&["--help"]);
    assert!(out.contains("--max-config-bytes"), "{out}");
    assert!(out.contains("PIDFILE with the extension .sock"), "{out}");
}

/// `--config-limit NAME=N` sets a limit on what the configuration holds: one
/// past it is refused with the `config-limit` error naming the option, at the
/// limit the file is accepted, an unknown name is refused, and `--help` lists
/// every limit with its default.
#[test]
fn config_limit_refuses_one_past_and_accepts_at_the_limit() {
    let dir = std::env::temp_dir().join(format!("vrrpd-config-limit-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("two.conf");
    std::fs::write(
        &file,
        "vrrp_instance a {\n interface eth0\n virtual_router_id 1\n}\nvrrp_instance b {\n interface eth0\n virtual_router_id 2\n}\n",
    )
    .unwrap();
    let p = file.to_str().unwrap();
    let (_, err, code) = run(&["-t", "--config-limit", "vrrp_instance=1", "-f", p]);
    assert_ne!(code, 0, "{err}");
    assert!(
        err.contains(
            "the configuration holds 2 vrrp_instance sections, over the limit of 1; this one and those after it are not read"
        ),
        "{err}"
    );
    assert!(err.contains("--config-limit vrrp_instance=N"), "{err}");
    let (_, err, code) = run(&["-t", "--config-limit", "vrrp_instance=2", "-f", p]);
    assert_eq!(code, 0, "{err}");
    let (_, err, code) = run(&["-t", "--config-limit", "instances=5", "-f", p]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("no limit is named `instances`"), "{err}");
    std::fs::remove_dir_all(dir).unwrap();
    let (out, _, _) = run(&["--help"]);
    let help = out.split_whitespace().collect::<Vec<_>>().join(" ");
    for item in keepalived_conf::limits::Item::ALL {
        let default = format!(
            "{}={}",
            item.name(),
            keepalived_conf::limits::DEFAULT_LIMITS.get(item)
        );
        assert!(help.contains(&default), "{default} not in --help: {out}");
    }
}
