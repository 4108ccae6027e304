//! Hostlist expressions, as pdsh, powerman and ClusterShell write them:
//! `x1000c1s7b0n[0-5]`, `x1000c1s[1-7]b0n0`, comma lists, several bracketed
//! dimensions. [`expand`] turns one into names, [`fold`] turns names back into
//! the compact form `pm -q` prints.
//!
//! Parsing and folding are the `nodeset` crate's (a port of ClusterShell's
//! NodeSet); this module only adapts it. It never resolves `@group`s (its
//! resolver could run commands): SMD groups are `--group`.

use nodeset::NodeSet;

/// More names than any cluster has: a typo such as `n[0-99999999]` is an
/// error, not an out-of-memory.
pub const MAX_NAMES: usize = 1_000_000;

/// Every name an expression stands for, lower-cased (xnames are), in the
/// expression's order of dimensions (numerically sorted).
pub fn expand(expr: &str) -> Result<Vec<String>, String> {
    let expr = expr.trim();
    if expr.is_empty() {
        return Err("empty target".into());
    }
    if expr.contains('@') {
        return Err(format!(
            "{expr}: '@' groups are not hostlist syntax here (use --group or --partition)"
        ));
    }
    let set: NodeSet = expr
        .to_ascii_lowercase()
        .parse()
        .map_err(|e| format!("{expr}: not a hostlist ({e}); expected e.g. x1000c1s7b0n[0-5]"))?;
    if set.len() > MAX_NAMES {
        return Err(format!(
            "{expr}: {} names, more than {MAX_NAMES}",
            set.len()
        ));
    }
    Ok(set.iter().collect())
}

/// The compact form of a set of names (`x1000c1s7b0n[0-5],x1000c1s8b0n0`);
/// empty for none.
pub fn fold<S: AsRef<str>>(names: impl IntoIterator<Item = S>) -> String {
    // A name the syntax cannot hold (brackets, operators, spaces) is listed as is.
    let (plain, odd): (Vec<String>, Vec<String>) = names
        .into_iter()
        .map(|n| n.as_ref().to_owned())
        .filter(|n| !n.is_empty())
        .partition(|n| !n.contains(['@', '[', ']', ',', '!', '&', '^', ' ', '(', ')']));
    // One parse of the whole list folds once (a union per name would refold each time).
    let mut out = match plain.join(",").parse::<NodeSet>() {
        Ok(set) => set.to_string(),
        Err(_) => plain.join(","),
    };
    for n in odd {
        if !out.is_empty() {
            out.push(',');
        }
        out.push_str(&n);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn expands_ranges_products_and_lists() {
        assert_eq!(
            expand("x1000c1s7b0n[0-5]").unwrap(),
            (0..6)
                .map(|k| format!("x1000c1s7b0n{k}"))
                .collect::<Vec<_>>()
        );
        assert_eq!(expand("x1000c1s[1-7]b0n0").unwrap().len(), 7);
        assert_eq!(
            expand("x1000c1s[1-2]b0n[0-1]").unwrap(),
            [
                "x1000c1s1b0n0",
                "x1000c1s1b0n1",
                "x1000c1s2b0n0",
                "x1000c1s2b0n1"
            ]
        );
        assert_eq!(
            expand("x1000c1s1b0n0,X1000C1S2B0N0").unwrap(),
            ["x1000c1s1b0n0", "x1000c1s2b0n0"]
        );
        assert_eq!(expand("cg[01-03]").unwrap(), ["cg01", "cg02", "cg03"]);
    }

    #[test]
    fn bad_expressions_are_errors_not_panics() {
        for bad in [
            "", "x1[", "x1[3-", "x1[a-b]", "x1[5-2", "@compute", "x[1-2]]",
        ] {
            assert!(expand(bad).is_err(), "{bad:?} should be refused");
        }
    }

    #[test]
    fn folds_back_to_ranges() {
        let names: Vec<String> = (0..6).map(|k| format!("x1000c1s7b0n{k}")).collect();
        assert_eq!(fold(&names), "x1000c1s7b0n[0-5]");
        assert_eq!(
            fold([
                "x1000c1s3b0n0",
                "x1000c1s1b0n0",
                "x1000c1s2b0n0",
                "x1000c1s7b0n0"
            ]),
            "x1000c1s[1-3,7]b0n0"
        );
        assert_eq!(fold(["cg01", "cg02", "cg03"]), "cg[01-03]");
        assert_eq!(fold(Vec::<String>::new()), "");
        let mut fleet: Vec<String> = (0..6).map(|k| format!("x1000c1s7b0n{k}")).collect();
        fleet.extend(
            (1..=16)
                .filter(|s| *s != 7)
                .map(|s| format!("x1000c1s{s}b0n0")),
        );
        assert_eq!(fold(&fleet), "x1000c1s[1-6,8-16]b0n0,x1000c1s7b0n[0-5]");
        assert_eq!(
            fold(["x1000c1s3b0n0", "x1000c1s7b0n4"]),
            "x1000c1s3b0n0,x1000c1s7b0n4"
        );
        let round: Vec<String> = expand(&fold(expand("x1000c1s[1-7]b0n[0-5]").unwrap())).unwrap();
        assert_eq!(round.len(), 42);
    }

    proptest::proptest! {
        /// Whatever an operator types, the answer is names or an error.
        #[test]
        fn any_input_expands_or_is_refused(expr in "[xcsbn0-9\\[\\],\\-/!&^() @]{0,24}") {
            if let Ok(names) = expand(&expr) {
                proptest::prop_assert!(names.len() <= MAX_NAMES);
                let _ = fold(&names);
            }
        }
    }
}
