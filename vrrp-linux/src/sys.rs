//! Thin wrappers over the few syscalls that socket2, netlink-sys and tokio do not
//! cover safely: setsockopt with structs, recvmsg/sendmsg with ancillary data,
//! AF_PACKET addresses, setns and the registration of sockets with tokio.
//!
//! This is the only module of the crate allowed to use `unsafe`; each block has a
//! `SAFETY:` note. Everything here returns `io::Result` and never panics.
#![allow(unsafe_code)]

use std::ffi::CString;
use std::io;
use std::mem::{size_of, zeroed};
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddrV6};
use std::os::fd::{AsRawFd, BorrowedFd, RawFd};

/// Result of `recvmsg` on a raw IP socket.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct RecvMeta {
    /// Bytes written into the buffer.
    pub len: usize,
    /// The datagram was longer than the buffer (MSG_TRUNC).
    pub truncated: bool,
    /// Sender from msg_name.
    pub src: Option<IpAddr>,
    /// Scope id from msg_name (IPv6).
    pub src_scope: u32,
    /// Interface from IP_PKTINFO / IPV6_PKTINFO.
    pub ifindex: Option<u32>,
    /// Destination from IP_PKTINFO / IPV6_PKTINFO.
    pub dst: Option<IpAddr>,
    /// Hop limit from IPV6_HOPLIMIT.
    pub hop_limit: Option<u8>,
    /// Kernel receive time (CLOCK_REALTIME) from SO_TIMESTAMPNS.
    pub timestamp: Option<std::time::SystemTime>,
}

fn cvt(ret: libc::c_int) -> io::Result<libc::c_int> {
    if ret < 0 {
        Err(io::Error::last_os_error())
    } else {
        Ok(ret)
    }
}

fn cvt_size(ret: libc::ssize_t) -> io::Result<usize> {
    if ret < 0 {
        Err(io::Error::last_os_error())
    } else {
        Ok(ret.unsigned_abs())
    }
}

fn setsockopt<T>(fd: RawFd, level: libc::c_int, name: libc::c_int, value: &T) -> io::Result<()> {
    // SAFETY: `value` is a valid, initialised T for the duration of the call and the
    // length passed is exactly its size; the kernel only reads from it.
    let ret = unsafe {
        libc::setsockopt(
            fd,
            level,
            name,
            (value as *const T).cast::<libc::c_void>(),
            size_of::<T>() as libc::socklen_t,
        )
    };
    cvt(ret).map(|_| ())
}

/// setsockopt with an `int` value.
pub(crate) fn set_int_opt(
    fd: RawFd,
    level: libc::c_int,
    name: libc::c_int,
    value: libc::c_int,
) -> io::Result<()> {
    setsockopt(fd, level, name, &value)
}

/// IP_MULTICAST_IF by interface index (`struct ip_mreqn`), as keepalived does.
pub(crate) fn set_multicast_if_v4_index(fd: RawFd, ifindex: u32) -> io::Result<()> {
    let mreqn = libc::ip_mreqn {
        imr_multiaddr: libc::in_addr { s_addr: 0 },
        imr_address: libc::in_addr { s_addr: 0 },
        imr_ifindex: ifindex as libc::c_int,
    };
    setsockopt(fd, libc::IPPROTO_IP, libc::IP_MULTICAST_IF, &mreqn)
}

const CMSG_SPACE_MAX: usize = 128;

#[repr(C, align(8))]
struct CmsgBuf([u8; CMSG_SPACE_MAX]);

