//! Sending the e-mail alerts of instances and sync groups (keepalived
//! vrrp_notify.c `vrrp_smtp_notifier` / `vrrp_sync_smtp_notifier`, smtp.c
//! `smtp_alert`) through keepalived-runtime's SMTP client.
//!
//! * One mail per state entered, not repeated for the state last mailed
//!   (keepalived's `last_email_state`); none on entering FAULT with
//!   `no_email_faults`; none at shutdown (keepalived's never leave).
//! * Sending never blocks the VRRP loop: each mail is a task (which also
//!   resolves an `smtp_server` given as a name), every step has
//!   `smtp_connect_timeout` and the whole dialogue a bound of its own; at most
//!   [`MAX_IN_FLIGHT`] mails are on their way, later ones are dropped with a
//!   warning. Shutdown waits for them briefly.

use std::collections::HashMap;
use std::net::{IpAddr, SocketAddr};
use std::time::Duration;

use keepalived_runtime::smtp::SmtpConfig;
use tokio::task::JoinSet;
use tracing::{info, warn};
use vrrp_core::State;

use crate::spec::mail::{self as text, MailSpec};

/// Mails on their way at most; more are dropped (a dead server must not pile
/// up tasks).
pub const MAX_IN_FLIGHT: usize = 64;

/// The whole dialogue of one mail is bounded by this many step timeouts.
const STEPS: u32 = 8;

/// Where mails go and what was mailed last.
#[derive(Default)]
pub struct Mailer {
    /// The settings, the router id and `no_email_faults`; None without mail.
    target: Option<(SmtpConfig, String, bool)>,
    /// `smtp_server` given as a name: resolved in each mail's task, so that a
    /// slow resolver never holds the VRRP loop.
    server_name: Option<String>,
    /// The state last mailed per instance / per group (keepalived
    /// `last_email_state`).
    last_instance: HashMap<String, State>,
    last_group: HashMap<String, State>,
    tasks: JoinSet<()>,
}

pub(crate) use keepalived_runtime::snmp_global::{local_name, user_name};

/// The SMTP settings with keepalived's defaults (global_data.c
/// `init_global_data`): helo and sender from the host name, router_id the
/// host name; and the server's name when it is not an address (its
/// `SmtpConfig::server` is then a placeholder with the port).
pub fn resolve(spec: &MailSpec) -> (SmtpConfig, String, Option<String>) {
    let host = &spec.server;
    let (server, name_to_resolve) = match host.parse::<IpAddr>() {
        Ok(ip) => (SocketAddr::new(ip, spec.port), None),
        Err(_) => (
            SocketAddr::new(IpAddr::from([0, 0, 0, 0]), spec.port),
            Some(host.clone()),
        ),
    };
    let name = local_name();
    let from = spec
        .from
        .clone()
        .unwrap_or_else(|| format!("{}@{name}", user_name().unwrap_or_else(|| "root".into())));
    (
        SmtpConfig {
            server,
            helo_name: spec.helo_name.clone().unwrap_or_else(|| name.clone()),
            from,
            to: spec.to.clone(),
            timeout: spec.timeout.max(Duration::from_secs(1)),
        },
        spec.router_id.clone().unwrap_or(name),
        name_to_resolve,
    )
}

/// The first address of `host` (the port is `cfg`'s), within the timeout.
async fn lookup(host: &str, cfg: &SmtpConfig) -> Option<SocketAddr> {
    let port = cfg.server.port();
    match tokio::time::timeout(cfg.timeout, tokio::net::lookup_host((host, port))).await {
        Ok(Ok(mut addrs)) => addrs.next(),
        _ => None,
    }
}

impl Mailer {
    /// Takes the settings of a (re)loaded configuration; the states mailed
    /// last are kept (keepalived keeps them across a reload).
    pub fn configure(&mut self, spec: Option<&MailSpec>) {
        let resolved = spec.map(|s| (resolve(s), s.no_email_faults));
        self.server_name = None;
        self.target = resolved.map(|((c, id, name), no_faults)| {
            self.server_name = name;
            (c, id, no_faults)
        });
    }

    /// An instance entered `to`; `enabled` is its `smtp_alert`.
    pub fn instance(&mut self, name: &str, enabled: bool, to: State) {
        let Some((subject, body)) = text::instance_text(to) else {
            return;
        };
        if !self.wanted(enabled, to, name, false) {
            return;
        }
        let Some((_, id, _)) = &self.target else {
            return;
        };
        let subject = text::instance_subject(id, name, subject);
        self.last_instance.insert(name.to_string(), to);
        self.spawn(subject, body.to_string());
    }

    /// An instance was removed by a reload (vrrp_notify.c
    /// `send_instance_notifies`: DELETED is notified as FAULT unless
    /// `notify_deleted`). A later instance of the same name starts afresh.
    pub fn deleted(&mut self, name: &str, enabled: bool, notify_deleted: bool) {
        let (state, (subject, body)) = if notify_deleted {
            (None, text::DELETED_TEXT)
        } else {
            match text::instance_text(State::Fault) {
                Some(t) => (Some(State::Fault), t),
                None => return,
            }
        };
        let wanted = match state {
            Some(s) => self.wanted(enabled, s, name, false),
            None => enabled && self.target.is_some(),
        };
        self.last_instance.remove(name);
        if !wanted {
            return;
        }
        let Some((_, id, _)) = &self.target else {
            return;
        };
        let subject = text::instance_subject(id, name, subject);
        self.spawn(subject, body.to_string());
    }

