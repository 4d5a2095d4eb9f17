//! Network-namespace labs for the tests that run keepalived 2.2.7 and this
//! build's vrrpd side by side.
//!
//! A [`Lab`] owns a temporary directory and the namespaces it created;
//! dropping it (also when a test fails) deletes the namespaces, so the
//! daemons inside lose their links, and the directory. Daemons are started
//! with [`Lab::start`] and stopped with [`Running::stop`] (SIGTERM, bounded
//! wait) or killed on drop. Every wait is bounded by [`wait_until`].

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::Value;

use super::{Kid, have, shell, skip_netns_test};

/// Whether the differential `what` is to be skipped, with a `SKIPPED:` line:
/// not root, or one of `tools` not on PATH ("needs A, B and C").
pub fn skip_differential(what: &str, tools: &[&str]) -> bool {
    if skip_netns_test(what, None, "network namespaces") {
        return true;
    }
    if tools.iter().all(|t| have(t)) {
        return false;
    }
    let list = match tools {
        [] => String::new(),
        [one] => (*one).to_string(),
        [init @ .., last] => format!("{} and {last}", init.join(", ")),
    };
    eprintln!("SKIPPED: {what} needs {list}");
    true
}

/// Which daemon [`Lab::start`] runs.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Daemon {
    /// keepalived from PATH, in the foreground, VRRP only.
    Keepalived,
    /// This build's vrrpd, with a control socket and a dump file.
    Vrrpd,
    /// keepalived from PATH, in the foreground, with its VRRP, checker and
    /// BFD processes (each with a pid file in the lab directory).
    KeepalivedBfd,
}

impl Daemon {
    /// `Vrrpd` when `vrrpd` is true, else `Keepalived`.
    pub fn of(vrrpd: bool) -> Daemon {
        if vrrpd {
            Daemon::Vrrpd
        } else {
            Daemon::Keepalived
        }
    }

    /// The program run: keepalived from PATH or this build's vrrpd.
    pub fn program(self) -> &'static str {
        match self {
            Daemon::Vrrpd => env!("CARGO_BIN_EXE_vrrpd"),
            Daemon::Keepalived | Daemon::KeepalivedBfd => "keepalived",
        }
    }

    /// "keepalived" or "vrrpd".
    pub fn name(self) -> &'static str {
        match self {
            Daemon::Keepalived | Daemon::KeepalivedBfd => "keepalived",
            Daemon::Vrrpd => "vrrpd",
        }
    }
}

/// A temporary directory and the namespaces made in it; all deleted on
/// drop (the directory is kept, and named, when the test panics or the
/// environment variable `NB_LAB_KEEP` is set).
pub struct Lab {
    /// Where configs, pid files, sockets, dumps and logs go.
    pub dir: PathBuf,
    names: Vec<String>,
}

impl Lab {
    /// An empty lab whose directory is `$TMPDIR/<prefix>` (emptied first).
    /// `prefix` must be unique among the test files that run in parallel.
    pub fn new(prefix: &str) -> Lab {
        let dir = std::env::temp_dir().join(prefix);
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        Lab {
            dir,
            names: Vec::new(),
        }
    }

    /// Adds the namespace `name` (a stale one of that name deleted first)
    /// with `lo` up, and returns its name.
    pub fn add_ns(&mut self, name: &str) -> String {
        delete_ns(name, true);
        self.names.push(name.to_string());
        shell(&format!(
            "ip netns add {name} && ip -n {name} link set lo up"
        ));
        name.to_string()
    }

    /// The namespaces of this lab, in the order they were added.
    pub fn names(&self) -> &[String] {
        &self.names
    }

    /// A veth pair `dev` in `ns` and `peer_dev` in `peer_ns` (which may be
    /// `ns`), both up.
    pub fn veth(&self, ns: &str, dev: &str, peer_ns: &str, peer_dev: &str) {
        shell(&format!(
            "ip -n {ns} link add {dev} type veth peer name {peer_dev} netns {peer_ns} && \
             ip -n {ns} link set {dev} up && ip -n {peer_ns} link set {peer_dev} up"
        ));
    }

