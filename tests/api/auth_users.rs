//! docs/api.md §3: sign-in, sign-out, throttling, users, their properties and their tokens.

use crate::helpers::*;
use serde_json::{json, Value};

/// A wire date read back as a timestamp.
fn instant(value: &Value) -> jiff::Timestamp {
    value.as_str().unwrap_or_else(|| panic!("not a date: {value}")).parse().unwrap()
}

async fn sign_in_answer(app: &TestApp, user: &str, password: &str) -> Answer {
    call(app, Method::POST, "/api/auth/token", None, Some(json!({"UserName": user, "Password": password}))).await
}

/// A GET of `path` with this exact `Authorization` header.
fn with_authorization(app: &TestApp, path: &str, value: &str) -> reqwest::RequestBuilder {
    app.request(Method::GET, path).header("Authorization", value)
}

// ---- sign-in and sign-out -------------------------------------------------

#[actix_web::test]
async fn sign_in_answers_a_token_that_expires_in_12_hours_and_the_user() {
    let app = spawn_app().await;
    let before = jiff::Timestamp::now();
    let a = sign_in_answer(&app, "admin", ADMIN_PASSWORD).await;
    assert_eq!(a.status, StatusCode::OK, "{}", a.text);
    let token = a.body["Token"].as_str().unwrap();
    assert!(token.len() >= 32, "token too short for 128 bits: {token}");
    let expires = instant(&a.body["ExpiresOn"]);
    let ahead = expires.duration_since(before).as_secs();
    assert!((12 * 3600 - 60..=12 * 3600 + 60).contains(&ahead), "ExpiresOn {ahead} s ahead: {}", a.text);
    assert_eq!(a.body["User"]["UserName"], "admin");
    assert_eq!(a.body["User"]["Role"], "admin");
    assert_eq!(a.body["User"]["Active"], true);
    assert_eq!(a.body["User"]["FirstName"], "Ada");
    assert_eq!(a.body["User"]["PropertyIds"], json!([]));
    // The token works.
    let me = get(&app, "/api/users/me", token).await;
    assert_eq!(me.status, StatusCode::OK, "{}", me.text);
    assert_eq!(me.body["UserName"], "admin");
}

#[actix_web::test]
async fn sign_in_matches_the_user_name_ignoring_case() {
    let app = spawn_app().await;
    let a = sign_in_answer(&app, "ADMIN", ADMIN_PASSWORD).await;
    assert_eq!(a.status, StatusCode::OK, "{}", a.text);
    assert_eq!(a.body["User"]["UserName"], "admin");
}

#[actix_web::test]
async fn wrong_password_and_unknown_user_are_401_101() {
    let app = spawn_app().await;
    let wrong = sign_in_answer(&app, "admin", "not-the-password").await;
    wrong.assert_error(401, 101);
    let unknown = sign_in_answer(&app, "nobody", ADMIN_PASSWORD).await;
    unknown.assert_error(401, 101);
    // The two failures read the same: nothing tells which names exist.
    assert_eq!(wrong.body["Message"], unknown.body["Message"]);
    assert!(wrong.body.get("Token").is_none());
}

#[actix_web::test]
async fn sign_in_without_user_name_or_password_is_109() {
    let app = spawn_app().await;
    let a = call(&app, Method::POST, "/api/auth/token", None, Some(json!({"UserName": "admin"}))).await;
    a.assert_error(400, 109);
    assert_eq!(error_fields(&a), ["Password"]);
    let a = call(&app, Method::POST, "/api/auth/token", None, Some(json!({}))).await;
    a.assert_error(400, 109);
    assert_eq!(error_fields(&a), ["UserName", "Password"]);
}

#[actix_web::test]
async fn a_password_of_the_wrong_type_is_114_named_once() {
    app_with_directory!(app, admin);
    let a = call(&app, Method::POST, "/api/auth/token", None, Some(json!({"UserName": "admin", "Password": 5}))).await;
    a.assert_error(400, 114);
    assert_eq!(a.body["Errors"].as_array().unwrap().len(), 1, "{}", a.text);
}

/// The message of a 401 for a missing or malformed header says how to get and send a token.
fn assert_says_how_to_sign_in(a: &Answer) {
    let message = a.body["Message"].as_str().unwrap_or_default();
    assert!(message.contains("POST /api/auth/token"), "{message}");
    assert!(message.contains("Authorization: Bearer <token>"), "{message}");
}

#[actix_web::test]
async fn missing_authorization_is_401_100() {
    let app = spawn_app().await;
    for path in ["/api/users/me", "/api/users", "/api/properties"] {
        let a = send(app.request(Method::GET, path)).await;
        a.assert_error(401, 100);
        assert_says_how_to_sign_in(&a);
    }
    call(&app, Method::DELETE, "/api/auth/token", None, None).await.assert_error(401, 100);
}

#[actix_web::test]
async fn malformed_authorization_is_401_118() {
    let app = spawn_app().await;
    let token = sign_in(&app, "admin", ADMIN_PASSWORD).await;
    for value in
        ["", " ", "Basic x", "Basic YWRtaW46YWRtaW4=", "Bearer", "Bearer ", "Token abc", token.as_str(), "Bearer a b"]
    {
        let a = send(with_authorization(&app, "/api/users/me", value)).await;
        a.assert_error(401, 118);
        assert_says_how_to_sign_in(&a);
    }
    // What was wrong is named; a token sent without a scheme is not echoed.
    let basic = send(with_authorization(&app, "/api/users/me", "Basic x")).await;
    assert!(basic.body["Message"].as_str().unwrap().contains("not Basic"), "{}", basic.text);
    let bare = send(with_authorization(&app, "/api/users/me", &token)).await;
    assert!(!bare.text.contains(&token), "{}", bare.text);
    let empty = send(with_authorization(&app, "/api/users/me", "Bearer ")).await;
    assert!(empty.body["Message"].as_str().unwrap().contains("no token after Bearer"), "{}", empty.text);
    // The scheme name is case-insensitive (RFC 7235).
    let a = send(with_authorization(&app, "/api/users/me", &format!("bearer {token}"))).await;
    assert_eq!(a.status, StatusCode::OK, "{}", a.text);
}

