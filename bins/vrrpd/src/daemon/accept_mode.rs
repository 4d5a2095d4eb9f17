//! Accept_Mode = False (RFC 9568 §6.1): a Master that is not the address
//! owner drops packets addressed to its VIPs, with the nftables rules
//! keepalived 2.2.7 installs ([`keepalived_nft::Firewall`]).
//!
//! The order is keepalived's (vrrp.c):
//!
//! - `vrrp_state_become_master` calls `vrrp_handle_accept_mode(ADD)`
//!   *before* the VIPs are added: [`AcceptFirewall::become_master`] changes
//!   the drop set, then awaits the installation;
//! - `vrrp_restore_interface` (leaving Master, fault, stop) calls it with DEL
//!   *after* the VIPs are removed: [`AcceptFirewall::leave_master`] awaits
//!   the removal, then changes the drop set;
//! - on reload, `clear_diff_vrrp_vip` adds or removes the whole set when the
//!   accept mode flips while Master, before `restore_vrrp_state` reconciles
//!   the VIPs: the reload calls [`AcceptFirewall::become_master`] again for
//!   a Master, which makes both changes before the reconciliation;
//! - `check_and_delete_tables` when the first table is about to be made
//!   (`nft_setup_ipv4` / `nft_setup_ipv6`: the first drop or the first
//!   VMAC, not at start; a table of our name, ours from a killed run or
//!   someone else's, stays until then) and `nft_cleanup` at exit
//!   ([`AcceptFirewall::shutdown`]);
//! - a VMAC's rules when it is created, in any state and accept mode
//!   (`firewall_add_vmac`, [`AcceptFirewall::add_vmac`]), its elements
//!   removed with it (`firewall_remove_vmac`).
//!
//! Link-local IPv6 VIPs are keyed by the interface they live on
//! ([`targets`], `nft_update_ipv6_address`).
//!
//! A firewall error is logged at ERROR with the instance and the VIPs are
//! still added, as keepalived does (`nft_update_addresses` logs and
//! `vrrp_state_become_master` goes on): a Master that does not take its
//! VIPs would leave the virtual router without one, which is worse than a
//! Master that accepts traffic it should drop.

use std::collections::BTreeMap;
use std::future::Future;
use std::net::IpAddr;

use keepalived_nft::ruleset::Request;
use keepalived_nft::{Family, Firewall, LinkKey, NftError, NftSocket, Settings, Target, Transport};

use crate::spec::accept::AcceptReason;
use crate::spec::mapping::{InstanceSpec, VipSpec};
use tracing::{error, info, warn};

/// Opens the transport (the kernel's nftables socket, or a test's stand-in).
pub type Opener = Box<dyn FnMut() -> Result<Box<dyn Transport + Send>, NftError> + Send>;

/// A boxed transport as a [`Transport`].
struct Boxed(Box<dyn Transport + Send>);

impl Transport for Boxed {
    fn send_batch(&mut self, requests: &[Request]) -> Result<(), NftError> {
        self.0.send_batch(requests)
    }
}

/// The daemon's drop rules: one [`Firewall`], opened when an instance needs
/// it, and the addresses each instance has put in it.
pub struct AcceptFirewall {
    open: Opener,
    fw: Option<Firewall<Boxed>>,
    /// Instance name → the addresses it drops now.
    held: BTreeMap<String, Vec<Target>>,
    /// A table of our name left by someone else is still to be deleted
    /// (before our first table is made).
    stale_pending: bool,
    /// Batches the kernel refused (or a socket that could not be opened)
    /// since start.
    failures: u64,
    /// The last error, per instance ("" for none in particular).
    errors: BTreeMap<String, String>,
}

impl Default for AcceptFirewall {
    /// On the kernel's nftables socket (opened by [`Self::configure`]).
    fn default() -> Self {
        Self::new(Box::new(|| {
            NftSocket::new().map(|s| Box::new(s) as Box<dyn Transport + Send>)
        }))
    }
}

impl AcceptFirewall {
    /// A firewall whose transport `open` makes, when first needed.
    pub fn new(open: Opener) -> Self {
        Self {
            open,
            fw: None,
            held: BTreeMap::new(),
            stale_pending: false,
            failures: 0,
            errors: BTreeMap::new(),
        }
    }

