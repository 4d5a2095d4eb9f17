//! IPVS load-balancer daemon driven by keepalived.conf virtual_servers

fn main() {
    eprintln!("lvsd: not yet implemented");
    std::process::exit(2);
}
