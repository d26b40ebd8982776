//! The flows beyond signup, each abuse scenario next to its legitimate twin, through the
//! ingest API on both backends.

use serde_json::{json, Value};

use doorman_store::on_both_backends;

use crate::harness::{fired, seed_003_signup, TestApp};

/// An event of `event_type` by `user` on device number `device` (devices differ in
/// fingerprint and hardware), from `ip`.
fn event(event_type: &str, user: &str, device: u32, ip: &str) -> Value {
    let mut body = seed_003_signup(&format!("{user}@example.com"), &format!("fp-device-{device}"));
    body["type"] = json!(event_type);
    body["externalUserId"] = json!(user);
    body["ip"] = json!(ip);
    body["device"]["screen"]["width"] = json!(1280 + device);
    body
}

const PARIS: &str = "81.2.3.4";
const NEW_YORK: &str = "198.51.100.20";

fn has(body: &Value, code: &str) -> bool {
    fired(body).iter().any(|c| c == code)
}

async fn send(app: &TestApp, body: &Value) -> Value {
    let (status, response) = app.ingest(body).await;
    assert_eq!(status, 200, "{response}");
    response
}

async fn feedback(app: &TestApp, event_id: &str, body: Value) -> (u16, Value) {
    let res = app
        .http
        .post(app.url(&format!("/api/v1/events/{event_id}/feedback")))
        .header("x-api-key", &app.api_key)
        .json(&body)
        .send()
        .await
        .unwrap();
    (res.status().as_u16(), res.json().await.unwrap_or(Value::Null))
}

async fn logins_from_a_usual_device_pass_and_a_new_one_is_noticed(app: TestApp) {
    send(&app, &event("SIGNUP", "ada", 1, PARIS)).await;
    let usual = send(&app, &event("LOGIN", "ada", 1, PARIS)).await;
    assert_eq!(
        (usual["decision"].as_str(), usual["riskScore"].as_i64()),
        (Some("ALLOW"), Some(0)),
        "{usual}"
    );
    let check =
        usual["allChecks"].as_array().unwrap().iter().find(|c| c["code"] == "NEW_DEVICE_FOR_USER").unwrap();
    assert_eq!(check["detail"], "a device this user used before");

    let new = send(&app, &event("LOGIN", "ada", 2, PARIS)).await;
    assert_ne!(new["visitorId"], usual["visitorId"]);
    assert_eq!(fired(&new), vec!["NEW_DEVICE_FOR_USER"], "{new}");
    assert_eq!(new["derivedSignals"]["linkage"]["otherDevicesOfUser"], 1);
}

async fn a_login_an_ocean_away_minutes_later_is_impossible_travel(app: TestApp) {
    send(&app, &event("LOGIN", "ada", 1, PARIS)).await;
    let same_country = send(&app, &event("LOGIN", "ada", 1, "81.9.9.9")).await;
    assert!(!has(&same_country, "IMPOSSIBLE_TRAVEL"), "{same_country}");

    let far = send(&app, &event("LOGIN", "ada", 1, NEW_YORK)).await;
    assert!(has(&far, "IMPOSSIBLE_TRAVEL"), "{far}");
    let previous = &far["derivedSignals"]["linkage"]["previousLogin"];
    assert_eq!(previous["country"], "FR", "{far}");
    assert!(previous["minDistanceKm"].as_f64().unwrap() > 5000.0, "{previous}");
    // Another user's logins say nothing about where this one is.
    let other = send(&app, &event("LOGIN", "bob", 3, NEW_YORK)).await;
    assert!(!has(&other, "IMPOSSIBLE_TRAVEL"), "{other}");
}

