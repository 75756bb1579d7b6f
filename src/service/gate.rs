//! Fair admission of costly reads: full-text searches and export chunks
//! (docs/api.md §7: "a user with nothing running goes before the next search or
//! export of a user who already has one running").
//!
//! A search that matches most logs still reads most of the index, and an
//! export reads every row it writes. Were every core and pooled connection
//! given to such reads, other users' reads would wait; so they take one of a
//! few places here first, *before* a pooled connection (half the cores: the
//! other half, and the rest of the read pool, stay free for everything else).
//!
//! Who gets a freed place: among the users with something waiting, the one
//! with the fewest places held; between equals, the one admitted least
//! recently (a user never admitted, or with nothing left since, first); a
//! user's own requests in the order they came. So one user's many requests
//! make another user wait for at most one of them per place, however many
//! are queued. Each user may have a few requests waiting
//! ([`FairGate::queue_per_user`]); past that their next one is refused
//! (503/115, `Retry-After`) — by their own load, never by another user's.
//!
//! A waiting request holds no connection and no thread: it awaits a
//! channel, and dropping it (the client went away) leaves the queue.

use super::ServiceError;
use crate::domain::ids::UserId;
use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, Mutex, MutexGuard};
use tokio::sync::{oneshot, watch};

/// Whose request it is: the caller's user id (0 for the command line).
pub type UserKey = UserId;

pub struct FairGate {
    places: usize,
    queue_per_user: usize,
    state: Mutex<State>,
    /// Bumped after every change of `state`, for observers ([`FairGate::until`]).
    changed: watch::Sender<u64>,
}

#[derive(Default)]
struct State {
    /// Places taken.
    running: usize,
    /// Hands out arrival and admission numbers, one sequence for both.
    sequence: u64,
    /// Only users with something running or waiting.
    users: HashMap<UserKey, UserState>,
}

#[derive(Default)]
struct UserState {
    running: usize,
    waiting: VecDeque<Waiter>,
    /// When this user was last admitted (0: not since they last had nothing).
    last_admitted: u64,
}

struct Waiter {
    arrival: u64,
    admit: oneshot::Sender<Place>,
}

/// A place in the gate, given back (and handed to the next in line) when dropped.
pub struct Place {
    gate: Arc<FairGate>,
    user: UserKey,
}

/// What one user has in the gate, for observers.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct UserView {
    pub running: usize,
    pub waiting: usize,
}

/// Whether a request past a user's queue bound is refused or waits.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Bound {
    /// A new request: refused when the user's queue is full.
    Kept,
    /// The next chunk of an export already admitted: it waits its turn
    /// whatever the user's queue holds (refusing it would break a download
    /// half written).
    Waived,
}

impl FairGate {
    pub fn new(places: usize, queue_per_user: usize) -> FairGate {
        FairGate {
            places: places.max(1),
            queue_per_user,
            state: Mutex::new(State::default()),
            changed: watch::Sender::new(0),
        }
    }

    /// Half the cores (at least one) for costly reads, so the other half and
    /// the rest of the read pool stay free for everyone else.
    pub fn default_places() -> usize {
        (std::thread::available_parallelism().map(|n| n.get()).unwrap_or(1) / 2).max(1)
    }

    /// How many requests one user may have waiting before the next is refused.
    pub fn queue_per_user(&self) -> usize {
        self.queue_per_user
    }

    /// Waits (without holding a thread) for a place for `user`'s request;
    /// refused at once when that user already has a full queue.
    pub async fn enter(self: &Arc<Self>, user: UserKey) -> Result<Place, ServiceError> {
        self.ticket(user, Bound::Kept)?.admitted().await
    }

    /// As [`FairGate::enter`], blocking the calling thread while it waits,
    /// for the next chunk of an export already under way: it queues behind
    /// the user's other requests and takes its turn among the users like
    /// any request, but is never refused for the user's full queue. Call it
    /// from a thread that may block, never from an async task.
    pub fn enter_next_chunk_blocking(self: &Arc<Self>, user: UserKey) -> Result<Place, ServiceError> {
        self.ticket(user, Bound::Waived)?.admitted_blocking()
    }

