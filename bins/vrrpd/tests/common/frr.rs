//! FRR's zebra and bfdd in a lab namespace, as live BFD peers.

use std::path::PathBuf;
use std::process::Command;
use std::time::Duration;

use serde_json::Value;

use super::netns::{Lab, poll_until, wait_until};

/// zebra and bfdd started in one namespace with their own pathspace (the
/// namespace's name) and files in `<lab>/frr`; both stopped on drop, and
/// their `/etc/frr/<namespace>` directory removed.
pub struct Frr {
    ns: String,
    dir: PathBuf,
}

impl Frr {
    /// Starts zebra, then bfdd with `bfdd_conf` (the `bfd` section of an
    /// FRR configuration), in `ns`; returns once each has its vty socket.
    pub fn start(lab: &Lab, ns: &str, bfdd_conf: &str) -> Frr {
        let dir = lab.path("frr");
        std::fs::create_dir_all(&dir).unwrap();
        let etc = format!("/etc/frr/{ns}");
        std::fs::create_dir_all(&etc).unwrap();
        std::fs::write(format!("{etc}/vtysh.conf"), "").unwrap();
        let frr = Frr {
            ns: ns.to_string(),
            dir,
        };
        let d = frr.dir.to_string_lossy().into_owned();
        std::fs::write(
            format!("{d}/bfdd.conf"),
            format!("hostname {ns}\n{bfdd_conf}"),
        )
        .unwrap();
        std::fs::write(format!("{d}/zebra.conf"), format!("hostname {ns}\n")).unwrap();
        let _ = Command::new("chown").args(["-R", "frr:frr", &d]).output();
        let _ = Command::new("chmod").args(["777", &d]).output();
        for daemon in ["zebra", "bfdd"] {
            let out = Command::new("ip")
                .args(["netns", "exec", ns, &format!("/usr/lib/frr/{daemon}")])
                .args(["-d", "-N", ns, "-f", &format!("{d}/{daemon}.conf")])
                .args(["-i", &format!("{d}/{daemon}.pid"), "--vty_socket", &d])
                .args(["-z", &format!("{d}/zserv.api")])
                .args([
                    "--log",
                    &format!("file:{d}/{daemon}.log"),
                    "-A",
                    "127.0.0.1",
                ])
                .output()
                .unwrap();
            assert!(out.status.success(), "{daemon}: {out:?}");
            let vty = frr.dir.join(format!("{daemon}.vty"));
            wait_until(Duration::from_secs(10), &format!("{daemon}'s vty"), || {
                vty.exists()
            });
        }
        frr
    }

    /// vtysh with `cmds` (each a `-c`); its standard output.
    pub fn vtysh(&self, cmds: &[&str]) -> String {
        let mut cmd = Command::new("ip");
        cmd.args(["netns", "exec", &self.ns, "vtysh", "--vty_socket"])
            .arg(&self.dir);
        for c in cmds {
            cmd.args(["-c", c]);
        }
        String::from_utf8_lossy(&cmd.output().unwrap().stdout).into_owned()
    }

    /// `show bfd peers json`: FRR's view of every session (null while it
    /// does not answer).
    pub fn bfd_peers(&self) -> Value {
        serde_json::from_str(&self.vtysh(&["show bfd peers json"])).unwrap_or_default()
    }

    /// FRR's view of the session with `peer`.
    pub fn bfd_peer(&self, peer: &str) -> Value {
        self.bfd_peers()
            .as_array()
            .and_then(|a| a.iter().find(|p| p["peer"] == peer).cloned())
            .unwrap_or_default()
    }
}

impl Drop for Frr {
    fn drop(&mut self) {
        for daemon in ["bfdd", "zebra"] {
            let Ok(pid) = std::fs::read_to_string(self.dir.join(format!("{daemon}.pid"))) else {
                continue;
            };
            let pid = pid.trim().to_string();
            let _ = Command::new("kill").arg(&pid).output();
            // bounded; the namespace goes with the lab anyway
            let _ = poll_until(Duration::from_secs(5), || {
                !std::path::Path::new(&format!("/proc/{pid}")).exists()
            });
        }
        let _ = std::fs::remove_dir_all(format!("/etc/frr/{}", self.ns));
    }
}
