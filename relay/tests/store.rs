//! The relay's store: deploy rules, and nothing lost across a restart.

use webfn::store::{Store, StoreError};
use webfn_mina::PrivateKey;
use webfn_protocol::{DeployRequest, FunctionManifest, ProviderHello, SignatureJson};

const NOW: u64 = 1_800_000_000;
const SKEW: u64 = 300;

fn key() -> PrivateKey {
    PrivateKey::generate_os().unwrap_or_else(|e| panic!("{e}"))
}

fn manifest(name: &str, digest: webfn_protocol::Digest) -> FunctionManifest {
    FunctionManifest::new(name.parse().unwrap_or_else(|e| panic!("{e}")), digest)
}

#[tokio::test]
async fn deploys_follow_the_rules_and_survive_a_restart() -> Result<(), Box<dyn std::error::Error>>
{
    let dir = tempfile::tempdir()?;
    let owner = key();
    let store = Store::open(dir.path()).await?;
    let digest = store.put_bundle(b"bundle one", NOW).await?;

    // a bundle that was never uploaded
    let missing = DeployRequest::sign(
        manifest("hello", webfn_protocol::Digest::of(b"nope")),
        &owner,
        NOW,
    )?;
    assert!(matches!(
        store.deploy(&missing, NOW, SKEW).await,
        Err(StoreError::MissingBundle(_))
    ));

    let first = DeployRequest::sign(manifest("hello", digest), &owner, NOW)?;
    let record = store.deploy(&first, NOW, SKEW).await?;
    assert_eq!(record.version, 1);
    assert_eq!(record.owner, owner.public_key().to_base58());

    // replaying the same request, or an older one, is refused
    assert!(matches!(
        store.deploy(&first, NOW + 1, SKEW).await,
        Err(StoreError::Replayed { .. })
    ));
    // another owner cannot take the name
    let thief = DeployRequest::sign(manifest("hello", digest), &key(), NOW + 2)?;
    assert!(matches!(
        store.deploy(&thief, NOW + 2, SKEW).await,
        Err(StoreError::NotOwner { .. })
    ));
    // a tampered request does not verify
    let mut tampered = DeployRequest::sign(manifest("hello", digest), &owner, NOW + 3)?;
    tampered.manifest.price = 5;
    assert!(matches!(
        store.deploy(&tampered, NOW + 3, SKEW).await,
        Err(StoreError::BadSignature(_))
    ));
    // too old or from the future
    let stale = DeployRequest::sign(manifest("hello", digest), &owner, NOW - 1000)?;
    assert!(matches!(
        store.deploy(&stale, NOW, SKEW).await,
        Err(StoreError::Stale { .. })
    ));
    // invalid limits
    let mut bad = manifest("hello", digest);
    bad.limits.memory_mib = 0;
    let bad = DeployRequest::sign(bad, &owner, NOW + 4)?;
    assert!(matches!(
        store.deploy(&bad, NOW + 4, SKEW).await,
        Err(StoreError::Invalid(_))
    ));
    // nothing above changed the function
    assert_eq!(store.function("hello").await?.map(|f| f.version), Some(1));

    // a newer deploy by the owner goes through
    let second_digest = store.put_bundle(b"bundle two", NOW).await?;
    let second = DeployRequest::sign(manifest("hello", second_digest), &owner, NOW + 10)?;
    assert_eq!(store.deploy(&second, NOW + 10, SKEW).await?.version, 2);

    let hello = ProviderHello {
        public_key: key().public_key().to_base58(),
        signature: SignatureJson {
            field: "1".into(),
            scalar: "1".into(),
        },
        capacity: 4,
        price: 0,
        region: Some("local".into()),
        engine: "wasmtime 48.0.8".into(),
        hpke: None,
    };
    store.provider_connected(&hello, NOW).await?;
    drop(store);

    // restart
    let store = Store::open(dir.path()).await?;
    let function = store.function("hello").await?.ok_or("function lost")?;
    assert_eq!(function.version, 2);
    assert_eq!(function.manifest.digest, second_digest);
    assert_eq!(store.bundle(&digest)?, Some(b"bundle one".to_vec()));
    assert_eq!(store.bundle(&second_digest)?, Some(b"bundle two".to_vec()));
    assert_eq!(store.functions().await?.len(), 1);
    let providers = store.providers().await?;
    assert_eq!(providers.len(), 1);
    assert_eq!(providers[0].capacity, 4);
    Ok(())
}

