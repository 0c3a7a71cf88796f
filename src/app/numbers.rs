//! Customer numbers, handed out by the write pipeline just before a write: counter values
//! are reserved from the store in blocks, so a write costs no extra statement and no
//! process waits on another's, and each is permuted by the installation's key.

use tokio::sync::Mutex;

use super::{AppError, AppResult};
use crate::domain::number::{NumberCipher, Numbered};
use crate::store::Store;

/// Counter values reserved at a time: a restart wastes at most this many numbers.
const BLOCK: u64 = 1024;
/// Customers numbered at a time when a server finds ones stored before numbers existed.
const BACKFILL: i64 = 1000;

pub(super) struct Numbers {
    cipher: Mutex<Option<NumberCipher>>,
    /// The counter values reserved and not handed out yet: `next..end`.
    reserved: Mutex<(u64, u64)>,
}

impl Numbers {
    pub(super) fn new() -> Self {
        Self {
            cipher: Mutex::new(None),
            reserved: Mutex::new((0, 0)),
        }
    }

    async fn cipher(&self, store: &Store) -> AppResult<NumberCipher> {
        let mut cipher = self.cipher.lock().await;
        if let Some(cipher) = &*cipher {
            return Ok(cipher.clone());
        }
        let key = store.number_key().await?;
        let made = NumberCipher::new(key.as_bytes());
        *cipher = Some(made.clone());
        Ok(made)
    }

    /// `count` new numbers.
    pub(super) async fn take(&self, store: &Store, count: usize) -> AppResult<Vec<Numbered>> {
        if count == 0 {
            return Ok(Vec::new());
        }
        let cipher = self.cipher(store).await?;
        let mut numbers = Vec::with_capacity(count);
        let mut reserved = self.reserved.lock().await;
        while numbers.len() < count {
            if reserved.0 >= reserved.1 {
                let wanted = BLOCK.max((count - numbers.len()) as u64);
                let first = store.reserve_numbers(wanted).await?;
                *reserved = (first, first + wanted);
            }
            let value = reserved.0;
            reserved.0 += 1;
            // The one value that permutes to 0, and none past the 40 bits, is skipped.
            match cipher.number(value) {
                Some(number) => numbers.push(Numbered {
                    number,
                    counter: value,
                }),
                None if value >> 40 != 0 => {
                    return Err(AppError::Internal("customer numbers are exhausted".into()))
                }
                None => {}
            }
        }
        Ok(numbers)
    }

    /// A number as a customer's is kept, with its counter; `None` when it is no number at all,
    /// so that no customer has it.
    pub(super) async fn numbered(&self, store: &Store, number: u64) -> AppResult<Option<Numbered>> {
        Ok(self.cipher(store).await?.numbered(number))
    }

    /// Numbers the customers stored before numbers existed; how many there were.
    pub(super) async fn backfill(&self, store: &Store) -> AppResult<usize> {
        let mut done = 0;
        loop {
            let ids = store.unnumbered_customers(BACKFILL).await?;
            if ids.is_empty() {
                return Ok(done);
            }
            let numbers = self.take(store, ids.len()).await?;
            done += ids.len();
            store
                .set_numbers(ids.into_iter().zip(numbers).collect())
                .await?;
        }
    }
}
