//! An instance's trackers: `track_interface`, `track_script`, `track_file`,
//! `track_src_ip`, `track_process` and `track_bfd` (docs/keepalived.md
//! §3.15, §3.29, §3.36), each with its weight and where its state comes
//! from.

use keepalived_conf::{Config, Diagnostic, VrrpInstance};
use vrrp_core::{TrackerConfig, TrackerKind};

use crate::spec::mapping::{TrackerSource, file_tracker, script_tracker};

/// The trackers of `vi` (whose interface is `interface`), in order, with
/// their sources.
pub fn trackers(
    vi: &VrrpInstance,
    cfg: &Config,
    interface: Option<&str>,
    diags: &mut Vec<Diagnostic>,
) -> (Vec<TrackerConfig>, Vec<TrackerSource>) {
    let name = &vi.name.value;
    let mut trackers = Vec::new();
    let mut sources = Vec::new();
    for t in &vi.track_interface {
        // vrrp.c `vrrp_complete_instance`: the instance's own interface is
        // always tracked (weight 0); naming it is ignored, weight and all.
        if interface == Some(t.name.as_str()) {
            diags.push(Diagnostic::warning(
                "vrrpd-track-interface",
                t.span,
                format!(
                    "({name}) ignoring track_interface {} since own interface (as keepalived does)",
                    t.name
                ),
            ));
            continue;
        }
        trackers.push(TrackerConfig {
            kind: TrackerKind::Interface,
            name: t.name.clone(),
            weight: t.weight.unwrap_or(0),
            reverse: t.reverse,
            initially_up: true,
        });
        sources.push(TrackerSource::Interface(t.name.clone()));
    }
    for t in &vi.track_script {
        if let Some(tc) = script_tracker(cfg, t, diags) {
            trackers.push(tc);
            sources.push(TrackerSource::Script(t.name.clone()));
        }
    }
    // track_file: value × weight (keepalived track_file.c; weight default 1,
    // the instance's `weight W [reverse]` overrides the file's).
    for t in &vi.track_file {
        if let Some(tc) = file_tracker(cfg, t, diags) {
            trackers.push(tc);
            sources.push(TrackerSource::File(t.name.clone()));
        }
    }
    // track_src_ip: keepalived 2.2.7 reads it and never acts on it
    // (docs/keepalived.md §3.29); neither does vrrpd, and it says so.
    if let Some(t) = vi.track_src_ip.as_ref().filter(|t| t.value) {
        diags.push(Diagnostic::warning(
            "vrrpd-track-src-ip",
            t.span,
            format!(
                "({name}) track_src_ip changes nothing: keepalived 2.2.7 compares the \
                 removed address with its stored socket address instead of the address in \
                 it, so the instance never goes to FAULT for its source; vrrpd does the same"
            ),
        ));
    }
    // track_process: up while the process quorum holds (vrrp_track.c
    // `process_update_track_process_status`); a duplicate is ignored.
    for t in &vi.track_process {
        let src = TrackerSource::Process(t.name.clone());
        if sources.contains(&src) {
            diags.push(Diagnostic::warning(
                "vrrpd-track-process",
                t.span,
                format!("({name}) duplicate track_process {} - ignoring", t.name),
            ));
            continue;
        }
        if let Some(tc) = crate::spec::track_process::process_tracker(cfg, t, name, diags) {
            trackers.push(tc);
            sources.push(src);
        }
    }
    // track_bfd: down until the session's first Up (docs/keepalived.md §3.36).
    // vrrp.c `vrrp_complete_instance`: an address owner's weighted entries are
    // dropped (its priority never moves, so they change nothing here either).
    for t in &vi.track_bfd {
        if let Some(w) = crate::spec::bfd::never_up_warning(cfg, t, name) {
            diags.push(w);
        }
        let tc = crate::spec::bfd::bfd_tracker(t);
        if tc.weight != 0 && vi.priority.as_ref().is_some_and(|p| p.value == 255) {
            diags.push(Diagnostic::warning(
                "vrrpd-track-bfd",
                t.span,
                format!(
                    "({name}) ignoring tracked bfd {} with weight {} due to address_owner \
                     (as keepalived does)",
                    t.name, tc.weight
                ),
            ));
            continue;
        }
        trackers.push(tc);
        sources.push(TrackerSource::Bfd(t.name.clone()));
    }
    (trackers, sources)
}
