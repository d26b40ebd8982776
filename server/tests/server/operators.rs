//! What super admins and client admins do in the dashboard, through its server functions as
//! the browser calls them: tenants, client admins, the audit log, refusals with the right
//! status, and login throttling.

use doorman_store::admins::Role;
use serde_json::Value;

use crate::dashboard::{get_page, sign_in};
use crate::harness::{seed_003_signup, TestApp};

pub(crate) struct Session<'a> {
    app: &'a TestApp,
    cookie: String,
}

impl Session<'_> {
    pub(crate) async fn call(&self, endpoint: &str, form: &[(&str, &str)]) -> (u16, String) {
        let res = self
            .app
            .http
            .post(self.app.url(&format!("/rpc/{endpoint}")))
            .header("cookie", &self.cookie)
            .header("accept", "application/json")
            .form(form)
            .send()
            .await
            .unwrap();
        (res.status().as_u16(), res.text().await.unwrap())
    }
}

pub(crate) async fn session<'a>(app: &'a TestApp, email: &str, password: &str) -> Session<'a> {
    Session { app, cookie: sign_in(app, email, password).await.expect("session") }
}

/// Signed-in sessions of a super admin and of a client admin of the app's tenant, acme.
pub(crate) async fn root_and_acme_ops(app: &TestApp) -> (Session<'_>, Session<'_>) {
    app.store.create_admin("root@example.com", "super-secret-pass", Role::SuperAdmin, None).await.unwrap();
    app.store
        .create_admin("ops@acme.test", "acme-admin-pass", Role::ClientAdmin, Some(&app.tenant_id))
        .await
        .unwrap();
    (
        session(app, "root@example.com", "super-secret-pass").await,
        session(app, "ops@acme.test", "acme-admin-pass").await,
    )
}

