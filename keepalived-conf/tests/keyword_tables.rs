#![allow(clippy::unwrap_used, clippy::panic)]
//! The keyword tables are what the builders read: every keyword of a table is known
//! in its section, and every numeric range a table gives is the one the builder
//! applies (the bounds are accepted, one past them is reported).

use keepalived_conf::table::{SECTIONS, Value};
use keepalived_conf::{LoadOptions, parse_str};

/// A BFD instance for `track_bfd` to name.
const BFD: &str = "bfd_instance x {\n neighbor_ip 192.0.2.1\n}\n";

/// A configuration with `line` inside a block of `section` (other settings the
/// section needs to be kept), and the line number of `line`.
fn within(section: &str, line: &str) -> (String, u32) {
    match section {
        "" => (format!("{line}\n"), 1),
        "global_defs" => (format!("global_defs {{\n{line}\n}}\n"), 2),
        "vrrp_instance" | "vrrp_sync_group" => (format!("{BFD}{section} X {{\n{line}\n}}\n"), 5),
        "vrrp_script" => (
            format!("vrrp_script X {{\n{line}\n script /bin/true\n}}\n"),
            2,
        ),
        "track_file" => (format!("track_file X {{\n{line}\n file /tmp/x\n}}\n"), 2),
        "vrrp_track_process" => (
            format!("vrrp_track_process X {{\n{line}\n process x\n}}\n"),
            2,
        ),
        "bfd_instance" => (format!("bfd_instance X {{\n{line}\n}}\n"), 2),
        "virtual_server" => (format!("virtual_server 10.0.0.1 80 {{\n{line}\n}}\n"), 2),
        "real_server" => (
            format!(
                "virtual_server 10.0.0.1 80 {{\n real_server 10.0.0.2 80 {{\n{line}\n }}\n}}\n"
            ),
            3,
        ),
        "url" => (
            format!(
                "virtual_server 10.0.0.1 80 {{\n real_server 10.0.0.2 80 {{\n HTTP_GET {{\n \
                 url {{\n{line}\n }}\n }}\n }}\n}}\n"
            ),
            5,
        ),
        "checker connection" | "checker" => checker("TCP_CHECK", line),
        "MISC_CHECK" => checker("MISC_CHECK", &format!("{line}\n misc_path /bin/true")),
        k @ ("HTTP_GET" | "SSL_GET" | "SMTP_CHECK" | "DNS_CHECK" | "UDP_CHECK" | "BFD_CHECK") => {
            checker(k, line)
        }
        "FILE_CHECK" => (
            format!(
                "virtual_server 10.0.0.1 80 {{\n real_server 10.0.0.2 80 {{\n FILE_CHECK {{\n\
                 {line}\n }}\n }}\n}}\n"
            ),
            4,
        ),
        other => panic!("no test text for section `{other}`"),
    }
}

/// `line` inside a `kind` checker block, and its line number.
fn checker(kind: &str, line: &str) -> (String, u32) {
    (
        format!(
            "virtual_server 10.0.0.1 80 {{\n real_server 10.0.0.2 80 {{\n {kind} {{\n\
             {line}\n }}\n }}\n}}\n"
        ),
        4,
    )
}

/// The codes and messages of the diagnostics on the lines of `line` (at most three)
/// written in `section`.
fn codes(section: &str, line: &str) -> Vec<String> {
    let (text, at) = within(section, line);
    let p = parse_str("t.conf", &text, &LoadOptions::default());
    p.diagnostics
        .iter()
        .filter(|d| d.span.is_some_and(|s| (at..at + 3).contains(&s.line)))
        .map(|d| format!("{}: {}", d.code, d.message))
        .collect()
}

