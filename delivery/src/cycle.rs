//! Scheduled briefings and their delivery by e-mail, over the store.
//!
//! One *cycle*: for every scheduled slot that is due and not yet handled, compute
//! the results as of the slot's date, build and archive the edition in every
//! configured language, record the slot and queue the edition for every
//! recipient; then send the deliveries that are due. `md2030 serve` runs a cycle
//! every 30 seconds on its own thread; `md2030 briefings run` runs one.
//!
//! Each (edition, recipient) is queued once (a unique row), claimed before the
//! SMTP exchange and marked sent after it: a message leaves at most once. A
//! transient failure (server unreachable, 4xx) is retried after the configured
//! delays; a permanent one (5xx, bad address, TLS) fails at once. Both are logged.

use std::path::PathBuf;
use std::sync::mpsc::{Receiver, RecvTimeoutError};
use std::time::Duration;

use crate::{Config, Error, Letter, Mailer, SendError};
use chrono::{DateTime, Utc};
use md2030_briefing::edition;
use md2030_model::Lang;
use md2030_results::CatalogFiles;
use md2030_store::{Addressee, Delivery, EditionRecord, Store};
use sha2::{Digest, Sha256};

/// How often `md2030 serve` runs a cycle.
pub const CYCLE_EVERY: Duration = Duration::from_secs(30);

/// Something a cycle did, for the log.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Event {
    Built { slot: String, edition: String, new: bool },
    Queued { edition: String, recipients: usize },
    Sent { edition: String, recipient: String, lang: String },
    Retry { edition: String, recipient: String, attempt: u32, error: String, next_at: String },
    Failed { edition: String, recipient: String, error: String },
    Uncertain { edition: String, recipient: String },
    Error { what: String, error: String },
}

impl Event {
    pub fn is_problem(&self) -> bool {
        matches!(
            self,
            Event::Retry { .. }
                | Event::Failed { .. }
                | Event::Uncertain { .. }
                | Event::Error { .. }
        )
    }

    pub fn describe(&self) -> String {
        match self {
            Event::Built { slot, edition, new: true } => {
                format!("{slot}: {edition} built and archived")
            }
            Event::Built { slot, edition, new: false } => {
                format!("{slot}: {edition} (the same inputs as an archived edition)")
            }
            Event::Queued { edition, recipients } => {
                format!("{edition}: queued for {recipients} recipients")
            }
            Event::Sent { edition, recipient, lang } => {
                format!("{edition}: sent to {recipient} ({lang})")
            }
            Event::Retry { edition, recipient, attempt, error, next_at } => {
                format!(
                    "{edition}: attempt {attempt} to {recipient} failed ({error}); next attempt at {next_at}"
                )
            }
            Event::Failed { edition, recipient, error } => {
                format!("{edition}: not delivered to {recipient}: {error}")
            }
            Event::Uncertain { edition, recipient } => format!(
                "{edition}: the process stopped while sending to {recipient}; not sent again automatically (the message may have left)"
            ),
            Event::Error { what, error } => format!("{what}: {error}"),
        }
    }
}

pub fn rfc3339(time: DateTime<Utc>) -> String {
    time.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
}

/// A Message-ID stable for one (edition, recipient).
fn message_id(edition: &EditionRecord, recipient: &str, from: &str) -> String {
    let domain =
        from.rsplit_once('@').map(|(_, d)| d.trim_end_matches('>')).unwrap_or("md2030.localhost");
    let who = md2030_store::hex(&Sha256::digest(recipient.to_ascii_lowercase().as_bytes()));
    format!("<md2030.e{}.{}@{domain}>", edition.edition_no, &who[..16])
}

/// Queues `edition` for every recipient of `config` (those already queued for
/// it are left alone).
pub fn enqueue(
    store: &mut Store,
    config: &Config,
    edition: &EditionRecord,
    now: DateTime<Utc>,
) -> Result<usize, Error> {
    let Some(smtp) = &config.smtp else { return Ok(0) };
    let addressees: Vec<Addressee<'_>> = config
        .recipients
        .iter()
        .map(|r| Addressee {
            recipient: &r.email,
            lang: r.lang.code(),
            message_id: message_id(edition, &r.email, &smtp.from),
        })
        .collect();
    Ok(store.enqueue_deliveries(edition.edition_no, &addressees, &rfc3339(now))?)
}