#[tokio::test]
async fn a_super_admin_runs_tenants_and_their_client_admins() {
    let app = TestApp::start().await;
    app.store.create_admin("root@example.com", "super-secret-pass", Role::SuperAdmin, None).await.unwrap();
    let root = session(&app, "root@example.com", "super-secret-pass").await;

    let (status, body) = root.call("create-tenant", &[("slug", "globex"), ("name", "Globex")]).await;
    assert_eq!(status, 200, "{body}");
    let (status, body) = root.call("create-tenant", &[("slug", "globex"), ("name", "Again")]).await;
    assert_eq!(status, 409, "{body}");
    assert!(body.contains("already exists"));
    let (status, body) = root.call("create-tenant", &[("slug", "Not A Slug"), ("name", "X")]).await;
    assert_eq!(status, 422, "{body}");
    let (status, body) = root.call("rename-tenant", &[("slug", "globex"), ("name", "Globex Corp")]).await;
    assert_eq!(status, 200, "{body}");
    let (status, _) = root.call("rename-tenant", &[("slug", "nope"), ("name", "X")]).await;
    assert_eq!(status, 404);

    let form = [("slug", "globex"), ("email", "ops@globex.test"), ("password", "globex-admin-pass")];
    let (status, body) = root.call("create-client-admin", &form).await;
    assert_eq!(status, 200, "{body}");
    let (status, body) = root.call("tenant-detail", &[("slug", "globex")]).await;
    assert_eq!(status, 200, "{body}");
    let detail: Value = serde_json::from_str(&body).unwrap();
    assert_eq!(detail[0]["name"], "Globex Corp");
    assert_eq!(detail[1][0]["email"], "ops@globex.test");
    let admin_id = detail[1][0]["id"].as_str().unwrap().to_string();

    // The client admin works, with a key of its own.
    let ops = session(&app, "ops@globex.test", "globex-admin-pass").await;
    let (_, created) = ops.call("create-api-key", &[("name", "backend")]).await;
    let secret = serde_json::from_str::<Value>(&created).unwrap()["secret"].as_str().unwrap().to_string();
    let event = serde_json::to_vec(&seed_003_signup("a@example.com", "fp")).unwrap();
    assert_eq!(app.ingest_raw(Some(&secret), event.clone()).await.0, 200);

    // Suspended: the keys get 403 and the client admin is out. Reactivated: both work again.
    let (status, _) = root.call("set-tenant-active", &[("slug", "globex"), ("active", "false")]).await;
    assert_eq!(status, 200);
    let (status, refused) = app.ingest_raw(Some(&secret), event.clone()).await;
    assert_eq!((status, refused["error"]["code"].as_str()), (403, Some("forbidden")), "{refused}");
    let (status, location, _) = get_page(&app, "/client-admin", Some(&ops.cookie)).await;
    assert_eq!((status, location.as_deref()), (303, Some("/login")));
    let (status, _) = root.call("set-tenant-active", &[("slug", "globex"), ("active", "true")]).await;
    assert_eq!(status, 200);
    assert_eq!(app.ingest_raw(Some(&secret), event.clone()).await.0, 200);
    assert_eq!(get_page(&app, "/client-admin", Some(&ops.cookie)).await.0, 200);

    // A password reset signs the account out everywhere; disabling keeps it out.
    let form = [("slug", "globex"), ("id", admin_id.as_str()), ("password", "a-brand-new-password")];
    let (status, body) = root.call("reset-client-admin-password", &form).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(get_page(&app, "/client-admin", Some(&ops.cookie)).await.0, 303);
    assert!(sign_in(&app, "ops@globex.test", "a-brand-new-password").await.is_some());
    let form = [("slug", "globex"), ("id", admin_id.as_str()), ("disabled", "true")];
    assert_eq!(root.call("set-client-admin-disabled", &form).await.0, 200);
    assert!(sign_in(&app, "ops@globex.test", "a-brand-new-password").await.is_none());
    // An id under the wrong tenant's slug reaches nothing.
    let form = [("slug", "acme"), ("id", admin_id.as_str()), ("disabled", "false")];
    assert_eq!(root.call("set-client-admin-disabled", &form).await.0, 404);

    // Every change is in the audit log, newest first, with who made it.
    let (status, log) = root.call("audit-log", &[]).await;
    assert_eq!(status, 200);
    let entries: Vec<Value> = serde_json::from_str(&log).unwrap();
    let actions: Vec<&str> = entries.iter().map(|e| e["action"].as_str().unwrap()).collect();
    for action in [
        "tenant.create",
        "tenant.rename",
        "client_admin.create",
        "api_key.create",
        "tenant.suspend",
        "tenant.reactivate",
        "client_admin.reset_password",
        "client_admin.disable",
    ] {
        assert!(actions.contains(&action), "{action} missing from {actions:?}");
    }
    assert_eq!(actions[0], "client_admin.disable");
    let rename = entries.iter().find(|e| e["action"] == "tenant.rename").unwrap();
    assert_eq!(
        (rename["actor"].as_str(), rename["tenant_slug"].as_str()),
        (Some("root@example.com"), Some("globex"))
    );
}

#[tokio::test]
async fn a_client_admin_gets_nothing_of_other_tenants_or_of_the_super_admin_area() {
    let app = TestApp::start().await;
    let globex = app.store.create_tenant("globex", "Globex").await.unwrap();
    app.store
        .record_audit("root@example.com", Some(&globex.id), "tenant.create", "globex", "")
        .await
        .unwrap();
    app.store
        .create_admin("ops@acme.test", "acme-admin-pass", Role::ClientAdmin, Some(&app.tenant_id))
        .await
        .unwrap();
    let other = app
        .store
        .create_admin("ops@globex.test", "globex-admin-pass", Role::ClientAdmin, Some(&globex.id))
        .await
        .unwrap();
    let ops = session(&app, "ops@acme.test", "acme-admin-pass").await;
    ops.call("create-api-key", &[("name", "acme backend")]).await;

    for (endpoint, form) in [
        ("list-tenants", vec![]),
        ("tenant-detail", vec![("slug", "globex")]),
        ("create-tenant", vec![("slug", "evil"), ("name", "Evil")]),
        ("set-tenant-active", vec![("slug", "globex"), ("active", "false")]),
        ("rename-tenant", vec![("slug", "globex"), ("name", "Pwned")]),
        (
            "set-client-admin-disabled",
            vec![("slug", "globex"), ("id", other.id.as_str()), ("disabled", "true")],
        ),
    ] {
        let (status, body) = ops.call(endpoint, &form).await;
        assert_eq!(status, 403, "{endpoint}: {body}");
        assert!(!body.contains("Globex"), "{endpoint}: {body}");
    }
    assert_eq!(app.store.tenant_by_id(&globex.id).await.unwrap().unwrap().status, "ACTIVE");

    // The audit log shows its own tenant's entries only.
    let (status, log) = ops.call("audit-log", &[]).await;
    assert_eq!(status, 200);
    assert!(log.contains("api_key.create") && !log.contains("globex"), "{log}");

    // Without a session: 401.
    let res = app.http.post(app.url("/rpc/audit-log")).send().await.unwrap();
    assert_eq!(res.status().as_u16(), 401);
}

