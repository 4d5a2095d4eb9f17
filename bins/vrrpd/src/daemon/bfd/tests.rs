//! BFD reports driven into a vrrp-core `Node` built from a configuration by
//! vrrpd's own mapping, the way the router feeds it (initial tracker states
//! before `Startup`, then `TrackerUp`/`TrackerDown` per report); the expected
//! priorities and states are keepalived 2.2.7's (vrrp_track.c
//! `initialise_track_bfd_state`, vrrp_scheduler.c `vrrp_handle_bfd_event`).

use super::*;
use crate::spec::mapping::{SimResolver, map_config};
use keepalived_conf::{LoadOptions, parse_str};
use vrrp_core::node::{InstanceSpec as NodeInstance, NodeConfig, Output};
use vrrp_core::time::Instant;
use vrrp_core::{Action, Node, State};

struct Harness {
    node: Node<Vec<TrackerSource>>,
    now: Instant,
    states: BfdStates,
    /// (instance name, from, to) of every state change, in order.
    changes: Vec<(String, State, State)>,
    /// (group name, to) of every group change.
    groups: Vec<(String, State)>,
}

impl Harness {
    fn new(conf: &str) -> Harness {
        let p = parse_str("t.conf", conf, &LoadOptions::default());
        let (m, diags) = map_config(&p.config, &SimResolver { node: 1 });
        assert!(
            !diags.iter().any(|d| d.is_error()),
            "{:?}",
            diags.iter().map(|d| &d.message).collect::<Vec<_>>()
        );
        let instances = m
            .instances
            .iter()
            .map(|s| NodeInstance::new(s.config.clone(), 2, s.trackers.clone()))
            .collect();
        let node =
            Node::new(NodeConfig::new(instances).with_sync_groups(m.sync_groups.clone())).unwrap();
        let mut h = Harness {
            node,
            now: Instant::from_secs(1),
            states: BfdStates::default(),
            changes: Vec::new(),
            groups: Vec::new(),
        };
        // as Router::start_instance: trackers from what is known, then Startup
        let ids: Vec<_> = h.node.ids().collect();
        for id in ids {
            let sources = h.node.data(id).unwrap().clone();
            let mut events: Vec<Event> = sources
                .iter()
                .enumerate()
                .map(|(k, s)| match s {
                    TrackerSource::Bfd(n) if !h.states.is_up(n) => Event::TrackerDown(k),
                    _ => Event::TrackerUp(k),
                })
                .collect();
            events.push(Event::Startup);
            h.node.handle_events(h.now, id, events);
        }
        h.drain();
        h
    }

    fn drain(&mut self) {
        while self.node.poll_transmit().is_some() {}
        while let Some(o) = self.node.poll_action() {
            match o {
                Output::Instance {
                    id,
                    action: Action::StateChanged { from, to, .. },
                } => {
                    let name = self.node.instance(id).unwrap().config().name.clone();
                    self.changes.push((name, from, to));
                }
                Output::GroupStateChanged { group, to, .. } => {
                    let name = self.node.sync_groups()[group].name().to_string();
                    self.groups.push((name, to));
                }
                _ => {}
            }
        }
    }

    /// What the router does with one report.
    fn report(&mut self, r: BfdReport) {
        if let Some(up) = self.states.record(&r) {
            let ids: Vec<_> = self.node.ids().collect();
            for id in ids {
                let evs = tracker_events(self.node.data(id).unwrap(), r.name(), up);
                if !evs.is_empty() {
                    self.node.handle_events(self.now, id, evs);
                }
            }
        }
        self.drain();
    }

    /// Lets `secs` of virtual time pass (no peers: a Backup becomes Master).
    fn run(&mut self, secs: u64) {
        let end = Instant::from_micros(self.now.as_micros() + secs * 1_000_000);
        for _ in 0..10_000 {
            match self.node.poll_timeout() {
                Some(t) if t <= end => {
                    self.now = t.max(self.now);
                    self.node.handle_timeout(self.now);
                    self.drain();
                }
                _ => break,
            }
        }
        self.now = end;
    }

    fn inst(&self, name: &str) -> (State, u8) {
        let i = self
            .node
            .instances()
            .iter()
            .find(|i| i.config().name == name)
            .unwrap();
        (i.state(), i.effective_priority())
    }
}

const BFD: &str = "bfd_instance b1 {\n neighbor_ip 192.0.2.2\n}\n\
                   bfd_instance b2 {\n neighbor_ip 192.0.2.3\n weight 10\n}\n\
                   bfd_instance b3 {\n neighbor_ip 192.0.2.4\n weight -20 reverse\n}\n";