    /// At start and on reload: when an instance `needs` it and nothing is
    /// open yet, opens the transport; a table of our name left by an
    /// earlier run is deleted later, right before our first table is made
    /// ([`Self::remove_stale_once`]). On an open
    /// firewall a reload's priority, counters and `nftables_ifindex` apply
    /// to what is created from then on, as in keepalived
    /// ([`Firewall::update_settings`]); the table name stays (a reload
    /// changing it is refused before this, [`table_change_refused`]).
    pub fn configure(&mut self, settings: &Settings, needs: bool) {
        if let Some(fw) = &mut self.fw {
            if fw.settings().table != settings.table {
                warn!(
                    table = %fw.settings().table,
                    "nftables: the table name cannot change at a reload; keeping it"
                );
            }
            if fw.update_settings(settings) {
                info!(
                    "nftables: the new priority, counters and nftables_ifindex apply to rules \
                     and elements added from now on; existing rules keep theirs"
                );
            }
            return;
        }
        if !needs {
            return;
        }
        let transport = match (self.open)() {
            Ok(t) => t,
            Err(e) => {
                error!("{e}: accept mode (no_accept / strict) and the VMAC rules are not enforced");
                self.failed("", &e);
                return;
            }
        };
        self.fw = Some(Firewall::new(settings.clone(), Boxed(transport)));
        self.stale_pending = true;
    }

    /// Before the first table is made: deletes the tables of our name in
    /// both families, whoever made them (vrrp_nftables.c
    /// `check_and_delete_tables`, called from `nft_setup_ipv4` /
    /// `nft_setup_ipv6` when neither family's table is set up yet). A
    /// restarted daemon that stays Backup leaves a killed run's table, with
    /// its elements, as keepalived does.
    fn remove_stale_once(&mut self) {
        let Some(fw) = &mut self.fw else { return };
        if !self.stale_pending || fw.has_tables() {
            return;
        }
        self.stale_pending = false;
        info!(table = %fw.settings().table, "deleting an old nftables table of our name, if any");
        if let Err(e) = fw.remove_stale() {
            error!(
                "removing a stale nftables table {}: {e}",
                fw.settings().table
            );
            self.failed("", &e);
        }
    }

    /// Counts a failure and keeps it as `instance`'s last error.
    fn failed(&mut self, instance: &str, e: &NftError) {
        self.failures += 1;
        self.errors.insert(instance.to_string(), e.to_string());
    }

    /// The table name, once the firewall is open.
    pub fn table(&self) -> Option<&str> {
        self.fw.as_ref().map(|f| f.settings().table.as_str())
    }

    /// Batches refused (or sockets not opened) since start.
    pub fn failures(&self) -> u64 {
        self.failures
    }

    /// The last firewall error of `instance` ("" for one that concerns no
    /// instance in particular: opening the socket, deleting a stale table).
    pub fn last_error(&self, instance: &str) -> Option<&str> {
        self.errors.get(instance).map(String::as_str)
    }

    /// Whether link-local VIPs are keyed by interface index only
    /// (`nftables_ifindex`), as the open firewall was configured.
    pub fn ifindex_only(&self) -> bool {
        self.fw.as_ref().is_some_and(|f| f.settings().ifindex)
    }

    /// The addresses `instance` drops now.
    pub fn held(&self, instance: &str) -> &[Target] {
        self.held.get(instance).map_or(&[], Vec::as_slice)
    }