#[actix_web::test]
async fn unknown_token_is_401_101() {
    let app = spawn_app().await;
    get(&app, "/api/users/me", "0123456789abcdef0123456789abcdef").await.assert_error(401, 101);
    let a = get(&app, "/api/users/me", &unknown_token()).await;
    a.assert_error(401, 101);
}

#[actix_web::test]
async fn sign_out_revokes_the_token_used_and_only_that_one() {
    let app = spawn_app().await;
    let first = sign_in(&app, "admin", ADMIN_PASSWORD).await;
    let second = sign_in(&app, "admin", ADMIN_PASSWORD).await;
    // Use it once so that it sits in the token cache.
    assert_eq!(get(&app, "/api/users/me", &first).await.status, StatusCode::OK);
    let a = delete(&app, "/api/auth/token", &first).await;
    assert_eq!(a.status, StatusCode::NO_CONTENT, "{}", a.text);
    assert!(a.text.is_empty());
    // The cached entry is gone at once, not after the cache's 30 s.
    get(&app, "/api/users/me", &first).await.assert_error(401, 101);
    delete(&app, "/api/auth/token", &first).await.assert_error(401, 101);
    let still = get(&app, "/api/users/me", &second).await;
    assert_eq!(still.status, StatusCode::OK, "{}", still.text);
}

// ---- throttling -----------------------------------------------------------

#[actix_web::test]
async fn five_failures_throttle_the_name_even_for_the_right_password() {
    let app = spawn_app().await;
    let admin = sign_in(&app, "admin", ADMIN_PASSWORD).await;
    make_user(&app, &admin, "tina", "agent", &[1]).await;
    make_user(&app, &admin, "otto", "agent", &[1]).await;
    for attempt in 1..=5 {
        let a = sign_in_answer(&app, "tina", "wrong-password").await;
        assert_eq!(a.status.as_u16(), 401, "attempt {attempt}: {}", a.text);
        assert_eq!(a.code(), 101, "attempt {attempt}");
    }
    // The 6th attempt, with the right password and another spelling of the name.
    for name in ["tina", "TINA"] {
        let a = sign_in_answer(&app, name, "tina-password").await;
        a.assert_error(429, 116);
        assert!(a.body.get("Token").is_none());
        let wait: u64 = a.header("retry-after").expect("Retry-After header").parse().unwrap();
        assert!((1..=15 * 60).contains(&wait), "Retry-After {wait}");
    }
    // Another user name is not affected.
    let other = sign_in_answer(&app, "otto", "otto-password").await;
    assert_eq!(other.status, StatusCode::OK, "{}", other.text);
}

#[actix_web::test]
async fn a_successful_sign_in_clears_earlier_failures() {
    let app = spawn_app().await;
    let admin = sign_in(&app, "admin", ADMIN_PASSWORD).await;
    make_user(&app, &admin, "rita", "viewer", &[]).await;
    for _ in 0..4 {
        sign_in_answer(&app, "rita", "wrong-password").await.assert_error(401, 101);
    }
    assert_eq!(sign_in_answer(&app, "rita", "rita-password").await.status, StatusCode::OK);
    for _ in 0..4 {
        sign_in_answer(&app, "rita", "wrong-password").await.assert_error(401, 101);
    }
    let a = sign_in_answer(&app, "rita", "rita-password").await;
    assert_eq!(a.status, StatusCode::OK, "{}", a.text);
}

#[actix_web::test]
async fn parallel_wrong_passwords_gain_at_most_one_try_per_running_check() {
    // One password check at a time: the throttle is asked as each check
    // starts, so exactly five guesses are checked.
    let app = spawn_app_with(password_checks(1, std::time::Duration::from_secs(60))).await;
    let attempts = (0..12).map(|_| {
        call(&app, Method::POST, "/api/auth/token", None, Some(json!({"UserName": "admin", "Password": "wrong-guess"})))
    });
    let answers = futures_util::future::join_all(attempts).await;
    let refused = answers.iter().filter(|a| a.status == StatusCode::UNAUTHORIZED).count();
    let throttled = answers.iter().filter(|a| a.status == StatusCode::TOO_MANY_REQUESTS).count();
    assert_eq!((refused, throttled), (5, 7), "at most five guesses are checked");
    let right = call(
        &app,
        Method::POST,
        "/api/auth/token",
        None,
        Some(json!({"UserName": "admin", "Password": ADMIN_PASSWORD})),
    )
    .await;
    right.assert_error(429, 116);
}

#[actix_web::test]
async fn parallel_wrong_passwords_pass_the_limit_by_less_than_the_checks_running_at_once() {
    let permits = 3;
    let app = spawn_app_with(password_checks(permits, std::time::Duration::from_secs(60))).await;
    let attempts = (0..16).map(|_| {
        call(&app, Method::POST, "/api/auth/token", None, Some(json!({"UserName": "admin", "Password": "wrong-guess"})))
    });
    let answers = futures_util::future::join_all(attempts).await;
    let refused = answers.iter().filter(|a| a.status == StatusCode::UNAUTHORIZED).count();
    let throttled = answers.iter().filter(|a| a.status == StatusCode::TOO_MANY_REQUESTS).count();
    assert_eq!(refused + throttled, 16);
    assert!((5..5 + permits).contains(&refused), "{refused} guesses were checked");
}

// ---- reading users --------------------------------------------------------

#[actix_web::test]
async fn users_me_answers_the_callers_user_with_every_field() {
    let app = spawn_app().await;
    let admin = sign_in(&app, "admin", ADMIN_PASSWORD).await;
    let (id, agent) = make_user(&app, &admin, "amy", "agent", &[2, 1]).await;
    let a = get(&app, "/api/users/me", &agent).await;
    assert_eq!(a.status, StatusCode::OK, "{}", a.text);
    assert_eq!(
        a.body,
        json!({"UserId": id, "UserName": "amy", "FirstName": "amy", "LastName": "Tester", "Email": null,
               "Role": "agent", "Active": true, "PropertyIds": [1, 2]})
    );
}

