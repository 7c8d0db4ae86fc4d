//! Trusted-publisher policies: which CI jobs may act for a function.
//!
//! A policy names the issuer (by its configured name), the repository or project by name *and*
//! by immutable id where the platform has one, and optionally narrows to a ref and an
//! environment. Its JSON form (see `docs/trusted-publishing.md`):
//!
//! ```json
//! {"provider": "github", "repository": "octo/app", "repository_owner_id": "9919",
//!  "repository_id": "1296269", "workflow": "deploy.yml", "ref": "refs/heads/main",
//!  "environment": "production"}
//! {"provider": "gitlab", "project_path": "group/app", "project_id": "42",
//!  "ref": "main", "ref_type": "branch"}
//! ```

use serde::{Deserialize, Deserializer, Serialize};
use serde_json::Value;

use crate::claims::Claims;
use crate::error::{Error, Result};

/// A validated trusted-publisher policy. Deserializing validates too, so every value of this
/// type is well formed.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "PublisherSpec", into = "PublisherSpec")]
pub struct TrustedPublisher {
    spec: PublisherSpec,
}

/// The policy's fields, by CI platform; the JSON object's `provider` says which.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "provider", rename_all = "lowercase")]
pub enum PublisherSpec {
    /// GitHub Actions (github.com or GitHub Enterprise Server).
    Github(GithubPublisher),
    /// GitLab CI (gitlab.com or self-managed).
    Gitlab(GitlabPublisher),
}

/// A GitHub Actions workflow allowed to act for a function.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GithubPublisher {
    /// Configured issuer name that must have signed the token; `github` when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub issuer: Option<String>,
    /// `owner/name`, compared with the `repository` claim (ASCII case-insensitively, as
    /// GitHub treats names).
    pub repository: String,
    /// The owner's immutable id, compared with `repository_owner_id`: a deleted and re-created
    /// owner of the same name does not match.
    #[serde(deserialize_with = "id")]
    pub repository_owner_id: String,
    /// The repository's immutable id, compared with `repository_id`.
    #[serde(
        default,
        deserialize_with = "optional_id",
        skip_serializing_if = "Option::is_none"
    )]
    pub repository_id: Option<String>,
    /// Workflow file name (`deploy.yml`): `job_workflow_ref` must be
    /// `{repository}/.github/workflows/{workflow}@…`.
    pub workflow: String,
    /// Full git ref (`refs/heads/main`, `refs/tags/v1`), compared with `ref`.
    #[serde(rename = "ref", default, skip_serializing_if = "Option::is_none")]
    pub git_ref: Option<String>,
    /// Deployment environment, compared with `environment` (case-insensitively, as GitHub).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub environment: Option<String>,
}

/// A GitLab CI project allowed to act for a function.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GitlabPublisher {
    /// Configured issuer name that must have signed the token; `gitlab` when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub issuer: Option<String>,
    /// `group/…/project`, compared with `project_path` (ASCII case-insensitively).
    pub project_path: String,
    /// The project's immutable id, compared with `project_id`.
    #[serde(
        default,
        deserialize_with = "optional_id",
        skip_serializing_if = "Option::is_none"
    )]
    pub project_id: Option<String>,
    /// The namespace's immutable id, compared with `namespace_id`.
    #[serde(
        default,
        deserialize_with = "optional_id",
        skip_serializing_if = "Option::is_none"
    )]
    pub namespace_id: Option<String>,
    /// Branch or tag name (`main`, `v1.2.0`), compared with `ref`.
    #[serde(rename = "ref")]
    pub git_ref: String,
    /// Whether [`GitlabPublisher::git_ref`] is a branch or a tag, compared with `ref_type`.
    pub ref_type: RefType,
    /// Deployment environment, compared with `environment`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub environment: Option<String>,
}

/// GitLab's `ref_type`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum RefType {
    /// A branch.
    Branch,
    /// A tag.
    Tag,
}

impl RefType {
    fn as_str(self) -> &'static str {
        match self {
            Self::Branch => "branch",
            Self::Tag => "tag",
        }
    }
}

/// The claim that did not match a policy, and what the token had (never what the policy
/// wants: the policy's values are not told to whoever presents a token).
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("claim {claim:?} does not match the trusted-publisher policy (the token has {})", found.as_deref().map_or("none".to_owned(), |f| format!("{f:?}")))]
pub struct PolicyError {
    claim: &'static str,
    found: Option<String>,
}