#[tokio::test]
async fn gated_deploys_need_their_group_and_interrupted_calls_are_settled_on_restart()
-> Result<(), Box<dyn std::error::Error>> {
    use webfn::store::{Admission, QuoteRecord};
    use webfn_protocol::{AccessPolicy, CheckedPayment, GroupChange, GroupRequest};

    let dir = tempfile::tempdir()?;
    let owner = key();
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)?
        .as_secs();
    let store = Store::open(dir.path()).await?;
    let digest = store.put_bundle(b"bundle", now).await?;
    let mut gated = manifest("gated", digest);
    gated.access = AccessPolicy::Group {
        group: "team".parse()?,
        quota: 1,
        epoch_secs: 3600,
    };
    let request = DeployRequest::sign(gated.clone(), &owner, now)?;
    assert!(matches!(
        store.deploy(&request, now, SKEW).await,
        Err(StoreError::MissingGroup(_))
    ));
    let create = GroupRequest::sign("team".parse()?, GroupChange::Create, &owner, now)?;
    store.apply_group(&create, now, SKEW, 32).await?;
    // replaying the creation, or any request not newer, is refused
    assert!(store.apply_group(&create, now, SKEW, 32).await.is_err());
    store.deploy(&request, now, SKEW).await?;

    // a call admitted, then the relay stops before it is settled
    let quote = QuoteRecord {
        job_id: "job1".into(),
        function: "gated".into(),
        provider: key().public_key().to_base58(),
        price: 5,
        epoch: Some(1),
        expires_at: now + 600,
        used: false,
    };
    store.put_quote(&quote, now).await?;
    let payment = CheckedPayment {
        hash: "5Jtest".into(),
        payer: key().public_key().to_base58(),
        receiver: quote.provider.clone(),
        amount: 5,
        fee: 1,
        nonce: 0,
    };
    store
        .admit(&Admission {
            job_id: "job1",
            function: "gated",
            provider: &quote.provider,
            nullifier: Some(("42".into(), "7".into())),
            payment: Some((&payment, "{}".into())),
            now,
        })
        .await?;
    assert!(store.nullifier_spent("42").await?);
    assert!(store.quote("job1").await?.is_some_and(|q| q.used));
    drop(store);

    let store = Store::open(dir.path()).await?;
    assert!(
        !store.nullifier_spent("42").await?,
        "the nullifier is released"
    );
    assert!(
        store.quote("job1").await?.is_some_and(|q| !q.used),
        "the quote is free"
    );
    let payments = store.payments(None, 10).await?;
    assert_eq!(payments.len(), 1);
    assert_eq!(payments[0].state, webfn_protocol::PaymentState::Failed);
    let job = store.job("job1").await?.ok_or("no job")?;
    assert_eq!(job.error_code.as_deref(), Some("provider_lost"));
    // the same call may be admitted again, reviving its payment; another job may not use it
    assert!(!store.payment_known(&payment, "job1").await?);
    store
        .admit(&Admission {
            job_id: "job1",
            function: "gated",
            provider: &quote.provider,
            nullifier: Some(("42".into(), "7".into())),
            payment: Some((&payment, "{}".into())),
            now,
        })
        .await?;
    assert_eq!(
        store.payments(None, 10).await?[0].state,
        webfn_protocol::PaymentState::Signed
    );
    assert!(store.payment_known(&payment, "job2").await?);
    Ok(())
}
