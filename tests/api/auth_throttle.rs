//! docs/api.md §3: the sign-in throttle, keyed by user name and client address,
//! and the bound on password checks running at once.

use crate::helpers::*;
use serde_json::json;
use std::time::Duration;

fn sign_in_body(user: &str, password: &str) -> serde_json::Value {
    json!({"UserName": user, "Password": password})
}

async fn attempt(app: &TestApp, user: &str, password: &str) -> Answer {
    call(app, Method::POST, "/api/auth/token", None, Some(sign_in_body(user, password))).await
}

/// A sign-in sent with `X-Forwarded-For: forwarded_for`.
async fn attempt_forwarded(app: &TestApp, user: &str, password: &str, forwarded_for: &str) -> Answer {
    send(
        app.request(Method::POST, "/api/auth/token")
            .header("X-Forwarded-For", forwarded_for)
            .json(&sign_in_body(user, password)),
    )
    .await
}

/// A sign-in from another loopback address.
async fn attempt_from(app: &TestApp, local: &str, user: &str, password: &str) -> Answer {
    let client = client_from(local);
    send(client.post(format!("{}/api/auth/token", app.address)).json(&sign_in_body(user, password))).await
}

fn assert_throttled(a: &Answer) {
    a.assert_error(429, 116);
    let wait: u64 = a.header("retry-after").expect("Retry-After").parse().unwrap();
    assert!((1..=15 * 60).contains(&wait), "Retry-After {wait}");
}

#[actix_web::test]
async fn five_failures_lock_the_name_from_that_address_only() {
    let app = spawn_app().await;
    // A stranger at 127.0.0.2 guesses the admin's password five times.
    for _ in 0..5 {
        attempt_from(&app, "127.0.0.2", "admin", "guess").await.assert_error(401, 101);
    }
    assert_throttled(&attempt_from(&app, "127.0.0.2", "admin", ADMIN_PASSWORD).await);
    assert_throttled(&attempt_from(&app, "127.0.0.2", "ADMIN", "guess").await);
    // The admin, at another address, is not locked out.
    let a = attempt(&app, "admin", ADMIN_PASSWORD).await;
    assert_eq!(a.status, StatusCode::OK, "{}", a.text);
    // And a success elsewhere does not lift the stranger's lock.
    assert_throttled(&attempt_from(&app, "127.0.0.2", "admin", ADMIN_PASSWORD).await);
}

#[actix_web::test]
async fn fifty_failures_from_any_addresses_lock_the_name_everywhere() {
    let app = spawn_app_with(trusted_proxies(&["127.0.0.1"])).await;
    let admin = sign_in(&app, "admin", ADMIN_PASSWORD).await;
    make_user(&app, &admin, "paula", "agent", &[]).await;
    for host in 0..10 {
        for _ in 0..5 {
            let a = attempt_forwarded(&app, "paula", "guess", &format!("10.0.0.{host}")).await;
            a.assert_error(401, 101);
        }
    }
    // A new address, with the right password: the name is locked everywhere.
    assert_throttled(&attempt_forwarded(&app, "paula", "paula-password", "10.0.9.9").await);
    assert_throttled(&attempt(&app, "paula", "paula-password").await);
    // Other names are not.
    assert_eq!(attempt_forwarded(&app, "admin", ADMIN_PASSWORD, "10.0.9.9").await.status, StatusCode::OK);
}

#[actix_web::test]
async fn refused_attempts_do_not_count_toward_the_global_limit() {
    let app = spawn_app_with(trusted_proxies(&["127.0.0.1"])).await;
    for _ in 0..5 {
        attempt_forwarded(&app, "admin", "guess", "10.0.0.1").await.assert_error(401, 101);
    }
    // 50 more from the locked address are refused before any check: they are no failures.
    for _ in 0..50 {
        assert_throttled(&attempt_forwarded(&app, "admin", "guess", "10.0.0.1").await);
    }
    let a = attempt_forwarded(&app, "admin", ADMIN_PASSWORD, "10.0.0.2").await;
    assert_eq!(a.status, StatusCode::OK, "{}", a.text);
}

