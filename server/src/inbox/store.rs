//! The `webhook_inbox` table: every verified delivery, stored before it is acknowledged, then
//! applied by the worker. Unique on `(dedupe_key, event)`, Points' idempotency key (API.md §6.2).

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use sqlx::{AnyExecutor, Row};
use time::OffsetDateTime;

use tokio::sync::{mpsc, oneshot};

use crate::db::{Backend, Pool, parse_timestamp, timestamp};

/// A delivery to store.
#[derive(Debug, Clone)]
pub struct NewDelivery<'a> {
    /// `order.id` (with `@<timestamp>` for repeatable events), or `merchant:<timestamp>` for
    /// events without an order: see [`super::delivery::Delivery::key`].
    pub dedupe_key: &'a str,
    pub event: &'a str,
    pub order_number: Option<&'a str>,
    pub body: &'a str,
}

/// Whether the delivery was new.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stored {
    New,
    Duplicate,
}

/// A stored delivery waiting for the worker.
#[derive(Debug, Clone)]
pub struct Pending {
    pub id: i64,
    pub event: String,
    pub body: String,
    pub attempts: i64,
}

pub async fn insert(
    db: impl AnyExecutor<'_>,
    delivery: &NewDelivery<'_>,
    now: &str,
) -> Result<Stored, sqlx::Error> {
    let result = sqlx::query(
        "INSERT INTO webhook_inbox (dedupe_key, event, order_number, body, received_at, available_at)
         VALUES ($1, $2, $3, $4, $5, $5)
         ON CONFLICT (dedupe_key, event) DO NOTHING",
    )
    .bind(delivery.dedupe_key)
    .bind(delivery.event)
    .bind(delivery.order_number)
    .bind(delivery.body)
    .bind(now)
    .execute(db)
    .await?;
    Ok(if result.rows_affected() == 1 {
        Stored::New
    } else {
        Stored::Duplicate
    })
}

/// Unprocessed rows that are due at `now`, oldest first, after id `after`.
pub async fn due(
    db: impl AnyExecutor<'_>,
    after: i64,
    now: &str,
    limit: i64,
) -> Result<Vec<Pending>, sqlx::Error> {
    let rows = sqlx::query(
        "SELECT id, event, body, attempts FROM webhook_inbox
         WHERE processed_at IS NULL AND held IS NULL AND available_at <= $1 AND id > $2
         ORDER BY id
         LIMIT $3",
    )
    .bind(now)
    .bind(after)
    .bind(limit)
    .fetch_all(db)
    .await?;
    rows.iter()
        .map(|row| {
            Ok(Pending {
                id: row.try_get("id")?,
                event: row.try_get("event")?,
                body: row.try_get("body")?,
                attempts: row.try_get("attempts")?,
            })
        })
        .collect()
}

/// Counts an attempt on a row that is still unprocessed; `false` if someone else finished it
/// or, on Postgres, holds it right now. Being a write, on SQLite it also takes the database's
/// write lock at the start of the transaction, which serialises workers; on Postgres
/// `FOR UPDATE SKIP LOCKED` lets workers in many processes pass each other's rows.
pub async fn claim(
    db: impl AnyExecutor<'_>,
    backend: Backend,
    id: i64,
) -> Result<bool, sqlx::Error> {
    let sql = match backend {
        Backend::Sqlite => {
            "UPDATE webhook_inbox SET attempts = attempts + 1
             WHERE id = $1 AND processed_at IS NULL AND held IS NULL"
        }
        Backend::Postgres => {
            "UPDATE webhook_inbox SET attempts = attempts + 1
             WHERE id = (SELECT id FROM webhook_inbox
                         WHERE id = $1 AND processed_at IS NULL AND held IS NULL
                         FOR UPDATE SKIP LOCKED)"
        }
    };
    let result = sqlx::query(sql).bind(id).execute(db).await?;
    Ok(result.rows_affected() == 1)
}

