//! E-mail alerts on VRRP state changes (keepalived `vrrp_smtp_notifier` and
//! `vrrp_sync_smtp_notifier` in vrrp_notify.c, `smtp_alert` in smtp.c): which
//! instances and sync groups send them, where to, and their subjects and bodies.
//!
//! * An instance or group sends mail when its `smtp_alert` is on; unset, it
//!   takes the global `smtp_alert_vrrp`, else the global `smtp_alert`, else off
//!   (vrrp.c `vrrp_complete_instance` and `vrrp_complete_init`).
//! * Nothing is sent without `smtp_server` and at least one `notification_email`
//!   (smtp.c `smtp_alert`).
//! * `no_email_faults`: no mail on entering FAULT.
//!
//! The host name, the user name and the resolution of `smtp_server` are the
//! runtime's: this module keeps the settings as written.

use keepalived_conf::{Config, GlobalDefs, Spanned};
use vrrp_core::State;

/// The global mail settings (keepalived's `global_data`), as written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MailSpec {
    /// `smtp_server` host (an address or a name).
    pub server: String,
    /// `smtp_server` port (default 25).
    pub port: u16,
    /// `smtp_helo_name` (default: the host name).
    pub helo_name: Option<String>,
    /// `notification_email_from` (default: `USER@HOSTNAME`).
    pub from: Option<String>,
    /// `notification_email` recipients, in order.
    pub to: Vec<String>,
    /// `smtp_connect_timeout` (default 30 s).
    pub timeout: std::time::Duration,
    /// `router_id` (default: the host name).
    pub router_id: Option<String>,
    /// `no_email_faults`.
    pub no_email_faults: bool,
}

/// keepalived's default `smtp_connect_timeout` (global_data.h).
pub const DEFAULT_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(30);

/// The mail settings, or None when no mail can be sent (no `smtp_server` or no
/// recipient).
pub fn mail_spec(g: &GlobalDefs) -> Option<MailSpec> {
    let server = g.smtp_server.as_ref()?;
    if g.notification_email.is_empty() {
        return None;
    }
    Some(MailSpec {
        server: server.value.host.clone(),
        port: server.value.port.unwrap_or(25),
        helo_name: g.smtp_helo_name.as_ref().map(|s| s.value.clone()),
        from: g.notification_email_from.as_ref().map(|s| s.value.clone()),
        to: g
            .notification_email
            .iter()
            .map(|e| e.value.clone())
            .collect(),
        timeout: g
            .smtp_connect_timeout
            .as_ref()
            .map_or(DEFAULT_TIMEOUT, |t| t.value),
        router_id: g.router_id.as_ref().map(|s| s.value.clone()),
        no_email_faults: g.no_email_faults.as_ref().is_some_and(|b| b.value),
    })
}

/// Whether an instance or group with `own` (its `smtp_alert`) sends mail:
/// `own`, else `smtp_alert_vrrp`, else `smtp_alert`, else off.
pub fn alert_enabled(own: &Option<Spanned<bool>>, cfg: &Config) -> bool {
    keepalived_conf::effective::smtp_alert_vrrp(own, &cfg.global_defs)
}

/// The subject (without the `[ROUTER_ID] ` prefix) and body of an instance's
/// mail on entering `to` (vrrp_notify.c `vrrp_smtp_notifier`), None for a
/// state that sends none.
pub fn instance_text(to: State) -> Option<(&'static str, &'static str)> {
    match to {
        State::Master => Some((
            "Entering MASTER state",
            "=> VRRP Instance is now owning VRRP VIPs <=",
        )),
        State::Backup => Some((
            "Entering BACKUP state",
            "=> VRRP Instance is no longer owning VRRP VIPs <=",
        )),
        State::Fault => Some((
            "Entering FAULT state",
            "=> VRRP Instance is no longer owning VRRP VIPs <=",
        )),
        State::Stop => Some(("Stopping", "=> VRRP Instance stopping <=")),
        _ => None,
    }
}

/// An instance removed by a reload with `notify_deleted` (keepalived's
/// DELETED state; without it the removal is mailed as entering FAULT).
pub const DELETED_TEXT: (&str, &str) = ("Deleted", "=> VRRP Deleted at reload <=");