fn instance(name: &str, vrid: u8, track: &str) -> String {
    format!(
        "vrrp_instance {name} {{\n interface eth0\n virtual_router_id {vrid}\n priority 100\n \
         advert_int 1\n track_bfd {{\n{track}\n }}\n virtual_ipaddress {{\n  10.0.0.{vrid}\n }}\n}}\n"
    )
}

#[test]
fn weight_zero_starts_in_fault_and_follows_the_session() {
    let mut h = Harness::new(&format!("{BFD}{}", instance("A", 1, "  b1")));
    h.run(5);
    assert_eq!(
        h.inst("A"),
        (State::Fault, 100),
        "a session is down at start"
    );
    // a Down before any Up changes nothing (vrrp_handle_bfd_event)
    h.report(BfdReport::Down("b1".into()));
    assert_eq!(h.inst("A").0, State::Fault);
    h.report(BfdReport::Up("b1".into()));
    assert_eq!(h.inst("A").0, State::Backup);
    h.run(5);
    assert_eq!(h.inst("A").0, State::Master);
    // a repeated Up, or a report for another session, changes nothing
    h.report(BfdReport::Up("b1".into()));
    h.report(BfdReport::Down("b9".into()));
    assert_eq!(h.inst("A").0, State::Master);
    h.report(BfdReport::Down("b1".into()));
    assert_eq!(h.inst("A").0, State::Fault);
    let a: Vec<(State, State)> = h.changes.iter().map(|c| (c.1, c.2)).collect();
    assert_eq!(
        a,
        [
            (State::Initialize, State::Fault),
            (State::Fault, State::Backup),
            (State::Backup, State::Master),
            (State::Master, State::Fault)
        ]
    );
}

#[test]
fn weights_and_reverse_move_the_priority_as_keepalived() {
    // (entry, priority while down at start, priority once Up)
    let cases = [
        ("b2", 100, 110),           // bfd_instance weight 10
        ("b2 weight -10", 90, 100), // negative: applied while down
        ("b2 weight 10 reverse", 100, 90),
        ("b3", 120, 100),          // bfd_instance weight -20 reverse
        ("b3 weight 15", 100, 85), // the bfd_instance's reverse is kept
        ("b3 weight 15 noreverse", 100, 115),
    ];
    for (entry, down, up) in cases {
        let mut h = Harness::new(&format!("{BFD}{}", instance("A", 1, &format!("  {entry}"))));
        h.run(5);
        assert_eq!(h.inst("A"), (State::Master, down), "{entry}: at start");
        let name = &entry[..2];
        h.report(BfdReport::Up(name.into()));
        assert_eq!(h.inst("A"), (State::Master, up), "{entry}: Up");
        h.report(BfdReport::Down(name.into()));
        assert_eq!(h.inst("A"), (State::Master, down), "{entry}: Down again");
    }
}

#[test]
fn weight_zero_reverse_faults_while_up() {
    let mut h = Harness::new(&format!(
        "{BFD}{}",
        instance("A", 1, "  b1 weight 0 reverse")
    ));
    h.run(5);
    assert_eq!(h.inst("A").0, State::Master);
    h.report(BfdReport::Up("b1".into()));
    assert_eq!(h.inst("A").0, State::Fault);
    h.report(BfdReport::Down("b1".into()));
    assert_eq!(h.inst("A").0, State::Backup);
}

#[test]
fn a_sync_group_follows_its_track_bfd_and_keeps_its_weights() {
    // group tracking: b1 (weight 0) puts the whole group in FAULT; b2 keeps
    // its weight 10 in the group; A's own weighted b3 is dropped (no
    // sync_group_tracking_weight), as vrrp.c does.
    let conf = format!(
        "{BFD}{}{}vrrp_sync_group G {{\n group {{\n  A\n  B\n }}\n track_bfd {{\n  b1\n  b2\n }}\n}}\n",
        instance("A", 1, "  b3"),
        "vrrp_instance B {\n interface eth0\n virtual_router_id 2\n priority 100\n advert_int 1\n \
         virtual_ipaddress {\n  10.0.0.2\n }\n}\n"
    );
    let mut h = Harness::new(&conf);
    h.run(5);
    assert_eq!(h.inst("A"), (State::Fault, 100));
    assert_eq!(h.inst("B"), (State::Fault, 100));
    h.report(BfdReport::Up("b2".into()));
    assert_eq!(h.inst("A"), (State::Fault, 110));
    assert_eq!(h.inst("B"), (State::Fault, 110));
    h.report(BfdReport::Up("b3".into()));
    assert_eq!(
        h.inst("A").1,
        110,
        "A's weighted b3 is not tracked in the group"
    );
    h.report(BfdReport::Up("b1".into()));
    h.run(5);
    assert_eq!(h.inst("A").0, State::Master);
    assert_eq!(h.inst("B").0, State::Master);
    h.report(BfdReport::Down("b1".into()));
    assert_eq!(h.inst("A").0, State::Fault);
    assert_eq!(h.inst("B").0, State::Fault);
    assert_eq!(
        h.groups.last().map(|g| (g.0.as_str(), g.1)),
        Some(("G", State::Fault))
    );
    assert!(
        h.groups.iter().any(|g| g.1 == State::Master),
        "{:?}",
        h.groups
    );
}

