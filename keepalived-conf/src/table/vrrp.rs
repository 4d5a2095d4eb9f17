//! The VRRP sections' keywords (keepalived/vrrp/vrrp_parser.c, man5 "VRRPD
//! CONFIGURATION"); defaults and fallbacks as keepalived 2.2.7 applies them in
//! vrrp.c `vrrp_complete_instance` (docs/keepalived.md).

use super::{BoxField, Field, Keyword, Section, Set, V, Value};

const U32: u64 = u32::MAX as u64;
const CMD: Value = Value::Script;
const fn v(keyword: &'static str, value: Value) -> Keyword {
    Keyword::new(keyword, V, value)
}

const ADDRESSES: Value = Value::Block("ADDRESS[/PREFIX] [dev IF] [scope S] [label L] ... per line");
const GARP_EXTRA_IF: Value = Value::Other("[all] seconds 0..86400");

/// `vrrp_instance NAME { ... }`
pub const INSTANCE: Section = Section {
    name: "vrrp_instance",
    keywords: &[
        v("state", Value::Other("MASTER | BACKUP"))
            .dflt("BACKUP (an owner, priority 255, starts MASTER)"),
        v("interface", Value::Text)
            .set(Set::Text(Field::Instance(|v| &mut v.interface)))
            .dflt("eth0 (default_interface's default)")
            .fallback("global_defs default_interface"),
        v("virtual_router_id", Value::uint(1, 255))
            .set(Set::U8(Field::Instance(|v| &mut v.virtual_router_id)))
            .dflt("none (required)"),
        v("priority", Value::uint(1, 255))
            .set(Set::U8(Field::Instance(|v| &mut v.priority)))
            .dflt("100; 255 with state MASTER"),
        v("advert_int", Value::secs(10_000, 255_000_000))
            .set(Set::Seconds(Field::Instance(|v| &mut v.advert_int)))
            .dflt("1"),
        v("version", Value::uint(2, 3))
            .set(Set::U8(Field::Instance(|v| &mut v.version)))
            .dflt("2; 3 for IPv6")
            .fallback("global_defs vrrp_version"),
        v("nopreempt", Value::Bare)
            .set(Set::On(Field::Instance(|v| &mut v.nopreempt)))
            .dflt("preempt"),
        v("preempt", Value::Bare)
            .set(Set::Off(Field::Instance(|v| &mut v.nopreempt)))
            .dflt("on"),
        v("preempt_delay", Value::secs(0, 1_000_000_000))
            .set(Set::Seconds(Field::Instance(|v| &mut v.preempt_delay)))
            .dflt("0"),
        v(
            "authentication",
            Value::Block("auth_type PASS|AH, auth_pass"),
        )
        .dflt("none"),
        v("virtual_ipaddress", ADDRESSES).dflt("none"),
        v("virtual_ipaddress_excluded", ADDRESSES).dflt("none"),
        v("no_virtual_ipaddress", Value::Bare)
            .set(Set::On(Field::Instance(|v| &mut v.no_virtual_ipaddress)))
            .dflt("off"),
        v("virtual_routes", Value::Block("routes, one per line")).dflt("none"),
        v("virtual_rules", Value::Block("rules, one per line")).dflt("none"),
        v("track_interface", Value::Track { max_weight: 253 }).dflt("none"),
        v("track_script", Value::Track { max_weight: 253 }).dflt("none"),
        v("track_file", Value::Track { max_weight: 254 }).dflt("none"),
        v("track_process", Value::Track { max_weight: 254 }).dflt("none"),
        v("track_bfd", Value::Track { max_weight: 253 }).dflt("none"),
        v("dont_track_primary", Value::Bare)
            .set(Set::On(Field::Instance(|v| &mut v.dont_track_primary)))
            .dflt("off"),
        v("mcast_src_ip", Value::Ip)
            .set(Set::IpSkipped(Field::Instance(|v| &mut v.mcast_src_ip)))
            .dflt("the interface's primary address"),
        v("unicast_src_ip", Value::Ip)
            .set(Set::IpSkipped(Field::Instance(|v| &mut v.unicast_src_ip)))
            .dflt("the interface's primary address"),
        v(
            "unicast_peer",
            Value::Block("IP [min_ttl N] [max_ttl N] per line"),
        )
        .dflt("none (multicast)"),
        v("unicast_ttl", Value::uint(0, 255))
            .set(Set::U8(Field::Instance(|v| &mut v.unicast_ttl)))
            .dflt("255"),
        v("mcast_dst_ip", Value::Ip)
            .dflt("224.0.0.18 / ff02::12")
            .fallback("global_defs vrrp_mcast_group4 / vrrp_mcast_group6"),
        v("check_unicast_src", Value::Bare)
            .set(Set::On(Field::Instance(|v| &mut v.check_unicast_src)))
            .dflt("off")
            .fallback("global_defs vrrp_check_unicast_src"),
        v("unicast_fault_no_peer", Value::Bare)
            .set(Set::On(Field::Instance(|v| &mut v.unicast_fault_no_peer)))
            .dflt("off"),
        v("use_vmac", Value::Other("[NAME] [MAC]"))
            .dflt("off; named vrrp.VRID when written without a name"),
        v(
            "use_ipvlan",
            Value::Other("[NAME] [ADDRESS] [bridge|private|vepa]"),
        )
        .dflt("off"),
        v("vmac_xmit_base", Value::Bare)
            .set(Set::On(Field::Instance(|v| &mut v.vmac_xmit_base)))
            .dflt("off"),
        v("promote_secondaries", Value::Bare)
            .set(Set::On(Field::Instance(|v| &mut v.promote_secondaries)))
            .dflt("off"),
        v("track_src_ip", Value::Bare)
            .set(Set::On(Field::Instance(|v| &mut v.track_src_ip)))
            .dflt("off"),
        v("garp_extra_if", GARP_EXTRA_IF)
            .dflt("0 (none)")
            .fallback("global_defs vrrp_garp_extra_if"),
        v("vmac_garp_intvl", GARP_EXTRA_IF)
            .dflt("0 (none)")
            .fallback("global_defs vrrp_garp_extra_if"),
        v("accept", Value::Bare)
            .set(Set::On(Field::Instance(|v| &mut v.accept)))
            .dflt("on, off in strict mode; on for the address owner"),
        v("no_accept", Value::Bare)
            .set(Set::Off(Field::Instance(|v| &mut v.accept)))
            .dflt("off (on in strict mode)"),
        v("garp_master_delay", Value::uint(0, U32))
            .set(Set::U32(Field::Instance(|v| &mut v.garp_master_delay)))
            .dflt("5")
            .fallback("global_defs vrrp_garp_master_delay"),
        v("garp_master_repeat", Value::uint(0, U32))
            .set(Set::U32(Field::Instance(|v| &mut v.garp_master_repeat)))
            .dflt("5")
            .fallback("global_defs vrrp_garp_master_repeat"),
        v("garp_master_refresh", Value::uint(0, U32))
            .set(Set::U32(Field::Instance(|v| &mut v.garp_master_refresh)))
            .dflt("0 (none)")
            .fallback("global_defs vrrp_garp_master_refresh"),
        v("garp_master_refresh_repeat", Value::uint(0, U32))
            .set(Set::U32(Field::Instance(|v| {
                &mut v.garp_master_refresh_repeat
            })))
            .dflt("1")
            .fallback("global_defs vrrp_garp_master_refresh_repeat"),
        v("garp_lower_prio_delay", Value::uint(0, U32))
            .set(Set::U32(Field::Instance(|v| &mut v.garp_lower_prio_delay)))
            .dflt("5")
            .fallback("global_defs vrrp_garp_lower_prio_delay, then vrrp_garp_master_delay"),
        v("garp_lower_prio_repeat", Value::uint(0, U32))
            .set(Set::U32(Field::Instance(|v| &mut v.garp_lower_prio_repeat)))
            .dflt("5")
            .fallback("global_defs vrrp_garp_lower_prio_repeat, then vrrp_garp_master_repeat"),
        v("down_timer_adverts", Value::uint(1, 100))
            .set(Set::U32(Field::Instance(|v| &mut v.down_timer_adverts)))
            .dflt("3")
            .fallback("global_defs vrrp_down_timer_adverts"),
        v("lower_prio_no_advert", Value::Flag)
            .set(Set::On(Field::Instance(|v| &mut v.lower_prio_no_advert)))
            .dflt("off")
            .fallback("global_defs vrrp_lower_prio_no_advert"),
        v("higher_prio_send_advert", Value::Flag)
            .set(Set::On(Field::Instance(|v| &mut v.higher_prio_send_advert)))
            .dflt("off")
            .fallback("global_defs vrrp_higher_prio_send_advert"),
        v("skip_check_adv_addr", Value::Flag)
            .set(Set::On(Field::Instance(|v| &mut v.skip_check_adv_addr)))
            .dflt("off")
            .fallback("global_defs vrrp_skip_check_adv_addr"),
        v("strict_mode", Value::Flag)
            .set(Set::On(Field::Instance(|v| &mut v.strict_mode)))
            .dflt("off")
            .fallback("global_defs vrrp_strict"),
        v("v3_checksum_as_v2", Value::Flag)
            .set(Set::On(Field::Instance(|v| &mut v.v3_checksum_as_v2)))
            .dflt("off"),
        v("notify_master", CMD)
            .set(Set::BoxedScript(BoxField::Instance(|v| {
                &mut v.notify_master
            })))
            .dflt("none"),
        v("notify_backup", CMD)
            .set(Set::BoxedScript(BoxField::Instance(|v| {
                &mut v.notify_backup
            })))
            .dflt("none"),
        v("notify_fault", CMD)
            .set(Set::BoxedScript(BoxField::Instance(|v| {
                &mut v.notify_fault
            })))
            .dflt("none"),
        v("notify_stop", CMD)
            .set(Set::BoxedScript(BoxField::Instance(|v| &mut v.notify_stop)))
            .dflt("none"),
        v("notify_deleted", Value::Other("[script [USER [GROUP]]]"))
            .dflt("off (notify_fault's script runs)"),
        v("notify_master_rx_lower_pri", CMD)
            .set(Set::BoxedScript(BoxField::Instance(|v| {
                &mut v.notify_master_rx_lower_pri
            })))
            .dflt("none"),
        v("notify", CMD)
            .set(Set::BoxedScript(BoxField::Instance(|v| &mut v.notify)))
            .dflt("none"),
        v("notify_priority_changes", Value::Flag)
            .set(Set::On(Field::Instance(|v| &mut v.notify_priority_changes)))
            .dflt("off")
            .fallback("the sync group's notify_priority_changes, then global_defs vrrp_notify_priority_changes"),
        v("smtp_alert", Value::Flag)
            .set(Set::On(Field::Instance(|v| &mut v.smtp_alert)))
            .dflt("off")
            .fallback("global_defs smtp_alert_vrrp, then smtp_alert"),
        // kept as written
        v("vrf", Value::Text).dflt("none").kept(),
        v("use_vmac_addr", Value::Bare)
            .dflt("off")
            .raw()
            .not_acted(V, "put the VMAC's address on the VMAC interface"),
        v("timer_expired_backup", Value::Bare).dflt("off").raw(),
        v("thread_timer_expired", Value::Bare).dflt("off").raw(),
        v("owner_ignore_adverts", Value::Bare).dflt("off").raw(),
        v("old_unicast_checksum", Value::Other("[never]"))
            .dflt("off")
            .raw(),
        v("native_ipv6", Value::Bare).dflt("off").raw(),
        v("kernel_rx_buf_size", Value::Text)
            .dflt("computed from the instances")
            .raw(),
        v("debug", Value::Other("[LEVEL]")).dflt("0").raw(),
        v("linkbeat_use_polling", Value::Bare).dflt("off").raw(),
        v("auth_hmac", Value::Words).dflt("none").raw(),
        // vrrp_parser.c `vrrp_lvs_syncd_handler`: deprecated, read with a warning
        // (build/vrrp.rs)
        v("lvs_sync_daemon_interface", Value::Text)
            .dflt("none")
            .raw()
            .not_acted(
                V,
                "run the IPVS sync daemon on this interface, following this instance, as \
                 global_defs `lvs_sync_daemon IF INSTANCE` does (unless one is already set)",
            ),
    ],
};

