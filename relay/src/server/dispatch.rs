//! Matching calls with providers: the connected providers and their load, the jobs in
//! flight, least-loaded selection, a bounded FIFO queue for calls that arrive while every
//! provider is at capacity, and re-dispatching a job once when its provider goes away.
//! Pure state over channels, so it is tested without sockets; the WebSocket endpoint feeds it.

use std::collections::{HashMap, VecDeque};
use std::sync::{Mutex, PoisonError};

use tokio::sync::{mpsc, oneshot};
use webfn_protocol::{
    ErrorBody, ErrorCode, HpkeKey, HttpResponse, Job, JobId, ProviderToRelay, RelayToProvider,
};

/// How many times a job may be sent to a provider in all (the first try and one re-dispatch).
pub const MAX_ATTEMPTS: u32 = 2;

/// Frames queued to one provider before it counts as stuck.
const PROVIDER_QUEUE: usize = 256;

/// Calls that may wait for a free provider by default.
pub const DEFAULT_QUEUE: usize = 1024;

/// How a job ended: its result, and who ran it.
#[derive(Debug)]
pub struct Outcome {
    /// The function's response, or why there is none.
    pub result: Result<HttpResponse, ErrorBody>,
    /// The provider that answered (or was last tried), if any was.
    pub provider: Option<String>,
    /// How many providers the job was sent to.
    pub attempts: u32,
    /// The provider's execution time, microseconds, when it answered with a result.
    pub exec_us: Option<u64>,
}

impl Pending {
    /// Completes the job; the caller may have gone away, which is not an error.
    fn finish(self, result: Result<HttpResponse, ErrorBody>, exec_us: Option<u64>) {
        let provider = (!self.provider.is_empty()).then_some(self.provider);
        let _ = self.reply.send(Outcome {
            result,
            provider,
            attempts: self.attempts,
            exec_us,
        });
    }
}

/// What a provider offers for gated and paid calls.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Offer {
    /// Its price per call, nanomina: it is quoted only for functions priced at least this.
    pub price: u64,
    /// Its signed HPKE key; without one it gets no quoted calls.
    pub hpke: Option<HpkeKey>,
}

#[derive(Debug)]
struct Provider {
    connection: u64,
    outbox: mpsc::Sender<RelayToProvider>,
    capacity: u32,
    running: u32,
    offer: Offer,
}

#[derive(Debug)]
struct Pending {
    job: Job,
    provider: String,
    attempts: u32,
    /// A quoted job: it runs on the quoted provider or nowhere (the payment and the sealed
    /// secrets are for that provider only), is never queued and never re-dispatched.
    pinned: bool,
    reply: oneshot::Sender<Outcome>,
}

#[derive(Debug, Default)]
struct State {
    connections: u64,
    providers: HashMap<String, Provider>,
    jobs: HashMap<JobId, Pending>,
    /// Calls waiting for a provider with room, oldest first.
    waiting: VecDeque<Pending>,
    max_waiting: usize,
}

/// The relay's matchmaker. Share it behind an `Arc`.
#[derive(Debug)]
pub struct Dispatcher {
    state: Mutex<State>,
}

impl Default for Dispatcher {
    fn default() -> Dispatcher {
        Dispatcher::new(DEFAULT_QUEUE)
    }
}

impl Dispatcher {
    /// A dispatcher where at most `max_waiting` calls wait for a provider with room; more
    /// are refused with `busy`.
    pub fn new(max_waiting: usize) -> Dispatcher {
        Dispatcher {
            state: Mutex::new(State {
                max_waiting,
                ..State::default()
            }),
        }
    }

