mod action_result;
mod charts;
mod errors;
mod events_table;
mod frame;
mod live;
mod recent_events;

pub use action_result::{outcome, ActionResult};
pub use charts::{DecisionsOverTime, HorizontalBars, ScoreHistogram};
pub use errors::show_errors;
pub use events_table::EventsTable;
pub use frame::Frame;
pub use live::{follow_live, merge_live, throttled, MissedUpdates};
pub use recent_events::RecentEvents;