/// `vrrp_sync_group NAME { ... }`
pub const SYNC_GROUP: Section = Section {
    name: "vrrp_sync_group",
    keywords: &[
        v("group", Value::Block("vrrp_instance names, one per line")).dflt("none"),
        v("track_interface", Value::Track { max_weight: 253 }).dflt("none"),
        v("track_script", Value::Track { max_weight: 253 }).dflt("none"),
        v("track_file", Value::Track { max_weight: 254 }).dflt("none"),
        v("track_process", Value::Track { max_weight: 254 }).dflt("none"),
        v("track_bfd", Value::Track { max_weight: 253 }).dflt("none"),
        v("notify_master", CMD)
            .set(Set::Script(Field::SyncGroup(|g| &mut g.notify_master)))
            .dflt("none"),
        v("notify_backup", CMD)
            .set(Set::Script(Field::SyncGroup(|g| &mut g.notify_backup)))
            .dflt("none"),
        v("notify_fault", CMD)
            .set(Set::Script(Field::SyncGroup(|g| &mut g.notify_fault)))
            .dflt("none"),
        v("notify_stop", CMD)
            .set(Set::Script(Field::SyncGroup(|g| &mut g.notify_stop)))
            .dflt("none"),
        v("notify", CMD)
            .set(Set::Script(Field::SyncGroup(|g| &mut g.notify)))
            .dflt("none"),
        v("smtp_alert", Value::Flag)
            .set(Set::On(Field::SyncGroup(|g| &mut g.smtp_alert)))
            .dflt("off")
            .fallback("global_defs smtp_alert_vrrp, then smtp_alert"),
        v("notify_priority_changes", Value::Flag)
            .set(Set::On(Field::SyncGroup(|g| {
                &mut g.notify_priority_changes
            })))
            .dflt("off"),
        v("sync_group_tracking_weight", Value::Bare)
            .set(Set::On(Field::SyncGroup(|g| {
                &mut g.sync_group_tracking_weight
            })))
            .dflt("off"),
        v("global_tracking", Value::Bare).dflt("off (means sync_group_tracking_weight)"),
        // vrrp_parser.c installs `notify_deleted` for a vrrp_instance only
        v("notify_deleted", Value::Other("[script]"))
            .dflt("off")
            .kept()
            .not_acted(
                V,
                "report it as an unknown keyword (it reads notify_deleted in a vrrp_instance only)",
            ),
    ],
};