    /// Joins `user`'s queue (or takes a free place at once).
    fn ticket(self: &Arc<Self>, user: UserKey, bound: Bound) -> Result<Ticket, ServiceError> {
        let (receiver, arrival) = {
            let mut state = self.lock();
            state.sequence += 1;
            let sequence = state.sequence;
            if state.running < self.places {
                // A free place means nobody waits (a freed place goes to the next in line at once).
                state.running += 1;
                let mine = state.users.entry(user).or_default();
                mine.running += 1;
                mine.last_admitted = sequence;
                drop(state);
                self.notify();
                return Ok(Ticket::ready(Place { gate: self.clone(), user }));
            }
            let mine = state.users.entry(user).or_default();
            if bound == Bound::Kept && mine.waiting.len() >= self.queue_per_user {
                return Err(ServiceError::Busy {
                    message: format!(
                        "You already have {} searches or exports waiting for their turn; retry when one has finished.",
                        mine.waiting.len()
                    ),
                    retry_after: 1,
                });
            }
            let (admit, receiver) = oneshot::channel();
            mine.waiting.push_back(Waiter { arrival: sequence, admit });
            (receiver, sequence)
        };
        self.notify();
        Ok(Ticket { gate: self.clone(), user, arrival, receiver: Some(receiver), ready: None })
    }

    /// Gives back a place of `user` and hands free places to the next in line.
    fn release(self: &Arc<Self>, user: UserKey) {
        let handed = {
            let mut state = self.lock();
            state.running = state.running.saturating_sub(1);
            if let Some(mine) = state.users.get_mut(&user) {
                mine.running = mine.running.saturating_sub(1);
            }
            forget_if_idle(&mut state, user);
            self.admit_next(&mut state)
        };
        self.notify();
        // Sent outside the lock: a request that went away meanwhile drops
        // its place at once, which releases it again (and admits the next).
        for (admit, place) in handed {
            let _ = admit.send(place);
        }
    }

    /// Fills free places from the queues: fewest places held first, then
    /// least recently admitted, then the oldest request.
    fn admit_next(self: &Arc<Self>, state: &mut State) -> Vec<(oneshot::Sender<Place>, Place)> {
        let mut handed = Vec::new();
        while state.running < self.places {
            let next = state
                .users
                .iter()
                .filter_map(|(user, s)| s.waiting.front().map(|w| ((s.running, s.last_admitted, w.arrival), *user)))
                .min()
                .map(|(_, user)| user);
            let Some(user) = next else { break };
            state.sequence += 1;
            let sequence = state.sequence;
            let Some(mine) = state.users.get_mut(&user) else { break };
            let Some(waiter) = mine.waiting.pop_front() else { break };
            mine.running += 1;
            mine.last_admitted = sequence;
            state.running += 1;
            handed.push((waiter.admit, Place { gate: self.clone(), user }));
        }
        handed
    }

    /// Takes `user`'s request `arrival` out of the queue, if it is still there.
    fn withdraw(&self, user: UserKey, arrival: u64) {
        {
            let mut state = self.lock();
            if let Some(mine) = state.users.get_mut(&user) {
                mine.waiting.retain(|w| w.arrival != arrival);
            }
            forget_if_idle(&mut state, user);
        }
        self.notify();
    }

    /// What `user` has in the gate now.
    pub fn view(&self, user: UserKey) -> UserView {
        let state = self.lock();
        state.users.get(&user).map(|s| UserView { running: s.running, waiting: s.waiting.len() }).unwrap_or_default()
    }

    /// Places taken now, by every user.
    pub fn running(&self) -> usize {
        self.lock().running
    }

    /// Returns once `condition` holds of the gate (checked after every
    /// change): lets a caller wait for a state without polling.
    pub async fn until(&self, condition: impl Fn(&FairGate) -> bool) {
        let mut changes = self.changed.subscribe();
        while !condition(self) {
            if changes.changed().await.is_err() {
                return;
            }
        }
    }

    fn notify(&self) {
        self.changed.send_modify(|n| *n = n.wrapping_add(1));
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        // The state stays consistent at every step, so a panic elsewhere
        // while it was held leaves nothing half done.
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }
}

