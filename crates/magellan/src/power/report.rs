//! The outcome as the operator reads it: `pm -q`'s three lines with folded
//! ranges, the reasons for every node not where it should be, and a JSON
//! document for scripts. Pure functions; the caller prints.

use serde_json::{json, Value};

use super::converge::Outcome;
use super::fleet::PowerState;
use crate::hostlist;

/// Nodes by final state: (on, off, unknown), each folded.
pub fn ranges(o: &Outcome) -> (String, String, String) {
    let pick = |f: &dyn Fn(PowerState) -> bool| {
        hostlist::fold(
            o.nodes
                .iter()
                .filter(|n| f(n.state))
                .map(|n| n.xname.as_str()),
        )
    };
    (
        pick(&|s| s == PowerState::On),
        pick(&|s| s == PowerState::Off),
        pick(&|s| !matches!(s, PowerState::On | PowerState::Off)),
    )
}

/// `on:      x1000c1s7b0n[0-5]` / `off:     ` / `unknown: ` (as `pm -q`).
pub fn pm_summary(o: &Outcome) -> String {
    let (on, off, unknown) = ranges(o);
    format!("on:      {on}\noff:     {off}\nunknown: {unknown}\n")
}

/// One line per node not where it should be: `xname: reason`.
pub fn problems(o: &Outcome) -> Vec<String> {
    o.failed()
        .map(|n| {
            let why = n.error.as_deref().unwrap_or("wrong state");
            match o.wanted {
                Some(w) => format!(
                    "{}: {} (wanted {}): {why}",
                    n.xname,
                    n.state.as_str(),
                    w.as_str()
                ),
                None => format!("{}: {}: {why}", n.xname, n.state.as_str()),
            }
        })
        .collect()
}

/// The whole outcome for `--format json|yaml`; `smd` says what was written
/// back (`{"On": [..], "Off": [..]}`, errors).
pub fn document(o: &Outcome, smd: Value) -> Value {
    let (on, off, unknown) = ranges(o);
    json!({
        "action": o.verb.as_str(),
        "wanted": o.wanted.map(PowerState::as_str),
        "on": on,
        "off": off,
        "unknown": unknown,
        "ok": o.failed().next().is_none(),
        "nodes": o.nodes,
        "smd": smd,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::power::converge::{NodeResult, Verb};

    fn node(x: &str, state: PowerState, ok: bool) -> NodeResult {
        NodeResult {
            xname: x.into(),
            initial: PowerState::Off,
            state,
            requests: 1,
            error: (!ok).then(|| "https://127.0.0.1:9/: timed out".into()),
            ok,
        }
    }

    #[test]
    fn summary_has_pm_q_shape() {
        let mut nodes: Vec<NodeResult> = (0..6)
            .map(|k| node(&format!("x1000c1s7b0n{k}"), PowerState::On, true))
            .collect();
        nodes.push(node("x1000c1s8b0n0", PowerState::Unknown, false));
        nodes.push(node("x1000c1s9b0n0", PowerState::Off, false));
        let o = Outcome {
            verb: Verb::On,
            wanted: Some(PowerState::On),
            nodes,
        };
        assert_eq!(
            pm_summary(&o),
            "on:      x1000c1s7b0n[0-5]\noff:     x1000c1s9b0n0\nunknown: x1000c1s8b0n0\n"
        );
        let p = problems(&o);
        assert_eq!(p.len(), 2);
        assert!(p[0].starts_with("x1000c1s8b0n0: Unknown (wanted On): https://"));
        let doc = document(&o, json!(null));
        assert_eq!(doc["ok"], false);
        assert_eq!(doc["nodes"][6]["state"], "Unknown");
    }
}