/// Marks a row done. `note` records why it had no effect (unknown order, stale transition).
pub async fn mark_processed(
    db: impl AnyExecutor<'_>,
    id: i64,
    note: Option<&str>,
    now: &str,
) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE webhook_inbox SET processed_at = $1, last_error = $2 WHERE id = $3")
        .bind(now)
        .bind(note)
        .bind(id)
        .execute(db)
        .await?;
    Ok(())
}

/// Marks a row done without applying it: Points contradicted it (see
/// [`super::verify::Refusal`]). Its dedupe key gets the row id appended, so the genuine delivery
/// for the same order and event is stored anew when it comes instead of answering "duplicate".
pub async fn mark_unverified(
    db: impl AnyExecutor<'_>,
    id: i64,
    refusal: super::verify::Refusal,
    note: &str,
    now: &str,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "UPDATE webhook_inbox
         SET processed_at = $1, last_error = $2, unverified = $3, dedupe_key = dedupe_key || $4
         WHERE id = $5",
    )
    .bind(now)
    .bind(note)
    .bind(refusal.label())
    .bind(format!("#unverified:{id}"))
    .bind(id)
    .execute(db)
    .await?;
    Ok(())
}

/// A delivery Points did not confirm, as `/admin/webhooks/unverified` lists it.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Unverified {
    pub id: i64,
    pub event: String,
    pub order_number: Option<String>,
    pub received_at: String,
    /// [`super::verify::Refusal::label`].
    pub reason: String,
    /// What Points said, as the worker recorded it.
    pub note: Option<String>,
}

/// The latest `limit` unverified deliveries, newest first.
pub async fn unverified(
    db: impl AnyExecutor<'_>,
    limit: i64,
) -> Result<Vec<Unverified>, sqlx::Error> {
    sqlx::query(
        "SELECT id, event, order_number, received_at, unverified, last_error FROM webhook_inbox
         WHERE unverified IS NOT NULL ORDER BY id DESC LIMIT $1",
    )
    .bind(limit)
    .fetch_all(db)
    .await?
    .into_iter()
    .map(|row| {
        Ok(Unverified {
            id: row.try_get("id")?,
            event: row.try_get("event")?,
            order_number: row.try_get("order_number")?,
            received_at: row.try_get("received_at")?,
            reason: row.try_get("unverified")?,
            note: row.try_get("last_error")?,
        })
    })
    .collect()
}

/// Why a row is held: the worker passes it by until someone releases it ([`release`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Hold {
    /// Stored raw, its meaning not certain (an `order_status` we do not know): for a person,
    /// or for a release that knows the value.
    Attention,
    /// Failed `inbox_max_attempts` times: a dead letter, replayed once the cause is fixed.
    Dead,
}

impl Hold {
    pub const ALL: [Hold; 2] = [Hold::Attention, Hold::Dead];

    /// The `held` column's value and the metric's `state` label.
    pub fn as_str(self) -> &'static str {
        match self {
            Hold::Attention => "attention",
            Hold::Dead => "dead",
        }
    }

    pub fn parse(text: &str) -> Option<Hold> {
        Hold::ALL.into_iter().find(|h| h.as_str() == text)
    }
}

/// Holds an unprocessed row: the worker no longer picks it up. `why` goes to `last_error`;
/// `counted` adds the attempt that led here (a dead letter's last failure).
pub async fn hold(
    db: impl AnyExecutor<'_>,
    id: i64,
    hold: Hold,
    why: &str,
    counted: bool,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "UPDATE webhook_inbox SET held = $1, last_error = $2, attempts = attempts + $3
         WHERE id = $4 AND processed_at IS NULL",
    )
    .bind(hold.as_str())
    .bind(why)
    .bind(i64::from(counted))
    .bind(id)
    .execute(db)
    .await?;
    Ok(())
}

/// Which held rows [`release`] lets go.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Release {
    /// These rows (those of them that are held).
    Ids(Vec<i64>),
    /// Every row held so.
    All(Hold),
}