/// Drops a user's entry once they have nothing running or waiting, so the
/// map holds only active users (and a returning user counts as fresh).
fn forget_if_idle(state: &mut State, user: UserKey) {
    if state.users.get(&user).is_some_and(|s| s.running == 0 && s.waiting.is_empty()) {
        state.users.remove(&user);
    }
}

/// A request in the gate: admitted already, or waiting in its user's queue.
struct Ticket {
    gate: Arc<FairGate>,
    user: UserKey,
    arrival: u64,
    receiver: Option<oneshot::Receiver<Place>>,
    ready: Option<Place>,
}

impl Ticket {
    fn ready(place: Place) -> Ticket {
        let gate = place.gate.clone();
        let user = place.user;
        Ticket { gate, user, arrival: 0, receiver: None, ready: Some(place) }
    }

    async fn admitted(mut self) -> Result<Place, ServiceError> {
        if let Some(place) = self.ready.take() {
            return Ok(place);
        }
        let Some(receiver) = self.receiver.as_mut() else { return Err(gone()) };
        let place = receiver.await.map_err(|_| gone())?;
        self.receiver = None;
        Ok(place)
    }

    fn admitted_blocking(mut self) -> Result<Place, ServiceError> {
        if let Some(place) = self.ready.take() {
            return Ok(place);
        }
        let Some(receiver) = self.receiver.take() else { return Err(gone()) };
        receiver.blocking_recv().map_err(|_| gone())
    }
}

impl Drop for Ticket {
    /// A request that stops waiting (its client went away) leaves the queue;
    /// had it just been admitted, its place is dropped with the channel and
    /// goes to the next in line.
    fn drop(&mut self) {
        if self.receiver.is_some() {
            self.gate.withdraw(self.user, self.arrival);
        }
    }
}

/// A waiter's channel closes only if the gate dropped it, which it never
/// does while the waiter is queued: a defect, not a busy service.
fn gone() -> ServiceError {
    ServiceError::Internal("the search gate dropped a waiting request".into())
}

