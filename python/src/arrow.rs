//! Arrow tables across the Python boundary through the Arrow PyCapsule
//! interface: any object with `__arrow_c_stream__` (a pyarrow `Table` or
//! `RecordBatchReader`, a polars `DataFrame`, DuckDB, nanoarrow…) or
//! `__arrow_c_array__` (a pyarrow `RecordBatch`) is read without importing
//! the library that made it, and [`ArrowTable`] hands the result back the
//! same way, so `pyarrow.table(result)` or `polars.DataFrame(result)` take
//! it without a copy.
//!
//! This is the only module of the crate with `unsafe` code: taking the C
//! structures out of the capsules the producer made. Exporting needs none
//! (the capsule owns an `FFI_ArrowArrayStream`, whose `Drop` releases it
//! unless the consumer moved it out).
#![allow(unsafe_code)]

use arrow_array::ffi::{from_ffi, FFI_ArrowArray, FFI_ArrowSchema};
use arrow_array::ffi_stream::{ArrowArrayStreamReader, FFI_ArrowArrayStream};
use arrow_array::{Array, RecordBatch, RecordBatchIterator, RecordBatchReader, StructArray};
use arrow_schema::{ArrowError, SchemaRef};
use pyo3::exceptions::{PyTypeError, PyValueError};
use pyo3::prelude::*;
use pyo3::types::{PyCapsule, PyCapsuleMethods, PyTuple};
use std::ffi::CStr;

const STREAM: &CStr = c"arrow_array_stream";
const SCHEMA: &CStr = c"arrow_schema";
const ARRAY: &CStr = c"arrow_array";

/// Record batches read from a Python Arrow object: its schema and a
/// reader that can be drained without the GIL.
pub struct Imported {
    /// The schema of every batch.
    pub schema: SchemaRef,
    /// The batches, read lazily from the producer's stream.
    pub reader: Box<dyn Iterator<Item = Result<RecordBatch, ArrowError>> + Send>,
}

/// True when `obj` speaks the Arrow PyCapsule interface.
pub fn is_arrow(obj: &Bound<'_, PyAny>) -> PyResult<bool> {
    Ok(obj.hasattr(pyo3::intern!(obj.py(), "__arrow_c_stream__"))?
        || obj.hasattr(pyo3::intern!(obj.py(), "__arrow_c_array__"))?)
}

/// Reads an Arrow object: through its stream when it has one, else its
/// one array (which must be a struct array: a record batch).
///
/// # Errors
/// `TypeError` when `obj` has neither method or hands back something that
/// is not the capsule the interface names; `ValueError` when the Arrow
/// data cannot be imported.
pub fn import(obj: &Bound<'_, PyAny>) -> PyResult<Imported> {
    let py = obj.py();
    if obj.hasattr(pyo3::intern!(py, "__arrow_c_stream__"))? {
        let capsule = obj.call_method0(pyo3::intern!(py, "__arrow_c_stream__"))?;
        let capsule = capsule.cast::<PyCapsule>().map_err(|_| {
            PyTypeError::new_err("__arrow_c_stream__() did not return a PyCapsule named \"arrow_array_stream\"")
        })?;
        let ptr = capsule.pointer_checked(Some(STREAM))?;
        // SAFETY: the capsule is named "arrow_array_stream", so by the
        // PyCapsule interface it points to a valid `struct ArrowArrayStream`
        // that the producer keeps alive until the capsule is destroyed.
        // `from_raw` moves the stream out and leaves a released one behind
        // (release = NULL), so the producer's capsule destructor does not
        // release it a second time.
        let stream = unsafe { FFI_ArrowArrayStream::from_raw(ptr.as_ptr().cast::<FFI_ArrowArrayStream>()) };
        let reader = ArrowArrayStreamReader::try_new(stream)
            .map_err(|e| PyValueError::new_err(format!("cannot read the Arrow stream: {e}")))?;
        let schema = reader.schema();
        // a producer's buffers are checked against what its arrays claim
        // before anything reads them: a lying producer gets an error, not
        // a panic or a read out of bounds
        let checked = reader.map(|b| {
            let b = b?;
            for c in b.columns() {
                c.to_data().validate_full()?;
            }
            Ok(b)
        });
        return Ok(Imported { schema, reader: Box::new(checked) });
    }
    if obj.hasattr(pyo3::intern!(py, "__arrow_c_array__"))? {
        let pair = obj.call_method0(pyo3::intern!(py, "__arrow_c_array__"))?;
        let pair = pair
            .cast::<PyTuple>()
            .map_err(|_| PyTypeError::new_err("__arrow_c_array__() did not return a (schema, array) tuple"))?;
        let schema_capsule = pair.get_item(0)?;
        let array_capsule = pair.get_item(1)?;
        let bad =
            || PyTypeError::new_err("__arrow_c_array__() did not return two PyCapsules (arrow_schema, arrow_array)");
        let schema_capsule = schema_capsule.cast::<PyCapsule>().map_err(|_| bad())?;
        let array_capsule = array_capsule.cast::<PyCapsule>().map_err(|_| bad())?;
        let schema_ptr = schema_capsule.pointer_checked(Some(SCHEMA))?;
        let array_ptr = array_capsule.pointer_checked(Some(ARRAY))?;
        // SAFETY: by the interface the capsules point to a valid
        // `struct ArrowSchema` (borrowed: the capsule keeps ownership and
        // releases it) and a valid `struct ArrowArray`, which `from_raw`
        // moves out (leaving release = NULL for the capsule's destructor).
        // `from_ffi` checks the array against the schema as it imports.
        let data = unsafe {
            let schema = &*schema_ptr.as_ptr().cast::<FFI_ArrowSchema>();
            let array = FFI_ArrowArray::from_raw(array_ptr.as_ptr().cast::<FFI_ArrowArray>());
            from_ffi(array, schema)
        }
        .map_err(|e| PyValueError::new_err(format!("cannot import the Arrow array: {e}")))?;
        data.validate_full().map_err(|e| PyValueError::new_err(format!("the Arrow array is not valid: {e}")))?;
        if !matches!(data.data_type(), arrow_schema::DataType::Struct(_)) {
            return Err(PyTypeError::new_err(format!(
                "an Arrow array of type {} is not a table; give a record batch, a table or a data frame",
                data.data_type()
            )));
        }
        let batch = RecordBatch::from(StructArray::from(data));
        let schema = batch.schema();
        return Ok(Imported { schema, reader: Box::new(std::iter::once(Ok(batch))) });
    }
    Err(PyTypeError::new_err(format!(
        "a {} is not an Arrow table (it has neither __arrow_c_stream__ nor __arrow_c_array__)",
        obj.get_type().name()?
    )))
}

