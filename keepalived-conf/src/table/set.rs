//! The model field a keyword with a plain value sets, named in its row
//! ([`super::Keyword::set`]): which section's struct ([`Field`]) and how the value is
//! read ([`Set`]). The section's builder hands such a row to one reader that takes the
//! value as the row's [`super::Value`] says, in the row's range, so the keyword has no
//! code of its own.

use crate::model::*;
use std::fmt;
use std::net::IpAddr;
use std::time::Duration;

/// A field of type `Opt<T>` in one struct of the model: the struct is the variant, the
/// function picks the field.
#[non_exhaustive]
pub enum Field<T: 'static> {
    /// A field of `global_defs`.
    Global(fn(&mut GlobalDefs) -> &mut Opt<T>),
    /// A field of a `vrrp_instance`.
    Instance(fn(&mut VrrpInstance) -> &mut Opt<T>),
    /// A field of a `vrrp_sync_group`.
    SyncGroup(fn(&mut VrrpSyncGroup) -> &mut Opt<T>),
    /// A field of a `vrrp_script`.
    Script(fn(&mut VrrpScript) -> &mut Opt<T>),
    /// A field of a `track_file`.
    TrackFile(fn(&mut TrackFile) -> &mut Opt<T>),
    /// A field of a `vrrp_track_process`.
    TrackProcess(fn(&mut TrackProcess) -> &mut Opt<T>),
    /// A field of a `bfd_instance`.
    Bfd(fn(&mut BfdInstance) -> &mut Opt<T>),
    /// A field of a `virtual_server`.
    VirtualServer(fn(&mut VirtualServer) -> &mut Opt<T>),
    /// A field of a `real_server`.
    RealServer(fn(&mut RealServer) -> &mut Opt<T>),
    /// A connection option of a checker (or of an `SMTP_CHECK` `host`).
    Connect(fn(&mut ConnectOptions) -> &mut Opt<T>),
    /// A setting every checker kind has.
    Checker(fn(&mut Checker) -> &mut Opt<T>),
    /// A field of an `HTTP_GET` / `SSL_GET` checker.
    Http(fn(&mut HttpCheck) -> &mut Opt<T>),
    /// A field of a checker's `url`.
    Url(fn(&mut Url) -> &mut Opt<T>),
    /// A field of a `MISC_CHECK`.
    Misc(fn(&mut MiscCheck) -> &mut Opt<T>),
    /// A field of an `SMTP_CHECK`.
    Smtp(fn(&mut SmtpCheck) -> &mut Opt<T>),
    /// A field of a `DNS_CHECK`.
    Dns(fn(&mut DnsCheck) -> &mut Opt<T>),
    /// A field of a `UDP_CHECK`.
    Udp(fn(&mut UdpCheck) -> &mut Opt<T>),
    /// A field of a `FILE_CHECK`.
    FileCheck(fn(&mut FileCheck) -> &mut Opt<T>),
    /// A field of a `BFD_CHECK`.
    BfdCheck(fn(&mut BfdCheck) -> &mut Opt<T>),
}

impl<T> Clone for Field<T> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<T> Copy for Field<T> {}

impl<T> fmt::Debug for Field<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.target())
    }
}

impl<T> Field<T> {
    /// The model struct the field is in, by its section's name.
    pub fn target(&self) -> &'static str {
        match self {
            Field::Global(_) => "global_defs",
            Field::Instance(_) => "vrrp_instance",
            Field::SyncGroup(_) => "vrrp_sync_group",
            Field::Script(_) => "vrrp_script",
            Field::TrackFile(_) => "track_file",
            Field::TrackProcess(_) => "vrrp_track_process",
            Field::Bfd(_) => "bfd_instance",
            Field::VirtualServer(_) => "virtual_server",
            Field::RealServer(_) => "real_server",
            Field::Connect(_) => "checker connection",
            Field::Checker(_) => "checker",
            Field::Http(_) => "HTTP_GET",
            Field::Url(_) => "url",
            Field::Misc(_) => "MISC_CHECK",
            Field::Smtp(_) => "SMTP_CHECK",
            Field::Dns(_) => "DNS_CHECK",
            Field::Udp(_) => "UDP_CHECK",
            Field::FileCheck(_) => "FILE_CHECK",
            Field::BfdCheck(_) => "BFD_CHECK",
        }
    }
}

/// A field of type `BoxOpt<T>` (a rarely set value kept out of line) in one struct
/// of the model, as [`Field`] is for `Opt<T>`.
#[non_exhaustive]
pub enum BoxField<T: 'static> {
    /// A field of a `vrrp_instance`.
    Instance(fn(&mut VrrpInstance) -> &mut BoxOpt<T>),
}

impl<T> Clone for BoxField<T> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<T> Copy for BoxField<T> {}

impl<T> fmt::Debug for BoxField<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.target())
    }
}

