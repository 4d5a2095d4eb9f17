//! [`AddressList`]: the fixed-capacity, heap-free list of virtual addresses an
//! advertisement carries (RFC 3768 §5.3.9, RFC 9568 §5.2.9).

use core::net::{IpAddr, Ipv4Addr};

use super::{Family, MAX_ADDRESSES};

/// Fixed-capacity list of IP addresses (no heap), at most [`MAX_ADDRESSES`].
///
/// Building one with [`AddressList::new`] writes the whole inline array
/// (about 4 KiB); a receive loop that decodes many advertisements should keep
/// one [`super::Advertisement`] and refill it with
/// [`super::Advertisement::parse_into`], which writes only the used entries.
#[derive(Clone, Copy)]
pub struct AddressList {
    len: u8,
    items: [IpAddr; MAX_ADDRESSES],
}

impl AddressList {
    /// An empty list.
    pub const fn new() -> Self {
        Self::EMPTY
    }

    /// The empty list as a constant: building from it is one block copy
    /// rather than 255 element writes.
    const EMPTY: AddressList = AddressList {
        len: 0,
        items: [IpAddr::V4(Ipv4Addr::UNSPECIFIED); MAX_ADDRESSES],
    };

    /// Appends; returns `false` if the list is full.
    pub fn push(&mut self, a: IpAddr) -> bool {
        let i = usize::from(self.len);
        match self.items.get_mut(i) {
            Some(slot) => {
                *slot = a;
                self.len += 1;
                true
            }
            None => false,
        }
    }

    /// Removes every address (keeps the storage).
    pub fn clear(&mut self) {
        self.len = 0;
    }

    /// Number of addresses.
    pub fn len(&self) -> usize {
        usize::from(self.len)
    }

    /// True if empty.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// The addresses as a slice.
    pub fn as_slice(&self) -> &[IpAddr] {
        self.items.get(..usize::from(self.len)).unwrap_or(&[])
    }

    /// Iterates over the addresses.
    pub fn iter(&self) -> core::slice::Iter<'_, IpAddr> {
        self.as_slice().iter()
    }

    /// True if `a` is in the list.
    pub fn contains(&self, a: &IpAddr) -> bool {
        self.as_slice().contains(a)
    }

    /// The family of the addresses: `None` if the list is empty or mixes
    /// IPv4 and IPv6 (an advertisement can carry only one family).
    pub fn family(&self) -> Option<Family> {
        let mut it = self.as_slice().iter().map(|a| Family::of(*a));
        let first = it.next()?;
        it.all(|f| f == first).then_some(first)
    }
}

impl Default for AddressList {
    fn default() -> Self {
        Self::new()
    }
}

impl PartialEq for AddressList {
    /// Equal when the used entries are equal, in order.
    fn eq(&self, other: &Self) -> bool {
        self.as_slice() == other.as_slice()
    }
}

impl Eq for AddressList {}

impl core::hash::Hash for AddressList {
    fn hash<H: core::hash::Hasher>(&self, state: &mut H) {
        self.as_slice().hash(state);
    }
}

impl core::fmt::Debug for AddressList {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_list().entries(self.as_slice()).finish()
    }
}

impl<'a> FromIterator<&'a IpAddr> for AddressList {
    /// Collects at most [`MAX_ADDRESSES`]; the rest is ignored.
    fn from_iter<I: IntoIterator<Item = &'a IpAddr>>(iter: I) -> Self {
        iter.into_iter().copied().collect()
    }
}

impl FromIterator<IpAddr> for AddressList {
    /// Collects at most [`MAX_ADDRESSES`]; the rest is ignored.
    fn from_iter<I: IntoIterator<Item = IpAddr>>(iter: I) -> Self {
        let mut l = AddressList::new();
        for a in iter {
            if !l.push(a) {
                break;
            }
        }
        l
    }
}

impl<'a> IntoIterator for &'a AddressList {
    type Item = &'a IpAddr;
    type IntoIter = core::slice::Iter<'a, IpAddr>;
    fn into_iter(self) -> Self::IntoIter {
        self.iter()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use core::net::Ipv6Addr;

    #[test]
    fn push_until_full() {
        let mut l = AddressList::new();
        for i in 0..MAX_ADDRESSES {
            assert!(l.push(IpAddr::V4(Ipv4Addr::from_bits(i as u32))));
        }
        assert!(!l.push(IpAddr::V4(Ipv4Addr::LOCALHOST)));
        assert_eq!(l.len(), MAX_ADDRESSES);
        assert_eq!(l.as_slice()[254], IpAddr::V4(Ipv4Addr::from_bits(254)));
        l.clear();
        assert!(l.is_empty());
    }

    #[test]
    fn equality_ignores_unused_slots() {
        let mut a = AddressList::new();
        a.push(IpAddr::V4(Ipv4Addr::LOCALHOST));
        a.push(IpAddr::V4(Ipv4Addr::BROADCAST));
        a.clear();
        a.push(IpAddr::V4(Ipv4Addr::LOCALHOST));
        let b: AddressList = [IpAddr::V4(Ipv4Addr::LOCALHOST)].iter().collect();
        assert_eq!(a, b);
    }

    #[test]
    fn family_of_list() {
        let v4 = IpAddr::V4(Ipv4Addr::LOCALHOST);
        let v6 = IpAddr::V6(Ipv6Addr::LOCALHOST);
        assert_eq!(AddressList::new().family(), None);
        assert_eq!(
            [v4].iter().collect::<AddressList>().family(),
            Some(Family::V4)
        );
        assert_eq!(
            [v6, v6].iter().collect::<AddressList>().family(),
            Some(Family::V6)
        );
        assert_eq!([v4, v6].iter().collect::<AddressList>().family(), None);
    }
}
