//! Editing a customer's contact data as eGain does: what an edit names is changed, a value
//! sent empty clears its field, and what it does not send is left as it is. The edit is
//! merged onto what is stored and the result checked whole by the create rules, so no edit
//! can leave data a create would refuse.

use std::collections::BTreeMap;

use super::rules;
use super::spec::{AttributeSpec, DetailsSpec, PersonSpec, PointSpec};
use super::ContactField;
use super::{ContactDetails, ContactPerson, ContactPoint, MultiAttributes, Secret};
use crate::domain::catalog::CatalogRules;
use crate::domain::errors::FieldErrors;
use crate::domain::path::{Field, FieldPath, Step};
use crate::domain::time::Timestamp;
use crate::domain::Limits;

/// An edit as sent. Texts and secrets sent empty clear; lists are `None` when not sent.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DetailsEdit {
    pub details: DetailsSpec,
    /// Whether `details.attributes` was sent at all.
    pub attributes_sent: bool,
    /// What was sent of each person, in the order sent, by its place in `details.persons`.
    pub persons: Vec<PersonSent>,
}

/// Which lists of a person an edit sent.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PersonSent {
    pub attributes: bool,
    pub points: bool,
}

fn merge_texts<K: Ord + Copy>(
    stored: &BTreeMap<K, String>,
    sent: &BTreeMap<K, String>,
) -> BTreeMap<K, String> {
    let mut out = stored.clone();
    for (field, value) in sent {
        if value.trim().is_empty() {
            out.remove(field);
        } else {
            out.insert(*field, value.clone());
        }
    }
    out
}

fn attribute_specs(stored: &MultiAttributes) -> Vec<AttributeSpec> {
    stored
        .iter()
        .map(|(name, values)| AttributeSpec {
            name: name.clone(),
            values: values.clone(),
        })
        .collect()
}

/// Sent attributes replace the stored ones of the same name; a name sent with no value is
/// removed; names not sent are kept.
fn merge_attributes(
    stored: &MultiAttributes,
    sent: Option<&[AttributeSpec]>,
) -> Vec<AttributeSpec> {
    let Some(sent) = sent else {
        return attribute_specs(stored);
    };
    let mut merged = attribute_specs(stored);
    for attribute in sent {
        merged.retain(|a| a.name != attribute.name);
        if attribute.values.iter().any(|v| !v.trim().is_empty()) {
            merged.push(attribute.clone());
        }
    }
    merged
}

fn flags_text(person: &ContactPerson) -> BTreeMap<super::PersonFlag, String> {
    person
        .flags
        .iter()
        .map(|(flag, on)| (*flag, on.to_string()))
        .collect()
}

fn point_spec(stored: &ContactPoint) -> PointSpec {
    PointSpec {
        id: Some(stored.id.clone()),
        channel: Some(stored.channel.name().to_owned()),
        texts: stored.texts.clone(),
        priority: stored.priority.clone(),
        attributes: attribute_specs(&stored.attributes),
    }
}

fn merge_point(stored: Option<&ContactPoint>, sent: &PointSpec) -> PointSpec {
    let Some(stored) = stored else {
        // A new point: an id it names that is no point of the person's is not taken.
        return PointSpec {
            id: None,
            ..sent.clone()
        };
    };
    let mut merged = point_spec(stored);
    if let Some(channel) = sent.channel.as_ref().filter(|c| !c.trim().is_empty()) {
        if channel != stored.channel.name() {
            // Another channel: the stored channel's fields mean nothing for it.
            merged.texts.clear();
        }
        merged.channel = Some(channel.clone());
    }
    merged.texts = merge_texts(&merged.texts, &sent.texts);
    match sent.priority.as_deref() {
        Some(p) if p.trim().is_empty() => merged.priority = None,
        Some(p) => merged.priority = Some(p.to_owned()),
        None => {}
    }
    if !sent.attributes.is_empty() {
        merged.attributes = merge_attributes(&stored.attributes, Some(&sent.attributes));
    }
    merged
}

/// Where the items of a merged list came from in the request: `(merged, sent)` indices.
type Origins = Vec<(usize, usize)>;

/// A sent person merged onto the stored one; where each of its sent points went.
fn merge_person(
    stored: Option<&ContactPerson>,
    sent: &PersonSpec,
    lists: &PersonSent,
) -> (PersonSpec, Origins) {
    let Some(stored) = stored else {
        // A new person, with new ids for it and its points.
        let person = PersonSpec {
            id: None,
            secret_answer: sent.secret_answer.clone().filter(|s| !s.trim().is_empty()),
            points: sent
                .points
                .iter()
                .map(|p| PointSpec {
                    id: None,
                    ..p.clone()
                })
                .collect(),
            ..sent.clone()
        };
        return (person, (0..sent.points.len()).map(|j| (j, j)).collect());
    };
    let mut points: Vec<PointSpec> = stored.points.iter().map(point_spec).collect();
    let mut origins = Vec::new();
    if lists.points {
        for (j, point) in sent.points.iter().enumerate() {
            let at = point
                .id
                .as_ref()
                .and_then(|id| stored.points.iter().position(|p| &p.id == id));
            match at {
                Some(i) => {
                    points[i] = merge_point(Some(&stored.points[i]), point);
                    origins.push((i, j));
                }
                None => {
                    points.push(merge_point(None, point));
                    origins.push((points.len() - 1, j));
                }
            }
        }
    }
    let person = PersonSpec {
        id: Some(stored.id.clone()),
        texts: merge_texts(&stored.texts, &sent.texts),
        flags: merge_texts(&flags_text(stored), &sent.flags),
        // Checked by the rules when sent; put back after them from the stored hash or the
        // sent text.
        secret_answer: sent.secret_answer.clone().filter(|s| !s.trim().is_empty()),
        attributes: merge_attributes(
            &stored.attributes,
            lists.attributes.then_some(&sent.attributes[..]),
        ),
        points,
    };
    (person, origins)
}

