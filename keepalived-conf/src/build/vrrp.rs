//! VRRP sections (keepalived/vrrp/vrrp_parser.c, man5 "VRRPD CONFIGURATION").

use super::{Ctx, append_list, raw_setting};
use crate::diag::Diagnostic;
use crate::model::*;
use crate::span::{Span, Spanned};
use crate::table::{self, Section};
use crate::tree::Node;
use crate::values;

/// The instance's keywords.
const T: &Section = &table::INSTANCE;

/// `vrrp_instance NAME { ... }`
pub(crate) fn instance(c: &mut Ctx, n: &Node) -> Option<VrrpInstance> {
    let name = header_name(c, n)?;
    let mut v = VrrpInstance {
        name,
        state: None,
        interface: None,
        virtual_router_id: None,
        priority: None,
        advert_int: None,
        version: None,
        nopreempt: None,
        preempt_delay: None,
        authentication: None,
        virtual_ipaddress: Vec::new(),
        virtual_ipaddress_excluded: Vec::new(),
        no_virtual_ipaddress: None,
        virtual_routes: Vec::new(),
        virtual_rules: Vec::new(),
        track_interface: Vec::new(),
        track_script: Vec::new(),
        track_file: Vec::new(),
        track_process: Vec::new(),
        track_bfd: Vec::new(),
        dont_track_primary: None,
        mcast_src_ip: None,
        unicast_src_ip: None,
        unicast_peer: Vec::new(),
        unicast_ttl: None,
        mcast_dst_ip: None,
        check_unicast_src: None,
        unicast_fault_no_peer: None,
        use_vmac: None,
        use_ipvlan: None,
        vmac_xmit_base: None,
        promote_secondaries: None,
        track_src_ip: None,
        garp_extra_if: None,
        accept: None,
        garp_master_delay: None,
        garp_master_repeat: None,
        garp_master_refresh: None,
        garp_master_refresh_repeat: None,
        garp_lower_prio_delay: None,
        garp_lower_prio_repeat: None,
        down_timer_adverts: None,
        lower_prio_no_advert: None,
        higher_prio_send_advert: None,
        skip_check_adv_addr: None,
        strict_mode: None,
        v3_checksum_as_v2: None,
        notify_master: None,
        notify_backup: None,
        notify_fault: None,
        notify_stop: None,
        notify_deleted: None,
        notify_master_rx_lower_pri: None,
        notify: None,
        notify_priority_changes: None,
        smtp_alert: None,
        other: Vec::new(),
    };
    for item in c.items(n) {
        if super::row::set_from(c, item, T, &mut v) {
            continue;
        }
        let kw = item.keyword();
        match kw {
            "state" => {
                c.no_block(item);
                if let Some(w) = c.arg(item) {
                    c.extra(item, 1);
                    v.state = match w.text.as_str() {
                        "MASTER" => Some(Spanned::new(VrrpState::Master, w.span)),
                        "BACKUP" => Some(Spanned::new(VrrpState::Backup, w.span)),
                        other => {
                            // vrrp_parser.c vrrp_state_handler(): "unknown state '%s',
                            // defaulting to BACKUP".
                            c.sink.push(
                                Diagnostic::warning(
                                    "invalid-value",
                                    w.span,
                                    format!(
                                        "invalid value for `state`: `{other}`; BACKUP is used, as keepalived does"
                                    ),
                                )
                                .with_hint("expected MASTER or BACKUP (upper case)"),
                            );
                            Some(Spanned::new(VrrpState::Backup, w.span))
                        }
                    };
                }
            }
            "authentication" => {
                if c.block_required(item, 0) {
                    v.authentication = Some(Box::new(authentication(c, item)));
                }
            }
            "virtual_ipaddress" => {
                if c.block_required(item, 0) {
                    let l = ip_list(c, item);
                    append_list(&mut v.virtual_ipaddress, l);
                }
            }
            "virtual_ipaddress_excluded" => {
                if c.block_required(item, 0) {
                    let l = ip_list(c, item);
                    append_list(&mut v.virtual_ipaddress_excluded, l);
                }
            }
            "virtual_routes" => {
                if c.block_required(item, 0) {
                    let l = routes(c, item);
                    append_list(&mut v.virtual_routes, l);
                }
            }
            "virtual_rules" => {
                if c.block_required(item, 0) {
                    let l = rules(c, item);
                    append_list(&mut v.virtual_rules, l);
                }
            }
            "track_interface" => append_list(&mut v.track_interface, track_list(c, item, T)),
            "track_script" => append_list(&mut v.track_script, track_list(c, item, T)),
            "track_file" => append_list(&mut v.track_file, track_list(c, item, T)),
            "track_process" => append_list(&mut v.track_process, track_list(c, item, T)),
            "track_bfd" => {
                let known = c.bfd;
                super::bfd::track_bfd_list(c, item, &v.name.value, known, &mut v.track_bfd);
            }
            "unicast_peer" => {
                if c.block_required(item, 0) {
                    let lines = c.items(item);
                    let before = v.unicast_peer.len();
                    for e in lines {
                        if let Some(p) = unicast_peer(c, e) {
                            v.unicast_peer.push(p);
                        }
                    }
                    if v.unicast_peer.len() == before && !lines.is_empty() {
                        // keepalived drops the bad peers ("malformed unicast peer
                        // address ... Skipping", vrrp_data.c alloc_vrrp_unicast_peer)
                        // and, with none left, uses multicast ("Defaulting to
                        // multicast", vrrp.c vrrp_complete_instance): so does vrrpd,
                        // loudly, since adverts meant for chosen peers go to the link.
                        c.sink.push(
                            Diagnostic::warning(
                                "no-unicast-peer",
                                item.span(),
                                "no usable address in `unicast_peer`: the instance uses \
                                 multicast, as keepalived does",
                            )
                            .with_hint(
                                "advertisements go to the whole link, not to the intended \
                                 peers: write the peers' addresses",
                            ),
                        );
                    }
                }
            }
            "mcast_dst_ip" => {
                v.mcast_dst_ip = c.ip(item);
                if let Some(a) = &v.mcast_dst_ip
                    && !a.value.is_multicast()
                {
                    c.sink.error(
                        "invalid-address",
                        a.span,
                        "`mcast_dst_ip` must be a multicast address",
                    );
                }
            }
            "use_vmac" => v.use_vmac = use_vmac(c, item).map(Box::new),
            "use_ipvlan" => {
                if v.use_ipvlan.is_some() {
                    c.sink.push(Diagnostic::warning(
                        "duplicate",
                        item.span(),
                        "`use_ipvlan` already specified; this one is ignored, as keepalived does",
                    ));
                } else {
                    v.use_ipvlan = Some(Box::new(raw_setting(item)));
                }
            }
            "garp_extra_if" | "vmac_garp_intvl" => v.garp_extra_if = garp_extra_if(c, item, 0),
            "notify_deleted" => {
                if item.args().is_empty() {
                    v.notify_deleted = Some(Box::new(Spanned::new(
                        Script {
                            command: String::new(),
                            user: None,
                            group: None,
                        },
                        item.span(),
                    )));
                } else {
                    v.notify_deleted = c.script(item).map(Box::new);
                }
            }
            "lvs_sync_daemon_interface" => {
                c.sink.push(
                    Diagnostic::warning(
                        "deprecated",
                        item.span(),
                        "`lvs_sync_daemon_interface` in a vrrp_instance is deprecated",
                    )
                    .with_hint("use `lvs_sync_daemon IF INSTANCE` in global_defs"),
                );
                v.other.push(raw_setting(item));
            }
            k if T.as_written(k) => v.other.push(raw_setting(item)),
            _ => c.unknown(item, "`vrrp_instance`", &T.names()),
        }
    }
    Some(v)
}