    fn state(&self) -> std::sync::MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Adds an authenticated provider; frames for it arrive on the returned receiver. A
    /// provider that reconnects under the same key replaces its old connection (whose jobs
    /// move on). Returns the connection's number for [`Dispatcher::disconnect`].
    pub fn connect(
        &self,
        public_key: &str,
        capacity: u32,
        offer: Offer,
    ) -> (u64, mpsc::Receiver<RelayToProvider>) {
        let (outbox, inbox) = mpsc::channel(PROVIDER_QUEUE);
        let mut state = self.state();
        state.connections += 1;
        let connection = state.connections;
        let provider = Provider {
            connection,
            outbox,
            capacity: capacity.max(1),
            running: 0,
            offer,
        };
        if state
            .providers
            .insert(public_key.to_owned(), provider)
            .is_some()
        {
            redispatch_orphans(&mut state, public_key);
        }
        drain_waiting(&mut state);
        (connection, inbox)
    }

    /// Removes a provider's connection (if it is still the current one); each of its jobs is
    /// re-dispatched once, or fails with `provider_lost`.
    pub fn disconnect(&self, public_key: &str, connection: u64) {
        let mut state = self.state();
        if state
            .providers
            .get(public_key)
            .is_none_or(|p| p.connection != connection)
        {
            return;
        }
        state.providers.remove(public_key);
        redispatch_orphans(&mut state, public_key);
        drain_waiting(&mut state);
    }

    /// Sends a job to the least-loaded provider with room, or queues it while every provider
    /// is at capacity; the receiver gets its outcome. With no provider connected it answers
    /// `no_provider` at once, and with the queue full, `busy`.
    pub fn dispatch(&self, job: Job) -> oneshot::Receiver<Outcome> {
        let (reply, outcome) = oneshot::channel();
        let mut state = self.state();
        let pending = Pending {
            job,
            provider: String::new(),
            attempts: 0,
            pinned: false,
            reply,
        };
        retry_or_fail(&mut state, pending);
        outcome
    }

    /// Picks the provider to quote for a function priced `max_price`: the least-loaded with
    /// room, an HPKE key and a price at most `max_price`. Returns its key and HPKE key.
    pub fn quote(&self, max_price: u64) -> Option<(String, HpkeKey)> {
        let state = self.state();
        state
            .providers
            .iter()
            .filter(|(_, p)| p.running < p.capacity && p.offer.price <= max_price)
            .filter_map(|(key, p)| p.offer.hpke.as_ref().map(|hpke| (key, p, hpke)))
            .min_by(|(ka, a, _), (kb, b, _)| by_load(ka, a, kb, b))
            .map(|(key, _, hpke)| (key.clone(), hpke.clone()))
    }

    /// Sends a quoted job to the quoted provider only: `no_provider` if it is gone, `busy`
    /// if it has no room; never queued, never re-dispatched (`provider_lost` if it goes away
    /// while running the job). Also says whether the job was handed to the provider.
    pub fn dispatch_to(&self, job: Job, provider: &str) -> (bool, oneshot::Receiver<Outcome>) {
        let (reply, outcome) = oneshot::channel();
        let mut state = self.state();
        let job_id = job.job_id.clone();
        let pending = Pending {
            job,
            provider: provider.to_owned(),
            attempts: 0,
            pinned: true,
            reply,
        };
        send_pinned(&mut state, pending);
        (state.jobs.contains_key(&job_id), outcome)
    }

    /// Handles a frame from a provider: results and failures complete their jobs; status
    /// reports update its capacity.
    pub fn receive(&self, public_key: &str, message: ProviderToRelay) {
        let mut state = self.state();
        let (job_id, result, exec_us) = match message {
            ProviderToRelay::Result {
                job_id,
                response,
                exec_us,
            } => (job_id, Ok(response), Some(exec_us)),
            ProviderToRelay::Failed { job_id, error } => (job_id, Err(error), None),
            ProviderToRelay::Status { capacity, .. } => {
                if let Some(provider) = state.providers.get_mut(public_key) {
                    provider.capacity = capacity.max(1);
                }
                drain_waiting(&mut state);
                return;
            }
            ProviderToRelay::Hello(_) | ProviderToRelay::Pong { .. } => return,
        };
        // only the provider the job was sent to may complete it
        let owned = state
            .jobs
            .get(&job_id)
            .is_some_and(|p| p.provider == public_key);
        let Some(pending) = owned.then(|| state.jobs.remove(&job_id)).flatten() else {
            return;
        };
        if let Some(provider) = state.providers.get_mut(public_key) {
            provider.running = provider.running.saturating_sub(1);
        }
        pending.finish(result, exec_us);
        drain_waiting(&mut state);
    }

