//! Mergeable quantile sketches: the TTFT and throughput percentiles of the hourly rollups, and
//! the SQL functions that build, merge and read them.

mod ddsketch;
pub mod udf;

pub use ddsketch::{
    DenseSketch, RELATIVE_ACCURACY, Sketch, SketchError, stored_count, stored_quantile,
};
