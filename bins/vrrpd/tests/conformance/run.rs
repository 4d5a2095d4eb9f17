//! One corpus file run in two network namespaces: keepalived 2.2.7
//! (`--vrrp`, its `-d` startup dump and its SIGUSR1 dump) in one, this
//! build's vrrpd (`vrrpd status`) in the other, each alone with the same
//! interfaces and addresses. Namespaces, daemons and files are removed on
//! drop, also when the test fails.

use std::fs::File;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::Value;

use super::corpus::Prepared;
use super::kadump::{self, Dump};
use crate::common::{Kid, keepalived_dump};

/// How long a daemon may take to be ready (keepalived: `Startup
/// complete`; vrrpd: `vrrpd status` answers).
const READY_WITHIN: Duration = Duration::from_secs(10);
/// When the states are read, after the start: the scripts' first runs
/// are over, no Master_Down_Timer of a 1 s advert interval has fired.
const READ_AT: Duration = Duration::from_millis(2500);
/// How long keepalived may take to write its SIGUSR1 dump whole (well
/// under a second when idle; generous for a loaded machine).
const DUMP_WITHIN: Duration = Duration::from_secs(15);
/// How long a daemon may take to exit after SIGTERM (then SIGKILL).
const EXIT_WITHIN: Duration = Duration::from_secs(10);

/// A network namespace `cf-...` with the prepared interfaces: a veth pair
/// per name (the peer `cfpN` in the same namespace), each with
/// 198.51.100.N+1/24 and the instances' source addresses; deleted on drop.
pub struct Namespace(pub String);

impl Namespace {
    /// Creates namespace `name` for `prep`.
    pub fn new(name: &str, prep: &Prepared, dir: &Path) -> Self {
        let _ = Command::new("ip")
            .args(["netns", "del", name])
            .stderr(Stdio::null())
            .status();
        let ns = Namespace(name.to_string());
        crate::common::shell(&format!(
            "ip netns add {name} && ip netns exec {name} sysctl -qw \
             net.ipv6.conf.all.accept_dad=0 net.ipv6.conf.default.accept_dad=0"
        ));
        let mut batch = String::from("link set lo up\n");
        for (k, i) in prep.interfaces.iter().enumerate().take(200) {
            batch.push_str(&format!(
                "link add {i} type veth peer name cfp{k}\n\
                 addr add 198.51.100.{}/24 dev {i}\n\
                 link set {i} up\nlink set cfp{k} up\n",
                k + 1
            ));
        }
        for (i, a) in &prep.addresses {
            if a.contains(':') {
                batch.push_str(&format!("addr add {a}/128 dev {i} nodad\n"));
            } else {
                batch.push_str(&format!("addr add {a}/32 dev {i}\n"));
            }
        }
        let path = dir.join(format!("{name}.batch"));
        std::fs::write(&path, batch).unwrap();
        // -force: a name or address the kernel refuses is left out, the rest
        // is set up; both daemons then see the same namespace.
        let _ = Command::new("ip")
            .args(["-n", name, "-force", "-batch"])
            .arg(&path)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status();
        ns
    }
}

impl Drop for Namespace {
    fn drop(&mut self) {
        let _ = Command::new("ip")
            .args(["netns", "del", &self.0])
            .stderr(Stdio::null())
            .status();
    }
}

/// What the two daemons reported for one file.
#[derive(Debug, Default)]
pub struct Outcome {
    /// keepalived's `-d` dump (settings at startup).
    pub ka_start: Dump,
    /// keepalived's SIGUSR1 dump (None: it was not running any more, or
    /// its dump was not written whole within `DUMP_WITHIN`).
    pub ka_running: Option<Dump>,
    /// `vrrpd status` (None: it did not start).
    pub vrrpd: Option<Value>,
    /// The last lines of each daemon's log, for the report.
    pub logs: String,
    /// Why keepalived could not run on this host whatever the file says
    /// (None: it could).
    pub ka_host_failure: Option<&'static str>,
}

/// keepalived's log lines that mean this host, not the file, stopped it:
/// the IPVS module is missing (`lvs_sync_daemon_interface` makes the VRRP
/// process open IPVS, and it exits when it cannot).
const HOST_FAILURES: &[(&str, &str)] = &[("IPVS: Can't initialize ipvs", "no IPVS on this host")];

fn log_file(path: &Path) -> (Stdio, Stdio) {
    let f = File::create(path).unwrap();
    let g = f.try_clone().unwrap();
    (Stdio::from(f), Stdio::from(g))
}

fn alive(k: &mut Kid) -> bool {
    matches!(k.0.try_wait(), Ok(None))
}

fn stop(k: &mut Kid) {
    if alive(k) {
        let _ = Command::new("kill")
            .args(["-TERM", &k.0.id().to_string()])
            .status();
        let end = Instant::now() + EXIT_WITHIN;
        while alive(k) && Instant::now() < end {
            std::thread::sleep(Duration::from_millis(50));
        }
    }
}

fn vrrpd_status(socket: &Path) -> Option<Value> {
    let out = Command::new(env!("CARGO_BIN_EXE_vrrpd"))
        .arg("status")
        .arg("--socket")
        .arg(socket)
        .stderr(Stdio::null())
        .output()
        .ok()?;
    if !out.status.success() {
        return None;
    }
    serde_json::from_slice(&out.stdout).ok()
}