    /// `instance` becomes (or, on reload, stays) Master and must drop
    /// `drop`: the drop set changes first, then `install` adds the VIPs
    /// (`vrrp_state_become_master`; `clear_diff_vrrp_vip` on reload).
    pub async fn become_master(
        &mut self,
        instance: &str,
        reason: AcceptReason,
        drop: &[Target],
        install: impl Future<Output = ()>,
    ) {
        let held = self.held(instance).to_vec();
        let gone: Vec<Target> = held.iter().filter(|a| !drop.contains(a)).cloned().collect();
        self.release(instance, &gone);
        let new: Vec<Target> = drop.iter().filter(|a| !held.contains(a)).cloned().collect();
        if !new.is_empty() {
            self.remove_stale_once();
        }
        if let (false, Some(fw)) = (new.is_empty(), &mut self.fw) {
            info!(
                instance,
                reason = reason.as_str(),
                table = %fw.settings().table,
                "setting firewall drop rule: accept mode off"
            );
            let result = fw.add(&new);
            // Addresses another instance drops were skipped but count.
            let added: Vec<Target> = new
                .iter()
                .filter(|a| fw.dropped().any(|d| d == *a))
                .cloned()
                .collect();
            if let Err(e) = result {
                error!(instance, "{e}: traffic to the VIPs is accepted");
                self.failed(instance, &e);
            }
            self.held
                .entry(instance.to_string())
                .or_default()
                .extend(added);
        }
        install.await;
    }

    /// `instance` leaves Master (Backup, Fault, stop, retired): `uninstall`
    /// removes the VIPs, then the drop set loses them
    /// (`vrrp_restore_interface`). The table stays.
    pub async fn leave_master(&mut self, instance: &str, uninstall: impl Future<Output = ()>) {
        uninstall.await;
        let held = self.held(instance).to_vec();
        self.release(instance, &held);
    }

    /// Stops `instance` dropping `addrs`; an address another instance still
    /// drops (a VIP shared by two instances) stays in the set.
    fn release(&mut self, instance: &str, addrs: &[Target]) {
        if addrs.is_empty() {
            return;
        }
        if let Some(h) = self.held.get_mut(instance) {
            h.retain(|a| !addrs.contains(a));
            if h.is_empty() {
                self.held.remove(instance);
            }
        }
        let unused: Vec<Target> = addrs
            .iter()
            .filter(|a| !self.held.values().flatten().any(|h| h == *a))
            .cloned()
            .collect();
        if let (false, Some(fw)) = (unused.is_empty(), &mut self.fw) {
            info!(instance, "removing firewall drop rule");
            if let Err(e) = fw.remove(&unused) {
                error!(instance, "{e}: the VIPs stay dropped");
                self.failed(instance, &e);
            }
        }
    }

    /// The VMAC `vmac` of `instance` on `parent` was created: its IGMP
    /// (IPv4) / MLD (IPv6) reports are re-sent from the parent and its
    /// router solicitations dropped, in each of `families`, whatever the
    /// state and accept mode (vrrp_vmac.c `netlink_link_add_vmac` →
    /// `firewall_add_vmac`).
    pub fn add_vmac(&mut self, instance: &str, families: &[Family], vmac: u32, parent: u32) {
        self.remove_stale_once();
        let Some(fw) = &mut self.fw else { return };
        let mut errors = Vec::new();
        for &f in families {
            if let Err(e) = fw.add_vmac(f, vmac, parent) {
                error!(instance, "{e}: the VMAC's IGMP/MLD reports are not re-sent");
                errors.push(e);
            }
        }
        for e in errors {
            self.failed(instance, &e);
        }
    }

    /// The VMAC `vmac` of `instance` was removed (`firewall_remove_vmac`);
    /// the rules stay.
    pub fn remove_vmac(&mut self, instance: &str, families: &[Family], vmac: u32) {
        let Some(fw) = &mut self.fw else { return };
        let mut errors = Vec::new();
        for &f in families {
            if let Err(e) = fw.remove_vmac(f, vmac) {
                error!(instance, "removing the VMAC from the nftables map: {e}");
                errors.push(e);
            }
        }
        for e in errors {
            self.failed(instance, &e);
        }
    }

    /// At exit: deletes our tables (keepalived's `nft_cleanup`).
    pub fn shutdown(&mut self) {
        self.held.clear();
        if let Some(mut fw) = self.fw.take()
            && let Err(e) = fw.shutdown()
        {
            error!("deleting the nftables table {}: {e}", fw.settings().table);
        }
    }
}