#[test]
fn a_session_never_run_keeps_its_tracker_down() {
    // no neighbor: keepalived's BFD process runs nothing, the VRRP side still
    // knows the name
    let conf = format!(
        "bfd_instance dead {{\n source_ip 192.0.2.1\n}}\n{}",
        instance("A", 1, "  dead")
    );
    let p = parse_str("t.conf", &conf, &LoadOptions::default());
    let (m, d) = map_config(&p.config, &SimResolver { node: 1 });
    assert!(m.bfd_sessions.is_empty());
    assert!(
        d.iter().any(|x| x.message.contains("stays down")),
        "{:?}",
        d.iter().map(|x| &x.message).collect::<Vec<_>>()
    );
    let mut h = Harness::new(&conf);
    h.run(5);
    assert_eq!(h.inst("A").0, State::Fault);
}

#[test]
fn states_are_kept_by_name_across_a_reload() {
    let mut s = BfdStates::default();
    assert_eq!(s.record(&BfdReport::Up("a".into())), Some(true));
    assert_eq!(s.record(&BfdReport::Up("b".into())), Some(true));
    assert_eq!(s.record(&BfdReport::Up("a".into())), None);
    let keep = |n: &str| BfdSpec::new(n, "192.0.2.1".parse().unwrap());
    s.retain(&[keep("a")]);
    assert_eq!(s.up_sessions(), ["a"]);
    assert!(!s.is_up("b"));
}

fn spec(name: &str, neighbor: &str, source: Option<&str>) -> BfdSpec {
    let s = BfdSpec::new(name, neighbor.parse().unwrap())
        .with_intervals(
            std::time::Duration::from_millis(50),
            std::time::Duration::from_millis(40),
        )
        .with_idle_tx(std::time::Duration::from_secs(2))
        .with_multiplier(3)
        .with_passive(true)
        .with_ttl(254)
        .with_max_hops(2);
    match source {
        Some(a) => s.with_source(a.parse().unwrap()),
        None => s,
    }
}

/// A session whose source address is not on this host is not run: the
/// error names it, its status says so, and nothing is reported for it.
#[tokio::test]
async fn a_session_that_cannot_bind_is_named_and_stays_down() {
    let (tx, mut rx) = mpsc::channel(4);
    let empty = start_sessions(&[], &tx).await;
    assert_eq!(empty.len(), 0);
    assert!(!empty.needs_retry());
    // 192.0.2.0/24 (TEST-NET-1) is on no interface here
    let mut s = BfdSessions::new(tx.clone());
    let errors = s
        .apply(&[spec("gw", "192.0.2.1", Some("192.0.2.200"))])
        .await;
    assert_eq!(errors.len(), 1);
    let text = errors[0].to_string();
    assert!(
        text.contains("BFD_Instance(gw)") && text.contains("192.0.2.200"),
        "{text}"
    );
    assert!(s.needs_retry());
    let st = s.status();
    assert_eq!(st.len(), 1);
    assert_eq!(st[0].name, "gw");
    assert!(!st[0].running);
    assert!(st[0].error.as_deref().is_some_and(|e| e.contains("bind")));
    assert!(rx.try_recv().is_err());
    s.shutdown().await;
}

/// Without a running transport every configured session reads as Down (what
/// a reload applies again, as keepalived's BFD process re-sends its states).
#[tokio::test]
async fn current_reports_say_down_for_sessions_not_up() {
    let (tx, _rx) = mpsc::channel(4);
    let mut s = BfdSessions::new(tx);
    s.apply(&[
        spec("a", "192.0.2.1", Some("192.0.2.201")),
        spec("b", "192.0.2.2", Some("192.0.2.202")),
    ])
    .await;
    assert_eq!(
        s.current_reports(),
        [BfdReport::Down("a".into()), BfdReport::Down("b".into())]
    );
    s.shutdown().await;
}
