//! What a new version of a dataset changes against the one it would replace, row
//! by row on the contract's primary key: rows added, removed and changed (a value
//! differs), and the periods (partition values) they fall in. The steward sees it
//! after an upload and the reviewer before signing it off.

use std::collections::BTreeSet;
use std::path::Path;

use md2030_model::Contract;
use polars::prelude::*;

use crate::{Error, Result};

/// The row differences between two versions of one dataset.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RowDiff {
    pub added: u64,
    pub removed: u64,
    /// Same key, some other value differs.
    pub changed: u64,
    pub unchanged: u64,
    /// Partition values (periods, years) of the rows added, removed or changed,
    /// sorted; empty for a dataset without a partition key.
    pub periods: Vec<String>,
}

/// Most partitions the comparison narrows to; beyond, every row is compared.
const MAX_NARROWED_PARTITIONS: usize = 64;

const IN_OLD: &str = "__md2030_in_old";
const IN_NEW: &str = "__md2030_in_new";
const OLD_SUFFIX: &str = "__md2030_old";

fn column_names(frame: &mut LazyFrame) -> Result<Vec<String>> {
    Ok(frame.collect_schema()?.iter_names().map(|n| n.to_string()).collect())
}

fn count(frame: LazyFrame) -> Result<u64> {
    let counted = frame.select([len().alias("n")]).collect()?;
    let n = counted.column("n")?.u32()?.get(0).unwrap_or(0);
    Ok(u64::from(n))
}

/// The partition values of `frame`'s rows, as text.
fn partition_values(frame: LazyFrame, column: &str) -> Result<BTreeSet<String>> {
    let values = frame
        .select([col(column).cast(DataType::String).alias("p")])
        .unique(None, UniqueKeepStrategy::Any)
        .collect()?;
    Ok(values.column("p")?.str()?.iter().flatten().map(str::to_string).collect())
}

