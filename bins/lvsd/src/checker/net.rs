//! Sockets with the checker connection options: `bindto`/`bind_port`,
//! `bind_if` (SO_BINDTODEVICE), `fwmark` (SO_MARK), `connect_timeout`.

use std::io;
use std::net::SocketAddr;

use socket2::SockRef;
use tokio::net::{TcpSocket, TcpStream, UdpSocket};

use crate::model::CheckerSpec;

pub(crate) fn timed_out() -> io::Error {
    io::Error::new(io::ErrorKind::TimedOut, "connect_timeout expired")
}

pub(crate) fn apply_options(sock: SockRef<'_>, spec: &CheckerSpec) -> io::Result<()> {
    if let Some(dev) = &spec.bind_if {
        sock.bind_device(Some(dev.as_bytes()))?;
    }
    if let Some(mark) = spec.fwmark {
        sock.set_mark(mark)?;
    }
    Ok(())
}

/// The address a checker connects to.
pub fn target(spec: &CheckerSpec, default_port: u16) -> SocketAddr {
    let port = if spec.target.port == 0 {
        default_port
    } else {
        spec.target.port
    };
    SocketAddr::new(spec.target.addr, port)
}

/// Opens a TCP connection to the checker's target within `connect_timeout`.
pub async fn tcp_connect(spec: &CheckerSpec) -> io::Result<TcpStream> {
    let addr = target(spec, 0);
    let sock = if addr.is_ipv4() {
        TcpSocket::new_v4()?
    } else {
        TcpSocket::new_v6()?
    };
    apply_options(SockRef::from(&sock), spec)?;
    if let Some((ip, port)) = spec.bind {
        sock.bind(SocketAddr::new(ip, port))?;
    }
    match tokio::time::timeout(spec.timing.connect_timeout, sock.connect(addr)).await {
        Ok(r) => r,
        Err(_) => Err(timed_out()),
    }
}

/// A UDP socket connected to the checker's target (`default_port` when the
/// target has none).
pub async fn udp_connect(spec: &CheckerSpec, default_port: u16) -> io::Result<UdpSocket> {
    let addr = target(spec, default_port);
    let local = match spec.bind {
        Some((ip, port)) => SocketAddr::new(ip, port),
        None if addr.is_ipv4() => SocketAddr::from(([0, 0, 0, 0], 0)),
        None => SocketAddr::from(([0u16; 8], 0)),
    };
    let sock = UdpSocket::bind(local).await?;
    apply_options(SockRef::from(&sock), spec)?;
    sock.connect(addr).await?;
    Ok(sock)
}

/// Reads into `buf` with the checker's `connect_timeout`.
pub async fn read_timeout<R: tokio::io::AsyncRead + Unpin>(
    r: &mut R,
    buf: &mut [u8],
    spec: &CheckerSpec,
) -> io::Result<usize> {
    use tokio::io::AsyncReadExt;
    match tokio::time::timeout(spec.timing.connect_timeout, r.read(buf)).await {
        Ok(x) => x,
        Err(_) => Err(io::Error::new(io::ErrorKind::TimedOut, "read timed out")),
    }
}

/// Writes all of `data` with the checker's `connect_timeout`.
pub async fn write_timeout<W: tokio::io::AsyncWrite + Unpin>(
    w: &mut W,
    data: &[u8],
    spec: &CheckerSpec,
) -> io::Result<()> {
    use tokio::io::AsyncWriteExt;
    match tokio::time::timeout(spec.timing.connect_timeout, w.write_all(data)).await {
        Ok(x) => x,
        Err(_) => Err(io::Error::new(io::ErrorKind::TimedOut, "write timed out")),
    }
}
