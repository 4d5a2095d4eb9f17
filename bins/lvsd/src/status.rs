//! `lvsd status` JSON and the Prometheus exposition, both built from one
//! [`Status`]; `ha_daemon_kit::control` and `ha_daemon_kit::metrics` serve them.

use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::registry::Registry;
use serde::Serialize;
use tokio::sync::oneshot;

use crate::model::CheckKind;
use crate::pool::Pool;
use crate::reconcile::Reconciler;

/// What a client asked for.
#[derive(Debug)]
pub enum Query {
    /// The JSON status document.
    Json(oneshot::Sender<String>),
    /// Prometheus text.
    Metrics(oneshot::Sender<String>),
}

/// Status of the daemon.
#[derive(Debug, Serialize)]
pub struct Status {
    /// The configuration file.
    pub config: String,
    /// Virtual servers.
    pub virtual_servers: Vec<VsStatus>,
    /// The BFD sessions lvsd runs for its `BFD_CHECK`s, in name order.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub bfd: Vec<BfdStatus>,
}

/// One BFD session lvsd runs.
#[derive(Debug, Clone, Serialize)]
pub struct BfdStatus {
    /// The `bfd_instance` name.
    pub name: String,
    /// `neighbor_ip`.
    pub neighbor: String,
    /// Local state: `AdminDown`, `Down`, `Init` or `Up`.
    pub state: String,
    /// Up events sent to the checkers.
    pub up_events: u64,
    /// Down events sent to the checkers.
    pub down_events: u64,
    /// Packets received and sent.
    pub packets_in: u64,
    /// Packets sent.
    pub packets_out: u64,
}

impl BfdStatus {
    /// The status of one session of a runner.
    pub fn of(s: &bfd_net::SessionStatus) -> Self {
        BfdStatus {
            name: s.name.clone(),
            neighbor: s.neighbor.to_string(),
            state: format!("{:?}", s.local_state),
            up_events: s.up_events,
            down_events: s.down_events,
            packets_in: s.packets_in,
            packets_out: s.packets_out,
        }
    }
}

/// One virtual server.
#[derive(Debug, Serialize)]
pub struct VsStatus {
    /// `TCP 10.0.0.1:80`, `FWM 5`, `group NAME`.
    pub id: String,
    /// file:line.
    pub location: String,
    /// IPVS services and whether the kernel holds them.
    pub services: Vec<ServiceStatus>,
    /// `quorum`.
    pub quorum: u64,
    /// `hysteresis`.
    pub hysteresis: u64,
    /// Quorum state.
    pub quorum_up: bool,
    /// Total effective weight of alive real servers.
    pub weight_sum: u64,
    /// The sorry server replaces the real servers.
    pub sorry_server_active: bool,
    /// Real servers.
    pub real_servers: Vec<RsStatus>,
}

/// One IPVS service.
#[derive(Debug, Serialize)]
pub struct ServiceStatus {
    /// The key.
    pub key: String,
    /// Scheduler.
    pub scheduler: String,
    /// Present in the kernel (as far as lvsd knows).
    pub in_kernel: bool,
    /// Destinations in the kernel: `addr:port` → weight.
    pub destinations: Vec<(String, i32)>,
}

/// One real server.
#[derive(Debug, Serialize)]
pub struct RsStatus {
    /// `addr:port`.
    pub address: String,
    /// file:line.
    pub location: String,
    /// Configured weight.
    pub weight: i32,
    /// Configured weight plus dynamic changes.
    pub effective_weight: i64,
    /// Every checker passes.
    pub alive: bool,
    /// `inhibit_on_failure`.
    pub inhibit_on_failure: bool,
    /// Checkers.
    pub checkers: Vec<CheckerStatus>,
}

/// One checker's verdict.
#[derive(Debug, Serialize)]
pub struct CheckerStatus {
    /// `TCP_CHECK`, `HTTP_GET`, ...
    #[serde(rename = "type")]
    pub kind: &'static str,
    /// file:line.
    pub location: String,
    /// Passing.
    pub up: bool,
    /// Weight change it asks for.
    pub weight_delta: i64,
}

/// The keepalived name of a checker type.
pub fn kind_name(k: &CheckKind) -> &'static str {
    match k {
        CheckKind::Tcp => "TCP_CHECK",
        CheckKind::Http(h) if h.tls => "SSL_GET",
        CheckKind::Http(_) => "HTTP_GET",
        CheckKind::Misc(_) => "MISC_CHECK",
        CheckKind::Smtp { .. } => "SMTP_CHECK",
        CheckKind::Dns { .. } => "DNS_CHECK",
        CheckKind::Udp(_) => "UDP_CHECK",
        CheckKind::Ping => "PING_CHECK",
        CheckKind::File(_) => "FILE_CHECK",
        CheckKind::Bfd { .. } => "BFD_CHECK",
    }
}

