//! The iPXE boot script text, as OpenCHAMI's `buildBootScript` and
//! `unknownBootScript` write it. Pure functions of their inputs: no I/O, no clock.

/// What a boot script is built from.
#[derive(Debug, Clone, Default)]
pub struct ScriptInput<'a> {
    pub kernel: &'a str,
    pub initrd: &'a str,
    /// The stored kernel command line.
    pub params: &'a str,
    /// `xname=`, `nid=`, `BOOTIF=` are added only for a known node.
    pub xname: Option<&'a str>,
    pub nid: Option<i64>,
    /// `01-aa-bb-..` when the request named a MAC.
    pub bootif: Option<String>,
    /// cloud-init base URL, without the trailing `/`.
    pub advertise: &'a str,
    /// Seconds to sleep before chaining back after a failure.
    pub retry_delay: u64,
    /// The whole `chain ...` line of the retry path.
    pub chain: &'a str,
}

/// OpenCHAMI `paramExists`: some space-separated token starts with `name`.
fn has_param(params: &str, name: &str) -> bool {
    params.split(' ').any(|t| t.starts_with(name))
}

/// OpenCHAMI `checkParam`: append ` name value` unless present or `value` empty.
fn add_param(params: &mut String, name: &str, value: &str) {
    if !value.is_empty() && !has_param(params, name) {
        params.push(' ');
        params.push_str(name);
        params.push_str(value);
    }
}

/// The kernel command line the script passes (everything after the kernel URL).
pub fn kernel_cmdline(i: &ScriptInput<'_>) -> String {
    let mut params = i.params.to_owned();
    if let Some(x) = i.xname {
        add_param(&mut params, "xname=", x);
    }
    if let Some(n) = i.nid {
        add_param(&mut params, "nid=", &n.to_string());
    }
    if let Some(b) = &i.bootif {
        add_param(&mut params, "BOOTIF=", b);
    }
    add_param(
        &mut params,
        "ds=",
        &format!("nocloud-net;s={}/", i.advertise),
    );
    if !i.initrd.is_empty() {
        // The kernel's EFI stub finds the initrd only by this name (see
        // NETBOOT-LAB.md); any operator-given `initrd=` would point elsewhere.
        let rest: Vec<&str> = params
            .split(' ')
            .filter(|t| !t.is_empty() && !t.starts_with("initrd="))
            .collect();
        params = format!("initrd=initrd {}", rest.join(" "));
    }
    params.trim_matches(' ').to_owned()
}

/// The script that boots `i.kernel` (caller checked it is not empty).
pub fn boot_script(i: &ScriptInput<'_>) -> String {
    let mut s = String::from("#!ipxe\n");
    s.push_str("kernel --name kernel ");
    s.push_str(i.kernel);
    let cmdline = kernel_cmdline(i);
    if !cmdline.is_empty() {
        s.push(' ');
        s.push_str(&cmdline);
    }
    s.push_str(" || goto boot_retry\n");
    if !i.initrd.is_empty() {
        s.push_str("initrd --name initrd ");
        s.push_str(i.initrd);
        s.push_str(" || goto boot_retry\n");
    }
    s.push_str("boot || goto boot_retry\n:boot_retry\n");
    s.push_str(&format!("sleep {}\n{}\n", i.retry_delay, i.chain));
    s
}

/// The script for a node BSS cannot place yet: wait, then ask again.
pub fn retry_script(delay: u64, chain: &str) -> String {
    format!("#!ipxe\nsleep {delay}\n{chain}\n")
}

/// How a node identified itself in the request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Ident {
    Mac(String),
    Name(String),
    Nid(i64),
    /// Nothing usable: iPXE fills in its first NIC's MAC.
    Unset,
}

impl Ident {
    fn query(&self) -> String {
        match self {
            Ident::Mac(m) => format!("mac={m}"),
            Ident::Name(n) => format!("name={n}"),
            Ident::Nid(n) => format!("nid={n}"),
            Ident::Unset => "mac=${net/net0}".to_owned(),
        }
    }
}