/// `vrrp_script NAME { ... }`
pub const SCRIPT: Section = Section {
    name: "vrrp_script",
    keywords: &[
        v("script", CMD)
            .set(Set::Script(Field::Script(|s| &mut s.script)))
            .dflt("none (required)"),
        v("interval", Value::secs(1_000, U32 * 1_000_000))
            .set(Set::Seconds(Field::Script(|s| &mut s.interval)))
            .dflt("1"),
        v("timeout", Value::secs(1_000, U32 * 1_000_000))
            .set(Set::Seconds(Field::Script(|s| &mut s.timeout)))
            .dflt("the interval"),
        v("weight", Value::Weight { max: 253 }).dflt("0"),
        v("rise", Value::uint(1, i32::MAX as u64))
            .set(Set::U32(Field::Script(|s| &mut s.rise)))
            .dflt("1"),
        v("fall", Value::uint(1, i32::MAX as u64))
            .set(Set::U32(Field::Script(|s| &mut s.fall)))
            .dflt("1"),
        v("user", Value::Other("USER [GROUP]"))
            .dflt("keepalived_script if that user exists, else root")
            .fallback("global_defs script_user"),
        v("init_fail", Value::Bare)
            .set(Set::On(Field::Script(|s| &mut s.init_fail)))
            .dflt("off (starts OK)"),
    ],
};