#[actix_web::test]
async fn get_user_is_for_self_or_admin() {
    let app = spawn_app().await;
    let admin = sign_in(&app, "admin", ADMIN_PASSWORD).await;
    let (amy_id, amy) = make_user(&app, &admin, "amy", "agent", &[1]).await;
    let (bob_id, _) = make_user(&app, &admin, "bob", "viewer", &[1]).await;
    let own = get(&app, &format!("/api/users/{amy_id}"), &amy).await;
    assert_eq!(own.status, StatusCode::OK, "{}", own.text);
    assert_eq!(own.body["UserName"], "amy");
    get(&app, &format!("/api/users/{bob_id}"), &amy).await.assert_error(403, 102);
    let by_admin = get(&app, &format!("/api/users/{bob_id}"), &admin).await;
    assert_eq!(by_admin.status, StatusCode::OK, "{}", by_admin.text);
    assert_eq!(by_admin.body["UserName"], "bob");
    assert_eq!(by_admin.body["Role"], "viewer");
}

#[actix_web::test]
async fn get_user_unknown_is_404_106_and_a_bad_id_is_400_114() {
    let app = spawn_app().await;
    let admin = sign_in(&app, "admin", ADMIN_PASSWORD).await;
    get(&app, "/api/users/9999", &admin).await.assert_error(404, 106);
    for bad in ["abc", "0", "-3", "1.5", "99999999999999999999"] {
        let a = get(&app, &format!("/api/users/{bad}"), &admin).await;
        a.assert_error(400, 114);
    }
}

#[actix_web::test]
async fn list_users_is_admin_only_and_wrapped_with_a_total() {
    let app = spawn_app().await;
    let admin = sign_in(&app, "admin", ADMIN_PASSWORD).await;
    let (_, agent) = make_user(&app, &admin, "carl", "agent", &[1]).await;
    make_user(&app, &admin, "bea", "viewer", &[]).await;
    get(&app, "/api/users", &agent).await.assert_error(403, 102);
    let a = get(&app, "/api/users", &admin).await;
    assert_eq!(a.status, StatusCode::OK, "{}", a.text);
    assert_eq!(a.body["Total"], 3);
    let names: Vec<&str> =
        a.body["Elements"].as_array().unwrap().iter().map(|u| u["UserName"].as_str().unwrap()).collect();
    assert_eq!(names, ["admin", "bea", "carl"]);
    let page = get(&app, "/api/users?pageSize=2&page=2", &admin).await;
    assert_eq!(page.body["Total"], 3);
    assert_eq!(page.body["Elements"].as_array().unwrap().len(), 1);
    assert_eq!(page.body["Elements"][0]["UserName"], "carl");
}

// ---- creating users -------------------------------------------------------

#[actix_web::test]
async fn create_user_answers_201_with_location_and_the_user() {
    let app = spawn_app().await;
    let admin = sign_in(&app, "admin", ADMIN_PASSWORD).await;
    let a = post(
        &app,
        "/api/users",
        &admin,
        json!({"UserName": "jdoe", "Password": "a-long-password", "FirstName": "Jane", "LastName": "Doe",
               "Email": "jane@example.com", "Role": "agent", "PropertyIds": [1]}),
    )
    .await;
    assert_eq!(a.status, StatusCode::CREATED, "{}", a.text);
    let id = a.body["UserId"].as_i64().unwrap();
    assert_eq!(a.header("location"), Some(format!("/api/users/{id}").as_str()));
    assert_eq!(
        a.body,
        json!({"UserId": id, "UserName": "jdoe", "FirstName": "Jane", "LastName": "Doe", "Email": "jane@example.com",
               "Role": "agent", "Active": true, "PropertyIds": [1]})
    );
    assert!(a.body.get("Password").is_none());
    // The Location names the user, and the password works.
    let again = get(&app, &format!("/api/users/{id}"), &admin).await;
    assert_eq!(again.body, a.body);
    let token = sign_in(&app, "jdoe", "a-long-password").await;
    assert_eq!(get(&app, "/api/users/me", &token).await.body["UserId"], id);
}

#[actix_web::test]
async fn duplicate_user_name_ignoring_case_is_409_112() {
    let app = spawn_app().await;
    let admin = sign_in(&app, "admin", ADMIN_PASSWORD).await;
    make_user(&app, &admin, "Casey", "viewer", &[]).await;
    for name in ["Casey", "casey", "CASEY", "Admin"] {
        let a =
            post(&app, "/api/users", &admin, json!({"UserName": name, "Password": "long-enough-1", "Role": "agent"}))
                .await;
        a.assert_error(409, 112);
    }
    assert_eq!(get(&app, "/api/users", &admin).await.body["Total"], 2);
}

#[actix_web::test]
async fn duplicate_user_name_ignoring_case_holds_for_non_ascii_letters() {
    let app = spawn_app().await;
    let admin = sign_in(&app, "admin", ADMIN_PASSWORD).await;
    let a = post(&app, "/api/users", &admin, json!({"UserName": "Zoë", "Password": "long-enough-1", "Role": "agent"}))
        .await;
    assert_eq!(a.status, StatusCode::CREATED, "{}", a.text);
    for name in ["ZOË", "zoë"] {
        let a =
            post(&app, "/api/users", &admin, json!({"UserName": name, "Password": "long-enough-2", "Role": "agent"}))
                .await;
        a.assert_error(409, 112);
    }
    // A different letter is a different name.
    let a = post(&app, "/api/users", &admin, json!({"UserName": "Zoe", "Password": "long-enough-3", "Role": "agent"}))
        .await;
    assert_eq!(a.status, StatusCode::CREATED, "{}", a.text);
    assert_eq!(get(&app, "/api/users", &admin).await.body["Total"], 3);
}

