//! The socket operations socket2 and tokio do not cover safely:
//! `IP_RECVTTL`, `IP_PKTINFO`, `IPV6_RECVPKTINFO`, and `recvmsg` with the
//! TTL / hop limit and destination-address ancillary data.
//!
//! The only module of the crate allowed to use `unsafe`; each block has a
//! `SAFETY:` note. Everything returns `io::Result` and never panics.
#![allow(unsafe_code)]

use std::io;
use std::mem::{size_of, zeroed};
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};
use std::os::fd::RawFd;

/// Asks for the TTL of received IPv4 datagrams as an `IP_TTL` control
/// message (keepalived `bfd_scheduler.c bfd_open_fd_in`).
pub(crate) fn set_recv_ttl_v4(fd: RawFd) -> io::Result<()> {
    set_flag(fd, libc::IPPROTO_IP, libc::IP_RECVTTL)
}

/// Asks for the destination address and interface of received datagrams
/// (`IP_PKTINFO` / `IPV6_RECVPKTINFO`, as keepalived `bfd_open_fd_in`
/// does): multihop sessions are selected by source and destination (RFC
/// 5883 §3).
pub(crate) fn set_recv_pktinfo(fd: RawFd, v6: bool) -> io::Result<()> {
    if v6 {
        set_flag(fd, libc::IPPROTO_IPV6, libc::IPV6_RECVPKTINFO)
    } else {
        set_flag(fd, libc::IPPROTO_IP, libc::IP_PKTINFO)
    }
}

/// Sets an integer socket option to 1.
fn set_flag(fd: RawFd, level: libc::c_int, name: libc::c_int) -> io::Result<()> {
    let yes: libc::c_int = 1;
    // SAFETY: `yes` is a live c_int and the length passed is its size; the
    // kernel only reads it.
    let ret = unsafe {
        libc::setsockopt(
            fd,
            level,
            name,
            (&yes as *const libc::c_int).cast::<libc::c_void>(),
            size_of::<libc::c_int>() as libc::socklen_t,
        )
    };
    if ret < 0 {
        Err(io::Error::last_os_error())
    } else {
        Ok(())
    }
}

/// One received datagram's metadata.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Received {
    /// Bytes in the buffer.
    pub len: usize,
    /// The datagram did not fit the buffer.
    pub truncated: bool,
    /// The sender's address.
    pub src: Option<IpAddr>,
    /// The TTL / hop limit, when the kernel reported it.
    pub ttl: Option<u8>,
    /// The datagram's destination address (`IP_PKTINFO` / `IPV6_PKTINFO`).
    pub dst: Option<IpAddr>,
    /// The interface it arrived on (same control messages), 0 if unknown.
    pub ifindex: u32,
}

const CONTROL_LEN: usize = 128;

#[repr(C, align(8))]
struct Control([u8; CONTROL_LEN]);

