//! Convergence: drive nodes to a power state and make sure they got there.
//!
//! Read every node's `PowerState`; send the plan's first reset to those not
//! in the wanted state; then poll until each is there or the deadline
//! passes. A node that has not moved (not in the wanted state, not on its way
//! there) `retry_after` after its last request gets the request again, up to
//! `retries` times — some nodes ignore a reset. `off` starts gracefully and
//! turns to `ForceOff` for nodes still on after `graceful_timeout`.
//!
//! Never prints: progress goes to a [`Progress`], results come back by value.

use std::time::Duration;

use futures_util::stream::{self, StreamExt};
use tokio::time::Instant;

use super::fleet::{Fleet, PowerState};
use super::PowerTarget;

/// What the operator asked for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verb {
    Status,
    On,
    /// Graceful first, forced after `graceful_timeout`.
    Off,
    /// `ForceRestart` nodes that are on, `On` those that are off.
    Reset,
    /// Off (forced), then on.
    Cycle,
}

impl Verb {
    pub fn parse(s: &str) -> Option<Verb> {
        Some(match s {
            "status" | "query" | "stat" | "q" => Verb::Status,
            "on" => Verb::On,
            "off" => Verb::Off,
            "reset" | "restart" => Verb::Reset,
            "cycle" => Verb::Cycle,
            _ => return None,
        })
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Verb::Status => "status",
            Verb::On => "on",
            Verb::Off => "off",
            Verb::Reset => "reset",
            Verb::Cycle => "cycle",
        }
    }

    /// The state every target should end in.
    pub fn wanted(self) -> Option<PowerState> {
        match self {
            Verb::Status => None,
            Verb::Off => Some(PowerState::Off),
            Verb::On | Verb::Reset | Verb::Cycle => Some(PowerState::On),
        }
    }
}

/// Timing and persistence.
#[derive(Debug, Clone)]
pub struct Options {
    /// Give up waiting after this long (per phase).
    pub timeout: Duration,
    /// Re-issues per node after the first request.
    pub retries: u32,
    pub poll_interval: Duration,
    /// A node that has not moved this long after a request gets it again.
    pub retry_after: Duration,
    /// `off`: how long a graceful shutdown may take before `ForceOff`.
    pub graceful_timeout: Duration,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            timeout: Duration::from_secs(300),
            retries: 3,
            poll_interval: Duration::from_secs(1),
            retry_after: Duration::from_secs(10),
            graceful_timeout: Duration::from_secs(60),
        }
    }
}

/// Where the waiting stands, for a progress bar.
pub trait Progress: Sync {
    /// A phase starts: `total` nodes are being waited for.
    fn phase(&self, name: &str, total: usize);
    /// `settled` of them are done (reached the state, or given up on).
    fn settled(&self, settled: usize);
}

/// No progress display.
pub struct Quiet;

impl Progress for Quiet {
    fn phase(&self, _: &str, _: usize) {}
    fn settled(&self, _: usize) {}
}

/// How one node ended.
#[derive(Debug, Clone, serde::Serialize)]
pub struct NodeResult {
    pub xname: String,
    /// Before anything was sent.
    pub initial: PowerState,
    /// At the end.
    pub state: PowerState,
    /// Reset requests sent to it.
    pub requests: u32,
    /// Why it is unknown or in the wrong state.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    /// Where it should be (status: its state could be read).
    pub ok: bool,
}

/// The run's result, in target order.
#[derive(Debug, Clone)]
pub struct Outcome {
    pub verb: Verb,
    pub wanted: Option<PowerState>,
    pub nodes: Vec<NodeResult>,
}

impl Outcome {
    /// Nodes not where they should be (status: not readable).
    pub fn failed(&self) -> impl Iterator<Item = &NodeResult> {
        self.nodes.iter().filter(|n| !n.ok)
    }

