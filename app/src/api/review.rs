//! The review queue as analysts (the tenant's client admins) work it: list and count,
//! open the next item (which claims it), decide, assign, release, send an event to review,
//! decide a filtered selection at once, and the tenant's queue settings. Every change is
//! audited and announced on the live feed, so colleagues' pages update.

use leptos::prelude::*;

use crate::model::{ReviewOpened, ReviewQueueView};

/// The filters of the queue page, as its address carries them.
#[cfg(feature = "ssr")]
fn filter(
    age: Option<String>,
    rule: Option<String>,
    assignee: Option<String>,
    visitor: Option<String>,
    me: &str,
) -> Result<doorman_store::review::ReviewFilter, ServerFnError> {
    use doorman_store::review::{Assignee, ReviewFilter};
    const HOUR: i64 = 3_600_000;
    let given = |v: Option<String>| v.map(|v| v.trim().to_string()).filter(|v| !v.is_empty());
    let (older_than_ms, newer_than_ms) = match given(age).as_deref() {
        None => (None, None),
        Some("lt1h") => (None, Some(HOUR)),
        Some("gt1h") => (Some(HOUR), None),
        Some("gt24h") => (Some(24 * HOUR), None),
        Some("gt7d") => (Some(7 * 24 * HOUR), None),
        Some(_) => {
            return Err(super::guard::refuse(http::StatusCode::UNPROCESSABLE_ENTITY, "unknown age filter"))
        }
    };
    let assignee = given(assignee).map(|a| match a.as_str() {
        "unassigned" => Assignee::Nobody,
        "me" => Assignee::Analyst(me.to_string()),
        _ => Assignee::Analyst(a),
    });
    Ok(ReviewFilter {
        older_than_ms,
        newer_than_ms,
        rule: given(rule).map(|r| r.to_ascii_uppercase()),
        assignee,
        visitor_id: given(visitor),
    })
}

#[cfg(feature = "ssr")]
fn label(decision: &str) -> Result<doorman_engine::feedback::Label, ServerFnError> {
    use doorman_engine::feedback::Label;
    match decision {
        "FRAUD" => Ok(Label::Fraud),
        "LEGIT" => Ok(Label::Legit),
        _ => Err(super::guard::refuse(http::StatusCode::UNPROCESSABLE_ENTITY, "decide FRAUD or LEGIT")),
    }
}

/// Tells the tenant's open pages that its queue changed.
#[cfg(feature = "ssr")]
fn announce(tenant_id: &str) {
    if let Ok(ctx) = super::guard::context() {
        ctx.live.publish(tenant_id, || crate::model::LiveUpdate::Review);
    }
}

#[cfg(feature = "ssr")]
async fn colleagues(store: &doorman_store::Store, tenant_id: &str) -> Result<Vec<String>, ServerFnError> {
    let admins = store.list_tenant_admins(tenant_id).await.map_err(super::guard::store_error)?;
    Ok(admins.into_iter().filter(|a| !a.disabled).map(|a| a.email).collect())
}

/// What waits under the filters, oldest first (a page of 50), with counts by age.
#[server(prefix = "/rpc", endpoint = "review-queue")]
pub async fn review_queue(
    age: Option<String>,
    rule: Option<String>,
    assignee: Option<String>,
    visitor: Option<String>,
) -> Result<ReviewQueueView, ServerFnError> {
    use super::guard::{context, require_client_admin, store_error};
    use crate::model::{EventRow, ReviewCountsView, ReviewItemView};
    use doorman_store::events::rule_codes;
    use doorman_store::now_ms;
    let (admin, tenant_id) = require_client_admin().await?;
    let store = &context()?.store;
    let filter = filter(age, rule, assignee, visitor, &admin.email)?;
    let now = now_ms();
    let items = store.review_queue(&tenant_id, &filter, None, 50, now).await.map_err(store_error)?;
    let counts = store.review_counts(&tenant_id, &filter, now).await.map_err(store_error)?;
    let settings = store.review_settings(&tenant_id).await.map_err(store_error)?;
    Ok(ReviewQueueView {
        counts: ReviewCountsView {
            total: counts.total,
            under_hour: counts.under_hour,
            under_day: counts.under_day,
            under_week: counts.under_week,
            older: counts.older,
            claimed: counts.claimed,
        },
        items: items
            .into_iter()
            .map(|i| ReviewItemView {
                event: EventRow {
                    id: i.event_id,
                    tenant_slug: String::new(),
                    event_type: i.event_type,
                    created_at: i.created_at,
                    email: i.email,
                    external_user_id: i.external_user_id,
                    ip: i.ip,
                    visitor_id: i.visitor_id,
                    risk_score: i.risk_score,
                    risk_band: String::new(),
                    decision: i.decision,
                    triggered_rules: rule_codes(&i.triggered_rules).map(str::to_string).collect(),
                },
                assignee: i.assignee,
                claimed_until: i.claimed_until,
                sent_by: i.sent_by,
            })
            .collect(),
        colleagues: colleagues(store, &tenant_id).await?,
        me: admin.email,
        near_miss_score: settings.near_miss_score,
        claim_minutes: settings.claim_minutes,
    })
}

