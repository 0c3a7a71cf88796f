use super::{AppError, AppResult};
use crate::domain::auth::Role;

/// Who is calling: the tenant everything they do is scoped to, and what they may do.
#[derive(Debug, Clone)]
pub struct Caller {
    pub tenant: String,
    /// Recorded as the actor of the changes the caller makes: the API key's id, or a user.
    pub actor: String,
    pub role: Role,
}

impl Caller {
    pub fn require(&self, needed: Role) -> AppResult<()> {
        if self.role.allows(needed) {
            Ok(())
        } else {
            Err(AppError::Forbidden {
                needed,
                has: self.role,
            })
        }
    }
}
