//! The multicast group an instance sends its adverts to and receives them on:
//! `mcast_dst_ip` (instance), else `vrrp_mcast_group4` / `vrrp_mcast_group6`
//! (global_defs), else 224.0.0.18 / ff02::12 (docs/keepalived.md §3.27).

use std::net::IpAddr;

use keepalived_conf::effective::{self, DstIgnored, McastSource};
use keepalived_conf::{Diagnostic, GlobalDefs, VrrpInstance};
use vrrp_core::packet::Family;

/// The group of instance `vi` of `family`, or `None` for the family's VRRP
/// group (224.0.0.18 / ff02::12), from the effective view
/// ([`keepalived_conf::effective::mcast_group`]), with the warnings keepalived
/// 2.2.7 gives. Follows keepalived 2.2.7: an `mcast_dst_ip`
/// of the other family, or an IPv6 one that is not link-local multicast, is
/// skipped with an error message (vrrp_parser.c `vrrp_mcast_dstip_handler`);
/// one on a unicast instance is ignored (vrrp.c `vrrp_complete_instance`);
/// a `vrrp_mcast_group6` that is not link-local only draws a warning
/// (global_parser.c `vrrp_mcast_group6_handler`).
pub fn group(
    vi: &VrrpInstance,
    g: &GlobalDefs,
    family: Family,
    name: &str,
    diags: &mut Vec<Diagnostic>,
) -> Option<IpAddr> {
    let m = effective::mcast_group(vi, g, family == Family::V6);
    if let Some((d, why)) = m.dst_ignored {
        let what = match why {
            DstIgnored::Unicast => {
                format!(
                    "({name}) multicast destination specified with unicast - ignoring (as keepalived does)"
                )
            }
            DstIgnored::OtherFamily => format!(
                "({name}) mcast dest address {} MUST match VRRP instance family; \
                 the default group is used (as keepalived does)",
                d.value
            ),
            _ => format!(
                "({name}) mcast_dst_ip {} not link-local multicast; the default group is \
                 used (as keepalived does)",
                d.value
            ),
        };
        diags.push(Diagnostic::warning("vrrpd-mcast-dst-ip", d.span, what));
    }
    if let Some(d) = m.global_not_link_local {
        diags.push(Diagnostic::warning(
            "vrrpd-mcast-group",
            d.span,
            format!(
                "vrrp_mcast_group6 {} should be link-local multicast (as keepalived warns)",
                d.value
            ),
        ));
    }
    match m.source {
        McastSource::Instance => m.group,
        _ => m.group.filter(|a| *a != family.group()),
    }
}

#[cfg(test)]
mod tests {
    use crate::spec::mapping::{SimResolver, map_config};
    use keepalived_conf::{LoadOptions, parse_str};

    fn groups(text: &str) -> (Vec<String>, Vec<String>) {
        let p = parse_str("t.conf", text, &LoadOptions::default());
        assert!(!p.has_errors(), "{}", p.render_diagnostics());
        let (m, d) = map_config(&p.config, &SimResolver { node: 3 });
        let g = m
            .instances
            .iter()
            .map(|i| i.config.multicast_group().to_string())
            .collect();
        (g, d.iter().map(|x| x.short(&p.sources)).collect())
    }

    const V4: &str = "vrrp_instance A {\n interface eth0\n virtual_router_id 1\n virtual_ipaddress {\n 192.0.2.1\n }\nEXTRA}\n";
    const V6: &str = "vrrp_instance B {\n interface eth0\n virtual_router_id 1\n virtual_ipaddress {\n fd00::1\n }\nEXTRA}\n";

    #[test]
    fn defaults_global_and_instance_groups() {
        let both = format!("{}{}", V4.replace("EXTRA", ""), V6.replace("EXTRA", ""));
        assert_eq!(groups(&both).0, ["224.0.0.18", "ff02::12"]);
        let global = format!(
            "global_defs {{\n vrrp_mcast_group4 224.0.0.44\n vrrp_mcast_group6 ff02::44\n}}\n{both}"
        );
        let (g, d) = groups(&global);
        assert_eq!(g, ["224.0.0.44", "ff02::44"]);
        assert!(d.is_empty(), "{d:?}");
        // The instance's mcast_dst_ip wins over the global group.
        let inst = format!(
            "global_defs {{\n vrrp_mcast_group4 224.0.0.44\n}}\n{}",
            V4.replace("EXTRA", " mcast_dst_ip 239.1.2.3\n")
        );
        assert_eq!(groups(&inst).0, ["239.1.2.3"]);
        // The default written out is the default.
        let dflt = format!(
            "global_defs {{\n vrrp_mcast_group4 224.0.0.18\n}}\n{}",
            V4.replace("EXTRA", "")
        );
        let p = parse_str("t.conf", &dflt, &LoadOptions::default());
        let (m, _) = map_config(&p.config, &SimResolver { node: 3 });
        assert_eq!(m.instances[0].config.mcast_group, None);
    }

    #[test]
    fn keepalived_skips_what_it_cannot_use() {
        // Another family, or an IPv6 group that is not link-local: default.
        let (g, d) = groups(&V4.replace("EXTRA", " mcast_dst_ip ff02::44\n"));
        assert_eq!(g, ["224.0.0.18"]);
        assert!(d[0].contains("MUST match VRRP instance family"), "{d:?}");
        let (g, d) = groups(&V6.replace("EXTRA", " mcast_dst_ip ff05::44\n"));
        assert_eq!(g, ["ff02::12"]);
        assert!(d[0].contains("not link-local multicast"), "{d:?}");
        // A unicast instance ignores it.
        let (_, d) = groups(&V4.replace(
            "EXTRA",
            " mcast_dst_ip 224.0.0.44\n unicast_peer {\n 192.0.2.9\n }\n",
        ));
        assert!(d[0].contains("specified with unicast - ignoring"), "{d:?}");
        // A site-scope global IPv6 group is used, with keepalived's warning.
        let (g, d) = groups(&format!(
            "global_defs {{\n vrrp_mcast_group6 ff05::44\n}}\n{}",
            V6.replace("EXTRA", "")
        ));
        assert_eq!(g, ["ff05::44"]);
        assert!(d[0].contains("should be link-local"), "{d:?}");
    }

    #[test]
    fn one_vrid_twice_on_an_interface_needs_two_groups() {
        let a = V4.replace("EXTRA", "");
        let b = a.replace("vrrp_instance A", "vrrp_instance C");
        let (_, d) = groups_lenient(&format!("{a}{b}"));
        assert!(d.iter().any(|x| x.contains("virtual_router_id 1")), "{d:?}");
        let b = b.replace("EXTRA", "").replace(
            "virtual_router_id 1\n",
            "virtual_router_id 1\n mcast_dst_ip 224.0.0.44\n",
        );
        let (g, d) = groups(&format!("{a}{b}"));
        assert!(d.is_empty(), "{d:?}");
        assert_eq!(g, ["224.0.0.18", "224.0.0.44"]);
    }

    fn groups_lenient(text: &str) -> ((), Vec<String>) {
        let p = parse_str("t.conf", text, &LoadOptions::default());
        let (_, d) = map_config(&p.config, &SimResolver { node: 3 });
        ((), d.iter().map(|x| x.short(&p.sources)).collect())
    }
}
