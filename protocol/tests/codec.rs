//! Every message round-trips through a frame; the decoder refuses oversized frames, unknown
//! versions and malformed input with typed errors and never panics.

use proptest::prelude::*;
use webfn_protocol::{
    CallerToRelay, Digest, ErrorBody, ErrorCode, FunctionName, HttpRequest, HttpResponse, Job,
    JobId, Limits, ProtocolError, ProviderHello, ProviderToRelay, RelayToCaller, RelayToProvider,
    SealedSecrets, SignatureJson, SignedPayment, Ticket, decode, encode,
};
use webfn_protocol::{GatedCall, HpkeKey};

fn name() -> impl Strategy<Value = FunctionName> {
    "[a-z0-9]([a-z0-9-]{0,20}[a-z0-9])?".prop_filter_map("invalid", |s| s.parse().ok())
}

fn job_id() -> impl Strategy<Value = JobId> {
    "[A-Za-z0-9_-]{1,64}".prop_filter_map("invalid", |s| JobId::try_from(s).ok())
}

fn headers() -> impl Strategy<Value = Vec<(String, String)>> {
    prop::collection::vec(("[a-z][a-z0-9-]{0,15}", "[ -~]{0,40}"), 0..6)
}

fn request() -> impl Strategy<Value = HttpRequest> {
    (
        "GET|POST|PUT|DELETE|PATCH",
        "/[a-z0-9/?=&%.-]{0,40}",
        headers(),
        prop::collection::vec(any::<u8>(), 0..300),
    )
        .prop_map(|(method, path, headers, body)| HttpRequest {
            method,
            path,
            headers,
            body,
        })
}

fn response() -> impl Strategy<Value = HttpResponse> {
    (
        100u16..1000,
        headers(),
        prop::collection::vec(any::<u8>(), 0..300),
    )
        .prop_map(|(status, headers, body)| HttpResponse {
            status,
            headers,
            body,
        })
}

fn limits() -> impl Strategy<Value = Limits> {
    (1u32..4096, 1u64..600_000, 1u64..600_000, 1u64..(256 << 20)).prop_map(
        |(memory_mib, cpu_ms, wall_ms, response_bytes)| Limits {
            memory_mib,
            cpu_ms,
            wall_ms,
            response_bytes,
        },
    )
}

fn error() -> impl Strategy<Value = ErrorBody> {
    (
        prop_oneof![
            Just(ErrorCode::NoProvider),
            Just(ErrorCode::CpuLimit),
            Just(ErrorCode::GuestFailed)
        ],
        ".{0,40}",
    )
        .prop_map(|(code, message)| ErrorBody::new(code, message))
}

fn signature() -> impl Strategy<Value = SignatureJson> {
    ("[0-9]{1,77}", "[0-9]{1,77}").prop_map(|(field, scalar)| SignatureJson { field, scalar })
}

fn payment() -> impl Strategy<Value = SignedPayment> {
    (
        signature(),
        "B62q[1-9A-HJ-NP-Za-km-z]{51}",
        "B62q[1-9A-HJ-NP-Za-km-z]{51}",
        any::<u64>(),
        any::<u64>(),
        any::<u32>(),
        prop::option::of("[ -~]{0,32}"),
    )
        .prop_map(
            |(signature, from, to, amount, fee, nonce, memo)| SignedPayment {
                signature,
                public_key: from.clone(),
                data: webfn_mina::client::PaymentData {
                    to,
                    from,
                    fee: fee.to_string(),
                    amount: amount.to_string(),
                    nonce: nonce.to_string(),
                    memo,
                    valid_until: u32::MAX.to_string(),
                },
            },
        )
}

/// Tickets without a credential: a proof holds curve points that arbitrary bytes are not
/// (tests of the relay round-trip real ones).
fn ticket() -> impl Strategy<Value = Option<Box<Ticket>>> {
    prop::option::of(
        (
            "mainnet|testnet|[a-z]{1,10}",
            any::<u64>(),
            prop::option::of(1u32..1000),
            prop::option::of(any::<u64>()),
            prop::option::of(("[A-Za-z0-9+/]{44}", "[A-Za-z0-9+/]{0,80}")),
            prop::option::of(payment()),
        )
            .prop_map(|(network, price, quota, epoch, sealed, payment)| {
                Box::new(Ticket {
                    network,
                    price,
                    quota,
                    epoch,
                    sealed: sealed.map(|(enc, ciphertext)| SealedSecrets { enc, ciphertext }),
                    payment,
                    credential: None,
                })
            }),
    )
}

