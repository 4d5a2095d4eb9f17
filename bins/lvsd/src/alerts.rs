//! SMTP alerts (keepalived core/smtp.c and check/ipwrapper.c): an e-mail when a real
//! server goes up or down and when a virtual server gains or loses its quorum, to the
//! `notification_email` recipients through `smtp_server`, with keepalived's subjects:
//!
//! - `[ROUTER_ID] Realserver [10.0.0.2]:tcp:80 of virtual server [10.0.0.1]:tcp:80 - UP`
//!   with body `=> CHECK succeed on service <=` (`=> CHECK failed on service <=`);
//! - `[ROUTER_ID] Virtualserver [10.0.0.1]:tcp:80 - DOWN` with body
//!   `=> Lost quorum 3+1=2 <= 1 <=` (`Gained quorum`).
//!
//! Enabled per real server / virtual server by `smtp_alert`, inheriting the global
//! `smtp_alert_checker`, then `smtp_alert` (default off).

use std::net::{IpAddr, SocketAddr, ToSocketAddrs};
use std::time::Duration;

use ipvs_sys::Protocol;
use keepalived_conf as kc;
use keepalived_runtime::smtp::SmtpConfig;

use crate::model::RsKey;
use crate::notify::{Event, Phase};

/// keepalived's alert body at an `omega` shutdown.
const SHUTTING_DOWN: &str = "=> Shutting down <=";
use crate::pool::Pool;

/// keepalived's default `smtp_connect_timeout`.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(30);

/// The host name (keepalived's default `router_id`, `smtp_helo_name` and the domain of
/// `notification_email_from`).
pub fn hostname() -> String {
    std::fs::read_to_string("/proc/sys/kernel/hostname")
        .map(|s| s.trim().to_string())
        .ok()
        .filter(|s| !s.is_empty())
        .unwrap_or_else(|| "localhost".into())
}

/// The SMTP settings of `global_defs`; None without `smtp_server` or recipients, or
/// when the server name does not resolve (logged).
pub fn smtp_config(g: &kc::GlobalDefs) -> Option<SmtpConfig> {
    let server = g.smtp_server.as_ref()?;
    if g.notification_email.is_empty() {
        return None;
    }
    let port = server.value.port.unwrap_or(25);
    let host = &server.value.host;
    let addr = match host.parse::<IpAddr>() {
        Ok(ip) => SocketAddr::new(ip, port),
        Err(_) => match (host.as_str(), port)
            .to_socket_addrs()
            .map(|mut a| a.next())
        {
            Ok(Some(a)) => a,
            _ => {
                tracing::warn!("smtp_server `{host}` does not resolve; no e-mail alerts");
                return None;
            }
        },
    };
    let name = hostname();
    Some(SmtpConfig {
        server: addr,
        helo_name: g
            .smtp_helo_name
            .as_ref()
            .map_or_else(|| name.clone(), |s| s.value.clone()),
        from: g
            .notification_email_from
            .as_ref()
            .map_or_else(|| format!("keepalived@{name}"), |s| s.value.clone()),
        to: g
            .notification_email
            .iter()
            .map(|e| e.value.clone())
            .collect(),
        timeout: g
            .smtp_connect_timeout
            .as_ref()
            .map_or(DEFAULT_TIMEOUT, |t| t.value),
    })
}

/// keepalived's protocol name in `FMT_RS` / `FMT_VS` (`tcp`, `udp`, `sctp`).
pub fn proto_name(p: Protocol) -> &'static str {
    match p {
        Protocol::Tcp => "tcp",
        Protocol::Udp => "udp",
        Protocol::Sctp => "sctp",
        Protocol::Other(_) => "?",
    }
}

/// keepalived's FMT_VS: `[ADDR]:proto:PORT`, `FWM N`, or `[GROUP]:PORT` (port 0).
pub fn vs_name(key: &kc::VirtualServerKey, protocol: Protocol) -> String {
    match key {
        kc::VirtualServerKey::Address { ip, port } => {
            format!("[{ip}]:{}:{}", proto_name(protocol), port.unwrap_or(0))
        }
        kc::VirtualServerKey::Fwmark(m) => format!("FWM {m}"),
        kc::VirtualServerKey::Group(g) => format!("[{g}]:0"),
    }
}

