//! Gated and paid calls end to end, over real sockets with real proofs and real signatures:
//! `webfn relay` and `webfn provider` run as processes (their logs go to files the test
//! searches), the owner creates an access group and deploys `hmac-sign` priced and gated,
//! members call it with a Groth16 credential, a Mina payment and a secret sealed to the
//! provider. Every refusal is typed and changes nothing: no nullifier spent (the same slot
//! works afterwards), no ledger row, no job.

mod common;

use std::io::{Read, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

use rand_core::OsRng;
use serde_json::{Value, json};
use sha2::{Digest as _, Sha256};
use tokio_tungstenite::tungstenite;
use webfn_circuits::{Fr, Identity, MerkleTree, ProvingKey, TREE_DEPTH, to_decimal};
use webfn_mina::PrivateKey;
use webfn_mina::client::{self, Kind, SignedObject};
use webfn_protocol::{
    AccessPolicy, Credential, DeployRequest, Digest, FunctionManifest, GatedCall, GroupChange,
    GroupRequest, HttpRequest, LedgerQuery, Member, Payer, Quote, Secrets, SignedPayment,
    call_scope, prepare_call,
};

type Result<T = (), E = Box<dyn std::error::Error + Send + Sync>> = std::result::Result<T, E>;

const SEED: &str = "0202020202020202020202020202020202020202020202020202020202020202";
const PRICE: u64 = 1_000_000;
const QUOTA: u32 = 2;
const ADMIN_TOKEN: &str = "admin-token-for-the-gated-test";

fn now() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0)
}

fn webfn() -> Command {
    Command::new(env!("CARGO_BIN_EXE_webfn"))
}

/// One seeded key directory for every test here, and its proving key.
fn keys() -> &'static (PathBuf, ProvingKey) {
    static KEYS: OnceLock<(PathBuf, ProvingKey)> = OnceLock::new();
    KEYS.get_or_init(|| {
        // per process: two test runs sharing a target folder must not share files
        let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR"))
            .join(format!("gated-keys-{}", std::process::id()));
        let status = webfn()
            .args(["zk", "setup", "--force", "--seed", SEED, "--out"])
            .arg(&dir)
            .stdout(Stdio::null())
            .status()
            .unwrap_or_else(|e| panic!("webfn zk setup: {e}"));
        assert!(status.success());
        let bytes = std::fs::read(dir.join("proving.key")).unwrap_or_else(|e| panic!("{e}"));
        let key = ProvingKey::from_bytes(&bytes).unwrap_or_else(|e| panic!("{e}"));
        (dir, key)
    })
}

/// A process killed when dropped.
struct Process(Child);

