//! Events' JSON in SQLite's rows: packed small, read back whole, and rows written as text
//! before packing came in read as before.

use doorman_store::now_ms;
use doorman_store::testing::{Backend, TestDb};
use sqlx::Connection;

use crate::support::{ingest_at, signup};

#[tokio::test]
async fn sqlite_rows_keep_events_json_packed_and_read_back_whole() {
    let db = TestDb::new(Backend::Sqlite).await;
    let store = &db.store;
    let acme = store.create_tenant("acme", "Acme").await.unwrap();
    let (_, id) = ingest_at(store, &acme.id, &signup("ada@example.com", "fp-ada", "p-1"), now_ms()).await;
    let event = store.event(&acme.id, &id).await.unwrap().unwrap();
    assert_eq!(event.device["fingerprint"], "fp-ada");
    assert_eq!(event.device["payloadId"], "p-1");
    let checks = event.checks.as_array().unwrap();
    assert!(checks.len() > 30 && checks.iter().any(|c| c["code"] == "DISPOSABLE_EMAIL"), "{checks:?}");

    let mut conn = sqlx::SqliteConnection::connect(&db.url).await.unwrap();
    let row = "SELECT typeof(device_json), typeof(checks_json), typeof(signals_json), \
        length(device_json) + length(checks_json) + length(signals_json) FROM events WHERE id = $1";
    let (device, checks, signals, bytes): (String, String, String, i64) =
        sqlx::query_as(row).bind(&id).fetch_one(&mut conn).await.unwrap();
    assert_eq!((device.as_str(), checks.as_str(), signals.as_str()), ("blob", "blob", "blob"));
    let texts: (Vec<u8>, Vec<u8>, Vec<u8>) =
        sqlx::query_as("SELECT device_json, checks_json, signals_json FROM events WHERE id = $1")
            .bind(&id)
            .fetch_one(&mut conn)
            .await
            .unwrap();
    let unpacked = [texts.0, texts.1, texts.2].map(|b| doorman_store::packed_json::column_text(b).unwrap());
    let text_bytes: usize = unpacked.iter().map(String::len).sum();
    assert!(bytes * 3 < text_bytes as i64, "{bytes} bytes packed for {text_bytes} of text");

    // The same row as the build before packing wrote it: text, read back the same.
    sqlx::query("UPDATE events SET device_json = $2, checks_json = $3, signals_json = $4 WHERE id = $1")
        .bind(&id)
        .bind(&unpacked[0])
        .bind(&unpacked[1])
        .bind(&unpacked[2])
        .execute(&mut conn)
        .await
        .unwrap();
    let (device, ..): (String, String, String, i64) =
        sqlx::query_as(row).bind(&id).fetch_one(&mut conn).await.unwrap();
    assert_eq!(device, "text");
    let again = store.event(&acme.id, &id).await.unwrap().unwrap();
    assert_eq!(
        (again.device, again.checks, again.derived_signals),
        (event.device, event.checks, event.derived_signals)
    );
}
