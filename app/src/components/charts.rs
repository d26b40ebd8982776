//! SVG charts drawn by the app itself: no script or stylesheet from anywhere else.

use leptos::prelude::*;

use crate::model::{format_utc, DecisionCountsView};

const WIDTH: f64 = 720.0;
const HEIGHT: f64 = 180.0;
/// Room under the bars for the axis labels.
const AXIS: f64 = 18.0;

fn n(x: f64) -> String {
    format!("{x:.1}")
}

/// Events per time bucket, stacked by decision (allowed at the bottom).
#[component]
pub fn DecisionsOverTime(buckets: Vec<DecisionCountsView>, since: i64, bucket_ms: i64) -> impl IntoView {
    let max = buckets.iter().map(DecisionCountsView::total).max().unwrap_or(0).max(1) as f64;
    let slot = WIDTH / buckets.len().max(1) as f64;
    let plot = HEIGHT - AXIS;
    let bars = buckets
        .iter()
        .enumerate()
        .map(|(i, b)| {
            let x = i as f64 * slot + slot * 0.1;
            let w = slot * 0.8;
            let mut top = plot;
            let start = format_utc(since + i as i64 * bucket_ms);
            let label =
                format!("{start} UTC: {} allowed, {} challenged, {} blocked", b.allow, b.challenge, b.block);
            let parts = [("allow", b.allow), ("challenge", b.challenge), ("block", b.block)]
                .into_iter()
                .filter(|(_, count)| *count > 0)
                .map(|(class, count)| {
                    let h = count as f64 / max * plot;
                    top -= h;
                    view! { <rect class=class x=n(x) y=n(top) width=n(w) height=n(h) /> }
                })
                .collect_view();
            view! { <g><title>{label}</title>{parts}</g> }
        })
        .collect_view();
    let first = format_utc(since);
    let last = format_utc(since + bucket_ms * buckets.len() as i64);
    view! {
        <svg class="chart decisions-over-time" viewBox=format!("0 0 {WIDTH} {HEIGHT}") role="img"
            aria-label="Events over time by decision">
            {bars}
            <line class="axis" x1="0" y1=n(plot) x2=n(WIDTH) y2=n(plot) />
            <text class="axis-label" x="0" y=n(HEIGHT - 4.0)>{first}</text>
            <text class="axis-label" x=n(WIDTH) y=n(HEIGHT - 4.0) text-anchor="end">{last}</text>
            <text class="axis-label" x="4" y="12">{format!("max {max:.0}")}</text>
        </svg>
    }
}

/// Labelled horizontal bars, longest first as given.
#[component]
pub fn HorizontalBars(items: Vec<(String, i64)>, #[prop(into)] label: String) -> impl IntoView {
    if items.is_empty() {
        return view! { <p class="empty">"Nothing to show yet."</p> }.into_any();
    }
    let max = items.iter().map(|(_, v)| *v).max().unwrap_or(0).max(1) as f64;
    let row = 22.0;
    let text_width = 230.0;
    let height = row * items.len() as f64;
    let bars = items
        .into_iter()
        .enumerate()
        .map(|(i, (name, value))| {
            let y = i as f64 * row;
            let w = value as f64 / max * (WIDTH - text_width - 60.0);
            let marker = name.clone();
            view! {
                <g data-item=marker>
                    <text class="bar-label" x="0" y=n(y + 15.0)>{name}</text>
                    <rect class="bar" x=n(text_width) y=n(y + 4.0) width=n(w.max(1.0)) height="14" />
                    <text class="bar-value" x=n(text_width + w + 6.0) y=n(y + 15.0)>{value}</text>
                </g>
            }
        })
        .collect_view();
    view! {
        <svg class="chart bars" viewBox=format!("0 0 {WIDTH} {height}") role="img" aria-label=label>{bars}</svg>
    }
    .into_any()
}

/// Events per score band.
#[component]
pub fn ScoreHistogram(bands: Vec<i64>, band: i32) -> impl IntoView {
    let max = bands.iter().copied().max().unwrap_or(0).max(1) as f64;
    let slot = WIDTH / bands.len().max(1) as f64;
    let plot = HEIGHT - AXIS;
    let last = bands.len().saturating_sub(1);
    let bars = bands
        .iter()
        .enumerate()
        .map(|(i, count)| {
            let from = i as i32 * band;
            let name = if i == last { format!("{from}+") } else { format!("{from}–{}", from + band - 1) };
            let h = *count as f64 / max * plot;
            let x = i as f64 * slot;
            view! {
                <g>
                    <title>{format!("score {name}: {count} events")}</title>
                    <rect class="bar" x=n(x + slot * 0.1) y=n(plot - h) width=n(slot * 0.8) height=n(h) />
                    <text class="axis-label" x=n(x + slot / 2.0) y=n(HEIGHT - 4.0) text-anchor="middle">{name}</text>
                </g>
            }
        })
        .collect_view();
    view! {
        <svg class="chart score-histogram" viewBox=format!("0 0 {WIDTH} {HEIGHT}") role="img"
            aria-label="Events by risk score">
            {bars}
            <line class="axis" x1="0" y1=n(plot) x2=n(WIDTH) y2=n(plot) />
        </svg>
    }
}
