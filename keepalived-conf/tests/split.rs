#![allow(clippy::unwrap_used)]
//! Large inputs are read in two parts on two threads (`LoadOptions::split_min_bytes`): the
//! result (model and diagnostics) must be exactly the one of reading them in one go. The
//! unit tests in src/split.rs try every split point of the test corpus; this test takes
//! the file of `benches/conf-vs-keepalived.sh` (250 vrrp_instances + virtual servers × 4
//! real servers), with problems added to both parts: 4,000 virtual servers by default
//! (a debug build is slow), the bench's 10,000 with `KACONF_SPLIT_VS=10000`.

use keepalived_conf::{LoadOptions, load, parse_str, parse_str_in_two_parts};
use std::fmt::Write;

/// The bench file's shape (same generator as benches/conf-vs-keepalived.sh), with a few
/// errors and warnings in the first and the second half.
fn bench_config(servers: usize) -> String {
    let mut s = String::from("global_defs {\n    router_id bench\n}\n");
    for i in 0..250 {
        writeln!(
            s,
            "vrrp_instance VI_{i} {{\n    state BACKUP\n    interface eth0\n    virtual_router_id {}\n    priority 100\n    advert_int 1\n    virtual_ipaddress {{\n        10.{}.{}.1/24\n    }}\n}}",
            i % 255 + 1,
            100 + i / 250,
            i % 250
        )
        .unwrap();
    }
    for v in 0..servers {
        let (a, b) = (v / 250, v % 250);
        let delay = if v % 1999 == 17 {
            "delay_lop"
        } else {
            "delay_loop"
        };
        writeln!(
            s,
            "virtual_server 10.{a}.{b}.10 80 {{\n    {delay} 6\n    lb_algo wrr\n    lb_kind NAT\n    protocol TCP"
        )
        .unwrap();
        for r in 1..=4 {
            let addr = if v % 1999 == 1500 && r == 3 {
                "VIP".to_string()
            } else {
                format!("172.16.{}.{}", v % 250, r * 10 + (v / 250) % 10)
            };
            writeln!(
                s,
                "    real_server {addr} 8080 {{\n        weight {r}\n        TCP_CHECK {{\n            connect_timeout 3\n            connect_port 8080\n        }}\n    }}"
            )
            .unwrap();
        }
        s.push_str("}\n");
        if v == servers - 500 {
            // a second definition of an instance from the first part, read by the first
            // part's builder after the split
            s.push_str("vrrp_instance VI_3 {\n    interface eth0\n    virtual_router_id 3\n}\n");
        }
    }
    s
}

fn one_go() -> LoadOptions {
    LoadOptions {
        config_id: Some("main".into()),
        split_min_bytes: usize::MAX,
        ..LoadOptions::default()
    }
}

#[test]
fn bench_file_in_two_parts_and_in_one_go_agree() {
    let servers: usize = std::env::var("KACONF_SPLIT_VS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(4_000);
    let text = bench_config(servers);
    let one = parse_str("bench.conf", &text, &one_go());
    let two = parse_str_in_two_parts("bench.conf", &text, &one_go())
        .expect("the bench file has a safe split point");
    assert_eq!(two.short_diagnostics(), one.short_diagnostics());
    assert_eq!(
        serde_json::to_string(&two.config).unwrap(),
        serde_json::to_string(&one.config).unwrap()
    );
    // problems from both parts and both stages are there
    let d = one.short_diagnostics().join("\n");
    for want in ["delay_lop", "VIP", "defined twice"] {
        assert!(d.contains(want), "{want} missing in {d}");
    }
    let lines: Vec<u32> = one
        .diagnostics
        .iter()
        .filter_map(|d| d.span.map(|s| s.line))
        .collect();
    let half = u32::try_from(text.lines().count() / 2).unwrap();
    assert!(
        lines.iter().any(|&l| l < half) && lines.iter().any(|&l| l > half),
        "{lines:?}"
    );
    assert_eq!(one.config.virtual_servers.len(), servers);
    // 251 blocks, one a second definition of a name: skipped, as keepalived does.
    assert_eq!(one.config.vrrp_instances.len(), 250);

    // `load` of the file reads it in chunks, split in two parts by default
    file_reads_like_text(&text, "bench");
}

/// Writes `text` to a file and reads it with `load` (large files are read in chunks, in
/// two parts on two threads when possible) and in one go, and as text with `parse_str`:
/// the three results must be the same. Returns the diagnostics.
fn file_reads_like_text(text: &str, tag: &str) -> Vec<String> {
    let dir = std::env::temp_dir().join(format!("kaconf-split-{}-{tag}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("keepalived.conf");
    std::fs::write(&path, text).unwrap();
    let by_default = LoadOptions {
        config_id: Some("main".into()),
        ..LoadOptions::default()
    };
    assert!(text.len() >= by_default.split_min_bytes);
    let a = load(&path, &by_default);
    let b = load(&path, &one_go());
    let c = parse_str(&path.display().to_string(), text, &one_go());
    let _ = std::fs::remove_dir_all(&dir);
    for other in [&b, &c] {
        assert_eq!(a.short_diagnostics(), other.short_diagnostics(), "{tag}");
        assert_eq!(
            serde_json::to_string(&a.config).unwrap(),
            serde_json::to_string(&other.config).unwrap(),
            "{tag}"
        );
    }
    a.short_diagnostics()
}

/// Large files where the second thread finds a preprocessor construct in its part (the
/// first thread then reads on to the end), or no place to split at all.
#[test]
fn files_that_cannot_be_split_read_in_one_go() {
    let base = bench_config(1_500);
    // `$VIP` defined early, used in the second half
    let with_def = format!(
        "$VIP=10.9.9.9\n{base}virtual_server $VIP 80 {{\n  real_server 10.1.1.1 80 {{\n    weight x\n  }}\n}}\n"
    );
    let d = file_reads_like_text(&with_def, "def").join("\n");
    assert!(d.contains("weight"), "{d}");
    // `@main` and `include` in the second half
    let with_at = format!("{base}@main bogus_keyword 1\ninclude /nonexistent/*.conf\n");
    let d = file_reads_like_text(&with_at, "at").join("\n");
    assert!(d.contains("bogus_keyword"), "{d}");
    // one block over the whole file: no statement starts in column 0 past the middle
    let one_block = format!("global_defs {{\n{}}}\n", "  router_id x\n".repeat(30_000));
    file_reads_like_text(&one_block, "block");
    // invalid UTF-8 and CRLF line ends in both halves
    let crlf = bench_config(1_500)
        .replace("weight 2", "weight \u{FFFD}2")
        .replace('\n', "\r\n");
    let d = file_reads_like_text(&crlf, "crlf").join("\n");
    assert!(d.contains("weight"), "{d}");
}
