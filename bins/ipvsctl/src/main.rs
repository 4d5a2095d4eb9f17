//! ipvsadm-compatible CLI on ipvs-sys

fn main() {
    eprintln!("ipvsctl: not yet implemented");
    std::process::exit(2);
}
