//! The SNMP notifications of VRRP-MIB (RFC 2787 §6) and VRRPv3-MIB (RFC 6527
//! §7), as keepalived 2.2.7 sends them with `enable_traps` (docs/keepalived.md
//! §3.37):
//!
//! * a new Master: `vrrpTrapNewMaster` (with `enable_snmp_rfcv2`, VRRPv2
//!   IPv4 instances) then `vrrpv3NewMaster` (with `enable_snmp_rfcv3`), both
//!   carrying the instance's own address as the Master's (vrrp_notify.c
//!   `send_instance_notifies`, vrrp_snmp.c `vrrp_rfcv2_snmp_new_master_trap`,
//!   `vrrp_rfcv3_snmp_new_master_notify`);
//! * an advert failing VRRPv2 authentication: `vrrpTrapAuthFailure` with
//!   the sender and the error type (vrrp.c `vrrp_check_packet`, vrrp_snmp.c
//!   `vrrp_rfcv2_snmp_auth_err_trap`);
//! * an advert with a bad TTL, another version or a bad checksum:
//!   `vrrpv3ProtoError` with the reason (vrrp.c `vrrp_check_packet`,
//!   vrrp_snmp.c `vrrp_rfcv3_snmp_proto_err_notify`).
//!
//! Only instances with a row in the MIB get them (at least one
//! `virtual_ipaddress`; VRRPv2 and IPv4 too for VRRP-MIB). The VarBinds'
//! instance parts are keepalived's: the base interface's index for the new
//! Master ones, the index of the interface the instance runs on (its VMAC
//! when it has one) for the error ones.

use std::net::IpAddr;

use agentx_subagent::{Oid, Value, VarBind};
use vrrp_core::NewMasterReason;
use vrrp_core::packet::{DropReason, Family, Version};

use super::vrrpv2;
use super::vrrpv3::{self, new_master_reason, proto_error_reason};

/// The instance facts a notification is built from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TrapInstance {
    /// VRRP version.
    pub version: Version,
    /// Address family.
    pub family: Family,
    /// It has at least one `virtual_ipaddress` (a row in the MIBs).
    pub has_vips: bool,
    /// Index of the configured interface (keepalived `IF_BASE_INDEX`).
    pub base_ifindex: u32,
    /// Index of the interface the instance runs on: its VMAC when it has
    /// one, else the configured one (keepalived `IF_INDEX`).
    pub ifindex: u32,
    /// Virtual router id.
    pub vrid: u8,
    /// The instance's own (primary) address.
    pub address: IpAddr,
}

/// Something that may be worth a notification, from the router.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum TrapEvent {
    /// The instance became Master for `reason`.
    NewMaster {
        /// The instance.
        instance: TrapInstance,
        /// `vrrpv3StatisticsNewMasterReason` of this transition.
        reason: NewMasterReason,
    },
    /// An advert from `from` was rejected for `reason`.
    Rejected {
        /// The instance it was for.
        instance: TrapInstance,
        /// The sender.
        from: IpAddr,
        /// Why it was dropped.
        reason: DropReason,
    },
    /// The instance's notifications were sent for a new state
    /// (KEEPALIVED-MIB `vrrpInstanceStateChange`).
    InstanceState {
        /// The instance's name.
        name: String,
        /// The state word its notify scripts get (`MASTER`, `BACKUP`,
        /// `FAULT`, `STOP`, `DELETED`).
        state: &'static str,
    },
    /// A sync group's notifications were sent for a new state
    /// (KEEPALIVED-MIB `vrrpSyncGroupStateChange`).
    GroupState {
        /// The group's name.
        name: String,
        /// The state word its notify scripts get.
        state: &'static str,
    },
}

/// One notification: its OID (snmpTrapOID.0's value) and its VarBinds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Notification {
    /// The notification's OID.
    pub trap: Oid,
    /// The objects it carries, in keepalived's order.
    pub varbinds: Vec<VarBind>,
}

/// Which MIBs' notifications are sent.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Enabled {
    /// VRRP-MIB (`enable_snmp_rfcv2`).
    pub rfcv2: bool,
    /// VRRPv3-MIB (`enable_snmp_rfcv3`).
    pub rfcv3: bool,
}

/// RFC 2787 `vrrpNotifications`: mib-2.68.0.
const RFCV2_TRAPS: [u32; 8] = [1, 3, 6, 1, 2, 1, 68, 0];
/// RFC 6527 `vrrpv3Notifications`: mib-2.207.0.
const RFCV3_NOTIFICATIONS: [u32; 8] = [1, 3, 6, 1, 2, 1, 207, 0];

