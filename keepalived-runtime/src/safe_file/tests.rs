#![allow(clippy::unwrap_used)]

use super::*;
use crate::test_util::tmpdir;

fn mode_of(p: &Path) -> u32 {
    std::fs::symlink_metadata(p).unwrap().mode() & 0o7777
}

fn leftovers(dir: &Path) -> Vec<String> {
    std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with('.'))
        .collect()
}

#[test]
fn writes_replaces_and_leaves_no_temporary_file() {
    let d = tmpdir("safe-write");
    let p = d.join("state.json");
    std::fs::write(&p, "old contents, longer than the new ones").unwrap();
    std::fs::set_permissions(&p, std::fs::Permissions::from_mode(0o666)).unwrap();
    write_private(&p, b"{}\n").unwrap();
    assert_eq!(std::fs::read_to_string(&p).unwrap(), "{}\n");
    assert_eq!(mode_of(&p), 0o600);
    write_file(&p, b"42\n", 0o644).unwrap();
    assert_eq!(mode_of(&p), 0o644);
    assert_eq!(leftovers(&d), Vec::<String>::new());
    let _ = std::fs::remove_dir_all(&d);
}

#[test]
fn a_symlink_at_the_target_is_replaced_not_followed() {
    let d = tmpdir("safe-link");
    let victim = d.join("victim");
    std::fs::write(&victim, "precious\n").unwrap();
    let p = d.join("dump.json");
    std::os::unix::fs::symlink(&victim, &p).unwrap();
    write_private(&p, b"dump\n").unwrap();
    assert_eq!(std::fs::read_to_string(&victim).unwrap(), "precious\n");
    assert!(std::fs::symlink_metadata(&p).unwrap().is_file());
    assert_eq!(std::fs::read_to_string(&p).unwrap(), "dump\n");
    let _ = std::fs::remove_dir_all(&d);
}

#[test]
fn directories_others_can_write_are_refused_unless_sticky() {
    let d = tmpdir("safe-dir");
    let open = d.join("open");
    std::fs::create_dir(&open).unwrap();
    std::fs::set_permissions(&open, std::fs::Permissions::from_mode(0o777)).unwrap();
    let e = write_private(&open.join("x"), b"x").unwrap_err();
    assert!(
        matches!(e, SafeFileError::UnsafeDirectory { why, .. } if why.contains("every user")),
        "{e}"
    );
    assert!(!open.join("x").exists());
    // The same directory with the sticky bit (as /tmp) is fine.
    std::fs::set_permissions(&open, std::fs::Permissions::from_mode(0o1777)).unwrap();
    write_private(&open.join("x"), b"x").unwrap();
    assert_eq!(mode_of(&open.join("x")), 0o600);
    // A file as "directory", and a path without a file name.
    let f = d.join("plain");
    std::fs::write(&f, "").unwrap();
    assert!(write_private(&f.join("x"), b"x").is_err());
    assert!(matches!(
        write_private(Path::new("/"), b"x"),
        Err(SafeFileError::NotAFilePath(_))
    ));
    let _ = std::fs::remove_dir_all(&d);
}

/// Runs `args` as the user `nobody` (root only): setpriv, as the review of
/// keepalived's /tmp files did.
fn as_nobody(args: &[&str]) {
    let st = std::process::Command::new("setpriv")
        .args(["--reuid=65534", "--regid=65534", "--clear-groups", "--"])
        .args(args)
        .status()
        .unwrap();
    assert!(st.success(), "as nobody: {args:?}");
}

/// Another user plants a symlink to a root-only file, and a file of their
/// own, in a sticky world-writable directory (/tmp's shape): the root-owned
/// result is a new 0600 file, the victim is untouched and the other user's
/// file is not written into.
#[test]
fn files_planted_by_another_user_are_neither_followed_nor_reused() {
    let d = tmpdir("safe-plant");
    let public = d.join("pub");
    std::fs::create_dir(&public).unwrap();
    std::fs::set_permissions(&d, std::fs::Permissions::from_mode(0o755)).unwrap();
    std::fs::set_permissions(&public, std::fs::Permissions::from_mode(0o1777)).unwrap();
    let victim = d.join("victim");
    std::fs::write(&victim, "root:HASH:\n").unwrap();
    std::fs::set_permissions(&victim, std::fs::Permissions::from_mode(0o600)).unwrap();
    let link = public.join("dump.json");
    let owned = public.join("owned.json");
    let root = nix::unistd::geteuid().is_root();
    if root {
        as_nobody(&["ln", "-s", victim.to_str().unwrap(), link.to_str().unwrap()]);
        as_nobody(&["sh", "-c", &format!("umask 0; : > {}", owned.display())]);
        assert_eq!(std::fs::symlink_metadata(&link).unwrap().uid(), 65534);
    } else {
        eprintln!("not root: planting as this user instead of nobody");
        std::os::unix::fs::symlink(&victim, &link).unwrap();
        std::fs::write(&owned, "").unwrap();
        std::fs::set_permissions(&owned, std::fs::Permissions::from_mode(0o666)).unwrap();
    }
    let planted_inode = std::fs::metadata(&owned).unwrap().ino();
    write_private(&link, b"{\"secret\":1}\n").unwrap();
    write_private(&owned, b"{\"secret\":2}\n").unwrap();
    assert_eq!(std::fs::read_to_string(&victim).unwrap(), "root:HASH:\n");
    for (p, text) in [(&link, "{\"secret\":1}\n"), (&owned, "{\"secret\":2}\n")] {
        let md = std::fs::symlink_metadata(p).unwrap();
        assert!(md.is_file(), "{}", p.display());
        assert_eq!(md.uid(), nix::unistd::geteuid().as_raw());
        assert_eq!(md.mode() & 0o7777, 0o600);
        assert_eq!(std::fs::read_to_string(p).unwrap(), text);
    }
    assert_ne!(std::fs::metadata(&owned).unwrap().ino(), planted_inode);
    if root {
        // nobody can no longer read what root wrote.
        let st = std::process::Command::new("setpriv")
            .args(["--reuid=65534", "--regid=65534", "--clear-groups", "--"])
            .args(["cat", owned.to_str().unwrap()])
            .stderr(std::process::Stdio::null())
            .status()
            .unwrap();
        assert!(!st.success(), "nobody read the root-written file");
    }
    let _ = std::fs::remove_dir_all(&d);
}
