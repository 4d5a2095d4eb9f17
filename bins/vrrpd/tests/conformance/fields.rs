//! The compared settings of one instance, as comparable strings, read from
//! keepalived's dump ([`from_keepalived`]) and from `vrrpd status`
//! ([`from_vrrpd`]).

use std::collections::BTreeMap;

use serde_json::Value;

use super::kadump::{Block, Dump, script_argv};

/// Field name → value.
pub type Fields = BTreeMap<&'static str, String>;

/// Every compared field, in the order they are reported.
pub const FIELDS: &[&str] = &[
    "version",
    "state",
    "priority",
    "effective_priority",
    "advert_int",
    "interface",
    "src_ip",
    "unicast_peers",
    "preempt",
    "accept",
    "auth",
    "vips",
    "excluded_vips",
    "tracking",
    "garp",
    "adverts",
    "notify",
    "sync_group",
    "group_notify",
    "mcast_group",
    "unicast_ttl",
    "flags",
];

/// The kernel's scope numbers by keepalived's names (`get_rttables_scope`).
fn scope_name(n: u64) -> String {
    match n {
        0 => "global".into(),
        200 => "site".into(),
        253 => "link".into(),
        254 => "host".into(),
        255 => "nowhere".into(),
        n => n.to_string(),
    }
}

/// keepalived's VIP line reduced to the configured options: address with
/// prefix, `brd`, `dev` (without `@parent`), `scope`, `label`, `no_track`.
fn ka_vip(line: &str) -> String {
    let w: Vec<&str> = line.split_whitespace().collect();
    let mut out = Vec::new();
    if let Some(a) = w.first() {
        if a.contains('/') {
            out.push((*a).to_string());
        } else if a.contains(':') {
            out.push(format!("{a}/128"));
        } else {
            out.push(format!("{a}/32"));
        }
    }
    let mut i = 1;
    while i < w.len() {
        match w[i] {
            "brd" | "scope" | "label" => {
                if let Some(v) = w.get(i + 1) {
                    out.push(format!("{} {v}", w[i]));
                }
                i += 1;
            }
            "dev" => {
                if let Some(v) = w.get(i + 1) {
                    out.push(format!("dev {}", v.split('@').next().unwrap_or(v)));
                }
                i += 1;
            }
            "no_track" => out.push("no_track".into()),
            _ => {}
        }
        i += 1;
    }
    out.join(" ")
}

/// vrrpd's VIP (`VipSpec` as JSON) in [`ka_vip`]'s form, on `dev`.
fn vr_vip(v: &Value, dev: &str) -> String {
    let mut out = vec![format!(
        "{}/{}",
        v["prefix"]["addr"].as_str().unwrap_or("?"),
        v["prefix"]["len"]
    )];
    if let Some(b) = v["broadcast"].as_str() {
        out.push(format!("brd {b}"));
    }
    out.push(format!("dev {dev}"));
    out.push(format!(
        "scope {}",
        scope_name(v["scope"].as_u64().unwrap_or(0))
    ));
    if let Some(l) = v["label"].as_str() {
        out.push(format!("label {l}"));
    }
    if v["no_track"].as_bool() == Some(true) {
        out.push("no_track".into());
    }
    out.join(" ")
}

/// keepalived's notify script kinds by the dump's words.
fn ka_notify_kind(k: &str) -> Option<String> {
    let kind = k.strip_suffix(" state transition script")?;
    Some(kind.to_lowercase().replace(' ', "_"))
}

fn ka_notify(b: &Block) -> String {
    let mut v: Vec<String> = b
        .values
        .iter()
        .filter_map(|(k, v)| {
            Some(format!(
                "{}={}",
                ka_notify_kind(k)?,
                script_argv(v).join(" ")
            ))
        })
        .collect();
    v.sort();
    v.join("; ")
}

fn vr_notify(m: &Value) -> String {
    let mut v: Vec<String> = m
        .as_object()
        .map(|o| {
            o.iter()
                .map(|(k, a)| {
                    let argv: Vec<&str> = a
                        .as_array()
                        .map(|a| a.iter().filter_map(Value::as_str).collect())
                        .unwrap_or_default();
                    format!("{k}={}", argv.join(" "))
                })
                .collect()
        })
        .unwrap_or_default();
    v.sort();
    v.join("; ")
}

/// Milliseconds of keepalived's `Advert interval = N sec|milli-sec`.
fn ka_advert_ms(v: &str) -> String {
    let mut w = v.split_whitespace();
    let n: u64 = w.next().and_then(|n| n.parse().ok()).unwrap_or(0);
    match w.next() {
        Some("sec") => (n * 1000).to_string(),
        _ => n.to_string(),
    }
}

