//! `GET /boot/v1/bootscript`: the iPXE script a node boots.
//!
//! As OpenCHAMI: a known node (see [`crate::smd`]) gets its parameters (xname,
//! MAC, NID, role, `Default`); an unknown one gets `Unknown-<arch>` when it
//! said its architecture, else a script that waits and asks again with it.
//! A known node without a kernel is treated as unknown, as OpenCHAMI does:
//! the first request (no `arch`) gets the chain that asks for it, the second
//! boots `Unknown-<arch>` or is the 404.
//! Deliberately different: `BOOTIF=` is added when the node asked by MAC; the
//! referral token is not put on the kernel line (OpenCHAMI's etcd mode does,
//! its SQL mode does not, and current OpenCHAMI dropped it).

use actix_web::http::header::{HeaderName, CONTENT_TYPE};
use actix_web::{web, HttpRequest, HttpResponse};
use ochami_service::http::{allow, Problem, QueryParams};
use ochami_types::{MacAddr, Xname};
use serde::Serialize;

use super::Bases;
use crate::model::{Key, UNKNOWN_PREFIX};
use crate::script::{self, Ident, ScriptInput};
use crate::smd::{Node, Snapshot};
use crate::AppState;

/// Which node and which rule a script came from.
pub const X_OCHAMI_NODE: HeaderName = HeaderName::from_static("x-ochami-node");

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(
        web::resource("/bootscript")
            .route(web::get().to(bootscript))
            .default_service(allow("GET")),
    );
}

/// An image reference of `?json=1`.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Image {
    pub path: String,
    pub params: String,
}

/// `?json=1`: the resolved boot data instead of the script.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct BootData {
    /// The full kernel command line the script would pass.
    pub params: String,
    pub kernel: Image,
    pub initrd: Image,
    /// The node's xname; empty for an unknown node.
    pub xname: String,
    /// The key that chose the parameters, e.g. `mac aa:bb:cc:dd:ee:ff`.
    pub rule: String,
}

struct Request {
    mac: Option<MacAddr>,
    name: Option<String>,
    nid: Option<i64>,
    arch: Option<String>,
    retry: i64,
    ts: i64,
    json: bool,
}

fn parse(q: &QueryParams) -> Result<Request, Problem> {
    let present = |n: &str| q.first(n).map(str::trim).filter(|v| !v.is_empty());
    let mac = present("mac")
        .map(|v| {
            v.parse::<MacAddr>()
                .map_err(|e| Problem::bad_request(format!("bad query param 'mac': {e}")))
        })
        .transpose()?;
    // A name that is an xname is normalised; anything else can only miss.
    let name = present("name").map(|v| {
        v.parse::<Xname>()
            .map(|x| x.as_str().to_owned())
            .unwrap_or_else(|_| v.to_owned())
    });
    // As OpenCHAMI's getIntParam with default -1 and `nid >= 0`: a NID that
    // is negative or not an integer is no NID.
    let nid = present("nid")
        .and_then(|v| v.parse::<i64>().ok())
        .filter(|n| *n >= 0);
    let arch = present("arch").map(str::to_owned);
    if let Some(a) = &arch {
        if !a.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_') {
            return Err(Problem::bad_request(format!(
                "bad query param 'arch': '{a}' (expected iPXE's ${{buildarch}}, e.g. x86_64)"
            )));
        }
    }
    let retry = match present("retry") {
        Some(_) => q.parse_first::<i64>("retry")?.unwrap_or(0),
        None => 0,
    };
    let ts = match present("ts") {
        Some(_) => q.parse_first::<i64>("ts")?.unwrap_or(0),
        None => chrono::Utc::now().timestamp(),
    };
    let json = match present("json") {
        Some(v) => v != "0" && !v.eq_ignore_ascii_case("false"),
        None => false,
    };
    if mac.is_none() && name.is_none() && nid.is_none() {
        return Err(Problem::bad_request(
            "Need a mac=, name=, or nid= parameter",
        ));
    }
    Ok(Request {
        mac,
        name,
        nid,
        arch,
        retry,
        ts,
        json,
    })
}

