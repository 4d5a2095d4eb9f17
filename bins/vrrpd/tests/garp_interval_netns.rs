//! GARP/NA spacing by `vrrp_garp_interval` / `vrrp_gna_interval`, on the wire
//! in network namespaces, vrrpd against keepalived 2.2.7 with the same config:
//! runs `tests-netns/vrrpd-garp-interval.sh` with this build's binary. Needs
//! root, keepalived and tcpdump; otherwise it prints SKIPPED.
#![allow(clippy::unwrap_used)]

use std::path::Path;
use std::process::Command;

#[test]
fn garp_and_na_bursts_are_spaced_like_keepalived() {
    let uid = std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("Uid:"))
                .and_then(|l| l.split_whitespace().nth(2).map(str::to_owned))
        })
        .unwrap_or_default();
    if uid != "0" {
        eprintln!("SKIPPED: GARP interval test needs root (network namespaces, raw sockets)");
        return;
    }
    let script =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests-netns/vrrpd-garp-interval.sh");
    let out = Command::new("bash")
        .arg(&script)
        .env("VRRPD", env!("CARGO_BIN_EXE_vrrpd"))
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    println!("{stdout}");
    if let Some(l) = stdout.lines().find(|l| l.contains("SKIPPED:")) {
        eprintln!("{l}");
        return;
    }
    let failed: Vec<&str> = stdout.lines().filter(|l| l.starts_with("not ok")).collect();
    assert!(
        out.status.success() && failed.is_empty(),
        "failures:\n{}\n--- stderr ---\n{stderr}",
        failed.join("\n")
    );
    assert!(
        stdout.matches("\nok - ").count() + usize::from(stdout.starts_with("ok - ")) >= 12,
        "too few checks ran:\n{stdout}"
    );
}
