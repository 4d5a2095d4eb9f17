//! The tokio link against a master played by the test on a unix socket: a
//! view with a table builder has its table built once, away from the loop,
//! for a burst of requests larger than one wake-up's answer budget, and
//! every request is answered, in order, from it.

#![cfg(feature = "tokio")]
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use agentx_subagent::address::AgentxAddress;
use agentx_subagent::link::{Link, TableBuilder, View};
use agentx_subagent::pdu::pdu_len;
use agentx_subagent::{
    Config, GetBulk, Oid, Payload, Pdu, Registration, ResError, Response, SearchRange, Table, Value,
};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::UnixListener;

const ROOT: [u32; 7] = [1, 3, 6, 1, 4, 1, 99_999];
/// Variables in the table.
const VARS: u32 = 1_000;
/// GetBulk requests of the burst, and repetitions in each.
const BURST: u32 = 2_000;
const REPS: u16 = 50;

fn table() -> Table {
    let mut t = Table::default();
    let col = Oid::from(ROOT).child(&[1]);
    for i in 1..=VARS {
        t.insert(&col, &[i], Value::Integer(i32::try_from(i).unwrap()));
    }
    t
}

/// Counts the tables built through the builder and on the loop.
struct Counting {
    built: Arc<AtomicUsize>,
    on_loop: Arc<AtomicUsize>,
}

impl View for Counting {
    fn table(&mut self) -> Table {
        self.on_loop.fetch_add(1, Ordering::Relaxed);
        table()
    }
    fn table_builder(&mut self) -> Option<TableBuilder> {
        let built = Arc::clone(&self.built);
        Some(Box::new(move || {
            built.fetch_add(1, Ordering::Relaxed);
            table()
        }))
    }
}

fn ok(pdu: &Pdu) -> Vec<u8> {
    let r = Payload::Response(Response {
        sys_up_time: 0,
        error: ResError::NO_ERROR,
        index: 0,
        varbinds: Vec::new(),
    });
    Pdu::new(3, pdu.transaction_id, pdu.packet_id, r)
        .to_bytes()
        .unwrap()
}

/// Reads whole PDUs from `s` into `buf` until `want` of them are there.
async fn read_pdus(s: &mut tokio::net::UnixStream, buf: &mut Vec<u8>, want: usize) -> Vec<Pdu> {
    let mut out = Vec::new();
    let mut chunk = vec![0u8; 64 * 1024];
    while out.len() < want {
        while let Ok(Some(n)) = pdu_len(buf, 1 << 24) {
            if n > buf.len() {
                break;
            }
            out.push(Pdu::decode(&buf[..n]).unwrap());
            buf.drain(..n);
        }
        if out.len() >= want {
            break;
        }
        let n = s.read(&mut chunk).await.unwrap();
        assert!(n > 0, "the subagent closed the connection");
        buf.extend_from_slice(&chunk[..n]);
    }
    out
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_burst_is_answered_from_one_table_built_off_the_loop() {
    let dir = std::env::temp_dir().join(format!("agentx-link-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("master");
    let listener = UnixListener::bind(&path).unwrap();

    let mut cfg = Config::new(Oid::from(ROOT), "test");
    cfg.registrations = vec![Registration::new(Oid::from(ROOT))];
    let built = Arc::new(AtomicUsize::new(0));
    let on_loop = Arc::new(AtomicUsize::new(0));
    let mut view = Counting {
        built: Arc::clone(&built),
        on_loop: Arc::clone(&on_loop),
    };
    let agent = tokio::spawn(async move {
        let mut link = Link::new(cfg, AgentxAddress::Unix(path), Instant::now());
        link.set_table_lifetime(Duration::from_secs(600));
        loop {
            let w = link.wait().await;
            link.on_wake(w, &mut view);
        }
    });

    let master = async {
        let (mut s, _) = listener.accept().await.unwrap();
        let mut buf = Vec::new();
        // Open, then the one registration
        for _ in 0..2 {
            let p = read_pdus(&mut s, &mut buf, 1).await.remove(0);
            s.write_all(&ok(&p)).await.unwrap();
        }
        let col = Oid::from(ROOT).child(&[1]);
        let mut burst = Vec::new();
        for id in 0..BURST {
            let bulk = Payload::GetBulk(GetBulk {
                non_repeaters: 0,
                max_repetitions: REPS,
                ranges: vec![SearchRange {
                    start: col.child(&[id % VARS]),
                    include: false,
                    end: Oid::default(),
                }],
            });
            Pdu::new(3, 100 + id, 100 + id, bulk)
                .encode(&mut burst)
                .unwrap();
        }
        s.write_all(&burst).await.unwrap();
        read_pdus(&mut s, &mut buf, BURST as usize).await
    };
    let answers = tokio::time::timeout(Duration::from_secs(60), master)
        .await
        .expect("the burst was not answered in 60 s");
    agent.abort();
    let _ = std::fs::remove_dir_all(&dir);

    assert_eq!(answers.len(), BURST as usize);
    for (id, a) in (0..BURST).zip(&answers) {
        assert_eq!(a.packet_id, 100 + id, "answers out of order");
        let Payload::Response(r) = &a.payload else {
            panic!("not a Response: {a:?}");
        };
        let first = id % VARS + 1;
        let want = usize::try_from((VARS - first + 1).min(u32::from(REPS))).unwrap();
        let got: Vec<&Value> = r.varbinds.iter().map(|v| &v.value).collect();
        assert_eq!(
            got.iter().take(want).cloned().cloned().collect::<Vec<_>>(),
            (first..first + u32::try_from(want).unwrap())
                .map(|i| Value::Integer(i32::try_from(i).unwrap()))
                .collect::<Vec<_>>(),
            "answer {id}"
        );
    }
    assert_eq!(built.load(Ordering::Relaxed), 1, "one table for the burst");
    assert_eq!(
        on_loop.load(Ordering::Relaxed),
        0,
        "no table built on the loop"
    );
}