    /// Calls waiting for a provider with room.
    pub fn waiting(&self) -> usize {
        self.state().waiting.len()
    }

    /// Connected providers and their load `(key, running, capacity)`, by key.
    pub fn providers(&self) -> Vec<(String, u32, u32)> {
        let state = self.state();
        let mut list: Vec<_> = state
            .providers
            .iter()
            .map(|(k, p)| (k.clone(), p.running, p.capacity))
            .collect();
        list.sort();
        list
    }
}

/// Sends waiting calls, oldest first, while some provider has room; calls whose caller has
/// gone are dropped. When no provider is left at all, waiting calls fail.
fn drain_waiting(state: &mut State) {
    if !state.providers.values().any(|p| p.offer.price == 0) {
        for pending in std::mem::take(&mut state.waiting) {
            let error = ErrorBody::new(ErrorCode::NoProvider, "every provider disconnected");
            pending.finish(Err(error), None);
        }
        return;
    }
    // each call is looked at once: one that cannot go anywhere yet (say, only the provider
    // that lost it has room) goes back to the end of the queue
    for _ in 0..state.waiting.len() {
        if !state
            .providers
            .values()
            .any(|p| p.running < p.capacity && p.offer.price == 0)
        {
            return;
        }
        let Some(pending) = state.waiting.pop_front() else {
            return;
        };
        if pending.reply.is_closed() {
            continue;
        }
        retry_or_fail(state, pending);
    }
}

/// Moves every job of `public_key`'s lost connection on.
fn redispatch_orphans(state: &mut State, public_key: &str) {
    let orphans: Vec<JobId> = state
        .jobs
        .iter()
        .filter(|(_, pending)| pending.provider == public_key)
        .map(|(id, _)| id.clone())
        .collect();
    for id in orphans {
        if let Some(pending) = state.jobs.remove(&id) {
            retry_or_fail(state, pending);
        }
    }
}

/// Orders providers by load (running ÷ capacity, compared without division), then by key.
fn by_load(ka: &str, a: &Provider, kb: &str, b: &Provider) -> std::cmp::Ordering {
    let load_a = u64::from(a.running) * u64::from(b.capacity);
    let load_b = u64::from(b.running) * u64::from(a.capacity);
    load_a.cmp(&load_b).then_with(|| ka.cmp(kb))
}

/// Sends a quoted job to its provider, or fails it.
fn send_pinned(state: &mut State, mut pending: Pending) {
    let fail = |pending: Pending, code, message: &str| {
        pending.finish(Err(ErrorBody::new(code, message)), None);
    };
    if pending.attempts > 0 {
        return fail(
            pending,
            ErrorCode::ProviderLost,
            "the quoted provider disconnected while running the call",
        );
    }
    let Some(provider) = state.providers.get_mut(&pending.provider) else {
        return fail(
            pending,
            ErrorCode::NoProvider,
            "the quoted provider is no longer connected; ask for a new quote",
        );
    };
    if provider.running >= provider.capacity {
        return fail(
            pending,
            ErrorCode::Busy,
            "the quoted provider is at capacity; send the call again, or ask for a new quote",
        );
    }
    if provider
        .outbox
        .try_send(RelayToProvider::Job(pending.job.clone()))
        .is_err()
    {
        return fail(
            pending,
            ErrorCode::NoProvider,
            "the quoted provider is not accepting work",
        );
    }
    provider.running += 1;
    pending.attempts = 1;
    state.jobs.insert(pending.job.job_id.clone(), pending);
}

