#![allow(clippy::unwrap_used)]
//! Own fixtures: exact diagnostics for each preprocessor feature and error class
//! (tests/data/*.expected), plus model values the preprocessor features must produce.

use keepalived_conf::{Config, LoadOptions, Parsed, load};
use std::path::Path;

fn opts() -> LoadOptions {
    LoadOptions {
        config_id: Some("main".into()),
        ..LoadOptions::default()
    }
}

fn parse(name: &str) -> Parsed {
    load(Path::new("tests/data").join(name), &opts())
}

fn expected(name: &str) -> Vec<String> {
    let p = Path::new("tests/data").join(name.replace(".conf", ".expected"));
    std::fs::read_to_string(&p)
        .unwrap_or_else(|e| panic!("{}: {e}", p.display()))
        .lines()
        .map(str::to_string)
        .collect()
}

#[test]
fn every_fixture_gives_exactly_the_expected_diagnostics() {
    let mut n = 0;
    for e in std::fs::read_dir("tests/data").unwrap() {
        let name = e.unwrap().file_name().to_string_lossy().into_owned();
        if !name.ends_with(".conf") {
            continue;
        }
        let got = parse(&name).short_diagnostics();
        if std::env::var_os("BLESS").is_some() {
            // BLESS=1 cargo test: rewrite the .expected files (review the diff).
            let p = Path::new("tests/data").join(name.replace(".conf", ".expected"));
            let mut text = got.join("\n");
            if !text.is_empty() {
                text.push('\n');
            }
            std::fs::write(p, text).unwrap();
        }
        assert_eq!(got, expected(&name), "diagnostics of {name}");
        n += 1;
    }
    assert!(n >= 13, "only {n} fixtures found");
}

fn vips(c: &Config, i: usize) -> Vec<String> {
    let v = &c.vrrp_instances[i];
    v.virtual_ipaddress
        .iter()
        .chain(&v.virtual_ipaddress_excluded)
        .map(|a| a.address.value.to_string())
        .collect()
}

#[test]
fn conditionals_follow_the_config_id() {
    let p = parse("pp_conditional.conf");
    assert!(p.diagnostics.is_empty());
    let c = &p.config;
    assert_eq!(
        c.global_defs.router_id.as_ref().unwrap().value,
        "main_router"
    );
    let vi = &c.vrrp_instances[0];
    assert_eq!(vi.priority.as_ref().unwrap().value, 240);
    let peers: Vec<String> = vi
        .unicast_peer
        .iter()
        .map(|p| p.address.to_string())
        .collect();
    assert_eq!(peers, ["10.0.0.2", "10.0.0.3"]);
    // with another id the other lines apply
    let other = load(
        "tests/data/pp_conditional.conf",
        &LoadOptions {
            config_id: Some("backup".into()),
            ..opts()
        },
    );
    assert_eq!(
        other.config.global_defs.router_id.as_ref().unwrap().value,
        "backup_router"
    );
    assert_eq!(
        other.config.vrrp_instances[0]
            .priority
            .as_ref()
            .unwrap()
            .value,
        100
    );
}

#[test]
fn definitions_expand_at_use_time() {
    let p = parse("pp_define.conf");
    let c = &p.config;
    let vi = &c.vrrp_instances[0];
    assert_eq!(vi.name.value, "VI_240");
    assert_eq!(
        vi.priority.as_ref().unwrap().value,
        240,
        "`$IF_MAIN priority` expands to `@main priority`"
    );
    assert_eq!(
        vips(c, 0),
        ["10.2.0.100/32", "10.2.10.100/32", "7.0.0.1/32"]
    );
    // undefined names stay as written
    assert_eq!(
        vi.notify_master.as_ref().unwrap().value.command,
        "/bin/echo ${NOT_DEFINED} $HOME"
    );
    // expanded values point at the line that used them
    assert_eq!(vi.virtual_ipaddress[1].address.span.line, 13);
}

#[test]
fn multiline_definitions_make_whole_blocks() {
    let c = parse("pp_multiline.conf").config;
    let names: Vec<&str> = c
        .vrrp_instances
        .iter()
        .map(|v| v.name.value.as_str())
        .collect();
    assert_eq!(names, ["VI_1", "VI_2"]);
    assert_eq!(
        c.vrrp_instances[1]
            .virtual_router_id
            .as_ref()
            .unwrap()
            .value,
        2
    );
    assert_eq!(c.vrrp_instances[0].priority.as_ref().unwrap().value, 130);
    assert_eq!(vips(&c, 1), ["10.0.2.254/24"]);
}