/// Builds (or finds) the edition of the results as of `as_of` in every configured
/// language: results computed and stored first, then the edition archived.
pub fn build_edition(
    store: &mut Store,
    config: &Config,
    catalog: &CatalogFiles,
    as_of: chrono::NaiveDate,
    trigger: &str,
    now: DateTime<Utc>,
) -> Result<edition::Built, Error> {
    md2030_results::compute_and_store(store, as_of, &rfc3339(now), false, "scheduler")?;
    let published = md2030_results::Published::load(store, catalog)?;
    let built = edition::build(store, &published, &config.languages, trigger, &rfc3339(now))?;
    if !built.typeset.is_empty() {
        store.audit(&md2030_store::AuditEntry {
            at: &rfc3339(now),
            actor: "scheduler",
            action: "briefing",
            subject: &built.edition.edition_id,
            outcome: "ok",
            address: "",
            detail: serde_json::json!({
                "trigger": trigger,
                "langs": built.typeset.iter().map(|l| l.code()).collect::<Vec<_>>(),
                "as_of": built.edition.as_of,
            }),
        })?;
    }
    Ok(built)
}

/// Builds (or finds) the stocktake pack of the meeting of `meeting` in every
/// configured language, dated `day`.
fn build_pack(
    store: &mut Store,
    config: &Config,
    catalog: &CatalogFiles,
    meeting: &str,
    trigger: &str,
    day: chrono::NaiveDate,
    now: DateTime<Utc>,
) -> Result<(), Error> {
    let published = md2030_results::Published::load(store, catalog)?;
    let built = md2030_briefing::pack::build(
        store,
        &published,
        meeting,
        &day.to_string(),
        &config.languages,
        trigger,
        &rfc3339(now),
    )?;
    let typeset: Vec<&str> = built.iter().filter(|b| b.typeset).map(|b| b.lang.code()).collect();
    if let Some(first) = built.first().filter(|_| !typeset.is_empty()) {
        store.audit(&md2030_store::AuditEntry {
            at: &rfc3339(now),
            actor: "scheduler",
            action: "stocktake_pack",
            subject: &first.pack.pack_id,
            outcome: "ok",
            address: "",
            detail: serde_json::json!({"trigger": trigger, "langs": typeset, "meeting": meeting}),
        })?;
    }
    Ok(())
}

/// The stocktake pack sent with `edition` in `lang`: the one built for the
/// meeting slot the edition handled, if any.
fn pack_for(
    store: &Store,
    edition: &EditionRecord,
    lang: Lang,
) -> Result<Option<(String, Vec<u8>)>, md2030_store::Error> {
    let slots = store.edition_slots(edition.edition_no)?;
    let Some(pack) = store.packs()?.into_iter().find(|p| slots.contains(&p.trigger)) else {
        return Ok(None);
    };
    Ok(store
        .read_pack(&pack, lang.code())?
        .map(|pdf| (md2030_briefing::pack::file_name(&pack, lang), pdf)))
}

/// Builds the editions whose slots are due and queues them.
fn scheduled(
    store: &mut Store,
    config: &Config,
    catalog: &CatalogFiles,
    now: DateTime<Utc>,
    events: &mut Vec<Event>,
) -> Result<(), Error> {
    for slot in config.schedule.due(now) {
        if store.slot_edition(&slot.id)?.is_some() {
            continue;
        }
        let built = build_edition(store, config, catalog, slot.edition_date, &slot.id, now)
            .map_err(|e| Error::Slot { slot: slot.id.clone(), source: Box::new(e) })?;
        // Before a Commission meeting, its stocktake pack too, sent with the
        // briefing; archived before the slot is marked handled.
        if let Some(meeting) = slot.id.strip_prefix("meeting:") {
            build_pack(store, config, catalog, meeting, &slot.id, slot.edition_date, now)
                .map_err(|e| Error::Slot { slot: slot.id.clone(), source: Box::new(e) })?;
        }
        events.push(Event::Built {
            slot: slot.id.clone(),
            edition: built.edition.edition_id.clone(),
            new: built.new_edition,
        });
        // Queued before the slot is marked handled: a process stopped in between
        // finds the slot due again, the same edition by its key, and the queue
        // already holding it.
        let queued = enqueue(store, config, &built.edition, now)?;
        if queued > 0 {
            events.push(Event::Queued {
                edition: built.edition.edition_id.clone(),
                recipients: queued,
            });
        }
        store.record_slot(&slot.id, built.edition.edition_no, &rfc3339(now))?;
    }
    Ok(())
}

