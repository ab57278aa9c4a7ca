//! The sketch as SQL functions, for the rollups and for analysts:
//!
//! - `sketch_build(value)`: aggregate, the sketch of the non-null values (NULL when there are none);
//! - `sketch_merge(sketch)`: aggregate, the sketch of every value of the non-null sketches;
//! - `sketch_quantile(sketch, q)`: the `q`-quantile (`q` a DOUBLE in [0, 1]), within 1% of
//!   `percentile_cont(q)` over the same values;
//! - `sketch_count(sketch)`: how many values the sketch holds.

use std::sync::Arc;

use datafusion::arrow::array::{
    Array, ArrayRef, AsArray, BinaryArray, BinaryViewArray, BooleanArray, Float64Array, Int64Array,
    LargeBinaryArray,
};
use datafusion::arrow::compute::cast;
use datafusion::arrow::datatypes::{DataType, Field, FieldRef, Float64Type};
use datafusion::common::{DataFusionError, Result, ScalarValue, exec_err};
use datafusion::logical_expr::function::{AccumulatorArgs, StateFieldsArgs};
use datafusion::logical_expr::{
    Accumulator, AggregateUDF, AggregateUDFImpl, ColumnarValue, EmitTo, GroupsAccumulator,
    ScalarFunctionArgs, ScalarUDF, ScalarUDFImpl, Signature, TypeSignature, Volatility,
};
use datafusion::prelude::SessionContext;

use crate::{DenseSketch, Sketch, SketchError, stored_count, stored_quantile};

/// Registers the four functions in a session.
pub fn register(ctx: &SessionContext) {
    ctx.register_udaf(AggregateUDF::from(SketchAggregate::build()));
    ctx.register_udaf(AggregateUDF::from(SketchAggregate::merge()));
    ctx.register_udf(ScalarUDF::from(SketchQuantile::new()));
    ctx.register_udf(ScalarUDF::from(SketchCount::new()));
}

const BINARY_TYPES: [DataType; 3] = [
    DataType::Binary,
    DataType::BinaryView,
    DataType::LargeBinary,
];

fn sketch_signature(extra: &[DataType]) -> Signature {
    let variants = BINARY_TYPES
        .iter()
        .map(|binary| {
            let mut types = vec![binary.clone()];
            types.extend_from_slice(extra);
            TypeSignature::Exact(types)
        })
        .collect();
    Signature::one_of(variants, Volatility::Immutable)
}

