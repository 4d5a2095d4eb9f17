//! The two snapshots of [`Router::snapshot`]: the light one (metrics, SNMP,
//! systemd) is the full one (`vrrpd status`, SIGUSR1 dump) without each
//! instance's configuration.
#![allow(clippy::unwrap_used)]

use keepalived_conf::{LoadOptions, parse_str};
use vrrp_linux::Interface;

use super::*;
use crate::daemon::status::Detail;
use crate::spec::mapping::{SimResolver, map_config};

/// A router holding the instances of `text` on a host with eth0 (index 2),
/// built without starting them (no request reaches the kernel).
fn router_with(text: &str) -> Router {
    let p = parse_str("t.conf", text, &LoadOptions::default());
    let (mapped, _) = map_config(&p.config, &SimResolver { node: 1 });
    let mut host = HostView::default();
    host.links.insert(
        "eth0".into(),
        Interface {
            index: 2,
            name: "eth0".into(),
            mac: None,
            flags: 0,
            mtu: 1500,
            kind: None,
            parent_index: None,
        },
    );
    let mut router = Router::new(Rtnl::open().unwrap(), None, None, None, Clock::new());
    router.node = Node::new(Router::node_config(&mapped, &host).unwrap()).unwrap();
    router
}

#[tokio::test(flavor = "current_thread")]
async fn the_light_snapshot_is_the_full_one_without_the_configuration() {
    let router = router_with(
        "vrrp_instance A {\n interface eth0\n virtual_router_id 1\n priority 150\n\
         notify_master \"/bin/true master\"\n\
         virtual_ipaddress {\n 10.0.0.100\n 10.0.0.101\n }\n}\n\
         vrrp_instance B {\n interface eth0\n virtual_router_id 2\n\
         unicast_peer {\n 10.0.0.2\n }\n virtual_ipaddress {\n 10.0.0.102\n }\n}\n",
    );
    let light = router.snapshot(Detail::Light);
    let full = router.snapshot(Detail::Full);
    assert_eq!(light.instances.len(), 2);
    assert!(
        light.instances.iter().all(|i| i.config.is_none()),
        "a light snapshot carries no configuration"
    );
    assert!(full.instances.iter().all(|i| i.config.is_some()));
    let a = full.instances[0].config.as_ref().unwrap();
    assert_eq!(a.vips.len(), 2);
    assert_eq!(a.notify.get("master").map(Vec::len), Some(2));
    // Everything else is the same.
    let mut full = serde_json::to_value(&full).unwrap();
    for i in full["instances"].as_array_mut().unwrap() {
        assert!(i.as_object_mut().unwrap().remove("config").is_some());
    }
    assert_eq!(serde_json::to_value(&light).unwrap(), full);
}
