//! The CSV export: the list's filters without paging, read chunk by chunk
//! and written as CSV on threads of its own, so an export of any size holds
//! flat memory, no actix worker and, between its chunks, no database
//! connection. The HTTP answer only forwards the chunks of bytes.

use super::calllogs::{authorize_filter, ListScope};
use super::gate::{FairGate, UserKey};
use super::{Service, ServiceError, ServiceResult};
use crate::domain::calllogs::{CallLogFilter, ExportRow, SortField, EXPORT_HEADER};
use crate::domain::users::Caller;
use crate::store::{ExportCursor, Store};
use std::task::{Context, Poll};

/// Bytes handed to the answer at a time; with a channel of four of them,
/// an export holds well under a megabyte however many rows match.
const CSV_CHUNK_BYTES: usize = 64 * 1024;

/// The export broke off after its first byte (the reason is logged, never
/// shown): the answer ends without its final chunk, so the client sees a
/// broken download, never a short file that looks complete.
#[derive(Debug, thiserror::Error)]
#[error("export stopped early")]
pub struct ExportBroke;

/// A CSV export under way: its chunks of bytes, in order.
pub struct CsvExport {
    chunks: tokio::sync::mpsc::Receiver<Result<Vec<u8>, ExportBroke>>,
}

impl CsvExport {
    /// The next chunk; `None` once the file is complete.
    pub fn poll_chunk(&mut self, cx: &mut Context<'_>) -> Poll<Option<Result<Vec<u8>, ExportBroke>>> {
        self.chunks.poll_recv(cx)
    }
}

impl Service {
    /// Checks an export's filters (every refusal comes before the first
    /// byte) and returns the export, to be read chunk by chunk.
    pub async fn export_call_logs(&self, caller: &Caller, filter: CallLogFilter) -> ServiceResult<CallLogExport> {
        let caller = Caller::clone(caller);
        let user = caller.user_id;
        let filter = self.store.read(move |tx| authorize_filter(tx, &caller, ListScope::Everywhere, filter)).await?;
        Ok(CallLogExport {
            store: self.store.clone(),
            filter,
            after: None,
            done: false,
            gate: self.costly_reads.clone(),
            user,
        })
    }

    /// The export as CSV (RFC 4180, records ending in CRLF). Every refusal
    /// comes before the first byte, and the first rows are read then too,
    /// so a query the database refuses is an error answer, not a file with
    /// a header row only.
    pub async fn export_csv(&self, caller: &Caller, filter: CallLogFilter) -> ServiceResult<CsvExport> {
        let export = self.export_call_logs(caller, filter).await?;
        let (first, mut export) = export.first_chunk().await?;
        let (chunks, receiver) = tokio::sync::mpsc::channel(4);
        let zone = self.config.zone.current();
        std::thread::Builder::new()
            .name("calllog-export".into())
            .spawn(move || {
                let fresh = || {
                    csv::WriterBuilder::new()
                        .terminator(csv::Terminator::CRLF)
                        .from_writer(Vec::with_capacity(CSV_CHUNK_BYTES * 2))
                };
                let mut csv = fresh();
                // Hands the buffered lines to the answer and starts a new buffer;
                // false once the client has hung up (the receiver is gone).
                let send = |csv: &mut csv::Writer<Vec<u8>>| -> bool {
                    let full = std::mem::replace(csv, fresh());
                    chunks.blocking_send(Ok(full.into_inner().unwrap_or_default())).is_ok()
                };
                let abort = |why: String| {
                    log::error!("export stopped early: {why}");
                    let _ = chunks.blocking_send(Err(ExportBroke));
                };
                let _ = csv.write_record(EXPORT_HEADER);
                // The next chunk is read on a thread of its own while this one
                // writes the rows before it as CSV (reading and writing each
                // take about half of an export's time). One chunk waits at
                // most, so memory stays flat. Each chunk is read and its
                // connection given back before it waits, so a slow download
                // holds no database connection.
                let (ahead, read) = std::sync::mpsc::sync_channel::<ServiceResult<Vec<ExportRow>>>(1);
                let nothing_more = first.is_empty();
                let reader = std::thread::Builder::new().name("calllog-export-read".into()).spawn(move || {
                    if nothing_more {
                        return;
                    }
                    loop {
                        let next = export.next_chunk();
                        let last = !matches!(&next, Ok(rows) if !rows.is_empty());
                        // Err: the writer is gone (the client hung up).
                        if ahead.send(next).is_err() || last {
                            return;
                        }
                    }
                });
                if let Err(e) = reader {
                    return abort(format!("cannot read ahead: {e}"));
                }
                let mut rows = first;
                while !rows.is_empty() {
                    for row in rows {
                        if let Err(e) = csv.write_record(row.cells(&zone)) {
                            return abort(format!("writing CSV: {e}"));
                        }
                        if csv.get_ref().len() >= CSV_CHUNK_BYTES && !send(&mut csv) {
                            return;
                        }
                    }
                    rows = match read.recv() {
                        Ok(Ok(rows)) => rows,
                        Ok(Err(e)) => return abort(e.to_string()),
                        Err(_) => return abort("the export's reader stopped".into()),
                    };
                }
                send(&mut csv);
            })
            .map_err(|e| ServiceError::Internal(format!("cannot start the export: {e}")))?;
        Ok(CsvExport { chunks: receiver })
    }
}

