//! `-t`: the MISC_CHECK, notify and quorum script users keepalived resolves
//! while it reads the file, with its words. keepalived looks them up at
//! parse time, so its `-t` names them; the daemon resolves them when it
//! loads the configuration and removes the checkers and scripts that cannot
//! run ([`disable_refused`], [`notify_load`](crate::notify_load)).
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
//!   `misc_user_handler`);
//! - a `notify_up`, `notify_down`, `quorum_up` or `quorum_down` whose own
//!   user does not resolve: "Invalid user/group for KIND script PROGRAM -
//!   ignoring"; one without its own user and without a default user:
//!   "Failed to set default user for KIND script PROGRAM - ignoring", KIND
//!   being `notify` or `quorum` (notify.c `notify_script_init`).
//!
//! Warnings, as vrrpd's `-t` gives them for `vrrp_script`s: the file may be
//! meant for a host with other users. The order of the look-ups and the
//! first two warnings are keepalived-runtime's
//! [`ScriptUsers`], shared with
//! vrrpd; the walk over the virtual servers' scripts is lvsd's. The daemon logs those
//! first two each time it loads the file ([`log_on_host`]), as keepalived's
//! checker process does while it reads it.
//!
//! [`disable_refused`]: crate::checker::misc::disable_refused

use keepalived_conf::{self as kc, CheckerKind, Config, Diagnostic};
use keepalived_runtime::load_users::{
    Lookup, ScriptUsers, invalid_own_user_line, no_default_user_line, on_host,
};

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

/// A script keepalived's checker resolves a user for while it reads the
/// file.
enum Item<'c> {
    /// A MISC_CHECK (check_misc.c).
    Misc(&'c kc::MiscCheck),
    /// A notify or quorum script of kind `kind` ("notify", "quorum";
    /// check_parser.c `set_check_notify_script`).
    Notify(&'static str, &'c kc::Spanned<kc::Script>),
}

/// The scripts of one virtual server in the order keepalived reads them
/// (file order).
fn items(vs: &kc::VirtualServer) -> Vec<(kc::Span, Item<'_>)> {
    let mut items = Vec::new();
    for s in [&vs.quorum_up, &vs.quorum_down].into_iter().flatten() {
        items.push((s.span, Item::Notify("quorum", s)));
    }
    for rs in &vs.real_servers {
        for s in [&rs.notify_up, &rs.notify_down].into_iter().flatten() {
            items.push((s.span, Item::Notify("notify", s)));
        }
        for c in &rs.checkers {
            // Without misc_path keepalived skips the checker before its user.
            if let CheckerKind::Misc(m) = &c.kind
                && let Some(path) = &m.misc_path
            {
                items.push((path.span, Item::Misc(m)));
            }
        }
    }
    items.sort_by_key(|(span, _)| *span);
    items
}

/// The MISC_CHECKs and notify/quorum scripts of `config` walked in file
/// order.
fn walk<'a>(config: &Config, lookup: Lookup<'a>) -> ScriptUsers<'a> {
    let mut users = ScriptUsers::new(&config.global_defs, SCRIPT_USER, lookup);
    for vs in &config.virtual_servers {
        for (_, item) in items(vs) {
            match item {
                Item::Misc(m) => misc(&mut users, m, lookup),
                Item::Notify(kind, s) => notify(&mut users, kind, s.span, &s.value, lookup),
            }
        }
    }
    users
}

/// One MISC_CHECK with a `misc_path`.
fn misc(users: &mut ScriptUsers<'_>, m: &kc::MiscCheck, lookup: Lookup<'_>) {
    let Some(path) = &m.misc_path else {
        return;
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

/// One notify or quorum script (notify.c `notify_script_init`): its own
/// user, else the default one; keepalived names the program as written.
fn notify(
    users: &mut ScriptUsers<'_>,
    kind: &str,
    span: kc::Span,
    s: &kc::Script,
    lookup: Lookup<'_>,
) {
    let program = kc::command::split_config_command(&s.command)
        .ok()
        .and_then(|argv| argv.into_iter().next())
        .unwrap_or_else(|| s.command.clone());
    match &s.user {
        Some(u) => {
            if !lookup(u, s.group.as_deref()) {
                users.warn(span, invalid_own_user_line(kind, &program));
            }
        }
        None => users.script_without_user(span, || no_default_user_line(kind, &program)),
    }
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

    /// Notify and quorum scripts: an unknown own user, and no default user
    /// for those without one, in file order (quorum_up after the real
    /// server here).
    #[test]
    fn notify_and_quorum_script_users_that_do_not_resolve() {
        let text = "global_defs { script_user nosuch }\n\
            virtual_server 10.1.0.1 80 {\n lb_kind NAT\n protocol TCP\n\
            real_server 10.2.0.1 80 {\n notify_up \"/bin/true up\"\n\
            notify_down /bin/false nobody\n }\n\
            quorum_up /bin/echo\n quorum_down /bin/echo nouser nogroup\n}\n";
        assert_eq!(
            warnings(text, &["nobody"]),
            [
                (1, "Error setting global script uid/gid".to_string()),
                (
                    6,
                    "Failed to set default user for notify script /bin/true - ignoring".to_string()
                ),
                (
                    9,
                    "Failed to set default user for quorum script /bin/echo - ignoring".to_string()
                ),
                (
                    10,
                    "Invalid user/group for quorum script /bin/echo - ignoring".to_string()
                ),
            ]
        );
        assert!(warnings(&text.replace("nosuch", "nobody"), &["nobody", "nouser"]).is_empty());
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
