//! Helpers for tests that compare nftables rulesets (feature `testing`).

use serde_json::Value;

/// The items of `nft -j list ruleset` output `v` without what differs
/// between two runs or namespaces holding the same rules: nft's `metainfo`
/// item, object handles and counter values (packets, bytes).
pub fn normalise(v: Value) -> Value {
    fn strip(v: &mut Value) {
        match v {
            Value::Object(m) => {
                m.remove("handle");
                if let Some(Value::Object(c)) = m.get_mut("counter") {
                    c.remove("packets");
                    c.remove("bytes");
                }
                m.values_mut().for_each(strip);
            }
            Value::Array(a) => a.iter_mut().for_each(strip),
            _ => {}
        }
    }
    let mut items: Vec<Value> = v["nftables"]
        .as_array()
        .cloned()
        .unwrap_or_default()
        .into_iter()
        .filter(|i| i.get("metainfo").is_none())
        .collect();
    items.iter_mut().for_each(strip);
    Value::Array(items)
}

#[cfg(test)]
mod tests {
    use super::normalise;
    use serde_json::json;

    #[test]
    fn drops_metainfo_handles_and_counter_values() {
        let raw = json!({"nftables": [
            {"metainfo": {"version": "1.0.6"}},
            {"table": {"family": "inet", "name": "keepalived", "handle": 7}},
            {"rule": {"chain": "in", "handle": 3, "expr": [
                {"counter": {"packets": 12, "bytes": 840}}, {"drop": null}
            ]}}
        ]});
        assert_eq!(
            normalise(raw),
            json!([
                {"table": {"family": "inet", "name": "keepalived"}},
                {"rule": {"chain": "in", "expr": [{"counter": {}}, {"drop": null}]}}
            ])
        );
    }
}