impl PolicyError {
    /// The claim that did not match (`iss`, `repository`, `job_workflow_ref`, …).
    pub fn claim(&self) -> &'static str {
        self.claim
    }

    /// The token's value of that claim, shortened, if it had one.
    pub fn found(&self) -> Option<&str> {
        self.found.as_deref()
    }
}

impl TrustedPublisher {
    /// A policy from its fields, validated.
    pub fn new(spec: PublisherSpec) -> Result<Self> {
        match &spec {
            PublisherSpec::Github(github) => github.validate()?,
            PublisherSpec::Gitlab(gitlab) => gitlab.validate()?,
        }
        Ok(Self { spec })
    }

    /// A policy from its JSON form.
    pub fn from_json(json: &str) -> Result<Self> {
        serde_json::from_str(json).map_err(|e| Error::InvalidPolicy(e.to_string()))
    }

    /// The JSON form.
    pub fn to_json(&self) -> String {
        serde_json::to_value(self)
            .map(|value| value.to_string())
            .unwrap_or_default()
    }

    /// The policy's fields.
    pub fn spec(&self) -> &PublisherSpec {
        &self.spec
    }

    /// The configured issuer name a token must come from.
    pub fn issuer_name(&self) -> &str {
        match &self.spec {
            PublisherSpec::Github(github) => github.issuer.as_deref().unwrap_or("github"),
            PublisherSpec::Gitlab(gitlab) => gitlab.issuer.as_deref().unwrap_or("gitlab"),
        }
    }

    /// Checks verified claims against the policy; the error names the first claim that does
    /// not match.
    pub fn check(&self, claims: &Claims) -> Result<(), PolicyError> {
        if claims.issuer_name() != self.issuer_name() {
            return Err(mismatch("iss", Some(claims.issuer())));
        }
        match &self.spec {
            PublisherSpec::Github(github) => github.check(claims),
            PublisherSpec::Gitlab(gitlab) => gitlab.check(claims),
        }
    }
}

impl TryFrom<PublisherSpec> for TrustedPublisher {
    type Error = Error;

    fn try_from(spec: PublisherSpec) -> Result<Self> {
        Self::new(spec)
    }
}

impl From<TrustedPublisher> for PublisherSpec {
    fn from(policy: TrustedPublisher) -> Self {
        policy.spec
    }
}

impl GithubPublisher {
    fn validate(&self) -> Result<()> {
        check_issuer_name(self.issuer.as_deref())?;
        let (owner, name) = self
            .repository
            .split_once('/')
            .ok_or_else(|| invalid("repository must be owner/name"))?;
        if !is_github_name(owner) || !is_github_name(name) {
            return Err(invalid(
                "repository must be owner/name (letters, digits, . _ -)",
            ));
        }
        check_id("repository_owner_id", &self.repository_owner_id)?;
        if let Some(id) = &self.repository_id {
            check_id("repository_id", id)?;
        }
        let workflow_ok = (self.workflow.ends_with(".yml") || self.workflow.ends_with(".yaml"))
            && !self.workflow.contains(['/', '@']);
        if !workflow_ok {
            return Err(invalid(
                "workflow must be a file name ending in .yml or .yaml, such as deploy.yml",
            ));
        }
        if self
            .git_ref
            .as_ref()
            .is_some_and(|r| !r.starts_with("refs/"))
        {
            return Err(invalid("ref must be a full ref such as refs/heads/main"));
        }
        check_environment(self.environment.as_deref())
    }

    fn check(&self, claims: &Claims) -> Result<(), PolicyError> {
        let repository = claims.get_str("repository");
        if !repository.is_some_and(|r| r.eq_ignore_ascii_case(&self.repository)) {
            return Err(mismatch("repository", repository));
        }
        expect_id(claims, "repository_owner_id", &self.repository_owner_id)?;
        if let Some(id) = &self.repository_id {
            expect_id(claims, "repository_id", id)?;
        }
        let workflow_ref = claims.get_str("job_workflow_ref");
        if !workflow_ref.is_some_and(|w| self.is_this_workflow(w)) {
            return Err(mismatch("job_workflow_ref", workflow_ref));
        }
        if let Some(git_ref) = &self.git_ref {
            expect_exact(claims, "ref", git_ref)?;
        }
        if let Some(environment) = &self.environment {
            let found = claims.get_str("environment");
            if !found.is_some_and(|e| e.eq_ignore_ascii_case(environment)) {
                return Err(mismatch("environment", found));
            }
        }
        Ok(())
    }