    /// Veth pairs `eth<i>`/`p<i>`, both ends in `ns` and up, one per entry
    /// of `addrs`, with that address on `eth<i>`.
    pub fn looped_links(&self, ns: &str, addrs: &[&str]) {
        for (i, a) in addrs.iter().enumerate() {
            let dev = format!("eth{i}");
            self.veth(ns, &dev, ns, &format!("p{i}"));
            self.addr(ns, &dev, a);
        }
    }

    /// Adds `cidr` to `dev` in `ns` (IPv6 without duplicate address
    /// detection).
    pub fn addr(&self, ns: &str, dev: &str, cidr: &str) {
        let nodad = if cidr.contains(':') { " nodad" } else { "" };
        shell(&format!("ip -n {ns} addr add {cidr} dev {dev}{nodad}"));
    }

    /// Sets the sysctls `settings` ("key=value" each) in `ns`.
    pub fn sysctl(&self, ns: &str, settings: &[&str]) {
        shell(&format!(
            "ip netns exec {ns} sysctl -qw {}",
            settings.join(" ")
        ));
    }

    /// A file of the lab directory.
    pub fn path(&self, name: &str) -> PathBuf {
        self.dir.join(name)
    }

    /// Writes `text` to `<tag>.conf` and returns its path.
    pub fn write_conf(&self, tag: &str, text: &str) -> PathBuf {
        let path = self.path(&format!("{tag}.conf"));
        std::fs::write(&path, text).unwrap();
        path
    }

    /// Writes the shell script `text` to `name`, executable, and returns
    /// its path.
    pub fn write_script(&self, name: &str, text: &str) -> PathBuf {
        use std::os::unix::fs::PermissionsExt;
        let path = self.path(name);
        std::fs::write(&path, text).unwrap();
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).unwrap();
        path
    }

    /// The control socket of the vrrpd started as `tag`.
    pub fn socket(&self, tag: &str) -> PathBuf {
        self.path(&format!("{tag}.sock"))
    }

    /// What the daemon started as `tag` wrote to its standard error.
    pub fn log(&self, tag: &str) -> String {
        std::fs::read_to_string(self.path(&format!("{tag}.log"))).unwrap_or_default()
    }

    /// The status document of the vrrpd started as `tag`, read through its
    /// control socket; None while it does not answer.
    pub fn status(&self, tag: &str) -> Option<Value> {
        status_at(&self.socket(tag))
    }

    /// The command line of `daemon` with the config file `conf`, run inside
    /// `ns` through `ip netns exec`, or (None) in the test's own namespace;
    /// its pid files, control socket and dump file are `<tag>.*` in the lab
    /// directory. Standard output and error are left to the caller.
    pub fn command(&self, ns: Option<&str>, daemon: Daemon, conf: &Path, tag: &str) -> Command {
        self.wrapped_command(ns, daemon, conf, tag, &[])
    }

    /// [`Lab::command`] with `wrap` (a command that execs its arguments,
    /// such as `env -i`) before the daemon's program.
    pub fn wrapped_command(
        &self,
        ns: Option<&str>,
        daemon: Daemon,
        conf: &Path,
        tag: &str,
        wrap: &[&str],
    ) -> Command {
        let program = daemon.program();
        let mut cmd = match (ns, wrap.split_first()) {
            (Some(ns), _) => {
                let mut c = Command::new("ip");
                c.args(["netns", "exec", ns]).args(wrap).arg(program);
                c
            }
            (None, Some((first, rest))) => {
                let mut c = Command::new(first);
                c.args(rest).arg(program);
                c
            }
            (None, None) => Command::new(program),
        };
        match daemon {
            Daemon::Vrrpd => {
                cmd.arg("-f")
                    .arg(conf)
                    .arg("--socket")
                    .arg(self.socket(tag))
                    .arg("--dump-file")
                    .arg(self.path(&format!("{tag}.json")));
            }
            Daemon::Keepalived => {
                cmd.args(["-n", "-l", "-D", "-P", "-f"])
                    .arg(conf)
                    .arg("-p")
                    .arg(self.path(&format!("{tag}.k.pid")))
                    .arg("-r")
                    .arg(self.path(&format!("{tag}.v.pid")));
            }
            Daemon::KeepalivedBfd => {
                cmd.args(["-n", "-l", "-D", "-f"]).arg(conf);
                for (opt, file) in [("-p", "k"), ("-r", "v"), ("-c", "c"), ("-b", "b")] {
                    cmd.arg(opt).arg(self.path(&format!("{tag}.{file}.pid")));
                }
            }
        }
        cmd
    }

    /// Starts `daemon` in `ns` with the config file `conf` (see
    /// [`Lab::command`]); its standard error goes to `<tag>.log` (see
    /// [`Lab::log`]).
    pub fn start(&self, ns: &str, daemon: Daemon, conf: &Path, tag: &str) -> Running {
        self.start_with(ns, daemon, conf, tag, &[])
    }

    /// Writes `text` to `<tag>.conf` and starts `daemon` on it in `ns`
    /// (see [`Lab::start`]).
    pub fn start_conf(&self, ns: &str, daemon: Daemon, text: &str, tag: &str) -> Running {
        let path = self.write_conf(tag, text);
        self.start(ns, daemon, &path, tag)
    }

    /// Rewrites `<tag>.conf` with `text` and sends `daemon` SIGHUP.
    pub fn reload(&self, daemon: &Running, tag: &str, text: &str) {
        self.write_conf(tag, text);
        daemon.signal("HUP");
    }

    /// [`Lab::start`] with the daemon's command line ending in `extra`.
    pub fn start_with(
        &self,
        ns: &str,
        daemon: Daemon,
        conf: &Path,
        tag: &str,
        extra: &[&str],
    ) -> Running {
        self.start_wrapped(ns, daemon, conf, tag, &[], extra)
    }

    /// [`Lab::start_with`] with `wrap` before the daemon's program (see
    /// [`Lab::wrapped_command`]).
    pub fn start_wrapped(
        &self,
        ns: &str,
        daemon: Daemon,
        conf: &Path,
        tag: &str,
        wrap: &[&str],
        extra: &[&str],
    ) -> Running {
        let log = std::fs::File::create(self.path(&format!("{tag}.log"))).unwrap();
        let child = self
            .wrapped_command(Some(ns), daemon, conf, tag, wrap)
            .args(extra)
            .stdout(Stdio::null())
            .stderr(log)
            .spawn()
            .unwrap();
        Running::new(child, daemon)
    }
}

