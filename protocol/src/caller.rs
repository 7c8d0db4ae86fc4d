//! The caller's side of a gated or paid call: from a quote, seal the secrets to the quoted
//! provider, sign the payment to it, and prove membership bound to this very call. Runs
//! wherever the caller runs (the command line, a browser).

use rand_core::{CryptoRng, RngCore};
use webfn_circuits::{Fr, Identity, MerkleTree, ProvingKey, TREE_DEPTH, to_decimal};
use webfn_mina::client::{self, Kind, SignedObject};
use webfn_mina::{NetworkId, PrivateKey};

use crate::{
    AccessPolicy, Credential, ErrorCode, GateError, GatedCall, HttpRequest, Quote, Secrets,
    call_scope, seal,
};

/// How the caller pays.
#[derive(Debug, Clone)]
pub struct Payer<'a> {
    /// The paying account's key (`from`).
    pub key: &'a PrivateKey,
    /// The fee, nanomina.
    pub fee: u64,
    /// The paying account's nonce.
    pub nonce: u32,
    /// The amount, nanomina; `None`: the quoted price.
    pub amount: Option<u64>,
}

/// How the caller proves membership.
#[derive(Debug, Clone, Copy)]
pub struct Member<'a> {
    /// The caller's identity.
    pub identity: &'a Identity,
    /// The group's leaves in order (zero for removed members), as the relay lists them.
    pub group: &'a [Fr],
    /// The credential proving key.
    pub proving_key: &'a ProvingKey,
    /// The quota slot to spend.
    pub slot: u32,
}

/// Builds the call for `quote`: checks that the quoted HPKE key is signed by the quoted
/// provider, seals `secrets` to it, signs the payment (when the quote has a price, or when a
/// payer is given), then proves membership (gated functions) with the call's message.
pub fn prepare_call<R: RngCore + CryptoRng>(
    quote: &Quote,
    request: HttpRequest,
    secrets: &Secrets,
    payer: Option<&Payer<'_>>,
    member: Option<&Member<'_>>,
    rng: &mut R,
) -> Result<GatedCall, GateError> {
    let refuse = |message: String| GateError::new(ErrorCode::BadRequest, message);
    request.validate()?;
    if !quote.hpke.verify(&quote.provider) {
        return Err(GateError::new(
            ErrorCode::BadSignature,
            format!(
                "the quoted HPKE key is not signed by the quoted provider {}",
                quote.provider
            ),
        ));
    }
    let sealed = if secrets.is_empty() {
        None
    } else {
        Some(seal(&quote.hpke.public_key, &quote.job_id, secrets, rng)?)
    };
    let payment = match payer {
        Some(payer) => Some(sign_payment(quote, payer)?),
        None if quote.price > 0 => {
            return Err(GateError::new(
                ErrorCode::PaymentRequired,
                format!(
                    "{} costs {} nanomina: a payer is needed",
                    quote.function, quote.price
                ),
            ));
        }
        None => None,
    };
    let mut call = GatedCall {
        job_id: quote.job_id.clone(),
        function: quote.function.clone(),
        request,
        sealed,
        payment,
        credential: None,
    };
    if let AccessPolicy::Group { quota, .. } = quote.access {
        let Some(member) = member else {
            return Err(GateError::new(
                ErrorCode::Unauthorized,
                format!(
                    "{} is gated: an identity in its group is needed",
                    quote.function
                ),
            ));
        };
        if member.slot >= quota {
            return Err(refuse(format!(
                "quota slot {} is not below the quota of {quota} calls per epoch",
                member.slot
            )));
        }
        let epoch = quote
            .epoch
            .ok_or_else(|| refuse("the quote of a gated function names no epoch".into()))?;
        call.credential = Some(prove(&call, member, epoch, rng)?);
    }
    Ok(call)
}

fn sign_payment(quote: &Quote, payer: &Payer<'_>) -> Result<crate::SignedPayment, GateError> {
    let refuse = |message: String| GateError::new(ErrorCode::PaymentRequired, message);
    let bad_quote = |message: String| GateError::new(ErrorCode::BadRequest, message);
    let network = NetworkId::from_name(&quote.network).map_err(|e| bad_quote(e.to_string()))?;
    if network.name() == crate::AUTH_NETWORK {
        return Err(bad_quote(format!(
            "the quote names network {:?}, WebFunctions' own statements' id, not a payment network",
            quote.network
        )));
    }
    if quote.job_id.as_str().len() > webfn_mina::MAX_MEMO_BYTES {
        return Err(bad_quote(format!(
            "job id {} is longer than a Mina memo ({} bytes)",
            quote.job_id,
            webfn_mina::MAX_MEMO_BYTES
        )));
    }
    let amount = payer.amount.unwrap_or(quote.price);
    if amount < quote.price {
        return Err(refuse(format!(
            "an amount of {amount} nanomina is below the quoted price of {}",
            quote.price
        )));
    }
    let input = serde_json::json!({
        "to": quote.provider,
        "from": payer.key.public_key().to_base58(),
        "amount": amount.to_string(),
        "fee": payer.fee.to_string(),
        "nonce": payer.nonce.to_string(),
        "memo": quote.job_id.as_str(),
    });
    match client::sign(Kind::Payment, &input, &payer.key.to_base58(), &network) {
        Ok(SignedObject::Payment(signed)) => Ok(signed),
        Ok(_) => Err(refuse("signing gave something other than a payment".into())),
        Err(e) => Err(refuse(format!("signing the payment: {e}"))),
    }
}

