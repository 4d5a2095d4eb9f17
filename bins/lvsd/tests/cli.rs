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

/// The lines of `err` naming the data file `file`, the directory removed
/// (the script-user configurations give nothing else to warn about).
fn warnings_about(err: &str, file: &str) -> Vec<String> {
    err.lines()
        .filter_map(|l| l.find(file).map(|i| l[i..].to_string()))
        .collect()
}

#[test]
fn an_unknown_script_user_is_named_and_its_misc_checks_removed() {
    let (rc, out, err) = lvsd_t("bins/lvsd/tests/data/misc-script-user-unknown.conf");
    // Warnings: the file may be meant for a host that has the user.
    assert_eq!(rc, 0, "{err}");
    assert_eq!(
        warnings_about(&err, "misc-script-user-unknown.conf"),
        [
            "misc-script-user-unknown.conf:4: warning: Error setting global script uid/gid",
            "misc-script-user-unknown.conf:13: warning: Unable to set default user for misc \
             script '/bin/true' '1' - removing",
        ]
    );
    // A real server left without checkers is alive (as in keepalived).
    assert!(
        out.contains("  -> 10.2.0.1:80 Masq 1\n  -> 10.2.0.2:80 Masq 1\n"),
        "{out}"
    );
}

#[test]
fn script_security_needs_keepalived_script_for_misc_checks_without_a_user() {
    let (rc, _out, err) = lvsd_t("bins/lvsd/tests/data/misc-script-security.conf");
    assert_eq!(rc, 0, "{err}");
    let got = warnings_about(&err, "misc-script-security.conf");
    // The answer depends on this host's users: both are asserted.
    if keepalived_runtime::script_security::lookup_user("keepalived_script", None).is_ok() {
        assert!(got.is_empty(), "{got:?}");
    } else {
        assert_eq!(
            got,
            [
                "misc-script-security.conf:13: warning: Unable to set default user \
                 keepalived_script for script",
                "misc-script-security.conf:13: warning: Unable to set default user for misc \
                 script '/bin/true' '1' - removing",
                "misc-script-security.conf:18: warning: Unable to set default user for misc \
                 script '/bin/true' '2' - removing",
            ]
        );
    }
}

#[test]
fn an_unknown_own_user_removes_only_its_misc_check() {
    let (rc, _out, err) = lvsd_t("bins/lvsd/tests/data/misc-own-user-unknown.conf");
    assert_eq!(rc, 0, "{err}");
    assert_eq!(
        warnings_about(&err, "misc-own-user-unknown.conf"),
        [
            "misc-own-user-unknown.conf:10: warning: Failed to set uid/gid for misc checker \
          script '/bin/true' - removing"
        ]
    );
}

#[test]
fn script_users_that_resolve_are_not_mentioned() {
    let (rc, out, err) = lvsd_t("bins/lvsd/tests/data/misc-script-user-root.conf");
    assert_eq!(rc, 0, "{err}");
    assert!(
        warnings_about(&err, "misc-script-user-root.conf").is_empty(),
        "{err}"
    );
    assert!(
        out.contains("TCP 10.1.0.1:80 rr\n  -> 10.2.0.1:80 Masq 1\n"),
        "{out}"
    );
}

/// `sni_name` comes from a keepalived later than 2.2.7: `-t` accepts it (exit 0,
/// the checker kept) and prints a notice that keepalived 2.2.7 would not know it.
#[test]
fn sni_name_is_taken_with_a_keepalived_version_notice() {
    let (rc, out, err) = lvsd_t("bins/lvsd/tests/data/ssl-get-sni-name.conf");
    assert_eq!(rc, 0, "{err}");
    assert!(
        out.contains("TCP 10.0.0.1:443 rr\n  -> 10.0.0.2:443 Masq 1\n"),
        "{out}"
    );
    assert_eq!(
        warnings_about(&err, "ssl-get-sni-name.conf"),
        [
            "ssl-get-sni-name.conf:12:13: warning: `sni_name` is a keyword of keepalived after \
             2.4.3; keepalived 2.2.7 reports it as unknown and runs without it (hint: remove it \
             where keepalived 2.2.7 reads this file too)"
        ],
        "{err}"
    );
}
