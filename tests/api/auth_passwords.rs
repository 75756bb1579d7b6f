//! docs/api.md §3: password changes — an admin's reset and `PUT /api/users/me/password` —
//! and the sessions they end.

use crate::helpers::*;
use serde_json::json;

async fn create_api_token(app: &TestApp, user_id: i64, token: &str) -> Answer {
    post(app, &format!("/api/users/{user_id}/tokens"), token, json!({"Name": "sync"})).await
}

#[actix_web::test]
async fn an_admin_password_reset_revokes_the_users_sessions_but_not_its_api_tokens() {
    let app = spawn_app().await;
    let admin = sign_in(&app, "admin", ADMIN_PASSWORD).await;
    let (id, session) = make_user(&app, &admin, "sam", "agent", &[]).await;
    let second = sign_in(&app, "sam", "sam-password").await;
    let api = create_api_token(&app, id, &session).await;
    assert_eq!(api.status, StatusCode::CREATED, "{}", api.text);
    let api = api.body["Token"].as_str().unwrap().to_string();
    // Used once, so that both sit in the token cache.
    for token in [&session, &second, &api] {
        assert_eq!(get(&app, "/api/users/me", token).await.status, StatusCode::OK);
    }
    // A change without a password ends nothing.
    put(&app, &format!("/api/users/{id}"), &admin, json!({"FirstName": "Samuel"})).await;
    assert_eq!(get(&app, "/api/users/me", &session).await.status, StatusCode::OK);

    let a = put(&app, &format!("/api/users/{id}"), &admin, json!({"Password": "reset-password-1"})).await;
    assert_eq!(a.status, StatusCode::OK, "{}", a.text);
    for token in [&session, &second] {
        get(&app, "/api/users/me", token).await.assert_error(401, 101);
        // An old session can no longer mint a lasting API token.
        create_api_token(&app, id, token).await.assert_error(401, 101);
    }
    assert_eq!(get(&app, "/api/users/me", &api).await.status, StatusCode::OK, "API tokens stay");
    // The admin's own session is untouched.
    assert_eq!(get(&app, "/api/users/me", &admin).await.status, StatusCode::OK);
    let old =
        call(&app, Method::POST, "/api/auth/token", None, Some(json!({"UserName": "sam", "Password": "sam-password"})))
            .await;
    old.assert_error(401, 101);
    sign_in(&app, "sam", "reset-password-1").await;
}

#[actix_web::test]
async fn changing_ones_own_password_ends_the_other_sessions_only() {
    let app = spawn_app().await;
    let admin = sign_in(&app, "admin", ADMIN_PASSWORD).await;
    let (id, this) = make_user(&app, &admin, "vera", "viewer", &[]).await;
    let other = sign_in(&app, "vera", "vera-password").await;
    let api = create_api_token(&app, id, &this).await.body["Token"].as_str().unwrap().to_string();
    for token in [&this, &other, &api] {
        assert_eq!(get(&app, "/api/users/me", token).await.status, StatusCode::OK);
    }
    let a = put(
        &app,
        "/api/users/me/password",
        &this,
        json!({"CurrentPassword": "vera-password", "NewPassword": "vera-new-password"}),
    )
    .await;
    assert_eq!(a.status, StatusCode::OK, "{}", a.text);
    assert!(a.text.is_empty(), "an empty body: {}", a.text);
    assert_eq!(get(&app, "/api/users/me", &this).await.status, StatusCode::OK, "this session stays");
    get(&app, "/api/users/me", &other).await.assert_error(401, 101);
    assert_eq!(get(&app, "/api/users/me", &api).await.status, StatusCode::OK, "API tokens stay");
    sign_in(&app, "vera", "vera-new-password").await;
    let old = call(
        &app,
        Method::POST,
        "/api/auth/token",
        None,
        Some(json!({"UserName": "vera", "Password": "vera-password"})),
    )
    .await;
    old.assert_error(401, 101);
}

#[actix_web::test]
async fn a_wrong_current_password_is_401_101_and_counts_for_the_throttle() {
    let app = spawn_app().await;
    let admin = sign_in(&app, "admin", ADMIN_PASSWORD).await;
    let (_, token) = make_user(&app, &admin, "walt", "agent", &[]).await;
    let wrong = json!({"CurrentPassword": "not-it", "NewPassword": "walt-new-password"});
    for _ in 0..5 {
        let a = put(&app, "/api/users/me/password", &token, wrong.clone()).await;
        a.assert_error(401, 101);
        assert_eq!(error_fields(&a), ["CurrentPassword"]);
    }
    let right = json!({"CurrentPassword": "walt-password", "NewPassword": "walt-new-password"});
    let a = put(&app, "/api/users/me/password", &token, right).await;
    a.assert_error(429, 116);
    assert!(a.header("retry-after").is_some());
    // The session that guessed still works; sign-ins for the name from here are throttled.
    assert_eq!(get(&app, "/api/users/me", &token).await.status, StatusCode::OK);
    let a = call(
        &app,
        Method::POST,
        "/api/auth/token",
        None,
        Some(json!({"UserName": "walt", "Password": "walt-password"})),
    )
    .await;
    a.assert_error(429, 116);
}