#[actix_web::test]
async fn create_user_refuses_a_bad_role_or_short_password_with_114() {
    let app = spawn_app().await;
    let admin = sign_in(&app, "admin", ADMIN_PASSWORD).await;
    let a =
        post(&app, "/api/users", &admin, json!({"UserName": "r1", "Password": "long-enough-1", "Role": "owner"})).await;
    a.assert_error(400, 114);
    assert_eq!(error_fields(&a), ["Role"]);
    let a = post(&app, "/api/users", &admin, json!({"UserName": "r2", "Password": "short", "Role": "agent"})).await;
    a.assert_error(400, 114);
    assert_eq!(error_fields(&a), ["Password"]);
    let a = post(&app, "/api/users", &admin, json!({"UserName": "r3", "Password": "short", "Role": "boss"})).await;
    a.assert_error(400, 114);
    assert_eq!(error_fields(&a), ["Password", "Role"]);
    let a = post(
        &app,
        "/api/users",
        &admin,
        json!({"UserName": "has space", "Password": "long-enough-1", "Role": "agent"}),
    )
    .await;
    a.assert_error(400, 114);
    assert_eq!(error_fields(&a), ["UserName"]);
    // Nothing was created.
    assert_eq!(get(&app, "/api/users", &admin).await.body["Total"], 1);
}

#[actix_web::test]
async fn create_user_without_user_name_or_role_is_109() {
    let app = spawn_app().await;
    let admin = sign_in(&app, "admin", ADMIN_PASSWORD).await;
    let a = post(&app, "/api/users", &admin, json!({"UserName": "norole", "Password": "long-enough-1"})).await;
    a.assert_error(400, 109);
    assert_eq!(error_fields(&a), ["Role"]);
    let a =
        post(&app, "/api/users", &admin, json!({"UserName": "  ", "Password": "long-enough-1", "Role": "agent"})).await;
    a.assert_error(400, 109);
    assert_eq!(error_fields(&a), ["UserName"]);
    let a = post(&app, "/api/users", &admin, json!({"UserName": "nopass", "Role": "agent"})).await;
    a.assert_error(400, 109);
    assert_eq!(error_fields(&a), ["Password"]);
    assert_eq!(get(&app, "/api/users", &admin).await.body["Total"], 1);
}

#[actix_web::test]
async fn create_user_is_admin_only() {
    let app = spawn_app().await;
    let admin = sign_in(&app, "admin", ADMIN_PASSWORD).await;
    let (_, agent) = make_user(&app, &admin, "agnes", "agent", &[1]).await;
    let a =
        post(&app, "/api/users", &agent, json!({"UserName": "sneaky", "Password": "long-enough-1", "Role": "admin"}))
            .await;
    a.assert_error(403, 102);
    assert_eq!(get(&app, "/api/users", &admin).await.body["Total"], 2);
}

// ---- updating users -------------------------------------------------------

#[actix_web::test]
async fn update_user_answers_200_empty_or_the_user_when_asked() {
    let app = spawn_app().await;
    let admin = sign_in(&app, "admin", ADMIN_PASSWORD).await;
    let (id, _) = make_user(&app, &admin, "ivy", "viewer", &[1]).await;
    let a =
        put(&app, &format!("/api/users/{id}"), &admin, json!({"FirstName": "Ivy", "Email": "ivy@example.com"})).await;
    assert_eq!(a.status, StatusCode::OK, "{}", a.text);
    assert!(a.text.is_empty(), "PUT without Prefer answers an empty body: {}", a.text);
    let req = app
        .request(Method::PUT, &format!("/api/users/{id}"))
        .bearer_auth(&admin)
        .header("Prefer", "return=representation")
        .json(&json!({"LastName": "Green"}));
    let a = send(req).await;
    assert_eq!(a.status, StatusCode::OK, "{}", a.text);
    assert_eq!(
        a.body,
        json!({"UserId": id, "UserName": "ivy", "FirstName": "Ivy", "LastName": "Green", "Email": "ivy@example.com",
               "Role": "viewer", "Active": true, "PropertyIds": [1]})
    );
}

#[actix_web::test]
async fn update_user_checks_its_input_and_the_caller() {
    let app = spawn_app().await;
    let admin = sign_in(&app, "admin", ADMIN_PASSWORD).await;
    let (id, agent) = make_user(&app, &admin, "jon", "agent", &[1]).await;
    put(&app, &format!("/api/users/{id}"), &agent, json!({"Role": "admin"})).await.assert_error(403, 102);
    let a = put(&app, &format!("/api/users/{id}"), &admin, json!({"Role": "chief", "Password": "x"})).await;
    a.assert_error(400, 114);
    assert_eq!(error_fields(&a), ["Role", "Password"]);
    put(&app, "/api/users/9999", &admin, json!({"FirstName": "X"})).await.assert_error(404, 106);
    put(&app, "/api/users/abc", &admin, json!({"FirstName": "X"})).await.assert_error(400, 114);
    // Unchanged after the refusals.
    assert_eq!(get(&app, &format!("/api/users/{id}"), &admin).await.body["Role"], "agent");
}

#[actix_web::test]
async fn a_new_password_replaces_the_old_one() {
    let app = spawn_app().await;
    let admin = sign_in(&app, "admin", ADMIN_PASSWORD).await;
    let (id, _) = make_user(&app, &admin, "pam", "viewer", &[]).await;
    let a = put(&app, &format!("/api/users/{id}"), &admin, json!({"Password": "brand-new-secret"})).await;
    assert_eq!(a.status, StatusCode::OK, "{}", a.text);
    sign_in_answer(&app, "pam", "pam-password").await.assert_error(401, 101);
    assert_eq!(sign_in_answer(&app, "pam", "brand-new-secret").await.status, StatusCode::OK);
}

