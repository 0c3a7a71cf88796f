//! Planning a bank batch: every customer, account and card checked before anything is
//! written, every problem reported at its path in the batch.

use std::collections::HashMap;

use super::country::is_country;
use super::spec::BankCustomerSpec;
use super::values::BankProfile;
use crate::domain::account::NewAccount;
use crate::domain::catalog::{BankList, CatalogRules};
use crate::domain::customer::NewCustomer;
use crate::domain::entity::NewEntity;
use crate::domain::errors::{FieldCode, FieldErrors};
use crate::domain::kind::Kind;
use crate::domain::object::{NewObject, OnExisting};
use crate::domain::path::{Field, FieldPath};
use crate::domain::time::Timestamp;
use crate::domain::Limits;

/// A batch ready to be written: the customers in batch order, then each account once, in
/// the order its first copy came. `paths[n]` is where object `n` is in the batch (`[i]`, or
/// `[i].accounts[j]` for an account's first copy), for naming what the store refuses.
#[derive(Debug, Clone)]
pub struct BankPlan {
    pub objects: Vec<NewObject>,
    pub paths: Vec<FieldPath>,
}

/// Checks a whole batch of new customers. Rule problems come first: a batch that also
/// repeats a customer is answered with its rule problems; only a batch that breaks no rule
/// is told of repeats. An account stored already may be joined (a joint account).
pub fn plan_batch(
    specs: Vec<BankCustomerSpec>,
    catalog: &CatalogRules,
    limits: &Limits,
    at: Timestamp,
) -> Result<BankPlan, FieldErrors> {
    plan(specs, catalog, limits, at, OnExisting::Refuse)
}

/// Checks a batch that updates stored customers (a full payload for each): the same rules
/// as [`plan_batch`], and every object planned to update what is stored.
pub fn plan_update(
    specs: Vec<BankCustomerSpec>,
    catalog: &CatalogRules,
    limits: &Limits,
    at: Timestamp,
) -> Result<BankPlan, FieldErrors> {
    plan(specs, catalog, limits, at, OnExisting::Update)
}

/// `customers` is what a stored customer's id means: a duplicate, or the one to update.
fn plan(
    specs: Vec<BankCustomerSpec>,
    catalog: &CatalogRules,
    limits: &Limits,
    at: Timestamp,
    customers_mode: OnExisting,
) -> Result<BankPlan, FieldErrors> {
    // A stored account is always a joint account sent again, or updated with its customer.
    let accounts_mode = match customers_mode {
        OnExisting::Update => OnExisting::Update,
        OnExisting::Refuse | OnExisting::Join => OnExisting::Join,
    };
    let mut planner = Planner {
        catalog,
        limits,
        at,
        rules: FieldErrors::new(),
        repeats: FieldErrors::new(),
        customers: Vec::new(),
        accounts: Vec::new(),
        account_at: HashMap::new(),
        customer_at: HashMap::new(),
    };
    for (i, spec) in specs.into_iter().enumerate() {
        planner.customer(i, spec);
    }
    planner.refuse_parent_cycles();
    let Planner {
        rules,
        repeats,
        customers,
        accounts,
        ..
    } = planner;
    if !rules.is_empty() {
        return Err(rules);
    }
    if !repeats.is_empty() {
        return Err(repeats);
    }
    let mut plan = BankPlan {
        objects: Vec::new(),
        paths: Vec::new(),
    };
    for (mut customer, path) in customers.into_iter().flatten() {
        customer.on_existing = customers_mode;
        plan.objects.push(NewObject::Customer(customer));
        plan.paths.push(path);
    }
    for (mut account, path) in accounts {
        account.on_existing = accounts_mode;
        plan.objects.push(NewObject::Account(account));
        plan.paths.push(path);
    }
    Ok(plan)
}

pub(super) struct Planner<'a> {
    pub(super) catalog: &'a CatalogRules,
    pub(super) limits: &'a Limits,
    pub(super) at: Timestamp,
    pub(super) rules: FieldErrors,
    pub(super) repeats: FieldErrors,
    /// `None` where the customer broke a rule.
    pub(super) customers: Vec<Option<(NewCustomer, FieldPath)>>,
    pub(super) accounts: Vec<(NewAccount, FieldPath)>,
    pub(super) account_at: HashMap<String, usize>,
    pub(super) customer_at: HashMap<String, usize>,
}