/// RFC 2787 `VrrpTrapAuthErrorType`: invalidAuthType(1),
/// authTypeMismatch(2), authFailure(3) (vrrp_snmp.h
/// `rfcv2_trap_auth_error_type`).
fn auth_error_type(r: DropReason) -> Option<i32> {
    match r {
        DropReason::UnknownAuthType => Some(1),
        DropReason::AuthTypeMismatch => Some(2),
        DropReason::AuthFailure => Some(3),
        _ => None,
    }
}

fn family_index(f: Family) -> u32 {
    match f {
        Family::V4 => 1,
        Family::V6 => 2,
    }
}

/// A row in VRRP-MIB (vrrp_snmp.c `suitable_for_rfc2787`).
fn in_rfc2787(i: &TrapInstance) -> bool {
    i.version == Version::V2 && i.family == Family::V4 && i.has_vips
}

/// A row in VRRPv3-MIB (vrrp_snmp.c `suitable_for_rfc6527`).
fn in_rfc6527(i: &TrapInstance) -> bool {
    i.has_vips
}

fn ipv4(a: IpAddr) -> [u8; 4] {
    match a {
        IpAddr::V4(a) => a.octets(),
        IpAddr::V6(_) => [0; 4],
    }
}

fn octets(a: IpAddr) -> Vec<u8> {
    match a {
        IpAddr::V4(a) => a.octets().to_vec(),
        IpAddr::V6(a) => a.octets().to_vec(),
    }
}

