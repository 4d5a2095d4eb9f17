#![allow(clippy::unwrap_used)]
//! keepalived 2.2.7 refuses every `vrrp_instance` without `interface`, unicast
//! instances with a source address and peers included: vrrp.c `chk_min_cfg`
//! ("(NAME) Unknown interface!") runs before `vrrp_complete_instance` marks an
//! instance unicast. The configuration check gives the same verdict.

use keepalived_conf::{LoadOptions, parse_str};

fn errors(text: &str) -> Vec<(String, String)> {
    parse_str("t.conf", text, &LoadOptions::default())
        .diagnostics
        .iter()
        .filter(|d| d.is_error())
        .map(|d| (d.code.to_string(), d.message.clone()))
        .collect()
}

#[test]
fn an_instance_without_interface_is_refused_unicast_or_not() {
    let unicast = "vrrp_instance VI_1 {\n virtual_router_id 51\n unicast_src_ip 10.0.0.1\n \
                   unicast_peer {\n  10.0.0.2\n }\n virtual_ipaddress {\n  10.0.0.100/24\n }\n}\n";
    let multicast = "vrrp_instance VI_1 {\n virtual_router_id 51\n virtual_ipaddress {\n  \
                     10.0.0.100/24\n }\n}\n";
    for text in [unicast, multicast] {
        let e = errors(text);
        assert_eq!(e.len(), 1, "{e:?}");
        assert_eq!(e[0].0, "missing-interface");
        assert!(e[0].1.contains("(VI_1) Unknown interface!"), "{e:?}");
    }
    let with = unicast.replace(
        " virtual_router_id 51\n",
        " interface eth0\n virtual_router_id 51\n",
    );
    assert_eq!(errors(&with), []);
}