#[test]
fn generators_replicate_lines() {
    let c = parse("pp_seq.conf").config;
    assert_eq!(
        vips(&c, 0),
        [
            "10.0.0.1/32",
            "10.0.1.1/32",
            "10.0.2.1/32",
            "10.0.3.1/32",
            "fe81::10:90:12/128",
            "fe81::10:90:11/128",
            "fe81::10:a0:12/128",
            "fe81::10:a0:11/128",
            "192.168.10.1/32",
            "192.168.20.4/32"
        ]
    );
}

#[test]
fn includes_glob_braces_and_order() {
    let p = parse("pp_include.conf");
    let names: Vec<&str> = p
        .config
        .vrrp_instances
        .iter()
        .map(|v| v.name.value.as_str())
        .collect();
    assert_eq!(names, ["VI_a", "VI_b", "VI_3", "VI_main"]);
    assert_eq!(
        p.config.global_defs.router_id.as_ref().unwrap().value,
        "inc_test"
    );
    // the error in an included file names that file
    assert_eq!(
        p.sources.name(p.diagnostics[0].span.unwrap().file),
        "tests/data/inc/b.conf"
    );
}

#[test]
fn unclosed_block_keeps_what_was_read() {
    let p = parse("err_unclosed.conf");
    assert!(p.has_errors());
    assert_eq!(vips(&p.config, 0), ["10.0.0.1/24"]);
}

#[test]
fn rendering_is_rustc_like() {
    let p = parse("err_unknown_keyword.conf");
    let r = p.diagnostics[1].render(&p.sources);
    assert_eq!(
        r,
        "warning[unknown-keyword]: unknown keyword `priorty` in `vrrp_instance`\n \
         --> tests/data/err_unknown_keyword.conf:7:5\n  |\n7 |     priorty 100\n  |     ^\n  = hint: did you mean `priority`?\n"
    );
}

#[test]
fn huge_generators_and_expansions_are_bounded() {
    let o = LoadOptions {
        max_lines: 1000,
        ..opts()
    };
    let text = "~SEQ(I, 1, 1000000000) vrrp_instance VI_$I { }\n$A=$A $A\n$A\n";
    let p = keepalived_conf::parse_str("big.conf", text, &o);
    let codes: Vec<&str> = p.diagnostics.iter().map(|d| d.code).collect();
    // the generator is refused before it makes a line
    assert!(codes.contains(&"expansion-budget"), "{codes:?}");
    assert!(p.config.vrrp_instances.is_empty());
    assert!(p.diagnostics.len() <= 1001);
}

fn codes(p: &Parsed) -> Vec<&'static str> {
    p.diagnostics.iter().map(|d| d.code).collect()
}

#[test]
fn a_generator_over_the_expansion_budget_makes_nothing() {
    // 1,000,000 lines of 45 bytes: over the budget, refused before any is made
    let text = "~SEQ(i,1,1,1000000) vrrp_script s${i} { script \"/bin/true\" }\n";
    let p = keepalived_conf::parse_str("seq.conf", text, &opts());
    assert!(codes(&p).contains(&"expansion-budget"), "{:?}", codes(&p));
    assert_eq!(p.config.vrrp_scripts.len(), 0);
    // within the budget, the same generator works
    let text = "~SEQ(i,1,1,3) vrrp_script s${i} { script \"/bin/true\" }\n";
    let p = keepalived_conf::parse_str("seq.conf", text, &opts());
    assert_eq!(p.config.vrrp_scripts.len(), 3, "{:?}", codes(&p));
}

/// A configuration that generates more than the 30,000 lines the budget
/// used to allow (a count, whatever the lines' length) is read whole: the
/// budget is in bytes (about 25 bytes x 40,000 lines = 1 MB of the 2 MiB, a
/// third of 6 MiB, that generators may add). 40,000 addresses are within the
/// `address` and `section_statements` limits (40,000 sections would not be:
/// `limits::Item::Section`).
#[test]
fn a_real_sized_generator_over_30000_lines_is_not_refused() {
    let text = "static_ipaddress {\n~SEQ(a,0,1,159) ~SEQ(b,0,1,249) 10.${a}.${b}.1/32 dev lo\n}\n";
    let p = keepalived_conf::parse_str("seq.conf", text, &opts());
    assert!(!codes(&p).contains(&"expansion-budget"), "{:?}", codes(&p));
    assert!(!p.has_errors(), "{:?}", codes(&p));
    assert_eq!(p.config.static_ipaddress.len(), 40_000);
}

