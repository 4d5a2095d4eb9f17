//! Counting what a configuration holds, one top-level statement at a time,
//! before it is built: the counts the [`crate::limits`] apply to.

use crate::diag::Sink;
use crate::limits::{Item, Limits, over_limit};
use crate::span::Span;
use crate::tree::Node;

/// Counts of one read, kept by the model builder.
#[derive(Debug, Default)]
pub(crate) struct Counter {
    count: [usize; 7],
    /// Where each count first went over its limit.
    first_over: [Option<Span>; 7],
}

/// Blocks whose statements are each an address, a route or a rule.
fn list_item(keyword: &str) -> Option<Item> {
    match keyword {
        "virtual_ipaddress" | "virtual_ipaddress_excluded" | "static_ipaddress" => {
            Some(Item::Address)
        }
        "virtual_routes" | "virtual_rules" | "static_routes" | "static_rules" => Some(Item::Route),
        _ => None,
    }
}

impl Counter {
    /// Counts a top-level statement; `true` when it may be built (no count goes over
    /// its limit), `false` when it is only counted.
    pub(crate) fn admit(&mut self, n: &Node, limits: &Limits) -> bool {
        let mut add = [0usize; 7];
        let kw = n.keyword();
        let section = match kw {
            "vrrp_instance" => Item::VrrpInstance,
            "virtual_server" => Item::VirtualServer,
            _ => Item::Section,
        };
        add[section.index()] = 1;
        if let Some(item) = list_item(kw) {
            add[item.index()] += n.block.as_ref().map_or(0, |b| b.children.len());
        }
        if let Some(b) = &n.block {
            for c in &b.children {
                match c.keyword() {
                    "real_server" | "sorry_server" if section == Item::VirtualServer => {
                        add[Item::RealServer.index()] += 1;
                    }
                    k => {
                        if let Some(item) = list_item(k) {
                            add[item.index()] += c.block.as_ref().map_or(0, |b| b.children.len());
                        }
                    }
                }
            }
        }
        let mut fits = true;
        for item in Item::ALL {
            let i = item.index();
            if add[i] == 0 {
                continue;
            }
            self.count[i] = self.count[i].saturating_add(add[i]);
            if self.count[i] > limits.get(item) {
                fits = false;
                self.first_over[i].get_or_insert(n.span());
            }
        }
        fits
    }

    /// Adds another builder's counts (the second part of a split read).
    pub(crate) fn absorb(&mut self, other: &Counter) {
        for i in 0..self.count.len() {
            self.count[i] = self.count[i].saturating_add(other.count[i]);
        }
    }

    /// True when some count is over its limit.
    pub(crate) fn over(&self, limits: &Limits) -> bool {
        Item::ALL
            .into_iter()
            .any(|i| self.count[i.index()] > limits.get(i))
    }

    /// One error per limit passed.
    pub(crate) fn report(&self, limits: &Limits, sink: &mut Sink) {
        for item in Item::ALL {
            let i = item.index();
            if let Some(first) = self.first_over[i] {
                sink.push_kept(over_limit(item, self.count[i], limits.get(item), first));
            }
        }
    }
}
