//! `ordinance_arrow::evaluate` gives, row by row, what evaluating each row
//! alone gives, whatever the batches, chunks and Arrow types of the input;
//! output columns have one type over all batches.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing, missing_docs)]

use arrow_array::builder::StringDictionaryBuilder;
use arrow_array::cast::AsArray;
use arrow_array::types::Int8Type;
use arrow_array::types::{Decimal128Type, Int64Type};
use arrow_array::{Array, ArrayRef, Decimal128Array, Float64Array, Int64Array, RecordBatch, StringArray};
use arrow_schema::{DataType, Field, Schema, SchemaRef};
use ordinance_arrow::{evaluate, Error, Options};
use ordinance_core::{Date, Engine, EvalOptions, Number, Value};
use proptest::prelude::*;
use std::sync::{Arc, OnceLock};

fn engine() -> &'static Engine {
    static E: OnceLock<Engine> = OnceLock::new();
    E.get_or_init(|| Engine::load_dir(concat!(env!("CARGO_MANIFEST_DIR"), "/../rules")).unwrap())
}

fn opts() -> EvalOptions {
    EvalOptions { as_of: Date::parse("2024-06-30").ok(), ..EvalOptions::default() }
}

fn one(schema_field: Field, array: ArrayRef) -> (SchemaRef, RecordBatch) {
    let schema = Arc::new(Schema::new(vec![schema_field]));
    let batch = RecordBatch::try_new(schema.clone(), vec![array]).unwrap();
    (schema, batch)
}

const FREQ: &str = "energy_safety.inspection_frequency";
const TAX: &str = "individual_income_tax.annual_tax";

proptest! {
    #![proptest_config(ProptestConfig { cases: 48, failure_persistence: Some(Box::new(
        proptest::test_runner::FileFailurePersistence::Direct("proptest-regressions/arrow_evaluate.txt"))), ..ProptestConfig::default() })]

    #[test]
    fn text_columns_agree_with_each_row(
        classes in prop::collection::vec(prop::option::of(prop::sample::select(vec!["A", "B", "C", "D", "E"])), 0..60),
        split in 0usize..60,
        chunk in 1usize..9,
    ) {
        let p = engine().prepare(FREQ, &opts()).unwrap();
        let array: StringArray = classes.iter().copied().collect();
        let (schema, batch) = one(Field::new("class", DataType::Utf8, true), Arc::new(array));
        let cut = split.min(batch.num_rows());
        let batches = vec![Ok(batch.slice(0, cut)), Ok(batch.slice(cut, batch.num_rows() - cut))];
        let o = Options { chunk_rows: chunk, error_column: Some("error".into()), ..Options::default() };
        let out = evaluate(&p, &schema, batches, &o).unwrap();
        prop_assert_eq!(out.rows, classes.len());
        let mut row = 0;
        let mut failed = 0;
        for b in &out.batches {
            let visits = b.column_by_name("visits_per_year").unwrap().as_primitive::<Int64Type>();
            let mode = b.column_by_name("mode").unwrap().as_dictionary::<Int8Type>();
            let errors = b.column_by_name("error").unwrap().as_string::<i32>();
            for i in 0..b.num_rows() {
                let alone = p.evaluate_values(vec![classes[row].map(Value::text)]);
                match alone {
                    Ok(vs) => {
                        prop_assert_eq!(Value::int(visits.value(i)), vs[1].clone());
                        let names = mode.values().as_string::<i32>();
                        let key = mode.keys().value(i) as usize;
                        prop_assert_eq!(Value::text(names.value(key)), vs[0].clone());
                        prop_assert!(errors.is_null(i));
                    }
                    Err(e) => {
                        failed += 1;
                        prop_assert!(visits.is_null(i) && mode.is_null(i));
                        prop_assert_eq!(errors.value(i), e.to_string());
                        if failed == 1 {
                            prop_assert_eq!(out.first_error.as_ref().map(|(r, _)| *r), Some(row));
                        }
                    }
                }
                row += 1;
            }
        }
        prop_assert_eq!(out.failed, failed);
    }

    #[test]
    fn decimal_columns_round_trip_exactly(cents in prop::collection::vec(prop::option::of(0i128..200_000_000), 0..40)) {
        let p = engine().prepare(TAX, &opts()).unwrap();
        let array = Decimal128Array::from(cents.clone()).with_precision_and_scale(12, 2).unwrap();
        let (schema, batch) = one(Field::new("taxable", DataType::Decimal128(12, 2), true), Arc::new(array));
        let out = evaluate(&p, &schema, [Ok(batch)], &Options::default()).unwrap();
        let b = &out.batches[0];
        let tax = b.column_by_name("tax").unwrap();
        prop_assert_eq!(tax.data_type(), &DataType::Decimal128(38, 2));
        let tax = tax.as_primitive::<Decimal128Type>();
        for (i, c) in cents.iter().enumerate() {
            match c {
                None => prop_assert!(tax.is_null(i)),
                Some(c) => {
                    let alone = p.evaluate_values(vec![Some(Value::Number(Number::ratio(*c, 100).unwrap()))]).unwrap();
                    prop_assert_eq!(Value::Number(Number::ratio(tax.value(i), 100).unwrap()), alone[2].clone());
                }
            }
        }
    }
}

