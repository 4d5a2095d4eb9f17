use super::*;
use crate::pool::Verdict;
use ipvs_sys::testing::{Entry, InMemoryIpvs};
use ipvs_sys::{Destination, Request};
use std::sync::{Arc, Mutex};

/// ipvs-sys's in-memory IPVS, recording every change request; timeouts and
/// sync daemons are only recorded.
#[derive(Clone, Default)]
struct Fake {
    table: Arc<Mutex<InMemoryIpvs>>,
    log: Arc<Mutex<Vec<String>>>,
    timeouts: Arc<Mutex<Timeouts>>,
    /// Number of `execute_batch` calls (netlink round trips).
    applies: Arc<Mutex<usize>>,
}

impl Fake {
    fn take_log(&self) -> Vec<String> {
        std::mem::take(&mut *self.log.lock().unwrap())
    }
    fn dests(&self, port: u16) -> Vec<(String, i32)> {
        let t = self.table.lock().unwrap();
        t.entries()
            .iter()
            .find(|k| matches!(k.service.key, ServiceKey::Inet { port: p, .. } if p == port))
            .map(|k| {
                k.dests
                    .iter()
                    .map(|d| (d.addr.to_string(), d.weight))
                    .collect()
            })
            .unwrap_or_default()
    }
}

impl IpvsOps for Fake {
    fn services(&mut self) -> Result<Vec<Service>, ipvs_sys::Error> {
        self.table.lock().unwrap().services()
    }
    fn service(&mut self, s: &Service) -> Result<Option<Service>, ipvs_sys::Error> {
        self.table.lock().unwrap().service(s)
    }
    fn destinations(&mut self, s: &Service) -> Result<Vec<Destination>, ipvs_sys::Error> {
        self.table.lock().unwrap().destinations(s)
    }
    fn execute_batch(
        &mut self,
        reqs: &[Request],
    ) -> Result<Vec<Result<(), ipvs_sys::Error>>, ipvs_sys::Error> {
        *self.applies.lock().unwrap() += 1;
        let mut log = self.log.lock().unwrap();
        log.extend(
            reqs.iter()
                .map(|r| Op::from_request(r).map_or_else(|| format!("{r:?}"), |op| op.to_string())),
        );
        self.table.lock().unwrap().execute_batch(reqs)
    }
    /// The same shared table.
    fn another_handle(&self) -> Result<Option<Box<dyn IpvsOps + Send>>, ipvs_sys::Error> {
        Ok(Some(Box::new(self.clone())))
    }
    fn flush(&mut self) -> Result<(), ipvs_sys::Error> {
        self.log.lock().unwrap().push("flush".into());
        self.table.lock().unwrap().flush()
    }
    fn timeouts(&mut self) -> Result<Timeouts, ipvs_sys::Error> {
        Ok(*self.timeouts.lock().unwrap())
    }
    fn set_timeouts(&mut self, t: &Timeouts) -> Result<(), ipvs_sys::Error> {
        *self.timeouts.lock().unwrap() = *t;
        Ok(())
    }
    fn daemons(&mut self) -> Result<Vec<SyncDaemon>, ipvs_sys::Error> {
        Ok(Vec::new())
    }
    fn new_daemon(&mut self, d: &SyncDaemon) -> Result<(), ipvs_sys::Error> {
        self.log
            .lock()
            .unwrap()
            .push(format!("start {:?} daemon", d.state));
        Ok(())
    }
    fn del_daemon(&mut self, d: &SyncDaemon) -> Result<(), ipvs_sys::Error> {
        self.log
            .lock()
            .unwrap()
            .push(format!("stop {:?} daemon", d.state));
        Ok(())
    }
}

fn desired(text: &str) -> Desired {
    let parsed = kc::parse_str("t.conf", text, &kc::LoadOptions::default());
    let m = map_config(&parsed.config);
    m.desired
}

// Checkers that never run during the test (first check after a day).
const SLOW: &str = "delay_loop 86400\n warmup 86400\n";

fn vs(port: u16, sched: &str, rs: &[(u8, u32)]) -> String {
    let mut s = format!(
        "virtual_server 10.1.0.1 {port} {{\n {SLOW} lvs_sched {sched}\n lvs_method NAT\n protocol TCP\n"
    );
    for (last, w) in rs {
        s += &format!(" real_server 10.2.0.{last} 80 {{\n weight {w}\n TCP_CHECK {{\n }}\n }}\n");
    }
    s + "}\n"
}

#[tokio::test]
async fn start_programs_everything_and_verdicts_remove_and_restore() {
    let fake = Fake::default();
    let (tx, _rx) = mpsc::unbounded_channel();
    let text = format!(
        "global_defs {{\n lvs_timeouts tcp 100\n}}\n{}",
        vs(80, "rr", &[(1, 1), (2, 2)])
    );
    let mut d = Daemon::start(fake.clone(), "t".into(), desired(&text), tx).unwrap();
    assert_eq!(
        fake.take_log(),
        [
            "add service TCP 10.1.0.1:80 rr",
            "add 10.2.0.1:80 w1 to TCP 10.1.0.1:80",
            "add 10.2.0.2:80 w2 to TCP 10.1.0.1:80"
        ]
    );
    assert_eq!(fake.timeouts.lock().unwrap().tcp, 100);
    d.on_report(Report {
        id: 1,
        verdict: Verdict::DOWN,
    });
    assert_eq!(
        fake.take_log(),
        ["delete 10.2.0.2:80 w2 from TCP 10.1.0.1:80"]
    );
    d.on_report(Report {
        id: 1,
        verdict: Verdict::DOWN,
    });
    assert!(fake.take_log().is_empty());
    d.on_report(Report {
        id: 1,
        verdict: Verdict::UP,
    });
    assert_eq!(fake.take_log(), ["add 10.2.0.2:80 w2 to TCP 10.1.0.1:80"]);
    let js: serde_json::Value = serde_json::from_str(&d.status_json()).unwrap();
    assert_eq!(js["virtual_servers"][0]["real_servers"][1]["alive"], true);
    assert_eq!(
        js["virtual_servers"][0]["services"][0]["destinations"]
            .as_array()
            .unwrap()
            .len(),
        2
    );
    d.shutdown(false).await;
    assert_eq!(fake.take_log(), ["delete service TCP 10.1.0.1:80"]);
    assert_eq!(
        fake.timeouts.lock().unwrap().tcp,
        0,
        "original timeouts restored"
    );
}

