//! Criterion bench `conf` (placeholder until its issue lands; see benches/RESULTS.md).
use criterion::{Criterion, criterion_group, criterion_main};

fn placeholder(_c: &mut Criterion) {}

criterion_group!(benches, placeholder);
criterion_main!(benches);