/// Sends `pending` to the least-loaded provider other than the one that lost it, or fails it.
fn retry_or_fail(state: &mut State, mut pending: Pending) {
    if pending.pinned {
        return send_pinned(state, pending);
    }
    if pending.attempts >= MAX_ATTEMPTS {
        let error = ErrorBody::new(
            ErrorCode::ProviderLost,
            "the provider running the call disconnected, twice",
        );
        pending.finish(Err(error), None);
        return;
    }
    let previous = pending.provider.clone();
    let choice = state
        .providers
        .iter_mut()
        .filter(|(key, p)| **key != previous && p.running < p.capacity && p.offer.price == 0)
        .min_by(|(ka, a), (kb, b)| by_load(ka, a, kb, b));
    let Some((key, provider)) = choice else {
        let others = state
            .providers
            .iter()
            .any(|(key, p)| *key != previous && p.offer.price == 0);
        if others && state.waiting.len() < state.max_waiting {
            state.waiting.push_back(pending);
            return;
        }
        let error = if others {
            ErrorBody::new(
                ErrorCode::Busy,
                format!(
                    "every provider is at capacity and {} calls are already waiting",
                    state.waiting.len()
                ),
            )
        } else if previous.is_empty() {
            ErrorBody::new(ErrorCode::NoProvider, "no provider can run this call now")
        } else {
            ErrorBody::new(
                ErrorCode::ProviderLost,
                "the provider running the call disconnected and no other can take it",
            )
        };
        pending.finish(Err(error), None);
        return;
    };
    if provider
        .outbox
        .try_send(RelayToProvider::Job(pending.job.clone()))
        .is_err()
    {
        let error = ErrorBody::new(
            ErrorCode::NoProvider,
            "the chosen provider is not accepting work",
        );
        pending.provider = key.clone();
        pending.finish(Err(error), None);
        return;
    }
    provider.running += 1;
    pending.provider = key.clone();
    pending.attempts += 1;
    state.jobs.insert(pending.job.job_id.clone(), pending);
}

#[cfg(test)]
mod tests {
    use super::*;
    use webfn_protocol::{Digest, HttpRequest, Limits};

    fn job(id: &str) -> Job {
        Job {
            job_id: JobId::try_from(id.to_owned()).unwrap_or_else(|e| panic!("{e}")),
            function: "hello".parse().unwrap_or_else(|e| panic!("{e}")),
            digest: Digest::of(b"bundle"),
            limits: Limits::default(),
            outbound_hosts: vec![],
            request: HttpRequest {
                method: "GET".into(),
                path: "/".into(),
                headers: vec![],
                body: vec![],
            },
            ticket: None,
        }
    }

    fn response() -> HttpResponse {
        HttpResponse {
            status: 200,
            headers: vec![],
            body: b"hi".to_vec(),
        }
    }

    fn sent_job(inbox: &mut mpsc::Receiver<RelayToProvider>) -> Option<JobId> {
        match inbox.try_recv() {
            Ok(RelayToProvider::Job(job)) => Some(job.job_id),
            _ => None,
        }
    }

    #[tokio::test]
    async fn no_provider_is_a_clear_error_not_a_hang() {
        let dispatcher = Dispatcher::default();
        let outcome = dispatcher.dispatch(job("j1")).await;
        assert!(matches!(
            outcome,
            Ok(Outcome {
                result: Err(ErrorBody {
                    code: ErrorCode::NoProvider,
                    ..
                }),
                ..
            })
        ));
    }

