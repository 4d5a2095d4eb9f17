#![allow(clippy::unwrap_used)]
//! Settings the daemons read have typed fields (no daemon looks a keyword up in
//! `GlobalDefs::other`); a later line replaces an earlier one, as in keepalived.

use keepalived_conf::{LoadOptions, parse_str};

#[test]
fn fifo_scripts_and_rs_init_notifies_are_typed_and_the_last_line_wins() {
    let p = parse_str(
        "t.conf",
        "global_defs {\n notify_fifo /run/a.fifo\n notify_fifo_script /bin/first\n \
         notify_fifo_script \"/bin/reader -x\" nobody\n vrrp_notify_fifo_script /bin/v\n \
         lvs_notify_fifo_script /bin/l\n rs_init_notifies\n}\n",
        &LoadOptions::default(),
    );
    assert!(p.diagnostics.is_empty(), "{:?}", p.diagnostics);
    let g = &p.config.global_defs;
    let s = g.notify_fifo_script.as_ref().unwrap();
    assert_eq!(s.value.command, "/bin/reader -x");
    assert_eq!(s.value.user.as_deref(), Some("nobody"));
    assert_eq!(s.span.line, 4);
    assert_eq!(
        g.vrrp_notify_fifo_script.as_ref().unwrap().value.command,
        "/bin/v"
    );
    assert_eq!(
        g.lvs_notify_fifo_script.as_ref().unwrap().value.command,
        "/bin/l"
    );
    assert_eq!(g.rs_init_notifies.as_ref().map(|b| b.value), Some(true));
    assert!(g.other.is_empty(), "{:?}", g.other);
}