#[test]
fn dictionary_and_text_forms_read_alike() {
    let p = engine().prepare(FREQ, &opts()).unwrap();
    let mut b = StringDictionaryBuilder::<Int8Type>::new();
    for c in ["D", "A", "D", "B"] {
        b.append_value(c);
    }
    b.append_null();
    let dict = b.finish();
    let (schema, batch) = one(Field::new("class", dict.data_type().clone(), true), Arc::new(dict));
    let o = Options { error_column: Some("error".into()), ..Options::default() };
    let from_dict = evaluate(&p, &schema, [Ok(batch)], &o).unwrap();
    let text: StringArray = vec![Some("D"), Some("A"), Some("D"), Some("B"), None].into_iter().collect();
    let (schema, batch) = one(Field::new("class", DataType::Utf8, true), Arc::new(text));
    let from_text = evaluate(&p, &schema, [Ok(batch)], &o).unwrap();
    let a = from_dict.batches[0].column_by_name("visits_per_year").unwrap();
    let b = from_text.batches[0].column_by_name("visits_per_year").unwrap();
    assert_eq!(a.as_primitive::<Int64Type>().values(), b.as_primitive::<Int64Type>().values());
    assert_eq!(from_dict.failed, 1);
    assert!(from_dict.batches[0]
        .column_by_name("error")
        .unwrap()
        .as_string::<i32>()
        .value(4)
        .contains("missing input"));
}

#[test]
fn floats_are_refused_unless_allowed_and_then_read_by_their_shortest_form() {
    let p = engine().prepare(TAX, &opts()).unwrap();
    let (schema, batch) =
        one(Field::new("taxable", DataType::Float64, true), Arc::new(Float64Array::from(vec![36000.1, 0.5])));
    let refused = evaluate(&p, &schema, [Ok(batch.clone())], &Options::default()).unwrap();
    assert_eq!(refused.failed, 2);
    assert!(refused.first_error.unwrap().1.to_string().contains("not exact"));
    let read = evaluate(&p, &schema, [Ok(batch)], &Options { allow_float: true, ..Options::default() }).unwrap();
    assert_eq!(read.failed, 0);
    let alone = p.evaluate_values(vec![Some(Value::Number(Number::parse("36000.1").unwrap()))]).unwrap();
    let tax = read.batches[0].column_by_name("tax").unwrap().as_primitive::<Decimal128Type>().value(0);
    assert_eq!(Value::Number(Number::ratio(tax, 100).unwrap()), alone[2]);
}

