//! A bank batch's accounts and cards: each copy checked, the copies of a joint account made
//! one, its cards gathered.

use std::collections::BTreeSet;

use super::batch::Planner;
use super::spec::{BankAccountSpec, CardSpec};
use super::values::{BankAccount, Card};
use crate::domain::account::{NewAccount, Owner};
use crate::domain::catalog::BankList;
use crate::domain::entity::new_id;
use crate::domain::errors::FieldCode;
use crate::domain::kind::Kind;
use crate::domain::object::OnExisting;
use crate::domain::path::{Field, FieldPath};
use crate::domain::reference::Reference;

impl Planner<'_> {
    pub(super) fn account(
        &mut self,
        at: FieldPath,
        customer: Option<&str>,
        spec: &BankAccountSpec,
    ) {
        let before = self.rules.len();
        let field = |f: Field| at.clone().then(f);
        let id = self.bounded(
            field(Field::ExternalId),
            &spec.source_account_id,
            true,
            self.limits.external_id_chars,
        );
        let owners = self.owners(&at, spec);
        let primary = self.bounded(
            field(Field::PrimaryOwner),
            &spec.primary_source_customer_id,
            true,
            self.limits.external_id_chars,
        );
        if let (Some(owners), Some(primary)) = (&owners, &primary) {
            if !owners.contains(primary) {
                self.rules.push(
                    field(Field::PrimaryOwner),
                    FieldCode::NotAllowed,
                    "the primary owner must be one of the account's sourceCustomerIds",
                );
            }
        }
        if let (Some(owners), Some(customer)) = (&owners, customer) {
            if !owners.contains(customer) {
                self.rules.push(
                    field(Field::Owners),
                    FieldCode::NotAllowed,
                    "an account is listed under its own owners, and this customer is not one of them",
                );
            }
        }
        let status = self.listed(
            field(Field::Status),
            &spec.status,
            BankList::AccountStatus,
            true,
        );
        let account_type = self.listed(
            field(Field::AccountType),
            &spec.account_type,
            BankList::AccountType,
            true,
        );
        let portfolio = self.text(field(Field::Portfolio), &spec.source_portfolio_id, false);
        let opened_on = self.date(field(Field::OpenedOn), &spec.account_open_date, false);
        let closed_on = self.date(field(Field::ClosedOn), &spec.account_close_date, false);
        self.not_before(field(Field::ClosedOn), closed_on, opened_on);
        let cards: Vec<Option<Card>> = spec
            .cards
            .iter()
            .flatten()
            .enumerate()
            .map(|(k, card)| {
                let path = field(Field::Cards).index(k);
                self.card(path, id.as_deref(), customer, card)
            })
            .collect();
        if self.rules.len() > before {
            return;
        }
        let (Some(id), Some(owners), Some(primary), Some(status), Some(account_type)) =
            (id, owners, primary, status, account_type)
        else {
            return;
        };
        let bank = BankAccount {
            status,
            account_type,
            portfolio,
            opened_on,
            closed_on,
        };
        let cards: Vec<Card> = cards.into_iter().flatten().collect();
        self.merge_account(at, id, owners, primary, bank, cards);
    }

    fn owners(&mut self, at: &FieldPath, spec: &BankAccountSpec) -> Option<BTreeSet<String>> {
        let path = at.clone().then(Field::Owners);
        let Some(ids) = &spec.source_customer_ids else {
            self.rules.push(path, FieldCode::Required, "is required");
            return None;
        };
        if ids.is_empty() {
            self.rules.push(
                path,
                FieldCode::Required,
                "lists at least the primary owner",
            );
            return None;
        }
        let max = self.limits.external_id_chars;
        let checked: Vec<Option<String>> = ids
            .iter()
            .enumerate()
            .map(|(k, id)| self.bounded(path.clone().index(k), &Some(id.clone()), true, max))
            .collect();
        checked.into_iter().collect()
    }

    /// Copies of one account under each of its owners are one account, and must agree.
    fn merge_account(
        &mut self,
        at: FieldPath,
        id: String,
        owners: BTreeSet<String>,
        primary: String,
        bank: BankAccount,
        cards: Vec<Card>,
    ) {
        if let Some(&n) = self.account_at.get(&id) {
            let (first, first_at) = &mut self.accounts[n];
            let same_owners = first
                .named_owners()
                .map(str::to_owned)
                .collect::<BTreeSet<_>>()
                == owners;
            let same_primary = first.named_owners().next() == Some(primary.as_str());
            if !(same_owners && same_primary && first.bank.as_ref() == Some(&bank)) {
                let message = format!(
                    "copies of one account must agree, and this one differs from the copy at {first_at}"
                );
                self.rules.push(at, FieldCode::NotAllowed, message);
                return;
            }
            for card in cards {
                if !first.cards.iter().any(|c| c.same_card(&card)) {
                    first.cards.push(card);
                }
            }
            return;
        }
        let Some(entity) = self.entity(Kind::Account, Some(id.clone())) else {
            return;
        };
        let co_owners = owners.into_iter().filter(|o| *o != primary).collect();
        self.account_at.insert(id, self.accounts.len());
        self.accounts.push((
            NewAccount {
                entity,
                owner: Owner::Existing(Reference::ExternalId(primary)),
                co_owners,
                bank: Some(bank),
                cards,
                on_existing: OnExisting::Join,
            },
            at,
        ));
    }

    fn card(
        &mut self,
        at: FieldPath,
        account: Option<&str>,
        customer: Option<&str>,
        spec: &CardSpec,
    ) -> Option<Card> {
        let before = self.rules.len();
        let field = |f: Field| at.clone().then(f);
        let max = self.limits.external_id_chars;
        let of_account = self.bounded(
            field(Field::CardAccount),
            &spec.source_account_id,
            true,
            max,
        );
        if of_account.is_some() && account.is_some() && of_account.as_deref() != account {
            self.rules.push(
                field(Field::CardAccount),
                FieldCode::NotAllowed,
                "must name the account the card is listed under",
            );
        }
        let holder = self.bounded(field(Field::Holder), &spec.source_customer_id, true, max);
        if holder.is_some() && customer.is_some() && holder.as_deref() != customer {
            self.rules.push(
                field(Field::Holder),
                FieldCode::NotAllowed,
                "must name the customer the card is listed under",
            );
        }
        let last4 = self.digits(field(Field::Last4), &spec.last4, (4, 4));
        let iin = self.digits(field(Field::Iin), &spec.iin, (6, 8));
        let network = self.digits(field(Field::Network), &spec.network_identifier, (1, 1));
        let card_type = self.listed(
            field(Field::CardType),
            &spec.card_type,
            BankList::CardType,
            true,
        );
        let status = self.listed(
            field(Field::Status),
            &spec.status,
            BankList::CardStatus,
            true,
        );
        let opened_on = self.date(field(Field::OpenedOn), &spec.open_date, false);
        let closed_on = self.date(field(Field::ClosedOn), &spec.close_date, false);
        self.not_before(field(Field::ClosedOn), closed_on, opened_on);
        if closed_on.is_some() && status.as_deref().is_some_and(|s| s != "CLOSED") {
            self.rules.push(
                field(Field::Status),
                FieldCode::NotAllowed,
                "a card with a closeDate is CLOSED",
            );
        }
        if self.rules.len() > before {
            return None;
        }
        Some(Card {
            id: new_id(),
            holder: holder?,
            iin: iin?,
            last4: last4?,
            card_type: card_type?,
            status: status?,
            network: network?.parse().ok()?,
            opened_on,
            closed_on,
        })
    }
}
