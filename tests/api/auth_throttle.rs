//! docs/api.md §3: the sign-in throttle, keyed by user name and client address
//! (IPv6 by /64), with each user's known addresses; its records in the
//! database; and the bound on password checks running at once. Time is a
//! clock the tests move.

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
async fn fifty_failures_from_any_addresses_lock_the_name_everywhere_but_where_the_user_signs_in() {
    let app = spawn_app_with(trusted_proxies(&["127.0.0.1"])).await;
    let admin = sign_in(&app, "admin", ADMIN_PASSWORD).await;
    make_user(&app, &admin, "paula", "agent", &[]).await;
    // Paula signs in at her desk.
    assert_eq!(attempt_forwarded(&app, "paula", "paula-password", "10.7.7.7").await.status, StatusCode::OK);
    for host in 0..10 {
        for _ in 0..5 {
            let a = attempt_forwarded(&app, "paula", "guess", &format!("10.0.0.{host}")).await;
            a.assert_error(401, 101);
        }
    }
    // A new address, with the right password: the name is locked everywhere.
    assert_throttled(&attempt_forwarded(&app, "paula", "paula-password", "10.0.9.9").await);
    assert_throttled(&attempt_forwarded(&app, "paula", "paula-password", "10.0.0.3").await);
    // But not at her desk, with her password; a wrong one there is refused like anywhere.
    let desk = attempt_forwarded(&app, "paula", "paula-password", "10.7.7.7").await;
    assert_eq!(desk.status, StatusCode::OK, "{}", desk.text);
    assert_throttled(&attempt_forwarded(&app, "paula", "guess", "10.7.7.7").await);
    // Other names are not locked.
    assert_eq!(attempt_forwarded(&app, "admin", ADMIN_PASSWORD, "10.0.9.9").await.status, StatusCode::OK);
}

#[actix_web::test]
async fn guesses_at_the_users_desk_still_meet_the_per_address_limit() {
    let app = spawn_app_with(trusted_proxies(&["127.0.0.1"])).await;
    assert_eq!(attempt_forwarded(&app, "admin", ADMIN_PASSWORD, "10.7.7.7").await.status, StatusCode::OK);
    for host in 0..10 {
        for _ in 0..5 {
            attempt_forwarded(&app, "admin", "guess", &format!("10.0.0.{host}")).await.assert_error(401, 101);
        }
    }
    // At the known address a wrong password is checked, refused, and counted.
    for _ in 0..5 {
        assert_throttled(&attempt_forwarded(&app, "admin", "guess", "10.7.7.7").await);
    }
    assert_throttled(&attempt_forwarded(&app, "admin", ADMIN_PASSWORD, "10.7.7.7").await);
}

#[actix_web::test]
async fn the_locks_lift_when_the_failures_leave_the_15_minute_window() {
    let time = manual_clock();
    let app = spawn_app_with(|s, a| {
        trusted_proxies(&["127.0.0.1"])(s, a);
        clock(&time)(s, a);
    })
    .await;
    for _ in 0..5 {
        attempt_forwarded(&app, "admin", "guess", "10.0.0.1").await.assert_error(401, 101);
    }
    let a = attempt_forwarded(&app, "admin", ADMIN_PASSWORD, "10.0.0.1").await;
    a.assert_error(429, 116);
    assert_eq!(a.header("retry-after"), Some("900"));
    time.advance_seconds(15 * 60 - 1);
    let a = attempt_forwarded(&app, "admin", ADMIN_PASSWORD, "10.0.0.1").await;
    a.assert_error(429, 116);
    assert_eq!(a.header("retry-after"), Some("1"));
    time.advance_seconds(1);
    assert_eq!(attempt_forwarded(&app, "admin", ADMIN_PASSWORD, "10.0.0.1").await.status, StatusCode::OK);

    // The per-name limit too, measured from its 50th most recent failure.
    for host in 0..10 {
        for _ in 0..5 {
            attempt_forwarded(&app, "admin", "guess", &format!("10.0.1.{host}")).await.assert_error(401, 101);
        }
        time.advance_seconds(60);
    }
    let a = attempt_forwarded(&app, "admin", ADMIN_PASSWORD, "10.0.9.9").await;
    a.assert_error(429, 116);
    assert_eq!(a.header("retry-after"), Some(&*(15 * 60 - 10 * 60).to_string()));
    time.advance_seconds(5 * 60);
    assert_eq!(attempt_forwarded(&app, "admin", ADMIN_PASSWORD, "10.0.9.9").await.status, StatusCode::OK);
}

#[actix_web::test]
async fn an_address_stays_known_for_30_days_after_its_last_sign_in() {
    let time = manual_clock();
    let app = spawn_app_with(|s, a| {
        trusted_proxies(&["127.0.0.1"])(s, a);
        clock(&time)(s, a);
    })
    .await;
    for desk in ["10.1.1.1", "10.2.2.2"] {
        assert_eq!(attempt_forwarded(&app, "admin", ADMIN_PASSWORD, desk).await.status, StatusCode::OK);
    }
    time.advance_seconds(30 * 86_400 - 60);
    for host in 0..10 {
        for _ in 0..5 {
            attempt_forwarded(&app, "admin", "guess", &format!("10.0.0.{host}")).await.assert_error(401, 101);
        }
    }
    // A minute short of 30 days: known. Signing in there makes it known anew.
    assert_eq!(attempt_forwarded(&app, "admin", ADMIN_PASSWORD, "10.2.2.2").await.status, StatusCode::OK);
    time.advance_seconds(120);
    // Now the other desk's last sign-in is over 30 days old: a stranger there, as anywhere.
    assert_throttled(&attempt_forwarded(&app, "admin", ADMIN_PASSWORD, "10.1.1.1").await);
    assert_eq!(attempt_forwarded(&app, "admin", ADMIN_PASSWORD, "10.2.2.2").await.status, StatusCode::OK);
}