    /// Nodes a request moved to the wanted state: the ones whose SMD State
    /// changes.
    pub fn changed(&self) -> Vec<&NodeResult> {
        match self.wanted {
            Some(w) => self
                .nodes
                .iter()
                .filter(|n| n.ok && n.requests > 0 && n.state == w)
                .collect(),
            None => Vec::new(),
        }
    }
}

/// Carry out `verb` on `targets`.
pub async fn run(
    fleet: &Fleet,
    targets: &[PowerTarget],
    verb: Verb,
    opts: &Options,
    concurrency: usize,
    progress: &dyn Progress,
) -> Outcome {
    let mut nodes = read_all(fleet, targets, concurrency, progress).await;
    let mut skip = vec![false; nodes.len()];
    let phase = Phase {
        fleet,
        targets,
        opts,
        concurrency,
        progress,
    };
    match verb {
        Verb::Status => {}
        Verb::On => phase.drive(&mut nodes, &skip, &On).await,
        Verb::Off => phase.drive(&mut nodes, &skip, &Off).await,
        Verb::Reset => phase.drive(&mut nodes, &skip, &Reset).await,
        Verb::Cycle => {
            phase.drive(&mut nodes, &skip, &ForceOff).await;
            // A node that did not go off is not turned back on: that would
            // not be a cycle. It fails with the off phase's reason.
            for (i, n) in nodes.iter().enumerate() {
                skip[i] = n.state != PowerState::Off;
            }
            phase.drive(&mut nodes, &skip, &On).await;
        }
    }
    let wanted = verb.wanted();
    for (n, skipped) in nodes.iter_mut().zip(&skip) {
        n.ok = !skipped
            && match wanted {
                Some(w) => n.state == w,
                None => matches!(n.state, PowerState::On | PowerState::Off),
            };
        if !n.ok && n.error.is_none() {
            n.error = Some(format!("{} at the end", n.state.as_str()));
        }
    }
    Outcome {
        verb,
        wanted: verb.wanted(),
        nodes,
    }
}

/// One phase: the state it drives to and the requests it sends.
trait Plan: Sync {
    fn name(&self) -> &'static str;
    fn wanted(&self) -> PowerState;
    /// The first request for a node in `state` (None: nothing to send).
    fn first(&self, t: &PowerTarget, state: PowerState) -> Option<&'static str>;
    /// The request a retry sends (and what `first` turns into after the
    /// graceful period).
    fn retry(&self) -> &'static str;
    /// Whether `first` is a graceful request to be forced after a while.
    fn graceful(&self, _first: &str) -> bool {
        false
    }
}

struct On;
struct Off;
struct ForceOff;
struct Reset;

impl Plan for On {
    fn name(&self) -> &'static str {
        "on"
    }
    fn wanted(&self) -> PowerState {
        PowerState::On
    }
    fn first(&self, _: &PowerTarget, s: PowerState) -> Option<&'static str> {
        (!matches!(s, PowerState::On | PowerState::PoweringOn)).then_some("On")
    }
    fn retry(&self) -> &'static str {
        "On"
    }
}

impl Plan for Off {
    fn name(&self) -> &'static str {
        "off"
    }
    fn wanted(&self) -> PowerState {
        PowerState::Off
    }
    fn first(&self, t: &PowerTarget, s: PowerState) -> Option<&'static str> {
        if matches!(s, PowerState::Off | PowerState::PoweringOff) {
            return None;
        }
        Some(if t.allows("GracefulShutdown") {
            "GracefulShutdown"
        } else {
            "ForceOff"
        })
    }
    fn retry(&self) -> &'static str {
        "ForceOff"
    }
    fn graceful(&self, first: &str) -> bool {
        first == "GracefulShutdown"
    }
}

impl Plan for ForceOff {
    fn name(&self) -> &'static str {
        "off"
    }
    fn wanted(&self) -> PowerState {
        PowerState::Off
    }
    fn first(&self, _: &PowerTarget, s: PowerState) -> Option<&'static str> {
        (!matches!(s, PowerState::Off | PowerState::PoweringOff)).then_some("ForceOff")
    }
    fn retry(&self) -> &'static str {
        "ForceOff"
    }
}