impl Planner<'_> {
    fn customer(&mut self, i: usize, spec: BankCustomerSpec) {
        let at = FieldPath::item(i);
        let before = self.rules.len();
        let id = self.bounded(
            at.clone().then(Field::ExternalId),
            &spec.source_customer_id,
            true,
            self.limits.external_id_chars,
        );
        if let Some(id) = &id {
            if self.customer_at.insert(id.clone(), i).is_some() {
                self.repeats.push(
                    at.clone().then(Field::ExternalId),
                    FieldCode::Duplicate,
                    "this customer is sent twice in the batch",
                );
            }
        }
        let parent = self.bounded(
            at.clone().then(Field::Parent),
            &spec.source_parent_customer_id,
            false,
            self.limits.external_id_chars,
        );
        if parent.is_some() && parent == id {
            self.rules.push(
                at.clone().then(Field::Parent),
                FieldCode::NotAllowed,
                "a customer cannot be its own parent",
            );
        }
        let profile = self.profile(&at, &spec);
        match &spec.accounts {
            None => self.rules.push(
                at.clone().then(Field::Accounts),
                FieldCode::Required,
                "is required",
            ),
            Some(accounts) => {
                for (j, account) in accounts.iter().enumerate() {
                    let path = at.clone().then(Field::Accounts).index(j);
                    self.account(path, id.as_deref(), account);
                }
            }
        }
        let entity = self.entity(Kind::Customer, id);
        let planned = match (entity, profile) {
            (Some(entity), Some(bank)) if self.rules.len() == before => Some((
                NewCustomer {
                    entity,
                    test_customer: false,
                    parent: None,
                    awaited_parent: parent,
                    bank: Some(bank),
                    contact: None,
                    number: None,
                    on_existing: OnExisting::Refuse,
                },
                at,
            )),
            _ => None,
        };
        self.customers.push(planned);
    }

    fn profile(&mut self, at: &FieldPath, spec: &BankCustomerSpec) -> Option<BankProfile> {
        let field = |f: Field| at.clone().then(f);
        let organization_id = self.text(field(Field::OrganizationId), &spec.organization_id, true);
        let postal_code = self.text(field(Field::PostalCode), &spec.postal_code, true);
        let country = self
            .text(field(Field::Country), &spec.country, true)
            .filter(|code| {
                let known = is_country(code);
                if !known {
                    self.rules.push(
                        field(Field::Country),
                        FieldCode::InvalidFormat,
                        "an ISO 3166-1 alpha-2 country code such as US",
                    );
                }
                known
            });
        let created_on = self.date(field(Field::CreatedOn), &spec.customer_creation_date, true);
        let start = self.date(
            field(Field::EnrollmentStart),
            &spec.enrollment_start_date,
            true,
        );
        let end = self.date(
            field(Field::EnrollmentEnd),
            &spec.enrollment_end_date,
            false,
        );
        self.not_before(field(Field::EnrollmentEnd), end, start);
        let opt_in = self.listed(
            field(Field::EnrollmentOptIn),
            &spec.enrollment_opt_in_status,
            BankList::EnrollmentOptIn,
            true,
        );
        let alert_opt_ins = match &spec.alert_opt_in_status {
            None => {
                self.rules.push(
                    field(Field::AlertOptIns),
                    FieldCode::Required,
                    "is required",
                );
                None
            }
            Some(values) if values.is_empty() => {
                self.rules.push(
                    field(Field::AlertOptIns),
                    FieldCode::Required,
                    "lists at least one status",
                );
                None
            }
            Some(values) => values
                .iter()
                .enumerate()
                .map(|(k, value)| {
                    let path = field(Field::AlertOptIns).index(k);
                    self.listed(path, &Some(value.clone()), BankList::AlertOptIn, true)
                })
                .collect::<Vec<_>>()
                .into_iter()
                .collect::<Option<Vec<_>>>(),
        };
        let targeting = self.listed(
            field(Field::Targeting),
            &spec.targeting_indicator,
            BankList::Targeting,
            true,
        );
        let redemption = self.listed(
            field(Field::RedemptionEligibility),
            &spec.redemption_eligibility,
            BankList::RedemptionEligibility,
            false,
        );
        let redemption_ok = spec.redemption_eligibility.is_none() || redemption.is_some();
        match (
            organization_id,
            postal_code,
            country,
            created_on,
            start,
            opt_in,
            alert_opt_ins,
            targeting,
        ) {
            (
                Some(organization_id),
                Some(postal_code),
                Some(country),
                Some(created_on),
                Some(enrollment_start),
                Some(enrollment_opt_in),
                Some(alert_opt_ins),
                Some(targeting),
            ) if redemption_ok => Some(BankProfile {
                organization_id,
                postal_code,
                country,
                created_on,
                enrollment_start,
                enrollment_end: end,
                enrollment_opt_in,
                alert_opt_ins,
                targeting,
                redemption_eligibility: redemption,
            }),
            _ => None,
        }
    }

    /// The object the door's profile makes, under the external id the bank gave it.
    pub(super) fn entity(&mut self, kind: Kind, external_id: Option<String>) -> Option<NewEntity> {
        let bank = self.catalog.bank();
        let code = match kind {
            Kind::Account => &bank.account_profile,
            _ => &bank.customer_profile,
        };
        let mut entity = NewEntity::from_profile(kind, code, self.catalog, self.at)?;
        entity.external_id = Some(external_id?);
        Some(entity)
    }
    /// Parent links within the batch may not go round in a circle.
    fn refuse_parent_cycles(&mut self) {
        let parents: HashMap<&str, &str> = self
            .customers
            .iter()
            .flatten()
            .filter_map(|(c, _)| {
                Some((
                    c.entity.external_id.as_deref()?,
                    c.awaited_parent.as_deref()?,
                ))
            })
            .collect();
        let mut in_cycle = Vec::new();
        for (customer, path) in self.customers.iter().flatten() {
            let Some(start) = customer.entity.external_id.as_deref() else {
                continue;
            };
            let mut at = start;
            for _ in 0..parents.len() {
                match parents.get(at) {
                    Some(&parent) if parent == start => {
                        in_cycle.push(path.clone());
                        break;
                    }
                    Some(&parent) => at = parent,
                    None => break,
                }
            }
        }
        for path in in_cycle {
            self.rules.push(
                path.then(Field::Parent),
                FieldCode::NotAllowed,
                "parent links may not form a cycle",
            );
        }
    }
}
