//! `/api/v1/openapi.json` against the running server: every route answers only with
//! statuses the document lists, every body validates against the documented schema (with
//! no field the schema leaves out), and every documented response is produced by some call.

use std::collections::BTreeSet;

use serde_json::{json, Map, Value};

use crate::harness::{seed_003_signup, Options, TestApp};

/// One exchange with the server, by route template.
struct Answer {
    method: &'static str,
    route: &'static str,
    status: u16,
    headers: reqwest::header::HeaderMap,
    body: Value,
}

async fn call(
    app: &TestApp,
    method: &'static str,
    route: &'static str,
    path: &str,
    key: Option<&str>,
    body: Option<Vec<u8>>,
) -> Answer {
    let url = app.url(&format!("/api/v1{path}"));
    let mut req = app.http.request(method.parse().unwrap(), url);
    if let Some(key) = key {
        req = req.header("x-api-key", key);
    }
    if let Some(body) = body {
        req = req.header("content-type", "application/json").body(body);
    }
    let res = req.send().await.unwrap();
    let status = res.status().as_u16();
    let headers = res.headers().clone();
    let body = res.json().await.unwrap_or(Value::Null);
    Answer { method, route, status, headers, body }
}

/// Objects that list their properties accept no others, so a field the code sends but the
/// document leaves out fails validation too.
fn close_objects(schema: &mut Value) {
    match schema {
        Value::Object(map) => {
            if map.contains_key("properties") && !map.contains_key("additionalProperties") {
                map.insert("additionalProperties".into(), Value::Bool(false));
            }
            map.values_mut().for_each(close_objects);
        }
        Value::Array(items) => items.iter_mut().for_each(close_objects),
        _ => {}
    }
}

fn check(doc: &Value, answer: &Answer) -> (String, String, String) {
    let path = format!("/api/v1{}", answer.route);
    let method = answer.method.to_lowercase();
    let status = answer.status.to_string();
    let what = format!("{} {path} answered {status} with {}", answer.method, answer.body);
    let documented = &doc["paths"][&path][&method]["responses"][&status];
    assert!(documented.is_object(), "{what}: not in the document");

    if answer.status == 204 {
        assert!(answer.body.is_null() && documented["content"].is_null(), "{what}: 204 has no body");
        return (path, method, status);
    }
    let schema = &documented["content"]["application/json"]["schema"];
    assert!(schema.is_object(), "{what}: the document gives no JSON schema");
    let mut root: Map<String, Value> = schema.as_object().unwrap().clone();
    root.insert("components".into(), doc["components"].clone());
    let mut root = Value::Object(root);
    close_objects(&mut root);
    let validator = jsonschema::draft202012::new(&root).unwrap_or_else(|e| panic!("{what}: bad schema: {e}"));
    let errors: Vec<String> =
        validator.iter_errors(&answer.body).map(|e| format!("{} at {}", e, e.instance_path())).collect();
    assert!(errors.is_empty(), "{what}: does not match the document: {errors:#?}");

    for header in documented["headers"].as_object().into_iter().flat_map(|h| h.keys()) {
        assert!(answer.headers.contains_key(header.as_str()), "{what}: no {header} header");
    }
    (path, method, status)
}

fn documented_responses(doc: &Value) -> BTreeSet<(String, String, String)> {
    let mut all = BTreeSet::new();
    for (path, item) in doc["paths"].as_object().unwrap() {
        for (method, op) in item.as_object().unwrap() {
            for status in op["responses"].as_object().unwrap().keys() {
                all.insert((path.clone(), method.clone(), status.clone()));
            }
        }
    }
    all
}

