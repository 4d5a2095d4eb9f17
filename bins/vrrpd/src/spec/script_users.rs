//! `-t`: the script users keepalived resolves while it reads the file, with
//! its words. keepalived looks the users up at parse time, so its `-t` names
//! them; the daemon resolves them at start (`daemon::script_policy`), where a
//! script without a user it can run as is removed as keepalived removes it.
//!
//! - a `script_user` that does not resolve: "Error setting global script
//!   uid/gid" where it is written (global_parser.c `script_user_handler`),
//!   and then every script without its own `user` has no default user;
//! - no `script_user`, `enable_script_security`, and no `keepalived_script`
//!   user: "Unable to set default user keepalived_script for script", once
//!   (notify.c `get_default_script_user`);
//! - each `vrrp_script` without its own `user` and without a default user:
//!   "Unable to set default user for vrrp script NAME - removing"
//!   (vrrp_parser.c `vrrp_vscript_end_handler`);
//! - each instance or sync group notify script whose own user does not
//!   resolve: "Invalid user/group for notify script PROGRAM - ignoring";
//!   one without its own user and without a default user: "Failed to set
//!   default user for notify script PROGRAM - ignoring" (notify.c
//!   `notify_script_init`).
//!
//! Warnings: the file may be meant for a host with other users. The order of
//! the look-ups and the first two warnings are keepalived-runtime's
//! [`ScriptUsers`], shared with
//! lvsd; the walk over `vrrp_script`s and notify scripts is vrrpd's. The daemon logs those
//! first two each time it loads the file ([`log_on_host`]), as keepalived's
//! VRRP process does while it reads it.

use keepalived_conf::{Config, Diagnostic, Script, Span};
use keepalived_runtime::load_users::{
    Lookup, ScriptUsers, invalid_own_user_line, no_default_user_line, on_host,
};

/// Code of these warnings.
const SCRIPT_USER: &str = "vrrpd-script-user";

/// Adds a warning for every script user of `config` that does not resolve on
/// this host (`lookup` is the name service lookup: user, group → found).
pub fn check(config: &Config, lookup: Lookup<'_>, diags: &mut Vec<Diagnostic>) {
    diags.extend(walk(config, lookup).into_diagnostics());
}

/// [`check`] with the host's name service.
pub fn check_on_host(config: &Config, diags: &mut Vec<Diagnostic>) {
    check(config, &on_host, diags);
}

/// Logs what keepalived says about the default script user while it reads
/// `config` (the host's name service), for the daemon's loads.
pub fn log_on_host(config: &Config) {
    walk(config, &on_host).log_default_user_warnings();
}

/// A script vrrpd's configuration gives a user to, as keepalived reads it.
enum Item<'c> {
    /// A `vrrp_script` without its own user (vrrp_parser.c
    /// `vrrp_vscript_end_handler`).
    Tracker(&'c str),
    /// A notify script of an instance or sync group (vrrp_parser.c
    /// `set_vrrp_notify_script`).
    Notify(&'c Script),
}

/// The `vrrp_script`s without their own user and the instances' and sync
/// groups' notify scripts, in file order.
fn items(config: &Config) -> Vec<(Span, Item<'_>)> {
    let mut items = Vec::new();
    for s in &config.vrrp_scripts {
        if s.user.is_some() || s.script.is_none() {
            continue;
        }
        items.push((s.name.span, Item::Tracker(s.name.value.as_str())));
    }
    let groups = config.vrrp_sync_groups.iter().flat_map(|g| {
        [
            g.notify_master.as_ref(),
            g.notify_backup.as_ref(),
            g.notify_fault.as_ref(),
            g.notify_stop.as_ref(),
            g.notify.as_ref(),
        ]
    });
    let instances = config.vrrp_instances.iter().flat_map(|i| {
        [
            i.notify_master.as_deref(),
            i.notify_backup.as_deref(),
            i.notify_fault.as_deref(),
            i.notify_stop.as_deref(),
            i.notify_deleted.as_deref(),
            i.notify_master_rx_lower_pri.as_deref(),
            i.notify.as_deref(),
        ]
    });
    for s in groups.chain(instances).flatten() {
        if !s.value.command.trim().is_empty() {
            items.push((s.span, Item::Notify(&s.value)));
        }
    }
    items.sort_by_key(|(span, _)| *span);
    items
}

/// The scripts of `config` that need a user, in file order.
fn walk<'a>(config: &Config, lookup: Lookup<'a>) -> ScriptUsers<'a> {
    let mut users = ScriptUsers::new(&config.global_defs, SCRIPT_USER, lookup);
    for (span, item) in items(config) {
        match item {
            Item::Tracker(name) => users.script_without_user(span, || {
                format!("Unable to set default user for vrrp script {name} - removing")
            }),
            // notify.c `notify_script_init`, the kind "notify".
            Item::Notify(s) => {
                let program = keepalived_conf::command::split_config_command(&s.command)
                    .ok()
                    .and_then(|argv| argv.into_iter().next())
                    .unwrap_or_else(|| s.command.clone());
                match &s.user {
                    Some(u) if !lookup(u, s.group.as_deref()) => {
                        users.warn(span, invalid_own_user_line("notify", &program));
                    }
                    Some(_) => {}
                    None => {
                        users.script_without_user(span, || no_default_user_line("notify", &program))
                    }
                }
            }
        }
    }
    users
}

