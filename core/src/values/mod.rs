//! The values rules compute with, and nothing else: exact numbers
//! ([`number`]), dates and times ([`date`]), typed values and their JSON
//! forms ([`value`]), record values ([`record`]), and strict JSON reading
//! ([`json`]).
//!
//! May use: nothing else of the core. Everything else may use it.

pub mod date;
pub mod json;
pub mod number;
pub mod record;
pub mod value;
