//! `webfn invoke`: call a function. An open, free function is called through the gateway; a
//! gated or paid one goes through a quote: the secrets are sealed to the quoted provider, the
//! payment signed to it, membership proved for this very call (trying quota slots from 0 up
//! while the relay says a slot is spent), and the call sent to `POST /v1/calls`.

use std::io::Write as _;
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{Context, bail};
use clap::Args;
use rand_core::OsRng;
use serde::Deserialize;
use webfn_circuits::{Fr, Identity, KeyDigest, ProvingKey, from_decimal};
use webfn_protocol::{
    AccessPolicy, ErrorBody, ErrorCode, FunctionManifest, FunctionName, GatedCall, HttpRequest,
    HttpResponse, Member, Payer, Quote, Secrets, prepare_call,
};

use super::http::{RelayUrl, error_text, send, send_with_headers};
use super::keys::KeyArg;
use crate::keyfile;

#[derive(Debug, Args)]
pub(crate) struct InvokeArgs {
    /// The relay.
    #[command(flatten)]
    relay: RelayUrl,
    /// The function.
    name: FunctionName,
    /// Path and query inside the function.
    #[arg(value_name = "PATH", default_value = "/")]
    target: String,
    /// HTTP method.
    #[arg(long, short = 'X', default_value = "GET")]
    method: String,
    /// Request body.
    #[arg(long, short = 'd', default_value = "")]
    data: String,
    /// A request header, `name: value` (repeatable).
    #[arg(long = "header", short = 'H', value_name = "NAME: VALUE")]
    headers: Vec<String>,
    /// A secret for the function, `name=value` (repeatable): sealed to the provider that runs
    /// the call, which hands it to the function as the header `webfn-secret-<name>`.
    #[arg(long = "secret", value_name = "NAME=VALUE")]
    secrets: Vec<String>,
    /// Gated functions: your identity, a JSON file `{"secret": "…"}` as `webfn zk identity`
    /// prints it.
    #[arg(long, value_name = "FILE", env = "WEBFN_IDENTITY")]
    identity: Option<PathBuf>,
    /// Gated functions: the credential keys' directory [default: fetched from the relay and
    /// checked against its digest].
    #[arg(long, value_name = "DIR")]
    zk_keys: Option<PathBuf>,
    /// Gated functions: the quota slot to spend [default: the first one not yet spent].
    #[arg(long)]
    slot: Option<u32>,
    /// Paid functions: the paying account's key file [default: your key file].
    #[command(flatten)]
    payer: KeyArg,
    /// Paid functions: the payment's fee, nanomina.
    #[arg(long, default_value_t = 10_000_000)]
    fee: u64,
    /// Paid functions: the paying account's nonce (one live payment per nonce).
    #[arg(long, default_value_t = 0)]
    nonce: u32,
    /// Paid functions: the amount, nanomina [default: the quoted price].
    #[arg(long)]
    amount: Option<u64>,
    /// Paid functions: refuse a quote above this price, nanomina (the relay names the price).
    #[arg(long, value_name = "NANOMINA", env = "WEBFN_MAX_PRICE")]
    max_price: Option<u64>,
    /// Paid functions: the Mina network the payment may be signed for; a quote naming
    /// another is refused [default: whatever the relay quotes].
    #[arg(long, value_name = "NAME", env = "WEBFN_MINA_NETWORK")]
    network: Option<String>,
}

/// An identity file.
#[derive(Debug, Deserialize)]
struct IdentityFile {
    secret: String,
}

impl InvokeArgs {
    pub(crate) fn run(self) -> anyhow::Result<ExitCode> {
        let runtime = tokio::runtime::Runtime::new().context("starting the async runtime")?;
        runtime.block_on(self.invoke())
    }

    fn base(&self) -> &str {
        self.relay.base()
    }

    fn request(&self) -> anyhow::Result<HttpRequest> {
        let path = if self.target.starts_with('/') {
            self.target.clone()
        } else {
            format!("/{}", self.target)
        };
        let mut headers = Vec::new();
        for header in &self.headers {
            let Some((name, value)) = header.split_once(':') else {
                bail!("--header {header:?}: expected `name: value`");
            };
            headers.push((name.trim().to_ascii_lowercase(), value.trim().to_owned()));
        }
        let request = HttpRequest {
            method: self.method.clone(),
            path,
            headers,
            body: self.data.clone().into_bytes(),
        };
        request.validate()?;
        Ok(request)
    }

