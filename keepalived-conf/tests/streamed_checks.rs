//! The checks daemons run after a load read the files one statement at a time and keep
//! bounded results; a large input of non-`virtual_server` sections is read in one go.

use keepalived_conf::keywords::{Daemon, not_acted_on};
use keepalived_conf::{LoadOptions, parse_str, parse_str_in_two_parts};

/// Past 1000 warnings, the rest are counted in one more warning without a position.
#[test]
fn not_acted_on_keeps_1000_warnings_and_counts_the_rest() {
    let text = "use_pid_dir\n".repeat(1200);
    let p = parse_str("k.conf", &text, &LoadOptions::default());
    let w = not_acted_on(&p, Daemon::Vrrpd);
    assert_eq!(w.len(), 1001);
    assert!(w[..1000].iter().all(|d| d.code == "not-acted-on"));
    assert_eq!(w[999].span.map(|s| s.line), Some(1000));
    assert_eq!(w[1000].span, None);
    assert!(
        w[1000].message.starts_with("200 further"),
        "{}",
        w[1000].message
    );
    let few = parse_str(
        "k.conf",
        &"use_pid_dir\n".repeat(3),
        &LoadOptions::default(),
    );
    assert_eq!(not_acted_on(&few, Daemon::Vrrpd).len(), 3);
}

/// More than 2000 sections other than `virtual_server` after the split point: the
/// split is given up, and the result is the one-go read's.
#[test]
fn many_sections_after_the_split_point_are_read_in_one_go() {
    let mut text = String::new();
    for i in 0..6000 {
        text.push_str(&format!(
            "vrrp_instance VI_{i} {{\n    interface eth{i}\n    virtual_router_id 1\n    priority 100\n}}\n"
        ));
    }
    assert!(text.len() > 256 * 1024);
    let one_go = LoadOptions {
        split_min_bytes: usize::MAX,
        ..LoadOptions::default()
    };
    assert!(parse_str_in_two_parts("k.conf", &text, &LoadOptions::default()).is_none());
    let a = parse_str("k.conf", &text, &LoadOptions::default());
    let b = parse_str("k.conf", &text, &one_go);
    assert_eq!(a.short_diagnostics(), b.short_diagnostics());
    assert_eq!(format!("{:?}", a.config), format!("{:?}", b.config));
    assert_eq!(a.config.vrrp_instances.len(), 6000);
    // not given up for the diagnostics cap: there are few
    assert!(a.diagnostics.len() < 100, "{}", a.diagnostics.len());
    // a few such sections are still read in two parts
    let small: String = text
        .lines()
        .take(5 * 2500)
        .map(|l| format!("{l}\n"))
        .collect();
    let tail = "virtual_server 10.0.0.1 80 {\n    lb_algo rr\n}\n".repeat(4000);
    assert!(parse_str_in_two_parts("k.conf", &(small + &tail), &LoadOptions::default()).is_some());
}
