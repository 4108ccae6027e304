//! The parts of iPXE's script grammar bss's scripts rely on, checked on every
//! script the tests receive (the QEMU end-to-end test boots real iPXE with them).

use std::collections::HashSet;

/// `${name}` expansions are well formed; returns the line with them replaced
/// by a placeholder so URLs can be parsed.
fn expand(line: &str) -> String {
    let mut out = String::new();
    let mut rest = line;
    while let Some(i) = rest.find("${") {
        out.push_str(&rest[..i]);
        let tail = &rest[i + 2..];
        let end = tail
            .find('}')
            .unwrap_or_else(|| panic!("unterminated ${{ in {line:?}"));
        let name = &tail[..end];
        assert!(
            !name.is_empty()
                && name
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b"/_.:-".contains(&b)),
            "bad setting name {name:?} in {line:?}"
        );
        out.push('X');
        rest = &tail[end + 1..];
    }
    out.push_str(rest);
    out
}

fn url(s: &str, line: &str) {
    let u = url::Url::parse(&expand(s)).unwrap_or_else(|e| panic!("{s:?} in {line:?}: {e}"));
    assert!(
        matches!(u.scheme(), "http" | "https" | "tftp"),
        "iPXE cannot fetch {s:?}"
    );
}

/// Panic unless `script` follows the rules.
pub fn check(script: &str) {
    assert!(
        script.starts_with("#!ipxe\n"),
        "no #!ipxe header: {script:?}"
    );
    assert!(script.ends_with('\n'), "no final newline: {script:?}");
    let mut labels = HashSet::new();
    let mut gotos = Vec::new();
    let mut initrd_line = false;
    let mut kernel_args: Vec<String> = Vec::new();
    for line in script.lines().skip(1) {
        assert!(
            line.bytes().all(|b| (0x20..0x7f).contains(&b)),
            "control or non-ASCII character in {line:?}"
        );
        if line.is_empty() {
            continue;
        }
        assert!(!line.starts_with(' ') && !line.ends_with(' '), "{line:?}");
        assert!(!line.contains('#'), "'#' outside the header: {line:?}");
        if let Some(label) = line.strip_prefix(':') {
            assert!(
                !label.is_empty()
                    && label
                        .bytes()
                        .all(|b| b.is_ascii_alphanumeric() || b == b'_'),
                "bad label {line:?}"
            );
            labels.insert(label.to_owned());
            continue;
        }
        assert!(!line.contains("&&"), "{line:?}");
        let (cmd, fallback) = match line.split_once(" || ") {
            Some((cmd, fb)) => (cmd, Some(fb)),
            None => (line, None),
        };
        assert!(!cmd.contains("||"), "more than one || in {line:?}");
        if let Some(fb) = fallback {
            let target = fb
                .strip_prefix("goto ")
                .unwrap_or_else(|| panic!("only `|| goto <label>` is used: {line:?}"));
            gotos.push(target.to_owned());
        }
        let words: Vec<&str> = cmd.split(' ').collect();
        assert!(
            words.iter().all(|w| !w.is_empty()),
            "double space in {line:?}"
        );
        match words[0] {
            "kernel" | "initrd" => {
                assert_eq!(words.get(1), Some(&"--name"), "{line:?}");
                assert_eq!(
                    words.get(2),
                    Some(&words[0]),
                    "image named as its kind: {line:?}"
                );
                url(
                    words.get(3).unwrap_or_else(|| panic!("no URL: {line:?}")),
                    line,
                );
                if words[0] == "initrd" {
                    assert_eq!(words.len(), 4, "{line:?}");
                    initrd_line = true;
                } else {
                    kernel_args = words[4..].iter().map(|w| w.to_string()).collect();
                }
            }
            "boot" => assert_eq!(words.len(), 1, "{line:?}"),
            "sleep" => {
                assert_eq!(words.len(), 2, "{line:?}");
                words[1]
                    .parse::<u32>()
                    .unwrap_or_else(|e| panic!("{line:?}: {e}"));
            }
            "chain" => {
                assert_eq!(words.len(), 2, "{line:?}");
                url(words[1], line);
            }
            "goto" => gotos.push(words.get(1).unwrap_or(&"").to_string()),
            other => panic!("command {other:?} is not one bss emits: {line:?}"),
        }
    }
    for g in gotos {
        assert!(labels.contains(&g), "goto {g} has no label");
    }
    if initrd_line {
        assert_eq!(
            kernel_args.first().map(String::as_str),
            Some("initrd=initrd"),
            "UEFI needs initrd=initrd first on the kernel line"
        );
    }
}

#[test]
fn the_checker_rejects_what_ipxe_would_trip_on() {
    check("#!ipxe\nkernel --name kernel http://h/k initrd=initrd || goto r\ninitrd --name initrd http://h/i || goto r\nboot || goto r\n:r\nsleep 1\nchain http://h/b?mac=${net0/mac}&arch=${buildarch}\n\n");
    for bad in [
        "kernel http://h/k\n",
        "#!ipxe\nboot || goto nowhere\n",
        "#!ipxe\nkernel --name kernel http://h/k || goto r\ninitrd --name initrd http://h/i\n:r\n",
        "#!ipxe\nchain http://h/${oops\n",
        "#!ipxe\nimgfetch http://h/x\n",
    ] {
        assert!(std::panic::catch_unwind(|| check(bad)).is_err(), "{bad:?}");
    }
}