/// The `NAME` of `keyword NAME { ... }`; error and `None` when missing.
pub(crate) fn header_name(c: &mut Ctx, n: &Node) -> Option<Spanned<String>> {
    let Some(w) = n.args().first() else {
        c.sink.push(
            Diagnostic::error(
                "missing-name",
                n.span(),
                format!("`{}` needs a name", n.keyword()),
            )
            .with_hint(format!(
                "write `{} NAME {{`; the block is skipped",
                n.keyword()
            )),
        );
        return None;
    };
    if !c.block_required(n, 1) {
        return None;
    }
    Some(Spanned::new(w.text.to_string(), w.span))
}

fn authentication(c: &mut Ctx, n: &Node) -> Authentication {
    let mut a = Authentication {
        auth_type: None,
        auth_pass: None,
        span: n.span(),
    };
    for item in c.items(n) {
        match item.keyword() {
            "auth_type" => {
                c.no_block(item);
                if let Some(w) = c.arg(item) {
                    c.extra(item, 1);
                    a.auth_type = match w.text.as_str() {
                        "PASS" => Some(Spanned::new(AuthType::Pass, w.span)),
                        "AH" => Some(Spanned::new(AuthType::Ah, w.span)),
                        o => {
                            c.bad(w, "auth_type", format!("`{o}` is not PASS or AH"));
                            None
                        }
                    };
                }
            }
            "auth_pass" => {
                a.auth_pass = c.string(item);
                if let Some(p) = &a.auth_pass
                    && p.value.len() > 8
                {
                    c.sink.warn(
                        "truncated",
                        p.span,
                        "`auth_pass` is longer than 8 bytes; only the first 8 are used",
                    );
                }
            }
            _ => c.unknown(item, "`authentication`", &["auth_type", "auth_pass"]),
        }
    }
    a
}