/// A known node's retry line: `chain <base>/boot/v1/bootscript?mac=..&retry=N`.
pub fn known_chain(base: &str, who: &Ident, retry: i64) -> String {
    format!(
        "chain {base}/boot/v1/bootscript?{}&retry={}",
        who.query(),
        retry.saturating_add(1)
    )
}

/// An unknown node's line: ask again with the architecture iPXE was built for.
pub fn unknown_chain(base: &str, who: &Ident, ts: i64) -> String {
    format!(
        "chain {base}/boot/v1/bootscript?{}&arch=${{buildarch}}&ts={ts}",
        who.query()
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn known<'a>(params: &'a str, initrd: &'a str, chain: &'a str) -> ScriptInput<'a> {
        ScriptInput {
            kernel: "http://10.0.0.1/vmlinuz",
            initrd,
            params,
            xname: Some("x1000c1s7b0n0"),
            nid: Some(1),
            bootif: Some("01-aa-bb-cc-dd-ee-ff".into()),
            advertise: "http://10.0.0.1:27778",
            retry_delay: 30,
            chain,
        }
    }

    #[test]
    fn known_node_script_is_exact() {
        let chain = known_chain(
            "http://10.0.0.1:27778",
            &Ident::Mac("aa:bb:cc:dd:ee:ff".into()),
            0,
        );
        let s = boot_script(&known(
            "console=ttyS0,115200",
            "http://10.0.0.1/initrd.img",
            &chain,
        ));
        assert_eq!(
            s,
            "#!ipxe\n\
             kernel --name kernel http://10.0.0.1/vmlinuz initrd=initrd console=ttyS0,115200 xname=x1000c1s7b0n0 nid=1 BOOTIF=01-aa-bb-cc-dd-ee-ff ds=nocloud-net;s=http://10.0.0.1:27778/ || goto boot_retry\n\
             initrd --name initrd http://10.0.0.1/initrd.img || goto boot_retry\n\
             boot || goto boot_retry\n\
             :boot_retry\n\
             sleep 30\n\
             chain http://10.0.0.1:27778/boot/v1/bootscript?mac=aa:bb:cc:dd:ee:ff&retry=1\n"
        );
    }

    #[test]
    fn present_keys_are_not_appended_twice() {
        let s = kernel_cmdline(&known(
            "nid=7 xname=x1 initrd=other.img ds=nocloud;s=http://elsewhere/ quiet",
            "http://h/i",
            "",
        ));
        assert_eq!(
            s,
            "initrd=initrd nid=7 xname=x1 ds=nocloud;s=http://elsewhere/ quiet BOOTIF=01-aa-bb-cc-dd-ee-ff"
        );
    }

    #[test]
    fn no_initrd_no_initrd_line() {
        let s = boot_script(&ScriptInput {
            kernel: "http://h/k",
            advertise: "http://h",
            retry_delay: 5,
            chain: "chain http://h/boot/v1/bootscript?name=x1&retry=3",
            ..Default::default()
        });
        assert_eq!(
            s,
            "#!ipxe\n\
             kernel --name kernel http://h/k ds=nocloud-net;s=http://h/ || goto boot_retry\n\
             boot || goto boot_retry\n\
             :boot_retry\n\
             sleep 5\n\
             chain http://h/boot/v1/bootscript?name=x1&retry=3\n"
        );
    }

    #[test]
    fn unknown_node_chains_back_with_arch() {
        let chain = unknown_chain("http://h:1", &Ident::Mac("aa:bb:cc:dd:ee:ff".into()), 42);
        assert_eq!(
            retry_script(10, &chain),
            "#!ipxe\nsleep 10\nchain http://h:1/boot/v1/bootscript?mac=aa:bb:cc:dd:ee:ff&arch=${buildarch}&ts=42\n"
        );
        assert_eq!(
            unknown_chain("http://h", &Ident::Unset, 1),
            "chain http://h/boot/v1/bootscript?mac=${net/net0}&arch=${buildarch}&ts=1"
        );
        assert_eq!(
            known_chain("http://h", &Ident::Nid(4), 2),
            "chain http://h/boot/v1/bootscript?nid=4&retry=3"
        );
    }
}
