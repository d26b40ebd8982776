//! Databases of earlier builds: after `migrate`, their rows read as before.

use doorman_store::events::Scope;
use doorman_store::now_ms;
use doorman_store::testing::{self, Backend};
use sqlx::Connection;

use crate::support::{ingest_at, signup};

/// Events stored under their tenant's id move to its number, and stay each tenant's own.
async fn events_stored_by_tenant_id_keep_their_tenants(backend: Backend) {
    let db = testing::migrated_before(backend, "tenant_numbers").await;
    let store = &db.store;
    let acme = store.create_tenant("acme", "Acme").await.unwrap();
    let globex = store.create_tenant("globex", "Globex").await.unwrap();
    let now = now_ms();
    // As the build before wrote them: the tenant's id in the row, the JSON as text.
    let insert = "INSERT INTO events (tenant_id, id, event_type, created_at, email, user_key, visitor_id, \
        risk_score, risk_band, decision, triggered_rules, device_json, checks_json, signals_json, email_normalized, ip) \
        VALUES ($1, $2, 'SIGNUP', $3, $4, $4, $5, 12, 'LOW', 'ALLOW', '', $6, $7, $8, $4, $9)";
    let rows = [
        (&acme.id, "evt_acme", "ada@example.com", "vis_ada", "203.0.113.7"),
        (&globex.id, "evt_globex", "bo@example.com", "vis_bo", "198.51.100.9"),
    ];
    let json = [r#"{"fingerprint":"fp-old"}"#, "[]", "{}"];
    macro_rules! insert_old_rows {
        ($conn:expr, $json:expr) => {
            for (tenant, id, email, visitor, ip) in rows {
                sqlx::query(insert)
                    .bind(tenant)
                    .bind(id)
                    .bind(now - 1000)
                    .bind(email)
                    .bind(visitor)
                    .bind($json[0])
                    .bind($json[1])
                    .bind($json[2])
                    .bind(ip)
                    .execute(&mut $conn)
                    .await
                    .unwrap();
            }
        };
    }
    match backend {
        Backend::Sqlite => {
            let mut conn = sqlx::SqliteConnection::connect(&db.url).await.unwrap();
            insert_old_rows!(conn, json);
        }
        // Its JSON columns were bytes already (migration 0021).
        Backend::Postgres => {
            let mut conn = sqlx::PgConnection::connect(&db.url).await.unwrap();
            insert_old_rows!(conn, json.map(str::as_bytes));
        }
    }

    store.migrate().await.unwrap();

    let acme_events = store.recent_events(Scope::Tenant(&acme.id), 50).await.unwrap();
    assert_eq!(
        acme_events.iter().map(|e| (e.id.as_str(), e.tenant_id.as_str())).collect::<Vec<_>>(),
        [("evt_acme", acme.id.as_str())]
    );
    let all = store.recent_events(Scope::AllTenants, 50).await.unwrap();
    let mut slugs: Vec<_> = all.iter().map(|e| (e.id.as_str(), e.tenant_slug.as_str())).collect();
    slugs.sort();
    assert_eq!(slugs, [("evt_acme", "acme"), ("evt_globex", "globex")]);
    let event = store.event(&acme.id, "evt_acme").await.unwrap().expect("the old event reads back");
    assert_eq!(
        (event.email.as_deref(), event.device["fingerprint"].as_str()),
        (Some("ada@example.com"), Some("fp-old"))
    );
    assert!(store.event(&globex.id, "evt_acme").await.unwrap().is_none());

    // Tenants created since get the next numbers; ingest stores and counts by them.
    let initech = store.create_tenant("initech", "Initech").await.unwrap();
    let (_, new_id) = ingest_at(store, &initech.id, &signup("cy@example.com", "fp-cy", "p-cy"), now).await;
    let initech_events = store.recent_events(Scope::Tenant(&initech.id), 50).await.unwrap();
    assert_eq!(initech_events.iter().map(|e| e.id.as_str()).collect::<Vec<_>>(), [new_id.as_str()]);
    // The old events count for the rules of their own tenant: a signup of another user from
    // Acme's old event's address.
    let eve = signup("eve@example.com", "fp-eve", "p-eve");
    let (acme_prepared, _) = ingest_at(store, &acme.id, &eve, now).await;
    let (globex_prepared, _) = ingest_at(store, &globex.id, &eve, now).await;
    let users_on_ip = |p: &doorman_store::events::Prepared| p.linkage.other_signup_users_on_ip_30d;
    assert_eq!((users_on_ip(&acme_prepared), users_on_ip(&globex_prepared)), (1, 0));
    assert_eq!(store.recent_events(Scope::Tenant(&acme.id), 50).await.unwrap().len(), 2);
}

doorman_store::on_both_backends!(|backend| async move { backend } => events_stored_by_tenant_id_keep_their_tenants);
