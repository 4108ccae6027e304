//! `magellan power`: the command line of power control — `pm`'s habits
//! (`-q`, `-1`, `-0`, hostlist ranges, the `on:/off:/unknown:` summary) on
//! OpenCHAMI's data (BMCs from SMD, State written back as PCS does), and
//! OpenCHAMI magellan's `-r ResetType` / `-l` / `-f inventory` forms.

use std::path::PathBuf;
use std::time::Duration;

use clap::Args;
use futures_util::stream::{self, StreamExt};
use serde_json::{json, Value};

use super::{credentials, render, summary, tls, Format, PowerCommon, Settings, Usage};
use crate::power::converge::{self, Outcome, Progress, Verb};
use crate::power::fleet::{Fleet, PowerState};
use crate::power::{report, PowerTarget, Topology};
use crate::{hostlist, inventory, redfish, BmcTarget, EXIT_OK};
use smd_api::client::SmdClient;

/// SMD when neither `--smd-url` nor `MAGELLAN_SMD_URL` says otherwise.
const DEFAULT_SMD: &str = "http://localhost:27779";

#[derive(Debug, Args)]
#[command(after_help = "\
Verbs: status (-q), on (-1), off (-0: graceful, then forced), reset, cycle (off, then on);
or -r RESET_TYPE to send one Redfish reset as is, or -l to list reset types.
Targets: xnames, BMC xnames (all their nodes), hostlists (x1000c1s7b0n[0-5],
x1000c1s[1-7]b0n0, comma lists), --group, --partition, --all.
Examples:
  magellan power -q x1000c1s7b0n[0-5]        # on: / off: / unknown: with ranges
  magellan power off --group compute
  magellan power -1 x1000c1s7b0n[0-5] --retries 5
  magellan power x1000c1s7b0n0 -r ForceRestart -f inventory.json -u admin -p password")]
pub struct PowerArgs {
    #[command(flatten)]
    pub common: PowerCommon,
    /// [VERB] TARGET...: status|on|off|reset|cycle, then node/BMC xnames or hostlists.
    pub targets: Vec<String>,
    /// Query: print on:/off:/unknown: (as `pm -q`).
    #[arg(short = 'q', long = "query")]
    pub query: bool,
    /// Power on and wait until on (as `pm -1`).
    #[arg(short = '1', long = "on")]
    pub on: bool,
    /// Power off and wait until off (as `pm -0`).
    #[arg(short = '0', long = "off")]
    pub off: bool,
    /// Send this Redfish ResetType once (On, ForceOff, GracefulShutdown, ForceRestart, ...).
    #[arg(short = 'r', long)]
    pub reset_type: Option<String>,
    /// List the nodes' allowable reset types instead.
    #[arg(short = 'l', long)]
    pub list_reset_types: bool,
    /// Every member of this SMD group. Repeatable.
    #[arg(long)]
    pub group: Vec<String>,
    /// Every member of this SMD partition. Repeatable.
    #[arg(long)]
    pub partition: Vec<String>,
    /// Every node SMD (or the inventory) knows.
    #[arg(long)]
    pub all: bool,
    /// Collect output that locates the nodes, instead of SMD.
    #[arg(short = 'f', long)]
    pub inventory_file: Option<PathBuf>,
    /// SMD base URL (default http://localhost:27779); with -f, where State is written.
    #[arg(long, env = "MAGELLAN_SMD_URL")]
    pub smd_url: Option<String>,
    /// Scheme of BMCs whose SMD FQDN has none.
    #[arg(long, default_value = "https", value_parser = ["http", "https"])]
    pub scheme: String,
    /// BMC user for every BMC (a secrets-file entry for a BMC wins).
    #[arg(short = 'u', long, alias = "user", default_value = "")]
    pub username: String,
    /// BMC password, with -u.
    #[arg(short = 'p', long, alias = "pass", default_value = "")]
    pub password: String,
    /// Per-BMC credentials (keys: host, host:port, base URL, BMC xname, default).
    #[arg(long)]
    pub secrets_file: Option<String>,
    /// Accept self-signed BMC certificates.
    #[arg(short = 'i', long)]
    pub insecure: bool,
    /// PEM CA certificate to trust for BMCs (and SMD).
    #[arg(long)]
    pub cacert: Option<PathBuf>,
    /// table (pm -q lines), json or yaml.
    #[arg(short = 'F', long = "format", value_enum, default_value = "table")]
    pub format: Format,
    /// Re-sends of the request to a node that does not move.
    #[arg(long, default_value_t = 3)]
    pub retries: u32,
    /// Seconds between PowerState reads while waiting.
    #[arg(long, default_value = "1", value_parser = seconds)]
    pub poll_interval: Duration,
    /// Seconds a node may stay unmoved after a request before it is sent
    /// again (and that reads of it may fail before it is given up as unknown).
    #[arg(long, default_value = "10", value_parser = seconds)]
    pub retry_after: Duration,
    /// off: seconds a graceful shutdown may take before ForceOff.
    #[arg(long, default_value = "60", value_parser = seconds)]
    pub graceful_timeout: Duration,
    /// Per-request timeout in seconds (default: the common timeout, 5).
    #[arg(long)]
    pub request_timeout: Option<u64>,
}