fn relay_to_provider() -> impl Strategy<Value = RelayToProvider> {
    prop_oneof![
        ("[0-9a-f]{64}", "wss?://[a-z.]{1,20}")
            .prop_map(|(nonce, relay)| RelayToProvider::Challenge { nonce, relay }),
        "B62q[1-9A-HJ-NP-Za-km-z]{51}"
            .prop_map(|public_key| RelayToProvider::Welcome { public_key }),
        (
            job_id(),
            name(),
            any::<[u8; 8]>(),
            limits(),
            prop::collection::vec("[a-z.]{1,20}", 0..3),
            request(),
            ticket()
        )
            .prop_map(
                |(job_id, function, seed, limits, outbound_hosts, request, ticket)| {
                    RelayToProvider::Job(Job {
                        job_id,
                        function,
                        digest: Digest::of(&seed),
                        limits,
                        outbound_hosts,
                        request,
                        ticket,
                    })
                }
            ),
        job_id().prop_map(|job_id| RelayToProvider::Cancel { job_id }),
        any::<u64>().prop_map(|nonce| RelayToProvider::Ping { nonce }),
        error().prop_map(|error| RelayToProvider::Error { error }),
    ]
}

fn provider_to_relay() -> impl Strategy<Value = ProviderToRelay> {
    prop_oneof![
        (
            "B62q[1-9A-HJ-NP-Za-km-z]{51}",
            signature(),
            any::<u32>(),
            any::<u64>(),
            prop::option::of("[a-z-]{1,10}"),
            ".{1,20}",
            prop::option::of(("[0-9a-f]{64}", signature()))
        )
            .prop_map(
                |(public_key, signature, capacity, price, region, engine, hpke)| {
                    ProviderToRelay::Hello(ProviderHello {
                        public_key,
                        signature,
                        capacity,
                        price,
                        region,
                        engine,
                        hpke: hpke.map(|(public_key, signature)| HpkeKey {
                            public_key,
                            signature,
                        }),
                    })
                }
            ),
        (job_id(), response(), any::<u64>()).prop_map(|(job_id, response, exec_us)| {
            ProviderToRelay::Result {
                job_id,
                response,
                exec_us,
            }
        }),
        (job_id(), error()).prop_map(|(job_id, error)| ProviderToRelay::Failed { job_id, error }),
        (any::<u32>(), any::<u32>())
            .prop_map(|(running, capacity)| ProviderToRelay::Status { running, capacity }),
        any::<u64>().prop_map(|nonce| ProviderToRelay::Pong { nonce }),
    ]
}

fn caller_messages() -> impl Strategy<Value = (CallerToRelay, RelayToCaller)> {
    (
        job_id(),
        name(),
        request(),
        response(),
        error(),
        any::<bool>(),
        ticket(),
        job_id(),
    )
        .prop_map(
            |(request_id, function, request, response, error, failed, ticket, job)| {
                // a quoted call carries what a ticket carries (without a credential, see ticket())
                let invoke = match ticket {
                    Some(ticket) => CallerToRelay::Call {
                        request_id: request_id.clone(),
                        call: Box::new(GatedCall {
                            job_id: job,
                            function,
                            request,
                            sealed: ticket.sealed,
                            payment: ticket.payment,
                            credential: None,
                        }),
                    },
                    None => CallerToRelay::Invoke {
                        request_id: request_id.clone(),
                        function,
                        request,
                    },
                };
                let answer = if failed {
                    RelayToCaller::Error {
                        request_id: Some(request_id),
                        error,
                    }
                } else {
                    RelayToCaller::Response {
                        request_id,
                        response,
                    }
                };
                (invoke, answer)
            },
        )
}

fn round_trip<T: serde::Serialize + serde::de::DeserializeOwned + PartialEq + std::fmt::Debug>(
    message: &T,
) -> Result<(), TestCaseError> {
    let frame = encode(message).map_err(|e| TestCaseError::fail(e.to_string()))?;
    let back: T =
        decode(&frame, usize::MAX).map_err(|e| TestCaseError::fail(format!("{e}: {frame}")))?;
    prop_assert_eq!(&back, message);
    Ok(())
}

