//! Who a script runs as and whether it is safe to run (keepalived notify.c:
//! `set_uid_gid`, `get_default_script_user`, `find_path`,
//! `check_script_secure`, `check_security`).
//!
//! A script that runs as root (uid or gid 0, or a set-uid/set-gid-root
//! executable) is *insecure* when its file or any directory on its path is
//! owned by a non-root user, or is writable by a non-root group or by
//! everyone (directories with the sticky bit, like /tmp, are fine). With
//! `enable_script_security` keepalived refuses such scripts; without it
//! keepalived runs them and warns. A script its user cannot execute, or one
//! that does not exist, is never run.

use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::path::{Path, PathBuf};

/// keepalived's default script user when `script_user` is not set.
pub const DEFAULT_SCRIPT_USER: &str = "keepalived_script";

/// The identity a script runs as.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RunAs {
    /// User id.
    pub uid: u32,
    /// Group id (the user's primary group unless a group was named).
    pub gid: u32,
}

impl RunAs {
    /// Our own effective identity (root for the daemon).
    pub fn current() -> Self {
        RunAs {
            uid: nix::unistd::geteuid().as_raw(),
            gid: nix::unistd::getegid().as_raw(),
        }
    }

    /// True for uid 0 or gid 0.
    pub fn is_root(&self) -> bool {
        self.uid == 0 || self.gid == 0
    }
}

/// A script user or group that cannot be used.
#[derive(Debug, Clone, thiserror::Error)]
#[non_exhaustive]
pub enum UserError {
    /// No such user.
    #[error("script user `{0}` does not exist")]
    NoUser(String),
    /// No such group.
    #[error("script group `{0}` does not exist")]
    NoGroup(String),
    /// The user database could not be read.
    #[error("unable to resolve script user/group `{name}`: {source}")]
    Lookup {
        /// User or group name.
        name: String,
        /// The error.
        source: nix::Error,
    },
}

/// Resolves `USER [GROUP]` (keepalived `set_uid_gid`): the user's uid and
/// primary gid, or the named group's gid.
pub fn lookup_user(user: &str, group: Option<&str>) -> Result<RunAs, UserError> {
    let u = nix::unistd::User::from_name(user)
        .map_err(|source| UserError::Lookup {
            name: user.to_string(),
            source,
        })?
        .ok_or_else(|| UserError::NoUser(user.to_string()))?;
    let mut r = RunAs {
        uid: u.uid.as_raw(),
        gid: u.gid.as_raw(),
    };
    if let Some(g) = group {
        let grp = nix::unistd::Group::from_name(g)
            .map_err(|source| UserError::Lookup {
                name: g.to_string(),
                source,
            })?
            .ok_or_else(|| UserError::NoGroup(g.to_string()))?;
        r.gid = grp.gid.as_raw();
    }
    Ok(r)
}

/// The identity of scripts without their own `user` (keepalived
/// `get_default_script_user`): `script_user` if set; else the user
/// `keepalived_script` if it exists; else ourselves — except that with
/// `enable_script_security` a missing `keepalived_script` is an error and
/// such scripts are removed ("Unable to set default user keepalived_script").
pub fn default_run_as(
    script_user: Option<(&str, Option<&str>)>,
    security: bool,
) -> Result<RunAs, UserError> {
    match script_user {
        Some((u, g)) => lookup_user(u, g),
        None => match lookup_user(DEFAULT_SCRIPT_USER, None) {
            Ok(r) => Ok(r),
            Err(e) if security => Err(e),
            Err(_) => Ok(RunAs::current()),
        },
    }
}

/// A script without a user to run as, by where its user came from.
#[derive(Debug, Clone, thiserror::Error)]
#[non_exhaustive]
pub enum ScriptUserError {
    /// No `script_user`, and the default user cannot be used (keepalived
    /// notify.c `get_default_script_user`).
    #[error("unable to set default user {DEFAULT_SCRIPT_USER}: {0}")]
    Default(UserError),
    /// The configured `script_user` cannot be used.
    #[error(transparent)]
    Configured(UserError),
    /// The script's own `USER [GROUP]` cannot be used.
    #[error(transparent)]
    Own(UserError),
}

