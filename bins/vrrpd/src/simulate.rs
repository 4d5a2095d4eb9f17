//! `vrrpd simulate`: run several nodes' keepalived.conf files together on
//! vrrp-core's virtual LAN (no root, no sockets) and print the timeline.

use std::fmt::Write as _;
use std::path::PathBuf;

use vrrp_core::State;
use vrrp_core::sim::{LinkParams, SimEvent, TimelineKind, VirtualLan};
use vrrp_core::time::{Duration, Instant};

use crate::spec::load::load_for_sim;

/// Default one-way latency of the virtual segment.
pub const DEFAULT_LATENCY_MS: f64 = 1.0;

/// A scheduled node event from the command line (`NODE@SECS`).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct NodeAt {
    /// 1-based node number.
    pub node: usize,
    /// When, in virtual time.
    pub at: Instant,
}

/// A command-line argument of `vrrpd simulate` that cannot be used (the
/// user's fault).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ArgError {
    /// No `@` between node and time.
    #[error("`{0}`: expected NODE@SECS, e.g. 1@10")]
    NotNodeAt(String),
    /// The node number is not a number from 1 up.
    #[error("`{0}`: node numbers start at 1")]
    Node(String),
    /// The time is not a number of seconds from 0 up.
    #[error("`{0}`: expected seconds >= 0, e.g. 10 or 2.5")]
    Seconds(String),
}

impl std::str::FromStr for NodeAt {
    type Err = ArgError;
    fn from_str(s: &str) -> Result<Self, ArgError> {
        let (n, t) = s
            .split_once('@')
            .ok_or_else(|| ArgError::NotNodeAt(s.to_string()))?;
        let node: usize = n
            .parse()
            .ok()
            .filter(|&n| n >= 1)
            .ok_or_else(|| ArgError::Node(n.to_string()))?;
        Ok(NodeAt {
            node,
            at: parse_secs(t)?,
        })
    }
}

/// Seconds (decimal) → virtual instant.
pub fn parse_secs(t: &str) -> Result<Instant, ArgError> {
    let secs: f64 = t
        .parse()
        .ok()
        .filter(|x: &f64| x.is_finite() && *x >= 0.0 && *x < 1e9)
        .ok_or_else(|| ArgError::Seconds(t.to_string()))?;
    // Rounded to whole microseconds, the simulator's resolution.
    #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
    let us = (secs * 1e6).round() as u64;
    Ok(Instant::from_micros(us))
}

/// What to run.
#[derive(Debug, Clone)]
pub struct SimOptions {
    /// One config file per node, node 1 first.
    pub files: Vec<PathBuf>,
    /// Stop the simulation at this virtual time.
    pub until: Instant,
    /// Silent crashes (state lost, nothing sent).
    pub crash: Vec<NodeAt>,
    /// Clean stops (priority 0 from Masters, like SIGTERM).
    pub stop: Vec<NodeAt>,
    /// (Re)starts; a node whose first event is a start is down until then.
    pub start: Vec<NodeAt>,
    /// One-way latency in microseconds.
    pub latency_us: u64,
    /// Seed of the LAN's random choices.
    pub seed: u64,
    /// One JSON object per line instead of a table.
    pub json: bool,
}