/// Releases held rows for the worker to try again now, attempts counted from zero; how many.
pub async fn release(
    db: impl AnyExecutor<'_>,
    which: &Release,
    now: &str,
) -> Result<u64, sqlx::Error> {
    let set = "UPDATE webhook_inbox SET held = NULL, attempts = 0, available_at = $1";
    let result = match which {
        Release::All(hold) => {
            sqlx::query(&format!("{set} WHERE held = $2 AND processed_at IS NULL"))
                .bind(now)
                .bind(hold.as_str())
                .execute(db)
                .await?
        }
        Release::Ids(ids) if ids.is_empty() => return Ok(0),
        Release::Ids(ids) => {
            // Ids are integers: the list is built from them, never from text.
            let list = ids.iter().map(i64::to_string).collect::<Vec<_>>().join(",");
            sqlx::query(&format!(
                "{set} WHERE held IS NOT NULL AND processed_at IS NULL AND id IN ({list})"
            ))
            .bind(now)
            .execute(db)
            .await?
        }
    };
    Ok(result.rows_affected())
}

/// A held delivery, as `/admin/webhooks/held` and `points-server inbox held` list it.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Held {
    pub id: i64,
    pub event: String,
    pub order_number: Option<String>,
    pub received_at: String,
    pub held: Hold,
    pub attempts: i64,
    /// Why it is held.
    pub reason: Option<String>,
}

/// Held rows, oldest first, `hold` only when given, at most `limit`.
pub async fn held(
    db: impl AnyExecutor<'_>,
    hold: Option<Hold>,
    limit: i64,
) -> Result<Vec<Held>, sqlx::Error> {
    let which = match hold {
        Some(_) => "held = $1",
        None => "held IS NOT NULL AND $1 = $1",
    };
    sqlx::query(&format!(
        "SELECT id, event, order_number, received_at, held, attempts, last_error
         FROM webhook_inbox
         WHERE {which} AND processed_at IS NULL
         ORDER BY id LIMIT $2"
    ))
    .bind(hold.map_or("", Hold::as_str))
    .bind(limit)
    .fetch_all(db)
    .await?
    .into_iter()
    .map(|row| {
        let held: String = row.try_get("held")?;
        Ok(Held {
            id: row.try_get("id")?,
            event: row.try_get("event")?,
            order_number: row.try_get("order_number")?,
            received_at: row.try_get("received_at")?,
            held: Hold::parse(&held).ok_or_else(|| sqlx::Error::ColumnDecode {
                index: "held".into(),
                source: format!("unknown hold {held:?}").into(),
            })?,
            attempts: row.try_get("attempts")?,
            reason: row.try_get("last_error")?,
        })
    })
    .collect()
}

/// Held rows by [`Hold`], for `/metrics`.
pub async fn held_counts(db: impl AnyExecutor<'_>) -> Result<HeldCounts, sqlx::Error> {
    let rows = sqlx::query(
        "SELECT held, COUNT(*) AS n FROM webhook_inbox
         WHERE held IS NOT NULL AND processed_at IS NULL GROUP BY held",
    )
    .fetch_all(db)
    .await?;
    let mut counts = HeldCounts::default();
    for row in rows {
        let held: String = row.try_get("held")?;
        let n: i64 = row.try_get("n")?;
        match Hold::parse(&held) {
            Some(Hold::Attention) => counts.attention += n,
            Some(Hold::Dead) => counts.dead += n,
            None => {}
        }
    }
    Ok(counts)
}

/// How many rows are held, by kind.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct HeldCounts {
    pub attention: i64,
    pub dead: i64,
}