/// Entries of `virtual_ipaddress` and friends.
pub(crate) fn ip_list(c: &mut Ctx, n: &Node) -> Vec<VirtualIp> {
    // one element per line at most: sized once (most lists hold one address)
    let mut out = Vec::with_capacity(c.items(n).len());
    for e in c.items(n) {
        c.no_block(e);
        let Some(first) = e.words.first() else {
            continue;
        };
        let address = match values::parse_prefix(&first.text) {
            Ok(p) => Spanned::new(p, first.span),
            Err(msg) => {
                // keepalived skips the line ("VRRP parsed invalid IP ... skipping IP",
                // vrrp_ipaddress.c parse_ipaddress()) and runs on.
                let mut d = Diagnostic::warning(
                    "invalid-address",
                    first.span,
                    format!("invalid address in `{}`, skipped: {msg}", n.keyword()),
                );
                if first
                    .text
                    .chars()
                    .all(|ch| ch.is_ascii_uppercase() || ch == '_')
                {
                    d = d.with_hint(format!(
                        "`{}` looks like a placeholder that was never filled in",
                        first.text
                    ));
                } else {
                    d = d.with_hint("one address per line: `ADDRESS[/PREFIX] [dev IF] [brd IP] [scope S] [label L] ...`");
                }
                c.sink.push(d);
                continue;
            }
        };
        let mut vip = VirtualIp {
            address,
            brd: None,
            dev: None,
            scope: None,
            label: None,
            peer: None,
            no_track: false,
            use_vmac: None,
            flags: AddressFlagOptions::default(),
            preferred_lft: None,
            options: Vec::new(),
        };
        let args = e.args();
        let mut i = 0;
        while i < args.len() {
            let k = args[i].text.as_str();
            let val = args.get(i + 1);
            match k {
                "brd" | "broadcast" | "dev" | "scope" | "label" | "peer" | "preferred_lft" => {
                    let Some(val) = val else {
                        c.sink.error(
                            "missing-value",
                            args[i].span,
                            format!("`{k}` needs a value"),
                        );
                        break;
                    };
                    match k {
                        "brd" | "broadcast" => vip.brd = Some(val.text.to_string()),
                        "dev" => vip.dev = Some(val.text.to_string()),
                        "scope" => vip.scope = Some(val.text.to_string()),
                        "label" => vip.label = Some(val.text.to_string()),
                        // parse_ipaddress reads the peer without a prefix:
                        // `IP/LEN` is "Invalid peer address" and the address
                        // stays without a peer.
                        "peer" => match values::parse_prefix(&val.text) {
                            Ok(p) if !val.text.contains('/') => vip.peer = Some(p),
                            Ok(_) => c.sink.push(Diagnostic::warning(
                                "invalid-address",
                                val.span,
                                format!("Invalid peer address {}, ignored", val.text),
                            )),
                            Err(m) => c.sink.error(
                                "invalid-address",
                                val.span,
                                format!("invalid `peer`: {m}"),
                            ),
                        },
                        // parse_ipaddress: `forever` or 0..=u32::MAX, else
                        // "preferred_lft %s is invalid" and the address stays.
                        _ => match val.text.as_str() {
                            "forever" => vip.preferred_lft = Some(PreferredLifetime::Forever),
                            t => match t.parse::<u32>() {
                                Ok(n) => vip.preferred_lft = Some(PreferredLifetime::Seconds(n)),
                                Err(_) => c.sink.push(Diagnostic::warning(
                                    "invalid-value",
                                    val.span,
                                    format!("preferred_lft {t} is invalid, ignored"),
                                )),
                            },
                        },
                    }
                    i += 2;
                }
                "no_track" => {
                    vip.no_track = true;
                    i += 1;
                }
                "use_vmac" => {
                    let name = val
                        .filter(|w| !is_vip_option(&w.text))
                        .map(|w| w.text.to_string());
                    i += 1 + usize::from(name.is_some());
                    vip.use_vmac = Some(name);
                }
                // parse_ipaddress: IFA_F_* words.
                "home" => {
                    vip.flags.home = true;
                    i += 1;
                }
                "-nodad" => {
                    vip.flags.dad = true;
                    i += 1;
                }
                "mngtmpaddr" => {
                    vip.flags.mngtmpaddr = true;
                    i += 1;
                }
                "noprefixroute" => {
                    vip.flags.noprefixroute = true;
                    i += 1;
                }
                "autojoin" => {
                    vip.flags.autojoin = true;
                    i += 1;
                }
                "nodad" => {
                    vip.options.push(k.to_string());
                    i += 1;
                }
                _ => {
                    // keepalived: "Unknown configuration entry ... for ip address - ignoring".
                    let mut d = Diagnostic::warning(
                        "invalid-value",
                        args[i].span,
                        format!(
                            "unknown option `{k}` for address {}, ignored",
                            vip.address.value.addr
                        ),
                    );
                    if values::parse_prefix(k).is_ok() {
                        d = d.with_hint("one address per line");
                    } else if let Some(s) = crate::diag::nearest(k, VIP_OPTIONS) {
                        d = d.with_hint(format!("did you mean `{s}`?"));
                    }
                    c.sink.push(d);
                    i += 1;
                }
            }
        }
        out.push(vip);
    }
    out
}