/// Claims the next item for the analyst (one it holds, else the oldest nobody holds) and
/// opens it; back to the queue when nothing is left.
#[server(prefix = "/rpc", endpoint = "review-next")]
pub async fn open_next_review() -> Result<(), ServerFnError> {
    use super::guard::{context, require_client_admin, store_error};
    let (admin, tenant_id) = require_client_admin().await?;
    let next = context()?
        .store
        .next_review(&tenant_id, &admin.email, doorman_store::now_ms())
        .await
        .map_err(store_error)?;
    announce(&tenant_id);
    match next {
        Some(id) => leptos_axum::redirect(&format!("/client-admin/review/{id}")),
        None => leptos_axum::redirect("/client-admin/review?empty=1"),
    }
    Ok(())
}

/// One item as the analyst opens it: claimed for the analyst unless a colleague holds it.
#[server(prefix = "/rpc", endpoint = "review-open")]
pub async fn open_review(id: String) -> Result<ReviewOpened, ServerFnError> {
    use super::guard::{context, require_client_admin, store_error};
    use doorman_store::review::Claim;
    use doorman_store::search::EventFilter;
    use doorman_store::StoreError;
    let (admin, tenant_id) = require_client_admin().await?;
    let store = &context()?.store;
    let detail = super::events::event_detail(store, &tenant_id, &id).await?;
    let claim = match store.claim_review(&tenant_id, &id, &admin.email, doorman_store::now_ms()).await {
        Ok(claim) => Some(claim),
        // Decided already, or never queued: shown as it is.
        Err(StoreError::Conflict(_)) => None,
        Err(err) => return Err(store_error(err)),
    };
    if matches!(claim, Some(Claim::Held { .. })) {
        announce(&tenant_id);
    }
    let (holder, held_until, mine) = match claim.clone() {
        Some(Claim::Held { until }) => (Some(admin.email.clone()), Some(until), true),
        Some(Claim::HeldBy { analyst, until }) => (Some(analyst), Some(until), false),
        None => (None, None, false),
    };
    let stored = store.event(&tenant_id, &id).await.map_err(store_error)?;
    let decision = store.review_decision(&tenant_id, &id).await.map_err(store_error)?;
    let user = detail.event.external_user_id.clone().or(detail.event.email.clone());
    let user_events = match user {
        Some(user) => {
            let filter = EventFilter { user: Some(user), ..Default::default() };
            let found = store
                .search_events(doorman_store::events::Scope::Tenant(&tenant_id), &filter, 21)
                .await
                .map_err(store_error)?;
            found.into_iter().filter(|e| e.id != id).take(20).map(super::events::row).collect()
        }
        None => Vec::new(),
    };
    Ok(ReviewOpened {
        detail,
        queued: claim.is_some(),
        holder,
        held_until,
        mine,
        label: stored.and_then(|e| e.label),
        decided_by: decision.as_ref().map(|(by, _, _)| by.clone()),
        comment: decision.and_then(|(_, _, comment)| comment),
        user_events,
        colleagues: colleagues(store, &tenant_id).await?,
    })
}

/// Closes an item with FRAUD or LEGIT and an optional comment.
#[server(prefix = "/rpc", endpoint = "review-decide")]
pub async fn decide_review(
    id: String,
    decision: String,
    comment: Option<String>,
) -> Result<String, ServerFnError> {
    use super::guard::{audit, context, require_client_admin, store_error};
    let (admin, tenant_id) = require_client_admin().await?;
    let label = label(&decision)?;
    let comment = comment.unwrap_or_default();
    context()?
        .store
        .decide_review(&tenant_id, &id, label, &comment, &admin.email, true, doorman_store::now_ms())
        .await
        .map_err(store_error)?;
    audit(
        &admin,
        Some(&tenant_id),
        "review.decide",
        &id,
        format!("{} {}", label.as_str(), comment.trim()).trim(),
    )
    .await;
    announce(&tenant_id);
    Ok(label.as_str().to_string())
}

