//! The function manifest: what an owner deploys and a provider needs to run a call.

use serde::{Deserialize, Serialize};

use crate::{Digest, FunctionName, GroupId, ProtocolError};

/// Largest memory a function may ask for, in MiB.
pub const MAX_MEMORY_MIB: u32 = 4096;
/// Longest CPU or wall-clock limit a function may ask for, in milliseconds (10 minutes).
pub const MAX_TIME_MS: u64 = 600_000;
/// Largest response a function may ask to return, in bytes (256 MiB).
pub const MAX_RESPONSE_BYTES: u64 = 256 << 20;
/// Most outbound hosts a manifest may allowlist.
pub const MAX_OUTBOUND_HOSTS: usize = 32;

/// Resource limits of one call. Providers may enforce lower ceilings of their own.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Limits {
    /// Guest linear memory, MiB (default 128).
    pub memory_mib: u32,
    /// CPU time, milliseconds (default 10 000).
    pub cpu_ms: u64,
    /// Wall-clock time, milliseconds (default 30 000).
    pub wall_ms: u64,
    /// Response body, bytes (default 16 MiB).
    pub response_bytes: u64,
}

impl Default for Limits {
    fn default() -> Limits {
        Limits {
            memory_mib: 128,
            cpu_ms: 10_000,
            wall_ms: 30_000,
            response_bytes: 16 << 20,
        }
    }
}

impl Limits {
    /// Checks every limit is positive and within the protocol's ceilings.
    pub fn validate(&self) -> Result<(), ProtocolError> {
        let check = |ok: bool, field: &'static str, reason: String| {
            if ok {
                Ok(())
            } else {
                Err(ProtocolError::Invalid { field, reason })
            }
        };
        check(
            (1..=MAX_MEMORY_MIB).contains(&self.memory_mib),
            "limits.memory_mib",
            format!("must be 1 to {MAX_MEMORY_MIB}"),
        )?;
        check(
            (1..=MAX_TIME_MS).contains(&self.cpu_ms),
            "limits.cpu_ms",
            format!("must be 1 to {MAX_TIME_MS}"),
        )?;
        check(
            (1..=MAX_TIME_MS).contains(&self.wall_ms),
            "limits.wall_ms",
            format!("must be 1 to {MAX_TIME_MS}"),
        )?;
        check(
            (1..=MAX_RESPONSE_BYTES).contains(&self.response_bytes),
            "limits.response_bytes",
            format!("must be 1 to {MAX_RESPONSE_BYTES}"),
        )
    }
}

/// Who may call a function.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
pub enum AccessPolicy {
    /// Anyone may call it.
    #[default]
    Open,
    /// Members of an access group, each at most `quota` times per epoch, proved with a
    /// zero-knowledge credential that does not say which member calls.
    Group {
        /// The access group.
        group: GroupId,
        /// Calls per member and epoch (1 to [`crate::MAX_QUOTA`]).
        quota: u32,
        /// Length of an epoch, seconds (default one day).
        #[serde(default = "default_epoch_secs")]
        epoch_secs: u64,
    },
}

fn default_epoch_secs() -> u64 {
    crate::DEFAULT_EPOCH_SECS
}

impl AccessPolicy {
    /// Checks the quota and epoch of a group policy.
    pub fn validate(&self) -> Result<(), ProtocolError> {
        let AccessPolicy::Group {
            quota, epoch_secs, ..
        } = self
        else {
            return Ok(());
        };
        if !(1..=crate::MAX_QUOTA).contains(quota) {
            return Err(ProtocolError::Invalid {
                field: "access.quota",
                reason: format!("must be 1 to {}", crate::MAX_QUOTA),
            });
        }
        if !(crate::MIN_EPOCH_SECS..=crate::MAX_EPOCH_SECS).contains(epoch_secs) {
            return Err(ProtocolError::Invalid {
                field: "access.epoch_secs",
                reason: format!(
                    "must be {} to {} seconds",
                    crate::MIN_EPOCH_SECS,
                    crate::MAX_EPOCH_SECS
                ),
            });
        }
        Ok(())
    }

    /// Whether calls need a quote and a credential.
    pub fn is_gated(&self) -> bool {
        matches!(self, AccessPolicy::Group { .. })
    }
}