#[test]
fn numbers_widen_over_batches_to_one_exact_type() {
    let p = engine().prepare(TAX, &opts()).unwrap();
    // integers, then a value needing two places, then a third batch of integers
    let schema: SchemaRef = Arc::new(Schema::new(vec![Field::new("taxable", DataType::Int64, true)]));
    let batch = |v: Vec<i64>| RecordBatch::try_new(schema.clone(), vec![Arc::new(Int64Array::from(v)) as ArrayRef]);
    let out = evaluate(&p, &schema, [batch(vec![0, 36000]), batch(vec![36001]), batch(vec![1])], &Options::default())
        .unwrap();
    let rate_types: Vec<DataType> =
        out.batches.iter().map(|b| b.column_by_name("rate").unwrap().data_type().clone()).collect();
    assert!(rate_types.iter().all(|t| *t == rate_types[0]), "{rate_types:?}");
    assert_eq!(out.schema.field_with_name("rate").unwrap().data_type(), &rate_types[0]);
    for b in &out.batches {
        let taxable = b.column_by_name("taxable").unwrap().as_primitive::<Int64Type>();
        let rate = b.column_by_name("rate").unwrap();
        for i in 0..b.num_rows() {
            let alone = p.evaluate_values(vec![Some(Value::int(taxable.value(i)))]).unwrap();
            let got = match rate.data_type() {
                DataType::Decimal128(_, s) => {
                    Number::ratio(rate.as_primitive::<Decimal128Type>().value(i), 10i128.pow(*s as u32)).unwrap()
                }
                DataType::Int64 => Number::from_int(rate.as_primitive::<Int64Type>().value(i)),
                other => panic!("rate came out as {other}"),
            };
            assert_eq!(Value::Number(got), alone[0]);
        }
    }
}

#[test]
fn unusable_columns_and_clashes_are_errors_of_the_call() {
    let p = engine().prepare(FREQ, &opts()).unwrap();
    let (schema, batch) = one(Field::new("class", DataType::Int64, true), Arc::new(Int64Array::from(vec![1])));
    match evaluate(&p, &schema, [Ok(batch)], &Options::default()) {
        Err(Error::Eval(e)) => assert!(e.to_string().contains("cannot hold"), "{e}"),
        other => panic!("{other:?}"),
    }
    let (schema, batch) = one(Field::new("klass", DataType::Utf8, true), Arc::new(StringArray::from(vec!["A"])));
    assert!(matches!(evaluate(&p, &schema, [Ok(batch)], &Options::default()), Err(Error::Eval(_))));
    let schema = Arc::new(Schema::new(vec![
        Field::new("class", DataType::Utf8, true),
        Field::new("mode", DataType::Utf8, true),
    ]));
    let batch = RecordBatch::try_new(
        schema.clone(),
        vec![Arc::new(StringArray::from(vec!["A"])) as ArrayRef, Arc::new(StringArray::from(vec!["x"]))],
    )
    .unwrap();
    match evaluate(&p, &schema, [Ok(batch)], &Options::default()) {
        Err(e @ Error::Clash(_)) => assert!(e.to_string().contains("'mode'"), "{e}"),
        other => panic!("{other:?}"),
    }
}

