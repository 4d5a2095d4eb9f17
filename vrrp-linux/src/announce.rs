//! Gratuitous ARP and unsolicited Neighbour Advertisements, sent on an AF_PACKET
//! socket as keepalived does on becoming Master (RFC 9568 §6.4.1 (2), §6.4.2 (3);
//! keepalived vrrp_arp.c / vrrp_ndisc.c; docs/keepalived.md §3.12).

use std::collections::{BTreeMap, VecDeque};
use std::net::{Ipv4Addr, Ipv6Addr};
use std::os::fd::AsRawFd;
use std::time::Duration;

use socket2::{Domain, Protocol, Socket, Type};

use crate::error::SocketError;
use crate::mac::MacAddr;
use crate::sys;

const ETH_P_ARP: u16 = 0x0806;
const ETH_P_IPV6: u16 = 0x86dd;
/// Length of a gratuitous ARP frame (Ethernet 14 + ARP 28; the NIC pads).
pub const GARP_FRAME_LEN: usize = 42;
/// Length of an unsolicited NA frame (Ethernet 14 + IPv6 40 + NA 24 + option 8).
pub const NA_FRAME_LEN: usize = 86;
/// IPv6 all-nodes group, destination of unsolicited NAs (RFC 4861 §7.2.6).
pub const ALL_NODES: Ipv6Addr = Ipv6Addr::new(0xff02, 0, 0, 0, 0, 0, 0, 1);

/// Builds a gratuitous ARP: an ARP request (op 1) from `mac`, broadcast, with
/// sender IP = target IP = `vip` and target hardware address ff:ff:ff:ff:ff:ff
/// (keepalived's choice; RFC 5227 §3 allows it).
pub fn garp_frame(mac: MacAddr, vip: Ipv4Addr) -> [u8; GARP_FRAME_LEN] {
    let mut f = [0u8; GARP_FRAME_LEN];
    f[0..6].copy_from_slice(&MacAddr::BROADCAST.0);
    f[6..12].copy_from_slice(&mac.0);
    f[12..14].copy_from_slice(&ETH_P_ARP.to_be_bytes());
    f[14..16].copy_from_slice(&1u16.to_be_bytes()); // htype Ethernet
    f[16..18].copy_from_slice(&0x0800u16.to_be_bytes()); // ptype IPv4
    f[18] = 6;
    f[19] = 4;
    f[20..22].copy_from_slice(&1u16.to_be_bytes()); // op request
    f[22..28].copy_from_slice(&mac.0);
    f[28..32].copy_from_slice(&vip.octets());
    f[32..38].copy_from_slice(&MacAddr::BROADCAST.0);
    f[38..42].copy_from_slice(&vip.octets());
    f
}

/// Builds an unsolicited Neighbour Advertisement for `vip` (RFC 4861 §4.4, §7.2.6):
/// to ff02::1 (Ethernet 33:33:00:00:00:01) from `vip`, hop limit 255, Override
/// set, Router set when `router`, with a Target Link-Layer Address option of `mac`.
pub fn unsolicited_na_frame(mac: MacAddr, vip: Ipv6Addr, router: bool) -> [u8; NA_FRAME_LEN] {
    let mut f = [0u8; NA_FRAME_LEN];
    f[0..6].copy_from_slice(&[0x33, 0x33, 0, 0, 0, 1]);
    f[6..12].copy_from_slice(&mac.0);
    f[12..14].copy_from_slice(&ETH_P_IPV6.to_be_bytes());
    let ip = &mut f[14..54];
    ip[0] = 0x60;
    ip[4..6].copy_from_slice(&32u16.to_be_bytes()); // payload length
    ip[6] = 58; // ICMPv6
    ip[7] = 255; // hop limit (RFC 4861 §7.1.2 requires 255)
    ip[8..24].copy_from_slice(&vip.octets());
    ip[24..40].copy_from_slice(&ALL_NODES.octets());
    let icmp = &mut f[54..86];
    icmp[0] = 136;
    icmp[4] = 0x20 | if router { 0x80 } else { 0 }; // O (and R)
    icmp[8..24].copy_from_slice(&vip.octets());
    icmp[24] = 2; // Target Link-Layer Address
    icmp[25] = 1; // 8 octets
    icmp[26..32].copy_from_slice(&mac.0);
    let sum = icmpv6_checksum(vip, ALL_NODES, &f[54..86]);
    f[56..58].copy_from_slice(&sum.to_be_bytes());
    f
}

