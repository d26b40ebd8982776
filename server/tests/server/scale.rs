//! Doorman as operators run it at scale: several instances on one PostgreSQL deciding as one,
//! and a process stopped under load losing no acknowledged event.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};

use doorman_store::testing::Backend;
use doorman_store::Store;
use serde_json::Value;

use crate::harness::{fired, seed_003_signup, TestApp};

/// Signups over three devices from one IP: allowed, reused devices, then IP velocity.
fn traffic() -> Vec<Value> {
    (0..8).map(|i| seed_003_signup(&format!("user{i}@example.com"), &format!("device-{}", i % 3))).collect()
}

async fn post(http: &reqwest::Client, base: &str, key: &str, body: &Value) -> Value {
    let res = http
        .post(format!("{base}/api/v1/events/ingest"))
        .header("x-api-key", key)
        .json(body)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status().as_u16(), 200);
    res.json().await.unwrap()
}

/// What must not depend on the instance: the score, the decision and the rules that fired.
fn outcome(answer: &Value) -> (i64, String, Vec<String>) {
    (answer["riskScore"].as_i64().unwrap(), answer["decision"].as_str().unwrap().to_string(), fired(answer))
}

#[tokio::test]
async fn two_instances_on_one_postgres_decide_as_one() {
    let single = TestApp::on(Backend::Postgres).await;
    let mut expected = Vec::new();
    for body in traffic() {
        expected.push(outcome(&post(&single.http, &single.base, &single.api_key, &body).await));
    }

    let app = TestApp::on(Backend::Postgres).await;
    let second = app.another_instance().await;
    let mut got = Vec::new();
    for (i, body) in traffic().iter().enumerate() {
        let base = if i % 2 == 0 { &app.base } else { &second };
        got.push(outcome(&post(&app.http, base, &app.api_key, body).await));
    }
    assert_eq!(got, expected);
    // The sequence does exercise linkage across instances: devices reused, then IP velocity.
    assert!(got[3].2.contains(&"DEVICE_REUSED".to_string()), "{got:?}");
    assert!(got[7].2.contains(&"SIGNUP_VELOCITY_IP".to_string()), "{got:?}");
    assert_eq!(got[0].1, "ALLOW");
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

fn doorman(database_url: &str) -> std::process::Command {
    let mut command = std::process::Command::new(env!("CARGO_BIN_EXE_doorman"));
    command.env("DATABASE_URL", database_url).env("DOORMAN_LOG", "warn");
    command
}

/// Serves `url` in a real `doorman` process under load from eight clients, stops it with
/// `signal` after 200 acknowledged events, and checks that every event answered 200 is stored.
async fn acknowledged_events_outlive(signal: &str, url: &str) {
    let dir = tempfile::tempdir().unwrap();
    let out = doorman(url).args(["tenant", "create", "--slug", "acme", "--name", "Acme"]).output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let out = doorman(url).args(["key", "create", "--tenant", "acme"]).output().unwrap();
    let key = String::from_utf8(out.stdout).unwrap().trim().to_string();

    let port = free_port();
    let base = format!("http://127.0.0.1:{port}");
    let mut server = doorman(url)
        .arg("serve")
        .env("DOORMAN_ADDR", format!("127.0.0.1:{port}"))
        .env("DOORMAN_DEMO", "false")
        .env("DOORMAN_DATA_DIR", dir.path())
        .spawn()
        .unwrap();
    let http = reqwest::Client::new();
    for _ in 0..100 {
        if http.get(format!("{base}/readyz")).send().await.is_ok_and(|r| r.status().is_success()) {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }

    let acknowledged = Arc::new(Mutex::new(Vec::<String>::new()));
    let down = Arc::new(AtomicBool::new(false));
    let mut clients = Vec::new();
    for c in 0..8 {
        let (http, base, key, acknowledged, down) =
            (http.clone(), base.clone(), key.clone(), acknowledged.clone(), down.clone());
        clients.push(tokio::spawn(async move {
            for i in 0.. {
                let body = seed_003_signup(&format!("c{c}-{i}@example.com"), &format!("fp-{c}-{i}"));
                let sent = http
                    .post(format!("{base}/api/v1/events/ingest"))
                    .header("x-api-key", &key)
                    .json(&body)
                    .send()
                    .await;
                match sent {
                    Ok(res) if res.status().is_success() => {
                        let answer: Value = res.json().await.unwrap();
                        acknowledged.lock().unwrap().push(answer["eventId"].as_str().unwrap().to_string());
                    }
                    // Once the server is going away, refusals and closed connections are expected:
                    // those events were never acknowledged.
                    _ if down.load(Ordering::Relaxed) => return,
                    Ok(res) => panic!("refused before shutdown: {}", res.status()),
                    Err(err) => panic!("failed before shutdown: {err}"),
                }
            }
        }));
    }
    while acknowledged.lock().unwrap().len() < 200 {
        tokio::time::sleep(std::time::Duration::from_millis(10)).await;
    }
    down.store(true, Ordering::Relaxed);
    let stop = std::process::Command::new("kill").args([signal, &server.id().to_string()]).status().unwrap();
    assert!(stop.success());
    for client in clients {
        client.await.unwrap();
    }
    let status = tokio::task::spawn_blocking(move || server.wait().unwrap()).await.unwrap();
    if signal == "-TERM" {
        assert!(status.success(), "doorman exited with {status}");
    }

    let store = Store::connect(url, 1).await.unwrap();
    let tenant = store.tenant_by_slug("acme").await.unwrap().unwrap();
    let acknowledged = acknowledged.lock().unwrap().clone();
    let mut missing = Vec::new();
    for id in &acknowledged {
        if store.event(&tenant.id, id).await.unwrap().is_none() {
            missing.push(id.clone());
        }
    }
    assert!(
        missing.is_empty(),
        "{} of {} acknowledged events lost: {missing:?}",
        missing.len(),
        acknowledged.len()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_server_stopped_under_load_keeps_every_acknowledged_event() {
    let dir = tempfile::tempdir().unwrap();
    acknowledged_events_outlive("-TERM", &format!("sqlite:{}", dir.path().join("serve.db").display())).await;
}

/// The promise of the README: an event answered 200 is committed, so not even a SIGKILL,
/// which gives the process no time to flush anything, loses it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_server_killed_under_load_keeps_every_acknowledged_event_on_sqlite() {
    let dir = tempfile::tempdir().unwrap();
    acknowledged_events_outlive("-KILL", &format!("sqlite:{}", dir.path().join("serve.db").display())).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_server_killed_under_load_keeps_every_acknowledged_event_on_postgres() {
    let db = doorman_store::testing::TestDb::new(Backend::Postgres).await;
    acknowledged_events_outlive("-KILL", &db.url).await;
}
