//! The `earning_outbox` table (migration 0005): rows, their states and the sender's claims.
//! The lease that lets one process send at a time is [`crate::db::lease`]'s `earning`.

use std::fmt;
use std::time::Duration;

use serde::Serialize;
use serde_json::Value;
use sqlx::any::AnyRow;
use sqlx::{AnyExecutor, Row};
use time::OffsetDateTime;

use crate::db::{Pool, after_now, now, parse_timestamp};

use super::request::{EarningRequest, Kind};

/// Where a row is. Only `pending` rows are ever sent; the others are final.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum State {
    /// Not yet settled by an answer: waiting for its first or next attempt.
    Pending,
    /// Points recorded it now: an `approved` earning order.
    Recorded,
    /// The customer has not activated their account: Points queued it (API.md §3.1).
    PendingActivation,
    /// A retry met "already taken": an earlier attempt, whose answer was lost, recorded it.
    AlreadyRecorded,
    /// Points refused it for good (a 4xx other than 429); `last_error` says why. Never retried
    /// unless someone requeues it.
    Failed,
}

impl State {
    pub const ALL: [State; 5] = [
        State::Pending,
        State::Recorded,
        State::PendingActivation,
        State::AlreadyRecorded,
        State::Failed,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            State::Pending => "pending",
            State::Recorded => "recorded",
            State::PendingActivation => "pending_activation",
            State::AlreadyRecorded => "already_recorded",
            State::Failed => "failed",
        }
    }

    pub fn parse(text: &str) -> Option<State> {
        State::ALL.into_iter().find(|s| s.as_str() == text)
    }

    pub fn is_final(self) -> bool {
        self != State::Pending
    }
}

impl fmt::Display for State {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One row as stored.
#[derive(Debug, Clone)]
pub struct OutboxRow {
    pub id: i64,
    pub kind: Kind,
    pub dedup_key: String,
    /// The body Points receives.
    pub request: String,
    pub state: State,
    pub attempts: i64,
    /// An attempt may have reached Points.
    pub sent: bool,
    pub next_attempt_at: String,
    pub last_error: Option<String>,
    pub answer: Option<String>,
    pub points_uuid: Option<String>,
    pub created_at: String,
    pub updated_at: String,
    pub completed_at: Option<String>,
}

/// What [`super::enqueue`] did.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Enqueued {
    /// A new row.
    New,
    /// The same earning was enqueued before: nothing changed.
    Existing,
    /// The key's row had failed and this request replaces it, pending again.
    Requeued,
}

