//! check, format and dump keepalived.conf

fn main() {
    eprintln!("kaconf: not yet implemented");
    std::process::exit(2);
}
