//! A JSON body extractor whose every failure is an [`ApiError`]: an oversized body is 413,
//! malformed JSON 400, and a well-formed body with a wrong or missing field, or nested too
//! deep, 422 (see [`doorman_engine::json`]). The body's content type is not checked, so any
//! HTTP client can post.

use axum::body::Bytes;
use axum::extract::{FromRequest, Request};
use axum::http::StatusCode;
use serde::de::DeserializeOwned;

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
        doorman_engine::json::parse(&bytes).map(ApiJson).map_err(ApiError::from)
    }
}
