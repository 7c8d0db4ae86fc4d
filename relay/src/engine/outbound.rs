//! Outbound HTTP: denied unless the destination is in the bundle's allowlist.
//!
//! A guest's `wasi:http/outgoing-handler.handle` reaches [`OutboundPolicy::send_request`]:
//! a request to a host that is not allowlisted gets the `wasi:http` error code
//! `HTTP-request-denied` before any connection or DNS lookup is made; an allowlisted one is
//! resolved, refused the same way if any of its addresses is not public (loopback, private,
//! link-local, carrier-grade NAT, unique-local, multicast, unspecified, documentation ranges:
//! the provider's own network) unless the provider permits that, and then sent by Wasmtime's
//! default client (HTTP/1.1, TLS with the webpki roots).
//!
//! Residual risk: Wasmtime's client resolves the name again when it connects, so a name whose
//! DNS answer changes between the two lookups (DNS rebinding with a zero TTL) can still reach
//! a private address; providers on sensitive networks should also filter egress.

use std::future::Future;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};
use std::sync::Arc;

use http::uri::Scheme;
use http_body_util::BodyExt;
use wasmtime_wasi_http::{RequestOptions, WasiBody, WasiHttpHooks};

use super::error::{EngineError, Result};

/// The hosts a bundle may send HTTP requests to. Empty (the default) denies everything.
///
/// Patterns, compared case-insensitively with the request's authority:
/// - `api.example.com`: that host, on the default port of the scheme (80 for `http`, 443 for
///   `https`);
/// - `api.example.com:8443`: that host on that port only;
/// - `*.example.com` (optionally with `:port`): any subdomain of `example.com`, at any depth,
///   but not `example.com` itself;
/// - IP literals work the same way (`127.0.0.1:8080`, `[::1]:8080`).
///
/// Even an allowlisted host is refused when it resolves to a non-public address, unless the
/// allowlist was made with [`Allowlist::permitting_private_addresses`] (a provider's choice,
/// `webfn provider --allow-private-outbound`; never a function owner's).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Allowlist {
    patterns: Vec<HostPattern>,
    private_addresses: bool,
}

#[derive(Debug, Clone, PartialEq, Eq)]
struct HostPattern {
    /// Lowercase host, without a trailing dot; for a wildcard, the suffix with its leading dot
    /// (`.example.com`).
    host: String,
    wildcard: bool,
    /// `None`: the scheme's default port.
    port: Option<u16>,
}

impl Allowlist {
    /// The allowlist that denies every outbound request.
    pub fn deny_all() -> Self {
        Allowlist::default()
    }

    /// Parses host patterns (see the type's documentation).
    pub fn new<I, S>(patterns: I) -> Result<Self>
    where
        I: IntoIterator<Item = S>,
        S: AsRef<str>,
    {
        let patterns = patterns
            .into_iter()
            .map(|pattern| HostPattern::parse(pattern.as_ref()))
            .collect::<Result<_>>()?;
        Ok(Allowlist {
            patterns,
            private_addresses: false,
        })
    }

    /// This allowlist, also letting requests reach loopback and private addresses.
    pub fn permitting_private_addresses(mut self) -> Self {
        self.private_addresses = true;
        self
    }

    /// Whether a request to `uri` may go out.
    pub fn allows(&self, uri: &http::Uri) -> bool {
        let Some(host) = uri.host() else {
            return false;
        };
        let host = normalize(host);
        let default_port = match uri.scheme() {
            Some(scheme) if *scheme == Scheme::HTTPS => 443,
            Some(scheme) if *scheme == Scheme::HTTP => 80,
            _ => return false,
        };
        let port = uri.port_u16().unwrap_or(default_port);
        self.patterns
            .iter()
            .any(|pattern| pattern.matches(&host, port, default_port))
    }

    /// Whether nothing is allowed.
    pub fn is_empty(&self) -> bool {
        self.patterns.is_empty()
    }
}

impl HostPattern {
    fn parse(pattern: &str) -> Result<Self> {
        let invalid = |reason| EngineError::InvalidAllowlist {
            pattern: pattern.to_owned(),
            reason,
        };
        if pattern.contains("://") || pattern.contains('/') {
            return Err(invalid("give a host (and port), not a URL"));
        }
        let authority: http::uri::Authority =
            pattern.parse().map_err(|_| invalid("not a host[:port]"))?;
        if authority.as_str().contains('@') {
            return Err(invalid("user information is not allowed"));
        }
        let has_port = authority.as_str().len() > authority.host().len();
        if has_port && authority.port_u16().is_none() {
            return Err(invalid("the port must be a number from 0 to 65535"));
        }
        let host = normalize(authority.host());
        let (host, wildcard) = match host.strip_prefix('*') {
            Some(suffix) if suffix.starts_with('.') && suffix.len() > 1 => {
                (suffix.to_owned(), true)
            }
            Some(_) => return Err(invalid("a wildcard must look like *.example.com")),
            None => (host, false),
        };
        if host.is_empty() || host.contains('*') {
            return Err(invalid("empty host or misplaced wildcard"));
        }
        Ok(HostPattern {
            host,
            wildcard,
            port: authority.port_u16(),
        })
    }

