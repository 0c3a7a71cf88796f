use serde::Deserialize;

/// Size limits on what a client may send (API.md "Limits"), and how much the server takes on
/// at once; configurable, these are the defaults.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase", default, deny_unknown_fields)]
pub struct Limits {
    pub body_bytes: usize,
    pub string_chars: usize,
    pub external_id_chars: usize,
    pub attribute_keys: usize,
    pub attribute_key_chars: usize,
    pub attribute_value_chars: usize,
    pub nesting_depth: usize,
    pub page_size: usize,
    pub idempotency_key_chars: usize,
    /// Requests handled at once; one more is answered 503 with `Retry-After` at once rather
    /// than queued without end.
    pub max_in_flight: usize,
    /// A request not answered within this many seconds is ended with a 503; more than the
    /// longest wait a feed read may ask for.
    pub request_timeout_secs: u64,
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            body_bytes: 1024 * 1024,
            string_chars: 1024,
            external_id_chars: 128,
            attribute_keys: 100,
            attribute_key_chars: 64,
            attribute_value_chars: 4096,
            nesting_depth: 32,
            page_size: 1000,
            idempotency_key_chars: 255,
            max_in_flight: 1024,
            request_timeout_secs: 60,
        }
    }
}