#[actix_web::test]
async fn a_role_change_applies_at_once_to_the_users_existing_token() {
    let app = spawn_app().await;
    let admin = sign_in(&app, "admin", ADMIN_PASSWORD).await;
    let (id, agent) = make_user(&app, &admin, "kim", "agent", &[1]).await;
    // Cache the token with the agent role.
    get(&app, "/api/users", &agent).await.assert_error(403, 102);
    let a = put(&app, &format!("/api/users/{id}"), &admin, json!({"Role": "admin"})).await;
    assert_eq!(a.status, StatusCode::OK, "{}", a.text);
    let a = get(&app, "/api/users", &agent).await;
    assert_eq!(a.status, StatusCode::OK, "the promoted user's cached token must see the new role: {}", a.text);
    assert_eq!(a.body["Total"], 2);
    // And back.
    let a = put(&app, &format!("/api/users/{id}"), &admin, json!({"Role": "viewer"})).await;
    assert_eq!(a.status, StatusCode::OK, "{}", a.text);
    get(&app, "/api/users", &agent).await.assert_error(403, 102);
    assert_eq!(get(&app, "/api/users/me", &agent).await.body["Role"], "viewer");
}

#[actix_web::test]
async fn a_property_link_change_applies_at_once_to_the_users_existing_token() {
    app_with_directory!(app, admin);
    let (id, viewer) = make_user(&app, &admin, "lou", "viewer", &[1]).await;
    get(&app, "/api/properties/2", &viewer).await.assert_error(403, 105);
    let a = put(&app, &format!("/api/users/{id}"), &admin, json!({"PropertyIds": [1, 2]})).await;
    assert_eq!(a.status, StatusCode::OK, "{}", a.text);
    let a = get(&app, "/api/properties/2", &viewer).await;
    assert_eq!(a.status, StatusCode::OK, "{}", a.text);
    assert_eq!(a.body["PropertyName"], "Oak Hollow");
    let a = put(&app, &format!("/api/users/{id}"), &admin, json!({"PropertyIds": []})).await;
    assert_eq!(a.status, StatusCode::OK, "{}", a.text);
    get(&app, "/api/properties/1", &viewer).await.assert_error(403, 105);
    assert_eq!(get(&app, "/api/properties", &viewer).await.body["Total"], 0);
}

#[actix_web::test]
async fn deactivating_a_user_revokes_its_tokens_and_refuses_its_sign_in() {
    let app = spawn_app().await;
    let admin = sign_in(&app, "admin", ADMIN_PASSWORD).await;
    let (id, session) = make_user(&app, &admin, "max", "agent", &[1]).await;
    let api = post(&app, &format!("/api/users/{id}/tokens"), &session, json!({"Name": "script"})).await;
    assert_eq!(api.status, StatusCode::CREATED, "{}", api.text);
    let api = api.body["Token"].as_str().unwrap().to_string();
    // Both are in the token cache.
    assert_eq!(get(&app, "/api/users/me", &session).await.status, StatusCode::OK);
    assert_eq!(get(&app, "/api/users/me", &api).await.status, StatusCode::OK);
    let a = put(&app, &format!("/api/users/{id}"), &admin, json!({"Active": false})).await;
    assert_eq!(a.status, StatusCode::OK, "{}", a.text);
    get(&app, "/api/users/me", &session).await.assert_error(401, 101);
    get(&app, "/api/users/me", &api).await.assert_error(401, 101);
    sign_in_answer(&app, "max", "max-password").await.assert_error(401, 101);
    let user = get(&app, &format!("/api/users/{id}"), &admin).await;
    assert_eq!(user.body["Active"], false);
    // Reactivated, the user signs in again, but the old tokens stay revoked.
    let a = put(&app, &format!("/api/users/{id}"), &admin, json!({"Active": true})).await;
    assert_eq!(a.status, StatusCode::OK, "{}", a.text);
    get(&app, "/api/users/me", &session).await.assert_error(401, 101);
    get(&app, "/api/users/me", &api).await.assert_error(401, 101);
    sign_in(&app, "max", "max-password").await;
}

#[actix_web::test]
async fn the_last_active_admin_can_be_neither_deactivated_nor_demoted() {
    let app = spawn_app().await;
    let admin = sign_in(&app, "admin", ADMIN_PASSWORD).await;
    let me = get(&app, "/api/users/me", &admin).await.body["UserId"].as_i64().unwrap();
    put(&app, &format!("/api/users/{me}"), &admin, json!({"Active": false})).await.assert_error(409, 112);
    put(&app, &format!("/api/users/{me}"), &admin, json!({"Role": "agent"})).await.assert_error(409, 112);
    // An inactive admin does not count.
    let (other, _) = make_user(&app, &admin, "root2", "admin", &[]).await;
    let a = put(&app, &format!("/api/users/{other}"), &admin, json!({"Active": false})).await;
    assert_eq!(a.status, StatusCode::OK, "{}", a.text);
    put(&app, &format!("/api/users/{me}"), &admin, json!({"Role": "viewer"})).await.assert_error(409, 112);
    let user = get(&app, "/api/users/me", &admin).await;
    assert_eq!((user.body["Role"].as_str(), user.body["Active"].as_bool()), (Some("admin"), Some(true)));
    // With a second active admin, the first may step down.
    let a = put(&app, &format!("/api/users/{other}"), &admin, json!({"Active": true})).await;
    assert_eq!(a.status, StatusCode::OK, "{}", a.text);
    let a = put(&app, &format!("/api/users/{me}"), &admin, json!({"Role": "agent"})).await;
    assert_eq!(a.status, StatusCode::OK, "{}", a.text);
    get(&app, "/api/users", &admin).await.assert_error(403, 102);
}

// ---- a user's properties --------------------------------------------------

#[actix_web::test]
async fn user_properties_lists_what_that_user_may_see_by_status() {
    app_with_directory!(app, admin);
    let (id, viewer) = make_user(&app, &admin, "vic", "viewer", &[1, 3]).await;
    let path = format!("/api/users/{id}/properties");
    let a = get(&app, &path, &viewer).await;
    assert_eq!(a.status, StatusCode::OK, "{}", a.text);
    assert_eq!((a.body["Total"].as_i64(), ids(&a, "PropertyId")), (Some(1), vec![1]));
    assert_eq!(a.body["Elements"][0]["PropertyName"], "Harbor View");
    let a = get(&app, &format!("{path}?PropertyStatus=Active"), &viewer).await;
    assert_eq!(ids(&a, "PropertyId"), [1]);
    let a = get(&app, &format!("{path}?PropertyStatus=Inactive"), &viewer).await;
    assert_eq!((a.body["Total"].as_i64(), ids(&a, "PropertyId")), (Some(1), vec![3]));
    let a = get(&app, &format!("{path}?propertystatus=all"), &admin).await;
    assert_eq!((a.body["Total"].as_i64(), ids(&a, "PropertyId")), (Some(2), vec![1, 3]));
    let a = get(&app, &format!("{path}?PropertyStatus=Closed"), &viewer).await;
    a.assert_error(400, 114);
    assert_eq!(error_fields(&a), ["PropertyStatus"]);
}