impl Drop for Place {
    fn drop(&mut self) {
        self.gate.release(self.user);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use futures_util::FutureExt;

    const A: UserKey = UserId(1);
    const B: UserKey = UserId(2);
    const C: UserKey = UserId(3);

    /// A request that has joined its queue, polled without waiting (until
    /// it has its place, which it then hands over once).
    struct Pending(Option<Waiting>);

    type Waiting = std::pin::Pin<Box<dyn std::future::Future<Output = Result<Place, ServiceError>>>>;

    impl Pending {
        fn new(gate: &Arc<FairGate>, user: UserKey) -> Pending {
            let ticket = gate.ticket(user, Bound::Kept).expect("room in the queue");
            Pending(Some(Box::pin(ticket.admitted())))
        }

        /// The place, if this request has just been admitted.
        fn admitted(&mut self) -> Option<Place> {
            let place = self.0.as_mut()?.as_mut().now_or_never()?;
            self.0 = None;
            Some(place.expect("a place"))
        }
    }

    fn enter_now(gate: &Arc<FairGate>, user: UserKey) -> Place {
        gate.enter(user).now_or_never().expect("a free place").expect("admitted")
    }

    #[test]
    fn a_user_with_nothing_running_goes_before_the_queue_of_a_user_who_has_one() {
        let gate = Arc::new(FairGate::new(1, 8));
        let running = enter_now(&gate, A);
        let mut a: Vec<Pending> = (0..5).map(|_| Pending::new(&gate, A)).collect();
        let mut b = Pending::new(&gate, B);
        assert_eq!(gate.view(A), UserView { running: 1, waiting: 5 });
        drop(running);
        let b_place = b.admitted().expect("B goes first, after one of A's");
        assert!(a.iter_mut().all(|p| p.admitted().is_none()));
        drop(b_place);
        // Then A's, in the order they came.
        let first = a[0].admitted().expect("A's oldest next");
        assert!(a[1..].iter_mut().all(|p| p.admitted().is_none()));
        drop(first);
        assert!(a[1].admitted().is_some());
    }

    #[test]
    fn users_with_queues_take_turns() {
        let gate = Arc::new(FairGate::new(1, 8));
        let running = enter_now(&gate, C);
        // A queued first, and more of them: still one each in turn.
        let mut a: Vec<Pending> = (0..3).map(|_| Pending::new(&gate, A)).collect();
        let mut b: Vec<Pending> = (0..3).map(|_| Pending::new(&gate, B)).collect();
        drop(running);
        let mut order = Vec::new();
        for _ in 0..6 {
            let admitted_a = a.iter_mut().find_map(Pending::admitted);
            let admitted_b = b.iter_mut().find_map(Pending::admitted);
            let place = match (admitted_a, admitted_b) {
                (Some(p), None) => {
                    order.push(A);
                    p
                }
                (None, Some(p)) => {
                    order.push(B);
                    p
                }
                _ => panic!("exactly one admitted at a time"),
            };
            drop(place);
        }
        assert_eq!(order, [A, B, A, B, A, B]);
    }

    #[test]
    fn with_several_places_the_user_with_fewest_running_goes_first() {
        let gate = Arc::new(FairGate::new(2, 8));
        let a1 = enter_now(&gate, A);
        let a2 = enter_now(&gate, A);
        let mut a3 = Pending::new(&gate, A);
        let mut b1 = Pending::new(&gate, B);
        // A place freed by A: B (nothing running) before A's third, which came first.
        drop(a1);
        let b_place = b1.admitted().expect("B admitted");
        assert!(a3.admitted().is_none());
        drop(a2);
        assert!(a3.admitted().is_some());
        drop(b_place);
    }

    #[test]
    fn a_full_queue_refuses_its_own_user_only() {
        let gate = Arc::new(FairGate::new(1, 2));
        let _running = enter_now(&gate, A);
        let _a: Vec<Pending> = (0..2).map(|_| Pending::new(&gate, A)).collect();
        let refused = gate.enter(A).now_or_never().expect("answered at once");
        assert!(matches!(refused, Err(ServiceError::Busy { retry_after: 1, .. })), "A's third waiting request");
        // B is not refused for A's load: B waits.
        let mut b = Pending::new(&gate, B);
        assert!(b.admitted().is_none());
        assert_eq!(gate.view(B), UserView { running: 0, waiting: 1 });
    }

    #[test]
    fn an_exports_next_chunk_waits_past_the_bound_and_queues_behind_its_users_requests() {
        let gate = Arc::new(FairGate::new(1, 1));
        let running = enter_now(&gate, A);
        let mut queued = Pending::new(&gate, A);
        // The bound is full for a new request...
        assert!(matches!(gate.enter(A).now_or_never(), Some(Err(ServiceError::Busy { .. }))));
        // ...but an export's next chunk waits, on a thread, behind A's queued request.
        let chunk = std::thread::spawn({
            let gate = gate.clone();
            move || gate.enter_next_chunk_blocking(A).map(drop).is_ok()
        });
        let runtime = tokio::runtime::Builder::new_current_thread().build().unwrap();
        runtime.block_on(gate.until(|g| g.view(A).waiting == 2));
        drop(running);
        let first = queued.admitted().expect("the request that came first");
        assert_eq!(gate.view(A), UserView { running: 1, waiting: 1 });
        drop(first);
        assert!(chunk.join().unwrap());
        assert_eq!(gate.running(), 0);
    }

    #[test]
    fn a_request_that_stops_waiting_leaves_the_queue_and_frees_nothing_twice() {
        let gate = Arc::new(FairGate::new(1, 8));
        let running = enter_now(&gate, A);
        let gone = Pending::new(&gate, B);
        let mut c = Pending::new(&gate, C);
        drop(gone);
        assert_eq!(gate.view(B), UserView::default());
        drop(running);
        let place = c.admitted().expect("C next");
        assert_eq!(gate.running(), 1);
        drop(place);
        assert_eq!(gate.running(), 0);
        // Admitted, then gone before taking its place: the place goes back.
        let running = enter_now(&gate, A);
        let b = Pending::new(&gate, B);
        drop(running);
        assert_eq!(gate.view(B), UserView { running: 1, waiting: 0 });
        drop(b);
        assert_eq!(gate.running(), 0);
        let _again = enter_now(&gate, C);
    }
}
