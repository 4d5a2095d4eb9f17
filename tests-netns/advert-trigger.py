#!/usr/bin/env python3
"""Freeze a VRRP Master right after one of its adverts (vrrpd-bench.sh "hung").

usage: advert-trigger.py MASTER_IP PID...   (run inside the Backup's namespace)

Listens for IPv4 VRRP (protocol 112) on a raw socket with kernel receive
timestamps (SO_TIMESTAMPNS, CLOCK_REALTIME, the clock of `ip -ts monitor`).
On the first advert from MASTER_IP with a priority above 0 it sends SIGSTOP to
every PID at once, so the freeze lands at the same point of the Master's advert
cycle for every run and every implementation (no random phase). Prints, one
per line, epoch seconds with nanoseconds:

    ready
    advert TS        kernel receive time of the advert that triggered the freeze
    freeze T0 T1     wall time just before the first and after the last kill()
    late TS PRIO     an advert from MASTER_IP received after the trigger (the
                     freeze came too late: the run is not valid)

and keeps listening (for `late` lines) until it is killed.
"""

import os
import signal
import socket
import struct
import sys
import time

SO_TIMESTAMPNS = getattr(socket, "SO_TIMESTAMPNS", 35)  # = SCM_TIMESTAMPNS
VRRP_PROTO = 112


def stamp(ns):
    return "%d.%09d" % divmod(ns, 1_000_000_000)


def main():
    if len(sys.argv) < 3:
        sys.exit("usage: advert-trigger.py MASTER_IP PID...")
    master = socket.inet_aton(sys.argv[1])
    pids = [int(p) for p in sys.argv[2:]]
    s = socket.socket(socket.AF_INET, socket.SOCK_RAW, VRRP_PROTO)
    s.setsockopt(socket.SOL_SOCKET, SO_TIMESTAMPNS, 1)
    print("ready", flush=True)
    triggered = False
    while True:
        data, anc, _flags, _addr = s.recvmsg(2048, socket.CMSG_SPACE(16))
        rx = None
        for level, kind, d in anc:
            if level == socket.SOL_SOCKET and kind == SO_TIMESTAMPNS and len(d) >= 16:
                sec, nsec = struct.unpack("qq", d[:16])
                rx = sec * 1_000_000_000 + nsec
        if rx is None or len(data) < 20 or data[12:16] != master:
            continue
        ihl = (data[0] & 0x0F) * 4
        if len(data) < ihl + 4:
            continue
        prio = data[ihl + 2]
        if triggered:
            print("late", stamp(rx), prio, flush=True)
            continue
        if prio == 0:
            continue
        t0 = time.time_ns()
        for p in pids:
            try:
                os.kill(p, signal.SIGSTOP)
            except ProcessLookupError:
                pass
        t1 = time.time_ns()
        triggered = True
        print("advert", stamp(rx), flush=True)
        print("freeze", stamp(t0), stamp(t1), flush=True)


if __name__ == "__main__":
    main()
