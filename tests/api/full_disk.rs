//! A write the database refuses (here: SQLite's file capped, as on a full
//! disk) answers 409/113, stores nothing of that request, and leaves the
//! service serving; what was acknowledged is exactly what is kept.
//! SQLite only: the cap is set on the writer's connection.

use crate::helpers::*;
use serde_json::json;

#[actix_web::test]
async fn a_refused_database_write_answers_113_and_the_service_keeps_serving() {
    app_with_directory!(app, admin);
    let id = post(
        &app,
        "/api/calllogs",
        &admin,
        json!({"PropertyId": 1, "UnitId": 11, "CallFrom": "Walk-in caller", "Subject": "s"}),
    )
    .await
    .body["LogId"]
        .as_i64()
        .unwrap();
    let path = format!("/api/calllogs/{id}");
    let before = get(&app, &path, &admin).await.text;
    // Cap the file at its current size: the next write that needs a page fails with SQLITE_FULL.
    cap_database_pages(&app, 0).await;
    let big = "x".repeat(9_000);
    let mut refused = None;
    for _ in 0..20 {
        let a = put(&app, &path, &admin, json!({"NewComments": big})).await;
        if a.status != StatusCode::OK {
            refused = Some(a);
            break;
        }
    }
    let refused = refused.expect("the capped database refused a write");
    refused.assert_error(409, 113);
    assert!(!refused.text.contains("SQLITE") && !refused.text.contains(".db"), "{}", refused.text);
    // Reads still work, and once space is back, so do writes.
    assert_eq!(get(&app, &path, &admin).await.status, StatusCode::OK);
    lift_database_cap(&app).await;
    let a = put(&app, &path, &admin, json!({"NewComments": "after"})).await;
    assert_eq!(a.status, StatusCode::OK, "{}", a.text);
    let comments = get(&app, &path, &admin).await.body["OldComments"].as_array().unwrap().clone();
    assert_eq!(comments.last().unwrap()["Comment"], "after");
    assert_ne!(before, get(&app, &path, &admin).await.text);
}

#[actix_web::test]
async fn under_a_full_disk_every_acknowledged_comment_is_kept_and_every_refused_one_is_not() {
    app_with_directory!(app, admin);
    let id = post(&app, "/api/calllogs", &admin, json!({"PropertyId": 1, "CallFrom": "c", "Subject": "s"})).await.body
        ["LogId"]
        .as_i64()
        .unwrap();
    cap_database_pages(&app, 3).await;
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
