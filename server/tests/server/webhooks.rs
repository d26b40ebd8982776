//! Webhooks for BLOCK and CHALLENGE decisions: delivered signed to a real HTTP receiver,
//! retried when it fails, never sent for an allowed event.

use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::http::{HeaderMap, StatusCode};
use axum::routing::post;
use axum::Router;
use doorman_store::on_both_backends;
use serde_json::Value;

use crate::harness::{seed_003_signup, Options, TestApp};

#[derive(Default)]
struct Inbox {
    received: Vec<(HeaderMap, String)>,
    /// Requests still to answer 500 before answering 204.
    fail_next: usize,
}

/// A webhook receiver on loopback; gives its URL and what it received.
async fn receiver(fail_first: usize) -> (String, Arc<Mutex<Inbox>>) {
    let inbox = Arc::new(Mutex::new(Inbox { fail_next: fail_first, ..Inbox::default() }));
    let state = inbox.clone();
    let app = Router::new().route(
        "/hook",
        post(move |headers: HeaderMap, body: String| {
            let state = state.clone();
            async move {
                let mut inbox = state.lock().unwrap();
                inbox.received.push((headers, body));
                if inbox.fail_next > 0 {
                    inbox.fail_next -= 1;
                    StatusCode::INTERNAL_SERVER_ERROR
                } else {
                    StatusCode::NO_CONTENT
                }
            }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr: SocketAddr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    (format!("http://{addr}/hook"), inbox)
}

/// Waits up to ten seconds for the receiver to have `n` requests.
async fn wait_for(inbox: &Arc<Mutex<Inbox>>, n: usize) {
    for _ in 0..200 {
        if inbox.lock().unwrap().received.len() >= n {
            return;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("the receiver got {} of {n} requests", inbox.lock().unwrap().received.len());
}

async fn blocked_signup(app: &TestApp) -> Value {
    app.ingest(&seed_003_signup("ada@example.com", "fp-shared")).await;
    let (_, blocked) = app.ingest(&seed_003_signup("bob@example.org", "fp-shared")).await;
    assert_eq!(blocked["decision"], "BLOCK");
    blocked
}

async fn a_blocked_event_is_delivered_signed_and_an_allowed_one_is_not(app: TestApp) {
    let (url, inbox) = receiver(0).await;
    let (_, secret) = app.store.create_webhook(&app.tenant_id, &url, "BLOCK").await.unwrap();
    let blocked = blocked_signup(&app).await;
    wait_for(&inbox, 1).await;
    // Time for a wrongly queued delivery of the allowed signup to arrive too.
    tokio::time::sleep(Duration::from_millis(300)).await;

    let inbox = inbox.lock().unwrap();
    assert_eq!(inbox.received.len(), 1, "only the blocked event is sent");
    let (headers, body) = &inbox.received[0];
    let sent: Value = serde_json::from_str(body).unwrap();
    assert_eq!(sent["eventId"], blocked["eventId"]);
    assert_eq!(sent["decision"], "BLOCK");
    assert_eq!(sent["triggeredRules"][0], "DEVICE_REUSED");
    assert!(sent.get("email").is_none(), "{sent}");
    assert_eq!(headers["doorman-event"], blocked["eventId"].as_str().unwrap());

    // The receiver checks the signature as the README tells it to.
    let header = headers["doorman-signature"].to_str().unwrap();
    let t: i64 = header.split(',').next().unwrap().strip_prefix("t=").unwrap().parse().unwrap();
    assert!((doorman_store::now_ms() / 1000 - t).abs() < 60);
    assert_eq!(header, doorman_server::webhooks::signature(&secret, t, body));
}

async fn a_failing_receiver_gets_the_delivery_again(app: TestApp) {
    let (url, inbox) = receiver(2).await;
    app.store.create_webhook(&app.tenant_id, &url, "BLOCK,CHALLENGE").await.unwrap();
    blocked_signup(&app).await;
    wait_for(&inbox, 3).await;
    let bodies: Vec<String> = inbox.lock().unwrap().received.iter().map(|(_, b)| b.clone()).collect();
    assert!(bodies.iter().all(|b| b == &bodies[0]), "every attempt sends the same delivery");
    let mut hooks = app.store.list_webhooks(&app.tenant_id).await.unwrap();
    for _ in 0..40 {
        if hooks[0].delivered == 1 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
        hooks = app.store.list_webhooks(&app.tenant_id).await.unwrap();
    }
    assert_eq!((hooks[0].delivered, hooks[0].pending, hooks[0].failed), (1, 0, 0), "{hooks:?}");
}

async fn deliveries_stay_inside_their_tenant(app: TestApp) {
    let (url, inbox) = receiver(0).await;
    let other = app.store.create_tenant("globex", "Globex").await.unwrap();
    app.store.create_webhook(&other.id, &url, "BLOCK").await.unwrap();
    blocked_signup(&app).await;
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert!(inbox.lock().unwrap().received.is_empty(), "acme's events never reach globex's webhook");
    assert!(app.store.list_webhooks(&app.tenant_id).await.unwrap().is_empty());
    assert!(!app
        .store
        .delete_webhook(&app.tenant_id, &app.store.list_webhooks(&other.id).await.unwrap()[0].id)
        .await
        .unwrap());
}

/// Events sent at once are written together, their deliveries queued by one statement: each
/// goes to its own tenant's webhook, once.
async fn events_written_together_reach_their_own_tenants_webhook(app: TestApp) {
    let (acme_url, acme_inbox) = receiver(0).await;
    let (globex_url, globex_inbox) = receiver(0).await;
    app.store.create_webhook(&app.tenant_id, &acme_url, "BLOCK").await.unwrap();
    let globex = app.store.create_tenant("globex", "Globex").await.unwrap();
    let (_, globex_key) = app.store.create_api_key(&globex.id, "backend").await.unwrap();
    app.store.create_webhook(&globex.id, &globex_url, "BLOCK").await.unwrap();
    // A first account on each tenant's device: every later one there is blocked.
    app.ingest(&seed_003_signup("ada@example.com", "fp-acme")).await;
    app.ingest_raw(
        Some(&globex_key),
        serde_json::to_vec(&seed_003_signup("ada@example.com", "fp-globex")).unwrap(),
    )
    .await;

    let mut sends = tokio::task::JoinSet::new();
    for i in 0..12 {
        let (key, fingerprint) =
            if i % 2 == 0 { (app.api_key.clone(), "fp-acme") } else { (globex_key.clone(), "fp-globex") };
        let request = app
            .http
            .post(app.url("/api/v1/events/ingest"))
            .header("x-api-key", key)
            .json(&seed_003_signup(&format!("user{i}@example.com"), fingerprint));
        sends
            .spawn(async move { (i % 2 == 0, request.send().await.unwrap().json::<Value>().await.unwrap()) });
    }
    let (mut acme_blocked, mut globex_blocked) = (Vec::new(), Vec::new());
    while let Some(sent) = sends.join_next().await {
        let (acme, answer) = sent.unwrap();
        assert_eq!(answer["decision"], "BLOCK", "{answer}");
        let id = answer["eventId"].as_str().unwrap().to_string();
        if acme {
            acme_blocked.push(id)
        } else {
            globex_blocked.push(id)
        }
    }

    wait_for(&acme_inbox, 6).await;
    wait_for(&globex_inbox, 6).await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    for (inbox, mut expected) in [(acme_inbox, acme_blocked), (globex_inbox, globex_blocked)] {
        let mut received: Vec<String> = inbox
            .lock()
            .unwrap()
            .received
            .iter()
            .map(|(_, body)| {
                serde_json::from_str::<Value>(body).unwrap()["eventId"].as_str().unwrap().to_string()
            })
            .collect();
        received.sort();
        expected.sort();
        assert_eq!(received, expected, "each blocked event once, to its own tenant's webhook");
    }
}

on_both_backends!(TestApp::on =>
    events_written_together_reach_their_own_tenants_webhook,
    a_blocked_event_is_delivered_signed_and_an_allowed_one_is_not,
    a_failing_receiver_gets_the_delivery_again,
    deliveries_stay_inside_their_tenant,
);

/// As in production, where webhooks may not reach this host or its networks: a name that
/// resolves to loopback is refused when the connection resolves it, and a literal address
/// before; the receiver hears nothing and the delivery is given up, not retried.
#[tokio::test]
async fn webhooks_to_internal_addresses_are_refused_when_they_connect() {
    let app = TestApp::start_with(Options { webhooks_to_private: false, ..Options::default() }).await;
    let (url, inbox) = receiver(0).await;
    let by_name = url.replace("127.0.0.1", "localhost");
    app.store.create_webhook(&app.tenant_id, &by_name, "BLOCK").await.unwrap();
    let globex = app.store.create_tenant("globex", "Globex").await.unwrap();
    app.store.create_webhook(&globex.id, &url, "BLOCK").await.unwrap();
    let (_, globex_key) = app.store.create_api_key(&globex.id, "backend").await.unwrap();
    blocked_signup(&app).await;
    for email in ["ada@example.com", "bob@example.org"] {
        let body = serde_json::to_vec(&seed_003_signup(email, "fp-globex")).unwrap();
        app.ingest_raw(Some(&globex_key), body).await;
    }
    let mut errors = Vec::new();
    for _ in 0..100 {
        let acme = app.store.list_webhooks(&app.tenant_id).await.unwrap();
        let globex = app.store.list_webhooks(&globex.id).await.unwrap();
        if acme[0].failed == 1 && globex[0].failed == 1 {
            errors = vec![acme[0].last_error.clone().unwrap(), globex[0].last_error.clone().unwrap()];
            assert_eq!((acme[0].pending, globex[0].pending), (0, 0), "given up, not retried");
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert_eq!(errors.len(), 2, "the deliveries were not refused");
    assert!(errors[0].starts_with("localhost resolves to the internal address"), "{errors:?}");
    assert!(errors[1].starts_with("127.0.0.1 is the internal address"), "{errors:?}");
    assert!(inbox.lock().unwrap().received.is_empty(), "a refused delivery reached the receiver");
}

#[tokio::test]
async fn client_admins_manage_their_webhooks_from_the_dashboard() {
    let app = TestApp::start().await;
    let (root, ops) = crate::operators::root_and_acme_ops(&app).await;
    let (url, inbox) = receiver(0).await;

    let (status, body) = ops.call("create-webhook", &[("url", &url), ("block", "on")]).await;
    assert_eq!(status, 200, "{body}");
    let created: Value = serde_json::from_str(&body).unwrap();
    let secret = created["secret"].as_str().unwrap();
    assert!(secret.starts_with("whsec_"), "{created}");
    for form in [vec![("url", "ftp://example.com"), ("block", "on")], vec![("url", url.as_str())]] {
        let (status, body) = ops.call("create-webhook", &form).await;
        assert_eq!(status, 422, "{form:?}: {body}");
    }

    blocked_signup(&app).await;
    wait_for(&inbox, 1).await;
    let (_, body) = ops.call("list-webhooks", &[]).await;
    let hooks: Value = serde_json::from_str(&body).unwrap();
    assert_eq!(hooks[0]["url"], url);
    assert!(!body.contains(secret), "the secret is shown once only");
    let id = hooks[0]["id"].as_str().unwrap().to_string();

    // Another tenant's admin and the super admin cannot touch it.
    let globex = app.store.create_tenant("globex", "Globex").await.unwrap();
    app.store
        .create_admin(
            "ops@globex.test",
            "globex-admin-pass",
            doorman_store::admins::Role::ClientAdmin,
            Some(&globex.id),
        )
        .await
        .unwrap();
    let other = crate::operators::session(&app, "ops@globex.test", "globex-admin-pass").await;
    let (_, body) = other.call("list-webhooks", &[]).await;
    assert_eq!(body, "[]");
    assert_eq!(other.call("delete-webhook", &[("id", &id)]).await.0, 404);
    assert_eq!(root.call("list-webhooks", &[]).await.0, 403);

    assert_eq!(ops.call("delete-webhook", &[("id", &id)]).await.0, 200);
    let (_, audit) = ops.call("audit-log", &[]).await;
    assert!(audit.contains("webhook.create") && audit.contains("webhook.delete"), "{audit}");
}
