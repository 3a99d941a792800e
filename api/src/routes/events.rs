//! The live stream of order events for consoles (Server-Sent Events). Each
//! message is one event of an order the caller may see, with the order as
//! their views show it; its `id` is the event's. A reconnect with
//! `Last-Event-ID` replays what was missed (the database is the source); a
//! heartbeat comment keeps proxies from closing an idle stream.

use std::collections::VecDeque;
use std::time::Duration;

use actix_web::http::header;
use actix_web::web::Bytes;
use actix_web::{get, web, HttpRequest, HttpResponse};
use domain::actor::Actor;
use domain::{DomainError, FieldError};
use infra::usecase::live::{self, LiveEvent};
use infra::usecase::people;
use infra::Db;
use serde::Serialize;
use tokio::sync::broadcast::{error::RecvError, Receiver};
use utoipa::ToSchema;
use uuid::Uuid;

use crate::app::AppState;
use crate::auth::Caller;
use crate::error::ApiResult;
use crate::responses::{Auth, Invalid};
use crate::routes::order_views::{EventView, OrderView};

/// The `data` of one stream message.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct LiveMessage {
    pub event: EventView,
    /// The order as it stands, as the caller's views show it (phone masked unless theirs to call).
    pub order: OrderView,
}

fn frame(e: LiveEvent) -> Option<Bytes> {
    let id = e.event.id;
    let event = EventView::try_from(e.event).ok()?;
    let message = LiveMessage { event, order: OrderView::of(e.order, infra::ids::now_utc()) };
    let json = serde_json::to_string(&message).ok()?;
    Some(Bytes::from(format!("id: {id}\ndata: {json}\n\n")))
}

struct Feed {
    db: Db,
    actor: Actor,
    cursor: Uuid,
    wake: Receiver<()>,
    /// The node is stopping: end the stream (the console reconnects to another node).
    closed: std::pin::Pin<Box<dyn std::future::Future<Output = ()> + Send>>,
    heartbeat: Duration,
    queue: VecDeque<Bytes>,
    read_now: bool,
}

/// The next chunk: a queued message, else wait for a wake-up or the heartbeat, then read.
async fn next(mut f: Feed) -> Option<(Result<Bytes, actix_web::Error>, Feed)> {
    loop {
        if let Some(chunk) = f.queue.pop_front() {
            return Some((Ok(chunk), f));
        }
        if !f.read_now {
            tokio::select! {
                () = &mut f.closed => return None,
                woken = f.wake.recv() => if let Err(RecvError::Closed) = woken { return None },
                _ = tokio::time::sleep(f.heartbeat) => {
                    // The caller as they are now: a disabled account's stream ends, changed roles apply.
                    match people::actor(&f.db, f.actor.user_id).await {
                        Ok(actor) => f.actor = actor,
                        Err(DomainError::Unauthorized { .. }) => return None,
                        Err(e) => tracing::warn!(error.cause = %e, "live stream: could not reload the caller"),
                    }
                    f.queue.push_back(Bytes::from_static(b": heartbeat\n\n"))
                }
            }
        }
        match live::after(&f.db, f.actor.clone(), f.cursor).await {
            Ok(read) => {
                f.cursor = read.cursor;
                f.read_now = read.more;
                f.queue.extend(read.events.into_iter().filter_map(frame));
            }
            Err(e) => {
                tracing::warn!(error.cause = %e, "live stream: read failed; trying again at the next wake");
                f.read_now = false;
            }
        }
    }
}

fn last_event_id(req: &HttpRequest) -> Result<Option<Uuid>, DomainError> {
    let Some(value) = req.headers().get("Last-Event-ID") else { return Ok(None) };
    let text = value.to_str().unwrap_or("").trim();
    if text.is_empty() {
        return Ok(None);
    }
    text.parse().map(Some).map_err(|_| {
        domain::DomainError::Validation(vec![FieldError::new(
            "Last-Event-ID",
            "invalid_uuid",
            "必须是本流发过的事件 id",
        )])
    })
}

/// Live order events (Server-Sent Events)
///
/// `text/event-stream` of the order events in your scope (staff: your area; residents: your own
/// orders), as they happen. Each message: `id: <event id>` and `data:` a `LiveMessage` JSON.
/// Reconnect with `Last-Event-ID` (EventSource does it by itself) to get what you missed; a
/// `: heartbeat` comment comes every 15 s. With `fetch`, send the token as `Authorization`.
#[utoipa::path(
    tag = "notifications", security(("bearer" = [])),
    params(("Last-Event-ID" = Option<Uuid>, Header, description = "Replay the events after this one")),
    responses(
        (status = 200, description = "The stream; each `data:` is a LiveMessage", content_type = "text/event-stream", body = String),
        Auth, Invalid,
    )
)]
#[get("/api/v1/events/stream")]
pub async fn stream_events(state: web::Data<AppState>, caller: Caller, req: HttpRequest) -> ApiResult<HttpResponse> {
    let replay = last_event_id(&req)?;
    let hub = live::hub(&state.db);
    let (wake, closed) = (hub.subscribe(), Box::pin(hub.closed()));
    let cursor = match replay {
        Some(id) => id,
        None => live::start(&state.db).await?,
    };
    let feed = Feed {
        db: state.db.clone(),
        actor: caller.0,
        cursor,
        wake,
        closed,
        heartbeat: state.config.sse_heartbeat,
        queue: VecDeque::from([Bytes::from_static(b"retry: 3000\n: connected\n\n")]),
        read_now: replay.is_some(),
    };
    Ok(HttpResponse::Ok()
        .content_type("text/event-stream")
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .insert_header(("X-Accel-Buffering", "no"))
        .streaming(futures_util::stream::unfold(feed, next)))
}