    fn secrets(&self) -> anyhow::Result<Secrets> {
        let mut secrets = Secrets::new();
        for pair in &self.secrets {
            let Some((name, value)) = pair.split_once('=') else {
                bail!("--secret: expected `name=value`");
            };
            secrets.insert(name.to_owned(), value.to_owned());
        }
        webfn_protocol::validate_secrets(&secrets)?;
        Ok(secrets)
    }

    async fn invoke(self) -> anyhow::Result<ExitCode> {
        let request = self.request()?;
        let manifest = self.manifest().await?;
        if !manifest.needs_quote() {
            if !self.secrets.is_empty() {
                bail!(
                    "--secret needs a gated or paid function (an open call has no quote to seal to)"
                );
            }
            return self.open_call(request).await;
        }
        let secrets = self.secrets()?;
        let quote = self.quote().await?;
        if let Some(max) = self.max_price
            && quote.price > max
        {
            bail!(
                "the relay quotes {} nanomina for {}, above --max-price {max}",
                quote.price,
                self.name
            );
        }
        if let Some(network) = &self.network
            && quote.price > 0
            && *network != quote.network
        {
            bail!(
                "the relay asks for a payment on network {}, not {network}",
                quote.network
            );
        }
        let payer = if quote.price > 0 {
            Some(keyfile::read(&self.payer.resolve()?)?)
        } else {
            None
        };
        let payer = payer.as_ref().map(|key| Payer {
            key,
            fee: self.fee,
            nonce: self.nonce,
            amount: self.amount,
        });
        let AccessPolicy::Group { group, quota, .. } = &quote.access else {
            let call = prepare_call(&quote, request, &secrets, payer.as_ref(), None, &mut OsRng)?;
            return answer(self.send(&call).await?);
        };
        let identity = self.identity()?;
        let leaves = self.group(group.as_str()).await?;
        let proving_key = self.proving_key().await?;
        let slots: Vec<u32> = match self.slot {
            Some(slot) => vec![slot],
            None => (0..*quota).collect(),
        };
        for slot in slots {
            let member = Member {
                identity: &identity,
                group: &leaves,
                proving_key: &proving_key,
                slot,
            };
            let call = prepare_call(
                &quote,
                request.clone(),
                &secrets,
                payer.as_ref(),
                Some(&member),
                &mut OsRng,
            )?;
            match self.send(&call).await? {
                Err(error) if error.code == ErrorCode::NullifierUsed && self.slot.is_none() => {
                    eprintln!("slot {slot} of this epoch is spent; trying the next");
                }
                outcome => return answer(outcome),
            }
        }
        bail!("every one of the {quota} quota slots of this epoch is spent");
    }

    async fn open_call(&self, request: HttpRequest) -> anyhow::Result<ExitCode> {
        let url = format!("{}/fn/{}{}", self.base(), self.name, request.path);
        let mut headers = request.headers;
        if !headers.iter().any(|(name, _)| name == "content-type") {
            headers.push(("content-type".into(), "application/octet-stream".into()));
        }
        let (status, body) =
            send_with_headers(&request.method, &url, request.body, &headers).await?;
        if (200..300).contains(&status) {
            std::io::stdout()
                .write_all(&body)
                .context("writing the answer")?;
            Ok(ExitCode::SUCCESS)
        } else {
            eprintln!("HTTP {status}: {}", error_text(&body));
            Ok(ExitCode::FAILURE)
        }
    }

    async fn manifest(&self) -> anyhow::Result<FunctionManifest> {
        let url = format!("{}/v1/functions/{}", self.base(), self.name);
        let (status, body) = send("GET", &url, Vec::new(), "application/json").await?;
        if !(200..300).contains(&status) {
            bail!(
                "looking up {}: HTTP {status}: {}",
                self.name,
                error_text(&body)
            );
        }
        #[derive(Deserialize)]
        struct View {
            manifest: FunctionManifest,
        }
        let view: View = serde_json::from_slice(&body).context("reading the function")?;
        Ok(view.manifest)
    }

