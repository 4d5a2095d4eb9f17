//! Numbers from `<linux/ip_vs.h>` (kernel 6.x).

/// Generic-netlink family name.
pub const IPVS_GENL_NAME: &str = "IPVS";
/// Generic-netlink family version.
pub const IPVS_GENL_VERSION: u8 = 1;

// Commands (enum ipvs_cmds).
/// Add a virtual service.
pub const IPVS_CMD_NEW_SERVICE: u8 = 1;
/// Modify a virtual service.
pub const IPVS_CMD_SET_SERVICE: u8 = 2;
/// Delete a virtual service.
pub const IPVS_CMD_DEL_SERVICE: u8 = 3;
/// Get one service, or dump all.
pub const IPVS_CMD_GET_SERVICE: u8 = 4;
/// Add a destination.
pub const IPVS_CMD_NEW_DEST: u8 = 5;
/// Modify a destination.
pub const IPVS_CMD_SET_DEST: u8 = 6;
/// Delete a destination.
pub const IPVS_CMD_DEL_DEST: u8 = 7;
/// Dump the destinations of one service.
pub const IPVS_CMD_GET_DEST: u8 = 8;
/// Start a sync daemon.
pub const IPVS_CMD_NEW_DAEMON: u8 = 9;
/// Stop a sync daemon.
pub const IPVS_CMD_DEL_DAEMON: u8 = 10;
/// Dump the sync daemons.
pub const IPVS_CMD_GET_DAEMON: u8 = 11;
/// Set the connection timeouts.
pub const IPVS_CMD_SET_CONFIG: u8 = 12;
/// Get the connection timeouts.
pub const IPVS_CMD_GET_CONFIG: u8 = 13;
/// Reply command of GET_INFO.
pub const IPVS_CMD_SET_INFO: u8 = 14;
/// Get version and connection table size.
pub const IPVS_CMD_GET_INFO: u8 = 15;
/// Zero the counters of one or all services.
pub const IPVS_CMD_ZERO: u8 = 16;
/// Delete all services.
pub const IPVS_CMD_FLUSH: u8 = 17;

// Command attributes (IPVS_CMD_ATTR_*).
/// Nested service attributes.
pub const IPVS_CMD_ATTR_SERVICE: u16 = 1;
/// Nested destination attributes.
pub const IPVS_CMD_ATTR_DEST: u16 = 2;
/// Nested sync daemon attributes.
pub const IPVS_CMD_ATTR_DAEMON: u16 = 3;
/// TCP timeout, u32 seconds.
pub const IPVS_CMD_ATTR_TIMEOUT_TCP: u16 = 4;
/// TCP FIN_WAIT timeout, u32 seconds.
pub const IPVS_CMD_ATTR_TIMEOUT_TCP_FIN: u16 = 5;
/// UDP timeout, u32 seconds.
pub const IPVS_CMD_ATTR_TIMEOUT_UDP: u16 = 6;

// Info attributes (IPVS_INFO_ATTR_*), top level of GET_INFO replies.
/// IPVS version, `major << 16 | minor << 8 | patch`.
pub const IPVS_INFO_ATTR_VERSION: u16 = 1;
/// Connection hash table size.
pub const IPVS_INFO_ATTR_CONN_TAB_SIZE: u16 = 2;

// Service attributes (IPVS_SVC_ATTR_*).
/// Address family, u16.
pub const IPVS_SVC_ATTR_AF: u16 = 1;
/// IP protocol, u16.
pub const IPVS_SVC_ATTR_PROTOCOL: u16 = 2;
/// Virtual address, 16 bytes (`union nf_inet_addr`).
pub const IPVS_SVC_ATTR_ADDR: u16 = 3;
/// Virtual port, network byte order.
pub const IPVS_SVC_ATTR_PORT: u16 = 4;
/// Firewall mark, u32.
pub const IPVS_SVC_ATTR_FWMARK: u16 = 5;
/// Scheduler name, string.
pub const IPVS_SVC_ATTR_SCHED_NAME: u16 = 6;
/// `struct ip_vs_flags { u32 flags; u32 mask; }`.
pub const IPVS_SVC_ATTR_FLAGS: u16 = 7;
/// Persistence timeout, u32 seconds.
pub const IPVS_SVC_ATTR_TIMEOUT: u16 = 8;
/// Persistence netmask (IPv4: network order mask; IPv6: prefix length).
pub const IPVS_SVC_ATTR_NETMASK: u16 = 9;
/// Nested 32-bit statistics.
pub const IPVS_SVC_ATTR_STATS: u16 = 10;
/// Persistence engine name, string.
pub const IPVS_SVC_ATTR_PE_NAME: u16 = 11;
/// Nested 64-bit statistics.
pub const IPVS_SVC_ATTR_STATS64: u16 = 12;

// Destination attributes (IPVS_DEST_ATTR_*).
/// Real server address, 16 bytes.
pub const IPVS_DEST_ATTR_ADDR: u16 = 1;
/// Real server port, network byte order.
pub const IPVS_DEST_ATTR_PORT: u16 = 2;
/// Forwarding method, u32.
pub const IPVS_DEST_ATTR_FWD_METHOD: u16 = 3;
/// Weight, u32 (kernel s32).
pub const IPVS_DEST_ATTR_WEIGHT: u16 = 4;
/// Upper connection threshold, u32.
pub const IPVS_DEST_ATTR_U_THRESH: u16 = 5;
/// Lower connection threshold, u32.
pub const IPVS_DEST_ATTR_L_THRESH: u16 = 6;
/// Active connections, u32.
pub const IPVS_DEST_ATTR_ACTIVE_CONNS: u16 = 7;
/// Inactive connections, u32.
pub const IPVS_DEST_ATTR_INACT_CONNS: u16 = 8;
/// Persistent connections, u32.
pub const IPVS_DEST_ATTR_PERSIST_CONNS: u16 = 9;
/// Nested 32-bit statistics.
pub const IPVS_DEST_ATTR_STATS: u16 = 10;
/// Address family of the destination, u16.
pub const IPVS_DEST_ATTR_ADDR_FAMILY: u16 = 11;
/// Nested 64-bit statistics.
pub const IPVS_DEST_ATTR_STATS64: u16 = 12;
/// Tunnel type, u8.
pub const IPVS_DEST_ATTR_TUN_TYPE: u16 = 13;
/// Tunnel port, network byte order.
pub const IPVS_DEST_ATTR_TUN_PORT: u16 = 14;
/// Tunnel flags, u16.
pub const IPVS_DEST_ATTR_TUN_FLAGS: u16 = 15;

