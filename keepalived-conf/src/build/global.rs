//! `global_defs` (keepalived/core/global_parser.c, man5 "Global definitions").

use super::{Ctx, raw_setting};
use crate::diag::Diagnostic;
use crate::model::*;
use crate::span::Spanned;
use crate::tree::Node;

const TYPED: &[&str] = &[
    "router_id",
    "notification_email",
    "notification_email_from",
    "smtp_server",
    "smtp_connect_timeout",
    "smtp_helo_name",
    "smtp_alert",
    "smtp_alert_vrrp",
    "smtp_alert_checker",
    "enable_script_security",
    "script_user",
    "vrrp_version",
    "vrrp_iptables",
    "vrrp_ipsets",
    "nftables",
    "nftables_priority",
    "nftables_counters",
    "nftables_ifindex",
    "disable_local_igmp",
    "vrrp_strict",
    "vrrp_check_unicast_src",
    "vrrp_skip_check_adv_addr",
    "vrrp_garp_master_delay",
    "vrrp_garp_master_repeat",
    "vrrp_garp_master_refresh",
    "vrrp_garp_master_refresh_repeat",
    "vrrp_garp_lower_prio_delay",
    "vrrp_garp_lower_prio_repeat",
    "vrrp_garp_interval",
    "vrrp_gna_interval",
    "vrrp_min_garp",
    "vrrp_lower_prio_no_advert",
    "vrrp_higher_prio_send_advert",
    "vrrp_down_timer_adverts",
    "vrrp_mcast_group4",
    "vrrp_mcast_group6",
    "default_interface",
    "vrrp_startup_delay",
    "vrrp_delay_after_boot",
    "max_auto_priority",
    "lvs_timeouts",
    "lvs_sync_daemon",
    "lvs_flush",
    "lvs_flush_on_stop",
    "lvs_flush_onstop",
    "notify_fifo",
    "vrrp_notify_fifo",
    "lvs_notify_fifo",
    "notify_fifo_script",
    "vrrp_notify_fifo_script",
    "lvs_notify_fifo_script",
    "rs_init_notifies",
    "enable_snmp_rfc",
    "enable_snmp_rfcv2",
    "enable_snmp_rfcv3",
    "enable_snmp_vrrp",
    "enable_snmp_keepalived",
    "enable_traps",
    "snmp_socket",
    "dynamic_interfaces",
    "process_monitor_rcv_bufs",
    "process_monitor_rcv_bufs_force",
    "no_email_faults",
    "vrrp_garp_extra_if",
    "vrrp_vmac_garp_intvl",
];

/// Recognised `global_defs` keywords kept as written.
pub(crate) const RAW: &[&str] = &[
    "no_checker_emails",
    "checker_log_all_failures",
    "startup_script",
    "startup_script_timeout",
    "shutdown_script",
    "shutdown_script_timeout",
    "vrrp_owner_ignore_adverts",
    "v3_checksum_as_v2",
    "vrrp_notify_priority_changes",
    "nftables_ipvs",
    "nftables_ipvs_priority",
    "nftables_ipvs_start_fwmark",
    "fifo_write_vrrp_states_on_reload",
    "vmac_prefix",
    "vmac_addr_prefix",
    "log_unknown_vrids",
    "min_auto_priority_delay",
    "vrrp_priority",
    "vrrp_rt_priority",
    "vrrp_no_swap",
    "vrrp_cpu_affinity",
    "vrrp_rlimit_rttime",
    "vrrp_rlimit_rtime",
    "checker_priority",
    "checker_rt_priority",
    "checker_no_swap",
    "checker_cpu_affinity",
    "checker_rlimit_rttime",
    "checker_rlimit_rtime",
    "bfd_priority",
    "bfd_rt_priority",
    "bfd_no_swap",
    "bfd_cpu_affinity",
    "bfd_rlimit_rttime",
    "bfd_rlimit_rtime",
    "vrrp_netlink_cmd_rcv_bufs",
    "vrrp_netlink_cmd_rcv_bufs_force",
    "vrrp_netlink_monitor_rcv_bufs",
    "vrrp_netlink_monitor_rcv_bufs_force",
    "lvs_netlink_cmd_rcv_bufs",
    "lvs_netlink_cmd_rcv_bufs_force",
    "lvs_netlink_monitor_rcv_bufs",
    "lvs_netlink_monitor_rcv_bufs_force",
    "vrrp_rx_bufs_policy",
    "vrrp_rx_bufs_multiplier",
    "umask",
    "random_seed",
    "reload_check_config",
    "reload_time_file",
    "reload_repeat",
    "reload_file",
    "include_check",
    "config_save_dir",
    "tmp_config_directory",
    "data_use_instance",
    "json_version",
    "iproute_usr_dir",
    "iproute_etc_dir",
    "state_dump_file",
    "stats_dump_file",
    "json_dump_file",
    "process_names",
    "process_name",
    "vrrp_process_name",
    "checker_process_name",
    "bfd_process_name",
    "lvs_process_name",
    "use_symlink_paths",
    "set_supplementary_groups",
    "enable_snmp_checker",
    "enable_dbus",
    "dbus_service_name",
    "dbus_no_interface_name",
    "linkbeat_use_polling",
    "lvs_sync_daemon_interface",
    "vrrp_garp_lower_prio_no_advert",
];

