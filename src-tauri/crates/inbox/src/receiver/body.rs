//! Reading a request body within the limits: the declared length, a size cap that never buffers
//! more than one frame past it.

use std::future::poll_fn;
use std::pin::Pin;

use axum::body::{Body, HttpBody};
use axum::http::{header, HeaderMap};

pub(super) fn declared_length(headers: &HeaderMap) -> Option<u64> {
    headers
        .get(header::CONTENT_LENGTH)?
        .to_str()
        .ok()?
        .trim()
        .parse()
        .ok()
}

pub(super) enum ReadError {
    /// More than the limit: the declared length or the bytes read before stopping.
    TooLarge(u64),
    Timeout,
    Broken,
}

/// Reads data frames until the end or until more than `limit` bytes arrived, then stops, so a
/// chunked body never costs more than `limit` plus one frame of memory. With a declared length
/// the buffer is sized once (growing by doubling held up to 1.5 × the body in two copies at its
/// last step); a false one only reserves address space, which costs no memory until written.
pub(super) async fn read_body(
    mut body: Body,
    limit: usize,
    declared: Option<u64>,
) -> Result<Vec<u8>, ReadError> {
    let expected = declared.map_or(0, |n| usize::try_from(n).unwrap_or(usize::MAX).min(limit));
    let mut buf = Vec::with_capacity(expected);
    while let Some(frame) = poll_fn(|cx| Pin::new(&mut body).poll_frame(cx)).await {
        let frame = frame.map_err(|_| ReadError::Broken)?;
        if let Ok(data) = frame.into_data() {
            if buf.len() + data.len() > limit {
                return Err(ReadError::TooLarge((buf.len() + data.len()) as u64));
            }
            buf.extend_from_slice(&data);
        }
    }
    Ok(buf)
}
