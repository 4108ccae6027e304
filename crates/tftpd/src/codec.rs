//! The TFTP wire format (RFC 1350 packets, RFC 2347 options and OACK).
//!
//! Owns the byte layout only: [`Packet::decode`] is total (any byte string gives a
//! packet or a [`DecodeError`], never a panic) and [`Packet::encode`] is its
//! inverse. It never decides what to answer and never touches a socket.

use std::fmt;

/// Largest block size RFC 2348 allows.
pub const BLKSIZE_MAX: u16 = 65464;
/// Smallest block size RFC 2348 allows.
pub const BLKSIZE_MIN: u16 = 8;
/// The RFC 1350 block size, used when the client negotiates none.
pub const BLKSIZE_DEFAULT: u16 = 512;
/// TFTP header bytes in front of a DATA payload (opcode + block number).
pub const DATA_HEADER: usize = 4;
/// Largest datagram a conforming peer can send us (DATA at the largest blksize);
/// receive buffers of this size never truncate a legal packet.
pub const MAX_DATAGRAM: usize = BLKSIZE_MAX as usize + DATA_HEADER;

const OP_RRQ: u16 = 1;
const OP_WRQ: u16 = 2;
const OP_DATA: u16 = 3;
const OP_ACK: u16 = 4;
const OP_ERROR: u16 = 5;
const OP_OACK: u16 = 6;

/// An RFC 2347 option as it appears on the wire: name and value, in the
/// client's spelling (names compare case-insensitively during negotiation).
pub type TftpOption = (String, String);

/// A read or write request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Request {
    pub filename: String,
    /// The transfer mode as sent (`octet`, `netascii`, `mail`, any case).
    pub mode: String,
    pub options: Vec<TftpOption>,
}

/// The transfer modes of RFC 1350.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    Octet,
    Netascii,
    /// Obsolete `mail` mode, or anything unknown.
    Unsupported,
}

impl Request {
    pub fn mode(&self) -> Mode {
        if self.mode.eq_ignore_ascii_case("octet") {
            Mode::Octet
        } else if self.mode.eq_ignore_ascii_case("netascii") {
            Mode::Netascii
        } else {
            Mode::Unsupported
        }
    }
}

/// RFC 1350 / 2347 error codes; `Other` keeps decoding total.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorCode {
    NotDefined,
    FileNotFound,
    AccessViolation,
    DiskFull,
    IllegalOperation,
    UnknownTransferId,
    FileExists,
    NoSuchUser,
    /// RFC 2347: the client refuses the options in our OACK.
    OptionRefused,
    Other(u16),
}

impl From<u16> for ErrorCode {
    fn from(v: u16) -> Self {
        match v {
            0 => Self::NotDefined,
            1 => Self::FileNotFound,
            2 => Self::AccessViolation,
            3 => Self::DiskFull,
            4 => Self::IllegalOperation,
            5 => Self::UnknownTransferId,
            6 => Self::FileExists,
            7 => Self::NoSuchUser,
            8 => Self::OptionRefused,
            n => Self::Other(n),
        }
    }
}

impl From<ErrorCode> for u16 {
    fn from(c: ErrorCode) -> u16 {
        match c {
            ErrorCode::NotDefined => 0,
            ErrorCode::FileNotFound => 1,
            ErrorCode::AccessViolation => 2,
            ErrorCode::DiskFull => 3,
            ErrorCode::IllegalOperation => 4,
            ErrorCode::UnknownTransferId => 5,
            ErrorCode::FileExists => 6,
            ErrorCode::NoSuchUser => 7,
            ErrorCode::OptionRefused => 8,
            ErrorCode::Other(n) => n,
        }
    }
}

/// One TFTP packet.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Packet {
    Rrq(Request),
    Wrq(Request),
    Data { block: u16, data: Vec<u8> },
    Ack { block: u16 },
    Error { code: ErrorCode, message: String },
    Oack { options: Vec<TftpOption> },
}

