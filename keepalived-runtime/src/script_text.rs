//! A script's command line as keepalived shows it in KEEPALIVED-MIB
//! (notify.c `cmd_str_r`): every word in single quotes, the program
//! resolved through `PATH` and symbolic links (notify.c
//! `check_script_secure`). vrrpd's instance, sync group and script columns
//! and lvsd's quorum and real server notify columns show scripts this way.

use std::path::PathBuf;

/// The executable a script's first word names, as keepalived resolves it:
/// a name without `/` looked up in `PATH`, then symbolic links resolved,
/// keeping the file name written when the link's target has another one;
/// the word as written when nothing is found.
pub fn resolve_program(word: &str) -> String {
    let found = if word.contains('/') {
        Some(PathBuf::from(word))
    } else {
        std::env::var_os("PATH").and_then(|p| {
            std::env::split_paths(&p)
                .map(|d| d.join(word))
                .find(|f| f.is_file())
        })
    };
    // notify.c `check_script_secure`: the real path, but with the name as
    // written when the link's target has another one (some programs act
    // on the name they are called by)
    let Some((written, real)) =
        found.and_then(|f| Some((f.clone(), std::fs::canonicalize(f).ok()?)))
    else {
        return word.to_string();
    };
    let shown = match (written.file_name(), real.file_name(), real.parent()) {
        (Some(w), Some(r), Some(dir)) if w != r => dir.join(w),
        _ => real,
    };
    shown.display().to_string()
}

/// A command line as written in the configuration, shown as keepalived
/// shows it: split as keepalived splits it, then [`argv_text`]; the line
/// as written when it does not split.
pub fn script_text(command: &str) -> String {
    match keepalived_conf::command::split_config_command(command) {
        Ok(args) => argv_text(&args),
        Err(_) => command.to_string(),
    }
}

/// A command already split into words, shown as keepalived shows one:
/// every word in single quotes, the first resolved by [`resolve_program`];
/// a first word that is only a shell redirection stays as written.
pub fn argv_text(args: &[String]) -> String {
    let mut resolved = args.to_vec();
    if let Some(first) = resolved.first_mut()
        && !first.starts_with(['<', '>'])
    {
        *first = resolve_program(first);
    }
    cmd_str(&resolved)
}

/// A command as keepalived writes it in its log lines (notify.c
/// `cmd_str_r`), words as given: each in single quotes, separated by
/// spaces, except a first word starting with a shell redirection.
pub fn cmd_str(args: &[String]) -> String {
    let mut out = Vec::with_capacity(args.len());
    for (n, a) in args.iter().enumerate() {
        if n == 0 && a.starts_with(['<', '>']) {
            out.push(a.clone());
        } else {
            out.push(format!("'{a}'"));
        }
    }
    out.join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_util::tmpdir;

    #[test]
    fn every_word_is_quoted_and_a_missing_program_stays_as_written() {
        assert_eq!(
            script_text("/nonexistent/x a 'b c'"),
            "'/nonexistent/x' 'a' 'b c'"
        );
        assert_eq!(
            argv_text(&["/nonexistent/y".into(), "it's".into()]),
            "'/nonexistent/y' 'it's'"
        );
    }

    #[test]
    fn a_redirection_first_stays_unquoted() {
        assert_eq!(script_text(">/tmp/f"), ">/tmp/f");
        assert_eq!(argv_text(&[]), "");
    }

    #[test]
    fn links_resolve_to_the_real_directory_with_the_name_written() {
        let d = tmpdir("script-text");
        let real_dir = d.join("real");
        std::fs::create_dir_all(&real_dir).unwrap();
        let target = real_dir.join("prog");
        std::fs::write(&target, "#!/bin/sh\n").unwrap();
        // same name: the real path
        std::os::unix::fs::symlink(&target, d.join("prog")).unwrap();
        // another name: the real directory, the name written
        std::os::unix::fs::symlink(&target, d.join("alias")).unwrap();
        let real_dir = std::fs::canonicalize(&real_dir).unwrap();
        let same = d.join("prog").display().to_string();
        assert_eq!(
            resolve_program(&same),
            real_dir.join("prog").display().to_string()
        );
        let other = d.join("alias").display().to_string();
        assert_eq!(
            argv_text(&[other, "x".into()]),
            format!("'{}' 'x'", real_dir.join("alias").display())
        );
        let _ = std::fs::remove_dir_all(&d);
    }

    #[test]
    fn a_bare_name_is_found_through_path() {
        // `sh` is on PATH wherever the tests run; its shown path is absolute
        let shown = resolve_program("sh");
        assert!(shown.starts_with('/'), "{shown}");
        assert!(shown.ends_with("/sh"), "{shown}");
        assert_eq!(
            resolve_program("no-such-program-here"),
            "no-such-program-here"
        );
    }

    #[test]
    fn cmd_str_quotes_the_words_as_given() {
        let w = |v: &[&str]| v.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        assert_eq!(cmd_str(&w(&["sh", "-c", "a b"])), "'sh' '-c' 'a b'");
        assert_eq!(cmd_str(&w(&["</etc/x"])), "</etc/x");
        assert_eq!(cmd_str(&w(&["/x", ">y"])), "'/x' '>y'");
        assert_eq!(cmd_str(&[]), "");
    }
}
