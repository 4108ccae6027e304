//! Presigned HTTP URLs for `s3://bucket/key` boot images, as OpenCHAMI's
//! `checkURL` / `replaceS3Params` make them through hms-s3 (path-style, AWS
//! Signature Version 4 query signing, 24 hours).
//!
//! Pure: the time comes in as an argument; nothing here does I/O. Configured
//! with OpenCHAMI's variables `S3_ENDPOINT`, `S3_ACCESS_KEY`, `S3_SECRET_KEY`,
//! `S3_BUCKET` and `S3_REGION` (hms-s3 `LoadConnectionInfoFromEnvVars`); with
//! no endpoint, `s3://` URLs are left alone.

use chrono::{DateTime, Utc};
use hmac::{Hmac, Mac};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use url::Url;

/// How long a presigned URL is valid (OpenCHAMI: `24*time.Hour`).
pub const EXPIRES_SECS: u64 = 24 * 60 * 60;

/// The S3 service boot images are presigned for.
#[derive(Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct S3Settings {
    /// `S3_ENDPOINT`, e.g. `http://rgw:8080`.
    pub endpoint: Url,
    /// `S3_ACCESS_KEY`.
    pub access_key: String,
    /// `S3_SECRET_KEY`. Never serialised back out.
    #[serde(skip_serializing)]
    pub secret_key: String,
    /// `S3_BUCKET`: the bucket of `s3:///key` URLs that name none (hms-s3's
    /// default `default`).
    pub bucket: String,
    /// `S3_REGION` (hms-s3's default `default`).
    pub region: String,
}

// Rationale: the secret must never reach a log line.
impl std::fmt::Debug for S3Settings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("S3Settings")
            .field("endpoint", &self.endpoint.as_str())
            .field("bucket", &self.bucket)
            .field("region", &self.region)
            .finish_non_exhaustive()
    }
}

impl S3Settings {
    /// From OpenCHAMI's environment variables: `None` without `S3_ENDPOINT`;
    /// an endpoint without keys, or one that is no URL, is an error naming
    /// the variable.
    pub fn from_env(get: impl Fn(&str) -> Option<String>) -> Result<Option<S3Settings>, String> {
        let Some(endpoint) = get("S3_ENDPOINT").filter(|e| !e.trim().is_empty()) else {
            return Ok(None);
        };
        let endpoint = Url::parse(endpoint.trim())
            .map_err(|e| format!("S3_ENDPOINT: '{endpoint}' is not a URL ({e})"))?;
        let need = |name: &str| {
            get(name)
                .filter(|v| !v.is_empty())
                .ok_or_else(|| format!("{name}: required with S3_ENDPOINT"))
        };
        let or_default = |name: &str| {
            get(name)
                .filter(|v| !v.is_empty())
                .unwrap_or_else(|| "default".to_owned())
        };
        Ok(Some(S3Settings {
            endpoint,
            access_key: need("S3_ACCESS_KEY")?,
            secret_key: need("S3_SECRET_KEY")?,
            bucket: or_default("S3_BUCKET"),
            region: or_default("S3_REGION"),
        }))
    }

    /// `u` presigned when it is an `s3://` URL, else `u` unchanged
    /// (OpenCHAMI `checkURL`): `s3://bucket/key`, or `s3:///bucket/key`
    /// whose first path segment is the bucket.
    pub fn url(&self, u: &str, now: DateTime<Utc>) -> String {
        let Some(rest) = u
            .get(..5)
            .filter(|s| s.eq_ignore_ascii_case("s3://"))
            .map(|_| &u[5..])
        else {
            return u.to_owned();
        };
        let (host, path) = rest.split_once('/').unwrap_or((rest, ""));
        let (bucket, key) = if host.is_empty() {
            path.split_once('/').unwrap_or((path, ""))
        } else {
            (host, path)
        };
        let bucket = if bucket.is_empty() {
            self.bucket.as_str()
        } else {
            bucket
        };
        self.presign(bucket, key, now)
    }

