//! The HTTP side through a real client (curl): whole files, HEAD, ranges,
//! validators, and the same refusal of names outside the root.

use std::process::Command;

use crate::common::{content, file_name, have, TestServer};

struct Reply {
    status: u16,
    headers: String,
    body: Vec<u8>,
}

fn curl(s: &TestServer, args: &[&str], path: &str) -> Reply {
    let dir = tempfile::tempdir().unwrap();
    let (h, b) = (dir.path().join("h"), dir.path().join("b"));
    let o = Command::new("curl")
        .args(["-sS", "--path-as-is", "-D"])
        .arg(&h)
        .arg("-o")
        .arg(&b)
        .args(["-w", "%{http_code}"])
        .args(args)
        .arg(format!("http://{}{path}", s.http()))
        .output()
        .expect("run curl");
    assert!(o.status.success(), "{o:?}");
    Reply {
        status: String::from_utf8_lossy(&o.stdout).trim().parse().unwrap(),
        headers: std::fs::read_to_string(&h).unwrap_or_default(),
        body: std::fs::read(&b).unwrap_or_default(),
    }
}

fn header<'a>(r: &'a Reply, name: &str) -> Option<&'a str> {
    r.headers.lines().find_map(|l| {
        let (k, v) = l.split_once(':')?;
        k.eq_ignore_ascii_case(name).then(|| v.trim())
    })
}

#[test]
fn get_head_and_ranges() {
    if !have("curl") {
        return;
    }
    let s = TestServer::start(|_| {});
    for size in [0usize, 1, 513, 1 << 20, 40 << 20] {
        let r = curl(&s, &[], &format!("/{}", file_name(size)));
        assert_eq!(r.status, 200, "{size}");
        assert_eq!(
            header(&r, "content-length"),
            Some(size.to_string().as_str())
        );
        assert!(r.body == content(size), "{size}: body differs");
        assert!(header(&r, "etag").is_some() && header(&r, "last-modified").is_some());
    }

    let name = format!("/{}", file_name(1 << 20));
    let full = content(1 << 20);
    let r = curl(&s, &["-I"], &name);
    assert_eq!(r.status, 200);
    assert_eq!(header(&r, "content-length"), Some("1048576"));
    assert_eq!(header(&r, "accept-ranges"), Some("bytes"));
    // With -I, curl writes the head where the body would go: no file bytes.
    assert!(r.body.starts_with(b"HTTP/1.1 200") && r.body.len() < 1000);

    let r = curl(&s, &["-r", "100-199"], &name);
    assert_eq!(r.status, 206);
    assert_eq!(header(&r, "content-range"), Some("bytes 100-199/1048576"));
    assert_eq!(r.body, &full[100..200]);

    let r = curl(&s, &["-r", "-10"], &name);
    assert_eq!(
        (r.status, r.body.as_slice()),
        (206, &full[full.len() - 10..])
    );

    let r = curl(&s, &["-r", "1048000-"], &name);
    assert_eq!((r.status, r.body.as_slice()), (206, &full[1_048_000..]));

    let r = curl(&s, &["-r", "2000000-"], &name);
    assert_eq!(r.status, 416);
    assert_eq!(header(&r, "content-range"), Some("bytes */1048576"));

    // A resumed download: curl -C continues a partial file.
    let dir = tempfile::tempdir().unwrap();
    let partial = dir.path().join("part");
    std::fs::write(&partial, &full[..300_000]).unwrap();
    let o = Command::new("curl")
        .args(["-sS", "-C", "-", "-o"])
        .arg(&partial)
        .arg(format!("http://{}{name}", s.http()))
        .output()
        .unwrap();
    assert!(o.status.success(), "{o:?}");
    assert!(std::fs::read(&partial).unwrap() == full);
}

#[test]
fn validators_answer_not_modified() {
    if !have("curl") {
        return;
    }
    let s = TestServer::start(|_| {});
    let name = format!("/{}", file_name(513));
    let first = curl(&s, &[], &name);
    let etag = header(&first, "etag").unwrap().to_owned();
    let r = curl(&s, &["-H", &format!("If-None-Match: {etag}")], &name);
    assert_eq!((r.status, r.body.len()), (304, 0));
    let r = curl(&s, &["-H", "If-None-Match: \"other\""], &name);
    assert_eq!(r.status, 200);
    let lm = header(&first, "last-modified").unwrap().to_owned();
    let r = curl(&s, &["-H", &format!("If-Modified-Since: {lm}")], &name);
    assert_eq!(r.status, 304);
    // If-Range with a stale validator: the whole file, not the range.
    let r = curl(&s, &["-r", "0-9", "-H", "If-Range: \"stale\""], &name);
    assert_eq!((r.status, r.body.len()), (200, 513));
}

#[test]
fn names_outside_the_root_are_refused() {
    if !have("curl") {
        return;
    }
    let s = TestServer::start(|_| {});
    for path in [
        "/../../../../etc/passwd",
        "/%2e%2e/%2e%2e/etc/passwd",
        "/sub/..%2f..%2fetc/passwd",
        "/escape",
        "/f1.bin%00.png",
    ] {
        let r = curl(&s, &[], path);
        assert!(
            r.status == 403 || r.status == 404 || r.status == 400,
            "{path}: {}",
            r.status
        );
        let body = String::from_utf8_lossy(&r.body);
        assert!(!body.contains("root:"), "{path}: leaked {body}");
    }
    assert_eq!(curl(&s, &[], "/missing.efi").status, 404);
    assert_eq!(curl(&s, &[], "/sub").status, 404);
    assert_eq!(curl(&s, &["-X", "POST"], "/f1.bin").status, 405);
    assert_eq!(curl(&s, &["-X", "PUT"], "/f1.bin").status, 405);
    // Nested files are reachable.
    assert_eq!(curl(&s, &[], "/sub/text.cfg").status, 200);
}

/// Read one response head (up to the blank line) from a keep-alive connection.
fn read_head(conn: &mut std::net::TcpStream) -> String {
    use std::io::Read;
    let mut head = Vec::new();
    let mut byte = [0u8; 1];
    while !head.ends_with(b"\r\n\r\n") {
        conn.read_exact(&mut byte).expect("response head");
        head.push(byte[0]);
    }
    String::from_utf8_lossy(&head).into_owned()
}

#[test]
fn head_sends_no_body_and_keeps_the_connection_usable() {
    use std::io::{Read, Write};
    let s = TestServer::start(|_| {});
    let mut conn = std::net::TcpStream::connect(s.http()).unwrap();
    conn.set_read_timeout(Some(std::time::Duration::from_secs(10)))
        .unwrap();
    let big = file_name(1 << 20);
    write!(conn, "HEAD /{big} HTTP/1.1\r\nHost: t\r\n\r\n").unwrap();
    let head = read_head(&mut conn).to_ascii_lowercase();
    assert!(head.starts_with("http/1.1 200"), "{head}");
    assert!(head.contains("content-length: 1048576"), "{head}");
    // Had HEAD sent the file, these bytes would be file content, not a response.
    write!(conn, "GET /{} HTTP/1.1\r\nHost: t\r\n\r\n", file_name(1)).unwrap();
    let head = read_head(&mut conn).to_ascii_lowercase();
    assert!(head.starts_with("http/1.1 200"), "{head}");
    assert!(head.contains("content-length: 1"), "{head}");
    let mut body = [0u8; 1];
    conn.read_exact(&mut body).unwrap();
    assert_eq!(body.to_vec(), content(1));
}