/// ICMPv6 checksum over the IPv6 pseudo-header and `msg` (RFC 4443 §2.3).
pub fn icmpv6_checksum(src: Ipv6Addr, dst: Ipv6Addr, msg: &[u8]) -> u16 {
    let mut sum: u32 = 0;
    let mut add = |b: &[u8]| {
        for c in b.chunks(2) {
            let hi = u32::from(c[0]) << 8;
            let lo = c.get(1).map_or(0, |v| u32::from(*v));
            sum = sum.wrapping_add(hi | lo);
        }
    };
    add(&src.octets());
    add(&dst.octets());
    let len = u32::try_from(msg.len()).unwrap_or(u32::MAX);
    add(&len.to_be_bytes());
    add(&[0, 0, 0, 58]);
    add(msg);
    while sum > 0xffff {
        sum = (sum & 0xffff) + (sum >> 16);
    }
    !(sum as u16)
}

/// One gratuitous ARP or unsolicited NA to send.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Announcement {
    /// A gratuitous ARP for `vip`.
    Garp {
        /// Outgoing interface.
        ifindex: u32,
        /// Source MAC (interface MAC or VMAC).
        mac: MacAddr,
        /// The virtual address.
        vip: Ipv4Addr,
    },
    /// An unsolicited neighbour advertisement for `vip`.
    Na {
        /// Outgoing interface.
        ifindex: u32,
        /// Source MAC (interface MAC or VMAC).
        mac: MacAddr,
        /// The virtual address.
        vip: Ipv6Addr,
        /// Set the Router flag.
        router: bool,
    },
}

impl Announcement {
    /// The pacing lane: interface and whether it is an NA.
    fn lane(&self) -> (u32, bool) {
        match *self {
            Announcement::Garp { ifindex, .. } => (ifindex, false),
            Announcement::Na { ifindex, .. } => (ifindex, true),
        }
    }
}

/// Spaces gratuitous ARPs and NAs as keepalived's `vrrp_garp_interval` /
/// `vrrp_gna_interval` do (keepalived vrrp_arp.c / vrrp_ndisc.c: the
/// per-interface `garp_next_time` / `gna_next_time` and the per-address
/// `garp_gna_pending` flag; docs/keepalived.md §3.12): on one interface, two GARPs (or
/// two NAs) go out at least the interval apart. One that cannot go yet waits
/// in a queue, and like keepalived's pending flag, an address already waiting
/// is not queued twice, so with an interval the `garp_master_repeat` rounds
/// of a burst collapse to one immediate packet plus one pending packet per
/// address (keepalived 2.2.7 on the wire: 3 GARPs for 5 rounds over 2 VIPs).
/// With a zero interval every packet goes at once.
///
/// Pure scheduling: the caller passes monotonic `now`, sends what
/// [`AnnouncePacer::offer`] and [`AnnouncePacer::pop_due`] return and wakes
/// up at [`AnnouncePacer::next_deadline`].
#[derive(Debug, Default, Clone)]
pub struct AnnouncePacer {
    garp_interval: Duration,
    gna_interval: Duration,
    /// (ifindex, is NA) → when the next packet may go, and the waiting ones.
    lanes: BTreeMap<(u32, bool), Lane>,
}

#[derive(Debug, Default, Clone)]
struct Lane {
    next_free: Duration,
    queue: VecDeque<Announcement>,
}

impl AnnouncePacer {
    /// A pacer with these minimum gaps between GARPs and between NAs on one
    /// interface.
    pub fn new(garp_interval: Duration, gna_interval: Duration) -> Self {
        AnnouncePacer {
            garp_interval,
            gna_interval,
            lanes: BTreeMap::new(),
        }
    }