#[test]
fn a_fixed_number_scale_gives_one_decimal_type_and_fails_the_rows_it_cannot_hold() {
    // `exact.share`: each = amount / parts, a number output (1/3 for 1 in 3 parts)
    let dir = std::env::temp_dir().join(format!("ordinance-arrow-scale-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::copy(concat!(env!("CARGO_MANIFEST_DIR"), "/../python/tests/exact_pack.yaml"), dir.join("exact.yaml"))
        .unwrap();
    let engine = Engine::load_dir(&dir).unwrap();
    let p = engine.prepare("exact.share", &EvalOptions { as_of: Date::parse("2024-03-01").ok(), ..opts() }).unwrap();
    let schema: SchemaRef = Arc::new(Schema::new(vec![
        Field::new("amount", DataType::Int64, true),
        Field::new("parts", DataType::Int64, true),
    ]));
    let batch = |a: Vec<i64>, n: Vec<i64>| {
        RecordBatch::try_new(
            schema.clone(),
            vec![Arc::new(Int64Array::from(a)) as ArrayRef, Arc::new(Int64Array::from(n)) as ArrayRef],
        )
    };
    // (at_rate = amount × 1/3 is whole for these amounts) integers only in
    // the first batch, 1/3 in the second, 3/4 in the third
    let input = || [batch(vec![6, 9], vec![3, 3]), batch(vec![1], vec![3]), batch(vec![3], vec![4])];
    let o = Options { number_scale: Some(2), error_column: Some("error".into()), ..Options::default() };
    let out = evaluate(&p, &schema, input(), &o).unwrap();
    assert_eq!(out.schema.field_with_name("each").unwrap().data_type(), &DataType::Decimal128(38, 2));
    let mut got = Vec::new();
    for b in &out.batches {
        assert_eq!(b.column_by_name("each").unwrap().data_type(), &DataType::Decimal128(38, 2));
        let each = b.column_by_name("each").unwrap().as_primitive::<Decimal128Type>();
        let error = b.column_by_name("error").unwrap().as_string::<i32>();
        for i in 0..b.num_rows() {
            got.push(if each.is_null(i) { Err(error.value(i).to_string()) } else { Ok(each.value(i)) });
        }
    }
    assert_eq!(got[0], Ok(200));
    assert_eq!(got[1], Ok(300));
    let third = got[2].clone().unwrap_err();
    assert!(third.contains("output `each` is 1/3, which has no exact decimal of 2 places"), "{third}");
    assert_eq!(got[3], Ok(75));
    assert_eq!((out.failed, out.first_error.as_ref().map(|(i, _)| *i)), (1, Some(2)));
    // without the option the same outputs widen to exact text instead
    let free = evaluate(&p, &schema, input(), &Options::default()).unwrap();
    assert_eq!(free.schema.field_with_name("each").unwrap().data_type(), &DataType::Utf8);
    assert_eq!(free.failed, 0);
    // out of range
    let wide = Options { number_scale: Some(39), ..Options::default() };
    assert!(matches!(evaluate(&p, &schema, input(), &wide), Err(Error::Option(_))));
    let _ = std::fs::remove_dir_all(&dir);
}

/// Spans of years and months are read from an `interval[year_month]` column
/// (or text), and written as their ISO 8601 text, which every frame library
/// reads.
#[test]
fn spans_of_years_and_months_are_year_month_intervals() {
    use arrow_array::{Date32Array, IntervalYearMonthArray};
    use arrow_schema::IntervalUnit;
    let e = Engine::load_dir(concat!(env!("CARGO_MANIFEST_DIR"), "/../examples/language")).unwrap();
    let on = EvalOptions { as_of: Date::parse("2024-03-15").ok(), ..EvalOptions::default() };
    // out: months since the last inspection
    let p = e.prepare("times.due_for_inspection", &on).unwrap();
    let days = |s: &str| i32::try_from(Date::parse(s).unwrap().epoch_days()).unwrap();
    let last = Date32Array::from(vec![days("2022-03-15"), days("2022-03-16")]);
    let (schema, batch) = one(Field::new("last_inspected", DataType::Date32, false), Arc::new(last));
    let out = evaluate(&p, &schema, vec![Ok(batch)], &Options::default()).unwrap();
    let b = &out.batches[0];
    let since = b.column_by_name("since").unwrap().as_string::<i32>();
    assert_eq!((since.value(0), since.value(1)), ("P2Y", "P1Y11M"));
    // in: a span column read by a table
    let p = e.prepare("times.overdue_band", &on).unwrap();
    let spans = IntervalYearMonthArray::from(vec![Some(23), Some(24), None]);
    let (schema, batch) = one(Field::new("since", DataType::Interval(IntervalUnit::YearMonth), true), Arc::new(spans));
    let o = Options { error_column: Some("error".into()), ..Options::default() };
    let out = evaluate(&p, &schema, vec![Ok(batch)], &o).unwrap();
    let b = &out.batches[0];
    let band = b.column_by_name("band").unwrap().as_dictionary::<Int8Type>();
    let names = band.values().as_string::<i32>();
    let at = |i: usize| names.value(band.keys().value(i) as usize).to_string();
    assert_eq!((at(0), at(1)), ("not_yet".to_string(), "due".to_string()));
    assert!(
        b.column_by_name("error").unwrap().as_string::<i32>().value(2).contains("since"),
        "a missing span is an error of its row"
    );
}