#[actix_web::test]
async fn a_trusted_proxys_last_forwarded_hop_is_the_client() {
    let app = spawn_app_with(trusted_proxies(&["127.0.0.1"])).await;
    // The first hops are whatever the client wrote; the last is what the proxy saw.
    for _ in 0..5 {
        attempt_forwarded(&app, "admin", "guess", "203.0.113.7, 10.0.0.1").await.assert_error(401, 101);
    }
    assert_throttled(&attempt_forwarded(&app, "admin", ADMIN_PASSWORD, "10.0.0.1").await);
    let other = attempt_forwarded(&app, "admin", ADMIN_PASSWORD, "203.0.113.7, 10.0.0.2").await;
    assert_eq!(other.status, StatusCode::OK, "{}", other.text);
    // The proxy's own address is another client than those it forwards for.
    assert_eq!(attempt(&app, "admin", ADMIN_PASSWORD).await.status, StatusCode::OK);
}

#[actix_web::test]
async fn an_untrusted_peers_forwarded_for_is_ignored() {
    // 10.9.9.9 is trusted, but the requests come from 127.0.0.1.
    let app = spawn_app_with(trusted_proxies(&["10.9.9.9"])).await;
    for host in 1..=5 {
        attempt_forwarded(&app, "admin", "guess", &format!("10.0.0.{host}")).await.assert_error(401, 101);
    }
    // Whatever it claims, the client is the peer, and the peer is locked.
    assert_throttled(&attempt_forwarded(&app, "admin", ADMIN_PASSWORD, "10.0.0.6").await);
    assert_throttled(&attempt(&app, "admin", ADMIN_PASSWORD).await);
}

#[actix_web::test]
async fn correct_parallel_sign_ins_are_never_throttled() {
    // A long wait for a check: this test is about the throttle, not the wait.
    let app = spawn_app_with(password_checks(2, Duration::from_secs(60))).await;
    for _ in 0..4 {
        attempt(&app, "admin", "guess").await.assert_error(401, 101);
    }
    let answers = futures_util::future::join_all((0..12).map(|_| attempt(&app, "admin", ADMIN_PASSWORD))).await;
    for a in &answers {
        assert_eq!(a.status, StatusCode::OK, "{}", a.text);
    }
}

#[actix_web::test]
async fn a_sign_in_whose_check_cannot_start_in_time_is_503_115() {
    let app = spawn_app_with(password_checks(1, Duration::from_millis(200))).await;
    let held = hold_password_check(&app).await;
    for (user, password) in [("admin", ADMIN_PASSWORD), ("nobody", "made-up"), ("admin", "guess")] {
        let a = attempt(&app, user, password).await;
        a.assert_error(503, 115);
        let wait: u64 = a.header("retry-after").expect("Retry-After").parse().unwrap();
        assert!(wait >= 1, "Retry-After {wait}");
    }
    // Busy answers are no failures: after more than five, the right password works.
    for _ in 0..5 {
        attempt(&app, "admin", "guess").await.assert_error(503, 115);
    }
    drop(held);
    let a = attempt(&app, "admin", ADMIN_PASSWORD).await;
    assert_eq!(a.status, StatusCode::OK, "{}", a.text);
}

#[actix_web::test]
async fn a_password_change_waits_for_a_check_too() {
    let app = spawn_app_with(password_checks(1, Duration::from_millis(200))).await;
    let admin = sign_in(&app, "admin", ADMIN_PASSWORD).await;
    let held = hold_password_check(&app).await;
    let body = json!({"CurrentPassword": ADMIN_PASSWORD, "NewPassword": "another-password-2"});
    put(&app, "/api/users/me/password", &admin, body.clone()).await.assert_error(503, 115);
    drop(held);
    let a = put(&app, "/api/users/me/password", &admin, body).await;
    assert_eq!(a.status, StatusCode::OK, "{}", a.text);
}
