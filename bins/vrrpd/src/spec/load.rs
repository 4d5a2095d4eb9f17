//! Loading keepalived.conf for vrrpd: parse with keepalived-conf, map with
//! [`crate::spec::mapping`], and sort diagnostics into what stops vrrpd and what
//! does not. As keepalived's VRRP process does, errors inside sections vrrpd
//! does not use (`virtual_server`, `real_server`, checkers, ...) are reported
//! as warnings.

use std::path::Path;

use keepalived_conf::{Diagnostic, LoadOptions, Parsed};

use crate::spec::mapping::{AddressResolver, Mapped, map_config};

/// Top-level sections whose errors matter to vrrpd.
const USED_SECTIONS: &[&str] = &[
    "global_defs",
    "vrrp_instance",
    "vrrp_sync_group",
    "vrrp_script",
    "track_file",
    "vrrp_track_file",
];

/// The suffix [`keepalived_conf::sections::demote_unused`] gives an error in a
/// `bfd_instance`.
const BFD_DEMOTED: &str = " (in `bfd_instance`, which vrrpd does not use)";

/// A loaded configuration.
#[derive(Debug)]
pub struct Loaded {
    /// The parse (model, sources for rendering).
    pub parsed: Parsed,
    /// The mapping (only meaningful when `!has_errors()`).
    pub mapped: Mapped,
    /// Every diagnostic with vrrpd's severities.
    pub diagnostics: Vec<Diagnostic>,
}

impl Loaded {
    /// True if vrrpd must refuse the configuration.
    pub fn has_errors(&self) -> bool {
        self.diagnostics.iter().any(Diagnostic::is_error)
    }

    /// Diagnostics rendered like rustc, with a summary line.
    pub fn render(&self) -> String {
        let mut s: String = self
            .diagnostics
            .iter()
            .map(|d| d.render(&self.parsed.sources))
            .collect::<Vec<_>>()
            .join("\n");
        let e = self.diagnostics.iter().filter(|d| d.is_error()).count();
        let w = self.diagnostics.len() - e;
        if e + w > 0 {
            s.push_str(&format!("\n{e} error(s), {w} warning(s)\n"));
        }
        s
    }
}

/// Reads `path` and maps it. Never fails: problems are diagnostics.
pub fn load(path: &Path, resolver: &dyn AddressResolver) -> Loaded {
    let parsed = keepalived_conf::load(path, &LoadOptions::default());
    finish(parsed, resolver)
}

/// Maps an already parsed configuration.
pub fn finish(parsed: Parsed, resolver: &dyn AddressResolver) -> Loaded {
    let mut diagnostics = keepalived_conf::sections::demote_unused(&parsed, USED_SECTIONS, "vrrpd");
    // vrrpd reads a bfd_instance's name, weight and flags, but its errors are the
    // BFD process's in keepalived (the VRRP process runs on): say that instead
    for d in &mut diagnostics {
        if let Some(m) = d.message.strip_suffix(BFD_DEMOTED) {
            d.message = format!(
                "{m} (keepalived's BFD process reports this; its VRRP process, like vrrpd, runs on)"
            );
        }
    }
    let (mapped, more) = if parsed.has_errors() && diagnostics.iter().any(Diagnostic::is_error) {
        (Mapped::default(), Vec::new())
    } else {
        map_config(&parsed.config, resolver)
    };
    diagnostics.extend(more);
    // Tracker weights that can never move the Master: warned at
    // start, on every reload and by -t, like the other configuration warnings.
    diagnostics.extend(
        keepalived_conf::lint::tracking_weights(&[&parsed.config])
            .into_iter()
            .map(|f| f.diagnostic),
    );
    // Keywords vrrpd reads and does not act on: one warning each, unless the mapping
    // already said so on that line.
    let ignored =
        keepalived_conf::keywords::not_acted_on(&parsed, keepalived_conf::keywords::Daemon::Vrrpd);
    for w in ignored {
        let line = w.span.map(|s| (s.file, s.line));
        if !diagnostics
            .iter()
            .any(|d| !d.is_error() && d.span.map(|s| (s.file, s.line)) == line)
        {
            diagnostics.push(w);
        }
    }
    diagnostics.sort_by_key(|d| d.span);
    Loaded {
        parsed,
        mapped,
        diagnostics,
    }
}

