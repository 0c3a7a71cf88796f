//! The one write pipeline every door's mutating calls go through.

use super::{events, AppError, AppResult, Caller, Registry};
use crate::domain::auth::Role;
use crate::domain::bank::{plan_batch as plan_bank_batch, plan_update, BankCustomerSpec, BankPlan};
use crate::domain::catalog::{Catalog, CatalogRules};
use crate::domain::contact::edit::{plan_edit, DetailsEdit};
use crate::domain::contact::{ContactDetails, Secret};
use crate::domain::customer::NewCustomer;
use crate::domain::entity::new_id;
use crate::domain::entity::StateSpec;
use crate::domain::errors::FieldErrors;
use crate::domain::events::NewEvent;
use crate::domain::idempotency::{Answer, Claim};
use crate::domain::lifecycle::{plan_patch, plan_state_change, PatchSpec};
use crate::domain::object::{plan_batch, NewObject, ObjectSpec, OnExisting};
use crate::domain::outcome::Written;
use crate::domain::records::Record;
use crate::domain::refusal::Refusal;
use crate::domain::time::Timestamp;
use crate::domain::{FieldPath, Kind, Limits};
use crate::store::{Executed, Render, Rendered, Write, WriteCtx};

/// A change a door asks for, in the model's terms.
#[derive(Debug)]
// Built once per request and moved into the write; a box would only add an allocation.
#[allow(clippy::large_enum_variant)]
pub enum Command {
    /// One object; its problems are reported at their paths in it.
    Create(ObjectSpec),
    /// Many objects, all or none; each problem is reported under its item's index.
    Batch(Vec<ObjectSpec>),
    ChangeState {
        kind: Kind,
        id: String,
        spec: StateSpec,
        cascade: bool,
    },
    Patch {
        kind: Kind,
        id: String,
        spec: PatchSpec,
    },
    PutCatalog(Catalog),
    /// An edit of the contact data of the customer with this number.
    EditContact {
        number: u64,
        edit: DetailsEdit,
    },
    /// A bank feed's batch of customers with their accounts and cards, all or none.
    BankBatch(Vec<BankCustomerSpec>),
    /// The same, for customers that are stored: a full payload for each, all or none.
    BankUpdate(Vec<BankCustomerSpec>),
    /// The door refused the request before it could be read (a body of the wrong shape,
    /// say); this answer is kept with the claim, so its retries get it too.
    Refuse(Answer),
}

impl Command {
    fn role(&self) -> Role {
        match self {
            Command::PutCatalog(_) => Role::Admin,
            _ => Role::Writer,
        }
    }
}

/// Why a write did not happen, for the door to put in its own words.
#[derive(Debug, Clone, Copy)]
pub enum Failure<'a> {
    /// The request breaks rules the domain checks alone; every problem is listed.
    Invalid(&'a FieldErrors),
    /// The data already stored refuses it; the path is where, in the request, the item
    /// the refusal is about is (the root for a write of one object).
    Refused(&'a Refusal, &'a FieldPath),
}

/// How a door answers a write: from what was written and the events recorded for it (whose
/// data it may reuse as its body), or from why nothing was. Runs inside the transaction, so
/// the answer is kept with the claim atomically.
pub type Respond =
    Box<dyn for<'a> Fn(Result<&'a Written, Failure<'a>>, &'a [NewEvent]) -> Answer + Send + Sync>;

/// Boxes a door's answering function; naming the bound lets the closure's signature be
/// inferred for every lifetime of its arguments.
pub fn respond_with<F>(respond: F) -> Respond
where
    F: for<'a> Fn(Result<&'a Written, Failure<'a>>, &'a [NewEvent]) -> Answer
        + Send
        + Sync
        + 'static,
{
    Box::new(respond)
}

/// The answer to send, and whether it is a replay of the first one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reply {
    pub answer: Answer,
    pub replayed: bool,
}

enum Planned {
    Write {
        write: Write,
        /// The document a catalog write stores, for its event.
        catalog: Option<String>,
        /// Where each item of the write is in the request, when that is not the root.
        items: Vec<FieldPath>,
    },
    Invalid(FieldErrors),
    Refused(Answer),
}