#[actix_web::test]
async fn user_properties_of_an_admin_are_all_properties() {
    app_with_directory!(app, admin);
    let me = get(&app, "/api/users/me", &admin).await.body["UserId"].as_i64().unwrap();
    let a = get(&app, &format!("/api/users/{me}/properties?PropertyStatus=All"), &admin).await;
    assert_eq!(a.status, StatusCode::OK, "{}", a.text);
    assert_eq!(a.body["Total"], 3);
    let a = get(&app, &format!("/api/users/{me}/properties"), &admin).await;
    assert_eq!((a.body["Total"].as_i64(), ids(&a, "PropertyId")), (Some(2), vec![1, 2]));
}

#[actix_web::test]
async fn user_properties_of_another_user_is_admin_only() {
    app_with_directory!(app, admin);
    let (_, viewer) = make_user(&app, &admin, "wes", "viewer", &[1]).await;
    let (other, _) = make_user(&app, &admin, "xia", "agent", &[2]).await;
    get(&app, &format!("/api/users/{other}/properties"), &viewer).await.assert_error(403, 102);
    let a = get(&app, &format!("/api/users/{other}/properties"), &admin).await;
    assert_eq!((a.status, ids(&a, "PropertyId")), (StatusCode::OK, vec![2]));
    get(&app, "/api/users/9999/properties", &admin).await.assert_error(404, 106);
}

// ---- API tokens -----------------------------------------------------------

#[actix_web::test]
async fn an_api_token_is_created_shown_once_listed_and_works() {
    let app = spawn_app().await;
    let admin = sign_in(&app, "admin", ADMIN_PASSWORD).await;
    let (id, agent) = make_user(&app, &admin, "yan", "agent", &[1]).await;
    let before = jiff::Timestamp::now();
    let a = post(&app, &format!("/api/users/{id}/tokens"), &agent, json!({"Name": "nightly sync"})).await;
    assert_eq!(a.status, StatusCode::CREATED, "{}", a.text);
    let token_id = a.body["TokenId"].as_i64().unwrap();
    assert_eq!(a.header("location"), Some(format!("/api/users/{id}/tokens/{token_id}").as_str()));
    assert_eq!(a.body["Name"], "nightly sync");
    assert!(a.body["ExpiresOn"].is_null(), "no expiry unless given: {}", a.text);
    let created = instant(&a.body["CreatedOn"]);
    assert!(created.duration_since(before).as_secs().abs() < 60);
    let mut keys: Vec<&str> = a.body.as_object().unwrap().keys().map(String::as_str).collect();
    keys.sort();
    assert_eq!(keys, ["CreatedOn", "ExpiresOn", "Name", "Token", "TokenId"]);
    let token = a.body["Token"].as_str().unwrap().to_string();
    // It is a bearer token of that user.
    let me = get(&app, "/api/users/me", &token).await;
    assert_eq!((me.status, me.body["UserId"].as_i64()), (StatusCode::OK, Some(id)));
    // Listed without the clear token; session tokens are not listed.
    let list = get(&app, &format!("/api/users/{id}/tokens"), &agent).await;
    assert_eq!(list.status, StatusCode::OK, "{}", list.text);
    assert_eq!(list.body["Total"], 1);
    let listed = &list.body["Elements"][0];
    assert_eq!(listed["TokenId"], token_id);
    assert_eq!(listed["Name"], "nightly sync");
    assert_eq!(listed["CreatedOn"], a.body["CreatedOn"]);
    assert!(listed["ExpiresOn"].is_null());
    assert!(listed.get("Token").is_none(), "the clear token must not be listed: {}", list.text);
    assert!(!list.text.contains(&token));
}

#[actix_web::test]
async fn an_api_token_with_an_expiry_reports_it() {
    let app = spawn_app().await;
    let admin = sign_in(&app, "admin", ADMIN_PASSWORD).await;
    let me = get(&app, "/api/users/me", &admin).await.body["UserId"].as_i64().unwrap();
    let a = post(&app, &format!("/api/users/{me}/tokens"), &admin, json!({"Name": "month", "ExpiresOn": "2099-01-31"}))
        .await;
    assert_eq!(a.status, StatusCode::CREATED, "{}", a.text);
    assert_eq!(a.body["ExpiresOn"], "2099-01-31T00:00:00.0000000+00:00");
    let list = get(&app, &format!("/api/users/{me}/tokens"), &admin).await;
    assert_eq!(list.body["Elements"][0]["ExpiresOn"], "2099-01-31T00:00:00.0000000+00:00");
}

#[actix_web::test]
async fn revoking_an_api_token_answers_204_and_the_token_stops_working() {
    let app = spawn_app().await;
    let admin = sign_in(&app, "admin", ADMIN_PASSWORD).await;
    let (id, agent) = make_user(&app, &admin, "zed", "agent", &[1]).await;
    let a = post(&app, &format!("/api/users/{id}/tokens"), &agent, json!({"Name": "ci"})).await;
    let token_id = a.body["TokenId"].as_i64().unwrap();
    let token = a.body["Token"].as_str().unwrap().to_string();
    assert_eq!(get(&app, "/api/users/me", &token).await.status, StatusCode::OK); // now cached
    let a = delete(&app, &format!("/api/users/{id}/tokens/{token_id}"), &agent).await;
    assert_eq!(a.status, StatusCode::NO_CONTENT, "{}", a.text);
    assert!(a.text.is_empty());
    get(&app, "/api/users/me", &token).await.assert_error(401, 101);
    let list = get(&app, &format!("/api/users/{id}/tokens"), &agent).await;
    assert_eq!((list.body["Total"].as_i64(), list.body["Elements"].clone()), (Some(0), json!([])));
    // Revoking it again, or a token that never existed, is 404/106.
    delete(&app, &format!("/api/users/{id}/tokens/{token_id}"), &agent).await.assert_error(404, 106);
    delete(&app, &format!("/api/users/{id}/tokens/98765"), &agent).await.assert_error(404, 106);
    // The session token used for all this still works.
    assert_eq!(get(&app, "/api/users/me", &agent).await.status, StatusCode::OK);
}

