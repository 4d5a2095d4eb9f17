//! Support of the conformance test against keepalived 2.2.7 on the
//! real-world corpus (`conformance_netns.rs`).

pub mod corpus;
pub mod fields;
pub mod kadump;
pub mod run;