/// `recvmsg` on an IPv4 or IPv6 raw socket, decoding IP_PKTINFO, IPV6_PKTINFO and
/// IPV6_HOPLIMIT ancillary data and the kernel receive time (SCM_TIMESTAMPNS).
/// Non-blocking sockets return `WouldBlock`.
pub(crate) fn recvmsg_ip(fd: RawFd, buf: &mut [u8]) -> io::Result<RecvMeta> {
    // SAFETY: sockaddr_storage and msghdr are plain C structs for which all-zero is
    // a valid value.
    let mut name: libc::sockaddr_storage = unsafe { zeroed() };
    let mut control = CmsgBuf([0; CMSG_SPACE_MAX]);
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
    msg.msg_controllen = CMSG_SPACE_MAX;
    // SAFETY: every pointer in msg refers to live, writable memory of the stated
    // length (name, iov → buf, control) that outlives the call.
    let n = cvt_size(unsafe { libc::recvmsg(fd, &mut msg, 0) })?;
    let mut meta = RecvMeta {
        len: n.min(buf.len()),
        truncated: msg.msg_flags & libc::MSG_TRUNC != 0,
        ..RecvMeta::default()
    };
    match libc::c_int::from(name.ss_family) {
        libc::AF_INET => {
            // SAFETY: ss_family says the storage holds a sockaddr_in, which is
            // smaller than sockaddr_storage and suitably aligned.
            let sin =
                unsafe { &*(&name as *const libc::sockaddr_storage).cast::<libc::sockaddr_in>() };
            meta.src = Some(IpAddr::V4(Ipv4Addr::from(u32::from_be(
                sin.sin_addr.s_addr,
            ))));
        }
        libc::AF_INET6 => {
            // SAFETY: as above for sockaddr_in6.
            let sin6 =
                unsafe { &*(&name as *const libc::sockaddr_storage).cast::<libc::sockaddr_in6>() };
            meta.src = Some(IpAddr::V6(Ipv6Addr::from(sin6.sin6_addr.s6_addr)));
            meta.src_scope = sin6.sin6_scope_id;
        }
        _ => {}
    }
    // SAFETY: msg was filled by a successful recvmsg; the CMSG_* macros walk the
    // control buffer within msg_controllen, and each payload read is bounded by the
    // size of the struct the (level, type) pair is documented to carry.
    unsafe {
        let mut cmsg = libc::CMSG_FIRSTHDR(&msg);
        while !cmsg.is_null() {
            let hdr = &*cmsg;
            let data = libc::CMSG_DATA(cmsg);
            let data_len = hdr.cmsg_len.saturating_sub(libc::CMSG_LEN(0) as usize);
            match (hdr.cmsg_level, hdr.cmsg_type) {
                (libc::IPPROTO_IP, libc::IP_PKTINFO)
                    if data_len >= size_of::<libc::in_pktinfo>() =>
                {
                    let info = std::ptr::read_unaligned(data.cast::<libc::in_pktinfo>());
                    meta.ifindex = Some(info.ipi_ifindex as u32);
                    meta.dst = Some(IpAddr::V4(Ipv4Addr::from(u32::from_be(
                        info.ipi_addr.s_addr,
                    ))));
                }
                (libc::IPPROTO_IPV6, libc::IPV6_PKTINFO)
                    if data_len >= size_of::<libc::in6_pktinfo>() =>
                {
                    let info = std::ptr::read_unaligned(data.cast::<libc::in6_pktinfo>());
                    meta.ifindex = Some(info.ipi6_ifindex);
                    meta.dst = Some(IpAddr::V6(Ipv6Addr::from(info.ipi6_addr.s6_addr)));
                }
                (libc::IPPROTO_IPV6, libc::IPV6_HOPLIMIT)
                    if data_len >= size_of::<libc::c_int>() =>
                {
                    let hl = std::ptr::read_unaligned(data.cast::<libc::c_int>());
                    meta.hop_limit = u8::try_from(hl).ok();
                }
                (libc::SOL_SOCKET, libc::SCM_TIMESTAMPNS)
                    if data_len >= size_of::<libc::timespec>() =>
                {
                    let ts = std::ptr::read_unaligned(data.cast::<libc::timespec>());
                    if let (Ok(s), Ok(ns)) = (u64::try_from(ts.tv_sec), u32::try_from(ts.tv_nsec)) {
                        meta.timestamp =
                            std::time::UNIX_EPOCH.checked_add(std::time::Duration::new(s, ns));
                    }
                }
                _ => {}
            }
            cmsg = libc::CMSG_NXTHDR(&msg, cmsg);
        }
    }
    Ok(meta)
}