    #[tokio::test]
    async fn results_reach_the_caller_and_load_is_balanced() {
        let dispatcher = Dispatcher::default();
        let (_, mut a) = dispatcher.connect("a", 2, Offer::default());
        let (_, mut b) = dispatcher.connect("b", 2, Offer::default());
        let first = dispatcher.dispatch(job("j1"));
        let second = dispatcher.dispatch(job("j2"));
        // one job each: least loaded first
        let on_a = sent_job(&mut a);
        let on_b = sent_job(&mut b);
        assert!(on_a.is_some() && on_b.is_some());
        assert_eq!(
            dispatcher.providers(),
            vec![("a".into(), 1, 2), ("b".into(), 1, 2)]
        );
        // a provider cannot complete another's job
        dispatcher.receive(
            "b",
            ProviderToRelay::Result {
                job_id: on_a.clone().unwrap_or_else(|| panic!()),
                response: response(),
                exec_us: 1,
            },
        );
        dispatcher.receive(
            "a",
            ProviderToRelay::Result {
                job_id: on_a.unwrap_or_else(|| panic!()),
                response: response(),
                exec_us: 1,
            },
        );
        dispatcher.receive(
            "b",
            ProviderToRelay::Failed {
                job_id: on_b.unwrap_or_else(|| panic!()),
                error: ErrorBody::new(ErrorCode::CpuLimit, "spun"),
            },
        );
        let outcomes = [first.await, second.await];
        assert!(
            outcomes
                .iter()
                .any(|o| matches!(o, Ok(Outcome { result: Ok(r), exec_us: Some(1), attempts: 1, .. }) if r.body == b"hi"))
        );
        assert!(
            outcomes
                .iter()
                .any(|o| matches!(o, Ok(Outcome { result: Err(e), provider: Some(p), .. }) if e.code == ErrorCode::CpuLimit && p == "b"))
        );
        assert_eq!(
            dispatcher.providers(),
            vec![("a".into(), 0, 2), ("b".into(), 0, 2)]
        );
    }

    #[tokio::test]
    async fn a_lost_provider_gets_its_job_redispatched_once() {
        let dispatcher = Dispatcher::default();
        let (a_connection, mut a) = dispatcher.connect("a", 1, Offer::default());
        let outcome = dispatcher.dispatch(job("j1"));
        assert!(sent_job(&mut a).is_some());
        let (_, mut b) = dispatcher.connect("b", 1, Offer::default());
        dispatcher.disconnect("a", a_connection + 100); // a stale connection number: ignored
        assert_eq!(dispatcher.providers().len(), 2);
        dispatcher.disconnect("a", a_connection);
        let moved = sent_job(&mut b).unwrap_or_else(|| panic!("not re-dispatched"));
        dispatcher.receive(
            "b",
            ProviderToRelay::Result {
                job_id: moved,
                response: response(),
                exec_us: 1,
            },
        );
        let outcome = outcome.await.unwrap_or_else(|e| panic!("{e}"));
        assert!(outcome.result.is_ok());
        assert_eq!(
            (outcome.provider.as_deref(), outcome.attempts),
            (Some("b"), 2)
        );
    }

    #[tokio::test]
    async fn losing_the_second_provider_too_fails_cleanly() {
        let dispatcher = Dispatcher::default();
        let connections: HashMap<&str, (u64, mpsc::Receiver<RelayToProvider>)> = ["a", "b", "c"]
            .into_iter()
            .map(|k| (k, dispatcher.connect(k, 1, Offer::default())))
            .collect();
        let outcome = dispatcher.dispatch(job("j1"));
        let busy = |d: &Dispatcher| {
            d.providers()
                .into_iter()
                .find(|p| p.1 == 1)
                .map(|p| p.0)
                .unwrap_or_default()
        };
        let first = busy(&dispatcher);
        dispatcher.disconnect(&first, connections[first.as_str()].0);
        let second = busy(&dispatcher);
        assert_ne!(first, second);
        dispatcher.disconnect(&second, connections[second.as_str()].0);
        assert!(matches!(
            outcome.await,
            Ok(Outcome {
                result: Err(ErrorBody {
                    code: ErrorCode::ProviderLost,
                    ..
                }),
                attempts: 2,
                ..
            })
        ));
    }

