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
