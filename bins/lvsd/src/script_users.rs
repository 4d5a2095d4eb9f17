//! `-t`: the MISC_CHECK script users keepalived resolves while it reads the
//! file, with its words. keepalived looks them up at parse time, so its `-t`
//! names them; the daemon resolves them when it loads the configuration and
//! removes the checkers that cannot run ([`disable_refused`]).
//!
//! - a `script_user` that does not resolve: "Error setting global script
//!   uid/gid" where it is written (global_parser.c `script_user_handler`);
//!   then no MISC_CHECK without its own `user` has a default user;
//! - no `script_user`, `enable_script_security`, and no `keepalived_script`
//!   user: "Unable to set default user keepalived_script for script", once
//!   (notify.c `get_default_script_user`);
//! - each MISC_CHECK without its own `user` and without a default user:
//!   "Unable to set default user for misc script CMD - removing"
//!   (check_misc.c `misc_end_handler`);
//! - a MISC_CHECK whose own `user` does not resolve: "Failed to set uid/gid
//!   for misc checker script CMD - removing" (check_misc.c
//!   `misc_user_handler`).
//!
//! Warnings, as vrrpd's `-t` gives them for `vrrp_script`s: the file may be
//! meant for a host with other users. The order of the look-ups and the
//! first two warnings are keepalived-runtime's
//! [`ScriptUsers`](keepalived_runtime::load_users::ScriptUsers), shared with
//! vrrpd; the walk over the MISC_CHECKs is lvsd's. The daemon logs those
//! first two each time it loads the file ([`log_on_host`]), as keepalived's
//! checker process does while it reads it.
//!
//! [`disable_refused`]: crate::checker::misc::disable_refused

use keepalived_conf::{self as kc, CheckerKind, Config, Diagnostic};
use keepalived_runtime::load_users::{Lookup, ScriptUsers, on_host};

/// Code of these warnings.
pub const SCRIPT_USER: &str = "lvsd-script-user";

/// The warnings for every MISC_CHECK script user of `config` that does not
/// resolve (`lookup` is the name service look-up: user, group → found), in
/// the order keepalived gives them.
pub fn check(config: &Config, lookup: Lookup<'_>) -> Vec<Diagnostic> {
    walk(config, lookup).into_diagnostics()
}

/// [`check`] with the host's name service.
pub fn check_on_host(config: &Config) -> Vec<Diagnostic> {
    check(config, &on_host)
}

/// Logs what keepalived says about the default script user while it reads
/// `config` (the host's name service), for the daemon's loads.
pub fn log_on_host(config: &Config) {
    walk(config, &on_host).log_default_user_warnings();
}

/// The MISC_CHECKs of `config` walked in file order.
fn walk<'a>(config: &Config, lookup: Lookup<'a>) -> ScriptUsers<'a> {
    let mut users = ScriptUsers::new(&config.global_defs, SCRIPT_USER, lookup);
    let miscs = config
        .virtual_servers
        .iter()
        .flat_map(|vs| &vs.real_servers)
        .flat_map(|rs| &rs.checkers)
        .filter_map(|c| match &c.kind {
            CheckerKind::Misc(m) => Some(m),
            _ => None,
        });
    for m in miscs {
        // Without misc_path keepalived skips the checker before its user.
        let Some(path) = &m.misc_path else {
            continue;
        };
        let cmd = command(&path.value.command);
        match &m.user {
            // check_misc.c `misc_user_handler`.
            Some(own) => {
                if !lookup(&own.value.user, own.value.group.as_deref()) {
                    users.warn(
                        own.span,
                        format!("Failed to set uid/gid for misc checker script {cmd} - removing"),
                    );
                }
            }
            // check_misc.c `misc_end_handler`.
            None => users.script_without_user(path.span, || {
                format!("Unable to set default user for misc script {cmd} - removing")
            }),
        }
    }
    users
}

/// `misc_path`'s command as keepalived logs it (each word quoted); as
/// written if it does not split.
fn command(text: &str) -> String {
    kc::command::split_config_command(text).map_or_else(
        |_| text.to_string(),
        |argv| crate::checker::misc::cmd_str(&argv),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn warnings(text: &str, users: &[&str]) -> Vec<(u32, String)> {
        let parsed = kc::parse_str("t.conf", text, &Default::default());
        check(&parsed.config, &|u, _| users.contains(&u))
            .into_iter()
            .map(|d| (d.span.map_or(0, |s| s.line), d.message))
            .collect()
    }

    /// A virtual server with a MISC_CHECK without `user` (line 6) and one
    /// with `user nobody` (line 10).
    const VS: &str = "virtual_server 10.1.0.1 80 {\n lb_kind NAT\n protocol TCP\n\
        real_server 10.2.0.1 80 {\n MISC_CHECK {\n misc_path \"/bin/true 1\"\n }\n\
        MISC_CHECK {\n misc_path /bin/true\n user nobody\n }\n }\n}\n";

    fn with_globals(globals: &str) -> String {
        // global_defs on one line keeps VS's line numbers.
        format!("global_defs {{ {globals} }}\n{VS}")
    }

    #[test]
    fn an_unknown_script_user_removes_the_checks_without_their_own() {
        assert_eq!(
            warnings(
                &with_globals("script_user nosuch"),
                &["nobody", "keepalived_script"]
            ),
            [
                (1, "Error setting global script uid/gid".to_string()),
                (
                    7,
                    "Unable to set default user for misc script '/bin/true' '1' - removing"
                        .to_string()
                ),
            ]
        );
        assert!(warnings(&with_globals("script_user nobody"), &["nobody"]).is_empty());
    }

    #[test]
    fn a_missing_keepalived_script_user_matters_only_with_script_security() {
        let secure = with_globals("enable_script_security");
        assert_eq!(
            warnings(&secure, &["nobody"]),
            [
                (
                    7,
                    "Unable to set default user keepalived_script for script".to_string()
                ),
                (
                    7,
                    "Unable to set default user for misc script '/bin/true' '1' - removing"
                        .to_string()
                ),
            ]
        );
        assert!(warnings(VS, &["nobody"]).is_empty());
        assert!(warnings(&secure, &["nobody", "keepalived_script"]).is_empty());
    }

    #[test]
    fn an_unknown_own_user_removes_that_check_only() {
        assert_eq!(
            warnings(VS, &["keepalived_script"]),
            [(
                10,
                "Failed to set uid/gid for misc checker script '/bin/true' - removing".to_string()
            )]
        );
    }

    /// What the daemon logs at each load: the two lines about the default
    /// user, not the removals (those are logged when the checkers are
    /// removed, `disable_refused`).
    #[test]
    fn the_daemon_logs_only_the_default_user_lines() {
        let logged = |text: &str, users: &[&str]| -> Vec<String> {
            let parsed = kc::parse_str("t.conf", text, &Default::default());
            walk(&parsed.config, &|u, _| users.contains(&u))
                .default_user_warnings()
                .iter()
                .map(ToString::to_string)
                .collect()
        };
        assert_eq!(
            logged(&with_globals("script_user nosuch"), &["nobody"]),
            ["Error setting global script uid/gid"]
        );
        let secure = with_globals("enable_script_security");
        assert_eq!(
            logged(&secure, &["nobody"]),
            ["Unable to set default user keepalived_script for script"]
        );
        assert!(logged(&secure, &["nobody", "keepalived_script"]).is_empty());
        assert!(logged(VS, &[]).is_empty());
    }
}
