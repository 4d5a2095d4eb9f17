//! What instances track: `vrrp_script` (rise/fall), `track_file`,
//! `vrrp_track_process` and interfaces, fed to the node as tracker events.

use tokio::sync::mpsc;
use tracing::{debug, info};
use vrrp_core::Event;
use vrrp_core::node::InstanceId;

use crate::daemon::host::Host;
use crate::spec::mapping::{ScriptSpec, TrackerSource};

use crate::daemon::bfd::BfdStates;
use crate::daemon::host::HostView;

use super::Router;
use std::collections::HashMap;

/// What the trackers fed by the daemon know, kept across reloads by name.
#[derive(Default)]
pub(super) struct Trackers {
    /// Each `vrrp_script`'s rise/fall state.
    pub(super) scripts: HashMap<String, ScriptState>,
    /// The settings of the running `vrrp_script`s, for the status.
    pub(super) specs: Vec<ScriptSpec>,
    /// The runner task of each `vrrp_script`.
    pub(super) tasks: Vec<tokio::task::JoinHandle<()>>,
    /// Last value of each `track_file` (keepalived `last_status`).
    pub(super) file_values: HashMap<String, i32>,
    /// Whether each `vrrp_track_process` has its quorum (keepalived
    /// `have_quorum`); missing: not reported yet.
    pub(super) process_up: HashMap<String, bool>,
}

/// A `vrrp_script`'s rise/fall state (kept across reloads by name).
#[derive(Debug, Clone, Copy)]
pub(super) struct ScriptState {
    up: bool,
    /// Consecutive successes / failures against the current state.
    streak: u32,
    rise: u32,
    fall: u32,
}

impl ScriptState {
    /// Whether the script counts as succeeding now.
    pub(super) fn up(&self) -> bool {
        self.up
    }
}

/// A script result from a runner task: (script name, success).
pub type ScriptResult = (String, bool);

impl Trackers {
    /// The events that give an instance's `trackers` the states known now
    /// (interfaces from `host`, BFD sessions from `bfd`), before its Startup.
    pub(super) fn initial_events(
        &self,
        trackers: &[TrackerSource],
        bfd: &BfdStates,
        host: &HostView,
    ) -> Vec<Event> {
        let up_down = |k: usize, up: bool| {
            if up {
                Event::TrackerUp(k)
            } else {
                Event::TrackerDown(k)
            }
        };
        let link_up = |n: &str| {
            host.links
                .get(n)
                .is_some_and(|l| l.is_up() && l.is_running())
        };
        trackers
            .iter()
            .enumerate()
            .map(|(k, t)| match t {
                TrackerSource::Interface(n) => up_down(k, link_up(n)),
                TrackerSource::Script(n) => up_down(k, self.scripts.get(n).is_none_or(|st| st.up)),
                TrackerSource::File(n) => {
                    Event::TrackerValue(k, self.file_values.get(n).copied().unwrap_or(0))
                }
                TrackerSource::Process(n) => {
                    up_down(k, self.process_up.get(n).copied().unwrap_or(true))
                }
                // vrrp_track.c `initialise_track_bfd_state`: down until Up
                TrackerSource::Bfd(n) => up_down(k, bfd.is_up(n)),
            })
            .collect()
    }

    /// Stops the `vrrp_script` runners.
    pub(super) fn stop(&mut self) {
        for h in self.tasks.drain(..) {
            h.abort();
        }
    }
}

impl<H: Host> Router<H> {
    /// (Re)starts the runners of `scripts`; rise/fall state is kept for
    /// scripts of the same name.
    pub fn spawn_scripts(&mut self, scripts: &[ScriptSpec], tx: &mpsc::Sender<ScriptResult>) {
        for h in self.trackers.tasks.drain(..) {
            h.abort();
        }
        let mut states = std::collections::HashMap::new();
        for sc in scripts {
            let mut st = self
                .trackers
                .scripts
                .get(&sc.name)
                .copied()
                .unwrap_or(ScriptState {
                    up: !sc.init_fail,
                    streak: 0,
                    rise: sc.rise,
                    fall: sc.fall,
                });
            st.rise = sc.rise;
            st.fall = sc.fall;
            states.insert(sc.name.clone(), st);
            let (sc, tx) = (sc.clone(), tx.clone());
            self.trackers.tasks.push(tokio::spawn(async move {
                let mut tick = tokio::time::interval(sc.interval);
                tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
                loop {
                    tick.tick().await;
                    let ok = match keepalived_runtime::run_script_as(&sc.argv, sc.timeout, sc.run_as).await {
                        Ok(o) => o.success(),
                        // Out of descriptors or memory: not the script's
                        // verdict; say so loudly and keep its state.
                        Err(e) if e.is_local_shortage() => {
                            tracing::error!(script = %sc.name, "{e}: state kept, is the daemon out of file descriptors?");
                            continue;
                        }
                        Err(e) => {
                            debug!(script = %sc.name, "{e}");
                            false
                        }
                    };
                    if tx.send((sc.name.clone(), ok)).await.is_err() {
                        return;
                    }
                }
            }));
        }
        self.trackers.scripts = states;
        self.trackers.specs = scripts.to_vec();
    }

