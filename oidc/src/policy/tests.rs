use serde_json::{Map, Value, json};

use super::*;

fn claims(issuer_name: &str, value: Value) -> Claims {
    match value {
        Value::Object(map) => Claims::unchecked(issuer_name, map),
        _ => Claims::unchecked(issuer_name, Map::new()),
    }
}

fn github_claims() -> Value {
    json!({
        "iss": "https://token.actions.githubusercontent.com",
        "repository": "Octo/App",
        "repository_id": "1296269",
        "repository_owner": "Octo",
        "repository_owner_id": "9919",
        "job_workflow_ref": "octo/app/.github/workflows/deploy.yml@refs/heads/main",
        "ref": "refs/heads/main",
        "environment": "Production",
    })
}

fn github_policy() -> TrustedPublisher {
    TrustedPublisher::from_json(
        r#"{"provider":"github","repository":"octo/app","repository_owner_id":"9919",
            "repository_id":1296269,"workflow":"deploy.yml","ref":"refs/heads/main",
            "environment":"production"}"#,
    )
    .expect("valid policy")
}

fn with(mut base: Value, claim: &str, value: Value) -> Value {
    if let Some(map) = base.as_object_mut() {
        if value.is_null() {
            map.remove(claim);
        } else {
            map.insert(claim.to_owned(), value);
        }
    }
    base
}

#[test]
fn github_policy_matches_names_ids_workflow_ref_and_environment() {
    let policy = github_policy();
    assert_eq!(policy.check(&claims("github", github_claims())), Ok(()));
    assert_eq!(policy.issuer_name(), "github");
}

#[test]
fn github_policy_names_the_claim_that_differs() {
    let policy = github_policy();
    let cases = [
        ("repository", json!("octo/other")),
        ("repository", Value::Null),
        ("repository_owner_id", json!("9920")),
        ("repository_owner_id", Value::Null),
        ("repository_id", json!("1")),
        (
            "job_workflow_ref",
            json!("octo/app/.github/workflows/release.yml@refs/heads/main"),
        ),
        (
            "job_workflow_ref",
            json!("octo/app/.github/workflows/deploy.yml@"),
        ),
        (
            "job_workflow_ref",
            json!("evil/app/.github/workflows/deploy.yml@refs/heads/main"),
        ),
        (
            "job_workflow_ref",
            json!("octo/app/.github/workflows/deploy.yml.bak@refs/heads/main"),
        ),
        ("job_workflow_ref", json!("octo")),
        ("ref", json!("refs/heads/dev")),
        ("environment", json!("staging")),
        ("environment", Value::Null),
    ];
    for (claim, value) in cases {
        let token = claims("github", with(github_claims(), claim, value.clone()));
        let error = policy.check(&token).expect_err("mismatch");
        assert_eq!(error.claim(), claim, "{claim} = {value}");
    }
}

#[test]
fn numeric_ids_in_claims_are_compared_as_decimal() {
    let token = with(github_claims(), "repository_owner_id", json!(9919));
    assert_eq!(github_policy().check(&claims("github", token)), Ok(()));
}

#[test]
fn a_policy_accepts_only_its_issuer() {
    let error = github_policy()
        .check(&claims("ghes", github_claims()))
        .expect_err("other issuer");
    assert_eq!(error.claim(), "iss");
    assert_eq!(
        error.found(),
        Some("https://token.actions.githubusercontent.com")
    );
    let ghes = TrustedPublisher::from_json(
        r#"{"provider":"github","issuer":"ghes","repository":"octo/app",
            "repository_owner_id":"9919","workflow":"deploy.yml"}"#,
    )
    .expect("valid");
    assert_eq!(ghes.check(&claims("ghes", github_claims())), Ok(()));
}

#[test]
fn optional_fields_narrow_only_when_set() {
    let loose = TrustedPublisher::from_json(
        r#"{"provider":"github","repository":"octo/app","repository_owner_id":"9919","workflow":"deploy.yml"}"#,
    )
    .expect("valid");
    let token = with(
        with(github_claims(), "environment", Value::Null),
        "ref",
        json!("refs/tags/v1"),
    );
    assert_eq!(loose.check(&claims("github", token)), Ok(()));
}

