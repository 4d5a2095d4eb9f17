//! A SIGHUP reload removing instances, against keepalived 2.2.7 (root,
//! network namespaces, keepalived and tcpdump installed; else `SKIPPED:`).
//!
//! keepalived runs in one namespace, this build's vrrpd in another, each
//! alone on a veth link with a peer namespace capturing its adverts, with the
//! same configuration: three instances, a Master and a Backup-turned-Master
//! and one in FAULT (its tracked interface is down), each with every notify
//! script, and a notify FIFO read by its `notify_fifo_script`. A reload keeps
//! only the first instance. Afterwards the notify script calls and FIFO lines
//! written since the reload, the addresses left on the link and the number of
//! priority 0 adverts of the removed Master must be the same for both
//! daemons: keepalived reports a removed instance as FAULT (or DELETED with
//! `notify_deleted`), and a removed FAULT instance not at all without it.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::netns::{Daemon, Lab, Running, skip_differential, wait_until};
use common::shell as sh;

use std::os::unix::fs::PermissionsExt;
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::time::Duration;

/// A router namespace `NAME` and its peer `NAME-p`, joined by a veth pair
/// named `eth0` (router .1, peer .2), plus a down veth `trk` in the router;
/// both namespaces and the temporary directory belong to a [`Lab`] and are
/// deleted on drop.
struct Link {
    ns: String,
    peer: String,
    lab: Lab,
}

impl Link {
    fn new(name: String) -> Self {
        let mut lab = Lab::new(&name);
        std::fs::set_permissions(&lab.dir, std::fs::Permissions::from_mode(0o755)).unwrap();
        let ns = lab.add_ns(&name);
        let peer = lab.add_ns(&format!("{name}-p"));
        lab.veth(&ns, "eth0", &peer, "eth0");
        lab.addr(&ns, "eth0", "10.9.0.1/24");
        lab.addr(&peer, "eth0", "10.9.0.2/24");
        sh(&format!("ip -n {ns} link add trk type veth peer name trk2"));
        let link = Link { ns, peer, lab };
        // A notify script logging its arguments, and the FIFO's reader.
        let log = link.lab.path("notify.log");
        let fifo_log = link.lab.path("fifo.log");
        link.lab.write_script(
            "n.sh",
            &format!("#!/bin/sh\necho \"$*\" >> {}\n", log.display()),
        );
        link.lab.write_script(
            "fifo.sh",
            &format!(
                "#!/bin/sh\nwhile read -r l; do echo \"$l\" >> {}; done < \"$1\"\n",
                fifo_log.display()
            ),
        );
        link
    }

    fn lines(&self, file: &str) -> Vec<String> {
        std::fs::read_to_string(self.lab.path(file))
            .unwrap_or_default()
            .lines()
            .map(String::from)
            .collect()
    }

    fn has_address(&self, addr: &str) -> bool {
        sh(&format!("ip -n {} addr show", self.ns)).contains(&format!(" {addr}/"))
    }

    fn conf(&self) -> PathBuf {
        self.lab.path("k.conf")
    }

    /// Starts keepalived (`vrrpd` false) or this build's vrrpd with `conf`.
    fn start(&self, conf: &str, vrrpd: bool) -> Running {
        let daemon = Daemon::of(vrrpd);
        let path = self.lab.write_conf("k", conf);
        self.lab.start(&self.ns, daemon, &path, daemon.name())
    }

    /// tcpdump's text for the VRRP adverts seen by the peer.
    fn capture(&self) -> common::Kid {
        let out = std::fs::File::create(self.lab.path("cap.txt")).unwrap();
        let child = Command::new("ip")
            .args([
                "netns", "exec", &self.peer, "tcpdump", "-n", "-l", "-i", "eth0",
            ])
            .arg("ip proto 112")
            .stdout(out)
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        common::Kid(child)
    }

    fn zero_priority_adverts(&self, vrid: u8) -> usize {
        self.lines("cap.txt")
            .iter()
            .filter(|l| l.contains(&format!("vrid {vrid}, prio 0,")))
            .count()
    }
}

fn wait_for(what: &str, ok: impl FnMut() -> bool) {
    wait_until(Duration::from_secs(20), what, ok);
}

