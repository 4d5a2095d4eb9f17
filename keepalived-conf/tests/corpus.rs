#![allow(clippy::unwrap_used)]
//! Corpus parity with keepalived 2.2.7 as the oracle, on the sample configs Debian ships in
//! /usr/share/doc/keepalived/samples/ (read at test time, never copied into the repo).
//!
//! For each file: every line `keepalived -t -f FILE` reports as a configuration problem we
//! report too (same file, same line); where keepalived exits 0 we raise no error. Messages
//! about this machine (interfaces, scripts, users) are not the parser's business.
//!
//! Deliberate differences (we say more, never less):
//! - keepalived.conf.vrrp.lvs_syncd: the old `vrrp_sync_group` syntax without `group {}` is,
//!   for us, also an error at the group's name (line 3): the group has no members at all,
//!   keepalived only reports the two member lines as unknown keywords.
//! - keepalived.conf.SSL_GET / keepalived.conf.fwmark: keepalived reports "Initial state
//!   master is incompatible with AH authentication" and "protocol specified for fwmark"
//!   without a line number; we give them a position (the `state` / `protocol` line), checked
//!   through LINELESS below.
//! - Routes without `dev` ("cannot track route ... with no interface specified") are
//!   warnings for us; keepalived counts them in its error exit code.

use keepalived_conf::{LoadOptions, Parsed, format_source, load, parse_str};
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::Command;

const SAMPLES: &str = "/usr/share/doc/keepalived/samples";

/// keepalived messages without a line number, and the diagnostic code we give instead.
const LINELESS: &[(&str, &str, &str)] = &[
    (
        "keepalived.conf.SSL_GET",
        "Initial state master is incompatible with AH",
        "ah-initial-master",
    ),
    (
        "keepalived.conf.fwmark",
        "protocol specified for fwmark",
        "ignored",
    ),
];

fn samples() -> Option<Vec<PathBuf>> {
    let Ok(rd) = std::fs::read_dir(SAMPLES) else {
        eprintln!("SKIPPED: {SAMPLES} is missing (install Debian's keepalived package)");
        return None;
    };
    let mut v: Vec<PathBuf> = rd
        .flatten()
        .map(|e| e.path())
        .filter(|p| {
            p.file_name()
                .is_some_and(|n| n.to_string_lossy().starts_with("keepalived.conf"))
        })
        .collect();
    v.sort();
    Some(v)
}

fn opts() -> LoadOptions {
    // keepalived without -i uses the host name; so do we (the default).
    LoadOptions::default()
}

/// Is this keepalived message about the machine rather than the file?
fn machine_specific(msg: &str) -> bool {
    let m = msg.to_ascii_lowercase();
    m.contains("doesn't exist")
        || m.contains("non-existent interface")
        || m.contains("interface")
            && (m.contains("not found") || m.contains("does not exist") || m.contains("no such"))
        || m.contains("security violation")
        || m.contains("not executable")
        || m.contains("cannot find script")
        || m.contains("unable to access")
        || m.contains("user")
}

struct Oracle {
    rc: i32,
    /// (line, message) for messages with a line number.
    lines: Vec<(u32, String)>,
    lineless: Vec<String>,
}

fn keepalived_t(file: &Path) -> Option<Oracle> {
    let out = Command::new("keepalived")
        .arg("-t")
        .arg("-f")
        .arg(file)
        .output()
        .ok()?;
    let text =
        String::from_utf8_lossy(&out.stderr).into_owned() + &String::from_utf8_lossy(&out.stdout);
    let mut lines = Vec::new();
    let mut lineless = Vec::new();
    for l in text.lines() {
        if l.trim().is_empty() || machine_specific(l) {
            continue;
        }
        // "(FILE: Line N) message"
        if let Some(rest) = l.strip_prefix('(')
            && let Some((head, msg)) = rest.split_once(") ")
            && let Some((_, n)) = head.rsplit_once("Line ")
            && let Ok(n) = n.trim().parse::<u32>()
        {
            lines.push((n, msg.to_string()));
        } else {
            lineless.push(l.to_string());
        }
    }
    Some(Oracle {
        rc: out.status.code().unwrap_or(-1),
        lines,
        lineless,
    })
}

