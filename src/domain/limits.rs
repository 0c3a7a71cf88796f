use serde::Deserialize;

/// Size limits on what a client may send (API.md "Limits"); configurable, these are the defaults.
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
        }
    }
}
