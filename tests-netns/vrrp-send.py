#!/usr/bin/env python3
"""Send hand-made (malformed or hostile) VRRP packets from inside a test namespace.

usage: vrrp-send.py SRC DST KIND [COUNT]

Builds an IPv4 packet with IP_HDRINCL on a raw socket, so TTL, checksum, version,
VRID and lengths are all ours to break. KIND is one of:
  good-v3         a valid VRRPv3 advert, VRID 51, priority 200 (for the unicast
                  unknown-source case: VRID 52)
  ttl             valid v3 advert with TTL 64 instead of 255
  checksum        v3 advert with a wrong checksum
  short           6 bytes of VRRP (shorter than the 8-byte header)
  vrid            valid v3 advert for VRID 53 (no instance has it)
  version         VRRPv2 header (version 2) sent to a VRRPv3 instance
  count           address count says 3, one address follows
  type            type 2 (not ADVERTISEMENT)
  unicast-unknown valid v3 advert, VRID 52, from a source that is not a peer
Only for addresses inside the test's own namespaces (10.0.0.0/8).
"""
import ipaddress
import socket
import struct
import sys


def csum(data: bytes) -> int:
    if len(data) % 2:
        data += b"\0"
    s = sum(struct.unpack("!%dH" % (len(data) // 2), data))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return (~s) & 0xFFFF


def vrrp_v3(src, dst, vrid, prio, addrs, count=None, version=3, typ=1, bad_sum=False):
    n = len(addrs) if count is None else count
    hdr = struct.pack("!BBBBHH", (version << 4) | typ, vrid, prio, n, 50, 0)
    body = hdr + b"".join(socket.inet_aton(a) for a in addrs)
    pseudo = socket.inet_aton(src) + socket.inet_aton(dst) + struct.pack("!BBH", 0, 112, len(body))
    c = csum(pseudo + body)
    if bad_sum:
        c ^= 0x5A5A
    return body[:6] + struct.pack("!H", c) + body[8:]


def ipv4(src, dst, ttl, payload):
    total = 20 + len(payload)
    h = struct.pack("!BBHHHBBH4s4s", 0x45, 0xC0, total, 0x1234, 0, ttl, 112, 0,
                    socket.inet_aton(src), socket.inet_aton(dst))
    h = h[:10] + struct.pack("!H", csum(h)) + h[12:]
    return h + payload


def main():
    if len(sys.argv) < 4:
        print(__doc__, file=sys.stderr)
        return 2
    src, dst, kind = sys.argv[1], sys.argv[2], sys.argv[3]
    count = int(sys.argv[4]) if len(sys.argv) > 4 else 1
    for a in (src, dst):
        ip = ipaddress.ip_address(a)
        if not (ip in ipaddress.ip_network("10.0.0.0/8") or ip in ipaddress.ip_network("224.0.0.18/32")):
            print(f"refusing to send to/from {a}: test addresses only", file=sys.stderr)
            return 2
    vip = ["10.77.0.100"]
    ttl = 255
    if kind == "good-v3":
        p = vrrp_v3(src, dst, 51, 200, vip)
    elif kind == "ttl":
        p = vrrp_v3(src, dst, 51, 200, vip)
        ttl = 64
    elif kind == "checksum":
        p = vrrp_v3(src, dst, 51, 200, vip, bad_sum=True)
    elif kind == "short":
        p = vrrp_v3(src, dst, 51, 200, vip)[:6]
    elif kind == "vrid":
        p = vrrp_v3(src, dst, 53, 200, vip)
    elif kind == "version":
        p = vrrp_v3(src, dst, 51, 200, vip, version=2)
    elif kind == "count":
        p = vrrp_v3(src, dst, 51, 200, vip, count=3)
    elif kind == "type":
        p = vrrp_v3(src, dst, 51, 200, vip, typ=2)
    elif kind == "unicast-unknown":
        p = vrrp_v3(src, dst, 52, 200, ["10.77.0.102"])
    else:
        print(f"unknown kind {kind}", file=sys.stderr)
        return 2
    s = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_RAW)
    s.setsockopt(socket.IPPROTO_IP, socket.IP_HDRINCL, 1)
    pkt = ipv4(src, dst, ttl, p)
    for _ in range(count):
        s.sendto(pkt, (dst, 0))
    return 0


if __name__ == "__main__":
    sys.exit(main())
