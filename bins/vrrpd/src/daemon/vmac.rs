//! `use_vmac` at runtime (keepalived notes §3.13, keepalived's vrrp_vmac.c and
//! vrrp_if_config.c): a macvlan with the virtual router MAC on the instance's
//! interface, created at start, removed at exit.
//!
//! * Mode private, as keepalived 2.2.7 creates it (VMACs on one parent do not
//!   talk to each other; frames from the wire reach every one of them).
//! * The link stays up for the whole life of the instance, as keepalived keeps
//!   it: a Backup does not answer ARP for the VIPs because they are only on the
//!   Master's VMAC and `arp_ignore=1` makes the kernel answer only for
//!   addresses of the receiving interface.
//! * IPv4: keepalived's sysctls ([`netio::Sysctl::apply_vmac`]) and no IPv6 on
//!   the VMAC. IPv6: no kernel link-local; the EUI-64 link-local of the virtual
//!   MAC instead (RFC 4291 appendix A).
//! * A link of the same name left by an earlier run (a macvlan) is removed and
//!   created again; any other kind of link with that name is an error and is
//!   left alone.

use netio::vmac::SavedSysctls;
use netio::{
    AddressSpec, MacAddr, MacvlanMode, MacvlanSpec, NetlinkError, Rtnl, Scope, Sysctl, SysctlError,
    eui64_link_local,
};
use tracing::{info, warn};
use vrrp_core::packet::Family;

use crate::mapping::VmacSpec;

/// A VMAC this daemon created.
#[derive(Debug)]
pub struct VmacLink {
    /// Its name.
    pub name: String,
    /// Its ifindex.
    pub ifindex: u32,
    /// Its MAC.
    pub mac: MacAddr,
    /// Sysctl values to put back when it goes.
    saved: SavedSysctls,
}

/// Why a VMAC could not be set up.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum VmacError {
    /// The name is taken by an interface that is not a macvlan (config or
    /// host at fault: we never delete foreign interfaces).
    #[error(
        "use_vmac: interface `{name}` already exists and is a {kind} link, not a macvlan; choose another name"
    )]
    NameClash {
        /// The name.
        name: String,
        /// What the existing link is.
        kind: String,
    },
    /// An rtnetlink request failed.
    #[error("use_vmac `{name}`: {source}")]
    Netlink {
        /// The VMAC name.
        name: String,
        /// The kernel's answer.
        #[source]
        source: NetlinkError,
    },
    /// A sysctl could not be set.
    #[error("use_vmac `{name}`: {source}")]
    Sysctl {
        /// The VMAC name.
        name: String,
        /// What failed.
        #[source]
        source: SysctlError,
    },
}

fn nl(name: &str) -> impl FnOnce(NetlinkError) -> VmacError + '_ {
    move |source| VmacError::Netlink {
        name: name.to_string(),
        source,
    }
}

/// Creates the VMAC of an instance on `parent` and brings it up.
pub async fn create(
    rtnl: &Rtnl,
    sysctl: &Sysctl,
    spec: &VmacSpec,
    parent_index: u32,
    parent_name: &str,
    family: Family,
) -> Result<VmacLink, VmacError> {
    let name = spec.name.as_str();
    match rtnl.link_by_name(name).await {
        Ok(l) if l.kind.as_deref() == Some("macvlan") => {
            rtnl.del_link(l.index).await.map_err(nl(name))?;
            info!(iface = name, "removed a stale VMAC left by an earlier run");
        }
        Ok(l) => {
            return Err(VmacError::NameClash {
                name: name.to_string(),
                kind: l.kind.unwrap_or_else(|| "non-macvlan".into()),
            });
        }
        Err(e) if e.is_not_found() => {}
        Err(e) => return Err(nl(name)(e)),
    }
    let link = rtnl
        .add_macvlan(&MacvlanSpec {
            name: name.to_string(),
            parent_index,
            mac: spec.mac,
            mode: MacvlanMode::Private,
        })
        .await
        .map_err(nl(name))?;
    let mut vmac = VmacLink {
        name: name.to_string(),
        ifindex: link.index,
        mac: spec.mac,
        saved: SavedSysctls::default(),
    };
    if let Err(e) = configure(rtnl, sysctl, &mut vmac, parent_name, family).await {
        remove(rtnl, sysctl, vmac).await;
        return Err(e);
    }
    info!(iface = name, parent = parent_name, mac = %spec.mac, "VMAC created");
    Ok(vmac)
}

async fn configure(
    rtnl: &Rtnl,
    sysctl: &Sysctl,
    vmac: &mut VmacLink,
    parent_name: &str,
    family: Family,
) -> Result<(), VmacError> {
    let name = vmac.name.clone();
    let sys = |source| VmacError::Sysctl {
        name: name.clone(),
        source,
    };
    let ipv6_present = std::path::Path::new("/proc/sys/net/ipv6").exists();
    match family {
        Family::V4 => {
            vmac.saved = sysctl.apply_vmac(&name, parent_name).map_err(sys)?;
            if ipv6_present {
                sysctl.disable_ipv6(&mut vmac.saved, &name).map_err(sys)?;
            }
        }
        Family::V6 => {
            sysctl
                .suppress_auto_link_local(&mut vmac.saved, &name)
                .map_err(sys)?;
        }
    }
    rtnl.set_link_up(vmac.ifindex, true)
        .await
        .map_err(nl(&name))?;
    if family == Family::V6 {
        let mut ll = AddressSpec::vip(
            vmac.ifindex,
            std::net::IpAddr::V6(eui64_link_local(vmac.mac)),
            64,
        );
        ll.scope = Scope::Link;
        match rtnl.add_address(&ll).await {
            Ok(()) => {}
            Err(e) if e.is_already_exists() => {}
            Err(e) => return Err(nl(&name)(e)),
        }
    }
    Ok(())
}

/// Deletes the VMAC and restores the sysctls changed for it. Failures are
/// logged: at exit there is nobody to return them to.
pub async fn remove(rtnl: &Rtnl, sysctl: &Sysctl, vmac: VmacLink) {
    match rtnl.del_link(vmac.ifindex).await {
        Ok(()) => info!(iface = %vmac.name, "VMAC removed"),
        Err(e) if e.is_not_found() => {}
        Err(e) => warn!(iface = %vmac.name, "removing the VMAC: {e}"),
    }
    if let Err(e) = vmac.saved.restore(sysctl) {
        warn!(iface = %vmac.name, "restoring sysctls: {e}");
    }
}
