//! The non-simulate command lines that need no root: `-t`, `status` without a
//! daemon, `--help`.
#![allow(clippy::unwrap_used)]

use std::path::Path;
use std::process::Command;

fn run(args: &[&str]) -> (String, String, i32) {
    let o = Command::new(env!("CARGO_BIN_EXE_vrrpd"))
        .args(args)
        .output()
        .unwrap();
    (
        String::from_utf8(o.stdout).unwrap(),
        String::from_utf8(o.stderr).unwrap(),
        o.status.code().unwrap_or(-1),
    )
}

fn example(name: &str) -> String {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../examples")
        .join(name)
        .display()
        .to_string()
}

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