impl Plan for Reset {
    fn name(&self) -> &'static str {
        "reset"
    }
    fn wanted(&self) -> PowerState {
        PowerState::On
    }
    fn first(&self, _: &PowerTarget, s: PowerState) -> Option<&'static str> {
        Some(if s == PowerState::On {
            "ForceRestart"
        } else {
            "On"
        })
    }
    fn retry(&self) -> &'static str {
        "On"
    }
}

/// The initial read of every target.
async fn read_all(
    fleet: &Fleet,
    targets: &[PowerTarget],
    concurrency: usize,
    progress: &dyn Progress,
) -> Vec<NodeResult> {
    progress.phase("reading power state", targets.len());
    let reads: Vec<Result<PowerState, String>> = stream::iter(targets)
        .map(|t| fleet.power_state(t))
        .buffered(concurrency.max(1))
        .collect()
        .await;
    progress.settled(targets.len());
    targets
        .iter()
        .zip(reads)
        .map(|(t, r)| {
            let (state, error) = match r {
                Ok(s) => (s, None),
                Err(e) => (PowerState::Unknown, Some(e)),
            };
            NodeResult {
                xname: t.node.clone(),
                initial: state,
                state,
                requests: 0,
                error,
                ok: false,
            }
        })
        .collect()
}

/// Per-node bookkeeping during a phase.
struct Pending {
    index: usize,
    last_request: Instant,
    /// The graceful request is outstanding (not yet forced).
    graceful: bool,
    retries_left: u32,
    /// Reads have failed since then (reset by a good read).
    failing_since: Option<Instant>,
}

/// What every phase of a run shares.
struct Phase<'a> {
    fleet: &'a Fleet,
    targets: &'a [PowerTarget],
    opts: &'a Options,
    concurrency: usize,
    progress: &'a dyn Progress,
}

impl Phase<'_> {
    /// Drive the nodes not in `skip` to `plan`'s state.
    async fn drive(&self, nodes: &mut [NodeResult], skip: &[bool], plan: &dyn Plan) {
        let Phase {
            fleet,
            targets,
            opts,
            concurrency,
            progress,
        } = *self;
        drive(
            fleet,
            targets,
            nodes,
            skip,
            plan,
            opts,
            concurrency,
            progress,
        )
        .await
    }
}

