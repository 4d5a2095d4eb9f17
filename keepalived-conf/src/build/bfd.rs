//! `bfd_instance` blocks and the `track_bfd` entries that name them, with keepalived
//! 2.2.7's ranges, defaults and messages (bfd_parser.c; vrrp_track.c
//! `alloc_track_bfd`; docs/keepalived.md §3.36).
//!
//! keepalived reads a `bfd_instance` twice: its BFD process takes the session
//! settings and drops a session it cannot run (no or malformed neighbor, source of
//! the other family, a neighbor/source pair already used); its VRRP process only
//! takes the name, `weight` and `vrrp`/`checker`, so a `track_bfd` of a dropped
//! session is accepted and never comes Up. A `track_bfd` entry must name a
//! `bfd_instance` written before it.

use super::Ctx;
use crate::diag::Diagnostic;
use crate::model::{BfdInstance, TrackRef};
use crate::span::Spanned;
use crate::tree::{Node, Word};
use std::time::Duration;

/// keepalived's `BFD_INAME_MAX` less the terminating NUL.
const NAME_MAX: usize = 31;
/// `UINT32_MAX / 1000` milliseconds: the largest interval keepalived takes.
const INTERVAL_MAX_MS: u64 = u32::MAX as u64 / 1000;

/// One `bfd_instance NAME { ... }` block, or `None` when keepalived ignores the
/// whole block (name too long, or a name already used by an `earlier` block).
pub(crate) fn instance(c: &mut Ctx, n: &Node, earlier: &[BfdInstance]) -> Option<BfdInstance> {
    let name = super::vrrp::header_name(c, n)?;
    if name.value.len() > NAME_MAX {
        c.sink.error(
            "invalid-name",
            name.span,
            format!(
                "bfd_instance name `{}` is too long (at most {NAME_MAX} characters); \
                 the block is ignored, as keepalived does",
                name.value
            ),
        );
        return None;
    }
    if earlier.iter().any(|b| b.name.value == name.value) {
        c.sink.error(
            "duplicate-section",
            name.span,
            format!(
                "bfd_instance `{}` is already configured; this block is ignored, as keepalived does",
                name.value
            ),
        );
        return None;
    }
    let mut b = BfdInstance {
        name,
        neighbor_ip: None,
        source_ip: None,
        min_rx: None,
        min_tx: None,
        idle_tx: None,
        multiplier: None,
        passive: None,
        ttl: None,
        max_hops: None,
        multihop: false,
        weight: None,
        reverse: false,
        vrrp: None,
        checker: None,
        session: true,
    };
    let bname = b.name.value.clone();
    let mut malformed_neighbor = false;
    for item in c.items(n) {
        if super::row::set_from(c, item, &crate::table::BFD_INSTANCE, &mut b) {
            continue;
        }
        match item.keyword() {
            "neighbor_ip" | "neighbour_ip" => {
                c.no_block(item);
                let Some(w) = c.arg(item) else { continue };
                c.extra(item, 1);
                match c.ip_word(w, item.keyword()) {
                    Some(a) => b.neighbor_ip = Some(a),
                    None => malformed_neighbor = true,
                }
            }
            "source_ip" => {
                if let Some(a) = c.ip_skipped(item) {
                    b.source_ip = Some(a);
                }
            }
            "min_rx" => b.min_rx = interval(c, item, 1),
            "min_tx" => b.min_tx = interval(c, item, 1),
            "idle_tx" => b.idle_tx = interval(c, item, 1000),
            "multihop" => {
                // keepalived 2.2.8 bfd_parser.c `bfd_multihop_handler`;
                // 2.2.7 reports it as an unknown keyword and runs the session
                // on port 3784.
                if let Some(f) = c.flag(item) {
                    b.multihop = f.value;
                    c.sink.push(
                        Diagnostic::warning(
                            "keepalived-version",
                            item.span(),
                            format!(
                                "bfd_instance `{bname}`: `multihop` (RFC 5883, UDP port 4784) \
                                 is a keepalived 2.2.8 keyword; keepalived 2.2.7 reports it as \
                                 unknown and uses port 3784"
                            ),
                        )
                        .with_hint("a keepalived 2.2.7 peer needs the session without `multihop`"),
                    );
                }
            }
            "weight" => {
                c.no_block(item);
                let Some(w) = c.arg(item) else { continue };
                b.weight = c.int_word(w, "weight", -253, 253);
                if let Some(o) = item.args().get(1) {
                    if o.text == "reverse" {
                        b.reverse = true;
                    } else {
                        c.ignored_value(
                            o.span,
                            format!("bfd_instance `{bname}`: unknown weight option `{}`", o.text),
                        );
                    }
                }
            }
            _ => c.unknown(item, "`bfd_instance`", &crate::table::BFD_INSTANCE.names()),
        }
    }
    end_checks(c, n, &mut b, earlier, malformed_neighbor);
    Some(b)
}

