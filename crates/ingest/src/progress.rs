//! The progress ingest records in a table's Delta log, read for every source at once.
//!
//! A file's progress is an application transaction (`txn` action) under an id of its own. The
//! Delta kernel answers one id at a time and replays the log for each: re-ingesting a directory of
//! 20,000 files asked it 60,000 times (three tables), each replay parsing the 1.9 MB commit that
//! holds all 20,000 ids, for nearly four minutes before a line was read. Here the log is replayed
//! once per table, as the kernel does it: the newest checkpoint at or below the table's version,
//! then the commits after it in order, the newest `txn` per id winning. (deltalake 1.0 dropped
//! its map of every transaction for the per-id lookup, delta-io/delta-rs#3484; the kernel's
//! scan of all ids is crate-private. Once either offers one again, this module can go.)
//!
//! It reads the log layouts that writers leave for tables like ours: commits, and single-file or
//! multi-part checkpoints. A v2 checkpoint, a missing commit, or transactions that expire
//! (`delta.setTransactionRetentionDuration`) answer `None`, and the caller asks the kernel id by
//! id, as before.

use std::collections::{BTreeMap, HashMap};

use deltalake::arrow::array::{Array, AsArray, StructArray};
use deltalake::arrow::datatypes::Int64Type;
use deltalake::logstore::object_store::ObjectStoreExt;
use deltalake::parquet::arrow::ProjectionMask;
use deltalake::parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;
use deltalake::{DeltaTable, DeltaTableError, ObjectMeta, Path};
use futures_util::{StreamExt, TryStreamExt};

use crate::Error;

/// Commits fetched at once: one request each on an object store.
const CONCURRENT_READS: usize = 16;

/// The version each application id's newest `txn` records, at the table's version; `None` when
/// the log is laid out in a way this does not read (see the module documentation).
pub(crate) async fn recorded_progress(
    table: &DeltaTable,
) -> Result<Option<HashMap<String, i64>>, Error> {
    let Some(version) = table.version() else {
        return Ok(Some(HashMap::new()));
    };
    if table
        .snapshot()?
        .table_config()
        .set_transaction_retention_duration
        .is_some()
    {
        return Ok(None);
    }
    let store = table.object_store();
    let listed: Vec<ObjectMeta> = store
        .list(Some(&Path::from("_delta_log")))
        .try_collect()
        .await
        .map_err(DeltaTableError::from)?;
    let Some(log) = LogFiles::up_to(version, &listed) else {
        return Ok(None);
    };

    let mut progress = HashMap::new();
    for part in &log.checkpoint {
        // Read whole: a checkpoint holds a row per live file, which the table's snapshot holds
        // in memory already. Only its `txn` column is decoded.
        let bytes = store
            .get(&part.location)
            .await
            .map_err(DeltaTableError::from)?
            .bytes()
            .await
            .map_err(DeltaTableError::from)?;
        let builder =
            ParquetRecordBatchReaderBuilder::try_new(bytes).map_err(DeltaTableError::from)?;
        let Some(txn) = builder.schema().index_of("txn").ok() else {
            // A checkpoint of a table that never recorded a transaction may lack the column.
            continue;
        };
        let mask = ProjectionMask::roots(builder.parquet_schema(), [txn]);
        let batches = builder
            .with_projection(mask)
            .build()
            .map_err(DeltaTableError::from)?;
        for batch in batches {
            let batch = batch.map_err(DeltaTableError::from)?;
            let txn = batch
                .column(0)
                .as_struct_opt()
                .ok_or_else(|| DeltaTableError::generic("checkpoint txn column is not a struct"))?;
            record_checkpoint_rows(txn, &mut progress)?;
        }
    }
    let mut commits = futures_util::stream::iter(log.commits.iter().map(|location| {
        let store = store.clone();
        async move { store.get(location).await?.bytes().await }
    }))
    .buffered(CONCURRENT_READS);
    while let Some(bytes) = commits.try_next().await.map_err(DeltaTableError::from)? {
        record_commit_lines(&bytes, &mut progress)?;
    }
    Ok(Some(progress))
}