    #[tokio::test]
    async fn a_lost_provider_with_no_other_fails_with_provider_lost() {
        let dispatcher = Dispatcher::default();
        let (connection, _a) = dispatcher.connect("a", 1, Offer::default());
        let outcome = dispatcher.dispatch(job("j1"));
        dispatcher.disconnect("a", connection);
        assert!(matches!(
            outcome.await,
            Ok(Outcome {
                result: Err(ErrorBody {
                    code: ErrorCode::ProviderLost,
                    ..
                }),
                attempts: 1,
                ..
            })
        ));
    }

    #[tokio::test]
    async fn calls_wait_for_a_provider_with_room_up_to_the_queue_limit() {
        let dispatcher = Dispatcher::new(1);
        let (_, mut a) = dispatcher.connect("a", 1, Offer::default());
        let first = dispatcher.dispatch(job("j1"));
        let running = sent_job(&mut a).unwrap_or_else(|| panic!("not sent"));
        // a is full: the next call waits, the one after is refused
        let second = dispatcher.dispatch(job("j2"));
        assert_eq!(dispatcher.waiting(), 1);
        assert!(sent_job(&mut a).is_none());
        let third = dispatcher.dispatch(job("j3"));
        assert!(matches!(
            third.await,
            Ok(Outcome {
                result: Err(ErrorBody {
                    code: ErrorCode::Busy,
                    ..
                }),
                ..
            })
        ));
        // when a answers, the waiting call goes to it
        dispatcher.receive(
            "a",
            ProviderToRelay::Result {
                job_id: running,
                response: response(),
                exec_us: 1,
            },
        );
        assert!(matches!(first.await, Ok(Outcome { result: Ok(_), .. })));
        assert_eq!(dispatcher.waiting(), 0);
        let next = sent_job(&mut a).unwrap_or_else(|| panic!("the waiting call was not sent"));
        assert_eq!(next.to_string(), "j2");
        dispatcher.receive(
            "a",
            ProviderToRelay::Result {
                job_id: next,
                response: response(),
                exec_us: 1,
            },
        );
        assert!(matches!(second.await, Ok(Outcome { result: Ok(_), .. })));
    }

    #[tokio::test]
    async fn waiting_calls_fail_when_the_last_provider_leaves_and_go_to_newcomers() {
        let dispatcher = Dispatcher::default();
        let (_, mut a) = dispatcher.connect("a", 1, Offer::default());
        let _first = dispatcher.dispatch(job("j1"));
        assert!(sent_job(&mut a).is_some());
        let waiting = dispatcher.dispatch(job("j2"));
        let gone = dispatcher.dispatch(job("j3"));
        drop(gone); // its caller went away: never sent
        assert_eq!(dispatcher.waiting(), 2);
        let (_, mut b) = dispatcher.connect("b", 2, Offer::default());
        assert_eq!(
            sent_job(&mut b).map(|id| id.to_string()).as_deref(),
            Some("j2")
        );
        assert!(sent_job(&mut b).is_none());
        let after = dispatcher.dispatch(job("j4"));
        assert_eq!(
            sent_job(&mut b).map(|id| id.to_string()).as_deref(),
            Some("j4")
        );
        drop((waiting, after));

        // the last provider leaves: the waiting call fails at once
        let dispatcher = Dispatcher::default();
        let (connection, mut a) = dispatcher.connect("a", 1, Offer::default());
        let _first = dispatcher.dispatch(job("j1"));
        assert!(sent_job(&mut a).is_some());
        let waiting = dispatcher.dispatch(job("j2"));
        dispatcher.disconnect("a", connection);
        assert!(matches!(
            waiting.await,
            Ok(Outcome {
                result: Err(ErrorBody {
                    code: ErrorCode::NoProvider,
                    ..
                }),
                ..
            })
        ));
    }

