//! The objects keepalived 2.2.7 creates for Accept_Mode = False, as
//! nf_tables messages (keepalived's `vrrp_nftables.c`).
//!
//! For one address family keepalived keeps one table (`keepalived` unless
//! `nftables TABLE` names another) holding:
//!
//! - base chain `out` (hook output, priority `nftables_priority`, default
//!   -1, policy accept), created first (`nft_setup_ipv4` / `nft_setup_ipv6`);
//! - base chain `in` (hook input, same priority), set `vips` of addresses,
//!   then the rules `ip daddr @vips drop` in `in` and `ip saddr @vips drop`
//!   in `out` (`nft_setup_ipv4_vips`; `ip6` for IPv6), each with a
//!   `counter` before the verdict when `nftables_counters` is set.
//!
//! The VIPs of every instance that is Master and not the address owner are
//! elements of `vips` (`nft_update_addresses`). Before creating the table
//! keepalived deletes one of the same name left by an earlier run
//! (`check_and_delete_tables`); at exit it deletes the table (`nft_cleanup`).

use std::net::IpAddr;

use netlink_packet_core::{NLM_F_APPEND, NLM_F_CREATE, NLM_F_EXCL};
use netlink_packet_netfilter::nftables::{
    Bitwise, ChainAttribute, Cmp, DataAttribute, ExpressionAttribute, Expressions, Hook, Immediate,
    InetHookNumber, ListAttribute, Lookup, NfTablesMessage, Operator, Payload, Register,
    RuleAttribute, RuleMessage, SetAttribute, SetElementAttribute, SetElementList,
    SetElementMessage, SetFlags, SetMessage, TableAttribute, TableFlags, TableMessage, Verdict,
    VerdictAttribute,
};

/// keepalived's default table name (`DEFAULT_NFTABLES_TABLE`).
pub const DEFAULT_TABLE: &str = "keepalived";

/// keepalived's default hook priority of its chains (filter - 1).
pub const DEFAULT_PRIORITY: i32 = -1;

/// The set of drop addresses.
pub const VIPS_SET: &str = "vips";

/// The IPv6 set of ICMPv6 types that always pass.
pub const NEIGHBOR_DISCOVERY_SET: &str = "neighbor-discovery";

/// nft's `TYPE_ICMP6_TYPE` (nftables' datatype.h), printed `icmpv6_type`.
const TYPE_ICMPV6_TYPE: u32 = 29;

/// ICMPv6 neighbour solicitation and advertisement (RFC 4861 §4.3, §4.4).
const ND_NEIGHBOR_SOLICIT: u8 = 135;
const ND_NEIGHBOR_ADVERT: u8 = 136;

/// The `global_defs` settings that shape the rules.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Settings {
    /// `nftables [TABLE]`: the table name.
    pub table: String,
    /// `nftables_priority N`: the hook priority of the base chains.
    pub priority: i32,
    /// `nftables_counters`: a counter in every rule.
    pub counters: bool,
}

impl Default for Settings {
    fn default() -> Self {
        Self {
            table: DEFAULT_TABLE.to_string(),
            priority: DEFAULT_PRIORITY,
            counters: false,
        }
    }
}

impl Settings {
    /// Another table name (`nftables TABLE`).
    pub fn with_table(mut self, table: impl Into<String>) -> Self {
        self.table = table.into();
        self
    }

    /// Another hook priority (`nftables_priority N`).
    pub fn with_priority(mut self, priority: i32) -> Self {
        self.priority = priority;
        self
    }

    /// A counter in every rule (`nftables_counters`), or none.
    pub fn with_counters(mut self, counters: bool) -> Self {
        self.counters = counters;
        self
    }
}

/// The address family of a table (`table ip` or `table ip6`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Family {
    /// `table ip`.
    Ipv4,
    /// `table ip6`.
    Ipv6,
}

impl Family {
    /// The family of `addr`.
    pub fn of(addr: &IpAddr) -> Self {
        match addr {
            IpAddr::V4(_) => Family::Ipv4,
            IpAddr::V6(_) => Family::Ipv6,
        }
    }

