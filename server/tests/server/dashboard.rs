use doorman_store::admins::Role;

use crate::harness::{seed_003_signup, TestApp};

/// Signs in through the login server function, as the login form posts it; returns the
/// session cookie.
pub async fn sign_in(app: &TestApp, email: &str, password: &str) -> Option<String> {
    let res = app
        .http
        .post(app.url("/rpc/login"))
        .form(&[("email", email), ("password", password)])
        .send()
        .await
        .unwrap();
    let cookie = res
        .headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|v| v.starts_with("doorman_session=") && !v.starts_with("doorman_session=;"))
        .map(|v| v.split(';').next().unwrap().to_string());
    if let Some(c) = &cookie {
        let full = res.headers().get("set-cookie").unwrap().to_str().unwrap();
        assert!(full.contains("HttpOnly") && full.contains("SameSite=Lax"), "{full}");
        assert!(c.len() > "doorman_session=".len());
    }
    cookie
}

pub async fn get_page(app: &TestApp, path: &str, cookie: Option<&str>) -> (u16, Option<String>, String) {
    let mut req = app.http.get(app.url(path));
    if let Some(cookie) = cookie {
        req = req.header("cookie", cookie);
    }
    let res = req.send().await.unwrap();
    let status = res.status().as_u16();
    let location = res.headers().get("location").map(|v| v.to_str().unwrap().to_string());
    (status, location, res.text().await.unwrap())
}

#[tokio::test]
async fn signed_in_areas_redirect_to_login() {
    let app = TestApp::start().await;
    for path in ["/admin", "/client-admin", "/admin/clients"] {
        let (status, location, _) = get_page(&app, path, None).await;
        assert_eq!(status, 303, "{path}");
        assert_eq!(location.as_deref(), Some("/login"));
        let (status, location, _) = get_page(&app, path, Some("doorman_session=forged")).await;
        assert_eq!((status, location.as_deref()), (303, Some("/login")), "{path}");
    }
    let (status, _, body) = get_page(&app, "/login", None).await;
    assert_eq!(status, 200);
    assert!(body.contains("name=\"password\""));
}

#[tokio::test]
async fn wrong_passwords_and_disabled_roles_get_no_session() {
    let app = TestApp::start().await;
    app.store.create_admin("root@example.com", "super-secret-pass", Role::SuperAdmin, None).await.unwrap();
    assert!(sign_in(&app, "root@example.com", "wrong-password!").await.is_none());
    assert!(sign_in(&app, "nobody@example.com", "super-secret-pass").await.is_none());
    let cookie = sign_in(&app, "ROOT@example.com", "super-secret-pass").await.expect("session");
    let (status, _, body) = get_page(&app, "/admin", Some(&cookie)).await;
    assert_eq!(status, 200);
    assert!(body.contains("acme"), "tenant list missing");
    // A super admin is sent to its own area, not the client one.
    let (status, location, _) = get_page(&app, "/client-admin", Some(&cookie)).await;
    assert_eq!((status, location.as_deref()), (303, Some("/admin")));

    // Signing out ends the session on the server.
    let res = app.http.post(app.url("/rpc/logout")).header("cookie", &cookie).send().await.unwrap();
    assert!(res.status().is_redirection() || res.status().is_success());
    let (status, location, _) = get_page(&app, "/admin", Some(&cookie)).await;
    assert_eq!((status, location.as_deref()), (303, Some("/login")));
}