    async fn quote(&self) -> anyhow::Result<Quote> {
        let url = format!("{}/v1/quotes", self.base());
        let body = serde_json::to_vec(&serde_json::json!({ "function": self.name }))?;
        let (status, body) = send("POST", &url, body, "application/json").await?;
        if !(200..300).contains(&status) {
            bail!("asking for a quote: HTTP {status}: {}", error_text(&body));
        }
        serde_json::from_slice(&body).context("reading the quote")
    }

    fn identity(&self) -> anyhow::Result<Identity> {
        let Some(path) = &self.identity else {
            bail!(
                "{} is gated: pass --identity FILE (from `webfn zk identity`)",
                self.name
            );
        };
        let text =
            std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
        let file: IdentityFile = serde_json::from_str(&text)
            .with_context(|| format!("{} is not an identity file", path.display()))?;
        Ok(Identity::from_secret(from_decimal(&file.secret, "secret")?))
    }

    /// Every leaf of the group, in order.
    async fn group(&self, group: &str) -> anyhow::Result<Vec<Fr>> {
        let mut leaves = Vec::new();
        loop {
            let url = format!("{}/v1/groups/{group}?offset={}", self.base(), leaves.len());
            let (status, body) = send("GET", &url, Vec::new(), "application/json").await?;
            if !(200..300).contains(&status) {
                bail!(
                    "reading group {group}: HTTP {status}: {}",
                    error_text(&body)
                );
            }
            let page: webfn_protocol::GroupView =
                serde_json::from_slice(&body).context("reading the group")?;
            let more = !page.members.is_empty();
            for member in &page.members {
                leaves.push(from_decimal(member, "member")?);
            }
            if !more || leaves.len() as u64 >= page.size {
                return Ok(leaves);
            }
        }
    }

    async fn proving_key(&self) -> anyhow::Result<ProvingKey> {
        if let Some(dir) = &self.zk_keys {
            let (digest, _) = webfn::zk_keys::read_digests(dir)?;
            let path = dir.join(webfn::zk_keys::PROVING_KEY);
            let bytes =
                std::fs::read(&path).with_context(|| format!("reading {}", path.display()))?;
            return Ok(ProvingKey::from_bytes_pinned(&bytes, &digest)?);
        }
        let (status, body) = send(
            "GET",
            &format!("{}/v1/zk", self.base()),
            Vec::new(),
            "application/json",
        )
        .await?;
        if !(200..300).contains(&status) {
            bail!(
                "the relay's credential keys: HTTP {status}: {}",
                error_text(&body)
            );
        }
        let digests: serde_json::Value = serde_json::from_slice(&body)?;
        let digest: KeyDigest = digests["provingKey"]
            .as_str()
            .context("the relay names no proving key")?
            .parse()?;
        let url = format!("{}/v1/zk/proving-key", self.base());
        let (status, bytes) = send("GET", &url, Vec::new(), "application/octet-stream").await?;
        if !(200..300).contains(&status) {
            bail!("fetching the proving key: HTTP {status}");
        }
        Ok(ProvingKey::from_bytes_pinned(&bytes, &digest)?)
    }

    /// Sends a quoted call: the function's response, or the relay's typed error.
    async fn send(&self, call: &GatedCall) -> anyhow::Result<Result<HttpResponse, ErrorBody>> {
        let url = format!("{}/v1/calls", self.base());
        let (status, body) =
            send("POST", &url, serde_json::to_vec(call)?, "application/json").await?;
        if (200..300).contains(&status) {
            return Ok(Ok(
                serde_json::from_slice(&body).context("reading the response")?
            ));
        }
        match serde_json::from_slice::<ErrorBody>(&body) {
            Ok(error) => Ok(Err(error)),
            Err(_) => bail!("HTTP {status}: {}", String::from_utf8_lossy(&body)),
        }
    }
}

/// Prints a function's response body; exit 0 for a 2xx status.
fn answer(outcome: Result<HttpResponse, ErrorBody>) -> anyhow::Result<ExitCode> {
    match outcome {
        Ok(response) => {
            std::io::stdout()
                .write_all(&response.body)
                .context("writing the answer")?;
            if (200..300).contains(&response.status) {
                Ok(ExitCode::SUCCESS)
            } else {
                eprintln!("the function answered HTTP {}", response.status);
                Ok(ExitCode::FAILURE)
            }
        }
        Err(error) => {
            eprintln!("{}: {}", error.code, error.message);
            Ok(ExitCode::FAILURE)
        }
    }
}
