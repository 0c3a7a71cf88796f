//! Which of its two formats a request of this door speaks, and which its answer must.

use axum::http::{header, HeaderMap};

/// The client accepts neither of the door's formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct NotAcceptable;

/// The door's two formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Xml,
    Json,
}

impl Format {
    pub fn content_type(self) -> &'static str {
        match self {
            Format::Xml => "application/xml",
            Format::Json => "application/json",
        }
    }

    /// The format of a body by its `Content-Type`; `None` for one the door does not take.
    pub fn of_body(headers: &HeaderMap) -> Option<Format> {
        let value = headers.get(header::CONTENT_TYPE)?.to_str().ok()?;
        let essence = value.split(';').next()?.trim().to_ascii_lowercase();
        match essence.as_str() {
            "application/xml" | "text/xml" => Some(Format::Xml),
            "application/json" => Some(Format::Json),
            _ => None,
        }
    }

    /// The format a request was sent in, for answering its errors in kind: the body's when
    /// it has one the door takes, else what `Accept` prefers, else XML (eGain's default).
    pub fn of_request(headers: &HeaderMap) -> Format {
        Self::of_body(headers)
            .or_else(|| Self::accepted(headers).ok())
            .unwrap_or(Format::Xml)
    }

    /// The format an answer must take by `Accept` (XML when there is none); `Err` when
    /// the client accepts neither.
    pub fn accepted(headers: &HeaderMap) -> Result<Format, NotAcceptable> {
        let Some(accept) = headers.get(header::ACCEPT) else {
            return Ok(Format::Xml);
        };
        let Ok(accept) = accept.to_str() else {
            return Err(NotAcceptable);
        };
        let mut best: Option<(f32, usize, Format)> = None;
        for (position, range) in accept.split(',').enumerate() {
            let mut parts = range.split(';');
            let media = parts.next().unwrap_or("").trim().to_ascii_lowercase();
            let quality = parts
                .filter_map(|p| p.trim().strip_prefix("q=").map(str::trim))
                .find_map(|q| q.parse::<f32>().ok())
                .unwrap_or(1.0);
            if quality <= 0.0 {
                continue;
            }
            let format = match media.as_str() {
                "application/xml" | "text/xml" | "application/*" | "text/*" | "*/*" => Format::Xml,
                "application/json" => Format::Json,
                _ => continue,
            };
            // A higher quality wins; at equal quality, the range the client listed first.
            let better = match best {
                None => true,
                Some((q, _, _)) => quality > q,
            };
            if better {
                best = Some((quality, position, format));
            }
        }
        best.map(|(_, _, format)| format).ok_or(NotAcceptable)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    fn accept(value: &str) -> Result<Format, NotAcceptable> {
        let mut headers = HeaderMap::new();
        headers.insert(header::ACCEPT, HeaderValue::from_str(value).unwrap());
        Format::accepted(&headers)
    }

    #[test]
    fn accept_picks_the_format() {
        assert_eq!(Format::accepted(&HeaderMap::new()), Ok(Format::Xml));
        assert_eq!(accept("application/json"), Ok(Format::Json));
        assert_eq!(accept("text/xml"), Ok(Format::Xml));
        assert_eq!(accept("*/*"), Ok(Format::Xml));
        assert_eq!(
            accept("application/xml;q=0.5, application/json"),
            Ok(Format::Json)
        );
        assert_eq!(accept("text/html"), Err(NotAcceptable));
        assert_eq!(accept("application/json;q=0"), Err(NotAcceptable));
    }
}