fn instance(dir: &std::path::Path, name: &str, vrid: u8, prio: u8, extra: &str) -> String {
    let n = dir.join("n.sh");
    let n = n.display();
    format!(
        "vrrp_instance {name} {{\n state BACKUP\n interface eth0\n virtual_router_id {vrid}\n \
         priority {prio}\n advert_int 1\n{extra}\n \
         notify_master \"{n} master {name}\"\n notify_backup \"{n} backup {name}\"\n \
         notify_fault \"{n} fault {name}\"\n notify_stop \"{n} stop {name}\"\n \
         notify \"{n} generic\"\n virtual_ipaddress {{\n  10.9.0.{vrid}/24\n }}\n}}\n"
    )
}

fn config(link: &Link, all: bool, deleted: bool) -> String {
    let d = link.lab.dir.display();
    let deleted = if deleted {
        format!(" notify_deleted \"{d}/n.sh deleted\"")
    } else {
        String::new()
    };
    let mut c = format!(
        "global_defs {{\n router_id rm\n notify_fifo {d}/notify.fifo\n \
         notify_fifo_script {d}/fifo.sh\n}}\n"
    );
    c += &instance(&link.lab.dir, "VI_A", 81, 100, "");
    if all {
        c += &instance(&link.lab.dir, "VI_B", 82, 150, &deleted);
        let tracked = format!("{deleted}\n track_interface {{\n  trk\n }}");
        c += &instance(&link.lab.dir, "VI_C", 83, 100, &tracked);
    }
    c
}

fn differential(tag: &str, deleted: bool) {
    if skip_differential("reload removal differential", &["keepalived", "tcpdump"]) {
        return;
    }
    let pid = std::process::id();
    let k = Link::new(format!("nm-rr{tag}k-{pid}"));
    let o = Link::new(format!("nm-rr{tag}o-{pid}"));
    let caps = [k.capture(), o.capture()];
    let mut daemons = Vec::new();
    for (l, vrrpd) in [(&k, false), (&o, true)] {
        daemons.push(l.start(&config(l, true, deleted), vrrpd));
    }
    for (l, who) in [(&k, "keepalived"), (&o, "vrrpd")] {
        wait_for(&format!("{who}'s Masters"), || {
            l.has_address("10.9.0.81") && l.has_address("10.9.0.82")
        });
    }
    std::thread::sleep(Duration::from_secs(2));
    let before = [
        (k.lines("notify.log").len(), k.lines("fifo.log").len()),
        (o.lines("notify.log").len(), o.lines("fifo.log").len()),
    ];
    for (l, d) in [&k, &o].into_iter().zip(&daemons) {
        std::fs::write(l.conf(), config(l, false, deleted)).unwrap();
        d.signal("HUP");
    }
    for (l, who) in [(&k, "keepalived"), (&o, "vrrpd")] {
        wait_for(&format!("{who} released VI_B"), || {
            !l.has_address("10.9.0.82")
        });
    }
    std::thread::sleep(Duration::from_secs(3));
    let since = |l: &Link, (n, f): (usize, usize)| {
        let mut notify: Vec<String> = l.lines("notify.log").split_off(n);
        notify.sort();
        (notify, l.lines("fifo.log").split_off(f))
    };
    let (kn, kf) = since(&k, before[0]);
    let (on, of) = since(&o, before[1]);
    let (kz, oz) = (k.zero_priority_adverts(82), o.zero_priority_adverts(82));
    let kept = [&k, &o].map(|l| l.has_address("10.9.0.81"));
    for d in &mut daemons {
        d.stop();
    }
    drop(caps);
    eprintln!("keepalived: {kn:?} {kf:?}\nvrrpd: {on:?} {of:?}");
    assert!(!kn.is_empty(), "keepalived ran no notify script");
    assert_eq!(on, kn, "notify scripts after the reload");
    assert_eq!(of, kf, "FIFO lines after the reload");
    assert_eq!(kept, [true, true], "the kept Master keeps its VIP");
    assert!(kz >= 1, "keepalived sent no priority 0 advert");
    assert_eq!(oz, kz, "priority 0 adverts of the removed Master");
}

/// Without `notify_deleted`: FAULT for the removed Master, nothing for the
/// removed FAULT instance (vrrp.c `clear_diff_vrrp`).
#[test]
fn removed_instances_notify_as_keepalived() {
    differential("f", false);
}

/// With `notify_deleted SCRIPT`: DELETED, its script, for both.
#[test]
fn removed_instances_with_notify_deleted_notify_as_keepalived() {
    differential("d", true);
}
