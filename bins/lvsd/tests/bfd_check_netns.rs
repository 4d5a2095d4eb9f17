//! BFD_CHECK end to end in network namespaces: the daemon (on ipvs-sys's
//! in-memory IPVS: this host has no IPVS module) runs the session its
//! BFD_CHECKs name against a bfd-net peer in another namespace, and the real
//! servers follow the session: the state at start (Down) takes both out, Up
//! brings both in, both leave when the peer falls silent (Control Detection
//! Time Expired) and come back when it returns; a server added by a reload
//! takes the session's state; a reload without BFD_CHECK stops the session.
//! Needs root (prints `SKIPPED` otherwise).
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::{is_root, sh};
use std::process::Command;
use std::time::Duration;

use bfd_net::{BfdEvent, BfdRunner, PeerSpec};
use ipvs_sys::testing::InMemoryIpvs;
use keepalived_conf as kc;
use lvsd::daemon::Daemon;

const NS_A: &str = "bl-bfdck-a";
const NS_B: &str = "bl-bfdck-b";
const KA_A: &str = "bl-bfdck-ka";
const KA_B: &str = "bl-bfdck-kb";

/// Two namespaces and their veth pair, deleted on drop (also when the test
/// fails).
struct Namespaces([&'static str; 2]);

impl Namespaces {
    /// `a` gets `NET.1/24`, `b` `NET.2/24`.
    fn new(a: &'static str, b: &'static str, net: &str) -> Namespaces {
        assert!(a.starts_with("bl-") && b.starts_with("bl-"));
        for ns in [a, b] {
            let _ = Command::new("ip").args(["netns", "del", ns]).output();
        }
        let g = Namespaces([a, b]);
        for ns in [a, b] {
            sh(&["ip", "netns", "add", ns]);
            sh(&["ip", "-n", ns, "link", "set", "lo", "up"]);
        }
        sh(&[
            "ip", "link", "add", "eth0", "netns", a, "type", "veth", "peer", "name", "eth0",
            "netns", b,
        ]);
        for (ns, addr) in [(a, format!("{net}.1/24")), (b, format!("{net}.2/24"))] {
            sh(&["ip", "-n", ns, "addr", "add", &addr, "dev", "eth0"]);
            sh(&["ip", "-n", ns, "link", "set", "eth0", "up"]);
        }
        g
    }
}

impl Drop for Namespaces {
    fn drop(&mut self) {
        for ns in self.0 {
            let _ = Command::new("ip").args(["netns", "del", ns]).output();
        }
    }
}

/// Moves this thread into namespace `ns`: sockets opened afterwards live there.
fn enter(ns: &str) {
    let f = std::fs::File::open(format!("/run/netns/{ns}")).unwrap();
    nix::sched::setns(f, nix::sched::CloneFlags::CLONE_NEWNET).unwrap();
}

fn desired(text: &str) -> lvsd::model::Desired {
    let parsed = kc::parse_str("t.conf", text, &kc::LoadOptions::default());
    let m = lvsd::mapping::map_config(&parsed.config);
    assert!(m.diagnostics.is_empty(), "{:?}", m.diagnostics);
    m.desired
}

const CONF: &str = "bfd_instance peer {\n neighbor_ip 10.77.0.2\n min_rx 50\n min_tx 50\n \
    multiplier 3\n checker\n}\n\
    virtual_server 10.1.0.1 80 {\n lvs_sched rr\n lvs_method NAT\n protocol TCP\n\
    real_server 10.2.0.1 80 {\n weight 3\n BFD_CHECK {\n name peer\n alpha\n }\n }\n\
    real_server 10.2.0.2 80 {\n weight 2\n BFD_CHECK {\n name peer\n }\n }\n}\n";

fn peer_spec() -> PeerSpec {
    PeerSpec::new("lvsd", "10.77.0.1".parse().unwrap())
        .with_intervals(Duration::from_millis(50), Duration::from_millis(50))
        .with_multiplier(3)
}

/// The destinations lvsd holds in the (in-memory) kernel, and the state of
/// its BFD sessions, from the status document.
fn table(d: &Daemon<InMemoryIpvs>) -> (Vec<String>, Vec<String>) {
    let js: serde_json::Value = serde_json::from_str(&d.status_json()).unwrap();
    let dests = js["virtual_servers"][0]["services"][0]["destinations"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| format!("{} w{}", d[0].as_str().unwrap(), d[1]))
        .collect();
    let bfd = js["bfd"]
        .as_array()
        .map(|a| {
            a.iter()
                .map(|s| {
                    format!(
                        "{} {}",
                        s["name"].as_str().unwrap(),
                        s["state"].as_str().unwrap()
                    )
                })
                .collect()
        })
        .unwrap_or_default();
    (dests, bfd)
}

/// The next BFD event within `limit`, applied to the daemon.
async fn next(d: &mut Daemon<InMemoryIpvs>, limit: Duration) -> Option<BfdEvent> {
    let ev = tokio::time::timeout(limit, d.next_bfd_event()).await.ok()?;
    d.on_bfd_event(&ev);
    Some(ev)
}

async fn scenario() {
    enter(NS_A);
    let (tx, _rx) = tokio::sync::mpsc::unbounded_channel();
    let mut d = Daemon::start(InMemoryIpvs::default(), "t".into(), desired(CONF), tx).unwrap();
    d.sync_bfd().await;
    // No peer yet. The session's state at start (Down) went to the checkers
    // as keepalived's BFD process sends it: the non-alpha server failed its
    // first check and left too. No event follows (no Down without an Up).
    let (dests, bfd) = table(&d);
    assert!(dests.is_empty(), "{dests:?}");
    assert_eq!(bfd, ["peer Down"]);
    assert!(next(&mut d, Duration::from_millis(1500)).await.is_none());

    // The peer starts: Up within a few idle_tx intervals; the alpha server enters.
    enter(NS_B);
    let (peer, _peer_events) = BfdRunner::start(vec![peer_spec()]).await.unwrap();
    enter(NS_A);
    let ev = next(&mut d, Duration::from_secs(10)).await;
    assert!(
        matches!(ev, Some(BfdEvent::Up { ref name }) if name == "peer"),
        "{ev:?}"
    );
    let (mut dests, bfd) = table(&d);
    dests.sort();
    assert_eq!(dests, ["10.2.0.1:80 w3", "10.2.0.2:80 w2"]);
    assert_eq!(bfd, ["peer Up"]);

    // The peer falls silent (as keepalived's BFD process at exit): Down after
    // the detection time, both servers leave.
    peer.shutdown().await;
    let ev = next(&mut d, Duration::from_secs(5)).await;
    assert!(
        matches!(
            ev,
            Some(BfdEvent::Down {
                diagnostic: bfd_net::Diagnostic::ControlDetectionTimeExpired,
                ..
            })
        ),
        "{ev:?}"
    );
    assert!(table(&d).0.is_empty(), "{:?}", table(&d));

    // It comes back: both servers return.
    enter(NS_B);
    let (peer, _peer_events) = BfdRunner::start(vec![peer_spec()]).await.unwrap();
    enter(NS_A);
    let ev = next(&mut d, Duration::from_secs(10)).await;
    assert!(matches!(ev, Some(BfdEvent::Up { .. })), "{ev:?}");
    assert_eq!(table(&d).0.len(), 2);

    // A reload adding an alpha server on the session, Up now: the state
    // handed over after the reload lets it in at once.
    let three = CONF.replace(
        "}\n}\n",
        "}\n real_server 10.2.0.3 80 {\n BFD_CHECK {\n name peer\n alpha\n }\n }\n}\n",
    );
    assert_ne!(three, CONF);
    d.reload(desired(&three));
    d.sync_bfd().await;
    assert_eq!(table(&d).0.len(), 3, "{:?}", table(&d));

    // A reload without BFD_CHECK stops the session; the servers stay.
    let plain = CONF
        .replace(" BFD_CHECK {\n name peer\n alpha\n }\n", "")
        .replace(" BFD_CHECK {\n name peer\n }\n", "");
    d.reload(desired(&plain));
    d.sync_bfd().await;
    let (dests, bfd) = table(&d);
    assert_eq!(dests.len(), 2);
    assert!(bfd.is_empty(), "{bfd:?}");
    d.shutdown(false).await;
    peer.shutdown().await;
}

#[test]
fn bfd_check_follows_a_peer_in_another_namespace() {
    if !is_root() {
        eprintln!("SKIPPED: bfd_check_netns needs root (network namespaces)");
        return;
    }
    if Command::new("ip").arg("-V").output().is_err() {
        eprintln!("SKIPPED: bfd_check_netns needs ip (iproute2)");
        return;
    }
    let _ns = Namespaces::new(NS_A, NS_B, "10.77.0");
    on_own_thread(scenario());
}

/// Runs `f` to its end (at most 60 s) on a thread of its own: setns moves
/// only that thread.
fn on_own_thread(f: impl std::future::Future<Output = ()> + Send + 'static) {
    let t = std::thread::spawn(move || {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        rt.block_on(async {
            tokio::time::timeout(Duration::from_secs(60), f)
                .await
                .expect("scenario took over 60 s")
        });
    });
    if let Err(p) = t.join() {
        std::panic::resume_unwind(p);
    }
}

/// keepalived 2.2.7 with a configuration holding only a `bfd_instance`
/// (which starts just its BFD process) in namespace `ns`; killed on drop.
struct Keepalived {
    child: std::process::Child,
    dir: std::path::PathBuf,
}

impl Keepalived {
    fn start(ns: &str, dir: &std::path::Path) -> Keepalived {
        let conf = dir.join("ka.conf");
        std::fs::write(
            &conf,
            "global_defs {\n router_id bl-ka\n}\nbfd_instance lvsd {\n neighbor_ip 10.78.0.1\n \
             min_rx 100\n min_tx 100\n multiplier 3\n}\n",
        )
        .unwrap();
        let log = std::fs::File::create(dir.join("ka.log")).unwrap();
        let p = |f: &str| dir.join(f).to_str().unwrap().to_string();
        let child = Command::new("ip")
            .args(["netns", "exec", ns, "keepalived", "-n", "-l", "-D", "-f"])
            .arg(&conf)
            .args([
                "-p",
                &p("ka.pid"),
                "-r",
                &p("vrrp.pid"),
                "-c",
                &p("chk.pid"),
            ])
            .args(["-b", &p("bfd.pid")])
            .stdout(log.try_clone().unwrap())
            .stderr(log)
            .stdin(std::process::Stdio::null())
            .spawn()
            .unwrap();
        Keepalived {
            child,
            dir: dir.to_path_buf(),
        }
    }

    fn log(&self) -> String {
        std::fs::read_to_string(self.dir.join("ka.log")).unwrap_or_default()
    }

    /// SIGTERM, then wait (at most 10 s) for the exit.
    async fn stop(&mut self) {
        let _ = Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .output();
        for _ in 0..200 {
            if matches!(self.child.try_wait(), Ok(Some(_))) {
                return;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }
}

impl Drop for Keepalived {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The same against keepalived 2.2.7's BFD process as the peer: Up lets the
/// alpha server in; keepalived's exit (it sends no AdminDown) is a Control
/// Detection Time Expired Down and both servers leave.
async fn keepalived_scenario(dir: std::path::PathBuf) {
    enter(KA_A);
    let conf = CONF
        .replace("10.77.0.2", "10.78.0.2")
        .replace("min_rx 50\n min_tx 50", "min_rx 100\n min_tx 100");
    let (tx, _rx) = tokio::sync::mpsc::unbounded_channel();
    let mut d = Daemon::start(InMemoryIpvs::default(), "t".into(), desired(&conf), tx).unwrap();
    d.sync_bfd().await;
    assert!(table(&d).0.is_empty(), "{:?}", table(&d));
    let mut ka = Keepalived::start(KA_B, &dir);
    let ev = next(&mut d, Duration::from_secs(15)).await;
    assert!(
        matches!(ev, Some(BfdEvent::Up { .. })),
        "{ev:?}\nkeepalived:\n{}",
        ka.log()
    );
    let mut dests = table(&d).0;
    dests.sort();
    assert_eq!(dests, ["10.2.0.1:80 w3", "10.2.0.2:80 w2"]);
    ka.stop().await;
    let ev = next(&mut d, Duration::from_secs(5)).await;
    assert!(
        matches!(
            ev,
            Some(BfdEvent::Down {
                diagnostic: bfd_net::Diagnostic::ControlDetectionTimeExpired,
                ..
            })
        ),
        "{ev:?}"
    );
    assert!(table(&d).0.is_empty(), "{:?}", table(&d));
    assert!(
        ka.log().contains("(lvsd) Entering Up state"),
        "{}",
        ka.log()
    );
    d.shutdown(false).await;
}

#[test]
fn bfd_check_follows_keepalived_bfd_process() {
    if !is_root() {
        eprintln!("SKIPPED: bfd_check_netns needs root (network namespaces)");
        return;
    }
    for tool in ["ip", "/usr/sbin/keepalived"] {
        if Command::new("sh")
            .args(["-c", &format!("command -v {tool}")])
            .output()
            .map_or(true, |o| !o.status.success())
        {
            eprintln!("SKIPPED: bfd_check_netns needs {tool}");
            return;
        }
    }
    let dir = std::env::temp_dir().join(format!("bl-bfdck-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let _ns = Namespaces::new(KA_A, KA_B, "10.78.0");
    on_own_thread(keepalived_scenario(dir.clone()));
    let _ = std::fs::remove_dir_all(&dir);
}