#[actix_web::test]
async fn ipv6_clients_are_counted_by_their_64_and_mapped_ipv4_as_ipv4() {
    let app = spawn_app_with(trusted_proxies(&["127.0.0.1"])).await;
    // Five addresses of one /64: one client to the throttle.
    for host in 1..=5 {
        attempt_forwarded(&app, "admin", "guess", &format!("2001:db8:1:2::{host}")).await.assert_error(401, 101);
    }
    assert_throttled(&attempt_forwarded(&app, "admin", ADMIN_PASSWORD, "2001:db8:1:2:ffff:ffff:ffff:ffff").await);
    let next_network = attempt_forwarded(&app, "admin", ADMIN_PASSWORD, "2001:db8:1:3::1").await;
    assert_eq!(next_network.status, StatusCode::OK, "{}", next_network.text);
    // An IPv4 address written as IPv6 is that IPv4 address.
    for _ in 0..5 {
        attempt_forwarded(&app, "admin", "guess", "::ffff:198.51.100.7").await.assert_error(401, 101);
    }
    assert_throttled(&attempt_forwarded(&app, "admin", ADMIN_PASSWORD, "198.51.100.7").await);
    assert_eq!(attempt_forwarded(&app, "admin", ADMIN_PASSWORD, "198.51.100.8").await.status, StatusCode::OK);
}

#[actix_web::test]
async fn the_failures_live_in_the_database_where_another_process_sees_and_clears_them() {
    let app = spawn_app().await;
    for _ in 0..5 {
        attempt(&app, "admin", "guess").await.assert_error(401, 101);
    }
    // Another instance (or this one restarted) on the same database sees them.
    let other = spawn_second_instance(&app).await;
    assert_throttled(&attempt(&other, "admin", ADMIN_PASSWORD).await);
    // The command line clears them; the running servers let the name in at once.
    assert_eq!(unlock_from_outside(&app, "ADMIN").await, 5);
    let a = attempt(&app, "admin", ADMIN_PASSWORD).await;
    assert_eq!(a.status, StatusCode::OK, "{}", a.text);
    let token = a.body["Token"].as_str().unwrap().to_string();
    assert_eq!(attempt(&other, "admin", ADMIN_PASSWORD).await.status, StatusCode::OK);
    // Audited, by the command line.
    let audit = get(&app, "/api/admin/audit", &token).await;
    let newest = &audit.body["Elements"][0];
    assert_eq!(
        (newest["Action"].as_str(), newest["UserName"].as_str(), newest["UserId"].is_null()),
        (Some("user.unlocked"), Some("command line"), true),
        "{}",
        audit.text
    );
    assert_eq!(newest["Target"], "user admin (id 1)");
    assert_eq!(newest["Details"], "5 failed sign-in(s) cleared");
    // Nothing to clear: nothing audited.
    assert_eq!(unlock_from_outside(&app, "admin").await, 0);
    assert_eq!(get(&app, "/api/admin/audit", &token).await.body["Total"], audit.body["Total"]);
}

#[actix_web::test]
async fn old_failures_and_known_addresses_are_deleted_so_the_tables_stay_bounded() {
    let time = manual_clock();
    let app = spawn_app_with(|s, a| {
        trusted_proxies(&["127.0.0.1"])(s, a);
        clock(&time)(s, a);
    })
    .await;
    // A spray of guesses at names that are no users.
    for n in 0..20 {
        attempt(&app, &format!("nobody-{n}"), "guess").await.assert_error(401, 101);
    }
    assert_eq!(count_rows(&app, "login_failures").await, 20);
    time.advance_seconds(15 * 60);
    attempt(&app, "nobody-else", "guess").await.assert_error(401, 101);
    assert_eq!(count_rows(&app, "login_failures").await, 1, "those out of the window are gone");

    for desk in ["10.1.1.1", "10.1.1.2", "10.1.1.3"] {
        assert_eq!(attempt_forwarded(&app, "admin", ADMIN_PASSWORD, desk).await.status, StatusCode::OK);
    }
    assert_eq!(count_rows(&app, "known_addresses").await, 3);
    time.advance_seconds(30 * 86_400);
    assert_eq!(attempt_forwarded(&app, "admin", ADMIN_PASSWORD, "10.1.1.4").await.status, StatusCode::OK);
    assert_eq!(count_rows(&app, "known_addresses").await, 1, "those unused for 30 days are gone");
    // A user keeps its 100 most recent addresses.
    for host in 1..=100 {
        time.advance_seconds(1);
        let a = attempt_forwarded(&app, "admin", ADMIN_PASSWORD, &format!("10.2.0.{host}")).await;
        assert_eq!(a.status, StatusCode::OK, "{}", a.text);
    }
    assert_eq!(count_rows(&app, "known_addresses").await, 100);
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