#[actix_web::test]
async fn the_password_route_is_its_own_whatever_the_case() {
    let app = spawn_app().await;
    let admin = sign_in(&app, "admin", ADMIN_PASSWORD).await;
    let (_, token) = make_user(&app, &admin, "xena", "agent", &[]).await;
    let a = put(
        &app,
        "/API/Users/ME/Password",
        &token,
        json!({"currentpassword": "xena-password", "NEWPASSWORD": "xena-new-password"}),
    )
    .await;
    assert_eq!(a.status, StatusCode::OK, "{}", a.text);
    // Not /api/users/{id}: "me" is never read as an id, and the methods are its own.
    let a = get(&app, "/api/users/me/password", &token).await;
    a.assert_error(405, 112);
    assert_eq!(a.header("allow"), Some("PUT, OPTIONS"));
    call(&app, Method::PUT, "/api/users/me/password", None, Some(json!({}))).await.assert_error(401, 100);
}

#[actix_web::test]
async fn password_change_input_is_checked() {
    let app = spawn_app().await;
    let admin = sign_in(&app, "admin", ADMIN_PASSWORD).await;
    let (_, token) = make_user(&app, &admin, "yuri", "agent", &[]).await;
    let a = put(&app, "/api/users/me/password", &token, json!({})).await;
    a.assert_error(400, 109);
    assert_eq!(error_fields(&a), ["CurrentPassword", "NewPassword"]);
    let a = put(
        &app,
        "/api/users/me/password",
        &token,
        json!({"CurrentPassword": "yuri-password", "NewPassword": "short"}),
    )
    .await;
    a.assert_error(400, 114);
    assert_eq!(error_fields(&a), ["NewPassword"]);
    let a = put(&app, "/api/users/me/password", &token, json!({"CurrentPassword": 7, "NewPassword": "long-enough-1"}))
        .await;
    a.assert_error(400, 114);
    // Nothing changed.
    sign_in(&app, "yuri", "yuri-password").await;
}

#[actix_web::test]
async fn the_password_route_is_documented() {
    let app = spawn_app().await;
    let doc = call(&app, Method::GET, "/api/openapi.json", None, None).await.body;
    let operation = &doc["paths"]["/api/users/me/password"]["put"];
    let schema = &operation["requestBody"]["content"]["application/json"]["schema"];
    assert_eq!(schema["required"], json!(["CurrentPassword", "NewPassword"]));
    for status in ["200", "400", "401", "429", "503"] {
        assert!(operation["responses"].get(status).is_some(), "{status} undocumented");
    }
}

/// Passwords each rule of docs/api.md §3 refuses, with words of its refusal.
fn weak_passwords(user_name: &str) -> Vec<(String, &'static str)> {
    vec![
        ("password".to_string(), "most common"),
        ("12345678".to_string(), "most common"),
        ("PassWord".to_string(), "most common"),
        (" ".repeat(8), "neither white space nor invisible"),
        ("\0".repeat(8), "neither white space nor invisible"),
        ("\u{200B}".repeat(8), "neither white space nor invisible"),
        ("\u{FEFF}abc\u{200D}defg".to_string(), "neither white space nor invisible"),
        (user_name.to_uppercase(), "user name"),
        ("x".repeat(1025), "at most 1024"),
        ("short".to_string(), "at least 8"),
    ]
}

fn assert_refused_naming(a: &Answer, field: &str, rule: &str) {
    a.assert_error(400, 114);
    assert_eq!(error_fields(a), [field], "{}", a.text);
    let message = a.body["Errors"][0]["Message"].as_str().unwrap();
    assert!(message.contains(rule), "the refusal should name the rule {rule:?}: {message}");
}

#[actix_web::test]
async fn weak_passwords_are_refused_on_every_route_that_sets_one() {
    let app = spawn_app().await;
    let admin = sign_in(&app, "admin", ADMIN_PASSWORD).await;
    let (id, token) = make_user(&app, &admin, "wolfgang.amadeus", "agent", &[]).await;
    for (password, rule) in weak_passwords("new.user") {
        let body = json!({"UserName": "new.user", "Password": password, "Role": "agent"});
        assert_refused_naming(&post(&app, "/api/users", &admin, body).await, "Password", rule);
    }
    for (password, rule) in weak_passwords("wolfgang.amadeus") {
        let a = put(&app, &format!("/api/users/{id}"), &admin, json!({"Password": password})).await;
        assert_refused_naming(&a, "Password", rule);
        let change = json!({"CurrentPassword": "wolfgang.amadeus-password", "NewPassword": password});
        let a = put(&app, "/api/users/me/password", &token, change).await;
        assert_refused_naming(&a, "NewPassword", rule);
    }
    // Nothing was changed or created; the old password still signs in.
    assert_eq!(get(&app, "/api/users", &admin).await.body["Total"], 2);
    sign_in(&app, "wolfgang.amadeus", "wolfgang.amadeus-password").await;
    // A strong password, 1024 characters at most, is taken everywhere.
    let strong = "Vivaldi spring, allegro 1725";
    let a =
        post(&app, "/api/users", &admin, json!({"UserName": "antonio", "Password": strong, "Role": "viewer"})).await;
    assert_eq!(a.status, StatusCode::CREATED, "{}", a.text);
    sign_in(&app, "antonio", strong).await;
    let longest = "ü".repeat(1024);
    let a = put(&app, &format!("/api/users/{id}"), &admin, json!({"Password": longest})).await;
    assert_eq!(a.status, StatusCode::OK, "{}", a.text);
    let session = sign_in(&app, "wolfgang.amadeus", &longest).await;
    let change = json!({"CurrentPassword": longest, "NewPassword": strong});
    let a = put(&app, "/api/users/me/password", &session, change).await;
    assert_eq!(a.status, StatusCode::OK, "{}", a.text);
    sign_in(&app, "wolfgang.amadeus", strong).await;
}