/// A column of stored sketches read in place, whatever binary type the scan produced (Parquet
/// scans give views): no copy of the bytes, which each function reads once.
enum StoredColumn<'a> {
    View(&'a BinaryViewArray),
    Binary(&'a BinaryArray),
    Large(&'a LargeBinaryArray),
}

impl<'a> StoredColumn<'a> {
    fn new(function: &str, array: &'a ArrayRef) -> Result<Self> {
        if let Some(view) = array.as_binary_view_opt() {
            Ok(StoredColumn::View(view))
        } else if let Some(binary) = array.as_binary_opt::<i32>() {
            Ok(StoredColumn::Binary(binary))
        } else if let Some(large) = array.as_binary_opt::<i64>() {
            Ok(StoredColumn::Large(large))
        } else {
            exec_err!(
                "{function} takes sketches (binary), not {}",
                array.data_type()
            )
        }
    }

    fn len(&self) -> usize {
        match self {
            StoredColumn::View(a) => a.len(),
            StoredColumn::Binary(a) => a.len(),
            StoredColumn::Large(a) => a.len(),
        }
    }

    /// Row `row`'s bytes, `None` when it is NULL.
    fn get(&self, row: usize) -> Option<&'a [u8]> {
        match self {
            StoredColumn::View(a) => a.is_valid(row).then(|| a.value(row)),
            StoredColumn::Binary(a) => a.is_valid(row).then(|| a.value(row)),
            StoredColumn::Large(a) => a.is_valid(row).then(|| a.value(row)),
        }
    }
}

/// A stored sketch that cannot be read, as the error of the SQL function that read it.
fn execution_error(function: &str, error: SketchError) -> DataFusionError {
    DataFusionError::Execution(format!("{function}: {error}"))
}

/// `sketch_build` (values in) and `sketch_merge` (sketches in) share their accumulator.
#[derive(Debug, PartialEq, Eq, Hash)]
struct SketchAggregate {
    name: &'static str,
    merges_sketches: bool,
    signature: Signature,
}

impl SketchAggregate {
    fn build() -> Self {
        SketchAggregate {
            name: "sketch_build",
            merges_sketches: false,
            // Any number coerces to DOUBLE.
            signature: Signature::uniform(1, vec![DataType::Float64], Volatility::Immutable),
        }
    }

    fn merge() -> Self {
        SketchAggregate {
            name: "sketch_merge",
            merges_sketches: true,
            signature: sketch_signature(&[]),
        }
    }
}

impl AggregateUDFImpl for SketchAggregate {
    fn name(&self) -> &str {
        self.name
    }

    fn signature(&self) -> &Signature {
        &self.signature
    }

    fn return_type(&self, _args: &[DataType]) -> Result<DataType> {
        Ok(DataType::Binary)
    }

    /// One sketch, for an aggregate without groups or a window (`sketch_merge(..) OVER (..)`):
    /// dense when merging, as in `create_groups_accumulator`.
    fn accumulator(&self, _args: AccumulatorArgs) -> Result<Box<dyn Accumulator>> {
        if self.merges_sketches {
            Ok(Box::new(SketchAccumulator::<DenseSketch>::new(
                self.name, true,
            )))
        } else {
            Ok(Box::new(SketchAccumulator::<Sketch>::new(self.name, false)))
        }
    }

    fn groups_accumulator_supported(&self, _args: AccumulatorArgs) -> bool {
        true
    }

    /// One sketch per group, updated row by row: DataFusion's generic adapter would instead
    /// sort each batch by group and call a per-group accumulator on every slice, which costs
    /// more than the sketches themselves when groups are many (the rollups have one per hour,
    /// model and provider). Building, groups are many with few values each, so they hold sparse
    /// sketches; merging, few groups take many stored sketches each, so they hold dense ones.
    fn create_groups_accumulator(
        &self,
        _args: AccumulatorArgs,
    ) -> Result<Box<dyn GroupsAccumulator>> {
        if self.merges_sketches {
            Ok(Box::new(SketchGroups::<DenseSketch>::new(self.name, true)))
        } else {
            Ok(Box::new(SketchGroups::<Sketch>::new(self.name, false)))
        }
    }

    fn state_fields(&self, args: StateFieldsArgs) -> Result<Vec<FieldRef>> {
        Ok(vec![Arc::new(Field::new(
            format!("{}_sketch", args.name),
            DataType::Binary,
            true,
        ))])
    }
}

#[derive(Debug)]
struct SketchAccumulator<S> {
    name: &'static str,
    merges_sketches: bool,
    sketch: S,
}

impl<S: GroupSketch> SketchAccumulator<S> {
    fn new(name: &'static str, merges_sketches: bool) -> Self {
        SketchAccumulator {
            name,
            merges_sketches,
            sketch: S::default(),
        }
    }

    fn merge_sketches(&mut self, column: &ArrayRef) -> Result<()> {
        let column = StoredColumn::new(self.name, column)?;
        for bytes in (0..column.len()).filter_map(|row| column.get(row)) {
            self.sketch
                .merge_stored(bytes)
                .map_err(|e| execution_error(self.name, e))?;
        }
        Ok(())
    }

    fn output(&self) -> ScalarValue {
        ScalarValue::Binary(self.sketch.stored())
    }
}

impl<S: GroupSketch> Accumulator for SketchAccumulator<S> {
    fn update_batch(&mut self, values: &[ArrayRef]) -> Result<()> {
        let Some(column) = values.first() else {
            return exec_err!("{} takes one argument", self.name);
        };
        if self.merges_sketches {
            return self.merge_sketches(column);
        }
        let column = cast(column, &DataType::Float64)?;
        let column = column.as_primitive::<Float64Type>();
        if column.null_count() == 0 {
            column.values().iter().for_each(|&v| self.sketch.add(v));
        } else {
            column.iter().flatten().for_each(|v| self.sketch.add(v));
        }
        Ok(())
    }

    fn merge_batch(&mut self, states: &[ArrayRef]) -> Result<()> {
        match states.first() {
            Some(column) => self.merge_sketches(column),
            None => exec_err!("{}: missing state", self.name),
        }
    }

    fn state(&mut self) -> Result<Vec<ScalarValue>> {
        Ok(vec![self.output()])
    }

    fn evaluate(&mut self) -> Result<ScalarValue> {
        Ok(self.output())
    }

    fn size(&self) -> usize {
        size_of_val(self) + self.sketch.heap_size()
    }
}

/// What a group of [`SketchGroups`] holds.
trait GroupSketch: Default + std::fmt::Debug + Send + Sync + 'static {
    fn add(&mut self, value: f64);
    fn merge_stored(&mut self, bytes: &[u8]) -> std::result::Result<(), SketchError>;
    fn heap_size(&self) -> usize;
    /// The stored form, `None` for an empty sketch (the aggregate of no values is NULL).
    fn stored(&self) -> Option<Vec<u8>>;
}