proptest! {
    #[test]
    fn relay_to_provider_round_trips(message in relay_to_provider()) { round_trip(&message)?; }

    #[test]
    fn provider_to_relay_round_trips(message in provider_to_relay()) { round_trip(&message)?; }

    #[test]
    fn caller_messages_round_trip((invoke, answer) in caller_messages()) {
        round_trip(&invoke)?;
        round_trip(&answer)?;
    }

    #[test]
    fn arbitrary_text_never_panics(text in "\\PC{0,300}") {
        let _ = decode::<RelayToProvider>(&text, 1 << 20);
        let _ = decode::<ProviderToRelay>(&text, 1 << 20);
        let _ = decode::<CallerToRelay>(&text, 1 << 20);
    }

    #[test]
    fn mutated_frames_never_panic(message in provider_to_relay(), position in any::<prop::sample::Index>(), byte in any::<u8>()) {
        let frame = encode(&message).map_err(|e| TestCaseError::fail(e.to_string()))?;
        let mut bytes = frame.into_bytes();
        let i = position.index(bytes.len());
        bytes[i] = byte;
        if let Ok(text) = String::from_utf8(bytes) {
            let _ = decode::<ProviderToRelay>(&text, 1 << 20);
        }
    }
}

#[test]
fn decoder_refuses_with_typed_errors() {
    let ping = encode(&RelayToProvider::Ping { nonce: 7 }).unwrap_or_default();
    assert_eq!(
        decode::<RelayToProvider>(&ping, 1 << 10),
        Ok(RelayToProvider::Ping { nonce: 7 })
    );
    assert!(matches!(
        decode::<RelayToProvider>(&ping, 5),
        Err(ProtocolError::FrameTooLarge { limit: 5, .. })
    ));
    type Check = fn(&ProtocolError) -> bool;
    let cases: [(&str, Check); 8] = [
        (r#"{"v":2,"type":"ping","nonce":1}"#, |e| {
            matches!(e, ProtocolError::UnsupportedVersion { found: 2, .. })
        }),
        (
            r#"{"type":"ping","nonce":1}"#,
            |e| matches!(e, ProtocolError::Malformed(m) if m.contains("version")),
        ),
        (r#"{"v":"1","type":"ping","nonce":1}"#, |e| {
            matches!(e, ProtocolError::Malformed(_))
        }),
        (r#"{"v":1,"type":"launch_missiles"}"#, |e| {
            matches!(e, ProtocolError::Malformed(_))
        }),
        (r#"{"v":1,"type":"ping","nonce":1,"extra":true}"#, |e| {
            matches!(e, ProtocolError::Malformed(_))
        }),
        (r#"[1,2,3]"#, |e| matches!(e, ProtocolError::Malformed(_))),
        (r#"{"v":1,"type":"cancel","job_id":"has space"}"#, |e| {
            matches!(e, ProtocolError::Malformed(_))
        }),
        ("not json", |e| matches!(e, ProtocolError::Malformed(_))),
    ];
    for (frame, expected) in cases {
        let error = decode::<RelayToProvider>(frame, 1 << 10).err();
        assert!(error.as_ref().is_some_and(expected), "{frame}: {error:?}");
    }
    let bad_digest = r#"{"v":1,"type":"job","job_id":"j1","function":"hello","digest":"sha256:00","limits":{},"request":{"method":"GET","path":"/"}}"#;
    assert!(
        matches!(decode::<RelayToProvider>(bad_digest, 1 << 10), Err(ProtocolError::Malformed(m)) if m.contains("digest"))
    );
    let bad_body = r#"{"v":1,"type":"result","job_id":"j1","exec_us":1,"response":{"status":200,"body":"%%%"}}"#;
    assert!(
        matches!(decode::<ProviderToRelay>(bad_body, 1 << 10), Err(ProtocolError::Malformed(m)) if m.contains("base64"))
    );
    assert_eq!(
        ProtocolError::FrameTooLarge { size: 2, limit: 1 }.code(),
        ErrorCode::TooLarge
    );
}

#[test]
fn request_and_response_validation() {
    let mut request = HttpRequest {
        method: "GET".into(),
        path: "/hello?x=1".into(),
        headers: vec![],
        body: vec![],
    };
    assert!(request.validate().is_ok());
    request.path = "hello".into();
    assert!(request.validate().is_err());
    request.path = "/a b".into();
    assert!(request.validate().is_err());
    request.path = "/".into();
    request.method = "GE T".into();
    assert!(request.validate().is_err());
    request.method = "GET".into();
    request.headers = vec![("X-Upper".into(), "v".into())];
    assert!(request.validate().is_err());
    request.headers = vec![("x-ok".into(), "line\r\nbreak".into())];
    assert!(request.validate().is_err());
    let response = HttpResponse {
        status: 99,
        headers: vec![],
        body: vec![],
    };
    assert!(response.validate().is_err());
}
