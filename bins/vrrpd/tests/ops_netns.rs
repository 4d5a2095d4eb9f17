//! Operations features of the daemon, for real in a network namespace (root):
//! systemd readiness on `$NOTIFY_SOCKET` (READY=1 once the instance is
//! installed, RELOADING=1 + MONOTONIC_USEC and READY=1 around SIGHUP,
//! STOPPING=1 on SIGTERM) and the Prometheus endpoint (`--metrics-listen`):
//! state, priorities, adverts and a drop counter after a bad packet, the same
//! numbers `vrrpd status` shows.

#![allow(clippy::unwrap_used)]

mod common;

use std::os::unix::net::UnixDatagram;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// Next sd_notify datagram, or None after `timeout`.
fn next_notification(sock: &UnixDatagram, timeout: Duration) -> Option<String> {
    sock.set_read_timeout(Some(timeout)).unwrap();
    let mut buf = [0u8; 4096];
    let n = sock.recv(&mut buf).ok()?;
    Some(String::from_utf8_lossy(&buf[..n]).into_owned())
}

fn wait_notification(sock: &UnixDatagram, want: &str, secs: u64) -> String {
    let end = Instant::now() + Duration::from_secs(secs);
    let mut seen = Vec::new();
    while Instant::now() < end {
        if let Some(m) = next_notification(sock, Duration::from_millis(200)) {
            if m.lines().any(|l| l == want) {
                return m;
            }
            seen.push(m);
        }
    }
    panic!("no {want} on NOTIFY_SOCKET within {secs} s; got {seen:?}");
}

fn scrape(ns: &str) -> String {
    let addr = "127.0.0.1:9650".parse().unwrap();
    let (code, body) =
        vrrp_linux::netns::run_in_netns(ns, || ha_daemon_kit::metrics::http_get(addr, "/metrics"))
            .unwrap()
            .unwrap();
    assert_eq!(code, 200, "{body}");
    body
}