    /// `job_workflow_ref` is `{repository}/.github/workflows/{workflow}@{ref}`.
    fn is_this_workflow(&self, job_workflow_ref: &str) -> bool {
        let Some(repository) = job_workflow_ref.get(..self.repository.len()) else {
            return false;
        };
        let path = format!("/.github/workflows/{}@", self.workflow);
        repository.eq_ignore_ascii_case(&self.repository)
            && job_workflow_ref[self.repository.len()..]
                .strip_prefix(&path)
                .is_some_and(|git_ref| !git_ref.is_empty())
    }
}

impl GitlabPublisher {
    fn validate(&self) -> Result<()> {
        check_issuer_name(self.issuer.as_deref())?;
        let segments: Vec<&str> = self.project_path.split('/').collect();
        if segments.len() < 2 || segments.iter().any(|s| !is_gitlab_name(s)) {
            return Err(invalid(
                "project_path must be group/project (letters, digits, . _ -; subgroups allowed)",
            ));
        }
        if let Some(id) = &self.project_id {
            check_id("project_id", id)?;
        }
        if let Some(id) = &self.namespace_id {
            check_id("namespace_id", id)?;
        }
        if self.git_ref.is_empty() || self.git_ref.starts_with("refs/") {
            return Err(invalid("ref must be a branch or tag name such as main"));
        }
        check_environment(self.environment.as_deref())
    }

    fn check(&self, claims: &Claims) -> Result<(), PolicyError> {
        let project = claims.get_str("project_path");
        if !project.is_some_and(|p| p.eq_ignore_ascii_case(&self.project_path)) {
            return Err(mismatch("project_path", project));
        }
        if let Some(id) = &self.project_id {
            expect_id(claims, "project_id", id)?;
        }
        if let Some(id) = &self.namespace_id {
            expect_id(claims, "namespace_id", id)?;
        }
        expect_exact(claims, "ref", &self.git_ref)?;
        expect_exact(claims, "ref_type", self.ref_type.as_str())?;
        if let Some(environment) = &self.environment {
            expect_exact(claims, "environment", environment)?;
        }
        Ok(())
    }
}

fn expect_exact(claims: &Claims, claim: &'static str, expected: &str) -> Result<(), PolicyError> {
    let found = claims.get_str(claim);
    if found == Some(expected) {
        Ok(())
    } else {
        Err(mismatch(claim, found))
    }
}

/// Ids are strings in GitHub's and GitLab's tokens; a number is accepted too.
fn expect_id(claims: &Claims, claim: &'static str, expected: &str) -> Result<(), PolicyError> {
    let found = match claims.get(claim) {
        Some(Value::String(id)) => Some(id.clone()),
        Some(Value::Number(id)) => Some(id.to_string()),
        _ => None,
    };
    if found.as_deref() == Some(expected) {
        Ok(())
    } else {
        Err(mismatch(claim, found.as_deref()))
    }
}

fn mismatch(claim: &'static str, found: Option<&str>) -> PolicyError {
    PolicyError {
        claim,
        found: found.map(|f| crate::jwt::shorten_to(f, 200)),
    }
}

fn invalid(reason: &str) -> Error {
    Error::InvalidPolicy(reason.to_owned())
}

fn check_issuer_name(name: Option<&str>) -> Result<()> {
    match name {
        Some("") => Err(invalid("issuer must not be empty")),
        _ => Ok(()),
    }
}

fn check_id(field: &str, id: &str) -> Result<()> {
    if !id.is_empty() && id.len() <= 20 && id.bytes().all(|b| b.is_ascii_digit()) {
        Ok(())
    } else {
        Err(Error::InvalidPolicy(format!(
            "{field} must be a decimal number"
        )))
    }
}

fn check_environment(environment: Option<&str>) -> Result<()> {
    match environment {
        Some(e) if e.trim().is_empty() => Err(invalid("environment must not be empty")),
        _ => Ok(()),
    }
}

fn is_github_name(name: &str) -> bool {
    !name.is_empty()
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.'))
}

fn is_gitlab_name(name: &str) -> bool {
    is_github_name(name)
}

/// An id given as a JSON string or a non-negative integer.
fn id<'de, D: Deserializer<'de>>(deserializer: D) -> std::result::Result<String, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Id {
        Text(String),
        Number(u64),
    }
    Ok(match Id::deserialize(deserializer)? {
        Id::Text(text) => text,
        Id::Number(number) => number.to_string(),
    })
}

fn optional_id<'de, D: Deserializer<'de>>(
    deserializer: D,
) -> std::result::Result<Option<String>, D::Error> {
    id(deserializer).map(Some)
}

#[cfg(test)]
mod tests;
