//! The firewall part of `vrrpd status` and of the Prometheus metrics:
//! each instance's accept mode and why, whether its VIPs are in the drop
//! set now, the table, and the programming failures
//! ([`super::accept_mode::AcceptFirewall`]).

use std::collections::BTreeMap;

use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family as MetricFamily;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::registry::Registry;
use serde::Serialize;

use ha_daemon_kit::metrics::labels;

use keepalived_nft::{LinkKey, Target};

use super::accept_mode::AcceptFirewall;
use crate::spec::accept::AcceptReason;

/// The daemon's firewall.
#[derive(Debug, Clone, Default, Serialize)]
pub struct FirewallStatus {
    /// The nftables table name, once an instance needed the firewall.
    pub table: Option<String>,
    /// Batches the kernel refused (or a socket not opened) since start.
    pub failures: u64,
    /// The last error that concerns no instance in particular (opening
    /// the socket, deleting a table left by an earlier run).
    pub last_error: Option<String>,
    /// Per instance, by name.
    pub instances: BTreeMap<String, InstanceFirewall>,
}

/// One instance's accept mode and drop rules.
#[derive(Debug, Clone, Serialize)]
pub struct InstanceFirewall {
    /// Accept mode on (the VIPs are not dropped while Master).
    pub accept_mode: bool,
    /// Why: `owner`, `accept`, `default`, `no_accept`, `strict` or
    /// `strict_v2`.
    pub reason: AcceptReason,
    /// Whether its VIPs are in the drop set now.
    pub dropping: bool,
    /// The addresses it has in the drop set now.
    pub dropped: Vec<String>,
    /// Its last firewall error, if any.
    pub last_error: Option<String>,
}

/// The status of `fw` for `instances` (name, accept reason, accept mode
/// as configured).
pub fn collect<'a>(
    fw: &AcceptFirewall,
    instances: impl IntoIterator<Item = (&'a str, AcceptReason, bool)>,
) -> FirewallStatus {
    let instances = instances
        .into_iter()
        .map(|(name, reason, accept)| {
            let dropped: Vec<String> = fw.held(name).iter().map(target_text).collect();
            let i = InstanceFirewall {
                accept_mode: accept,
                reason,
                dropping: !dropped.is_empty(),
                dropped,
                last_error: fw.last_error(name).map(str::to_string),
            };
            (name.to_string(), i)
        })
        .collect();
    FirewallStatus {
        table: fw.table().map(str::to_string),
        failures: fw.failures(),
        last_error: fw.last_error("").map(str::to_string),
        instances,
    }
}

/// An address of the drop set as text: `ADDR`, or `ADDR%IF` for a
/// link-local one (the interface by name or index).
fn target_text(t: &Target) -> String {
    match t {
        Target::Global(a) => a.to_string(),
        Target::LinkLocal(a, LinkKey::Name(n)) => format!("{a}%{n}"),
        Target::LinkLocal(a, LinkKey::Index(i)) => format!("{a}%{i}"),
    }
}

/// Adds the firewall's metrics to `reg`: a gauge of the VIPs each instance
/// has in the drop set, a gauge of its accept mode (1 on) and a counter of
/// programming failures.
pub fn register_metrics(reg: &mut Registry, s: &FirewallStatus) {
    let dropped = MetricFamily::<ha_daemon_kit::metrics::Labels, Gauge>::default();
    let accept = MetricFamily::<ha_daemon_kit::metrics::Labels, Gauge>::default();
    for (name, i) in &s.instances {
        let n = i64::try_from(i.dropped.len()).unwrap_or(i64::MAX);
        dropped.get_or_create(&labels([("instance", name)])).set(n);
        accept
            .get_or_create(&labels([("instance", name), ("reason", i.reason.as_str())]))
            .set(i64::from(i.accept_mode));
    }
    let failures = Counter::<u64>::default();
    failures.inc_by(s.failures);
    reg.register(
        "instance_firewall_dropped_vips",
        "Addresses of the instance in the nftables drop set now (accept mode off, Master)",
        dropped,
    );
    reg.register(
        "instance_accept_mode",
        "1 when the instance's accept mode is on, with the reason",
        accept,
    );
    reg.register(
        "firewall_failures",
        "nftables batches refused by the kernel (or a socket not opened) since start",
        failures,
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    fn status() -> FirewallStatus {
        FirewallStatus {
            table: Some("keepalived".into()),
            failures: 3,
            last_error: None,
            instances: BTreeMap::from([
                (
                    "A".to_string(),
                    InstanceFirewall {
                        accept_mode: false,
                        reason: AcceptReason::NoAccept,
                        dropping: true,
                        dropped: vec!["10.0.0.1".into(), "10.0.0.2".into()],
                        last_error: Some("refused".into()),
                    },
                ),
                (
                    "B".to_string(),
                    InstanceFirewall {
                        accept_mode: true,
                        reason: AcceptReason::Owner,
                        dropping: false,
                        dropped: vec![],
                        last_error: None,
                    },
                ),
            ]),
        }
    }

    #[test]
    fn metrics_count_dropped_vips_and_failures() {
        let mut reg = Registry::with_prefix("vrrpd");
        register_metrics(&mut reg, &status());
        let text = ha_daemon_kit::metrics::render(&reg);
        for line in [
            r#"vrrpd_instance_firewall_dropped_vips{instance="A"} 2"#,
            r#"vrrpd_instance_firewall_dropped_vips{instance="B"} 0"#,
            r#"vrrpd_instance_accept_mode{instance="A",reason="no_accept"} 0"#,
            r#"vrrpd_instance_accept_mode{instance="B",reason="owner"} 1"#,
            "vrrpd_firewall_failures_total 3",
            "# TYPE vrrpd_firewall_failures counter",
        ] {
            assert!(text.lines().any(|l| l == line), "missing {line}\n{text}");
        }
    }

    #[test]
    fn json_names_the_reason_and_the_table() {
        let v = serde_json::to_value(status()).unwrap();
        assert_eq!(v["table"], "keepalived");
        assert_eq!(v["failures"], 3);
        assert_eq!(v["instances"]["A"]["reason"], "no_accept");
        assert_eq!(v["instances"]["A"]["dropping"], true);
        assert_eq!(v["instances"]["A"]["dropped"][1], "10.0.0.2");
        assert_eq!(v["instances"]["A"]["last_error"], "refused");
        assert_eq!(v["instances"]["B"]["reason"], "owner");
        assert_eq!(v["instances"]["B"]["accept_mode"], true);
        assert!(v["instances"]["B"]["last_error"].is_null());
    }
}