/// The log files that hold a version's transactions: a checkpoint (its parts) and the commits
/// after it.
#[derive(Debug, PartialEq)]
struct LogFiles<'a> {
    checkpoint: Vec<&'a ObjectMeta>,
    commits: Vec<Path>,
}

impl<'a> LogFiles<'a> {
    /// From a listing of `_delta_log/`; `None` when a commit is missing or the newest checkpoint
    /// is of a kind this does not read.
    fn up_to(version: u64, listed: &'a [ObjectMeta]) -> Option<LogFiles<'a>> {
        let mut commits = BTreeMap::new();
        // Parts found per checkpoint version and part count (multi-part checkpoints may be
        // written twice with different counts); `None` for a kind not read here.
        let mut checkpoints: BTreeMap<u64, Option<BTreeMap<u64, Vec<&ObjectMeta>>>> =
            BTreeMap::new();
        for meta in listed {
            let Some(name) = meta.location.filename() else {
                continue;
            };
            match LogFile::parse(name) {
                Some((at, _)) if at > version => {}
                Some((at, LogFile::Commit)) => {
                    commits.insert(at, meta.location.clone());
                }
                Some((at, LogFile::Checkpoint { parts })) => {
                    if let Some(found) = checkpoints
                        .entry(at)
                        .or_insert_with(|| Some(BTreeMap::new()))
                    {
                        found.entry(parts).or_default().push(meta);
                    }
                }
                Some((at, LogFile::OtherCheckpoint)) => {
                    checkpoints.insert(at, None);
                }
                None => {}
            }
        }
        // The newest complete checkpoint; one of another kind newer than it is not skipped,
        // since the commits before it may be gone.
        let mut base = None;
        for (at, kinds) in checkpoints.into_iter().rev() {
            let parts = kinds?
                .into_iter()
                .find(|(parts, found)| found.len() as u64 == *parts);
            if let Some((_, found)) = parts {
                base = Some((at, found));
                break;
            }
        }
        let first = base.as_ref().map_or(0, |(at, _)| at + 1);
        let commits = (first..=version)
            .map(|at| commits.remove(&at))
            .collect::<Option<Vec<_>>>()?;
        Some(LogFiles {
            checkpoint: base.map(|(_, found)| found).unwrap_or_default(),
            commits,
        })
    }
}

/// A file of `_delta_log/` this reads, by its name.
#[derive(Debug, PartialEq)]
enum LogFile {
    /// `00000000000000000012.json`
    Commit,
    /// `00000000000000000010.checkpoint.parquet` (one part), or a part of a multi-part one:
    /// `00000000000000000010.checkpoint.0000000001.0000000003.parquet`.
    Checkpoint { parts: u64 },
    /// Another checkpoint at that version (a v2 checkpoint names a UUID).
    OtherCheckpoint,
}

impl LogFile {
    fn parse(name: &str) -> Option<(u64, LogFile)> {
        let (version, rest) = name.split_at_checked(20)?;
        if !version.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        let version = version.parse().ok()?;
        let kind = match rest {
            ".json" => LogFile::Commit,
            ".checkpoint.parquet" => LogFile::Checkpoint { parts: 1 },
            _ => {
                let checkpoint = rest.strip_prefix(".checkpoint.")?;
                let numbered = checkpoint
                    .strip_suffix(".parquet")
                    .and_then(|parts| parts.split_once('.'))
                    .filter(|(part, parts)| part.len() == 10 && parts.len() == 10)
                    .and_then(|(_, parts)| parts.parse().ok());
                match numbered {
                    Some(parts) => LogFile::Checkpoint { parts },
                    None => LogFile::OtherCheckpoint,
                }
            }
        };
        Some((version, kind))
    }
}

/// The `txn` column of a checkpoint: one row per application id, null on the other actions' rows.
fn record_checkpoint_rows(
    txn: &StructArray,
    progress: &mut HashMap<String, i64>,
) -> Result<(), Error> {
    let field = |name: &str| {
        txn.column_by_name(name).ok_or_else(|| {
            DeltaTableError::generic(format!("checkpoint txn column without {name}"))
        })
    };
    let app_ids = field("appId")?;
    let app_ids = app_ids
        .as_string_opt::<i32>()
        .ok_or_else(|| DeltaTableError::generic("checkpoint txn.appId is not a string column"))?;
    let versions = field("version")?;
    let versions = versions
        .as_primitive_opt::<Int64Type>()
        .ok_or_else(|| DeltaTableError::generic("checkpoint txn.version is not a long column"))?;
    for row in 0..txn.len() {
        if txn.is_valid(row) && app_ids.is_valid(row) && versions.is_valid(row) {
            progress.insert(app_ids.value(row).to_owned(), versions.value(row));
        }
    }
    Ok(())
}

/// The `txn` actions of one commit (a JSON object per line), in order.
fn record_commit_lines(bytes: &[u8], progress: &mut HashMap<String, i64>) -> Result<(), Error> {
    let finder = memchr::memmem::Finder::new(b"\"txn\"");
    for line in bytes.split(|&b| b == b'\n') {
        // Most lines are `add` actions: only a line naming `txn` can hold one.
        if finder.find(line).is_none() {
            continue;
        }
        let action: serde_json::Value =
            serde_json::from_slice(line).map_err(DeltaTableError::from)?;
        let Some(txn) = action.get("txn") else {
            continue;
        };
        match (
            txn.get("appId").and_then(|v| v.as_str()),
            txn.get("version").and_then(|v| v.as_i64()),
        ) {
            (Some(app_id), Some(version)) => {
                progress.insert(app_id.to_owned(), version);
            }
            _ => {
                return Err(DeltaTableError::generic(format!(
                    "a txn action without appId or version: {txn}"
                ))
                .into());
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use deltalake::kernel::Transaction;

    use super::*;
    use crate::{Lake, TableName};

    fn meta(name: &str) -> ObjectMeta {
        ObjectMeta {
            location: Path::from(format!("_delta_log/{name}")),
            last_modified: chrono::DateTime::UNIX_EPOCH,
            size: 1,
            e_tag: None,
            version: None,
        }
    }

    fn names(files: &LogFiles<'_>) -> (Vec<String>, Vec<String>) {
        let name = |p: &Path| p.filename().unwrap_or_default().to_owned();
        (
            files.checkpoint.iter().map(|m| name(&m.location)).collect(),
            files.commits.iter().map(name).collect(),
        )
    }

    #[test]
    fn log_file_names() {
        let v = |n: u64| format!("{n:020}");
        assert_eq!(
            LogFile::parse(&format!("{}.json", v(12))),
            Some((12, LogFile::Commit))
        );
        assert_eq!(
            LogFile::parse(&format!("{}.checkpoint.parquet", v(10))),
            Some((10, LogFile::Checkpoint { parts: 1 }))
        );
        assert_eq!(
            LogFile::parse(&format!(
                "{}.checkpoint.0000000002.0000000003.parquet",
                v(10)
            )),
            Some((10, LogFile::Checkpoint { parts: 3 }))
        );
        assert_eq!(
            LogFile::parse(&format!(
                "{}.checkpoint.80a083e8-7026-4e79-81be-64bd76c43a11.json",
                v(10)
            )),
            Some((10, LogFile::OtherCheckpoint))
        );
        for other in [
            "_last_checkpoint".to_owned(),
            format!("{}.crc", v(3)),
            format!("{}.{}.compacted.json", v(3), v(5)),
            format!("{}.json.tmp", v(3)),
            "0000000000000000001x.json".to_owned(),
        ] {
            assert!(
                !matches!(
                    LogFile::parse(&other),
                    Some((_, LogFile::Commit | LogFile::Checkpoint { .. }))
                ),
                "{other}"
            );
        }
    }

    #[test]
    fn files_to_replay() {
        let v = |n: u64| format!("{n:020}");
        let mut listed: Vec<ObjectMeta> =
            (0..=7).map(|n| meta(&format!("{}.json", v(n)))).collect();
        listed.push(meta("_last_checkpoint"));
        // No checkpoint: every commit up to the version.
        let files = LogFiles::up_to(3, &listed).unwrap();
        assert_eq!(
            names(&files).1,
            (0..=3)
                .map(|n| format!("{}.json", v(n)))
                .collect::<Vec<_>>()
        );

        // A checkpoint at 4, one in three parts at 6 with a part missing, one newer than the
        // version: the one at 4, then the commits after it.
        listed.push(meta(&format!("{}.checkpoint.parquet", v(4))));
        listed.push(meta(&format!(
            "{}.checkpoint.0000000001.0000000003.parquet",
            v(6)
        )));
        listed.push(meta(&format!(
            "{}.checkpoint.0000000002.0000000003.parquet",
            v(6)
        )));
        listed.push(meta(&format!("{}.checkpoint.parquet", v(7))));
        let files = LogFiles::up_to(6, &listed).unwrap();
        assert_eq!(
            names(&files),
            (
                vec![format!("{}.checkpoint.parquet", v(4))],
                vec![format!("{}.json", v(5)), format!("{}.json", v(6))],
            )
        );

        // The third part completes the checkpoint at 6.
        listed.push(meta(&format!(
            "{}.checkpoint.0000000003.0000000003.parquet",
            v(6)
        )));
        let files = LogFiles::up_to(6, &listed).unwrap();
        assert_eq!(files.checkpoint.len(), 3);
        assert!(files.commits.is_empty());

        // Commits before a checkpoint may be gone; one after it may not.
        let pruned: Vec<ObjectMeta> = listed
            .iter()
            .filter(|m| m.location.filename() != Some(&format!("{}.json", v(1))))
            .cloned()
            .collect();
        assert!(LogFiles::up_to(6, &pruned).is_some());
        assert!(LogFiles::up_to(3, &pruned).is_none());

        // A v2 checkpoint newest: not read here.
        listed.push(meta(&format!(
            "{}.checkpoint.80a083e8-7026-4e79-81be-64bd76c43a11.parquet",
            v(7)
        )));
        assert!(LogFiles::up_to(7, &listed).is_none());
    }

    /// A commit of transactions alone.
    async fn commit(table: &mut crate::lake::LakeTable, transactions: Vec<Transaction>) {
        table
            .commit(Vec::new(), 0, transactions, || {})
            .await
            .unwrap();
    }

    /// Against the kernel, asked id by id, on a table whose log has a checkpoint in the middle,
    /// commits before it deleted, and ids recorded again after it.
    #[tokio::test]
    async fn one_replay_answers_as_the_kernel_does() {
        let dir = tempfile::tempdir().unwrap();
        let lake = Lake::new(dir.path().to_str().unwrap()).unwrap();
        let mut table = lake.open_or_create(TableName::Quarantine).await.unwrap();
        let txn = |id: &str, version: i64| Transaction::new(id, version);
        commit(&mut table, vec![txn("a", 1), txn("b", 10)]).await;
        commit(&mut table, vec![txn("a", 2), txn("c", 100)]).await;
        deltalake::checkpoints::create_checkpoint(&table.table, None)
            .await
            .unwrap();
        // The commits before the checkpoint are no longer needed; remove them, as log cleanup
        // does, so that only the checkpoint can answer for "b" and "c".
        for n in 0..2u64 {
            std::fs::remove_file(
                dir.path()
                    .join(format!("quarantine/_delta_log/{n:020}.json")),
            )
            .unwrap();
        }
        commit(&mut table, vec![txn("a", 3), txn("d", 1000)]).await;
        commit(&mut table, vec![txn("d", 1001)]).await;
        let reopened = lake.open("quarantine").await.unwrap().unwrap();

        let progress = recorded_progress(&reopened).await.unwrap().unwrap();
        let by_hand = HashMap::from([
            ("a".to_owned(), 3),
            ("b".to_owned(), 10),
            ("c".to_owned(), 100),
            ("d".to_owned(), 1001),
        ]);
        assert_eq!(progress, by_hand);
        let snapshot = reopened.snapshot().unwrap();
        for id in ["a", "b", "c", "d", "e"] {
            let kernel = snapshot
                .transaction_version(reopened.log_store().as_ref(), id)
                .await
                .unwrap();
            assert_eq!(progress.get(id).copied(), kernel, "{id}");
        }

        // A new table: nothing recorded.
        let fresh = lake.open_or_create(TableName::Attempts).await.unwrap();
        assert_eq!(
            recorded_progress(&fresh.table).await.unwrap(),
            Some(HashMap::new())
        );
    }
}