/// The same for a sync group (vrrp_notify.c `vrrp_sync_smtp_notifier`).
pub fn group_text(to: State) -> Option<(&'static str, &'static str)> {
    match to {
        State::Master => Some((
            "Entering MASTER state",
            "=> All VRRP group instances are now in MASTER state <=",
        )),
        State::Backup => Some((
            "Entering BACKUP state",
            "=> All VRRP group instances are now in BACKUP state <=",
        )),
        State::Fault => Some((
            "Entering FAULT state",
            "=> All VRRP group instances are now in FAULT state <=",
        )),
        State::Stop => Some((
            "Stopping",
            "=> All VRRP group instances are now stopping <=",
        )),
        _ => None,
    }
}

/// The full subject of an instance's mail (smtp.c `smtp_alert`,
/// `SMTP_MSG_VRRP`): `[ROUTER_ID] VRRP Instance NAME - SUBJECT`.
pub fn instance_subject(router_id: &str, name: &str, subject: &str) -> String {
    format!("[{router_id}] VRRP Instance {name} - {subject}")
}

/// The full subject of a group's mail (`SMTP_MSG_VGROUP`):
/// `[ROUTER_ID] VRRP Group NAME - SUBJECT`.
pub fn group_subject(router_id: &str, name: &str, subject: &str) -> String {
    format!("[{router_id}] VRRP Group {name} - {subject}")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Config {
        let p =
            keepalived_conf::parse_str("t.conf", text, &keepalived_conf::LoadOptions::default());
        assert!(!p.has_errors(), "{}", p.render_diagnostics());
        p.config
    }

    const INST: &str = "vrrp_instance A {\n interface eth0\n virtual_router_id 1\n virtual_ipaddress {\n 192.0.2.1\n }\n}\n";

    #[test]
    fn settings_need_a_server_and_a_recipient() {
        let c = parse(&format!(
            "global_defs {{\n smtp_server 192.0.2.25\n}}\n{INST}"
        ));
        assert_eq!(mail_spec(&c.global_defs), None);
        let c = parse(&format!(
            "global_defs {{\n notification_email {{\n a@example.com\n }}\n}}\n{INST}"
        ));
        assert_eq!(mail_spec(&c.global_defs), None);
        let c = parse(&format!(
            "global_defs {{\n notification_email {{\n a@example.com\n b@example.com\n }}\n \
             notification_email_from ka@example.com\n smtp_server 192.0.2.25 2525\n \
             smtp_helo_name lb1\n smtp_connect_timeout 7\n router_id R1\n no_email_faults\n}}\n{INST}"
        ));
        assert_eq!(
            mail_spec(&c.global_defs),
            Some(MailSpec {
                server: "192.0.2.25".into(),
                port: 2525,
                helo_name: Some("lb1".into()),
                from: Some("ka@example.com".into()),
                to: vec!["a@example.com".into(), "b@example.com".into()],
                timeout: std::time::Duration::from_secs(7),
                router_id: Some("R1".into()),
                no_email_faults: true,
            })
        );
    }

    #[test]
    fn smtp_alert_vrrp_then_smtp_alert_are_the_defaults() {
        let with = |global: &str, own: &str| {
            let c = parse(&format!(
                "global_defs {{\n{global}\n}}\nvrrp_instance A {{\n interface eth0\n \
                 virtual_router_id 1\n{own}\n virtual_ipaddress {{\n 192.0.2.1\n }}\n}}\n"
            ));
            alert_enabled(&c.vrrp_instances[0].smtp_alert, &c)
        };
        assert!(!with("", ""));
        assert!(with("smtp_alert", ""));
        assert!(with("smtp_alert_vrrp", ""));
        assert!(!with("smtp_alert\n smtp_alert_vrrp false", ""));
        assert!(with("smtp_alert false\n smtp_alert_vrrp true", ""));
        assert!(!with("smtp_alert", " smtp_alert false"));
        assert!(with("smtp_alert_vrrp false", " smtp_alert"));
    }

    #[test]
    fn keepalived_subjects_and_bodies() {
        let (s, b) = instance_text(State::Master).unwrap();
        assert_eq!(
            instance_subject("R1", "VI_1", s),
            "[R1] VRRP Instance VI_1 - Entering MASTER state"
        );
        assert_eq!(b, "=> VRRP Instance is now owning VRRP VIPs <=");
        let (s, b) = group_text(State::Fault).unwrap();
        assert_eq!(
            group_subject("R1", "G", s),
            "[R1] VRRP Group G - Entering FAULT state"
        );
        assert_eq!(b, "=> All VRRP group instances are now in FAULT state <=");
        assert_eq!(instance_text(State::Stop).unwrap().0, "Stopping");
        assert_eq!(instance_text(State::Initialize), None);
        assert_eq!(group_text(State::Initialize), None);
    }
}
