//! `global_defs` keywords (keepalived/core/global_parser.c, man5 "Global definitions").
//! A keyword's daemons follow keepalived's naming: the VRRP process's (`vrrp_*`,
//! `vmac_*`, `nftables*`, BFD and process tracking), the checker's (`checker_*`,
//! `lvs_*`, `nftables_ipvs*`), or the whole program's. A row with a plain value
//! names the field it sets ([`Set`]); the others are read by `global_defs`'s builder.

use super::{Daemon, Field, Keyword, L, Section, Set, V, VL, Value};

const U32: u64 = u32::MAX as u64;
/// 4294.967295 s in microseconds.
pub(crate) const GARP_MAX_US: u64 = 4_294_967_295;
const fn g(keyword: &'static str, daemons: &'static [Daemon], value: Value) -> Keyword {
    Keyword::new(keyword, daemons, value)
}

const IPTABLES: &str = "ignore it as its Debian build (nftables only) does, logging \
                        'iptables not supported, using nftables instead': vrrpd uses \
                        nftables table keepalived the same way";
const DBUS: &str = "publish instance states and accept commands over D-Bus";

/// `global_defs { ... }`
pub const GLOBAL_DEFS: Section = Section {
    name: "global_defs",
    keywords: &[
        g("router_id", VL, Value::Text)
            .set(Set::Text(Field::Global(|g| &mut g.router_id)))
            .dflt("the host name"),
        g(
            "notification_email",
            VL,
            Value::Block("addresses, one per line"),
        )
        .dflt("none"),
        g("notification_email_from", VL, Value::Text)
            .set(Set::Text(Field::Global(|g| &mut g.notification_email_from)))
            .dflt("keepalived@ the host name"),
        g("smtp_server", VL, Value::Other("HOST [PORT]")).dflt("none (no mail); port 25"),
        g("smtp_connect_timeout", VL, Value::uint(1, U32)).dflt("30"),
        g("smtp_helo_name", VL, Value::Text)
            .set(Set::Text(Field::Global(|g| &mut g.smtp_helo_name)))
            .dflt("the host name"),
        g("smtp_alert", VL, Value::Flag)
            .set(Set::On(Field::Global(|g| &mut g.smtp_alert)))
            .dflt("off"),
        g("smtp_alert_vrrp", VL, Value::Flag)
            .set(Set::On(Field::Global(|g| &mut g.smtp_alert_vrrp)))
            .dflt("off")
            .fallback("smtp_alert"),
        g("smtp_alert_checker", VL, Value::Flag)
            .set(Set::On(Field::Global(|g| &mut g.smtp_alert_checker)))
            .dflt("off")
            .fallback("smtp_alert"),
        g("enable_script_security", VL, Value::Bare)
            .set(Set::On(Field::Global(|g| &mut g.enable_script_security)))
            .dflt("off"),
        g("script_user", VL, Value::Other("USER [GROUP]"))
            .dflt("keepalived_script if that user exists, else root"),
        g("vrrp_version", V, Value::uint(2, 3))
            .set(Set::U8(Field::Global(|g| &mut g.vrrp_version)))
            .dflt("2"),
        g("vrrp_iptables", V, Value::Words)
            .set(Set::Words(Field::Global(|g| &mut g.vrrp_iptables)))
            .dflt("none")
            .not_acted(V, IPTABLES),
        g("vrrp_ipsets", V, Value::Words)
            .set(Set::Words(Field::Global(|g| &mut g.vrrp_ipsets)))
            .dflt("none")
            .not_acted(V, IPTABLES),
        g("nftables", V, Value::Other("[TABLE]")).dflt("keepalived"),
        // global_parser.c `vrrp_nftables_priority_handler`: any int32
        g(
            "nftables_priority",
            V,
            Value::int(i32::MIN as i64, i32::MAX as i64),
        )
        .set(Set::I32(Field::Global(|g| &mut g.nftables_priority)))
        .dflt("-1"),
        g("nftables_counters", V, Value::Bare)
            .set(Set::On(Field::Global(|g| &mut g.nftables_counters)))
            .dflt("off"),
        g("nftables_ifindex", V, Value::Bare)
            .set(Set::On(Field::Global(|g| &mut g.nftables_ifindex)))
            .dflt("off (interface names, where nftables matches them)"),
        g("disable_local_igmp", V, Value::Bare)
            .set(Set::On(Field::Global(|g| &mut g.disable_local_igmp)))
            .dflt("off"),
        g("vrrp_strict", V, Value::Bare)
            .set(Set::On(Field::Global(|g| &mut g.vrrp_strict)))
            .dflt("off"),
        g("vrrp_check_unicast_src", V, Value::Bare)
            .set(Set::On(Field::Global(|g| &mut g.vrrp_check_unicast_src)))
            .dflt("off"),
        g("vrrp_skip_check_adv_addr", V, Value::Flag)
            .set(Set::On(Field::Global(|g| &mut g.vrrp_skip_check_adv_addr)))
            .dflt("off"),
        g("vrrp_garp_master_delay", V, Value::uint(0, U32))
            .set(Set::U32(Field::Global(|g| &mut g.vrrp_garp_master_delay)))
            .dflt("5"),
        g("vrrp_garp_master_repeat", V, Value::uint(0, U32))
            .set(Set::U32(Field::Global(|g| &mut g.vrrp_garp_master_repeat)))
            .dflt("5"),
        g("vrrp_garp_master_refresh", V, Value::uint(0, U32))
            .set(Set::U32(Field::Global(|g| &mut g.vrrp_garp_master_refresh)))
            .dflt("0 (none)"),
        g("vrrp_garp_master_refresh_repeat", V, Value::uint(0, U32))
            .set(Set::U32(Field::Global(|g| {
                &mut g.vrrp_garp_master_refresh_repeat
            })))
            .dflt("1"),
        g("vrrp_garp_lower_prio_delay", V, Value::uint(0, U32))
            .set(Set::U32(Field::Global(|g| {
                &mut g.vrrp_garp_lower_prio_delay
            })))
            .dflt("5")
            .fallback("vrrp_garp_master_delay"),
        g("vrrp_garp_lower_prio_repeat", V, Value::uint(0, U32))
            .set(Set::U32(Field::Global(|g| {
                &mut g.vrrp_garp_lower_prio_repeat
            })))
            .dflt("5")
            .fallback("vrrp_garp_master_repeat"),
        g("vrrp_garp_interval", V, Value::secs(1, GARP_MAX_US))
            .set(Set::Seconds(Field::Global(|g| &mut g.vrrp_garp_interval)))
            .dflt("0"),
        g("vrrp_gna_interval", V, Value::secs(1, GARP_MAX_US))
            .set(Set::Seconds(Field::Global(|g| &mut g.vrrp_gna_interval)))
            .dflt("0"),
        g("vrrp_min_garp", V, Value::Flag)
            .set(Set::On(Field::Global(|g| &mut g.vrrp_min_garp)))
            .dflt("off"),
        g("vrrp_lower_prio_no_advert", V, Value::Flag)
            .set(Set::On(Field::Global(|g| &mut g.vrrp_lower_prio_no_advert)))
            .dflt("off"),
        g("vrrp_higher_prio_send_advert", V, Value::Flag)
            .set(Set::On(Field::Global(|g| {
                &mut g.vrrp_higher_prio_send_advert
            })))
            .dflt("off"),
        g("vrrp_down_timer_adverts", V, Value::uint(1, 100))
            .set(Set::U32(Field::Global(|g| &mut g.vrrp_down_timer_adverts)))
            .dflt("3"),
        g("vrrp_mcast_group4", V, Value::Ip).dflt("224.0.0.18"),
        g("vrrp_mcast_group6", V, Value::Ip).dflt("ff02::12"),
        g("default_interface", V, Value::Text)
            .set(Set::Text(Field::Global(|g| &mut g.default_interface)))
            .dflt("eth0"),
        g("vrrp_startup_delay", V, Value::secs(0, 3_600_000_000))
            .set(Set::Seconds(Field::Global(|g| &mut g.vrrp_startup_delay)))
            .dflt("0"),
        g("vrrp_delay_after_boot", V, Value::secs(0, 3_600_000_000))
            .set(Set::Seconds(Field::Global(|g| &mut g.vrrp_startup_delay)))
            .dflt("0"),
        g("max_auto_priority", VL, Value::int(-1, 99))
            .dflt("0 (off)")
            .not_acted(
                VL,
                "raise its own scheduling priority when it misses timers",
            ),
        g(
            "lvs_timeouts",
            L,
            Value::Other("[tcp S] [tcpfin S] [udp S], S 0..2678400"),
        )
        .dflt("the kernel's"),
        g(
            "lvs_sync_daemon",
            L,
            Value::Other(
                "IF [INSTANCE] [id 0..255] [maxlen 1..65507] [port P] [ttl 1..255] [group IP]",
            ),
        )
        .dflt("none"),
        g("lvs_flush", L, Value::Bare)
            .set(Set::On(Field::Global(|g| &mut g.lvs_flush)))
            .dflt("off"),
        g("lvs_flush_on_stop", L, Value::Other("[VS]")).dflt("off"),
        g("lvs_flush_onstop", L, Value::Other("[VS]")).dflt("off"),
        g("notify_fifo", VL, Value::Other("PATH [USER [GROUP]]"))
            .set(Set::Script(Field::Global(|g| &mut g.notify_fifo)))
            .dflt("none"),
        g("vrrp_notify_fifo", V, Value::Other("PATH [USER [GROUP]]"))
            .set(Set::Script(Field::Global(|g| &mut g.vrrp_notify_fifo)))
            .dflt("none")
            .fallback("notify_fifo (both are used)"),
        g("lvs_notify_fifo", L, Value::Other("PATH [USER [GROUP]]"))
            .set(Set::Script(Field::Global(|g| &mut g.lvs_notify_fifo)))
            .dflt("none")
            .fallback("notify_fifo (both are used)"),
        // a later line replaces an earlier one (global_parser.c `notify_fifo_script`)
        g("notify_fifo_script", VL, Value::Script)
            .set(Set::Script(Field::Global(|g| &mut g.notify_fifo_script)))
            .dflt("none"),
        g("vrrp_notify_fifo_script", V, Value::Script)
            .set(Set::Script(Field::Global(|g| {
                &mut g.vrrp_notify_fifo_script
            })))
            .dflt("none"),
        g("lvs_notify_fifo_script", L, Value::Script)
            .set(Set::Script(Field::Global(|g| {
                &mut g.lvs_notify_fifo_script
            })))
            .dflt("none"),
        g("rs_init_notifies", VL, Value::Flag)
            .set(Set::On(Field::Global(|g| &mut g.rs_init_notifies)))
            .dflt("off"),
        g("enable_snmp_rfc", VL, Value::Bare).dflt("off"),
        g("enable_snmp_rfcv2", VL, Value::Bare).dflt("off"),
        g("enable_snmp_rfcv3", VL, Value::Bare).dflt("off"),
        // vrrpd serves KEEPALIVED-MIB's global scalars and vrrp part, with
        // its writes; lvsd serves no checker part
        g("enable_snmp_vrrp", VL, Value::Bare).dflt("off"),
        // the old name of enable_snmp_vrrp (global_parser.c)
        g("enable_snmp_keepalived", VL, Value::Bare).dflt("off"),
        // lvsd serves the check subtree, with its traps and writes
        g("enable_snmp_checker", L, Value::Bare).dflt("off"),
        g("enable_traps", VL, Value::Bare).dflt("off"),
        g("snmp_socket", VL, Value::Text).dflt("unix:/var/agentx/master"),
        g("dynamic_interfaces", V, Value::Other("[allow_if_changes]")).dflt("off"),
        g("process_monitor_rcv_bufs", V, Value::uint(0, U32)).dflt("0 (the kernel's)"),
        g("process_monitor_rcv_bufs_force", V, Value::Flag)
            .set(Set::On(Field::Global(|g| {
                &mut g.process_monitor_rcv_bufs_force
            })))
            .dflt("off"),
        g("no_email_faults", V, Value::Bare)
            .set(Set::On(Field::Global(|g| &mut g.no_email_faults)))
            .dflt("off"),
        g(
            "vrrp_garp_extra_if",
            V,
            Value::Other("[all] seconds 1..86400"),
        )
        .dflt("0 (none)"),
        g(
            "vrrp_vmac_garp_intvl",
            V,
            Value::Other("[all] seconds 1..86400"),
        )
        .dflt("0 (none)"),
        // kept as written
        g("no_checker_emails", L, Value::Other("as written"))
            .dflt("off")
            .raw()
            .not_acted(L, "send no mail for checker state changes"),
        g("checker_log_all_failures", L, Value::Other("as written"))
            .dflt("off")
            .raw()
            .not_acted(L, "log every failed check, not only state changes"),
        g("startup_script", VL, Value::Other("as written"))
            .dflt("none")
            .raw()
            .not_acted(VL, "run this script before starting"),
        g("startup_script_timeout", VL, Value::Other("as written"))
            .dflt("10")
            .raw()
            .not_acted(VL, "wait this long for the startup_script"),
        g("shutdown_script", VL, Value::Other("as written"))
            .dflt("none")
            .raw()
            .not_acted(VL, "run this script after stopping"),
        g("shutdown_script_timeout", VL, Value::Other("as written"))
            .dflt("10")
            .raw()
            .not_acted(VL, "wait this long for the shutdown_script"),
        g("vrrp_owner_ignore_adverts", V, Value::Other("as written"))
            .dflt("off")
            .raw(),
        g("v3_checksum_as_v2", V, Value::Other("as written"))
            .dflt("off")
            .raw(),
        g("vrrp_notify_priority_changes", V, Value::Flag)
            .set(Set::On(Field::Global(|g| {
                &mut g.vrrp_notify_priority_changes
            })))
            .dflt("off"),
        g("nftables_ipvs", L, Value::Other("as written"))
            .dflt("none; table keepalived_ipvs when written without one")
            .raw(),
        g("nftables_ipvs_priority", L, Value::Other("as written"))
            .dflt("-1")
            .raw(),
        g("nftables_ipvs_start_fwmark", L, Value::Other("as written"))
            .dflt("1000")
            .raw(),
        g(
            "fifo_write_vrrp_states_on_reload",
            V,
            Value::Other("as written"),
        )
        .dflt("off")
        .raw(),
        g("vmac_prefix", V, Value::Other("as written"))
            .dflt("vrrp")
            .raw(),
        g("vmac_addr_prefix", V, Value::Other("as written"))
            .dflt("vrrp")
            .raw(),
        g("log_unknown_vrids", V, Value::Other("as written"))
            .dflt("off")
            .raw(),
        g("min_auto_priority_delay", VL, Value::Other("as written"))
            .dflt("1000000 (microseconds)")
            .raw(),
        g("vrrp_priority", V, Value::Other("as written"))
            .dflt("0")
            .raw(),
        g("vrrp_rt_priority", V, Value::Other("as written"))
            .dflt("0 (none)")
            .raw(),
        g("vrrp_no_swap", V, Value::Other("as written"))
            .dflt("off")
            .raw(),
        g("vrrp_cpu_affinity", V, Value::Other("as written"))
            .dflt("none (any CPU)")
            .raw(),
        g("vrrp_rlimit_rttime", V, Value::Other("as written"))
            .dflt("10000 (microseconds)")
            .raw(),
        g("vrrp_rlimit_rtime", V, Value::Other("as written"))
            .dflt("10000 (microseconds)")
            .raw(),
        g("checker_priority", L, Value::Other("as written"))
            .dflt("0")
            .raw(),
        g("checker_rt_priority", L, Value::Other("as written"))
            .dflt("0 (none)")
            .raw(),
        g("checker_no_swap", L, Value::Other("as written"))
            .dflt("off")
            .raw(),
        g("checker_cpu_affinity", L, Value::Other("as written"))
            .dflt("none (any CPU)")
            .raw(),
        g("checker_rlimit_rttime", L, Value::Other("as written"))
            .dflt("10000 (microseconds)")
            .raw(),
        g("checker_rlimit_rtime", L, Value::Other("as written"))
            .dflt("10000 (microseconds)")
            .raw(),
        g("bfd_priority", V, Value::Other("as written"))
            .dflt("0")
            .raw(),
        g("bfd_rt_priority", V, Value::Other("as written"))
            .dflt("0 (none)")
            .raw(),
        g("bfd_no_swap", V, Value::Other("as written"))
            .dflt("off")
            .raw(),
        g("bfd_cpu_affinity", V, Value::Other("as written"))
            .dflt("none (any CPU)")
            .raw(),
        g("bfd_rlimit_rttime", V, Value::Other("as written"))
            .dflt("10000 (microseconds)")
            .raw(),
        g("bfd_rlimit_rtime", V, Value::Other("as written"))
            .dflt("10000 (microseconds)")
            .raw(),
        g("vrrp_netlink_cmd_rcv_bufs", V, Value::Other("as written"))
            .dflt("0 (the kernel's)")
            .raw(),
        g(
            "vrrp_netlink_cmd_rcv_bufs_force",
            V,
            Value::Other("as written"),
        )
        .dflt("off")
        .raw(),
        g(
            "vrrp_netlink_monitor_rcv_bufs",
            V,
            Value::Other("as written"),
        )
        .dflt("0 (the kernel's)")
        .raw(),
        g(
            "vrrp_netlink_monitor_rcv_bufs_force",
            V,
            Value::Other("as written"),
        )
        .dflt("off")
        .raw(),
        g("lvs_netlink_cmd_rcv_bufs", L, Value::Other("as written"))
            .dflt("0 (the kernel's)")
            .raw(),
        g(
            "lvs_netlink_cmd_rcv_bufs_force",
            L,
            Value::Other("as written"),
        )
        .dflt("off")
        .raw(),
        g(
            "lvs_netlink_monitor_rcv_bufs",
            L,
            Value::Other("as written"),
        )
        .dflt("0 (the kernel's)")
        .raw(),
        g(
            "lvs_netlink_monitor_rcv_bufs_force",
            L,
            Value::Other("as written"),
        )
        .dflt("off")
        .raw(),
        g("vrrp_rx_bufs_policy", V, Value::Other("as written"))
            .dflt("none (the kernel's)")
            .raw(),
        g("vrrp_rx_bufs_multiplier", V, Value::Other("as written"))
            .dflt("3")
            .raw(),
        g("umask", VL, Value::Other("as written"))
            .dflt("0177")
            .raw(),
        g("random_seed", VL, Value::Other("as written"))
            .dflt("none (from the time)")
            .raw(),
        g("reload_check_config", VL, Value::Other("as written"))
            .dflt("off")
            .raw(),
        g("reload_time_file", VL, Value::Other("as written"))
            .dflt("none")
            .raw(),
        g("reload_repeat", VL, Value::Other("as written"))
            .dflt("off")
            .raw(),
        g("reload_file", VL, Value::Other("as written"))
            .dflt("none")
            .raw(),
        g("include_check", VL, Value::Other("as written"))
            .dflt("off")
            .raw(),
        g("config_save_dir", VL, Value::Other("as written"))
            .dflt("none")
            .raw(),
        g("tmp_config_directory", VL, Value::Other("as written"))
            .dflt("none")
            .raw(),
        g("data_use_instance", VL, Value::Other("as written"))
            .dflt("off")
            .raw(),
        g("json_version", VL, Value::Other("as written"))
            .dflt("1")
            .raw(),
        g("iproute_usr_dir", VL, Value::Other("as written"))
            .dflt("iproute2's (/usr/share/iproute2)")
            .raw(),
        g("iproute_etc_dir", VL, Value::Other("as written"))
            .dflt("iproute2's (/etc/iproute2)")
            .raw(),
        g("state_dump_file", VL, Value::Other("as written"))
            .dflt("/tmp/keepalived.data")
            .raw(),
        g("stats_dump_file", VL, Value::Other("as written"))
            .dflt("/tmp/keepalived.stats")
            .raw(),
        g("json_dump_file", VL, Value::Other("as written"))
            .dflt("/tmp/keepalived.json")
            .raw(),
        g("process_names", VL, Value::Other("as written"))
            .dflt("off")
            .raw(),
        g("process_name", VL, Value::Other("as written"))
            .dflt("keepalived's own")
            .raw(),
        g("vrrp_process_name", V, Value::Other("as written"))
            .dflt("keepalived's own")
            .raw(),
        g("checker_process_name", L, Value::Other("as written"))
            .dflt("keepalived's own")
            .raw(),
        g("bfd_process_name", V, Value::Other("as written"))
            .dflt("keepalived's own")
            .raw(),
        g("lvs_process_name", L, Value::Other("as written"))
            .dflt("keepalived's own")
            .raw(),
        g("use_symlink_paths", VL, Value::Other("as written"))
            .dflt("off")
            .raw(),
        g("set_supplementary_groups", VL, Value::Other("as written"))
            .dflt("off")
            .raw(),
        g("enable_dbus", V, Value::Other("as written"))
            .dflt("off")
            .raw()
            .not_acted(V, DBUS),
        g("dbus_service_name", V, Value::Other("as written"))
            .dflt("org.keepalived.Vrrp1")
            .raw()
            .not_acted(V, DBUS),
        g("dbus_no_interface_name", V, Value::Other("as written"))
            .dflt("off")
            .raw()
            .not_acted(V, DBUS),
        g("linkbeat_use_polling", V, Value::Other("as written"))
            .dflt("off")
            .raw(),
        g("lvs_sync_daemon_interface", L, Value::Other("as written"))
            .dflt("none")
            .raw(),
        g(
            "vrrp_garp_lower_prio_no_advert",
            V,
            Value::Other("as written"),
        )
        .dflt("off")
        .raw(),
    ],
};