/// keepalived's FMT_RS: `[ADDR]:proto:PORT` (`none` for a fwmark service).
pub fn rs_name(rs: RsKey, pool: &Pool) -> String {
    let proto = pool
        .vs
        .services
        .first()
        .map_or(Protocol::Tcp, |s| match s.key {
            ipvs_sys::ServiceKey::Inet { protocol, .. } => protocol,
            ipvs_sys::ServiceKey::Fwmark { .. } => Protocol::Other(0),
        });
    let p = match proto {
        Protocol::Other(0) => "none",
        p => proto_name(p),
    };
    format!("[{}]:{p}:{}", rs.addr, rs.port)
}

/// The subject and body of the alert for `event` of `pool` (its state after the
/// event), or None when that server's `smtp_alert` is off. `phase` picks
/// keepalived's text: `Starting with quorum up|down` for a virtual server just
/// installed (no mail for a real server's initial notification: keepalived's
/// checkers send those), `=> Shutting down <=` at an `omega` shutdown.
pub fn mail(event: &Event, pool: &Pool, router_id: &str, phase: Phase) -> Option<(String, String)> {
    match event {
        Event::RealServer { rs, up, .. } => {
            let cfg = pool.vs.real_servers.iter().find(|r| r.key == *rs)?;
            if !cfg.smtp_alert || phase == Phase::Start {
                return None;
            }
            let state = if *up { "UP" } else { "DOWN" };
            Some((
                format!(
                    "[{router_id}] Realserver {} of virtual server {} - {state}",
                    rs_name(*rs, pool),
                    pool.vs.alert_name
                ),
                if phase == Phase::Shutdown {
                    SHUTTING_DOWN.to_string()
                } else {
                    format!(
                        "=> CHECK {} on service <=",
                        if *up { "succeed" } else { "failed" }
                    )
                },
            ))
        }
        Event::Quorum { up, .. } => {
            if !pool.vs.smtp_alert {
                return None;
            }
            let (q, h) = (pool.vs.quorum, pool.vs.hysteresis);
            // The threshold that was crossed: quorum + hysteresis going up (and
            // at start, from the initial down state), minus going down.
            let threshold = if *up || phase == Phase::Start {
                q.saturating_add(h)
            } else {
                q.saturating_sub(h)
            };
            Some((
                format!(
                    "[{router_id}] Virtualserver {} - {}",
                    pool.vs.alert_name,
                    if *up { "UP" } else { "DOWN" }
                ),
                match phase {
                    Phase::Shutdown => SHUTTING_DOWN.to_string(),
                    Phase::Start | Phase::Change => format!(
                        "=> {} {q}+{h}={threshold} <= {} <=",
                        match (phase, *up) {
                            (Phase::Start, true) => "Starting with quorum up",
                            (Phase::Start, false) => "Starting with quorum down",
                            (_, true) => "Gained quorum",
                            (_, false) => "Lost quorum",
                        },
                        pool.weight_sum()
                    ),
                },
            ))
        }
    }
}