/// A table of Arrow record batches that Python Arrow libraries read through
/// `__arrow_c_stream__`: `pyarrow.table(t)`, `polars.DataFrame(t)`,
/// `pyarrow.RecordBatchReader.from_stream(t)`. It may be read any number
/// of times; each read shares the same buffers.
#[pyclass(frozen, module = "ordinance._native", name = "ArrowTable")]
pub struct ArrowTable {
    schema: SchemaRef,
    batches: Vec<RecordBatch>,
}

impl ArrowTable {
    /// A table of these batches (all of `schema`).
    pub fn new(schema: SchemaRef, batches: Vec<RecordBatch>) -> ArrowTable {
        ArrowTable { schema, batches }
    }
}

#[pymethods]
impl ArrowTable {
    /// The Arrow PyCapsule stream interface. A requested schema is not
    /// honoured (the interface lets a producer ignore it): the table comes
    /// in its own schema.
    #[pyo3(signature = (requested_schema = None))]
    fn __arrow_c_stream__<'py>(
        &self,
        py: Python<'py>,
        requested_schema: Option<&Bound<'py, PyAny>>,
    ) -> PyResult<Bound<'py, PyCapsule>> {
        let _ = requested_schema;
        let reader = RecordBatchIterator::new(self.batches.clone().into_iter().map(Ok), self.schema.clone());
        let stream = FFI_ArrowArrayStream::new(Box::new(reader) as Box<dyn RecordBatchReader + Send>);
        PyCapsule::new_with_value(py, stream, STREAM)
    }

    /// Rows over all batches.
    #[getter]
    fn num_rows(&self) -> usize {
        self.batches.iter().map(RecordBatch::num_rows).sum()
    }

    /// The column names, in order.
    #[getter]
    fn column_names(&self) -> Vec<String> {
        self.schema.fields().iter().map(|f| f.name().clone()).collect()
    }

    /// Bytes held by the table's buffers (shared buffers counted once per
    /// array that uses them).
    #[getter]
    fn nbytes(&self) -> usize {
        self.batches.iter().map(|b| b.columns().iter().map(|c| c.get_array_memory_size()).sum::<usize>()).sum()
    }

    fn __len__(&self) -> usize {
        self.num_rows()
    }

    fn __repr__(&self) -> String {
        let columns: Vec<String> =
            self.schema.fields().iter().map(|f| format!("{}: {}", f.name(), f.data_type())).collect();
        format!("<ordinance.ArrowTable {} rows; {}>", self.num_rows(), columns.join(", "))
    }
}