impl Drop for Process {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// A relay and a provider as processes, with an owner and a gated, paid `hmac-sign`.
struct World {
    dir: PathBuf,
    address: String,
    owner: PrivateKey,
    provider_key: String,
    members: Vec<Identity>,
    _relay: Process,
    _provider: Process,
}

impl Drop for World {
    fn drop(&mut self) {
        // the folder (data, logs) is kept when a test failed, for its logs
        for process in [&mut self._relay.0, &mut self._provider.0] {
            let _ = process.kill();
            let _ = process.wait();
        }
        if !std::thread::panicking() {
            let _ = std::fs::remove_dir_all(&self.dir);
        }
    }
}

fn free_port() -> Result<u16> {
    Ok(std::net::TcpListener::bind("127.0.0.1:0")?
        .local_addr()?
        .port())
}

/// One HTTP/1.1 request; the status and body.
fn http(
    address: &str,
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
    body: &[u8],
) -> Result<(u16, Vec<u8>)> {
    let mut stream = TcpStream::connect(address)?;
    stream.set_read_timeout(Some(Duration::from_secs(60)))?;
    let mut head = format!(
        "{method} {path} HTTP/1.1\r\nHost: {address}\r\nConnection: close\r\nContent-Length: {}\r\n",
        body.len()
    );
    for (name, value) in headers {
        head.push_str(&format!("{name}: {value}\r\n"));
    }
    head.push_str("\r\n");
    stream.write_all(head.as_bytes())?;
    stream.write_all(body)?;
    let mut response = Vec::new();
    stream.read_to_end(&mut response)?;
    let split = response
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .ok_or("no end of headers")?;
    let head = String::from_utf8_lossy(&response[..split]);
    let status = head
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .ok_or("no status")?;
    Ok((status, response[split + 4..].to_vec()))
}

fn json_of(bytes: &[u8]) -> Value {
    serde_json::from_slice(bytes).unwrap_or(Value::Null)
}

fn post(address: &str, path: &str, body: &impl serde::Serialize) -> Result<(u16, Value)> {
    let body = serde_json::to_vec(body)?;
    let (status, answer) = http(
        address,
        "POST",
        path,
        &[("content-type", "application/json")],
        &body,
    )?;
    Ok((status, json_of(&answer)))
}

fn get(address: &str, path: &str) -> Result<(u16, Value)> {
    let (status, answer) = http(address, "GET", path, &[], b"")?;
    Ok((status, json_of(&answer)))
}

impl World {
    /// Starts a relay (with `extra` flags) and a provider, creates group `team` with
    /// `members` identities and deploys `hmac-sign` gated by it (quota 2) at [`PRICE`].
    fn start(name: &str, members: usize, extra: &[&str]) -> Result<World> {
        let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR"))
            .join(format!("gated-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir)?;
        let port = free_port()?;
        let address = format!("127.0.0.1:{port}");
        let relay_log = std::fs::File::create(dir.join("relay.log"))?;
        let relay = Process(
            webfn()
                .args(["relay", "--listen", &address, "--data"])
                .arg(dir.join("relay"))
                .arg("--zk-keys")
                .arg(&keys().0)
                .args(extra)
                .env("WEBFN_ADMIN_TOKEN", ADMIN_TOKEN)
                .stdout(relay_log.try_clone()?)
                .stderr(relay_log)
                .spawn()?,
        );
        wait_until(|| Ok(get(&address, "/healthz")?.0 == 200))?;
        let provider_key = PrivateKey::generate_os()?;
        std::fs::write(dir.join("provider.key"), provider_key.to_base58() + "\n")?;
        let provider_log = std::fs::File::create(dir.join("provider.log"))?;
        let provider = Process(
            webfn()
                .args(["provider", "--relay", &format!("ws://{address}"), "--key"])
                .arg(dir.join("provider.key"))
                .arg("--cache")
                .arg(dir.join("cache"))
                .stdout(provider_log.try_clone()?)
                .stderr(provider_log)
                .spawn()?,
        );
        let world = World {
            dir,
            owner: PrivateKey::generate_os()?,
            provider_key: provider_key.public_key().to_base58(),
            members: (0..members)
                .map(|_| Identity::generate(&mut OsRng))
                .collect(),
            address,
            _relay: relay,
            _provider: provider,
        };
        world.change_group(GroupChange::Create)?;
        let commitments = world
            .members
            .iter()
            .map(|m| to_decimal(&m.commitment()))
            .collect();
        if !world.members.is_empty() {
            world.change_group(GroupChange::Add {
                members: commitments,
            })?;
        }
        world.deploy()?;
        wait_until(|| Ok(world.quote().is_ok()))?;
        Ok(world)
    }

    fn change_group(&self, change: GroupChange) -> Result<Value> {
        // a fresh issued_at each time: requests must be strictly newer
        static LAST: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
        let issued_at = LAST
            .fetch_add(1, std::sync::atomic::Ordering::SeqCst)
            .max(now())
            + 1;
        LAST.fetch_max(issued_at, std::sync::atomic::Ordering::SeqCst);
        let request = GroupRequest::sign("team".parse()?, change, &self.owner, issued_at)?;
        let (status, body) = post(&self.address, "/v1/groups", &request)?;
        if status != 200 {
            return Err(format!("group change: HTTP {status}: {body}").into());
        }
        Ok(body)
    }

    fn deploy(&self) -> Result {
        let component = common::example_component("hmac-sign")?;
        let (status, _) = http(&self.address, "POST", "/v1/bundles", &[], &component)?;
        assert_eq!(status, 201);
        let mut manifest = FunctionManifest::new("hmac-sign".parse()?, Digest::of(&component));
        manifest.price = PRICE;
        manifest.access = AccessPolicy::Group {
            group: "team".parse()?,
            quota: QUOTA,
            epoch_secs: 3600,
        };
        let request = DeployRequest::sign(manifest, &self.owner, now())?;
        let (status, body) = post(&self.address, "/v1/functions", &request)?;
        if status != 200 {
            return Err(format!("deploy: HTTP {status}: {body}").into());
        }
        Ok(())
    }

    fn quote(&self) -> Result<Quote> {
        let (status, body) = post(
            &self.address,
            "/v1/quotes",
            &json!({"function": "hmac-sign"}),
        )?;
        if status != 200 {
            return Err(format!("quote: HTTP {status}: {body}").into());
        }
        Ok(serde_json::from_value(body)?)
    }

    /// The group's leaves as the relay lists them.
    fn group(&self) -> Result<Vec<Fr>> {
        let (status, body) = get(&self.address, "/v1/groups/team")?;
        assert_eq!(status, 200, "{body}");
        body["members"]
            .as_array()
            .ok_or("no members")?
            .iter()
            .map(|m| {
                Ok(webfn_circuits::from_decimal(
                    m.as_str().ok_or("member")?,
                    "member",
                )?)
            })
            .collect()
    }

    /// Sends a call; the status and JSON answer.
    fn send(&self, call: &GatedCall) -> Result<(u16, Value)> {
        post(&self.address, "/v1/calls", call)
    }

    /// Counts of jobs and payments (the admin's view).
    fn counts(&self) -> Result<(usize, usize)> {
        let (_, jobs) = get(&self.address, "/v1/jobs?function=hmac-sign")?;
        let (status, ledger) = http(
            &self.address,
            "GET",
            "/v1/ledger",
            &[("authorization", &format!("Bearer {ADMIN_TOKEN}"))],
            b"",
        )?;
        assert_eq!(status, 200);
        let payments = json_of(&ledger)["payments"].as_array().map_or(0, Vec::len);
        Ok((jobs.as_array().map_or(0, Vec::len), payments))
    }
}

fn wait_until(mut ready: impl FnMut() -> Result<bool>) -> Result {
    let started = Instant::now();
    while started.elapsed() < Duration::from_secs(60) {
        if ready().unwrap_or(false) {
            return Ok(());
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    Err("timed out waiting".into())
}

fn request(body: &str) -> HttpRequest {
    HttpRequest {
        method: "POST".into(),
        path: "/sign".into(),
        headers: vec![("content-type".into(), "text/plain".into())],
        body: body.as_bytes().to_vec(),
    }
}

fn hmac_sha256(key: &[u8], message: &[u8]) -> String {
    let mut block = [0u8; 64];
    if key.len() > 64 {
        block[..32].copy_from_slice(&Sha256::digest(key));
    } else {
        block[..key.len()].copy_from_slice(key);
    }
    let pad = |byte: u8| block.iter().map(|b| b ^ byte).collect::<Vec<u8>>();
    let inner = Sha256::new()
        .chain_update(pad(0x36))
        .chain_update(message)
        .finalize();
    let outer = Sha256::new()
        .chain_update(pad(0x5c))
        .chain_update(inner)
        .finalize();
    hex::encode(outer)
}

/// A payment signed by `key` with these terms (testnet).
fn payment(
    key: &PrivateKey,
    to: &str,
    amount: u64,
    nonce: u32,
    memo: &str,
) -> Result<SignedPayment> {
    let input = json!({
        "to": to, "from": key.public_key().to_base58(), "amount": amount.to_string(),
        "fee": "10000000", "nonce": nonce.to_string(), "memo": memo,
    });
    match client::sign(
        Kind::Payment,
        &input,
        &key.to_base58(),
        &webfn_mina::NetworkId::Testnet,
    )? {
        SignedObject::Payment(signed) => Ok(signed),
        _ => Err("not a payment".into()),
    }
}

/// A credential for `call` as it stands (its message), made by `identity` in a group of
/// `leaves`, naming `function`, `epoch` and `slot`.
fn credential(
    call: &GatedCall,
    identity: &Identity,
    leaves: &[Fr],
    function: &str,
    epoch: u64,
    slot: u32,
) -> Result<Credential> {
    let tree = MerkleTree::from_leaves(TREE_DEPTH, 1, leaves)?;
    let index = tree
        .index_of(&identity.commitment())
        .ok_or("not in the tree")?;
    let scope = call_scope(&function.parse()?, epoch, slot);
    let proof = webfn_circuits::prove(
        &keys().1,
        identity,
        &tree.proof(index)?,
        scope,
        call.message()?,
        &mut OsRng,
    )?;
    Ok(Credential { epoch, slot, proof })
}

/// Files under `dir`, recursively.
fn files(dir: &Path) -> Vec<PathBuf> {
    let mut found = Vec::new();
    for entry in std::fs::read_dir(dir).into_iter().flatten().flatten() {
        let path = entry.path();
        if path.is_dir() {
            found.extend(files(&path));
        } else {
            found.push(path);
        }
    }
    found
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle)
}

#[test]
fn members_call_a_gated_paid_function_and_every_bad_call_is_refused_without_a_trace() -> Result {
    // proofs take seconds in a debug build: quotes live long enough for every case
    let world = World::start("main", 2, &["--quote-ttl-secs", "3600"])?;
    let payer = PrivateKey::generate_os()?;
    let (alice, bob) = (&world.members[0], &world.members[1]);
    let secret_value = format!(
        "sk-{}",
        hex::encode(rand_core::RngCore::next_u64(&mut OsRng).to_be_bytes())
    );
    let secrets = Secrets::from([("key".to_owned(), secret_value.clone())]);
    let body = "pay me";
    let mut nonce = 0u32;

    // a member calls: the guest signs with the secret only the provider could open
    let quote = world.quote()?;
    assert_eq!(quote.provider, world.provider_key);
    assert_eq!(quote.price, PRICE);
    let group = world.group()?;
    let call = prepare_call(
        &quote,
        request(body),
        &secrets,
        Some(&Payer {
            key: &payer,
            fee: 10_000_000,
            nonce,
            amount: None,
        }),
        Some(&Member {
            identity: alice,
            group: &group,
            proving_key: &keys().1,
            slot: 0,
        }),
        &mut OsRng,
    )?;
    nonce += 1;
    let (status, answer) = world.send(&call)?;
    assert_eq!(status, 200, "{answer}");
    let response: webfn_protocol::HttpResponse = serde_json::from_value(answer)?;
    assert_eq!(response.status, 200);
    assert_eq!(
        String::from_utf8_lossy(&response.body).trim(),
        hmac_sha256(secret_value.as_bytes(), body.as_bytes())
    );

    // the ledger: the payer and the provider each see the payment, executed
    let query = LedgerQuery::sign(&payer, now())?;
    let (status, mine) = post(&world.address, "/v1/ledger/query", &query)?;
    assert_eq!(status, 200, "{mine}");
    let payments = mine["payments"].as_array().ok_or("payments")?;
    assert_eq!(payments.len(), 1);
    assert_eq!(payments[0]["state"], "executed");
    assert_eq!(payments[0]["job_id"], quote.job_id.as_str());
    assert_eq!(payments[0]["amount"], PRICE);
    assert_eq!(payments[0]["receiver"], world.provider_key.as_str());
    let provider_key =
        PrivateKey::from_base58(std::fs::read_to_string(world.dir.join("provider.key"))?.trim())?;
    let (_, theirs) = post(
        &world.address,
        "/v1/ledger/query",
        &LedgerQuery::sign(&provider_key, now())?,
    )?;
    assert_eq!(theirs["payments"].as_array().map_or(0, Vec::len), 1);
    // a forged query (signed by someone else) and the admin route without its token fail
    let mut forged = LedgerQuery::sign(&PrivateKey::generate_os()?, now())?;
    forged.account = payer.public_key().to_base58();
    assert_eq!(post(&world.address, "/v1/ledger/query", &forged)?.0, 401);
    assert_eq!(get(&world.address, "/v1/ledger")?.0, 401);

    let before = world.counts()?;
    assert_eq!(before, (1, 1));

    // a refused call: typed error; checked below that nothing was recorded
    let refused = |call: &GatedCall, status: u16, code: &str| -> Result {
        let (got, answer) = world.send(call)?;
        assert_eq!(
            (got, answer["code"].as_str()),
            (status, Some(code)),
            "{answer}"
        );
        Ok(())
    };
    // a fully valid call for alice's slot 1, to tamper with
    let valid = |quote: &Quote, nonce: u32| -> Result<GatedCall> {
        Ok(prepare_call(
            quote,
            request(body),
            &secrets,
            Some(&Payer {
                key: &payer,
                fee: 10_000_000,
                nonce,
                amount: None,
            }),
            Some(&Member {
                identity: alice,
                group: &group,
                proving_key: &keys().1,
                slot: 1,
            }),
            &mut OsRng,
        )?)
    };
    // the same call without a credential, to attach one made for the case
    let unproved = |quote: &Quote, nonce: u32| -> Result<GatedCall> {
        let mut open = quote.clone();
        open.access = AccessPolicy::Open;
        Ok(prepare_call(
            &open,
            request(body),
            &secrets,
            Some(&Payer {
                key: &payer,
                fee: 10_000_000,
                nonce,
                amount: None,
            }),
            None,
            &mut OsRng,
        )?)
    };
    let epoch = quote.epoch.ok_or("no epoch")?;
    let quote = world.quote()?;

    // a non-member: a proof in a group of its own has a root the relay never had
    let stranger = Identity::generate(&mut OsRng);
    let mut call = valid(&quote, nonce)?;
    call.credential = Some(credential(
        &call,
        &stranger,
        &[stranger.commitment()],
        "hmac-sign",
        epoch,
        1,
    )?);
    refused(&call, 403, "unknown_root")?;
    // a proof for another function, another epoch, a slot beyond the quota
    for (function, at, slot) in [
        ("other", epoch, 1),
        ("hmac-sign", epoch + 1, 1),
        ("hmac-sign", epoch, QUOTA),
    ] {
        let mut call = unproved(&quote, nonce)?;
        call.credential = Some(credential(&call, alice, &group, function, at, slot)?);
        refused(&call, 403, "bad_proof")?;
    }
    // a message not matching the call: the input or the payment swapped after proving
    let mut swapped = valid(&quote, nonce)?;
    swapped.request.body = b"something else".to_vec();
    refused(&swapped, 403, "bad_proof")?;
    let mut swapped = valid(&quote, nonce)?;
    swapped.payment = Some(payment(
        &payer,
        &quote.provider,
        PRICE + 1,
        nonce,
        quote.job_id.as_str(),
    )?);
    refused(&swapped, 403, "bad_proof")?;
    // a proof that does not verify: public inputs that match the call, with the proof of
    // another call (whose sealed secrets, hence message, differ)
    let mut forged = valid(&quote, nonce)?;
    let other = valid(&quote, nonce)?;
    if let (Some(mine), Some(theirs)) = (&mut forged.credential, &other.credential) {
        assert_ne!(
            mine.proof.public_inputs.message,
            theirs.proof.public_inputs.message
        );
        mine.proof.proof = theirs.proof.proof.clone();
    }
    refused(&forged, 403, "bad_proof")?;
    // payments: to another receiver, below the price, badly signed, not naming the job
    let elsewhere = PrivateKey::generate_os()?.public_key().to_base58();
    let bad_payments = [
        payment(&payer, &elsewhere, PRICE, nonce, quote.job_id.as_str())?,
        payment(
            &payer,
            &quote.provider,
            PRICE - 1,
            nonce,
            quote.job_id.as_str(),
        )?,
        {
            let mut p = payment(&payer, &quote.provider, PRICE, nonce, quote.job_id.as_str())?;
            p.signature.scalar = payment(
                &payer,
                &quote.provider,
                PRICE,
                nonce + 7,
                quote.job_id.as_str(),
            )?
            .signature
            .scalar;
            p
        },
        payment(&payer, &quote.provider, PRICE, nonce, "another job")?,
    ];
    for bad in bad_payments {
        let mut call = unproved(&quote, nonce)?;
        call.payment = Some(bad);
        call.credential = Some(credential(&call, alice, &group, "hmac-sign", epoch, 1)?);
        refused(&call, 402, "payment_required")?;
    }
    // the first call's payment again (it names the first job)
    let mut reused = unproved(&quote, nonce)?;
    reused.payment = call_payment(&world, &payer)?;
    reused.credential = Some(credential(&reused, alice, &group, "hmac-sign", epoch, 1)?);
    refused(&reused, 402, "payment_required")?;
    // a new payment with the account nonce of the live first payment
    let mut same_nonce = unproved(&quote, nonce - 1)?;
    same_nonce.credential = Some(credential(
        &same_nonce,
        alice,
        &group,
        "hmac-sign",
        epoch,
        1,
    )?);
    refused(&same_nonce, 409, "payment_used")?;
    // a replayed nullifier: alice's slot 0 is spent by the first call
    let mut replay = unproved(&quote, nonce)?;
    replay.credential = Some(credential(&replay, alice, &group, "hmac-sign", epoch, 0)?);
    refused(&replay, 409, "nullifier_used")?;
    // a quote that was never issued, and a call without a credential
    let mut unknown = unproved(&quote, nonce)?;
    unknown.job_id = "0123456789abcdef0123456789abcdef".to_owned().try_into()?;
    refused(&unknown, 410, "quote_expired")?;
    let anonymous = unproved(&quote, nonce)?;
    refused(&anonymous, 401, "unauthorized")?;

    // nothing of that was recorded
    assert_eq!(world.counts()?, before);

    // alice's slot 1 is still unspent, bob's slot 0 too
    let (status, answer) = world.send(&valid(&quote, nonce)?)?;
    assert_eq!(status, 200, "{answer}");
    nonce += 1;
    // the quote is now used
    refused(&unproved(&quote, nonce)?, 409, "quote_used")?;
    let quote = world.quote()?;
    // bob's call goes over the caller WebSocket, with a `webfn-secret-key` header of its own:
    // the provider drops it, only sealed secrets may carry that name
    let mut forged = request(body);
    forged
        .headers
        .push(("webfn-secret-key".into(), "forged".into()));
    let call = prepare_call(
        &quote,
        forged,
        &Secrets::new(),
        Some(&Payer {
            key: &payer,
            fee: 10_000_000,
            nonce,
            amount: None,
        }),
        Some(&Member {
            identity: bob,
            group: &group,
            proving_key: &keys().1,
            slot: 0,
        }),
        &mut OsRng,
    )?;
    let mut socket = tungstenite::connect(format!("ws://{}/v1/ws/caller", world.address))?.0;
    let frame = webfn_protocol::encode(&webfn_protocol::CallerToRelay::Call {
        request_id: "r1".to_owned().try_into()?,
        call: Box::new(call),
    })?;
    socket.send(tungstenite::Message::Text(frame.into()))?;
    let answer = loop {
        if let tungstenite::Message::Text(text) = socket.read()? {
            break webfn_protocol::decode::<webfn_protocol::RelayToCaller>(&text, 1 << 24)?;
        }
    };
    let webfn_protocol::RelayToCaller::Response {
        request_id,
        response,
    } = answer
    else {
        return Err(format!("expected a response, got {answer:?}").into());
    };
    assert_eq!(request_id.as_str(), "r1");
    // without a sealed key the guest says so: the header came from nowhere else
    assert_eq!(response.status, 401);
    assert_eq!(world.counts()?, (3, 3));

    // the secret never reached the relay's database or logs
    let needle = secret_value.as_bytes();
    for path in files(&world.dir.join("relay"))
        .into_iter()
        .chain([world.dir.join("relay.log")])
    {
        let bytes = std::fs::read(&path)?;
        assert!(
            !contains(&bytes, needle),
            "the secret is in {}",
            path.display()
        );
    }
    // and the gateway refuses the gated function outright
    let (status, _) = http(&world.address, "POST", "/fn/hmac-sign/", &[], b"x")?;
    assert_eq!(status, 401);
    Ok(())
}

/// The signed payment of the first call, read back from the ledger.
fn call_payment(world: &World, payer: &PrivateKey) -> Result<Option<SignedPayment>> {
    let (_, mine) = post(
        &world.address,
        "/v1/ledger/query",
        &LedgerQuery::sign(payer, now())?,
    )?;
    let first = mine["payments"]
        .as_array()
        .and_then(|p| p.last())
        .ok_or("no payment")?;
    Ok(Some(serde_json::from_value(first["signed"].clone())?))
}

#[test]
fn old_roots_and_expired_quotes_are_refused() -> Result {
    let world = World::start(
        "window",
        1,
        &["--root-window", "2", "--quote-ttl-secs", "20"],
    )?;
    let payer = PrivateKey::generate_os()?;
    let alice = &world.members[0];
    let old_group = world.group()?;
    // two more changes push the root alice's path leads to out of a window of two
    for _ in 0..2 {
        let newcomer = Identity::generate(&mut OsRng);
        world.change_group(GroupChange::Add {
            members: vec![to_decimal(&newcomer.commitment())],
        })?;
    }
    let member = |group| Member {
        identity: alice,
        group,
        proving_key: &keys().1,
        slot: 0,
    };
    let pay = Payer {
        key: &payer,
        fee: 10_000_000,
        nonce: 0,
        amount: None,
    };
    let quote = world.quote()?;

    let stale = prepare_call(
        &quote,
        request("x"),
        &Secrets::new(),
        Some(&pay),
        Some(&member(&old_group)),
        &mut OsRng,
    )?;
    let (status, answer) = world.send(&stale)?;
    assert_eq!(
        (status, answer["code"].as_str()),
        (403, Some("unknown_root")),
        "{answer}"
    );
    // the current group works, until the quote expires
    let fresh = world.group()?;
    let quote = world.quote()?;
    let call = prepare_call(
        &quote,
        request("x"),
        &Secrets::new(),
        Some(&pay),
        Some(&member(&fresh)),
        &mut OsRng,
    )?;
    std::thread::sleep(Duration::from_secs(
        quote.expires_at.saturating_sub(now()) + 2,
    ));
    let (status, answer) = world.send(&call)?;
    assert_eq!(
        (status, answer["code"].as_str()),
        (410, Some("quote_expired")),
        "{answer}"
    );
    assert_eq!(world.counts()?, (0, 0));
    // a fresh quote and the same slot: nothing was spent
    let quote = world.quote()?;
    let call = prepare_call(
        &quote,
        request("x"),
        &Secrets::new(),
        Some(&pay),
        Some(&member(&fresh)),
        &mut OsRng,
    )?;
    let (status, answer) = world.send(&call)?;
    assert_eq!(status, 200, "{answer}");
    // removing alice makes her proofs against the new root impossible
    world.change_group(GroupChange::Remove {
        members: vec![to_decimal(&alice.commitment())],
    })?;
    let listed = world.group()?;
    assert_eq!(listed[0], Fr::from(0u64));
    let quote = world.quote()?;
    let pay = Payer { nonce: 1, ..pay };
    assert!(
        prepare_call(
            &quote,
            request("x"),
            &Secrets::new(),
            Some(&pay),
            Some(&member(&listed)),
            &mut OsRng
        )
        .is_err()
    );
    Ok(())
}

/// Runs `webfn` with `args`; (exit success, stdout, stderr).
fn run(args: &[&str]) -> Result<(bool, String, String)> {
    let output = webfn().args(args).output()?;
    Ok((
        output.status.success(),
        String::from_utf8_lossy(&output.stdout).into_owned(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    ))
}

#[test]
fn the_command_line_manages_groups_and_makes_gated_paid_calls() -> Result {
    let world = World::start("cli", 0, &["--quote-ttl-secs", "3600"])?;
    let relay = format!("http://{}", world.address);
    let file = |name: &str| world.dir.join(name).display().to_string();
    std::fs::write(file("owner.key"), world.owner.to_base58() + "\n")?;
    std::fs::write(
        file("payer.key"),
        PrivateKey::generate_os()?.to_base58() + "\n",
    )?;

    // an identity, added to the group by its owner
    let (ok, identity, _) = run(&["zk", "identity"])?;
    assert!(ok);
    std::fs::write(file("me.json"), &identity)?;
    let me: Value = serde_json::from_str(&identity)?;
    let commitment = me["commitment"].as_str().ok_or("commitment")?.to_owned();
    let (ok, _, err) = run(&[
        "group",
        "add",
        "--relay",
        &relay,
        "--group",
        "team",
        "--key",
        &file("owner.key"),
        &commitment,
    ])?;
    assert!(ok, "{err}");
    // someone else cannot change it
    let (ok, _, err) = run(&[
        "group",
        "add",
        "--relay",
        &relay,
        "--group",
        "team",
        "--key",
        &file("payer.key"),
        "12345",
    ])?;
    assert!(!ok && err.contains("unauthorized"), "{err}");

    // gated and paid: quote, proof, payment, sealed secret
    let invoke = |nonce: &str| {
        run(&[
            "invoke",
            "--relay",
            &relay,
            "hmac-sign",
            "/sign",
            "-X",
            "POST",
            "-d",
            "hello",
            "--identity",
            &file("me.json"),
            "--secret",
            "key=cli-secret",
            "--key",
            &file("payer.key"),
            "--nonce",
            nonce,
        ])
    };
    let (ok, out, err) = invoke("0")?;
    assert!(ok, "{err}");
    assert_eq!(out.trim(), hmac_sha256(b"cli-secret", b"hello"));
    // the same account nonce again: refused, nothing spent
    let (ok, _, err) = invoke("0")?;
    assert!(!ok && err.contains("payment_used"), "{err}");
    // slot 0 is spent: the next call takes slot 1, then the quota of 2 is used up
    let (ok, out, err) = invoke("1")?;
    assert!(ok, "{err}");
    assert!(err.contains("slot 0 of this epoch is spent"), "{err}");
    assert_eq!(out.trim(), hmac_sha256(b"cli-secret", b"hello"));
    let (ok, _, err) = invoke("2")?;
    assert!(
        !ok && err.contains("quota slots of this epoch is spent"),
        "{err}"
    );

    // the payer's ledger
    let (ok, out, err) = run(&["ledger", "--relay", &relay, "--key", &file("payer.key")])?;
    assert!(ok, "{err}");
    let ledger: Value = serde_json::from_str(&out)?;
    let payments = ledger["payments"].as_array().ok_or("payments")?;
    assert_eq!(payments.len(), 2);
    assert!(
        payments
            .iter()
            .all(|p| p["state"] == "executed" && p["amount"] == PRICE)
    );
    std::fs::write(file("admin.token"), ADMIN_TOKEN)?;
    let (ok, out, err) = run(&[
        "ledger",
        "--relay",
        &relay,
        "--admin-token-file",
        &file("admin.token"),
    ])?;
    assert!(ok, "{err}");
    assert_eq!(
        serde_json::from_str::<Value>(&out)?["payments"]
            .as_array()
            .map_or(0, Vec::len),
        2
    );

    // sync the group to a members file: the identity goes, two newcomers come
    let newcomers: Vec<String> = (0..2)
        .map(|_| to_decimal(&Identity::generate(&mut OsRng).commitment()))
        .collect();
    std::fs::write(
        file("members.txt"),
        format!("# the team\n{}\n\n{}\n", newcomers[0], newcomers[1]),
    )?;
    let (ok, _, err) = run(&[
        "group",
        "sync",
        "--relay",
        &relay,
        "--group",
        "team",
        "--key",
        &file("owner.key"),
        "--members-file",
        &file("members.txt"),
    ])?;
    assert!(ok, "{err}");
    assert!(err.contains("2 added, 1 removed"), "{err}");
    let (ok, out, err) = run(&["group", "show", "--relay", &relay, "--group", "team"])?;
    assert!(ok, "{err}");
    let view: Value = serde_json::from_str(&out)?;
    assert_eq!(view["members"], json!(["0", newcomers[0], newcomers[1]]));
    // synced again: nothing to do
    let (ok, _, err) = run(&[
        "group",
        "sync",
        "--relay",
        &relay,
        "--group",
        "team",
        "--key",
        &file("owner.key"),
        "--members-file",
        &file("members.txt"),
    ])?;
    assert!(ok && err.contains("0 added, 0 removed"), "{err}");
    // a removed member cannot call any more
    let (ok, _, err) = invoke("3")?;
    assert!(!ok && err.contains("not a member"), "{err}");
    Ok(())
}
