//! The OpenAPI document of `/api/v1`, served at `/api/v1/openapi.json`. Its paths come from
//! the handlers' annotations as the router registers them, and its schemas from the types
//! the handlers read and write, so the document cannot name a route the server lacks.

use axum::body::Bytes;
use utoipa::openapi::security::{ApiKey, ApiKeyValue, SecurityScheme};
use utoipa::openapi::OpenApi as Document;
use utoipa::{IntoResponses, Modify, OpenApi};

use super::auth::API_KEY_HEADER;
use crate::error::ErrorBody;

/// What every route answers before its handler runs: the key is checked, then its rate.
/// Only documents answers, which `ApiError` builds.
#[derive(IntoResponses)]
#[allow(dead_code)]
pub enum KeyErrors {
    /// No API key, or not a valid one
    #[response(status = 401)]
    Unauthorized(ErrorBody),
    /// The API key's rate limit is spent
    #[response(status = 429, headers(("Retry-After" = u64, description = "Seconds to wait")))]
    RateLimited(ErrorBody),
}

#[derive(OpenApi)]
#[openapi(
    info(
        title = "Doorman API",
        description = "Risk scoring of signup, login and other account events for client backends. \
            Every call is authenticated with an API key in the `x-api-key` header; every failure \
            answers `{\"error\":{\"code\",\"message\"}}`.",
    ),
    modifiers(&ApiKeyHeader),
    security(("apiKey" = [])),
    tags(
        (name = "events", description = "Scoring events and feedback on them"),
        (name = "lists", description = "The tenant's allow and block lists, each entry for good or until a time"),
        (name = "rules", description = "Rules snoozed for one user, visitor or IP until a time"),
        (name = "review", description = "The queue of events waiting for an analyst's decision"),
        (name = "visitors", description = "Devices and their history"),
        (name = "users", description = "End users' devices, and their data for access and erasure requests"),
    )
)]
struct ApiDoc;

struct ApiKeyHeader;

impl Modify for ApiKeyHeader {
    fn modify(&self, doc: &mut Document) {
        let components = doc.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "apiKey",
            SecurityScheme::ApiKey(ApiKey::Header(ApiKeyValue::with_description(
                API_KEY_HEADER,
                "A key made on the dashboard's Integrate page or by `doorman key create`",
            ))),
        );
    }
}

/// The document for `paths`, the routes under `/api/v1` as the router collected them.
pub fn document(paths: Document) -> Document {
    let mut doc = ApiDoc::openapi().nest("/api/v1", paths);
    doc.info.version = env!("CARGO_PKG_VERSION").to_string();
    doc
}

/// The document as served: serialised once at start, then shared by every request.
pub fn to_json(doc: &Document) -> Bytes {
    serde_json::to_vec(doc).expect("an OpenAPI document serialises").into()
}
