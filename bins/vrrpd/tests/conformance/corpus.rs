//! Preparing one corpus file for a run: a copy whose scripts are stubs, and
//! the interfaces and addresses its instances need to start.
//!
//! The corpus itself is never modified: the copy is written into the run's
//! own directory.

use std::collections::BTreeSet;
use std::path::Path;

/// Keywords whose value is a command line (`vrrp_script` `script`, the
/// instance and sync group notify scripts).
const SCRIPT_KEYWORDS: &[&str] = &[
    "script",
    "notify",
    "notify_master",
    "notify_backup",
    "notify_fault",
    "notify_stop",
    "notify_deleted",
    "notify_master_rx_lower_pri",
];

/// Keywords followed by an interface name.
const INTERFACE_KEYWORDS: &[&str] = &[
    "interface",
    "dev",
    "default_interface",
    "lvs_sync_daemon_interface",
    "lvs_sync_daemon",
];

/// A corpus file made runnable in a namespace.
#[derive(Debug, Default)]
pub struct Prepared {
    /// The configuration with every script's program replaced by a stub.
    pub text: String,
    /// How many stubs `text` names (`stub-0` .. in the stub directory).
    pub stubs: usize,
    /// Interfaces to create, in first-seen order.
    pub interfaces: Vec<String>,
    /// (interface, address) of each instance's `unicast_src_ip` /
    /// `mcast_src_ip`, to put on its interface.
    pub addresses: Vec<(String, String)>,
}

/// Whether `s` can be a Linux interface name (and is not `lo`).
fn interface_name(s: &str) -> bool {
    (1..=15).contains(&s.len())
        && s != "lo"
        && s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"._-".contains(&b))
}

/// Rewrites the command at the start of `rest` (quoted or not) to run
/// `stub` with the same arguments.
fn stub_command(rest: &str, stub: &str) -> String {
    let lead = &rest[..rest.len() - rest.trim_start().len()];
    let body = rest.trim_start();
    if let Some(q) = body.strip_prefix('"') {
        let inner = q.trim_start();
        let end = inner
            .find(|c: char| c.is_whitespace() || c == '"')
            .unwrap_or(inner.len());
        format!("{lead}\"{stub}{}", &inner[end..])
    } else {
        let end = body.find(char::is_whitespace).unwrap_or(body.len());
        format!("{lead}{stub}{}", &body[end..])
    }
}

/// Prepares `text`; stubs are named `<stub_dir>/stub-N`.
pub fn prepare(text: &str, stub_dir: &Path) -> Prepared {
    let mut p = Prepared::default();
    let mut seen = BTreeSet::new();
    let mut add_if = |p: &mut Prepared, name: &str| {
        if interface_name(name) && seen.insert(name.to_string()) {
            p.interfaces.push(name.to_string());
        }
    };
    let mut in_track_interface = false;
    let mut instance_if: Option<String> = None;
    let mut instance_src: Vec<String> = Vec::new();
    let mut depth = 0i32;
    let mut instance_depth: Option<i32> = None;
    let mut out = String::with_capacity(text.len());
    for line in text.lines() {
        let code = line.split(['#', '!']).next().unwrap_or("");
        let words: Vec<&str> = code.split_whitespace().collect();
        let mut new_line = line.to_string();
        if let Some(&first) = words.first() {
            if SCRIPT_KEYWORDS.contains(&first) && words.len() > 1 {
                let at = line.find(first).unwrap_or(0) + first.len();
                let stub = stub_dir.join(format!("stub-{}", p.stubs));
                p.stubs += 1;
                new_line = format!(
                    "{}{}",
                    &line[..at],
                    stub_command(&line[at..], &stub.display().to_string())
                );
            }
            if first == "vrrp_instance" {
                instance_depth = Some(depth);
                instance_if = None;
                instance_src.clear();
            }
            if in_track_interface && first != "}" {
                add_if(&mut p, first);
            }
            if first == "track_interface" {
                in_track_interface = true;
            }
            if instance_depth.is_some()
                && matches!(first, "unicast_src_ip" | "mcast_src_ip")
                && let Some(a) = words.get(1)
            {
                instance_src.push((*a).to_string());
            }
            if instance_depth.is_some()
                && depth == instance_depth.unwrap_or(0) + 1
                && first == "interface"
            {
                instance_if = words.get(1).map(|s| (*s).to_string());
            }
        }
        for w in words.windows(2) {
            if INTERFACE_KEYWORDS.contains(&w[0]) {
                add_if(&mut p, w[1]);
            }
        }
        for c in code.chars() {
            match c {
                '{' => depth += 1,
                '}' => {
                    depth -= 1;
                    in_track_interface = false;
                    if instance_depth == Some(depth) {
                        instance_depth = None;
                        if let Some(i) = instance_if.take().filter(|i| interface_name(i)) {
                            for a in instance_src.drain(..) {
                                p.addresses.push((i.clone(), a));
                            }
                        }
                    }
                }
                _ => {}
            }
        }
        out.push_str(&new_line);
        out.push('\n');
    }
    p.text = out;
    p
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scripts_become_stubs_and_interfaces_are_found() {
        let conf = "vrrp_script chk {\n  script \"/usr/bin/killall -0 nginx\"\n}\n\
                    vrrp_instance V {\n  interface ens3\n  unicast_src_ip 10.1.1.1\n  \
                    notify_master /etc/k/m.sh\n  track_interface {\n    eth1 weight 5\n  }\n  \
                    virtual_ipaddress {\n    10.1.1.9/24 dev br0 label br0:1\n  }\n}\n";
        let p = prepare(conf, Path::new("/d"));
        assert!(
            p.text.contains("script \"/d/stub-0 -0 nginx\""),
            "{}",
            p.text
        );
        assert!(p.text.contains("notify_master /d/stub-1\n"), "{}", p.text);
        assert_eq!(p.stubs, 2);
        assert_eq!(p.interfaces, ["ens3", "eth1", "br0"]);
        assert_eq!(p.addresses, [("ens3".to_string(), "10.1.1.1".to_string())]);
    }
}