/// Sends one claimed delivery.
fn send_one(
    store: &Store,
    config: &Config,
    mailer: &Mailer,
    delivery: &Delivery,
) -> Result<(), SendError> {
    let edition =
        store.edition(delivery.edition_no).map_err(|e| SendError::Transient(e.to_string()))?;
    let lang = Lang::parse(&delivery.lang).unwrap_or_default();
    let pdf = store
        .read_briefing(&edition, lang.code())
        .map_err(|e| SendError::Transient(e.to_string()))?
        .ok_or_else(|| {
            SendError::Permanent(format!(
                "{} has no {} briefing archived",
                edition.edition_id,
                lang.code()
            ))
        })?;
    let sample = edition::read_manifest(store, &edition)
        .map(|m| m.datasets.iter().any(|d| d.synthetic))
        .unwrap_or(false);
    let (subject, body) = edition::letter(&edition, sample, lang);
    let also = pack_for(store, &edition, lang).map_err(|e| SendError::Transient(e.to_string()))?;
    let name =
        config.recipients.iter().find(|r| r.email == delivery.recipient).map(|r| r.name.as_str());
    mailer.send(&Letter {
        to_name: name.unwrap_or(""),
        to_email: &delivery.recipient,
        subject,
        body,
        attachment_name: edition::file_name(&edition, lang),
        pdf: &pdf,
        also: also.as_ref().map(|(name, bytes)| (name.clone(), bytes.as_slice())),
        message_id: delivery.message_id.clone(),
    })
}

/// Sends every delivery that is due.
pub fn send_due(
    store: &mut Store,
    config: &Config,
    now: DateTime<Utc>,
    events: &mut Vec<Event>,
) -> Result<(), Error> {
    let due = store.due_deliveries(&rfc3339(now))?;
    if due.is_empty() {
        return Ok(());
    }
    let Some(smtp) = &config.smtp else { return Ok(()) };
    let mailer = match Mailer::new(smtp) {
        Ok(mailer) => mailer,
        Err(err) => {
            events.push(Event::Error { what: "SMTP set-up".into(), error: err.to_string() });
            return Ok(());
        }
    };
    for delivery in due {
        if !store.claim_delivery(delivery.id)? {
            continue;
        }
        let attempt = delivery.attempts + 1;
        let edition_id = md2030_store::edition_id(delivery.edition_no);
        match send_one(store, config, &mailer, &delivery) {
            Ok(()) => {
                store.delivery_sent(delivery.id, &rfc3339(Utc::now()))?;
                events.push(Event::Sent {
                    edition: edition_id,
                    recipient: delivery.recipient.clone(),
                    lang: delivery.lang.clone(),
                });
            }
            Err(err) => {
                let wait = config.retry_minutes.get(attempt as usize - 1).copied();
                match (err.is_permanent(), wait) {
                    (false, Some(minutes)) => {
                        let next_at = rfc3339(now + chrono::Duration::minutes(i64::from(minutes)));
                        store.delivery_failed(delivery.id, &err.to_string(), Some(&next_at))?;
                        events.push(Event::Retry {
                            edition: edition_id,
                            recipient: delivery.recipient.clone(),
                            attempt,
                            error: err.to_string(),
                            next_at,
                        });
                    }
                    _ => {
                        let error = if err.is_permanent() {
                            err.to_string()
                        } else {
                            format!("{err} (after {attempt} attempts)")
                        };
                        store.delivery_failed(delivery.id, &error, None)?;
                        events.push(Event::Failed {
                            edition: edition_id,
                            recipient: delivery.recipient.clone(),
                            error,
                        });
                    }
                }
            }
        }
    }
    Ok(())
}

