/// How a request names another object: by the server's id or by the client's external id.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Reference {
    RefId(String),
    ExternalId(String),
}