/// Why a datagram is not a TFTP packet.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum DecodeError {
    #[error("datagram shorter than an opcode")]
    TooShort,
    #[error("unknown opcode {0}")]
    UnknownOpcode(u16),
    #[error("string field not NUL-terminated")]
    Unterminated,
    #[error("string field is not UTF-8")]
    NotUtf8,
    #[error("ACK is not exactly 4 bytes")]
    BadAck,
    #[error("request has an empty filename or mode")]
    EmptyField,
}

impl Packet {
    /// Decode one datagram. Total: never panics, whatever the input.
    pub fn decode(bytes: &[u8]) -> Result<Packet, DecodeError> {
        let (op, body) = match bytes {
            [a, b, rest @ ..] => (u16::from_be_bytes([*a, *b]), rest),
            _ => return Err(DecodeError::TooShort),
        };
        match op {
            OP_RRQ => decode_request(body).map(Packet::Rrq),
            OP_WRQ => decode_request(body).map(Packet::Wrq),
            OP_DATA => match body {
                [a, b, data @ ..] => Ok(Packet::Data {
                    block: u16::from_be_bytes([*a, *b]),
                    data: data.to_vec(),
                }),
                _ => Err(DecodeError::TooShort),
            },
            // Some clients pad ACKs; RFC 1350 fixes the length, and a padded ACK
            // is more likely garbage than a real acknowledgement, so refuse it.
            OP_ACK => match body {
                [a, b] => Ok(Packet::Ack {
                    block: u16::from_be_bytes([*a, *b]),
                }),
                _ => Err(DecodeError::BadAck),
            },
            OP_ERROR => match body {
                [a, b, msg @ ..] => {
                    // Lenient on the message: peers omit the NUL or send Latin-1,
                    // and an error is worth honouring whatever its text.
                    let msg = msg.split(|&c| c == 0).next().unwrap_or_default();
                    Ok(Packet::Error {
                        code: ErrorCode::from(u16::from_be_bytes([*a, *b])),
                        message: String::from_utf8_lossy(msg).into_owned(),
                    })
                }
                _ => Err(DecodeError::TooShort),
            },
            OP_OACK => Ok(Packet::Oack {
                options: decode_options(body)?,
            }),
            other => Err(DecodeError::UnknownOpcode(other)),
        }
    }

    /// Append the wire form of this packet to `out`.
    pub fn encode(&self, out: &mut Vec<u8>) {
        match self {
            Packet::Rrq(r) => encode_request(OP_RRQ, r, out),
            Packet::Wrq(r) => encode_request(OP_WRQ, r, out),
            Packet::Data { block, data } => {
                encode_data_header(*block, out);
                out.extend_from_slice(data);
            }
            Packet::Ack { block } => {
                out.extend_from_slice(&OP_ACK.to_be_bytes());
                out.extend_from_slice(&block.to_be_bytes());
            }
            Packet::Error { code, message } => {
                out.extend_from_slice(&OP_ERROR.to_be_bytes());
                out.extend_from_slice(&u16::from(*code).to_be_bytes());
                push_str(message, out);
            }
            Packet::Oack { options } => {
                out.extend_from_slice(&OP_OACK.to_be_bytes());
                encode_options(options, out);
            }
        }
    }

    /// The wire form as a new vector.
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut v = Vec::new();
        self.encode(&mut v);
        v
    }
}

/// Append a DATA header; the caller appends the payload. Lets the server read
/// file bytes straight into the datagram instead of through a `Packet`.
pub fn encode_data_header(block: u16, out: &mut Vec<u8>) {
    out.extend_from_slice(&OP_DATA.to_be_bytes());
    out.extend_from_slice(&block.to_be_bytes());
}

/// The datagram for an ERROR packet.
pub fn error_bytes(code: ErrorCode, message: &str) -> Vec<u8> {
    Packet::Error {
        code,
        message: message.to_owned(),
    }
    .to_bytes()
}

fn push_str(s: &str, out: &mut Vec<u8>) {
    // A NUL inside would end the field early on the wire; drop it rather than
    // emit a packet that decodes differently.
    out.extend(s.bytes().filter(|&b| b != 0));
    out.push(0);
}