#[tokio::test]
async fn repeated_wrong_passwords_lock_the_account_for_a_while() {
    let app = TestApp::start().await;
    app.store.create_admin("root@example.com", "super-secret-pass", Role::SuperAdmin, None).await.unwrap();
    for _ in 0..doorman_store::throttle::MAX_PER_ACCOUNT {
        let res = app
            .http
            .post(app.url("/rpc/login"))
            .header("accept", "application/json")
            .form(&[("email", "root@example.com"), ("password", "guess-guess-guess")])
            .send()
            .await
            .unwrap();
        assert_eq!(res.status().as_u16(), 401);
    }
    // Even the right password is not checked now.
    let res = app
        .http
        .post(app.url("/rpc/login"))
        .header("accept", "application/json")
        .form(&[("email", "root@example.com"), ("password", "super-secret-pass")])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status().as_u16(), 429);
    assert!(res.text().await.unwrap().contains("Too many failed sign-ins"));
    assert!(sign_in(&app, "root@example.com", "super-secret-pass").await.is_none());
}

#[tokio::test]
async fn parallel_wrong_passwords_pass_the_check_no_more_often_than_the_limit() {
    let app = TestApp::start().await;
    app.store.create_admin("root@example.com", "super-secret-pass", Role::SuperAdmin, None).await.unwrap();
    let guesses = (0..50).map(|i| {
        let request = app
            .http
            .post(app.url("/rpc/login"))
            .header("accept", "application/json")
            .form(&[("email", "root@example.com"), ("password", &format!("guess number {i}"))]);
        tokio::spawn(async move { request.send().await.unwrap().status().as_u16() })
    });
    let mut statuses = Vec::new();
    for guess in guesses {
        statuses.push(guess.await.unwrap());
    }
    let checked = statuses.iter().filter(|&&s| s == 401).count();
    assert!(statuses.iter().all(|&s| s == 401 || s == 429), "{statuses:?}");
    assert!(
        checked <= doorman_store::throttle::MAX_PER_ACCOUNT as usize,
        "{checked} of 50 parallel guesses had their password checked"
    );
    // The right password after them is refused until the window has passed.
    assert!(sign_in(&app, "root@example.com", "super-secret-pass").await.is_none());
}

#[tokio::test]
async fn retention_and_erasure_from_the_dashboard() {
    let app = TestApp::start().await;
    let (root, ops) = root_and_acme_ops(&app).await;

    let (status, body) = ops.call("retention", &[]).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(serde_json::from_str::<Value>(&body).unwrap()["retention_days"], 180);
    assert_eq!(ops.call("set-retention", &[("days", "90")]).await.0, 200);
    let (status, body) = ops.call("set-retention", &[("days", "4000")]).await;
    assert_eq!(status, 422, "{body}");

    // The ceiling is the super admin's, and pulls the tenant's choice down with it.
    assert_eq!(ops.call("set-retention-ceiling", &[("slug", "acme"), ("days", "3000")]).await.0, 403);
    assert_eq!(ops.call("tenant-retention", &[("slug", "acme")]).await.0, 403);
    assert_eq!(root.call("set-retention-ceiling", &[("slug", "acme"), ("days", "30")]).await.0, 200);
    let (_, body) = root.call("tenant-retention", &[("slug", "acme")]).await;
    let policy: Value = serde_json::from_str(&body).unwrap();
    assert_eq!(
        (policy["retention_days"].as_i64(), policy["max_retention_days"].as_i64()),
        (Some(30), Some(30))
    );

    app.ingest(&seed_003_signup("ada@example.com", "fp-ada")).await;
    let (status, body) = ops.call("erase-user", &[("user", "ada@example.com")]).await;
    assert_eq!(status, 200, "{body}");
    let erased: Value = serde_json::from_str(&body).unwrap();
    assert_eq!((erased["events"].as_u64(), erased["visitors"].as_u64()), (Some(1), Some(1)));
    assert!(app.store.export_user(&app.tenant_id, "ada@example.com").await.unwrap().is_none());
    let (_, log) = ops.call("audit-log", &[]).await;
    assert!(log.contains("user.erase") && log.contains("retention.set"), "{log}");
    assert_eq!(root.call("erase-user", &[("user", "ada@example.com")]).await.0, 403);
}