const VIP_OPTIONS: &[&str] = &[
    "brd",
    "broadcast",
    "dev",
    "scope",
    "label",
    "peer",
    "preferred_lft",
    "no_track",
    "use_vmac",
    "home",
    "-nodad",
    "nodad",
    "mngtmpaddr",
    "noprefixroute",
    "autojoin",
];

fn is_vip_option(s: &str) -> bool {
    VIP_OPTIONS.contains(&s)
}

pub(crate) use super::iproute::{routes, rules};

/// `track_* { NAME [weight N [reverse|noreverse]] }` (also accepts a single inline name),
/// the weight's range from the table `s`.
pub(crate) fn track_list(c: &mut Ctx, n: &Node, s: &Section) -> Vec<TrackRef> {
    let (_, max_weight) = s.int_range(n.keyword());
    let mut out = Vec::with_capacity(c.items(n).len());
    if n.block.is_none() {
        c.block_required(n, 0);
        return out;
    }
    c.extra(n, 0);
    for e in c.items(n) {
        c.no_block(e);
        let Some(name) = e.words.first() else {
            continue;
        };
        let mut t = TrackRef {
            name: name.text.to_string(),
            weight: None,
            reverse: false,
            span: name.span,
        };
        let args = e.args();
        let mut i = 0;
        while i < args.len() {
            match args[i].text.as_str() {
                "weight" => {
                    match args.get(i + 1) {
                        Some(w) => {
                            t.weight = c
                                .int_word::<i32>(w, "weight", -max_weight, max_weight)
                                .map(|s| s.value)
                        }
                        None => {
                            c.sink
                                .error("missing-value", args[i].span, "`weight` needs a value")
                        }
                    }
                    i += 2;
                }
                "reverse" => {
                    t.reverse = true;
                    i += 1;
                }
                "noreverse" => i += 1,
                o => {
                    c.sink.push(
                        Diagnostic::warning(
                            "extra-arguments",
                            args[i].span,
                            format!("unexpected `{o}` after tracked name `{}`", t.name),
                        )
                        .with_hint("syntax: NAME [weight N [reverse]]; one name per line"),
                    );
                    i += 1;
                }
            }
        }
        out.push(t);
    }
    out
}

