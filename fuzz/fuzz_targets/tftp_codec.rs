//! TFTP's codec on any datagram: decoding never panics, and whatever decodes
//! encodes to bytes that decode to the same packet.

#![no_main]

use tftpd::codec::Packet;

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    if let Ok(p) = Packet::decode(data) {
        let again = Packet::decode(&p.to_bytes());
        assert_eq!(again.as_ref(), Ok(&p), "round trip of {data:?}");
    }
});
