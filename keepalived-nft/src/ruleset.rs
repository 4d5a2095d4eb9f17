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

use std::net::{IpAddr, Ipv6Addr};

use netlink_packet_core::{DefaultNla, NLM_F_APPEND, NLM_F_CREATE, NLM_F_EXCL};
use netlink_packet_netfilter::nftables::{
    Bitwise, ChainAttribute, Cmp, DataAttribute, ExpressionAttribute, Expressions, Hook, Immediate,
    InetHookNumber, ListAttribute, Lookup, Meta, MetaKey, NfTablesMessage, Operator, Payload,
    Register, RuleAttribute, RuleMessage, SetAttribute, SetElementAttribute, SetElementList,
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
    /// `nftables_ifindex`: link-local VIPs always keyed by interface index
    /// (without it, the VIPs of a `dont_track_primary` instance on its own
    /// interface are keyed by interface name; `nft_update_ipv6_address`).
    pub ifindex: bool,
}

impl Default for Settings {
    fn default() -> Self {
        Self {
            table: DEFAULT_TABLE.to_string(),
            priority: DEFAULT_PRIORITY,
            counters: false,
            ifindex: false,
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

    /// Link-local VIPs keyed by interface index only (`nftables_ifindex`).
    pub fn with_ifindex(mut self, ifindex: bool) -> Self {
        self.ifindex = ifindex;
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
const LINK_LOCAL_INDEX_SET_ID: u32 = 3;
const LINK_LOCAL_NAME_SET_ID: u32 = 4;
const VMAC_MAP_ID: u32 = 5;
const VMAC_SET_ID: u32 = 6;

/// The set of link-local VIPs keyed by address and interface index.
pub const LINK_LOCAL_SET: &str = "vips_link_local";

/// The set of link-local VIPs keyed by address and interface name.
pub const LINK_LOCAL_NAME_SET: &str = "vips_link_local_name";

/// The map from a VMAC to its parent interface (IGMP/MLD reports re-sent).
pub const VMAC_MAP: &str = "vmac_map";

/// The set of VMACs (IPv6: router solicitations dropped).
pub const VMAC_SET: &str = "vmac_set";

/// nft's `TYPE_IFINDEX` and `TYPE_IFNAME` (nftables' datatype.h), and the
/// shift of a concatenated type (`TYPE_BITS`).
const TYPE_IFINDEX: u32 = 20;
const TYPE_IFNAME: u32 = 41;
const TYPE_BITS: u32 = 6;

/// `IFNAMSIZ`: an interface name key is this long, zero-padded.
const IFNAMSIZ: usize = 16;

/// How a link-local VIP is keyed in its set: the interface it lives on.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum LinkKey {
    /// By interface index (set `vips_link_local`).
    Index(u32),
    /// By interface name (set `vips_link_local_name`).
    Name(String),
}

/// One address to drop: a global one in set `vips`, or a link-local IPv6
/// one with its interface (`nft_update_ipv6_address`).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Target {
    /// An IPv4 address, or an IPv6 one that is not link-local.
    Global(IpAddr),
    /// A link-local IPv6 address on one interface.
    LinkLocal(Ipv6Addr, LinkKey),
}

impl Target {
    /// The family of its table.
    pub fn family(&self) -> Family {
        match self {
            Target::Global(a) => Family::of(a),
            Target::LinkLocal(..) => Family::Ipv6,
        }
    }

    /// The address.
    pub fn addr(&self) -> IpAddr {
        match self {
            Target::Global(a) => *a,
            Target::LinkLocal(a, _) => IpAddr::V6(*a),
        }
    }

    /// The set holding it.
    pub fn set(&self) -> DropSet {
        match self {
            Target::Global(_) => DropSet::Vips,
            Target::LinkLocal(_, LinkKey::Index(_)) => DropSet::LinkLocalIndex,
            Target::LinkLocal(_, LinkKey::Name(_)) => DropSet::LinkLocalName,
        }
    }

    /// The element's key: the address, then the interface index in host
    /// order or the name padded to `IFNAMSIZ` (`nft_update_ipv6_address`).
    fn key(&self) -> Vec<u8> {
        match self {
            Target::Global(IpAddr::V4(a)) => a.octets().to_vec(),
            Target::Global(IpAddr::V6(a)) => a.octets().to_vec(),
            Target::LinkLocal(a, k) => {
                let mut key = a.octets().to_vec();
                match k {
                    LinkKey::Index(i) => key.extend_from_slice(&i.to_ne_bytes()),
                    LinkKey::Name(n) => {
                        let mut name = [0u8; IFNAMSIZ];
                        let b = n.as_bytes();
                        let len = b.len().min(IFNAMSIZ - 1);
                        name[..len].copy_from_slice(&b[..len]);
                        key.extend_from_slice(&name);
                    }
                }
                key
            }
        }
    }
}

impl From<IpAddr> for Target {
    /// A global address (a link-local one needs its interface).
    fn from(a: IpAddr) -> Self {
        Target::Global(a)
    }
}

/// The sets of drop addresses, in the order keepalived sends their
/// elements (`nft_update_addresses`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum DropSet {
    /// `vips`.
    Vips,
    /// `vips_link_local`.
    LinkLocalIndex,
    /// `vips_link_local_name`.
    LinkLocalName,
}

impl DropSet {
    /// The set's name.
    pub fn name(self) -> &'static str {
        match self {
            DropSet::Vips => VIPS_SET,
            DropSet::LinkLocalIndex => LINK_LOCAL_SET,
            DropSet::LinkLocalName => LINK_LOCAL_NAME_SET,
        }
    }
}

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