#[actix_web::test]
async fn an_admin_may_revoke_another_users_token_but_not_through_the_wrong_user() {
    let app = spawn_app().await;
    let admin = sign_in(&app, "admin", ADMIN_PASSWORD).await;
    let me = get(&app, "/api/users/me", &admin).await.body["UserId"].as_i64().unwrap();
    let (id, agent) = make_user(&app, &admin, "ulf", "agent", &[1]).await;
    let a = post(&app, &format!("/api/users/{id}/tokens"), &admin, json!({"Name": "made by admin"})).await;
    assert_eq!(a.status, StatusCode::CREATED, "{}", a.text);
    let token_id = a.body["TokenId"].as_i64().unwrap();
    let token = a.body["Token"].as_str().unwrap().to_string();
    assert_eq!(get(&app, "/api/users/me", &token).await.body["UserId"], id);
    // The token belongs to ulf, not to the admin.
    delete(&app, &format!("/api/users/{me}/tokens/{token_id}"), &admin).await.assert_error(404, 106);
    assert_eq!(get(&app, "/api/users/me", &token).await.status, StatusCode::OK);
    let a = delete(&app, &format!("/api/users/{id}/tokens/{token_id}"), &admin).await;
    assert_eq!(a.status, StatusCode::NO_CONTENT, "{}", a.text);
    get(&app, "/api/users/me", &token).await.assert_error(401, 101);
    assert_eq!(get(&app, "/api/users/me", &agent).await.status, StatusCode::OK);
}

#[actix_web::test]
async fn api_token_input_is_checked() {
    let app = spawn_app().await;
    let admin = sign_in(&app, "admin", ADMIN_PASSWORD).await;
    let me = get(&app, "/api/users/me", &admin).await.body["UserId"].as_i64().unwrap();
    let path = format!("/api/users/{me}/tokens");
    let a = post(&app, &path, &admin, json!({"Name": "old", "ExpiresOn": "2020-01-01T00:00:00Z"})).await;
    a.assert_error(400, 114);
    assert_eq!(error_fields(&a), ["ExpiresOn"]);
    let a = post(&app, &path, &admin, json!({"Name": "soon", "ExpiresOn": "tomorrow"})).await;
    a.assert_error(400, 114);
    assert_eq!(error_fields(&a), ["ExpiresOn"]);
    let a = post(&app, &path, &admin, json!({"ExpiresOn": "2099-01-01"})).await;
    a.assert_error(400, 109);
    assert_eq!(error_fields(&a), ["Name"]);
    post(&app, "/api/users/9999/tokens", &admin, json!({"Name": "ghost"})).await.assert_error(404, 106);
    assert_eq!(get(&app, &path, &admin).await.body["Total"], 0);
}

#[actix_web::test]
async fn another_users_tokens_are_admin_only() {
    let app = spawn_app().await;
    let admin = sign_in(&app, "admin", ADMIN_PASSWORD).await;
    let (_, agent) = make_user(&app, &admin, "val", "agent", &[1]).await;
    let (other, other_token) = make_user(&app, &admin, "wim", "agent", &[1]).await;
    let a = post(&app, &format!("/api/users/{other}/tokens"), &other_token, json!({"Name": "wim's"})).await;
    let token_id = a.body["TokenId"].as_i64().unwrap();
    post(&app, &format!("/api/users/{other}/tokens"), &agent, json!({"Name": "x"})).await.assert_error(403, 102);
    get(&app, &format!("/api/users/{other}/tokens"), &agent).await.assert_error(403, 102);
    delete(&app, &format!("/api/users/{other}/tokens/{token_id}"), &agent).await.assert_error(403, 102);
    let list = get(&app, &format!("/api/users/{other}/tokens"), &admin).await;
    assert_eq!((list.body["Total"].as_i64(), ids(&list, "TokenId")), (Some(1), vec![token_id]));
}

#[actix_web::test]
async fn an_expired_api_token_is_401_101_even_when_cached() {
    let time = manual_clock();
    let app = spawn_app_with(clock(&time)).await;
    let admin = sign_in(&app, "admin", ADMIN_PASSWORD).await;
    let me = get(&app, "/api/users/me", &admin).await.body["UserId"].as_i64().unwrap();
    let a = post(
        &app,
        &format!("/api/users/{me}/tokens"),
        &admin,
        // Three seconds on the test's clock, however long signing in took.
        json!({"Name": "brief", "ExpiresOn": time.now().plus_seconds(3).format_in(&jiff::tz::TimeZone::UTC)}),
    )
    .await;
    assert_eq!(a.status, StatusCode::CREATED, "{}", a.text);
    let token = a.body["Token"].as_str().unwrap().to_string();
    assert_eq!(get(&app, "/api/users/me", &token).await.status, StatusCode::OK); // cached now
    time.advance_seconds(2);
    assert_eq!(get(&app, "/api/users/me", &token).await.status, StatusCode::OK, "not yet expired");
    time.advance_seconds(2);
    get(&app, "/api/users/me", &token).await.assert_error(401, 101);
}

#[actix_web::test]
async fn a_token_stored_as_already_expired_is_401_101() {
    let app = spawn_app().await;
    let token = insert_api_token(&app, 1, "stale", 7200, -1).await;
    get(&app, "/api/users/me", &token).await.assert_error(401, 101);
    // An expired token is not listed among the user's tokens either.
    let listed = get(&app, "/api/users/1/tokens", &sign_in(&app, "admin", ADMIN_PASSWORD).await).await;
    assert_eq!(listed.status, StatusCode::OK);
    assert!(!listed.text.contains("stale"), "{}", listed.text);
}

