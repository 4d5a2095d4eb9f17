//! A TCP listener that accepts and closes every connection, without forking:
//! the live backend of the checker benchmark (tests-vm-lvsd/bench.sh).
//! Usage: tcp_sink ADDR:PORT

fn main() {
    let addr = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "0.0.0.0:80".to_string());
    let listener = match std::net::TcpListener::bind(&addr) {
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
