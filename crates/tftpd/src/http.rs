//! The optional HTTP side: the same root, read-only, for UEFI HTTP boot and
//! iPXE's kernel/initrd downloads.
//!
//! GET and HEAD only; single byte ranges (`Range`, `If-Range`), validators
//! (`ETag`, `Last-Modified`, `If-None-Match`, `If-Modified-Since`). Files are
//! streamed in chunks, never buffered whole. Names go through [`crate::path`],
//! the same rules as TFTP. Never writes.

use std::io::{self, SeekFrom};
use std::net::TcpListener;
use std::time::{SystemTime, UNIX_EPOCH};

use std::pin::Pin;
use std::task::{Context, Poll};

use actix_web::body::{BodySize, MessageBody};
use actix_web::http::header::{self, HttpDate};
use actix_web::http::Method;
use actix_web::http::StatusCode;
use actix_web::web::{self, Bytes};
use actix_web::{HttpRequest, HttpResponse, HttpServer};
use ochami_service::http::{allow, app, Problem};
use tokio::io::{AsyncReadExt, AsyncSeekExt};

use crate::path::{self, PathError};

/// Bytes read from disk per body chunk.
const CHUNK: usize = 256 * 1024;

/// Start serving `root` on `listener`; the returned server runs once spawned.
pub fn server(listener: TcpListener, root: path::Root) -> io::Result<actix_web::dev::Server> {
    let server = HttpServer::new(move || {
        let root = web::Data::new(root.clone());
        app(move |cfg| {
            cfg.app_data(root).service(
                web::resource("/{tail:.*}")
                    .route(web::get().to(serve))
                    .route(web::head().to(serve))
                    .default_service(allow("GET, HEAD")),
            );
        })
    })
    .workers(2)
    .disable_signals()
    .shutdown_timeout(5)
    .listen(listener)?
    .run();
    Ok(server)
}

async fn serve(req: HttpRequest, root: web::Data<path::Root>) -> Result<HttpResponse, Problem> {
    let name = percent_decode(req.path())
        .ok_or_else(|| Problem::bad_request("path is not valid percent-encoded UTF-8"))?;
    let real = path::lookup(&root, &name).map_err(|e| match e {
        PathError::NotFound | PathError::NotAFile => {
            Problem::not_found(format!("no such file: {name}"))
        }
        PathError::Io(_) => Problem::new(StatusCode::FORBIDDEN, "file cannot be read"),
        other => Problem::new(StatusCode::FORBIDDEN, format!("path refused: {other}")),
    })?;
    let mut file = tokio::fs::File::open(&real)
        .await
        .map_err(|_| Problem::new(StatusCode::FORBIDDEN, "file cannot be read"))?;
    let meta = file
        .metadata()
        .await
        .map_err(|_| Problem::new(StatusCode::FORBIDDEN, "file cannot be read"))?;
    let len = meta.len();
    let modified = meta.modified().unwrap_or(UNIX_EPOCH);
    let etag = etag(len, modified);
    let last_modified = HttpDate::from(modified);

    if not_modified(&req, &etag, modified) {
        return Ok(HttpResponse::NotModified()
            .insert_header((header::ETAG, etag))
            .insert_header((header::LAST_MODIFIED, last_modified))
            .finish());
    }

    let range = req
        .headers()
        .get(header::RANGE)
        .and_then(|v| v.to_str().ok())
        .filter(|_| if_range_holds(&req, &etag))
        .map(|v| parse_range(v, len));
    let (status, start, count) = match range {
        None | Some(RangeSpec::Ignore) => (StatusCode::OK, 0, len),
        Some(RangeSpec::Bytes(start, end)) => (StatusCode::PARTIAL_CONTENT, start, end - start + 1),
        Some(RangeSpec::Unsatisfiable) => {
            return Ok(HttpResponse::RangeNotSatisfiable()
                .insert_header((header::CONTENT_RANGE, format!("bytes */{len}")))
                .finish());
        }
    };
    let mut res = HttpResponse::build(status);
    res.insert_header((header::ACCEPT_RANGES, "bytes"))
        .insert_header((header::ETAG, etag))
        .insert_header((header::LAST_MODIFIED, last_modified))
        .insert_header((header::CONTENT_TYPE, "application/octet-stream"));
    if status == StatusCode::PARTIAL_CONTENT {
        res.insert_header((
            header::CONTENT_RANGE,
            format!("bytes {start}-{}/{len}", start + count - 1),
        ));
    }
    if req.method() == Method::HEAD {
        // actix would read the whole file for HEAD and discard it; announce the length, send none.
        return Ok(res.body(HeadOnly(count)));
    }
    if start > 0 {
        file.seek(SeekFrom::Start(start))
            .await
            .map_err(|_| Problem::new(StatusCode::FORBIDDEN, "file cannot be read"))?;
    }
    let body = futures_util::stream::unfold((file, count), |(mut file, left)| async move {
        if left == 0 {
            return None;
        }
        let mut buf = vec![0u8; (left.min(CHUNK as u64)) as usize];
        match file.read(&mut buf).await {
            // The file shrank; ending early makes actix drop the connection
            // rather than send a body shorter than Content-Length.
            Ok(0) => None,
            Ok(n) => {
                buf.truncate(n);
                Some((Ok(Bytes::from(buf)), (file, left - n as u64)))
            }
            Err(e) => Some((Err::<Bytes, io::Error>(e), (file, 0))),
        }
    });
    // `no_chunking` makes this a Content-Length response, not chunked.
    Ok(res.no_chunking(count).streaming(body))
}

