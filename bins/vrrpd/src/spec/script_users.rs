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
//! [`load_users`](keepalived_runtime::load_users), shared with lvsd's `-t`;
//! the walk over `vrrp_script`s is vrrpd's.

use keepalived_conf::{Config, Diagnostic};
use keepalived_runtime::load_users::DefaultUserAtLoad;
use keepalived_runtime::script_security::lookup_user;

/// Adds a warning for every script user of `config` that does not resolve on
/// this host (`lookup` is the name service lookup: user, group → found).
pub fn check(
    config: &Config,
    lookup: &dyn Fn(&str, Option<&str>) -> bool,
    diags: &mut Vec<Diagnostic>,
) {
    let g = &config.global_defs;
    let security = g.enable_script_security.as_ref().is_some_and(|s| s.value);
    let script_user = g.script_user.as_ref();
    let (mut default, warning) = DefaultUserAtLoad::new(
        script_user.map(|su| (su.value.user.as_str(), su.value.group.as_deref())),
        security,
        lookup,
    );
    if let (Some(w), Some(su)) = (warning, script_user) {
        diags.push(Diagnostic::warning(
            "vrrpd-script-user",
            su.span,
            w.to_string(),
        ));
    }
    for s in &config.vrrp_scripts {
        if s.user.is_some() || s.script.is_none() {
            continue;
        }
        let (found, warning) = default.for_script();
        if let Some(w) = warning {
            diags.push(Diagnostic::warning(
                "vrrpd-script-user",
                s.name.span,
                w.to_string(),
            ));
        }
        if !found {
            diags.push(Diagnostic::warning(
                "vrrpd-script-user",
                s.name.span,
                format!(
                    "Unable to set default user for vrrp script {} - removing",
                    s.name.value
                ),
            ));
        }
    }
}

/// [`check`] with the host's name service.
pub fn check_on_host(config: &Config, diags: &mut Vec<Diagnostic>) {
    check(config, &|u, g| lookup_user(u, g).is_ok(), diags);
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
}
