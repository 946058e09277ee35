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
/// chunked body never costs more than `limit` plus one frame of memory.
pub(super) async fn read_body(mut body: Body, limit: usize) -> Result<Vec<u8>, ReadError> {
    let mut buf = Vec::new();
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
