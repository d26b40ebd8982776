//! Derive + score for one event, without the database: the engine's share of every ingest.
//! `cargo bench -p doorman-engine`

use criterion::{criterion_group, criterion_main, Criterion};
use doorman_engine::config::RuleConfig;
use doorman_engine::derive::derive;
use doorman_engine::geo::Geo;
use doorman_engine::input::IngestRequest;
use doorman_engine::linkage::Linkage;
use doorman_engine::reputation::Reputation;
use doorman_engine::score::assess;
use std::hint::black_box;

/// A collector payload as a real browser sends it, with a full pointer path.
fn event() -> IngestRequest {
    serde_json::from_value(body()).expect("valid event")
}

/// The body of [`event`] as a client backend posts it.
fn body() -> serde_json::Value {
    let path: Vec<serde_json::Value> = (0..120)
        .map(|i| serde_json::json!({ "x": 100 + i * 3, "y": 200 + (i % 17), "t": 1000 + i * 60 }))
        .collect();
    serde_json::json!({
        "type": "SIGNUP",
        "email": "Jane.Doe+promo@gmail.com",
        "externalUserId": "user-42",
        "ip": "203.0.113.7",
        "device": {
            "userAgent": "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36",
            "screen": { "width": 1920, "height": 1080, "pixelRatio": 1.25, "colorDepth": 24 },
            "timezone": "Europe/Paris", "language": "fr-FR", "languages": ["fr-FR", "en-US"],
            "webglVendor": "Google Inc. (NVIDIA)", "webglRenderer": "ANGLE (NVIDIA GeForce RTX 3060)",
            "hardwareConcurrency": 8, "deviceMemory": 8, "platform": "Win32",
            "fingerprint": "0f3c9a8e7d6b5a4c3b2a19081726354f", "deviceToken": "a1b2c3d4e5f60718293a4b5c6d7e8f90",
            "payloadId": "p-1", "canvasHash": "c4nv45", "webglHash": "w3bg1",
            "fonts": ["Arial", "Calibri", "Segoe UI"],
            "automation": { "webdriver": false, "markers": [], "tampered": [] }
        },
        "behavior": { "formStartedAt": 1700000000000i64, "formSubmittedAt": 1700000009000i64,
                      "mousePath": path, "keystrokeCount": 31 }
    })
}

fn reputation() -> Reputation {
    let mut rep = Reputation::default();
    rep.disposable_domains.extend((0..100_000).map(|i| format!("disposable{i}.example")));
    rep.tor_exits.extend((0..2_000u32).map(|i| std::net::IpAddr::from((0xC633_6400u32 + i).to_be_bytes())));
    rep
}

fn bench(c: &mut Criterion) {
    let req = event();
    let rep = reputation();
    let linkage = Linkage { other_users_on_device: 1, ..Linkage::default() };
    let config = RuleConfig::default();
    let geo = Geo::default();
    c.bench_function("validate+derive+assess one signup", |b| {
        b.iter(|| {
            let req = black_box(&req);
            req.validate().expect("valid");
            let signals = derive(req, &rep, &geo);
            assess(req, &signals, black_box(&linkage), &config)
        })
    });
    let bytes = serde_json::to_vec(&body()).expect("serializable");
    c.bench_function("parse one signup body", |b| {
        b.iter(|| doorman_engine::json::parse::<IngestRequest>(black_box(&bytes)).expect("valid"))
    });
}

criterion_group!(benches, bench);
criterion_main!(benches);
