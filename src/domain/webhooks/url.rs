use super::{problem, WebhookField, WebhookProblem};
use crate::domain::FieldCode;

const MAX_URL_CHARS: usize = 2048;

/// Where deliveries go: an absolute `http` or `https` URL with a host and no credentials.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WebhookUrl(String);

impl WebhookUrl {
    pub fn parse(text: &str) -> Result<Self, WebhookProblem> {
        let invalid = |why: &str| problem(WebhookField::Url, FieldCode::InvalidFormat, why);
        if text.chars().count() > MAX_URL_CHARS {
            return Err(problem(
                WebhookField::Url,
                FieldCode::TooLong,
                format!("at most {MAX_URL_CHARS} characters"),
            ));
        }
        let url = url::Url::parse(text).map_err(|_| invalid("an absolute http(s) URL"))?;
        if !matches!(url.scheme(), "http" | "https") {
            return Err(invalid("the scheme is http or https"));
        }
        if url.host_str().is_none_or(str::is_empty) {
            return Err(invalid("the URL names a host"));
        }
        if !url.username().is_empty() || url.password().is_some() {
            return Err(invalid(
                "the URL carries no credentials; the signature authenticates deliveries",
            ));
        }
        if url.fragment().is_some() {
            return Err(invalid("the URL has no #fragment"));
        }
        Ok(Self(url.into()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}
#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_are_absolute_http_without_credentials() {
        assert!(WebhookUrl::parse("https://example.com/hooks?x=1").is_ok());
        assert!(WebhookUrl::parse("http://127.0.0.1:9000/").is_ok());
        for bad in [
            "ftp://example.com/",
            "/relative",
            "https://user:pw@example.com/",
            "https://example.com/#frag",
            "not a url",
        ] {
            assert!(WebhookUrl::parse(bad).is_err(), "{bad}");
        }
    }
}