// Daemon attributes (IPVS_DAEMON_ATTR_*).
/// Daemon state, s32 (1 master, 2 backup).
pub const IPVS_DAEMON_ATTR_STATE: u16 = 1;
/// Multicast interface name, string.
pub const IPVS_DAEMON_ATTR_MCAST_IFN: u16 = 2;
/// Sync id, s32.
pub const IPVS_DAEMON_ATTR_SYNC_ID: u16 = 3;
/// Maximum sync message length, u16.
pub const IPVS_DAEMON_ATTR_SYNC_MAXLEN: u16 = 4;
/// IPv4 multicast group, network order u32.
pub const IPVS_DAEMON_ATTR_MCAST_GROUP: u16 = 5;
/// IPv6 multicast group, 16 bytes.
pub const IPVS_DAEMON_ATTR_MCAST_GROUP6: u16 = 6;
/// Multicast UDP port, u16 (host order).
pub const IPVS_DAEMON_ATTR_MCAST_PORT: u16 = 7;
/// Multicast TTL, u8.
pub const IPVS_DAEMON_ATTR_MCAST_TTL: u16 = 8;

// Statistics attributes (IPVS_STATS_ATTR_*), same numbers in STATS and STATS64.
/// Connections scheduled.
pub const IPVS_STATS_ATTR_CONNS: u16 = 1;
/// Incoming packets.
pub const IPVS_STATS_ATTR_INPKTS: u16 = 2;
/// Outgoing packets.
pub const IPVS_STATS_ATTR_OUTPKTS: u16 = 3;
/// Incoming bytes.
pub const IPVS_STATS_ATTR_INBYTES: u16 = 4;
/// Outgoing bytes.
pub const IPVS_STATS_ATTR_OUTBYTES: u16 = 5;
/// Connections per second.
pub const IPVS_STATS_ATTR_CPS: u16 = 6;
/// Incoming packets per second.
pub const IPVS_STATS_ATTR_INPPS: u16 = 7;
/// Outgoing packets per second.
pub const IPVS_STATS_ATTR_OUTPPS: u16 = 8;
/// Incoming bytes per second.
pub const IPVS_STATS_ATTR_INBPS: u16 = 9;
/// Outgoing bytes per second.
pub const IPVS_STATS_ATTR_OUTBPS: u16 = 10;

// Service flags (IP_VS_SVC_F_*).
/// Persistent service.
pub const IP_VS_SVC_F_PERSISTENT: u32 = 0x1;
/// Hashed entry (set by the kernel).
pub const IP_VS_SVC_F_HASHED: u32 = 0x2;
/// One-packet scheduling.
pub const IP_VS_SVC_F_ONEPACKET: u32 = 0x4;
/// Scheduler flag 1 (sh/mh: fallback).
pub const IP_VS_SVC_F_SCHED1: u32 = 0x8;
/// Scheduler flag 2 (sh/mh: port).
pub const IP_VS_SVC_F_SCHED2: u32 = 0x10;
/// Scheduler flag 3.
pub const IP_VS_SVC_F_SCHED3: u32 = 0x20;

// Forwarding methods (IP_VS_CONN_F_*).
/// Masquerading (NAT).
pub const IP_VS_CONN_F_MASQ: u32 = 0;
/// Local node.
pub const IP_VS_CONN_F_LOCALNODE: u32 = 1;
/// IP tunnelling.
pub const IP_VS_CONN_F_TUNNEL: u32 = 2;
/// Direct routing (gatewaying).
pub const IP_VS_CONN_F_DROUTE: u32 = 3;
/// Mask of the forwarding method bits.
pub const IP_VS_CONN_F_FWD_MASK: u32 = 7;

// Tunnel types and flags.
/// IP-in-IP.
pub const IP_VS_CONN_F_TUNNEL_TYPE_IPIP: u8 = 0;
/// Generic UDP encapsulation.
pub const IP_VS_CONN_F_TUNNEL_TYPE_GUE: u8 = 1;
/// GRE.
pub const IP_VS_CONN_F_TUNNEL_TYPE_GRE: u8 = 2;
/// Tunnel checksum flag: none.
pub const IP_VS_TUNNEL_ENCAP_FLAG_NOCSUM: u16 = 0;
/// Tunnel checksum flag: checksum.
pub const IP_VS_TUNNEL_ENCAP_FLAG_CSUM: u16 = 1 << 0;
/// Tunnel checksum flag: remote checksum offload.
pub const IP_VS_TUNNEL_ENCAP_FLAG_REMCSUM: u16 = 1 << 1;

// Daemon states.
/// Master sync daemon.
pub const IP_VS_STATE_MASTER: u32 = 1;
/// Backup sync daemon.
pub const IP_VS_STATE_BACKUP: u32 = 2;

/// Linux AF_INET.
pub const AF_INET: u16 = 2;
/// Linux AF_INET6.
pub const AF_INET6: u16 = 10;
