#![allow(clippy::unwrap_used)]
//! Every keyword the installed man page keepalived.conf(5) lists for `global_defs`,
//! `vrrp_instance`, `vrrp_sync_group`, `vrrp_script` and `track_file` is recognised (no
//! "unknown keyword" warning). The man page is read at test time with `man -P cat`.

use keepalived_conf::{LoadOptions, parse_str};
use std::collections::BTreeSet;
use std::process::Command;

fn man_page() -> Option<String> {
    let out = Command::new("man")
        .args(["-P", "cat", "5", "keepalived.conf"])
        .env("MANWIDTH", "200")
        .env("MAN_KEEP_FORMATTING", "0")
        .output()
        .ok()?;
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    // drop overstrike formatting if any
    let text: String = {
        let mut s = String::with_capacity(text.len());
        for c in text.chars() {
            if c == '\u{8}' {
                s.pop();
            } else {
                s.push(c);
            }
        }
        s
    };
    (out.status.success() && text.contains("vrrp_instance")).then_some(text)
}

/// First words of the example lines between two section headings.
fn keywords(man: &str, from: &str, to: &str) -> BTreeSet<String> {
    let mut on = false;
    let mut out = BTreeSet::new();
    for line in man.lines() {
        if line.trim_end() == from {
            on = true;
            continue;
        }
        if on && line.trim_end() == to {
            break;
        }
        // example lines of a block's own keywords are indented 11 columns (prose 7,
        // nested block contents 15 or more)
        let indent = line.len() - line.trim_start().len();
        if !on || indent != 11 {
            continue;
        }
        let Some(w) = line.split_whitespace().next() else {
            continue;
        };
        if w.chars()
            .next()
            .is_some_and(|c| c.is_ascii_lowercase() || c == '_')
            && w.chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
        {
            out.insert(w.to_string());
        }
    }
    out
}

fn unknown_in(block: &str, kw: &str) -> bool {
    let header = if block == "virtual_server" {
        "virtual_server 10.0.0.1 80"
    } else {
        "vrrp_instance X"
    };
    let header = if block.starts_with("vrrp_instance") || block == "virtual_server" {
        header.to_string()
    } else {
        format!("{block} X")
    };
    let text = format!("{header} {{\n{kw}\n}}\n");
    let p = parse_str("kw.conf", &text, &LoadOptions::default());
    p.diagnostics
        .iter()
        .any(|d| d.code == "unknown-keyword" && d.message.contains(&format!("`{kw}`")))
}

fn check(man: &str, block: &str, from: &str, to: &str, not_keywords: &[&str]) -> usize {
    let kws = keywords(man, from, to);
    eprintln!("{block}: {} keywords in the man page: {kws:?}", kws.len());
    let missing: Vec<&String> = kws
        .iter()
        .filter(|k| !not_keywords.contains(&k.as_str()))
        .filter(|k| {
            if block == "global_defs" {
                let p = parse_str(
                    "kw.conf",
                    &format!("global_defs {{\n{k}\n}}\n"),
                    &LoadOptions::default(),
                );
                p.diagnostics.iter().any(|d| d.code == "unknown-keyword")
            } else {
                unknown_in(block, k)
            }
        })
        .collect();
    assert!(
        missing.is_empty(),
        "{block}: man page keywords not recognised: {missing:?}"
    );
    kws.len()
}

#[test]
fn man_page_keywords_are_recognised() {
    let Some(man) = man_page() else {
        eprintln!("SKIPPED: man page keepalived.conf(5) not available");
        return;
    };
    // Words that start example lines but are values inside nested blocks (addresses,
    // interface names, route/rule syntax) or English prose.
    let inner = [
        "for",
        "be",
        "blackhole",
        "from",
        "src",
        "to",
        "eth0",
        "eth1",
        "eth2",
    ];
    let n = check(
        &man,
        "vrrp_instance",
        "VRRP instance(s)",
        "Interface up/down status change debouncing",
        &inner,
    );
    assert!(
        n >= 60,
        "only {n} vrrp_instance keywords found in the man page"
    );
    let n = check(
        &man,
        "global_defs",
        "Global definitions",
        "Linkbeat interfaces",
        &inner,
    );
    assert!(
        n >= 100,
        "only {n} global_defs keywords found in the man page"
    );
    let n = check(
        &man,
        "vrrp_sync_group",
        "VRRP synchronization group(s)",
        "VRRP gratuitous ARP and unsolicited neighbour advert delay group(s)",
        &inner,
    );
    assert!(n >= 10);
    check(
        &man,
        "vrrp_script",
        "VRRP script(s)",
        "VRRP synchronization group(s)",
        &inner,
    );
    check(
        &man,
        "track_file",
        "Track files",
        "VRRP track processes",
        &inner,
    );
    // the section also shows the top-level `SSL { password ca certificate key }` block
    let vs_not = ["ca", "certificate", "key", "password", "or"];
    let n = check(
        &man,
        "virtual_server",
        "Virtual server(s)",
        "ADVANCED CONFIGURATION",
        &vs_not,
    );
    assert!(
        n >= 25,
        "only {n} virtual_server keywords found in the man page"
    );
}