/// [`default_run_as`], the error saying where the user came from.
pub fn default_script_user(
    script_user: Option<(&str, Option<&str>)>,
    security: bool,
) -> Result<RunAs, ScriptUserError> {
    let configured = script_user.is_some();
    default_run_as(script_user, security).map_err(|e| {
        if configured {
            ScriptUserError::Configured(e)
        } else {
            ScriptUserError::Default(e)
        }
    })
}

/// A script that passed the checks.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CheckedScript {
    /// The program to execute (PATH searched, `.`/`..`/symlinked
    /// directories resolved; the file name kept as written when it is a
    /// symlink to the same file, as keepalived does).
    pub program: PathBuf,
    /// Runs as root from a path non-root users can change (only possible
    /// without `enable_script_security`; keepalived warns "SECURITY
    /// VIOLATION").
    pub insecure: bool,
}

/// Why a script is not run.
#[derive(Debug, Clone, thiserror::Error)]
#[non_exhaustive]
pub enum ScriptRefused {
    /// A bare name not found in PATH.
    #[error("cannot find script `{0}` in PATH")]
    NotInPath(String),
    /// The path does not resolve (realpath fails).
    #[error("script `{script}` cannot be accessed: {reason}")]
    Inaccessible {
        /// The script as written.
        script: String,
        /// Why (the system's words for the error).
        reason: String,
    },
    /// The file or an element of its path vanished while it was checked.
    #[error("cannot find script `{0}`")]
    NotFound(String),
    /// Its user cannot execute it.
    #[error("script `{path}` is not executable for uid:gid {uid}:{gid}")]
    NotExecutable {
        /// The script.
        path: PathBuf,
        /// User id it would run as.
        uid: u32,
        /// Group id it would run as.
        gid: u32,
    },
    /// A path element is not a directory, or the script is not a file.
    #[error("wrong file type in script path `{0}`")]
    WrongType(PathBuf),
    /// Unsafe permissions with `enable_script_security`.
    #[error(
        "unsafe permissions for script `{path}`: `{element}` is owned or writable by a non-root user"
    )]
    Insecure {
        /// The path checked: the script as it is run, or the file a link
        /// under another name resolves to.
        path: PathBuf,
        /// The offending file or directory.
        element: PathBuf,
    },
}

impl ScriptRefused {
    /// The line keepalived logs when it refuses a script at load (notify.c
    /// `check_script_secure`, `check_security`); the script is then
    /// removed (`check_notify_script_secure`).
    pub fn log_line(&self) -> String {
        match self {
            ScriptRefused::NotInPath(name) => {
                format!("Cannot find script {name} in path - disabling")
            }
            ScriptRefused::Inaccessible { script, reason } => {
                format!("Script {script} cannot be accessed - {reason}")
            }
            ScriptRefused::NotFound(script) => {
                format!("check_script_secure could not find script '{script}' - disabling")
            }
            ScriptRefused::NotExecutable { path, uid, gid } => format!(
                "WARNING - script '{}' is not executable for uid:gid {uid}:{gid} - disabling.",
                path.display()
            ),
            ScriptRefused::WrongType(path) => {
                format!("Wrong file type found in script path '{}'.", path.display())
            }
            ScriptRefused::Insecure { path, .. } => unsafe_line(path, true),
        }
    }
}

impl ScriptRefused {
    /// The script file was found before it was refused, so keepalived
    /// counts it as a script of the load (notify.c `check_script_secure`
    /// sets `SC_ISSCRIPT` once the file is stat-ed): a script its user
    /// cannot execute, or one refused for its path's type or permissions.
    pub fn file_found(&self) -> bool {
        matches!(
            self,
            ScriptRefused::NotExecutable { .. }
                | ScriptRefused::WrongType(_)
                | ScriptRefused::Insecure { .. }
        )
    }

    /// Refused for what its path is, not for being absent (keepalived's
    /// `SC_INHIBIT`): a wrong file type on the path, or unsafe permissions
    /// with `enable_script_security`.
    pub fn inhibited(&self) -> bool {
        matches!(
            self,
            ScriptRefused::WrongType(_) | ScriptRefused::Insecure { .. }
        )
    }

    /// The script or its path could not be found (keepalived's
    /// `SC_NOTFOUND`). A script that exists but is not executable is
    /// neither this nor [`inhibited`](Self::inhibited).
    pub fn not_found(&self) -> bool {
        matches!(
            self,
            ScriptRefused::NotInPath(_)
                | ScriptRefused::Inaccessible { .. }
                | ScriptRefused::NotFound(_)
        )
    }
}

