//! Behaviours pinned after review: each test names the rule it guards.

mod common;

use actix_web::http::StatusCode;
use actix_web::test::TestRequest;
use common::*;
use serde_json::json;

#[actix_web::test]
async fn a_form_notes_field_left_empty_clears_the_notes() {
    app_with_directory!(env, app, admin);
    let a =
        post(&app, "/api/calllogs", &admin, json!({"PropertyId": 1, "CallFrom": "c", "Subject": "s", "Notes": "abc"}))
            .await;
    let id = a.body["LogId"].as_i64().unwrap();
    let req = TestRequest::put()
        .uri(&format!("/api/calllogs/{id}"))
        .insert_header(("Authorization", format!("Bearer {admin}")))
        .insert_header(("Content-Type", "application/x-www-form-urlencoded"))
        .set_payload("Notes=&ModuleStatusId=&NewComments=");
    assert_eq!(send(&app, req).await.status, StatusCode::OK);
    let log = get(&app, &format!("/api/calllogs/{id}"), &admin).await.body;
    assert_eq!(log["Notes"], serde_json::Value::Null);
    assert_eq!(log["ModuleStatusId"], 1, "an empty number is absent");
    assert_eq!(log["OldComments"], json!([]), "an empty comment is no comment");
}

#[actix_web::test]
async fn dates_keep_all_seven_fractional_digits() {
    app_with_directory!(env, app, admin);
    let a = post(
        &app,
        "/api/calllogs",
        &admin,
        json!({"PropertyId": 1, "CallFrom": "c", "Subject": "s", "CreatedOn": "2026-01-01T10:00:00.1234567Z"}),
    )
    .await;
    assert_eq!(a.body["CreatedOn"], "2026-01-01T10:00:00.1234567+00:00");
}

#[actix_web::test]
async fn a_date_pasted_unencoded_into_a_query_keeps_its_offset() {
    app_with_directory!(env, app, admin);
    post(
        &app,
        "/api/calllogs",
        &admin,
        json!({"PropertyId": 1, "CallFrom": "c", "Subject": "s", "CreatedOn": "2026-01-01T10:00:00Z"}),
    )
    .await;
    // '+' in a query string decodes to a space; "…T12:00:00 02:00" is read as +02:00 (= 10:00Z).
    let a = get(&app, "/api/calllogs?from=2026-01-01T12:00:00+02:00", &admin).await;
    assert_eq!(a.status, StatusCode::OK, "{}", a.text);
    assert_eq!(a.body["Total"], 1);
    let a = get(&app, "/api/calllogs?from=2026-01-01T12:00:01+02:00", &admin).await;
    assert_eq!(a.body["Total"], 0);
}

#[actix_web::test]
async fn an_idempotent_replay_answers_the_first_log_even_with_a_bad_body_and_404_once_deleted() {
    app_with_directory!(env, app, admin);
    let with_key = |body: serde_json::Value| {
        TestRequest::post()
            .uri("/api/calllogs")
            .insert_header(("Authorization", format!("Bearer {admin}")))
            .insert_header(("Idempotency-Key", "k-1"))
            .set_json(body)
    };
    let first = send(&app, with_key(json!({"PropertyId": 1, "CallFrom": "c", "Subject": "s"}))).await;
    assert_eq!(first.status, StatusCode::CREATED);
    let replay = send(&app, with_key(json!({"Subject": ""}))).await;
    assert_eq!(replay.status, StatusCode::OK, "{}", replay.text);
    assert_eq!(replay.body["LogId"], first.body["LogId"]);
    delete(&app, &format!("/api/calllogs/{}", first.body["LogId"]), &admin).await;
    send(&app, with_key(json!({"PropertyId": 1, "CallFrom": "c", "Subject": "s"}))).await.assert_error(404, 106);
    // Without a key, the bad body is refused as usual.
    post(&app, "/api/calllogs", &admin, json!({"Subject": ""})).await.assert_error(400, 109);
}

#[actix_web::test]
async fn a_resident_who_moved_does_not_open_the_old_propertys_logs() {
    app_with_directory!(env, app, admin);
    post(&app, "/api/calllogs", &admin, json!({"PropertyId": 1, "ResidentId": 112, "Subject": "old home"})).await;
    let moved = json!({"Residents": [{"ResidentId": 112, "PropertyId": 2, "UnitId": 21, "ResidentLastName": "Núñez"}]});
    assert_eq!(post(&app, "/api/admin/import", &admin, moved).await.status, StatusCode::OK);
    let (_, viewer) = make_user(&app, &admin, "viewer2", "viewer", &[2]).await;
    let a = get(&app, "/api/residents/112/calllogs", &viewer).await;
    assert_eq!(a.status, StatusCode::OK, "{}", a.text);
    assert_eq!(a.body["Total"], 0, "the log stays with property 1");
    assert_eq!(get(&app, "/api/calllogs?residentId=112", &viewer).await.body["Total"], 0);
    assert_eq!(get(&app, "/api/calllogs?residentId=112", &admin).await.body["Total"], 1);
}