#[tokio::test]
async fn reload_touches_only_what_changed_and_keeps_verdicts_and_counters() {
    let fake = Fake::default();
    let (tx, _rx) = mpsc::unbounded_channel();
    let a = vs(80, "rr", &[(1, 1), (2, 1)]);
    let b = vs(81, "rr", &[(3, 1)]);
    let c = vs(82, "rr", &[(4, 1)]);
    let mut d =
        Daemon::start(fake.clone(), "t".into(), desired(&format!("{a}{b}{c}")), tx).unwrap();
    // 10.2.0.2 fails; traffic counters accumulate on service 80.
    d.on_report(Report {
        id: 1,
        verdict: Verdict::DOWN,
    });
    fake.table.lock().unwrap().entries_mut()[0]
        .service
        .stats
        .conns = 42;
    fake.take_log();
    // Reload: a's text moved (new line numbers), b's scheduler changed, c removed, e added.
    let b2 = vs(81, "wlc", &[(3, 1)]);
    let e = vs(83, "rr", &[(5, 1)]);
    d.reload(desired(&format!("# moved\n\n{b2}{a}{e}")));
    assert_eq!(
        fake.take_log(),
        [
            "delete service TCP 10.1.0.1:82",
            "edit service TCP 10.1.0.1:81 wlc",
            "add service TCP 10.1.0.1:83 rr",
            "add 10.2.0.5:80 w1 to TCP 10.1.0.1:83",
        ]
    );
    // The failed server stayed failed, the counters are untouched.
    assert_eq!(fake.dests(80), [("10.2.0.1".to_string(), 1)]);
    assert_eq!(
        fake.table.lock().unwrap().entries_mut()[0]
            .service
            .stats
            .conns,
        42
    );
    let js: serde_json::Value = serde_json::from_str(&d.status_json()).unwrap();
    assert_eq!(js["virtual_servers"][1]["id"], "TCP 10.1.0.1:80");
    assert_eq!(js["virtual_servers"][1]["real_servers"][1]["alive"], false);
    // Reports from the kept checker still reach the right server after the reorder.
    d.on_report(Report {
        id: 1,
        verdict: Verdict::UP,
    });
    assert_eq!(fake.take_log(), ["add 10.2.0.2:80 w1 to TCP 10.1.0.1:80"]);
    // A report from the removed virtual server's checker is ignored.
    d.on_report(Report {
        id: 3,
        verdict: Verdict::DOWN,
    });
    assert!(fake.take_log().is_empty());
}

#[tokio::test]
async fn foreign_services_survive_and_lvs_flush_flushes() {
    let fake = Fake::default();
    fake.table.lock().unwrap().entries_mut().push(Entry {
        service: Service::new(
            ServiceKey::Inet {
                protocol: ipvs_sys::Protocol::Udp,
                addr: "10.9.9.9".parse().unwrap(),
                port: 53,
            },
            "rr",
        ),
        dests: vec![],
    });
    let (tx, _rx) = mpsc::unbounded_channel();
    let d = Daemon::start(
        fake.clone(),
        "t".into(),
        desired(&vs(80, "rr", &[(1, 1)])),
        tx.clone(),
    )
    .unwrap();
    d.shutdown(false).await;
    assert_eq!(
        fake.table.lock().unwrap().entries().len(),
        1,
        "the foreign UDP service is left alone"
    );
    fake.take_log();
    let text = format!(
        "global_defs {{\n lvs_flush\n lvs_sync_daemon eth9\n}}\n{}",
        vs(80, "rr", &[])
    );
    let d = Daemon::start(fake.clone(), "t".into(), desired(&text), tx).unwrap();
    let log = fake.take_log();
    assert_eq!(
        log[..3],
        ["flush", "start Master daemon", "start Backup daemon"]
    );
    d.shutdown(true).await;
    assert_eq!(
        fake.take_log(),
        ["stop Master daemon", "stop Backup daemon"],
        "-I keeps the entries"
    );
}