    /// The kernel command line with its `metal.server=s3://…` and
    /// `root=live:s3://…` values presigned (OpenCHAMI `replaceS3Params`).
    pub fn params(&self, params: &str, now: DateTime<Utc>) -> String {
        params
            .split(' ')
            .map(|t| {
                for prefix in ["metal.server=", "root=live:"] {
                    if let Some(v) = t.strip_prefix(prefix) {
                        if v.starts_with("s3://") {
                            return format!("{prefix}{}", self.url(v, now));
                        }
                    }
                }
                t.to_owned()
            })
            .collect::<Vec<_>>()
            .join(" ")
    }

    /// A path-style GET URL for `bucket`/`key`, signed for `EXPIRES_SECS`.
    fn presign(&self, bucket: &str, key: &str, now: DateTime<Utc>) -> String {
        let base = self.endpoint.path().trim_end_matches('/');
        let path = format!(
            "{base}/{}/{}",
            uri_encode(bucket, false),
            uri_encode(key.trim_start_matches('/'), true)
        );
        let host = match self.endpoint.port() {
            Some(p) => format!("{}:{p}", self.endpoint.host_str().unwrap_or_default()),
            None => self.endpoint.host_str().unwrap_or_default().to_owned(),
        };
        let query = sign_query(&SignInput {
            host: &host,
            path: &path,
            access_key: &self.access_key,
            secret_key: &self.secret_key,
            region: &self.region,
            now,
            expires: EXPIRES_SECS,
        });
        format!("{}://{host}{path}?{query}", self.endpoint.scheme())
    }
}

/// What a SigV4 query signature covers (GET, only the `host` header signed).
struct SignInput<'a> {
    host: &'a str,
    /// Already URI-encoded.
    path: &'a str,
    access_key: &'a str,
    secret_key: &'a str,
    region: &'a str,
    now: DateTime<Utc>,
    expires: u64,
}

/// The presigned query string, `X-Amz-Signature` last (AWS SigV4,
/// "Authenticating Requests: Using Query Parameters").
fn sign_query(i: &SignInput<'_>) -> String {
    let date = i.now.format("%Y%m%d").to_string();
    let stamp = i.now.format("%Y%m%dT%H%M%SZ").to_string();
    let scope = format!("{date}/{}/s3/aws4_request", i.region);
    let credential = format!("{}/{scope}", i.access_key);
    // Sorted by name, as the canonical request needs.
    let query = format!(
        "X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential={}&X-Amz-Date={stamp}\
         &X-Amz-Expires={}&X-Amz-SignedHeaders=host",
        uri_encode(&credential, false),
        i.expires
    );
    let canonical = format!(
        "GET\n{}\n{query}\nhost:{}\n\nhost\nUNSIGNED-PAYLOAD",
        i.path, i.host
    );
    let to_sign = format!(
        "AWS4-HMAC-SHA256\n{stamp}\n{scope}\n{}",
        hex(&Sha256::digest(canonical.as_bytes()))
    );
    let mut key = hmac(format!("AWS4{}", i.secret_key).as_bytes(), date.as_bytes());
    for part in [i.region, "s3", "aws4_request"] {
        key = hmac(&key, part.as_bytes());
    }
    let signature = hex(&hmac(&key, to_sign.as_bytes()));
    format!("{query}&X-Amz-Signature={signature}")
}

