//! Notify FIFOs for the checker side (`notify_fifo` and `lvs_notify_fifo` of
//! `global_defs`, with their `*_script`), docs/keepalived.md §3.19.
//!
//! keepalived's checker process opens the global FIFO and the LVS one
//! (notify.c `notify_fifo_open`, each with its script, the FIFO path appended)
//! and writes to both (check/ipwrapper.c `notify_fifo_vs` / `notify_fifo_rs`):
//! - `VS <vs> UP|DOWN` when a virtual server's quorum changes,
//! - `RS <rs> <vs> UP|DOWN` when a real server's alive state changes,
//!
//! where `<vs>` is keepalived's FMT_VS (`[10.0.0.1]:tcp:80`, `FWM 5`,
//! `[GROUP]:0`) and `<rs>` its FMT_RS (`[10.0.0.2]:tcp:80`). The C code sizes
//! the write as the line's length (`strlen(..) + 5` / `+ 6`), so a line ends
//! with `\n` and no NUL. Opening, non-blocking writes and cleanup are keepalived-runtime's
//! [`NotifyFifo`].

use keepalived_conf as kc;
use keepalived_runtime::notify_fifo::NotifyFifo;

use crate::notify::Event;
use crate::pool::Pool;
use crate::script_policy::Resolved;

pub use crate::model::FifoSpec;

/// `notify_fifo` then `lvs_notify_fifo` from `global_defs`, in keepalived's
/// opening order.
pub fn specs(g: &kc::GlobalDefs) -> Vec<FifoSpec> {
    let mut out = Vec::new();
    for (fifo, fifo_script) in [
        (&g.notify_fifo, &g.notify_fifo_script),
        (&g.lvs_notify_fifo, &g.lvs_notify_fifo_script),
    ] {
        let Some(f) = fifo else { continue };
        // `notify_fifo PATH [USER [GROUP]]`: words, not a command line.
        let mut words = f.value.command.split_whitespace().map(String::from);
        let Some(path) = words.next() else { continue };
        let user = f.value.user.clone().or_else(|| words.next());
        let group = f.value.group.clone().or_else(|| words.next());
        let script = fifo_script
            .as_ref()
            .and_then(|s| keepalived_conf::command::split_config_command(&s.value.command).ok());
        out.push(FifoSpec {
            path: path.into(),
            owner: user.map(|u| (u, group)),
            script,
        });
    }
    out
}

/// Opens the FIFOs of `specs`; one that cannot be opened is logged and
/// skipped, as keepalived does. Each fifo script runs as `scripts` says
/// (`script_user`, `enable_script_security`); a refused script is logged and
/// the FIFO opened without it (keepalived drops the script, keeps the FIFO).
/// Must run inside a tokio runtime.
pub fn open(specs: &[FifoSpec], scripts: &Resolved) -> Vec<NotifyFifo> {
    let mut out = Vec::new();
    for s in specs {
        let owner = s.owner.as_ref().and_then(|(u, g)| {
            keepalived_runtime::script_security::lookup_user(u, g.as_deref())
                .map_err(|e| tracing::warn!(fifo = %s.path.display(), "fifo owner: {e}"))
                .ok()
        });
        let checked = s.script.as_ref().and_then(|argv| {
            scripts
                .check_as(argv, None)
                .map(|p| {
                    if let Some(line) = p.unsafe_line() {
                        tracing::info!("{line}");
                    }
                    (p.argv, p.who)
                })
                .map_err(|e| match e {
                    // keepalived's line (notify.c `check_script_secure`).
                    crate::script_policy::NotRun::Refused(r) => tracing::info!("{}", r.log_line()),
                    e => tracing::error!(fifo = %s.path.display(), "notify fifo script: {e} - disabling"),
                })
                .ok()
        });
        let script = checked
            .as_ref()
            .map(|(argv, who)| (argv.as_slice(), Some(*who)));
        match NotifyFifo::open(&s.path, owner, script) {
            Ok(f) => {
                tracing::info!(fifo = %s.path.display(), "notify fifo open");
                out.push(f);
            }
            Err(e) => tracing::warn!(fifo = %s.path.display(), "unable to open notify fifo: {e}"),
        }
    }
    out
}

/// The FIFO line for `event` of `pool` (its state after the event).
pub fn line(event: &Event, pool: &Pool) -> String {
    let state = |up: bool| if up { "UP" } else { "DOWN" };
    match event {
        Event::RealServer { rs, up, .. } => format!(
            "RS {} {} {}\n",
            crate::alerts::rs_name(*rs, pool),
            pool.vs.alert_name,
            state(*up)
        ),
        Event::Quorum { up, .. } => format!("VS {} {}\n", pool.vs.alert_name, state(*up)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn specs_take_path_owner_and_script() {
        let text = "global_defs {\n notify_fifo /run/all.fifo root\n lvs_notify_fifo /run/lvs.fifo\n \
                    lvs_notify_fifo_script \"/bin/reader -x\"\n vrrp_notify_fifo /run/v.fifo\n}\n";
        let parsed = kc::parse_str("t.conf", text, &kc::LoadOptions::default());
        let s = specs(&parsed.config.global_defs);
        assert_eq!(
            s,
            [
                FifoSpec {
                    path: "/run/all.fifo".into(),
                    owner: Some(("root".into(), None)),
                    script: None,
                },
                FifoSpec {
                    path: "/run/lvs.fifo".into(),
                    owner: None,
                    script: Some(vec!["/bin/reader".into(), "-x".into()]),
                },
            ]
        );
    }
}