fn find<'a>(snap: &'a Snapshot, r: &Request) -> Option<&'a Node> {
    if let Some(m) = &r.mac {
        snap.by_mac(m)
    } else if let Some(n) = &r.name {
        snap.by_name(n)
    } else {
        r.nid.and_then(|n| snap.by_nid(n))
    }
}

/// A config's kernel, initrd and parameters as the script gives them: with
/// S3 configured, `s3://` URLs presigned (OpenCHAMI `checkURL` and
/// `replaceS3Params`), else as stored.
struct Images {
    kernel: String,
    initrd: String,
    params: String,
}

impl Images {
    fn of(cfg: &crate::Config, conf: &crate::model::BootConfig) -> Images {
        match &cfg.s3 {
            None => Images {
                kernel: conf.kernel.clone(),
                initrd: conf.initrd.clone(),
                params: conf.params.clone(),
            },
            Some(s3) => {
                let now = chrono::Utc::now();
                Images {
                    kernel: s3.url(&conf.kernel, now),
                    initrd: s3.url(&conf.initrd, now),
                    params: s3.params(&conf.params, now),
                }
            }
        }
    }
}

fn text(script: String, node: &str) -> HttpResponse {
    let mut res = HttpResponse::Ok();
    res.insert_header((CONTENT_TYPE, "text/plain; charset=UTF-8"));
    res.insert_header((X_OCHAMI_NODE, node.to_owned()));
    // OpenCHAMI writes "%s\n": the script's own newline plus one.
    res.body(format!("{script}\n"))
}

/// The boot script for the node named by `mac`, `name` or `nid`.
#[utoipa::path(get, path = "/boot/v1/bootscript", operation_id = "bootscript_get", tag = "bootscript",
    params(
        ("mac" = Option<String>, Query, description = "MAC the node boots from (iPXE `${mac}`)", example = "52:54:00:00:00:00"),
        ("name" = Option<String>, Query, description = "node xname", example = "x1000c1s7b0n0"),
        ("nid" = Option<i64>, Query, description = "node NID", example = 1),
        ("arch" = Option<String>, Query, description = "iPXE `${buildarch}`, for unknown nodes", example = "x86_64"),
        ("retry" = Option<i64>, Query, description = "retries so far"),
        ("ts" = Option<i64>, Query, description = "timestamp of the first request"),
        ("json" = Option<i64>, Query, description = "non-zero: the resolved boot data as JSON"),
    ),
    responses(
        (status = 200, description = "iPXE script (or BootData with json=1); header X-Ochami-Node names the node and rule",
            content((String = "text/plain"), (BootData = "application/json"))),
        (status = 400, body = ochami_types::ProblemDetails),
        (status = 404, description = "not configured for booting", body = ochami_types::ProblemDetails),
    ))]