/// The process whose scripts a [`LoadSummary`] covers; it names them in
/// the summary line.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum ScriptsOf {
    /// The VRRP process: vrrp_scripts, instance and sync group notify
    /// scripts, notify FIFO scripts (vrrp.c `check_vrrp_script_security`).
    Vrrp,
    /// The checker process: MISC_CHECK scripts, quorum and real server
    /// notify scripts, notify FIFO scripts (check_data.c
    /// `check_check_script_security`).
    Checker,
}

/// What the scripts checked at one load add up to (the `SC_ISSCRIPT` and
/// `SC_INSECURE` flags keepalived ORs over every script it checks), for
/// keepalived's one summary line per load.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct LoadSummary {
    /// Some script file was found (whatever became of it).
    pub scripts: bool,
    /// Some script runs as root from a path non-root users can change.
    pub insecure: bool,
}

impl LoadSummary {
    /// Adds the result of [`check_script`] for one script.
    pub fn note(&mut self, checked: &Result<CheckedScript, ScriptRefused>) {
        match checked {
            Ok(c) => {
                self.scripts = true;
                self.insecure |= c.insecure;
            }
            Err(e) => {
                self.scripts |= e.file_found();
                self.insecure |= matches!(e, ScriptRefused::Insecure { .. });
            }
        }
    }

    /// keepalived's summary after checking every script of a load, when
    /// scripts were found and `enable_script_security` is off (vrrp.c
    /// `check_vrrp_script_security`, check_data.c
    /// `check_check_script_security`); None otherwise.
    pub fn violation_line(&self, security: bool, of: ScriptsOf) -> Option<String> {
        if security || !self.scripts {
            return None;
        }
        let what = match of {
            ScriptsOf::Vrrp => "scripts",
            ScriptsOf::Checker => "check scripts",
        };
        Some(format!(
            "SECURITY VIOLATION - {what} are being executed but script_security not enabled.{}",
            if self.insecure {
                " There are insecure scripts."
            } else {
                ""
            }
        ))
    }
}

/// keepalived's line for a script on a path non-root users can change
/// (notify.c `check_security`): with `enable_script_security` the script is
/// disabled, without it it is kept and run.
pub fn unsafe_line(path: &Path, security: bool) -> String {
    format!(
        "Unsafe permissions found for script '{}'{}.",
        path.display(),
        if security { " - disabling" } else { "" }
    )
}

/// keepalived `is_executable`.
fn is_executable(md: &std::fs::Metadata, who: RunAs) -> bool {
    let mode = md.permissions().mode();
    (who.uid == 0 && mode & 0o111 != 0)
        || (who.uid == md.uid() && mode & 0o100 != 0)
        || (who.uid != md.uid()
            && ((who.gid == md.gid() && mode & 0o010 != 0)
                || (who.gid != md.gid() && mode & 0o001 != 0)))
}

/// keepalived `find_path`: the first regular file named `name` in PATH that
/// `who` may execute.
fn find_in_path(name: &str, who: RunAs) -> Option<PathBuf> {
    let path = std::env::var_os("PATH")
        .unwrap_or_else(|| "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin".into());
    std::env::split_paths(&path)
        .map(|d| d.join(name))
        .find(|p| std::fs::metadata(p).is_ok_and(|m| m.is_file() && is_executable(&m, who)))
}

/// keepalived `check_security`: every prefix of `path` ("/", "/a", "/a/b",
/// ...) must be root-owned and, if a file or a directory without the sticky
/// bit, writable neither by a non-root group nor by everyone. Returns the
/// first offending element.
fn check_path(path: &Path) -> Result<Option<PathBuf>, ScriptRefused> {
    let mut prefix = PathBuf::new();
    let n = path.components().count();
    for (i, c) in path.components().enumerate() {
        prefix.push(c);
        let last = i + 1 == n;
        let md = std::fs::symlink_metadata(&prefix)
            .map_err(|_| ScriptRefused::NotFound(path.display().to_string()))?;
        let ft = md.file_type();
        if (!last && !ft.is_dir()) || (last && !ft.is_file() && !ft.is_symlink()) {
            return Err(ScriptRefused::WrongType(path.to_path_buf()));
        }
        let mode = md.permissions().mode();
        let sticky = mode & 0o1000 != 0;
        let writable = (md.gid() != 0 && mode & 0o020 != 0) || mode & 0o002 != 0;
        if md.uid() != 0 || (((ft.is_dir() && !sticky) || ft.is_file()) && writable) {
            return Ok(Some(prefix));
        }
    }
    Ok(None)
}

