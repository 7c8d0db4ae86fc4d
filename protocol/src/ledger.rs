//! The relay's payment ledger on the wire: the states of a payment, how it is shown, and the
//! signed query by which a payer or a provider reads its own payments.

use serde::{Deserialize, Serialize};
use webfn_mina::PrivateKey;

use crate::auth::{sign_statement, verify_statement};
use crate::{ProtocolError, SignatureJson};

/// The first line of the text a [`LedgerQuery`] signs.
pub const LEDGER_STATEMENT: &str = "webfn ledger query v1";

/// Where a payment stands. Broadcasting to a Mina node (a later stage) moves `executed`
/// payments on; the states here are the relay's.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PaymentState {
    /// Checked and recorded with its job; not yet handed to the provider.
    Signed,
    /// Handed to the provider with the job.
    Delivered,
    /// The provider ran the call: the payment is earned.
    Executed,
    /// The call failed before execution: the payment is void and will never be broadcast.
    Failed,
}

impl PaymentState {
    /// The state as stored and written on the wire.
    pub fn as_str(self) -> &'static str {
        match self {
            PaymentState::Signed => "signed",
            PaymentState::Delivered => "delivered",
            PaymentState::Executed => "executed",
            PaymentState::Failed => "failed",
        }
    }
}

impl std::str::FromStr for PaymentState {
    type Err = ProtocolError;
    fn from_str(text: &str) -> Result<PaymentState, ProtocolError> {
        match text {
            "signed" => Ok(PaymentState::Signed),
            "delivered" => Ok(PaymentState::Delivered),
            "executed" => Ok(PaymentState::Executed),
            "failed" => Ok(PaymentState::Failed),
            other => Err(ProtocolError::Invalid {
                field: "state",
                reason: format!("{other:?} is not signed, delivered, executed or failed"),
            }),
        }
    }
}

/// A payment as the ledger shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PaymentView {
    /// Mina's transaction hash (post-Berkeley form).
    pub hash: String,
    /// The job it paid for.
    pub job_id: String,
    /// The function called.
    pub function: String,
    /// The payer (`from`).
    pub payer: String,
    /// The provider paid (`to`).
    pub receiver: String,
    /// Amount, nanomina.
    pub amount: u64,
    /// Fee, nanomina.
    pub fee: u64,
    /// The payer's account nonce.
    pub nonce: u32,
    /// Where it stands.
    pub state: PaymentState,
    /// Recorded, Unix seconds.
    pub created_at: u64,
    /// Last change of state, Unix seconds.
    pub updated_at: u64,
    /// The signed payment, as the caller sent it (ready to broadcast).
    pub signed: serde_json::Value,
}

/// `POST /v1/ledger/query`: the payments `account` paid or received, asked by the account
/// itself, proving its key by a signature over [`LedgerQuery::message`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LedgerQuery {
    /// The payer's or provider's public key (`B62…`).
    pub account: String,
    /// When the query was made, Unix seconds (the relay refuses stale queries).
    pub issued_at: u64,
    /// Signature of [`LedgerQuery::message`] by `account`.
    pub signature: SignatureJson,
}

impl LedgerQuery {
    /// Builds and signs a query for `key`'s account.
    pub fn sign(key: &PrivateKey, issued_at: u64) -> Result<LedgerQuery, ProtocolError> {
        let account = key.public_key().to_base58();
        let signature = sign_statement(&ledger_message(&account, issued_at), key)?;
        Ok(LedgerQuery {
            account,
            issued_at,
            signature,
        })
    }

    /// The signed text.
    pub fn message(&self) -> String {
        ledger_message(&self.account, self.issued_at)
    }

    /// Whether the account's signature is valid.
    pub fn verify(&self) -> bool {
        verify_statement(&self.message(), &self.signature, &self.account)
    }
}

fn ledger_message(account: &str, issued_at: u64) -> String {
    format!("{LEDGER_STATEMENT}\naccount: {account}\nissued_at: {issued_at}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn queries_are_bound_to_account_and_time() -> Result<(), ProtocolError> {
        let key = PrivateKey::generate_os().map_err(|e| ProtocolError::Malformed(e.to_string()))?;
        let other =
            PrivateKey::generate_os().map_err(|e| ProtocolError::Malformed(e.to_string()))?;
        let query = LedgerQuery::sign(&key, 1_700_000_000)?;
        assert!(query.verify());
        let mut moved = query.clone();
        moved.issued_at += 1;
        assert!(!moved.verify());
        let mut stolen = query;
        stolen.account = other.public_key().to_base58();
        assert!(!stolen.verify());
        for state in ["signed", "delivered", "executed", "failed"] {
            assert_eq!(state.parse::<PaymentState>()?.as_str(), state);
        }
        assert!("paid".parse::<PaymentState>().is_err());
        Ok(())
    }
}