impl Registry {
    /// Runs one mutating call: claims the key, plans with the domain's rules, writes in one
    /// transaction with its events, and answers — or replays the first answer to the key.
    pub async fn write(
        &self,
        caller: &Caller,
        claim: Option<Claim>,
        command: Command,
        respond: Respond,
    ) -> AppResult<Reply> {
        caller.require(command.role())?;
        let at = Timestamp::now();
        let is_catalog = matches!(command, Command::PutCatalog(_));
        let planned = self.plan(&caller.tenant, command, at).await?;
        let render: Render = match planned {
            Planned::Invalid(errors) if claim.is_none() => {
                return Ok(fresh(respond(Err(Failure::Invalid(&errors)), &[])));
            }
            Planned::Refused(answer) if claim.is_none() => return Ok(fresh(answer)),
            Planned::Invalid(errors) => refusal(respond(Err(Failure::Invalid(&errors)), &[])),
            Planned::Refused(answer) => refusal(answer),
            Planned::Write {
                write,
                catalog,
                items,
            } => {
                let encoder = self.inner.encoder.clone();
                let tenant = caller.tenant.clone();
                // Made once the write is prepared (its customers numbered), to foresee it.
                let render = move |write: &Write| -> Render {
                    let foreseen = events::Foreseen::of(write, &*encoder, &tenant);
                    Box::new(move |outcome| match outcome {
                        Ok(written) => {
                            let events = foreseen
                                .as_ref()
                                .and_then(|f| f.events_of(written))
                                .unwrap_or_else(|| {
                                    events::of(written, &*encoder, &tenant, catalog.as_deref())
                                });
                            Rendered {
                                answer: respond(Ok(written), &events),
                                events,
                            }
                        }
                        Err(refused) => {
                            let root = FieldPath::root();
                            let at = refused.item().and_then(|i| items.get(i)).unwrap_or(&root);
                            Rendered {
                                answer: respond(Err(Failure::Refused(refused, at)), &[]),
                                events: Vec::new(),
                            }
                        }
                    })
                };
                return self
                    .execute(caller, claim, write, render, at, is_catalog)
                    .await;
            }
        };
        self.execute(caller, claim, Write::Refuse, |_| render, at, false)
            .await
    }

    async fn plan(&self, tenant: &str, command: Command, at: Timestamp) -> AppResult<Planned> {
        let limits = &self.inner.limits;
        let planned = match command {
            Command::Refuse(answer) => return Ok(Planned::Refused(answer)),
            Command::PutCatalog(catalog) => {
                let rules = match catalog.clone().validate(limits) {
                    Err(errors) => return Ok(Planned::Invalid(errors)),
                    Ok(rules) => rules,
                };
                let removed = self.store().catalog_usage(tenant).await?.removed_by(&rules);
                return Ok(match removed.into_result(()) {
                    Err(errors) => Planned::Invalid(errors),
                    Ok(()) => {
                        let document = serde_json::to_string(&catalog)
                            .map_err(|e| AppError::Internal(e.to_string()))?;
                        Planned::Write {
                            write: Write::PutCatalog {
                                document: document.clone(),
                            },
                            catalog: Some(document),
                            items: Vec::new(),
                        }
                    }
                });
            }
            Command::BankBatch(specs) => {
                return self.plan_bank(tenant, specs, plan_bank_batch, at).await;
            }
            Command::BankUpdate(specs) => {
                return self.plan_bank(tenant, specs, plan_update, at).await;
            }
            Command::EditContact { number, edit } => {
                return self.plan_contact_edit(tenant, number, edit, at).await;
            }
            Command::Batch(specs) => {
                let (_, catalog) = self.catalog_rules(tenant).await?;
                let items = (0..specs.len()).map(FieldPath::item).collect();
                return Ok(match plan_batch(specs, &catalog, limits, at) {
                    Err(errors) => Planned::Invalid(errors),
                    Ok(objects) => Planned::Write {
                        write: Write::Create(objects),
                        catalog: None,
                        items,
                    },
                });
            }
            command => {
                let (_, catalog) = self.catalog_rules(tenant).await?;
                match command {
                    Command::Create(spec) => spec
                        .plan(&catalog, limits, at)
                        .map(|object| Write::Create(vec![object])),
                    Command::ChangeState {
                        kind,
                        id,
                        spec,
                        cascade,
                    } => plan_state_change(kind, id, &spec, cascade, &catalog)
                        .map(Write::ChangeState),
                    Command::Patch { kind, id, spec } => plan_patch(kind, spec, &catalog, limits)
                        .map(|patch| Write::Patch { kind, id, patch }),
                    Command::Refuse(_)
                    | Command::PutCatalog(_)
                    | Command::Batch(_)
                    | Command::BankBatch(_)
                    | Command::BankUpdate(_)
                    | Command::EditContact { .. } => unreachable!("planned above"),
                }
            }
        };
        Ok(match planned {
            Ok(write) => Planned::Write {
                write,
                catalog: None,
                items: Vec::new(),
            },
            Err(errors) => Planned::Invalid(errors),
        })
    }

    /// An edit merged onto the customer as it stands; the write is refused as stale if the
    /// customer changes before it.
    async fn plan_contact_edit(
        &self,
        tenant: &str,
        number: u64,
        edit: DetailsEdit,
        at: Timestamp,
    ) -> AppResult<Planned> {
        let (_, catalog) = self.catalog_rules(tenant).await?;
        let Some(Record::Customer(current)) = self.customer_of_number(tenant, number).await? else {
            return Ok(Planned::Write {
                write: Write::EditContact {
                    id: None,
                    details: Box::default(),
                    read_at: at,
                },
                catalog: None,
                items: Vec::new(),
            });
        };
        let stored = current.contact.unwrap_or_default();
        let limits = &self.inner.limits;
        Ok(
            match plan_edit(&stored, edit, &catalog, limits, at, &mut new_id) {
                Err(errors) => Planned::Invalid(errors),
                Ok(details) => Planned::Write {
                    write: Write::EditContact {
                        id: Some(current.common.id),
                        details: Box::new(details),
                        read_at: current.common.updated_at,
                    },
                    catalog: None,
                    items: Vec::new(),
                },
            },
        )
    }

