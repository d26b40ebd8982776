//! Events' JSON in the rows: packed small, read back whole, and rows written as text before
//! packing came in read as before.

use doorman_store::now_ms;
use doorman_store::on_both_backends;
use doorman_store::testing::TestDb;

use crate::support::{ingest_at, signup};

const ZSTD_MAGIC: [u8; 4] = [0x28, 0xb5, 0x2f, 0xfd];

async fn rows_keep_events_json_packed_and_read_back_whole(db: TestDb) {
    let store = &db.store;
    let acme = store.create_tenant("acme", "Acme").await.unwrap();
    let (_, id) = ingest_at(store, &acme.id, &signup("ada@example.com", "fp-ada", "p-1"), now_ms()).await;
    let event = store.event(&acme.id, &id).await.unwrap().unwrap();
    assert_eq!(event.device["fingerprint"], "fp-ada");
    assert_eq!(event.device["payloadId"], "p-1");
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
