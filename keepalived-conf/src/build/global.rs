//! `global_defs` (keepalived/core/global_parser.c, man5 "Global definitions").

use super::{Ctx, raw_setting};
use crate::diag::Diagnostic;
use crate::model::*;
use crate::span::Spanned;
use crate::table::{self, Section};
use crate::tree::Node;

/// The `global_defs` keywords.
const T: &Section = &table::GLOBAL_DEFS;

const DAY31: u64 = 31 * 24 * 3600;

/// The top-level `net_namespace NAME` or `instance NAME` into `field`
/// (global_parser.c `net_namespace_handler`, `instance_handler`): the first one
/// with a name counts; one without a name, or a later one, is reported and ignored.
/// Words after the name are ignored, as keepalived ignores them.
pub(crate) fn first_name(c: &mut Ctx, n: &Node, field: &mut Opt<String>) {
    let kw = n.keyword();
    let Some(w) = n.args().first() else {
        c.ignored_value(n.span(), format!("`{kw}` name missing"));
        return;
    };
    if field.is_some() {
        c.sink.push(Diagnostic::warning(
            "duplicate",
            n.span(),
            format!(
                "duplicate `{kw}` definition {}; ignored, as keepalived does",
                w.text
            ),
        ));
        return;
    }
    *field = Some(Spanned::new(w.text.to_string(), w.span));
}

pub(crate) fn global_defs(c: &mut Ctx, n: &Node, g: &mut GlobalDefs) {
    for item in c.items(n) {
        let kw = item.keyword();
        if super::row::set_from(c, item, T, g) {
            continue;
        }
        match kw {
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
                    .uint_of::<u64>(item, T)
                    .map(|s| Spanned::new(std::time::Duration::from_secs(s.value), s.span))
            }
            "script_user" => g.script_user = c.user(item),
            "nftables" => {
                c.no_block(item);
                c.extra(item, 1);
                g.nftables = Some(Spanned::new(
                    item.args().first().map(|w| w.text.to_string()),
                    item.span(),
                ));
            }
            "vrrp_garp_extra_if" | "vrrp_vmac_garp_intvl" => {
                g.vrrp_garp_extra_if = super::vrrp::garp_extra_if(c, item, 1)
            }
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
            "max_auto_priority" => {
                if item.args().is_empty() {
                    g.max_auto_priority = Some(Spanned::new(99, item.span()));
                } else {
                    g.max_auto_priority = c.int_of(item, T);
                }
            }
            "lvs_timeouts" => g.lvs_timeouts = lvs_timeouts(c, item),
            "lvs_sync_daemon" => g.lvs_sync_daemon = lvs_sync_daemon(c, item),
            "lvs_flush_on_stop" | "lvs_flush_onstop" => {
                c.no_block(item);
                g.lvs_flush_on_stop = Some(Spanned::new(true, item.span()))
            }
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
            // global_parser.c `snmp_checker_handler`: no value, any word
            // after it ignored
            "enable_snmp_checker" => {
                c.no_block(item);
                g.enable_snmp_checker = Some(Spanned::new(true, item.span()));
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
                if let Some(v) = c.uint_of::<u32>(item, T)
                    && v.value != 0
                {
                    g.process_monitor_rcv_bufs = Some(v);
                }
            }
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
            k if T.as_written(k) => {
                c.no_block(item);
                g.other.push(raw_setting(item));
            }
            _ => c.unknown(item, "`global_defs`", &T.names()),
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