/// Non-blocking `recvmsg` on a UDP socket with `IP_RECVTTL` or
/// `IPV6_RECVHOPLIMIT` set. Returns `WouldBlock` when nothing is queued.
pub(crate) fn recv_with_ttl(fd: RawFd, buf: &mut [u8]) -> io::Result<Received> {
    // SAFETY: sockaddr_storage and msghdr are C structs for which all-zero
    // bytes are a valid value.
    let mut name: libc::sockaddr_storage = unsafe { zeroed() };
    let mut control = Control([0; CONTROL_LEN]);
    let mut iov = libc::iovec {
        iov_base: buf.as_mut_ptr().cast::<libc::c_void>(),
        iov_len: buf.len(),
    };
    // SAFETY: as above.
    let mut msg: libc::msghdr = unsafe { zeroed() };
    msg.msg_name = (&mut name as *mut libc::sockaddr_storage).cast::<libc::c_void>();
    msg.msg_namelen = size_of::<libc::sockaddr_storage>() as libc::socklen_t;
    msg.msg_iov = &mut iov;
    msg.msg_iovlen = 1;
    msg.msg_control = control.0.as_mut_ptr().cast::<libc::c_void>();
    msg.msg_controllen = CONTROL_LEN;
    // SAFETY: every pointer in `msg` refers to live writable memory of the
    // stated length (name, iov → buf, control) that outlives the call.
    let n = unsafe { libc::recvmsg(fd, &mut msg, libc::MSG_DONTWAIT) };
    if n < 0 {
        return Err(io::Error::last_os_error());
    }
    let n = n.unsigned_abs();
    let mut r = Received {
        len: n.min(buf.len()),
        truncated: msg.msg_flags & libc::MSG_TRUNC != 0,
        src: None,
        ttl: None,
        dst: None,
        ifindex: 0,
    };
    match libc::c_int::from(name.ss_family) {
        libc::AF_INET => {
            // SAFETY: ss_family says the storage holds a sockaddr_in, which
            // is smaller than sockaddr_storage and suitably aligned.
            let sin =
                unsafe { &*(&name as *const libc::sockaddr_storage).cast::<libc::sockaddr_in>() };
            r.src = Some(IpAddr::V4(Ipv4Addr::from(u32::from_be(
                sin.sin_addr.s_addr,
            ))));
        }
        libc::AF_INET6 => {
            // SAFETY: as above for sockaddr_in6.
            let sin6 =
                unsafe { &*(&name as *const libc::sockaddr_storage).cast::<libc::sockaddr_in6>() };
            r.src = Some(IpAddr::V6(Ipv6Addr::from(sin6.sin6_addr.s6_addr)));
        }
        _ => {}
    }
    // SAFETY: `msg` was filled by a successful recvmsg; the CMSG_* macros
    // walk the control buffer within msg_controllen, and each payload is
    // read (unaligned) only when the header says at least that many bytes
    // of it follow.
    unsafe {
        let mut cmsg = libc::CMSG_FIRSTHDR(&msg);
        while !cmsg.is_null() {
            let hdr = &*cmsg;
            let data_len = hdr.cmsg_len.saturating_sub(libc::CMSG_LEN(0) as usize);
            let is_ttl = matches!(
                (hdr.cmsg_level, hdr.cmsg_type),
                (libc::IPPROTO_IP, libc::IP_TTL) | (libc::IPPROTO_IPV6, libc::IPV6_HOPLIMIT)
            );
            if is_ttl && data_len >= size_of::<libc::c_int>() {
                let v = std::ptr::read_unaligned(libc::CMSG_DATA(cmsg).cast::<libc::c_int>());
                r.ttl = u8::try_from(v).ok();
            }
            match (hdr.cmsg_level, hdr.cmsg_type) {
                (libc::IPPROTO_IP, libc::IP_PKTINFO)
                    if data_len >= size_of::<libc::in_pktinfo>() =>
                {
                    let p =
                        std::ptr::read_unaligned(libc::CMSG_DATA(cmsg).cast::<libc::in_pktinfo>());
                    r.dst = Some(IpAddr::V4(Ipv4Addr::from(u32::from_be(p.ipi_addr.s_addr))));
                    r.ifindex = u32::try_from(p.ipi_ifindex).unwrap_or(0);
                }
                (libc::IPPROTO_IPV6, libc::IPV6_PKTINFO)
                    if data_len >= size_of::<libc::in6_pktinfo>() =>
                {
                    let p =
                        std::ptr::read_unaligned(libc::CMSG_DATA(cmsg).cast::<libc::in6_pktinfo>());
                    r.dst = Some(IpAddr::V6(Ipv6Addr::from(p.ipi6_addr.s6_addr)));
                    r.ifindex = p.ipi6_ifindex;
                }
                _ => {}
            }
            cmsg = libc::CMSG_NXTHDR(&msg, cmsg);
        }
    }
    Ok(r)
}

/// The index of interface `name` in the caller's network namespace
/// (`if_nametoindex`); an error when there is no such interface.
pub(crate) fn if_index(name: &str) -> io::Result<u32> {
    let c = std::ffi::CString::new(name)
        .map_err(|_| io::Error::new(io::ErrorKind::InvalidInput, "NUL in interface name"))?;
    // SAFETY: `c` is a live NUL-terminated string the call only reads.
    let idx = unsafe { libc::if_nametoindex(c.as_ptr()) };
    if idx == 0 {
        Err(io::Error::last_os_error())
    } else {
        Ok(idx)
    }
}