/// Checks a script about to be run as `who` (keepalived
/// `check_script_secure`). `security` is `enable_script_security`.
pub fn check_script(
    argv0: &str,
    who: RunAs,
    security: bool,
) -> Result<CheckedScript, ScriptRefused> {
    let given: PathBuf = if argv0.contains('/') {
        PathBuf::from(argv0)
    } else {
        find_in_path(argv0, who).ok_or_else(|| ScriptRefused::NotInPath(argv0.to_string()))?
    };
    let real = std::fs::canonicalize(&given).map_err(|e| ScriptRefused::Inaccessible {
        script: argv0.to_string(),
        reason: e.raw_os_error().map_or_else(
            || e.to_string(),
            |n| nix::errno::Errno::from_raw(n).desc().to_string(),
        ),
    })?;
    // Keep the file name as written when it is a symlink to the same file in
    // the resolved directory (some programs act on their name).
    let mut program = real.clone();
    let mut real_file = None;
    if let (Some(dir), Some(name)) = (real.parent(), given.file_name())
        && Some(name) != real.file_name()
    {
        let candidate = dir.join(name);
        let same = match (std::fs::metadata(&candidate), std::fs::metadata(&real)) {
            (Ok(a), Ok(b)) => a.dev() == b.dev() && a.ino() == b.ino(),
            _ => false,
        };
        if same {
            program = candidate;
            real_file = Some(real.clone());
        }
    }
    let md = std::fs::metadata(&real).map_err(|_| ScriptRefused::NotFound(argv0.to_string()))?;
    if !is_executable(&md, who) {
        return Err(ScriptRefused::NotExecutable {
            path: program,
            uid: who.uid,
            gid: who.gid,
        });
    }
    let mode = md.permissions().mode();
    let needs_protection = who.is_root()
        || (md.uid() == 0 && mode & 0o100 != 0 && mode & 0o4000 != 0)
        || (md.gid() == 0 && mode & 0o010 != 0 && mode & 0o2000 != 0);
    let mut insecure = false;
    if needs_protection {
        for p in std::iter::once(&program).chain(real_file.as_ref()) {
            if let Some(element) = check_path(p)? {
                if security {
                    return Err(ScriptRefused::Insecure {
                        path: p.clone(),
                        element,
                    });
                }
                insecure = true;
                break;
            }
        }
    }
    Ok(CheckedScript { program, insecure })
}

