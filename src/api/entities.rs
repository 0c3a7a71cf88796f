//! What the three kinds share on the native door: reading one, listing, and the events and
//! views their writes produce.

use axum::extract::{RawQuery, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use axum::Json;
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::auth::Caller;
use super::body::JsonBody;
use super::body::{refuse_nul, IdPath};
use super::idempotency::{self, decode_or_refuse, Success};
use super::problem::{ApiError, ApiResult, Problem};
use super::AppState;
use crate::domain::auth::Role;
use crate::domain::catalog::CatalogRules;
use crate::domain::state::State as LifecycleState;
use crate::domain::time::Timestamp;
use crate::domain::views::{BadRow, Entity};
use crate::domain::Limits;
use crate::domain::{FieldCode, FieldErrors};
use crate::store::{
    AccountRow, CustomerRow, EntityFilter, EntityRow, EventRow, Kind, WriteOp, Written,
};

pub fn new_id() -> String {
    uuid::Uuid::now_v7().to_string()
}

/// A row the domain cannot show is our fault, not the client's.
pub fn view<T>(converted: Result<T, BadRow>) -> ApiResult<T> {
    converted.map_err(ApiError::internal)
}

/// The object's JSON, serialised once for both the answer and the event that carries it.
pub fn shown(kind: Kind, what: &str, entity: &Entity) -> ApiResult<(Vec<u8>, EventRow)> {
    let body = serde_json::to_vec(entity).map_err(ApiError::internal)?;
    let event = EventRow {
        event_type: format!("{}.{what}", kind.entity()),
        entity: kind.entity().to_owned(),
        entity_id: entity.id().to_owned(),
        data: String::from_utf8(body.clone()).map_err(ApiError::internal)?,
    };
    Ok((body, event))
}

/// An event whose data is the object as `GET` shows it after the change.
pub fn event(kind: Kind, what: &str, row: &EntityRow) -> ApiResult<EventRow> {
    let entity = view(Entity::try_from(row.clone()))?;
    Ok(shown(kind, what, &entity)?.1)
}

/// The `*.created` events of the parents a create made with the object, parents first.
pub fn created_events(
    customer: Option<&CustomerRow>,
    account: Option<&AccountRow>,
) -> ApiResult<Vec<EventRow>> {
    let mut events = Vec::new();
    if let Some(row) = customer {
        events.push(event(
            Kind::Customer,
            "created",
            &EntityRow::Customer(row.clone()),
        )?);
    }
    if let Some(row) = account {
        events.push(event(
            Kind::Account,
            "created",
            &EntityRow::Account(row.clone()),
        )?);
    }
    Ok(events)
}

/// The path every native create takes: the idempotency key first, then the body's shape,
/// the rules against the tenant's catalog, and the write with its answer kept for retries.
/// `written` shows the new object and gives the events of any parents made with it.
pub async fn create<R, P, W>(
    app: AppState,
    caller: Caller,
    headers: HeaderMap,
    body: JsonBody,
    kind: Kind,
    plan: P,
    written: W,
) -> ApiResult<Response>
where
    R: DeserializeOwned,
    P: FnOnce(R, &CatalogRules, &Limits) -> Result<WriteOp, FieldErrors>,
    W: FnOnce(&Written) -> ApiResult<(Entity, Vec<EventRow>)> + Send + 'static,
{
    let limits = &app.config.limits;
    let path = format!("/v1/{}", kind.table());
    let claim = idempotency::claim(
        &headers,
        Some(&body.value),
        "POST",
        &path,
        limits.idempotency_key_chars,
    )?;
    let request: R = decode_or_refuse!(app, caller, claim, &body.value);
    let (_, catalog) = app.catalogs.get(&app.store, &caller.tenant).await?;
    let planned = plan(request, &catalog, limits);
    let (op, refused) = idempotency::refusable(planned, claim.is_some())?;
    let render = idempotency::render(refused, move |outcome| {
        let (entity, mut events) = written(outcome)?;
        let (body, created) = shown(kind, "created", &entity)?;
        events.push(created);
        Ok(Success {
            status: StatusCode::CREATED,
            location: Some(format!("{path}/{}", entity.id())),
            events,
            body,
        })
    });
    app.write(&caller, claim, op, render).await
}

/// Read one object of the caller's tenant. `kind` is `customers`, `accounts` or `subscribers`.
#[utoipa::path(
    get, path = "/v1/{kind}/{id}", tag = "objects",
    params(
        ("kind" = String, Path, description = "customers, accounts or subscribers"),
        ("id" = String, Path, description = "The object's id (OCS Ref ID)"),
    ),
    responses((status = 200, body = Entity), (status = 401, body = Problem), (status = 404, body = Problem)),
    security(("bearer" = []))
)]
pub async fn get(
    kind: Kind,
    State(app): State<AppState>,
    caller: Caller,
    IdPath(id): IdPath,
) -> ApiResult<Json<Entity>> {
    caller.require(Role::Reader)?;
    let row = app
        .store
        .entity(kind, &caller.tenant, &id)
        .await?
        .ok_or_else(|| ApiError::not_found(format!("no {} {id:?}", kind.entity())))?;
    Ok(Json(view(Entity::try_from(row))?))
}