fn gitlab_claims() -> Value {
    json!({
        "iss": "https://gitlab.com",
        "project_path": "group/sub/app",
        "project_id": "42",
        "namespace_id": "7",
        "ref": "main",
        "ref_type": "branch",
        "environment": "production",
    })
}

#[test]
fn gitlab_policy_matches_and_names_the_claim_that_differs() {
    let policy = TrustedPublisher::from_json(
        r#"{"provider":"gitlab","project_path":"Group/Sub/App","project_id":"42",
            "namespace_id":"7","ref":"main","ref_type":"branch","environment":"production"}"#,
    )
    .expect("valid");
    assert_eq!(policy.check(&claims("gitlab", gitlab_claims())), Ok(()));
    for (claim, value) in [
        ("project_path", json!("group/sub/other")),
        ("project_id", json!("43")),
        ("namespace_id", json!("8")),
        ("ref", json!("dev")),
        ("ref_type", json!("tag")),
        ("environment", json!("Production")),
    ] {
        let error = policy
            .check(&claims("gitlab", with(gitlab_claims(), claim, value)))
            .expect_err("mismatch");
        assert_eq!(error.claim(), claim);
    }
    let error = policy
        .check(&claims("github", gitlab_claims()))
        .expect_err("issuer");
    assert_eq!(error.claim(), "iss");
}

#[test]
fn json_form_round_trips_and_omits_unset_fields() {
    let policy = github_policy();
    let back = TrustedPublisher::from_json(&policy.to_json()).expect("round trip");
    assert_eq!(back, policy);
    let minimal = TrustedPublisher::from_json(
        r#"{"provider":"gitlab","project_path":"g/p","ref":"v1","ref_type":"tag"}"#,
    )
    .expect("valid");
    assert_eq!(
        serde_json::from_str::<Value>(&minimal.to_json()).expect("json"),
        json!({"provider":"gitlab","project_path":"g/p","ref":"v1","ref_type":"tag"})
    );
}

#[test]
fn invalid_policies_are_refused() {
    for bad in [
        r#"{"provider":"bitbucket","repository":"o/r"}"#,
        r#"{"repository":"o/r","repository_owner_id":"1","workflow":"d.yml"}"#,
        r#"{"provider":"github","repository":"o/r","workflow":"d.yml"}"#,
        r#"{"provider":"github","repository":"or","repository_owner_id":"1","workflow":"d.yml"}"#,
        r#"{"provider":"github","repository":"o/r/x","repository_owner_id":"1","workflow":"d.yml"}"#,
        r#"{"provider":"github","repository":"o/r","repository_owner_id":"x1","workflow":"d.yml"}"#,
        r#"{"provider":"github","repository":"o/r","repository_owner_id":"1","workflow":".github/workflows/d.yml"}"#,
        r#"{"provider":"github","repository":"o/r","repository_owner_id":"1","workflow":"deploy"}"#,
        r#"{"provider":"github","repository":"o/r","repository_owner_id":"1","workflow":"d.yml","ref":"main"}"#,
        r#"{"provider":"github","repository":"o/r","repository_owner_id":"1","workflow":"d.yml","environment":" "}"#,
        r#"{"provider":"github","repository":"o/r","repository_owner_id":"1","workflow":"d.yml","branch":"main"}"#,
        r#"{"provider":"gitlab","project_path":"p","ref":"main","ref_type":"branch"}"#,
        r#"{"provider":"gitlab","project_path":"g/p","ref":"main","ref_type":"commit"}"#,
        r#"{"provider":"gitlab","project_path":"g/p","ref":"refs/heads/main","ref_type":"branch"}"#,
        r#"{"provider":"gitlab","project_path":"g/p","ref_type":"branch"}"#,
        r#"{"provider":"gitlab","project_path":"g//p","ref":"main","ref_type":"branch"}"#,
    ] {
        assert!(
            matches!(
                TrustedPublisher::from_json(bad),
                Err(Error::InvalidPolicy(_))
            ),
            "{bad} accepted"
        );
    }
}
