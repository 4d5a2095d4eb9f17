use super::*;
use crate::mapping::map_config;
use keepalived_conf as kc;

fn vs(body: &str) -> VirtualServer {
    let text = format!(
        "virtual_server 10.1.0.1 80 {{\n lvs_sched rr\n lvs_method NAT\n protocol TCP\n{body}\n}}\n"
    );
    let parsed = kc::parse_str("t.conf", &text, &kc::LoadOptions::default());
    let m = map_config(&parsed.config);
    assert_eq!(m.desired.virtual_servers.len(), 1, "{:?}", m.diagnostics);
    m.desired.virtual_servers[0].clone()
}

const RS3: &str = "real_server 10.2.0.1 80 {\n weight 2\n notify_up \"/bin/up a\"\n notify_down \"/bin/down a\"\n TCP_CHECK {\n }\n }\n\
real_server 10.2.0.2 80 {\n weight 3\n TCP_CHECK {\n }\n }\n\
real_server 10.2.0.3 80 {\n weight 4\n TCP_CHECK {\n }\n }";

fn weights(p: &Pool) -> Vec<(String, i32)> {
    p.destinations(&p.vs.services[0].key)
        .iter()
        .map(|d| (d.addr.to_string(), d.weight))
        .collect()
}

#[test]
fn starts_alive_and_a_failure_removes_then_recovery_restores() {
    let mut p = Pool::new(vs(RS3), None);
    assert!(p.quorum_up);
    assert_eq!(
        weights(&p),
        [
            ("10.2.0.1".into(), 2),
            ("10.2.0.2".into(), 3),
            ("10.2.0.3".into(), 4)
        ]
    );
    let s = p.set_verdict(0, 0, Verdict::DOWN);
    assert_eq!(s.len(), 1);
    assert_eq!(s[0].argv, ["/bin/down", "a"]);
    assert_eq!(s[0].reason, "notify_down 10.2.0.1:80");
    assert_eq!(weights(&p).len(), 2);
    // Repeated down: no second notify.
    assert!(p.set_verdict(0, 0, Verdict::DOWN).is_empty());
    let s = p.set_verdict(0, 0, Verdict::UP);
    assert_eq!(s[0].argv, ["/bin/up", "a"]);
    assert_eq!(weights(&p).len(), 3);
}

#[test]
fn inhibit_on_failure_keeps_weight_zero() {
    let mut p = Pool::new(vs(&format!("inhibit_on_failure\n{RS3}")), None);
    p.set_verdict(1, 0, Verdict::DOWN);
    assert_eq!(
        weights(&p),
        [
            ("10.2.0.1".into(), 2),
            ("10.2.0.2".into(), 0),
            ("10.2.0.3".into(), 4)
        ]
    );
}

#[test]
fn alpha_starts_down_and_reports_the_first_failure() {
    let mut p = Pool::new(vs(&format!("alpha\n{RS3}")), None);
    assert!(weights(&p).is_empty());
    assert!(!p.quorum_up);
    let s = p.set_verdict(0, 0, Verdict::DOWN);
    assert_eq!(
        s.len(),
        1,
        "first failure after alpha start runs notify_down"
    );
    assert!(p.set_verdict(0, 0, Verdict::DOWN).is_empty());
    p.set_verdict(1, 0, Verdict::UP);
    assert!(p.quorum_up);
    assert_eq!(weights(&p), [("10.2.0.2".into(), 3)]);
}

#[test]
fn all_checkers_must_pass() {
    let mut p = Pool::new(
        vs("real_server 10.2.0.1 80 {\n TCP_CHECK {\n }\n HTTP_GET {\n url {\n path /\n }\n }\n }"),
        None,
    );
    p.set_verdict(0, 1, Verdict::DOWN);
    assert!(weights(&p).is_empty());
    p.set_verdict(0, 0, Verdict::UP);
    assert!(weights(&p).is_empty());
    p.set_verdict(0, 1, Verdict::UP);
    assert_eq!(weights(&p).len(), 1);
}