/// The fields of keepalived's instance `name`: `start` is the `-d` dump
/// (settings before any event), `running` the SIGUSR1 dump (effective
/// priority).
pub fn from_keepalived(start: &Dump, running: Option<&Dump>, name: &str) -> Option<Fields> {
    let b = start.instance(name)?;
    let get = |k: &str| b.get(k).unwrap_or("-").to_string();
    let mut f = Fields::new();
    f.insert("version", get("VRRP Version"));
    f.insert("state", get("Wantstate"));
    f.insert("priority", get("Priority"));
    f.insert(
        "effective_priority",
        running
            .and_then(|d| d.instance(name))
            .and_then(|r| r.get("Effective priority"))
            .unwrap_or("-")
            .to_string(),
    );
    f.insert("advert_int", ka_advert_ms(&get("Advert interval")));
    f.insert(
        "interface",
        get("Interface")
            .split([',', ' '])
            .next()
            .unwrap_or("-")
            .to_string(),
    );
    f.insert(
        "src_ip",
        get("Using src_ip")
            .split(' ')
            .next()
            .unwrap_or("-")
            .to_string(),
    );
    let unicast = b
        .list("Flags")
        .iter()
        .any(|l| l.starts_with("Using unicast"));
    f.insert(
        "unicast_peers",
        if unicast {
            b.list("Unicast Peer")
                .iter()
                .filter_map(|l| l.split_whitespace().next())
                .collect::<Vec<_>>()
                .join(",")
        } else {
            "multicast".into()
        },
    );
    let mut preempt = get("Preempt");
    if let Some(d) = b.get("Preempt delay") {
        let secs: f64 = d
            .split_whitespace()
            .next()
            .and_then(|s| s.parse().ok())
            .unwrap_or(0.0);
        preempt.push_str(&format!(" delay {}ms", (secs * 1000.0).round() as u64));
    }
    f.insert("preempt", preempt);
    f.insert("accept", get("Accept"));
    f.insert(
        "auth",
        match b.get("Authentication type") {
            Some("SIMPLE_PASSWORD") => format!("PASS {}", b.get("Password").unwrap_or("")),
            Some("IPSEC_AH") => "AH".into(),
            _ => "none".into(),
        },
    );
    let vips = |k: &str| -> String {
        b.list(k)
            .iter()
            .map(|l| ka_vip(l))
            .collect::<Vec<_>>()
            .join(", ")
    };
    f.insert("vips", vips("Virtual IP"));
    f.insert("excluded_vips", vips("Virtual IP Excluded"));
    // A sync group's tracked objects: keepalived lists them with the group,
    // vrrpd tracks them in every member (weight 0 unless
    // sync_group_tracking_weight); both put the member down when they fail.
    let group_block = b.get("Sync group").and_then(|g| start.group(g));
    let mut tracking = Vec::new();
    for (list, kind) in [
        ("Tracked interfaces", "interface"),
        ("Tracked scripts", "script"),
        ("Tracked files", "file"),
        ("Tracked processes", "process"),
        ("Tracked BFDs", "bfd"),
    ] {
        let group_list = group_block.map_or(&[][..], |g| g.list(list));
        for l in b.list(list).iter().chain(group_list) {
            // `NAME weight W [reverse]` or `NAME, weight W [reverse]`.
            let l = l.replace(", weight ", " weight ");
            let (n, rest) = l.split_once(" weight ").unwrap_or((&l, "0"));
            tracking.push(format!("{kind} {n} {rest}"));
        }
    }
    tracking.sort();
    f.insert("tracking", tracking.join(", "));
    f.insert(
        "garp",
        [
            "Gratuitous ARP delay",
            "Gratuitous ARP repeat",
            "Gratuitous ARP refresh",
            "Gratuitous ARP refresh repeat",
            "Gratuitous ARP lower priority delay",
            "Gratuitous ARP lower priority repeat",
        ]
        .map(get)
        .join("/"),
    );
    f.insert(
        "adverts",
        format!(
            "down {} lower {} higher {}",
            get("Down timer adverts"),
            get("Send advert after receive lower priority advert"),
            get("Send advert after receive higher priority advert")
        ),
    );
    f.insert("notify", ka_notify(b));
    f.insert(
        "mcast_group",
        if unicast {
            "-".into()
        } else {
            b.get("Multicast address")
                .or_else(|| {
                    b.values
                        .keys()
                        .find_map(|k| k.strip_prefix("Multicast address "))
                })
                .and_then(|v| v.split([',', ' ']).next())
                .unwrap_or("-")
                .to_string()
        },
    );
    f.insert(
        "unicast_ttl",
        if unicast {
            b.get("Unicast TTL").unwrap_or("255").to_string()
        } else {
            "-".into()
        },
    );
    f.insert(
        "flags",
        format!(
            "promote_secondaries {} dont_track_primary {} smtp_alert {} notify_deleted {}",
            b.get("Promote_secondaries") == Some("enabled"),
            b.values.contains_key("VRRP interface tracking disabled"),
            b.get("Using smtp notification") == Some("yes"),
            b.get("Notify deleted") == Some("Deleted"),
        ),
    );
    let group = b.get("Sync group").map(str::to_string);
    f.insert("sync_group", group.clone().unwrap_or_else(|| "-".into()));
    f.insert(
        "group_notify",
        group
            .and_then(|g| start.group(&g))
            .map(ka_notify)
            .unwrap_or_default(),
    );
    Some(f)
}