/// Decides every item under the queue page's filters that nobody else holds (at most 1,000).
#[server(prefix = "/rpc", endpoint = "review-decide-all")]
pub async fn decide_review_bulk(
    age: Option<String>,
    rule: Option<String>,
    assignee: Option<String>,
    visitor: Option<String>,
    decision: String,
    comment: Option<String>,
) -> Result<String, ServerFnError> {
    use super::guard::{audit, context, require_client_admin, store_error};
    let (admin, tenant_id) = require_client_admin().await?;
    let label = label(&decision)?;
    let selection = filter(age, rule, assignee, visitor, &admin.email)?;
    let comment = comment.unwrap_or_default();
    let done = context()?
        .store
        .decide_review_bulk(&tenant_id, &selection, label, &comment, &admin.email, doorman_store::now_ms())
        .await
        .map_err(store_error)?;
    let summary = format!(
        "{} items decided {}; {} held by colleagues left alone",
        done.decided.len(),
        label.as_str(),
        done.skipped
    );
    audit(&admin, Some(&tenant_id), "review.decide_bulk", &format!("{selection:?}"), &summary).await;
    announce(&tenant_id);
    Ok(summary)
}

/// Gives an item to a colleague (a client admin of the tenant), for the claim time.
#[server(prefix = "/rpc", endpoint = "review-assign")]
pub async fn assign_review(id: String, analyst: String) -> Result<(), ServerFnError> {
    use super::guard::{audit, context, require_client_admin, store_error};
    let (admin, tenant_id) = require_client_admin().await?;
    context()?
        .store
        .assign_review(&tenant_id, &id, analyst.trim(), doorman_store::now_ms())
        .await
        .map_err(store_error)?;
    audit(&admin, Some(&tenant_id), "review.assign", &id, analyst.trim()).await;
    announce(&tenant_id);
    Ok(())
}

/// Lets go of an item the analyst holds, back to the queue.
#[server(prefix = "/rpc", endpoint = "review-release")]
pub async fn release_review(id: String) -> Result<(), ServerFnError> {
    use super::guard::{context, require_client_admin, store_error};
    let (admin, tenant_id) = require_client_admin().await?;
    context()?.store.release_review(&tenant_id, &id, &admin.email).await.map_err(store_error)?;
    announce(&tenant_id);
    leptos_axum::redirect("/client-admin/review");
    Ok(())
}

/// Puts an event that did not enter the queue by its decision (a block, say) in it.
#[server(prefix = "/rpc", endpoint = "review-send")]
pub async fn send_to_review(id: String) -> Result<(), ServerFnError> {
    use super::guard::{audit, context, require_client_admin, store_error};
    let (admin, tenant_id) = require_client_admin().await?;
    context()?
        .store
        .send_to_review(&tenant_id, &id, &admin.email, doorman_store::now_ms())
        .await
        .map_err(store_error)?;
    audit(&admin, Some(&tenant_id), "review.send", &id, "").await;
    announce(&tenant_id);
    Ok(())
}

/// The tenant's queue settings: near misses (allowed events scoring at least this much) and
/// how long a claim lasts.
#[server(prefix = "/rpc", endpoint = "review-settings")]
pub async fn save_review_settings(
    near_miss_score: Option<String>,
    claim_minutes: String,
) -> Result<(), ServerFnError> {
    use super::guard::{audit, context, refuse, require_client_admin, store_error};
    use doorman_store::review::ReviewSettings;
    let (admin, tenant_id) = require_client_admin().await?;
    let number = |text: &str, what: &str| {
        text.trim().parse::<i32>().map_err(|_| {
            refuse(http::StatusCode::UNPROCESSABLE_ENTITY, format!("{what} must be a whole number"))
        })
    };
    let settings = ReviewSettings {
        near_miss_score: match near_miss_score.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
            Some(score) => Some(number(score, "the near-miss score")?),
            None => None,
        },
        claim_minutes: number(&claim_minutes, "the claim time")?,
    };
    context()?
        .store
        .set_review_settings(&tenant_id, &settings, doorman_store::now_ms())
        .await
        .map_err(store_error)?;
    let detail =
        format!("near misses from {:?}, claims of {} min", settings.near_miss_score, settings.claim_minutes);
    audit(&admin, Some(&tenant_id), "review.settings", "review", &detail).await;
    announce(&tenant_id);
    Ok(())
}
