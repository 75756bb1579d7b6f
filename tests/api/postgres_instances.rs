//! docs/operations.md §6: two calllog instances on one PostgreSQL database keep every
//! rule that one SQLite process kept by being alone. These need PostgreSQL
//! (`CALLLOG_TEST_DB=postgres://…`): two processes cannot share a SQLite
//! file's writer, which is the point of the engine. They are `#[ignore]`d,
//! run by `.ci/run`'s PostgreSQL run, and fail when run on SQLite.

use crate::helpers::*;
use calllog::config::{AppConfig, StoreConfig};
use serde_json::{json, Value};
use std::time::{Duration, Instant};

/// The app on a fresh database with the sample directory, a second instance
/// on the same database, and the admin's tokens for each.
async fn two_instances() -> (TestApp, TestApp, String, String) {
    two_instances_with(|_, _| {}).await
}

/// `two_instances`, each with the settings `adjust` makes.
async fn two_instances_with(adjust: impl Fn(&mut StoreConfig, &mut AppConfig)) -> (TestApp, TestApp, String, String) {
    require_postgres();
    let first = spawn_app_with(&adjust).await;
    let admin = sign_in(&first, "admin", ADMIN_PASSWORD).await;
    let imported = post(&first, "/api/admin/import", &admin, sample_directory()).await;
    assert_eq!(imported.status, StatusCode::OK, "{}", imported.text);
    let second = spawn_second_instance_with(&first, &adjust).await;
    let admin_on_second = sign_in(&second, "admin", ADMIN_PASSWORD).await;
    (first, second, admin, admin_on_second)
}

fn comments_of(log: &Value) -> Vec<String> {
    log["OldComments"].as_array().unwrap().iter().map(|c| c["Comment"].as_str().unwrap().to_string()).collect()
}

#[actix_web::test]
#[ignore = "needs PostgreSQL: CALLLOG_TEST_DB=postgres://… (run by .ci/run)"]
async fn two_hundred_concurrent_appends_split_across_two_instances_are_all_kept_in_one_order() {
    // Every append waits for the log's row in turn, holding a pooled
    // connection meanwhile: a wait long enough for all 200 (this test is
    // about what is kept; the pool's limit answering 503 is tested apart).
    let patient = |store: &mut StoreConfig, _: &mut AppConfig| store.pool_wait = Duration::from_secs(60);
    let (first, second, admin, admin2) = two_instances_with(patient).await;
    let created =
        post(&first, "/api/calllogs", &admin, json!({"PropertyId": 1, "CallFrom": "c", "Subject": "s"})).await;
    let id = created.body["LogId"].as_i64().unwrap();
    let appends = (0..200).map(|i| {
        let (app, token) = if i % 2 == 0 { (&first, &admin) } else { (&second, &admin2) };
        let path = format!("/api/calllogs/{id}");
        async move { put(app, &path, token, json!({"NewComments": format!("comment {i}")})).await }
    });
    let answers = futures_util::future::join_all(appends).await;
    for a in &answers {
        assert_eq!(a.status, StatusCode::OK, "{}", a.text);
    }
    let on_first = get(&first, &format!("/api/calllogs/{id}"), &admin).await;
    let on_second = get(&second, &format!("/api/calllogs/{id}"), &admin2).await;
    let kept = comments_of(&on_first.body);
    assert_eq!(kept.len(), 200);
    let mut sorted = kept.clone();
    sorted.sort();
    sorted.dedup();
    assert_eq!(sorted.len(), 200, "each comment once");
    assert_eq!(kept, comments_of(&on_second.body), "both instances read the one order");
    assert_eq!(on_first.header("etag"), on_second.header("etag"));
    let history = get(&first, &format!("/api/calllogs/{id}/history?pageSize=1"), &admin).await;
    assert_eq!(history.body["Total"], 201, "created + 200 comments: {}", history.text);
}