impl GroupSketch for Sketch {
    fn add(&mut self, value: f64) {
        Sketch::add(self, value);
    }

    fn merge_stored(&mut self, bytes: &[u8]) -> std::result::Result<(), SketchError> {
        self.merge(&Sketch::from_bytes(bytes)?);
        Ok(())
    }

    fn heap_size(&self) -> usize {
        Sketch::heap_size(self)
    }

    fn stored(&self) -> Option<Vec<u8>> {
        (!self.is_empty()).then(|| self.to_bytes())
    }
}

impl GroupSketch for DenseSketch {
    fn add(&mut self, value: f64) {
        DenseSketch::add(self, value);
    }

    fn merge_stored(&mut self, bytes: &[u8]) -> std::result::Result<(), SketchError> {
        DenseSketch::merge_stored(self, bytes)
    }

    fn heap_size(&self) -> usize {
        DenseSketch::heap_size(self)
    }

    fn stored(&self) -> Option<Vec<u8>> {
        (!self.is_empty()).then(|| DenseSketch::to_bytes(self))
    }
}

/// The sketches of many groups at once (see `create_groups_accumulator`).
#[derive(Debug)]
struct SketchGroups<S> {
    name: &'static str,
    merges_sketches: bool,
    sketches: Vec<S>,
    /// The sketches' heap bytes, kept as they change: `size` is asked after every batch.
    heap: usize,
}

/// Whether row `row` passes the optional filter (a NULL filter value does not).
fn selected(filter: Option<&BooleanArray>, row: usize) -> bool {
    filter.is_none_or(|f| f.is_valid(row) && f.value(row))
}

impl<S: GroupSketch> SketchGroups<S> {
    fn new(name: &'static str, merges_sketches: bool) -> Self {
        SketchGroups {
            name,
            merges_sketches,
            sketches: Vec::new(),
            heap: 0,
        }
    }

    fn merge_rows(
        &mut self,
        column: &ArrayRef,
        group_indices: &[usize],
        filter: Option<&BooleanArray>,
    ) -> Result<()> {
        let column = StoredColumn::new(self.name, column)?;
        for (row, &group) in group_indices.iter().enumerate() {
            let Some(bytes) = column.get(row).filter(|_| selected(filter, row)) else {
                continue;
            };
            let sketch = &mut self.sketches[group];
            let before = sketch.heap_size();
            sketch
                .merge_stored(bytes)
                .map_err(|e| execution_error(self.name, e))?;
            self.heap = self.heap + sketch.heap_size() - before;
        }
        Ok(())
    }

    fn emit(&mut self, emit_to: EmitTo) -> ArrayRef {
        let taken = emit_to.take_needed(&mut self.sketches);
        self.heap = self.sketches.iter().map(S::heap_size).sum();
        Arc::new(taken.iter().map(S::stored).collect::<BinaryArray>())
    }
}

impl<S: GroupSketch> GroupsAccumulator for SketchGroups<S> {
    fn update_batch(
        &mut self,
        values: &[ArrayRef],
        group_indices: &[usize],
        opt_filter: Option<&BooleanArray>,
        total_num_groups: usize,
    ) -> Result<()> {
        let Some(column) = values.first() else {
            return exec_err!("{} takes one argument", self.name);
        };
        self.sketches.resize_with(total_num_groups, S::default);
        if self.merges_sketches {
            return self.merge_rows(column, group_indices, opt_filter);
        }
        let column = cast(column, &DataType::Float64)?;
        let column = column.as_primitive::<Float64Type>();
        for (row, &group) in group_indices.iter().enumerate() {
            if column.is_null(row) || !selected(opt_filter, row) {
                continue;
            }
            let sketch = &mut self.sketches[group];
            let before = sketch.heap_size();
            sketch.add(column.value(row));
            self.heap = self.heap + sketch.heap_size() - before;
        }
        Ok(())
    }

    fn evaluate(&mut self, emit_to: EmitTo) -> Result<ArrayRef> {
        Ok(self.emit(emit_to))
    }

    fn state(&mut self, emit_to: EmitTo) -> Result<Vec<ArrayRef>> {
        Ok(vec![self.emit(emit_to)])
    }

