//! What a client backend reports back about a scored event: whether it was fraud, and how
//! the login or challenge it guarded turned out. Failed logins feed CREDENTIAL_STUFFING;
//! labels measure how often each rule is right.

use serde::{Deserialize, Serialize};

use crate::input::EventType;
use crate::EngineError;

#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum Label {
    Fraud,
    Legit,
}

impl Label {
    pub fn as_str(self) -> &'static str {
        match self {
            Label::Fraud => "FRAUD",
            Label::Legit => "LEGIT",
        }
    }
}

#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum Outcome {
    LoginSucceeded,
    LoginFailed,
    ChallengePassed,
    ChallengeFailed,
}

impl Outcome {
    pub fn as_str(self) -> &'static str {
        match self {
            Outcome::LoginSucceeded => "LOGIN_SUCCEEDED",
            Outcome::LoginFailed => "LOGIN_FAILED",
            Outcome::ChallengePassed => "CHALLENGE_PASSED",
            Outcome::ChallengeFailed => "CHALLENGE_FAILED",
        }
    }
}

/// The body of `POST /api/v1/events/{eventId}/feedback`.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Feedback {
    pub label: Option<Label>,
    pub outcome: Option<Outcome>,
}

impl Feedback {
    /// At least one of the two, and a login outcome only for a LOGIN event.
    pub fn validate_for(&self, event_type: EventType) -> Result<(), EngineError> {
        if self.label.is_none() && self.outcome.is_none() {
            return Err(EngineError::invalid("label", "give a label, an outcome or both"));
        }
        let login_outcome = matches!(self.outcome, Some(Outcome::LoginSucceeded | Outcome::LoginFailed));
        if login_outcome && event_type != EventType::Login {
            return Err(EngineError::invalid(
                "outcome",
                format!("a login outcome needs a LOGIN event, not {}", event_type.as_str()),
            ));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn feedback_needs_something_that_fits_the_event() {
        let parse = |json: &str| serde_json::from_str::<Feedback>(json);
        let fb = parse(r#"{"outcome":"LOGIN_FAILED"}"#).unwrap();
        assert!(fb.validate_for(EventType::Login).is_ok());
        assert!(fb.validate_for(EventType::Signup).is_err());
        assert!(parse(r#"{"label":"FRAUD","outcome":"CHALLENGE_FAILED"}"#)
            .unwrap()
            .validate_for(EventType::SmsOtp)
            .is_ok());
        assert!(parse("{}").unwrap().validate_for(EventType::Login).is_err());
        assert!(parse(r#"{"label":"MAYBE"}"#).is_err());
        assert!(parse(r#"{"label":"FRAUD","note":"x"}"#).is_err());
        assert_eq!(serde_json::to_value(Outcome::LoginFailed).unwrap(), Outcome::LoginFailed.as_str());
        assert_eq!(serde_json::to_value(Label::Legit).unwrap(), Label::Legit.as_str());
    }
}