pub(crate) fn known() -> Vec<&'static str> {
    TYPED.iter().chain(RAW).copied().collect()
}

const DAY31: u64 = 31 * 24 * 3600;
/// 4294.967295 s in microseconds.
const GARP_MAX_US: u64 = 4_294_967_295;

pub(crate) fn global_defs(c: &mut Ctx, n: &Node, g: &mut GlobalDefs) {
    for item in c.items(n) {
        let kw = item.keyword();
        match kw {
            "router_id" => g.router_id = c.string(item),
            "notification_email" => {
                if item.block.is_none() {
                    c.block_required(item, 0);
                }
                for e in c.items(item) {
                    c.extra(e, 0);
                    if let Some(w) = e.words.first() {
                        g.notification_email
                            .push(Spanned::new(w.text.to_string(), w.span));
                    }
                }
            }
            "notification_email_from" => g.notification_email_from = c.string(item),
            "smtp_server" => {
                c.no_block(item);
                if let Some(w) = c.arg(item) {
                    c.extra(item, 2);
                    let port = item.args().get(1).and_then(|p| c.port_word(p, kw, 1));
                    g.smtp_server = Some(Spanned::new(
                        SmtpServer {
                            host: w.text.to_string(),
                            port,
                        },
                        w.span,
                    ));
                }
            }
            "smtp_connect_timeout" => {
                g.smtp_connect_timeout = c
                    .uint::<u64>(item, 1, u64::from(u32::MAX))
                    .map(|s| Spanned::new(std::time::Duration::from_secs(s.value), s.span))
            }
            "smtp_helo_name" => g.smtp_helo_name = c.string(item),
            "smtp_alert" => g.smtp_alert = c.flag(item),
            "smtp_alert_vrrp" => g.smtp_alert_vrrp = c.flag(item),
            "smtp_alert_checker" => g.smtp_alert_checker = c.flag(item),
            "no_email_faults" => g.no_email_faults = c.bare_flag(item, true),
            "enable_script_security" => g.enable_script_security = c.bare_flag(item, true),
            "script_user" => g.script_user = c.user(item),
            "vrrp_version" => g.vrrp_version = c.uint(item, 2, 3),
            "vrrp_iptables" => g.vrrp_iptables = Some(c.words(item)),
            "vrrp_ipsets" => g.vrrp_ipsets = Some(c.words(item)),
            "nftables" => {
                c.no_block(item);
                c.extra(item, 1);
                g.nftables = Some(Spanned::new(
                    item.args().first().map(|w| w.text.to_string()),
                    item.span(),
                ));
            }
            // global_parser.c vrrp_nftables_priority_handler: any int32.
            "nftables_priority" => {
                g.nftables_priority = c.int(item, i64::from(i32::MIN), i64::from(i32::MAX))
            }
            "nftables_counters" => g.nftables_counters = c.bare_flag(item, true),
            "nftables_ifindex" => g.nftables_ifindex = c.bare_flag(item, true),
            "disable_local_igmp" => g.disable_local_igmp = c.bare_flag(item, true),
            "vrrp_strict" => g.vrrp_strict = c.bare_flag(item, true),
            "vrrp_check_unicast_src" => g.vrrp_check_unicast_src = c.bare_flag(item, true),
            "vrrp_skip_check_adv_addr" => g.vrrp_skip_check_adv_addr = c.flag(item),
            "vrrp_garp_master_delay" => {
                g.vrrp_garp_master_delay = c.uint(item, 0, u64::from(u32::MAX))
            }
            "vrrp_garp_master_repeat" => {
                g.vrrp_garp_master_repeat = c.uint(item, 0, u64::from(u32::MAX))
            }
            "vrrp_garp_extra_if" | "vrrp_vmac_garp_intvl" => {
                g.vrrp_garp_extra_if = super::vrrp::garp_extra_if(c, item, 1)
            }
            "vrrp_garp_master_refresh" => {
                g.vrrp_garp_master_refresh = c.uint(item, 0, u64::from(u32::MAX))
            }
            "vrrp_garp_master_refresh_repeat" => {
                g.vrrp_garp_master_refresh_repeat = c.uint(item, 0, u64::from(u32::MAX))
            }
            "vrrp_garp_lower_prio_delay" => {
                g.vrrp_garp_lower_prio_delay = c.uint(item, 0, u64::from(u32::MAX))
            }
            "vrrp_garp_lower_prio_repeat" => {
                g.vrrp_garp_lower_prio_repeat = c.uint(item, 0, u64::from(u32::MAX))
            }
            "vrrp_garp_interval" => g.vrrp_garp_interval = c.timer(item, 1, GARP_MAX_US),
            "vrrp_gna_interval" => g.vrrp_gna_interval = c.timer(item, 1, GARP_MAX_US),
            "vrrp_min_garp" => g.vrrp_min_garp = c.flag(item),
            "vrrp_lower_prio_no_advert" => g.vrrp_lower_prio_no_advert = c.flag(item),
            "vrrp_higher_prio_send_advert" => g.vrrp_higher_prio_send_advert = c.flag(item),
            "vrrp_down_timer_adverts" => g.vrrp_down_timer_adverts = c.uint(item, 1, 100),
            "vrrp_mcast_group4" => {
                g.vrrp_mcast_group4 = c.ip(item);
                if let Some(a) = &g.vrrp_mcast_group4
                    && !(a.value.is_ipv4() && a.value.is_multicast())
                {
                    c.sink.error(
                        "invalid-address",
                        a.span,
                        "`vrrp_mcast_group4` must be an IPv4 multicast address",
                    );
                }
            }
            "vrrp_mcast_group6" => {
                g.vrrp_mcast_group6 = c.ip(item);
                if let Some(a) = &g.vrrp_mcast_group6
                    && !(a.value.is_ipv6() && a.value.is_multicast())
                {
                    c.sink.error(
                        "invalid-address",
                        a.span,
                        "`vrrp_mcast_group6` must be an IPv6 multicast address",
                    );
                }
            }
            "default_interface" => g.default_interface = c.string(item),
            "vrrp_startup_delay" | "vrrp_delay_after_boot" => {
                g.vrrp_startup_delay = c.timer(item, 0, 3600 * 1_000_000)
            }
            "max_auto_priority" => {
                if item.args().is_empty() {
                    g.max_auto_priority = Some(Spanned::new(99, item.span()));
                } else {
                    g.max_auto_priority = c.int(item, -1, 99);
                }
            }
            "lvs_timeouts" => g.lvs_timeouts = lvs_timeouts(c, item),
            "lvs_sync_daemon" => g.lvs_sync_daemon = lvs_sync_daemon(c, item),
            "lvs_flush" => g.lvs_flush = c.bare_flag(item, true),
            "lvs_flush_on_stop" | "lvs_flush_onstop" => {
                c.no_block(item);
                g.lvs_flush_on_stop = Some(Spanned::new(true, item.span()))
            }
            "notify_fifo" => g.notify_fifo = c.script(item),
            "vrrp_notify_fifo" => g.vrrp_notify_fifo = c.script(item),
            "lvs_notify_fifo" => g.lvs_notify_fifo = c.script(item),
            // a later line replaces an earlier one (global_parser.c notify_fifo_script())
            "notify_fifo_script" => g.notify_fifo_script = c.script(item),
            "vrrp_notify_fifo_script" => g.vrrp_notify_fifo_script = c.script(item),
            "lvs_notify_fifo_script" => g.lvs_notify_fifo_script = c.script(item),
            "rs_init_notifies" => g.rs_init_notifies = c.flag(item),
            // global_parser.c `snmp_rfc_handler`, `snmp_rfcv2_handler`,
            // `snmp_rfcv3_handler`: no value, any word after it ignored;
            // enable_snmp_rfc is both of the others
            "enable_snmp_rfc" | "enable_snmp_rfcv2" | "enable_snmp_rfcv3" => {
                c.no_block(item);
                let on = || Some(Spanned::new(true, item.span()));
                if kw != "enable_snmp_rfcv3" {
                    g.enable_snmp_rfcv2 = on();
                }
                if kw != "enable_snmp_rfcv2" {
                    g.enable_snmp_rfcv3 = on();
                }
            }
            // global_parser.c `snmp_vrrp_handler` (both names): no value,
            // any word after it ignored
            "enable_snmp_vrrp" | "enable_snmp_keepalived" => {
                c.no_block(item);
                g.enable_snmp_vrrp = Some(Spanned::new(true, item.span()));
            }
            // global_parser.c `trap_handler`: no value, any word after it ignored
            "enable_traps" => {
                c.no_block(item);
                g.enable_traps = Some(Spanned::new(true, item.span()));
            }
            // global_parser.c `snmp_socket_handler`: the first one counts
            "snmp_socket" => {
                let v = c.string(item);
                if g.snmp_socket.is_none() {
                    g.snmp_socket = v;
                }
            }
            // global_parser.c `process_monitor_rcv_bufs_handler`: 0 is ignored
            "process_monitor_rcv_bufs" => {
                if let Some(v) = c.uint::<u32>(item, 0, u64::from(u32::MAX))
                    && v.value != 0
                {
                    g.process_monitor_rcv_bufs = Some(v);
                }
            }
            "process_monitor_rcv_bufs_force" => g.process_monitor_rcv_bufs_force = c.flag(item),
            "dynamic_interfaces" => {
                c.no_block(item);
                g.dynamic_interfaces = Some(Spanned::new(true, item.span()));
                // global_parser.c dynamic_interfaces_handler
                for w in item.args() {
                    if w.text == "allow_if_changes" {
                        g.allow_if_changes = Some(Spanned::new(true, w.span));
                    } else {
                        c.bad(
                            w,
                            "dynamic_interfaces",
                            format!("unknown dynamic_interfaces option `{}`", w.text),
                        );
                    }
                }
            }
            k if RAW.contains(&k) => {
                c.no_block(item);
                g.other.push(raw_setting(item));
            }
            _ => c.unknown(item, "`global_defs`", &known()),
        }
    }
}