/// bfd_parser.c `bfd_end_handler`: the checks that drop the session, then the
/// TTL and `max_hops` defaults.
fn end_checks(
    c: &mut Ctx,
    n: &Node,
    b: &mut BfdInstance,
    earlier: &[BfdInstance],
    malformed_neighbor: bool,
) {
    let bname = b.name.value.clone();
    // keepalived reports these at the end of the block
    let end = n
        .block
        .as_ref()
        .and_then(|bl| bl.close)
        .unwrap_or_else(|| n.span());
    let Some(nbr) = b.neighbor_ip.as_ref().map(|a| a.value) else {
        b.session = false;
        if !malformed_neighbor {
            c.sink.error(
                "missing-value",
                end,
                format!(
                    "bfd_instance `{bname}` has no `neighbor_ip`; keepalived runs no session \
                     for it (a track_bfd naming it stays down)"
                ),
            );
        }
        return;
    };
    if let Some(src) = &b.source_ip
        && src.value.is_ipv4() != nbr.is_ipv4()
    {
        b.session = false;
        c.sink.error(
            "address-family",
            end,
            format!(
                "bfd_instance `{bname}`: source_ip {} and neighbor {nbr} are not of the same \
                 family; keepalived runs no session for it",
                src.value
            ),
        );
        return;
    }
    let src = b.source_ip.as_ref().map(|s| s.value);
    // keepalived 2.2.8 bfd_data.c `find_bfd_by_addr`: a session of the other
    // kind (`multihop` or not) to the same neighbor is no duplicate; 2.2.7,
    // without `multihop`, has one kind only.
    if let Some(dup) = earlier.iter().find(|e| {
        e.session
            && e.multihop == b.multihop
            && e.neighbor_ip.as_ref().map(|a| a.value) == Some(nbr)
            && match (e.source_ip.as_ref().map(|s| s.value), src) {
                (Some(a), Some(b)) => a == b,
                _ => true,
            }
    }) {
        b.session = false;
        c.sink.error(
            "duplicate-address",
            end,
            format!(
                "bfd_instance `{bname}` has the neighbor{} of bfd_instance `{}`; keepalived \
                 runs no session for it",
                if src.is_some() { "/source pair" } else { "" },
                dup.name.value
            ),
        );
        return;
    }
    if let Some(m) = &b.max_hops
        && m.value > i16::from(b.ttl_value())
    {
        c.sink.push(
            Diagnostic::warning(
                "invalid-value",
                end,
                format!(
                    "bfd_instance `{bname}`: max_hops {} exceeds ttl/hoplimit {}; {} is used, \
                     as keepalived does",
                    m.value,
                    b.ttl_value(),
                    b.ttl_value()
                ),
            )
            .with_hint("lower max_hops or raise ttl/hoplimit"),
        );
    }
    if nbr.is_ipv6() && b.ttl.is_none() {
        c.sink.push(
            Diagnostic::warning(
                "bfd-hoplimit",
                n.span(),
                format!(
                    "bfd_instance `{bname}`: an IPv6 session is sent with hop limit 64 by \
                     default, as keepalived does; single-hop peers that follow RFC 5881 \
                     (FRR bfdd, most routers) drop packets below 255"
                ),
            )
            .with_hint("write `hoplimit 255` for such a peer"),
        );
    }
}

/// `min_rx`/`min_tx`/`idle_tx`: milliseconds with at most 3 decimals, from
/// `lo_ms` to `UINT32_MAX / 1000` (parser.c `read_decimal_unsigned_strvec`: more
/// decimals are reported and rounded).
fn interval(c: &mut Ctx, n: &Node, lo_ms: u64) -> Option<Spanned<Duration>> {
    c.no_block(n);
    let w = c.arg(n)?;
    c.extra(n, 1);
    match parse_ms(&w.text) {
        Ok((us, rounded)) => {
            if rounded {
                c.sink.push(
                    Diagnostic::warning(
                        "invalid-value",
                        w.span,
                        format!(
                            "`{}` has more than 3 decimal places; rounded to the microsecond, \
                             as keepalived does",
                            w.text
                        ),
                    )
                    .with_hint("write milliseconds with at most 3 decimals"),
                );
            }
            if us < lo_ms * 1000 || us > INTERVAL_MAX_MS * 1000 {
                bad_range(c, w, n.keyword(), lo_ms);
                return None;
            }
            Some(Spanned::new(Duration::from_micros(us), w.span))
        }
        Err(()) => {
            bad_range(c, w, n.keyword(), lo_ms);
            None
        }
    }
}

fn bad_range(c: &mut Ctx, w: &Word, kw: &str, lo_ms: u64) {
    c.bad(
        w,
        kw,
        format!(
            "`{}` is not a number of milliseconds in [{lo_ms}, {INTERVAL_MAX_MS}]",
            w.text
        ),
    );
}