fn tail(path: &Path, n: usize) -> String {
    let t = std::fs::read_to_string(path).unwrap_or_default();
    let lines: Vec<&str> = t.lines().collect();
    lines[lines.len().saturating_sub(n)..].join("\n")
}

/// Runs the prepared file `conf` (stubs and all in `dir`) under both
/// daemons, in namespaces `<ns>k` and `<ns>v`.
pub fn run(ns: &str, prep: &Prepared, conf: &Path, dir: &Path) -> Outcome {
    let ka_ns = Namespace::new(&format!("{ns}k"), prep, dir);
    let vr_ns = Namespace::new(&format!("{ns}v"), prep, dir);
    let kt: PathBuf = dir.join("kt");
    std::fs::create_dir_all(&kt).unwrap();
    let ka_log = dir.join("keepalived.log");
    let vr_log = dir.join("vrrpd.log");
    let (o, e) = log_file(&ka_log);
    let mut ka = Kid(Command::new("ip")
        .args([
            "netns",
            "exec",
            &ka_ns.0,
            "keepalived",
            "-n",
            "-l",
            "-D",
            "-d",
            "--vrrp",
            "-f",
        ])
        .arg(conf)
        .arg("-p")
        .arg(dir.join("k.pid"))
        .arg("-r")
        .arg(dir.join("kv.pid"))
        .arg("-c")
        .arg(dir.join("kc.pid"))
        // every pid file of its own: keepalived refuses to start ("daemon is
        // already running") when one it checks names a live process
        .arg("-b")
        .arg(dir.join("kb.pid"))
        .env("TMPDIR", &kt)
        .stdin(Stdio::null())
        .stdout(o)
        .stderr(e)
        .spawn()
        .unwrap());
    let socket = dir.join("vrrpd.sock");
    let (o, e) = log_file(&vr_log);
    let mut vr = Kid(Command::new("ip")
        .args(["netns", "exec", &vr_ns.0])
        .arg(env!("CARGO_BIN_EXE_vrrpd"))
        .arg("-f")
        .arg(conf)
        .arg("--socket")
        .arg(&socket)
        .arg("--dump-file")
        .arg(dir.join("vrrpd.json"))
        .arg("-p")
        .arg(dir.join("vrrpd.pid"))
        .stdin(Stdio::null())
        .stdout(o)
        .stderr(e)
        .spawn()
        .unwrap());
    let t0 = Instant::now();
    loop {
        let ka_ready = !alive(&mut ka)
            || std::fs::read_to_string(&ka_log).is_ok_and(|t| t.contains("Startup complete"));
        let vr_ready = !alive(&mut vr) || socket.exists();
        if (ka_ready && vr_ready) || t0.elapsed() > READY_WITHIN {
            break;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    if let Some(rest) = READ_AT.checked_sub(t0.elapsed()) {
        std::thread::sleep(rest);
    }
    let mut out = Outcome::default();
    // Effective priorities depend on the scripts' first results: read both
    // again (1 s apart, at most SETTLE_TRIES times) while they differ, so
    // that a slow first run on a loaded machine is not taken for a
    // difference.
    for attempt in 0..SETTLE_TRIES {
        if attempt > 0 {
            std::thread::sleep(Duration::from_secs(1));
        }
        read_both(&mut out, &mut ka, &mut vr, &socket, &kt);
        if same_priorities(&out) {
            break;
        }
    }
    stop(&mut ka);
    stop(&mut vr);
    let ka_text = std::fs::read_to_string(&ka_log).unwrap_or_default();
    out.ka_start = kadump::parse_log(&ka_text);
    out.ka_host_failure = HOST_FAILURES
        .iter()
        .find(|(l, _)| ka_text.contains(l))
        .map(|(_, why)| *why);
    out.logs = format!(
        "--- keepalived ---\n{}\n--- vrrpd ---\n{}",
        tail(&ka_log, 15),
        tail(&vr_log, 15)
    );
    out
}

/// Reads of the effective priorities before they are taken as differing.
const SETTLE_TRIES: usize = 4;

/// Whether both daemons report the same effective priority for every
/// instance they both run.
fn same_priorities(out: &Outcome) -> bool {
    let (Some(ka), Some(vr)) = (&out.ka_running, &out.vrrpd) else {
        return true;
    };
    vr["instances"].as_array().into_iter().flatten().all(|i| {
        let name = i["name"].as_str().unwrap_or("");
        ka.instance(name)
            .and_then(|b| b.get("Effective priority"))
            .is_none_or(|p| {
                i["effective_priority"]
                    .as_u64()
                    .is_some_and(|e| p == e.to_string())
            })
    })
}

/// `vrrpd status`, then keepalived's SIGUSR1 dump, into `out`.
fn read_both(out: &mut Outcome, ka: &mut Kid, vr: &mut Kid, socket: &Path, kt: &Path) {
    if alive(vr) {
        let end = Instant::now() + Duration::from_secs(3);
        out.vrrpd = None;
        while out.vrrpd.is_none() && Instant::now() < end {
            out.vrrpd = vrrpd_status(socket);
            if out.vrrpd.is_none() {
                std::thread::sleep(Duration::from_millis(100));
            }
        }
    }
    if alive(ka) {
        // Written whole: see keepalived_dump::read_data_file.
        out.ka_running =
            keepalived_dump::signal_and_read(ka.0.id(), &kt.join("keepalived.data"), DUMP_WITHIN)
                .map(|t| kadump::parse(&t));
    }
}