    fn offer(price: u64) -> Offer {
        let key = webfn_mina::PrivateKey::generate_os().unwrap_or_else(|e| panic!("{e}"));
        let hpke = webfn_protocol::HpkeKeyPair::derive(&key)
            .announce(&key)
            .unwrap_or_else(|e| panic!("{e}"));
        Offer {
            price,
            hpke: Some(hpke),
        }
    }

    fn code(outcome: Result<Outcome, oneshot::error::RecvError>) -> Option<ErrorCode> {
        outcome.ok().and_then(|o| o.result.err()).map(|e| e.code)
    }

    #[tokio::test]
    async fn quotes_pick_a_provider_that_can_take_quoted_calls() {
        let dispatcher = Dispatcher::default();
        assert!(dispatcher.quote(100).is_none());
        let (_, _plain) = dispatcher.connect("no-hpke", 4, Offer::default());
        assert!(
            dispatcher.quote(100).is_none(),
            "no HPKE key: no quoted calls"
        );
        let (_, _dear) = dispatcher.connect("dear", 4, offer(500));
        assert!(dispatcher.quote(100).is_none(), "asks more than the price");
        let (_, mut cheap) = dispatcher.connect("cheap", 1, offer(50));
        let quoted = dispatcher.quote(100).map(|(key, _)| key);
        assert_eq!(quoted.as_deref(), Some("cheap"));
        assert_eq!(
            dispatcher.quote(1000).map(|(key, _)| key).as_deref(),
            Some("cheap")
        );
        // busy: a quoted provider at capacity is not quoted
        let (sent, _running) = dispatcher.dispatch_to(job("j1"), "cheap");
        assert!(sent);
        assert!(sent_job(&mut cheap).is_some());
        assert_eq!(dispatcher.quote(100).map(|(key, _)| key), None);
        assert_eq!(
            dispatcher.quote(1000).map(|(key, _)| key).as_deref(),
            Some("dear")
        );
    }

    #[tokio::test]
    async fn open_calls_go_to_free_providers_only() {
        let dispatcher = Dispatcher::default();
        let (_, mut priced) = dispatcher.connect("priced", 4, offer(10));
        assert_eq!(
            code(dispatcher.dispatch(job("j1")).await),
            Some(ErrorCode::NoProvider)
        );
        assert!(sent_job(&mut priced).is_none());
        let (_, mut free) = dispatcher.connect("free", 4, offer(0));
        let _answer = dispatcher.dispatch(job("j2"));
        assert!(sent_job(&mut free).is_some());
        assert!(sent_job(&mut priced).is_none());
    }

    #[tokio::test]
    async fn pinned_jobs_go_to_their_provider_only_and_are_never_redispatched() {
        let dispatcher = Dispatcher::default();
        let (a_connection, mut a) = dispatcher.connect("a", 1, offer(0));
        let (_, mut b) = dispatcher.connect("b", 4, offer(0));
        // b is less loaded, but the job is a's
        let (sent, first) = dispatcher.dispatch_to(job("j1"), "a");
        assert!(sent);
        assert!(sent_job(&mut a).is_some());
        assert!(sent_job(&mut b).is_none());
        // a is full: the next pinned job is refused, not queued
        assert_eq!(
            code(dispatcher.dispatch_to(job("j2"), "a").1.await),
            Some(ErrorCode::Busy)
        );
        assert_eq!(dispatcher.waiting(), 0);
        // a provider that is not connected
        assert_eq!(
            code(dispatcher.dispatch_to(job("j3"), "nobody").1.await),
            Some(ErrorCode::NoProvider)
        );
        // a leaves mid-call: provider_lost, and b never sees the job
        dispatcher.disconnect("a", a_connection);
        assert_eq!(code(first.await), Some(ErrorCode::ProviderLost));
        assert!(sent_job(&mut b).is_none());
    }
}
