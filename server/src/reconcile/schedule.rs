//! The scheduled run, and the [`Control`] every run of the process answers to: a stop signal
//! for shutdown and the runs started in the background by `POST /admin/reconcile`.

use std::sync::Mutex;
use std::time::Duration;

use tokio::sync::watch;
use tokio::task::JoinHandle;

use super::{RunError, Scope, Started, Trigger, begin};
use crate::AppState;

/// The stop signal of this process's runs and the background runs it started.
#[derive(Debug)]
pub struct Control {
    stop: watch::Sender<bool>,
    background: Mutex<Vec<JoinHandle<()>>>,
}

impl Default for Control {
    fn default() -> Self {
        Control {
            stop: watch::channel(false).0,
            background: Mutex::new(Vec::new()),
        }
    }
}

impl Control {
    /// A receiver that turns `true` when the process stops its runs.
    pub fn stopped(&self) -> watch::Receiver<bool> {
        self.stop.subscribe()
    }

    /// Runs `started` to its end on a task of its own (the admin API's "run now").
    pub fn finish_in_background(&self, started: Started) {
        let task = tokio::spawn(async move {
            let run = started.run_id();
            if let Err(error) = started.finish().await {
                tracing::error!(run, %error, "reconciliation failed");
            }
        });
        let mut background = self.lock();
        background.retain(|task| !task.is_finished());
        background.push(task);
    }

    /// Asks every run of this process to stop after its current batch (its progress is saved;
    /// the next run resumes it) and waits for the background ones.
    pub async fn stop(&self) {
        self.stop.send_replace(true);
        let tasks = std::mem::take(&mut *self.lock());
        for task in tasks {
            if let Err(e) = task.await {
                tracing::error!(error = %e, "a reconciliation task failed");
            }
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Vec<JoinHandle<()>>> {
        self.background
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

/// The scheduled reconciliation; [`ScheduleHandle::stop`] ends it (and every run of the
/// process) and waits.
#[derive(Debug)]
pub struct ScheduleHandle {
    state: AppState,
    task: Option<JoinHandle<()>>,
}

/// Starts the scheduled run when the config enables it. Every tick (a tenth of the interval,
/// between 100 ms and a minute) it runs if no run started within the interval, or one was
/// left half-way; with several instances, the lease makes one of them do it.
pub fn spawn(state: AppState) -> ScheduleHandle {
    let config = state.config.reconcile;
    let task = config.enabled.then(|| {
        let state = state.clone();
        tokio::spawn(async move {
            let mut stopped = state.reconcile.stopped();
            let tick =
                (config.interval / 10).clamp(Duration::from_millis(100), Duration::from_secs(60));
            loop {
                tokio::select! {
                    () = tokio::time::sleep(tick) => {}
                    _ = stopped.changed() => break,
                }
                if *stopped.borrow() {
                    break;
                }
                let scope = Scope::from_config(&config);
                let started =
                    match begin(&state, scope, Trigger::Scheduled, Some(config.interval)).await {
                        Ok(started) => started,
                        Err(RunError::Busy | RunError::NotDue) => continue,
                        Err(error) => {
                            tracing::error!(%error, "scheduled reconciliation could not start");
                            continue;
                        }
                    };
                if let Err(error) = started.finish().await {
                    tracing::error!(%error, "scheduled reconciliation failed");
                }
            }
        })
    });
    ScheduleHandle { state, task }
}

impl ScheduleHandle {
    pub async fn stop(self) {
        self.state.reconcile.stop().await;
        if let Some(task) = self.task
            && let Err(e) = task.await
        {
            tracing::error!(error = %e, "the reconciliation schedule failed");
        }
    }
}