fn lvs_timeouts(c: &mut Ctx, n: &Node) -> Option<Spanned<LvsTimeouts>> {
    c.no_block(n);
    let mut t = LvsTimeouts::default();
    let args = n.args();
    let mut i = 0;
    while i < args.len() {
        let k = args[i].text.as_str();
        let Some(v) = args.get(i + 1) else {
            c.sink.error(
                "missing-value",
                args[i].span,
                format!("`lvs_timeouts {k}` needs a number of seconds"),
            );
            break;
        };
        let val = c
            .uint_word::<u32>(v, "lvs_timeouts", 0, DAY31)
            .map(|s| s.value);
        match k {
            "tcp" => t.tcp = val,
            "tcpfin" => t.tcpfin = val,
            "udp" => t.udp = val,
            _ => c.sink.push(
                Diagnostic::error(
                    "invalid-value",
                    args[i].span,
                    format!("unknown `lvs_timeouts` option `{k}`"),
                )
                .with_hint("expected `tcp`, `tcpfin` or `udp`"),
            ),
        }
        i += 2;
    }
    Some(Spanned::new(t, n.span()))
}

fn lvs_sync_daemon(c: &mut Ctx, n: &Node) -> Option<Spanned<LvsSyncDaemon>> {
    c.no_block(n);
    let iface = c.arg(n)?;
    let mut d = LvsSyncDaemon {
        interface: iface.text.to_string(),
        ..Default::default()
    };
    let args = &n.args()[1..];
    let mut i = 0;
    while i < args.len() {
        let k = args[i].text.as_str();
        let next = args.get(i + 1);
        let takes_value = matches!(k, "id" | "maxlen" | "port" | "ttl" | "group" | "inst");
        if takes_value {
            // global_parser.c lvs_syncd_handler(): "No value specified for
            // lvs_sync_daemon ... - ignoring"
            let Some(v) = next else {
                c.sink.warn(
                    "missing-value",
                    args[i].span,
                    format!("`lvs_sync_daemon {k}` needs a value; ignored, as keepalived does"),
                );
                break;
            };
            match k {
                "id" => {
                    d.id = c
                        .uint_word::<u8>(v, "lvs_sync_daemon id", 0, 255)
                        .map(|s| s.value)
                }
                "maxlen" => {
                    d.maxlen = c
                        .uint_word::<u16>(v, "lvs_sync_daemon maxlen", 1, 65507)
                        .map(|s| s.value)
                }
                "port" => {
                    d.port = c
                        .uint_word::<u16>(v, "lvs_sync_daemon port", 1, 65535)
                        .map(|s| s.value)
                }
                // `inst VI` names the instance (keepalived 2.x syntax); a second name
                // is "already been specified ... - ignoring".
                "inst" => {
                    if d.instance.is_some() {
                        c.sink.warn(
                            "ignored",
                            v.span,
                            "the lvs_sync_daemon vrrp instance is already given; ignored, as keepalived does",
                        );
                    } else {
                        d.instance = Some(v.text.to_string());
                    }
                }
                "ttl" => {
                    d.ttl = c
                        .uint_word::<u8>(v, "lvs_sync_daemon ttl", 1, 255)
                        .map(|s| s.value)
                }
                _ => d.group = c.ip_word(v, "lvs_sync_daemon group").map(|s| s.value),
            }
            i += 2;
        } else if i == 0 && d.instance.is_none() {
            d.instance = Some(k.to_string());
            i += 1;
        } else {
            c.sink.warn(
                "invalid-value",
                args[i].span,
                format!("unknown `lvs_sync_daemon` option `{k}`; ignored"),
            );
            i += 1;
        }
    }
    Some(Spanned::new(d, iface.span))
}
