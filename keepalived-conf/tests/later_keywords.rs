#![allow(clippy::unwrap_used)]
//! Keywords of a keepalived later than 2.2.7 (`Keyword::later` in the tables): the
//! rows that carry the mark, the notice reading one gives, and, where keepalived
//! 2.2.7 is installed, that it does report them as unknown.

use keepalived_conf::Severity;
use keepalived_conf::model::CheckerKind;
use keepalived_conf::table;
use keepalived_conf::{LoadOptions, parse_str};
use std::path::Path;
use std::process::Command;

const SSL_GET_SNI: &str = "virtual_server 10.0.0.1 443 {\n protocol TCP\n \
     real_server 10.0.0.2 443 {\n  SSL_GET {\n   url {\n    path /\n    status_code 200\n   }\n   \
     sni_name www.example.org\n  }\n }\n}\n";

const BFD_MULTIHOP: &str = "bfd_instance b1 {\n neighbor_ip 192.0.2.2\n multihop\n}\n";

#[test]
fn the_rows_of_later_keywords() {
    let later: Vec<(&str, &str, &str)> = table::SECTIONS
        .iter()
        .flat_map(|s| {
            s.keywords
                .iter()
                .filter_map(move |k| k.later.map(|v| (s.name, k.keyword, v)))
        })
        .collect();
    assert_eq!(
        later,
        [
            ("bfd_instance", "multihop", "2.2.8"),
            ("HTTP_GET", "sni_name", "after 2.4.3"),
            ("SSL_GET", "sni_name", "after 2.4.3"),
        ]
    );
    let md = keepalived_conf::keywords::matrix_markdown();
    assert!(
        md.contains(
            "| `sni_name` | SSL_GET | word | the virtualhost | - | acted on | typed; keepalived \
             after 2.4.3 (not 2.2.7) |"
        ),
        "{md}"
    );
}

/// `sni_name` is taken (the model has it) with one notice, a warning, no error.
#[test]
fn sni_name_is_taken_with_one_notice() {
    let p = parse_str("t.conf", SSL_GET_SNI, &LoadOptions::default());
    assert!(!p.has_errors(), "{}", p.render_diagnostics());
    let notes: Vec<_> = p
        .diagnostics
        .iter()
        .map(|d| (d.severity, d.code, d.message.as_str()))
        .collect();
    assert_eq!(
        notes,
        [(
            Severity::Warning,
            "keepalived-version",
            "`sni_name` is a keyword of keepalived after 2.4.3; keepalived 2.2.7 reports it as \
             unknown and runs without it"
        )]
    );
    let ch = &p.config.virtual_servers[0].real_servers[0].checkers[0];
    let CheckerKind::Ssl(h) = &ch.kind else {
        panic!("{:?}", ch.kind)
    };
    assert_eq!(h.sni_name.as_ref().unwrap().value, "www.example.org");
}

/// `multihop` keeps its own notice (with the port keepalived 2.2.7 uses); the
/// mark on its row adds no second one.
#[test]
fn multihop_has_one_notice() {
    let p = parse_str("t.conf", BFD_MULTIHOP, &LoadOptions::default());
    let codes: Vec<_> = p.diagnostics.iter().map(|d| d.code).collect();
    assert_eq!(codes, ["keepalived-version"], "{}", p.render_diagnostics());
    assert!(p.config.bfd_instances[0].multihop);
}

/// keepalived 2.2.7 itself reports both as unknown keywords (when installed).
#[test]
fn keepalived_2_2_7_does_not_know_them() {
    let bin = Path::new("/usr/sbin/keepalived");
    if !bin.exists() {
        return;
    }
    let version = Command::new(bin).arg("--version").output().unwrap();
    let v = String::from_utf8_lossy(&version.stderr).into_owned()
        + &String::from_utf8_lossy(&version.stdout);
    if !v.contains("v2.2.7") {
        return;
    }
    let dir = std::env::temp_dir().join(format!("kc-later-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    for (text, kw) in [(SSL_GET_SNI, "sni_name"), (BFD_MULTIHOP, "multihop")] {
        let f = dir.join("k.conf");
        std::fs::write(&f, text).unwrap();
        let out = Command::new(bin)
            .arg("-t")
            .arg("-f")
            .arg(&f)
            .output()
            .unwrap();
        let all = String::from_utf8_lossy(&out.stderr).into_owned()
            + &String::from_utf8_lossy(&out.stdout);
        assert!(all.contains(&format!("Unknown keyword '{kw}'")), "{all}");
    }
    let _ = std::fs::remove_dir_all(&dir);
}
