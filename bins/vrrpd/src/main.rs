//! VRRP daemon, a drop-in for keepalived's VRRP side

fn main() {
    eprintln!("vrrpd: not yet implemented");
    std::process::exit(2);
}
