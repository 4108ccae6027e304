//! RFC 764 netascii as TFTP uses it: the file's LF becomes CR LF and a bare CR
//! becomes CR NUL on the wire.
//!
//! Owns the conversion only; the endpoint decides when to apply it.

/// Convert a local (Unix) file's bytes into netascii.
pub fn encode(local: &[u8]) -> Vec<u8> {
    let extra = local.iter().filter(|&&b| b == b'\n' || b == b'\r').count();
    let mut out = Vec::with_capacity(local.len() + extra);
    for &b in local {
        match b {
            b'\n' => out.extend_from_slice(b"\r\n"),
            b'\r' => out.extend_from_slice(b"\r\0"),
            b => out.push(b),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn line_ends_and_bare_cr() {
        assert_eq!(encode(b""), b"");
        assert_eq!(encode(b"a\nb\n"), b"a\r\nb\r\n");
        assert_eq!(encode(b"x\ry"), b"x\r\0y");
        assert_eq!(encode(b"\r\n"), b"\r\0\r\n");
        assert_eq!(encode(b"plain"), b"plain");
    }
}