/// `argv` with argv\[0\] replaced by the checked program.
pub fn with_program(argv: &[String], program: &Path) -> Vec<String> {
    let mut v = argv.to_vec();
    if let Some(first) = v.first_mut() {
        *first = program
            .as_os_str()
            .to_str()
            .map_or_else(|| first.clone(), str::to_string);
    }
    v
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::fs::{chown, symlink};

    fn file_name_is(p: &Path, name: &str) -> bool {
        p.file_name() == Some(std::ffi::OsStr::new(name))
    }

    fn root() -> bool {
        nix::unistd::geteuid().is_root()
    }

    /// A root-owned 0755 temp dir under /tmp with a root-owned 0755 script.
    fn setup(tag: &str) -> (PathBuf, PathBuf) {
        let base =
            std::env::temp_dir().join(format!("ka-runtime-sec-{tag}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&base);
        std::fs::create_dir_all(&base).unwrap();
        std::fs::set_permissions(&base, std::fs::Permissions::from_mode(0o755)).unwrap();
        let script = base.join("chk.sh");
        std::fs::write(&script, "#!/bin/sh\nexit 0\n").unwrap();
        std::fs::set_permissions(&script, std::fs::Permissions::from_mode(0o755)).unwrap();
        (base, script)
    }

    const ROOT: RunAs = RunAs { uid: 0, gid: 0 };
    const NOBODY: RunAs = RunAs {
        uid: 65534,
        gid: 65534,
    };

    #[test]
    fn secure_root_script_passes_and_resolves() {
        if !root() {
            eprintln!("SKIPPED: needs root (chown)");
            return;
        }
        let (base, script) = setup("ok");
        let c = check_script(script.to_str().unwrap(), ROOT, true).unwrap();
        assert_eq!(c.program, std::fs::canonicalize(&script).unwrap());
        assert!(!c.insecure);
        // `..` and `.` are resolved.
        let odd = base
            .join(".")
            .join("..")
            .join(base.file_name().unwrap())
            .join("chk.sh");
        let c = check_script(odd.to_str().unwrap(), ROOT, true).unwrap();
        assert_eq!(c.program, std::fs::canonicalize(&script).unwrap());
        std::fs::remove_dir_all(&base).unwrap();
    }

    #[test]
    fn world_or_group_writable_or_foreign_owned_is_insecure_for_root() {
        if !root() {
            eprintln!("SKIPPED: needs root (chown)");
            return;
        }
        type Spoil = fn(&Path, &Path);
        let cases: [(&str, Spoil); 5] = [
            ("dir-777", |d, _| {
                std::fs::set_permissions(d, std::fs::Permissions::from_mode(0o777)).unwrap()
            }),
            ("file-757", |_, f| {
                std::fs::set_permissions(f, std::fs::Permissions::from_mode(0o757)).unwrap()
            }),
            ("dir-group", |d, _| {
                std::fs::set_permissions(d, std::fs::Permissions::from_mode(0o775)).unwrap();
                chown(d, None, Some(65534)).unwrap();
            }),
            ("file-owner", |_, f| chown(f, Some(65534), None).unwrap()),
            ("dir-owner", |d, _| chown(d, Some(65534), None).unwrap()),
        ];
        for (tag, spoil) in cases {
            let (base, script) = setup(tag);
            spoil(&base, &script);
            let arg = script.to_str().unwrap();
            match check_script(arg, ROOT, true) {
                Err(e @ ScriptRefused::Insecure { .. }) => assert_eq!(
                    e.log_line(),
                    format!(
                        "Unsafe permissions found for script '{}' - disabling.",
                        std::fs::canonicalize(&script).unwrap().display()
                    ),
                    "{tag}"
                ),
                other => panic!("{tag}: {other:?}"),
            }
            // Without enable_script_security it runs, flagged.
            assert!(check_script(arg, ROOT, false).unwrap().insecure, "{tag}");
            // As nobody there is nothing to protect.
            if tag != "file-owner" && tag != "dir-owner" {
                assert!(!check_script(arg, NOBODY, true).unwrap().insecure, "{tag}");
            }
            std::fs::remove_dir_all(&base).unwrap();
        }
    }

    #[test]
    fn group_writable_by_root_group_and_sticky_dirs_are_fine() {
        if !root() {
            eprintln!("SKIPPED: needs root (chown)");
            return;
        }
        let (base, script) = setup("sticky");
        // 1777 like /tmp: sticky, so world-writable is allowed.
        std::fs::set_permissions(&base, std::fs::Permissions::from_mode(0o1777)).unwrap();
        // Group-writable with group root is allowed.
        std::fs::set_permissions(&script, std::fs::Permissions::from_mode(0o775)).unwrap();
        let c = check_script(script.to_str().unwrap(), ROOT, true).unwrap();
        assert!(!c.insecure);
        std::fs::remove_dir_all(&base).unwrap();
    }

    #[test]
    fn load_summary_counts_found_scripts_and_names_the_process() {
        let mut s = LoadSummary::default();
        // Nothing found: no summary, whatever the refusals.
        s.note(&Err(ScriptRefused::NotInPath("x".into())));
        s.note(&Err(ScriptRefused::Inaccessible {
            script: "/x".into(),
            reason: "No such file or directory".into(),
        }));
        assert_eq!(s, LoadSummary::default());
        assert_eq!(s.violation_line(false, ScriptsOf::Vrrp), None);
        // A script found but not executable counts.
        s.note(&Err(ScriptRefused::NotExecutable {
            path: "/x".into(),
            uid: 1,
            gid: 1,
        }));
        assert_eq!(
            s.violation_line(false, ScriptsOf::Vrrp).as_deref(),
            Some(
                "SECURITY VIOLATION - scripts are being executed but script_security not enabled."
            )
        );
        assert_eq!(s.violation_line(true, ScriptsOf::Vrrp), None);
        // An insecure script kept adds the second sentence.
        s.note(&Ok(CheckedScript {
            program: "/x".into(),
            insecure: true,
        }));
        assert_eq!(
            s.violation_line(false, ScriptsOf::Checker).as_deref(),
            Some(
                "SECURITY VIOLATION - check scripts are being executed but script_security not \
                 enabled. There are insecure scripts."
            )
        );
        let e = ScriptRefused::Insecure {
            path: "/x".into(),
            element: "/".into(),
        };
        assert!(e.inhibited() && !e.not_found() && e.file_found());
        let e = ScriptRefused::NotFound("/x".into());
        assert!(!e.inhibited() && e.not_found() && !e.file_found());
    }

    #[test]
    fn not_executable_missing_and_wrong_type() {
        if !root() {
            eprintln!("SKIPPED: needs root (chown)");
            return;
        }
        let (base, script) = setup("exec");
        std::fs::set_permissions(&script, std::fs::Permissions::from_mode(0o744)).unwrap();
        assert!(matches!(
            check_script(script.to_str().unwrap(), NOBODY, true),
            Err(ScriptRefused::NotExecutable { uid: 65534, .. })
        ));
        assert!(check_script(script.to_str().unwrap(), ROOT, true).is_ok());
        let nope = base.join("nope");
        let e = check_script(nope.to_str().unwrap(), ROOT, true).unwrap_err();
        assert_eq!(
            e.log_line(),
            format!(
                "Script {} cannot be accessed - No such file or directory",
                nope.display()
            )
        );
        let e = check_script("ka-runtime-no-such-program-in-path", ROOT, true).unwrap_err();
        assert_eq!(
            e.log_line(),
            "Cannot find script ka-runtime-no-such-program-in-path in path - disabling"
        );
        let e = check_script(script.to_str().unwrap(), NOBODY, true).unwrap_err();
        assert_eq!(
            e.log_line(),
            format!(
                "WARNING - script '{}' is not executable for uid:gid 65534:65534 - disabling.",
                std::fs::canonicalize(&script).unwrap().display()
            )
        );
        assert!(matches!(
            check_script(base.to_str().unwrap(), ROOT, true),
            Err(ScriptRefused::WrongType(_))
        ));
        std::fs::remove_dir_all(&base).unwrap();
    }

    #[test]
    fn path_search_and_symlink_name_kept() {
        let c = check_script("sh", ROOT, false).unwrap();
        assert!(
            c.program.is_absolute() && file_name_is(&c.program, "sh"),
            "{c:?}"
        );
        if !root() {
            eprintln!("SKIPPED: needs root (chown)");
            return;
        }
        let (base, _script) = setup("link");
        let link = base.join("other-name");
        symlink("chk.sh", &link).unwrap();
        let c = check_script(link.to_str().unwrap(), ROOT, true).unwrap();
        assert!(file_name_is(&c.program, "other-name"), "{c:?}");
        assert_eq!(
            with_program(&["x".into(), "a".into()], &c.program)[1],
            "a".to_string()
        );
        std::fs::remove_dir_all(&base).unwrap();
    }

    #[test]
    fn users_resolve() {
        let n = lookup_user("nobody", None).unwrap();
        assert_eq!(n.uid, 65534);
        let g = lookup_user("root", Some("nogroup")).unwrap();
        assert_eq!((g.uid, g.gid), (0, 65534));
        assert!(matches!(
            lookup_user("ka-runtime-no-such-user", None),
            Err(UserError::NoUser(_))
        ));
        assert!(matches!(
            lookup_user("root", Some("ka-runtime-no-such-group")),
            Err(UserError::NoGroup(_))
        ));
        // Default user: script_user wins; keepalived_script missing is an
        // error only with script security.
        assert_eq!(
            default_run_as(Some(("nobody", None)), true).unwrap().uid,
            65534
        );
        if lookup_user(DEFAULT_SCRIPT_USER, None).is_err() {
            assert!(default_run_as(None, true).is_err());
            assert_eq!(default_run_as(None, false).unwrap(), RunAs::current());
        }
    }
}
