//! Matching calls with providers: the connected providers and their load, the jobs in
//! flight, least-loaded selection, and re-dispatching a job once when its provider goes away.
//! Pure state over channels, so it is tested without sockets; the WebSocket endpoint feeds it.

use std::collections::HashMap;
use std::sync::{Mutex, PoisonError};

use tokio::sync::{mpsc, oneshot};
use webfn_protocol::{
    ErrorBody, ErrorCode, HttpResponse, Job, JobId, ProviderToRelay, RelayToProvider,
};

/// How many times a job may be sent to a provider in all (the first try and one re-dispatch).
pub const MAX_ATTEMPTS: u32 = 2;

/// Frames queued to one provider before it counts as stuck.
const PROVIDER_QUEUE: usize = 256;

/// What a caller eventually receives.
pub type Outcome = Result<HttpResponse, ErrorBody>;

#[derive(Debug)]
struct Provider {
    connection: u64,
    outbox: mpsc::Sender<RelayToProvider>,
    capacity: u32,
    running: u32,
}

#[derive(Debug)]
struct Pending {
    job: Job,
    provider: String,
    attempts: u32,
    reply: oneshot::Sender<Outcome>,
}

#[derive(Debug, Default)]
struct State {
    connections: u64,
    providers: HashMap<String, Provider>,
    jobs: HashMap<JobId, Pending>,
}

/// The relay's matchmaker. Share it behind an `Arc`.
#[derive(Debug, Default)]
pub struct Dispatcher {
    state: Mutex<State>,
}

impl Dispatcher {
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
        };
        if state
            .providers
            .insert(public_key.to_owned(), provider)
            .is_some()
        {
            redispatch_orphans(&mut state, public_key);
        }
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
    }

    /// Sends a job to the least-loaded provider with room; the receiver gets its outcome.
    /// With no provider connected it answers `no_provider` at once.
    pub fn dispatch(&self, job: Job) -> oneshot::Receiver<Outcome> {
        let (reply, outcome) = oneshot::channel();
        let mut state = self.state();
        let pending = Pending {
            job,
            provider: String::new(),
            attempts: 0,
            reply,
        };
        retry_or_fail(&mut state, pending);
        outcome
    }

    /// Handles a frame from a provider: results and failures complete their jobs; status
    /// reports update its capacity.
    pub fn receive(&self, public_key: &str, message: ProviderToRelay) {
        let mut state = self.state();
        let (job_id, outcome) = match message {
            ProviderToRelay::Result {
                job_id, response, ..
            } => (job_id, Ok(response)),
            ProviderToRelay::Failed { job_id, error } => (job_id, Err(error)),
            ProviderToRelay::Status { capacity, .. } => {
                if let Some(provider) = state.providers.get_mut(public_key) {
                    provider.capacity = capacity.max(1);
                }
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
        let _ = pending.reply.send(outcome);
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

/// Sends `pending` to the least-loaded provider other than the one that lost it, or fails it.
fn retry_or_fail(state: &mut State, mut pending: Pending) {
    if pending.attempts >= MAX_ATTEMPTS {
        let error = ErrorBody::new(
            ErrorCode::ProviderLost,
            "the provider running the call disconnected, twice",
        );
        let _ = pending.reply.send(Err(error));
        return;
    }
    let previous = std::mem::take(&mut pending.provider);
    let choice = state
        .providers
        .iter_mut()
        .filter(|(key, p)| **key != previous && p.running < p.capacity)
        .min_by(|(ka, a), (kb, b)| {
            let load_a = u64::from(a.running) * u64::from(b.capacity);
            let load_b = u64::from(b.running) * u64::from(a.capacity);
            load_a.cmp(&load_b).then_with(|| ka.cmp(kb))
        });
    let Some((key, provider)) = choice else {
        let error = if previous.is_empty() {
            ErrorBody::new(ErrorCode::NoProvider, "no provider can run this call now")
        } else {
            ErrorBody::new(
                ErrorCode::ProviderLost,
                "the provider running the call disconnected and no other can take it",
            )
        };
        let _ = pending.reply.send(Err(error));
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
        let _ = pending.reply.send(Err(error));
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
            Ok(Err(ErrorBody {
                code: ErrorCode::NoProvider,
                ..
            }))
        ));
    }

    #[tokio::test]
    async fn results_reach_the_caller_and_load_is_balanced() {
        let dispatcher = Dispatcher::default();
        let (_, mut a) = dispatcher.connect("a", 2);
        let (_, mut b) = dispatcher.connect("b", 2);
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
                .any(|o| matches!(o, Ok(Ok(r)) if r.body == b"hi"))
        );
        assert!(
            outcomes
                .iter()
                .any(|o| matches!(o, Ok(Err(e)) if e.code == ErrorCode::CpuLimit))
        );
        assert_eq!(
            dispatcher.providers(),
            vec![("a".into(), 0, 2), ("b".into(), 0, 2)]
        );
    }

    #[tokio::test]
    async fn a_lost_provider_gets_its_job_redispatched_once() {
        let dispatcher = Dispatcher::default();
        let (a_connection, mut a) = dispatcher.connect("a", 1);
        let outcome = dispatcher.dispatch(job("j1"));
        assert!(sent_job(&mut a).is_some());
        let (_, mut b) = dispatcher.connect("b", 1);
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
        assert!(matches!(outcome.await, Ok(Ok(_))));
    }

    #[tokio::test]
    async fn losing_the_second_provider_too_fails_cleanly() {
        let dispatcher = Dispatcher::default();
        let connections: HashMap<&str, (u64, mpsc::Receiver<RelayToProvider>)> = ["a", "b", "c"]
            .into_iter()
            .map(|k| (k, dispatcher.connect(k, 1)))
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
            Ok(Err(ErrorBody {
                code: ErrorCode::ProviderLost,
                ..
            }))
        ));
    }

    #[tokio::test]
    async fn a_lost_provider_with_no_other_fails_with_provider_lost() {
        let dispatcher = Dispatcher::default();
        let (connection, _a) = dispatcher.connect("a", 1);
        let outcome = dispatcher.dispatch(job("j1"));
        dispatcher.disconnect("a", connection);
        assert!(matches!(
            outcome.await,
            Ok(Err(ErrorBody {
                code: ErrorCode::ProviderLost,
                ..
            }))
        ));
    }

    #[tokio::test]
    async fn full_providers_are_skipped() {
        let dispatcher = Dispatcher::default();
        let (_, mut a) = dispatcher.connect("a", 1);
        let _first = dispatcher.dispatch(job("j1"));
        assert!(sent_job(&mut a).is_some());
        let second = dispatcher.dispatch(job("j2"));
        assert!(matches!(
            second.await,
            Ok(Err(ErrorBody {
                code: ErrorCode::NoProvider,
                ..
            }))
        ));
    }
}