#[tokio::test]
async fn a_client_admin_sees_only_their_tenants_events() {
    let app = TestApp::start().await;
    let other = app.store.create_tenant("globex", "Globex").await.unwrap();
    let (_, other_key) = app.store.create_api_key(&other.id, "k").await.unwrap();
    app.ingest(&seed_003_signup("acme-user@example.com", "fp-a")).await;
    let body = serde_json::to_vec(&seed_003_signup("globex-user@example.com", "fp-g")).unwrap();
    app.ingest_raw(Some(&other_key), body).await;

    app.store
        .create_admin("ops@acme.test", "acme-admin-pass", Role::ClientAdmin, Some(&app.tenant_id))
        .await
        .unwrap();
    let cookie = sign_in(&app, "ops@acme.test", "acme-admin-pass").await.expect("session");

    let (status, _, page) = get_page(&app, "/client-admin", Some(&cookie)).await;
    assert_eq!(status, 200);
    assert!(page.contains("acme-user@example.com"));
    assert!(!page.contains("globex-user@example.com"));

    // The server functions are scoped the same way when called directly.
    let res = app.http.post(app.url("/rpc/recent-events")).header("cookie", &cookie).send().await.unwrap();
    let text = res.text().await.unwrap();
    assert!(text.contains("acme-user@example.com") && !text.contains("globex-user@example.com"), "{text}");
    let res = app.http.post(app.url("/rpc/list-tenants")).header("cookie", &cookie).send().await.unwrap();
    assert!(!res.status().is_success());
    assert!(!res.text().await.unwrap().contains("globex"));
    // The super admin area stays closed to a client admin.
    let (status, location, _) = get_page(&app, "/admin", Some(&cookie)).await;
    assert_eq!((status, location.as_deref()), (303, Some("/client-admin")));

    // Without a session the server functions answer nothing.
    let res = app.http.post(app.url("/rpc/recent-events")).send().await.unwrap();
    assert!(!res.status().is_success());
    assert!(!res.text().await.unwrap().contains("example.com"));
}

#[tokio::test]
async fn a_client_admin_creates_and_revokes_keys_of_their_tenant_only() {
    let app = TestApp::start().await;
    app.store
        .create_admin("ops@acme.test", "acme-admin-pass", Role::ClientAdmin, Some(&app.tenant_id))
        .await
        .unwrap();
    let other = app.store.create_tenant("globex", "Globex").await.unwrap();
    let (other_key, other_secret) = app.store.create_api_key(&other.id, "globex backend").await.unwrap();
    let cookie = sign_in(&app, "ops@acme.test", "acme-admin-pass").await.expect("session");
    let rpc = |path: &str, form: Vec<(&str, String)>| {
        app.http
            .post(app.url(path))
            .header("cookie", &cookie)
            .header("accept", "application/json")
            .form(&form)
            .send()
    };

    let res = rpc("/rpc/create-api-key", vec![("name", "production".into())]).await.unwrap();
    assert!(res.status().is_success());
    let created: serde_json::Value = res.json().await.unwrap();
    let secret = created["secret"].as_str().unwrap().to_string();
    let body = serde_json::to_vec(&seed_003_signup("a@example.com", "fp")).unwrap();
    assert_eq!(app.ingest_raw(Some(&secret), body.clone()).await.0, 200);

    // The list shows prefixes, never secrets, and only this tenant's keys.
    let list = rpc("/rpc/list-api-keys", vec![]).await.unwrap().text().await.unwrap();
    assert!(list.contains("production") && !list.contains(&secret) && !list.contains("globex"), "{list}");
    let keys: Vec<serde_json::Value> = serde_json::from_str(&list).unwrap();
    let id = keys.iter().find(|k| k["name"] == "production").unwrap()["id"].as_str().unwrap().to_string();

    // Guessing another tenant's key id revokes nothing.
    let res = rpc("/rpc/revoke-api-key", vec![("id", other_key.id.clone())]).await.unwrap();
    assert!(!res.status().is_success());
    assert_eq!(app.ingest_raw(Some(&other_secret), body.clone()).await.0, 200);

    let res = rpc("/rpc/revoke-api-key", vec![("id", id)]).await.unwrap();
    assert!(res.status().is_success());
    assert_eq!(app.ingest_raw(Some(&secret), body.clone()).await.0, 401);

    let res = rpc("/rpc/create-api-key", vec![("name", " ".into())]).await.unwrap();
    assert!(!res.status().is_success());
    assert!(res.text().await.unwrap().contains("key name"));

    // A super admin has no tenant of its own to make keys for.
    app.store.create_admin("root@example.com", "super-secret-pass", Role::SuperAdmin, None).await.unwrap();
    let root = sign_in(&app, "root@example.com", "super-secret-pass").await.unwrap();
    let res = app
        .http
        .post(app.url("/rpc/create-api-key"))
        .header("cookie", &root)
        .form(&[("name", "x")])
        .send()
        .await
        .unwrap();
    assert!(!res.status().is_success());
}

