//! The lines logged for scripts refused or kept at load, against keepalived
//! 2.2.7 (root, network namespaces, keepalived; else `SKIPPED:`).
//!
//! One configuration, without `enable_script_security` and with scripts
//! running as root: an instance whose notify_master names a missing file,
//! notify_backup a file without execute bits, notify_fault a world-writable
//! script (kept, with a warning), notify_stop a bare name not in PATH,
//! notify a script with an unknown user, a tracked `vrrp_script` naming a
//! missing file and one with an unknown `user`, and a sync group whose
//! notify_master names a missing file. keepalived (vrrp.c
//! `check_vrrp_script_security`) and vrrpd, each in its own namespace, must
//! log the same set of these lines (time stamps and level prefixes
//! removed), the once-per-load "SECURITY VIOLATION" summary included.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::netns::{Daemon, Lab, poll_until, skip_differential};

use std::collections::BTreeSet;
use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use std::time::Duration;

/// Where each line of interest starts; a line is kept from the first of
/// these it contains.
const MARKERS: &[&str] = &[
    "Script /",
    "WARNING - script",
    "Unsafe permissions found",
    "Cannot find script",
    "check_script_secure",
    "Disabling track script",
    "SECURITY VIOLATION",
    "Invalid user/group",
    "Unable to set uid/gid",
];

/// The lines of `log` about script checks, from their marker on.
fn script_lines(log: &str) -> BTreeSet<String> {
    log.lines()
        .filter_map(|l| {
            MARKERS
                .iter()
                .filter_map(|m| l.find(m))
                .min()
                .map(|at| l[at..].trim_end().to_string())
        })
        .collect()
}

fn conf(dir: &Path) -> String {
    let d = dir.display();
    format!(
        "global_defs {{\n  script_user root\n}}\n\
         vrrp_script gone {{\n  script \"{d}/gone-check.sh\"\n  interval 1\n}}\n\
         vrrp_script nouser {{\n  script \"{d}/nouser-check.sh arg\"\n  interval 1\n  \
         user scx-no-such-user\n}}\n\
         vrrp_instance V {{\n  interface eth0\n  virtual_router_id 51\n  priority 100\n  \
         advert_int 1\n  virtual_ipaddress {{\n    192.0.2.100/32\n  }}\n  \
         track_script {{\n    gone\n    nouser\n  }}\n  \
         notify_master \"{d}/missing.sh\"\n  notify_backup \"{d}/noexec.sh\"\n  \
         notify_fault \"{d}/open/insecure.sh\"\n  notify_stop scx-no-such-program-in-path\n  \
         notify \"{d}/generic.sh\" scx-no-such-user\n}}\n\
         vrrp_sync_group G {{\n  group {{\n    V\n  }}\n  notify_master \"{d}/sg-missing.sh\"\n}}\n"
    )
}

#[test]
fn refused_and_insecure_scripts_are_logged_as_keepalived_logs_them() {
    let what = "vrrpd script_refusal_netns";
    if skip_differential(what, &["keepalived"]) {
        return;
    }
    let mut lab = Lab::new("scx-refusal");
    std::fs::set_permissions(&lab.dir, std::fs::Permissions::from_mode(0o755)).unwrap();
    let noexec = lab.write_script("noexec.sh", "#!/bin/sh\nexit 0\n");
    std::fs::set_permissions(&noexec, std::fs::Permissions::from_mode(0o644)).unwrap();
    let open = lab.path("open");
    std::fs::create_dir(&open).unwrap();
    std::fs::set_permissions(&open, std::fs::Permissions::from_mode(0o755)).unwrap();
    let insecure = open.join("insecure.sh");
    std::fs::write(&insecure, "#!/bin/sh\nexit 0\n").unwrap();
    std::fs::set_permissions(&insecure, std::fs::Permissions::from_mode(0o757)).unwrap();
    let path = lab.write_conf("c", &conf(&lab.dir));

    let mut sets = Vec::new();
    for (daemon, tag) in [(Daemon::Keepalived, "k"), (Daemon::Vrrpd, "v")] {
        let ns = lab.add_ns(&format!("scx-refusal-{tag}"));
        lab.looped_links(&ns, &["192.0.2.1/24"]);
        let mut run = lab.start(&ns, daemon, &path, tag);
        let seen = poll_until(Duration::from_secs(15), || {
            lab.log(tag).contains("SECURITY VIOLATION")
        });
        // Let any line logged after the summary arrive.
        std::thread::sleep(Duration::from_millis(500));
        run.stop();
        let log = lab.log(tag);
        assert!(seen, "{tag}: no SECURITY VIOLATION line:\n{log}");
        assert_eq!(
            log.matches("SECURITY VIOLATION").count(),
            1,
            "{tag}: one summary per load:\n{log}"
        );
        sets.push(script_lines(&log));
    }
    println!("keepalived: {:#?}\nvrrpd: {:#?}", sets[0], sets[1]);
    let d = lab.dir.display();
    let expected: BTreeSet<String> = [
        format!("Script {d}/missing.sh cannot be accessed - No such file or directory"),
        format!("Script {d}/sg-missing.sh cannot be accessed - No such file or directory"),
        format!("Script {d}/gone-check.sh cannot be accessed - No such file or directory"),
        "Disabling track script gone since not found/accessible".to_string(),
        format!("WARNING - script '{d}/noexec.sh' is not executable for uid:gid 0:0 - disabling."),
        format!("Unsafe permissions found for script '{d}/open/insecure.sh'."),
        "Cannot find script scx-no-such-program-in-path in path - disabling".to_string(),
        format!("Invalid user/group for notify script {d}/generic.sh - ignoring"),
        format!("Unable to set uid/gid for script '{d}/nouser-check.sh' 'arg'"),
        "SECURITY VIOLATION - scripts are being executed but script_security not enabled. \
         There are insecure scripts."
            .to_string(),
    ]
    .into_iter()
    .collect();
    assert_eq!(sets[0], expected, "keepalived's lines");
    assert_eq!(sets[1], sets[0], "vrrpd vs keepalived");
}
