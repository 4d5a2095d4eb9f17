//! The keepalived.conf language: loader, preprocessor, typed model and diagnostics
#![warn(missing_docs)]