fn seconds(s: &str) -> Result<Duration, String> {
    let v: f64 = s
        .parse()
        .map_err(|_| format!("'{s}': expected seconds, e.g. 10 or 0.5"))?;
    if !v.is_finite() || !(0.0..=86_400.0).contains(&v) {
        return Err(format!("'{s}': expected 0 to 86400 seconds"));
    }
    Ok(Duration::from_secs_f64(v))
}

enum Mode {
    List,
    Passthrough(String),
    Verb(Verb),
}

/// Split the verb off the positional arguments and check the flags agree.
fn mode(a: &PowerArgs) -> Result<(Mode, Vec<String>), Usage> {
    let mut targets = a.targets.clone();
    let positional = targets.first().and_then(|t| Verb::parse(t));
    if positional.is_some() {
        targets.remove(0);
    }
    let mut chosen: Vec<Mode> = Vec::new();
    if a.list_reset_types {
        chosen.push(Mode::List);
    }
    if let Some(r) = &a.reset_type {
        chosen.push(Mode::Passthrough(r.clone()));
    }
    for (set, v) in [
        (a.query, Verb::Status),
        (a.on, Verb::On),
        (a.off, Verb::Off),
    ] {
        if set {
            chosen.push(Mode::Verb(v));
        }
    }
    if let Some(v) = positional {
        chosen.push(Mode::Verb(v));
    }
    match chosen.len() {
        0 => Err(Usage(
            "say what to do: status, on, off, reset or cycle (or -q, -1, -0, -r TYPE, -l)".into(),
        )),
        1 => Ok((chosen.remove(0), targets)),
        _ => Err(Usage(
            "give one of: a verb, -q, -1, -0, -r TYPE or -l".into(),
        )),
    }
}

/// Run `magellan power`; `wait` is `-t/--timeout` (seconds to wait for a state).
pub async fn run(a: PowerArgs, s: Settings, wait: Option<u64>) -> Result<i32, Usage> {
    let (mode, exprs) = mode(&a)?;
    let tls_opts = tls(a.insecure || s.insecure, a.cacert.as_deref())?;
    let smd_client = redfish::http_client(&tls_opts, s.timeout)?;
    let smd =
        |url: &str| SmdClient::new(smd_client.clone(), url).with_token(s.access_token.clone());

    let (topology, smd_for_state) = match &a.inventory_file {
        Some(path) => {
            let text = std::fs::read_to_string(path)
                .map_err(|e| Usage(format!("--inventory-file {}: {e}", path.display())))?;
            let inv = inventory::parse_many(&text)
                .map_err(|e| Usage(format!("--inventory-file: {e}")))?;
            (
                Topology::from_inventory(&inv),
                a.smd_url.as_deref().map(smd),
            )
        }
        None => {
            let client = smd(a.smd_url.as_deref().unwrap_or(DEFAULT_SMD));
            let (eps, systems) = tokio::try_join!(
                client.redfish_endpoints(),
                client.component_endpoints("redfish_type=ComputerSystem")
            )
            .map_err(|e| Usage(format!("cannot read BMCs from SMD: {e}")))?;
            (Topology::from_smd(&eps, &systems, &a.scheme), Some(client))
        }
    };

    let mut names = Vec::new();
    for e in &exprs {
        names.extend(hostlist::expand(e)?);
    }
    if !a.group.is_empty() || !a.partition.is_empty() {
        let Some(client) = &smd_for_state else {
            return Err(Usage(
                "--group and --partition need SMD (no -f, or --smd-url)".into(),
            ));
        };
        for g in &a.group {
            names.extend(
                client
                    .group_members(g)
                    .await
                    .map_err(|e| Usage(format!("group {g}: {e}")))?,
            );
        }
        for p in &a.partition {
            names.extend(
                client
                    .partition_members(p)
                    .await
                    .map_err(|e| Usage(format!("partition {p}: {e}")))?,
            );
        }
    }
    let targets = if a.all {
        topology.all()
    } else if names.is_empty() {
        return Err(Usage(
            "no targets: give xnames or hostlists, --group, --partition or --all".into(),
        ));
    } else {
        topology.select(&names)?
    };
    if targets.is_empty() {
        return Err(Usage("no power-controllable nodes".into()));
    }

    let creds = credentials(&a.username, &a.password, a.secrets_file.as_deref())?;
    let request_timeout = a
        .request_timeout
        .map(Duration::from_secs)
        .unwrap_or(s.timeout);
    let client = redfish::http_client(&tls_opts, request_timeout)?;
    let fleet = Fleet::new(client, &targets, s.concurrency, |t| match BmcTarget::parse(
        &t.bmc_base,
        &a.scheme,
    ) {
        Ok(bmc) => creds.for_bmc_with(&bmc, Some(&t.bmc_id), t.stored_credentials.as_ref()),
        Err(_) => (creds.username.clone(), creds.password.clone()),
    });

    let verb = match mode {
        Mode::Passthrough(reset) => {
            let code = passthrough(&fleet, &targets, &reset, s.concurrency).await;
            fleet.close().await;
            return Ok(code);
        }
        Mode::Verb(v) => v,
        Mode::List => {
            print!("{}", list_reset_types(&targets, a.format)?);
            return Ok(EXIT_OK);
        }
    };
    let opts = converge::Options {
        timeout: Duration::from_secs(wait.unwrap_or(300)),
        retries: a.retries,
        poll_interval: a.poll_interval,
        retry_after: a.retry_after,
        graceful_timeout: a.graceful_timeout,
    };
    let bar = Bar::new();
    let outcome = converge::run(&fleet, &targets, verb, &opts, s.concurrency, &bar).await;
    bar.0.finish_and_clear();
    fleet.close().await;

    let (smd_doc, smd_errors) = match &smd_for_state {
        Some(client) => write_state(client, &outcome).await,
        None => (Value::Null, Vec::new()),
    };
    let text = match a.format {
        Format::Table => report::pm_summary(&outcome),
        f => render(&report::document(&outcome, smd_doc), f)?,
    };
    print!("{text}");
    let mut failed = report::problems(&outcome);
    failed.extend(smd_errors);
    Ok(summary(&failed))
}