fn encode_request(op: u16, r: &Request, out: &mut Vec<u8>) {
    out.extend_from_slice(&op.to_be_bytes());
    push_str(&r.filename, out);
    push_str(&r.mode, out);
    encode_options(&r.options, out);
}

fn encode_options(options: &[TftpOption], out: &mut Vec<u8>) {
    for (k, v) in options {
        push_str(k, out);
        push_str(v, out);
    }
}

/// Split NUL-terminated strings off `body`.
struct Fields<'a>(&'a [u8]);

impl<'a> Fields<'a> {
    fn next_field(&mut self) -> Option<Result<&'a str, DecodeError>> {
        if self.0.is_empty() {
            return None;
        }
        let Some(end) = self.0.iter().position(|&b| b == 0) else {
            return Some(Err(DecodeError::Unterminated));
        };
        let (field, rest) = self.0.split_at(end);
        self.0 = rest.get(1..).unwrap_or_default();
        Some(std::str::from_utf8(field).map_err(|_| DecodeError::NotUtf8))
    }
}

fn decode_request(body: &[u8]) -> Result<Request, DecodeError> {
    let mut f = Fields(body);
    let filename = f.next_field().ok_or(DecodeError::Unterminated)??;
    let mode = f.next_field().ok_or(DecodeError::Unterminated)??;
    if filename.is_empty() || mode.is_empty() {
        return Err(DecodeError::EmptyField);
    }
    Ok(Request {
        filename: filename.to_owned(),
        mode: mode.to_owned(),
        options: decode_option_fields(f)?,
    })
}

fn decode_options(body: &[u8]) -> Result<Vec<TftpOption>, DecodeError> {
    decode_option_fields(Fields(body))
}

fn decode_option_fields(mut f: Fields<'_>) -> Result<Vec<TftpOption>, DecodeError> {
    let mut options = Vec::new();
    while let Some(name) = f.next_field() {
        let name = name?;
        // Some PXE ROMs pad requests with NULs or end with a name and no value;
        // RFC 2347 lets a server ignore what it does not understand.
        let Some(value) = f.next_field() else { break };
        let value = value?;
        if !name.is_empty() {
            options.push((name.to_owned(), value.to_owned()));
        }
    }
    Ok(options)
}

