//! ipvsadm 1.31's command line: popt-style option scanning (clustered short
//! options, `--long=value`, `-p [timeout]` with an optional argument), the
//! command/option legality table, and every check with ipvsadm's message.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use ipvs_sys::{
    AddressFamily, DaemonState, Destination, ForwardMethod, Protocol, Service, ServiceFlags,
    ServiceKey, SyncDaemon, Timeouts, TunnelFlags, TunnelType,
};

/// Longest timeout ipvsadm accepts (31 days).
const MAX_TIMEOUT: i64 = 86400 * 31;
/// Persistence timeout when `-p` has no value.
const DEFAULT_PERSISTENT_TIMEOUT: u32 = 360;

/// The command of one invocation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Cmd {
    /// `-A`
    Add,
    /// `-E`
    Edit,
    /// `-D`
    Del,
    /// `-C`
    Flush,
    /// `-L` / `-l`
    List,
    /// `-a`
    AddDest,
    /// `-d`
    DelDest,
    /// `-e`
    EditDest,
    /// `--set`
    Timeout,
    /// `--start-daemon`
    StartDaemon,
    /// `--stop-daemon`
    StopDaemon,
    /// `-R`
    Restore,
    /// `-S`
    Save,
    /// `-Z`
    Zero,
}

const CMD_NAMES: [&str; 14] = [
    "add-service",
    "edit-service",
    "delete-service",
    "flush",
    "list",
    "add-server",
    "delete-server",
    "edit-server",
    "set",
    "start-daemon",
    "stop-daemon",
    "restore",
    "save",
    "zero",
];

impl Cmd {
    fn index(self) -> usize {
        self as usize
    }
}

// Option bits, in ipvsadm's order (OPTC_*).
/// Option numbers.
pub mod opt {
    #![allow(missing_docs)]
    pub const NUMERIC: u32 = 0;
    pub const CONNECTION: u32 = 1;
    pub const SERVICE: u32 = 2;
    pub const SCHEDULER: u32 = 3;
    pub const PERSISTENT: u32 = 4;
    pub const NETMASK: u32 = 5;
    pub const SERVER: u32 = 6;
    pub const FORWARD: u32 = 7;
    pub const WEIGHT: u32 = 8;
    pub const UTHRESHOLD: u32 = 9;
    pub const LTHRESHOLD: u32 = 10;
    pub const MCAST: u32 = 11;
    pub const TIMEOUT: u32 = 12;
    pub const DAEMON: u32 = 13;
    pub const STATS: u32 = 14;
    pub const RATE: u32 = 15;
    pub const THRESHOLDS: u32 = 16;
    pub const PERSISTENTCONN: u32 = 17;
    pub const NOSORT: u32 = 18;
    pub const SYNCID: u32 = 19;
    pub const EXACT: u32 = 20;
    pub const ONEPACKET: u32 = 21;
    pub const PE: u32 = 22;
    pub const SCHED_FLAGS: u32 = 23;
    pub const MCAST_GROUP: u32 = 24;
    pub const MCAST_PORT: u32 = 25;
    pub const MCAST_TTL: u32 = 26;
    pub const SYNC_MAXLEN: u32 = 27;
    pub const TUN_INFO: u32 = 28;
    pub const TUN_TYPE: u32 = 29;
    pub const TUN_PORT: u32 = 30;
    pub const TUN_NOCSUM: u32 = 31;
    pub const TUN_CSUM: u32 = 32;
    pub const TUN_REMCSUM: u32 = 33;
}

const OPT_NAMES: [&str; 34] = [
    "numeric",
    "connection",
    "service-address",
    "scheduler",
    "persistent",
    "netmask",
    "real-server",
    "forwarding-method",
    "weight",
    "u-threshold",
    "l-threshold",
    "mcast-interface",
    "timeout",
    "daemon",
    "stats",
    "rate",
    "thresholds",
    "persistent-conn",
    "nosort",
    "syncid",
    "exact",
    "ops",
    "pe",
    "sched-flags",
    "mcast-group",
    "mcast-port",
    "mcast-ttl",
    "sync-maxlen",
    "tun-info",
    "tun-type",
    "tun-port",
    "tun-nocsum",
    "tun-csum",
    "tun-remcsum",
];

/// Legal command/option combinations ('+' required, 'x' illegal, '1'
/// exclusive, ' ' optional), one row per command, one column per option.
const LEGAL: [&[u8; 34]; 14] = [
    b"xx+   xxxxxxxxxxxxxxx   xxxxxxxxxx", // add
    b"xx+   xxxxxxxxxxxxxxx   xxxxxxxxxx", // edit
    b"xx+xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx", // del
    b"xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx", // flush
    b" 11xxxxxxxxx11       xxxxxxx xxxxx", // list
    b"xx+xxx+    xxxxxxxxxxxxxxxxxx     ", // add-server
    b"xx+xxx+xxxxxxxxxxxxxxxxxxxxxxxxxxx", // del-server
    b"xx+xxx+    xxxxxxxxxxxxxxxxxx     ", // edit-server
    b"xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx", // set
    b"xxxxxxxxxxx xxxxxxx xxxx    xxxxxx", // start-daemon
    b"xxxxxxxxxxxxxxxxxxx xxxxxxxxxxxxxx", // stop-daemon
    b"xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx", // restore
    b" xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx", // save
    b"xx xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx", // zero
];