/// Loads a file for the simulator (no root, no interfaces).
pub fn load_for_sim(path: &Path, node: u16) -> Loaded {
    load(path, &crate::spec::mapping::SimResolver { node })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::spec::mapping::SimResolver;
    use keepalived_conf::Severity;

    #[test]
    fn errors_in_unused_sections_are_warnings() {
        let text = "vrrp_instance A {\n interface eth0\n virtual_router_id 1\n virtual_ipaddress {\n 192.0.2.1\n }\n}\nvirtual_server VIP 3306 {\n delay_loop 2\n}\n";
        let p = keepalived_conf::parse_str("t.conf", text, &LoadOptions::default());
        assert!(p.has_errors(), "the parser reports the placeholder address");
        let l = finish(p, &SimResolver { node: 1 });
        assert!(!l.has_errors(), "{}", l.render());
        assert_eq!(l.mapped.instances.len(), 1);
        assert!(
            l.diagnostics
                .iter()
                .any(|d| d.message.contains("vrrpd does not use"))
        );
    }

    /// A keyword vrrpd does not act on is never "OK, 0 warnings".
    #[test]
    fn keywords_not_acted_on_are_warned_once() {
        let text = "global_defs {\n vrrp_strict\n}\nvrrp_instance A {\n interface eth0\n virtual_router_id 1\n use_vmac_addr\n virtual_ipaddress {\n 192.0.2.1\n }\n}\n";
        let p = keepalived_conf::parse_str("t.conf", text, &LoadOptions::default());
        let l = finish(p, &SimResolver { node: 1 });
        assert!(!l.has_errors(), "{}", l.render());
        let w: Vec<(u32, &str)> = l
            .diagnostics
            .iter()
            .map(|d| (d.span.map_or(0, |s| s.line), d.code))
            .collect();
        assert_eq!(w, [(7, "not-acted-on")], "{}", l.render());
        assert!(l.render().contains("0 error(s), 1 warning(s)"));
    }

    /// A session keepalived's BFD process drops does not stop the VRRP side.
    #[test]
    fn bfd_instance_errors_are_warnings_naming_the_bfd_process() {
        let text = "bfd_instance b1 {\n source_ip 192.0.2.2\n}\nvrrp_instance A {\n interface eth0\n virtual_router_id 1\n virtual_ipaddress {\n 192.0.2.1\n }\n}\n";
        let p = keepalived_conf::parse_str("t.conf", text, &LoadOptions::default());
        assert!(p.has_errors());
        let l = finish(p, &SimResolver { node: 1 });
        assert!(!l.has_errors(), "{}", l.render());
        assert!(
            l.diagnostics
                .iter()
                .any(|d| d.message.contains("keepalived's BFD process reports this")),
            "{}",
            l.render()
        );
    }

    #[test]
    fn a_unicast_peer_block_without_a_usable_address_means_multicast() {
        // keepalived skips the malformed peers and, with none left, uses
        // multicast; vrrpd does the same and says so.
        let text = "vrrp_instance A {\n interface eth0\n virtual_router_id 1\n unicast_peer {\n 192.0.2.300\n }\n virtual_ipaddress {\n 192.0.2.1\n }\n}\n";
        let p = keepalived_conf::parse_str("t.conf", text, &LoadOptions::default());
        let l = finish(p, &SimResolver { node: 1 });
        assert!(!l.has_errors(), "{}", l.render());
        assert_eq!(l.mapped.instances.len(), 1);
        assert!(l.mapped.instances[0].config.unicast_peers.is_empty());
        assert!(
            l.diagnostics
                .iter()
                .any(|d| d.code == "no-unicast-peer" && !d.is_error()),
            "{}",
            l.render()
        );
    }

    #[test]
    fn errors_in_vrrp_instance_stay_errors() {
        let text = "vrrp_instance A {\n interface eth0\n virtual_router_id 300\n virtual_ipaddress {\n 192.0.2.1\n }\n}\n";
        let p = keepalived_conf::parse_str("t.conf", text, &LoadOptions::default());
        let l = finish(p, &SimResolver { node: 1 });
        assert!(l.has_errors(), "{}", l.render());
    }

    #[test]
    fn tracking_weights_that_cannot_move_the_master_are_warned() {
        // An address owner never changes priority: its weighted tracker is a trap.
        let text = "vrrp_script chk {\n script \"/bin/true\"\n weight -20\n}\nvrrp_instance A {\n interface eth0\n virtual_router_id 1\n priority 255\n track_script {\n chk\n }\n virtual_ipaddress {\n 10.0.0.1\n }\n}\n";
        let p = keepalived_conf::parse_str("t.conf", text, &LoadOptions::default());
        let l = finish(p, &SimResolver { node: 1 });
        assert!(!l.has_errors(), "{}", l.render());
        let lint: Vec<_> = l
            .diagnostics
            .iter()
            .filter(|d| d.severity == Severity::Warning && d.message.contains("255"))
            .collect();
        assert_eq!(lint.len(), 1, "{}", l.render());
        assert!(l.render().contains("t.conf:10"), "{}", l.render());
        // The same instance without the tracker: no such warning.
        let text = "vrrp_instance A {\n interface eth0\n virtual_router_id 1\n priority 255\n virtual_ipaddress {\n 10.0.0.1\n }\n}\n";
        let p = keepalived_conf::parse_str("t.conf", text, &LoadOptions::default());
        let l = finish(p, &SimResolver { node: 1 });
        assert!(l.diagnostics.is_empty(), "{}", l.render());
    }
}