#[actix_web::test]
async fn parallel_wrong_passwords_cannot_pass_the_throttle() {
    app_with_directory!(env, app, admin);
    let attempts = (0..12).map(|_| {
        call(
            &app,
            actix_web::http::Method::POST,
            "/api/auth/token",
            None,
            Some(json!({"UserName": "admin", "Password": "wrong-guess"})),
        )
    });
    let answers = futures_util::future::join_all(attempts).await;
    let refused = answers.iter().filter(|a| a.status == StatusCode::UNAUTHORIZED).count();
    let throttled = answers.iter().filter(|a| a.status == StatusCode::TOO_MANY_REQUESTS).count();
    assert_eq!((refused, throttled), (5, 7), "at most five guesses are checked");
    let right = call(
        &app,
        actix_web::http::Method::POST,
        "/api/auth/token",
        None,
        Some(json!({"UserName": "admin", "Password": ADMIN_PASSWORD})),
    )
    .await;
    right.assert_error(429, 116);
}

#[actix_web::test]
async fn a_password_of_the_wrong_type_is_114_named_once() {
    app_with_directory!(env, app, admin);
    let a = call(
        &app,
        actix_web::http::Method::POST,
        "/api/auth/token",
        None,
        Some(json!({"UserName": "admin", "Password": 5})),
    )
    .await;
    a.assert_error(400, 114);
    assert_eq!(a.body["Errors"].as_array().unwrap().len(), 1, "{}", a.text);
}

#[actix_web::test]
async fn call_from_sent_with_a_resident_is_ignored_unchecked() {
    app_with_directory!(env, app, admin);
    let a = post(
        &app,
        "/api/calllogs",
        &admin,
        json!({"PropertyId": 1, "ResidentId": 111, "Subject": "s", "CallFrom": "x".repeat(500)}),
    )
    .await;
    assert_eq!(a.status, StatusCode::CREATED, "{}", a.text);
    assert_eq!(a.body["CallFrom"], "Ann B. Cole");
    let a =
        post(&app, "/api/calllogs", &admin, json!({"PropertyId": 1, "ResidentId": 111, "Subject": "s", "CallFrom": 7}))
            .await;
    assert_eq!(a.status, StatusCode::CREATED, "{}", a.text);
}

#[actix_web::test]
async fn catalog_names_are_unique_ignoring_case_beyond_ascii() {
    app_with_directory!(env, app, admin);
    assert_eq!(
        post(&app, "/api/calllogreasons", &admin, json!({"Name": "Émergence"})).await.status,
        StatusCode::CREATED
    );
    post(&app, "/api/calllogreasons", &admin, json!({"Name": "émergence"})).await.assert_error(409, 112);
    assert_eq!(
        post(&app, "/api/modulestatuses/calllogs", &admin, json!({"Name": "Écoute", "Category": "pending"}))
            .await
            .status,
        StatusCode::CREATED
    );
    post(&app, "/api/modulestatuses/calllogs", &admin, json!({"Name": "ÉCOUTE", "Category": "open"}))
        .await
        .assert_error(409, 112);
}

#[actix_web::test]
async fn under_a_full_disk_every_acknowledged_comment_is_kept_and_every_refused_one_is_not() {
    app_with_directory!(env, app, admin);
    let id = post(&app, "/api/calllogs", &admin, json!({"PropertyId": 1, "CallFrom": "c", "Subject": "s"})).await.body
        ["LogId"]
        .as_i64()
        .unwrap();
    env.state
        .service
        .store
        .sqlite()
        .unwrap()
        .write_on_connection(|conn| {
            let pages: i64 = conn.query_row("PRAGMA page_count", [], |r| r.get(0))?;
            conn.query_row(&format!("PRAGMA max_page_count = {}", pages + 3), [], |_| Ok(()))?;
            Ok(())
        })
        .await
        .unwrap();
    let path = format!("/api/calllogs/{id}");
    // Concurrent appends land in shared batches; some fit, the rest hit the cap.
    let appends =
        (0..40).map(|i| put(&app, &path, &admin, json!({"NewComments": format!("c{i} {}", "x".repeat(3000))})));
    let answers = futures_util::future::join_all(appends).await;
    let acknowledged: Vec<String> =
        answers.iter().enumerate().filter(|(_, a)| a.status == StatusCode::OK).map(|(i, _)| format!("c{i} ")).collect();
    for a in answers.iter().filter(|a| a.status != StatusCode::OK) {
        a.assert_error(409, 113);
    }
    assert!(acknowledged.len() < 40, "the cap must refuse some");
    let kept: Vec<String> = get(&app, &path, &admin).await.body["OldComments"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["Comment"].as_str().unwrap().split_inclusive(' ').next().unwrap().to_string())
        .collect();
    let mut expected = acknowledged.clone();
    expected.sort();
    let mut got = kept.clone();
    got.sort();
    assert_eq!(got, expected, "stored comments are exactly the acknowledged ones");
}
