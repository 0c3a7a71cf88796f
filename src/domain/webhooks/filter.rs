use super::{problem, WebhookField, WebhookProblem, EVENT_TYPES};
use crate::domain::FieldCode;

const MAX_PATTERNS: usize = 50;

/// The event types an endpoint takes: exact types, `entity.*` or `*`, each known.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EventFilter(Vec<String>);

impl EventFilter {
    /// Every problem of the list at once, each at its pattern's index.
    pub fn parse(patterns: Vec<String>) -> Result<Self, Vec<WebhookProblem>> {
        if patterns.is_empty() {
            return Err(vec![problem(
                WebhookField::Events(None),
                FieldCode::Required,
                "name at least one event type, `entity.*` or `*`",
            )]);
        }
        if patterns.len() > MAX_PATTERNS {
            return Err(vec![problem(
                WebhookField::Events(None),
                FieldCode::TooMany,
                format!("at most {MAX_PATTERNS} patterns"),
            )]);
        }
        let problems: Vec<WebhookProblem> = patterns
            .iter()
            .enumerate()
            .filter(|(_, pattern)| !known_pattern(pattern))
            .map(|(i, _)| {
                problem(
                    WebhookField::Events(Some(i)),
                    FieldCode::NotAllowed,
                    format!(
                        "not an event type, `entity.*` or `*`; the types are {}",
                        EVENT_TYPES.join(", ")
                    ),
                )
            })
            .collect();
        if !problems.is_empty() {
            return Err(problems);
        }
        let mut kept: Vec<String> = Vec::with_capacity(patterns.len());
        for pattern in patterns {
            if !kept.contains(&pattern) {
                kept.push(pattern);
            }
        }
        Ok(Self(kept))
    }

    /// Patterns as stored: checked when they were stored, so not checked again.
    pub fn from_stored(patterns: Vec<String>) -> Self {
        Self(patterns)
    }

    pub fn patterns(&self) -> &[String] {
        &self.0
    }

    pub fn matches(&self, event_type: &str) -> bool {
        self.0
            .iter()
            .any(|pattern| pattern_matches(pattern, event_type))
    }
}

fn pattern_matches(pattern: &str, event_type: &str) -> bool {
    if pattern == "*" {
        return true;
    }
    match pattern.strip_suffix(".*") {
        Some(entity) => entity_of(event_type) == Some(entity),
        None => pattern == event_type,
    }
}

fn entity_of(event_type: &str) -> Option<&str> {
    event_type.split_once('.').map(|(entity, _)| entity)
}

fn known_pattern(pattern: &str) -> bool {
    pattern == "*"
        || EVENT_TYPES.contains(&pattern)
        || pattern
            .strip_suffix(".*")
            .is_some_and(|entity| EVENT_TYPES.iter().any(|t| entity_of(t) == Some(entity)))
}
#[cfg(test)]
mod tests {
    use super::*;

    fn strings(items: &[&str]) -> Vec<String> {
        items.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn patterns_name_known_types_entities_or_all() {
        let filter =
            EventFilter::parse(strings(&["customer.*", "subscriber.state_changed"])).unwrap();
        assert!(filter.matches("customer.created"));
        assert!(filter.matches("customer.state_changed"));
        assert!(filter.matches("subscriber.state_changed"));
        assert!(!filter.matches("subscriber.created"));
        assert!(!filter.matches("customers.created"));
        assert!(!filter.matches("account.updated"));
        assert!(EventFilter::parse(strings(&["*"]))
            .unwrap()
            .matches("catalog.updated"));
        let refused = EventFilter::parse(strings(&[
            "customer.*",
            "customer.create",
            "nope.*",
            "customer",
            "*.created",
        ]))
        .unwrap_err();
        let at: Vec<WebhookField> = refused.iter().map(|p| p.field).collect();
        assert_eq!(
            at,
            [1, 2, 3, 4].map(|i| WebhookField::Events(Some(i))).to_vec()
        );
        assert_eq!(
            EventFilter::parse(vec![]).unwrap_err()[0].code,
            FieldCode::Required
        );
        let deduplicated = EventFilter::parse(strings(&["*", "*"])).unwrap();
        assert_eq!(deduplicated.patterns(), ["*"]);
    }
}
