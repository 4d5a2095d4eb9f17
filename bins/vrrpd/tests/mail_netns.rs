//! keepalived 2.2.7 and this build's vrrpd side by side, each in its own
//! network namespace (root, `ip` and keepalived installed; else `SKIPPED:`):
//!
//! * e-mail alerts (`smtp_alert`): an SMTP sink in each namespace (this test
//!   binary re-run there, see [`smtp_sink`]) records the mails of both
//!   daemons on the same transitions (start, link down, link up, SIGTERM, a
//!   reload removing an instance; a sync group; `no_email_faults`;
//!   keepalived's defaults); dialogue, subjects, bodies and headers must be
//!   equal with the date removed.
//! * `dont_track_primary`, `unicast_fault_no_peer` (and a unicast keyword
//!   without peers), `dynamic_interfaces` (interface created after the start,
//!   deleted and created again): the lines a generic `notify` script writes
//!   and the VIPs must be equal after the same link changes.
//! * `default_interface`: `keepalived -t` and `vrrpd -t` both refuse an
//!   instance without `interface`, a unicast one too.
//!
//! Every namespace is named `nb-ml-...` and deleted on drop, also when a test
//! fails; every wait is bounded.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::shell as sh;

use common::netns::{Daemon, Lab, Running, skip_differential, wait_until};
use std::io::{BufRead, BufReader, Write};
use std::net::{TcpListener, TcpStream};

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// Environment variable that turns [`smtp_sink`] into the sink of a
/// namespace, writing mails into that directory.
const SINK_DIR: &str = "ML_SMTP_SINK_DIR";
/// Port of the sink in each namespace.
const SINK_PORT: u16 = 2525;
/// The sink gives up after this long.
const SINK_LIFETIME: Duration = Duration::from_secs(120);

/// Serves one SMTP client: records the dialogue into `out` and answers as
/// a server accepting everything.
fn serve(stream: TcpStream, out: &Path) {
    stream
        .set_read_timeout(Some(Duration::from_secs(10)))
        .unwrap();
    let mut w = stream.try_clone().unwrap();
    let mut r = BufReader::new(stream);
    let mut seen = String::new();
    let _ = w.write_all(b"220 ml-sink ESMTP\r\n");
    let mut line = String::new();
    // At most 1000 lines per connection.
    for _ in 0..1000 {
        line.clear();
        match r.read_line(&mut line) {
            Ok(0) | Err(_) => break,
            Ok(_) => {}
        }
        seen.push_str(&line);
        let upper = line.to_ascii_uppercase();
        let reply: &[u8] = if upper.starts_with("DATA") {
            b"354 go ahead\r\n"
        } else if upper.starts_with("QUIT") {
            let _ = w.write_all(b"221 bye\r\n");
            break;
        } else if seen.contains("354") {
            b""
        } else {
            b"250 ok\r\n"
        };
        if upper.starts_with("DATA") {
            seen.push_str("354\r\n");
            let _ = w.write_all(reply);
            // The message, up to the lone dot.
            for _ in 0..1000 {
                line.clear();
                match r.read_line(&mut line) {
                    Ok(0) | Err(_) => break,
                    Ok(_) => {}
                }
                seen.push_str(&line);
                if line == ".\r\n" {
                    break;
                }
            }
            let _ = w.write_all(b"250 queued\r\n");
            continue;
        }
        let _ = w.write_all(reply);
    }
    std::fs::write(out, seen).unwrap();
}

