//! The script users keepalived resolves while it reads the file, and what it
//! says when one does not resolve (its `-t` prints these). The daemons
//! resolve the same users again when they start ([`script_security`]); this
//! module only follows keepalived's order of look-ups and its words, for the
//! configuration checks of vrrpd and lvsd, which walk their own sections.
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

use crate::script_security::DEFAULT_SCRIPT_USER;

/// A name service look-up: user, group → whether both resolve.
pub type Lookup<'a> = &'a dyn Fn(&str, Option<&str>) -> bool;

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
}