    fn merge_batch(
        &mut self,
        values: &[ArrayRef],
        group_indices: &[usize],
        total_num_groups: usize,
    ) -> Result<()> {
        let Some(column) = values.first() else {
            return exec_err!("{}: missing state", self.name);
        };
        self.sketches.resize_with(total_num_groups, S::default);
        self.merge_rows(column, group_indices, None)
    }

    /// Each row as its own group: its one-value sketch (or, merging, its sketch as it is).
    fn convert_to_state(
        &self,
        values: &[ArrayRef],
        opt_filter: Option<&BooleanArray>,
    ) -> Result<Vec<ArrayRef>> {
        let Some(column) = values.first() else {
            return exec_err!("{} takes one argument", self.name);
        };
        let states: BinaryArray = if self.merges_sketches {
            let column = StoredColumn::new(self.name, column)?;
            (0..column.len())
                .map(|row| column.get(row).filter(|_| selected(opt_filter, row)))
                .collect()
        } else {
            let column = cast(column, &DataType::Float64)?;
            let column = column.as_primitive::<Float64Type>();
            (0..column.len())
                .map(|row| {
                    if column.is_null(row) || !selected(opt_filter, row) {
                        return None;
                    }
                    let mut sketch = Sketch::new();
                    sketch.add(column.value(row));
                    (!sketch.is_empty()).then(|| sketch.to_bytes())
                })
                .collect()
        };
        Ok(vec![Arc::new(states)])
    }

    fn size(&self) -> usize {
        self.sketches.capacity() * size_of::<S>() + self.heap
    }
}

#[derive(Debug, PartialEq, Eq, Hash)]
struct SketchQuantile {
    signature: Signature,
}

impl SketchQuantile {
    fn new() -> Self {
        SketchQuantile {
            signature: sketch_signature(&[DataType::Float64]),
        }
    }
}

impl ScalarUDFImpl for SketchQuantile {
    fn name(&self) -> &str {
        "sketch_quantile"
    }

    fn signature(&self) -> &Signature {
        &self.signature
    }

    fn return_type(&self, _args: &[DataType]) -> Result<DataType> {
        Ok(DataType::Float64)
    }

    fn invoke_with_args(&self, args: ScalarFunctionArgs) -> Result<ColumnarValue> {
        let arrays = ColumnarValue::values_to_arrays(&args.args)?;
        let [sketches, quantiles] = arrays.as_slice() else {
            return exec_err!("sketch_quantile takes a sketch and a quantile");
        };
        let sketches = StoredColumn::new("sketch_quantile", sketches)?;
        let quantiles = quantiles.as_primitive::<Float64Type>();
        let mut out = Vec::with_capacity(sketches.len());
        for (row, q) in quantiles.iter().enumerate() {
            let (Some(bytes), Some(q)) = (sketches.get(row), q) else {
                out.push(None);
                continue;
            };
            if !(0.0..=1.0).contains(&q) {
                return exec_err!("sketch_quantile: the quantile must be in [0, 1], not {q}");
            }
            out.push(stored_quantile(bytes, q).map_err(|e| execution_error("sketch_quantile", e))?);
        }
        Ok(ColumnarValue::Array(Arc::new(Float64Array::from(out))))
    }
}

#[derive(Debug, PartialEq, Eq, Hash)]
struct SketchCount {
    signature: Signature,
}

impl SketchCount {
    fn new() -> Self {
        SketchCount {
            signature: sketch_signature(&[]),
        }
    }
}

impl ScalarUDFImpl for SketchCount {
    fn name(&self) -> &str {
        "sketch_count"
    }

    fn signature(&self) -> &Signature {
        &self.signature
    }

    fn return_type(&self, _args: &[DataType]) -> Result<DataType> {
        Ok(DataType::Int64)
    }

    fn invoke_with_args(&self, args: ScalarFunctionArgs) -> Result<ColumnarValue> {
        let arrays = ColumnarValue::values_to_arrays(&args.args)?;
        let Some(sketches) = arrays.first() else {
            return exec_err!("sketch_count takes a sketch");
        };
        let sketches = StoredColumn::new("sketch_count", sketches)?;
        let counts = (0..sketches.len())
            .map(|row| {
                sketches
                    .get(row)
                    .map(|bytes| {
                        let count =
                            stored_count(bytes).map_err(|e| execution_error("sketch_count", e))?;
                        Ok(i64::try_from(count).unwrap_or(i64::MAX))
                    })
                    .transpose()
            })
            .collect::<Result<Int64Array>>()?;
        Ok(ColumnarValue::Array(Arc::new(counts)))
    }
}