/// Runs the sink until [`SINK_LIFETIME`] when [`SINK_DIR`] is set (the test
/// re-runs itself in a namespace that way); otherwise checks the sink
/// against keepalived-runtime's SMTP client on an ephemeral port.
#[test]
fn smtp_sink() {
    if let Ok(dir) = std::env::var(SINK_DIR) {
        let l = TcpListener::bind(("127.0.0.1", SINK_PORT)).unwrap();
        std::fs::write(Path::new(&dir).join("ready"), "").unwrap();
        l.set_nonblocking(true).unwrap();
        let start = Instant::now();
        let mut n = 0;
        while start.elapsed() < SINK_LIFETIME && n < 200 {
            match l.accept() {
                Ok((s, _)) => {
                    s.set_nonblocking(false).unwrap();
                    n += 1;
                    let out = Path::new(&dir).join(format!("mail-{n:03}.txt"));
                    std::thread::spawn(move || serve(s, &out));
                }
                Err(_) => std::thread::sleep(Duration::from_millis(20)),
            }
        }
        return;
    }
    let l = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = l.local_addr().unwrap();
    let dir = std::env::temp_dir().join(format!("ml-sink-self-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let out = dir.join("m.txt");
    let o2 = out.clone();
    let h = std::thread::spawn(move || serve(l.accept().unwrap().0, &o2));
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let cfg = keepalived_runtime::smtp::SmtpConfig {
        server: addr,
        helo_name: "h".into(),
        from: "f@x".into(),
        to: vec!["t@x".into()],
        timeout: Duration::from_secs(5),
    };
    rt.block_on(keepalived_runtime::smtp::send(&cfg, "S", "B"))
        .unwrap();
    h.join().unwrap();
    let got = std::fs::read_to_string(&out).unwrap();
    let _ = std::fs::remove_dir_all(&dir);
    assert!(
        got.starts_with("HELO h\r\nMAIL FROM:<f@x>\r\nRCPT TO:<t@x>\r\nDATA\r\n354\r\n"),
        "{got}"
    );
    assert!(
        got.contains("Subject: S\r\n") && got.ends_with("B\r\n\r\n.\r\nQUIT\r\n"),
        "{got}"
    );
}

/// One daemon's namespace `nb-ml-...` with `eth0`, a veth to a peer
/// namespace (router 10.19.0.1, peer .2), both deleted on drop with the
/// directory (kept with `NB_LAB_KEEP` set).
struct Ns {
    name: String,
    peer: String,
    dir: PathBuf,
    // dropped (killed) before the lab deletes the namespaces
    kids: Vec<common::Kid>,
    daemons: Vec<Running>,
    lab: Lab,
}

impl Ns {
    fn new(name: String) -> Self {
        let mut lab = Lab::new(&name);
        let n = lab.add_ns(&name);
        let peer = lab.add_ns(&format!("{name}p"));
        std::fs::create_dir_all(lab.path("mail")).unwrap();
        Ns {
            name: n,
            peer,
            dir: lab.dir.clone(),
            kids: Vec::new(),
            daemons: Vec::new(),
            lab,
        }
    }

    /// Adds the veth `eth0`..`eth0` to the peer, up, with 10.19.0.1/.2.
    fn add_link(&self, ifname: &str) {
        let (n, p) = (&self.name, &self.peer);
        self.lab.veth(n, ifname, p, ifname);
        self.lab.addr(n, ifname, "10.19.0.1/24");
        self.lab.addr(p, ifname, "10.19.0.2/24");
    }

    fn link(&self, ifname: &str, up: bool) {
        sh(&format!(
            "ip -n {} link set {ifname} {}",
            self.name,
            if up { "up" } else { "down" }
        ));
    }

    fn has_address(&self, addr: &str) -> bool {
        sh(&format!("ip -n {} addr show", self.name)).contains(&format!(" {addr}/"))
    }

    /// Starts the SMTP sink in the namespace and waits until it listens.
    fn start_sink(&mut self) {
        let exe = std::env::current_exe().unwrap();
        let child = Command::new("ip")
            .args(["netns", "exec", &self.name])
            .arg(exe)
            .args(["--exact", "smtp_sink", "--nocapture", "--test-threads=1"])
            .env(SINK_DIR, self.dir.join("mail"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        self.kids.push(common::Kid(child));
        let ready = self.dir.join("mail/ready");
        wait_for("the SMTP sink", || ready.exists());
    }

    /// The notify script's path: it appends its arguments to `states`.
    fn notify_script(&self) -> PathBuf {
        self.lab.write_script(
            "notify.sh",
            &format!(
                "#!/bin/sh\necho \"$@\" >> {}\n",
                self.dir.join("states").display()
            ),
        )
    }

    fn states(&self) -> Vec<String> {
        std::fs::read_to_string(self.dir.join("states"))
            .unwrap_or_default()
            .lines()
            .map(String::from)
            .collect()
    }

    /// Starts keepalived (`vrrpd` false) or this build's vrrpd with `conf`.
    fn start(&mut self, conf: &str, vrrpd: bool) -> u32 {
        let path = self.lab.write_conf("keepalived", conf);
        let daemon = self
            .lab
            .start(&self.name, Daemon::of(vrrpd), &path, "daemon");
        let pid = daemon.pid().unwrap();
        self.daemons.push(daemon);
        pid
    }

    /// SIGTERM to the daemon started last; waits (bounded) for its exit.
    fn stop(&mut self) {
        if let Some(daemon) = self.daemons.last_mut() {
            daemon.stop();
        }
    }

    /// The recorded mails, the Date header removed, sorted (mails are sent
    /// concurrently: their order on the wire is not kept).
    fn mails(&self) -> Vec<String> {
        let mut v: Vec<String> = std::fs::read_dir(self.dir.join("mail"))
            .unwrap()
            .filter_map(|e| {
                let e = e.ok()?;
                let name = e.file_name().to_string_lossy().into_owned();
                if !name.starts_with("mail-") {
                    return None;
                }
                let text = std::fs::read_to_string(e.path()).ok()?;
                // keepalived's "Stopping" mails at SIGTERM: a connection
                // closed before any command.
                if text.is_empty() {
                    return None;
                }
                Some(
                    text.split("\r\n")
                        .filter(|l| !l.starts_with("Date: "))
                        .collect::<Vec<_>>()
                        .join("\r\n"),
                )
            })
            .collect();
        v.sort();
        v
    }
}

fn wait_for(what: &str, ok: impl FnMut() -> bool) {
    wait_until(Duration::from_secs(30), what, ok);
}

fn skip(what: &str) -> bool {
    skip_differential(what, &["keepalived", "ip"])
}

/// A keepalived namespace and a vrrpd namespace for test `tag`.
fn pair(tag: &str) -> (Ns, Ns) {
    let pid = std::process::id();
    (
        Ns::new(format!("nb-ml-{tag}k{pid}")),
        Ns::new(format!("nb-ml-{tag}o{pid}")),
    )
}

/// Waits until both have written `n` notify lines; returns them.
fn both_states(k: &Ns, o: &Ns, n: usize) -> (Vec<String>, Vec<String>) {
    wait_for(&format!("{n} notify lines from both"), || {
        k.states().len() >= n && o.states().len() >= n
    });
    // Lines that should not come must have had the time to.
    std::thread::sleep(Duration::from_secs(2));
    (k.states(), o.states())
}

fn mail_conf(global: &str) -> String {
    format!(
        "global_defs {{\n router_id ml-r1\n{global}\n notification_email {{\n  ops@example.com\n  noc@example.com\n }}\n \
     notification_email_from ka@example.com\n smtp_server 127.0.0.1 2525\n smtp_helo_name ml-helo\n \
     smtp_connect_timeout 5\n smtp_alert\n}}\n\
     vrrp_sync_group G {{\n group {{\n  VI_1\n  VI_2\n }}\n}}\n\
     vrrp_instance VI_1 {{\n state BACKUP\n interface eth0\n virtual_router_id 51\n priority 100\n advert_int 1\n \
     virtual_ipaddress {{\n  10.19.0.51\n }}\n}}\n\
     vrrp_instance VI_2 {{\n state BACKUP\n interface eth0\n virtual_router_id 52\n priority 100\n advert_int 1\n \
     smtp_alert false\n virtual_ipaddress {{\n  10.19.0.52\n }}\n}}\n"
    )
}

/// The same mails from keepalived and vrrpd: start (BACKUP, then MASTER),
/// eth0 down (FAULT), up (BACKUP, MASTER), SIGTERM.
#[test]
fn smtp_alerts_equal_keepalived() {
    if let Some(faults) = mail_sequence("m", "") {
        assert!(faults > 0, "keepalived mailed no FAULT");
    }
}

/// The same with `no_email_faults`: no FAULT mail from either.
#[test]
fn no_email_faults_equals_keepalived() {
    if let Some(faults) = mail_sequence("n", " no_email_faults") {
        assert_eq!(faults, 0);
    }
}

/// Runs the mail differential with `global` in global_defs; returns how
/// many FAULT mails keepalived sent (None when skipped).
fn mail_sequence(tag: &str, global: &str) -> Option<usize> {
    if skip("smtp_alert differential") {
        return None;
    }
    let (mut k, mut o) = pair(tag);
    for (ns, vrrpd) in [(&mut k, false), (&mut o, true)] {
        ns.add_link("eth0");
        ns.start_sink();
        ns.start(&mail_conf(global), vrrpd);
    }
    let count = |ns: &Ns| ns.mails().len();
    for ns in [&k, &o] {
        wait_for("Master", || ns.has_address("10.19.0.51"));
    }
    std::thread::sleep(Duration::from_secs(2));
    assert!(count(&k) > 0, "keepalived sent no mail");
    assert_eq!(o.mails(), k.mails(), "after start");
    for ns in [&k, &o] {
        ns.link("eth0", false);
    }
    std::thread::sleep(Duration::from_secs(3));
    assert_eq!(o.mails(), k.mails(), "after eth0 down");
    let kn = count(&k);
    for ns in [&k, &o] {
        ns.link("eth0", true);
    }
    for ns in [&k, &o] {
        wait_for("Master again", || ns.has_address("10.19.0.51"));
    }
    std::thread::sleep(Duration::from_secs(2));
    assert!(count(&k) > kn, "keepalived sent no mail on recovery");
    assert_eq!(o.mails(), k.mails(), "after eth0 up");
    k.stop();
    o.stop();
    std::thread::sleep(Duration::from_secs(2));
    assert_eq!(o.mails(), k.mails(), "after SIGTERM");
    Some(
        k.mails()
            .iter()
            .filter(|m| m.contains("Entering FAULT state"))
            .count(),
    )
}

/// One instance on eth0 with a generic notify script and `extra` lines.
fn notify_conf(ns: &Ns, iface: &str, global: &str, extra: &str) -> String {
    format!(
        "global_defs {{\n router_id ml-r2\n{global}\n}}\n\
         vrrp_instance VI_1 {{\n state BACKUP\n interface {iface}\n virtual_router_id 61\n priority 100\n \
         advert_int 1\n notify {}\n{extra}\n virtual_ipaddress {{\n  10.19.0.61\n }}\n}}\n",
        ns.notify_script().display()
    )
}

/// `dont_track_primary`: eth0 going down leaves the instance MASTER with
/// its VIP under both daemons; back up, nothing changes either.
#[test]
fn dont_track_primary_equals_keepalived() {
    if skip("dont_track_primary differential") {
        return;
    }
    let (mut k, mut o) = pair("d");
    for (ns, vrrpd) in [(&mut k, false), (&mut o, true)] {
        ns.add_link("eth0");
        let conf = notify_conf(ns, "eth0", "", " dont_track_primary");
        ns.start(&conf, vrrpd);
    }
    let (ks, os) = both_states(&k, &o, 2);
    assert_eq!(ks, ["INSTANCE VI_1 BACKUP 100", "INSTANCE VI_1 MASTER 100"]);
    assert_eq!(os, ks, "after start");
    for ns in [&k, &o] {
        ns.link("eth0", false);
    }
    std::thread::sleep(Duration::from_secs(4));
    assert_eq!(o.states(), k.states(), "after eth0 down");
    assert_eq!(
        k.states().len(),
        2,
        "keepalived changed state: {:?}",
        k.states()
    );
    assert_eq!(o.has_address("10.19.0.61"), k.has_address("10.19.0.61"));
    for ns in [&k, &o] {
        ns.link("eth0", true);
    }
    std::thread::sleep(Duration::from_secs(3));
    assert_eq!(o.states(), k.states(), "after eth0 up");
    assert!(k.has_address("10.19.0.61") && o.has_address("10.19.0.61"));
}

/// `unicast_fault_no_peer` without peers: FAULT from the start, for good.
#[test]
fn unicast_fault_no_peer_equals_keepalived() {
    if skip("unicast_fault_no_peer differential") {
        return;
    }
    let (mut k, mut o) = pair("u");
    for (ns, vrrpd) in [(&mut k, false), (&mut o, true)] {
        ns.add_link("eth0");
        let conf = notify_conf(ns, "eth0", "", " unicast_fault_no_peer");
        ns.start(&conf, vrrpd);
    }
    let (ks, os) = both_states(&k, &o, 1);
    assert_eq!(ks, ["INSTANCE VI_1 FAULT 100"]);
    assert_eq!(os, ks, "after start");
    std::thread::sleep(Duration::from_secs(3));
    for ns in [&k, &o] {
        ns.link("eth0", false);
        ns.link("eth0", true);
    }
    std::thread::sleep(Duration::from_secs(4));
    assert_eq!(o.states(), k.states(), "after a link flap");
    assert!(!k.has_address("10.19.0.61") && !o.has_address("10.19.0.61"));
}

/// `dynamic_interfaces`: the instance's interface is created after both
/// daemons started (down, then an address, then up); neither stops, both
/// notify the same states and end up MASTER with the VIP.
#[test]
fn dynamic_interfaces_equal_keepalived() {
    if skip("dynamic_interfaces differential") {
        return;
    }
    let (mut k, mut o) = pair("y");
    let mut pids = Vec::new();
    for (ns, vrrpd) in [(&mut k, false), (&mut o, true)] {
        let conf = notify_conf(ns, "eth1", " dynamic_interfaces", "");
        pids.push(ns.start(&conf, vrrpd));
    }
    std::thread::sleep(Duration::from_secs(3));
    assert_eq!(o.states(), k.states(), "before the interface exists");
    for ns in [&k, &o] {
        let (n, p) = (&ns.name, &ns.peer);
        sh(&format!(
            "ip -n {n} link add eth1 type veth peer name eth1 netns {p} && \
             ip -n {n} addr add 10.19.0.1/24 dev eth1 && \
             ip -n {n} link set eth1 up && ip -n {p} link set eth1 up"
        ));
    }
    for ns in [&k, &o] {
        wait_for("the VIP", || ns.has_address("10.19.0.61"));
    }
    std::thread::sleep(Duration::from_secs(2));
    let ks = k.states();
    assert_eq!(
        ks,
        [
            "INSTANCE VI_1 FAULT 100",
            "INSTANCE VI_1 BACKUP 100",
            "INSTANCE VI_1 MASTER 100"
        ]
    );
    assert_eq!(o.states(), ks, "after the interface appeared");
    // A reload of the same file changes nothing.
    for pid in &pids {
        sh(&format!("kill -HUP {pid}"));
    }
    std::thread::sleep(Duration::from_secs(4));
    assert_eq!(k.states(), ks, "keepalived after SIGHUP");
    assert_eq!(o.states(), ks, "vrrpd after SIGHUP");
    assert!(o.has_address("10.19.0.61") && k.has_address("10.19.0.61"));
}

/// A sync group of two instances on two links, both mailing: eth1 going down
/// puts VI_B in FAULT and the group (so VI_A) with it; back up, both return.
/// The mails of keepalived and vrrpd are the same.
#[test]
fn sync_group_member_fault_mails_equal_keepalived() {
    if skip("sync group smtp_alert differential") {
        return;
    }
    let (mut k, mut o) = pair("g");
    let conf = "global_defs {\n router_id ml-r3\n notification_email {\n  ops@example.com\n }\n \
         smtp_server 127.0.0.1 2525\n smtp_helo_name ml-helo\n notification_email_from ka@example.com\n \
         smtp_alert_vrrp\n}\n\
         vrrp_sync_group G {\n group {\n  VI_A\n  VI_B\n }\n}\n\
         vrrp_instance VI_A {\n state BACKUP\n interface eth0\n virtual_router_id 71\n priority 100\n advert_int 1\n \
         virtual_ipaddress {\n  10.19.0.71\n }\n}\n\
         vrrp_instance VI_B {\n state BACKUP\n interface eth1\n virtual_router_id 72\n priority 100\n advert_int 1\n \
         virtual_ipaddress {\n  10.19.1.72\n }\n}\n";
    for (ns, vrrpd) in [(&mut k, false), (&mut o, true)] {
        ns.add_link("eth0");
        let (n, p) = (&ns.name, &ns.peer);
        sh(&format!(
            "ip -n {n} link add eth1 type veth peer name eth1 netns {p} && \
             ip -n {n} addr add 10.19.1.1/24 dev eth1 && \
             ip -n {n} link set eth1 up && ip -n {p} link set eth1 up"
        ));
        ns.start_sink();
        ns.start(conf, vrrpd);
    }
    for ns in [&k, &o] {
        wait_for("Master", || {
            ns.has_address("10.19.0.71") && ns.has_address("10.19.1.72")
        });
    }
    std::thread::sleep(Duration::from_secs(2));
    assert_eq!(o.mails(), k.mails(), "after start");
    for ns in [&k, &o] {
        ns.link("eth1", false);
    }
    std::thread::sleep(Duration::from_secs(3));
    assert_eq!(o.mails(), k.mails(), "after eth1 down");
    for ns in [&k, &o] {
        ns.link("eth1", true);
    }
    for ns in [&k, &o] {
        wait_for("Master again", || ns.has_address("10.19.1.72"));
    }
    std::thread::sleep(Duration::from_secs(2));
    assert_eq!(o.mails(), k.mails(), "after eth1 up");
    let subjects: Vec<String> = k
        .mails()
        .iter()
        .filter_map(|m| {
            m.lines()
                .find(|l| l.starts_with("Subject: "))
                .map(String::from)
        })
        .collect();
    assert!(subjects.len() >= 6, "{subjects:?}");
}

/// A SIGHUP reload removing an instance: the mails of both daemons are the
/// same (keepalived notifies a deleted instance as FAULT unless
/// `notify_deleted`, vrrp_notify.c `send_instance_notifies`).
#[test]
fn reload_removing_an_instance_mails_equal_keepalived() {
    reload_removing("r", "");
}

/// The same with `notify_deleted`: the mail says "Deleted".
#[test]
fn reload_removing_with_notify_deleted_mails_equal_keepalived() {
    reload_removing("q", " notify_deleted\n");
}

fn reload_removing(tag: &str, extra: &str) {
    if skip("smtp_alert reload differential") {
        return;
    }
    let (mut k, mut o) = pair(tag);
    let global = "global_defs {\n router_id ml-r4\n notification_email {\n  ops@example.com\n }\n \
         smtp_server 127.0.0.1 2525\n smtp_helo_name ml-helo\n notification_email_from ka@example.com\n \
         smtp_alert\n}\n";
    let a = "vrrp_instance VI_A {\n state BACKUP\n interface eth0\n virtual_router_id 81\n priority 100\n \
         advert_int 1\n virtual_ipaddress {\n  10.19.0.81\n }\n}\n";
    let b = format!(
        "vrrp_instance VI_B {{\n state BACKUP\n interface eth0\n virtual_router_id 82\n priority 100\n \
         advert_int 1\n{extra} virtual_ipaddress {{\n  10.19.0.82\n }}\n}}\n"
    );
    let mut pids = Vec::new();
    for (ns, vrrpd) in [(&mut k, false), (&mut o, true)] {
        ns.add_link("eth0");
        ns.start_sink();
        pids.push(ns.start(&format!("{global}{a}{b}"), vrrpd));
    }
    for ns in [&k, &o] {
        wait_for("Master", || {
            ns.has_address("10.19.0.81") && ns.has_address("10.19.0.82")
        });
    }
    std::thread::sleep(Duration::from_secs(2));
    assert_eq!(o.mails(), k.mails(), "after start");
    let before = k.mails().len();
    for (ns, pid) in [&k, &o].into_iter().zip(&pids) {
        std::fs::write(ns.dir.join("keepalived.conf"), format!("{global}{a}")).unwrap();
        sh(&format!("kill -HUP {pid}"));
    }
    for ns in [&k, &o] {
        wait_for("VI_B's VIP removed", || !ns.has_address("10.19.0.82"));
    }
    std::thread::sleep(Duration::from_secs(3));
    assert!(k.has_address("10.19.0.81") && o.has_address("10.19.0.81"));
    assert_eq!(
        k.mails().len(),
        before + 1,
        "keepalived mails the removal once"
    );
    assert_eq!(o.mails(), k.mails(), "after the reload");
}

/// `dynamic_interfaces` with and without `allow_if_changes`: the instance's
/// interface is deleted and created again (another index); the notify lines
/// and the VIP of both daemons are compared.
fn interface_recreated(tag: &str, option: &str) -> (Vec<String>, bool) {
    let (mut k, mut o) = pair(tag);
    for (ns, vrrpd) in [(&mut k, false), (&mut o, true)] {
        ns.add_link("eth1");
        let conf = notify_conf(ns, "eth1", &format!(" dynamic_interfaces{option}"), "");
        ns.start(&conf, vrrpd);
    }
    for ns in [&k, &o] {
        wait_for("the VIP", || ns.has_address("10.19.0.61"));
    }
    for ns in [&k, &o] {
        sh(&format!("ip -n {} link del eth1", ns.name));
    }
    std::thread::sleep(Duration::from_secs(2));
    assert_eq!(o.states(), k.states(), "after eth1 was deleted");
    for ns in [&k, &o] {
        ns.add_link("eth1");
    }
    std::thread::sleep(Duration::from_secs(6));
    assert_eq!(o.states(), k.states(), "after eth1 came back");
    let vip = k.has_address("10.19.0.61");
    assert_eq!(o.has_address("10.19.0.61"), vip, "the VIP");
    (k.states(), vip)
}

#[test]
fn interface_recreated_with_allow_if_changes_equals_keepalived() {
    if skip("allow_if_changes differential") {
        return;
    }
    let (states, vip) = interface_recreated("a", " allow_if_changes");
    assert!(vip, "{states:?}");
}

#[test]
fn interface_recreated_without_allow_if_changes_equals_keepalived() {
    if skip("dynamic_interfaces differential") {
        return;
    }
    interface_recreated("b", "");
}

/// Without `router_id`, `smtp_helo_name`, `notification_email_from` and
/// `smtp_connect_timeout`: keepalived's defaults (host name, USER@HOSTNAME)
/// in the dialogue and the headers, the same from vrrpd.
#[test]
fn mail_defaults_equal_keepalived() {
    if skip("smtp_alert defaults differential") {
        return;
    }
    let (mut k, mut o) = pair("h");
    let conf = "global_defs {\n notification_email {\n  ops@example.com\n }\n \
         smtp_server 127.0.0.1 2525\n}\n\
         vrrp_instance VI_1 {\n state BACKUP\n interface eth0\n virtual_router_id 91\n priority 100\n \
         advert_int 1\n smtp_alert\n virtual_ipaddress {\n  10.19.0.91\n }\n}\n";
    for (ns, vrrpd) in [(&mut k, false), (&mut o, true)] {
        ns.add_link("eth0");
        ns.start_sink();
        ns.start(conf, vrrpd);
    }
    for ns in [&k, &o] {
        wait_for("Master", || ns.has_address("10.19.0.91"));
    }
    std::thread::sleep(Duration::from_secs(2));
    let mails = k.mails();
    assert_eq!(mails.len(), 2, "{mails:?}");
    assert_eq!(o.mails(), mails);
}

/// keepalived 2.2.7's default for a unicast keyword without peers (no
/// `unicast_fault_no_peer`): multicast, so the instance becomes MASTER;
/// the same from vrrpd.
#[test]
fn unicast_src_without_peers_runs_multicast_as_keepalived() {
    if skip("unicast without peers differential") {
        return;
    }
    let (mut k, mut o) = pair("s");
    for (ns, vrrpd) in [(&mut k, false), (&mut o, true)] {
        ns.add_link("eth0");
        let conf = notify_conf(ns, "eth0", "", " unicast_src_ip 10.19.0.1");
        ns.start(&conf, vrrpd);
    }
    let (ks, os) = both_states(&k, &o, 2);
    assert_eq!(ks, ["INSTANCE VI_1 BACKUP 100", "INSTANCE VI_1 MASTER 100"]);
    assert_eq!(os, ks);
    assert!(k.has_address("10.19.0.61") && o.has_address("10.19.0.61"));
}

/// `default_interface` does not give an instance without `interface` one, and
/// a unicast instance (source address and a peer) needs one too (vrrp.c
/// `chk_min_cfg` runs before the instance is marked unicast): `keepalived -t`
/// and `vrrpd -t` both refuse each file, with keepalived's "Unknown interface!".
#[test]
fn default_interface_is_not_an_instance_interface_for_either() {
    if skip("default_interface check") {
        return;
    }
    let dir = std::env::temp_dir().join(format!("ml-di-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("keepalived.conf");
    for conf in [
        "global_defs {\n default_interface lo\n}\nvrrp_instance A {\n virtual_router_id 1\n \
         virtual_ipaddress {\n  192.0.2.1\n }\n}\n",
        "vrrp_instance A {\n virtual_router_id 1\n unicast_src_ip 127.0.0.1\n \
         unicast_peer {\n  127.0.0.2\n }\n virtual_ipaddress {\n  192.0.2.1\n }\n}\n",
    ] {
        std::fs::write(&path, conf).unwrap();
        let k = Command::new("keepalived")
            .args(["-t", "-l", "-D", "-f"])
            .arg(&path)
            .output()
            .unwrap();
        let o = Command::new(env!("CARGO_BIN_EXE_vrrpd"))
            .args(["-t", "-f"])
            .arg(&path)
            .output()
            .unwrap();
        assert!(!k.status.success(), "keepalived accepted {conf}");
        assert!(
            String::from_utf8_lossy(&k.stderr).contains("(A) Unknown interface!")
                || String::from_utf8_lossy(&k.stdout).contains("(A) Unknown interface!"),
            "{k:?}"
        );
        assert!(!o.status.success(), "vrrpd accepted {conf}");
        let err = String::from_utf8_lossy(&o.stderr);
        assert!(
            err.contains("has no `interface`") && err.contains("(A) Unknown interface!"),
            "{err}"
        );
    }
    let _ = std::fs::remove_dir_all(&dir);
}
