//! `notify_master_rx_lower_pri` and `notify_priority_changes` against
//! keepalived 2.2.7 (root, network namespaces and keepalived installed; else
//! `SKIPPED:`).
//!
//! Two labs, one per daemon under test, each a router namespace and a peer
//! namespace on one veth link. The router runs the daemon under test with
//! VI_1 (priority 150, its own `notify_priority_changes`, a
//! `notify_master_rx_lower_pri` script), VI_2 (priority 50, the global
//! `vrrp_notify_priority_changes`) and VI_3 (FAULT: its tracked interface
//! is down), all weighting one `track_file` (10 per unit, 1 at start), and a
//! notify FIFO read by its `notify_fifo_script`. The peer always runs
//! keepalived, started once both router instances are Master, and drops
//! every advert from the router (nftables in its namespace), so it becomes
//! Master too: VI_1 at priority 100 (the router's Master hears a lower
//! priority every second and answers) and VI_2 at 200 (the router's VI_2
//! goes Backup), each instance in a keepalived of its own. Once both routers
//! heard the lower priority the VI_1 peers stop (priority 0: no
//! lower-priority event). Then the tracked file moves both
//! priorities up and down. The distinct notify script calls and FIFO lines
//! must be the same for both daemons (how many lower-priority adverts were
//! heard depends on timing).

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::netns::{Daemon, Lab, Running, skip_differential, wait_until};
use common::shell as sh;

use std::os::unix::fs::PermissionsExt;
use std::time::Duration;

/// A router namespace and its peer (`NAME-p`), joined by `eth0` (router .1,
/// peer .2), with the notify and FIFO scripts and the tracked file.
struct Link {
    ns: String,
    peer: String,
    lab: Lab,
}

impl Link {
    fn new(name: &str) -> Self {
        let mut lab = Lab::new(name);
        std::fs::set_permissions(&lab.dir, std::fs::Permissions::from_mode(0o755)).unwrap();
        let ns = lab.add_ns(name);
        let peer = lab.add_ns(&format!("{name}-p"));
        lab.veth(&ns, "eth0", &peer, "eth0");
        lab.addr(&ns, "eth0", "10.9.1.1/24");
        lab.addr(&peer, "eth0", "10.9.1.2/24");
        sh(&format!("ip -n {ns} link add trk type veth peer name trk2"));
        let log = lab.path("notify.log");
        lab.write_script(
            "n.sh",
            &format!("#!/bin/sh\necho \"$*\" >> {}\n", log.display()),
        );
        let fifo_log = lab.path("fifo.log");
        lab.write_script(
            "fifo.sh",
            &format!(
                "#!/bin/sh\nwhile read -r l; do echo \"$l\" >> {}; done < \"$1\"\n",
                fifo_log.display()
            ),
        );
        std::fs::write(lab.path("weight"), "1\n").unwrap();
        Link { ns, peer, lab }
    }

    fn lines(&self, file: &str) -> Vec<String> {
        std::fs::read_to_string(self.lab.path(file))
            .unwrap_or_default()
            .lines()
            .map(String::from)
            .collect()
    }

    fn has_address(&self, ns: &str, addr: &str) -> bool {
        sh(&format!("ip -n {ns} addr show")).contains(&format!(" {addr}/"))
    }

    /// The router's configuration.
    fn router_conf(&self) -> String {
        let d = self.lab.dir.display();
        let inst = |name: &str, vrid: u8, prio: u8, extra: &str| {
            format!(
                "vrrp_instance {name} {{\n state BACKUP\n interface eth0\n \
                 virtual_router_id {vrid}\n priority {prio}\n advert_int 1\n{extra}\n \
                 track_file {{\n  w weight 10\n }}\n \
                 virtual_ipaddress {{\n  10.9.1.{vrid}/24\n }}\n}}\n"
            )
        };
        format!(
            "global_defs {{\n router_id nx\n vrrp_notify_priority_changes\n \
             notify_fifo {d}/notify.fifo\n notify_fifo_script {d}/fifo.sh\n}}\n\
             vrrp_track_file w {{\n file {d}/weight\n}}\n{}{}{}",
            inst(
                "VI_1",
                51,
                150,
                &format!(
                    " notify_priority_changes\n notify_master_rx_lower_pri \"{d}/n.sh rxlow VI_1\""
                )
            ),
            inst("VI_2", 52, 50, ""),
            inst("VI_3", 53, 100, " track_interface {\n  trk\n }")
        )
    }

    /// A peer's configuration (keepalived, no scripts): one instance.
    fn peer_conf(name: &str, vrid: u8, prio: u8) -> String {
        format!(
            "global_defs {{\n router_id nxp{vrid}\n}}\n\
             vrrp_instance {name} {{\n state BACKUP\n interface eth0\n \
             virtual_router_id {vrid}\n priority {prio}\n advert_int 1\n \
             virtual_ipaddress {{\n  10.9.1.{vrid}/24\n }}\n}}\n"
        )
    }