async fn many_users_on_one_device_is_credential_stuffing(app: TestApp) {
    for user in ["u1", "u2", "u3"] {
        let body = send(&app, &event("LOGIN", user, 7, PARIS)).await;
        assert!(!has(&body, "CREDENTIAL_STUFFING"), "{user}: {body}");
    }
    let fourth = send(&app, &event("LOGIN", "u4", 7, PARIS)).await;
    assert!(has(&fourth, "CREDENTIAL_STUFFING"), "{fourth}");
    assert_eq!(fourth["decision"], "BLOCK");

    // One user logging in again and again is not stuffing.
    for _ in 0..4 {
        let body = send(&app, &event("LOGIN", "ada", 8, NEW_YORK)).await;
        assert!(!has(&body, "CREDENTIAL_STUFFING"), "{body}");
    }
}

async fn failed_logins_reported_as_feedback_feed_credential_stuffing(app: TestApp) {
    for attempt in 0..6 {
        let body = send(&app, &event("LOGIN", "ada", 9, PARIS)).await;
        assert!(!has(&body, "CREDENTIAL_STUFFING"), "attempt {attempt}: {body}");
        let id = body["eventId"].as_str().unwrap();
        let (status, stored) = feedback(&app, id, json!({ "outcome": "LOGIN_FAILED" })).await;
        assert_eq!(status, 200, "{stored}");
        assert_eq!(stored["outcome"], "LOGIN_FAILED");
    }
    let seventh = send(&app, &event("LOGIN", "ada", 9, PARIS)).await;
    assert!(has(&seventh, "CREDENTIAL_STUFFING"), "{seventh}");
    assert_eq!(seventh["derivedSignals"]["linkage"]["failedLoginsOnDevice1h"], 6);
}

async fn feedback_is_validated_and_scoped_to_the_tenant(app: TestApp) {
    let signup = send(&app, &event("SIGNUP", "ada", 1, PARIS)).await;
    let id = signup["eventId"].as_str().unwrap();
    let (status, body) = feedback(&app, id, json!({ "outcome": "LOGIN_FAILED" })).await;
    assert_eq!((status, body["error"]["field"].as_str()), (422, Some("outcome")), "{body}");
    let (status, body) = feedback(&app, id, json!({})).await;
    assert_eq!(status, 422, "{body}");
    let (status, body) = feedback(&app, id, json!({ "label": "PROBABLY" })).await;
    assert_eq!(status, 422, "{body}");

    let (status, body) = feedback(&app, id, json!({ "label": "FRAUD" })).await;
    assert_eq!((status, body["label"].as_str()), (200, Some("FRAUD")), "{body}");
    let (_, body) = feedback(&app, id, json!({ "outcome": "CHALLENGE_FAILED" })).await;
    assert_eq!((body["label"].as_str(), body["outcome"].as_str()), (Some("FRAUD"), Some("CHALLENGE_FAILED")));

    // Another tenant's key cannot label this event, nor learn that it exists.
    let other = app.store.create_tenant("globex", "Globex").await.unwrap();
    let (_, other_key) = app.store.create_api_key(&other.id, "k").await.unwrap();
    let res = app
        .http
        .post(app.url(&format!("/api/v1/events/{id}/feedback")))
        .header("x-api-key", other_key)
        .json(&json!({ "label": "LEGIT" }))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status().as_u16(), 404);
    let (status, _) = feedback(&app, "evt_nope", json!({ "label": "LEGIT" })).await;
    assert_eq!(status, 404);
}

fn sms(user: &str, device: u32, phone: &str) -> Value {
    let mut body = event("SMS_OTP", user, device, PARIS);
    body["phone"] = json!(phone);
    body
}

async fn the_sixth_sms_from_one_device_in_a_day_is_refused(app: TestApp) {
    for n in 1..=5 {
        let body = send(&app, &sms("ada", 1, "+33 6 12 34 56 78")).await;
        assert_eq!(body["decision"], "ALLOW", "SMS {n}: {body}");
    }
    let sixth = send(&app, &sms("ada", 1, "+33 6 12 34 56 78")).await;
    assert_eq!(sixth["decision"], "BLOCK", "{sixth}");
    assert_eq!(fired(&sixth), vec!["SMS_VELOCITY_DEVICE"]);
    // Another person's device is not held back by it.
    let other = send(&app, &sms("bob", 2, "+33 6 98 76 54 32")).await;
    assert_eq!(other["decision"], "ALLOW", "{other}");
}