/// nftables' set user data (libnftnl's udata.h): a list of (type u8,
/// length u8, value) holding the byte order of the key
/// (`NFTNL_UDATA_SET_KEYBYTEORDER` 0) and of a map's data
/// (`NFTNL_UDATA_SET_DATABYTEORDER` 1), which `nft list` reads to print
/// the elements. keepalived's `setup_set`: big endian for a lone address
/// type, host order for everything else (interface indexes).
fn byte_order_udata(key_type: u32, map: bool) -> Vec<u8> {
    const HOST: u32 = 1;
    const BIG: u32 = 2;
    let key = if key_type == Family::Ipv4.key_type() || key_type == Family::Ipv6.key_type() {
        BIG
    } else {
        HOST
    };
    let mut u = vec![0, 4];
    u.extend_from_slice(&key.to_ne_bytes());
    if map {
        u.extend_from_slice(&[1, 4]);
        u.extend_from_slice(&HOST.to_ne_bytes());
    }
    u
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
                SetAttribute::UserData(byte_order_udata(shape.key_type, false)),
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
    let mut reqs = setup_table(settings, family);
    reqs.extend(setup_vips(settings, family));
    reqs
}

/// The table and its chain `out` (`nft_setup_ipv4` / `nft_setup_ipv6`):
/// all a VMAC's rules need.
pub fn setup_table(settings: &Settings, family: Family) -> Vec<Request> {
    vec![
        Request {
            family,
            message: NfTablesMessage::NewTable(table_message(settings)),
            flags: NLM_F_CREATE,
        },
        base_chain(settings, family, "out", InetHookNumber::LocalOut),
    ]
}