    fn matches(&self, host: &str, port: u16, default_port: u16) -> bool {
        let host_matches = if self.wildcard {
            host.ends_with(&self.host) && host.len() > self.host.len()
        } else {
            host == self.host
        };
        host_matches && port == self.port.unwrap_or(default_port)
    }
}

/// Lowercase, without the trailing dot of a fully qualified name.
fn normalize(host: &str) -> String {
    host.strip_suffix('.').unwrap_or(host).to_ascii_lowercase()
}

/// The `wasi:http` hooks of a call: the allowlist check in front of Wasmtime's client.
#[derive(Debug, Clone, Default)]
pub(super) struct OutboundPolicy {
    allowlist: Arc<Allowlist>,
}

impl OutboundPolicy {
    pub(super) fn new(allowlist: Arc<Allowlist>) -> Self {
        OutboundPolicy { allowlist }
    }
}

type SendFuture = Box<
    dyn Future<
            Output = wasmtime_wasi_http::Result<(
                http::Response<WasiBody>,
                Box<dyn Future<Output = wasmtime_wasi_http::Result<()>> + Send>,
            )>,
        > + Send,
>;

impl WasiHttpHooks for OutboundPolicy {
    fn send_request(
        &mut self,
        request: http::Request<WasiBody>,
        options: Option<RequestOptions>,
        _response_done: Box<dyn Future<Output = wasmtime_wasi_http::Result<()>> + Send>,
    ) -> SendFuture {
        if !self.allowlist.allows(request.uri()) {
            return Box::new(async { Err(wasmtime_wasi_http::Error::HttpRequestDenied) });
        }
        let check_addresses = !self.allowlist.private_addresses;
        Box::new(async move {
            if check_addresses && !resolves_to_public_addresses(request.uri()).await {
                return Err(wasmtime_wasi_http::Error::HttpRequestDenied);
            }
            let (response, io) = wasmtime_wasi_http::default_send_request(request, options).await?;
            let io: Box<dyn Future<Output = wasmtime_wasi_http::Result<()>> + Send> = Box::new(io);
            Ok((response.map(BodyExt::boxed_unsync), io))
        })
    }
}

/// Whether every address `uri`'s host resolves to is public (false when it does not resolve).
async fn resolves_to_public_addresses(uri: &http::Uri) -> bool {
    let Some(host) = uri.host() else {
        return false;
    };
    let host = host.trim_start_matches('[').trim_end_matches(']');
    let port = uri.port_u16().unwrap_or(80);
    match tokio::net::lookup_host((host, port)).await {
        Ok(addresses) => {
            let addresses: Vec<_> = addresses.collect();
            !addresses.is_empty() && addresses.iter().all(|a| is_public(a.ip()))
        }
        Err(_) => false,
    }
}

/// Whether `ip` is a public unicast address (not the provider's own or private network).
pub(crate) fn is_public(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => is_public_v4(v4),
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => is_public_v4(v4),
            None => is_public_v6(v6),
        },
    }
}

fn is_public_v4(ip: Ipv4Addr) -> bool {
    let [a, b, c, _] = ip.octets();
    !(ip.is_unspecified()
        || ip.is_loopback()
        || ip.is_private()
        || ip.is_link_local()
        || ip.is_broadcast()
        || ip.is_documentation()
        || ip.is_multicast()
        || a == 0 // "this network"
        || (a == 100 && (64..128).contains(&b)) // carrier-grade NAT
        || (a == 192 && b == 0 && c == 0) // IETF protocol assignments
        || (a == 198 && (b == 18 || b == 19)) // benchmarking
        || a >= 240) // reserved
}

fn is_public_v6(ip: Ipv6Addr) -> bool {
    let first = ip.segments()[0];
    !(ip.is_unspecified()
        || ip.is_loopback()
        || ip.is_multicast()
        || (first & 0xfe00) == 0xfc00 // unique local
        || (first & 0xffc0) == 0xfe80 // link local
        || (first & 0xffc0) == 0xfec0 // site local (deprecated)
        || first == 0x2001 && ip.segments()[1] == 0x0db8 // documentation
        || first == 0x0064 && ip.segments()[1] == 0xff9b) // NAT64, may embed private IPv4
}