impl fmt::Display for ErrorCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", u16::from(*self))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn req(filename: &str, mode: &str, options: &[(&str, &str)]) -> Request {
        Request {
            filename: filename.into(),
            mode: mode.into(),
            options: options
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
        }
    }

    /// One table, checked in both directions.
    fn table() -> Vec<(Packet, Vec<u8>)> {
        vec![
            (
                Packet::Rrq(req("ipxe.efi", "octet", &[])),
                b"\0\x01ipxe.efi\0octet\0".to_vec(),
            ),
            (
                Packet::Rrq(req("a", "netascii", &[("blksize", "1428"), ("tsize", "0")])),
                b"\0\x01a\0netascii\0blksize\x001428\0tsize\x000\0".to_vec(),
            ),
            (
                Packet::Wrq(req("x", "octet", &[])),
                b"\0\x02x\0octet\0".to_vec(),
            ),
            (
                Packet::Data {
                    block: 0x0102,
                    data: b"hi".to_vec(),
                },
                b"\0\x03\x01\x02hi".to_vec(),
            ),
            (
                Packet::Data {
                    block: 7,
                    data: vec![],
                },
                b"\0\x03\0\x07".to_vec(),
            ),
            (Packet::Ack { block: 65535 }, b"\0\x04\xff\xff".to_vec()),
            (
                Packet::Error {
                    code: ErrorCode::OptionRefused,
                    message: "no".into(),
                },
                b"\0\x05\0\x08no\0".to_vec(),
            ),
            (
                Packet::Oack {
                    options: vec![("tsize".into(), "1024".into())],
                },
                b"\0\x06tsize\x001024\0".to_vec(),
            ),
        ]
    }

    #[test]
    fn byte_table_both_directions() {
        for (packet, bytes) in table() {
            assert_eq!(packet.to_bytes(), bytes, "{packet:?}");
            assert_eq!(Packet::decode(&bytes), Ok(packet));
        }
    }

    #[test]
    fn malformed_packets_are_errors() {
        let cases: &[(&[u8], DecodeError)] = &[
            (b"", DecodeError::TooShort),
            (b"\0", DecodeError::TooShort),
            (b"\0\x09", DecodeError::UnknownOpcode(9)),
            (b"\0\x01file", DecodeError::Unterminated),
            (b"\0\x01file\0oct", DecodeError::Unterminated),
            (b"\0\x01\0octet\0", DecodeError::EmptyField),
            (b"\0\x01f\xff\0octet\0", DecodeError::NotUtf8),
            (b"\0\x04\0", DecodeError::BadAck),
            (b"\0\x04\0\x01\0", DecodeError::BadAck),
            (b"\0\x03\0", DecodeError::TooShort),
            (b"\0\x05\0", DecodeError::TooShort),
        ];
        for (bytes, err) in cases {
            assert_eq!(Packet::decode(bytes), Err(*err), "{bytes:?}");
        }
    }

    #[test]
    fn lenient_where_real_clients_are_sloppy() {
        // Trailing NUL padding and a dangling option name are ignored.
        let p = Packet::decode(b"\0\x01f\0octet\0tsize\x000\0\0\0\0").unwrap();
        assert_eq!(p, Packet::Rrq(req("f", "octet", &[("tsize", "0")])));
        let p = Packet::decode(b"\0\x01f\0OCTET\0blksize\0").unwrap();
        assert_eq!(p, Packet::Rrq(req("f", "OCTET", &[])));
        // An ERROR without its NUL still ends the transfer.
        assert_eq!(
            Packet::decode(b"\0\x05\0\x08abc"),
            Ok(Packet::Error {
                code: ErrorCode::OptionRefused,
                message: "abc".into()
            })
        );
    }

    #[test]
    fn modes_are_case_insensitive() {
        assert_eq!(req("f", "OcTeT", &[]).mode(), Mode::Octet);
        assert_eq!(req("f", "NETASCII", &[]).mode(), Mode::Netascii);
        assert_eq!(req("f", "mail", &[]).mode(), Mode::Unsupported);
    }

    fn field() -> impl Strategy<Value = String> {
        "[^\u{0}]{1,20}"
    }

    fn options() -> impl Strategy<Value = Vec<TftpOption>> {
        prop::collection::vec((field(), "[^\u{0}]{0,8}"), 0..4)
    }

    fn request() -> impl Strategy<Value = Request> {
        (field(), field(), options()).prop_map(|(filename, mode, options)| Request {
            filename,
            mode,
            options,
        })
    }

    fn packet() -> impl Strategy<Value = Packet> {
        prop_oneof![
            request().prop_map(Packet::Rrq),
            request().prop_map(Packet::Wrq),
            (any::<u16>(), prop::collection::vec(any::<u8>(), 0..600))
                .prop_map(|(block, data)| Packet::Data { block, data }),
            any::<u16>().prop_map(|block| Packet::Ack { block }),
            (any::<u16>(), "[^\u{0}]{0,30}").prop_map(|(c, message)| Packet::Error {
                code: ErrorCode::from(c),
                message
            }),
            prop::collection::vec((field(), field()), 0..4)
                .prop_map(|options| Packet::Oack { options }),
        ]
    }

    proptest! {
        #[test]
        fn decode_inverts_encode(p in packet()) {
            prop_assert_eq!(Packet::decode(&p.to_bytes()), Ok(p));
        }

        #[test]
        fn decode_is_total(bytes in prop::collection::vec(any::<u8>(), 0..200)) {
            let _ = Packet::decode(&bytes);
        }

        #[test]
        fn decode_encode_decode_is_stable(bytes in prop::collection::vec(any::<u8>(), 0..200)) {
            // Whatever we accept, re-encoding gives the same packet back.
            if let Ok(p) = Packet::decode(&bytes) {
                prop_assert_eq!(Packet::decode(&p.to_bytes()), Ok(p));
            }
        }
    }
}