#[actix_web::test]
async fn sign_in_ignores_case_beyond_ascii() {
    let app = spawn_app().await;
    let admin = sign_in(&app, "admin", ADMIN_PASSWORD).await;
    let a =
        post(&app, "/api/users", &admin, json!({"UserName": "Zoë", "Password": "zoë-password", "Role": "agent"})).await;
    assert_eq!(a.status, StatusCode::CREATED, "{}", a.text);
    let token = sign_in(&app, "ZOË", "zoë-password").await;
    assert_eq!(get(&app, "/api/users/me", &token).await.body["UserName"], "Zoë");
}

// ---- what is stored -------------------------------------------------------

#[actix_web::test]
async fn passwords_are_stored_as_argon2id_and_tokens_only_as_hashes() {
    let app = spawn_app().await;
    let admin = sign_in(&app, "admin", ADMIN_PASSWORD).await;
    let (id, agent) = make_user(&app, &admin, "sam", "agent", &[1]).await;
    let a = post(&app, &format!("/api/users/{id}/tokens"), &agent, json!({"Name": "api"})).await;
    let api = a.body["Token"].as_str().unwrap().to_string();
    let tokens = [admin, agent, api];

    // What is stored, read from the database past the service, on either engine.
    let Stored { hashes, tokens: stored, not_digests: text } = stored_credentials(&app).await;
    assert_eq!(hashes.len(), 2);
    for (name, hash) in &hashes {
        assert!(hash.starts_with("$argon2id$"), "{name}: {hash}");
        assert!(!hash.contains("sam-password") && !hash.contains(ADMIN_PASSWORD));
    }
    assert_ne!(hashes[0].1, hashes[1].1);

    assert_eq!(stored.len(), 3);
    for token in &tokens {
        for hash in &stored {
            assert_ne!(hash.as_slice(), token.as_bytes(), "a token is stored in clear");
            assert!(!String::from_utf8_lossy(hash).contains(token.as_str()));
        }
    }
    assert_eq!(text, 0, "token hashes are 32-byte digests");
}

/// The users' password hashes (by user id), the stored token hashes, and how
/// many of those are not 32-byte binary digests.
struct Stored {
    hashes: Vec<(String, String)>,
    tokens: Vec<Vec<u8>>,
    not_digests: i64,
}

async fn stored_credentials(app: &TestApp) -> Stored {
    const USERS: &str = "SELECT user_name, password_hash FROM users ORDER BY user_id";
    const TOKENS: &str = "SELECT token_hash FROM tokens";
    match &app.database {
        TestDatabase::Sqlite(_) => {
            let conn = read_only_database(app);
            let hashes = conn
                .prepare(USERS)
                .unwrap()
                .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
                .unwrap()
                .collect::<Result<_, _>>()
                .unwrap();
            let tokens =
                conn.prepare(TOKENS).unwrap().query_map([], |r| r.get(0)).unwrap().collect::<Result<_, _>>().unwrap();
            let not_digests = conn
                .query_row(
                    "SELECT count(*) FROM tokens WHERE typeof(token_hash) <> 'blob' OR length(token_hash) <> 32",
                    [],
                    |r| r.get(0),
                )
                .unwrap();
            Stored { hashes, tokens, not_digests }
        }
        TestDatabase::Postgres(db) => {
            let url = db.url.clone();
            // On a thread of its own: the synchronous client may not run inside the test's runtime.
            let read = move || {
                let mut client = postgres::Client::connect(&url, postgres::NoTls).unwrap();
                let hashes = client.query(USERS, &[]).unwrap().iter().map(|r| (r.get(0), r.get(1))).collect();
                let tokens = client.query(TOKENS, &[]).unwrap().iter().map(|r| r.get(0)).collect();
                // bytea is binary by its type; only the length can be wrong.
                let not_digests = client
                    .query_one("SELECT count(*) FROM tokens WHERE octet_length(token_hash) <> 32", &[])
                    .unwrap()
                    .get(0);
                Stored { hashes, tokens, not_digests }
            };
            tokio::task::spawn_blocking(move || std::thread::spawn(read).join().unwrap()).await.unwrap()
        }
    }
}

// ---- stored roles -----------------------------------------------------------

/// A stored role the binary does not know (a row written past the schema's
/// check, or by another binary) is a store error naming the column and the
/// word, on every read of a user: never a viewer, which would demote an
/// admin unseen.
#[actix_web::test]
async fn an_unknown_stored_role_is_a_store_error_not_a_viewer() {
    use calllog::store::StoreError;
    app_with_directory!(app, admin);
    let (id, token) = make_user(&app, &admin, "odd", "admin", &[]).await;
    execute_sql(
        &app,
        "PRAGMA ignore_check_constraints = ON;
         UPDATE users SET role = 'owner' WHERE user_name = 'odd';
         PRAGMA ignore_check_constraints = OFF;",
        "ALTER TABLE users DROP CONSTRAINT users_role_check;
         UPDATE users SET role = 'owner' WHERE user_name = 'odd';",
    )
    .await;
    let hash = calllog::credentials::token_hash(&token);
    let now = calllog::domain::time::Stamp::now();
    let (user, caller) = app
        .state
        .service
        .store
        .read(move |tx| {
            Ok::<_, StoreError>((tx.user(calllog::domain::ids::UserId(id)), tx.caller_for_token(&hash, now)))
        })
        .await
        .unwrap();
    for read in [user.map(|u| u.map(|u| u.role)), caller.map(|c| c.map(|c| c.role))] {
        match read {
            Err(StoreError::Failed(message)) => {
                assert!(message.contains("column role holds \"owner\""), "{message}")
            }
            other => panic!("a stored role \"owner\" was read as {other:?}"),
        }
    }
    get(&app, &format!("/api/users/{id}"), &admin).await.assert_error(500, 199);
}