/// Rows an export reads per query: large enough that a filtered export is
/// few queries, small enough that its memory stays flat.
const EXPORT_CHUNK_ROWS: usize = 1000;

/// An export in progress: each chunk is one short read that takes its turn
/// among the costly reads and a pooled connection, and gives both back, so
/// a slow download holds neither, and a long export lets other users' reads
/// in between its chunks.
pub struct CallLogExport {
    store: Store,
    filter: CallLogFilter,
    after: Option<ExportCursor>,
    done: bool,
    gate: std::sync::Arc<FairGate>,
    user: UserKey,
}

impl CallLogExport {
    /// The first rows, read before the answer begins. The wait for a turn
    /// holds no thread: a new export is a new request, refused when its
    /// user already has a full queue.
    pub async fn first_chunk(mut self) -> ServiceResult<(Vec<ExportRow>, CallLogExport)> {
        let place = self.gate.enter(self.user).await?;
        super::blocking(move || {
            let rows = self.read_chunk();
            drop(place);
            rows.map(|rows| (rows, self))
        })
        .await?
    }

    /// The next rows, empty when the export is complete. Blocks: call it
    /// from a thread that may block. The chunk queues behind its user's
    /// other costly reads and takes its turn among the users like any of
    /// them (an export neither holds its place for the whole file nor
    /// jumps the queue); its user's full queue does not refuse it, which
    /// would break a download half written.
    pub fn next_chunk(&mut self) -> ServiceResult<Vec<ExportRow>> {
        if self.done {
            return Ok(Vec::new());
        }
        let _place = self.gate.enter_next_chunk_blocking(self.user)?;
        self.read_chunk()
    }

    fn read_chunk(&mut self) -> ServiceResult<Vec<ExportRow>> {
        if self.done {
            return Ok(Vec::new());
        }
        let (filter, after) = (&self.filter, self.after);
        let rows = self
            .store
            .read_blocking(|tx| -> ServiceResult<_> { Ok(tx.export_chunk(filter, after, EXPORT_CHUNK_ROWS)?) })?;
        self.done = rows.len() < EXPORT_CHUNK_ROWS;
        if let Some(last) = rows.last() {
            let sort_value = match self.filter.sort {
                SortField::ModifiedOn => last.modified_on.0,
                SortField::LogId => last.log_id.0,
                SortField::CreatedOn | SortField::Relevance => last.created_on.0,
            };
            self.after = Some(ExportCursor { sort_value, log_id: last.log_id });
        }
        Ok(rows)
    }
}
