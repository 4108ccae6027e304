//! The seed's command line, `magellan.sh --scan "<scan args>" --collect
//! "<collect args>"`: scan, then collect (which sends to SMD), stopping at
//! the first verb that fails. The binary answers to that name (`argv[0]`
//! ending in `magellan.sh`), so a container image with no shell runs the
//! seed's `docker run … /magellan.sh --scan … --collect …` unchanged; the
//! script in the repository only execs the binary under that name.

use std::ffi::OsString;
use std::path::Path;

use clap::Parser;

use crate::cli::{self, Cli};
use crate::EXIT_USAGE;

/// The name the wrapper answers to.
pub const NAME: &str = "magellan.sh";

const USAGE: &str = "usage: magellan.sh --scan \"<scan args>\" --collect \"<collect args>\"";

/// The process entry point: the wrapper when invoked as `magellan.sh`,
/// magellan's own command line otherwise. Returns the exit code.
pub fn main() -> i32 {
    let mut args = std::env::args_os();
    let argv0 = args.next().unwrap_or_default();
    if !invoked_as_wrapper(&argv0) {
        return cli::main();
    }
    let rest: Result<Vec<String>, OsString> = args.map(OsString::into_string).collect();
    let verbs = match rest
        .map_err(|a| format!("argument is not UTF-8: {a:?}"))
        .and_then(|a| verbs(&a))
    {
        Ok(v) => v,
        Err(e) => {
            eprintln!("magellan.sh: {e}\n{USAGE}");
            return EXIT_USAGE;
        }
    };
    for argv in verbs {
        let code = cli::main_with(Cli::parse_from(argv));
        if code != 0 {
            return code;
        }
    }
    0
}

fn invoked_as_wrapper(argv0: &OsString) -> bool {
    Path::new(argv0).file_name().is_some_and(|n| n == NAME)
}

/// The magellan command lines `magellan.sh ARGS` stands for, in order. Each
/// parameter string is split on whitespace, as the shell splits an unquoted
/// `$SCAN_PARAMS`.
pub fn verbs(args: &[String]) -> Result<Vec<Vec<String>>, String> {
    let (mut scan, mut collect) = (None, None);
    let mut it = args.iter();
    while let Some(flag) = it.next() {
        let slot = match flag.as_str() {
            "--scan" => &mut scan,
            "--collect" => &mut collect,
            "-h" | "--help" => return Err("help requested".into()),
            other => return Err(format!("unknown argument: {other}")),
        };
        let value = it.next().ok_or_else(|| format!("{flag} needs a value"))?;
        *slot = Some(value.clone());
    }
    let out: Vec<Vec<String>> = [("scan", scan), ("collect", collect)]
        .into_iter()
        .filter_map(|(verb, params)| {
            params.map(|p| {
                ["magellan", verb]
                    .into_iter()
                    .map(str::to_owned)
                    .chain(p.split_whitespace().map(str::to_owned))
                    .collect()
            })
        })
        .collect();
    if out.is_empty() {
        return Err("give --scan, --collect or both".into());
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn s(v: &[&str]) -> Vec<String> {
        v.iter().map(|a| a.to_string()).collect()
    }

    #[test]
    fn the_seeds_line_is_a_scan_then_a_collect() {
        let v = verbs(&s(&[
            "--scan",
            "--subnet 172.16.0.0/24 --port 443  --timeout 3",
            "--collect",
            "--user admin --pass password --host http://vm01 --port 27779",
        ]))
        .unwrap();
        assert_eq!(
            v,
            vec![
                s(&[
                    "magellan",
                    "scan",
                    "--subnet",
                    "172.16.0.0/24",
                    "--port",
                    "443",
                    "--timeout",
                    "3"
                ]),
                s(&[
                    "magellan",
                    "collect",
                    "--user",
                    "admin",
                    "--pass",
                    "password",
                    "--host",
                    "http://vm01",
                    "--port",
                    "27779"
                ]),
            ]
        );
        // Order on the command line does not change the order of the verbs.
        let v = verbs(&s(&["--collect", "-u a", "--scan", "10.0.0.1"])).unwrap();
        assert_eq!(v[0][1], "scan");
        assert_eq!(v[1][1], "collect");
    }

    #[test]
    fn bad_lines_are_usage_errors() {
        for args in [&[][..], &["--scan"], &["--frob", "x"], &["--help"]] {
            assert!(verbs(&s(args)).is_err(), "{args:?}");
        }
    }

    #[test]
    fn only_that_name_selects_the_wrapper() {
        assert!(invoked_as_wrapper(&"/magellan.sh".into()));
        assert!(invoked_as_wrapper(&"magellan.sh".into()));
        assert!(!invoked_as_wrapper(&"/usr/local/bin/magellan".into()));
    }
}