async fn sms_pumping_is_seen_by_number_range_and_destination(app: TestApp) {
    // Eleven numbers of one block from eleven devices: each device alone looks fine.
    for n in 0..10 {
        let body = send(&app, &sms(&format!("p{n}"), 100 + n, &format!("+447946000{n:03}"))).await;
        assert!(!has(&body, "SMS_VELOCITY_RANGE"), "{n}: {body}");
    }
    let eleventh = send(&app, &sms("p10", 110, "+447946000999")).await;
    assert!(has(&eleventh, "SMS_VELOCITY_RANGE"), "{eleventh}");
    assert_eq!(eleventh["derivedSignals"]["phone"]["range"], "+44794600");

    let satellite = send(&app, &sms("sat", 200, "+882 1234 5678")).await;
    assert!(has(&satellite, "SMS_HIGH_RISK_DESTINATION"), "{satellite}");
    let france = send(&app, &sms("fr", 201, "+33 1 23 45 67 89")).await;
    assert!(!has(&france, "SMS_HIGH_RISK_DESTINATION"), "{france}");

    let (status, body) = app.ingest(&sms("bad", 1, "06 12 34 56 78")).await;
    assert_eq!((status, body["error"]["field"].as_str()), (422, Some("phone")), "{body}");
    let mut missing = sms("bad", 1, "");
    missing.as_object_mut().unwrap().remove("phone");
    let (status, body) = app.ingest(&missing).await;
    assert_eq!((status, body["error"]["field"].as_str()), (422, Some("phone")), "{body}");
}

async fn a_second_trial_on_one_device_is_caught(app: TestApp) {
    let first = send(&app, &event("TRIAL_START", "ada", 1, PARIS)).await;
    assert_eq!(first["decision"], "ALLOW", "{first}");
    let friend = send(&app, &event("TRIAL_START", "bob", 2, PARIS)).await;
    assert_eq!(friend["decision"], "ALLOW", "{friend}");
    let again = send(&app, &event("TRIAL_START", "ada-2", 1, PARIS)).await;
    assert!(has(&again, "TRIAL_REUSED_ON_DEVICE"), "{again}");
    assert_eq!(again["decision"], "BLOCK");
}

fn referral(referee: &str, device: u32, referrer: &str) -> Value {
    let mut body = event("REFERRAL", referee, device, PARIS);
    body["referrerUserId"] = json!(referrer);
    body
}

async fn a_self_referral_is_caught_and_a_friends_passes(app: TestApp) {
    send(&app, &event("SIGNUP", "ref", 1, PARIS)).await;
    // The referrer signs a second account up on their own device and refers it.
    let own = send(&app, &referral("ref-alt", 1, "ref")).await;
    assert!(has(&own, "SELF_REFERRAL"), "{own}");
    assert_eq!(own["decision"], "BLOCK");

    let friend = send(&app, &referral("friend", 2, "ref")).await;
    assert_eq!(friend["decision"], "ALLOW", "{friend}");
    assert_eq!(fired(&friend), Vec::<String>::new());
    // The friend's device refers a second account: a repeat, whoever the referrer.
    let repeat = send(&app, &referral("friend-2", 2, "someone")).await;
    assert!(has(&repeat, "REFERRAL_DEVICE_REPEAT"), "{repeat}");

    let mut missing = referral("x", 3, "ref");
    missing.as_object_mut().unwrap().remove("referrerUserId");
    let (status, body) = app.ingest(&missing).await;
    assert_eq!((status, body["error"]["field"].as_str()), (422, Some("referrerUserId")), "{body}");
}