/// Runs the simulation; returns (stdout text, stderr text, exit code).
pub fn run(o: &SimOptions) -> (String, String, i32) {
    let mut err = String::new();
    let mut lan = VirtualLan::new(o.seed);
    lan.set_default_link(LinkParams {
        latency: Duration::from_micros(o.latency_us),
        ..LinkParams::default()
    });
    let mut failed = false;
    let mut names: Vec<Vec<String>> = Vec::new();
    for (i, f) in o.files.iter().enumerate() {
        let node = u16::try_from(i + 1).unwrap_or(u16::MAX);
        let loaded = load_for_sim(f, node);
        let rendered = loaded.render();
        if !rendered.is_empty() {
            err.push_str(&rendered);
        }
        if loaded.has_errors() {
            let _ = writeln!(err, "vrrpd: {}: configuration refused", f.display());
            failed = true;
            continue;
        }
        if loaded.mapped.instances.is_empty() {
            let _ = writeln!(err, "vrrpd: {}: no vrrp_instance to run", f.display());
            failed = true;
            continue;
        }
        let configs: Vec<_> = loaded
            .mapped
            .instances
            .iter()
            .map(|s| s.config.clone())
            .collect();
        names.push(configs.iter().map(|c| c.name.clone()).collect());
        let n = configs.len();
        if let Err(e) = lan.add_node_with(
            (i + 1).to_string(),
            configs,
            vec![0; n],
            loaded.mapped.sync_groups.clone(),
        ) {
            let _ = writeln!(err, "vrrpd: {}: {e}", f.display());
            failed = true;
        }
    }
    if failed {
        return (String::new(), err, 1);
    }
    let nodes = o.files.len();
    let all_events = o.crash.iter().chain(&o.stop).chain(&o.start);
    if let Some(bad) = all_events.clone().find(|e| e.node > nodes) {
        let _ = writeln!(
            err,
            "vrrpd: node {} does not exist (there are {nodes} config files)",
            bad.node
        );
        return (String::new(), err, 2);
    }
    for node in 1..=nodes {
        let first = all_events
            .clone()
            .filter(|e| e.node == node)
            .map(|e| e.at)
            .min();
        let starts_late = o
            .start
            .iter()
            .any(|e| e.node == node && Some(e.at) == first);
        if !starts_late {
            lan.schedule(Instant::ZERO, SimEvent::Start(node - 1));
        }
    }
    for e in &o.crash {
        lan.schedule(e.at, SimEvent::Crash(e.node - 1));
    }
    for e in &o.stop {
        lan.schedule(e.at, SimEvent::Shutdown(e.node - 1));
    }
    for e in &o.start {
        lan.schedule(e.at, SimEvent::Start(e.node - 1));
    }
    lan.run_until(o.until);

    let mut out = String::new();
    if !o.json {
        let _ = writeln!(
            out,
            "# {nodes} node(s) on one virtual segment, latency {:.3} ms, until {:.3} s",
            o.latency_us as f64 / 1000.0,
            o.until.as_micros() as f64 / 1e6
        );
        let _ = writeln!(
            out,
            "{:>10}  {:>4}  {:<12}  {:<7}  {:<7}  reason",
            "t(s)", "node", "instance", "from", "to"
        );
    }
    for ev in lan.timeline() {
        let t_us = ev.at.as_micros();
        let node = ev.node.wrapping_add(1);
        match &ev.kind {
            TimelineKind::StateChanged { from, to, reason } => {
                let inst = ev
                    .instance
                    .and_then(|i| names.get(ev.node).and_then(|n| n.get(i)))
                    .map_or("?", String::as_str);
                if o.json {
                    let _ = writeln!(
                        out,
                        "{{\"t_ms\":{},\"node\":{node},\"instance\":{},\"from\":\"{}\",\"to\":\"{}\",\"reason\":{}}}",
                        t_ms(t_us),
                        serde_json::Value::from(inst),
                        from.as_str(),
                        to.as_str(),
                        serde_json::Value::from(reason.to_string()),
                    );
                } else {
                    let _ = writeln!(
                        out,
                        "{:>10.3}  {:>4}  {:<12}  {:<7}  {:<7}  {}",
                        t_us as f64 / 1e6,
                        node,
                        inst,
                        from.as_str(),
                        to.as_str(),
                        reason
                    );
                }
            }
            TimelineKind::Scheduled(se) => {
                let what = match se {
                    SimEvent::Start(_) if t_us == 0 => continue,
                    SimEvent::Start(_) => "start",
                    SimEvent::Crash(_) => "crash",
                    SimEvent::Shutdown(_) => "stop",
                    _ => continue,
                };
                if o.json {
                    let _ = writeln!(
                        out,
                        "{{\"t_ms\":{},\"node\":{node},\"event\":\"{what}\"}}",
                        t_ms(t_us)
                    );
                } else {
                    let _ = writeln!(
                        out,
                        "{:>10.3}  {:>4}  {:<12}  -- {what} --",
                        t_us as f64 / 1e6,
                        node,
                        "*"
                    );
                }
            }
            _ => {}
        }
    }
    if !o.json {
        let _ = writeln!(out, "# at {:.3} s:", o.until.as_micros() as f64 / 1e6);
        for n in 0..nodes {
            let up = lan.is_up(n);
            for (i, inst) in lan.instances(n).iter().enumerate() {
                let st = if up { inst.state() } else { State::Stop };
                let vips = if up && st == State::Master {
                    inst.vips()
                        .iter()
                        .map(ToString::to_string)
                        .collect::<Vec<_>>()
                        .join(" ")
                } else {
                    String::new()
                };
                let _ = writeln!(
                    out,
                    "#   node {} {:<12} {:<7}{}{}",
                    n + 1,
                    names
                        .get(n)
                        .and_then(|v| v.get(i))
                        .map_or("?", String::as_str),
                    if up { st.as_str() } else { "DOWN" },
                    if vips.is_empty() { "" } else { " holds " },
                    vips
                );
            }
        }
    }
    (out, err, 0)
}

/// Milliseconds as a JSON number: an integer when whole, else with the
/// microsecond fraction.
fn t_ms(us: u64) -> serde_json::Value {
    if us.is_multiple_of(1000) {
        serde_json::Value::from(us / 1000)
    } else {
        serde_json::Value::from(us as f64 / 1000.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn node_at_parses() {
        let n: NodeAt = "2@1.5".parse().unwrap();
        assert_eq!(n.node, 2);
        assert_eq!(n.at, Instant::from_micros(1_500_000));
        assert!("0@1".parse::<NodeAt>().is_err());
        assert!("1".parse::<NodeAt>().is_err());
        assert!("1@-3".parse::<NodeAt>().is_err());
    }

    #[test]
    fn t_ms_formats() {
        assert_eq!(t_ms(3_000_000).to_string(), "3000");
        assert_eq!(t_ms(3_609_375).to_string(), "3609.375");
    }
}