#[cfg(test)]
mod tests {
    use super::*;

    fn uri(text: &str) -> http::Uri {
        text.parse().expect("test URI")
    }

    #[test]
    fn nothing_is_allowed_by_default() {
        let allowlist = Allowlist::deny_all();
        assert!(allowlist.is_empty());
        assert!(!allowlist.allows(&uri("https://example.com/")));
    }

    #[test]
    fn exact_hosts_match_on_the_default_port_only() {
        let allowlist = Allowlist::new(["API.example.com."]).expect("valid");
        assert!(allowlist.allows(&uri("https://api.example.com/v1")));
        assert!(allowlist.allows(&uri("http://api.example.com/v1")));
        assert!(allowlist.allows(&uri("https://API.EXAMPLE.COM:443/")));
        assert!(!allowlist.allows(&uri("https://api.example.com:8443/")));
        assert!(!allowlist.allows(&uri("https://example.com/")));
        assert!(!allowlist.allows(&uri("https://api.example.com.evil.net/")));
        assert!(!allowlist.allows(&uri("https://evilapi.example.com/")));
    }

    #[test]
    fn ports_and_ip_literals() {
        let allowlist = Allowlist::new(["127.0.0.1:8080", "[::1]:9000"]).expect("valid");
        assert!(allowlist.allows(&uri("http://127.0.0.1:8080/")));
        assert!(!allowlist.allows(&uri("http://127.0.0.1/")));
        assert!(!allowlist.allows(&uri("http://127.0.0.1:8081/")));
        assert!(allowlist.allows(&uri("http://[::1]:9000/")));
        assert!(!allowlist.allows(&uri("http://[::1]:9001/")));
    }

    #[test]
    fn wildcards_match_subdomains_only() {
        let allowlist = Allowlist::new(["*.example.com"]).expect("valid");
        assert!(allowlist.allows(&uri("https://a.example.com/")));
        assert!(allowlist.allows(&uri("https://a.b.example.com/")));
        assert!(!allowlist.allows(&uri("https://example.com/")));
        assert!(!allowlist.allows(&uri("https://badexample.com/")));
    }

    #[test]
    fn requests_without_host_or_with_other_schemes_are_denied() {
        let allowlist = Allowlist::new(["example.com"]).expect("valid");
        assert!(!allowlist.allows(&uri("/relative/path")));
        assert!(!allowlist.allows(&uri("ftp://example.com/")));
    }

    #[test]
    fn only_public_addresses_count_as_public() {
        for private in [
            "127.0.0.1",
            "10.1.2.3",
            "172.16.0.1",
            "192.168.1.1",
            "169.254.169.254",
            "0.0.0.0",
            "100.64.0.1",
            "255.255.255.255",
            "224.0.0.1",
            "192.0.2.1",
            "::1",
            "::",
            "fd00::1",
            "fe80::1",
            "::ffff:127.0.0.1",
            "::ffff:10.0.0.1",
            "64:ff9b::a00:1",
            "2001:db8::1",
        ] {
            let ip: IpAddr = private.parse().expect("an address");
            assert!(!is_public(ip), "{private} must not count as public");
        }
        for public in [
            "1.1.1.1",
            "8.8.8.8",
            "172.32.0.1",
            "100.128.0.1",
            "2606:4700::1111",
        ] {
            let ip: IpAddr = public.parse().expect("an address");
            assert!(is_public(ip), "{public} is public");
        }
    }

    #[tokio::test]
    async fn names_and_literals_of_private_addresses_are_not_public() {
        for url in [
            "http://127.0.0.1:8080/",
            "http://[::1]/",
            "http://localhost/",
        ] {
            assert!(!resolves_to_public_addresses(&uri(url)).await, "{url}");
        }
        assert!(!resolves_to_public_addresses(&uri("http://no-such-host.invalid/")).await);
    }

    #[test]
    fn malformed_patterns_are_refused() {
        for bad in [
            "",
            "https://example.com",
            "example.com/path",
            "*",
            "*.",
            "a*.example.com",
            "ex*ample.com",
            "user@example.com",
            "example.com:99999",
        ] {
            assert!(
                matches!(
                    Allowlist::new([bad]),
                    Err(EngineError::InvalidAllowlist { .. })
                ),
                "{bad:?} was accepted"
            );
        }
    }
}