    /// One script result: rise/fall, then the trackers that watch it.
    pub async fn on_script_result(&mut self, name: &str, ok: bool) {
        let Some(st) = self.trackers.scripts.get_mut(name) else {
            return;
        };
        if ok == st.up {
            st.streak = 0;
            return;
        }
        st.streak += 1;
        let needed = if ok { st.rise } else { st.fall };
        if st.streak < needed {
            return;
        }
        st.up = ok;
        st.streak = 0;
        info!(script = name, up = ok, "vrrp_script state changed");
        self.on_tracker(&TrackerSource::Script(name.to_string()), ok)
            .await;
    }

    /// Indices of an instance's trackers that watch `src`.
    pub(super) fn tracker_indices(&self, id: InstanceId, src: &TrackerSource) -> Vec<usize> {
        self.node.data(id).map_or(Vec::new(), |s| {
            s.spec
                .trackers
                .iter()
                .enumerate()
                .filter(|(_, t)| *t == src)
                .map(|(k, _)| k)
                .collect()
        })
    }

    /// A `track_file` holds a new value (before [`Router::install`]: the
    /// initial value): every instance tracking it gets
    /// `Event::TrackerValue` (keepalived `update_track_file_status`).
    pub async fn on_track_file(&mut self, name: &str, value: i32) {
        if self.trackers.file_values.insert(name.to_string(), value) == Some(value) {
            return;
        }
        info!(track_file = name, value, "track_file value changed");
        self.send_track_file(name, value).await;
    }

    /// Sends every known `track_file` value again (after a reload, which
    /// may have renumbered the trackers).
    pub async fn refresh_track_files(&mut self) {
        let values: Vec<(String, i32)> = self
            .trackers
            .file_values
            .iter()
            .map(|(n, v)| (n.clone(), *v))
            .collect();
        for (name, value) in values {
            self.send_track_file(&name, value).await;
        }
    }

    /// Gives every instance tracking `track_file` `name` its value.
    pub(super) async fn send_track_file(&mut self, name: &str, value: i32) {
        let src = TrackerSource::File(name.to_string());
        self.feed_trackers(&src, |k| Event::TrackerValue(k, value))
            .await;
    }

    /// A `vrrp_track_process` gained or lost its quorum (before
    /// [`Router::install`]: its initial state); every instance tracking it
    /// gets `TrackerUp`/`TrackerDown` (vrrp_track.c
    /// `process_update_track_process_status`).
    pub async fn on_track_process(&mut self, name: &str, up: bool) {
        if self.trackers.process_up.insert(name.to_string(), up) == Some(up) {
            return;
        }
        self.on_tracker(&TrackerSource::Process(name.to_string()), up)
            .await;
    }

    /// Sends every known process quorum again (after a reload, which may
    /// have renumbered the trackers).
    pub async fn refresh_track_processes(&mut self) {
        let states: Vec<(String, bool)> = self
            .trackers
            .process_up
            .iter()
            .map(|(n, u)| (n.clone(), *u))
            .collect();
        for (name, up) in states {
            self.on_tracker(&TrackerSource::Process(name), up).await;
        }
    }

    /// Every tracker watching `src` goes up or down.
    pub(super) async fn on_tracker(&mut self, src: &TrackerSource, up: bool) {
        self.feed_trackers(src, |k| {
            if up {
                Event::TrackerUp(k)
            } else {
                Event::TrackerDown(k)
            }
        })
        .await;
    }

    /// Gives every instance's trackers that watch `src` the event `ev(k)`.
    pub(super) async fn feed_trackers(&mut self, src: &TrackerSource, ev: impl Fn(usize) -> Event) {
        let now = self.host.now();
        let ids: Vec<InstanceId> = self.node.ids().collect();
        for id in ids {
            let ks = self.tracker_indices(id, src);
            if ks.is_empty() {
                continue;
            }
            self.node.handle_events(now, id, ks.into_iter().map(&ev));
            self.flush().await;
        }
    }
}