#[tokio::test]
async fn rs_init_notifies_runs_notify_up_for_alive_servers_at_start() {
    let dir = std::env::temp_dir().join(format!("lvsd-init-notify-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let marker = |n: u8| dir.join(format!("up{n}"));
    let text = |init: &str| {
        format!(
            "global_defs {{\n {init}\n}}\nvirtual_server 10.1.0.1 80 {{\n {SLOW} lvs_sched rr\n lvs_method NAT\n protocol TCP\n\
             real_server 10.2.0.1 80 {{\n notify_up \"/usr/bin/touch {}\"\n TCP_CHECK {{\n }}\n }}\n\
             real_server 10.2.0.2 80 {{\n alpha\n notify_up \"/usr/bin/touch {}\"\n TCP_CHECK {{\n }}\n }}\n}}\n",
            marker(1).display(),
            marker(2).display()
        )
    };
    for (init, expect) in [("rs_init_notifies", true), ("", false)] {
        let _ = std::fs::remove_file(marker(1));
        let (tx, _rx) = mpsc::unbounded_channel();
        let mut d = Daemon::start(Fake::default(), "t".into(), desired(&text(init)), tx).unwrap();
        while d.scripts.join_next().await.is_some() {}
        assert_eq!(marker(1).exists(), expect, "{init:?}");
        assert!(
            !marker(2).exists(),
            "alpha server starts down: no up notify"
        );
    }
    let _ = std::fs::remove_dir_all(&dir);
}

/// A tiny SMTP listener: accepts `n` mails, answering every command; returns the
/// dialogue of each.
async fn smtp_sink(n: usize) -> (u16, tokio::task::JoinHandle<Vec<String>>) {
    use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
    let l = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = l.local_addr().unwrap().port();
    let h = tokio::spawn(async move {
        let mut mails = Vec::new();
        for _ in 0..n {
            let (s, _) = l.accept().await.unwrap();
            let mut s = BufReader::new(s);
            s.get_mut().write_all(b"220 sink\r\n").await.unwrap();
            let mut seen = String::new();
            let mut in_data = false;
            loop {
                let mut line = String::new();
                if s.read_line(&mut line).await.unwrap() == 0 {
                    break;
                }
                seen += &line;
                let reply: &[u8] = if in_data {
                    if line != ".\r\n" {
                        continue;
                    }
                    in_data = false;
                    b"250 queued\r\n"
                } else if line == "DATA\r\n" {
                    in_data = true;
                    b"354 go\r\n"
                } else if line == "QUIT\r\n" {
                    s.get_mut().write_all(b"221 bye\r\n").await.unwrap();
                    break;
                } else {
                    b"250 ok\r\n"
                };
                s.get_mut().write_all(reply).await.unwrap();
            }
            mails.push(seen);
        }
        mails
    });
    (port, h)
}

#[tokio::test]
async fn smtp_alerts_on_real_server_and_quorum_changes() {
    // keepalived 2.2.7 mails "Starting with quorum up" at start, then the changes.
    let (port, sink) = smtp_sink(3).await;
    let text = format!(
        "global_defs {{\n router_id lb1\n notification_email {{\n ops@example.com\n }}\n\
         notification_email_from ka@example.com\n smtp_server 127.0.0.1 {port}\n smtp_helo_name lb1.example\n smtp_alert\n}}\n{}",
        vs(80, "rr", &[(1, 1)])
    );
    let (tx, _rx) = mpsc::unbounded_channel();
    let mut d = Daemon::start(Fake::default(), "t".into(), desired(&text), tx).unwrap();
    d.on_report(Report {
        id: 0,
        verdict: Verdict::DOWN,
    });
    let mails = tokio::time::timeout(Duration::from_secs(10), sink)
        .await
        .unwrap()
        .unwrap();
    for m in &mails {
        assert!(
            m.starts_with("HELO lb1.example\r\nMAIL FROM:<ka@example.com>\r\nRCPT TO:<ops@example.com>\r\nDATA\r\n"),
            "{m}"
        );
    }
    let mut subjects: Vec<&str> = mails
        .iter()
        .filter_map(|m| m.lines().find(|l| l.starts_with("Subject: ")))
        .collect();
    subjects.sort(); // sent concurrently
    assert_eq!(
        subjects,
        [
            "Subject: [lb1] Realserver [10.2.0.1]:tcp:80 of virtual server [10.1.0.1]:tcp:80 - DOWN",
            "Subject: [lb1] Virtualserver [10.1.0.1]:tcp:80 - DOWN",
            "Subject: [lb1] Virtualserver [10.1.0.1]:tcp:80 - UP",
        ]
    );
    assert!(
        mails
            .iter()
            .any(|m| m.contains("=> Starting with quorum up 1+0=1 <= 1 <=")),
        "{mails:?}"
    );
    d.shutdown(true).await;
}

/// Reads what is waiting in the FIFO at `path` (lvsd keeps it open read-write,
/// so the written lines stay in the pipe until read).
fn drain_fifo(path: &std::path::Path) -> String {
    use std::os::unix::fs::OpenOptionsExt;
    let mut f = std::fs::OpenOptions::new()
        .read(true)
        .custom_flags(libc::O_NONBLOCK)
        .open(path)
        .unwrap();
    drain_open(&mut f)
}

#[tokio::test]
async fn notify_fifos_get_keepalived_rs_and_vs_lines() {
    let dir = std::env::temp_dir().join(format!("lvsd-fifo-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let all = dir.join("all.fifo");
    let lvs = dir.join("lvs.fifo");
    let text = format!(
        "global_defs {{\n notify_fifo {}\n lvs_notify_fifo {}\n rs_init_notifies\n}}\n{}",
        all.display(),
        lvs.display(),
        vs(80, "rr", &[(1, 1), (2, 2)])
    );
    let (tx, _rx) = mpsc::unbounded_channel();
    let mut d = Daemon::start(Fake::default(), "t".into(), desired(&text), tx).unwrap();
    // rs_init_notifies lines, then the initial quorum (keepalived 2.2.7 writes
    // `VS ... UP` at start, seen in the VM).
    let init = "RS [10.2.0.1]:tcp:80 [10.1.0.1]:tcp:80 UP\nRS [10.2.0.2]:tcp:80 [10.1.0.1]:tcp:80 UP\n\
                VS [10.1.0.1]:tcp:80 UP\n";
    assert_eq!(drain_fifo(&all), init);
    assert_eq!(drain_fifo(&lvs), init);
    for id in [1, 0] {
        d.on_report(Report {
            id,
            verdict: Verdict::DOWN,
        });
    }
    let down = "RS [10.2.0.2]:tcp:80 [10.1.0.1]:tcp:80 DOWN\n\
                RS [10.2.0.1]:tcp:80 [10.1.0.1]:tcp:80 DOWN\n\
                VS [10.1.0.1]:tcp:80 DOWN\n";
    assert_eq!(drain_fifo(&all), down);
    assert_eq!(drain_fifo(&lvs), down);
    d.on_report(Report {
        id: 0,
        verdict: Verdict::UP,
    });
    let up = "RS [10.2.0.1]:tcp:80 [10.1.0.1]:tcp:80 UP\nVS [10.1.0.1]:tcp:80 UP\n";
    assert_eq!(drain_fifo(&lvs), up);
    d.shutdown(false).await;
    assert!(!lvs.exists(), "the FIFO lvsd created is removed at exit");
    let _ = std::fs::remove_dir_all(&dir);
}

/// A loopback TCP listener counting its accepts.
async fn counting_listener() -> (u16, Arc<std::sync::atomic::AtomicUsize>) {
    let l = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = l.local_addr().unwrap().port();
    let accepts = Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let counter = accepts.clone();
    tokio::spawn(async move {
        while let Ok((s, _)) = l.accept().await {
            counter.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
            drop(s);
        }
    });
    (port, accepts)
}

#[tokio::test]
async fn ha_suspend_stops_checks_while_the_vip_is_absent_and_resumes_when_it_appears() {
    use std::sync::atomic::Ordering::SeqCst;
    // Backend `a` serves the ha_suspend virtual server, `b` the other one.
    let (pa, a) = counting_listener().await;
    let (pb, b) = counting_listener().await;
    let text = format!(
        "virtual_server 10.1.0.1 80 {{\n ha_suspend\n delay_loop 1\n lvs_sched rr\n lvs_method NAT\n protocol TCP\n\
         real_server 127.0.0.1 {pa} {{\n TCP_CHECK {{\n connect_timeout 1\n }}\n }}\n}}\n\
         virtual_server 10.1.0.2 80 {{\n delay_loop 1\n lvs_sched rr\n lvs_method NAT\n protocol TCP\n\
         real_server 127.0.0.1 {pb} {{\n TCP_CHECK {{\n connect_timeout 1\n }}\n }}\n}}\n"
    );
    let fake = Fake::default();
    let (tx, mut rx) = mpsc::unbounded_channel();
    let mut d = Daemon::start(fake.clone(), "t".into(), desired(&text), tx).unwrap();
    // The VIP 10.1.0.1 is not local (the checker tasks have not run yet).
    d.set_local_addresses(["10.9.9.9".parse().unwrap()].into());
    // As keepalived: the real server is programmed at start (not alpha) and stays.
    assert!(
        fake.take_log()
            .contains(&format!("add 127.0.0.1:{pa} w1 to TCP 10.1.0.1:80"))
    );
    // Only the other virtual server's checker (id 1) reports.
    let r = tokio::time::timeout(Duration::from_secs(5), rx.recv())
        .await
        .unwrap()
        .unwrap();
    assert_eq!((r.id, r.verdict.up), (1, true));
    tokio::time::sleep(Duration::from_millis(1500)).await;
    assert!(b.load(SeqCst) >= 2, "the other checker runs");
    assert_eq!(a.load(SeqCst), 0, "no check connection while suspended");
    assert!(rx.try_recv().is_err(), "no report while suspended");
    // Suspended: the entry is untouched (no delete, no weight change).
    assert!(fake.take_log().is_empty());
    // The VIP appears: checks resume at once.
    d.address_event("10.1.0.1".parse().unwrap(), true);
    let r = tokio::time::timeout(Duration::from_secs(5), rx.recv())
        .await
        .unwrap()
        .unwrap();
    assert_eq!((r.id, r.verdict.up), (0, true));
    assert_eq!(a.load(SeqCst), 1);
    // Removed again: suspended again (the check in flight may finish).
    d.address_event("10.1.0.1".parse().unwrap(), false);
    tokio::time::sleep(Duration::from_millis(100)).await;
    let before = a.load(SeqCst);
    tokio::time::sleep(Duration::from_millis(2200)).await;
    assert_eq!(a.load(SeqCst), before, "suspended again");
    d.shutdown(false).await;
}

#[tokio::test]
async fn verdicts_arriving_together_are_synced_in_one_batch() {
    let fake = Fake::default();
    let (tx, _rx) = mpsc::unbounded_channel();
    let alpha =
        |port| vs(port, "rr", &[(1, 1), (2, 1)]).replace(" lvs_sched", " alpha\n lvs_sched");
    let mut d = Daemon::start(
        fake.clone(),
        "t".into(),
        desired(&format!("{}{}", alpha(80), alpha(81))),
        tx,
    )
    .unwrap();
    assert_eq!(
        fake.take_log(),
        [
            "add service TCP 10.1.0.1:80 rr",
            "add service TCP 10.1.0.1:81 rr"
        ]
    );
    let calls = *fake.applies.lock().unwrap();
    let r = |id, verdict| Report { id, verdict };
    // Checker 1 passes then fails within the batch: its server stays out.
    d.on_reports([
        r(0, Verdict::UP),
        r(1, Verdict::UP),
        r(2, Verdict::UP),
        r(3, Verdict::UP),
        r(1, Verdict::DOWN),
    ]);
    assert_eq!(*fake.applies.lock().unwrap(), calls + 1, "one round trip");
    assert_eq!(
        fake.take_log(),
        [
            "add 10.2.0.1:80 w1 to TCP 10.1.0.1:80",
            "add 10.2.0.1:80 w1 to TCP 10.1.0.1:81",
            "add 10.2.0.2:80 w1 to TCP 10.1.0.1:81",
        ]
    );
    assert_eq!(fake.dests(80), [("10.2.0.1".to_string(), 1)]);
    // Nothing changed: no round trip at all.
    d.on_reports([r(0, Verdict::UP)]);
    assert_eq!(*fake.applies.lock().unwrap(), calls + 1);
}

/// A private directory for scripts (root-owned 0755 when run as root, so
/// `enable_script_security` accepts scripts in it) with a recording script
/// `rec.sh` that appends `ARGS uid=UID` to `log` in the world-writable `out/`.
struct ScriptDir {
    dir: std::path::PathBuf,
}

impl ScriptDir {
    fn new(tag: &str) -> Self {
        use std::os::unix::fs::PermissionsExt;
        let dir = std::env::temp_dir().join(format!("lvsd-{tag}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(dir.join("out")).unwrap();
        std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o755)).unwrap();
        std::fs::set_permissions(dir.join("out"), std::fs::Permissions::from_mode(0o777)).unwrap();
        // The log exists before any script runs, writable by all: scripts run
        // as root and as nobody append to it in whichever order they start.
        std::fs::write(dir.join("out/log"), "").unwrap();
        std::fs::set_permissions(dir.join("out/log"), std::fs::Permissions::from_mode(0o666))
            .unwrap();
        let rec = dir.join("rec.sh");
        std::fs::write(
            &rec,
            format!(
                "#!/bin/sh\necho \"$* uid=$(id -u)\" >> {}\n",
                dir.join("out/log").display()
            ),
        )
        .unwrap();
        std::fs::set_permissions(&rec, std::fs::Permissions::from_mode(0o755)).unwrap();
        ScriptDir { dir }
    }
    fn rec(&self) -> String {
        self.dir.join("rec.sh").display().to_string()
    }
    fn log(&self) -> Vec<String> {
        std::fs::read_to_string(self.dir.join("out/log"))
            .unwrap_or_default()
            .lines()
            .map(String::from)
            .collect()
    }
    /// Waits up to 5 s for `n` log lines.
    async fn wait_log(&self, n: usize) -> Vec<String> {
        for _ in 0..100 {
            if self.log().len() >= n {
                break;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        self.log()
    }
}

impl Drop for ScriptDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// Reads what is in the FIFO open as `f` (non-blocking).
fn drain_open(f: &mut std::fs::File) -> String {
    use std::io::Read;
    let mut buf = [0u8; 4096];
    let mut out = Vec::new();
    loop {
        match f.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => out.extend_from_slice(&buf[..n]),
            Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => break,
            Err(e) => panic!("read fifo: {e}"),
        }
    }
    String::from_utf8(out).unwrap()
}

/// keepalived 2.2.7 at SIGTERM, as seen in the VM (tests-vm-lvsd and the
/// notes in notify.rs): with `omega`, `notify_down` and `RS ... DOWN` for each
/// alive real server, then `quorum_down` and `VS ... DOWN`; without `omega`,
/// nothing; with `-I` (entries kept), nothing.
#[tokio::test]
async fn shutdown_tells_fifo_and_scripts_only_with_omega() {
    use std::os::unix::fs::OpenOptionsExt;
    let sd = ScriptDir::new("stop");
    let fifo = sd.dir.join("lvs.fifo");
    let rec = sd.rec();
    let vs = |ip: &str, omega: &str, tag: &str| {
        format!(
            "virtual_server {ip} 80 {{\n {SLOW} lvs_sched rr\n lvs_method NAT\n protocol TCP\n {omega}\n\
             quorum_down \"{rec} qdown {tag}\"\n\
             real_server 10.2.0.1 80 {{\n notify_down \"{rec} down {tag} 1\"\n TCP_CHECK {{\n }}\n }}\n\
             real_server 10.2.0.2 80 {{\n weight 2\n notify_down \"{rec} down {tag} 2\"\n TCP_CHECK {{\n }}\n }}\n}}\n"
        )
    };
    let text = format!(
        "global_defs {{\n lvs_notify_fifo {}\n}}\n{}{}",
        fifo.display(),
        vs("10.1.0.1", "omega", "omega"),
        vs("10.1.0.2", "", "plain")
    );
    for keep in [false, true] {
        let fake = Fake::default();
        let (tx, _rx) = mpsc::unbounded_channel();
        let d = Daemon::start(fake.clone(), "t".into(), desired(&text), tx).unwrap();
        let mut reader = std::fs::OpenOptions::new()
            .read(true)
            .custom_flags(libc::O_NONBLOCK)
            .open(&fifo)
            .unwrap();
        assert_eq!(
            drain_open(&mut reader),
            "VS [10.1.0.1]:tcp:80 UP\nVS [10.1.0.2]:tcp:80 UP\n",
            "start"
        );
        d.shutdown(keep).await;
        let uid = keepalived_runtime::RunAs::current().uid;
        if keep {
            assert_eq!(drain_open(&mut reader), "", "-I: nothing at shutdown");
            assert_eq!(sd.log(), Vec::<String>::new());
            assert_eq!(fake.dests(80).len(), 2, "-I keeps the entries");
            continue;
        }
        assert_eq!(
            drain_open(&mut reader),
            "RS [10.2.0.1]:tcp:80 [10.1.0.1]:tcp:80 DOWN\n\
             RS [10.2.0.2]:tcp:80 [10.1.0.1]:tcp:80 DOWN\n\
             VS [10.1.0.1]:tcp:80 DOWN\n",
            "omega lines only, after the entries"
        );
        let mut log = sd.wait_log(3).await;
        log.sort(); // the scripts run concurrently
        assert_eq!(
            log,
            [
                format!("down omega 1 uid={uid}"),
                format!("down omega 2 uid={uid}"),
                format!("qdown omega uid={uid}"),
            ]
        );
        assert!(fake.dests(80).is_empty(), "entries removed");
        let _ = std::fs::remove_file(sd.dir.join("out/log"));
    }
}

/// `lvs_notify_fifo_script` runs as `script_user` (keepalived notify.c
/// `notify_fifo_open` with the default script user), and with
/// `enable_script_security` a script non-root users can change is refused
/// while the FIFO still opens.
#[tokio::test]
async fn fifo_script_runs_as_script_user_and_insecure_one_is_refused() {
    let Some(nobody) = crate::script_policy::nobody_as_root("fifo_script_runs_as_script_user")
    else {
        return;
    };
    let sd = ScriptDir::new("fifo-user");
    let fifo = sd.dir.join("lvs.fifo");
    let text = |extra: &str, script: &str| {
        format!(
            "global_defs {{\n {extra}\n lvs_notify_fifo {}\n lvs_notify_fifo_script \"{script} reader\"\n}}\n{}",
            fifo.display(),
            vs(80, "rr", &[(1, 1)])
        )
    };
    let (tx, _rx) = mpsc::unbounded_channel();
    let d = Daemon::start(
        Fake::default(),
        "t".into(),
        desired(&text("script_user nobody", &sd.rec())),
        tx,
    )
    .unwrap();
    let log = sd.wait_log(1).await;
    assert_eq!(
        log,
        [format!("reader {} uid={}", fifo.display(), nobody.uid)],
        "fifo script: FIFO path appended, run as script_user"
    );
    d.shutdown(true).await;
    // The same script in a world-writable directory, run as root, with
    // enable_script_security: refused; the FIFO still works.
    let _ = std::fs::remove_file(sd.dir.join("out/log"));
    let unsafe_script = sd.dir.join("out/rec.sh");
    std::fs::copy(sd.dir.join("rec.sh"), &unsafe_script).unwrap();
    let (tx, _rx) = mpsc::unbounded_channel();
    let d = Daemon::start(
        Fake::default(),
        "t".into(),
        desired(&text(
            "script_user root\n enable_script_security",
            &unsafe_script.display().to_string(),
        )),
        tx,
    )
    .unwrap();
    assert!(fifo.exists(), "the FIFO opens without its script");
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert_eq!(sd.log(), Vec::<String>::new(), "insecure script not run");
    d.shutdown(true).await;
    // Without enable_script_security it runs (as root, with a warning).
    let (tx, _rx) = mpsc::unbounded_channel();
    let d = Daemon::start(
        Fake::default(),
        "t".into(),
        desired(&text(
            "script_user root",
            &unsafe_script.display().to_string(),
        )),
        tx,
    )
    .unwrap();
    assert_eq!(
        sd.wait_log(1).await,
        [format!("reader {} uid=0", fifo.display())]
    );
    d.shutdown(true).await;
}

/// SIGTERM stops a running `lvs_notify_fifo_script` before shutdown returns
/// (close() awaited: SIGTERM to its group, SIGKILL after the grace, reaped),
/// so no fifo script outlives lvsd.
#[tokio::test]
async fn shutdown_stops_the_fifo_script() {
    use std::os::unix::fs::PermissionsExt;
    let sd = ScriptDir::new("fifo-stop");
    let fifo = sd.dir.join("lvs.fifo");
    let pid_file = sd.dir.join("out/pid");
    let script = sd.dir.join("reader.sh");
    std::fs::write(
        &script,
        format!(
            "#!/bin/sh\necho $$ > {}\nexec sleep 60\n",
            pid_file.display()
        ),
    )
    .unwrap();
    std::fs::set_permissions(&script, std::fs::Permissions::from_mode(0o755)).unwrap();
    let text = format!(
        "global_defs {{\n lvs_notify_fifo {}\n lvs_notify_fifo_script {}\n}}\n{}",
        fifo.display(),
        script.display(),
        vs(80, "rr", &[(1, 1)])
    );
    let (tx, _rx) = mpsc::unbounded_channel();
    let d = Daemon::start(Fake::default(), "t".into(), desired(&text), tx).unwrap();
    let mut pid = None;
    for _ in 0..100 {
        if let Some(p) = std::fs::read_to_string(&pid_file)
            .ok()
            .and_then(|t| t.trim().parse::<u32>().ok())
        {
            pid = Some(p);
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let pid = pid.expect("the fifo script started and wrote its pid");
    let proc_dir = std::path::PathBuf::from(format!("/proc/{pid}"));
    assert!(proc_dir.exists(), "fifo script running before shutdown");
    d.shutdown(false).await;
    assert!(
        !proc_dir.exists(),
        "fifo script {pid} still exists after shutdown returned"
    );
    assert!(!fifo.exists(), "the FIFO lvsd created is removed");
}

/// `notify_up SCRIPT USER` / `quorum_up SCRIPT USER GROUP` (keepalived.conf(5)
/// 2.2.7): a script's own user replaces `script_user`; an unknown one means
/// the script is not run.
#[tokio::test]
async fn notify_scripts_run_as_their_own_user() {
    let Some(nobody) = crate::script_policy::nobody_as_root("notify_scripts_run_as_their_own_user")
    else {
        return;
    };
    let sd = ScriptDir::new("notify-user");
    let rec = sd.rec();
    let text = format!(
        "global_defs {{\n script_user root\n rs_init_notifies\n}}\n\
         virtual_server 10.1.0.1 80 {{\n {SLOW} lvs_sched rr\n lvs_method NAT\n protocol TCP\n\
         quorum_up \"{rec} qup\"\n\
         real_server 10.2.0.1 80 {{\n notify_up \"{rec} up1\" nobody\n TCP_CHECK {{\n }}\n }}\n\
         real_server 10.2.0.2 80 {{\n notify_up \"{rec} up2\" no-such-user-lvsd\n TCP_CHECK {{\n }}\n }}\n}}\n"
    );
    let (tx, _rx) = mpsc::unbounded_channel();
    let mut d = Daemon::start(Fake::default(), "t".into(), desired(&text), tx).unwrap();
    while d.scripts.join_next().await.is_some() {}
    let mut log = sd.log();
    log.sort();
    assert_eq!(
        log,
        ["qup uid=0".to_string(), format!("up1 uid={}", nobody.uid)],
        "quorum_up as script_user, notify_up as its own user, unknown user not run"
    );
    d.shutdown(true).await;
}

/// A backend that sends a status line, then one byte every 500 ms for 40 s:
/// each read ends well within any `connect_timeout`, the answer never does.
async fn dripping_listener() -> u16 {
    use tokio::io::AsyncWriteExt as _;
    let l = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = l.local_addr().unwrap().port();
    tokio::spawn(async move {
        while let Ok((mut s, _)) = l.accept().await {
            tokio::spawn(async move {
                let end = tokio::time::Instant::now() + Duration::from_secs(40);
                if s.write_all(b"HTTP/1.1 200 OK\r\n").await.is_err() {
                    return;
                }
                while tokio::time::Instant::now() < end {
                    tokio::time::sleep(Duration::from_millis(500)).await;
                    if s.write_all(b"x").await.is_err() {
                        return;
                    }
                }
            });
        }
    });
    port
}

/// 256 HTTP_GET checkers of virtual server A on dripping backends no longer
/// starve virtual server B: B's 8 dead servers go down within their bound
/// (first check within its 1 s warmup, refused at once), and A's dripping
/// checks fail at their deadline (connect_timeout 2 s covers the whole
/// check). Before checks had a deadline, A's checks held all 256 permits for
/// as long as the backends dripped, and B's servers were never checked.
#[tokio::test]
async fn dripping_backends_of_one_virtual_server_do_not_starve_another() {
    keepalived_runtime::fd_limit::raise_nofile_limit().unwrap();
    let drip = dripping_listener().await;
    let closed = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap().port()
    };
    let http = |port: u16, timeout: u32, retry: u32| {
        format!(
            "HTTP_GET {{\n url {{\n path /\n status_code 200\n }}\n connect_port {port}\n \
             connect_timeout {timeout}\n retry {retry}\n delay_before_retry 1\n }}\n"
        )
    };
    let mut text =
        "virtual_server 10.1.0.1 80 {\n delay_loop 3\n warmup 0\n lvs_sched rr\n lvs_method NAT\n protocol TCP\n"
            .to_string();
    for i in 0..256u16 {
        text += &format!(
            " real_server 127.0.0.1 {} {{\n {}}}\n",
            10000 + i,
            http(drip, 2, 0)
        );
    }
    // B's first checks come after A's are all in flight.
    text += "}\nvirtual_server 10.1.0.2 80 {\n delay_loop 2\n warmup 1\n lvs_sched rr\n lvs_method NAT\n protocol TCP\n";
    for i in 0..8u16 {
        text += &format!(
            " real_server 127.0.0.1 {} {{\n {}}}\n",
            20000 + i,
            http(closed, 1, 1)
        );
    }
    text += "}\n";
    let (tx, mut rx) = mpsc::unbounded_channel();
    let d = Daemon::start(Fake::default(), "t".into(), desired(&text), tx).unwrap();
    let t0 = tokio::time::Instant::now();
    // Checker ids follow the configuration: A's are 0..256, B's 256..264.
    let (mut a_down, mut b_down) = (
        std::collections::BTreeSet::new(),
        std::collections::BTreeSet::new(),
    );
    let (mut b_done, mut a_done) = (None, None);
    let end = t0 + Duration::from_secs(25);
    while (a_done.is_none() || b_done.is_none()) && tokio::time::Instant::now() < end {
        let Ok(Some(r)) = tokio::time::timeout_at(end, rx.recv()).await else {
            break;
        };
        if r.verdict.up {
            continue;
        }
        if r.id < 256 {
            a_down.insert(r.id);
        } else {
            b_down.insert(r.id);
        }
        if a_down.len() == 256 && a_done.is_none() {
            a_done = Some(t0.elapsed());
        }
        if b_down.len() == 8 && b_done.is_none() {
            b_done = Some(t0.elapsed());
        }
    }
    eprintln!(
        "B's 8 dead servers down after {b_done:?} ({} of 8); A's 256 dripping ones failed after {a_done:?} ({} of 256)",
        b_down.len(),
        a_down.len()
    );
    let b =
        b_done.unwrap_or_else(|| panic!("B: only {} of 8 dead servers went down", b_down.len()));
    assert!(
        b <= Duration::from_secs(8),
        "B's dead servers went down after {b:?}"
    );
    let a =
        a_done.unwrap_or_else(|| panic!("A: only {} of 256 dripping checks failed", a_down.len()));
    assert!(
        a <= Duration::from_secs(20),
        "A's dripping checks failed after {a:?}"
    );
    d.shutdown(false).await;
}

fn bfd_up(name: &str) -> bfd_net::BfdEvent {
    bfd_net::BfdEvent::Up { name: name.into() }
}

fn bfd_down(name: &str) -> bfd_net::BfdEvent {
    bfd_net::BfdEvent::Down {
        name: name.into(),
        diagnostic: bfd_net::Diagnostic::ControlDetectionTimeExpired,
    }
}

/// A virtual server on port 80 whose real servers follow BFD sessions: `rs`
/// holds (last address byte, real server options, BFD_CHECK body).
fn bfd_conf(rs: &[(u8, &str, &str)]) -> String {
    let mut s = String::from(
        "bfd_instance b1 {\n neighbor_ip 10.9.0.2\n}\nbfd_instance b2 {\n neighbor_ip 10.9.0.3\n}\n\
         virtual_server 10.1.0.1 80 {\n lvs_sched rr\n lvs_method NAT\n protocol TCP\n",
    );
    for (last, opts, check) in rs {
        s += &format!(
            " real_server 10.2.0.{last} 80 {{\n weight 2\n {opts}\n BFD_CHECK {{\n {check}\n }}\n }}\n"
        );
    }
    s + "}\n"
}

#[tokio::test]
async fn bfd_down_removes_the_real_server_and_up_brings_it_back() {
    let fake = Fake::default();
    let (tx, _rx) = mpsc::unbounded_channel();
    let text = bfd_conf(&[(1, "", "name b1"), (2, "", "name b2"), (3, "", "name b1")]);
    let mut d = Daemon::start(fake.clone(), "t".into(), desired(&text), tx).unwrap();
    // Without alpha the servers start alive (the Down of the sessions'
    // start state comes with `sync_bfd`, which needs sockets: see
    // tests/bfd_check_netns.rs).
    assert_eq!(
        fake.take_log(),
        [
            "add service TCP 10.1.0.1:80 rr",
            "add 10.2.0.1:80 w2 to TCP 10.1.0.1:80",
            "add 10.2.0.2:80 w2 to TCP 10.1.0.1:80",
            "add 10.2.0.3:80 w2 to TCP 10.1.0.1:80"
        ]
    );
    // Up on an alive server changes nothing.
    d.on_bfd_event(&bfd_up("b1"));
    assert!(fake.take_log().is_empty());
    // b1 fails: both servers following it go, b2's stays.
    d.on_bfd_event(&bfd_down("b1"));
    assert_eq!(
        fake.take_log(),
        [
            "delete 10.2.0.1:80 w2 from TCP 10.1.0.1:80",
            "delete 10.2.0.3:80 w2 from TCP 10.1.0.1:80"
        ]
    );
    assert_eq!(fake.dests(80), [("10.2.0.2".to_string(), 2)]);
    // A repeated Down and another session's Up change nothing.
    d.on_bfd_event(&bfd_down("b1"));
    d.on_bfd_event(&bfd_up("b2"));
    d.on_bfd_event(&bfd_up("unknown"));
    assert!(fake.take_log().is_empty());
    let js: serde_json::Value = serde_json::from_str(&d.status_json()).unwrap();
    let c = &js["virtual_servers"][0]["real_servers"][0]["checkers"][0];
    assert_eq!(c["type"], "BFD_CHECK");
    assert_eq!(c["up"], false);
    // Back Up: both return with their weights.
    d.on_bfd_event(&bfd_up("b1"));
    assert_eq!(
        fake.take_log(),
        [
            "add 10.2.0.1:80 w2 to TCP 10.1.0.1:80",
            "add 10.2.0.3:80 w2 to TCP 10.1.0.1:80"
        ]
    );
    d.shutdown(false).await;
}

#[tokio::test]
async fn bfd_check_with_alpha_starts_out_until_the_session_comes_up() {
    let fake = Fake::default();
    let (tx, _rx) = mpsc::unbounded_channel();
    let text = bfd_conf(&[
        (1, "", "name b1\n alpha"),
        (2, "inhibit_on_failure", "name b1\n alpha"),
    ]);
    let mut d = Daemon::start(fake.clone(), "t".into(), desired(&text), tx).unwrap();
    // alpha: the first out, the inhibited one in at weight 0.
    assert_eq!(
        fake.take_log(),
        [
            "add service TCP 10.1.0.1:80 rr",
            "add 10.2.0.2:80 w0 to TCP 10.1.0.1:80"
        ]
    );
    d.on_bfd_event(&bfd_up("b1"));
    assert_eq!(
        fake.take_log(),
        [
            "add 10.2.0.1:80 w2 to TCP 10.1.0.1:80",
            "edit 10.2.0.2:80 w2 in TCP 10.1.0.1:80"
        ]
    );
    d.on_bfd_event(&bfd_down("b1"));
    assert_eq!(
        fake.take_log(),
        [
            "delete 10.2.0.1:80 w2 from TCP 10.1.0.1:80",
            "edit 10.2.0.2:80 w0 in TCP 10.1.0.1:80"
        ]
    );
    d.shutdown(false).await;
}

#[tokio::test]
async fn bfd_verdicts_run_notify_scripts_and_quorum_and_survive_a_reload() {
    let dir = std::env::temp_dir().join(format!("lvsd-bfd-notify-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let down = dir.join("down");
    let qdown = dir.join("quorum_down");
    let text = bfd_conf(&[(
        1,
        &format!("notify_down \"/usr/bin/touch {}\"", down.display()),
        "name b1",
    )])
    .replace(
        " protocol TCP\n",
        &format!(
            " protocol TCP\n quorum_down \"/usr/bin/touch {}\"\n",
            qdown.display()
        ),
    );
    let fake = Fake::default();
    let (tx, _rx) = mpsc::unbounded_channel();
    let mut d = Daemon::start(fake.clone(), "t".into(), desired(&text), tx).unwrap();
    fake.take_log();
    d.on_bfd_event(&bfd_down("b1"));
    while d.scripts.join_next().await.is_some() {}
    assert!(down.exists(), "notify_down ran");
    assert!(qdown.exists(), "quorum_down ran (no weight left)");
    assert_eq!(
        fake.take_log(),
        ["delete 10.2.0.1:80 w2 from TCP 10.1.0.1:80"]
    );
    // A reload with the lines moved keeps the verdict (the server stays out)
    // and the checker still follows b1.
    d.reload(desired(&format!("# moved\n{text}")));
    assert!(fake.take_log().is_empty());
    d.on_bfd_event(&bfd_up("b1"));
    assert_eq!(fake.take_log(), ["add 10.2.0.1:80 w2 to TCP 10.1.0.1:80"]);
    d.shutdown(false).await;
    let _ = std::fs::remove_dir_all(&dir);
}

#[tokio::test]
async fn bfd_start_state_down_is_a_first_failure_with_and_without_alpha() {
    // keepalived's BFD process sends each session's state (Down) at start:
    // without alpha the server leaves with notify_down; with alpha it was out
    // already and still gets notify_down (ipwrapper.c
    // `update_svr_checker_state`: an alpha checker's first result notifies).
    let dir = std::env::temp_dir().join(format!("lvsd-bfd-start-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let down = |n: u8| dir.join(format!("down{n}"));
    let opt = |n: u8| format!("notify_down \"/usr/bin/touch {}\"", down(n).display());
    let text = bfd_conf(&[(1, &opt(1), "name b1"), (2, &opt(2), "name b1\n alpha")]);
    let fake = Fake::default();
    let (tx, _rx) = mpsc::unbounded_channel();
    let mut d = Daemon::start(fake.clone(), "t".into(), desired(&text), tx).unwrap();
    assert_eq!(
        fake.take_log(),
        [
            "add service TCP 10.1.0.1:80 rr",
            "add 10.2.0.1:80 w2 to TCP 10.1.0.1:80"
        ]
    );
    d.on_bfd_event(&bfd_down("b1"));
    while d.scripts.join_next().await.is_some() {}
    assert_eq!(
        fake.take_log(),
        ["delete 10.2.0.1:80 w2 from TCP 10.1.0.1:80"]
    );
    assert!(down(1).exists() && down(2).exists());
    // Once run, a repeated Down tells nothing more.
    std::fs::remove_file(down(2)).unwrap();
    d.on_bfd_event(&bfd_down("b1"));
    while d.scripts.join_next().await.is_some() {}
    assert!(!down(2).exists());
    d.shutdown(false).await;
    let _ = std::fs::remove_dir_all(&dir);
}

/// Each load logs what keepalived's checker process says about the default
/// script user while it reads the file: here "Error setting global script
/// uid/gid" for a `script_user` that does not resolve.
#[test]
fn load_logs_an_unknown_script_user() {
    let conf = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/data/misc-script-user-unknown.conf"
    );
    let dir = std::env::temp_dir().join(format!("lvsd-load-log-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let log = dir.join("log");
    let subscriber = tracing_subscriber::fmt()
        .with_ansi(false)
        .with_writer(Mutex::new(std::fs::File::create(&log).unwrap()))
        .finish();
    let (mapped, readable) =
        tracing::subscriber::with_default(subscriber, || load(std::path::Path::new(conf), None));
    let text = std::fs::read_to_string(&log).unwrap();
    let _ = std::fs::remove_dir_all(&dir);
    assert!(readable);
    let said = text
        .lines()
        .filter(|l| l.contains("WARN") && l.ends_with("Error setting global script uid/gid"))
        .count();
    assert_eq!(said, 1, "{text}");
    // The MISC_CHECK without its own user is removed, as keepalived removes it.
    let checkers: usize = mapped.desired.virtual_servers[0]
        .real_servers
        .iter()
        .map(|rs| rs.checkers.len())
        .sum();
    assert_eq!(checkers, 1, "{text}");
}

/// A load with a script file found and no `enable_script_security` logs
/// keepalived's checker summary once, at info, after the script's own line.
#[test]
fn load_logs_the_script_security_summary_once() {
    use std::os::unix::fs::PermissionsExt;
    let dir = std::env::temp_dir().join(format!("lvsd-load-summary-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let script = dir.join("noexec.sh");
    std::fs::write(&script, "#!/bin/sh\nexit 0\n").unwrap();
    std::fs::set_permissions(&script, std::fs::Permissions::from_mode(0o644)).unwrap();
    let conf = dir.join("c.conf");
    std::fs::write(
        &conf,
        format!(
            "virtual_server 10.1.0.1 80 {{\n lb_kind NAT\n protocol TCP\n\
             real_server 10.2.0.1 80 {{\n notify_up \"{}\"\n }}\n}}\n",
            script.display()
        ),
    )
    .unwrap();
    let log = dir.join("log");
    let subscriber = tracing_subscriber::fmt()
        .with_ansi(false)
        .with_writer(Mutex::new(std::fs::File::create(&log).unwrap()))
        .finish();
    let (mapped, _) = tracing::subscriber::with_default(subscriber, || load(&conf, None));
    let text = std::fs::read_to_string(&log).unwrap();
    let _ = std::fs::remove_dir_all(&dir);
    let summary: Vec<&str> = text
        .lines()
        .filter(|l| l.contains("SECURITY VIOLATION"))
        .collect();
    assert_eq!(summary.len(), 1, "{text}");
    assert!(summary[0].contains("INFO"), "{text}");
    assert!(
        summary[0].ends_with(
            "SECURITY VIOLATION - check scripts are being executed but script_security not enabled."
        ),
        "{text}"
    );
    let refused = text
        .lines()
        .position(|l| l.contains("is not executable for uid:gid"));
    let summary_at = text.lines().position(|l| l.contains("SECURITY VIOLATION"));
    assert!(refused.is_some() && refused < summary_at, "{text}");
    assert!(
        mapped.desired.virtual_servers[0].real_servers[0]
            .notify_up
            .is_none(),
        "{text}"
    );
}
