//! The script users keepalived resolves while it reads the file, and what it
//! says when one does not resolve (its `-t` prints these). The daemons
//! resolve the same users again when they start ([`script_security`]); this
//! module only follows keepalived's order of look-ups and its words, for the
//! configuration checks of vrrpd and lvsd, which walk their own sections
//! through one [`ScriptUsers`] each.
//!
//! keepalived (notify.c `set_default_script_user`, `get_default_script_user`):
//! - `script_user` is looked up where it is written; if it does not resolve,
//!   "Error setting global script uid/gid" (global_parser.c
//!   `script_user_handler`) and no script without its own user has a default
//!   user;
//! - without `script_user`, the first script without its own user looks up
//!   `keepalived_script`; if that fails and `enable_script_security` is on,
//!   "Unable to set default user keepalived_script for script", once, and no
//!   script without its own user has a default user (without script
//!   security such scripts run as keepalived itself);
//! - each script without its own user and without a default user is removed,
//!   with words that name the kind of script (left to the caller).
//!
//! [`script_security`]: crate::script_security

use keepalived_conf::{Diagnostic, GlobalDefs, Span};

use crate::script_security::{DEFAULT_SCRIPT_USER, lookup_user};

/// A name service look-up: user, group → whether both resolve.
pub type Lookup<'a> = &'a dyn Fn(&str, Option<&str>) -> bool;

/// The host's name service as a [`Lookup`].
pub fn on_host(user: &str, group: Option<&str>) -> bool {
    lookup_user(user, group).is_ok()
}

/// What keepalived says about the default script user while it reads the file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum DefaultUserWarning {
    /// `script_user` does not resolve (said where it is written).
    #[error("Error setting global script uid/gid")]
    ScriptUser,
    /// No `script_user`, `enable_script_security`, and `keepalived_script`
    /// does not resolve (said once, at the first script that needs it).
    #[error("Unable to set default user {DEFAULT_SCRIPT_USER} for script")]
    DefaultUser,
}

/// keepalived's line for a notify script of kind `kind` ("notify",
/// "quorum") whose own `USER [GROUP]` does not resolve; the script is
/// ignored (notify.c `notify_script_init`). `program` is its first word.
pub fn invalid_own_user_line(kind: &str, program: &str) -> String {
    format!("Invalid user/group for {kind} script {program} - ignoring")
}

/// keepalived's line for a notify script of kind `kind` without its own
/// user when there is no default script user; the script is ignored
/// (notify.c `notify_script_init`).
pub fn no_default_user_line(kind: &str, program: &str) -> String {
    format!("Failed to set default user for {kind} script {program} - ignoring")
}

/// The default script user as keepalived resolves it while reading: at
/// `script_user`, else at the first script without its own user.
pub struct DefaultUserAtLoad<'a> {
    lookup: Lookup<'a>,
    security: bool,
    /// None: not looked up yet; else whether there is a default user.
    found: Option<bool>,
}

impl<'a> DefaultUserAtLoad<'a> {
    /// Starts with `script_user` (looked up now, as keepalived does where it
    /// reads it) and `enable_script_security`; returns the warning for a
    /// `script_user` that does not resolve.
    pub fn new(
        script_user: Option<(&str, Option<&str>)>,
        security: bool,
        lookup: Lookup<'a>,
    ) -> (Self, Option<DefaultUserWarning>) {
        let found = script_user.map(|(u, g)| lookup(u, g));
        let warning = (found == Some(false)).then_some(DefaultUserWarning::ScriptUser);
        (
            DefaultUserAtLoad {
                lookup,
                security,
                found,
            },
            warning,
        )
    }

    /// For a script without its own user: whether it has a default user
    /// (if not, the caller removes it with its own words), and the warning
    /// keepalived gives the first time it looks up `keepalived_script` in vain.
    pub fn for_script(&mut self) -> (bool, Option<DefaultUserWarning>) {
        if let Some(found) = self.found {
            return (found, None);
        }
        let found = !self.security || (self.lookup)(DEFAULT_SCRIPT_USER, None);
        self.found = Some(found);
        (found, (!found).then_some(DefaultUserWarning::DefaultUser))
    }
}