impl<T> BoxField<T> {
    /// The model struct the field is in, by its section's name.
    pub fn target(&self) -> &'static str {
        match self {
            BoxField::Instance(_) => "vrrp_instance",
        }
    }
}

/// A model struct a [`Field`] can point into.
pub trait Fields: Sized {
    /// The accessor of `field` when it is a field of this struct.
    fn pick<T>(field: Field<T>) -> Option<fn(&mut Self) -> &mut Opt<T>>;

    /// The accessor of the out-of-line `field` when it is a field of this struct.
    fn pick_boxed<T>(_field: BoxField<T>) -> Option<fn(&mut Self) -> &mut BoxOpt<T>> {
        None
    }
}

impl Fields for VrrpInstance {
    fn pick<T>(field: Field<T>) -> Option<fn(&mut Self) -> &mut Opt<T>> {
        match field {
            Field::Instance(f) => Some(f),
            _ => None,
        }
    }

    fn pick_boxed<T>(field: BoxField<T>) -> Option<fn(&mut Self) -> &mut BoxOpt<T>> {
        match field {
            BoxField::Instance(f) => Some(f),
        }
    }
}

macro_rules! fields {
    ($($ty:ty => $variant:ident),* $(,)?) => {
        $(impl Fields for $ty {
            fn pick<T>(field: Field<T>) -> Option<fn(&mut Self) -> &mut Opt<T>> {
                match field {
                    Field::$variant(f) => Some(f),
                    _ => None,
                }
            }
        })*
    };
}

fields!(
    GlobalDefs => Global,
    VrrpSyncGroup => SyncGroup,
    VrrpScript => Script,
    TrackFile => TrackFile,
    TrackProcess => TrackProcess,
    BfdInstance => Bfd,
    VirtualServer => VirtualServer,
    RealServer => RealServer,
    ConnectOptions => Connect,
    Checker => Checker,
    HttpCheck => Http,
    Url => Url,
    MiscCheck => Misc,
    SmtpCheck => Smtp,
    DnsCheck => Dns,
    UdpCheck => Udp,
    FileCheck => FileCheck,
    BfdCheck => BfdCheck,
);

/// How a keyword's value is read and which [`Field`] it sets. A keyword with a syntax
/// of its own, or one setting several fields, is [`Set::Builder`]: the section's
/// builder reads it by name.
#[non_exhaustive]
#[derive(Debug, Clone, Copy)]
pub enum Set {
    /// Read by the section's builder (or kept as written).
    Builder,
    /// A switch turned on: the keyword alone ([`super::Value::Bare`]), or followed by
    /// an optional boolean word ([`super::Value::Flag`]).
    On(Field<bool>),
    /// A switch turned off by the keyword alone (`preempt` clears `nopreempt`).
    Off(Field<bool>),
    /// An integer of [`super::Value::Uint`] that fits in 8 bits.
    U8(Field<u8>),
    /// An integer of [`super::Value::Uint`] that fits in 16 bits.
    U16(Field<u16>),
    /// An integer of [`super::Value::Uint`] that fits in 32 bits.
    U32(Field<u32>),
    /// An integer of [`super::Value::Int`] that fits in 16 bits.
    I16(Field<i16>),
    /// An integer of [`super::Value::Int`] that fits in 32 bits.
    I32(Field<i32>),
    /// A time of [`super::Value::Seconds`].
    Seconds(Field<Duration>),
    /// A word ([`super::Value::Text`]).
    Text(Field<String>),
    /// The words of the line ([`super::Value::Words`]).
    Words(Field<Vec<String>>),
    /// A command line with its user ([`super::Value::Script`]).
    Script(Field<Script>),
    /// A command line with its user ([`super::Value::Script`]) in a field kept out of
    /// line (the notify scripts of a `vrrp_instance`, nearly always unset).
    BoxedScript(BoxField<Script>),
    /// An address ([`super::Value::Ip`]); a malformed one is an error.
    Ip(Field<IpAddr>),
    /// An address ([`super::Value::Ip`]) keepalived skips with a message when it is
    /// malformed: a warning.
    IpSkipped(Field<IpAddr>),
}

impl Set {
    /// The model struct the field is in (`None` for [`Set::Builder`]).
    pub fn target(&self) -> Option<&'static str> {
        Some(match self {
            Set::Builder => return None,
            Set::On(f) | Set::Off(f) => f.target(),
            Set::U8(f) => f.target(),
            Set::U16(f) => f.target(),
            Set::U32(f) => f.target(),
            Set::I16(f) => f.target(),
            Set::I32(f) => f.target(),
            Set::Seconds(f) => f.target(),
            Set::Text(f) => f.target(),
            Set::Words(f) => f.target(),
            Set::Script(f) => f.target(),
            Set::BoxedScript(f) => f.target(),
            Set::Ip(f) | Set::IpSkipped(f) => f.target(),
        })
    }
}