/// Builds the status document.
pub fn build(config: &str, pools: &[Pool], rec: &Reconciler) -> Status {
    let virtual_servers = pools
        .iter()
        .map(|p| VsStatus {
            id: p.vs.id.clone(),
            location: p.vs.location.clone(),
            services: p
                .vs
                .services
                .iter()
                .map(|s| {
                    let k = rec.kernel().get(&s.key);
                    ServiceStatus {
                        key: s.key.to_string(),
                        scheduler: s.scheduler.clone(),
                        in_kernel: k.is_some(),
                        destinations: k
                            .map(|k| {
                                k.dests
                                    .values()
                                    .map(|d| {
                                        (
                                            crate::model::RsKey {
                                                addr: d.addr,
                                                port: d.port,
                                            }
                                            .to_string(),
                                            d.weight,
                                        )
                                    })
                                    .collect()
                            })
                            .unwrap_or_default(),
                    }
                })
                .collect(),
            quorum: p.vs.quorum,
            hysteresis: p.vs.hysteresis,
            quorum_up: p.quorum_up,
            weight_sum: p.weight_sum(),
            sorry_server_active: p.sorry_active(),
            real_servers: p
                .vs
                .real_servers
                .iter()
                .zip(&p.rs)
                .enumerate()
                .map(|(i, (c, r))| RsStatus {
                    address: c.key.to_string(),
                    location: c.location.clone(),
                    weight: c.dest.weight,
                    effective_weight: p.weight(i),
                    alive: r.alive,
                    inhibit_on_failure: c.inhibit_on_failure,
                    checkers: c
                        .checkers
                        .iter()
                        .zip(&r.verdicts)
                        .map(|(s, v)| CheckerStatus {
                            kind: kind_name(&s.kind),
                            location: s.location.clone(),
                            up: v.up,
                            weight_delta: v.weight_delta,
                        })
                        .collect(),
                })
                .collect(),
        })
        .collect();
    Status {
        config: config.to_string(),
        virtual_servers,
        bfd: Vec::new(),
    }
}

use ha_daemon_kit::metrics::{Labels, labels};

