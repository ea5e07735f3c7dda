//! The ABI major version, in a file of its own so that `build.rs` can
//! include it to name the shared library's soname (`libordinance.so.1`).

/// The major version of the C ABI. It changes only when a released function
/// changes its signature or meaning, or a status value is removed; the
/// shared library's soname is `libordinance.so.<ORD_ABI_VERSION>`.
pub const ORD_ABI_VERSION: u32 = 1;