/// The script-user warnings of one configuration as a daemon walks its
/// scripts, in keepalived's order: `script_user` and
/// `enable_script_security` are read from `global_defs` here, the walk over
/// the daemon's own sections is the caller's ([`script_without_user`] for
/// each script without its own `user`).
///
/// [`script_without_user`]: ScriptUsers::script_without_user
pub struct ScriptUsers<'a> {
    default: DefaultUserAtLoad<'a>,
    code: &'static str,
    diagnostics: Vec<Diagnostic>,
    default_user: Vec<DefaultUserWarning>,
}

impl<'a> ScriptUsers<'a> {
    /// Starts the walk of a configuration with `global_defs` `g`; its
    /// warnings carry `code`. A `script_user` that does not resolve is
    /// reported now, where it is written (global_parser.c
    /// `script_user_handler`).
    pub fn new(g: &GlobalDefs, code: &'static str, lookup: Lookup<'a>) -> Self {
        let security = g.enable_script_security.as_ref().is_some_and(|s| s.value);
        let script_user = g.script_user.as_ref();
        let (default, warning) = DefaultUserAtLoad::new(
            script_user.map(|su| (su.value.user.as_str(), su.value.group.as_deref())),
            security,
            lookup,
        );
        let mut users = ScriptUsers {
            default,
            code,
            diagnostics: Vec::new(),
            default_user: Vec::new(),
        };
        if let (Some(w), Some(su)) = (warning, script_user) {
            users.default_user_warning(w, su.span);
        }
        users
    }

    /// A script without its own user, at `span`: the warning of the first
    /// vain look-up of `keepalived_script`, then, if the script has no
    /// default user, `removal` (the caller's words for removing it).
    pub fn script_without_user(&mut self, span: Span, removal: impl FnOnce() -> String) {
        let (found, warning) = self.default.for_script();
        if let Some(w) = warning {
            self.default_user_warning(w, span);
        }
        if !found {
            self.warn(span, removal());
        }
    }

    /// Adds a warning of the caller's (with this walk's code) at `span`.
    pub fn warn(&mut self, span: Span, message: String) {
        self.diagnostics
            .push(Diagnostic::warning(self.code, span, message));
    }

    fn default_user_warning(&mut self, w: DefaultUserWarning, span: Span) {
        self.default_user.push(w);
        self.warn(span, w.to_string());
    }

    /// What was said about the default script user (at most two lines,
    /// [`DefaultUserWarning`]): the lines a daemon logs each time it loads
    /// the file, as keepalived logs them while it reads it.
    pub fn default_user_warnings(&self) -> &[DefaultUserWarning] {
        &self.default_user
    }

    /// Logs [`default_user_warnings`](Self::default_user_warnings) as
    /// warnings.
    pub fn log_default_user_warnings(&self) {
        for w in &self.default_user {
            tracing::warn!("{w}");
        }
    }

    /// Every warning, in the order of the walk.
    pub fn into_diagnostics(self) -> Vec<Diagnostic> {
        self.diagnostics
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn knows(users: &'static [&'static str]) -> impl Fn(&str, Option<&str>) -> bool {
        move |u, _| users.contains(&u)
    }

    #[test]
    fn an_unknown_script_user_leaves_no_default_user() {
        let lookup = knows(&["keepalived_script"]);
        let (mut d, w) = DefaultUserAtLoad::new(Some(("nosuch", None)), false, &lookup);
        assert_eq!(w, Some(DefaultUserWarning::ScriptUser));
        assert_eq!(d.for_script(), (false, None));
        assert_eq!(d.for_script(), (false, None));
        assert_eq!(
            DefaultUserWarning::ScriptUser.to_string(),
            "Error setting global script uid/gid"
        );
        let (mut d, w) = DefaultUserAtLoad::new(Some(("keepalived_script", None)), true, &lookup);
        assert_eq!(w, None);
        assert_eq!(d.for_script(), (true, None));
    }