/// Prometheus/OpenMetrics text of a status: per virtual server quorum,
/// weight sum and sorry server; per real server verdict and weights; per
/// checker verdict; per IPVS service whether the kernel holds it and the
/// weight of each kernel destination.
pub fn metrics(s: &Status) -> String {
    let g = Family::<Labels, Gauge>::default;
    let (quorum_up, weight_sum, sorry, rs_up, rs_weight, rs_conf, checker_up, svc_in, dest_w) =
        (g(), g(), g(), g(), g(), g(), g(), g(), g());
    let bfd_up = g();
    for b in &s.bfd {
        bfd_up
            .get_or_create(&labels([("name", &b.name), ("neighbor", &b.neighbor)]))
            .set(i64::from(b.state == "Up"));
    }
    for v in &s.virtual_servers {
        let vs = labels([("vs", &v.id)]);
        quorum_up.get_or_create(&vs).set(i64::from(v.quorum_up));
        weight_sum
            .get_or_create(&vs)
            .set(i64::try_from(v.weight_sum).unwrap_or(i64::MAX));
        sorry
            .get_or_create(&vs)
            .set(i64::from(v.sorry_server_active));
        for svc in &v.services {
            svc_in
                .get_or_create(&labels([("vs", &v.id), ("service", &svc.key)]))
                .set(i64::from(svc.in_kernel));
            for (d, w) in &svc.destinations {
                dest_w
                    .get_or_create(&labels([("service", &svc.key), ("destination", d)]))
                    .set(i64::from(*w));
            }
        }
        for r in &v.real_servers {
            let rs = labels([("vs", &v.id), ("rs", &r.address)]);
            rs_up.get_or_create(&rs).set(i64::from(r.alive));
            rs_weight.get_or_create(&rs).set(r.effective_weight);
            rs_conf.get_or_create(&rs).set(i64::from(r.weight));
            for c in &r.checkers {
                checker_up
                    .get_or_create(&labels([
                        ("vs", &v.id),
                        ("rs", &r.address),
                        ("checker", c.kind),
                        ("location", &c.location),
                    ]))
                    .set(i64::from(c.up));
            }
        }
    }
    let mut reg = Registry::with_prefix("lvsd");
    reg.register(
        "virtual_server_quorum_up",
        "1 while the virtual server has quorum",
        quorum_up,
    );
    reg.register(
        "virtual_server_weight_sum",
        "Total effective weight of the alive real servers",
        weight_sum,
    );
    reg.register(
        "virtual_server_sorry_server_active",
        "1 while the sorry server replaces the real servers",
        sorry,
    );
    reg.register(
        "real_server_up",
        "1 while every checker of the real server passes",
        rs_up,
    );
    reg.register(
        "real_server_weight",
        "Effective weight of the real server",
        rs_weight,
    );
    reg.register(
        "real_server_configured_weight",
        "Configured weight of the real server",
        rs_conf,
    );
    reg.register(
        "checker_up",
        "1 while the checker passes (its verdict)",
        checker_up,
    );
    reg.register(
        "service_in_kernel",
        "1 while the IPVS service is in the kernel table",
        svc_in,
    );
    reg.register(
        "kernel_destination_weight",
        "Weight of each destination lvsd holds in the kernel",
        dest_w,
    );
    if !s.bfd.is_empty() {
        reg.register(
            "bfd_session_up",
            "1 while the BFD session a BFD_CHECK follows is Up",
            bfd_up,
        );
    }
    ha_daemon_kit::metrics::render(&reg)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn metrics_carry_verdicts_weights_and_kernel_state() {
        let s = Status {
            bfd: Vec::new(),
            config: "/etc/keepalived/keepalived.conf".into(),
            virtual_servers: vec![VsStatus {
                id: "TCP 10.100.0.1:80".into(),
                location: "web.conf:1".into(),
                services: vec![ServiceStatus {
                    key: "TCP 10.100.0.1:80".into(),
                    scheduler: "wlc".into(),
                    in_kernel: true,
                    destinations: vec![("10.1.2.2:80".into(), 3)],
                }],
                quorum: 1,
                hysteresis: 0,
                quorum_up: true,
                weight_sum: 3,
                sorry_server_active: false,
                real_servers: vec![
                    RsStatus {
                        address: "10.1.2.2:80".into(),
                        location: "web.conf:5".into(),
                        weight: 3,
                        effective_weight: 3,
                        alive: true,
                        inhibit_on_failure: false,
                        checkers: vec![CheckerStatus {
                            kind: "TCP_CHECK",
                            location: "web.conf:6".into(),
                            up: true,
                            weight_delta: 0,
                        }],
                    },
                    RsStatus {
                        address: "10.1.2.3:80".into(),
                        location: "web.conf:9".into(),
                        weight: 2,
                        effective_weight: 2,
                        alive: false,
                        inhibit_on_failure: false,
                        checkers: vec![CheckerStatus {
                            kind: "HTTP_GET",
                            location: "web.conf:10".into(),
                            up: false,
                            weight_delta: 0,
                        }],
                    },
                ],
            }],
        };
        let text = metrics(&s);
        for line in [
            // The VM test greps this exact line.
            r#"lvsd_real_server_up{vs="TCP 10.100.0.1:80",rs="10.1.2.2:80"} 1"#,
            r#"lvsd_real_server_up{vs="TCP 10.100.0.1:80",rs="10.1.2.3:80"} 0"#,
            r#"lvsd_real_server_weight{vs="TCP 10.100.0.1:80",rs="10.1.2.2:80"} 3"#,
            r#"lvsd_real_server_configured_weight{vs="TCP 10.100.0.1:80",rs="10.1.2.3:80"} 2"#,
            r#"lvsd_checker_up{vs="TCP 10.100.0.1:80",rs="10.1.2.3:80",checker="HTTP_GET",location="web.conf:10"} 0"#,
            r#"lvsd_virtual_server_quorum_up{vs="TCP 10.100.0.1:80"} 1"#,
            r#"lvsd_virtual_server_weight_sum{vs="TCP 10.100.0.1:80"} 3"#,
            r#"lvsd_virtual_server_sorry_server_active{vs="TCP 10.100.0.1:80"} 0"#,
            r#"lvsd_service_in_kernel{vs="TCP 10.100.0.1:80",service="TCP 10.100.0.1:80"} 1"#,
            r#"lvsd_kernel_destination_weight{service="TCP 10.100.0.1:80",destination="10.1.2.2:80"} 3"#,
            "# TYPE lvsd_real_server_up gauge",
            "# EOF",
        ] {
            assert!(text.lines().any(|l| l == line), "missing {line}\n{text}");
        }
    }

    #[test]
    fn metrics_carry_the_bfd_sessions_only_when_lvsd_runs_some() {
        let mut s = Status {
            config: "c".into(),
            virtual_servers: Vec::new(),
            bfd: Vec::new(),
        };
        assert!(!metrics(&s).contains("bfd_session_up"));
        let js = serde_json::to_value(&s).unwrap();
        assert!(js.get("bfd").is_none(), "{js}");
        for (name, state) in [("b1", "Up"), ("b2", "Down")] {
            s.bfd.push(BfdStatus {
                name: name.into(),
                neighbor: "10.9.0.2".into(),
                state: state.into(),
                up_events: 1,
                down_events: 0,
                packets_in: 5,
                packets_out: 6,
            });
        }
        let text = metrics(&s);
        for line in [
            r#"lvsd_bfd_session_up{name="b1",neighbor="10.9.0.2"} 1"#,
            r#"lvsd_bfd_session_up{name="b2",neighbor="10.9.0.2"} 0"#,
        ] {
            assert!(text.lines().any(|l| l == line), "missing {line}\n{text}");
        }
        let js = serde_json::to_value(&s).unwrap();
        assert_eq!(js["bfd"][0]["state"], "Up");
    }
}