fn prove<R: RngCore + CryptoRng>(
    call: &GatedCall,
    member: &Member<'_>,
    epoch: u64,
    rng: &mut R,
) -> Result<Credential, GateError> {
    let refuse = |message: String| GateError::new(ErrorCode::Unauthorized, message);
    let tree = MerkleTree::from_leaves(TREE_DEPTH, 1, member.group)
        .map_err(|e| refuse(format!("the group's tree: {e}")))?;
    let commitment = member.identity.commitment();
    let index = tree.index_of(&commitment).ok_or_else(|| {
        refuse(format!(
            "the identity's commitment {} is not a member of the group",
            to_decimal(&commitment)
        ))
    })?;
    let path = tree.proof(index).map_err(|e| refuse(e.to_string()))?;
    let scope = call_scope(&call.function, epoch, member.slot);
    let proof = webfn_circuits::prove(
        member.proving_key,
        member.identity,
        &path,
        scope,
        call.message()?,
        rng,
    )
    .map_err(|e| refuse(format!("proving membership: {e}")))?;
    Ok(Credential {
        epoch,
        slot: member.slot,
        proof,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{HpkeKeyPair, JobId};
    use rand_core::OsRng;

    fn key() -> PrivateKey {
        PrivateKey::generate_os().unwrap_or_else(|e| panic!("{e}"))
    }

    fn quote(provider: &PrivateKey, access: AccessPolicy) -> Quote {
        let hpke = HpkeKeyPair::derive(provider)
            .announce(provider)
            .unwrap_or_else(|e| panic!("{e}"));
        Quote {
            job_id: JobId::try_from("0123456789abcdef0123456789abcdef".to_owned())
                .unwrap_or_else(|e| panic!("{e}")),
            function: "hello".parse().unwrap_or_else(|e| panic!("{e}")),
            provider: provider.public_key().to_base58(),
            hpke,
            price: 1000,
            network: "testnet".into(),
            expires_at: u64::MAX,
            access,
            epoch: Some(1),
        }
    }

    fn request() -> HttpRequest {
        HttpRequest {
            method: "GET".into(),
            path: "/".into(),
            headers: vec![],
            body: vec![],
        }
    }

    fn code(result: Result<GatedCall, GateError>) -> Option<ErrorCode> {
        result.err().map(|e| e.code)
    }

    #[test]
    fn calls_pay_the_quote_and_refuse_what_the_relay_would() {
        let (provider, payer) = (key(), key());
        let open = quote(&provider, AccessPolicy::Open);
        let pay = |amount| Payer {
            key: &payer,
            fee: 1,
            nonce: 0,
            amount,
        };
        let secrets = Secrets::new();
        let call = prepare_call(
            &open,
            request(),
            &secrets,
            Some(&pay(None)),
            None,
            &mut OsRng,
        )
        .unwrap_or_else(|e| panic!("{e}"));
        let payment = call.payment.unwrap_or_else(|| panic!("no payment"));
        assert_eq!(payment.data.amount, "1000");
        assert_eq!(payment.data.memo.as_deref(), Some(open.job_id.as_str()));
        // below the price, without a payer, to the protocol's own network, a long job id
        let prepare = |quote: &Quote, payer: Option<&Payer<'_>>| {
            prepare_call(quote, request(), &secrets, payer, None, &mut OsRng)
        };
        assert_eq!(
            code(prepare(&open, Some(&pay(Some(999))))),
            Some(ErrorCode::PaymentRequired)
        );
        assert_eq!(code(prepare(&open, None)), Some(ErrorCode::PaymentRequired));
        let mut own = open.clone();
        own.network = "webfn".into();
        assert_eq!(
            code(prepare(&own, Some(&pay(None)))),
            Some(ErrorCode::BadRequest)
        );
        let mut long = open.clone();
        long.job_id = JobId::try_from("a".repeat(40)).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(
            code(prepare(&long, Some(&pay(None)))),
            Some(ErrorCode::BadRequest)
        );
        // an HPKE key the quoted provider did not sign
        let mut swapped = open.clone();
        swapped.hpke = HpkeKeyPair::derive(&key())
            .announce(&key())
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(
            code(prepare(&swapped, Some(&pay(None)))),
            Some(ErrorCode::BadSignature)
        );
        // a gated quote: no member, or a slot beyond the quota, is refused before proving
        let gated = quote(
            &provider,
            AccessPolicy::Group {
                group: "team".parse().unwrap_or_else(|e| panic!("{e}")),
                quota: 2,
                epoch_secs: 3600,
            },
        );
        assert_eq!(
            code(prepare(&gated, Some(&pay(None)))),
            Some(ErrorCode::Unauthorized)
        );
        let identity = Identity::generate(&mut OsRng);
        let group = [identity.commitment()];
        let proving_key = webfn_circuits::setup_seeded([7; 32]).unwrap_or_else(|e| panic!("{e}"));
        let member = Member {
            identity: &identity,
            group: &group,
            proving_key: &proving_key,
            slot: 2,
        };
        let beyond = prepare_call(
            &gated,
            request(),
            &secrets,
            Some(&pay(None)),
            Some(&member),
            &mut OsRng,
        );
        assert_eq!(code(beyond), Some(ErrorCode::BadRequest));
    }
}
