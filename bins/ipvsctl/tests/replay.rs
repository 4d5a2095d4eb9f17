//! ipvsctl against ipvsadm 1.31 without a kernel: every step of
//! ipvs-sys/tests/data/steps.txt is run through ipvsctl with a backend that
//! replays the kernel replies captured for ipvsadm (nlmon, see that
//! directory's README). Each request ipvsctl sends must equal, byte for byte
//! (sequence number and port id aside), one that ipvsadm sent; stdout+stderr
//! and the exit code must equal ipvsadm's.

#![allow(clippy::unwrap_used)] // test helpers may unwrap

use std::collections::HashMap;
use std::path::PathBuf;

use ipvs_sys::capture::read_nlmon_pcap;
use ipvs_sys::{Error, IpvsMessage, Reply, Request, parse_replies};
use ipvsctl::run::{Backend, Io, run_with};

const NLCTRL: u16 = 0x10;

fn data() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../ipvs-sys/tests/data")
}

struct Exchange {
    request: Vec<u8>,
    replies: Vec<Reply>,
    used: bool,
}

struct Replay {
    family: u16,
    exchanges: Vec<Exchange>,
    step: String,
}

impl Replay {
    fn load(step: &str) -> Self {
        let bytes = std::fs::read(data().join(format!("ipvsadm/{step}.pcap"))).unwrap();
        let msgs = read_nlmon_pcap(&bytes).unwrap();
        let mut family = 0;
        let mut exchanges: Vec<Exchange> = Vec::new();
        let mut index: HashMap<(u32, u32), usize> = HashMap::new();
        for m in msgs {
            if m.protocol != 16 || m.message_type() == NLCTRL {
                continue;
            }
            let seq = u32::from_ne_bytes(m.bytes[8..12].try_into().unwrap());
            let pid = u32::from_ne_bytes(m.bytes[12..16].try_into().unwrap());
            if m.flags() & 1 != 0 {
                family = m.message_type();
                index.insert((seq, pid), exchanges.len());
                exchanges.push(Exchange {
                    request: m.bytes,
                    replies: vec![],
                    used: false,
                });
            } else if let Some(&i) = index.get(&(seq, pid)) {
                exchanges[i]
                    .replies
                    .extend(parse_replies(&m.bytes).unwrap());
            }
        }
        Self {
            family,
            exchanges,
            step: step.into(),
        }
    }

    fn answer(&mut self, req: &Request) -> Result<Vec<IpvsMessage>, Error> {
        let mut ours = Vec::new();
        req.emit(self.family, 0, &mut ours);
        let same = |captured: &[u8]| {
            captured.len() == ours.len()
                && captured[..8] == ours[..8]
                && captured[16..] == ours[16..]
        };
        let Some(ex) = self
            .exchanges
            .iter_mut()
            .find(|e| !e.used && same(&e.request))
        else {
            panic!(
                "{}: ipvsctl sent a request ipvsadm did not: {req:?}",
                self.step
            );
        };
        ex.used = true;
        let mut out = Vec::new();
        for r in &ex.replies {
            match r {
                Reply::Message { message, .. } => out.push(message.clone()),
                Reply::Error { errno, .. } => return Err(Error::from_errno(*errno, req.object())),
                _ => {}
            }
        }
        Ok(out)
    }

    fn check_all_used(&self) {
        for e in &self.exchanges {
            let cmd = e.request[16];
            assert!(
                e.used || cmd == 15,
                "{}: ipvsctl did not send ipvsadm's command {cmd}",
                self.step
            );
        }
    }
}

impl Backend for Replay {
    fn execute(&mut self, req: &Request) -> Result<Vec<IpvsMessage>, Error> {
        self.answer(req)
    }
    fn execute_batch(&mut self, reqs: &[Request]) -> Result<Vec<Result<(), Error>>, Error> {
        Ok(reqs.iter().map(|r| self.answer(r).map(|_| ())).collect())
    }
}

fn split_args(s: &str) -> (Vec<String>, Option<PathBuf>) {
    let mut words: Vec<String> = s.split_whitespace().map(str::to_string).collect();
    let mut stdin = None;
    if let Some(i) = words.iter().position(|w| w == "<") {
        let file = words[i + 1].trim_start_matches("/work/").to_string();
        stdin = Some(data().join(file));
        words.truncate(i);
    }
    (words, stdin)
}

#[test]
fn ipvsctl_matches_ipvsadm_on_every_captured_step() {
    let steps = std::fs::read_to_string(data().join("steps.txt")).unwrap();
    let mut n = 0;
    for line in steps
        .lines()
        .filter(|l| !l.starts_with('#') && !l.is_empty())
    {
        let (name, args) = line.split_once('|').unwrap();
        let (args, stdin_file) = split_args(args);
        let mut backend = Replay::load(name);
        let mut out = Vec::new();
        let mut err = Vec::new();
        let input = stdin_file
            .map(|f| std::fs::read(f).unwrap())
            .unwrap_or_default();
        let mut stdin = &input[..];
        let rc = {
            let mut io = Io {
                prog: "ipvsadm",
                out: &mut out,
                err: &mut err,
            };
            run_with(&mut backend, &mut io, &args, &mut stdin)
        };
        let mut text = out;
        text.extend_from_slice(&err);
        let want = std::fs::read(data().join(format!("ipvsadm/{name}.out"))).unwrap();
        assert_eq!(
            String::from_utf8_lossy(&text),
            String::from_utf8_lossy(&want),
            "{name}: output differs from ipvsadm's"
        );
        let want_rc: i32 = std::fs::read_to_string(data().join(format!("ipvsadm/{name}.rc")))
            .unwrap()
            .trim()
            .parse()
            .unwrap();
        assert_eq!(rc, want_rc, "{name}: exit code");
        backend.check_all_used();
        n += 1;
    }
    assert!(n >= 45, "only {n} steps");
}
