use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

use crate::api::overview;
use crate::components::{
    show_errors, throttled, DecisionsOverTime, Frame, HorizontalBars, RecentEvents, ScoreHistogram,
};
use crate::model::{DecisionCountsView, OverviewView, RulePrecisionView};

fn rate(part: i64, total: i64) -> String {
    if total == 0 {
        "–".into()
    } else {
        format!("{:.1} %", part as f64 * 100.0 / total as f64)
    }
}

/// The client admin's start: decisions over the last 24 hours or 7 days, the rules that
/// fire most, how scores spread, how often each rule was right, and the newest events.
#[component]
pub fn ClientAdminHome() -> impl IntoView {
    let query = use_query_map();
    // Counters and charts are read again at most once a second while events arrive.
    let changed = RwSignal::new(0u32);
    let data =
        Resource::new(move || (query.get().get("period"), changed.get()), |(period, _)| overview(period));
    let refresh = throttled(move || changed.update(|n| *n += 1));
    let on_event = Callback::new(move |()| refresh());
    view! {
        <Title text="Overview" />
        <Frame title="Overview">
            <nav class="periods">
                <a href="?period=24h">"Last 24 hours"</a>
                <a href="?period=7d">"Last 7 days"</a>
            </nav>
            <Transition fallback=|| view! { <p>"Loading…"</p> }>
                <ErrorBoundary fallback=show_errors>
                    {move || Suspend::new(async move { data.await.map(|o| view! { <OverviewCharts o /> }) })}
                </ErrorBoundary>
            </Transition>
            <RecentEvents show_tenant=false detail_base=Some("/client-admin/events") on_event />
        </Frame>
    }
}

#[component]
fn OverviewCharts(o: OverviewView) -> impl IntoView {
    let DecisionCountsView { allow, challenge, block } = o.totals.clone();
    let total = o.totals.total();
    let period = if o.period == "7d" { "the last 7 days" } else { "the last 24 hours" };
    view! {
        <section class="stats" data-period=o.period.clone()>
            <div class="stat"><span class="stat-value" id="total-events">{total}</span><span class="stat-label">"events in " {period}</span></div>
            <div class="stat"><span class="stat-value allow">{allow}</span><span class="stat-label">"allowed"</span></div>
            <div class="stat"><span class="stat-value challenge" id="challenge-rate">{rate(challenge, total)}</span><span class="stat-label">{challenge} " challenged"</span></div>
            <div class="stat"><span class="stat-value block" id="block-rate">{rate(block, total)}</span><span class="stat-label">{block} " blocked"</span></div>
        </section>
        <section>
            <h2>"Decisions over time"</h2>
            <p class="legend"><span class="key allow"></span>"allow " <span class="key challenge"></span>"challenge " <span class="key block"></span>"block"</p>
            <DecisionsOverTime buckets=o.buckets since=o.since bucket_ms=o.bucket_ms />
        </section>
        <div class="two-columns">
            <section>
                <h2>"Top triggered rules"</h2>
                <HorizontalBars items=o.top_rules label="Top triggered rules" />
            </section>
            <section>
                <h2>"Risk scores"</h2>
                <ScoreHistogram bands=o.score_bands band=o.score_band />
            </section>
        </div>
        <section>
            <h2>"Rule precision"</h2>
            <p class="hint">"From the labels your backend sends as feedback (FRAUD or LEGIT), over every labeled event kept."</p>
            <PrecisionTable rows=o.precision />
        </section>
    }
}

#[component]
fn PrecisionTable(rows: Vec<RulePrecisionView>) -> impl IntoView {
    if rows.is_empty() {
        return view! { <p class="empty">"No labeled events yet."</p> }.into_any();
    }
    let rows = rows
        .into_iter()
        .map(|r| {
            let labeled = r.fraud + r.legit;
            let marker = r.code.clone();
            view! {
                <tr data-rule=marker>
                    <td class="mono">{r.code}</td>
                    <td class="num">{labeled}</td>
                    <td class="num">{r.fraud}</td>
                    <td class="num">{r.legit}</td>
                    <td class="num precision">{rate(r.fraud, labeled)}</td>
                </tr>
            }
        })
        .collect_view();
    view! {
        <div class="table-wrap">
            <table class="precision">
                <thead><tr><th>"Rule"</th><th>"Labeled events it fired on"</th><th>"Fraud"</th><th>"Legit"</th><th>"Precision"</th></tr></thead>
                <tbody>{rows}</tbody>
            </table>
        </div>
    }
    .into_any()
}
