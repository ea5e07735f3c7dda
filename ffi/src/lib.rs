//! The C ABI of ordinance (work in progress).