    /// The NFPROTO_* number.
    pub fn nfproto(self) -> u8 {
        match self {
            Family::Ipv4 => libc::NFPROTO_IPV4 as u8,
            Family::Ipv6 => libc::NFPROTO_IPV6 as u8,
        }
    }

    /// nft's data type of an address (`TYPE_IPADDR` 7, `TYPE_IP6ADDR` 8,
    /// nftables' datatype.h), which `nft list` prints as `ipv4_addr` /
    /// `ipv6_addr`.
    fn key_type(self) -> u32 {
        match self {
            Family::Ipv4 => 7,
            Family::Ipv6 => 8,
        }
    }

    fn addr_len(self) -> u32 {
        match self {
            Family::Ipv4 => 4,
            Family::Ipv6 => 16,
        }
    }

    /// Offsets of the source and destination address in the network header.
    fn saddr_daddr_offsets(self) -> (u32, u32) {
        match self {
            Family::Ipv4 => (12, 16),
            Family::Ipv6 => (8, 24),
        }
    }
}

/// One nf_tables request of a batch with its netlink flags (besides
/// NLM_F_REQUEST and NLM_F_ACK, which every request gets).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Request {
    /// The address family of the object.
    pub family: Family,
    /// The message.
    pub message: NfTablesMessage,
    /// NLM_F_CREATE, NLM_F_EXCL, NLM_F_APPEND as needed.
    pub flags: u16,
}

/// Set ids tying rules and elements to sets created in the same batch.
const VIPS_SET_ID: u32 = 1;
const NEIGHBOR_DISCOVERY_SET_ID: u32 = 2;

fn table_message(settings: &Settings) -> TableMessage {
    TableMessage {
        attributes: vec![
            TableAttribute::Name(settings.table.clone()),
            TableAttribute::Flags(TableFlags::default()),
        ],
    }
}

/// Deletes a table of our name left by an earlier run, whatever it holds:
/// the table is added first (a no-op if it exists), so the delete never
/// fails for a missing table (keepalived's `check_and_delete_tables` looks
/// the table up instead).
pub fn delete_stale_table(settings: &Settings, family: Family) -> Vec<Request> {
    vec![
        Request {
            family,
            message: NfTablesMessage::NewTable(table_message(settings)),
            flags: NLM_F_CREATE,
        },
        delete_table(settings, family),
    ]
}

/// Deletes the table and everything in it (keepalived's `nft_cleanup`).
pub fn delete_table(settings: &Settings, family: Family) -> Request {
    Request {
        family,
        message: NfTablesMessage::DeleteTable(TableMessage {
            attributes: vec![TableAttribute::Name(settings.table.clone())],
        }),
        flags: 0,
    }
}

fn base_chain(settings: &Settings, family: Family, name: &str, hook: InetHookNumber) -> Request {
    Request {
        family,
        message: NfTablesMessage::NewChain(netlink_packet_netfilter::nftables::ChainMessage {
            attributes: vec![
                ChainAttribute::Table(settings.table.clone()),
                ChainAttribute::Name(name.to_string()),
                ChainAttribute::Hook(vec![
                    Hook::Number(hook.into()),
                    // The kernel reads the priority as a signed 32-bit value.
                    Hook::Priority(settings.priority as u32),
                ]),
                ChainAttribute::Policy(libc::NF_ACCEPT as u32),
                ChainAttribute::Type("filter".to_string()),
            ],
        }),
        flags: NLM_F_CREATE,
    }
}