/// Sends `mail` in the background (keepalived does not wait for it either); failures
/// are logged.
pub fn send(set: &mut tokio::task::JoinSet<()>, cfg: &SmtpConfig, subject: String, body: String) {
    let cfg = cfg.clone();
    set.spawn(async move {
        match keepalived_runtime::smtp::send(&cfg, &subject, &body).await {
            Ok(()) => tracing::info!(%subject, "SMTP alert sent"),
            Err(e) => tracing::warn!(%subject, "SMTP alert: {e}"),
        }
    });
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::mapping::map_config;
    use crate::pool::Verdict;

    const CONF: &str = "global_defs {\n router_id lb1\n notification_email {\n ops@example.com\n }\n\
        smtp_server 127.0.0.1 2525\n smtp_alert_checker\n}\n\
        virtual_server 10.1.0.1 80 {\n lvs_sched rr\n lvs_method NAT\n protocol TCP\n quorum 2\n\
        real_server 10.2.0.1 80 {\n weight 2\n TCP_CHECK {\n }\n }\n\
        real_server 10.2.0.2 80 {\n smtp_alert no\n TCP_CHECK {\n }\n }\n}\n";

    fn desired(text: &str) -> crate::model::Desired {
        let p = kc::parse_str("t.conf", text, &kc::LoadOptions::default());
        map_config(&p.config).desired
    }

    #[test]
    fn global_settings_and_inheritance() {
        let d = desired(CONF);
        let c = d.smtp.unwrap();
        assert_eq!(c.server, "127.0.0.1:2525".parse().unwrap());
        assert_eq!(c.to, ["ops@example.com"]);
        assert_eq!(c.timeout, DEFAULT_TIMEOUT);
        assert!(c.from.starts_with("keepalived@"));
        assert_eq!(d.router_id, "lb1");
        let vs = &d.virtual_servers[0];
        assert!(vs.smtp_alert);
        assert_eq!(vs.alert_name, "[10.1.0.1]:tcp:80");
        assert!(vs.real_servers[0].smtp_alert);
        assert!(!vs.real_servers[1].smtp_alert);
        // No recipients: no SMTP at all.
        assert!(
            desired("global_defs {\n smtp_server 127.0.0.1\n}\n")
                .smtp
                .is_none()
        );
    }

    #[test]
    fn keepalived_subjects_and_bodies() {
        let d = desired(CONF);
        let mut p = Pool::new(d.virtual_servers[0].clone(), None);
        let before = crate::notify::Snapshot::of(&p);
        p.set_verdict(0, 0, Verdict::DOWN);
        let ev = before.changes(&p);
        let mails: Vec<_> = ev
            .iter()
            .filter_map(|e| mail(e, &p, "lb1", Phase::Change))
            .collect();
        assert_eq!(
            mails,
            [
                (
                    "[lb1] Realserver [10.2.0.1]:tcp:80 of virtual server [10.1.0.1]:tcp:80 - DOWN"
                        .to_string(),
                    "=> CHECK failed on service <=".to_string()
                ),
                (
                    "[lb1] Virtualserver [10.1.0.1]:tcp:80 - DOWN".to_string(),
                    "=> Lost quorum 2+0=2 <= 1 <=".to_string()
                )
            ]
        );
        // smtp_alert no on the second real server: no mail for it.
        let before = crate::notify::Snapshot::of(&p);
        p.set_verdict(1, 0, Verdict::DOWN);
        let ev = before.changes(&p);
        assert!(
            ev.iter()
                .all(|e| mail(e, &p, "lb1", Phase::Change).is_none()),
            "{ev:?}"
        );
    }

    #[test]
    fn start_and_shutdown_texts() {
        let d = desired(CONF);
        let p = Pool::new(d.virtual_servers[0].clone(), None);
        let (_, ev) = crate::notify::initial_quorum(&p);
        let mails: Vec<_> = ev
            .iter()
            .filter_map(|e| mail(e, &p, "lb1", Phase::Start))
            .collect();
        assert_eq!(
            mails,
            [(
                "[lb1] Virtualserver [10.1.0.1]:tcp:80 - UP".to_string(),
                "=> Starting with quorum up 2+0=2 <= 3 <=".to_string()
            )]
        );
        let rs_up = crate::notify::Event::RealServer {
            vs: p.vs.id.clone(),
            rs: p.rs[0].key,
            up: true,
        };
        assert_eq!(mail(&rs_up, &p, "lb1", Phase::Start), None);
        let mut omega = d.virtual_servers[0].clone();
        omega.omega = true;
        let p = Pool::new(omega, None);
        let (_, ev) = crate::notify::at_shutdown(&p, false);
        let mails: Vec<_> = ev
            .iter()
            .filter_map(|e| mail(e, &p, "lb1", Phase::Shutdown))
            .collect();
        assert_eq!(
            mails,
            [
                (
                    "[lb1] Realserver [10.2.0.1]:tcp:80 of virtual server [10.1.0.1]:tcp:80 - DOWN"
                        .to_string(),
                    "=> Shutting down <=".to_string()
                ),
                (
                    "[lb1] Virtualserver [10.1.0.1]:tcp:80 - DOWN".to_string(),
                    "=> Shutting down <=".to_string()
                )
            ]
        );
    }
}
