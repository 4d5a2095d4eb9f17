//! The link-local address of an IPv6 instance's VMAC (`use_vmac`), against
//! keepalived 2.2.7 (root, network namespaces and keepalived installed;
//! else `SKIPPED:`).
//!
//! Two labs, each a router namespace and its peer joined by `eth0`; the
//! router's eth0 has the MAC address 02:00:00:00:00:01 and, instead of the
//! kernel's link-local address, fe80::1. The router runs the daemon under
//! test (keepalived in one lab, this build's vrrpd in the other) with one
//! IPv6 instance on eth0 with `use_vmac`, alone (Master). The link-local
//! addresses of the VMAC, and the instance's state, must be equal for both
//! daemons after each step (docs/keepalived.md §3.24):
//!
//! 1. start: the VMAC is made without the kernel's address and takes the
//!    parent's link-local, fe80::1 (vrrp_vmac.c `set_link_local_address`);
//! 2. fe80::3 added to eth0 beside it: nothing changes;
//! 3. fe80::1 deleted from eth0: the VMAC takes fe80::3
//!    (keepalived_netlink.c `netlink_if_address_filter`,
//!    `reset_link_local_address`);
//! 4. fe80::3 deleted: the VMAC's address is replaced by the one made from
//!    the parent's MAC, fe80::ff:fe00:1 (`replace_link_local_address`);
//! 5. fe80::2 added to eth0, which has no link-local: the VMAC takes it;
//! 6. a reload (SIGHUP, same configuration): nothing changes;
//! 7. fe80::2 deleted: fe80::ff:fe00:1 again;
//! 8. a reload then: the instance, without a source, goes to FAULT and
//!    sends nothing; the VMAC keeps its address;
//! 9. fe80::4 added to eth0: the VMAC takes it (only the addresses are
//!    compared here: keepalived leaves the instance in FAULT, vrrpd brings
//!    it up; docs/keepalived.md §3.24).
//!
//! Until step 9 the instance's state and the source of its adverts (the
//! next one the peer sees, by tcpdump) are compared too.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::shell as sh;

use common::netns::{Daemon, Pair, Running, skip_differential, wait_until};

use std::time::Duration;

const ROUTER: &str = "global_defs {\n router_id vll6\n script_user root\n}\n\
vrrp_instance six {\n state BACKUP\n interface eth0\n virtual_router_id 61\n\
 priority 200\n advert_int 1\n use_vmac vrrp6.61\n notify NOTIFY\n\
 virtual_ipaddress {\n fd00:9::100/64\n }\n}\n";

/// A step: its name and what it does in a lab.
type Step<'a> = (&'a str, &'a dyn Fn(&VmacLab));

/// One lab: the pair and the router's daemon.
struct VmacLab {
    pair: Pair,
    conf: String,
    router: Running,
}

impl VmacLab {
    fn new(name: String, vrrpd: bool) -> VmacLab {
        let pair = Pair::build(&name, true);
        let lab = &pair.lab;
        sh(&format!(
            "ip -n {ns} addr flush dev eth0 scope link && \
             ip -n {ns} addr add fe80::1/64 dev eth0 nodad",
            ns = pair.ns
        ));
        let script = lab.write_script(
            "notify.sh",
            &format!(
                "#!/bin/sh\necho \"$3\" >> {}/\"$2\".states\n",
                lab.dir.display()
            ),
        );
        let conf = ROUTER.replace("NOTIFY", &script.display().to_string());
        let router = lab.start_conf(&pair.ns, Daemon::of(vrrpd), &conf, "router");
        VmacLab { pair, conf, router }
    }

    fn last_state(&self) -> Option<String> {
        std::fs::read_to_string(self.pair.lab.path("six.states"))
            .unwrap_or_default()
            .lines()
            .last()
            .map(str::to_string)
    }

    /// The link-local addresses of `dev` in the router with their flags
    /// (`deprecated`, `nodad`, ...), sorted.
    fn link_local(&self, dev: &str) -> Vec<String> {
        let out = sh(&format!(
            "ip -n {} -6 -o addr show dev {dev} scope link",
            self.pair.ns
        ));
        let mut v: Vec<String> = out
            .lines()
            .map(|l| {
                let words = l.split('\\').next().unwrap_or("");
                let w: Vec<&str> = words.split_whitespace().skip(3).collect();
                w.join(" ")
            })
            .collect();
        v.sort();
        v
    }

    fn ip(&self, args: &str) {
        sh(&format!("ip -n {} {args}", self.pair.ns));
    }