/// Why an earning could not be enqueued.
#[derive(Debug, thiserror::Error)]
pub enum EnqueueError {
    /// The key is taken by another earning (another kind or other fields) that has not failed.
    #[error("{key} is already enqueued (earning {id}) with a different request")]
    Conflict { id: i64, key: String },
    #[error("database: {0}")]
    Database(#[from] sqlx::Error),
}

const COLUMNS: &str = "id, kind, dedup_key, request, state, attempts, sent, next_attempt_at, \
                       last_error, answer, points_uuid, created_at, updated_at, completed_at";

/// Stores `request` as a pending row; the same earning again is the same row (see [`Enqueued`]).
pub async fn insert(
    pool: &Pool,
    request: &EarningRequest,
) -> Result<(i64, Enqueued), EnqueueError> {
    let body = request.body();
    let key = request.dedup_key().as_str();
    let at = now();
    let inserted = sqlx::query(
        "INSERT INTO earning_outbox (kind, dedup_key, request, next_attempt_at, created_at, updated_at)
         VALUES ($1, $2, $3, $4, $4, $4)
         ON CONFLICT (dedup_key) DO NOTHING
         RETURNING id",
    )
    .bind(request.kind().as_str())
    .bind(key)
    .bind(body.to_string())
    .bind(&at)
    .fetch_optional(&**pool)
    .await?;
    if let Some(row) = inserted {
        return Ok((row.try_get("id")?, Enqueued::New));
    }
    let existing = by_key(&**pool, key)
        .await?
        .ok_or_else(|| sqlx::Error::RowNotFound)?;
    // A settled row's stored request has its phone number erased: compare it erased too.
    let mut erased = body.clone();
    erase_phones(&mut erased);
    let stored = serde_json::from_str::<Value>(&existing.request).ok();
    let same = existing.kind == request.kind()
        && (stored.as_ref() == Some(&body) || stored.as_ref() == Some(&erased));
    if same {
        return Ok((existing.id, Enqueued::Existing));
    }
    if existing.state != State::Failed {
        return Err(EnqueueError::Conflict {
            id: existing.id,
            key: key.to_owned(),
        });
    }
    // A corrected request for an earning Points refused: the same row, pending again. `sent`
    // stays as it was, so "already taken" keeps meaning what it meant for this key.
    let updated = sqlx::query(
        "UPDATE earning_outbox SET kind = $1, request = $2, state = 'pending',
             next_attempt_at = $3, updated_at = $3, completed_at = NULL
         WHERE id = $4 AND state = 'failed'",
    )
    .bind(request.kind().as_str())
    .bind(body.to_string())
    .bind(&at)
    .bind(existing.id)
    .execute(&**pool)
    .await?;
    if updated.rows_affected() == 1 {
        Ok((existing.id, Enqueued::Requeued))
    } else {
        Err(EnqueueError::Conflict {
            id: existing.id,
            key: key.to_owned(),
        })
    }
}

pub async fn get(db: impl AnyExecutor<'_>, id: i64) -> Result<Option<OutboxRow>, sqlx::Error> {
    let sql = format!("SELECT {COLUMNS} FROM earning_outbox WHERE id = $1");
    sqlx::query(&sql)
        .bind(id)
        .fetch_optional(db)
        .await?
        .map(|row| read(&row))
        .transpose()
}

pub async fn by_key(db: impl AnyExecutor<'_>, key: &str) -> Result<Option<OutboxRow>, sqlx::Error> {
    let sql = format!("SELECT {COLUMNS} FROM earning_outbox WHERE dedup_key = $1");
    sqlx::query(&sql)
        .bind(key)
        .fetch_optional(db)
        .await?
        .map(|row| read(&row))
        .transpose()
}

/// Newest first, at most `limit`, in one state or all.
pub async fn list(
    db: impl AnyExecutor<'_>,
    state: Option<State>,
    limit: i64,
) -> Result<Vec<OutboxRow>, sqlx::Error> {
    let rows = match state {
        Some(state) => {
            let sql = format!(
                "SELECT {COLUMNS} FROM earning_outbox WHERE state = $1 ORDER BY id DESC LIMIT $2"
            );
            sqlx::query(&sql)
                .bind(state.as_str())
                .bind(limit)
                .fetch_all(db)
                .await?
        }
        None => {
            let sql = format!("SELECT {COLUMNS} FROM earning_outbox ORDER BY id DESC LIMIT $1");
            sqlx::query(&sql).bind(limit).fetch_all(db).await?
        }
    };
    rows.iter().map(read).collect()
}

/// The oldest pending row that is due now.
pub async fn next_due(db: impl AnyExecutor<'_>) -> Result<Option<OutboxRow>, sqlx::Error> {
    let sql = format!(
        "SELECT {COLUMNS} FROM earning_outbox
         WHERE state = 'pending' AND next_attempt_at <= $1
         ORDER BY id LIMIT 1"
    );
    sqlx::query(&sql)
        .bind(now())
        .fetch_optional(db)
        .await?
        .map(|row| read(&row))
        .transpose()
}

/// How long until the earliest pending row is due (zero if one is due now), `None` if no row
/// is pending.
pub async fn next_due_in(db: impl AnyExecutor<'_>) -> Result<Option<Duration>, sqlx::Error> {
    let row = sqlx::query(
        "SELECT MIN(next_attempt_at) AS next FROM earning_outbox WHERE state = 'pending'",
    )
    .fetch_one(db)
    .await?;
    let next: Option<String> = row.try_get("next")?;
    Ok(next
        .as_deref()
        .and_then(parse_timestamp)
        .map(|at| Duration::try_from(at - OffsetDateTime::now_utc()).unwrap_or(Duration::ZERO)))
}

/// Counts the attempt about to be made and marks the row as possibly sent, before anything is
/// sent: a crash mid-send leaves `sent = 1`. Only if the row is still pending with the
/// `attempts` it was read with (compare-and-set): `false` if anyone touched it since, so the
/// `sent` it was read with is still the truth when the attempt decides between a send and a
/// resend.
pub async fn claim(db: impl AnyExecutor<'_>, row: &OutboxRow) -> Result<bool, sqlx::Error> {
    let result = sqlx::query(
        "UPDATE earning_outbox SET attempts = attempts + 1, sent = 1, updated_at = $1
         WHERE id = $2 AND state = 'pending' AND attempts = $3",
    )
    .bind(now())
    .bind(row.id)
    .bind(row.attempts)
    .execute(db)
    .await?;
    Ok(result.rows_affected() == 1)
}

/// Settles `row` with Points' answer. Points now holds the earning, so the shopper's phone
/// number is no longer needed here: it is masked (`5*****678`) in the stored request and
/// answer in the same update (Saudi PDPL: keep personal data no longer than its purpose).
pub async fn complete(
    db: impl AnyExecutor<'_>,
    row: &OutboxRow,
    state: State,
    answer: &Value,
    points_uuid: Option<&str>,
    note: Option<&str>,
) -> Result<(), sqlx::Error> {
    let at = now();
    let mut answer = answer.clone();
    erase_phones(&mut answer);
    sqlx::query(
        "UPDATE earning_outbox SET state = $1, answer = $2, points_uuid = $3, last_error = $4,
             updated_at = $5, completed_at = $5, request = $6
         WHERE id = $7 AND state = 'pending'",
    )
    .bind(state.as_str())
    .bind(answer.to_string())
    .bind(points_uuid)
    .bind(note)
    .bind(&at)
    .bind(erased_request(&row.request))
    .bind(row.id)
    .execute(db)
    .await?;
    Ok(())
}

/// `request` with every phone number masked: the JSON's phone fields, or (if it is not JSON)
/// whatever in the text is shaped like a phone number.
pub fn erased_request(request: &str) -> String {
    match serde_json::from_str::<Value>(request) {
        Ok(mut value) => {
            erase_phones(&mut value);
            value.to_string()
        }
        Err(_) => crate::telemetry::phones::mask_phones(request),
    }
}

/// Masks, in place, the value of every field whose name mentions a phone or a mobile, at any
/// depth; a value that is not a recognisable KSA number is replaced whole.
pub fn erase_phones(value: &mut Value) {
    match value {
        Value::Object(fields) => {
            for (name, field) in fields.iter_mut() {
                let name = name.to_ascii_lowercase();
                let personal = name.contains("phone") || name.contains("mobile");
                let text = match &*field {
                    Value::String(text) if personal => Some(text.clone()),
                    Value::Number(number) if personal => Some(number.to_string()),
                    _ => None,
                };
                match text {
                    Some(text) => {
                        let masked = crate::telemetry::phones::mask_phones(&text);
                        *field = Value::String(if masked == text {
                            "[erased]".to_owned()
                        } else {
                            masked
                        });
                    }
                    None => erase_phones(field),
                }
            }
        }
        Value::Array(items) => items.iter_mut().for_each(erase_phones),
        _ => {}
    }
}

/// Deletes settled rows (any state but `pending`) completed before `completed_before`.
pub async fn purge_settled(pool: &Pool, completed_before: &str) -> Result<u64, sqlx::Error> {
    crate::db::purge_in_batches(
        pool,
        "DELETE FROM earning_outbox WHERE id IN (
             SELECT id FROM earning_outbox
             WHERE state <> 'pending' AND completed_at < $1 ORDER BY id LIMIT $2)",
        completed_before,
    )
    .await
}