/// Appends one control message to `control` at `*used`, returning the new length.
///
/// # Safety
/// `control` must be the buffer `msg.msg_control` points to with room for the
/// message; `T` must be the struct the kernel expects for (level, ty).
unsafe fn push_cmsg<T: Copy>(
    msg: &libc::msghdr,
    prev: *mut libc::cmsghdr,
    level: libc::c_int,
    ty: libc::c_int,
    value: &T,
) -> *mut libc::cmsghdr {
    // SAFETY: caller guarantees msg describes a control buffer large enough; with
    // msg_controllen already covering the space of this message, the CMSG macros
    // return a pointer inside it.
    unsafe {
        let cmsg = if prev.is_null() {
            libc::CMSG_FIRSTHDR(msg)
        } else {
            libc::CMSG_NXTHDR(msg, prev)
        };
        if cmsg.is_null() {
            return cmsg;
        }
        (*cmsg).cmsg_level = level;
        (*cmsg).cmsg_type = ty;
        (*cmsg).cmsg_len = libc::CMSG_LEN(size_of::<T>() as u32) as usize;
        std::ptr::write_unaligned(libc::CMSG_DATA(cmsg).cast::<T>(), *value);
        cmsg
    }
}

/// `sendmsg` on a raw IPv4 socket with IP_HDRINCL: `packet` holds the full IP
/// datagram; `ifindex` (non-zero) selects the outgoing interface via IP_PKTINFO.
pub(crate) fn sendmsg_v4(
    fd: RawFd,
    packet: &[u8],
    dst: Ipv4Addr,
    ifindex: u32,
    flags: libc::c_int,
) -> io::Result<usize> {
    let mut sin = libc::sockaddr_in {
        sin_family: libc::AF_INET as libc::sa_family_t,
        sin_port: 0,
        sin_addr: libc::in_addr {
            s_addr: u32::from(dst).to_be(),
        },
        sin_zero: [0; 8],
    };
    let mut iov = libc::iovec {
        iov_base: packet.as_ptr().cast_mut().cast::<libc::c_void>(),
        iov_len: packet.len(),
    };
    let mut control = CmsgBuf([0; CMSG_SPACE_MAX]);
    // SAFETY: zeroed msghdr is valid.
    let mut msg: libc::msghdr = unsafe { zeroed() };
    msg.msg_name = (&mut sin as *mut libc::sockaddr_in).cast::<libc::c_void>();
    msg.msg_namelen = size_of::<libc::sockaddr_in>() as libc::socklen_t;
    msg.msg_iov = &mut iov;
    msg.msg_iovlen = 1;
    if ifindex != 0 {
        let info = libc::in_pktinfo {
            ipi_ifindex: ifindex as libc::c_int,
            ipi_spec_dst: libc::in_addr { s_addr: 0 },
            ipi_addr: libc::in_addr { s_addr: 0 },
        };
        msg.msg_control = control.0.as_mut_ptr().cast::<libc::c_void>();
        // SAFETY: CMSG_SPACE is a pure size computation.
        msg.msg_controllen =
            unsafe { libc::CMSG_SPACE(size_of::<libc::in_pktinfo>() as u32) } as usize;
        // SAFETY: control has CMSG_SPACE_MAX bytes, more than msg_controllen.
        unsafe {
            push_cmsg(
                &msg,
                std::ptr::null_mut(),
                libc::IPPROTO_IP,
                libc::IP_PKTINFO,
                &info,
            )
        };
    }
    // SAFETY: all pointers in msg reference live buffers of the stated lengths; the
    // kernel only reads them.
    cvt_size(unsafe { libc::sendmsg(fd, &msg, flags) })
}

