//! What the three kinds share on the native door: creating, reading one, listing.

use axum::extract::{RawQuery, State};
use axum::http::HeaderMap;
use axum::response::Response;
use axum::Json;
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::answers::{respond, Success};
use super::views::Entity;
use super::write;
use crate::api::http::auth::Reader;
use crate::api::http::body::{decode, refuse_nul, IdPath, JsonBody};
use crate::api::http::idempotency::Request;
use crate::api::http::problem::{ApiError, ApiResult, FieldError, Problem};
use crate::api::AppState;
use crate::app::{Caller, Command};
use crate::domain::object::ObjectSpec;
use crate::domain::records::ListFilter;
use crate::domain::state::State as LifecycleState;
use crate::domain::time::Timestamp;
use crate::domain::{FieldCode, Kind};

/// The path every native create takes: the idempotency key first, then the body's shape,
/// then the pipeline (rules, write, answer kept for retries).
pub async fn create<R>(
    app: AppState,
    caller: Caller,
    headers: HeaderMap,
    body: JsonBody,
    kind: Kind,
    route: &'static str,
    spec: impl FnOnce(R) -> ObjectSpec,
) -> ApiResult<Response>
where
    R: DeserializeOwned,
{
    let request = Request {
        method: "POST",
        route,
        object: None,
        body: Some(&body.value),
    };
    let decoded = decode::<R>(&body.value);
    let respond = respond(Some(kind), Success::Created);
    let command = |request| Command::Create(spec(request));
    write(&app, &caller, &headers, request, decoded, command, respond).await
}

/// Read one of the caller's objects.
#[utoipa::path(
    get, path = "/v1/{kind}/{id}", operation_id = "getObject", tag = "objects",
    params(
        ("kind" = String, Path, description = "Written out per kind in the document"),
        ("id" = String, Path, description = "The object's id (OCS Ref ID)"),
    ),
    responses((status = 200, body = Entity), (status = 401, body = Problem), (status = 404, body = Problem)),
    security(("bearer" = []))
)]
pub async fn get(
    kind: Kind,
    State(app): State<AppState>,
    Reader(caller): Reader,
    IdPath(id): IdPath,
) -> ApiResult<Json<Entity>> {
    let record = app
        .registry
        .object(&caller, kind, &id)
        .await?
        .ok_or_else(|| ApiError::not_found(format!("no {kind} has this id")))?;
    Ok(Json(Entity::from(&record)))
}

/// Filters and paging of a listing.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct ListQuery {
    pub external_id: Option<String>,
    pub segment: Option<String>,
    #[param(value_type = Option<LifecycleState>)]
    pub state: Option<String>,
    /// RFC 3339; only objects created after it.
    #[param(value_type = Option<String>, format = DateTime)]
    pub created_after: Option<String>,
    /// Accounts only: those this customer id owns.
    pub customer: Option<String>,
    /// Subscribers only: those of this account id.
    pub account: Option<String>,
    /// Page size, 1 to 1000 (default 100).
    #[param(value_type = Option<u32>, minimum = 1, maximum = 1000)]
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

/// Decodes a query string; a parameter sent empty (`?limit=`) counts as not sent, as forms
/// and generated clients send them.
pub fn query_without_empty_values<T: serde::de::DeserializeOwned>(
    raw: Option<&str>,
) -> ApiResult<T> {
    let malformed =
        |e: serde_urlencoded::de::Error| ApiError::malformed(format!("bad query string: {e}"));
    let pairs: Vec<(String, String)> =
        serde_urlencoded::from_str(raw.unwrap_or("")).map_err(malformed)?;
    let kept: Vec<(String, String)> = pairs.into_iter().filter(|(_, v)| !v.is_empty()).collect();
    let text = serde_urlencoded::to_string(&kept)
        .map_err(|e| ApiError::malformed(format!("bad query string: {e}")))?;
    serde_urlencoded::from_str(&text).map_err(malformed)
}

/// Parses `limit` (1 to `max`, default 100); problems go to `errors`.
pub fn page_size(limit: Option<&str>, max: usize, errors: &mut Vec<FieldError>) -> usize {
    match limit {
        None => DEFAULT_PAGE.min(max),
        Some(text) => match text.parse::<usize>() {
            Ok(n) if (1..=max).contains(&n) => n,
            _ => {
                errors.push(FieldError::new(
                    "limit",
                    FieldCode::InvalidFormat,
                    format!("limit is a whole number from 1 to {max}"),
                ));
                0
            }
        },
    }
}

fn parse_list_query(kind: Kind, raw: Option<&str>, max_page: usize) -> ApiResult<ListFilter> {
    let query: ListQuery = query_without_empty_values(raw)?;
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
    let mut errors = Vec::new();
    let limit = page_size(query.limit.as_deref(), max_page, &mut errors);
    let state = match query.state.as_deref() {
        None => None,
        Some(text) => match text.parse::<LifecycleState>() {
            Ok(state) => Some(state),
            Err(_) => {
                errors.push(FieldError::new(
                    "state",
                    FieldCode::InvalidFormat,
                    "state is one of INACTIVE, ACTIVE, SUSPENDED, DEACTIVATED",
                ));
                None
            }
        },
    };
    let created_after = match query.created_after.as_deref() {
        None => None,
        Some(text) => match Timestamp::parse_rfc3339(text) {
            Some(t) => Some(t),
            None => {
                errors.push(FieldError::new(
                    "createdAfter",
                    FieldCode::InvalidFormat,
                    "createdAfter is an RFC 3339 time such as 2026-01-31T12:00:00Z",
                ));
                None
            }
        },
    };
    if query.customer.is_some() && kind != Kind::Account {
        errors.push(FieldError::new(
            "customer",
            FieldCode::NotAllowed,
            "only accounts filter by customer",
        ));
    }
    if query.account.is_some() && kind != Kind::Subscriber {
        errors.push(FieldError::new(
            "account",
            FieldCode::NotAllowed,
            "only subscribers filter by account",
        ));
    }
    if !errors.is_empty() {
        return Err(ApiError::malformed("bad query parameters; see errors").with_errors(errors));
    }
    Ok(ListFilter {
        external_id: query.external_id,
        segment: query.segment,
        state,
        created_after,
        customer: query.customer,
        account: query.account,
        after_id: query.after,
        limit,
    })
}

/// List the caller's objects of the kind, oldest first, filtered and paged by cursor.
#[utoipa::path(
    get, path = "/v1/{kind}", operation_id = "listObjects", tag = "objects",
    params(("kind" = String, Path, description = "Written out per kind in the document"), ListQuery),
    responses((status = 200, body = Page), (status = 400, body = Problem), (status = 401, body = Problem)),
    security(("bearer" = []))
)]
pub async fn list(
    kind: Kind,
    State(app): State<AppState>,
    Reader(caller): Reader,
    RawQuery(raw): RawQuery,
) -> ApiResult<Json<Page>> {
    let filter = parse_list_query(kind, raw.as_deref(), app.limits.page_size)?;
    let (records, more) = app.registry.objects(&caller, kind, filter).await?;
    let data: Vec<Entity> = records.iter().map(Entity::from).collect();
    let next = if more {
        records.last().map(|r| r.id().to_owned())
    } else {
        None
    };
    Ok(Json(Page { data, next }))
}