#[tokio::test]
async fn every_documented_response_is_what_the_server_answers() {
    let app = TestApp::start().await;
    let res = app.http.get(app.url("/api/v1/openapi.json")).send().await.unwrap();
    assert_eq!(res.status(), 200);
    assert_eq!(res.headers()["content-type"], "application/json");
    let doc: Value = res.json().await.unwrap();
    assert!(doc["openapi"].as_str().unwrap().starts_with("3.1"), "{}", doc["openapi"]);
    assert_eq!(doc["components"]["securitySchemes"]["apiKey"]["name"], "x-api-key");

    let key = Some(app.api_key.as_str());
    let json = |v: Value| Some(serde_json::to_vec(&v).unwrap());
    let long_user = "u".repeat(257);
    let mut answers = Vec::new();

    let scored = call(
        &app,
        "POST",
        "/events/ingest",
        "/events/ingest",
        key,
        json(seed_003_signup("ana@example.org", "fp-1")),
    )
    .await;
    let event = scored.body["eventId"].as_str().unwrap().to_string();
    let visitor = scored.body["visitorId"].as_str().unwrap().to_string();
    answers.push(scored);
    let too_long_email = json!({ "type": "SIGNUP", "email": format!("{}@example.org", "a".repeat(300)) });
    let oversized = json!({ "type": "SIGNUP", "email": "x".repeat(70 * 1024) });
    for (k, body) in [
        (key, Some(b"{\"type\":".to_vec())),
        (None, json(json!({ "type": "SIGNUP" }))),
        (key, json(oversized)),
        (key, json(too_long_email)),
    ] {
        answers.push(call(&app, "POST", "/events/ingest", "/events/ingest", k, body).await);
    }

    let event_path = format!("/events/{event}");
    for (k, path) in [(key, event_path.as_str()), (None, event_path.as_str()), (key, "/events/evt_none")] {
        answers.push(call(&app, "GET", "/events/{event_id}", path, k, None).await);
    }

    let feedback_path = format!("/events/{event}/feedback");
    for (k, path, body) in [
        (key, feedback_path.as_str(), json(json!({ "label": "LEGIT" }))),
        (key, feedback_path.as_str(), Some(b"{".to_vec())),
        (None, feedback_path.as_str(), json(json!({ "label": "LEGIT" }))),
        (key, "/events/evt_none/feedback", json(json!({ "label": "LEGIT" }))),
        (key, feedback_path.as_str(), json(json!({}))),
    ] {
        answers.push(call(&app, "POST", "/events/{event_id}/feedback", path, k, body).await);
    }

    let visitor_path = format!("/visitors/{visitor}");
    let visitor_bad_limit = format!("/visitors/{visitor}?limit=0");
    for (k, path) in [
        (key, visitor_path.as_str()),
        (None, visitor_path.as_str()),
        (key, "/visitors/vis_none"),
        (key, visitor_bad_limit.as_str()),
    ] {
        answers.push(call(&app, "GET", "/visitors/{visitor_id}", path, k, None).await);
    }

    for (route, tail) in [("/users/{user}/devices", "/devices"), ("/users/{user}/export", "/export")] {
        for (k, user) in
            [(key, "ana@example.org"), (None, "ana@example.org"), (key, "nobody"), (key, long_user.as_str())]
        {
            answers.push(call(&app, "GET", route, &format!("/users/{user}{tail}"), k, None).await);
        }
    }
    for (k, user) in [(None, "ana@example.org"), (key, long_user.as_str()), (key, "ana@example.org")] {
        answers.push(call(&app, "DELETE", "/users/{user}", &format!("/users/{user}"), k, None).await);
    }

    for (k, path) in [(key, "/lists"), (None, "/lists"), (key, "/lists?kind=planet")] {
        answers.push(call(&app, "GET", "/lists", path, k, None).await);
    }
    let entry = json!({ "action": "block", "kind": "asn", "value": "AS64500", "reason": "test", "expiresInSeconds": 3600 });
    for (k, body) in [
        (key, json(entry.clone())),
        (key, json(entry)),
        (key, Some(b"{".to_vec())),
        (None, json(json!({ "action": "block", "kind": "ip", "value": "203.0.113.1" }))),
        (key, json(json!({ "action": "block", "kind": "planet", "value": "mars" }))),
    ] {
        answers.push(call(&app, "POST", "/lists", "/lists", k, body).await);
    }
    for (k, path) in [
        (key, "/lists/asn/AS64500"),
        (key, "/lists/asn/AS64500"),
        (None, "/lists/asn/1"),
        (key, "/lists/planet/mars"),
    ] {
        answers.push(call(&app, "DELETE", "/lists/{kind}/{value}", path, k, None).await);
    }

    let snooze = json!({ "rule": "HIGH_RISK_ASN", "kind": "ip", "value": "198.51.100.9", "reason": "office", "durationSeconds": 3600 });
    let made = call(&app, "POST", "/snoozes", "/snoozes", key, json(snooze.clone())).await;
    let snooze_id = made.body["id"].as_str().unwrap().to_string();
    answers.push(made);
    for (k, body) in [
        (key, Some(b"{".to_vec())),
        (None, json(snooze.clone())),
        (
            key,
            json(
                json!({ "rule": "NOPE", "kind": "ip", "value": "1.2.3.4", "reason": "x", "durationSeconds": 60 }),
            ),
        ),
    ] {
        answers.push(call(&app, "POST", "/snoozes", "/snoozes", k, body).await);
    }
    for k in [key, None] {
        answers.push(call(&app, "GET", "/snoozes", "/snoozes", k, None).await);
    }
    let snooze_path = format!("/snoozes/{snooze_id}");
    for (k, path) in [(key, snooze_path.as_str()), (key, snooze_path.as_str()), (None, snooze_path.as_str())]
    {
        answers.push(call(&app, "DELETE", "/snoozes/{id}", path, k, None).await);
    }

    // A challenged event for the review queue.
    let challenge = doorman_engine::config::ConfigOverrides {
        allow_max: Some(0),
        monitor_max: Some(1000),
        ..Default::default()
    };
    app.store.set_tenant_overrides(&app.tenant_id, &challenge).await.unwrap();
    let queued = call(
        &app,
        "POST",
        "/events/ingest",
        "/events/ingest",
        key,
        json(seed_003_signup("bo@mailinator.com", "fp-2")),
    )
    .await;
    let queued = queued.body["eventId"].as_str().unwrap().to_string();
    for (k, path) in [(key, "/review"), (None, "/review"), (key, "/review?limit=0")] {
        answers.push(call(&app, "GET", "/review", path, k, None).await);
    }
    let review_path = format!("/review/{queued}");
    for (k, path, body) in [
        (key, review_path.as_str(), json(json!({ "decision": "FRAUD", "comment": "farm" }))),
        (key, review_path.as_str(), json(json!({ "decision": "LEGIT" }))),
        (key, review_path.as_str(), Some(b"{".to_vec())),
        (None, review_path.as_str(), json(json!({ "decision": "LEGIT" }))),
        (key, "/review/evt_none", json(json!({ "decision": "LEGIT" }))),
        (key, review_path.as_str(), json(json!({ "decision": "MAYBE" }))),
    ] {
        answers.push(call(&app, "POST", "/review/{event_id}", path, k, body).await);
    }

    // A key whose one request a second is spent: every route answers 429.
    let limited =
        TestApp::start_with(Options { rate_limit: 1, rate_limit_burst: 1, ..Options::default() }).await;
    let key = Some(limited.api_key.as_str());
    call(&limited, "GET", "/events/{event_id}", "/events/evt_none", key, None).await;
    for (method, route, path, body) in [
        ("POST", "/events/ingest", "/events/ingest", json(json!({ "type": "SIGNUP" }))),
        ("GET", "/events/{event_id}", "/events/evt_none", None),
        (
            "POST",
            "/events/{event_id}/feedback",
            "/events/evt_none/feedback",
            json(json!({ "label": "FRAUD" })),
        ),
        ("GET", "/visitors/{visitor_id}", "/visitors/vis_none", None),
        ("GET", "/users/{user}/devices", "/users/ana/devices", None),
        ("GET", "/users/{user}/export", "/users/ana/export", None),
        ("DELETE", "/users/{user}", "/users/ana", None),
        ("GET", "/review", "/review", None),
        ("GET", "/lists", "/lists", None),
        ("GET", "/snoozes", "/snoozes", None),
        (
            "POST",
            "/snoozes",
            "/snoozes",
            json(
                json!({ "rule": "TOR_EXIT", "kind": "ip", "value": "1.2.3.4", "reason": "x", "durationSeconds": 60 }),
            ),
        ),
        ("DELETE", "/snoozes/{id}", "/snoozes/snz_none", None),
        (
            "POST",
            "/lists",
            "/lists",
            json(json!({ "action": "block", "kind": "ip", "value": "203.0.113.1" })),
        ),
        ("DELETE", "/lists/{kind}/{value}", "/lists/ip/203.0.113.1", None),
        ("POST", "/review/{event_id}", "/review/evt_none", json(json!({ "decision": "FRAUD" }))),
    ] {
        answers.push(call(&limited, method, route, path, key, body).await);
    }

    let answered: BTreeSet<_> = answers.iter().map(|a| check(&doc, a)).collect();
    let documented = documented_responses(&doc);
    let unproduced: Vec<_> = documented.difference(&answered).collect();
    assert!(unproduced.is_empty(), "documented but never answered: {unproduced:?}");
    assert_eq!(documented.iter().filter(|(_, _, s)| s == "200").count(), 11, "{documented:?}");
}

#[tokio::test]
async fn the_document_needs_no_key_and_other_api_paths_stay_json_errors() {
    let app = TestApp::start().await;
    let res = app.http.get(app.url("/api/v1/openapi.json")).send().await.unwrap();
    assert_eq!(res.status(), 200);
    let res = app.http.post(app.url("/api/v1/openapi.json")).send().await.unwrap();
    assert_eq!(res.status(), 405);
    let body: Value = res.json().await.unwrap();
    assert_eq!(body["error"]["code"], "method_not_allowed");
}
