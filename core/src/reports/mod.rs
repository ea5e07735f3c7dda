//! Whole documents at once: scenarios run against rules and the printed
//! figures they reconcile ([`scenario`]), their reports in Chinese and
//! English ([`report`]), and the workbench's view of a pack ([`view`]).
//!
//! May use: everything below it, the façade (`engine`) included. Nothing
//! uses it but the bindings.

pub mod compare;
pub mod report;
pub mod scenario;
pub mod view;
