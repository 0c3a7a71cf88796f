//! What a bulk import checks each line against before it writes: the domain's create rules
//! with the tenant's catalog, read once for the whole file. A line that passes is written
//! later, in a chunk of lines, through [`Registry::write`] like any door's batch, and so is
//! planned again there against the catalog then in force.

use std::sync::Arc;

use super::{AppResult, Registry};
use crate::domain::bank::{plan_batch as plan_bank_batch, BankCustomerSpec};
use crate::domain::catalog::CatalogRules;
use crate::domain::errors::FieldErrors;
use crate::domain::object::ObjectSpec;
use crate::domain::time::Timestamp;
use crate::domain::Limits;

/// The rules one line is checked against on its own.
#[derive(Clone)]
pub struct LineRules {
    catalog: Arc<CatalogRules>,
    limits: Limits,
}

impl Registry {
    /// The rules a line of an import into `tenant` must pass, with the catalog as it is now.
    pub async fn line_rules(&self, tenant: &str) -> AppResult<LineRules> {
        let (_, catalog) = self.catalog_rules(tenant).await?;
        Ok(LineRules {
            catalog,
            limits: self.inner.limits.clone(),
        })
    }
}

impl LineRules {
    pub fn limits(&self) -> &Limits {
        &self.limits
    }

    /// The problems of one object planned alone, at their paths in it; none when the
    /// domain would write it as it is (the store may still refuse it: a taken id, say).
    pub fn check(&self, spec: &ObjectSpec) -> Result<(), FieldErrors> {
        spec.clone()
            .plan(&self.catalog, &self.limits, Timestamp::now())
            .map(drop)
    }

    /// The problems of one bank customer planned as a batch of its own, at their paths
    /// under the batch's item `[0]`.
    pub fn check_bank(&self, spec: &BankCustomerSpec) -> Result<(), FieldErrors> {
        plan_bank_batch(
            vec![spec.clone()],
            &self.catalog,
            &self.limits,
            Timestamp::now(),
        )
        .map(drop)
    }
}
