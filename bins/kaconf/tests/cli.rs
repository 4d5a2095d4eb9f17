#![allow(clippy::unwrap_used)]
//! kaconf end to end: exit codes, JSON dump, fmt.

use std::path::PathBuf;
use std::process::Command;

fn kaconf() -> Command {
    Command::new(env!("CARGO_BIN_EXE_kaconf"))
}

fn data(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../keepalived-conf/tests/data")
        .join(name)
}

#[test]
fn check_exit_codes() {
    // valid (warnings allowed) -> 0
    let out = kaconf()
        .args(["check", "-i", "main"])
        .arg(data("err_unknown_keyword.conf"))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("warning[unknown-keyword]: unknown keyword `priorty` in `vrrp_instance`"),
        "{err}"
    );
    assert!(err.contains("= hint: did you mean `priority`?"), "{err}");
    // errors -> 1, keepalived's -f form
    let out = kaconf()
        .args(["check", "-f"])
        .arg(data("err_unclosed.conf"))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("error[unclosed-block]"));
    // missing file -> 1
    let out = kaconf()
        .args(["check", "/nonexistent/keepalived.conf"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    // clean file -> 0 and nothing on stderr
    let out = kaconf()
        .args(["check", "-i", "main"])
        .arg(data("pp_seq.conf"))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
    assert!(out.stderr.is_empty());
}

#[test]
fn dump_is_json_with_spans() {
    let out = kaconf()
        .args(["dump", "-i", "main"])
        .arg(data("pp_multiline.conf"))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["vrrp_instances"][1]["virtual_router_id"]["value"], 2);
    assert_eq!(
        v["vrrp_instances"][1]["virtual_router_id"]["span"]["line"], 15,
        "expanded values point at the `$INSTANCE` line"
    );
}

#[test]
fn fmt_is_canonical() {
    let out = kaconf()
        .arg("fmt")
        .arg(data("err_unknown_keyword.conf"))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(
        text.starts_with("global_defs {\n    router_idd x\n}\n"),
        "{text}"
    );
}

#[test]
fn check_several_files_warns_about_tracking_weights() {
    let out = kaconf()
        .args(["check", "-i", "main"])
        .arg(data("lint/master.conf"))
        .arg(data("lint/backup.conf"))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("warning[tracking-never-fails-over]: tracking can never change the Master of virtual router 32 (IPv4)"),
        "{err}"
    );
    assert!(err.contains("master.conf:24:9"), "{err}");
    assert!(
        err.contains("1 warning(s) from checking the files together"),
        "{err}"
    );
    // one file alone: nothing to compare with
    let out = kaconf()
        .args(["check", "-i", "main"])
        .arg(data("lint/master.conf"))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
    assert!(
        out.stderr.is_empty(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    // an error in any of the files -> 1
    let out = kaconf()
        .args(["check", "-i", "main"])
        .arg(data("lint/master.conf"))
        .arg(data("err_unclosed.conf"))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
}

/// `kaconf dump FILE | head` and `kaconf fmt FILE | head`: the reader goes away before the
/// output ends; kaconf stops quietly instead of panicking on the broken pipe.
#[test]
fn output_to_a_closed_pipe_ends_quietly() {
    use std::io::Read;
    let dir = std::env::temp_dir().join(format!("kaconf-pipe-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("big.conf");
    let conf: String = (0..400)
        .map(|i| {
            format!(
                "virtual_server 10.0.{}.{} 80 {{\n  real_server 10.1.0.1 80 {{\n    weight 1\n  }}\n}}\n",
                i / 250,
                i % 250
            )
        })
        .collect();
    std::fs::write(&path, conf).unwrap();
    for cmd in ["dump", "fmt"] {
        let mut child = kaconf()
            .arg(cmd)
            .arg(&path)
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        let mut stdout = child.stdout.take().unwrap();
        let mut first = [0u8; 16];
        stdout.read_exact(&mut first).unwrap();
        drop(stdout);
        let out = child.wait_with_output().unwrap();
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(!err.contains("panicked"), "{cmd}: {err}");
        assert_eq!(out.status.code(), Some(0), "{cmd}: {err}");
    }
    let _ = std::fs::remove_dir_all(&dir);
}

/// A keyword of a keepalived later than 2.2.7 (`sni_name`) is a notice, not an
/// error: `check` exits 0 and names the keyword and the keepalived that knows it.
#[test]
fn check_notes_a_keyword_of_a_later_keepalived() {
    let out = kaconf()
        .args(["check"])
        .arg(
            PathBuf::from(env!("CARGO_MANIFEST_DIR"))
                .join("../lvsd/tests/data/ssl-get-sni-name.conf"),
        )
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{err}");
    assert!(
        err.contains(
            "warning[keepalived-version]: `sni_name` is a keyword of keepalived after 2.4.3; \
             keepalived 2.2.7 reports it as unknown and runs without it"
        ),
        "{err}"
    );
    assert!(err.contains("0 error(s), 1 warning(s)"), "{err}");
}
