//! The call-log export as CSV (docs/api.md §4, `GET /api/calllogs/export.csv`):
//! the rows read chunk by chunk and written as CSV off the async workers,
//! handed out as byte chunks for the edge to stream. Everything that can
//! be refused is refused before the first chunk, and the first rows are
//! read then too; a failure after that ends the chunks with
//! [`ExportStopped`], so the edge can break the download instead of
//! ending a short file that looks complete.

use super::calllogs::CallLogExport;
use super::{Service, ServiceError, ServiceResult};
use crate::domain::calllogs::{CallLogFilter, ExportRow, EXPORT_HEADER};
use crate::domain::users::Caller;
use jiff::tz::TimeZone;
use tokio::sync::mpsc;

/// Bytes handed out at a time; with a channel of four of them, an export
/// holds well under a megabyte however many rows match.
pub const EXPORT_CHUNK: usize = 64 * 1024;

/// Chunks written ahead of the client.
const CHUNKS_AHEAD: usize = 4;

/// The export broke off after its first byte (why is logged, never shown).
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("export stopped early")]
pub struct ExportStopped;

/// One piece of the CSV file, in order.
pub type CsvChunk = Result<Vec<u8>, ExportStopped>;

impl Service {
    /// Checks the export's filters, reads its first rows, then writes the
    /// whole file as CSV (RFC 4180, dates in the office's zone) on threads
    /// of its own, chunk by chunk as the receiver takes them.
    pub async fn export_call_logs_csv(
        &self,
        caller: &Caller,
        filter: CallLogFilter,
    ) -> ServiceResult<mpsc::Receiver<CsvChunk>> {
        let export = self.export_call_logs(caller, filter).await?;
        // Read before the answer begins, so a query the database refuses is
        // an error answer, not a 200 with a header row only.
        let (first, export) = export.first_chunk().await?;
        let (chunks, receiver) = mpsc::channel::<CsvChunk>(CHUNKS_AHEAD);
        let zone = self.config.zone.clone();
        std::thread::Builder::new()
            .name("calllog-export".into())
            .spawn(move || write_csv(first, export, &zone, &chunks))
            .map_err(|e| ServiceError::Internal(format!("cannot start the export: {e}")))?;
        Ok(receiver)
    }
}

/// Writes the rows as CSV into `chunks` until the export is complete, the
/// receiver is gone (the client hung up), or a read fails.
fn write_csv(first: Vec<ExportRow>, mut export: CallLogExport, zone: &TimeZone, chunks: &mpsc::Sender<CsvChunk>) {
    // RFC 4180: records end with CRLF.
    let fresh = || {
        csv::WriterBuilder::new().terminator(csv::Terminator::CRLF).from_writer(Vec::with_capacity(EXPORT_CHUNK * 2))
    };
    let mut csv = fresh();
    // Hands the buffered lines out and starts a new buffer; false once the
    // receiver is gone.
    let send = |csv: &mut csv::Writer<Vec<u8>>| -> bool {
        let full = std::mem::replace(csv, fresh());
        let bytes = full.into_inner().unwrap_or_default();
        chunks.blocking_send(Ok(bytes)).is_ok()
    };
    // Ends the chunks as broken: the edge drops the connection without the
    // final chunk (RFC 9112 §7.1: the body is incomplete).
    let abort = |why: String| {
        log::error!("export stopped early: {why}");
        let _ = chunks.blocking_send(Err(ExportStopped));
    };
    let _ = csv.write_record(EXPORT_HEADER);
    // The next chunk is read on a thread of its own while this one writes
    // the rows before it as CSV (issue 9: reading and writing each take
    // about half of an export's time). One chunk waits at most, so memory
    // stays flat. Each chunk is read and its connection given back before
    // it waits, so a slow download holds no database connection.
    let (ahead, read) = std::sync::mpsc::sync_channel::<Result<Vec<ExportRow>, String>>(1);
    let nothing_more = first.is_empty();
    let reader = std::thread::Builder::new().name("calllog-export-read".into()).spawn(move || {
        if nothing_more {
            return;
        }
        loop {
            let next = export.next_chunk().map_err(|e| e.to_string());
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
    loop {
        if rows.is_empty() {
            break;
        }
        for row in rows {
            if let Err(e) = csv.write_record(row.cells(zone)) {
                return abort(format!("writing CSV: {e}"));
            }
            if csv.get_ref().len() >= EXPORT_CHUNK && !send(&mut csv) {
                return;
            }
        }
        rows = match read.recv() {
            Ok(Ok(rows)) => rows,
            Ok(Err(e)) => return abort(e),
            Err(_) => return abort("the export's reader stopped".into()),
        };
    }
    send(&mut csv);
}
