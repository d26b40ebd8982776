//! A JSON body extractor whose every failure is an [`ApiError`]: an oversized body is 413,
//! malformed JSON 400, and a well-formed body with a wrong or missing field 422 naming the
//! field's path. The body's content type is not checked, so any HTTP client can post.

use axum::body::Bytes;
use axum::extract::{FromRequest, Request};
use axum::http::StatusCode;
use serde::de::DeserializeOwned;
use serde_json::error::Category;

use crate::error::ApiError;

pub struct ApiJson<T>(pub T);

impl<T, S> FromRequest<S> for ApiJson<T>
where
    T: DeserializeOwned,
    S: Send + Sync,
{
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, ApiError> {
        let bytes = Bytes::from_request(req, state).await.map_err(|rejection| {
            if rejection.status() == StatusCode::PAYLOAD_TOO_LARGE {
                ApiError::PayloadTooLarge
            } else {
                ApiError::InvalidJson("the request body could not be read".into())
            }
        })?;
        parse(&bytes).map(ApiJson)
    }
}

pub fn parse<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, ApiError> {
    let mut de = serde_json::Deserializer::from_slice(bytes);
    let value = serde_path_to_error::deserialize(&mut de).map_err(|err| {
        let field = err.path().to_string();
        let inner = err.into_inner();
        match inner.classify() {
            Category::Data => ApiError::InvalidField { message: format!("{field}: {inner}"), field },
            Category::Syntax | Category::Eof | Category::Io => {
                ApiError::InvalidJson(format!("malformed JSON: {inner}"))
            }
        }
    })?;
    de.end().map_err(|e| ApiError::InvalidJson(format!("malformed JSON: {e}")))?;
    Ok(value)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde::Deserialize;

    #[derive(Debug, Deserialize)]
    #[allow(dead_code)]
    struct Body {
        name: String,
        inner: Option<Inner>,
    }

    #[derive(Debug, Deserialize)]
    #[allow(dead_code)]
    struct Inner {
        count: u32,
    }

    #[test]
    fn classifies_failures() {
        assert!(parse::<Body>(br#"{"name":"a","inner":{"count":1}}"#).is_ok());
        assert!(matches!(parse::<Body>(b"{not json"), Err(ApiError::InvalidJson(_))));
        assert!(matches!(parse::<Body>(b""), Err(ApiError::InvalidJson(_))));
        assert!(matches!(parse::<Body>(br#"{"name":"a"} trailing"#), Err(ApiError::InvalidJson(_))));
        match parse::<Body>(br#"{"name":"a","inner":{"count":"x"}}"#) {
            Err(ApiError::InvalidField { field, .. }) => assert_eq!(field, "inner.count"),
            other => panic!("unexpected {other:?}"),
        }
        assert!(matches!(parse::<Body>(br#"{"inner":null}"#), Err(ApiError::InvalidField { .. })));
    }
}