fn unicast_peer(c: &mut Ctx, e: &Node) -> Option<UnicastPeer> {
    c.no_block(e);
    let w = e.words.first()?;
    let address = c.ip_word_skipped(w, "unicast_peer")?.value;
    let mut p = UnicastPeer {
        address,
        min_ttl: None,
        max_ttl: None,
        span: w.span,
    };
    let args = e.args();
    let mut i = 0;
    while i < args.len() {
        let k = args[i].text.as_str();
        match (k, args.get(i + 1)) {
            ("min_ttl", Some(v)) => p.min_ttl = c.uint_word::<u8>(v, k, 0, 255).map(|s| s.value),
            ("max_ttl", Some(v)) => p.max_ttl = c.uint_word::<u8>(v, k, 0, 255).map(|s| s.value),
            _ => {
                c.sink.push(
                    Diagnostic::warning(
                        "invalid-value",
                        args[i].span,
                        format!("unexpected `{k}` after unicast peer, ignored"),
                    )
                    .with_hint("one peer per line: IP [min_ttl N] [max_ttl N]"),
                );
                i += 1;
                continue;
            }
        }
        i += 2;
    }
    Some(p)
}

/// `[vrrp_]garp_extra_if [all] DELAY`, DELAY in `min..=86400` (0 for an
/// instance, 1 globally); anything else is ignored with keepalived's message
/// (vrrp_parser.c `vrrp_garp_extra_if_handler`, global_parser.c
/// `vrrp_vmac_garp_extra_if_handler`).
pub(crate) fn garp_extra_if(c: &mut Ctx, n: &Node, min: u64) -> Option<Spanned<GarpExtraIf>> {
    c.no_block(n);
    let kw = n.keyword().to_string();
    let mut all = false;
    let mut delay = None;
    for w in n.args() {
        if w.text == "all" {
            all = true;
            continue;
        }
        match values::parse_uint(&w.text, min, 86400) {
            Ok(v) => delay = u32::try_from(v).ok(),
            Err(e) => {
                c.ignored_value(w.span, format!("`{kw}` `{}` invalid: {e}", w.text));
                return None;
            }
        }
    }
    let Some(delay) = delay else {
        c.ignored_value(n.span(), format!("`{kw}` specified without time"));
        return None;
    };
    Some(Spanned::new(GarpExtraIf { delay, all }, n.span()))
}

fn use_vmac(c: &mut Ctx, n: &Node) -> Option<Spanned<UseVmac>> {
    c.no_block(n);
    let mut u = UseVmac {
        name: None,
        mac: None,
        options: Vec::new(),
    };
    for w in n.args() {
        if w.text.contains(':') && u.mac.is_none() {
            match values::parse_mac(&w.text) {
                Some(m) => u.mac = Some(m),
                None => c.bad(w, "use_vmac", format!("`{}` is not a MAC address", w.text)),
            }
        } else if u.name.is_none()
            && u.mac.is_none()
            && u.options.is_empty()
            && w.text != "netlink_notify_msg"
        {
            u.name = Some(w.text.to_string());
        } else {
            u.options.push(w.text.to_string());
        }
    }
    Some(Spanned::new(u, n.span()))
}

/// The sync group's keywords.
const G: &Section = &table::SYNC_GROUP;

/// `vrrp_sync_group NAME { ... }`
pub(crate) fn sync_group(c: &mut Ctx, n: &Node) -> Option<VrrpSyncGroup> {
    let name = header_name(c, n)?;
    let mut g = VrrpSyncGroup {
        name,
        group: Vec::new(),
        track_interface: Vec::new(),
        track_script: Vec::new(),
        track_file: Vec::new(),
        track_process: Vec::new(),
        track_bfd: Vec::new(),
        notify_master: None,
        notify_backup: None,
        notify_fault: None,
        notify_stop: None,
        notify: None,
        smtp_alert: None,
        notify_priority_changes: None,
        sync_group_tracking_weight: None,
        other: Vec::new(),
    };
    for item in c.items(n) {
        if super::row::set_from(c, item, G, &mut g) {
            continue;
        }
        match item.keyword() {
            "group" => {
                if c.block_required(item, 0) {
                    for e in c.items(item) {
                        c.no_block(e);
                        c.extra(e, 0);
                        if let Some(w) = e.words.first() {
                            g.group.push(Spanned::new(w.text.to_string(), w.span));
                        }
                    }
                }
            }
            "track_interface" => g.track_interface.extend(track_list(c, item, G)),
            "track_script" => g.track_script.extend(track_list(c, item, G)),
            "track_file" => g.track_file.extend(track_list(c, item, G)),
            "track_process" => g.track_process.extend(track_list(c, item, G)),
            "track_bfd" => {
                let known = c.bfd;
                super::bfd::track_bfd_list(c, item, &g.name.value, known, &mut g.track_bfd);
            }
            "global_tracking" => {
                c.sink.push(
                    Diagnostic::warning(
                        "deprecated",
                        item.span(),
                        "`global_tracking` is deprecated; it means `sync_group_tracking_weight`",
                    )
                    .with_hint("use `sync_group_tracking_weight`"),
                );
                // keepalived 2.2.7 vrrp_parser.c vrrp_gglobal_tracking_handler() sets
                // sgroup_tracking_weight.
                g.sync_group_tracking_weight = Some(Spanned::new(true, item.span()));
            }
            "notify_deleted" => g.other.push(raw_setting(item)),
            _ if item.args().is_empty() && item.block.is_none() => {
                c.sink.push(
                    Diagnostic::warning(
                        "unknown-keyword",
                        item.span(),
                        format!("unknown keyword `{}` in `vrrp_sync_group`", item.keyword()),
                    )
                    .with_hint("member instances go inside `group { ... }` (old syntax?)"),
                );
            }
            _ => c.unknown(item, "`vrrp_sync_group`", &G.names()),
        }
    }
    Some(g)
}