/// The fields of one instance of `vrrpd status`.
pub fn from_vrrpd(i: &Value) -> Fields {
    let c = &i["config"];
    let e = &c["engine"];
    let s = |v: &Value| match v {
        Value::String(s) => s.clone(),
        Value::Null => "-".into(),
        v => v.to_string(),
    };
    let mut f = Fields::new();
    f.insert(
        "version",
        s(&i["version"]).trim_start_matches('V').to_string(),
    );
    let base = i["base_priority"].as_u64().unwrap_or(0);
    f.insert(
        "state",
        match e["initial_state"].as_str() {
            Some("Master") => "MASTER".into(),
            Some("Backup") => "BACKUP".into(),
            _ if base == 255 => "MASTER".into(),
            _ => "BACKUP".into(),
        },
    );
    f.insert("priority", s(&i["base_priority"]));
    f.insert("effective_priority", s(&i["effective_priority"]));
    f.insert("advert_int", s(&i["advert_interval_ms"]));
    let iface = s(&i["interface"]);
    let vmac = i["vmac"]["name"].as_str().map(str::to_string);
    // keepalived's instance interface is its VMAC when it has one.
    f.insert("interface", vmac.clone().unwrap_or_else(|| iface.clone()));
    f.insert("src_ip", s(&i["source_address"]));
    let peers: Vec<String> = i["unicast_peers"]
        .as_array()
        .map(|a| a.iter().map(s).collect())
        .unwrap_or_default();
    f.insert(
        "unicast_peers",
        if peers.is_empty() {
            "multicast".into()
        } else {
            peers.join(",")
        },
    );
    let mut preempt = if e["nopreempt"].as_bool() == Some(true) {
        "disabled".to_string()
    } else {
        "enabled".to_string()
    };
    let delay_us = e["preempt_delay"].as_u64().unwrap_or(0);
    if delay_us > 0 {
        preempt.push_str(&format!(" delay {}ms", delay_us / 1000));
    }
    f.insert("preempt", preempt);
    f.insert(
        "accept",
        if i["accept"].as_bool() == Some(true) {
            "enabled"
        } else {
            "disabled"
        }
        .into(),
    );
    f.insert(
        "auth",
        match &e["auth"] {
            Value::Object(o) if o.contains_key("Pass") => {
                let bytes: Vec<u8> = o["Pass"]
                    .as_array()
                    .map(|a| {
                        a.iter()
                            .filter_map(|b| b.as_u64().map(|b| b as u8))
                            .collect()
                    })
                    .unwrap_or_default();
                let end = bytes.iter().position(|&b| b == 0).unwrap_or(bytes.len());
                format!("PASS {}", String::from_utf8_lossy(&bytes[..end]))
            }
            Value::String(a) if a == "Ah" => "AH".into(),
            _ => "none".into(),
        },
    );
    let family_v4 = i["family"].as_str() == Some("V4");
    let vips = |k: &str| -> String {
        c[k].as_array()
            .map(|a| {
                a.iter()
                    .map(|v| {
                        let v4 = v["prefix"]["addr"]
                            .as_str()
                            .is_some_and(|a| !a.contains(':'));
                        // Where vrrpd puts it (`Slot::vip_ifindex`): its
                        // `dev` unless that is the interface, else the VMAC
                        // for the instance's family.
                        let dev = v["dev"].as_str().filter(|d| *d != iface);
                        let dev = match (&vmac, dev) {
                            (_, Some(d)) => d,
                            (Some(m), None) if v4 == family_v4 => m.as_str(),
                            _ => iface.as_str(),
                        };
                        vr_vip(v, dev)
                    })
                    .collect::<Vec<_>>()
                    .join(", ")
            })
            .unwrap_or_default()
    };
    f.insert("vips", vips("vips"));
    f.insert("excluded_vips", vips("excluded_vips"));
    let mut tracking: Vec<String> = e["trackers"]
        .as_array()
        .map(|a| {
            a.iter()
                .map(|t| {
                    format!(
                        "{} {} {}{}",
                        s(&t["kind"]).to_lowercase(),
                        s(&t["name"]),
                        t["weight"].as_i64().unwrap_or(0),
                        if t["reverse"].as_bool() == Some(true) {
                            " reverse"
                        } else {
                            ""
                        }
                    )
                })
                .collect()
        })
        .unwrap_or_default();
    tracking.sort();
    f.insert("tracking", tracking.join(", "));
    let g = &e["garp"];
    let secs = |v: &Value| (v.as_u64().unwrap_or(0) / 1_000_000).to_string();
    f.insert(
        "garp",
        [
            secs(&g["master_delay"]),
            s(&g["master_repeat"]),
            secs(&g["master_refresh"]),
            s(&g["master_refresh_repeat"]),
            secs(&g["lower_prio_delay"]),
            s(&g["lower_prio_repeat"]),
        ]
        .join("/"),
    );
    let tf = |v: &Value, yes: bool| {
        if v.as_bool() == Some(yes) {
            "true"
        } else {
            "false"
        }
    };
    f.insert(
        "adverts",
        format!(
            "down {} lower {} higher {}",
            s(&e["down_timer_adverts"]),
            tf(&e["lower_prio_no_advert"], false),
            tf(&e["higher_prio_send_advert"], true)
        ),
    );
    f.insert("notify", vr_notify(&c["notify"]));
    f.insert(
        "mcast_group",
        if peers.is_empty() {
            match e["mcast_group"].as_str() {
                Some(g) => g.to_string(),
                None if family_v4 => "224.0.0.18".into(),
                None => "ff02::12".into(),
            }
        } else {
            "-".into()
        },
    );
    f.insert(
        "unicast_ttl",
        if peers.is_empty() {
            "-".into()
        } else {
            c["unicast_ttl"].as_u64().unwrap_or(255).to_string()
        },
    );
    let flag = |k: &str| c[k].as_bool() == Some(true);
    f.insert(
        "flags",
        format!(
            "promote_secondaries {} dont_track_primary {} smtp_alert {} notify_deleted {}",
            flag("promote_secondaries"),
            flag("dont_track_primary"),
            flag("smtp_alert"),
            flag("notify_deleted"),
        ),
    );
    f.insert("sync_group", s(&i["sync_group"]));
    f.insert("group_notify", vr_notify(&c["group_notify"]));
    f
}