    /// A sync group entered `to`; `enabled` is its `smtp_alert`.
    pub fn group(&mut self, name: &str, enabled: bool, to: State) {
        let Some((subject, body)) = text::group_text(to) else {
            return;
        };
        if !self.wanted(enabled, to, name, true) {
            return;
        }
        let Some((_, id, _)) = &self.target else {
            return;
        };
        let subject = text::group_subject(id, name, subject);
        self.last_group.insert(name.to_string(), to);
        self.spawn(subject, body.to_string());
    }

    fn wanted(&self, enabled: bool, to: State, name: &str, group: bool) -> bool {
        let Some((_, _, no_faults)) = &self.target else {
            return false;
        };
        let last = if group {
            self.last_group.get(name)
        } else {
            self.last_instance.get(name)
        };
        // STOP: keepalived 2.2.7 (`notify_shutdown`) starts the "Stopping"
        // mails and exits before their dialogue; the server sees a connection
        // closed without a command (docs/keepalived.md §3.22). None is sent.
        enabled && to != State::Stop && !(*no_faults && to == State::Fault) && last != Some(&to)
    }

    fn spawn(&mut self, subject: String, body: String) {
        let Some((cfg, _, _)) = &self.target else {
            return;
        };
        while self.tasks.try_join_next().is_some() {}
        if self.tasks.len() >= MAX_IN_FLIGHT {
            warn!(%subject, "{MAX_IN_FLIGHT} e-mail alerts still being sent; this one is dropped");
            return;
        }
        let mut cfg = cfg.clone();
        let name = self.server_name.clone();
        let bound = cfg.timeout.saturating_mul(STEPS + cfg.to.len() as u32);
        self.tasks.spawn(async move {
            if let Some(host) = name {
                match lookup(&host, &cfg).await {
                    Some(a) => cfg.server = a,
                    None => {
                        warn!(%subject, "SMTP alert: smtp_server `{host}` does not resolve");
                        return;
                    }
                }
            }
            match tokio::time::timeout(bound, keepalived_runtime::smtp::send(&cfg, &subject, &body))
                .await
            {
                Ok(Ok(())) => info!(%subject, "SMTP alert sent"),
                Ok(Err(e)) => warn!(%subject, "SMTP alert: {e}"),
                Err(_) => warn!(%subject, "SMTP alert: not sent within {bound:?}"),
            }
        });
    }

    /// Waits up to `limit` for the mails on their way (at shutdown), then
    /// abandons the rest.
    pub async fn drain(&mut self, limit: Duration) {
        let _ = tokio::time::timeout(limit, async {
            while self.tasks.join_next().await.is_some() {}
        })
        .await;
        self.tasks.abort_all();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spec() -> MailSpec {
        MailSpec {
            server: "127.0.0.1".into(),
            port: 2525,
            helo_name: None,
            from: None,
            to: vec!["a@example.com".into()],
            timeout: Duration::from_secs(3),
            router_id: Some("R1".into()),
            no_email_faults: false,
        }
    }

    #[test]
    fn defaults_come_from_the_host() {
        let (c, id, name) = resolve(&spec());
        assert_eq!(id, "R1");
        assert_eq!(c.server, "127.0.0.1:2525".parse().unwrap());
        assert_eq!(name, None);
        assert_eq!(c.helo_name, local_name());
        assert!(
            c.from.ends_with(&format!("@{}", local_name())),
            "{}",
            c.from
        );
        let (c, id, name) = resolve(&MailSpec {
            router_id: None,
            server: "localhost".into(),
            ..spec()
        });
        assert_eq!(id, local_name());
        assert_eq!(name.as_deref(), Some("localhost"));
        assert_eq!(c.server.port(), 2525);
    }

    /// A server name is resolved off the loop, in the mail's task.
    #[tokio::test]
    async fn a_server_name_is_looked_up_in_the_task() {
        let (c, _, _) = resolve(&spec());
        let a = lookup("localhost", &c).await.unwrap();
        assert!(a.ip().is_loopback() && a.port() == 2525, "{a}");
        assert_eq!(lookup("ml-no-such-host.invalid", &c).await, None);
    }

    #[tokio::test]
    async fn a_state_is_mailed_once_and_faults_can_be_silenced() {
        let mut m = Mailer::default();
        m.configure(Some(&spec()));
        assert!(m.wanted(true, State::Backup, "A", false));
        assert!(!m.wanted(false, State::Backup, "A", false));
        m.instance("A", true, State::Backup);
        assert!(!m.wanted(true, State::Backup, "A", false));
        assert!(m.wanted(true, State::Backup, "A", true), "groups apart");
        assert!(m.wanted(true, State::Master, "A", false));
        assert!(!m.wanted(true, State::Stop, "A", false));
        m.configure(Some(&MailSpec {
            no_email_faults: true,
            ..spec()
        }));
        assert!(!m.wanted(true, State::Fault, "A", false));
        assert!(
            !m.wanted(true, State::Backup, "A", false),
            "kept over reload"
        );
        m.deleted("A", true, false);
        assert!(
            m.wanted(true, State::Backup, "A", false),
            "a new A starts afresh"
        );
        m.configure(None);
        assert!(!m.wanted(true, State::Master, "A", false));
        m.drain(Duration::from_millis(10)).await;
    }
}