/// Output format flags.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Format {
    /// `-n`
    pub numeric: bool,
    /// `-S` (rules)
    pub rule: bool,
    /// `--stats`
    pub stats: bool,
    /// `--rate`
    pub rate: bool,
    /// `--thresholds`
    pub thresholds: bool,
    /// `--persistent-conn`
    pub persistent_conn: bool,
    /// `--nosort`
    pub nosort: bool,
    /// `--exact`
    pub exact: bool,
    /// `--tun-info`
    pub tun_info: bool,
}

/// Why parsing stopped.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Stop {
    /// ipvsadm's `fail(2, ...)`: message, exit 2.
    Fail(String),
    /// Unknown/missing first option: "Try `prog -h' ..." and exit 255.
    TryHelp,
    /// A popt error after the command: "OPTION: popt message", exit 255.
    Popt(String),
    /// `-h`
    Help,
    /// `-v`
    Version,
}

/// A fully parsed and checked invocation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Invocation {
    /// The command.
    pub cmd: Cmd,
    /// Option bits given (1 << opt::X).
    pub options: u64,
    /// Output format.
    pub format: Format,
    /// The virtual service (as ipvsadm fills it from the options).
    pub service: Service,
    /// The real server.
    pub dest: Destination,
    /// `--set` values.
    pub timeouts: Timeouts,
    /// Daemon settings.
    pub daemon: SyncDaemon,
}

impl Invocation {
    /// Whether option `o` was given.
    pub fn has(&self, o: u32) -> bool {
        self.options & (1u64 << o) != 0
    }
}

fn fail<T>(msg: impl Into<String>) -> Result<T, Stop> {
    Err(Stop::Fail(msg.into()))
}

/// What an option takes.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Arg {
    None,
    Required,
    Optional,
}

/// (long name, short, argument, tag)
const TABLE: &[(&str, Option<char>, Arg, &str)] = &[
    ("add-service", Some('A'), Arg::None, "A"),
    ("edit-service", Some('E'), Arg::None, "E"),
    ("delete-service", Some('D'), Arg::None, "D"),
    ("clear", Some('C'), Arg::None, "C"),
    ("list", Some('L'), Arg::None, "L"),
    ("list", Some('l'), Arg::None, "L"),
    ("zero", Some('Z'), Arg::None, "Z"),
    ("add-server", Some('a'), Arg::None, "a"),
    ("edit-server", Some('e'), Arg::None, "e"),
    ("delete-server", Some('d'), Arg::None, "d"),
    ("set", None, Arg::None, "set"),
    ("help", Some('h'), Arg::None, "h"),
    ("version", Some('v'), Arg::None, "v"),
    ("restore", Some('R'), Arg::None, "R"),
    ("save", Some('S'), Arg::None, "S"),
    ("start-daemon", None, Arg::Required, "start-daemon"),
    ("stop-daemon", None, Arg::Required, "stop-daemon"),
    ("tcp-service", Some('t'), Arg::Required, "t"),
    ("udp-service", Some('u'), Arg::Required, "u"),
    ("sctp-service", None, Arg::Required, "sctp"),
    ("fwmark-service", Some('f'), Arg::Required, "f"),
    ("scheduler", Some('s'), Arg::Required, "s"),
    ("persistent", Some('p'), Arg::Optional, "p"),
    ("netmask", Some('M'), Arg::Required, "M"),
    ("real-server", Some('r'), Arg::Required, "r"),
    ("masquerading", Some('m'), Arg::None, "m"),
    ("ipip", Some('i'), Arg::None, "i"),
    ("gatewaying", Some('g'), Arg::None, "g"),
    ("weight", Some('w'), Arg::Required, "w"),
    ("u-threshold", Some('x'), Arg::Required, "x"),
    ("l-threshold", Some('y'), Arg::Required, "y"),
    ("numeric", Some('n'), Arg::None, "n"),
    ("connection", Some('c'), Arg::None, "c"),
    ("mcast-interface", None, Arg::Required, "mcast-interface"),
    ("syncid", None, Arg::Required, "syncid"),
    ("timeout", None, Arg::None, "timeout"),
    ("daemon", None, Arg::None, "daemon"),
    ("stats", None, Arg::None, "stats"),
    ("rate", None, Arg::None, "rate"),
    ("thresholds", None, Arg::None, "thresholds"),
    ("persistent-conn", None, Arg::None, "persistent-conn"),
    ("nosort", None, Arg::None, "nosort"),
    ("sort", None, Arg::None, "sort"),
    ("exact", Some('X'), Arg::None, "X"),
    ("ipv6", Some('6'), Arg::None, "6"),
    ("ops", Some('o'), Arg::None, "o"),
    ("pe", None, Arg::Required, "pe"),
    ("sched-flags", Some('b'), Arg::Required, "b"),
    ("mcast-group", None, Arg::Required, "mcast-group"),
    ("mcast-port", None, Arg::Required, "mcast-port"),
    ("mcast-ttl", None, Arg::Required, "mcast-ttl"),
    ("sync-maxlen", None, Arg::Required, "sync-maxlen"),
    ("tun-info", None, Arg::None, "tun-info"),
    ("tun-type", None, Arg::Required, "tun-type"),
    ("tun-port", None, Arg::Required, "tun-port"),
    ("tun-nocsum", None, Arg::None, "tun-nocsum"),
    ("tun-csum", None, Arg::None, "tun-csum"),
    ("tun-remcsum", None, Arg::None, "tun-remcsum"),
];