#[actix_web::test]
#[ignore = "needs PostgreSQL: CALLLOG_TEST_DB=postgres://… (run by .ci/run)"]
async fn conflicting_if_match_from_both_instances_lets_exactly_one_win() {
    let (first, second, admin, admin2) = two_instances().await;
    for round in 0..10 {
        let created =
            post(&first, "/api/calllogs", &admin, json!({"PropertyId": 1, "CallFrom": "c", "Subject": "s"})).await;
        let id = created.body["LogId"].as_i64().unwrap();
        let etag = created.header("etag").unwrap().to_string();
        let attempt = |app: &TestApp, token: &str, who: &str| {
            app.request(Method::PUT, &format!("/api/calllogs/{id}"))
                .bearer_auth(token)
                .header("If-Match", etag.clone())
                .json(&json!({"NewComments": format!("{who} in round {round}")}))
        };
        let (a, b) = tokio::join!(send(attempt(&first, &admin, "first")), send(attempt(&second, &admin2, "second")));
        let mut statuses = [a.status.as_u16(), b.status.as_u16()];
        statuses.sort();
        assert_eq!(statuses, [200, 412], "round {round}: {} / {}", a.text, b.text);
        let loser = if a.status == StatusCode::OK { &b } else { &a };
        assert_eq!(loser.code(), 110);
        let log = get(&second, &format!("/api/calllogs/{id}"), &admin2).await;
        assert_eq!(comments_of(&log.body).len(), 1, "only the winner's comment: {}", log.text);
    }
}

