//! `bfd_instance` keywords (keepalived/bfd/bfd_parser.c, man5 "BFD CONFIGURATION").

use super::{Field, Keyword, Section, Set, V, Value};

const fn b(keyword: &'static str, value: Value) -> Keyword {
    Keyword::new(keyword, V, value)
}

/// `bfd_instance NAME { ... }`
pub const BFD_INSTANCE: Section = Section {
    name: "bfd_instance",
    keywords: &[
        b("neighbor_ip", Value::Ip).dflt("none (required)"),
        b("neighbour_ip", Value::Ip).dflt("none (required)"),
        b("source_ip", Value::Ip).dflt("the route's source"),
        b("min_rx", Value::Other("milliseconds")).dflt("10"),
        b("min_tx", Value::Other("milliseconds")).dflt("10"),
        b("idle_tx", Value::Other("milliseconds")).dflt("1000"),
        b("multiplier", Value::uint(1, 255))
            .set(Set::U8(Field::Bfd(|b| &mut b.multiplier)))
            .dflt("5"),
        b("passive", Value::Bare)
            .set(Set::On(Field::Bfd(|b| &mut b.passive)))
            .dflt("off"),
        b("ttl", Value::uint(1, 255))
            .set(Set::U8(Field::Bfd(|b| &mut b.ttl)))
            .dflt("255"),
        b("hoplimit", Value::uint(1, 255))
            .set(Set::U8(Field::Bfd(|b| &mut b.ttl)))
            .dflt("255"),
        b("max_hops", Value::int(-1, 255))
            .set(Set::I16(Field::Bfd(|b| &mut b.max_hops)))
            .dflt("0"),
        b("multihop", Value::Flag).dflt("off").later("2.2.8"),
        b("weight", Value::Weight { max: 253 }).dflt("0"),
        b("vrrp", Value::Bare)
            .set(Set::On(Field::Bfd(|b| &mut b.vrrp)))
            .dflt("off (without vrrp and checker: both)"),
        b("checker", Value::Bare)
            .set(Set::On(Field::Bfd(|b| &mut b.checker)))
            .dflt("off (without vrrp and checker: both)"),
    ],
};