    /// A bank batch, planned by `plan` (of new customers, or of stored ones to update).
    async fn plan_bank(
        &self,
        tenant: &str,
        specs: Vec<BankCustomerSpec>,
        plan: fn(
            Vec<BankCustomerSpec>,
            &CatalogRules,
            &Limits,
            Timestamp,
        ) -> Result<BankPlan, FieldErrors>,
        at: Timestamp,
    ) -> AppResult<Planned> {
        let (_, catalog) = self.catalog_rules(tenant).await?;
        Ok(match plan(specs, &catalog, &self.inner.limits, at) {
            Err(errors) => Planned::Invalid(errors),
            Ok(plan) => Planned::Write {
                write: Write::Create(plan.objects),
                catalog: None,
                items: plan.paths,
            },
        })
    }

    async fn execute(
        &self,
        caller: &Caller,
        claim: Option<Claim>,
        write: Write,
        render: impl FnOnce(&Write) -> Render,
        at: Timestamp,
        changes_catalog: bool,
    ) -> AppResult<Reply> {
        let write = self.prepare(write).await?;
        let render = render(&write);
        let ctx = WriteCtx {
            tenant: caller.tenant.clone(),
            actor: caller.actor.clone(),
            claim,
            at,
        };
        let executed = self.store().execute(ctx, write, render).await;
        if changes_catalog {
            self.inner.catalogs.forget(&caller.tenant);
        }
        match executed? {
            Executed::Fresh(answer) => Ok(fresh(answer)),
            Executed::Replayed(answer) => Ok(Reply {
                answer,
                replayed: true,
            }),
            Executed::KeyReused => Err(AppError::KeyReused),
            Executed::InProgress => Err(AppError::InProgress),
        }
    }

    /// What a planned write needs before it is stored: a number for each new customer,
    /// and the hashes of the secrets it carries in the clear.
    async fn prepare(&self, mut write: Write) -> AppResult<Write> {
        if let Write::EditContact { details, .. } = &mut write {
            self.hash_secrets(details).await?;
        }
        if let Write::Create(objects) = &mut write {
            let mut customers: Vec<&mut NewCustomer> = objects
                .iter_mut()
                .flat_map(NewObject::customers_mut)
                .filter(|c| c.on_existing != OnExisting::Update)
                .collect();
            let numbers = self
                .inner
                .numbers
                .take(self.store(), customers.len())
                .await?;
            for (customer, number) in customers.iter_mut().zip(numbers) {
                customer.number = Some(number);
            }
            for customer in customers {
                if let Some(details) = &mut customer.contact {
                    self.hash_secrets(details).await?;
                }
            }
        }
        Ok(write)
    }

    /// Replaces every secret given in the clear by its hash.
    pub(super) async fn hash_secrets(&self, details: &mut ContactDetails) -> AppResult<()> {
        for secret in details.secrets_mut() {
            if let Secret::Given(clear) = secret {
                let hash = self.hash_secret(std::mem::take(clear)).await?;
                *secret = Secret::Hashed(hash);
            }
        }
        Ok(())
    }

    /// Makes `catalog` the tenant's catalog unless it already is; returns the version in
    /// force. For operators (`clientele catalog apply`); nothing is answered to anyone.
    pub async fn apply_catalog(
        &self,
        tenant: &str,
        catalog: Catalog,
    ) -> AppResult<Result<i64, FieldErrors>> {
        let rules = match catalog.clone().validate(&self.inner.limits) {
            Err(errors) => return Ok(Err(errors)),
            Ok(rules) => rules,
        };
        let removed = self.store().catalog_usage(tenant).await?.removed_by(&rules);
        if !removed.is_empty() {
            return Ok(Err(removed));
        }
        let (version, current) = self.catalog_rules(tenant).await?;
        if version > 0 && current.document() == &catalog {
            return Ok(Ok(version));
        }
        self.store().ensure_tenant(tenant, Timestamp::now()).await?;
        let operator = Caller {
            tenant: tenant.to_owned(),
            actor: "cli".to_owned(),
            role: Role::Admin,
        };
        let respond = respond_with(|_, _| Answer {
            status: 200,
            content_type: String::new(),
            body: Vec::new(),
            location: None,
        });
        self.write(&operator, None, Command::PutCatalog(catalog), respond)
            .await?;
        let (version, _) = self.catalog_rules(tenant).await?;
        Ok(Ok(version))
    }
}

fn fresh(answer: Answer) -> Reply {
    Reply {
        answer,
        replayed: false,
    }
}

/// The render step of a request refused before the store: the answer alone, no events.
fn refusal(answer: Answer) -> Render {
    Box::new(move |_| Rendered {
        answer: answer.clone(),
        events: Vec::new(),
    })
}