fn numeric_lines(kw: &str, v: Value) -> Option<(Vec<String>, Vec<String>)> {
    let line = |n: String| match v {
        Value::Track { .. } => format!("{kw} {{\n x weight {n}\n}}"),
        _ => format!("{kw} {n}"),
    };
    let (good, bad): (Vec<String>, Vec<String>) = match v {
        Value::Uint { min, max } => (
            vec![min.to_string(), max.to_string()],
            [min.checked_sub(1), max.checked_add(1)]
                .into_iter()
                .flatten()
                .map(|n| n.to_string())
                .collect(),
        ),
        Value::Int { min, max } => (
            vec![min.to_string(), max.to_string()],
            [min.checked_sub(1), max.checked_add(1)]
                .into_iter()
                .flatten()
                .map(|n| n.to_string())
                .collect(),
        ),
        Value::Weight { max } | Value::Track { max_weight: max } => (
            vec![(-max).to_string(), max.to_string()],
            vec![(-max - 1).to_string(), (max + 1).to_string()],
        ),
        Value::Seconds { min_us, max_us } => {
            let secs = |us: u64| format!("{}.{:06}", us / 1_000_000, us % 1_000_000);
            let mut bad = vec![secs(max_us + 1)];
            if min_us > 0 {
                bad.push(secs(min_us - 1));
            }
            (vec![secs(min_us), secs(max_us)], bad)
        }
        _ => return None,
    };
    Some((
        good.into_iter().map(&line).collect(),
        bad.into_iter().map(&line).collect(),
    ))
}

#[test]
fn every_keyword_of_a_table_is_known_in_its_section() {
    for s in SECTIONS {
        for k in s.keywords {
            let got = codes(s.name, &format!("{} x", k.keyword));
            assert!(
                !got.iter().any(|c| c.starts_with("unknown-keyword")),
                "{} {}: {got:?}",
                s.name,
                k.keyword
            );
        }
    }
}

#[test]
fn the_builders_apply_the_ranges_of_the_tables() {
    let mut checked = 0;
    for s in SECTIONS {
        for k in s.keywords {
            let Some((good, bad)) = numeric_lines(k.keyword, k.value) else {
                continue;
            };
            for l in good {
                let got = codes(s.name, &l);
                assert!(
                    !got.iter().any(|c| c.starts_with("invalid-value")),
                    "{}: `{l}` is in the table's range: {got:?}",
                    s.name
                );
            }
            for l in bad {
                let got = codes(s.name, &l);
                assert!(
                    got.iter().any(|c| c.starts_with("invalid-value")),
                    "{}: `{l}` is outside the table's range: {got:?}",
                    s.name
                );
            }
            checked += 1;
        }
    }
    assert!(checked > 50, "{checked} numeric keywords checked");
}

/// Every row names keepalived 2.2.7's default (docs/keywords.md has no empty
/// default column): what keepalived does when the keyword is not written.
#[test]
fn every_row_names_keepalived_default() {
    let empty: Vec<String> = keepalived_conf::table::SECTIONS
        .iter()
        .flat_map(|s| {
            s.keywords
                .iter()
                .filter(|k| k.default.trim().is_empty())
                .map(move |k| format!("{} {}", s.name, k.keyword))
        })
        .collect();
    assert!(empty.is_empty(), "rows without a default: {empty:?}");
}

/// `tls_compliant` (HTTP_GET, SSL_GET, url) is not a keyword of keepalived 2.2.7
/// (check_http.c installs no such keyword; `keepalived -t` reports "Unknown keyword
/// 'tls_compliant'" in all three): it has no row and gets the diagnostic of any other
/// unknown keyword.
#[test]
fn tls_compliant_is_an_unknown_keyword() {
    for section in ["HTTP_GET", "SSL_GET", "url"] {
        let unknown = |kw: &str| -> Vec<(String, String, Option<u32>)> {
            let (text, at) = within(section, &format!("  {kw}"));
            parse_str("t.conf", &text, &LoadOptions::default())
                .diagnostics
                .iter()
                .filter(|d| d.code == "unknown-keyword")
                .map(|d| {
                    assert_eq!(d.span.map(|s| s.line), Some(at), "{section}: {d:?}");
                    (
                        format!("{:?}", d.severity),
                        d.message.replace(kw, "KW"),
                        d.span.map(|s| s.line),
                    )
                })
                .collect()
        };
        let got = unknown("tls_compliant");
        assert_eq!(got.len(), 1, "{section}: {got:?}");
        assert_eq!(got, unknown("no_such_keyword"), "{section}");
        assert!(
            SECTIONS
                .iter()
                .filter(|s| s.name == section)
                .all(|s| s.get("tls_compliant").is_none())
        );
    }
}
