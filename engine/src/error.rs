use thiserror::Error;

#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum EngineError {
    /// A field of the event is out of bounds or malformed.
    #[error("{field}: {message}")]
    Invalid { field: String, message: String },
    /// A body is not JSON at all.
    #[error("{0}")]
    Malformed(String),
}

impl EngineError {
    pub(crate) fn invalid(field: &str, message: impl Into<String>) -> Self {
        Self::Invalid { field: field.to_string(), message: message.into() }
    }
}
