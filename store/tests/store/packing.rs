//! Events' JSON in the rows: packed small, read back whole, and rows written as text before
//! packing came in read as before.

use doorman_store::events::Scope;
use doorman_store::now_ms;
use doorman_store::on_both_backends;
use doorman_store::testing::TestDb;
use serde_json::json;

use crate::support::{ingest_at, signup};

const ZSTD_MAGIC: [u8; 4] = [0x28, 0xb5, 0x2f, 0xfd];

async fn rows_keep_events_json_packed_and_read_back_whole(db: TestDb) {
    let store = &db.store;
    let acme = store.create_tenant("acme", "Acme").await.unwrap();
    let mut request = signup("ada@example.com", "fp-ada", "p-1");
    let device = request.device.as_mut().unwrap();
    device.canvas_hash = Some("cv-1".into());
    device.webgl_vendor = Some("Apple".into());
    device.webgl_renderer = Some("Apple M1".into());
    device.platform = Some("MacIntel".into());
    let hardware_key = doorman_engine::derive::hardware_key(device);
    assert!(hardware_key.is_some());
    let (_, id) = ingest_at(store, &acme.id, &request, now_ms()).await;
    let event = store.event(&acme.id, &id).await.unwrap().unwrap();
    assert_eq!(event.device["fingerprint"], "fp-ada");
    assert_eq!(event.device["payloadId"], "p-1");
    // What the row's columns hold is read back into the JSON that no longer repeats it.
    let signals = &event.derived_signals;
    assert_eq!(signals["identification"]["visitorId"], event.visitor_id);
    assert_eq!(
        (&signals["email"]["normalized"], &signals["email"]["domain"]),
        (&json!("ada@example.com"), &json!("example.com"))
    );
    assert_eq!(signals["device"]["hardwareKey"], json!(hardware_key));
    let checks = event.checks.as_array().unwrap();
    assert!(checks.len() > 30 && checks.iter().any(|c| c["code"] == "DISPOSABLE_EMAIL"), "{checks:?}");

    let read = "SELECT device_json, checks_json, signals_json FROM events WHERE id = $1";
    let postgres = db.url.starts_with("postgres");
    // As the build before packing wrote the row: the same JSON as text.
    let as_text = if postgres {
        "UPDATE events SET device_json = convert_to($2, 'UTF8'), checks_json = convert_to($3, 'UTF8'), \
            signals_json = convert_to($4, 'UTF8') WHERE id = $1"
    } else {
        "UPDATE events SET device_json = $2, checks_json = $3, signals_json = $4 WHERE id = $1"
    };
    macro_rules! check_and_rewrite {
        ($conn:expr) => {{
            let (device, checks, signals): (Vec<u8>, Vec<u8>, Vec<u8>) =
                sqlx::query_as(read).bind(&id).fetch_one(&mut $conn).await.unwrap();
            let packed = [device, checks, signals];
            assert!(packed.iter().all(|b| b.starts_with(&ZSTD_MAGIC)), "not packed");
            let texts = packed.clone().map(|b| doorman_store::packed_json::column_text(b).unwrap());
            for repeated in ["p-1", event.visitor_id.as_str(), "ada@example.com"] {
                assert!(
                    !texts[0].contains(repeated) && !texts[2].contains(repeated),
                    "{repeated} stored twice"
                );
            }
            let (bytes, text_bytes) =
                (packed.iter().map(Vec::len).sum::<usize>(), texts.iter().map(String::len).sum::<usize>());
            assert!(bytes * 3 < text_bytes, "{bytes} bytes packed for {text_bytes} of text");
            sqlx::query(as_text)
                .bind(&id)
                .bind(&texts[0])
                .bind(&texts[1])
                .bind(&texts[2])
                .execute(&mut $conn)
                .await
                .unwrap();
        }};
    }
    use sqlx::Connection;
    if postgres {
        let mut conn = sqlx::PgConnection::connect(&db.url).await.unwrap();
        check_and_rewrite!(conn);
    } else {
        let mut conn = sqlx::SqliteConnection::connect(&db.url).await.unwrap();
        check_and_rewrite!(conn);
    }
    let again = store.event(&acme.id, &id).await.unwrap().unwrap();
    assert_eq!(
        (again.device, again.checks, again.derived_signals),
        (event.device, event.checks, event.derived_signals)
    );
}
on_both_backends!(TestDb::new => rows_keep_events_json_packed_and_read_back_whole);

/// An email is stored once where it arrived as it normalises, and read back as it was sent.
async fn emails_read_back_as_sent(db: TestDb) {
    let store = &db.store;
    let acme = store.create_tenant("acme", "Acme").await.unwrap();
    let mut ids = Vec::new();
    for email in ["ada@example.com", "Ada+news@Example.com"] {
        ids.push(ingest_at(store, &acme.id, &signup(email, "fp-ada", email), now_ms()).await.1);
    }
    let sql = "SELECT email, email_normalized FROM events ORDER BY created_at, id";
    use sqlx::Connection;
    let stored: Vec<(Option<String>, Option<String>)> = if db.url.starts_with("postgres") {
        let mut conn = sqlx::PgConnection::connect(&db.url).await.unwrap();
        sqlx::query_as(sql).fetch_all(&mut conn).await.unwrap()
    } else {
        let mut conn = sqlx::SqliteConnection::connect(&db.url).await.unwrap();
        sqlx::query_as(sql).fetch_all(&mut conn).await.unwrap()
    };
    assert_eq!(
        stored,
        [
            (None, Some("ada@example.com".into())),
            (Some("Ada+news@Example.com".into()), Some("ada@example.com".into()))
        ]
    );
    for (id, sent) in ids.iter().zip(["ada@example.com", "Ada+news@Example.com"]) {
        assert_eq!(store.event(&acme.id, id).await.unwrap().unwrap().email.as_deref(), Some(sent));
    }
    let recent = store.recent_events(Scope::Tenant(&acme.id), 10).await.unwrap();
    let mut listed: Vec<_> = recent.iter().map(|e| e.email.clone().unwrap()).collect();
    listed.sort();
    assert_eq!(listed, ["Ada+news@Example.com", "ada@example.com"]);
}
on_both_backends!(TestDb::new => emails_read_back_as_sent);
