#![allow(clippy::unwrap_used)]
//! Large inputs are read on a second thread while the model is built: the result (model and
//! diagnostics, in order) must be exactly the one of the single-threaded run.

use keepalived_conf::{LoadOptions, parse_str};
use std::fmt::Write;

/// About 600 KiB: above the pipeline threshold, with errors and warnings spread through it.
fn big_config() -> String {
    let mut s = String::from("global_defs {\n    router_id big\n}\n$PORT=8080\n");
    for i in 0..300 {
        let vrid = i % 255 + 1;
        let prio = if i % 50 == 7 { 300 } else { 100 };
        writeln!(
            s,
            "vrrp_instance VI_{i} {{\n    interface eth0\n    virtual_router_id {vrid}\n    priority {prio}\n    virtual_ipaddress {{\n        10.1.{}.{}/24\n    }}\n}}",
            i / 250,
            i % 250 + 1
        )
        .unwrap();
    }
    for v in 0..2500 {
        let kw = if v % 700 == 3 {
            "delay_lop"
        } else {
            "delay_loop"
        };
        writeln!(
            s,
            "virtual_server 10.2.{}.{} 80 {{\n    {kw} 6\n    lb_algo wrr\n    lb_kind NAT\n    protocol TCP",
            v / 250,
            v % 250
        )
        .unwrap();
        for r in 1..=4 {
            let addr = if v % 900 == 11 && r == 2 {
                "VIP".to_string()
            } else {
                format!("172.16.{}.{r}", v % 250)
            };
            writeln!(
                s,
                "    real_server {addr} $PORT {{\n        weight {r}\n        TCP_CHECK {{\n            connect_timeout 3\n        }}\n    }}"
            )
            .unwrap();
        }
        s.push_str("}\n");
    }
    s.push_str("virtual_server 10.9.9.9 80 {\n    delay_loop 6\n");
    s
}

#[test]
fn pipelined_and_single_threaded_runs_agree() {
    let text = big_config();
    assert!(text.len() > 512 * 1024, "input too small: {}", text.len());
    let one = LoadOptions {
        config_id: Some("main".into()),
        pipeline: false,
        split_min_bytes: usize::MAX,
        ..LoadOptions::default()
    };
    let two = LoadOptions {
        pipeline: true,
        ..one.clone()
    };
    let a = parse_str("big.conf", &text, &one);
    let b = parse_str("big.conf", &text, &two);
    assert_eq!(a.short_diagnostics(), b.short_diagnostics());
    assert_eq!(
        serde_json::to_string(&a.config).unwrap(),
        serde_json::to_string(&b.config).unwrap()
    );
    // the input really has problems of both stages (preprocessor/tree and model)
    let d = a.short_diagnostics().join("\n");
    assert!(d.contains("unclosed block"), "{d}");
    assert!(d.contains("delay_lop"), "{d}");
    assert!(a.has_errors());
    // the real servers named `VIP` are left out, their virtual servers kept; the unclosed one too
    assert_eq!(a.config.virtual_servers.len(), 2501);
    assert_eq!(a.config.vrrp_instances.len(), 300);
    assert!(d.contains("priority"), "{d}");
}