#[actix_web::test]
#[ignore = "needs PostgreSQL: CALLLOG_TEST_DB=postgres://… (run by .ci/run)"]
async fn a_token_revoked_through_one_instance_is_refused_by_the_other_within_a_second() {
    let (first, second, admin, _) = two_instances().await;
    let (id, agent) = make_user(&first, &admin, "rita", "agent", &[1]).await;
    let a = post(&first, &format!("/api/users/{id}/tokens"), &agent, json!({"Name": "ci"})).await;
    let token_id = a.body["TokenId"].as_i64().unwrap();
    let token = a.body["Token"].as_str().unwrap().to_string();
    // The second instance verifies the token and caches it.
    assert_eq!(get(&second, "/api/users/me", &token).await.status, StatusCode::OK);
    assert_eq!(get(&second, "/api/users/me", &token).await.status, StatusCode::OK);
    let revoked_at = Instant::now();
    assert_eq!(
        delete(&first, &format!("/api/users/{id}/tokens/{token_id}"), &agent).await.status,
        StatusCode::NO_CONTENT
    );
    loop {
        let a = get(&second, "/api/users/me", &token).await;
        if a.status == StatusCode::UNAUTHORIZED {
            a.assert_error(401, 101);
            break;
        }
        assert!(revoked_at.elapsed() < Duration::from_secs(1), "still accepted after {:?}", revoked_at.elapsed());
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert!(revoked_at.elapsed() < Duration::from_secs(1));
}

#[actix_web::test]
#[ignore = "needs PostgreSQL: CALLLOG_TEST_DB=postgres://… (run by .ci/run)"]
async fn a_user_deactivated_through_one_instance_is_refused_by_the_other_within_a_second() {
    let (first, second, admin, _) = two_instances().await;
    let (id, _) = make_user(&first, &admin, "dora", "agent", &[1]).await;
    let on_second = sign_in(&second, "dora", "dora-password").await;
    assert_eq!(get(&second, "/api/users/me", &on_second).await.status, StatusCode::OK);
    let changed_at = Instant::now();
    let a = put(&first, &format!("/api/users/{id}"), &admin, json!({"Active": false})).await;
    assert_eq!(a.status, StatusCode::OK, "{}", a.text);
    loop {
        if get(&second, "/api/users/me", &on_second).await.status == StatusCode::UNAUTHORIZED {
            break;
        }
        assert!(changed_at.elapsed() < Duration::from_secs(1), "still accepted after {:?}", changed_at.elapsed());
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

#[actix_web::test]
#[ignore = "needs PostgreSQL: CALLLOG_TEST_DB=postgres://… (run by .ci/run)"]
async fn concurrent_default_changes_on_both_instances_leave_exactly_one_default() {
    let (first, second, admin, admin2) = two_instances().await;
    let mut ids = Vec::new();
    for i in 0..6 {
        let a =
            post(&first, "/api/modulestatuses/calllogs", &admin, json!({"Name": format!("S{i}"), "Category": "open"}))
                .await;
        assert_eq!(a.status, StatusCode::CREATED, "{}", a.text);
        ids.push(a.body["ModuleStatusId"].as_i64().unwrap());
    }
    for round in 0..5 {
        let changes = ids.iter().enumerate().map(|(i, id)| {
            let (app, token) = if i % 2 == 0 { (&first, &admin) } else { (&second, &admin2) };
            let path = format!("/api/modulestatus/{id}");
            async move { put(app, &path, token, json!({"IsDefault": true})).await }
        });
        for a in futures_util::future::join_all(changes).await {
            assert_eq!(a.status, StatusCode::OK, "round {round}: {}", a.text);
        }
        let statuses = get(&second, "/api/modulestatuses/calllogs?includeInactive=true", &admin2).await;
        let defaults = statuses.body["Elements"].as_array().unwrap().iter().filter(|s| s["IsDefault"] == true).count();
        assert_eq!(defaults, 1, "round {round}: {}", statuses.text);
    }
}

#[actix_web::test]
#[ignore = "needs PostgreSQL: CALLLOG_TEST_DB=postgres://… (run by .ci/run)"]
async fn an_idempotency_key_replayed_on_the_other_instance_returns_the_first_log() {
    let (first, second, admin, admin2) = two_instances().await;
    let body = json!({"PropertyId": 1, "CallFrom": "c", "Subject": "once"});
    let create = |app: &TestApp, token: &str| {
        app.request(Method::POST, "/api/calllogs").bearer_auth(token).header("Idempotency-Key", "k-1").json(&body)
    };
    let a = send(create(&first, &admin)).await;
    assert_eq!(a.status, StatusCode::CREATED, "{}", a.text);
    let b = send(create(&second, &admin2)).await;
    assert_eq!(b.status, StatusCode::OK, "{}", b.text);
    assert_eq!(a.body["LogId"], b.body["LogId"]);
    // At once on both: one log.
    let twice = |key: &'static str| {
        let (first, second) = (&first, &second);
        let (admin, admin2) = (&admin, &admin2);
        let body = json!({"PropertyId": 1, "CallFrom": "c", "Subject": key});
        async move {
            tokio::join!(
                send(
                    first
                        .request(Method::POST, "/api/calllogs")
                        .bearer_auth(admin)
                        .header("Idempotency-Key", key)
                        .json(&body)
                ),
                send(
                    second
                        .request(Method::POST, "/api/calllogs")
                        .bearer_auth(admin2)
                        .header("Idempotency-Key", key)
                        .json(&body)
                )
            )
        }
    };
    for key in ["race-1", "race-2", "race-3", "race-4", "race-5"] {
        let (a, b) = twice(key).await;
        let mut statuses = [a.status.as_u16(), b.status.as_u16()];
        statuses.sort();
        assert_eq!(statuses, [200, 201], "{key}: {} / {}", a.text, b.text);
        assert_eq!(a.body["LogId"], b.body["LogId"], "{key}");
    }
    let list = get(&first, "/api/calllogs?q=race&pageSize=50", &admin).await;
    assert_eq!(list.body["Total"], 5, "{}", list.text);
}

#[actix_web::test]
#[ignore = "needs PostgreSQL: CALLLOG_TEST_DB=postgres://… (run by .ci/run)"]
async fn log_ids_from_both_instances_are_unique_and_increasing() {
    let (first, second, admin, admin2) = two_instances().await;
    let mut last = 0;
    for i in 0..20 {
        let (app, token) = if i % 2 == 0 { (&first, &admin) } else { (&second, &admin2) };
        let a = post(app, "/api/calllogs", token, json!({"PropertyId": 1, "CallFrom": "c", "Subject": "s"})).await;
        let id = a.body["LogId"].as_i64().unwrap();
        assert!(id > last, "{id} after {last}");
        last = id;
    }
}

#[actix_web::test]
#[ignore = "needs PostgreSQL: CALLLOG_TEST_DB=postgres://… (run by .ci/run)"]
async fn sign_in_failures_on_both_instances_count_toward_one_throttle() {
    let (first, second, _, _) = two_instances().await;
    let attempt = |app: &TestApp| {
        app.request(Method::POST, "/api/auth/token").json(&json!({"UserName": "admin", "Password": "wrong-password"}))
    };
    // docs/api.md §3: five failures for one name from one address, then 429/116 — counted across instances.
    for i in 0..5 {
        let app = if i % 2 == 0 { &first } else { &second };
        send(attempt(app)).await.assert_error(401, 101);
    }
    send(attempt(&first)).await.assert_error(429, 116);
    send(attempt(&second)).await.assert_error(429, 116);
}

/// A poller that asks for `modifiedSince` the newest ModifiedOn it has seen
/// never misses a change, even when writes commit out of the order they
/// began in: a write's ModifiedOn is taken after it began, and a poll reads
/// only once the writes in flight have ended.
#[actix_web::test]
#[ignore = "needs PostgreSQL: CALLLOG_TEST_DB=postgres://… (run by .ci/run)"]
async fn polling_modified_since_never_misses_a_change_from_either_instance() {
    let (first, second, admin, admin2) = two_instances().await;
    let mut ids = Vec::new();
    for _ in 0..20 {
        let a = post(&first, "/api/calllogs", &admin, json!({"PropertyId": 1, "CallFrom": "c", "Subject": "s"})).await;
        ids.push(a.body["LogId"].as_i64().unwrap());
    }
    let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let writers = ids.iter().enumerate().map(|(i, id)| {
        let (app, token) = if i % 2 == 0 { (&first, &admin) } else { (&second, &admin2) };
        let path = format!("/api/calllogs/{id}");
        async move {
            let mut written = Vec::new();
            for n in 0..10 {
                let a = put(app, &path, token, json!({"NewComments": format!("n{n}")})).await;
                assert_eq!(a.status, StatusCode::OK, "{}", a.text);
                written.push(n);
            }
            written.len()
        }
    });
    let poller = async {
        // What the poller has seen of each log: its newest ModifiedOn.
        let mut seen = std::collections::HashMap::<i64, String>::new();
        let mut since = String::from("2000-01-01T00:00:00Z");
        loop {
            let done = stop.load(std::sync::atomic::Ordering::Acquire);
            let path =
                format!("/api/calllogs?modifiedSince={}&sort=modifiedon&order=asc&pageSize=500", urlencode(&since));
            let a = get(&second, &path, &admin2).await;
            assert_eq!(a.status, StatusCode::OK, "{}", a.text);
            for log in a.body["Elements"].as_array().unwrap() {
                let modified = log["ModifiedOn"].as_str().unwrap().to_string();
                seen.insert(log["LogId"].as_i64().unwrap(), modified.clone());
                if modified > since {
                    since = modified;
                }
            }
            if done {
                return seen;
            }
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
    };
    let writing = async {
        let counts = futures_util::future::join_all(writers).await;
        stop.store(true, std::sync::atomic::Ordering::Release);
        counts
    };
    let (seen, counts) = tokio::join!(poller, writing);
    assert!(counts.iter().all(|c| *c == 10));
    // Every log's final ModifiedOn reached the poller.
    for id in &ids {
        let log = get(&first, &format!("/api/calllogs/{id}"), &admin).await;
        assert_eq!(seen.get(id), log.body["ModifiedOn"].as_str().map(str::to_string).as_ref(), "log {id}");
    }
}

fn urlencode(text: &str) -> String {
    text.replace('+', "%2B").replace(':', "%3A")
}