/// Records a failed attempt and when to try again.
pub async fn mark_failed(
    db: impl AnyExecutor<'_>,
    id: i64,
    error: &str,
    retry_in: Duration,
) -> Result<(), sqlx::Error> {
    let retry_at = timestamp(OffsetDateTime::now_utc() + retry_in);
    sqlx::query(
        "UPDATE webhook_inbox SET attempts = attempts + 1, last_error = $1, available_at = $2
         WHERE id = $3 AND processed_at IS NULL",
    )
    .bind(error)
    .bind(retry_at)
    .bind(id)
    .execute(db)
    .await?;
    Ok(())
}

/// Deliveries one commit covers at most.
const GROUP_MAX: usize = 256;
/// Deliveries waiting for the writer at most; intake waits beyond that (back-pressure).
const QUEUE: usize = 4_096;

/// Intake's group commit: deliveries that arrive while a commit is in progress are inserted
/// together in the next transaction, so one sync to disk (SQLite `synchronous=FULL`, a
/// Postgres commit) covers many of them, and each is answered only after the commit that holds
/// it. The promise is unchanged: a delivery answered 2xx is durably stored; one whose commit
/// failed is answered 5xx and Points sends it again. A group that fails is retried one
/// delivery per transaction, so one bad row cannot fail the others.
///
/// Cheap to clone; the task ends when the last clone is dropped, after the deliveries queued.
#[derive(Debug, Clone)]
pub struct Writer {
    queue: mpsc::Sender<Job>,
    pool: Pool,
    /// Transactions committed with deliveries, for [`Writer::commits`].
    commits: Arc<AtomicU64>,
}

#[derive(Debug)]
struct Job {
    dedupe_key: String,
    event: String,
    order_number: Option<String>,
    body: String,
    received_at: String,
    done: oneshot::Sender<Result<Stored, sqlx::Error>>,
}

impl Job {
    fn delivery(&self) -> NewDelivery<'_> {
        NewDelivery {
            dedupe_key: &self.dedupe_key,
            event: &self.event,
            order_number: self.order_number.as_deref(),
            body: &self.body,
        }
    }
}

impl Writer {
    /// Starts the writer on the current runtime.
    pub fn spawn(pool: Pool) -> Writer {
        let (queue, jobs) = mpsc::channel(QUEUE);
        let commits = Arc::new(AtomicU64::new(0));
        tokio::spawn(write_groups(pool.clone(), jobs, commits.clone()));
        Writer {
            queue,
            pool,
            commits,
        }
    }

    /// How many commits stored the deliveries so far (fewer than the deliveries when they
    /// came together).
    pub fn commits(&self) -> u64 {
        self.commits.load(Ordering::Relaxed)
    }

    /// Stores `delivery`, received at `now`, and returns once it is committed.
    pub async fn insert(
        &self,
        delivery: &NewDelivery<'_>,
        now: &str,
    ) -> Result<Stored, sqlx::Error> {
        let (done, stored) = oneshot::channel();
        let job = Job {
            dedupe_key: delivery.dedupe_key.to_owned(),
            event: delivery.event.to_owned(),
            order_number: delivery.order_number.map(str::to_owned),
            body: delivery.body.to_owned(),
            received_at: now.to_owned(),
            done,
        };
        if self.queue.send(job).await.is_err() {
            // The writer's runtime is gone (shutting down): store it here.
            let _turn = self.pool.write_turn().await;
            return insert(&*self.pool, delivery, now).await;
        }
        stored.await.unwrap_or(Err(sqlx::Error::PoolClosed))
    }
}

async fn write_groups(pool: Pool, mut jobs: mpsc::Receiver<Job>, commits: Arc<AtomicU64>) {
    let mut group = Vec::with_capacity(GROUP_MAX);
    while jobs.recv_many(&mut group, GROUP_MAX).await > 0 {
        let turn = pool.write_turn().await;
        // Whatever came while waiting for the turn joins this commit too.
        while group.len() < GROUP_MAX {
            match jobs.try_recv() {
                Ok(job) => group.push(job),
                Err(_) => break,
            }
        }
        match insert_group(&pool, &group).await {
            Ok(stored) => {
                drop(turn);
                commits.fetch_add(1, Ordering::Relaxed);
                for (job, stored) in group.drain(..).zip(stored) {
                    let _ = job.done.send(Ok(stored));
                }
            }
            Err(error) => {
                tracing::warn!(%error, deliveries = group.len(), "inbox group commit failed; storing one by one");
                for job in group.drain(..) {
                    let stored = insert(&*pool, &job.delivery(), &job.received_at).await;
                    commits.fetch_add(u64::from(stored.is_ok()), Ordering::Relaxed);
                    let _ = job.done.send(stored);
                }
                drop(turn);
            }
        }
    }
}