/// keepalived (main.c `reload_config`) refuses a whole reload whose written
/// table name (`nftables [TABLE]`, or `vrrp_iptables` / `vrrp_ipsets` in a
/// build without iptables) differs from the running one, logging this text.
pub fn table_change_refused(running: &Option<String>, new: &Option<String>) -> Option<String> {
    (running != new)
        .then(|| "Cannot change nftables table name at a reload - please restart vrrpd".to_string())
}

/// Where a VIP lives, as the router resolved it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VipLink {
    /// The interface index the VIP is installed on.
    pub ifindex: u32,
    /// That interface's name, when known.
    pub name: Option<String>,
    /// Whether it is the instance's own interface (its VMAC with
    /// `use_vmac`).
    pub own: bool,
}

/// The drop set entries of `spec`'s `drop_vips` (keepalived's
/// `nft_update_ipv6_address`): a global address as itself; a link-local
/// IPv6 one with the interface it lives on (`link`), by name when the
/// instance has `dont_track_primary`, `nftables_ifindex` (`ifindex_only`)
/// is off and the VIP is on the instance's own interface or has its own
/// `no_track` (on any interface), else by index.
pub fn targets<C>(
    spec: &InstanceSpec<C>,
    ifindex_only: bool,
    link: impl Fn(&VipSpec) -> VipLink,
) -> Vec<Target> {
    spec.drop_vips
        .iter()
        .map(|a| match a {
            IpAddr::V6(a6) if a6.is_unicast_link_local() => {
                let vip = spec
                    .vips
                    .iter()
                    .chain(&spec.excluded_vips)
                    .find(|v| v.prefix.addr == *a);
                let by_name = spec.dont_track_primary && !ifindex_only;
                let key = match vip.map(|v| (v.no_track, link(v))) {
                    Some((
                        no_track,
                        VipLink {
                            name: Some(name),
                            own,
                            ..
                        },
                    )) if by_name && (own || no_track) => LinkKey::Name(name),
                    Some((_, l)) => LinkKey::Index(l.ifindex),
                    None => LinkKey::Index(0),
                };
                Target::LinkLocal(*a6, key)
            }
            _ => Target::Global(*a),
        })
        .collect()
}

