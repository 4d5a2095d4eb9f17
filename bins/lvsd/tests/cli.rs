//! `lvsd -t` on user and test configurations (no root, no kernel).
#![allow(clippy::unwrap_used)]

use std::process::Command;

fn lvsd_t(path: &str) -> (i32, String, String) {
    let root = concat!(env!("CARGO_MANIFEST_DIR"), "/../..");
    let out = Command::new(env!("CARGO_BIN_EXE_lvsd"))
        .args(["-t", "-f", &format!("{root}/{path}")])
        .output()
        .unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn tenant_vip_with_tcp_check_describes_its_table() {
    let (rc, out, err) = lvsd_t("bins/lvsd/tests/data/tenant-vip-tcp-check.conf");
    assert_eq!(rc, 0, "{err}");
    let lines: Vec<&str> = out.lines().skip(1).collect();
    assert_eq!(
        lines,
        [
            "TCP 192.168.143.33:5432 wlc persistent 7200",
            "  -> 10.244.0.6:5432 Masq 1"
        ]
    );
    assert!(
        err.contains("lvs_sync_daemon follows vrrp_instance `vips`"),
        "{err}"
    );
}

#[test]
fn repaired_mysql_master() {
    let (rc, out, err) = lvsd_t("examples/mysql-master.conf");
    assert_eq!(rc, 0, "{err}");
    assert!(
        out.contains(
            "TCP 192.168.143.32:3306 wlc persistent 50\n  -> 192.168.143.65:3306 Masq 3\n"
        ),
        "{out}"
    );
}

#[test]
fn a_bad_service_is_reported_with_its_line_and_the_rest_is_kept() {
    let (rc, out, err) = lvsd_t("tests-vm-lvsd/web.conf");
    assert_eq!(rc, 1);
    assert!(
        err.contains(
            "web.conf:68:27: error: invalid value for `virtual_server`: number `99999` outside range [0, 65535]"
        ),
        "{err}"
    );
    assert!(
        out.contains("TCP 10.100.0.1:80 rr") && out.contains("TCP 10.100.0.2:8080 wlc"),
        "{out}"
    );
    assert!(!out.contains("10.100.0.3"), "{out}");
}

#[test]
fn the_unrepaired_mysql_config_is_diagnosed_not_run() {
    let (rc, _out, err) = lvsd_t("keepalived-conf/tests/data/user/mysql-master.conf");
    // `virtual_server VIP 3306`: a placeholder, not an address.
    assert_eq!(rc, 1, "{err}");
    assert!(err.contains("mysql-master.conf:22"), "{err}");
}
