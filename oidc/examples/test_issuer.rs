//! A test OIDC issuer on 127.0.0.1, for trying trusted publishing end to end without GitHub or
//! GitLab (scripts/gitlab-ci-local-deploy.sh uses it): serves discovery and a JWKS with an RSA
//! key generated at start, prints its URL on the first line and two GitLab CI tokens for
//! `AUDIENCE` (each with its own `jti`, as two `id_tokens` of a pipeline) on the next two,
//! then serves until standard input closes.
//!
//! ```sh
//! cargo run -p webfn-oidc --features test-issuer --example test_issuer -- AUDIENCE [PROJECT_PATH] [REF]
//! ```

use std::io::{BufRead, Write};

use serde_json::json;
use webfn_oidc::test_issuer::{TestIssuer, TestKey, gitlab_claims, with};

#[tokio::main(flavor = "current_thread")]
async fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let Some(audience) = args.first() else {
        eprintln!("usage: test_issuer AUDIENCE [PROJECT_PATH] [REF]");
        std::process::exit(2);
    };
    let project = args.get(1).map_or("group/app", String::as_str);
    let git_ref = args.get(2).map_or("main", String::as_str);
    let issuer = TestIssuer::start().await;
    let key = TestKey::rsa("test-rsa", 0);
    issuer.publish(&[&key]);
    let token = || {
        let claims = with(
            with(
                with(gitlab_claims(&issuer.url), "aud", json!(audience)),
                "project_path",
                json!(project),
            ),
            "ref",
            json!(git_ref),
        );
        key.sign(&claims)
    };
    let mut out = std::io::stdout();
    let printed =
        writeln!(out, "{}\n{}\n{}", issuer.url, token(), token()).and_then(|()| out.flush());
    if printed.is_err() {
        std::process::exit(1);
    }
    // serve until standard input closes
    let _ = tokio::task::spawn_blocking(|| {
        for line in std::io::stdin().lock().lines() {
            if line.is_err() {
                break;
            }
        }
    })
    .await;
}
