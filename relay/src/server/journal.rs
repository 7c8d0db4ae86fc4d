//! The job journal: finished jobs reach the store in batches, off the call path, so that a
//! busy gateway syncs the disk once per batch rather than once per call.

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use tokio::sync::{mpsc, oneshot};

use crate::store::{JobRecord, Store};

/// Jobs waiting for the writer before new ones are dropped (and counted).
const QUEUE: usize = 16_384;
/// Most jobs written in one transaction.
const BATCH: usize = 512;

enum Entry {
    Job(JobRecord),
    Flush(oneshot::Sender<()>),
}

/// The sending side of the journal; its writer task ends when this is dropped.
#[derive(Debug)]
pub struct Journal {
    sender: mpsc::Sender<Entry>,
    dropped: AtomicU64,
}

impl std::fmt::Debug for Entry {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Entry::Job(job) => f.debug_tuple("Job").field(&job.id).finish(),
            Entry::Flush(_) => f.write_str("Flush"),
        }
    }
}

impl Journal {
    /// Starts the writer task on the current Tokio runtime.
    pub fn spawn(store: Store) -> Journal {
        let (sender, receiver) = mpsc::channel(QUEUE);
        tokio::spawn(write(store, receiver));
        Journal {
            sender,
            dropped: AtomicU64::new(0),
        }
    }

    /// Queues a finished job. When the writer is [`QUEUE`] jobs behind, the record is dropped
    /// and counted (`webfn_job_records_dropped_total`) rather than slowing calls down.
    pub fn record(&self, job: JobRecord) {
        if self.sender.try_send(Entry::Job(job)).is_err() {
            self.dropped.fetch_add(1, Ordering::Relaxed);
        }
    }

    /// Waits until every job queued before this call is in the store.
    pub async fn flush(&self) {
        let (done, wait) = oneshot::channel();
        if self.sender.send(Entry::Flush(done)).await.is_ok() {
            let _ = wait.await;
        }
    }

    /// Records dropped because the writer fell behind.
    pub fn dropped(&self) -> u64 {
        self.dropped.load(Ordering::Relaxed)
    }
}

async fn write(store: Store, mut receiver: mpsc::Receiver<Entry>) {
    let mut batch = Vec::with_capacity(BATCH);
    let mut waiters = Vec::new();
    while let Some(first) = receiver.recv().await {
        let mut next = Some(first);
        while let Some(entry) = next {
            match entry {
                Entry::Job(job) => batch.push(job),
                Entry::Flush(done) => waiters.push(done),
            }
            next = if batch.len() < BATCH {
                receiver.try_recv().ok()
            } else {
                None
            };
        }
        save(&store, &batch).await;
        batch.clear();
        for done in waiters.drain(..) {
            let _ = done.send(());
        }
    }
}

/// Writes a batch, trying once more after a pause if the database is busy.
async fn save(store: &Store, batch: &[JobRecord]) {
    if batch.is_empty() {
        return;
    }
    if let Err(first) = store.record_jobs(batch).await {
        tokio::time::sleep(Duration::from_millis(100)).await;
        if let Err(error) = store.record_jobs(batch).await {
            eprintln!(
                "recording {} jobs failed ({first}; then {error}); they are lost",
                batch.len()
            );
        }
    }
}