#[test]
fn nested_generators_stop_at_the_expansion_budget() {
    // with a 1 MB budget, a third of it (333,333 bytes) generated: the outer
    // ~SEQ's 1,000 lines of its 56-byte template and newline (57,000 bytes)
    // leave room for 6 inner ones of 1,000 lines of 43 + 1 bytes (44,000 each)
    let o = LoadOptions {
        max_bytes: 1_000_000,
        ..opts()
    };
    let text = "~SEQ(i,1000) ~SEQ(j,1000) vrrp_script s${i}_${j} { script /bin/true }\n";
    let p = keepalived_conf::parse_str("nested.conf", text, &o);
    assert_eq!(
        codes(&p)
            .iter()
            .filter(|c| **c == "expansion-budget")
            .count(),
        1
    );
    assert_eq!(p.config.vrrp_scripts.len(), 6_000);
}

/// Files over the byte budget are not read: the main file (one error, no
/// model) and an include that would take the total over (the rest is read).
#[test]
fn files_over_the_byte_budget_are_not_read() {
    let dir = std::env::temp_dir().join(format!("kc-bytes-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let big = dir.join("big.conf");
    std::fs::write(&big, "global_defs {\n router_id r\n}\n".repeat(100)).unwrap();
    let o = LoadOptions {
        max_bytes: 1000,
        ..opts()
    };
    let p = keepalived_conf::load(&big, &o);
    assert_eq!(codes(&p), ["config-too-large"]);
    assert!(p.config.files.is_empty());
    let main = dir.join("main.conf");
    std::fs::write(
        &main,
        format!(
            "include {}\nvrrp_script s {{\n script /bin/true\n}}\n",
            big.display()
        ),
    )
    .unwrap();
    let p = keepalived_conf::load(&main, &o);
    assert!(codes(&p).contains(&"config-too-large"), "{:?}", codes(&p));
    assert_eq!(p.config.vrrp_scripts.len(), 1);
    // an include fan-out counts every file read, each time it is read
    let inc = dir.join("inc.conf");
    std::fs::write(&inc, "# 20 bytes of text.\n").unwrap();
    std::fs::write(&main, format!("include {}\n", inc.display()).repeat(100)).unwrap();
    let main_len = std::fs::metadata(&main).unwrap().len() as usize;
    let o = LoadOptions {
        max_bytes: main_len + 20 * 10,
        ..opts()
    };
    let p = keepalived_conf::load(&main, &o);
    assert!(codes(&p).contains(&"config-too-large"), "{:?}", codes(&p));
    assert_eq!(p.config.files.len(), 11, "the main file and 10 includes");
    let text = "x".repeat(2000);
    let p = keepalived_conf::parse_str(
        "text.conf",
        &text,
        &LoadOptions {
            max_bytes: 1000,
            ..opts()
        },
    );
    assert_eq!(codes(&p), ["config-too-large"]);
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn definition_bytes_are_budgeted_before_they_are_copied() {
    // a 60,060-byte value (60 continuation lines of 1,000 bytes and their joins)
    let mut text = String::from("$BIG=\\\n");
    for _ in 0..60 {
        text.push_str(&"x".repeat(1000));
        text.push_str(" \\\n");
    }
    text.push_str("end\n~SEQ(i,1000) router_id ${BIG}\n");
    let p = keepalived_conf::parse_str("bytes.conf", &text, &opts());
    let c = codes(&p);
    assert_eq!(c.iter().filter(|c| **c == "expansion-budget").count(), 1);
    // 16 MiB of values: the budget ends after 279 substitutions, not 1,000
    let too_long = c.iter().filter(|c| **c == "expansion-too-long").count();
    assert!((270..=280).contains(&too_long), "{too_long}");
}

#[test]
fn only_builtins_take_parameters() {
    // keepalived 2.2.7: `${KW 120}` naming a user definition stays as written (`$` is then
    // an unknown keyword), `$1` in a definition is plain text, `${_RANDOM 42 42}` is 42
    let p = parse("pp_params.conf");
    let vi = &p.config.vrrp_instances[0];
    assert_eq!(vi.priority.as_ref().map(|v| v.value), Some(42));
    assert!(
        p.short_diagnostics()
            .iter()
            .any(|d| d.contains("`$1` is not a number"))
    );
}