    #[test]
    fn keepalived_script_is_required_only_with_script_security_and_named_once() {
        let nobody = knows(&["nobody"]);
        let (mut d, w) = DefaultUserAtLoad::new(None, true, &nobody);
        assert_eq!(w, None);
        assert_eq!(
            d.for_script(),
            (false, Some(DefaultUserWarning::DefaultUser))
        );
        assert_eq!(d.for_script(), (false, None));
        assert_eq!(
            DefaultUserWarning::DefaultUser.to_string(),
            "Unable to set default user keepalived_script for script"
        );
        let (mut d, _) = DefaultUserAtLoad::new(None, false, &nobody);
        assert_eq!(d.for_script(), (true, None));
        let both = knows(&["nobody", "keepalived_script"]);
        let (mut d, _) = DefaultUserAtLoad::new(None, true, &both);
        assert_eq!(d.for_script(), (true, None));
    }

    fn global_defs(text: &str) -> keepalived_conf::GlobalDefs {
        keepalived_conf::parse_str("t.conf", text, &Default::default())
            .config
            .global_defs
    }

    #[test]
    fn script_users_say_each_default_user_line_once_where_it_arises() {
        let g = global_defs("global_defs {\n enable_script_security\n}\n");
        let nobody = knows(&["nobody"]);
        let mut users = ScriptUsers::new(&g, "t-script-user", &nobody);
        let at = |line| Span {
            line,
            ..Span::default()
        };
        users.script_without_user(at(5), || "removing a".to_string());
        users.script_without_user(at(9), || "removing b".to_string());
        users.warn(at(12), "own user".to_string());
        assert_eq!(
            users.default_user_warnings(),
            [DefaultUserWarning::DefaultUser]
        );
        let said: Vec<_> = users
            .into_diagnostics()
            .into_iter()
            .map(|d| (d.code, d.span.map(|s| s.line), d.message))
            .collect();
        assert_eq!(
            said,
            [
                (
                    "t-script-user",
                    Some(5),
                    "Unable to set default user keepalived_script for script".to_string()
                ),
                ("t-script-user", Some(5), "removing a".to_string()),
                ("t-script-user", Some(9), "removing b".to_string()),
                ("t-script-user", Some(12), "own user".to_string()),
            ]
        );
    }

    #[test]
    fn an_unknown_script_user_is_said_where_it_is_written_and_logged() {
        let g = global_defs("global_defs {\n script_user nosuch\n}\n");
        let lookup = knows(&["keepalived_script"]);
        let mut users = ScriptUsers::new(&g, "t-script-user", &lookup);
        users.script_without_user(Span::default(), || "removing".to_string());
        assert_eq!(
            users.default_user_warnings(),
            [DefaultUserWarning::ScriptUser]
        );
        let logged = std::sync::Arc::new(std::sync::Mutex::new(Vec::<u8>::new()));
        let sink = logged.clone();
        let subscriber = tracing_subscriber::fmt()
            .with_ansi(false)
            .with_writer(move || Sink(sink.clone()))
            .finish();
        tracing::subscriber::with_default(subscriber, || users.log_default_user_warnings());
        let text = String::from_utf8(logged.lock().map(|b| b.clone()).unwrap_or_default())
            .unwrap_or_default();
        assert_eq!(text.lines().count(), 1, "{text}");
        assert!(
            text.contains("WARN") && text.contains("Error setting global script uid/gid"),
            "{text}"
        );
        let lines: Vec<_> = users
            .into_diagnostics()
            .into_iter()
            .map(|d| (d.span.map(|s| s.line), d.message))
            .collect();
        assert_eq!(
            lines,
            [
                (Some(2), "Error setting global script uid/gid".to_string()),
                (Some(0), "removing".to_string()),
            ]
        );
    }

    /// A log writer into a shared buffer.
    struct Sink(std::sync::Arc<std::sync::Mutex<Vec<u8>>>);

    impl std::io::Write for Sink {
        fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
            if let Ok(mut b) = self.0.lock() {
                b.extend_from_slice(buf);
            }
            Ok(buf.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }
}
