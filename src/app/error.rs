use crate::domain::auth::Role;
use crate::store::StoreError;

/// What can go wrong in a use case apart from the request's own problems, which the
/// doors render from the domain's field errors and refusals.
#[derive(Debug, thiserror::Error)]
pub enum AppError {
    #[error("this call needs the {needed} role; the caller has {has}")]
    Forbidden { needed: Role, has: Role },
    #[error("this idempotency key was used before with a different request")]
    KeyReused,
    #[error("the first request with this idempotency key is still running")]
    InProgress,
    #[error("{0}")]
    Unavailable(String),
    #[error("the data is busy with other writes; retry")]
    Busy,
    #[error("{0}")]
    Internal(String),
}

impl From<StoreError> for AppError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::WriterGone => Self::Unavailable("the server is shutting down".into()),
            StoreError::Busy => Self::Busy,
            other => Self::Internal(other.to_string()),
        }
    }
}