#[allow(clippy::too_many_arguments)]
async fn drive(
    fleet: &Fleet,
    targets: &[PowerTarget],
    nodes: &mut [NodeResult],
    skip: &[bool],
    plan: &dyn Plan,
    opts: &Options,
    concurrency: usize,
    progress: &dyn Progress,
) {
    let wanted = plan.wanted();
    let start = Instant::now();
    let deadline = start + opts.timeout;
    // Only readable nodes are acted on: a node whose BMC cannot be reached
    // stays unknown, with the reason.
    let mut firsts: Vec<(usize, &'static str)> = Vec::new();
    for (i, n) in nodes.iter().enumerate() {
        if skip[i] || (n.state == PowerState::Unknown && n.error.is_some()) {
            continue;
        }
        if let Some(req) = plan.first(&targets[i], n.state) {
            firsts.push((i, req));
        }
    }
    let sent = send(fleet, targets, &firsts, concurrency).await;
    let mut pending: Vec<Pending> = Vec::new();
    for ((i, req), r) in firsts.iter().zip(sent) {
        nodes[*i].requests += 1;
        if let Err(e) = r {
            nodes[*i].error = Some(format!("{req}: {e}"));
        }
        pending.push(Pending {
            index: *i,
            last_request: Instant::now(),
            graceful: plan.graceful(req),
            retries_left: opts.retries,
            failing_since: None,
        });
    }
    // Nodes already on their way there are waited for too.
    for (i, n) in nodes.iter().enumerate() {
        let on_the_way = matches!(
            (wanted, n.state),
            (PowerState::On, PowerState::PoweringOn) | (PowerState::Off, PowerState::PoweringOff)
        );
        if on_the_way && !skip[i] && !pending.iter().any(|p| p.index == i) {
            pending.push(Pending {
                index: i,
                last_request: Instant::now(),
                graceful: false,
                retries_left: opts.retries,
                failing_since: None,
            });
        }
    }
    let total = pending.len();
    progress.phase(plan.name(), total);
    while !pending.is_empty() {
        let now = Instant::now();
        if now >= deadline {
            break;
        }
        tokio::time::sleep(opts.poll_interval.min(deadline - now)).await;
        let reads: Vec<Result<PowerState, String>> = stream::iter(&pending)
            .map(|p| fleet.power_state(&targets[p.index]))
            .buffered(concurrency.max(1))
            .collect()
            .await;
        let now = Instant::now();
        let mut resend: Vec<(usize, &'static str)> = Vec::new();
        let mut still = Vec::with_capacity(pending.len());
        for (mut p, r) in pending.into_iter().zip(reads) {
            let n = &mut nodes[p.index];
            match r {
                Ok(s) => {
                    n.state = s;
                    p.failing_since = None;
                }
                Err(e) => {
                    n.state = PowerState::Unknown;
                    n.error = Some(e);
                    // A BMC gone mid-run is given up on after `retry_after`
                    // of failed reads, not polled until the deadline.
                    let since = *p.failing_since.get_or_insert(now);
                    if now.duration_since(since) < opts.retry_after {
                        still.push(p);
                    }
                    continue;
                }
            }
            if n.state == wanted {
                n.error = None;
                continue;
            }
            let moving = matches!(
                (wanted, n.state),
                (PowerState::On, PowerState::PoweringOn)
                    | (PowerState::Off, PowerState::PoweringOff)
            );
            if p.graceful {
                if now.duration_since(p.last_request) >= opts.graceful_timeout {
                    p.graceful = false;
                    p.last_request = now;
                    resend.push((p.index, plan.retry()));
                }
                still.push(p);
                continue;
            }
            if moving || now.duration_since(p.last_request) < opts.retry_after {
                still.push(p);
                continue;
            }
            if p.retries_left == 0 {
                n.error = Some(format!(
                    "still {} after {} request(s)",
                    n.state.as_str(),
                    n.requests
                ));
                continue;
            }
            p.retries_left -= 1;
            p.last_request = now;
            resend.push((p.index, plan.retry()));
            still.push(p);
        }
        pending = still;
        let sent = send(fleet, targets, &resend, concurrency).await;
        for ((i, req), r) in resend.iter().zip(sent) {
            nodes[*i].requests += 1;
            match r {
                Ok(()) => tracing::debug!("{}: {req} sent again", nodes[*i].xname),
                Err(e) => nodes[*i].error = Some(format!("{req}: {e}")),
            }
        }
        progress.settled(total - pending.len());
    }
    for p in pending {
        let n = &mut nodes[p.index];
        if n.state != wanted && n.error.is_none() {
            n.error = Some(format!(
                "still {} after {:?} ({} request(s))",
                n.state.as_str(),
                opts.timeout,
                n.requests
            ));
        }
        // A node caught in a transition at the deadline is not known to be
        // either way.
        if matches!(n.state, PowerState::PoweringOn | PowerState::PoweringOff) {
            n.state = PowerState::Unknown;
        }
    }
    progress.settled(total);
}

async fn send(
    fleet: &Fleet,
    targets: &[PowerTarget],
    requests: &[(usize, &'static str)],
    concurrency: usize,
) -> Vec<Result<(), String>> {
    stream::iter(requests)
        .map(|(i, req)| fleet.reset(&targets[*i], req))
        .buffered(concurrency.max(1))
        .collect()
        .await
}
