//! `testing::normalise` keeps what a ruleset says and drops what differs
//! between runs.

use keepalived_nft::testing::normalise;
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