/// Compares `new` with `old`, two stored versions of `contract`'s dataset. When
/// `only` names the partitions the new file brought (the rest of the new version
/// was copied from `old`), only those partitions are compared.
pub fn versions(
    contract: &Contract,
    old: &Path,
    new: &Path,
    only: Option<&[String]>,
) -> Result<RowDiff> {
    let key: Vec<String> = contract.primary_key.clone();
    if key.is_empty() {
        return Err(Error::Polars(format!("{} has no primary key to compare on", contract.name)));
    }
    let partition = match contract.partition_key.as_slice() {
        [one] => Some(one.clone()),
        _ => None,
    };
    // Each version read once, narrowed to the partitions compared as it is read.
    let narrow: Option<(String, BTreeSet<String>)> = match (&partition, only) {
        (Some(column), Some(only)) if !only.is_empty() && only.len() <= MAX_NARROWED_PARTITIONS => {
            Some((column.clone(), only.iter().cloned().collect()))
        }
        _ => None,
    };
    let keep = narrow.as_ref().map(|(column, values)| (column.as_str(), values));
    // The two versions read side by side, one thread each.
    let (old, new) = std::thread::scope(|scope| {
        let old = scope.spawn(|| crate::stored::read(old, None, keep, None));
        let new = crate::stored::read(new, None, keep, None);
        (old.join(), new)
    });
    let old = old.map_err(|_| Error::Polars("reading the older version panicked".into()))?;
    let (mut old, mut new) = (old?.lazy(), new?.lazy());
    let old_columns = column_names(&mut old)?;
    let new_columns = column_names(&mut new)?;
    // Values compared: the columns both versions hold besides the key.
    let values: Vec<String> = new_columns
        .iter()
        .filter(|c| !key.contains(c) && old_columns.contains(c))
        .cloned()
        .collect();
    let keys: Vec<Expr> = key.iter().map(|k| col(k.as_str())).collect();

    // The new rows with the old values of the same key beside them.
    let mut old_side: Vec<Expr> = keys.clone();
    old_side.extend(values.iter().map(|c| col(c.as_str()).alias(format!("{c}{OLD_SUFFIX}"))));
    old_side.push(lit(true).alias(IN_OLD));
    let joined = new.clone().join(
        old.clone().select(old_side),
        keys.clone(),
        keys.clone(),
        JoinArgs::new(JoinType::Left),
    );
    let differs = values
        .iter()
        .map(|c| col(c.as_str()).neq_missing(col(format!("{c}{OLD_SUFFIX}"))))
        .reduce(|a, b| a.or(b))
        .unwrap_or(lit(false));
    let classified = joined.with_column(
        when(col(IN_OLD).is_null())
            .then(lit("added"))
            .when(differs)
            .then(lit("changed"))
            .otherwise(lit("unchanged"))
            .alias("__md2030_change"),
    );
    let mut tally =
        classified.clone().group_by([col("__md2030_change")]).agg([len().alias("n")]).collect()?;
    tally.rechunk_mut();
    let mut diff = RowDiff::default();
    let kinds = tally.column("__md2030_change")?.str()?;
    let counts = tally.column("n")?.u32()?;
    for (kind, n) in kinds.iter().zip(counts.iter()) {
        let n = u64::from(n.unwrap_or(0));
        match kind {
            Some("added") => diff.added = n,
            Some("changed") => diff.changed = n,
            Some("unchanged") => diff.unchanged = n,
            _ => {}
        }
    }

    // The old rows whose key the new version no longer holds.
    let mut new_keys = keys.clone();
    new_keys.push(lit(true).alias(IN_NEW));
    let gone = old
        .join(new.select(new_keys), keys.clone(), keys, JoinArgs::new(JoinType::Left))
        .filter(col(IN_NEW).is_null());
    diff.removed = count(gone.clone())?;

    if let Some(column) = partition {
        let touched = classified.filter(col("__md2030_change").neq(lit("unchanged")));
        let mut periods = partition_values(touched, &column)?;
        if diff.removed > 0 {
            periods.extend(partition_values(gone, &column)?);
        }
        diff.periods = periods.into_iter().collect();
    }
    Ok(diff)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn write(dir: &Path, name: &str, frame: DataFrame) -> std::path::PathBuf {
        let path = dir.join(name);
        std::fs::write(&path, crate::stored::parquet_bytes(&frame).unwrap()).unwrap();
        path
    }

    /// Talent by (year, programme, region): the new version drops one 2024 row,
    /// corrects another, adds a 2025 row and keeps 2023 as it was. Counted by hand:
    /// 1 added, 1 removed, 1 changed, 2 unchanged; periods 2024 and 2025.
    #[test]
    fn added_removed_and_changed_rows_are_counted_with_their_periods() {
        let contract = md2030_model::find_contract("talent").unwrap();
        let dir = tempfile::tempdir().unwrap();
        let old = df!(
            "year" => [2023i64, 2023, 2024, 2024],
            "programme_type" => ["degree", "phd", "degree", "phd"],
            "region_code" => ["01", "01", "01", "01"],
            "trained" => [100i64, 5, 120, 6],
            "trained_women" => [Some(40i64), None, Some(50), Some(2)],
        )
        .unwrap();
        let new = df!(
            "year" => [2023i64, 2023, 2024, 2025],
            "programme_type" => ["degree", "phd", "degree", "degree"],
            "region_code" => ["01", "01", "01", "01"],
            "trained" => [100i64, 5, 125, 130],
            "trained_women" => [Some(40i64), None, Some(50), Some(55)],
        )
        .unwrap();
        let (old, new) =
            (write(dir.path(), "old.parquet", old), write(dir.path(), "new.parquet", new));
        let diff = versions(contract, &old, &new, None).unwrap();
        assert_eq!(
            diff,
            RowDiff {
                added: 1,
                removed: 1,
                changed: 1,
                unchanged: 2,
                periods: vec!["2024".into(), "2025".into()],
            }
        );
        // Narrowed to the partitions the file brought (2024 and 2025), 2023 is not
        // read: its two rows are neither changed nor counted unchanged.
        let narrowed =
            versions(contract, &old, &new, Some(&["2024".into(), "2025".into()])).unwrap();
        assert_eq!(
            (narrowed.added, narrowed.removed, narrowed.changed, narrowed.unchanged),
            (1, 1, 1, 0)
        );
    }
}
