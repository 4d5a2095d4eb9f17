#![allow(clippy::unwrap_used)]

use std::os::unix::fs::{MetadataExt as _, PermissionsExt as _};
use std::path::{Path, PathBuf};
use std::process::Command;

use super::write_dump;

/// Our effective uid: the owner of a file we create.
fn my_uid() -> u32 {
    let probe = std::env::temp_dir().join(format!("vrrpd-uid-{}", std::process::id()));
    std::fs::write(&probe, "").unwrap();
    let uid = std::fs::metadata(&probe).unwrap().uid();
    let _ = std::fs::remove_file(&probe);
    uid
}

fn is_root() -> bool {
    my_uid() == 0
}

/// `ln -s target link` as the user nobody when root (setpriv), else as us.
fn plant_symlink(target: &Path, link: &Path) {
    if is_root() {
        let st = Command::new("setpriv")
            .args(["--reuid=65534", "--regid=65534", "--clear-groups", "--"])
            .arg("ln")
            .arg("-s")
            .arg(target)
            .arg(link)
            .status()
            .unwrap();
        assert!(st.success());
        assert_eq!(std::fs::symlink_metadata(link).unwrap().uid(), 65534);
    } else {
        eprintln!("not root: the symlinks are planted by this user, not by nobody");
        std::os::unix::fs::symlink(target, link).unwrap();
    }
}

/// The SIGUSR1 dump in a sticky world-writable directory (/tmp's shape) where
/// another user planted symlinks to a root-only file at the dump's name and at
/// the name the dump's temporary file once had (`vrrpd.tmp`): the victim is
/// untouched, the dump is a regular 0600 file of ours.
#[test]
fn sigusr1_dump_does_not_write_through_planted_symlinks() {
    let base: PathBuf = std::env::temp_dir().join(format!("vrrpd-dump-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&base);
    let public = base.join("pub");
    std::fs::create_dir_all(&public).unwrap();
    std::fs::set_permissions(&base, std::fs::Permissions::from_mode(0o755)).unwrap();
    std::fs::set_permissions(&public, std::fs::Permissions::from_mode(0o1777)).unwrap();
    let victim = base.join("victim");
    std::fs::write(&victim, "root:HASH:\n").unwrap();
    std::fs::set_permissions(&victim, std::fs::Permissions::from_mode(0o600)).unwrap();
    let dump = public.join("vrrpd.json");
    plant_symlink(&victim, &public.join("vrrpd.tmp"));
    plant_symlink(&victim, &dump);

    write_dump(&dump, "{\"pid\":1,\"instances\":[]}").unwrap();

    assert_eq!(std::fs::read_to_string(&victim).unwrap(), "root:HASH:\n");
    let md = std::fs::symlink_metadata(&dump).unwrap();
    assert!(md.is_file(), "the dump is still a symlink");
    assert_eq!(md.uid(), my_uid());
    assert_eq!(md.mode() & 0o7777, 0o600);
    assert_eq!(
        std::fs::read_to_string(&dump).unwrap(),
        "{\"pid\":1,\"instances\":[]}"
    );
    // A world-writable directory without the sticky bit is refused outright.
    let open = base.join("open");
    std::fs::create_dir(&open).unwrap();
    std::fs::set_permissions(&open, std::fs::Permissions::from_mode(0o777)).unwrap();
    let e = write_dump(&open.join("vrrpd.json"), "{}").unwrap_err();
    assert!(e.to_string().contains("unsafe directory"), "{e}");
    let _ = std::fs::remove_dir_all(&base);
}
