#![allow(clippy::unwrap_used)]
//! Plain lines of in-memory text (nearly every line of a large file) are read by a fast
//! path that finds the line's end and its words in one pass and feeds them straight to
//! the tree builder; everything else takes the general path (comment stripping, quotes,
//! `$`/`@`/`~`, `include`, script keywords). The result must be the general path's,
//! diagnostics and model: compared here on the test corpus, keepalived's sample files and
//! random documents.

use keepalived_conf::{LoadOptions, Parsed, parse_str, parse_str_general_path};

fn opts() -> LoadOptions {
    LoadOptions {
        config_id: Some("main".into()),
        includes: false,
        max_lines: 2_000,
        split_min_bytes: usize::MAX,
        ..LoadOptions::default()
    }
}

fn same(name: &str, text: &str) -> Parsed {
    let fast = parse_str(name, text, &opts());
    let general = parse_str_general_path(name, text, &opts());
    assert_eq!(
        fast.short_diagnostics(),
        general.short_diagnostics(),
        "{name}"
    );
    assert_eq!(
        serde_json::to_string(&fast.config).unwrap(),
        serde_json::to_string(&general.config).unwrap(),
        "{name}"
    );
    fast
}

#[test]
fn corpus_reads_the_same_on_both_paths() {
    let mut files = Vec::new();
    for dir in [
        concat!(env!("CARGO_MANIFEST_DIR"), "/tests/data"),
        concat!(env!("CARGO_MANIFEST_DIR"), "/tests/data/lint"),
        "/usr/share/doc/keepalived/samples",
    ] {
        match std::fs::read_dir(dir) {
            Ok(rd) => files.extend(rd.flatten().map(|e| e.path()).filter(|p| p.is_file())),
            Err(_) => eprintln!("SKIPPED: {dir} is missing"),
        }
    }
    files.sort();
    let mut diagnostics = 0;
    for f in &files {
        let text = String::from_utf8_lossy(&std::fs::read(f).unwrap()).into_owned();
        diagnostics += same(&f.display().to_string(), &text).diagnostics.len();
    }
    // the error fixtures alone give dozens: a comparison of empty results proves nothing
    assert!(
        files.len() >= 20 && diagnostics >= 30,
        "{} files, {diagnostics} diagnostics",
        files.len()
    );
}

#[test]
fn problems_on_plain_lines_are_reported_alike() {
    let text = "global_defs {\n  router_id a\n  bogus_key 1\n}\n\
        vrrp_instance VI_1 {\n  interface eth0\n  virtual_router_id 300\n  priority 100\n\
        \x20 notify_master /bin/echo  a\tb\n  virtual_ipaddress {\n    10.0.0.1/24 dev eth0\n    VIP\n  }\n}\n\
        } # stray\n{\n}\n\
        virtual_server 10.0.0.1 80 {\n  delay_lop 6 ! typo\n  real_server 10.0.1.1 80 {\n    weight 1\n    TCP_CHECK {\n      connect_timeout 3\r\n    }\n  }\n\
        virtual_server 10.0.0.2 80\n{\n  lb_algo rr\n}\n";
    let p = same("plain.conf", text);
    // an unquoted script line is read again by the general path as keepalived does:
    // the command, then USER [GROUP] (whatever the spacing)
    let notify = p.config.vrrp_instances[0].notify_master.as_ref().unwrap();
    assert_eq!(notify.value.command, "/bin/echo");
    assert_eq!(notify.value.user.as_deref(), Some("a"));
    assert_eq!(notify.value.group.as_deref(), Some("b"));
    let d = p.short_diagnostics().join("\n");
    for want in [
        "bogus_key",
        "virtual_router_id",
        "VIP",
        "unexpected `}`",
        "delay_lop",
        "unclosed",
    ] {
        assert!(d.contains(want), "{want} missing in {d}");
    }
}

proptest::proptest! {
    #![proptest_config(proptest::prelude::ProptestConfig::with_cases(400))]
    /// Random documents of keywords, values, braces, comments and the constructs only
    /// the general path reads, one statement per line.
    #[test]
    fn random_documents_read_the_same_on_both_paths(
        lines in proptest::collection::vec(
            proptest::sample::select(vec![
                "vrrp_instance VI_1 {", "virtual_server 10.0.0.1 80 {", "real_server 10.0.1.1 80 {",
                "TCP_CHECK {", "}", "{", "} }", "interface eth0", "virtual_router_id 51",
                "priority 100", "weight 2", "connect_timeout 3", "  # comment", "a { b } c",
                "virtual_ipaddress {", "10.0.0.1/24", "notify_master /bin/true x { y", "notify_backup /bin/echo\t a   b",
                "script \"/bin/x\"", "$A=1", "priority $A", "@main priority 9", "@^main weight 1",
                "~SEQ(i, 1, 2) weight $i", "include x.conf", "delay_loop 6 ! c", "\tlb_algo rr\r",
                "track_script {", "chk", "bogus", "", "   ", "x\\#y", "é", "global_defs {",
                "router_id r1", "virtual_server group G {", "vrrp_sync_group G {", "group {",
            ]),
            0..40,
        ),
        indent in proptest::collection::vec(0usize..10, 40),
    ) {
        let text: String = lines
            .iter()
            .zip(indent.iter())
            .map(|(l, i)| format!("{}{l}\n", " ".repeat(*i)))
            .collect();
        let fast = parse_str("r.conf", &text, &opts());
        let general = parse_str_general_path("r.conf", &text, &opts());
        proptest::prop_assert_eq!(fast.short_diagnostics(), general.short_diagnostics());
        proptest::prop_assert_eq!(format!("{:?}", fast.config), format!("{:?}", general.config));
    }
}