#[test]
fn parity_with_keepalived_t() {
    let Some(files) = samples() else { return };
    if Command::new("keepalived").arg("-v").output().is_err() {
        eprintln!("SKIPPED: keepalived is not installed");
        return;
    }
    assert!(
        files.len() >= 24,
        "expected 24 sample configs, found {}",
        files.len()
    );
    let mut failures = Vec::new();
    for f in &files {
        let name = f.file_name().unwrap().to_string_lossy().into_owned();
        let ours = load(f, &opts());
        let Some(oracle) = keepalived_t(f) else {
            eprintln!("SKIPPED: could not run keepalived -t on {name}");
            continue;
        };
        let our_lines: BTreeSet<u32> = ours
            .diagnostics
            .iter()
            .filter_map(|d| d.span.map(|s| s.line))
            .collect();
        for (line, msg) in &oracle.lines {
            if !our_lines.contains(line) {
                failures.push(format!(
                    "{name}:{line}: keepalived says `{msg}`, we say nothing there"
                ));
            }
        }
        for msg in &oracle.lineless {
            // lineless messages either map to one of our codes or are the summary lines
            // keepalived prints after the line-numbered ones.
            match LINELESS
                .iter()
                .find(|(file, text, _)| *file == name && msg.contains(text))
            {
                Some((_, _, code)) => {
                    if !ours.diagnostics.iter().any(|d| d.code == *code) {
                        failures.push(format!(
                            "{name}: keepalived says `{msg}`, we have no `{code}`"
                        ));
                    }
                }
                None => failures.push(format!("{name}: unexpected keepalived message `{msg}`")),
            }
        }
        let effective_rc = if oracle.lines.is_empty() && oracle.lineless.is_empty() {
            0
        } else {
            oracle.rc
        };
        if effective_rc == 0 && ours.has_errors() {
            failures.push(format!(
                "{name}: keepalived accepts it, we report errors: {:?}",
                ours.short_diagnostics()
            ));
        }
    }
    assert!(
        failures.is_empty(),
        "parity failures:\n{}",
        failures.join("\n")
    );
}

/// The model as JSON without positions, to compare two parses of the same content.
fn model_without_spans(p: &Parsed) -> serde_json::Value {
    fn strip(v: &mut serde_json::Value) {
        match v {
            serde_json::Value::Object(m) => {
                m.remove("span");
                m.remove("files");
                if m.len() == 1
                    && let Some(inner) = m.remove("value")
                {
                    *v = inner;
                    strip(v);
                    return;
                }
                for (_, x) in m.iter_mut() {
                    strip(x);
                }
            }
            serde_json::Value::Array(a) => a.iter_mut().for_each(strip),
            _ => {}
        }
    }
    let mut v = serde_json::to_value(&p.config).unwrap();
    strip(&mut v);
    v
}

#[test]
fn fmt_output_parses_to_the_same_model() {
    let mut files: Vec<PathBuf> = samples().unwrap_or_default();
    for d in ["tests/data", "tests/data/user"] {
        if let Ok(rd) = std::fs::read_dir(d) {
            files.extend(
                rd.flatten()
                    .map(|e| e.path())
                    .filter(|p| p.extension().is_some_and(|x| x == "conf")),
            );
        }
    }
    assert!(files.len() >= 13);
    for f in &files {
        let text = std::fs::read_to_string(f).unwrap();
        let name = f.to_string_lossy().into_owned();
        let o = LoadOptions {
            config_id: Some("main".into()),
            ..opts()
        };
        let a = parse_str(&name, &text, &o);
        let formatted = format_source(&text);
        let b = parse_str(&name, &formatted, &o);
        assert_eq!(
            model_without_spans(&a),
            model_without_spans(&b),
            "fmt changed the meaning of {name}"
        );
        assert_eq!(
            format_source(&formatted),
            formatted,
            "fmt is not idempotent on {name}"
        );
        let codes = |p: &Parsed| {
            p.diagnostics
                .iter()
                .map(|d| (d.code, d.message.clone()))
                .collect::<Vec<_>>()
        };
        assert_eq!(
            codes(&a),
            codes(&b),
            "fmt changed the diagnostics of {name}"
        );
    }
}

fn sample(name: &str) -> Option<Parsed> {
    let p = Path::new(SAMPLES).join(name);
    if !p.exists() {
        eprintln!("SKIPPED: {} missing", p.display());
        return None;
    }
    Some(load(&p, &opts()))
}