fn promo(user: &str, device: u32, code: &str) -> Value {
    let mut body = event("PROMO_REDEEM", user, device, PARIS);
    body["promoCode"] = json!(code);
    body
}

async fn a_promo_code_redeemed_twice_on_one_device_is_caught(app: TestApp) {
    assert_eq!(send(&app, &promo("ada", 1, "WELCOME10")).await["decision"], "ALLOW");
    assert_eq!(send(&app, &promo("bob", 2, "WELCOME10")).await["decision"], "ALLOW");
    let other_code = send(&app, &promo("ada-2", 1, "SPRING5")).await;
    assert!(!has(&other_code, "PROMO_REUSED_ON_DEVICE"), "{other_code}");
    let again = send(&app, &promo("ada-3", 1, "WELCOME10")).await;
    assert!(has(&again, "PROMO_REUSED_ON_DEVICE"), "{again}");
    assert_eq!(again["decision"], "BLOCK");
}

async fn password_resets_are_limited_per_user_and_device(app: TestApp) {
    for n in 1..=3 {
        let body = send(&app, &event("PASSWORD_RESET", "ada", 1, PARIS)).await;
        assert_eq!(fired(&body), Vec::<String>::new(), "reset {n}: {body}");
    }
    let fourth = send(&app, &event("PASSWORD_RESET", "ada", 1, PARIS)).await;
    assert_eq!(fired(&fourth), vec!["RESET_VELOCITY_DEVICE", "RESET_VELOCITY_USER"], "{fourth}");
    // Resets of the same account from a second device still count for the user.
    let elsewhere = send(&app, &event("PASSWORD_RESET", "ada", 2, PARIS)).await;
    assert_eq!(fired(&elsewhere), vec!["RESET_VELOCITY_USER"], "{elsewhere}");
}

async fn the_stored_event_carries_what_the_flow_was_about(app: TestApp) {
    let body = send(&app, &promo("ada", 1, " WELCOME10 ")).await;
    let res = app
        .http
        .get(app.url(&format!("/api/v1/events/{}", body["eventId"].as_str().unwrap())))
        .header("x-api-key", &app.api_key)
        .send()
        .await
        .unwrap();
    let stored: Value = res.json().await.unwrap();
    assert_eq!(stored["promoCode"], "WELCOME10", "{stored}");
    assert_eq!(stored["eventType"], "PROMO_REDEEM");
    let body = send(&app, &sms("ada", 1, "0033 6 12 34 56 78")).await;
    let res = app
        .http
        .get(app.url(&format!("/api/v1/events/{}", body["eventId"].as_str().unwrap())))
        .header("x-api-key", &app.api_key)
        .send()
        .await
        .unwrap();
    let stored: Value = res.json().await.unwrap();
    assert_eq!(stored["phone"], "+33612345678", "{stored}");
}

async fn get(app: &TestApp, key: &str, path: &str) -> (u16, Value) {
    let res = app.http.get(app.url(path)).header("x-api-key", key).send().await.unwrap();
    (res.status().as_u16(), res.json().await.unwrap_or(Value::Null))
}