/// Milliseconds with decimals → microseconds, and whether digits beyond the
/// third decimal were rounded away.
fn parse_ms(s: &str) -> Result<(u64, bool), ()> {
    let (int, frac) = s.split_once('.').unwrap_or((s, ""));
    let digits = |t: &str| t.bytes().all(|b| b.is_ascii_digit());
    if (int.is_empty() && frac.is_empty()) || !digits(int) || !digits(frac) || int.len() > 12 {
        return Err(());
    }
    let ms: u64 = if int.is_empty() {
        0
    } else {
        int.parse().map_err(|_| ())?
    };
    let mut us = ms.saturating_mul(1000);
    let fb = frac.as_bytes();
    for (i, scale) in [100u64, 10, 1].iter().enumerate() {
        if let Some(d) = fb.get(i) {
            us += u64::from(d - b'0') * scale;
        }
    }
    let rounded = fb.len() > 3;
    if fb.get(3).is_some_and(|d| *d >= b'5') {
        us += 1;
    }
    Ok((us, rounded))
}

/// `track_bfd { NAME [weight W [reverse|noreverse]] }` of `owner` (an instance or a
/// sync group), resolved as vrrp_track.c `alloc_track_bfd` does: the name must be a
/// `bfd_instance` written before (and not `checker` only); without `weight`, or
/// with a weight out of range, the bfd_instance's weight applies; `reverse` is the
/// bfd_instance's unless written; an entry with an unknown option, or a second
/// entry for the same name, is ignored. Every returned entry has its weight set.
pub(crate) fn track_bfd_list(
    c: &mut Ctx,
    n: &Node,
    owner: &str,
    known: &[BfdInstance],
    out: &mut Vec<TrackRef>,
) {
    if n.block.is_none() {
        c.block_required(n, 0);
        return;
    }
    c.extra(n, 0);
    for e in c.items(n) {
        c.no_block(e);
        let Some(first) = e.words.first() else {
            continue;
        };
        let name = first.text.to_string();
        let ignore = |c: &mut Ctx, w: &Word, msg: String| {
            c.sink.push(
                Diagnostic::warning("ignored", w.span, msg)
                    .with_hint("the entry is ignored, as keepalived does"),
            );
        };
        let Some(b) = known.iter().find(|b| b.name.value == name && b.to_vrrp()) else {
            let why = if known.iter().any(|b| b.name.value == name) {
                "sends its events to the checker only"
            } else {
                "is not a bfd_instance written before this line"
            };
            ignore(c, first, format!("({owner}) track_bfd `{name}` {why}"));
            continue;
        };
        if out.iter().any(|t| t.name == name) {
            ignore(c, first, format!("({owner}) duplicate track_bfd `{name}`"));
            continue;
        }
        let mut weight = b.weight_value();
        let mut reverse = b.reverse;
        let args = e.args();
        if let Some(opt) = args.first() {
            if opt.text != "weight" {
                ignore(
                    c,
                    opt,
                    format!("({owner}) unknown track_bfd `{name}` option `{}`", opt.text),
                );
                continue;
            }
            let Some(w) = args.get(1) else {
                ignore(
                    c,
                    opt,
                    format!("({owner}) weight without a value for track_bfd `{name}`"),
                );
                continue;
            };
            let (lo, hi) = crate::table::INSTANCE.int_range("track_bfd");
            if let Some(v) = c.int_word::<i32>(w, "weight", lo, hi) {
                weight = v.value;
            }
            if let Some(r) = args.get(2) {
                match r.text.as_str() {
                    "reverse" => reverse = true,
                    "noreverse" => reverse = false,
                    o => {
                        ignore(
                            c,
                            r,
                            format!("({owner}) unknown track_bfd `{name}` weight option `{o}`"),
                        );
                        continue;
                    }
                }
            }
            c.extra(e, 3);
        }
        out.push(TrackRef {
            name,
            weight: Some(weight),
            reverse,
            span: first.span,
        });
    }
}

#[cfg(test)]
mod tests {
    use super::parse_ms;

    #[test]
    fn milliseconds_with_decimals() {
        assert_eq!(parse_ms("10"), Ok((10_000, false)));
        assert_eq!(parse_ms("10.5"), Ok((10_500, false)));
        assert_eq!(parse_ms(".25"), Ok((250, false)));
        assert_eq!(parse_ms("10.1234"), Ok((10_123, true)));
        assert_eq!(parse_ms("10.1235"), Ok((10_124, true)));
        assert!(parse_ms("0x10").is_err());
        assert!(parse_ms("-1").is_err());
        assert!(parse_ms("").is_err());
        assert!(parse_ms(".").is_err());
    }
}
