use super::*;
use ipvs_sys::{ForwardMethod, Protocol};

fn svc(port: u16, sched: &str) -> Service {
    Service::new(
        ServiceKey::Inet {
            protocol: Protocol::Tcp,
            addr: "10.1.0.1".parse().unwrap(),
            port,
        },
        sched,
    )
}

fn dest(last: u8, weight: i32) -> Destination {
    let mut d = Destination::new(
        format!("10.2.0.{last}").parse().unwrap(),
        80,
        ForwardMethod::Masq,
    );
    d.weight = weight;
    d
}

fn managed(ds: &[u8]) -> HashSet<DestKey> {
    ds.iter()
        .map(|l| (format!("10.2.0.{l}").parse().unwrap(), 80))
        .collect()
}

fn names(ops: &[Op]) -> Vec<String> {
    ops.iter().map(ToString::to_string).collect()
}

#[test]
fn creates_what_is_missing() {
    let mut r = Reconciler::new(vec![]);
    let ops = r.sync_service(&svc(80, "rr"), &[dest(1, 1), dest(2, 3)], &managed(&[1, 2]));
    assert_eq!(
        names(&ops),
        [
            "add service TCP 10.1.0.1:80 rr",
            "add 10.2.0.1:80 w1 to TCP 10.1.0.1:80",
            "add 10.2.0.2:80 w3 to TCP 10.1.0.1:80"
        ]
    );
    // Idempotent.
    assert!(
        r.sync_service(&svc(80, "rr"), &[dest(1, 1), dest(2, 3)], &managed(&[1, 2]))
            .is_empty()
    );
}

#[test]
fn adopts_matching_entries_without_requests_and_edits_differences_in_place() {
    let mut kernel_svc = svc(80, "rr");
    kernel_svc.flags = ServiceFlags::HASHED;
    let mut r = Reconciler::new(vec![KernelService::new(
        kernel_svc,
        vec![dest(1, 1), dest(2, 5)],
    )]);
    let ops = r.sync_service(&svc(80, "rr"), &[dest(1, 1), dest(2, 3)], &managed(&[1, 2]));
    assert_eq!(names(&ops), ["edit 10.2.0.2:80 w3 in TCP 10.1.0.1:80"]);
    let ops = r.sync_service(
        &svc(80, "wlc"),
        &[dest(1, 1), dest(2, 3)],
        &managed(&[1, 2]),
    );
    assert_eq!(names(&ops), ["edit service TCP 10.1.0.1:80 wlc"]);
}

#[test]
fn leaves_foreign_services_and_destinations_alone() {
    let foreign = KernelService::new(svc(443, "rr"), vec![dest(9, 1)]);
    let ours = KernelService::new(svc(80, "rr"), vec![dest(1, 1), dest(7, 1)]);
    let mut r = Reconciler::new(vec![foreign, ours]);
    // 10.2.0.7 is not one of our real servers: kept although not desired.
    let ops = r.sync_service(&svc(80, "rr"), &[], &managed(&[1]));
    assert_eq!(names(&ops), ["delete 10.2.0.1:80 w1 from TCP 10.1.0.1:80"]);
    assert!(!r.owns(&svc(443, "rr").key));
    assert!(
        r.shutdown().is_empty(),
        "adopted service, adopted dests: nothing of ours to remove"
    );
    assert_eq!(r.kernel().len(), 2);
}

#[test]
fn health_changes_touch_only_the_changed_destination() {
    let mut r = Reconciler::new(vec![]);
    let m = managed(&[1, 2, 3]);
    r.sync_service(&svc(80, "rr"), &[dest(1, 1), dest(2, 1), dest(3, 1)], &m);
    let ops = r.sync_service(&svc(80, "rr"), &[dest(1, 1), dest(3, 1)], &m);
    assert_eq!(names(&ops), ["delete 10.2.0.2:80 w1 from TCP 10.1.0.1:80"]);
    let ops = r.sync_service(&svc(80, "rr"), &[dest(1, 1), dest(2, 0), dest(3, 1)], &m);
    assert_eq!(names(&ops), ["add 10.2.0.2:80 w0 to TCP 10.1.0.1:80"]);
}

#[test]
fn removed_real_servers_we_added_go_even_when_no_longer_managed() {
    let mut r = Reconciler::new(vec![]);
    r.sync_service(&svc(80, "rr"), &[dest(1, 1), dest(2, 1)], &managed(&[1, 2]));
    // Reload dropped 10.2.0.2 from the config.
    let ops = r.sync_service(&svc(80, "rr"), &[dest(1, 1)], &managed(&[1]));
    assert_eq!(names(&ops), ["delete 10.2.0.2:80 w1 from TCP 10.1.0.1:80"]);
}

#[test]
fn shutdown_removes_created_services_and_our_destinations_in_adopted_ones() {
    let adopted = KernelService::new(svc(443, "rr"), vec![dest(1, 1)]);
    let mut r = Reconciler::new(vec![adopted]);
    r.sync_service(&svc(80, "rr"), &[dest(1, 1)], &managed(&[1]));
    r.sync_service(
        &svc(443, "rr"),
        &[dest(1, 1), dest(2, 1)],
        &managed(&[1, 2]),
    );
    let ops = r.shutdown();
    assert_eq!(
        names(&ops),
        [
            "delete 10.2.0.2:80 w1 from TCP 10.1.0.1:443",
            "delete service TCP 10.1.0.1:80"
        ]
    );
}

#[test]
fn removing_a_service_after_reload_and_owned_except() {
    let mut r = Reconciler::new(vec![]);
    r.sync_service(&svc(80, "rr"), &[], &managed(&[]));
    r.sync_service(&svc(81, "rr"), &[], &managed(&[]));
    let keep: HashSet<ServiceKey> = [svc(80, "rr").key].into();
    let gone = r.owned_except(&keep);
    assert_eq!(gone, [svc(81, "rr").key]);
    assert_eq!(
        names(&r.remove_service(&gone[0])),
        ["delete service TCP 10.1.0.1:81"]
    );
    assert!(r.remove_service(&gone[0]).is_empty());
}

#[test]
fn persistence_only_compared_for_persistent_services() {
    let mut have = svc(80, "rr");
    have.timeout = 0;
    have.netmask = 0;
    assert!(service_matches(&have, &svc(80, "rr")));
    let mut want = svc(80, "rr");
    want.flags = ServiceFlags::PERSISTENT;
    want.timeout = 300;
    assert!(!service_matches(&have, &want));
}

#[test]
fn refresh_after_a_vanished_service_recreates_it() {
    let mut r = Reconciler::new(vec![]);
    r.sync_service(&svc(80, "rr"), &[dest(1, 1)], &managed(&[1]));
    r.refresh(svc(80, "rr").key, None);
    let ops = r.sync_service(&svc(80, "rr"), &[dest(1, 1)], &managed(&[1]));
    assert_eq!(ops.len(), 2);
    assert_eq!(names(&r.shutdown()), ["delete service TCP 10.1.0.1:80"]);
}
