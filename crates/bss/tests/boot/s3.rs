//! B11: `s3://` kernel, initrd and `root=live:` URLs presigned against a real
//! S3 server (moto, started here), as OpenCHAMI's checkURL/replaceS3Params
//! do through hms-s3. The presigned URLs must fetch the objects, and their
//! signatures must be the ones botocore computes for the same request.
//!
//! moto is a PyPI tool (`pip install 'moto[server]'`; `cargo xtask test`
//! installs it); without it this test fails, naming it.

use std::process::Stdio;
use std::time::{Duration, Instant};

use bss::s3::S3Settings;
use serde_json::json;
use url::Url;

use crate::Stack;

const N0: &str = "x1000c1s7b0n0";

/// A moto S3 server on 127.0.0.1; stopped when dropped.
struct Moto {
    _child: tokio::process::Child,
    url: String,
}

async fn moto() -> Moto {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("a free port")
        .port();
    let child = tokio::process::Command::new("moto_server")
        .args(["-H", "127.0.0.1", "-p", &port.to_string()])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .kill_on_drop(true)
        .spawn()
        .unwrap_or_else(|e| {
            panic!(
                "cannot start moto_server ({e}): pip install 'moto[server]', or cargo xtask test"
            )
        });
    let url = format!("http://127.0.0.1:{port}");
    let deadline = Instant::now() + Duration::from_secs(60);
    while reqwest::get(format!("{url}/moto-api/")).await.is_err() {
        assert!(
            Instant::now() < deadline,
            "moto_server never answered on {url}"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    Moto { _child: child, url }
}

/// Run a Python snippet (boto3/botocore come with moto); its stdout.
async fn python(code: &str, args: &[&str]) -> String {
    let out = tokio::process::Command::new("python3")
        .arg("-c")
        .arg(code)
        .args(args)
        .output()
        .await
        .expect("python3 runs");
    assert!(
        out.status.success(),
        "python failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).trim().to_owned()
}

const SETUP: &str = r#"
import sys, boto3
s3 = boto3.client("s3", endpoint_url=sys.argv[1], region_name="us-east-1",
                  aws_access_key_id="bss", aws_secret_access_key="bss-secret")
s3.create_bucket(Bucket="boot-images")
for key, body in [("k8s/vmlinuz", b"KERNEL"), ("k8s/initrd", b"INITRD"), ("k8s/rootfs", b"ROOTFS")]:
    s3.put_object(Bucket="boot-images", Key=key, Body=body)
"#;

/// botocore's own SigV4 query signature for the same GET at the same time.
const BOTOCORE_SIGNATURE: &str = r#"
import sys, datetime
from unittest import mock
from urllib.parse import urlsplit, parse_qs
import botocore.auth, botocore.awsrequest, botocore.credentials
u, ak, sk, region = sys.argv[1:5]
p = urlsplit(u)
q = parse_qs(p.query)
ts = datetime.datetime.strptime(q["X-Amz-Date"][0], "%Y%m%dT%H%M%SZ")
req = botocore.awsrequest.AWSRequest(method="GET", url=f"{p.scheme}://{p.netloc}{p.path}")
auth = botocore.auth.S3SigV4QueryAuth(botocore.credentials.Credentials(ak, sk), "s3", region,
                                      expires=int(q["X-Amz-Expires"][0]))
with mock.patch("botocore.auth.get_current_datetime", return_value=ts):
    auth.add_auth(req)
print(parse_qs(urlsplit(req.url).query)["X-Amz-Signature"][0])
"#;

/// The URL after `prefix` in the script.
fn url_after<'a>(script: &'a str, prefix: &str) -> &'a str {
    let at = script
        .find(prefix)
        .unwrap_or_else(|| panic!("no {prefix} in {script}"))
        + prefix.len();
    script[at..].split([' ', '\n']).next().unwrap_or_default()
}

#[tokio::test]
async fn s3_urls_are_presigned_and_fetch_the_objects() {
    let moto = moto().await;
    python(SETUP, &[&moto.url]).await;
    let smd = ochami_testkit::spawn_smd().await;
    let settings = S3Settings {
        endpoint: Url::parse(&moto.url).unwrap(),
        access_key: "bss".into(),
        secret_key: "bss-secret".into(),
        bucket: "default".into(),
        region: "default".into(),
    };
    let bss = ochami_testkit::spawn_bss_with(&smd.url, |c| c.s3 = Some(settings.clone())).await;
    let s = Stack {
        smd,
        bss,
        c: reqwest::Client::new(),
    };
    s.node(N0, 1, "Compute", None, "").await;
    s.refresh().await;
    s.put(
        json!({"hosts": [N0], "kernel": "s3://boot-images/k8s/vmlinuz",
        "initrd": "s3://boot-images/k8s/initrd",
        "params": "console=ttyS0 root=live:s3://boot-images/k8s/rootfs"}),
    )
    .await;
    let a = s.script(&format!("name={N0}")).await;
    assert_eq!(a.status, 200, "{}", a.body);
    for (prefix, key, body) in [
        ("kernel --name kernel ", "k8s/vmlinuz", "KERNEL"),
        ("initrd --name initrd ", "k8s/initrd", "INITRD"),
        ("root=live:", "k8s/rootfs", "ROOTFS"),
    ] {
        let u = url_after(&a.body, prefix);
        assert!(
            u.starts_with(&format!(
                "{}/boot-images/{key}?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=bss%2F",
                moto.url
            )),
            "{u}"
        );
        let res = reqwest::get(u).await.unwrap();
        assert_eq!(res.status(), 200, "{u}");
        assert_eq!(res.text().await.unwrap(), body, "{u}");
        let theirs = python(BOTOCORE_SIGNATURE, &[u, "bss", "bss-secret", "default"]).await;
        let ours = u.rsplit("X-Amz-Signature=").next().unwrap_or_default();
        assert_eq!(ours, theirs, "{u}");
    }
    assert!(
        a.body.contains("console=ttyS0 root=live:http"),
        "{}",
        a.body
    );

    // Without S3 configured, s3:// URLs are left as they are.
    let s2 = Stack::new().await;
    s2.node(N0, 1, "Compute", None, "").await;
    s2.refresh().await;
    s2.put(json!({"hosts": ["Default"], "kernel": "s3://boot-images/k8s/vmlinuz"}))
        .await;
    // (Read directly: Stack::script's iPXE check rightly refuses s3://.)
    let body = reqwest::get(s2.bss.at(&format!("/boot/v1/bootscript?name={N0}")))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        body.contains("kernel --name kernel s3://boot-images/k8s/vmlinuz "),
        "{body}"
    );
}