    /// The source of the next advert the peer sees (4 s at most).
    fn advert_source(&self) -> String {
        let out = sh(&format!(
            "ip netns exec {} timeout 4 tcpdump -c 1 -t -n -l -i eth0 'ip6 proto 112' 2>/dev/null || true",
            self.pair.peer
        ));
        out.split_whitespace().nth(1).unwrap_or("none").to_string()
    }

    /// The VMAC's link-local addresses, the instance's state and the source
    /// of its adverts.
    fn seen(&self) -> (Vec<String>, Option<String>, String) {
        (
            self.link_local("vrrp6.61"),
            self.last_state(),
            self.advert_source(),
        )
    }
}

#[test]
fn the_vmac_link_local_follows_keepalived() {
    if skip_differential(
        "IPv6 VMAC link-local differential",
        &["keepalived", "tcpdump"],
    ) {
        return;
    }
    let pid = std::process::id();
    let labs = [
        VmacLab::new(format!("vll6-k-{pid}"), false),
        VmacLab::new(format!("vll6-o-{pid}"), true),
    ];
    for (l, who) in labs.iter().zip(["keepalived", "vrrpd"]) {
        wait_until(Duration::from_secs(20), &format!("{who} Master"), || {
            l.last_state().as_deref() == Some("MASTER")
        });
    }
    let steps: [Step; 9] = [
        ("start", &|_| {}),
        ("a second link-local added to the parent", &|l| {
            l.ip("addr add fe80::3/64 dev eth0 nodad");
        }),
        ("the parent's first link-local deleted", &|l| {
            l.ip("addr del fe80::1/64 dev eth0");
        }),
        ("the parent's last link-local deleted", &|l| {
            l.ip("addr del fe80::3/64 dev eth0");
        }),
        ("a link-local added to the parent without one", &|l| {
            l.ip("addr add fe80::2/64 dev eth0 nodad");
        }),
        ("reload", &|l| {
            l.pair.lab.reload(&l.router, "router", &l.conf);
        }),
        ("the parent's link-local deleted again", &|l| {
            l.ip("addr del fe80::2/64 dev eth0");
        }),
        ("reload with no parent link-local", &|l| {
            l.pair.lab.reload(&l.router, "router", &l.conf);
        }),
        ("a link-local added to the parent after that reload", &|l| {
            l.ip("addr add fe80::4/64 dev eth0 nodad");
        }),
    ];
    // keepalived's VMAC address, state and advert source after each step
    let want = [
        ("fe80::1/64", "MASTER", "fe80::1"),
        ("fe80::1/64", "MASTER", "fe80::1"),
        ("fe80::3/64", "MASTER", "fe80::3"),
        ("fe80::ff:fe00:1/64", "MASTER", "fe80::ff:fe00:1"),
        ("fe80::2/64", "MASTER", "fe80::2"),
        ("fe80::2/64", "MASTER", "fe80::2"),
        ("fe80::ff:fe00:1/64", "MASTER", "fe80::ff:fe00:1"),
        ("fe80::ff:fe00:1/64", "FAULT", "none"),
        ("fe80::4/64", "FAULT", "none"),
    ];
    let mut failed = Vec::new();
    for ((what, act), want) in steps.into_iter().zip(want) {
        for l in &labs {
            act(l);
        }
        std::thread::sleep(Duration::from_millis(2000));
        let (k, o) = (labs[0].seen(), labs[1].seen());
        eprintln!("{what}: keepalived {k:?}, vrrpd {o:?}");
        let (addr, state, source) = want;
        assert_eq!(k.1.as_deref(), Some(state), "{what}: keepalived's state");
        assert!(
            k.0.len() == 1 && k.0[0].starts_with(&format!("{addr} ")),
            "{what}: keepalived's VMAC addresses {:?}, expected {addr}",
            k.0
        );
        assert_eq!(k.2, source, "{what}: keepalived's advert source");
        // keepalived leaves an instance downed by a reload in FAULT when
        // its VMAC gets an address (docs/keepalived.md §3.24); vrrpd brings
        // it up: only the addresses are compared there
        let (k, o) = if what.ends_with("after that reload") {
            ((k.0, None, String::new()), (o.0, None, String::new()))
        } else {
            (k, o)
        };
        if k != o {
            failed.push(format!("{what}: keepalived {k:?}, vrrpd {o:?}"));
        }
    }
    assert!(failed.is_empty(), "{failed:#?}");
}