/// What the drop set needs in a table made by [`setup_table`]
/// (`nft_setup_ipv4_vips` / `nft_setup_ipv6_vips`).
pub fn setup_vips(settings: &Settings, family: Family) -> Vec<Request> {
    let (saddr, daddr) = family.saddr_daddr_offsets();
    let mut reqs = vec![base_chain(settings, family, "in", InetHookNumber::LocalIn)];
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

fn elements(
    settings: &Settings,
    set: &str,
    keys: Vec<Vec<SetElementAttribute>>,
) -> Vec<SetElementList> {
    vec![
        SetElementList::Table(settings.table.clone()),
        SetElementList::Set(set.to_string()),
        SetElementList::Elements(keys.into_iter().map(ListAttribute::Element).collect()),
    ]
}

fn target_keys(targets: &[Target]) -> Vec<Vec<SetElementAttribute>> {
    targets
        .iter()
        .map(|t| vec![SetElementAttribute::Key(DataAttribute::Value(t.key()))])
        .collect()
}

/// Adds `targets` (all of `set`) to their set. An element already in the
/// set fails with EEXIST, as keepalived's NLM_F_EXCL does.
pub fn add_targets(settings: &Settings, set: DropSet, targets: &[Target]) -> Request {
    Request {
        family: if set == DropSet::Vips {
            targets.first().map_or(Family::Ipv4, Target::family)
        } else {
            Family::Ipv6
        },
        message: NfTablesMessage::NewSetElement(SetElementMessage {
            attributes: elements(settings, set.name(), target_keys(targets)),
        }),
        flags: NLM_F_CREATE | NLM_F_EXCL,
    }
}

/// Removes `targets` (all of `set`) from their set.
pub fn delete_targets(settings: &Settings, set: DropSet, targets: &[Target]) -> Request {
    let mut r = add_targets(settings, set, targets);
    if let NfTablesMessage::NewSetElement(m) = r.message {
        r.message = NfTablesMessage::DeleteSetElement(m);
    }
    r.flags = 0;
    r
}

/// Adds `addrs` (all global, of `family`) to the drop set `vips`.
pub fn add_addresses(settings: &Settings, family: Family, addrs: &[IpAddr]) -> Request {
    let t: Vec<Target> = addrs.iter().copied().map(Target::Global).collect();
    let mut r = add_targets(settings, DropSet::Vips, &t);
    r.family = family;
    r
}

/// Removes `addrs` (all global, of `family`) from the drop set `vips`.
pub fn delete_addresses(settings: &Settings, family: Family, addrs: &[IpAddr]) -> Request {
    let t: Vec<Target> = addrs.iter().copied().map(Target::Global).collect();
    let mut r = delete_targets(settings, DropSet::Vips, &t);
    r.family = family;
    r
}

fn meta(key: MetaKey, reg: Register) -> ListAttribute<ExpressionAttribute> {
    Expressions::Meta(vec![Meta::DestinationRegister(reg), Meta::Key(key)]).into()
}

/// The set of link-local VIPs keyed by interface index (`by_name` false)
/// or name, and the rules of `in_link_local` / `out_link_local` that drop
/// them: `ip6 daddr . iif @vips_link_local drop`, `ip6 saddr . oif ...`
/// (`setup_link_local_checks`, `setup_rule_if`).
pub fn setup_link_local(settings: &Settings, by_name: bool) -> Vec<Request> {
    let (set, id, if_type, if_len) = if by_name {
        (
            LINK_LOCAL_NAME_SET,
            LINK_LOCAL_NAME_SET_ID,
            TYPE_IFNAME,
            IFNAMSIZ as u32,
        )
    } else {
        (LINK_LOCAL_SET, LINK_LOCAL_INDEX_SET_ID, TYPE_IFINDEX, 4)
    };
    let (saddr, daddr) = Family::Ipv6.saddr_daddr_offsets();
    let mut reqs = vec![new_set(
        settings,
        Family::Ipv6,
        SetShape {
            name: set,
            flags: SetFlags::empty(),
            key_type: (Family::Ipv6.key_type() << TYPE_BITS) | if_type,
            key_len: 16 + if_len,
            id,
        },
    )];
    for (chain, offset, key) in [
        (
            "in_link_local",
            daddr,
            if by_name {
                MetaKey::Iifname
            } else {
                MetaKey::Iif
            },
        ),
        (
            "out_link_local",
            saddr,
            if by_name {
                MetaKey::Oifname
            } else {
                MetaKey::Oif
            },
        ),
    ] {
        reqs.push(rule(
            settings,
            Family::Ipv6,
            chain,
            vec![
                load_network(offset, 16),
                meta(key, Register::Reg2),
                lookup(set, None),
            ],
            Action::Drop,
        ));
    }
    reqs
}

fn cmp_reg(reg: Register, value: Vec<u8>) -> ListAttribute<ExpressionAttribute> {
    Expressions::Cmp(vec![
        Cmp::SourceRegister(reg),
        Cmp::Op(Operator::Equal),
        Cmp::Data(DataAttribute::Value(value)),
    ])
    .into()
}

/// ICMPv6 type `t`: `meta l4proto ipv6-icmp`, then the type's byte.
fn icmpv6_type(t: u8) -> Vec<ListAttribute<ExpressionAttribute>> {
    vec![
        meta(MetaKey::L4Proto, Register::Reg1),
        cmp_eq(vec![libc::IPPROTO_ICMPV6 as u8]),
        Expressions::Payload(vec![
            Payload::DestinationRegister(Register::Reg1),
            Payload::Base(2),
            Payload::Offset(0),
            Payload::Len(1),
        ])
        .into(),
        cmp_eq(vec![t]),
    ]
}

/// `meta oifkind "macvlan"` then `meta oif` into register 2.
fn on_macvlan() -> Vec<ListAttribute<ExpressionAttribute>> {
    let mut kind = vec![0u8; IFNAMSIZ];
    kind[..7].copy_from_slice(b"macvlan");
    vec![
        meta(MetaKey::Oifkind, Register::Reg2),
        cmp_reg(Register::Reg2, kind),
        meta(MetaKey::Oif, Register::Reg2),
    ]
}

/// ICMPv6 multicast listener report v2 (RFC 3810 §5.2) and router
/// solicitation (RFC 4861 §4.1).
const ICMPV6_MLD2_REPORT: u8 = 143;
const ICMPV6_ROUTER_SOLICIT: u8 = 133;

/// The VMAC objects of a table made by [`setup_table`]
/// (`nft_setup_igmp`): map `vmac_map` (VMAC → parent), for IPv6 also set
/// `vmac_set`; in chain `out` an IGMP report (IPv4) or MLDv2 report (IPv6)
/// leaving by a macvlan is duplicated to its destination through the
/// parent interface and dropped (`setup_rule_move_igmp`), and for IPv6 a
/// router solicitation leaving by a VMAC is dropped
/// (`setup_rule_drop_router_solicit`).
pub fn setup_vmac(settings: &Settings, family: Family) -> Vec<Request> {
    let mut reqs = vec![new_map(settings, family)];
    if family == Family::Ipv6 {
        reqs.push(new_set(
            settings,
            family,
            SetShape {
                name: VMAC_SET,
                flags: SetFlags::empty(),
                key_type: TYPE_IFINDEX,
                key_len: 4,
                id: VMAC_SET_ID,
            },
        ));
    }
    let mut exprs = match family {
        Family::Ipv4 => vec![
            load_network(9, 1),
            cmp_eq(vec![libc::IPPROTO_IGMP as u8]),
            load_network(16, 4),
        ],
        Family::Ipv6 => {
            let mut e = icmpv6_type(ICMPV6_MLD2_REPORT);
            e.push(load_network(24, 16));
            e
        }
    };
    exprs.extend(on_macvlan());
    exprs.push(
        Expressions::Lookup(vec![
            Lookup::Set(VMAC_MAP.to_string()),
            Lookup::SourceRegister(Register::Reg2),
            Lookup::DestinationRegister(Register::Reg2),
            Lookup::SetId(VMAC_MAP_ID),
        ])
        .into(),
    );
    // NFTA_DUP_SREG_ADDR 1, NFTA_DUP_SREG_DEV 2 (not modelled by the crate).
    exprs.push(
        Expressions::Other {
            expression_type: "dup".to_string(),
            attributes: vec![
                DefaultNla::new(1, 1u32.to_be_bytes().to_vec()),
                DefaultNla::new(2, 2u32.to_be_bytes().to_vec()),
            ],
        }
        .into(),
    );
    reqs.push(rule(settings, family, "out", exprs, Action::Drop));
    if family == Family::Ipv6 {
        let mut e = icmpv6_type(ICMPV6_ROUTER_SOLICIT);
        e.extend(on_macvlan());
        e.push(
            Expressions::Lookup(vec![
                Lookup::Set(VMAC_SET.to_string()),
                Lookup::SourceRegister(Register::Reg2),
                Lookup::SetId(VMAC_SET_ID),
            ])
            .into(),
        );
        reqs.push(rule(settings, family, "out", e, Action::Drop));
    }
    reqs
}

fn new_map(settings: &Settings, family: Family) -> Request {
    Request {
        family,
        message: NfTablesMessage::NewSet(SetMessage {
            attributes: vec![
                SetAttribute::Table(settings.table.clone()),
                SetAttribute::Name(VMAC_MAP.to_string()),
                SetAttribute::Flags(SetFlags::Map),
                SetAttribute::KeyType(TYPE_IFINDEX),
                SetAttribute::KeyLen(4),
                SetAttribute::DataType(TYPE_IFINDEX),
                SetAttribute::DataLen(4),
                SetAttribute::Id(VMAC_MAP_ID),
                SetAttribute::UserData(byte_order_udata(TYPE_IFINDEX, true)),
            ],
        }),
        flags: NLM_F_CREATE,
    }
}

/// Adds (or with `add` false removes) the VMAC `vmac` with parent `parent`
/// to `vmac_map`, and for IPv6 to `vmac_set` (`nft_update_vmac_element`).
pub fn vmac_elements(
    settings: &Settings,
    family: Family,
    vmac: u32,
    parent: u32,
    add: bool,
) -> Vec<Request> {
    let key = || SetElementAttribute::Key(DataAttribute::Value(vmac.to_ne_bytes().to_vec()));
    let mut sets = vec![(
        VMAC_MAP,
        vec![
            key(),
            SetElementAttribute::Data(DataAttribute::Value(parent.to_ne_bytes().to_vec())),
        ],
    )];
    if family == Family::Ipv6 {
        sets.push((VMAC_SET, vec![key()]));
    }
    sets.into_iter()
        .map(|(set, elem)| {
            let m = SetElementMessage {
                attributes: elements(settings, set, vec![elem]),
            };
            Request {
                family,
                message: if add {
                    NfTablesMessage::NewSetElement(m)
                } else {
                    NfTablesMessage::DeleteSetElement(m)
                },
                flags: if add { NLM_F_CREATE } else { 0 },
            }
        })
        .collect()
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