/// What a rule does when it matches.
enum Action {
    Drop,
    Accept,
    Goto(&'static str),
}

/// A rule of `chain`: `exprs`, then a counter with `nftables_counters`,
/// then the verdict (keepalived's `add_counter` and `add_immediate_verdict`
/// at the end of every rule builder).
fn rule(
    settings: &Settings,
    family: Family,
    chain: &str,
    mut exprs: Vec<ListAttribute<ExpressionAttribute>>,
    action: Action,
) -> Request {
    if settings.counters {
        exprs.push(ListAttribute::Element(vec![ExpressionAttribute::Name(
            "counter".to_string(),
        )]));
    }
    let code = |v: i32| VerdictAttribute::Code(Verdict::Other(v as u32));
    let data = match action {
        Action::Drop => vec![code(libc::NF_DROP)],
        Action::Accept => vec![code(libc::NF_ACCEPT)],
        Action::Goto(target) => vec![
            VerdictAttribute::Code(Verdict::Goto),
            VerdictAttribute::Chain(target.to_string()),
        ],
    };
    exprs.push(
        Expressions::Immediate(vec![
            Immediate::DestinationRegister(Register::Verdict),
            Immediate::Data(DataAttribute::Verdict(data)),
        ])
        .into(),
    );
    Request {
        family,
        message: NfTablesMessage::NewRule(RuleMessage {
            attributes: vec![
                RuleAttribute::Table(settings.table.clone()),
                RuleAttribute::Chain(chain.to_string()),
                RuleAttribute::Expressions(exprs),
            ],
        }),
        flags: NLM_F_CREATE | NLM_F_APPEND,
    }
}

/// Loads `len` bytes of the network header at `offset` into register 1.
fn load_network(offset: u32, len: u32) -> ListAttribute<ExpressionAttribute> {
    Expressions::Payload(vec![
        Payload::DestinationRegister(Register::Reg1),
        // NFT_PAYLOAD_NETWORK_HEADER
        Payload::Base(1),
        Payload::Offset(offset),
        Payload::Len(len),
    ])
    .into()
}

fn lookup(set: &str, set_id: Option<u32>) -> ListAttribute<ExpressionAttribute> {
    let mut l = vec![
        Lookup::Set(set.to_string()),
        Lookup::SourceRegister(Register::Reg1),
    ];
    if let Some(id) = set_id {
        l.push(Lookup::SetId(id));
    }
    Expressions::Lookup(l).into()
}

fn cmp_eq(value: Vec<u8>) -> ListAttribute<ExpressionAttribute> {
    Expressions::Cmp(vec![
        Cmp::SourceRegister(Register::Reg1),
        Cmp::Op(Operator::Equal),
        Cmp::Data(DataAttribute::Value(value)),
    ])
    .into()
}

/// `ip daddr @vips drop` / `ip saddr @vips drop` (and `ip6`).
fn drop_rule(settings: &Settings, family: Family, chain: &str, offset: u32) -> Request {
    rule(
        settings,
        family,
        chain,
        vec![
            load_network(offset, family.addr_len()),
            lookup(VIPS_SET, Some(VIPS_SET_ID)),
        ],
        Action::Drop,
    )
}

/// `icmpv6 type @neighbor-discovery accept`: next header ICMPv6 (byte 6 of
/// the IPv6 header), then the ICMPv6 type looked up in the set (keepalived's
/// `setup_rule_icmpv6`).
fn neighbor_discovery_rule(settings: &Settings, chain: &str) -> Request {
    rule(
        settings,
        Family::Ipv6,
        chain,
        vec![
            load_network(6, 1),
            cmp_eq(vec![libc::IPPROTO_ICMPV6 as u8]),
            Expressions::Payload(vec![
                Payload::DestinationRegister(Register::Reg1),
                // NFT_PAYLOAD_TRANSPORT_HEADER
                Payload::Base(2),
                Payload::Offset(0),
                Payload::Len(1),
            ])
            .into(),
            lookup(NEIGHBOR_DISCOVERY_SET, None),
        ],
        Action::Accept,
    )
}

/// `ip6 daddr fe80::/10 goto in_link_local` (`saddr` and `out_link_local`
/// in the output chain): the whole address masked with ffc0:: and compared
/// with fe80:: (keepalived's `setup_rule_range_goto`).
fn link_local_goto_rule(
    settings: &Settings,
    chain: &str,
    offset: u32,
    target: &'static str,
) -> Request {
    let mut mask = [0u8; 16];
    mask[..2].copy_from_slice(&[0xff, 0xc0]);
    let mut fe80 = [0u8; 16];
    fe80[..2].copy_from_slice(&[0xfe, 0x80]);
    rule(
        settings,
        Family::Ipv6,
        chain,
        vec![
            load_network(offset, 16),
            Expressions::Bitwise(vec![
                Bitwise::SourceRegister(Register::Reg1),
                Bitwise::DestinationRegister(Register::Reg1),
                Bitwise::Length(16),
                Bitwise::Mask(DataAttribute::Value(mask.to_vec())),
                Bitwise::Xor(DataAttribute::Value(vec![0; 16])),
            ])
            .into(),
            cmp_eq(fe80.to_vec()),
        ],
        Action::Goto(target),
    )
}

fn regular_chain(settings: &Settings, name: &str) -> Request {
    Request {
        family: Family::Ipv6,
        message: NfTablesMessage::NewChain(netlink_packet_netfilter::nftables::ChainMessage {
            attributes: vec![
                ChainAttribute::Table(settings.table.clone()),
                ChainAttribute::Name(name.to_string()),
            ],
        }),
        flags: NLM_F_CREATE,
    }
}

/// The shape of a set: name, flags, key type and length, batch id.
struct SetShape<'a> {
    name: &'a str,
    flags: SetFlags,
    key_type: u32,
    key_len: u32,
    id: u32,
}