    /// Changes the gaps (reload); queued packets keep their order.
    pub fn set_intervals(&mut self, garp_interval: Duration, gna_interval: Duration) {
        self.garp_interval = garp_interval;
        self.gna_interval = gna_interval;
    }

    /// Offers one announcement at `now`: returns it when it may be sent at
    /// once (the caller sends it; the interface's next slot moves to `now` +
    /// the interval), else queues it, unless the same one is already queued.
    pub fn offer(&mut self, a: Announcement, now: Duration) -> Option<Announcement> {
        let gap = self.gap(a.lane());
        let lane = self.lanes.entry(a.lane()).or_default();
        if lane.queue.is_empty() && lane.next_free <= now {
            lane.next_free = now + gap;
            return Some(a);
        }
        if !lane.queue.contains(&a) {
            lane.queue.push_back(a);
        }
        None
    }

    fn gap(&self, (_, is_na): (u32, bool)) -> Duration {
        if is_na {
            self.gna_interval
        } else {
            self.garp_interval
        }
    }

    /// Drops every queued announcement for which `pred` is true (an
    /// instance left Master: its VIPs are no longer ours to announce).
    pub fn forget(&mut self, pred: impl Fn(&Announcement) -> bool) {
        for lane in self.lanes.values_mut() {
            lane.queue.retain(|a| !pred(a));
        }
    }

    /// The next announcement that may be sent at `now`, if any; the caller
    /// sends it (and calls again until `None`). Its lane's next slot moves to
    /// `now` + the interval.
    pub fn pop_due(&mut self, now: Duration) -> Option<Announcement> {
        let (garp, gna) = (self.garp_interval, self.gna_interval);
        for ((_, is_na), lane) in &mut self.lanes {
            if lane.next_free <= now
                && let Some(a) = lane.queue.pop_front()
            {
                lane.next_free = now + if *is_na { gna } else { garp };
                return Some(a);
            }
        }
        None
    }

    /// When the earliest queued announcement may go (`None`: nothing queued).
    pub fn next_deadline(&self) -> Option<Duration> {
        self.lanes
            .values()
            .filter(|l| !l.queue.is_empty())
            .map(|l| l.next_free)
            .min()
    }

    /// Number of queued announcements.
    pub fn queued(&self) -> usize {
        self.lanes.values().map(|l| l.queue.len()).sum()
    }
}

/// An AF_PACKET socket for sending GARPs and NAs. It receives nothing
/// (protocol 0).
#[derive(Debug)]
pub struct Announcer {
    sock: Socket,
}

impl Announcer {
    /// Opens the socket (needs CAP_NET_RAW).
    pub fn open() -> Result<Announcer, SocketError> {
        let sock = Socket::new(Domain::PACKET, Type::RAW.cloexec(), Some(Protocol::from(0)))
            .map_err(|source| SocketError::Open {
                what: "AF_PACKET",
                source,
            })?;
        Ok(Announcer { sock })
    }

    /// Sends one gratuitous ARP for `vip` out of `ifindex` from `mac` (the
    /// interface's MAC, or the VMAC).
    pub fn send_garp(&self, ifindex: u32, mac: MacAddr, vip: Ipv4Addr) -> Result<(), SocketError> {
        let frame = garp_frame(mac, vip);
        sys::packet_sendto(
            self.sock.as_raw_fd(),
            &frame,
            ifindex,
            ETH_P_ARP,
            MacAddr::BROADCAST.0,
        )
        .map(drop)
        .map_err(|source| SocketError::Send {
            dst: vip.into(),
            source,
        })
    }

    /// Sends one [`Announcement`].
    pub fn send(&self, a: &Announcement) -> Result<(), SocketError> {
        match *a {
            Announcement::Garp { ifindex, mac, vip } => self.send_garp(ifindex, mac, vip),
            Announcement::Na {
                ifindex,
                mac,
                vip,
                router,
            } => self.send_na(ifindex, mac, vip, router),
        }
    }

