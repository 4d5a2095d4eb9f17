//! The nftables rules keepalived 2.2.7 installs for VRRP Accept_Mode = False
//! (RFC 9568 §6.1: a Master that is not the address owner does not accept
//! packets addressed to the VIPs), as netlink batches, without the `nft`
//! binary or libnftnl.
//!
//! - [`ruleset`]: the objects (table, chains `in`/`out`, set `vips`, drop
//!   rules; for IPv6 the link-local sets keyed by interface; the VMAC map
//!   and rules) as nf_tables messages, in keepalived's order, shaped by
//!   [`Settings`] (`nftables`, `nftables_priority`, `nftables_counters`,
//!   `nftables_ifindex`);
//! - [`netlink`]: batch encoding and answers (no socket), and
//!   [`NftSocket`], a blocking NETLINK_NETFILTER socket implementing
//!   [`Transport`];
//! - [`Firewall`]: the drop sets kept in step with the instances that are
//!   Master, with keepalived's table life cycle (stale table deleted at
//!   start, table kept with an emptied set on demotion, deleted at exit).
//!
//! Link-local IPv6 VIPs are dropped per interface ([`ruleset::Target`]);
//! a VMAC's IGMP/MLD reports are re-sent from its parent and its router
//! solicitations dropped ([`Firewall::add_vmac`]).
//!
//! With the cargo feature `testing`, the module `testing` holds what tests
//! comparing rulesets need (`testing::normalise`).
//!
//! ```no_run
//! use keepalived_nft::{Firewall, NftSocket, Settings, Target};
//! let mut fw = Firewall::new(Settings::default(), NftSocket::new()?);
//! fw.remove_stale()?;
//! let vip = Target::Global("10.0.0.100".parse()?);
//! fw.add(&[vip.clone()])?; // becoming Master, before adding the VIP
//! fw.remove(&[vip])?; // after removing it
//! fw.shutdown()?;
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
#![warn(missing_docs)]
#![cfg_attr(not(test), deny(clippy::unwrap_used, clippy::expect_used))]

pub mod error;
pub mod firewall;
pub mod netlink;
pub mod ruleset;
#[cfg(feature = "testing")]
pub mod testing;

pub use error::NftError;
pub use firewall::Firewall;
pub use netlink::{NftSocket, Transport};
pub use ruleset::{Family, LinkKey, Settings, Target};

/// The crate README's example, compiled as a doctest.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
pub struct ReadmeDoctests;