    fn set_weight(&self, v: i32) {
        std::fs::write(self.lab.path("weight"), format!("{v}\n")).unwrap();
    }
}

fn wait_for(what: &str, ok: impl FnMut() -> bool) {
    wait_until(Duration::from_secs(20), what, ok);
}

#[test]
fn lower_priority_and_priority_changes_notify_as_keepalived() {
    if skip_differential("notify events differential", &["keepalived"]) {
        return;
    }
    let pid = std::process::id();
    let k = Link::new(&format!("ntx-nek-{pid}"));
    let o = Link::new(&format!("ntx-neo-{pid}"));
    let mut daemons: Vec<Running> = Vec::new();
    for (l, vrrpd) in [(&k, false), (&o, true)] {
        daemons.push(l.lab.start_conf(
            &l.ns,
            Daemon::of(vrrpd),
            &l.router_conf(),
            Daemon::of(vrrpd).name(),
        ));
    }
    for (l, who) in [(&k, "keepalived"), (&o, "vrrpd")] {
        wait_for(&format!("{who}'s VI_1 and VI_2 Master"), || {
            l.has_address(&l.ns, "10.9.1.51") && l.has_address(&l.ns, "10.9.1.52")
        });
    }
    for l in [&k, &o] {
        sh(&format!(
            "ip netns exec {} nft 'add table ip ntx; \
             add chain ip ntx in {{ type filter hook input priority 0; }}; \
             add rule ip ntx in ip saddr 10.9.1.1 ip protocol vrrp drop'",
            l.peer
        ));
        for (name, vrid, prio) in [("VI_1", 51, 100), ("VI_2", 52, 200)] {
            let conf = Link::peer_conf(name, vrid, prio);
            let tag = format!("peer{vrid}");
            daemons.push(l.lab.start_conf(&l.peer, Daemon::Keepalived, &conf, &tag));
        }
    }
    // [router k, router o, k VI_1, k VI_2, o VI_1, o VI_2]
    let mut peers_2 = daemons.split_off(2);
    for (l, who) in [(&k, "keepalived"), (&o, "vrrpd")] {
        wait_for(&format!("{who} heard the lower VI_1 peer"), || {
            l.lines("notify.log").iter().any(|x| x == "rxlow VI_1")
        });
        wait_for(&format!("{who}'s VI_2 Backup"), || {
            !l.has_address(&l.ns, "10.9.1.52")
        });
    }
    // The VI_1 peers go (priority 0: no lower-priority event); the VI_2
    // peers stay Master, so the routers' VI_2 stay Backup.
    for i in [0, 2] {
        peers_2[i].stop();
    }
    std::thread::sleep(Duration::from_secs(3));
    for v in [2, -3, 0] {
        for l in [&k, &o] {
            l.set_weight(v);
        }
        std::thread::sleep(Duration::from_secs(2));
    }
    let still_master = [&k, &o].map(|l| l.has_address(&l.ns, "10.9.1.51"));
    let vi2_backup = [&k, &o].map(|l| !l.has_address(&l.ns, "10.9.1.52"));
    for d in daemons.iter_mut().chain(&mut peers_2) {
        d.stop();
    }
    let got = |l: &Link| {
        let mut fifo: Vec<String> = l
            .lines("fifo.log")
            .into_iter()
            .filter(|x| x.contains("PRI"))
            .collect();
        fifo.sort();
        fifo.dedup();
        let mut notify = l.lines("notify.log");
        notify.dedup();
        (notify, fifo)
    };
    let (kn, kf) = got(&k);
    let (on, of) = got(&o);
    eprintln!("keepalived: {kn:?} {kf:?}\nvrrpd: {on:?} {of:?}");
    assert_eq!(still_master, [true, true], "VI_1 stays Master");
    assert_eq!(vi2_backup, [true, true], "VI_2 stays Backup");
    // the file's starting value 1 is reported at start-up
    assert!(
        kf.contains(&"INSTANCE \"VI_1\" BACKUP_PRIORITY 160".to_string()),
        "{kf:?}"
    );
    assert!(
        kf.contains(&"INSTANCE \"VI_1\" MASTER_RX_LOWER_PRI 160".to_string()),
        "{kf:?}"
    );
    assert!(
        kf.contains(&"INSTANCE \"VI_1\" MASTER_PRIORITY 170".to_string()),
        "{kf:?}"
    );
    assert!(
        kf.contains(&"INSTANCE \"VI_2\" BACKUP_PRIORITY 70".to_string()),
        "{kf:?}"
    );
    assert!(
        kf.contains(&"INSTANCE \"VI_3\" BACKUP_PRIORITY 120".to_string()),
        "{kf:?}"
    );
    assert_eq!(on, kn, "notify script calls");
    assert_eq!(of, kf, "MASTER_RX_LOWER_PRI and *_PRIORITY FIFO lines");
}