/// The vrrp_script's keywords.
const S: &Section = &table::SCRIPT;

/// `vrrp_script NAME { ... }`
pub(crate) fn script(c: &mut Ctx, n: &Node) -> Option<VrrpScript> {
    let name = header_name(c, n)?;
    let mut s = VrrpScript {
        name,
        script: None,
        interval: None,
        timeout: None,
        weight: None,
        reverse: false,
        rise: None,
        fall: None,
        user: None,
        init_fail: None,
        other: Vec::new(),
    };
    for item in c.items(n) {
        if super::row::set_from(c, item, S, &mut s) {
            continue;
        }
        match item.keyword() {
            "weight" => {
                s.weight = c.int_of(item, S);
                s.reverse = weight_reverse(c, item);
            }
            "user" => s.user = c.user(item),
            _ => c.unknown(item, "`vrrp_script`", &S.names()),
        }
    }
    if s.script.is_none() {
        let at = n.block.as_ref().and_then(|b| b.close).unwrap_or(n.span());
        c.sink.push(
            Diagnostic::error(
                "missing-script",
                at,
                format!(
                    "no `script` set for vrrp_script `{}`; it is removed",
                    s.name.value
                ),
            )
            .with_hint(format!(
                "add `script \"/path/to/check\"` to the block opened at line {}",
                n.span().line
            )),
        );
        return None;
    }
    Some(s)
}

fn weight_reverse(c: &mut Ctx, item: &Node) -> bool {
    match item.args().get(1) {
        None => false,
        Some(w) if w.text == "reverse" => {
            c.extra(item, 2);
            true
        }
        Some(w) if w.text == "noreverse" => false,
        Some(_) => {
            c.extra(item, 1);
            false
        }
    }
}

/// `track_file NAME { ... }`
pub(crate) fn track_file(c: &mut Ctx, n: &Node) -> Option<TrackFile> {
    if n.keyword() == "vrrp_track_file" {
        c.sink.push(
            Diagnostic::warning("deprecated", n.span(), "`vrrp_track_file` is deprecated")
                .with_hint("use `track_file`"),
        );
    }
    let name = header_name(c, n)?;
    let mut t = TrackFile {
        name,
        file: None,
        weight: None,
        reverse: false,
        init_file: None,
        other: Vec::new(),
    };
    for item in c.items(n) {
        if super::row::set_from(c, item, &table::TRACK_FILE, &mut t) {
            continue;
        }
        match item.keyword() {
            "weight" => {
                t.weight = c.int_of(item, &table::TRACK_FILE);
                t.reverse = weight_reverse(c, item);
            }
            "init_file" => t.init_file = Some(c.words(item)),
            _ => c.unknown(item, "`track_file`", &table::TRACK_FILE.names()),
        }
    }
    if t.file.is_none() {
        let at: Span = n.block.as_ref().and_then(|b| b.close).unwrap_or(n.span());
        c.sink.error(
            "missing-file",
            at,
            format!(
                "no `file` set for track_file `{}`; it is removed",
                t.name.value
            ),
        );
        return None;
    }
    Some(t)
}

/// The vrrp_track_process's keywords.
const P: &Section = &table::TRACK_PROCESS;

