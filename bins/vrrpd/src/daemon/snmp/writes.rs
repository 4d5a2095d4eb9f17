//! The KEEPALIVED-MIB objects keepalived lets an SNMP manager write, and the
//! checks of its reserve phase (vrrp_snmp.c `vrrp_snmp_instance_priority`,
//! `vrrp_snmp_instance_preempt`), answered in the AgentX TestSet (RFC 2741
//! §7.2.4.1); the commit goes to the router.
//!
//! vrrpInstanceAccept of a VRRPv3 instance offers a write whose handler,
//! as keepalived 2.2.7 is built (`vrrp_snmp_instance_accept` without
//! `ALLOW_SNMP_SET_ACCEPT`), answers noAccess to every value: no write of
//! accept mode ever reaches an instance.
//!
//! keepalived reads the value through a byte pointer: only the low byte of
//! the integer counts (256 is 0 and refused as a priority, 300 sets 44;
//! docs/keepalived.md §3.41).

use std::collections::BTreeSet;

use agentx_subagent::{Oid, ResError, Value, VarBind};

use super::keepalived::VRRP_ROOT;
use crate::spec::snmp::GlobalScalars;

/// A change to one instance an SNMP Set commits.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum InstanceWrite {
    /// vrrpInstanceBasePriority (vrrp.3.1.7).
    BasePriority(u8),
    /// vrrpInstancePreempt (vrrp.3.1.13): true(1) or false(2).
    Preempt(bool),
}

/// The instance name and change `vb` asks for, or the error keepalived
/// answers: noAccess for vrrpInstanceAccept of a running VRRPv3 instance
/// (`v3` names them) whatever the value, notWritable for anything but base
/// priority and preempt of a running instance, wrongType for a value other
/// than an Integer, wrongValue for a priority of 0 or a truth value other
/// than 1 or 2.
pub fn test(
    g: &GlobalScalars,
    running: &BTreeSet<String>,
    v3: &BTreeSet<String>,
    vb: &VarBind,
) -> Result<(String, InstanceWrite), ResError> {
    let entry = Oid::from(VRRP_ROOT).child(&[3, 1]);
    let tail = vb
        .name
        .0
        .strip_prefix(entry.0.as_slice())
        .ok_or(ResError::NOT_WRITABLE)?;
    let [column, n] = tail else {
        return Err(ResError::NOT_WRITABLE);
    };
    let name = usize::try_from(*n)
        .ok()
        .and_then(|n| n.checked_sub(1))
        .and_then(|n| g.instances.get(n))
        .map(|i| i.name.clone())
        .filter(|name| running.contains(name))
        .ok_or(ResError::NOT_WRITABLE)?;
    if *column == 27 && v3.contains(&name) {
        // vrrp_snmp.c `vrrp_snmp_instance_accept`: the handler keepalived
        // is built with refuses before looking at the value
        return Err(ResError::NO_ACCESS);
    }
    if !matches!(column, 7 | 13) {
        return Err(ResError::NOT_WRITABLE);
    }
    let Value::Integer(v) = vb.value else {
        return Err(ResError::WRONG_TYPE);
    };
    // the low byte, as keepalived reads it
    let byte = v.to_le_bytes()[0];
    let truth = || match byte {
        1 => Ok(true),
        2 => Ok(false),
        _ => Err(ResError::WRONG_VALUE),
    };
    let write = match column {
        7 if byte == 0 => return Err(ResError::WRONG_VALUE),
        7 => InstanceWrite::BasePriority(byte),
        _ => InstanceWrite::Preempt(truth()?),
    };
    Ok((name, write))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::spec::snmp::InstanceRowSpec;

    fn vb(oid: &str, value: Value) -> VarBind {
        VarBind {
            name: format!("1.3.6.1.4.1.9586.100.5.2.{oid}").parse().unwrap(),
            value,
        }
    }

    #[test]
    fn writable_objects_and_keepalived_checks() {
        let g = GlobalScalars {
            instances: vec![
                InstanceRowSpec {
                    name: "A".into(),
                    ..InstanceRowSpec::default()
                },
                InstanceRowSpec {
                    name: "B".into(),
                    ..InstanceRowSpec::default()
                },
            ],
            ..GlobalScalars::default()
        };
        let running: BTreeSet<String> = ["A".to_string(), "B".to_string()].into();
        let v3: BTreeSet<String> = ["B".to_string()].into();
        let t = |o: &str, v: Value| test(&g, &running, &v3, &vb(o, v));
        assert_eq!(
            t("3.1.7.1", Value::Integer(200)),
            Ok(("A".into(), InstanceWrite::BasePriority(200)))
        );
        assert_eq!(
            t("3.1.7.1", Value::Integer(300)),
            Ok(("A".into(), InstanceWrite::BasePriority(44)))
        );
        assert_eq!(
            t("3.1.7.1", Value::Integer(256)),
            Err(ResError::WRONG_VALUE)
        );
        assert_eq!(
            t("3.1.7.1", Value::OctetString(b"x".to_vec())),
            Err(ResError::WRONG_TYPE)
        );
        assert_eq!(
            t("3.1.13.1", Value::Integer(2)),
            Ok(("A".into(), InstanceWrite::Preempt(false)))
        );
        assert_eq!(t("3.1.13.1", Value::Integer(3)), Err(ResError::WRONG_VALUE));
        assert_eq!(
            t("3.1.27.1", Value::Integer(1)),
            Err(ResError::NOT_WRITABLE)
        );
        assert_eq!(t("3.1.27.2", Value::Integer(2)), Err(ResError::NO_ACCESS));
        assert_eq!(t("3.1.27.2", Value::Integer(3)), Err(ResError::NO_ACCESS));
        assert_eq!(t("3.1.8.1", Value::Integer(1)), Err(ResError::NOT_WRITABLE));
        assert_eq!(t("3.1.7.3", Value::Integer(1)), Err(ResError::NOT_WRITABLE));
    }
}