/// `track_file NAME { ... }` (also written `vrrp_track_file`).
pub const TRACK_FILE: Section = Section {
    name: "track_file",
    keywords: &[
        v("file", Value::Text)
            .set(Set::Text(Field::TrackFile(|t| &mut t.file)))
            .dflt("none (required)"),
        v("weight", Value::Weight { max: 254 }).dflt("1"),
        v("init_file", Value::Other("[VALUE] [overwrite]")).dflt("off (the file is not written)"),
    ],
};

/// `vrrp_track_process NAME { ... }`
pub const TRACK_PROCESS: Section = Section {
    name: "vrrp_track_process",
    keywords: &[
        v("process", Value::Words).dflt("none (required)"),
        v("param_match", Value::Other("[initial|partial]")).dflt("the whole command line"),
        v("weight", Value::Weight { max: 254 }).dflt("0"),
        v("quorum", Value::uint(1, 65535)).dflt("1"),
        v("quorum_max", Value::uint(0, 65535)).dflt("no limit"),
        v("delay", Value::secs(1, 3_600_000_000)).dflt("0"),
        v("terminate_delay", Value::secs(1, 3_600_000_000))
            .set(Set::Seconds(Field::TrackProcess(|t| {
                &mut t.terminate_delay
            })))
            .dflt("0; the delay"),
        v("fork_delay", Value::secs(1, 3_600_000_000))
            .set(Set::Seconds(Field::TrackProcess(|t| &mut t.fork_delay)))
            .dflt("0; the delay"),
        v("full_command", Value::Bare)
            .set(Set::On(Field::TrackProcess(|t| &mut t.full_command)))
            .dflt("off"),
    ],
};