/// keepalived's `vrrp_script`s (the unused ones are gone by then), by name:
/// `argv | interval | timeout | rise | fall` (seconds as milliseconds; a
/// timeout of 0 is the interval, as vrrp_scheduler.c runs the script).
pub fn scripts_of_keepalived(d: &Dump) -> BTreeMap<String, String> {
    let secs = |v: Option<&str>| {
        v.and_then(|v| v.split_whitespace().next())
            .and_then(|n| n.parse::<u64>().ok())
            .map_or("-".to_string(), |n| (n * 1000).to_string())
    };
    d.scripts
        .iter()
        .map(|b| {
            let argv = b.get("Command").map(script_argv).unwrap_or_default();
            let interval = secs(b.get("Interval"));
            let timeout = match secs(b.get("Timeout")) {
                t if t == "0" => interval.clone(),
                t => t,
            };
            (
                b.name.clone(),
                format!(
                    "{} | {} | {} | {} | {}",
                    argv.join(" "),
                    interval,
                    timeout,
                    b.get("Rise").unwrap_or("-"),
                    b.get("Fall").unwrap_or("-")
                ),
            )
        })
        .collect()
}

/// vrrpd's running `vrrp_script`s in [`scripts_of_keepalived`]'s form.
pub fn scripts_of_vrrpd(status: &Value) -> BTreeMap<String, String> {
    status["scripts"]
        .as_array()
        .map(|a| {
            a.iter()
                .map(|s| {
                    let argv: Vec<&str> = s["argv"]
                        .as_array()
                        .map(|a| a.iter().filter_map(Value::as_str).collect())
                        .unwrap_or_default();
                    (
                        s["name"].as_str().unwrap_or("?").to_string(),
                        format!(
                            "{} | {} | {} | {} | {}",
                            argv.join(" "),
                            s["interval_ms"],
                            s["timeout_ms"],
                            s["rise"],
                            s["fall"]
                        ),
                    )
                })
                .collect()
        })
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn vip_lines_keep_the_configured_options() {
        assert_eq!(
            ka_vip("10.9.0.100/24 dev vrrp.51@eth0 use_vmac scope global label eth0:1 set"),
            "10.9.0.100/24 dev vrrp.51 scope global label eth0:1"
        );
        let v: Value = serde_json::json!({"prefix": {"addr": "10.9.0.100", "len": 24},
            "dev": null, "label": "eth0:1", "scope": 0, "broadcast": null, "no_track": false});
        assert_eq!(
            vr_vip(&v, "eth0"),
            "10.9.0.100/24 dev eth0 scope global label eth0:1"
        );
    }
}
