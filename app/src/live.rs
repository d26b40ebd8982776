//! The live feed behind `/live`: every scored event and every change to a review queue, sent
//! to the dashboard pages that listen, each seeing its own tenant's only.
//!
//! Ingest must never wait for a page. Updates go through a bounded broadcast buffer: a page
//! that reads slowly (or not at all) falls behind and is told how many it missed; the sender
//! never blocks, does no work for pages that are not there, and writes each update's JSON
//! once for all of them.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

use tokio::sync::broadcast;

use crate::model::LiveUpdate;

/// One update, as JSON, and the tenant it belongs to.
#[derive(Debug)]
pub struct Published {
    pub tenant_id: String,
    pub json: String,
    /// A review change rather than a scored event.
    pub review: bool,
}

#[derive(Clone)]
pub struct LiveFeed {
    sender: broadcast::Sender<Arc<Published>>,
    subscribers: Arc<AtomicUsize>,
    max_subscribers: usize,
}

/// A page's place in the feed; leaving frees it.
pub struct Subscription {
    pub receiver: broadcast::Receiver<Arc<Published>>,
    subscribers: Arc<AtomicUsize>,
}

impl Drop for Subscription {
    fn drop(&mut self) {
        self.subscribers.fetch_sub(1, Ordering::SeqCst);
    }
}

impl LiveFeed {
    /// `buffer` updates are kept for a page that has not read them yet; at most
    /// `max_subscribers` pages listen at once.
    pub fn new(buffer: usize, max_subscribers: usize) -> Self {
        let (sender, _) = broadcast::channel(buffer.max(1));
        Self { sender, subscribers: Arc::new(AtomicUsize::new(0)), max_subscribers }
    }

    /// A new listener, or `None` when the server already has as many as it allows.
    pub fn subscribe(&self) -> Option<Subscription> {
        let taken = self.subscribers.fetch_update(Ordering::SeqCst, Ordering::SeqCst, |n| {
            (n < self.max_subscribers).then_some(n + 1)
        });
        taken.ok().map(|_| Subscription {
            receiver: self.sender.subscribe(),
            subscribers: self.subscribers.clone(),
        })
    }

    pub fn subscribers(&self) -> usize {
        self.subscribers.load(Ordering::SeqCst)
    }

    /// Sends the update made by `update` to the listeners, if there are any: without them
    /// it is not even built.
    pub fn publish(&self, tenant_id: &str, update: impl FnOnce() -> LiveUpdate) {
        if self.sender.receiver_count() == 0 {
            return;
        }
        let update = update();
        let review = matches!(update, LiveUpdate::Review);
        let json = serde_json::to_string(&update).unwrap_or_default();
        // Err means every listener left meanwhile: nobody to tell.
        let _ = self.sender.send(Arc::new(Published { tenant_id: tenant_id.to_string(), json, review }));
    }
}

impl Default for LiveFeed {
    fn default() -> Self {
        Self::new(1024, 200)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_listener_that_falls_behind_is_told_how_much_it_missed() {
        let feed = LiveFeed::new(4, 2);
        let mut slow = feed.subscribe().unwrap();
        let _other = feed.subscribe().unwrap();
        assert!(feed.subscribe().is_none(), "two listeners at most");
        for _ in 0..10 {
            feed.publish("ten_a", || LiveUpdate::Review);
        }
        assert!(matches!(slow.receiver.recv().await, Err(broadcast::error::RecvError::Lagged(6))));
        assert!(slow.receiver.recv().await.is_ok());
        drop(slow);
        assert_eq!(feed.subscribers(), 1);
        assert!(feed.subscribe().is_some(), "a place is free again");
    }

    #[test]
    fn nothing_is_built_without_listeners() {
        let feed = LiveFeed::new(4, 2);
        feed.publish("ten_a", || unreachable!("no listener, no update"));
    }
}
