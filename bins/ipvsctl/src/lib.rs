//! ipvsctl: an ipvsadm-compatible command line on ipvs-sys.
//!
//! Same options, same `-Ln`/`-S` output byte for byte, same messages and
//! exit codes as ipvsadm 1.31; `-R` sends the restored rules in batches.
#![warn(missing_docs)]

pub mod cli;
pub mod help;
pub mod output;
pub mod run;