#[test]
fn concrete_values_from_each_kind_of_file() {
    use keepalived_conf::{CheckerKind, LvsMethod, Protocol, VirtualServerKey, VsgEntryKind};
    if let Some(p) = sample("keepalived.conf.sample") {
        let c = &p.config;
        assert_eq!(c.global_defs.router_id.as_ref().unwrap().value, "LVS_DEVEL");
        assert_eq!(c.global_defs.notification_email[0].value, "acassen");
        let vi = &c.vrrp_instances[0];
        assert_eq!(vi.virtual_router_id.as_ref().unwrap().value, 50);
        let v: Vec<String> = vi
            .virtual_ipaddress
            .iter()
            .map(|a| a.address.value.addr.to_string())
            .collect();
        assert_eq!(v, ["192.168.200.11", "192.168.200.12", "192.168.200.13"]);
        let vs = &c.virtual_servers[0];
        assert_eq!(
            vs.key.value,
            VirtualServerKey::Address {
                ip: "10.10.10.2".parse().unwrap(),
                port: Some(1358)
            }
        );
        assert_eq!(vs.lvs_method.as_ref().unwrap().value, LvsMethod::Nat);
        assert_eq!(vs.protocol.as_ref().unwrap().value, Protocol::Tcp);
        assert_eq!(vs.sorry_server.as_ref().unwrap().value.port, Some(1358));
        let rs = &vs.real_servers[0];
        assert_eq!(rs.weight.as_ref().unwrap().value, 1);
        let ch = &rs.checkers[0];
        assert_eq!(
            ch.connect.connect_timeout.as_ref().unwrap().value.as_secs(),
            3
        );
        let CheckerKind::Http(h) = &ch.kind else {
            panic!("HTTP_GET expected")
        };
        assert_eq!(h.urls[0].path.as_ref().unwrap().value, "/testurl3/test.jsp");
        assert_eq!(
            h.urls[0].digest.as_ref().unwrap().value,
            "640205b7b0fc66c1ea91c463fac6334d"
        );
    }
    if let Some(p) = sample("keepalived.conf.virtual_server_group") {
        let g = &p.config.virtual_server_groups[0];
        assert_eq!(g.name.value, "VSG_1");
        assert!(
            g.entries
                .iter()
                .any(|e| matches!(e.kind, VsgEntryKind::Range { .. }))
        );
        assert_eq!(
            p.config.virtual_servers[0].key.value,
            VirtualServerKey::Group("VSG_1".into())
        );
    }
    if let Some(p) = sample("keepalived.conf.misc_check_arg") {
        let ch = &p.config.virtual_servers[0].real_servers[0].checkers[0];
        let CheckerKind::Misc(m) = &ch.kind else {
            panic!("MISC_CHECK expected")
        };
        assert_eq!(
            m.misc_path.as_ref().unwrap().value.command,
            "/usr/local/bin/script.sh arg1 arg2"
        );
    }
    if let Some(p) = sample("keepalived.conf.SMTP_CHECK") {
        let ch = &p.config.virtual_servers[0].real_servers[0].checkers[0];
        let CheckerKind::Smtp(s) = &ch.kind else {
            panic!("SMTP_CHECK expected")
        };
        assert_eq!(s.helo_name.as_ref().unwrap().value, "foo.bar.com");
        assert_eq!(
            ch.connect.connect_timeout.as_ref().unwrap().value.as_secs(),
            30
        );
    }
    if let Some(p) = sample("keepalived.conf.status_code") {
        let ch = &p.config.virtual_servers[0].real_servers[0].checkers[0];
        let (CheckerKind::Ssl(h) | CheckerKind::Http(h)) = &ch.kind else {
            panic!("HTTP checker expected")
        };
        let codes: Vec<(u16, u16)> = h.urls[0].status_code.iter().map(|s| s.value).collect();
        assert_eq!(codes, [(200, 299), (400, 499), (503, 503), (505, 505)]);
    }
    if let Some(p) = sample("keepalived.conf.vrrp.sync") {
        let c = &p.config;
        assert_eq!(c.vrrp_sync_groups.len(), 2);
        assert_eq!(c.vrrp_sync_groups[0].group[0].value, "VI_1");
        let ids: Vec<u8> = c
            .vrrp_instances
            .iter()
            .map(|v| v.virtual_router_id.as_ref().unwrap().value)
            .collect();
        assert_eq!(ids, [51, 52, 53, 54, 55, 56, 57, 58, 59]);
    }
    if let Some(p) = sample("keepalived.conf.IPv6") {
        let vs = &p.config.virtual_servers[0];
        assert_eq!(
            vs.key.value,
            VirtualServerKey::Address {
                ip: "ae00::1".parse().unwrap(),
                port: Some(80)
            }
        );
    }
    if let Some(p) = sample("keepalived.conf.vrrp.routes") {
        let r = &p.config.vrrp_instances[0].virtual_routes;
        assert_eq!(r[0].src, Some("192.168.100.1".parse().unwrap()));
        assert_eq!(r[0].via, Some("192.168.200.254".parse().unwrap()));
        assert_eq!(r.last().unwrap().table.as_deref(), Some("100"));
    }
}