fn list_reset_types(targets: &[PowerTarget], format: Format) -> Result<String, Usage> {
    Ok(match format {
        Format::Table => targets
            .iter()
            .map(|t| format!("{}\t{}\n", t.node, t.reset_types.join(",")))
            .collect(),
        f => {
            let map: std::collections::BTreeMap<&str, &Vec<String>> = targets
                .iter()
                .map(|t| (t.node.as_str(), &t.reset_types))
                .collect();
            render(&map, f)?
        }
    })
}

/// `-r TYPE`: send it once to each node, print `node: TYPE` per success.
async fn passthrough(
    fleet: &Fleet,
    targets: &[PowerTarget],
    reset: &str,
    concurrency: usize,
) -> i32 {
    let results: Vec<Result<String, String>> = stream::iter(targets)
        .map(|t| async move {
            fleet
                .reset(t, reset)
                .await
                .map(|()| format!("{}: {reset}", t.node))
                .map_err(|e| format!("{}: {e}", t.node))
        })
        .buffered(concurrency.max(1))
        .collect()
        .await;
    let mut failed = Vec::new();
    for r in results {
        match r {
            Ok(line) => println!("{line}"),
            Err(e) => failed.push(e),
        }
    }
    summary(&failed)
}

/// PATCH the State of nodes a request moved (as PCS does); returns what was
/// written and failure lines.
async fn write_state(smd: &SmdClient, o: &Outcome) -> (Value, Vec<String>) {
    let mut doc = serde_json::Map::new();
    let mut errors = Vec::new();
    for state in [PowerState::On, PowerState::Off] {
        let ids: Vec<String> = o
            .changed()
            .into_iter()
            .filter(|n| n.state == state)
            .map(|n| n.xname.clone())
            .collect();
        if ids.is_empty() {
            continue;
        }
        match smd.set_state(&ids, state.as_str()).await {
            Ok(()) => {
                doc.insert(state.as_str().into(), json!(hostlist::fold(&ids)));
            }
            Err(e) => errors.push(format!(
                "SMD State {} of {} not written: {e}",
                state.as_str(),
                hostlist::fold(&ids)
            )),
        }
    }
    if !errors.is_empty() {
        doc.insert("errors".into(), json!(errors));
    }
    (Value::Object(doc), errors)
}

/// A progress bar on a terminal, nothing otherwise.
struct Bar(indicatif::ProgressBar);

impl Bar {
    fn new() -> Bar {
        if !std::io::IsTerminal::is_terminal(&std::io::stderr()) {
            return Bar(indicatif::ProgressBar::hidden());
        }
        let bar = indicatif::ProgressBar::new(0);
        if let Ok(style) = indicatif::ProgressStyle::with_template(
            "{spinner} [{elapsed_precise}] {msg:>20} {wide_bar} {pos}/{len}",
        ) {
            bar.set_style(style);
        }
        bar.enable_steady_tick(Duration::from_millis(200));
        Bar(bar)
    }
}

impl Progress for Bar {
    fn phase(&self, name: &str, total: usize) {
        self.0.set_message(name.to_owned());
        self.0.set_length(total as u64);
        self.0.set_position(0);
    }

    fn settled(&self, settled: usize) {
        self.0.set_position(settled as u64);
    }
}