#[tokio::test]
async fn a_server_function_posted_from_another_origin_is_refused() {
    let app = TestApp::start().await;
    app.store.create_admin("root@example.com", "super-secret-pass", Role::SuperAdmin, None).await.unwrap();
    let login = |origin: Option<&'static str>, fetch_site: Option<&'static str>| {
        let mut req = app
            .http
            .post(app.url("/rpc/login"))
            .form(&[("email", "root@example.com"), ("password", "super-secret-pass")]);
        if let Some(origin) = origin {
            req = req.header("origin", origin);
        }
        if let Some(site) = fetch_site {
            req = req.header("sec-fetch-site", site);
        }
        req.send()
    };
    for (origin, site) in [(Some("https://evil.example"), Some("cross-site")), (None, Some("cross-site"))] {
        let res = login(origin, site).await.unwrap();
        assert_eq!(res.status().as_u16(), 403, "{origin:?} {site:?}");
        assert!(res.headers().get("set-cookie").is_none());
        let body: serde_json::Value = res.json().await.unwrap();
        assert_eq!(body["error"]["code"], "forbidden");
    }
    // From the dashboard's own origin, as its form posts: signed in.
    let ours = app.url("");
    let ours: &'static str = Box::leak(ours.trim_end_matches('/').to_string().into_boxed_str());
    let res = login(Some(ours), Some("same-origin")).await.unwrap();
    assert!(res
        .headers()
        .get_all("set-cookie")
        .iter()
        .any(|c| c.to_str().unwrap().starts_with("doorman_session=")));
    // The API for client backends takes no cookie and is not concerned.
    let res = app
        .ingest_raw(
            Some(&app.api_key),
            serde_json::to_vec(&seed_003_signup("csrf@example.com", "fp-csrf")).unwrap(),
        )
        .await;
    assert_eq!(res.0, 200);
}

#[tokio::test]
async fn pages_carry_a_policy_with_a_fresh_nonce_and_cannot_be_framed() {
    let app = TestApp::start().await;
    let page = |path: &'static str| app.http.get(app.url(path)).send();
    let res = page("/login").await.unwrap();
    let header = |res: &reqwest::Response, name: &str| {
        res.headers().get(name).map(|v| v.to_str().unwrap().to_string())
    };
    assert_eq!(header(&res, "x-content-type-options").as_deref(), Some("nosniff"));
    assert_eq!(header(&res, "x-frame-options").as_deref(), Some("DENY"));
    assert!(header(&res, "referrer-policy").is_some());
    let policy = header(&res, "content-security-policy").unwrap();
    assert!(policy.contains("frame-ancestors 'none'") && policy.contains("default-src 'self'"), "{policy}");
    let nonce = policy.split("'nonce-").nth(1).and_then(|rest| rest.split('\'').next()).unwrap().to_string();
    let body = res.text().await.unwrap();
    assert!(
        body.contains(&format!("nonce=\"{nonce}\"")),
        "the page's scripts do not carry the policy's nonce"
    );
    let again = header(&page("/login").await.unwrap(), "content-security-policy").unwrap();
    assert!(!again.contains(&nonce), "a nonce was used twice");
    // Files and the health check are not framed either.
    assert!(header(&page("/healthz").await.unwrap(), "content-security-policy")
        .unwrap()
        .contains("frame-ancestors 'none'"));
}