/// Records a failed attempt to retry after `retry_in`; `sent` is whether any attempt so far
/// may have reached Points.
pub async fn retry_later(
    db: impl AnyExecutor<'_>,
    id: i64,
    error: &str,
    retry_in: Duration,
    sent: bool,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "UPDATE earning_outbox SET last_error = $1, next_attempt_at = $2, sent = $3, updated_at = $4
         WHERE id = $5 AND state = 'pending'",
    )
    .bind(error)
    .bind(after_now(retry_in))
    .bind(i64::from(sent))
    .bind(now())
    .bind(id)
    .execute(db)
    .await?;
    Ok(())
}

/// A definitive refusal: the row is failed with `reason` and never sent again by itself.
pub async fn fail(
    db: impl AnyExecutor<'_>,
    id: i64,
    reason: &str,
    sent: bool,
) -> Result<(), sqlx::Error> {
    let at = now();
    sqlx::query(
        "UPDATE earning_outbox SET state = 'failed', last_error = $1, sent = $2, updated_at = $3,
             completed_at = $3
         WHERE id = $4 AND state = 'pending'",
    )
    .bind(reason)
    .bind(i64::from(sent))
    .bind(&at)
    .bind(id)
    .execute(db)
    .await?;
    Ok(())
}

/// A failed row pending again, due now (after its cause was fixed: the earning channel
/// enabled, the merchant verified). `false` if the row is not failed.
pub async fn requeue(db: impl AnyExecutor<'_>, id: i64) -> Result<bool, sqlx::Error> {
    let at = now();
    let result = sqlx::query(
        "UPDATE earning_outbox SET state = 'pending', next_attempt_at = $1, updated_at = $1,
             completed_at = NULL
         WHERE id = $2 AND state = 'failed'",
    )
    .bind(&at)
    .bind(id)
    .execute(db)
    .await?;
    Ok(result.rows_affected() == 1)
}