/// A body that declares `len` bytes and yields none: the answer to HEAD.
struct HeadOnly(u64);

impl MessageBody for HeadOnly {
    type Error = std::convert::Infallible;

    fn size(&self) -> BodySize {
        BodySize::Sized(self.0)
    }

    fn poll_next(
        self: Pin<&mut Self>,
        _: &mut Context<'_>,
    ) -> Poll<Option<Result<Bytes, Self::Error>>> {
        Poll::Ready(None)
    }
}

fn etag(len: u64, modified: SystemTime) -> String {
    let nanos = modified
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_nanos())
        .unwrap_or(0);
    format!("\"{len:x}-{nanos:x}\"")
}

fn not_modified(req: &HttpRequest, etag: &str, modified: SystemTime) -> bool {
    if let Some(inm) = req
        .headers()
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
    {
        return inm
            .split(',')
            .map(|t| t.trim().trim_start_matches("W/"))
            .any(|t| t == "*" || t == etag);
    }
    let since = req
        .headers()
        .get(header::IF_MODIFIED_SINCE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<HttpDate>().ok());
    match since {
        // HTTP dates have whole seconds; compare at that resolution.
        Some(since) => {
            let since = SystemTime::from(since);
            let secs = |t: SystemTime| {
                t.duration_since(UNIX_EPOCH)
                    .map(|d| d.as_secs())
                    .unwrap_or(0)
            };
            secs(modified) <= secs(since)
        }
        None => false,
    }
}

/// `If-Range` with a stale validator turns a range request into a full one.
fn if_range_holds(req: &HttpRequest, etag: &str) -> bool {
    match req
        .headers()
        .get(header::IF_RANGE)
        .and_then(|v| v.to_str().ok())
    {
        None => true,
        Some(v) => v.trim() == etag,
    }
}

#[derive(Debug, PartialEq, Eq)]
enum RangeSpec {
    /// Inclusive byte range within the file.
    Bytes(u64, u64),
    Unsatisfiable,
    /// Malformed or multi-range: serve the whole file, as RFC 9110 allows.
    Ignore,
}

fn parse_range(value: &str, len: u64) -> RangeSpec {
    let Some(spec) = value.trim().strip_prefix("bytes=") else {
        return RangeSpec::Ignore;
    };
    if spec.contains(',') {
        return RangeSpec::Ignore;
    }
    let Some((a, b)) = spec.trim().split_once('-') else {
        return RangeSpec::Ignore;
    };
    let (a, b) = (a.trim(), b.trim());
    let parsed = match (a.is_empty(), b.is_empty()) {
        // bytes=-N: the last N bytes.
        (true, false) => match b.parse::<u64>() {
            Ok(0) => return RangeSpec::Unsatisfiable,
            Ok(n) => Some((len.saturating_sub(n), len.saturating_sub(1))),
            Err(_) => None,
        },
        (false, true) => a.parse::<u64>().ok().map(|s| (s, len.saturating_sub(1))),
        (false, false) => match (a.parse::<u64>(), b.parse::<u64>()) {
            (Ok(s), Ok(e)) if s <= e => Some((s, e.min(len.saturating_sub(1)))),
            _ => None,
        },
        (true, true) => None,
    };
    match parsed {
        None => RangeSpec::Ignore,
        Some((start, _)) if len == 0 || start >= len => RangeSpec::Unsatisfiable,
        Some((start, end)) => RangeSpec::Bytes(start, end),
    }
}

/// Decode %XX escapes; `None` for bad escapes or non-UTF-8. `%00` decodes to a
/// NUL, which the path rules then refuse.
fn percent_decode(s: &str) -> Option<String> {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'%' {
            let hex = b.get(i + 1..i + 3)?;
            let hex = std::str::from_utf8(hex).ok()?;
            out.push(u8::from_str_radix(hex, 16).ok()?);
            i += 3;
        } else {
            out.push(b[i]);
            i += 1;
        }
    }
    String::from_utf8(out).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ranges() {
        use RangeSpec::*;
        let cases = [
            ("bytes=0-9", 100, Bytes(0, 9)),
            ("bytes=90-", 100, Bytes(90, 99)),
            ("bytes=-10", 100, Bytes(90, 99)),
            ("bytes=-1000", 100, Bytes(0, 99)),
            ("bytes=50-1000", 100, Bytes(50, 99)),
            ("bytes=100-", 100, Unsatisfiable),
            ("bytes=-0", 100, Unsatisfiable),
            ("bytes=0-0", 0, Unsatisfiable),
            ("bytes=9-1", 100, Ignore),
            ("bytes=0-1,5-6", 100, Ignore),
            ("items=0-1", 100, Ignore),
            ("bytes=x-1", 100, Ignore),
            ("bytes=-", 100, Ignore),
        ];
        for (v, len, want) in cases {
            assert_eq!(parse_range(v, len), want, "{v}");
        }
    }

    #[test]
    fn percent_decoding() {
        assert_eq!(percent_decode("/a%20b").as_deref(), Some("/a b"));
        assert_eq!(percent_decode("/%2e%2e/x").as_deref(), Some("/../x"));
        assert_eq!(percent_decode("/a%00").as_deref(), Some("/a\0"));
        assert_eq!(percent_decode("/a%"), None);
        assert_eq!(percent_decode("/a%zz"), None);
        assert_eq!(percent_decode("/%ff"), None);
    }
}
