#![allow(clippy::unwrap_used, clippy::panic)]
//! Every keyword keepalived.conf(5) of keepalived 2.2.7 documents is known here: a row
//! of a keyword table, or (for the sections without a table yet: checkers, static
//! addresses, ...) a keyword the parser knows in some section. Never "unknown keyword".
//!
//! The keyword list is read from the installed manual page when there is one, else from
//! `tests/data/keepalived.conf.5.keywords`, which `BLESS=1` rewrites from the manual page.

use keepalived_conf::table::SECTIONS;
use keepalived_conf::{LoadOptions, parse_str};
use std::path::Path;
use std::process::Command;

const MAN: &str = "/usr/share/man/man5/keepalived.conf.5.gz";

/// Words the manual page sets in bold at the start of a line that are not keywords:
/// headings and emphasis.
const NOT_KEYWORDS: &[&str] = &[
    "BFD",
    "GLOBAL",
    "Global",
    "Important",
    "LVS",
    "NOT",
    "Note",
    "Static",
    "VRRP",
    "VRRPD",
    "Virtual",
    "keepalived",
    // parameters of the ~SEQ and ~LST lines in the prose
    "start",
    "val1",
];

/// The bold words that start a line of the manual page's source: its keywords (the
/// page sets each keyword it documents as `\fBkeyword`), sorted, deduplicated.
fn man_keywords(source: &str) -> Vec<String> {
    let mut out: Vec<String> = source
        .lines()
        .filter_map(|l| l.trim_start().strip_prefix("\\fB"))
        .map(|rest| {
            rest.chars()
                .take_while(|c| c.is_ascii_alphanumeric() || *c == '_' || *c == '-')
                .collect::<String>()
        })
        .filter(|w| w.starts_with(|c: char| c.is_ascii_alphabetic() || c == '_'))
        .collect();
    out.sort();
    out.dedup();
    out
}

/// The manual page's source, when the installed keepalived has one.
fn installed_page() -> Option<String> {
    if !Path::new(MAN).exists() {
        return None;
    }
    let out = Command::new("gzip").args(["-dc", MAN]).output().ok()?;
    out.status
        .success()
        .then(|| String::from_utf8_lossy(&out.stdout).into_owned())
}

/// Places a keyword can be written, as small configurations with `@` for the line.
const PROBES: &[&str] = &[
    "@\n",
    "SSL {\n@\n}\n",
    "garp_group {\n@\n}\n",
    "global_defs {\n@\n}\n",
    "vrrp_instance X {\n@\n}\n",
    "vrrp_instance X {\nauthentication {\n@\n}\n}\n",
    "vrrp_sync_group X {\n@\n}\n",
    "vrrp_script X {\nscript /bin/true\n@\n}\n",
    "track_file X {\nfile /tmp/x\n@\n}\n",
    "vrrp_track_process X {\nprocess x\n@\n}\n",
    "bfd_instance X {\n@\n}\n",
    "virtual_server 10.0.0.1 80 {\n@\n}\n",
    "virtual_server 10.0.0.1 80 {\nreal_server 10.0.0.2 80 {\n@\n}\n}\n",
    "virtual_server 10.0.0.1 80 {\nreal_server 10.0.0.2 80 {\nTCP_CHECK {\n@\n}\n}\n}\n",
    "virtual_server 10.0.0.1 80 {\nreal_server 10.0.0.2 80 {\nHTTP_GET {\n@\n}\n}\n}\n",
    "virtual_server 10.0.0.1 80 {\nreal_server 10.0.0.2 80 {\nHTTP_GET {\nurl {\npath /\n@\n}\n}\n}\n}\n",
    "virtual_server 10.0.0.1 80 {\nreal_server 10.0.0.2 80 {\nMISC_CHECK {\nmisc_path /bin/true\n@\n}\n}\n}\n",
    "virtual_server 10.0.0.1 80 {\nreal_server 10.0.0.2 80 {\nSMTP_CHECK {\n@\n}\n}\n}\n",
    "virtual_server 10.0.0.1 80 {\nreal_server 10.0.0.2 80 {\nDNS_CHECK {\n@\n}\n}\n}\n",
    "virtual_server 10.0.0.1 80 {\nreal_server 10.0.0.2 80 {\nUDP_CHECK {\n@\n}\n}\n}\n",
    "virtual_server 10.0.0.1 80 {\nreal_server 10.0.0.2 80 {\nFILE_CHECK {\n@\n}\n}\n}\n",
    "virtual_server 10.0.0.1 80 {\nreal_server 10.0.0.2 80 {\nBFD_CHECK {\n@\n}\n}\n}\n",
];

/// A place where the parser knows `kw`, if any: no "unknown keyword" on its line.
fn parser_knows(kw: &str) -> Option<&'static str> {
    PROBES.iter().copied().find(|p| {
        let at = p.lines().position(|l| l == "@").unwrap_or(0) as u32 + 1;
        let text = p.replace('@', &format!("{kw} x"));
        let parsed = parse_str("t.conf", &text, &LoadOptions::default());
        !parsed
            .diagnostics
            .iter()
            .any(|d| d.code == "unknown-keyword" && d.span.is_some_and(|s| s.line == at))
    })
}

#[test]
fn every_keyword_of_keepalived_conf_5_is_known() {
    let committed =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/keepalived.conf.5.keywords");
    let keywords = match installed_page() {
        Some(page) => {
            let kws = man_keywords(&page);
            if std::env::var_os("BLESS").is_some() {
                std::fs::write(&committed, kws.join("\n") + "\n").unwrap();
            }
            kws
        }
        None => std::fs::read_to_string(&committed)
            .unwrap()
            .lines()
            .map(String::from)
            .collect(),
    };
    assert!(keywords.len() > 250, "{} keywords read", keywords.len());
    let in_table = |kw: &str| SECTIONS.iter().any(|s| s.get(kw).is_some());
    let mut unknown = Vec::new();
    let mut tabled = 0;
    for kw in &keywords {
        if NOT_KEYWORDS.contains(&kw.as_str()) {
            continue;
        }
        if in_table(kw) {
            tabled += 1;
        } else if parser_knows(kw).is_none() {
            unknown.push(kw.as_str());
        }
    }
    assert!(
        unknown.is_empty(),
        "keywords of keepalived.conf(5) unknown here: {unknown:?}"
    );
    // most of them are rows of a table (the rest: checkers, static addresses, ...)
    assert!(tabled > 200, "{tabled} of {} in a table", keywords.len());
}

#[test]
fn the_committed_keyword_list_is_the_installed_pages() {
    let Some(page) = installed_page() else {
        // the other test reads the committed list then
        return;
    };
    let committed =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/keepalived.conf.5.keywords");
    let want = man_keywords(&page).join("\n") + "\n";
    if std::env::var_os("BLESS").is_some() {
        std::fs::write(&committed, &want).unwrap();
    }
    assert_eq!(
        std::fs::read_to_string(&committed).unwrap_or_default(),
        want,
        "BLESS=1 cargo test -p keepalived-conf --test man_keywords"
    );
}