/// The notifications `event` is worth with `enabled` MIBs, in the order
/// keepalived sends them.
pub fn notifications(event: &TrapEvent, enabled: Enabled) -> Vec<Notification> {
    let mut out = Vec::new();
    match event {
        TrapEvent::NewMaster {
            instance: i,
            reason,
        } => {
            if enabled.rfcv2 && in_rfc2787(i) {
                // vrrpOperMasterIpAddr.(ifIndex, VRID)
                let name =
                    Oid::from(vrrpv2::ROOT).child(&[1, 3, 1, 7, i.base_ifindex, u32::from(i.vrid)]);
                out.push(Notification {
                    trap: Oid::from(RFCV2_TRAPS).child(&[1]),
                    varbinds: vec![VarBind::new(name, Value::IpAddress(ipv4(i.address)))],
                });
            }
            if enabled.rfcv3 && in_rfc6527(i) {
                let idx = [i.base_ifindex, u32::from(i.vrid), family_index(i.family)];
                // vrrpv3OperationsMasterIpAddr, vrrpv3StatisticsNewMasterReason
                let master = Oid::from(vrrpv3::ROOT).child(&[1, 1, 1, 1, 3]).child(&idx);
                let why = Oid::from(vrrpv3::ROOT).child(&[1, 2, 5, 1, 2]).child(&idx);
                out.push(Notification {
                    trap: Oid::from(RFCV3_NOTIFICATIONS).child(&[1]),
                    varbinds: vec![
                        VarBind::new(master, Value::OctetString(octets(i.address))),
                        VarBind::new(why, Value::Integer(new_master_reason(*reason))),
                    ],
                });
            }
        }
        TrapEvent::Rejected {
            instance: i,
            from,
            reason,
        } => {
            if let Some(kind) = auth_error_type(*reason)
                && enabled.rfcv2
                && in_rfc2787(i)
            {
                // vrrpTrapPacketSrc and vrrpTrapAuthErrorType, indexed as
                // keepalived indexes them (they are not columns of a table)
                let idx = [i.ifindex, u32::from(i.vrid)];
                let src = Oid::from(vrrpv2::ROOT).child(&[1, 5]).child(&idx);
                let ty = Oid::from(vrrpv2::ROOT).child(&[1, 6]).child(&idx);
                out.push(Notification {
                    trap: Oid::from(RFCV2_TRAPS).child(&[2]),
                    varbinds: vec![
                        VarBind::new(src, Value::IpAddress(ipv4(*from))),
                        VarBind::new(ty, Value::Integer(kind)),
                    ],
                });
            }
            if let Some(why) = proto_error_reason(*reason)
                && enabled.rfcv3
                && in_rfc6527(i)
            {
                let idx = [i.ifindex, u32::from(i.vrid), family_index(i.family)];
                // vrrpv3StatisticsProtoErrReason
                let name = Oid::from(vrrpv3::ROOT).child(&[1, 2, 5, 1, 6]).child(&idx);
                out.push(Notification {
                    trap: Oid::from(RFCV3_NOTIFICATIONS).child(&[2]),
                    varbinds: vec![VarBind::new(name, Value::Integer(why))],
                });
            }
        }
        // KEEPALIVED-MIB's own: see `keepalived_traps`
        TrapEvent::InstanceState { .. } | TrapEvent::GroupState { .. } => {}
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn inst(version: Version, family: Family) -> TrapInstance {
        TrapInstance {
            version,
            family,
            has_vips: true,
            base_ifindex: 2,
            ifindex: 7,
            vrid: 51,
            address: match family {
                Family::V4 => "10.9.0.1".parse().unwrap(),
                Family::V6 => "fe80::1".parse().unwrap(),
            },
        }
    }

    const BOTH: Enabled = Enabled {
        rfcv2: true,
        rfcv3: true,
    };

    fn text(n: &[Notification]) -> Vec<String> {
        n.iter()
            .map(|n| {
                let vbs: Vec<String> = n
                    .varbinds
                    .iter()
                    .map(|v| format!("{}={:?}", v.name, v.value))
                    .collect();
                format!("{} {}", n.trap, vbs.join(" "))
            })
            .collect()
    }

    #[test]
    fn new_master_of_a_v2_instance_sends_both_in_keepalived_order() {
        let ev = TrapEvent::NewMaster {
            instance: inst(Version::V2, Family::V4),
            reason: NewMasterReason::MasterNoResponse,
        };
        assert_eq!(
            text(&notifications(&ev, BOTH)),
            [
                "1.3.6.1.2.1.68.0.1 1.3.6.1.2.1.68.1.3.1.7.2.51=IpAddress([10, 9, 0, 1])",
                "1.3.6.1.2.1.207.0.1 1.3.6.1.2.1.207.1.1.1.1.3.2.51.1=OctetString([10, 9, 0, 1]) \
                 1.3.6.1.2.1.207.1.2.5.1.2.2.51.1=Integer(3)",
            ]
        );
        let only_v3 = Enabled {
            rfcv2: false,
            rfcv3: true,
        };
        assert_eq!(notifications(&ev, only_v3).len(), 1);
    }

    #[test]
    fn v3_and_ipv6_instances_have_no_rfc2787_trap() {
        for (v, f) in [(Version::V3, Family::V4), (Version::V3, Family::V6)] {
            let ev = TrapEvent::NewMaster {
                instance: inst(v, f),
                reason: NewMasterReason::Preempted,
            };
            let n = notifications(&ev, BOTH);
            assert_eq!(n.len(), 1);
            assert_eq!(n[0].trap.to_string(), "1.3.6.1.2.1.207.0.1");
        }
        let mut i = inst(Version::V3, Family::V6);
        i.has_vips = false;
        let ev = TrapEvent::NewMaster {
            instance: i,
            reason: NewMasterReason::Preempted,
        };
        assert!(notifications(&ev, BOTH).is_empty());
    }

    #[test]
    fn rejected_adverts() {
        let rejected = |i: TrapInstance, reason| TrapEvent::Rejected {
            instance: i,
            from: "10.9.0.2".parse().unwrap(),
            reason,
        };
        let v2 = || inst(Version::V2, Family::V4);
        assert_eq!(
            text(&notifications(
                &rejected(v2(), DropReason::AuthFailure),
                BOTH
            )),
            [
                "1.3.6.1.2.1.68.0.2 1.3.6.1.2.1.68.1.5.7.51=IpAddress([10, 9, 0, 2]) \
              1.3.6.1.2.1.68.1.6.7.51=Integer(3)"
            ]
        );
        assert_eq!(
            text(&notifications(
                &rejected(v2(), DropReason::VersionMismatch),
                BOTH
            )),
            ["1.3.6.1.2.1.207.0.2 1.3.6.1.2.1.207.1.2.5.1.6.7.51.1=Integer(2)"]
        );
        let v3 = inst(Version::V3, Family::V4);
        assert_eq!(
            text(&notifications(&rejected(v3, DropReason::BadTtl), BOTH)),
            ["1.3.6.1.2.1.207.0.2 1.3.6.1.2.1.207.1.2.5.1.6.7.51.1=Integer(1)"]
        );
        // no notification for the others, nor without the MIB
        assert!(
            notifications(&rejected(v2(), DropReason::AdvertIntervalMismatch), BOTH).is_empty()
        );
        let none = Enabled {
            rfcv2: false,
            rfcv3: false,
        };
        assert!(notifications(&rejected(v2(), DropReason::AuthFailure), none).is_empty());
        assert_eq!(proto_error_reason(DropReason::BadChecksum), Some(3));
        assert_eq!(auth_error_type(DropReason::UnknownAuthType), Some(1));
        assert_eq!(auth_error_type(DropReason::AuthTypeMismatch), Some(2));
    }
}