/// Filters and paging of a listing.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct ListQuery {
    pub external_id: Option<String>,
    pub segment: Option<String>,
    /// INACTIVE, ACTIVE, SUSPENDED or DEACTIVATED.
    pub state: Option<String>,
    /// RFC 3339; only objects created after it.
    pub created_after: Option<String>,
    /// Accounts only: those this customer id owns.
    pub customer: Option<String>,
    /// Subscribers only: those of this account id.
    pub account: Option<String>,
    /// Page size, 1 to 1000 (default 100).
    pub limit: Option<String>,
    /// The `next` cursor of the previous page.
    pub after: Option<String>,
}

/// One page of a listing.
#[derive(Debug, Serialize, ToSchema)]
pub struct Page {
    pub data: Vec<Entity>,
    /// Pass as `after` for the next page; null on the last page.
    pub next: Option<String>,
}

const DEFAULT_PAGE: usize = 100;

/// Parses `limit` (1 to `max`, default 100); problems go to `errors`.
pub fn page_size(limit: Option<&str>, max: usize, errors: &mut FieldErrors) -> usize {
    match limit {
        None => DEFAULT_PAGE.min(max),
        Some(text) => match text.parse::<usize>() {
            Ok(n) if (1..=max).contains(&n) => n,
            _ => {
                errors.push(
                    "limit",
                    FieldCode::InvalidFormat,
                    format!("limit is a whole number from 1 to {max}"),
                );
                0
            }
        },
    }
}

fn parse_list_query(kind: Kind, raw: Option<&str>, max_page: usize) -> ApiResult<EntityFilter> {
    let query: ListQuery = serde_urlencoded::from_str(raw.unwrap_or(""))
        .map_err(|e| ApiError::malformed(format!("bad query string: {e}")))?;
    for (name, value) in [
        ("externalId", &query.external_id),
        ("segment", &query.segment),
        ("state", &query.state),
        ("createdAfter", &query.created_after),
        ("customer", &query.customer),
        ("account", &query.account),
        ("limit", &query.limit),
        ("after", &query.after),
    ] {
        if let Some(value) = value {
            refuse_nul(name, value)?;
        }
    }
    let mut errors = FieldErrors::new();
    let limit = page_size(query.limit.as_deref(), max_page, &mut errors);
    if let Some(state) = query.state.as_deref() {
        if state.parse::<LifecycleState>().is_err() {
            errors.push(
                "state",
                FieldCode::InvalidFormat,
                "state is one of INACTIVE, ACTIVE, SUSPENDED, DEACTIVATED",
            );
        }
    }
    let created_after = match query.created_after.as_deref() {
        None => None,
        Some(text) => match Timestamp::parse_rfc3339(text) {
            Some(t) => Some(t.micros()),
            None => {
                errors.push(
                    "createdAfter",
                    FieldCode::InvalidFormat,
                    "createdAfter is an RFC 3339 time such as 2026-01-31T12:00:00Z",
                );
                None
            }
        },
    };
    if query.customer.is_some() && kind != Kind::Account {
        errors.push(
            "customer",
            FieldCode::NotAllowed,
            "only accounts filter by customer",
        );
    }
    if query.account.is_some() && kind != Kind::Subscriber {
        errors.push(
            "account",
            FieldCode::NotAllowed,
            "only subscribers filter by account",
        );
    }
    if !errors.is_empty() {
        return Err(ApiError::malformed("bad query parameters; see errors").with_errors(errors));
    }
    Ok(EntityFilter {
        external_id: query.external_id,
        segment: query.segment,
        state: query.state,
        created_after,
        customer: query.customer,
        account: query.account,
        after_id: query.after,
        limit,
    })
}

/// List the tenant's objects of a kind, oldest first, filtered and paged by cursor.
#[utoipa::path(
    get, path = "/v1/{kind}", tag = "objects",
    params(("kind" = String, Path, description = "customers, accounts or subscribers"), ListQuery),
    responses((status = 200, body = Page), (status = 400, body = Problem), (status = 401, body = Problem)),
    security(("bearer" = []))
)]
pub async fn list(
    kind: Kind,
    State(app): State<AppState>,
    caller: Caller,
    RawQuery(raw): RawQuery,
) -> ApiResult<Json<Page>> {
    caller.require(Role::Reader)?;
    let mut filter = parse_list_query(kind, raw.as_deref(), app.config.limits.page_size)?;
    let limit = filter.limit;
    filter.limit = limit + 1;
    let mut rows = app.store.entities(kind, &caller.tenant, filter).await?;
    let more = rows.len() > limit;
    rows.truncate(limit);
    let data = rows
        .into_iter()
        .map(|row| view(Entity::try_from(row)))
        .collect::<ApiResult<Vec<_>>>()?;
    let next = if more {
        data.last().map(|e| e.id().to_owned())
    } else {
        None
    };
    Ok(Json(Page { data, next }))
}