impl Drop for Lab {
    fn drop(&mut self) {
        for n in &self.names {
            delete_ns(n, false);
            // keepalived's directory for a daemon with `net_namespace`
            let _ = std::fs::remove_dir_all(format!("/run/keepalived/{n}"));
        }
        if std::thread::panicking() || std::env::var_os("NB_LAB_KEEP").is_some() {
            eprintln!("lab files kept in {}", self.dir.display());
        } else {
            let _ = std::fs::remove_dir_all(&self.dir);
        }
    }
}

fn delete_ns(name: &str, quiet: bool) {
    let mut cmd = Command::new("ip");
    cmd.args(["netns", "del", name]);
    if quiet {
        cmd.stderr(Stdio::null());
    }
    let _ = cmd.status();
}

/// A daemon started by [`Lab::start`]; killed on drop.
pub struct Running {
    kid: Option<Kid>,
    daemon: Daemon,
}

impl Running {
    /// `child`, an `ip netns exec` of `daemon` or `daemon` itself.
    pub fn new(child: Child, daemon: Daemon) -> Running {
        Running {
            kid: Some(Kid(child)),
            daemon,
        }
    }

    /// Which daemon this is.
    pub fn daemon(&self) -> Daemon {
        self.daemon
    }

    /// Its pid (`ip netns exec` execs the daemon: the child's pid is the
    /// daemon's); None once stopped.
    pub fn pid(&self) -> Option<u32> {
        self.kid.as_ref().map(|k| k.0.id())
    }

    /// True while it has not exited.
    pub fn running(&mut self) -> bool {
        self.kid
            .as_mut()
            .is_some_and(|k| k.0.try_wait().unwrap().is_none())
    }

    /// Sends `signal` (a `kill` name such as "HUP").
    pub fn signal(&self, signal: &str) {
        if let Some(pid) = self.pid() {
            shell(&format!("kill -{signal} {pid}"));
        }
    }

