//! eGain's individual customers: create, read by ids, search by email or phone.

use axum::extract::rejection::PathRejection;
use axum::extract::{Path, RawQuery, Request, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::middleware;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::Router;
use serde_json::Value;

use super::document::{self, Unreadable};
use super::error::EgainError;
use super::format::Format;
use super::schema::{Node, CUSTOMERS_DOC, CUSTOMER_DOC};
use super::session::{echo_session, Session};
use super::wire;
use super::xml::XmlLimits;
use crate::api::http::body::{parse_json, read_bytes};
use crate::api::http::idempotency::{self, Request as Claimed};
use crate::api::AppState;
use crate::app::{respond_with, Command, Failure, Respond};
use crate::domain::contact::ContactSearch;
use crate::domain::customer::CustomerSpec;
use crate::domain::idempotency::{Answer, Claim};
use crate::domain::object::ObjectSpec;
use crate::domain::outcome::Written;
use crate::domain::records::{CustomerRecord, Record};
use crate::domain::refusal::{Refusal, UniqueKey};
use crate::domain::FieldErrors;

/// The route a claim is scoped by, whichever prefix the request came under.
const ROUTE: &str = "/ws/v12/interaction/customer";
/// At most this many ids in one read.
const MAX_IDS: usize = 75;
const DEFAULT_PAGE_SIZE: usize = 75;

pub fn routes() -> Router<AppState> {
    let mut router = Router::new();
    for prefix in super::PATH_PREFIXES {
        router = router
            .route(
                &format!("{prefix}/interaction/customer"),
                post(create).get(search).put(edit),
            )
            .route(&format!("{prefix}/interaction/customer/{{ids}}"), get(read));
    }
    router.route_layer(middleware::from_fn(echo_session))
}

/// Runs a handler's work, answering its refusal in the request's format.
fn answered(format: Format, result: Result<Response, EgainError>) -> Response {
    result.unwrap_or_else(|e| e.in_format(format).into_response())
}

async fn create(
    State(app): State<AppState>,
    Session(caller): Session,
    headers: HeaderMap,
    request: Request,
) -> Response {
    let format = Format::of_request(&headers);
    answered(format, create_customer(app, caller, headers, request).await)
}

async fn create_customer(
    app: AppState,
    caller: crate::app::Caller,
    headers: HeaderMap,
    request: Request,
) -> Result<Response, EgainError> {
    let command = |doc: &Value| {
        Ok(Command::Create(ObjectSpec::Customer(CustomerSpec {
            contact: Some(wire::spec_of(doc)),
            ..Default::default()
        })))
    };
    write_document(app, caller, headers, request, "POST", command, created).await
}

async fn edit(
    State(app): State<AppState>,
    Session(caller): Session,
    headers: HeaderMap,
    request: Request,
) -> Response {
    let format = Format::of_request(&headers);
    answered(format, edit_customer(app, caller, headers, request).await)
}

/// `PUT` of a customer document naming its customer by `id`: what it sends is changed,
/// what it sends empty is cleared, the rest is left as it is; 204.
async fn edit_customer(
    app: AppState,
    caller: crate::app::Caller,
    headers: HeaderMap,
    request: Request,
) -> Result<Response, EgainError> {
    let command = |doc: &Value| {
        let number = wire::id_of(doc).and_then(decimal_id).ok_or_else(|| {
            EgainError::bad_request("id: an edit names its customer by its decimal id")
        })?;
        Ok(Command::EditContact {
            number,
            edit: wire::edit_of(doc),
        })
    };
    write_document(app, caller, headers, request, "PUT", command, edited).await
}

/// A write of a customer document: the body read in its format, the request's claim, the
/// command the document makes, and the answer `respond` gives (told the paths of the
/// document's emails, one of which a taken email is). A body that cannot be read or makes
/// no command is refused; with a claim, through the pipeline, so its retries get the same.
async fn write_document(
    app: AppState,
    caller: crate::app::Caller,
    headers: HeaderMap,
    request: Request,
    method: &'static str,
    command: impl FnOnce(&Value) -> Result<Command, EgainError>,
    respond: fn(Format, Vec<String>) -> Respond,
) -> Result<Response, EgainError> {
    let body_format = Format::of_body(&headers).ok_or_else(EgainError::unsupported_media_type)?;
    let bytes = read_bytes(request, app.limits.body_bytes)
        .await
        .map_err(|e| EgainError::new(e.status(), 101, e.detail()))?;
    let read = read_document(&bytes, body_format, &CUSTOMER_DOC, app.limits.nesting_depth);
    let claim = claim(
        &headers,
        method,
        &bytes,
        body_format,
        read.as_ref().ok(),
        &app,
    )?;
    let emails = read.as_ref().map(wire::email_paths).unwrap_or_default();
    let command = match read.and_then(|doc| command(&doc)) {
        Ok(command) => command,
        Err(e) if claim.is_some() => Command::Refuse(e.in_format(body_format).answer()),
        Err(e) => return Err(e),
    };
    let reply = app
        .registry
        .write(&caller, claim, command, respond(body_format, emails))
        .await?;
    Ok(idempotency::respond(reply))
}

/// 204 with no body, or the refusal in eGain's shape.
fn edited(format: Format, emails: Vec<String>) -> Respond {
    respond_with(move |result, _| match result {
        Ok(_) => Answer {
            status: 204,
            content_type: format.content_type().to_owned(),
            body: Vec::new(),
            location: None,
        },
        Err(failure) => refusal(failure, &emails).in_format(format).answer(),
    })
}

/// The body as the one document form, or why it cannot be read (400).
pub(crate) fn read_document(
    bytes: &[u8],
    format: Format,
    root: &Node,
    nesting_depth: usize,
) -> Result<Value, EgainError> {
    let unreadable = |e: Unreadable| EgainError::bad_request(e.0);
    match format {
        Format::Xml => {
            let limits = XmlLimits {
                max_depth: nesting_depth,
                ..XmlLimits::default()
            };
            document::from_xml(bytes, root, &limits).map_err(unreadable)
        }
        Format::Json => {
            let value = parse_json(bytes, nesting_depth)
                .map_err(|e| EgainError::bad_request(e.detail()))?;
            document::from_json(value, root).map_err(unreadable)
        }
    }
}

/// The request's `Idempotency-Key` claim. Its fingerprint covers the format and the
/// document as read (or, for a body that cannot be read, its bytes).
fn claim(
    headers: &HeaderMap,
    method: &'static str,
    bytes: &[u8],
    format: Format,
    doc: Option<&Value>,
    app: &AppState,
) -> Result<Option<Claim>, EgainError> {
    let body = serde_json::json!({
        "format": format.content_type(),
        "document": doc.cloned().unwrap_or_else(|| Value::String(String::from_utf8_lossy(bytes).into_owned())),
    });
    let request = Claimed {
        method,
        route: ROUTE,
        object: None,
        body: Some(&body),
    };
    idempotency::claim(headers, None, request, app.limits.idempotency_key_chars).map_err(|e| {
        let why = e
            .field_errors()
            .first()
            .map_or_else(|| e.detail().to_owned(), |f| f.message.clone());
        EgainError::bad_request(format!("Idempotency-Key: {why}"))
    })
}

/// 201 with no body and the customer's `Location`, or the refusal in eGain's shape.
fn created(format: Format, emails: Vec<String>) -> Respond {
    respond_with(move |result, _| match result {
        Ok(Written::Created(items)) => {
            let number = items.first().and_then(|item| match &item.object {
                Record::Customer(c) => c.number,
                _ => None,
            });
            match number {
                Some(number) => Answer {
                    status: 201,
                    content_type: format.content_type().to_owned(),
                    body: Vec::new(),
                    location: Some(wire::location(number)),
                },
                None => EgainError::from(crate::app::AppError::Internal(
                    "a created customer has no number".into(),
                ))
                .in_format(format)
                .answer(),
            }
        }
        Ok(_) => EgainError::from(crate::app::AppError::Internal(
            "a create wrote no customer".into(),
        ))
        .in_format(format)
        .answer(),
        Err(failure) => refusal(failure, &emails).in_format(format).answer(),
    })
}

/// A write that did not happen, in eGain's words, naming the field; `emails` are the
/// paths of the request's email addresses, one of which a taken email is.
pub fn refusal(failure: Failure<'_>, emails: &[String]) -> EgainError {
    match failure {
        Failure::Invalid(errors) => invalid(errors),
        Failure::Refused(
            Refusal::Taken {
                key: UniqueKey::Email,
                ..
            },
            _,
        ) => {
            let at = match emails {
                [one] => one.clone(),
                [] => "emailAddress".to_owned(),
                many => format!("one of {}", many.join(", ")),
            };
            EgainError::bad_request(format!(
                "{at}: the email address is already another contact point's"
            ))
        }
        Failure::Refused(Refusal::Missing, _) => {
            EgainError::not_found("id: no customer has this id")
        }
        Failure::Refused(Refusal::Terminal, _) => {
            EgainError::bad_request("the customer is DEACTIVATED and takes no further change")
        }
        Failure::Refused(Refusal::Stale, _) => EgainError::conflict(
            "the customer changed while this edit was being made; read it again and retry",
        ),
        Failure::Refused(Refusal::Taken { .. }, _) => {
            EgainError::bad_request("a value that must be unique is already taken")
        }
        Failure::Refused(refusal, _) => {
            EgainError::bad_request(format!("the customer cannot be written: {refusal:?}"))
        }
    }
}

/// Every problem, each at its path in the request: `path: message; path: message`.
fn invalid(errors: &FieldErrors) -> EgainError {
    const MAX_LISTED: usize = 50;
    let all = errors.as_slice();
    let mut listed: Vec<String> = all
        .iter()
        .take(MAX_LISTED)
        .map(|e| format!("{}: {}", wire::render(&e.path), e.message))
        .collect();
    if all.len() > MAX_LISTED {
        listed.push(format!("and {} more problems", all.len() - MAX_LISTED));
    }
    EgainError::bad_request(listed.join("; "))
}

async fn read(
    State(app): State<AppState>,
    Session(caller): Session,
    ids: Result<Path<String>, PathRejection>,
    headers: HeaderMap,
) -> Response {
    let format = Format::of_request(&headers);
    let Ok(Path(ids)) = ids else {
        return EgainError::bad_request("the ids in the path are not valid UTF-8")
            .in_format(format)
            .into_response();
    };
    answered(format, read_customers(app, caller, ids, headers).await)
}

async fn read_customers(
    app: AppState,
    caller: crate::app::Caller,
    ids: String,
    headers: HeaderMap,
) -> Result<Response, EgainError> {
    let format = Format::accepted(&headers).map_err(|_| EgainError::not_acceptable())?;
    let numbers = parse_ids(&ids).map_err(|e| e.in_format(format))?;
    let mut found = Vec::new();
    for number in &numbers {
        if let Some(Record::Customer(customer)) =
            app.registry.customer_by_number(&caller, *number).await?
        {
            found.push(customer);
        }
    }
    if found.is_empty() {
        return Err(EgainError::not_found("no customer has the id asked for").in_format(format));
    }
    if numbers.len() == 1 {
        let doc = wire::document_of(&found[0]);
        return Ok(document(format, &doc, &CUSTOMER_DOC));
    }
    Ok(list(format, &found))
}

/// A customer's id as this door writes it: decimal digits only (no sign, no blank).
fn decimal_id(text: &str) -> Option<u64> {
    let text = text.trim();
    if text.is_empty() || !text.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    text.parse().ok()
}

/// `2801` or `2801,2802,…`: decimal ids, at most [`MAX_IDS`].
fn parse_ids(ids: &str) -> Result<Vec<u64>, EgainError> {
    let parts: Vec<&str> = ids.split(',').collect();
    if parts.len() > MAX_IDS {
        return Err(EgainError::bad_request(format!(
            "at most {MAX_IDS} ids may be read at once; {} were asked for",
            parts.len()
        )));
    }
    let mut numbers = Vec::with_capacity(parts.len());
    for part in parts {
        let number = decimal_id(part)
            .ok_or_else(|| EgainError::bad_request("a customer id is a decimal number"))?;
        if !numbers.contains(&number) {
            numbers.push(number);
        }
    }
    Ok(numbers)
}

/// A document as the answer's body, in its format.
fn document(format: Format, doc: &Value, root: &Node) -> Response {
    let body = match format {
        Format::Xml => document::to_xml(doc, root),
        Format::Json => serde_json::to_vec(doc).expect("documents serialise"),
    };
    let mut response = (StatusCode::OK, body).into_response();
    response.headers_mut().insert(
        axum::http::header::CONTENT_TYPE,
        HeaderValue::from_static(format.content_type()),
    );
    response
}

/// Several customers: `<customers>` of `<customer>` in XML, `{"customer": […]}` in JSON.
fn list(format: Format, customers: &[CustomerRecord]) -> Response {
    let docs: Vec<Value> = customers.iter().map(wire::document_of).collect();
    document(
        format,
        &serde_json::json!({ "customer": docs }),
        &CUSTOMERS_DOC,
    )
}

async fn search(
    State(app): State<AppState>,
    Session(caller): Session,
    RawQuery(query): RawQuery,
    headers: HeaderMap,
) -> Response {
    let format = Format::of_request(&headers);
    answered(format, search_customers(app, caller, query, headers).await)
}

async fn search_customers(
    app: AppState,
    caller: crate::app::Caller,
    query: Option<String>,
    headers: HeaderMap,
) -> Result<Response, EgainError> {
    let format = Format::accepted(&headers).map_err(|_| EgainError::not_acceptable())?;
    let refuse = |message: String| EgainError::bad_request(message).in_format(format);
    let pairs: Vec<(String, String)> =
        serde_urlencoded::from_str(query.as_deref().unwrap_or(""))
            .map_err(|_| refuse("the query string cannot be read".into()))?;
    let mut by = None;
    let (mut page, mut size) = (1usize, DEFAULT_PAGE_SIZE);
    for (name, value) in pairs {
        if value.contains('\0') {
            return Err(refuse(format!("{name} must not hold NUL characters")));
        }
        match name.as_str() {
            "email" | "phone" if by.is_some() => {
                return Err(refuse("search by email or by phone, one of them".into()))
            }
            "email" => by = Some(ContactSearch::Email(value)),
            "phone" => by = Some(ContactSearch::Phone(value)),
            "$pagenum" => page = positive(&name, &value, usize::MAX).map_err(refuse)?,
            "$pagesize" => size = positive(&name, &value, app.limits.page_size).map_err(refuse)?,
            // Results come in the order customers were made; a sort is accepted and kept.
            "$sort" | "$order" => {}
            other => return Err(refuse(format!("unknown query parameter `{other}`"))),
        }
    }
    let by = by.ok_or_else(|| refuse("search by email=… or phone=…".into()))?;
    let records = app
        .registry
        .search_contacts(&caller, by, page, size)
        .await?;
    let customers: Vec<CustomerRecord> = records
        .into_iter()
        .filter_map(|r| match r {
            Record::Customer(c) => Some(c),
            _ => None,
        })
        .collect();
    if customers.is_empty() {
        return Ok(StatusCode::NO_CONTENT.into_response());
    }
    Ok(list(format, &customers))
}

fn positive(name: &str, value: &str, max: usize) -> Result<usize, String> {
    match value.parse::<usize>() {
        Ok(n) if (1..=max).contains(&n) => Ok(n),
        _ => Err(format!("{name} is a whole number from 1 to {max}")),
    }
}