#[test]
fn dynamic_weight_deltas_add_up_and_clamp() {
    let mut p = Pool::new(vs(RS3), None);
    p.set_verdict(
        2,
        0,
        Verdict {
            up: true,
            weight_delta: 6,
        },
    );
    assert_eq!(weights(&p)[2].1, 10);
    p.set_verdict(
        2,
        0,
        Verdict {
            up: true,
            weight_delta: -100,
        },
    );
    assert_eq!(weights(&p)[2].1, 0);
}

#[test]
fn quorum_hysteresis_sorry_server_and_scripts() {
    // weights 2+3+4 = 9; quorum 6, hysteresis 2: down below 4, up at 8.
    let mut p = Pool::new(
        vs(&format!(
            "quorum 6\n hysteresis 2\n quorum_up /bin/qup\n quorum_down /bin/qdown\n sorry_server 10.3.0.1 8080\n{RS3}"
        )),
        None,
    );
    assert!(p.quorum_up);
    assert!(
        p.set_verdict(2, 0, Verdict::DOWN)
            .iter()
            .all(|s| s.argv != ["/bin/qdown"])
    ); // 5
    assert!(p.quorum_up, "5 >= 6-2");
    let s = p.set_verdict(1, 0, Verdict::DOWN); // 2 < 4
    assert_eq!(s.last().unwrap().argv, ["/bin/qdown"]);
    assert!(!p.quorum_up && p.sorry_active());
    assert_eq!(weights(&p), [("10.3.0.1".into(), 1)]);
    let s = p.set_verdict(1, 0, Verdict::UP); // 5 < 8: still down
    assert!(s.iter().all(|s| s.argv != ["/bin/qup"]));
    assert!(!p.quorum_up);
    let s = p.set_verdict(2, 0, Verdict::UP); // 9 >= 8
    assert_eq!(s.last().unwrap().argv, ["/bin/qup"]);
    assert_eq!(weights(&p).len(), 3);
}

#[test]
fn sorry_server_inhibit_and_inhibited_real_servers_during_sorry() {
    let mut p = Pool::new(
        vs(
            "sorry_server 10.3.0.1\n sorry_server_inhibit\n real_server 10.2.0.1 80 {\n inhibit_on_failure\n TCP_CHECK {\n }\n }",
        ),
        None,
    );
    assert_eq!(
        weights(&p),
        [("10.2.0.1".into(), 1), ("10.3.0.1".into(), 0)]
    );
    p.set_verdict(0, 0, Verdict::DOWN);
    assert_eq!(
        weights(&p),
        [("10.2.0.1".into(), 0), ("10.3.0.1".into(), 1)]
    );
    // The sorry server takes the service's port when it has none.
    assert_eq!(p.destinations(&p.vs.services[0].key)[1].port, 80);
}

#[test]
fn reload_keeps_verdicts_of_unchanged_checkers_and_the_quorum() {
    let mut p = Pool::new(vs(&format!("quorum 9\n{RS3}")), None);
    p.set_verdict(0, 0, Verdict::DOWN);
    assert!(!p.quorum_up);
    // Same servers, lines moved, a new fourth server; RS 3's checker changed.
    let text = format!(
        "\n\nquorum 9\n{}\nreal_server 10.2.0.4 80 {{\n }}",
        RS3.replace(
            "weight 4\n TCP_CHECK {\n }",
            "weight 4\n TCP_CHECK {\n connect_timeout 2\n }"
        )
    );
    let q = Pool::new(vs(&text), Some(&p));
    assert!(!q.rs[0].alive, "verdict kept");
    assert!(q.rs[1].alive && q.rs[2].alive && q.rs[3].alive);
    // 3+4+1 = 8 < 9: still down (state kept, not recomputed as at start).
    assert!(!q.quorum_up);
}