/// One scanned option, or a leftover argument.
#[derive(Debug)]
enum Item {
    Opt(&'static str, Option<String>),
    Arg(String),
    /// popt error: the offending option text and popt's message.
    Bad(String, &'static str),
}

/// popt-like scanning of `args` (without the program name).
fn scan(args: &[String]) -> Vec<Item> {
    let mut items = Vec::new();
    let mut i = 0;
    let mut rest_are_args = false;
    while i < args.len() {
        let a = &args[i];
        i += 1;
        if rest_are_args || a == "-" || !a.starts_with('-') {
            items.push(Item::Arg(a.clone()));
            continue;
        }
        if a == "--" {
            rest_are_args = true;
            continue;
        }
        if let Some(long) = a.strip_prefix("--") {
            let (name, inline) = match long.split_once('=') {
                Some((n, v)) => (n, Some(v.to_string())),
                None => (long, None),
            };
            let Some(&(_, _, arg, tag)) = TABLE.iter().find(|e| e.0 == name) else {
                items.push(Item::Bad(a.clone(), "unknown option"));
                return items;
            };
            let value = match arg {
                Arg::None => None,
                Arg::Required => match inline {
                    Some(v) => Some(v),
                    None if i < args.len() => {
                        i += 1;
                        Some(args[i - 1].clone())
                    }
                    None => {
                        items.push(Item::Bad(a.clone(), "missing argument"));
                        return items;
                    }
                },
                Arg::Optional => match inline {
                    Some(v) => Some(v),
                    None if i < args.len() && !args[i].starts_with('-') => {
                        i += 1;
                        Some(args[i - 1].clone())
                    }
                    None => None,
                },
            };
            items.push(Item::Opt(tag, value));
            continue;
        }
        // Clustered short options: "-Ln", "-t10.0.0.1:80".
        let chars: Vec<char> = a[1..].chars().collect();
        let mut j = 0;
        while j < chars.len() {
            let c = chars[j];
            j += 1;
            let Some(&(_, _, arg, tag)) = TABLE.iter().find(|e| e.1 == Some(c)) else {
                items.push(Item::Bad(format!("-{c}"), "unknown option"));
                return items;
            };
            let inline: String = chars[j..].iter().collect();
            let value = match arg {
                Arg::None => None,
                Arg::Required | Arg::Optional if !inline.is_empty() => {
                    j = chars.len();
                    Some(inline)
                }
                Arg::Required if i < args.len() => {
                    i += 1;
                    Some(args[i - 1].clone())
                }
                Arg::Required => {
                    items.push(Item::Bad(format!("-{c}"), "missing argument"));
                    return items;
                }
                Arg::Optional if i < args.len() && !args[i].starts_with('-') => {
                    i += 1;
                    Some(args[i - 1].clone())
                }
                Arg::Optional => None,
            };
            items.push(Item::Opt(tag, value));
        }
    }
    items
}

/// C `strtol` over the whole string in `[min, max]`, as ipvsadm's
/// `string_to_number`.
fn number(s: &str, min: i64, max: i64) -> Option<i64> {
    let t = s.trim_start();
    let n: i64 = t
        .parse()
        .ok()
        .or_else(|| t.strip_prefix('+').and_then(|x| x.parse().ok()))?;
    (min..=max).contains(&n).then_some(n)
}

/// The protocol's name in /etc/services.
pub fn services_protocol(proto: Protocol) -> Option<&'static str> {
    match proto {
        Protocol::Tcp => Some("tcp"),
        Protocol::Udp => Some("udp"),
        Protocol::Sctp => Some("sctp"),
        Protocol::Other(_) => None,
    }
}

/// Looks a service name up in /etc/services.
pub fn service_port(name: &str, proto: Protocol) -> Option<u16> {
    let p = services_protocol(proto)?;
    let text = std::fs::read_to_string("/etc/services").ok()?;
    for line in text.lines() {
        let line = line.split('#').next().unwrap_or("");
        let mut f = line.split_whitespace();
        let (Some(svc), Some(pp)) = (f.next(), f.next()) else {
            continue;
        };
        let Some((port, pr)) = pp.split_once('/') else {
            continue;
        };
        if pr == p && (svc == name || f.any(|alias| alias == name)) {
            return port.parse().ok();
        }
    }
    None
}

/// Parsed `host[:port]`: address, port if given.
fn parse_addr_port(buf: &str, proto: Protocol) -> Option<(IpAddr, Option<u16>)> {
    if buf.is_empty() || buf.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let (host, port) = if let Some(rest) = buf.strip_prefix('[') {
        let (h, p) = rest.split_once(']')?;
        let p = p.strip_prefix(':')?;
        (h, Some(p))
    } else if let Ok(a) = buf.parse::<Ipv6Addr>() {
        return Some((IpAddr::V6(a), None));
    } else {
        match buf.rsplit_once(':') {
            Some((h, p)) => (h, Some(p)),
            None => (buf, None),
        }
    };
    let addr = if buf.starts_with('[') {
        IpAddr::V6(host.parse().ok()?)
    } else {
        IpAddr::V4(host.parse::<Ipv4Addr>().ok()?)
    };
    let port = match port {
        None => None,
        Some(p) => Some(match number(p, 0, 65535) {
            Some(n) => n as u16,
            None => service_port(p, proto)?,
        }),
    };
    Some((addr, port))
}

/// The raw service ipvsadm fills in while scanning options.
#[derive(Debug, Clone)]
struct RawService {
    af: AddressFamily,
    protocol: Protocol,
    addr: IpAddr,
    port: u16,
    fwmark: u32,
    sched: String,
    flags: u32,
    timeout: u32,
    netmask: u32,
    pe: String,
}

impl RawService {
    fn to_service(&self) -> Service {
        let key = if self.fwmark != 0 {
            ServiceKey::Fwmark {
                af: self.af,
                mark: self.fwmark,
            }
        } else {
            ServiceKey::Inet {
                protocol: self.protocol,
                addr: self.addr,
                port: self.port,
            }
        };
        let mut s = Service::new(key, self.sched.clone());
        s.flags = ServiceFlags::from_bits_retain(self.flags);
        s.timeout = self.timeout;
        s.netmask = self.netmask;
        s.pe_name = (!self.pe.is_empty()).then(|| self.pe.clone());
        s
    }
}

/// Parses one invocation's arguments (without the program name), applying
/// every check ipvsadm applies, in its order.
pub fn parse(args: &[String]) -> Result<Invocation, Stop> {
    let items = scan(args);
    let mut it = items.into_iter();
    let mut svc = RawService {
        af: AddressFamily::Inet,
        protocol: Protocol::Other(0),
        addr: IpAddr::V4(Ipv4Addr::UNSPECIFIED),
        port: 0,
        fwmark: 0,
        sched: String::new(),
        flags: 0,
        timeout: 0,
        netmask: 0xffff_ffff,
        pe: String::new(),
    };
    let mut dest = Destination::new(IpAddr::V4(Ipv4Addr::UNSPECIFIED), 0, ForwardMethod::Route);
    let mut dest_af = AddressFamily::Inet;
    let mut daemon = SyncDaemon::new(DaemonState::Master, "", 0);
    let mut options: u64 = 0;
    let mut format = Format::default();
    let mut sched_flags_arg = String::new();
    let mut leftovers = Vec::new();

    let daemon_state = |v: &str, stop: bool| match v {
        "master" => Ok(DaemonState::Master),
        "backup" => Ok(DaemonState::Backup),
        _ if stop => fail("illegal start_daemon specified"),
        _ => fail("illegal start-daemon parameter specified"),
    };
    let cmd = match it.next() {
        Some(Item::Opt(tag, value)) => match tag {
            "A" => Cmd::Add,
            "E" => Cmd::Edit,
            "D" => Cmd::Del,
            "a" => Cmd::AddDest,
            "e" => Cmd::EditDest,
            "d" => Cmd::DelDest,
            "C" => Cmd::Flush,
            "L" => Cmd::List,
            "Z" => Cmd::Zero,
            "set" => Cmd::Timeout,
            "R" => Cmd::Restore,
            "S" => Cmd::Save,
            "start-daemon" => {
                daemon.state = daemon_state(value.as_deref().unwrap_or(""), false)?;
                Cmd::StartDaemon
            }
            "stop-daemon" => {
                daemon.state = daemon_state(value.as_deref().unwrap_or(""), true)?;
                Cmd::StopDaemon
            }
            "h" => return Err(Stop::Help),
            "v" => return Err(Stop::Version),
            _ => return Err(Stop::TryHelp),
        },
        _ => return Err(Stop::TryHelp),
    };

    let set = |options: &mut u64, o: u32| -> Result<(), Stop> {
        let bit = 1u64 << o;
        if *options & bit != 0 {
            return fail(format!(
                "multiple '{}' options specified",
                OPT_NAMES[o as usize]
            ));
        }
        *options |= bit;
        Ok(())
    };
    let is_cmd_tag = |t: &str| {
        matches!(
            t,
            "A" | "E"
                | "D"
                | "a"
                | "e"
                | "d"
                | "C"
                | "L"
                | "Z"
                | "set"
                | "R"
                | "S"
                | "start-daemon"
                | "stop-daemon"
                | "h"
                | "v"
        )
    };

    for item in it {
        let (tag, value) = match item {
            Item::Opt(t, v) => (t, v),
            Item::Arg(a) => {
                leftovers.push(a);
                continue;
            }
            Item::Bad(opt, msg) => return Err(Stop::Popt(format!("{opt}: {msg}"))),
        };
        let v = value.clone().unwrap_or_default();
        if is_cmd_tag(tag) {
            return fail("multiple commands specified");
        }
        match tag {
            "t" | "u" | "sctp" => {
                set(&mut options, opt::SERVICE)?;
                svc.protocol = match tag {
                    "t" => Protocol::Tcp,
                    "u" => Protocol::Udp,
                    _ => Protocol::Sctp,
                };
                let Some((addr, port)) = parse_addr_port(&v, svc.protocol) else {
                    return fail("illegal virtual server address[:port] specified");
                };
                svc.addr = addr;
                svc.af = AddressFamily::of(&addr);
                if svc.af == AddressFamily::Inet6 {
                    svc.netmask = 128;
                }
                if let Some(p) = port {
                    svc.port = p;
                }
            }
            "f" => {
                set(&mut options, opt::SERVICE)?;
                svc.af = AddressFamily::Inet;
                svc.protocol = Protocol::Tcp;
                match number(&v, 1, u32::MAX.into()) {
                    Some(m) => svc.fwmark = m as u32,
                    None => return fail(format!("invalid fwmark value `{v}' specified")),
                }
            }
            "s" => {
                set(&mut options, opt::SCHEDULER)?;
                svc.sched = v.chars().take(15).collect();
            }
            "p" => {
                set(&mut options, opt::PERSISTENT)?;
                svc.flags |= ServiceFlags::PERSISTENT.bits();
                svc.timeout = match &value {
                    None => DEFAULT_PERSISTENT_TIMEOUT,
                    Some(t) => match number(t, 1, MAX_TIMEOUT) {
                        Some(n) => n as u32,
                        None => return fail(format!("invalid timeout value `{t}' specified")),
                    },
                };
            }
            "M" => {
                set(&mut options, opt::NETMASK)?;
                if svc.af != AddressFamily::Inet6 {
                    match v.parse::<Ipv4Addr>() {
                        Ok(m) => svc.netmask = u32::from(m),
                        Err(_) => {
                            return fail("illegal virtual server persistent mask specified");
                        }
                    }
                } else {
                    let n = atoi(&v);
                    if !(1..=128).contains(&n) {
                        return fail("illegal ipv6 netmask specified");
                    }
                    svc.netmask = n as u32;
                }
            }
            "r" => {
                set(&mut options, opt::SERVER)?;
                let Some((addr, port)) = parse_addr_port(&v, svc.protocol) else {
                    return fail("illegal real server address[:port] specified");
                };
                dest.addr = addr;
                dest_af = AddressFamily::of(&addr);
                dest.port = port.unwrap_or(svc.port);
            }
            "i" | "g" | "m" => {
                set(&mut options, opt::FORWARD)?;
                dest.fwd = match tag {
                    "i" => ForwardMethod::Tunnel,
                    "g" => ForwardMethod::Route,
                    _ => ForwardMethod::Masq,
                };
            }
            "w" => {
                set(&mut options, opt::WEIGHT)?;
                // Debian's ipvsadm 1.31 accepts any non-negative int (seen in the VM).
                dest.weight = match number(&v, 0, i32::MAX.into()) {
                    Some(n) => n as i32,
                    None => return fail("illegal weight specified"),
                };
            }
            "x" => {
                set(&mut options, opt::UTHRESHOLD)?;
                dest.upper_threshold = match number(&v, 0, i32::MAX.into()) {
                    Some(n) => n as u32,
                    None => return fail("illegal u_threshold specified"),
                };
            }
            "y" => {
                set(&mut options, opt::LTHRESHOLD)?;
                dest.lower_threshold = match number(&v, 0, i32::MAX.into()) {
                    Some(n) => n as u32,
                    None => return fail("illegal l_threshold specified"),
                };
            }
            "c" => set(&mut options, opt::CONNECTION)?,
            "n" => {
                set(&mut options, opt::NUMERIC)?;
                format.numeric = true;
            }
            "mcast-interface" => {
                set(&mut options, opt::MCAST)?;
                daemon.mcast_ifn = v.chars().take(15).collect();
            }
            "syncid" => {
                set(&mut options, opt::SYNCID)?;
                daemon.syncid = match number(&v, 0, 255) {
                    Some(n) => n as u32,
                    None => return fail("illegal syncid specified"),
                };
            }
            "timeout" => set(&mut options, opt::TIMEOUT)?,
            "daemon" => set(&mut options, opt::DAEMON)?,
            "stats" => {
                set(&mut options, opt::STATS)?;
                format.stats = true;
            }
            "rate" => {
                set(&mut options, opt::RATE)?;
                format.rate = true;
            }
            "thresholds" => {
                set(&mut options, opt::THRESHOLDS)?;
                format.thresholds = true;
            }
            "persistent-conn" => {
                set(&mut options, opt::PERSISTENTCONN)?;
                format.persistent_conn = true;
            }
            "nosort" => {
                set(&mut options, opt::NOSORT)?;
                format.nosort = true;
            }
            "sort" => {}
            "X" => {
                set(&mut options, opt::EXACT)?;
                format.exact = true;
            }
            "6" => {
                if svc.fwmark != 0 {
                    svc.af = AddressFamily::Inet6;
                    svc.netmask = 128;
                } else {
                    return fail("-6 used before -f\n");
                }
            }
            "o" => {
                set(&mut options, opt::ONEPACKET)?;
                svc.flags |= ServiceFlags::ONEPACKET.bits();
            }
            "pe" => {
                set(&mut options, opt::PE)?;
                svc.pe = v.chars().take(16).collect();
            }
            "b" => {
                set(&mut options, opt::SCHED_FLAGS)?;
                sched_flags_arg = v.chars().take(127).collect();
            }
            "mcast-group" => {
                set(&mut options, opt::MCAST_GROUP)?;
                if v.contains(':') {
                    match v.parse::<Ipv6Addr>() {
                        Ok(a) if a.is_multicast() => daemon.mcast_group = Some(IpAddr::V6(a)),
                        _ => return fail(format!("invalid IPv6 mcast-group `{v}'")),
                    }
                } else {
                    match v.parse::<Ipv4Addr>() {
                        Ok(a) if a.is_multicast() => daemon.mcast_group = Some(IpAddr::V4(a)),
                        _ => return fail(format!("invalid IPv4 mcast-group `{v}'")),
                    }
                }
            }
            "mcast-port" => {
                set(&mut options, opt::MCAST_PORT)?;
                daemon.mcast_port = match number(&v, 1, 65535) {
                    Some(n) => Some(n as u16),
                    None => return fail("illegal mcast-port specified"),
                };
            }
            "mcast-ttl" => {
                set(&mut options, opt::MCAST_TTL)?;
                daemon.mcast_ttl = match number(&v, 1, 255) {
                    Some(n) => Some(n as u8),
                    None => return fail("illegal mcast-ttl specified"),
                };
            }
            "sync-maxlen" => {
                set(&mut options, opt::SYNC_MAXLEN)?;
                daemon.sync_maxlen = match number(&v, 1, 65535 - 20 - 8) {
                    Some(n) => Some(n as u16),
                    None => return fail("illegal sync-maxlen specified"),
                };
            }
            "tun-info" => {
                set(&mut options, opt::TUN_INFO)?;
                format.tun_info = true;
            }
            "tun-type" => {
                set(&mut options, opt::TUN_TYPE)?;
                dest.tun_type = match v.as_str() {
                    "ipip" => TunnelType::Ipip,
                    "gue" => TunnelType::Gue,
                    "gre" => TunnelType::Gre,
                    _ => return fail("illegal tunnel type specified"),
                };
            }
            "tun-port" => {
                set(&mut options, opt::TUN_PORT)?;
                dest.tun_port = match number(&v, 1, 65535) {
                    Some(n) => n as u16,
                    None => return fail("illegal tunnel port specified"),
                };
            }
            "tun-nocsum" => set(&mut options, opt::TUN_NOCSUM)?,
            "tun-csum" => {
                set(&mut options, opt::TUN_CSUM)?;
                dest.tun_flags |= TunnelFlags::CSUM;
            }
            "tun-remcsum" => {
                set(&mut options, opt::TUN_REMCSUM)?;
                dest.tun_flags |= TunnelFlags::REMCSUM;
            }
            _ => return fail(format!("invalid option `{tag}'")),
        }
    }

    let mut timeouts = Timeouts::default();
    let mut left = leftovers.into_iter();
    if cmd == Cmd::Timeout {
        match (left.next(), left.next(), left.next()) {
            (Some(a), Some(b), Some(c)) => {
                let t = |s: &str| match number(s, 0, MAX_TIMEOUT) {
                    Some(n) => Ok(n as u32),
                    None => fail(format!("invalid timeout value `{s}' specified")),
                };
                timeouts = Timeouts {
                    tcp: t(&a)?,
                    tcp_fin: t(&b)?,
                    udp: t(&c)?,
                };
            }
            _ => return fail("--set option requires 3 timeout values"),
        }
    }
    if let Some(extra) = left.next() {
        return fail(format!("unexpected argument {extra}"));
    }
    if !sched_flags_arg.is_empty() {
        svc.flags &= !(ServiceFlags::SCHED1 | ServiceFlags::SCHED2 | ServiceFlags::SCHED3).bits();
        svc.flags |= parse_sched_flags(&svc.sched, &sched_flags_arg)?;
    }

    generic_opt_check(cmd, options)?;

    if matches!(cmd, Cmd::Add | Cmd::Edit) {
        if svc.fwmark == 0 && svc.port == 0 && svc.flags & ServiceFlags::PERSISTENT.bits() == 0 {
            return fail("Zero port specified for non-persistent service");
        }
        if svc.flags & ServiceFlags::ONEPACKET.bits() != 0
            && svc.fwmark == 0
            && svc.protocol != Protocol::Udp
        {
            return fail("One-Packet Scheduling is only for UDP virtual services");
        }
        if svc.sched.is_empty() {
            svc.sched = "wlc".into();
        }
    }
    if cmd == Cmd::StartDaemon && daemon.mcast_ifn.is_empty() {
        daemon.mcast_ifn = "eth0".into();
    }
    if matches!(cmd, Cmd::AddDest | Cmd::EditDest) {
        if svc.fwmark == 0 && matches!(dest.fwd, ForwardMethod::Tunnel | ForwardMethod::Route) {
            dest.port = svc.port;
        }
        if dest_af != svc.af && dest.fwd != ForwardMethod::Tunnel {
            return fail("Different address family is allowed only for tunneling servers");
        }
        let tun_opts = [
            opt::TUN_TYPE,
            opt::TUN_PORT,
            opt::TUN_NOCSUM,
            opt::TUN_CSUM,
            opt::TUN_REMCSUM,
        ];
        if tun_opts.iter().any(|o| options & (1u64 << o) != 0) && dest.fwd != ForwardMethod::Tunnel
        {
            return fail("Tunnel options conflict with forward method");
        }
        tunnel_opt_check(dest.tun_type, options)?;
    }

    Ok(Invocation {
        cmd,
        options,
        format,
        service: svc.to_service(),
        dest,
        timeouts,
        daemon,
    })
}

fn atoi(s: &str) -> i64 {
    let t = s.trim_start();
    let (neg, digits) = match t.strip_prefix('-') {
        Some(r) => (true, r),
        None => (false, t.strip_prefix('+').unwrap_or(t)),
    };
    let n: i64 = digits
        .bytes()
        .take_while(u8::is_ascii_digit)
        .fold(0i64, |acc, d| {
            acc.saturating_mul(10).saturating_add(i64::from(d - b'0'))
        });
    if neg { -n } else { n }
}

fn parse_sched_flags(sched: &str, arg: &str) -> Result<u32, Stop> {
    let sched = if sched.is_empty() { "wlc" } else { sched };
    let mut flags = 0;
    for flag in arg.split(',').filter(|f| !f.is_empty()) {
        let (bit, needs) = match flag {
            "flag-1" => (ServiceFlags::SCHED1, None),
            "flag-2" => (ServiceFlags::SCHED2, None),
            "flag-3" => (ServiceFlags::SCHED3, None),
            "sh-fallback" => (ServiceFlags::SCHED1, Some("sh")),
            "sh-port" => (ServiceFlags::SCHED2, Some("sh")),
            "mh-fallback" => (ServiceFlags::SCHED1, Some("mh")),
            "mh-port" => (ServiceFlags::SCHED2, Some("mh")),
            _ => return fail(format!("invalid scheduler flag `{flag}'")),
        };
        flags |= bit.bits();
        if needs.is_some_and(|s| s != sched) {
            return fail(format!("incompatible scheduler flag `{flag}'"));
        }
    }
    Ok(flags)
}

fn generic_opt_check(cmd: Cmd, options: u64) -> Result<(), Stop> {
    let row = LEGAL[cmd.index()];
    let name = CMD_NAMES[cmd.index()];
    let mut last = None;
    for (j, &rule) in row.iter().enumerate() {
        let given = options & (1u64 << j) != 0;
        if !given {
            if rule == b'+' {
                return fail(format!(
                    "You need to supply the '{}' option for the '{name}' command",
                    OPT_NAMES[j]
                ));
            }
        } else {
            if rule == b'x' {
                return fail(format!(
                    "Illegal '{}' option with the '{name}' command",
                    OPT_NAMES[j]
                ));
            }
            if rule == b'1' {
                match last {
                    None => last = Some(j),
                    Some(l) => {
                        return fail(format!(
                            "The option '{}' conflicts with the '{}' option in the '{name}' command",
                            OPT_NAMES[j], OPT_NAMES[l]
                        ));
                    }
                }
            }
        }
    }
    Ok(())
}

fn tunnel_opt_check(tun: TunnelType, options: u64) -> Result<(), Stop> {
    // Columns: tun-port, tun-nocsum, tun-csum, tun-remcsum.
    let (row, name): (&[u8; 4], &str) = match tun {
        TunnelType::Ipip => (b"xxxx", "ipip"),
        TunnelType::Gue => (b"+111", "gue"),
        TunnelType::Gre => (b"x11x", "gre"),
        TunnelType::Other(_) => return Ok(()),
    };
    let cols = [
        opt::TUN_PORT,
        opt::TUN_NOCSUM,
        opt::TUN_CSUM,
        opt::TUN_REMCSUM,
    ];
    let mut last = None;
    for (j, &o) in cols.iter().enumerate() {
        let given = options & (1u64 << o) != 0;
        let oname = OPT_NAMES[o as usize];
        if !given {
            if row[j] == b'+' {
                return fail(format!(
                    "You need to supply the '{oname}' option for the '{name}' tunnel type"
                ));
            }
        } else {
            if row[j] == b'x' {
                return fail(format!(
                    "Illegal '{oname}' option with the '{name}' tunnel type"
                ));
            }
            if row[j] == b'1' {
                match last {
                    None => last = Some(oname),
                    Some(l) => {
                        return fail(format!(
                            "The option '{oname}' conflicts with the '{l}' option in the '{name}' tunnel type"
                        ));
                    }
                }
            }
        }
    }
    Ok(())
}

/// Splits a restore line into words (whitespace; quotes group words).
pub fn split_line(line: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut cur = String::new();
    let mut in_word = false;
    let mut quote: Option<char> = None;
    for c in line.chars() {
        match quote {
            Some(q) if c == q => quote = None,
            Some(_) => cur.push(c),
            None if c == '"' || c == '\'' => {
                quote = Some(c);
                in_word = true;
            }
            None if c.is_whitespace() => {
                if in_word {
                    out.push(std::mem::take(&mut cur));
                    in_word = false;
                }
            }
            None => {
                cur.push(c);
                in_word = true;
            }
        }
    }
    if in_word {
        out.push(cur);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(args: &str) -> Result<Invocation, Stop> {
        parse(
            &args
                .split_whitespace()
                .map(str::to_string)
                .collect::<Vec<_>>(),
        )
    }

    #[test]
    fn persistent_timeout_is_optional() {
        let inv = p("-A -t 10.0.0.1:80 -p -s rr").unwrap();
        assert_eq!(inv.service.timeout, 360);
        let inv = p("-A -t 10.0.0.1:80 -p 30").unwrap();
        assert_eq!(inv.service.timeout, 30);
        let inv = p("-A -t 10.0.0.1:80 --persistent=45").unwrap();
        assert_eq!(inv.service.timeout, 45);
        assert_eq!(
            p("-A -t 10.0.0.1:80 -p x"),
            Err(Stop::Fail("invalid timeout value `x' specified".into()))
        );
    }

    #[test]
    fn clustered_and_attached_short_options() {
        let inv = p("-Ln").unwrap();
        assert_eq!((inv.cmd, inv.format.numeric), (Cmd::List, true));
        let inv = p("-At10.0.0.1:80 -srr").unwrap();
        assert_eq!(inv.service.scheduler, "rr");
    }

    #[test]
    fn checks_in_ipvsadm_order_with_its_messages() {
        assert_eq!(
            p("-A -s rr"),
            Err(Stop::Fail(
                "You need to supply the 'service-address' option for the 'add-service' command"
                    .into()
            ))
        );
        assert_eq!(
            p("-L -c --timeout"),
            Err(Stop::Fail(
                "The option 'timeout' conflicts with the 'connection' option in the 'list' command"
                    .into()
            ))
        );
        assert_eq!(
            p("-A -t 10.0.0.1:80 -t 10.0.0.2:80"),
            Err(Stop::Fail(
                "multiple 'service-address' options specified".into()
            ))
        );
        assert_eq!(
            p("-A -L"),
            Err(Stop::Fail("multiple commands specified".into()))
        );
        assert_eq!(p("--bogus"), Err(Stop::TryHelp));
        assert_eq!(
            p("-Ln --bogus"),
            Err(Stop::Popt("--bogus: unknown option".into()))
        );
    }

    #[test]
    fn real_server_port_defaults_to_the_service_port() {
        let inv = p("-a -t 10.0.0.1:80 -r 10.0.0.2 -m").unwrap();
        assert_eq!(inv.dest.port, 80);
        let inv = p("-a -t 10.0.0.1:80 -r 10.0.0.2:8080 -g").unwrap();
        assert_eq!(inv.dest.port, 80, "direct routing uses the service port");
    }

    #[test]
    fn restore_lines_split_on_whitespace_and_quotes() {
        assert_eq!(
            split_line("  -A  -t 'a b'\t-s rr\n"),
            ["-A", "-t", "a b", "-s", "rr"]
        );
    }
}