/// `vrrp_track_process NAME { ... }`, keyword by keyword in the order
/// written as keepalived's handlers take them (vrrp_parser.c
/// `vrrp_tprocess_*_handler`): `quorum` is checked against the `quorum_max`
/// set so far and the other way round.
pub(crate) fn track_process(c: &mut Ctx, n: &Node) -> Option<TrackProcess> {
    let name = header_name(c, n)?;
    let mut t = TrackProcess {
        name,
        process: None,
        param_match: None,
        full_command: None,
        weight: None,
        reverse: false,
        quorum: None,
        quorum_max: None,
        terminate_delay: None,
        fork_delay: None,
    };
    let pname = t.name.value.clone();
    for item in c.items(n) {
        if super::row::set_from(c, item, P, &mut t) {
            continue;
        }
        match item.keyword() {
            "process" => {
                c.no_block(item);
                if t.process.is_some() {
                    c.ignored_value(
                        item.span(),
                        format!("process already set for track process `{pname}`"),
                    );
                } else if c.arg(item).is_some() {
                    t.process = Some(c.words(item));
                }
            }
            "param_match" => {
                c.no_block(item);
                // keepalived 2.2.7 knows no `exact` word: the bare keyword is exact.
                let m = match item.args().first() {
                    None => Some(ParamMatch::Exact),
                    Some(w) if w.text == "initial" => Some(ParamMatch::Initial),
                    Some(w) if w.text == "partial" => Some(ParamMatch::Partial),
                    Some(w) => {
                        c.bad(
                            w,
                            "param_match",
                            format!(
                                "`{}` is not a param_match type (`param_match` alone is exact, \
                                 or `partial`, `initial`)",
                                w.text
                            ),
                        );
                        None
                    }
                };
                if let Some(m) = m {
                    c.extra(item, 1);
                    t.param_match = Some(Spanned::new(m, item.span()));
                }
            }
            "weight" => {
                if t.weight.as_ref().is_some_and(|w| w.value != 0) {
                    c.ignored_value(
                        item.span(),
                        format!("weight already set for track process `{pname}`"),
                    );
                    continue;
                }
                let Some(w) = c.int_of::<i32>(item, P) else {
                    continue;
                };
                match item.args().get(1) {
                    None => {}
                    Some(r) if r.text == "reverse" => {
                        c.extra(item, 2);
                        t.reverse = true;
                    }
                    Some(r) => c.ignored_value(
                        r.span,
                        format!(
                            "vrrp_track_process `{pname}`: unknown weight option `{}`",
                            r.text
                        ),
                    ),
                }
                t.weight = Some(w);
            }
            "quorum" => {
                let Some(q) = c.uint_of::<u32>(item, P) else {
                    continue;
                };
                if q.value > t.quorum_max.as_ref().map_or(u32::MAX, |m| m.value) {
                    c.ignored_value(q.span, "quorum is greater than quorum_max".to_string());
                    continue;
                }
                t.quorum = Some(q);
            }
            "quorum_max" => {
                let Some(m) = c.uint_of::<u32>(item, P) else {
                    continue;
                };
                let quorum = t.quorum.as_ref().map_or(1, |q| q.value);
                // quorum_max 0 is allowed while quorum is at most 1.
                if (m.value != 0 || quorum > 1) && m.value < quorum {
                    c.ignored_value(m.span, "quorum_max is less than quorum".to_string());
                    continue;
                }
                if m.value == 0 {
                    t.quorum = Some(Spanned::new(0, m.span));
                } else if quorum == 0 {
                    t.quorum = None;
                }
                t.quorum_max = Some(m);
            }
            // `delay` is both `terminate_delay` and `fork_delay`
            // (vrrp_parser.c `vrrp_tprocess_delay_handler`)
            "delay" => {
                let Some(d) = c.timer_of(item, P) else {
                    continue;
                };
                t.terminate_delay = Some(d.clone());
                t.fork_delay = Some(d);
            }
            _ => c.unknown(item, "`vrrp_track_process`", &P.names()),
        }
    }
    if t.process.is_none() {
        let at: Span = n.block.as_ref().and_then(|b| b.close).unwrap_or(n.span());
        c.sink.error(
            "missing-process",
            at,
            format!("track process `{pname}`: process name not specified; it is removed"),
        );
        return None;
    }
    Some(t)
}