pub async fn bootscript(
    req: HttpRequest,
    q: QueryParams,
    state: web::Data<AppState>,
) -> Result<HttpResponse, Problem> {
    let r = parse(&q)?;
    let cfg = &state.config;
    let bases = Bases::of(&req, cfg);

    let mut snap = state.smd.snapshot();
    // A miss: SMD may know it by now (rate-limited, shared by all misses).
    if find(&snap, &r).is_none() && state.smd.refresh(false).await {
        snap = state.smd.snapshot();
    }
    let node = find(&snap, &r);
    let table = state.params.get(&state.store).await?;

    let ident = match (&r.mac, &r.name, r.nid) {
        (Some(m), _, _) => Ident::Mac(m.to_string()),
        (None, Some(n), _) => Ident::Name(n.clone()),
        (None, None, Some(n)) => Ident::Nid(n),
        _ => Ident::Unset,
    };
    let descr = match (&r.mac, &r.name, r.nid) {
        (Some(m), _, _) => format!("MAC {m}"),
        (None, Some(n), _) => n.clone(),
        (None, None, Some(n)) => format!("NID {n}"),
        _ => String::new(),
    };

    if let Some(node) = node.filter(|n| n.bootable()) {
        let descr = if descr == node.id {
            descr
        } else {
            format!("{descr} ({})", node.id)
        };
        let Some((conf, key)) = table
            .for_node(node, r.mac)
            .filter(|(c, _)| !c.kernel.is_empty())
        else {
            return unknown_known_node(&state, &bases, &r, node, &table, &descr);
        };
        let chain = script::known_chain(&bases.chain, &ident, r.retry);
        let img = Images::of(cfg, conf);
        let input = ScriptInput {
            kernel: &img.kernel,
            initrd: &img.initrd,
            params: &img.params,
            xname: Some(&node.id),
            nid: node.nid,
            bootif: r.mac.map(|m| m.to_bootif()),
            advertise: &bases.advertise,
            retry_delay: cfg.retry_delay,
            chain: &chain,
        };
        state
            .access
            .record(&node.id, "bootscript", chrono::Utc::now().timestamp());
        let tag = format!("{} ({key})", node.id);
        if r.json {
            return Ok(json_reply(&input, &node.id, &key, &tag));
        }
        return Ok(text(script::boot_script(&input), &tag));
    }

    let chain = script::unknown_chain(&bases.chain, &ident, r.ts);
    let Some(arch) = &r.arch else {
        return Ok(text(
            script::retry_script(cfg.hsm_retrieval_delay, &chain),
            "unknown",
        ));
    };
    let key = Key::host(format!("{UNKNOWN_PREFIX}{arch}"));
    let Some(conf) = table.get(&key).filter(|c| !c.kernel.is_empty()) else {
        return Err(Problem::not_found(format!(
            "Unknown {descr} architecture {arch}: this host not configured for booting."
        )));
    };
    let img = Images::of(cfg, conf);
    let input = ScriptInput {
        kernel: &img.kernel,
        initrd: &img.initrd,
        params: &img.params,
        advertise: &bases.advertise,
        retry_delay: cfg.retry_delay,
        chain: &chain,
        ..Default::default()
    };
    let tag = format!("unknown ({key})");
    if r.json {
        return Ok(json_reply(&input, "", &key, &tag));
    }
    Ok(text(script::boot_script(&input), &tag))
}

/// A known node with no kernel to boot, which OpenCHAMI treats as unknown:
/// without `arch`, the chain that asks for it (naming the node by its MAC,
/// else its xname); with it, `Unknown-<arch>` (booted without the node's
/// xname, as OpenCHAMI), else 404 with OpenCHAMI's text.
fn unknown_known_node(
    state: &AppState,
    bases: &Bases,
    r: &Request,
    node: &Node,
    table: &crate::boot::BootTable,
    descr: &str,
) -> Result<HttpResponse, Problem> {
    let cfg = &state.config;
    let who = match r.mac.or_else(|| node.macs.first().copied()) {
        Some(m) => Ident::Mac(m.to_string()),
        None => Ident::Name(node.id.clone()),
    };
    let chain = script::unknown_chain(&bases.chain, &who, r.ts);
    let Some(arch) = &r.arch else {
        return Ok(text(
            script::retry_script(cfg.hsm_retrieval_delay, &chain),
            &format!("{} (unconfigured)", node.id),
        ));
    };
    let key = Key::host(format!("{UNKNOWN_PREFIX}{arch}"));
    let Some(conf) = table.get(&key).filter(|c| !c.kernel.is_empty()) else {
        return Err(Problem::not_found(format!(
            "Unknown {descr} architecture {arch}: this host not configured for booting."
        )));
    };
    let img = Images::of(cfg, conf);
    let input = ScriptInput {
        kernel: &img.kernel,
        initrd: &img.initrd,
        params: &img.params,
        advertise: &bases.advertise,
        retry_delay: cfg.retry_delay,
        chain: &chain,
        ..Default::default()
    };
    let tag = format!("{} ({key})", node.id);
    if r.json {
        return Ok(json_reply(&input, "", &key, &tag));
    }
    Ok(text(script::boot_script(&input), &tag))
}

fn json_reply(input: &ScriptInput<'_>, xname: &str, key: &Key, tag: &str) -> HttpResponse {
    HttpResponse::Ok()
        .insert_header((X_OCHAMI_NODE, tag.to_owned()))
        .json(BootData {
            params: script::kernel_cmdline(input),
            kernel: Image {
                path: input.kernel.to_owned(),
                params: String::new(),
            },
            initrd: Image {
                path: input.initrd.to_owned(),
                params: String::new(),
            },
            xname: xname.to_owned(),
            rule: key.to_string(),
        })
}
