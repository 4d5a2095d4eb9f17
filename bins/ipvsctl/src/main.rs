//! ipvsadm-compatible CLI on ipvs-sys.

use std::io::Write;

fn main() {
    let mut argv = std::env::args();
    let prog = argv.next().unwrap_or_else(|| "ipvsctl".into());
    let args: Vec<String> = argv.collect();
    let stdout = std::io::stdout();
    let stderr = std::io::stderr();
    let mut out = std::io::BufWriter::new(stdout.lock());
    let mut err = stderr.lock();
    let mut io = ipvsctl::run::Io {
        prog: &prog,
        out: &mut out,
        err: &mut err,
    };
    let code = match ipvsctl::run::connect(&mut io) {
        Ok(mut client) => {
            let stdin = std::io::stdin();
            let mut input = stdin.lock();
            ipvsctl::run::run_with(&mut client, &mut io, &args, &mut input)
        }
        Err(code) => code,
    };
    let _ = out.flush();
    std::process::exit(code);
}