#[tokio::test]
async fn event_search_and_detail_stay_inside_the_tenant() {
    let app = TestApp::start().await;
    let globex = app.store.create_tenant("globex", "Globex").await.unwrap();
    let (_, globex_key) = app.store.create_api_key(&globex.id, "k").await.unwrap();
    let (root, ops) = root_and_acme_ops(&app).await;

    app.ingest(&seed_003_signup("ada@example.com", "fp-1")).await;
    let (_, bob) = app.ingest(&seed_003_signup("bob@example.com", "fp-1")).await;
    app.ingest(&seed_003_signup("carl@example.com", "fp-2")).await;
    let body = serde_json::to_vec(&seed_003_signup("ada@example.com", "fp-1")).unwrap();
    let (_, theirs) = app.ingest_raw(Some(&globex_key), body).await;

    let search = |form: Vec<(&'static str, &'static str)>| {
        let ops = &ops;
        async move {
            let (status, body) = ops.call("search-events", &form).await;
            (status, serde_json::from_str::<Value>(&body).unwrap_or(Value::Null))
        }
    };
    let (status, page) = search(vec![("decision", "BLOCK")]).await;
    assert_eq!(status, 200, "{page}");
    assert_eq!(page["events"].as_array().unwrap().len(), 1);
    assert_eq!(page["events"][0]["id"], bob["eventId"]);
    let (_, page) = search(vec![("user", "Ada@Example.com")]).await;
    assert_eq!(page["events"].as_array().unwrap().len(), 1, "{page}");
    assert_eq!(page["events"][0]["tenant_slug"], "acme");
    assert_eq!(search(vec![("decision", "MAYBE")]).await.0, 422);
    assert_eq!(search(vec![("from", "last week")]).await.0, 422);
    assert_eq!(search(vec![("after", "garbage")]).await.0, 422);
    let (_, page) = search(vec![]).await;
    assert_eq!(page["events"].as_array().unwrap().len(), 3);
    assert!(page["next"].is_null());

    let bob_id = bob["eventId"].as_str().unwrap();
    let (status, body) = ops.call("load-event", &[("id", bob_id)]).await;
    assert_eq!(status, 200, "{body}");
    let detail: Value = serde_json::from_str(&body).unwrap();
    let reused = detail["checks"].as_array().unwrap().iter().find(|c| c["code"] == "DEVICE_REUSED").unwrap();
    assert_eq!(reused["status"], "FIRED");
    let users: Vec<&str> =
        detail["device_users"].as_array().unwrap().iter().map(|u| u[0].as_str().unwrap()).collect();
    assert!(users.contains(&"ada@example.com") && users.contains(&"bob@example.com"), "{users:?}");
    assert!(detail["signals_json"].as_str().unwrap().contains("linkage"));

    // Another tenant's event is not found by its id; the super admin searches everywhere but
    // the detail is the tenant's own.
    let (status, _) = ops.call("load-event", &[("id", theirs["eventId"].as_str().unwrap())]).await;
    assert_eq!(status, 404);
    let (_, body) = root.call("search-events", &[]).await;
    assert_eq!(serde_json::from_str::<Value>(&body).unwrap()["events"].as_array().unwrap().len(), 4);
    assert_eq!(root.call("load-event", &[("id", bob_id)]).await.0, 403);
}