/// `sendmsg` on a raw IPv6 socket with IPV6_PKTINFO (source address, interface)
/// and IPV6_HOPLIMIT ancillary data.
pub(crate) fn sendmsg_v6(
    fd: RawFd,
    payload: &[u8],
    dst: SocketAddrV6,
    src: Option<Ipv6Addr>,
    ifindex: u32,
    hop_limit: Option<u8>,
) -> io::Result<usize> {
    let mut sin6 = libc::sockaddr_in6 {
        sin6_family: libc::AF_INET6 as libc::sa_family_t,
        sin6_port: 0,
        sin6_flowinfo: 0,
        sin6_addr: libc::in6_addr {
            s6_addr: dst.ip().octets(),
        },
        sin6_scope_id: dst.scope_id(),
    };
    let mut iov = libc::iovec {
        iov_base: payload.as_ptr().cast_mut().cast::<libc::c_void>(),
        iov_len: payload.len(),
    };
    let mut control = CmsgBuf([0; CMSG_SPACE_MAX]);
    // SAFETY: zeroed msghdr is valid.
    let mut msg: libc::msghdr = unsafe { zeroed() };
    msg.msg_name = (&mut sin6 as *mut libc::sockaddr_in6).cast::<libc::c_void>();
    msg.msg_namelen = size_of::<libc::sockaddr_in6>() as libc::socklen_t;
    msg.msg_iov = &mut iov;
    msg.msg_iovlen = 1;
    let info = libc::in6_pktinfo {
        ipi6_addr: libc::in6_addr {
            s6_addr: src.unwrap_or(Ipv6Addr::UNSPECIFIED).octets(),
        },
        ipi6_ifindex: ifindex,
    };
    // SAFETY: CMSG_SPACE is a pure size computation.
    let (space_info, space_hl) = unsafe {
        (
            libc::CMSG_SPACE(size_of::<libc::in6_pktinfo>() as u32) as usize,
            libc::CMSG_SPACE(size_of::<libc::c_int>() as u32) as usize,
        )
    };
    msg.msg_control = control.0.as_mut_ptr().cast::<libc::c_void>();
    msg.msg_controllen = space_info + if hop_limit.is_some() { space_hl } else { 0 };
    // SAFETY: control holds CMSG_SPACE_MAX (128) bytes, more than the at most 48
    // bytes msg_controllen announces; each value type matches its cmsg type.
    unsafe {
        let first = push_cmsg(
            &msg,
            std::ptr::null_mut(),
            libc::IPPROTO_IPV6,
            libc::IPV6_PKTINFO,
            &info,
        );
        if let Some(hl) = hop_limit {
            let hl = libc::c_int::from(hl);
            push_cmsg(&msg, first, libc::IPPROTO_IPV6, libc::IPV6_HOPLIMIT, &hl);
        }
    }
    // SAFETY: all pointers in msg reference live buffers of the stated lengths.
    cvt_size(unsafe { libc::sendmsg(fd, &msg, 0) })
}

/// `sendto` on an AF_PACKET socket: one whole Ethernet frame out of `ifindex`.
pub(crate) fn packet_sendto(
    fd: RawFd,
    frame: &[u8],
    ifindex: u32,
    ethertype: u16,
    dst_mac: [u8; 6],
) -> io::Result<usize> {
    // SAFETY: zeroed sockaddr_ll is valid.
    let mut sll: libc::sockaddr_ll = unsafe { zeroed() };
    sll.sll_family = libc::AF_PACKET as u16;
    sll.sll_protocol = ethertype.to_be();
    sll.sll_ifindex = ifindex as libc::c_int;
    sll.sll_halen = 6;
    sll.sll_addr[..6].copy_from_slice(&dst_mac);
    // SAFETY: frame and sll are live for the call with the lengths given.
    cvt_size(unsafe {
        libc::sendto(
            fd,
            frame.as_ptr().cast::<libc::c_void>(),
            frame.len(),
            0,
            (&sll as *const libc::sockaddr_ll).cast::<libc::sockaddr>(),
            size_of::<libc::sockaddr_ll>() as libc::socklen_t,
        )
    })
}

/// Moves the calling thread into the network namespace referred to by `fd`.
pub(crate) fn setns_net(fd: BorrowedFd<'_>) -> io::Result<()> {
    // SAFETY: fd is a valid open descriptor for the duration of the call.
    cvt(unsafe { libc::setns(fd.as_raw_fd(), libc::CLONE_NEWNET) }).map(|_| ())
}

/// `if_nametoindex(3)`; `None` when no such interface exists.
pub(crate) fn if_nametoindex(name: &str) -> Option<u32> {
    let c = CString::new(name).ok()?;
    // SAFETY: c is a valid NUL-terminated string.
    let idx = unsafe { libc::if_nametoindex(c.as_ptr()) };
    (idx != 0).then_some(idx)
}

/// Registers a socket that owns its descriptor with tokio's reactor.
pub(crate) fn register_async<T: AsRawFd>(inner: T) -> io::Result<tokio::io::unix::AsyncFd<T>> {
    let interest = tokio::io::Interest::READABLE | tokio::io::Interest::WRITABLE;
    // SAFETY: only called with socket2::Socket and netlink_sys::Socket, which
    // own their descriptor for their whole life and always return that same one
    // from as_raw_fd; the AsyncFd takes ownership, so the fd stays open while registered.
    unsafe { tokio::io::unix::AsyncFd::register_with_interest(inner, interest) }
        .map_err(|e| e.into_parts().1)
}
