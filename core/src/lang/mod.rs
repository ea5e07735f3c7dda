//! The expression language: syntax ([`expr::syntax`]: lexing, parsing,
//! printing), types and compilation to slots ([`expr::compile`]), one pass
//! per list ([`expr::fuse`]), and the patterns of `format_date`
//! ([`date_pattern`]).
//!
//! May use: `values`, `source` (positions). It knows nothing of packs,
//! rule sets or evaluation.

pub mod date_pattern;
pub mod expr;