#[cfg(test)]
mod tests {
    use super::*;

    fn warnings(text: &str, users: &[&str]) -> Vec<String> {
        let parsed = keepalived_conf::parse_str("t.conf", text, &Default::default());
        let mut d = Vec::new();
        check(&parsed.config, &|u, _| users.contains(&u), &mut d);
        d.into_iter().map(|d| d.message).collect()
    }

    const SCRIPTS: &str = "vrrp_script a {\n script /bin/true\n}\n\
        vrrp_script b {\n script /bin/true\n user nobody\n}\n";

    #[test]
    fn an_unknown_script_user_removes_the_scripts_without_their_own() {
        let w = warnings(
            &format!("global_defs {{\n script_user nosuch\n}}\n{SCRIPTS}"),
            &["nobody", "keepalived_script"],
        );
        assert_eq!(
            w,
            [
                "Error setting global script uid/gid",
                "Unable to set default user for vrrp script a - removing"
            ]
        );
    }

    #[test]
    fn a_missing_keepalived_script_user_matters_only_with_script_security() {
        let secure = format!("global_defs {{\n enable_script_security\n}}\n{SCRIPTS}");
        assert_eq!(
            warnings(&secure, &["nobody"]),
            [
                "Unable to set default user keepalived_script for script",
                "Unable to set default user for vrrp script a - removing"
            ]
        );
        assert!(warnings(SCRIPTS, &["nobody"]).is_empty());
        assert!(warnings(&secure, &["nobody", "keepalived_script"]).is_empty());
    }

    /// Instance and sync group notify scripts, in file order: an unknown
    /// own user, and no default user for those without one.
    #[test]
    fn notify_script_users_that_do_not_resolve() {
        let text = "global_defs {\n script_user nosuch\n}\n\
            vrrp_sync_group G {\n group {\n VI\n }\n notify_master \"/bin/true m\"\n}\n\
            vrrp_instance VI {\n interface lo\n virtual_router_id 1\n\
            notify_backup /bin/echo nobody\n notify_fault /bin/false nouser\n}\n";
        assert_eq!(
            warnings(text, &["nobody"]),
            [
                "Error setting global script uid/gid",
                "Failed to set default user for notify script /bin/true - ignoring",
                "Invalid user/group for notify script /bin/false - ignoring",
            ]
        );
        assert!(warnings(&text.replace("nosuch", "nobody"), &["nobody", "nouser"]).is_empty());
    }

    /// What the daemon logs at each load: the two lines about the default
    /// user, not the removals (those are logged where the scripts are
    /// checked, `daemon::script_policy`).
    #[test]
    fn the_daemon_logs_only_the_default_user_lines() {
        let logged = |text: &str, users: &[&str]| -> Vec<String> {
            let parsed = keepalived_conf::parse_str("t.conf", text, &Default::default());
            walk(&parsed.config, &|u, _| users.contains(&u))
                .default_user_warnings()
                .iter()
                .map(ToString::to_string)
                .collect()
        };
        assert_eq!(
            logged(
                &format!("global_defs {{\n script_user nosuch\n}}\n{SCRIPTS}"),
                &["nobody"]
            ),
            ["Error setting global script uid/gid"]
        );
        let secure = format!("global_defs {{\n enable_script_security\n}}\n{SCRIPTS}");
        assert_eq!(
            logged(&secure, &["nobody"]),
            ["Unable to set default user keepalived_script for script"]
        );
        assert!(logged(&secure, &["nobody", "keepalived_script"]).is_empty());
    }
}
