//! Script lines as keepalived 2.2.7 reads them: a quoted (`"` or `'`) or
//! single-word command, then USER [GROUP].

use keepalived_conf::{LoadOptions, parse_str};

#[test]
fn unquoted_script_lines_are_command_then_user_and_group() {
    let p = parse_str(
        "t.conf",
        "vrrp_script a {\n  script 'killall -0 haproxy' # a comment\n}\n\
         vrrp_script b {\n  script /bin/true -0 haproxy\n}\n\
         vrrp_instance V {\n  interface eth0\n  virtual_router_id 1\n\
         \x20 notify_master script parth\n  notify_backup \"/bin/x arg\" u g\n\
         \x20 virtual_ipaddress {\n    192.0.2.1\n  }\n}\n",
        &LoadOptions::default(),
    );
    let cmd = |i: usize| {
        p.config.vrrp_scripts[i]
            .script
            .as_ref()
            .unwrap()
            .value
            .clone()
    };
    assert_eq!(cmd(0).command, "killall -0 haproxy");
    assert_eq!(cmd(0).user, None);
    // keepalived runs `/bin/true` alone: the next words are not arguments.
    assert_eq!(cmd(1).command, "/bin/true");
    let v = &p.config.vrrp_instances[0];
    let m = &v.notify_master.as_ref().unwrap().value;
    assert_eq!(
        (m.command.as_str(), m.user.as_deref(), m.group.as_deref()),
        ("script", Some("parth"), None)
    );
    let b = &v.notify_backup.as_ref().unwrap().value;
    assert_eq!(
        (b.command.as_str(), b.user.as_deref(), b.group.as_deref()),
        ("/bin/x arg", Some("u"), Some("g"))
    );
}