/// A secret after an edit: the one sent (blank clears it), else the one stored.
fn kept_secret(stored: Option<&Secret>, sent: Option<&str>) -> Option<Secret> {
    match sent {
        Some(text) if text.trim().is_empty() => None,
        Some(text) => Some(Secret::Given(text.to_owned())),
        None => stored.cloned(),
    }
}

/// Where the persons and points of the merged data were in the request.
#[derive(Default)]
struct Placement {
    persons: Origins,
    /// Per merged person, where its points were.
    points: Vec<(usize, Origins)>,
}

impl Placement {
    /// A problem of the merged data at its place in the request: a person's and a point's
    /// index become the ones they were sent at; what the request did not send keeps its
    /// merged index.
    fn in_request(&self, path: &FieldPath) -> FieldPath {
        let mut steps = path.steps().to_vec();
        let after = |steps: &[Step], field: ContactField| {
            steps
                .iter()
                .position(|s| *s == Step::Field(Field::Contact(field)))
                .map(|p| p + 1)
        };
        let person_at = after(&steps, ContactField::Persons);
        let point_at = after(&steps, ContactField::Points);
        let Some(Step::Index(person)) = person_at.and_then(|p| steps.get(p).cloned()) else {
            return path.clone();
        };
        let point = point_at.and_then(|q| match steps.get(q) {
            Some(Step::Index(point)) => Some((q, *point)),
            _ => None,
        });
        if let Some((q, point)) = point {
            let sent = self
                .points
                .iter()
                .find(|(m, _)| *m == person)
                .and_then(|(_, origins)| origins.iter().find(|(m, _)| *m == point));
            if let Some((_, sent)) = sent {
                steps[q] = Step::Index(*sent);
            }
        }
        if let (Some(p), Some((_, sent))) =
            (person_at, self.persons.iter().find(|(m, _)| *m == person))
        {
            steps[p] = Step::Index(*sent);
        }
        FieldPath::from_steps(steps)
    }
}

/// The contact data `current` becomes under `edit`, every create rule checked on the
/// result, each problem named where the request sent it. Persons are matched by id, or an
/// individual's one person by being the one; a point by id, and one without an id is
/// added. Sent secrets come back in the clear for the write to hash; the others keep their
/// stored hashes.
pub fn plan_edit(
    current: &ContactDetails,
    edit: DetailsEdit,
    catalog: &CatalogRules,
    limits: &Limits,
    at: Timestamp,
    new_id: &mut dyn FnMut() -> String,
) -> Result<ContactDetails, FieldErrors> {
    let sent = edit.details;
    let mut persons: Vec<PersonSpec> = current
        .persons
        .iter()
        .map(|p| merge_person(Some(p), &PersonSpec::default(), &PersonSent::default()).0)
        .collect();
    let mut placement = Placement::default();
    let mut secret_answers: Vec<(usize, Option<&str>)> = Vec::new();
    let default_lists = PersonSent::default();
    for (i, person) in sent.persons.iter().enumerate() {
        let lists = edit.persons.get(i).unwrap_or(&default_lists);
        let by_id = person
            .id
            .as_ref()
            .and_then(|id| current.persons.iter().position(|p| &p.id == id));
        let at = by_id.or_else(|| {
            (person.id.is_none() && current.persons.len() == 1 && sent.persons.len() == 1)
                .then_some(0)
        });
        let merged = match at {
            Some(at) => {
                let (spec, points) = merge_person(Some(&current.persons[at]), person, lists);
                persons[at] = spec;
                secret_answers.push((at, person.secret_answer.as_deref()));
                placement.points.push((at, points));
                at
            }
            None => {
                let (spec, points) = merge_person(None, person, lists);
                persons.push(spec);
                placement.points.push((persons.len() - 1, points));
                persons.len() - 1
            }
        };
        placement.persons.push((merged, i));
    }
    let spec = DetailsSpec {
        texts: merge_texts(&current.texts, &sent.texts),
        // Checked by the rules when sent, put back after them when not.
        pin: sent.pin.clone().filter(|p| !p.trim().is_empty()),
        attributes: merge_attributes(
            &current.attributes,
            edit.attributes_sent.then_some(&sent.attributes[..]),
        ),
        persons,
    };
    let mut planned = rules::plan(spec, catalog, limits, at, new_id).map_err(|errors| {
        let mut placed = FieldErrors::new();
        for e in errors.into_vec() {
            placed.push(placement.in_request(&e.path), e.code, e.message);
        }
        placed
    })?;
    planned.pin = kept_secret(current.pin.as_ref(), sent.pin.as_deref());
    for person in planned.persons.iter_mut() {
        let index = current.persons.iter().position(|p| p.id == person.id);
        let stored = index.and_then(|i| current.persons[i].secret_answer.as_ref());
        let sent_answer = index.and_then(|i| {
            secret_answers
                .iter()
                .find(|(at, _)| *at == i)
                .and_then(|(_, s)| *s)
        });
        // A new person's secret answer is the one the rules kept in the clear.
        if index.is_some() {
            person.secret_answer = kept_secret(stored, sent_answer);
        }
    }
    Ok(planned)
}