async fn a_visitors_history_pages_with_its_users_and_addresses(app: TestApp) {
    let first = send(&app, &event("SIGNUP", "ada", 1, PARIS)).await;
    send(&app, &event("LOGIN", "ada", 1, "81.9.9.9")).await;
    let last = send(&app, &event("SIGNUP", "bob", 1, PARIS)).await;
    let visitor = first["visitorId"].as_str().unwrap();
    assert_eq!(last["visitorId"], visitor);

    let (status, page) = get(&app, &app.api_key, &format!("/api/v1/visitors/{visitor}?limit=2")).await;
    assert_eq!(status, 200, "{page}");
    assert_eq!(page["visitorId"], visitor);
    let events = page["events"].as_array().unwrap();
    assert_eq!(events.len(), 2);
    assert_eq!(events[0]["eventId"], last["eventId"]);
    assert_eq!((events[1]["type"].as_str(), events[1]["ip"].as_str()), (Some("LOGIN"), Some("81.9.9.9")));
    assert_eq!(events[0]["triggeredRules"], json!(["DEVICE_REUSED", "ACCOUNTS_PER_DEVICE"]));
    let users: Vec<&str> =
        page["users"].as_array().unwrap().iter().map(|u| u["user"].as_str().unwrap()).collect();
    assert_eq!(users.len(), 2);
    assert!(users.contains(&"ada") && users.contains(&"bob"), "{users:?}");
    assert_eq!(page["ips"].as_array().unwrap().len(), 2);

    let cursor = page["nextCursor"].as_str().unwrap();
    let (_, next) =
        get(&app, &app.api_key, &format!("/api/v1/visitors/{visitor}?limit=2&cursor={cursor}")).await;
    let events = next["events"].as_array().unwrap();
    assert_eq!(events.len(), 1, "{next}");
    assert_eq!(events[0]["eventId"], first["eventId"]);
    assert!(next.get("nextCursor").is_none(), "{next}");

    for (query, field) in
        [("limit=0", "limit"), ("limit=101", "limit"), ("cursor=nonsense", "cursor"), ("limit=x", "query")]
    {
        let (status, body) = get(&app, &app.api_key, &format!("/api/v1/visitors/{visitor}?{query}")).await;
        assert_eq!((status, body["error"]["field"].as_str()), (422, Some(field)), "{query}: {body}");
    }
    let (status, _) = get(&app, &app.api_key, "/api/v1/visitors/vis_unknown").await;
    assert_eq!(status, 404);
    let other = app.store.create_tenant("globex", "Globex").await.unwrap();
    let (_, other_key) = app.store.create_api_key(&other.id, "k").await.unwrap();
    let (status, body) = get(&app, &other_key, &format!("/api/v1/visitors/{visitor}")).await;
    assert_eq!(status, 404, "{body}");
}

async fn a_users_devices_are_listed(app: TestApp) {
    let one = send(&app, &event("SIGNUP", "ada", 1, PARIS)).await;
    let two = send(&app, &event("LOGIN", "ada", 2, PARIS)).await;
    send(&app, &event("LOGIN", "ada", 1, PARIS)).await;
    let (status, body) = get(&app, &app.api_key, "/api/v1/users/ada/devices").await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["user"], "ada");
    let devices: Vec<&Value> = body["devices"].as_array().unwrap().iter().map(|d| &d["visitorId"]).collect();
    assert_eq!(devices, vec![&one["visitorId"], &two["visitorId"]]);
    let (status, _) = get(&app, &app.api_key, "/api/v1/users/nobody/devices").await;
    assert_eq!(status, 404);
    let other = app.store.create_tenant("globex", "Globex").await.unwrap();
    let (_, other_key) = app.store.create_api_key(&other.id, "k").await.unwrap();
    let (status, _) = get(&app, &other_key, "/api/v1/users/ada/devices").await;
    assert_eq!(status, 404);
}

on_both_backends!(TestApp::on =>
    a_visitors_history_pages_with_its_users_and_addresses,
    a_users_devices_are_listed,
    logins_from_a_usual_device_pass_and_a_new_one_is_noticed,
    a_login_an_ocean_away_minutes_later_is_impossible_travel,
    many_users_on_one_device_is_credential_stuffing,
    failed_logins_reported_as_feedback_feed_credential_stuffing,
    feedback_is_validated_and_scoped_to_the_tenant,
    the_sixth_sms_from_one_device_in_a_day_is_refused,
    sms_pumping_is_seen_by_number_range_and_destination,
    a_second_trial_on_one_device_is_caught,
    a_self_referral_is_caught_and_a_friends_passes,
    a_promo_code_redeemed_twice_on_one_device_is_caught,
    password_resets_are_limited_per_user_and_device,
    the_stored_event_carries_what_the_flow_was_about,
);