fn hmac(key: &[u8], data: &[u8]) -> Vec<u8> {
    // HMAC takes a key of any length; `new_from_slice` cannot fail for it.
    let mut m = match Hmac::<Sha256>::new_from_slice(key) {
        Ok(m) => m,
        Err(_) => return Vec::new(),
    };
    m.update(data);
    m.finalize().into_bytes().to_vec()
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// AWS's URI encoding: unreserved characters stay, the rest is `%XX`;
/// `/` stays in a key path.
fn uri_encode(s: &str, keep_slash: bool) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' => {
                out.push(b as char)
            }
            b'/' if keep_slash => out.push('/'),
            _ => out.push_str(&format!("%{b:02X}")),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    /// AWS's own example ("Authenticating Requests: Using Query Parameters",
    /// examplebucket/test.txt): the signature must be theirs.
    #[test]
    fn aws_documented_example() {
        let q = sign_query(&SignInput {
            host: "examplebucket.s3.amazonaws.com",
            path: "/test.txt",
            access_key: "AKIAIOSFODNN7EXAMPLE",
            secret_key: "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
            region: "us-east-1",
            now: Utc.with_ymd_and_hms(2013, 5, 24, 0, 0, 0).unwrap(),
            expires: 86400,
        });
        assert_eq!(
            q,
            "X-Amz-Algorithm=AWS4-HMAC-SHA256\
             &X-Amz-Credential=AKIAIOSFODNN7EXAMPLE%2F20130524%2Fus-east-1%2Fs3%2Faws4_request\
             &X-Amz-Date=20130524T000000Z&X-Amz-Expires=86400&X-Amz-SignedHeaders=host\
             &X-Amz-Signature=aeeed9bbccd4d02ee5c0109b86d86835f995330da4c265957d157751f604d404"
        );
    }

    fn settings() -> S3Settings {
        S3Settings {
            endpoint: Url::parse("http://s3.lab:9000").unwrap(),
            access_key: "ak".into(),
            secret_key: "sk".into(),
            bucket: "images".into(),
            region: "default".into(),
        }
    }

    #[test]
    fn s3_urls_are_presigned_path_style_others_left_alone() {
        let s = settings();
        let now = Utc.with_ymd_and_hms(2026, 12, 1, 0, 0, 0).unwrap();
        let u = s.url("s3://boot-images/k8s/vmlinuz 6", now);
        assert!(
            u.starts_with("http://s3.lab:9000/boot-images/k8s/vmlinuz%206?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=ak%2F20261201%2Fdefault%2Fs3%2Faws4_request&X-Amz-Date=20261201T000000Z&X-Amz-Expires=86400&X-Amz-SignedHeaders=host&X-Amz-Signature="),
            "{u}"
        );
        assert!(s
            .url("s3:///other/initrd", now)
            .starts_with("http://s3.lab:9000/other/initrd?"));
        assert!(s
            .url("S3://b/k", now)
            .starts_with("http://s3.lab:9000/b/k?"));
        for plain in ["http://h/vmlinuz", "tftp://h/k", "", "s3:"] {
            assert_eq!(s.url(plain, now), plain);
        }
        let p = s.params(
            "console=ttyS0 root=live:s3://b/rootfs metal.server=s3://b/m quiet url=s3://b/x",
            now,
        );
        let t: Vec<&str> = p.split(' ').collect();
        assert_eq!(t[0], "console=ttyS0");
        assert!(
            t[1].starts_with("root=live:http://s3.lab:9000/b/rootfs?"),
            "{p}"
        );
        assert!(
            t[2].starts_with("metal.server=http://s3.lab:9000/b/m?"),
            "{p}"
        );
        assert_eq!(&t[3..], ["quiet", "url=s3://b/x"]);
    }

    #[test]
    fn settings_come_from_openchamis_variables() {
        let env = |pairs: &'static [(&'static str, &'static str)]| {
            move |k: &str| {
                pairs
                    .iter()
                    .find(|(n, _)| *n == k)
                    .map(|(_, v)| (*v).to_owned())
            }
        };
        assert_eq!(S3Settings::from_env(env(&[])), Ok(None));
        let s = S3Settings::from_env(env(&[
            ("S3_ENDPOINT", "http://rgw:8080"),
            ("S3_ACCESS_KEY", "a"),
            ("S3_SECRET_KEY", "hunter2"),
        ]))
        .unwrap()
        .unwrap();
        assert_eq!(
            (s.bucket.as_str(), s.region.as_str()),
            ("default", "default")
        );
        assert_eq!(
            S3Settings::from_env(env(&[("S3_ENDPOINT", "http://rgw:8080")])),
            Err("S3_ACCESS_KEY: required with S3_ENDPOINT".into())
        );
        assert!(S3Settings::from_env(env(&[("S3_ENDPOINT", "not a url")]))
            .unwrap_err()
            .starts_with("S3_ENDPOINT:"));
        assert!(!format!("{s:?}").contains("hunter2"));
    }
}