/// The families of an instance's VMAC rules: its own, and the other when
/// an excluded VIP is of it (vrrp.c `VRRP_FLAG_EVIP_OTHER_FAMILY`).
pub fn vmac_families<C>(spec: &InstanceSpec<C>, family: vrrp_core::packet::Family) -> Vec<Family> {
    let own = match family {
        vrrp_core::packet::Family::V4 => Family::Ipv4,
        vrrp_core::packet::Family::V6 => Family::Ipv6,
    };
    let mut out = vec![own];
    if spec
        .excluded_vips
        .iter()
        .any(|v| Family::of(&v.prefix.addr) != own)
    {
        out.push(match own {
            Family::Ipv4 => Family::Ipv6,
            Family::Ipv6 => Family::Ipv4,
        });
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::{Arc, Mutex};

    type Log = Arc<Mutex<Vec<String>>>;

    /// Records each batch as `nft` + the kinds of its requests.
    struct Recorder(Log, bool);

    impl Transport for Recorder {
        fn send_batch(&mut self, requests: &[Request]) -> Result<(), NftError> {
            if self.1 {
                return Err(NftError::Refused {
                    index: 0,
                    what: "add table",
                    errno: 1,
                });
            }
            let kinds: Vec<String> = requests
                .iter()
                .map(|r| {
                    let d = format!("{:?}", r.message);
                    d.split('(').next().unwrap_or_default().to_string()
                })
                .collect();
            self.0
                .lock()
                .unwrap()
                .push(format!("nft {}", kinds.join(" ")));
            Ok(())
        }
    }

    fn firewall(refuse: bool) -> (AcceptFirewall, Log) {
        let log = Log::default();
        let l = Arc::clone(&log);
        let fw = AcceptFirewall::new(Box::new(move || {
            Ok(Box::new(Recorder(Arc::clone(&l), refuse)) as Box<dyn Transport + Send>)
        }));
        (fw, log)
    }

    fn ips(s: &[&str]) -> Vec<Target> {
        s.iter()
            .map(|a| Target::Global(a.parse().unwrap()))
            .collect()
    }

    fn step(log: &Log, what: &str) -> impl Future<Output = ()> {
        let log = Arc::clone(log);
        let what = what.to_string();
        async move { log.lock().unwrap().push(what) }
    }

    fn take(log: &Log) -> Vec<String> {
        std::mem::take(&mut *log.lock().unwrap())
    }

    fn block_on(f: impl Future<Output = ()>) {
        tokio::runtime::Builder::new_current_thread()
            .build()
            .unwrap()
            .block_on(f);
    }

    /// vrrp_state_become_master: the drop rule before the VIPs;
    /// vrrp_restore_interface: after them; nft_cleanup at exit.
    #[test]
    fn keepalived_order() {
        let (mut fw, log) = firewall(false);
        fw.configure(&Settings::default(), false);
        assert!(
            take(&log).is_empty(),
            "nothing opened when no instance needs it"
        );
        fw.configure(&Settings::default(), true);
        assert!(
            take(&log).is_empty(),
            "a stale table stays until the first table is made"
        );
        block_on(async {
            let vip = ips(&["10.0.0.1"]);
            fw.become_master("A", AcceptReason::NoAccept, &vip, step(&log, "add VIPs"))
                .await;
            let l = take(&log);
            assert_eq!(l.len(), 4, "{l:?}");
            assert_eq!(
                l[..2],
                ["nft NewTable DeleteTable", "nft NewTable DeleteTable"],
                "a stale table of each family deleted before ours is made"
            );
            assert!(l[2].starts_with("nft NewTable ") && l[2].ends_with(" NewSetElement"));
            assert_eq!(l[3], "add VIPs");
            fw.leave_master("A", step(&log, "remove VIPs")).await;
            assert_eq!(take(&log), ["remove VIPs", "nft DeleteSetElement"]);
            // Backup to Master again: the table is still there.
            fw.become_master("A", AcceptReason::NoAccept, &vip, step(&log, "add VIPs"))
                .await;
            assert_eq!(take(&log), ["nft NewSetElement", "add VIPs"]);
        });
        fw.shutdown();
        assert_eq!(take(&log), ["nft DeleteTable"]);
    }

    /// The address owner or an accept instance has nothing to drop: no
    /// batch, the VIPs go in all the same.
    #[test]
    fn nothing_to_drop_sends_nothing() {
        let (mut fw, log) = firewall(false);
        fw.configure(&Settings::default(), true);
        take(&log);
        block_on(async {
            fw.become_master("owner", AcceptReason::NoAccept, &[], step(&log, "add VIPs"))
                .await;
            fw.leave_master("owner", step(&log, "remove VIPs")).await;
        });
        assert_eq!(take(&log), ["add VIPs", "remove VIPs"]);
    }

    /// Reload flipping accept mode while Master: the set changes before the
    /// VIPs are reconciled (clear_diff_vrrp_vip before restore_vrrp_state).
    #[test]
    fn reload_flips_accept_mode_while_master() {
        let (mut fw, log) = firewall(false);
        fw.configure(&Settings::default(), true);
        block_on(async {
            fw.become_master("A", AcceptReason::NoAccept, &ips(&["10.0.0.1"]), async {})
                .await;
            take(&log);
            fw.become_master(
                "A",
                AcceptReason::NoAccept,
                &[],
                step(&log, "reconcile VIPs"),
            )
            .await;
            assert_eq!(take(&log), ["nft DeleteSetElement", "reconcile VIPs"]);
            assert!(fw.held("A").is_empty());
            fw.become_master(
                "A",
                AcceptReason::NoAccept,
                &ips(&["10.0.0.1"]),
                step(&log, "reconcile VIPs"),
            )
            .await;
            assert_eq!(take(&log), ["nft NewSetElement", "reconcile VIPs"]);
        });
    }

    /// A VIP two instances share stays dropped while one of them is Master.
    #[test]
    fn a_shared_vip_stays_while_an_instance_drops_it() {
        let (mut fw, log) = firewall(false);
        fw.configure(&Settings::default(), true);
        block_on(async {
            fw.become_master(
                "A",
                AcceptReason::NoAccept,
                &ips(&["10.0.0.1", "10.0.0.2"]),
                async {},
            )
            .await;
            fw.become_master("B", AcceptReason::NoAccept, &ips(&["10.0.0.1"]), async {})
                .await;
            take(&log);
            fw.leave_master("A", async {}).await;
            assert_eq!(take(&log), ["nft DeleteSetElement"], "10.0.0.2 only");
            assert_eq!(fw.held("B"), ips(&["10.0.0.1"]));
            fw.leave_master("B", async {}).await;
            assert_eq!(take(&log), ["nft DeleteSetElement"]);
        });
    }

    /// A refused batch is logged; the VIPs are still installed and nothing
    /// is recorded as dropped.
    #[test]
    fn a_firewall_error_still_installs_the_vips() {
        let (mut fw, log) = firewall(true);
        fw.configure(&Settings::default(), true);
        block_on(async {
            fw.become_master(
                "A",
                AcceptReason::NoAccept,
                &ips(&["10.0.0.1"]),
                step(&log, "add VIPs"),
            )
            .await;
            assert!(fw.held("A").is_empty());
            fw.leave_master("A", step(&log, "remove VIPs")).await;
        });
        // The stale-table batch and the drop batch were refused.
        assert_eq!(fw.failures(), 2);
        assert!(fw.last_error("A").is_some_and(|e| e.contains("add table")));
        assert!(fw.last_error("B").is_none());
        assert_eq!(fw.table(), Some("keepalived"));
        fw.shutdown();
        assert_eq!(take(&log), ["add VIPs", "remove VIPs"]);
    }

    /// nft_update_ipv6_address: a link-local VIP is keyed by the interface
    /// it lives on, by name only with dont_track_primary, without
    /// nftables_ifindex, and on the instance's own interface or with the
    /// VIP's own no_track (then on any interface).
    #[test]
    fn link_local_vips_are_keyed_as_keepalived_keys_them() {
        use crate::spec::mapping::{SimResolver, map_config};
        let text = "vrrp_instance A {\n interface eth0\n virtual_router_id 1\n no_accept\n \
                    dont_track_primary\n virtual_ipaddress {\n fe80::33\n fe80::34 dev eth1\n \
                    fe80::35 dev eth1 no_track\n fd00::33\n }\n}\n";
        let p = keepalived_conf::parse_str("t.conf", text, &Default::default());
        let (m, _) = map_config(&p.config, &SimResolver { node: 1 });
        let spec = &m.instances[0];
        let link = |v: &VipSpec| match v.dev.as_deref() {
            Some("eth1") => VipLink {
                ifindex: 3,
                name: Some("eth1".into()),
                own: false,
            },
            _ => VipLink {
                ifindex: 2,
                name: Some("eth0".into()),
                own: true,
            },
        };
        let ll = |a: &str, k| Target::LinkLocal(a.parse().unwrap(), k);
        assert_eq!(
            targets(spec, false, link),
            [
                ll("fe80::33", LinkKey::Name("eth0".into())),
                ll("fe80::34", LinkKey::Index(3)),
                ll("fe80::35", LinkKey::Name("eth1".into())),
                Target::Global("fd00::33".parse().unwrap()),
            ]
        );
        assert_eq!(
            targets(spec, true, link)[2],
            ll("fe80::35", LinkKey::Index(3)),
            "nftables_ifindex"
        );
        assert_eq!(
            targets(spec, true, link)[0],
            ll("fe80::33", LinkKey::Index(2)),
            "nftables_ifindex"
        );
    }

    #[test]
    fn a_reload_changing_the_written_table_is_refused() {
        let t = |s: &str| Some(s.to_string());
        assert!(table_change_refused(&None, &None).is_none());
        assert!(table_change_refused(&t("a"), &t("a")).is_none());
        let msg = table_change_refused(&None, &t("keepalived")).unwrap();
        assert!(msg.starts_with("Cannot change nftables table name at a reload"));
        assert!(table_change_refused(&t("a"), &t("b")).is_some());
        assert!(table_change_refused(&t("a"), &None).is_some());
    }
}
