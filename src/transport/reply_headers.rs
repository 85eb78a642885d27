//! The headers of an answer the crate reads: `inin-correlation-id`,
//! `Retry-After` and the `inin-ratelimit-*` figures, found in one pass over
//! the answer's headers rather than one hashed lookup each (an answer has a
//! handful of headers, and this runs on every call).

use std::time::Duration;

use ureq::http::HeaderMap;

use crate::exchange::RateLimit;

/// What an answer's headers say, for the crate.
#[derive(Debug, Default, PartialEq)]
pub(super) struct ReplyHeaders {
    pub(super) correlation_id: Option<String>,
    pub(super) retry_after: Option<Duration>,
    pub(super) rate_limit: Option<RateLimit>,
}

impl ReplyHeaders {
    /// Reads `headers`; of a header sent twice, the first is taken. A value
    /// that is not text, or not a number where one is expected, is left out.
    pub(super) fn read(headers: &HeaderMap) -> ReplyHeaders {
        let mut correlation_id = None;
        let mut retry_after = None;
        let (mut count, mut allowed, mut reset) = (None, None, None);
        for (name, value) in headers {
            // Names are kept in lower case.
            let slot = match name.as_str() {
                "retry-after" => &mut retry_after,
                "inin-correlation-id" => &mut correlation_id,
                "inin-ratelimit-count" => &mut count,
                "inin-ratelimit-allowed" => &mut allowed,
                "inin-ratelimit-reset" => &mut reset,
                _ => continue,
            };
            if slot.is_none() {
                *slot = Some(value.to_str().ok());
            }
        }
        ReplyHeaders {
            correlation_id: correlation_id.flatten().map(str::to_owned),
            retry_after: retry_after
                .flatten()
                .and_then(|v| v.trim().parse::<u64>().ok())
                .map(Duration::from_secs),
            rate_limit: RateLimit::from_values(count.flatten(), allowed.flatten(), reset.flatten()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ureq::http::HeaderValue;

    #[test]
    fn every_header_is_read_in_one_pass_and_the_first_of_two_wins() {
        let mut headers = HeaderMap::new();
        headers.insert("Content-Type", HeaderValue::from_static("application/json"));
        headers.insert("Inin-Correlation-Id", HeaderValue::from_static("c-1"));
        headers.append("inin-correlation-id", HeaderValue::from_static("c-2"));
        headers.insert("retry-after", HeaderValue::from_static(" 7 "));
        headers.insert("inin-ratelimit-count", HeaderValue::from_static("3"));
        headers.insert("inin-ratelimit-allowed", HeaderValue::from_static("300"));
        headers.insert("inin-ratelimit-reset", HeaderValue::from_static("42"));
        let read = ReplyHeaders::read(&headers);
        assert_eq!(read.correlation_id.as_deref(), Some("c-1"));
        assert_eq!(read.retry_after, Some(Duration::from_secs(7)));
        let limit = read.rate_limit.unwrap();
        assert_eq!(
            (limit.count, limit.allowed, limit.reset),
            (3, 300, Some(Duration::from_secs(42)))
        );
    }

    #[test]
    fn odd_values_are_left_out() {
        let mut headers = HeaderMap::new();
        headers.insert(
            "inin-correlation-id",
            HeaderValue::from_bytes(b"caf\xc3\xa9").unwrap(),
        );
        headers.insert(
            "retry-after",
            HeaderValue::from_static("Wed, 21 Oct 2015 07:28:00 GMT"),
        );
        headers.insert("inin-ratelimit-count", HeaderValue::from_static("3"));
        assert_eq!(ReplyHeaders::read(&headers), ReplyHeaders::default());
        assert_eq!(ReplyHeaders::read(&HeaderMap::new()), ReplyHeaders::default());
    }
}
