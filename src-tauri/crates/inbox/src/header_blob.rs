//! A delivery's request headers as one byte string, so storing them costs one column of the
//! delivery's row instead of one row (and one index entry) per header.
//!
//! Layout: for each header in arrival order, the name's length as a little-endian `u32`, the
//! name's bytes, the value's length as a little-endian `u32`, the value's raw bytes. Nothing
//! else: no count, no padding. Repeated names and non-UTF-8 values round-trip exactly.

use crate::store::Header;

/// The headers in the layout above.
pub fn encode(headers: &[Header]) -> Vec<u8> {
    let size = headers
        .iter()
        .map(|(name, value)| 8 + name.len() + value.len())
        .sum();
    let mut out = Vec::with_capacity(size);
    for (name, value) in headers {
        put(&mut out, name.as_bytes());
        put(&mut out, value);
    }
    out
}

fn put(out: &mut Vec<u8>, bytes: &[u8]) {
    // Header sections are capped far below 4 GiB by the receiver (and hyper), so a length
    // that does not fit is a caller bug worth stopping on, not data to mangle silently.
    let len = u32::try_from(bytes.len()).expect("a header longer than 4 GiB");
    out.extend_from_slice(&len.to_le_bytes());
    out.extend_from_slice(bytes);
}

/// Why a stored header blob could not be read back.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("stored headers are damaged at byte {offset}: {what}")]
pub struct Damaged {
    /// Where reading stopped.
    pub offset: usize,
    /// What was wrong there.
    pub what: &'static str,
}

/// Reads back what [`encode`] wrote. A name that is not UTF-8 (only possible if the file was
/// altered) is read lossily rather than losing the delivery.
pub fn decode(mut blob: &[u8]) -> Result<Vec<Header>, Damaged> {
    let total = blob.len();
    let mut headers = Vec::new();
    while !blob.is_empty() {
        let name = take(&mut blob, total)?;
        let value = take(&mut blob, total)?;
        headers.push((String::from_utf8_lossy(name).into_owned(), value.to_vec()));
    }
    Ok(headers)
}

fn take<'a>(blob: &mut &'a [u8], total: usize) -> Result<&'a [u8], Damaged> {
    let offset = total - blob.len();
    let damaged = |what| Damaged { offset, what };
    let (len, rest) = blob
        .split_first_chunk::<4>()
        .ok_or(damaged("a length is cut short"))?;
    let len = u32::from_le_bytes(*len) as usize;
    if rest.len() < len {
        return Err(damaged("a name or value is longer than what remains"));
    }
    let (bytes, rest) = rest.split_at(len);
    *blob = rest;
    Ok(bytes)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn h(name: &str, value: &[u8]) -> Header {
        (name.to_owned(), value.to_vec())
    }

    #[test]
    fn round_trips_order_repeats_empty_and_raw_bytes() {
        let headers = vec![
            h("set-cookie", b"a=1"),
            h("x-raw", b"\xff\xfe\x00 latin-1 \xe9"),
            h("set-cookie", b"b=2"),
            h("x-empty", b""),
            h("", b"nameless"),
        ];
        let blob = encode(&headers);
        assert_eq!(
            blob.len(),
            headers
                .iter()
                .map(|(n, v)| 8 + n.len() + v.len())
                .sum::<usize>()
        );
        assert_eq!(decode(&blob).unwrap(), headers);
        assert_eq!(decode(&encode(&[])).unwrap(), Vec::<Header>::new());
    }

    #[test]
    fn layout_is_length_prefixed_little_endian() {
        assert_eq!(
            encode(&[h("ab", b"xyz")]),
            b"\x02\x00\x00\x00ab\x03\x00\x00\x00xyz".to_vec()
        );
    }

    #[test]
    fn truncated_or_overlong_blobs_are_reported_not_panicked_on() {
        let blob = encode(&[h("content-type", b"application/json"), h("a", b"b")]);
        for cut in 1..blob.len() {
            let ok = decode(&blob[..cut]);
            // Only the cut right after the first header's value is a valid (shorter) list.
            if cut == 8 + 12 + 16 {
                assert_eq!(ok.unwrap(), vec![h("content-type", b"application/json")]);
            } else {
                let e = ok.unwrap_err();
                assert!(e.offset <= cut, "{cut}: {e}");
            }
        }
        let e = decode(b"\xff\xff\xff\x7fab").unwrap_err();
        assert_eq!(e.offset, 0);
        assert!(e.to_string().contains("longer than what remains"), "{e}");
    }
}
