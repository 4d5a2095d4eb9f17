//! The one reader of the keywords whose row names the field they set
//! ([`crate::table::Set`]): the value is read as the row's [`Value`] says, in the
//! row's range, and stored in the field.

use super::Ctx;
use crate::diag::Diagnostic;
use crate::table::{Fields, Keyword, Set, Value};
use crate::tree::Node;

/// Sets the field of `m` that `row` names from `item`; false when the row names no
/// field ([`Set::Builder`]) or a field of another struct than `M`, so the section's
/// builder reads the keyword itself.
pub(crate) fn set_field<M: Fields>(c: &mut Ctx, item: &Node, row: &Keyword, m: &mut M) -> bool {
    let (umin, umax) = match row.value {
        Value::Uint { min, max } => (min, max),
        _ => (0, u64::MAX),
    };
    let (imin, imax) = match row.value {
        Value::Int { min, max } => (min, max),
        _ => (i64::MIN, i64::MAX),
    };
    let (smin, smax) = match row.value {
        Value::Seconds { min_us, max_us } => (min_us, max_us),
        _ => (0, u64::MAX),
    };
    macro_rules! store {
        ($field:expr, $value:expr) => {{
            let Some(f) = M::pick($field) else {
                return false;
            };
            *f(m) = $value;
        }};
    }
    match row.set {
        Set::Builder => return false,
        Set::On(f) => store!(
            f,
            if row.value == Value::Bare {
                c.bare_flag(item, true)
            } else {
                c.flag(item)
            }
        ),
        Set::Off(f) => store!(f, c.bare_flag(item, false)),
        Set::U8(f) => store!(f, c.uint(item, umin, umax)),
        Set::U16(f) => store!(f, c.uint(item, umin, umax)),
        Set::U32(f) => store!(f, c.uint(item, umin, umax)),
        Set::I16(f) => store!(f, c.int(item, imin, imax)),
        Set::I32(f) => store!(f, c.int(item, imin, imax)),
        Set::Seconds(f) => store!(f, c.timer(item, smin, smax)),
        Set::Text(f) => store!(f, c.string(item)),
        Set::Words(f) => store!(f, Some(c.words(item))),
        Set::Script(f) => store!(f, c.script(item)),
        Set::BoxedScript(f) => {
            let Some(f) = M::pick_boxed(f) else {
                return false;
            };
            *f(m) = c.script(item).map(Box::new);
        }
        Set::Ip(f) => store!(f, c.ip(item)),
        Set::IpSkipped(f) => store!(f, c.ip_skipped(item)),
    }
    if let Some(version) = row.later {
        later_notice(c, item, version);
    }
    true
}

/// The notice for a keyword of a keepalived later than 2.2.7 ([`Keyword::later`]):
/// it is acted on here, while keepalived 2.2.7 reports it as an unknown keyword
/// and runs without it.
fn later_notice(c: &mut Ctx, item: &Node, version: &str) {
    c.sink.push(
        Diagnostic::warning(
            "keepalived-version",
            item.span(),
            format!(
                "`{}` is a keyword of keepalived {version}; keepalived 2.2.7 reports it \
                 as unknown and runs without it",
                item.keyword()
            ),
        )
        .with_hint("remove it where keepalived 2.2.7 reads this file too"),
    );
}

/// [`set_field`] for the row of `item` in `section`, if it has one.
pub(crate) fn set_from<M: Fields>(
    c: &mut Ctx,
    item: &Node,
    section: &crate::table::Section,
    m: &mut M,
) -> bool {
    section
        .get(item.keyword())
        .is_some_and(|row| set_field(c, item, row, m))
}