/// A deployed function.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FunctionManifest {
    /// Name, unique on a relay.
    pub name: FunctionName,
    /// The bundle: a `wasi:http/proxy` component, by content digest.
    pub digest: Digest,
    /// Price of one call in nanomina (0 = free).
    #[serde(default)]
    pub price: u64,
    /// Per-call limits.
    #[serde(default)]
    pub limits: Limits,
    /// Hosts the function may reach over outbound HTTP (exact host names, optionally
    /// `host:port`); none by default.
    #[serde(default)]
    pub outbound_hosts: Vec<String>,
    /// Who may call it.
    #[serde(default)]
    pub access: AccessPolicy,
}

impl FunctionManifest {
    /// Whether calls go through a quote: the function is gated or has a price.
    pub fn needs_quote(&self) -> bool {
        self.price > 0 || self.access.is_gated()
    }
}

impl FunctionManifest {
    /// A manifest with default price, limits, no outbound hosts and open access.
    pub fn new(name: FunctionName, digest: Digest) -> FunctionManifest {
        FunctionManifest {
            name,
            digest,
            price: 0,
            limits: Limits::default(),
            outbound_hosts: Vec::new(),
            access: AccessPolicy::Open,
        }
    }

    /// Checks limits, access policy and outbound hosts (name and digest are checked when
    /// parsed).
    pub fn validate(&self) -> Result<(), ProtocolError> {
        self.limits.validate()?;
        self.access.validate()?;
        if self.outbound_hosts.len() > MAX_OUTBOUND_HOSTS {
            return Err(ProtocolError::Invalid {
                field: "outbound_hosts",
                reason: format!("at most {MAX_OUTBOUND_HOSTS} hosts"),
            });
        }
        for host in &self.outbound_hosts {
            if !valid_host(host) {
                return Err(ProtocolError::Invalid {
                    field: "outbound_hosts",
                    reason: format!("{host:?} is not a host name or host:port"),
                });
            }
        }
        Ok(())
    }
}

/// A lowercase DNS name or IPv4 address, optionally with `:port`.
fn valid_host(text: &str) -> bool {
    let (host, port) = match text.rsplit_once(':') {
        Some((host, port)) => (host, Some(port)),
        None => (text, None),
    };
    let port_ok = port.is_none_or(|p| p.parse::<u16>().is_ok_and(|p| p > 0));
    let labels_ok = !host.is_empty()
        && host.len() <= 253
        && host.split('.').all(|label| {
            (1..=63).contains(&label.len())
                && label
                    .bytes()
                    .all(|b| matches!(b, b'a'..=b'z' | b'0'..=b'9' | b'-'))
                && !label.starts_with('-')
                && !label.ends_with('-')
        });
    port_ok && labels_ok
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_and_validation() {
        let name = "hello".parse().unwrap_or_else(|e| panic!("{e}"));
        let mut manifest = FunctionManifest::new(name, Digest::of(b"bundle"));
        assert!(manifest.validate().is_ok());
        manifest.outbound_hosts = vec!["api.example.com".into(), "10.0.0.1:8080".into()];
        assert!(manifest.validate().is_ok());
        for bad in ["", "http://x", "a..b", "x:0", "x:99999", "UPPER.com", "a b"] {
            manifest.outbound_hosts = vec![bad.into()];
            assert!(manifest.validate().is_err(), "{bad}");
        }
        manifest.outbound_hosts.clear();
        manifest.limits.memory_mib = 0;
        assert!(matches!(
            manifest.validate(),
            Err(ProtocolError::Invalid {
                field: "limits.memory_mib",
                ..
            })
        ));
    }

    #[test]
    fn json_defaults_fill_in() {
        let json = r#"{"name":"hello","digest":"sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"}"#;
        let manifest: FunctionManifest =
            serde_json::from_str(json).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(manifest.limits, Limits::default());
        assert_eq!(manifest.access, AccessPolicy::Open);
        let unknown = r#"{"name":"hello","digest":"sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855","x":1}"#;
        assert!(serde_json::from_str::<FunctionManifest>(unknown).is_err());
    }
}