fn new_set(settings: &Settings, family: Family, shape: SetShape<'_>) -> Request {
    Request {
        family,
        message: NfTablesMessage::NewSet(SetMessage {
            attributes: vec![
                SetAttribute::Table(settings.table.clone()),
                SetAttribute::Name(shape.name.to_string()),
                SetAttribute::Flags(shape.flags),
                SetAttribute::KeyType(shape.key_type),
                SetAttribute::KeyLen(shape.key_len),
                SetAttribute::Id(shape.id),
            ],
        }),
        flags: NLM_F_CREATE,
    }
}

/// Creates the table with its chains, sets and rules, in keepalived's order
/// (so `nft list` shows the same object handles).
///
/// IPv4 (`nft_setup_ipv4`, `nft_setup_ipv4_vips`): table, chain `out`,
/// chain `in`, set `vips`, the rule of `in`, the rule of `out`.
///
/// IPv6 (`nft_setup_ipv6`, `nft_setup_ipv6_vips`): table, chains `out`,
/// `in`, `in_link_local`, `out_link_local`, set `vips`, the constant set
/// `neighbor-discovery` with its two elements, then the neighbour-discovery
/// accept and the link-local goto of `in`, the same two of `out`, then the
/// two drop rules. Neighbour solicitations and advertisements always pass,
/// so a Master still resolves and announces its VIPs.
pub fn create_table(settings: &Settings, family: Family) -> Vec<Request> {
    let (saddr, daddr) = family.saddr_daddr_offsets();
    let mut reqs = vec![
        Request {
            family,
            message: NfTablesMessage::NewTable(table_message(settings)),
            flags: NLM_F_CREATE,
        },
        base_chain(settings, family, "out", InetHookNumber::LocalOut),
        base_chain(settings, family, "in", InetHookNumber::LocalIn),
    ];
    if family == Family::Ipv6 {
        reqs.push(regular_chain(settings, "in_link_local"));
        reqs.push(regular_chain(settings, "out_link_local"));
    }
    reqs.push(new_set(
        settings,
        family,
        SetShape {
            name: VIPS_SET,
            flags: SetFlags::empty(),
            key_type: family.key_type(),
            key_len: family.addr_len(),
            id: VIPS_SET_ID,
        },
    ));
    if family == Family::Ipv6 {
        reqs.push(new_set(
            settings,
            family,
            SetShape {
                name: NEIGHBOR_DISCOVERY_SET,
                flags: SetFlags::Constant,
                key_type: TYPE_ICMPV6_TYPE,
                key_len: 1,
                id: NEIGHBOR_DISCOVERY_SET_ID,
            },
        ));
        let elems = [ND_NEIGHBOR_SOLICIT, ND_NEIGHBOR_ADVERT]
            .into_iter()
            .map(|t| {
                ListAttribute::Element(vec![SetElementAttribute::Key(DataAttribute::Value(vec![
                    t,
                ]))])
            })
            .collect();
        reqs.push(Request {
            family,
            message: NfTablesMessage::NewSetElement(SetElementMessage {
                attributes: vec![
                    SetElementList::Table(settings.table.clone()),
                    SetElementList::Set(NEIGHBOR_DISCOVERY_SET.to_string()),
                    SetElementList::Elements(elems),
                ],
            }),
            flags: NLM_F_CREATE,
        });
        reqs.push(neighbor_discovery_rule(settings, "in"));
        reqs.push(link_local_goto_rule(settings, "in", daddr, "in_link_local"));
        reqs.push(neighbor_discovery_rule(settings, "out"));
        reqs.push(link_local_goto_rule(
            settings,
            "out",
            saddr,
            "out_link_local",
        ));
    }
    reqs.push(drop_rule(settings, family, "in", daddr));
    reqs.push(drop_rule(settings, family, "out", saddr));
    reqs
}