/// Rows by state and the age of the oldest pending one, for `/metrics`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Backlog {
    /// Every [`State`], zero included.
    pub depth: Vec<(State, i64)>,
    /// Since the oldest pending row was enqueued; zero when none is pending.
    pub oldest_pending_age: Duration,
}

pub async fn backlog(pool: &Pool) -> Result<Backlog, sqlx::Error> {
    let rows = sqlx::query("SELECT state, COUNT(*) AS n FROM earning_outbox GROUP BY state")
        .fetch_all(&**pool)
        .await?;
    let mut depth: Vec<(State, i64)> = State::ALL.iter().map(|s| (*s, 0)).collect();
    for row in rows {
        let state: String = row.try_get("state")?;
        let n: i64 = row.try_get("n")?;
        if let Some(slot) = depth.iter_mut().find(|(s, _)| s.as_str() == state) {
            slot.1 = n;
        }
    }
    let oldest: Option<String> =
        sqlx::query("SELECT MIN(created_at) AS oldest FROM earning_outbox WHERE state = 'pending'")
            .fetch_one(&**pool)
            .await?
            .try_get("oldest")?;
    let oldest_pending_age = oldest
        .as_deref()
        .and_then(parse_timestamp)
        .and_then(|at| Duration::try_from(OffsetDateTime::now_utc() - at).ok())
        .unwrap_or_default();
    Ok(Backlog {
        depth,
        oldest_pending_age,
    })
}

fn read(row: &AnyRow) -> Result<OutboxRow, sqlx::Error> {
    let decode = |column: &str, what: &str| sqlx::Error::ColumnDecode {
        index: column.to_owned(),
        source: format!("unknown {what}").into(),
    };
    let kind: String = row.try_get("kind")?;
    let state: String = row.try_get("state")?;
    let sent: i64 = row.try_get("sent")?;
    Ok(OutboxRow {
        id: row.try_get("id")?,
        kind: Kind::parse(&kind).ok_or_else(|| decode("kind", "kind"))?,
        dedup_key: row.try_get("dedup_key")?,
        request: row.try_get("request")?,
        state: State::parse(&state).ok_or_else(|| decode("state", "state"))?,
        attempts: row.try_get("attempts")?,
        sent: sent != 0,
        next_attempt_at: row.try_get("next_attempt_at")?,
        last_error: row.try_get("last_error")?,
        answer: row.try_get("answer")?,
        points_uuid: row.try_get("points_uuid")?,
        created_at: row.try_get("created_at")?,
        updated_at: row.try_get("updated_at")?,
        completed_at: row.try_get("completed_at")?,
    })
}

#[cfg(test)]
mod erasure_tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn phone_fields_are_masked_at_any_depth_and_nothing_else_changes() {
        let mut answer = json!({
            "order_number": "SALE-0512345678",
            "phone_number": "0512345678",
            "customer": {"mobile": 966_551_234_567_u64, "name": "Noura"},
            "lines": [{"contact_phone": "not a number"}],
            "total_price": "512345678.00",
        });
        erase_phones(&mut answer);
        assert_eq!(
            answer,
            json!({
                "order_number": "SALE-0512345678",
                "phone_number": "5*****678",
                "customer": {"mobile": "5*****567", "name": "Noura"},
                "lines": [{"contact_phone": "[erased]"}],
                "total_price": "512345678.00",
            })
        );
        assert_eq!(
            erased_request(r#"{"phone_number":"+966512345678","rating":5}"#),
            r#"{"phone_number":"5*****678","rating":5}"#
        );
        assert_eq!(erased_request("not json 0512345678"), "not json 5*****678");
    }
}
