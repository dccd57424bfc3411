//! `vantage-datafusion-udf DATASET_DIR [WORKSPACE]`: counts which variant of the home page's hero
//! every visitor of a partitioned Parquet dataset sees, once with DataFusion and the
//! `vantage_variant` UDF, once row by row without DataFusion, and fails unless both agree.
//! `scripts/datafusion-proof` makes the dataset and runs it.

use datafusion::arrow::array::{Array, AsArray};
use datafusion::arrow::datatypes::Int64Type;
use datafusion::arrow::util::pretty::pretty_format_batches;
use datafusion::functions_aggregate::expr_fn::count;
use datafusion::logical_expr::ScalarUDF;
use datafusion::prelude::{col, ident, lit, ParquetReadOptions, SessionContext};
use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Instant;
use vantage_datafusion_udf::{count_directly, partitions, Decider, VariantUdf};

const PAGE: &str = "home";
const SLOT: &str = "hero";

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let Some(dataset) = args.next() else {
        return Err("usage: vantage-datafusion-udf DATASET_DIR [WORKSPACE]".into());
    };
    let workspace =
        args.next().map(PathBuf::from).unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../fixtures/demo-store"));
    let decider = Arc::new(Decider::open(&workspace)?);
    let files = partitions(dataset.as_ref())?;
    if files.is_empty() {
        return Err(format!("{dataset} holds no .parquet files").into());
    }

    let ctx = SessionContext::new();
    ctx.register_parquet("visitors", &dataset, ParquetReadOptions::default()).await?;
    let table = ctx.table("visitors").await?;
    // Every column of the table, in the table's order: the UDF is told their names up front.
    let columns: Vec<String> = table.schema().fields().iter().map(|f| f.name().clone()).collect();
    let udf = ScalarUDF::from(VariantUdf::new(decider.clone(), columns.clone()));
    ctx.register_udf(udf.clone());

    // Built with the DataFrame API (this DataFusion has no SQL parser); it plans the same as:
    let quoted: Vec<String> = columns.iter().map(|c| format!("\"{c}\"")).collect();
    println!(
        "SELECT vantage_variant('{PAGE}', '{SLOT}', {}) AS variant, count(*) AS visitors\n  FROM visitors GROUP BY variant ORDER BY visitors DESC, variant\n",
        quoted.join(", ")
    );
    // `ident`, not `col`: `col("request.country")` would read as column `country` of table `request`.
    let mut call = vec![lit(PAGE), lit(SLOT)];
    call.extend(columns.iter().map(ident));
    let started = Instant::now();
    let batches = table
        .aggregate(vec![udf.call(call).alias("variant")], vec![count(lit(1)).alias("visitors")])?
        .sort(vec![col("visitors").sort(false, true), col("variant").sort(true, true)])?
        .collect()
        .await?;
    let query_time = started.elapsed();
    println!("{}", pretty_format_batches(&batches)?);

    let mut by_datafusion = BTreeMap::new();
    for batch in &batches {
        let (variants, visitors) = (batch.column(0).as_string::<i32>(), batch.column(1).as_primitive::<Int64Type>());
        for row in 0..batch.num_rows() {
            let variant = if variants.is_null(row) { "(null)" } else { variants.value(row) };
            by_datafusion.insert(variant.to_owned(), u64::try_from(visitors.value(row))?);
        }
    }

    let started = Instant::now();
    let by_engine = count_directly(&decider, &files, PAGE, SLOT)?;
    let direct_time = started.elapsed();

    if by_datafusion != by_engine {
        return Err(format!("DataFusion and the engine disagree:\n  DataFusion: {by_datafusion:?}\n  engine:     {by_engine:?}").into());
    }
    let visitors: u64 = by_engine.values().sum();
    println!("DataFusion and the engine agree on {visitors} visitors over {} partitions", files.len());
    println!(
        "query: {:.3} s with DataFusion ({} target partitions); {:.3} s row by row without it; decided as of {}",
        query_time.as_secs_f64(),
        ctx.copied_config().target_partitions(),
        direct_time.as_secs_f64(),
        decider.clock()
    );
    Ok(())
}