fn elements(settings: &Settings, addrs: &[IpAddr]) -> Vec<SetElementList> {
    let elems = addrs
        .iter()
        .map(|a| {
            let key = match a {
                IpAddr::V4(a) => a.octets().to_vec(),
                IpAddr::V6(a) => a.octets().to_vec(),
            };
            ListAttribute::Element(vec![SetElementAttribute::Key(DataAttribute::Value(key))])
        })
        .collect();
    vec![
        SetElementList::Table(settings.table.clone()),
        SetElementList::Set(VIPS_SET.to_string()),
        SetElementList::Elements(elems),
    ]
}

/// Adds `addrs` (all of `family`) to the drop set. An address already in
/// the set fails with EEXIST, as keepalived's NLM_F_EXCL does.
pub fn add_addresses(settings: &Settings, family: Family, addrs: &[IpAddr]) -> Request {
    Request {
        family,
        message: NfTablesMessage::NewSetElement(SetElementMessage {
            attributes: elements(settings, addrs),
        }),
        flags: NLM_F_CREATE | NLM_F_EXCL,
    }
}

/// Removes `addrs` (all of `family`) from the drop set.
pub fn delete_addresses(settings: &Settings, family: Family, addrs: &[IpAddr]) -> Request {
    Request {
        family,
        message: NfTablesMessage::DeleteSetElement(SetElementMessage {
            attributes: elements(settings, addrs),
        }),
        flags: 0,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kinds(reqs: &[Request]) -> Vec<String> {
        reqs.iter()
            .map(|r| {
                let m = &r.message;
                let name = |a: &[ChainAttribute]| {
                    a.iter()
                        .find_map(|x| match x {
                            ChainAttribute::Name(n) => Some(n.clone()),
                            _ => None,
                        })
                        .unwrap_or_default()
                };
                match m {
                    NfTablesMessage::NewTable(_) => "table".to_string(),
                    NfTablesMessage::DeleteTable(_) => "delete table".to_string(),
                    NfTablesMessage::NewChain(c) => format!("chain {}", name(&c.attributes)),
                    NfTablesMessage::NewSet(_) => "set".to_string(),
                    NfTablesMessage::NewRule(r) => {
                        let chain = r.attributes.iter().find_map(|x| match x {
                            RuleAttribute::Chain(c) => Some(c.clone()),
                            _ => None,
                        });
                        format!("rule {}", chain.unwrap_or_default())
                    }
                    other => format!("{other:?}"),
                }
            })
            .collect()
    }

    #[test]
    fn objects_in_keepalived_order() {
        let s = Settings::default();
        assert_eq!(
            kinds(&create_table(&s, Family::Ipv4)),
            [
                "table",
                "chain out",
                "chain in",
                "set",
                "rule in",
                "rule out"
            ]
        );
        assert_eq!(
            kinds(&create_table(&s, Family::Ipv6)),
            [
                "table",
                "chain out",
                "chain in",
                "chain in_link_local",
                "chain out_link_local",
                "set",
                "set",
                "NewSetElement(SetElementMessage { attributes: [Table(\"keepalived\"), Set(\"neighbor-discovery\"), Elements([Element([Key(Value([135]))]), Element([Key(Value([136]))])])] })",
                "rule in",
                "rule in",
                "rule out",
                "rule out",
                "rule in",
                "rule out"
            ]
        );
        assert_eq!(
            kinds(&delete_stale_table(&s, Family::Ipv6)),
            ["table", "delete table"]
        );
    }

    #[test]
    fn rules_match_the_right_address_and_count_when_asked() {
        let s = Settings {
            counters: true,
            ..Settings::default()
        };
        let reqs = create_table(&s, Family::Ipv6);
        let NfTablesMessage::NewRule(rule) = &reqs[12].message else {
            panic!("rule expected")
        };
        let Some(RuleAttribute::Expressions(exprs)) = rule.attributes.get(2) else {
            panic!("expressions expected")
        };
        assert_eq!(exprs.len(), 4, "payload, lookup, counter, verdict");
        let payload: ListAttribute<ExpressionAttribute> = Expressions::Payload(vec![
            Payload::DestinationRegister(Register::Reg1),
            Payload::Base(1),
            Payload::Offset(24),
            Payload::Len(16),
        ])
        .into();
        assert_eq!(exprs[0], payload, "ip6 daddr");
        assert_eq!(
            exprs[2],
            ListAttribute::Element(vec![ExpressionAttribute::Name("counter".into())])
        );
        let plain = create_table(&Settings::default(), Family::Ipv4);
        let NfTablesMessage::NewRule(rule) = &plain[5].message else {
            panic!("rule expected")
        };
        let Some(RuleAttribute::Expressions(exprs)) = rule.attributes.get(2) else {
            panic!("expressions expected")
        };
        assert_eq!(exprs.len(), 3, "payload, lookup, verdict");
        let saddr: ListAttribute<ExpressionAttribute> = Expressions::Payload(vec![
            Payload::DestinationRegister(Register::Reg1),
            Payload::Base(1),
            Payload::Offset(12),
            Payload::Len(4),
        ])
        .into();
        assert_eq!(exprs[0], saddr, "ip saddr in chain out");
    }

    #[test]
    fn priority_is_sent_as_the_kernels_signed_value() {
        let s = Settings {
            priority: -5,
            ..Settings::default()
        };
        let reqs = create_table(&s, Family::Ipv4);
        let NfTablesMessage::NewChain(c) = &reqs[1].message else {
            panic!("chain expected")
        };
        assert!(c.attributes.contains(&ChainAttribute::Hook(vec![
            Hook::Number(InetHookNumber::LocalOut.into()),
            Hook::Priority((-5i32) as u32),
        ])));
    }

    #[test]
    fn element_requests_carry_every_address() {
        let s = Settings::default();
        let a: Vec<IpAddr> = vec!["10.0.0.1".parse().unwrap(), "10.0.0.2".parse().unwrap()];
        let r = add_addresses(&s, Family::Ipv4, &a);
        assert_eq!(r.flags, NLM_F_CREATE | NLM_F_EXCL);
        let NfTablesMessage::NewSetElement(m) = &r.message else {
            panic!("set element expected")
        };
        let Some(SetElementList::Elements(e)) = m.attributes.get(2) else {
            panic!("elements expected")
        };
        assert_eq!(
            e[1],
            ListAttribute::Element(vec![SetElementAttribute::Key(DataAttribute::Value(vec![
                10, 0, 0, 2
            ]))])
        );
        let d = delete_addresses(&s, Family::Ipv4, &a[..1]);
        assert!(matches!(d.message, NfTablesMessage::DeleteSetElement(_)));
    }
}
