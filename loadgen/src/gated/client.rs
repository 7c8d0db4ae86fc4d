//! One keep-alive HTTP/1.1 connection to the relay, one request at a time.

use anyhow::Context;
use bytes::Bytes;
use http::{Method, Request, StatusCode};
use http_body_util::{BodyExt, Full};
use hyper_util::rt::TokioIo;

/// A connection to `host:port`.
#[derive(Debug)]
pub struct Client {
    authority: String,
    sender: hyper::client::conn::http1::SendRequest<Full<Bytes>>,
}

/// An answer: its status and whole body.
#[derive(Debug)]
pub struct Answer {
    pub status: StatusCode,
    pub body: Bytes,
}

impl Client {
    /// Opens a connection (TCP_NODELAY, like the load generator's).
    pub async fn connect(authority: &str) -> anyhow::Result<Client> {
        let stream = tokio::net::TcpStream::connect(authority)
            .await
            .with_context(|| format!("connecting to {authority}"))?;
        stream.set_nodelay(true).context("setting TCP_NODELAY")?;
        let (sender, connection) = hyper::client::conn::http1::handshake(TokioIo::new(stream))
            .await
            .context("HTTP/1.1 handshake")?;
        tokio::spawn(connection);
        Ok(Client {
            authority: authority.to_owned(),
            sender,
        })
    }

    /// Sends one request and reads the whole answer.
    pub async fn send(
        &mut self,
        method: Method,
        path: &str,
        content_type: Option<&str>,
        body: Bytes,
    ) -> anyhow::Result<Answer> {
        let mut request = Request::builder()
            .method(method)
            .uri(path)
            .header(http::header::HOST, &self.authority);
        if let Some(content_type) = content_type {
            request = request.header(http::header::CONTENT_TYPE, content_type);
        }
        let request = request
            .body(Full::new(body))
            .context("building a request")?;
        self.sender.ready().await.context("the connection closed")?;
        let response = self
            .sender
            .send_request(request)
            .await
            .with_context(|| format!("sending {path}"))?;
        let status = response.status();
        let body = response
            .into_body()
            .collect()
            .await
            .with_context(|| format!("reading the answer of {path}"))?
            .to_bytes();
        Ok(Answer { status, body })
    }

    /// POSTs `value` as JSON.
    pub async fn post_json(
        &mut self,
        path: &str,
        value: &impl serde::Serialize,
    ) -> anyhow::Result<Answer> {
        let body = serde_json::to_vec(value).context("encoding JSON")?;
        self.send(
            Method::POST,
            path,
            Some("application/json"),
            Bytes::from(body),
        )
        .await
    }
}

impl Answer {
    /// The body as text, for error messages (at most 300 bytes).
    pub fn text(&self) -> String {
        let end = self.body.len().min(300);
        String::from_utf8_lossy(&self.body[..end]).into_owned()
    }

    /// Expects a success status, then decodes the body as JSON.
    pub fn decode<T: serde::de::DeserializeOwned>(&self, what: &str) -> anyhow::Result<T> {
        if !self.status.is_success() {
            anyhow::bail!("{what}: HTTP {}: {}", self.status, self.text());
        }
        serde_json::from_slice(&self.body)
            .with_context(|| format!("{what}: unexpected answer {}", self.text()))
    }
}
