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
//!   (vrrp_parser.c `vrrp_vscript_end_handler`).
//!
//! Warnings: the file may be meant for a host with other users. The order of
//! the look-ups and the first two warnings are keepalived-runtime's
//! [`ScriptUsers`](keepalived_runtime::load_users::ScriptUsers), shared with
//! lvsd; the walk over `vrrp_script`s is vrrpd's. The daemon logs those
//! first two each time it loads the file ([`log_on_host`]), as keepalived's
//! VRRP process does while it reads it.

use keepalived_conf::{Config, Diagnostic};
use keepalived_runtime::load_users::{Lookup, ScriptUsers, on_host};

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

/// The `vrrp_script`s of `config` without their own user, in file order
/// (vrrp_parser.c `vrrp_vscript_end_handler`).
fn walk<'a>(config: &Config, lookup: Lookup<'a>) -> ScriptUsers<'a> {
    let mut users = ScriptUsers::new(&config.global_defs, SCRIPT_USER, lookup);
    for s in &config.vrrp_scripts {
        if s.user.is_some() || s.script.is_none() {
            continue;
        }
        users.script_without_user(s.name.span, || {
            format!(
                "Unable to set default user for vrrp script {} - removing",
                s.name.value
            )
        });
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
