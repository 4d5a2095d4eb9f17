//! A TCP listener that accepts and closes every connection, without forking:
//! the live backend of the checker benchmark (tests-vm-lvsd/bench.sh).
//! Usage: tcp_sink ADDR:PORT

use socket2::{Domain, Socket, Type};

fn listen(addr: &str) -> std::io::Result<std::net::TcpListener> {
    let sa: std::net::SocketAddr = addr
        .parse()
        .map_err(|e| std::io::Error::new(std::io::ErrorKind::InvalidInput, format!("{e}")))?;
    let s = Socket::new(Domain::for_address(sa), Type::STREAM, None)?;
    s.set_reuse_address(true)?;
    s.bind(&sa.into())?;
    // Room for a burst of checker connections.
    s.listen(4096)?;
    Ok(s.into())
}

fn main() {
    let addr = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "0.0.0.0:80".to_string());
    let listener = match listen(&addr) {
        Ok(l) => l,
        Err(e) => {
            eprintln!("tcp_sink: {addr}: {e}");
            std::process::exit(1);
        }
    };
    for conn in listener.incoming() {
        drop(conn);
    }
}
