//! [`Payload`]: the bytes of one datagram [`super::Node::poll_transmit`]
//! hands out, inline when they fit so that sending an advert allocates
//! nothing.

use alloc::{boxed::Box, vec, vec::Vec};

/// Messages up to this many bytes are kept inline: a VRRPv3 IPv4 advert
/// with up to 14 addresses, VRRPv2 with up to 12, VRRPv3 IPv6 with up to 3
/// (8-byte header, 4 or 16 bytes per address, 8 bytes of VRRPv2
/// authentication data).
pub const INLINE_PAYLOAD: usize = 64;

/// The encoded VRRP message of a [`super::Transmit`]: derefs to `[u8]`.
/// Short messages live inline (no allocation), longer ones on the heap.
#[derive(Clone)]
pub struct Payload(Repr);

#[derive(Clone)]
enum Repr {
    Inline {
        len: u8,
        bytes: [u8; INLINE_PAYLOAD],
    },
    Heap(Box<[u8]>),
}

impl Payload {
    /// `len` zero bytes.
    pub fn zeroed(len: usize) -> Self {
        match u8::try_from(len) {
            Ok(l) if len <= INLINE_PAYLOAD => Payload(Repr::Inline {
                len: l,
                bytes: [0; INLINE_PAYLOAD],
            }),
            _ => Payload(Repr::Heap(vec![0; len].into_boxed_slice())),
        }
    }

    /// True when the bytes are inline (nothing was allocated for them).
    pub fn is_inline(&self) -> bool {
        matches!(self.0, Repr::Inline { .. })
    }

    /// The bytes as a vector.
    pub fn into_vec(self) -> Vec<u8> {
        match self.0 {
            Repr::Heap(b) => b.into_vec(),
            Repr::Inline { .. } => self.to_vec(),
        }
    }
}

impl core::ops::Deref for Payload {
    type Target = [u8];
    fn deref(&self) -> &[u8] {
        match &self.0 {
            Repr::Inline { len, bytes } => bytes.get(..usize::from(*len)).unwrap_or(&[]),
            Repr::Heap(b) => b,
        }
    }
}

impl core::ops::DerefMut for Payload {
    fn deref_mut(&mut self) -> &mut [u8] {
        match &mut self.0 {
            Repr::Inline { len, bytes } => bytes.get_mut(..usize::from(*len)).unwrap_or(&mut []),
            Repr::Heap(b) => b,
        }
    }
}

impl AsRef<[u8]> for Payload {
    fn as_ref(&self) -> &[u8] {
        self
    }
}

impl From<&[u8]> for Payload {
    fn from(b: &[u8]) -> Self {
        let mut p = Payload::zeroed(b.len());
        p.copy_from_slice(b);
        p
    }
}

impl PartialEq for Payload {
    fn eq(&self, other: &Self) -> bool {
        **self == **other
    }
}

impl Eq for Payload {}

impl PartialEq<[u8]> for Payload {
    fn eq(&self, other: &[u8]) -> bool {
        **self == *other
    }
}

impl core::fmt::Debug for Payload {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        core::fmt::Debug::fmt(&**self, f)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn inline_up_to_the_limit_then_heap() {
        for len in [0, 1, 12, INLINE_PAYLOAD, INLINE_PAYLOAD + 1, 4096] {
            let data: Vec<u8> = (0..len).map(|i| i as u8).collect();
            let p = Payload::from(&data[..]);
            assert_eq!(p.is_inline(), len <= INLINE_PAYLOAD, "{len}");
            assert_eq!(&*p, &data[..]);
            assert_eq!(p.clone().into_vec(), data);
            assert_eq!(p, *data.as_slice());
        }
    }
}
