#![allow(clippy::unwrap_used)]
//! docs/keywords.md is generated from the keyword tables and must not go stale.

use std::path::Path;

#[test]
fn docs_keywords_md_is_current() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../docs/keywords.md");
    let want = keepalived_conf::keywords::matrix_markdown();
    if std::env::var_os("BLESS").is_some() {
        std::fs::write(&path, &want).unwrap();
    }
    let got = std::fs::read_to_string(&path).unwrap();
    assert!(
        got == want,
        "{} is stale: BLESS=1 cargo test -p keepalived-conf --test keyword_matrix",
        path.display()
    );
    // the matrix names the warned keywords of both daemons
    assert!(
        want.contains("| `use_vmac_addr` | vrrp_instance | none | off | warned | - | as written;")
    );
    assert!(want.contains(
        "| `garp_master_delay` | vrrp_instance | integer 0..u32::MAX | \
         unset: global_defs vrrp_garp_master_delay; else 5 | acted on | - | typed |"
    ));
    assert!(want.contains("| `regex` |"));
    assert!(want.lines().filter(|l| l.starts_with("| `")).count() > 300);
}