    /// Sends one unsolicited NA for `vip` out of `ifindex` from `mac`; `router`
    /// sets the R flag (keepalived: when forwarding is on for the interface).
    pub fn send_na(
        &self,
        ifindex: u32,
        mac: MacAddr,
        vip: Ipv6Addr,
        router: bool,
    ) -> Result<(), SocketError> {
        let frame = unsolicited_na_frame(mac, vip, router);
        sys::packet_sendto(
            self.sock.as_raw_fd(),
            &frame,
            ifindex,
            ETH_P_IPV6,
            [0x33, 0x33, 0, 0, 0, 1],
        )
        .map(drop)
        .map_err(|source| SocketError::Send {
            dst: vip.into(),
            source,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const MAC: MacAddr = MacAddr([0x02, 0, 0, 0, 0, 0x0a]);

    #[test]
    fn garp_layout() {
        let f = garp_frame(MAC, Ipv4Addr::new(10, 9, 9, 9));
        assert_eq!(&f[0..6], &[0xff; 6]);
        assert_eq!(&f[6..12], &MAC.0);
        assert_eq!(&f[12..14], &[0x08, 0x06]);
        assert_eq!(&f[20..22], &[0, 1]);
        assert_eq!(&f[28..32], &[10, 9, 9, 9]);
        assert_eq!(&f[38..42], &[10, 9, 9, 9]);
        assert_eq!(&f[32..38], &[0xff; 6]);
    }

    #[test]
    fn na_layout_and_checksum_verifies() {
        let vip: Ipv6Addr = "fd00::99".parse().unwrap();
        let f = unsolicited_na_frame(MAC, vip, false);
        assert_eq!(&f[0..6], &[0x33, 0x33, 0, 0, 0, 1]);
        assert_eq!(f[14 + 7], 255);
        assert_eq!(f[54], 136);
        assert_eq!(f[58], 0x20);
        assert_eq!(&f[80..86], &MAC.0);
        // A correct checksum makes the sum over the message (with it) zero.
        assert_eq!(icmpv6_checksum(vip, ALL_NODES, &f[54..86]), 0);
        let r = unsolicited_na_frame(MAC, vip, true);
        assert_eq!(r[58], 0xa0);
        assert_eq!(icmpv6_checksum(vip, ALL_NODES, &r[54..86]), 0);
    }

    #[test]
    fn checksum_matches_known_value() {
        // odd length handled: one trailing byte padded with zero
        let a = icmpv6_checksum(Ipv6Addr::UNSPECIFIED, Ipv6Addr::UNSPECIFIED, &[0x01]);
        // sum = len(1) + nh(58) + 0x0100 = 0x013b -> !0x013b
        assert_eq!(a, !0x013b);
    }

    fn garp(ifindex: u32, last: u8) -> Announcement {
        Announcement::Garp {
            ifindex,
            mac: MAC,
            vip: Ipv4Addr::new(10, 0, 0, last),
        }
    }

    fn na(ifindex: u32) -> Announcement {
        Announcement::Na {
            ifindex,
            mac: MAC,
            vip: "fd00::1".parse().unwrap(),
            router: false,
        }
    }

    /// Runs the pacer like the daemon does: offers `burst` at `start`, then
    /// at each deadline sends what is due; returns (time in µs, announcement)
    /// for every packet sent.
    fn run(
        p: &mut AnnouncePacer,
        start: Duration,
        burst: &[Announcement],
    ) -> Vec<(u128, Announcement)> {
        let mut out = Vec::new();
        for a in burst {
            if let Some(a) = p.offer(*a, start) {
                out.push((start.as_micros(), a));
            }
        }
        let mut now = start;
        loop {
            while let Some(a) = p.pop_due(now) {
                out.push((now.as_micros(), a));
            }
            match p.next_deadline() {
                Some(t) => {
                    assert!(t > now, "a deadline that is due must have been drained");
                    now = t;
                }
                None => return out,
            }
        }
    }

    /// `rounds` rounds over `vips` (last octets) on interface 2, as
    /// `garp_master_repeat` does.
    fn burst(rounds: u8, vips: &[u8]) -> Vec<Announcement> {
        (0..rounds)
            .flat_map(|_| vips.iter().map(|v| garp(2, *v)))
            .collect()
    }

    #[test]
    fn zero_interval_sends_the_whole_burst_at_once() {
        let mut p = AnnouncePacer::new(Duration::ZERO, Duration::ZERO);
        let t0 = Duration::from_secs(7);
        let sent = run(&mut p, t0, &burst(5, &[1, 2]));
        assert_eq!(sent.len(), 10);
        assert!(sent.iter().all(|(t, _)| *t == t0.as_micros()));
        assert_eq!(p.next_deadline(), None);
    }

    #[test]
    fn with_an_interval_a_burst_collapses_like_keepalived_and_is_spaced() {
        // keepalived 2.2.7, 5 rounds over 2 VIPs with vrrp_garp_interval 0.05:
        // 3 GARPs on the wire, 50 ms apart.
        let mut p = AnnouncePacer::new(Duration::from_millis(50), Duration::from_millis(3));
        let sent = run(&mut p, Duration::from_secs(1), &burst(5, &[1, 2]));
        let times: Vec<u128> = sent.iter().map(|(t, _)| *t).collect();
        assert_eq!(times, [1_000_000, 1_050_000, 1_100_000]);
        let order: Vec<Announcement> = sent.iter().map(|(_, a)| *a).collect();
        assert_eq!(order, [garp(2, 1), garp(2, 2), garp(2, 1)]);
        assert_eq!(p.queued(), 0);
    }

    #[test]
    fn distinct_addresses_all_go_in_order_one_interval_apart() {
        let mut p = AnnouncePacer::new(Duration::from_millis(10), Duration::ZERO);
        let sent = run(&mut p, Duration::ZERO, &burst(1, &[1, 2, 3, 4]));
        assert_eq!(
            sent,
            [
                (0, garp(2, 1)),
                (10_000, garp(2, 2)),
                (20_000, garp(2, 3)),
                (30_000, garp(2, 4))
            ]
        );
    }

    #[test]
    fn interfaces_and_families_are_paced_separately() {
        let mut p = AnnouncePacer::new(Duration::from_millis(10), Duration::from_millis(4));
        let sent = run(
            &mut p,
            Duration::ZERO,
            &[garp(2, 1), garp(2, 2), garp(3, 1), na(2), na(2)],
        );
        let at = |a: Announcement| -> Vec<u128> {
            sent.iter()
                .filter(|(_, x)| *x == a)
                .map(|(t, _)| *t)
                .collect()
        };
        // One GARP and one NA per interface at once; the second of each after
        // its own interval.
        assert_eq!(at(garp(2, 1)), [0]);
        assert_eq!(at(garp(3, 1)), [0]);
        assert_eq!(at(garp(2, 2)), [10_000]);
        assert_eq!(at(na(2)), [0, 4_000]);
    }

    #[test]
    fn a_late_offer_waits_for_the_gap_after_the_last_packet() {
        let mut p = AnnouncePacer::new(Duration::from_millis(10), Duration::ZERO);
        let ms = Duration::from_millis;
        assert_eq!(p.offer(garp(2, 1), ms(100)), Some(garp(2, 1)));
        assert_eq!(p.offer(garp(2, 2), ms(105)), None);
        assert_eq!(p.pop_due(ms(105)), None);
        assert_eq!(p.next_deadline(), Some(ms(110)));
        assert_eq!(p.pop_due(ms(110)), Some(garp(2, 2)));
        // Idle long enough: the next one goes at once.
        assert_eq!(p.offer(garp(2, 3), ms(500)), Some(garp(2, 3)));
    }

    #[test]
    fn forgetting_drops_only_the_matching_packets() {
        let mut p = AnnouncePacer::new(Duration::from_millis(10), Duration::from_millis(10));
        let ms = Duration::from_millis;
        for v in 0..3 {
            let _ = p.offer(garp(2, v), ms(0));
            let _ = p.offer(garp(3, v), ms(0));
        }
        assert_eq!(p.queued(), 4);
        p.forget(|a| a.lane().0 == 2);
        assert_eq!(p.queued(), 2);
        let sent = run(&mut p, ms(1), &[]);
        assert_eq!(sent, [(10_000, garp(3, 1)), (20_000, garp(3, 2))]);
    }
}