fn wait_for(what: &str, secs: u64, mut f: impl FnMut() -> bool) {
    let end = Instant::now() + Duration::from_secs(secs);
    while Instant::now() < end {
        if f() {
            return;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    panic!("timed out waiting for: {what}");
}

fn has_line(text: &str, line: &str) -> bool {
    text.lines().any(|l| l == line)
}

#[test]
fn notify_socket_and_metrics_in_netns() {
    let what = "notify_socket_and_metrics_in_netns";
    if common::skip_netns_test(what, None, "network namespaces") {
        return;
    }
    let tag = std::process::id();
    let (a, b) = (format!("vops-a-{tag}"), format!("vops-b-{tag}"));
    let dir = std::env::temp_dir();
    let conf = dir.join(format!("vops-{tag}.conf"));
    let ctl = dir.join(format!("vops-{tag}.sock"));
    let notify = dir.join(format!("vops-{tag}.notify"));
    let _clean = common::Cleanup {
        netns: vec![a.clone(), b.clone()],
        paths: vec![conf.clone(), ctl.clone(), notify.clone()],
    };
    common::sh(&["ip", "netns", "add", &a]);
    common::sh(&["ip", "netns", "add", &b]);
    common::sh(&[
        "ip", "-n", &a, "link", "add", "v0", "type", "veth", "peer", "name", "v0", "netns", &b,
    ]);
    for (ns, ip) in [(&a, "10.91.0.1/24"), (&b, "10.91.0.2/24")] {
        common::sh(&["ip", "-n", ns, "addr", "add", ip, "dev", "v0"]);
        common::sh(&["ip", "-n", ns, "link", "set", "v0", "up"]);
        common::sh(&["ip", "-n", ns, "link", "set", "lo", "up"]);
    }
    std::fs::write(
        &conf,
        "vrrp_instance VI_1 {\n  state BACKUP\n  interface v0\n  virtual_router_id 51\n  \
         priority 100\n  version 3\n  advert_int 0.5\n  virtual_ipaddress {\n    10.91.0.100/24\n  }\n}\n",
    )
    .unwrap();
    let _ = std::fs::remove_file(&notify);
    let nsock = UnixDatagram::bind(&notify).unwrap();
    let mut kid = common::Kid(
        Command::new("ip")
            .args(["netns", "exec", &a])
            .arg(env!("CARGO_BIN_EXE_vrrpd"))
            .arg("-f")
            .arg(&conf)
            .arg("--socket")
            .arg(&ctl)
            .args(["--metrics-listen", "127.0.0.1:9650"])
            .env("NOTIFY_SOCKET", &notify)
            .stdout(Stdio::null())
            .spawn()
            .unwrap(),
    );

    // READY=1 only once the instance is installed: the status already lists it.
    let ready = wait_notification(&nsock, "READY=1", 20);
    assert!(ready.contains("STATUS=running 1 instance(s)"), "{ready}");
    let st = common::netns::status_at(&ctl).unwrap();
    assert_eq!(st["instances"].as_array().map(Vec::len), Some(1), "{st}");
    assert_eq!(st["instances"][0]["state"], "BACKUP", "{st}");

    // Alone on the link it becomes Master (Master_Down_Interval ~1.8 s).
    wait_for("MASTER in the metrics", 10, || {
        has_line(
            &scrape(&a),
            r#"vrrpd_instance_state{instance="VI_1",state="MASTER"} 1"#,
        )
    });
    // A bad packet from the other namespace: valid VRID 51 advert with TTL 64.
    common::sh(&["ip", "-n", &b, "route", "add", "224.0.0.0/4", "dev", "v0"]);
    let sender = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../tests-netns/vrrp-send.py"
    );
    common::sh(&[
        "ip",
        "netns",
        "exec",
        &b,
        "python3",
        sender,
        "10.91.0.2",
        "224.0.0.18",
        "ttl",
        "3",
    ]);
    wait_for("3 bad_ttl drops", 5, || {
        has_line(
            &scrape(&a),
            r#"vrrpd_instance_dropped_adverts_total{instance="VI_1",reason="bad_ttl"} 3"#,
        )
    });
    let m = scrape(&a);
    for line in [
        r#"vrrpd_instance_state{instance="VI_1",state="BACKUP"} 0"#,
        r#"vrrpd_instance_priority{instance="VI_1"} 100"#,
        r#"vrrpd_instance_base_priority{instance="VI_1"} 100"#,
        r#"vrrpd_instance_info{instance="VI_1",vrid="51",interface="v0",family="ipv4",version="3",master_address="10.91.0.1",sync_group=""} 1"#,
        r#"vrrpd_instance_transitions_total{instance="VI_1",from="BACKUP",to="MASTER"} 1"#,
        r#"vrrpd_instance_master_transitions_total{instance="VI_1"} 1"#,
        r#"vrrpd_instance_ip_ttl_errors_total{instance="VI_1"} 3"#,
        r#"vrrpd_instance_dropped_adverts_total{instance="VI_1",reason="bad_checksum"} 0"#,
    ] {
        assert!(has_line(&m, line), "missing {line}\n{m}");
    }
    // Same numbers as `vrrpd status`.
    let st = common::netns::status_at(&ctl).unwrap();
    let i = &st["instances"][0];
    assert_eq!(i["state"], "MASTER");
    assert_eq!(i["drops"]["bad_ttl"], 3, "{st}");
    let sent = i["counters"]["sent_advertisements"].as_u64().unwrap();
    assert!(sent >= 1, "{st}");
    let sent_line = m
        .lines()
        .find(|l| l.starts_with(r#"vrrpd_instance_sent_advertisements_total{instance="VI_1"} "#))
        .unwrap();
    let scraped: u64 = sent_line.rsplit(' ').next().unwrap().parse().unwrap();
    assert!(
        scraped >= 1 && scraped <= sent,
        "{scraped} vs status {sent}"
    );
    // Anything but /metrics is 404.
    let (code, _) = vrrp_linux::netns::run_in_netns(&a, || {
        ha_daemon_kit::metrics::http_get("127.0.0.1:9650".parse().unwrap(), "/")
    })
    .unwrap()
    .unwrap();
    assert_eq!(code, 404);

    // SIGHUP: RELOADING=1 with MONOTONIC_USEC, then READY=1 again.
    let pid = kid.0.id();
    // `ip netns exec` execs vrrpd, so the child's pid is vrrpd's.
    common::sh(&["kill", "-HUP", &pid.to_string()]);
    let r = wait_notification(&nsock, "RELOADING=1", 10);
    assert!(r.lines().any(|l| l.starts_with("MONOTONIC_USEC=")), "{r}");
    wait_notification(&nsock, "READY=1", 10);

    // SIGTERM: STOPPING=1, then a clean exit.
    common::sh(&["kill", "-TERM", &pid.to_string()]);
    wait_notification(&nsock, "STOPPING=1", 10);
    let end = Instant::now() + Duration::from_secs(10);
    let code = loop {
        if let Some(s) = kid.0.try_wait().unwrap() {
            break s;
        }
        assert!(Instant::now() < end, "vrrpd did not exit after SIGTERM");
        std::thread::sleep(Duration::from_millis(50));
    };
    assert!(code.success(), "{code:?}");
}
