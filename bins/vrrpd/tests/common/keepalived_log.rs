//! What keepalived's console log (`-l`) says of its instances: each one's
//! state and effective priority, as the differential tests compare them
//! with `vrrpd status`.

use std::collections::BTreeMap;

/// (state, effective priority) per instance.
pub type Outcome = BTreeMap<String, (String, u64)>;

/// A console log line without the `Www Mmm dd hh:mm:ss yyyy: ` time stamp
/// keepalived's console log starts with ("Sun Dec  6 21:50:09 2026: text");
/// None for a line without one (a continuation, or not keepalived's).
pub fn strip_time(l: &str) -> Option<&str> {
    match l.get(24..26) {
        Some(": ") => l.get(26..),
        _ => None,
    }
}

/// Each instance of `base` (name → configured priority) that `log` speaks
/// of, with its last state ("Entering MASTER STATE", and "entering FAULT
/// state" at start) and effective priority ("Changing effective priority
/// from A to B"; the configured one before any such line).
pub fn outcome(log: &str, base: &BTreeMap<String, u64>) -> Outcome {
    let mut out = Outcome::new();
    for l in log.lines().map(|l| strip_time(l).unwrap_or(l)) {
        if let Some(rest) = l.strip_prefix('(')
            && let Some((name, msg)) = rest.split_once(") ")
            && let Some(&b) = base.get(name)
        {
            let e = out.entry(name.to_string()).or_insert((String::new(), b));
            if let Some(st) = msg
                .strip_prefix("Entering ")
                .or_else(|| msg.strip_prefix("entering "))
                .and_then(|m| m.split_once(' '))
                .filter(|(_, rest)| rest.eq_ignore_ascii_case("state") || rest.starts_with("STATE"))
            {
                e.0 = st.0.to_string();
            }
            if let Some(p) = msg.strip_prefix("Changing effective priority from ")
                && let Some((_, to)) = p.split_once(" to ")
                && let Ok(to) = to.trim().parse()
            {
                e.1 = to;
            }
        }
    }
    out
}

/// Each instance's (state, effective priority) from a `vrrpd status`
/// document.
pub fn vrrpd_outcome(status: &serde_json::Value) -> Outcome {
    status["instances"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|i| {
            (
                i["name"].as_str().unwrap_or_default().to_string(),
                (
                    i["state"].as_str().unwrap_or_default().to_string(),
                    i["effective_priority"].as_u64().unwrap_or_default(),
                ),
            )
        })
        .collect()
}