/// Deliveries a stopped process left mid-exchange become uncertain.
pub fn settle(store: &mut Store, events: &mut Vec<Event>) -> Result<(), Error> {
    for delivery in store.settle_interrupted_deliveries()? {
        events.push(Event::Uncertain {
            edition: md2030_store::edition_id(delivery.edition_no),
            recipient: delivery.recipient,
        });
    }
    Ok(())
}

/// One cycle: scheduled editions, then due deliveries. Errors are events: one
/// failing slot does not stop the deliveries.
pub fn cycle(
    store: &mut Store,
    config: &Config,
    catalog: &CatalogFiles,
    now: DateTime<Utc>,
) -> Vec<Event> {
    let mut events = Vec::new();
    schedule_step(store, config, catalog, now, &mut events);
    send_step(store, config, now, &mut events);
    events
}

/// [`scheduled`], its error recorded as an event.
fn schedule_step(
    store: &mut Store,
    config: &Config,
    catalog: &CatalogFiles,
    now: DateTime<Utc>,
    events: &mut Vec<Event>,
) {
    if let Err(err) = scheduled(store, config, catalog, now, events) {
        events.push(Event::Error { what: "scheduled briefing".into(), error: err.to_string() });
    }
}

/// [`send_due`], its error recorded as an event.
fn send_step(store: &mut Store, config: &Config, now: DateTime<Utc>, events: &mut Vec<Event>) {
    if let Err(err) = send_due(store, config, now, events) {
        events.push(Event::Error { what: "delivery".into(), error: err.to_string() });
    }
}

/// The loop `md2030 serve` runs on its own thread until `stop` is dropped or
/// signalled.
pub fn run(data_dir: PathBuf, config: Config, stop: Receiver<()>) {
    let log = |event: &Event| {
        if event.is_problem() {
            tracing::warn!(event = %event.describe(), "briefings");
        } else {
            tracing::info!(event = %event.describe(), "briefings");
        }
    };
    let mut store = match Store::open_shared(&data_dir) {
        Ok(store) => store,
        Err(err) => {
            tracing::error!(%err, "briefings: cannot open the store; no scheduled briefings");
            return;
        }
    };
    let mut events = Vec::new();
    if let Err(err) = settle(&mut store, &mut events) {
        tracing::error!(err = %err.to_string(), "briefings");
    }
    events.iter().for_each(log);
    let next: Vec<String> = config
        .schedule
        .upcoming(Utc::now(), 3)
        .iter()
        .map(|s| format!("{} at {}", s.id, rfc3339(s.due_at)))
        .collect();
    tracing::info!(
        recipients = config.recipients.len(),
        next = %next.join(", "),
        "briefings scheduled"
    );
    loop {
        let now = Utc::now();
        let mut events = Vec::new();
        // Building an edition writes the archive: under the writer lock, taken
        // only when a slot is due and never waited for (a busy store is tried
        // again next cycle). Sending only updates the queue in the catalogue.
        let due = config
            .schedule
            .due(now)
            .iter()
            .any(|slot| store.slot_edition(&slot.id).is_ok_and(|e| e.is_none()));
        if due {
            let holder = md2030_store::Holder::new("scheduled briefing", "scheduler");
            match Store::open_writer(&data_dir, holder, md2030_store::Wait::No, &mut |_| {}) {
                // The catalogue in force now (an edited targets file counts).
                Ok(mut writer) => match md2030_results::read_catalog(&data_dir) {
                    Ok(catalog) => schedule_step(&mut writer, &config, &catalog, now, &mut events),
                    Err(err) => events.push(Event::Error {
                        what: "scheduled briefing".into(),
                        error: err.to_string(),
                    }),
                },
                Err(md2030_store::Error::Busy { holder }) => tracing::info!(
                    writer = holder.as_deref().unwrap_or(""),
                    "briefings: the store is busy; the scheduled edition waits for the next cycle"
                ),
                Err(err) => events.push(Event::Error {
                    what: "scheduled briefing".into(),
                    error: err.to_string(),
                }),
            }
        }
        send_step(&mut store, &config, now, &mut events);
        events.iter().for_each(log);
        match stop.recv_timeout(CYCLE_EVERY) {
            Err(RecvTimeoutError::Timeout) => continue,
            Ok(()) | Err(RecvTimeoutError::Disconnected) => break,
        }
    }
}
