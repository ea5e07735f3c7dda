//! `ordinance._native`: the compiled half of the Python package `ordinance`.
//!
//! A thin layer over `ordinance-core`: [`engine`] wraps the engine in a
//! Python class, [`convert`] turns Python values into the core's JSON and
//! the core's exact values back into Python, [`arrow`] takes and gives
//! Arrow tables through the PyCapsule interface, and [`errors`] maps the core's
//! errors onto typed Python exceptions. The pure-Python package (in
//! `python/ordinance/`) adds `Decision`, DataFrame support and notebook
//! rendering on top; users import `ordinance`, not this module.

pub mod arrow;
pub mod convert;
pub mod engine;
pub mod errors;

use pyo3::prelude::*;

/// The module `ordinance._native`. It keeps no global state of its own and
/// releases the GIL while the core works, so it declares itself safe to run
/// without the GIL on free-threaded builds.
#[pymodule(gil_used = false)]
fn _native(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add("__version__", ordinance_core::VERSION)?;
    m.add_class::<engine::PyEngine>()?;
    m.add_class::<engine::NativeDecision>()?;
    m.add_class::<arrow::ArrowTable>()?;
    errors::register(m)?;
    Ok(())
}