/// Inserts every job's delivery in one transaction; what each became, in order.
async fn insert_group(pool: &Pool, group: &[Job]) -> Result<Vec<Stored>, sqlx::Error> {
    if let [job] = group {
        return Ok(vec![
            insert(&**pool, &job.delivery(), &job.received_at).await?,
        ]);
    }
    let mut tx = pool.begin().await?;
    let mut stored = Vec::with_capacity(group.len());
    for job in group {
        stored.push(insert(&mut *tx, &job.delivery(), &job.received_at).await?);
    }
    tx.commit().await?;
    Ok(stored)
}

/// The unapplied part of the webhook inbox.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct InboxBacklog {
    pub depth: i64,
    /// How long the oldest unapplied row has waited; zero when there is none.
    pub oldest_age: Duration,
}

pub async fn inbox_backlog(db: impl AnyExecutor<'_>) -> Result<InboxBacklog, sqlx::Error> {
    let row = sqlx::query(
        "SELECT COUNT(*) AS depth, MIN(received_at) AS oldest FROM webhook_inbox
         WHERE processed_at IS NULL AND held IS NULL",
    )
    .fetch_one(db)
    .await?;
    let depth: i64 = row.try_get("depth")?;
    let oldest: Option<String> = row.try_get("oldest")?;
    let oldest_age = oldest
        .as_deref()
        .and_then(parse_timestamp)
        .map(|at| {
            let age = OffsetDateTime::now_utc() - at;
            Duration::try_from(age).unwrap_or_default()
        })
        .unwrap_or_default();
    Ok(InboxBacklog { depth, oldest_age })
}

/// What became of one stored delivery, as `points preflight` reads it.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Trace {
    pub event: String,
    pub received_at: String,
    pub processed: bool,
    pub last_error: Option<String>,
}

/// Every row stored for the order `uuid`: its events and the repeatable ones, which are keyed
/// `uuid@timestamp` (see [`super::delivery::Delivery::key`]).
pub async fn traces_for(db: impl AnyExecutor<'_>, uuid: &str) -> Result<Vec<Trace>, sqlx::Error> {
    sqlx::query(
        "SELECT event, received_at, processed_at, last_error FROM webhook_inbox
         WHERE dedupe_key = $1 OR dedupe_key LIKE $2 ORDER BY id",
    )
    .bind(uuid)
    .bind(format!("{}@%", uuid.replace(['%', '_'], "")))
    .fetch_all(db)
    .await?
    .into_iter()
    .map(|row| {
        Ok(Trace {
            event: row.try_get("event")?,
            received_at: row.try_get("received_at")?,
            processed: row.try_get::<Option<String>, _>("processed_at")?.is_some(),
            last_error: row.try_get("last_error")?,
        })
    })
    .collect()
}

/// Deletes processed rows processed before `before`, [`crate::db::PURGE_BATCH`] per statement.
/// Unprocessed and held rows stay whatever their age: they are work not yet done.
pub async fn purge_processed(pool: &crate::db::Pool, before: &str) -> Result<u64, sqlx::Error> {
    crate::db::purge_in_batches(
        pool,
        "DELETE FROM webhook_inbox WHERE id IN (
             SELECT id FROM webhook_inbox
             WHERE processed_at IS NOT NULL AND processed_at < $1 AND held IS NULL
             ORDER BY id LIMIT $2)",
        before,
    )
    .await
}