    /// Waits up to `timeout` for it to exit on its own; its exit status,
    /// or None when it still runs (or was stopped).
    pub fn wait_exit(&mut self, timeout: Duration) -> Option<std::process::ExitStatus> {
        let kid = self.kid.as_mut()?;
        let end = Instant::now() + timeout;
        loop {
            if let Some(st) = kid.0.try_wait().unwrap() {
                return Some(st);
            }
            if Instant::now() >= end {
                return None;
            }
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    /// SIGKILL, and waits (10 s at most) for it to exit. keepalived's VRRP
    /// child (its pid file `<tag>.v.pid` in `lab`) is killed at the same
    /// moment, as its parent would restart it, and waited for until it has
    /// left /proc.
    pub fn sigkill(&mut self, lab: &Lab, tag: &str) {
        let Some(mut kid) = self.kid.take() else {
            return;
        };
        let mut pids = vec![kid.0.id().to_string()];
        if self.daemon != Daemon::Vrrpd {
            let child = std::fs::read_to_string(lab.path(&format!("{tag}.v.pid"))).unwrap();
            pids.push(child.trim().to_string());
        }
        shell(&format!("kill -KILL {}", pids.join(" ")));
        let end = Instant::now() + Duration::from_secs(10);
        while kid.0.try_wait().unwrap().is_none() {
            assert!(Instant::now() < end, "no exit 10 s after SIGKILL");
            std::thread::sleep(Duration::from_millis(100));
        }
        // keepalived's VRRP child is not ours to wait for: gone from /proc.
        for pid in &pids[1..] {
            wait_until(
                Duration::from_secs(10),
                "keepalived's VRRP child gone",
                || !Path::new(&format!("/proc/{pid}")).exists(),
            );
        }
    }

    /// SIGTERM, then waits (15 s at most) for it to exit.
    pub fn stop(&mut self) {
        if let Some(mut kid) = self.kid.take() {
            stop_child(&mut kid.0);
        }
    }
}

/// Sends SIGTERM to `child` and waits for it; the test fails when it has
/// not exited 15 s later.
pub fn stop_child(child: &mut Child) {
    let _ = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status();
    let end = Instant::now() + Duration::from_secs(15);
    while child.try_wait().unwrap().is_none() {
        assert!(Instant::now() < end, "no exit 15 s after SIGTERM");
        std::thread::sleep(Duration::from_millis(100));
    }
}

/// The status document of the vrrpd whose control socket is `sock`; None
/// while it does not answer.
pub fn status_at(sock: &Path) -> Option<Value> {
    serde_json::from_str(&ha_daemon_kit::control::fetch(sock).ok()?).ok()
}

/// Polls `ok` every 200 ms until it holds; the test fails with "timed out
/// waiting for WHAT" once `timeout` has passed.
pub fn wait_until(timeout: Duration, what: &str, ok: impl FnMut() -> bool) {
    assert!(poll_until(timeout, ok), "timed out waiting for {what}");
}

/// Polls `ok` every 200 ms until it holds or `timeout` has passed; whether
/// it held (for a test that then asserts with a better message than
/// [`wait_until`]'s).
pub fn poll_until(timeout: Duration, mut ok: impl FnMut() -> bool) -> bool {
    let start = Instant::now();
    loop {
        if ok() {
            return true;
        }
        if start.elapsed() >= timeout {
            return false;
        }
        std::thread::sleep(Duration::from_millis(200));
    }
}

/// `ip -j addr show dev DEV` of `ns` as JSON, the address list of the
/// device without the lifetimes (which tick).
pub fn addresses(ns: &str, dev: &str) -> Value {
    let text = shell(&format!("ip -j -n {ns} addr show dev {dev}"));
    let v: Value = serde_json::from_str(&text).unwrap();
    let mut out = Vec::new();
    for mut a in v[0]["addr_info"].as_array().cloned().unwrap_or_default() {
        if let Value::Object(m) = &mut a {
            m.remove("valid_life_time");
            m.remove("preferred_life_time");
        }
        out.push(a);
    }
    Value::Array(out)
}

/// (interface, address/prefix) of every global address of `ns`, sorted;
/// `family` is empty or an `ip` family option such as "-4".
pub fn global_addresses(ns: &str, family: &str) -> Vec<(String, String)> {
    let text = shell(&format!("ip -n {ns} -j {family} addr show scope global"));
    let v: Value = serde_json::from_str(&text).unwrap();
    let mut out = Vec::new();
    for l in v.as_array().into_iter().flatten() {
        for a in l["addr_info"].as_array().into_iter().flatten() {
            // ip -j lists an empty object for an address it filtered out
            if a.get("local").is_none() {
                continue;
            }
            out.push((
                l["ifname"].as_str().unwrap_or("").to_string(),
                format!("{}/{}", a["local"].as_str().unwrap_or(""), a["prefixlen"]),
            ));
        }
    }
    out.sort();
    out
}

/// One namespace in a [`Lab`] of its own (both named alike) with looped
/// veth links (see [`Lab::looped_links`]); deleted on drop with the
/// directory.
pub struct Looped {
    /// The namespace.
    pub name: String,
    /// Holds the namespace and the files.
    pub lab: Lab,
}

impl Looped {
    /// The namespace `name` with one looped link per entry of `addrs`.
    pub fn new(name: &str, addrs: &[&str]) -> Looped {
        let mut lab = Lab::new(name);
        let name = lab.add_ns(name);
        lab.looped_links(&name, addrs);
        Looped { name, lab }
    }

    /// Writes `conf` to `k.conf` and starts `daemon` on it, tagged with the
    /// daemon's name (see [`Lab::start`]).
    pub fn start(&self, conf: &str, daemon: Daemon) -> Running {
        let path = self.lab.write_conf("k", conf);
        self.lab.start(&self.name, daemon, &path, daemon.name())
    }

    /// [`global_addresses`] of the namespace.
    pub fn addresses(&self, family: &str) -> Vec<(String, String)> {
        global_addresses(&self.name, family)
    }

    /// Runs `ip -n NS` with `args`.
    pub fn ip(&self, args: &str) {
        shell(&format!("ip -n {} {args}", self.name));
    }
}

/// A router namespace and its peer `<router>-p` joined by a veth pair named
/// `eth0` on both sides (router 10.9.0.1/24 and fd00:9::1/64, peer .2 and
/// ::2, IPv6 duplicate address detection off), in one [`Lab`].
pub struct Pair {
    /// The router namespace.
    pub ns: String,
    /// The peer namespace.
    pub peer: String,
    /// Holds both namespaces and the files.
    pub lab: Lab,
}

impl Pair {
    /// Builds the pair; with `macs` the router's eth0 has the MAC address
    /// 02:00:00:00:00:01 and the peer's 02:00:00:00:00:02.
    pub fn build(name: &str, macs: bool) -> Pair {
        Pair::with_macs(
            name,
            macs.then_some(("02:00:00:00:00:01", "02:00:00:00:00:02")),
        )
    }

    /// Builds the pair; with `macs` (router, peer) the two eth0 have
    /// these MAC addresses before they come up (so their link-local
    /// addresses derive from them).
    pub fn with_macs(name: &str, macs: Option<(&str, &str)>) -> Pair {
        let mut lab = Lab::new(name);
        let ns = lab.add_ns(name);
        let peer = lab.add_ns(&format!("{name}-p"));
        for n in [&ns, &peer] {
            lab.sysctl(n, &["net.ipv6.conf.default.accept_dad=0"]);
        }
        shell(&format!(
            "ip -n {ns} link add eth0 type veth peer name eth0 netns {peer}"
        ));
        if let Some((mine, theirs)) = macs {
            shell(&format!(
                "ip -n {ns} link set eth0 address {mine} && \
                 ip -n {peer} link set eth0 address {theirs}"
            ));
        }
        for (n, host) in [(&ns, 1), (&peer, 2)] {
            lab.addr(n, "eth0", &format!("10.9.0.{host}/24"));
            lab.addr(n, "eth0", &format!("fd00:9::{host}/64"));
            shell(&format!("ip -n {n} link set eth0 up"));
        }
        Pair { ns, peer, lab }
    }

    /// Whether the router holds the IPv4 address `vip` on eth0.
    pub fn holds(&self, vip: &str) -> bool {
        shell(&format!("ip -n {} -4 -o addr show dev eth0", self.ns)).contains(&format!(" {vip}/"))
    }
}
