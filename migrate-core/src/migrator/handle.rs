//! [`MigrationHandle`]: status, updates, stop.

use tokio::sync::watch;
use tokio::task::JoinHandle;

use super::{engine, MigrateError, Migrator};
use crate::checkpoint::Checkpoint;
use crate::sink::Rejected;
use crate::status::{Phase, Status};

/// What a finished migration reports.
#[derive(Debug, Clone)]
pub struct Summary {
    /// The final status.
    pub status: Status,
    /// The last checkpoint (where a new run resumes), when in the incremental phase.
    pub checkpoint: Option<Checkpoint>,
    /// Commands the target rejected that were skipped (`on-error = skip`; bounded).
    pub rejected: Vec<Rejected>,
}

/// A running migration. Dropping the handle stops it as [`MigrationHandle::stop`] does
/// (drain, checkpoint), without waiting.
#[derive(Debug)]
pub struct MigrationHandle {
    status: watch::Receiver<Status>,
    stop: watch::Sender<bool>,
    task: JoinHandle<Result<Summary, MigrateError>>,
}

pub(super) fn spawn(m: Migrator) -> MigrationHandle {
    let (status_tx, status_rx) = watch::channel(Status::default());
    let (stop_tx, stop_rx) = watch::channel(false);
    let task = tokio::spawn(engine::run(m, status_tx, stop_rx));
    MigrationHandle {
        status: status_rx,
        stop: stop_tx,
        task,
    }
}

impl MigrationHandle {
    /// The latest status snapshot.
    pub fn status(&self) -> Status {
        self.status.borrow().clone()
    }

    /// A receiver of status updates (published every status interval and at phase
    /// changes; `changed()` errors once the migration has ended).
    pub fn updates(&self) -> watch::Receiver<Status> {
        self.status.clone()
    }

    /// Asks the migration to stop (drain, checkpoint) without waiting.
    pub fn request_stop(&self) {
        let _ = self.stop.send(true);
    }

    /// Whether the migration has ended.
    pub fn is_finished(&self) -> bool {
        self.task.is_finished()
    }

    /// Stops: drains the target pipeline, saves the checkpoint, returns the summary.
    pub async fn stop(self) -> Result<Summary, MigrateError> {
        self.request_stop();
        self.wait().await
    }

    /// Waits until the migration ends by itself (full mode) or fails.
    pub async fn wait(self) -> Result<Summary, MigrateError> {
        match self.task.await {
            Ok(r) => r,
            Err(e) => Err(MigrateError::Task(e.to_string())),
        }
    }

    /// Waits until the status satisfies `f` (or the migration ends: then `Err` with the
    /// last status's phase, `Done` or `Failed`).
    pub async fn wait_for(&self, mut f: impl FnMut(&Status) -> bool) -> Result<Status, Phase> {
        let mut rx = self.status.clone();
        loop {
            {
                let s = rx.borrow_and_update();
                if f(&s) {
                    return Ok(s.clone());
                }
                if matches!(s.phase, Phase::Done | Phase::Failed) {
                    return Err(s.phase);
                }
            }
            if rx.changed().await.is_err() {
                let s = rx.borrow();
                return if f(&s) { Ok(s.clone()) } else { Err(s.phase) };
            }
        }
    }
}
