//! The writer's batches and the search index (docs/architecture.md: few pages
//! per write). Requests queue their search rows under their own savepoints;
//! the writer moves a batch's rows into the FTS5 index once, before COMMIT.
//! These tests hold the writer so that several requests share one batch,
//! each sent once the one before it is seen in the writer's queue.

use crate::helpers::*;
use serde_json::json;

async fn total_for(app: &TestApp, admin: &str, word: &str) -> i64 {
    let a = get(app, &format!("/api/calllogs?q={word}"), admin).await;
    assert_eq!(a.status, StatusCode::OK, "{}", a.text);
    a.body["Total"].as_i64().unwrap()
}

async fn new_log(app: &TestApp, admin: &str, subject: &str) -> i64 {
    let a = post(app, "/api/calllogs", admin, json!({"PropertyId": 1, "CallFrom": "Dana", "Subject": subject})).await;
    assert_eq!(a.status, StatusCode::CREATED, "{}", a.text);
    a.body["LogId"].as_i64().unwrap()
}

/// Sends a request in the background and returns once it waits in the held
/// writer's queue, so that requests reach the queue (and the batch) in the
/// order they are sent.
async fn queued(
    app: &TestApp,
    method: Method,
    path: String,
    admin: &str,
    body: serde_json::Value,
) -> tokio::task::JoinHandle<Answer> {
    let depth = write_queue_depth(app);
    let request = app.request(method, &path).bearer_auth(admin).json(&body);
    let answer = tokio::spawn(send(request));
    until_write_queue_holds(app, depth + 1).await;
    answer
}

#[actix_web::test]
async fn a_batch_indexes_every_kept_request_and_nothing_of_a_failed_one() {
    app_with_directory!(app, admin);
    let log = new_log(&app, &admin, "Gate remote").await;
    let held = busy_writer(&app).await;
    // In one batch: a comment that is kept, a request that queues a search
    // row and then fails, and a new log created then given notes.
    let comment =
        queued(&app, Method::PUT, format!("/api/calllogs/{log}"), &admin, json!({"NewComments": "zebrafinch"})).await;
    let store = app.state.service.store.clone();
    let depth = write_queue_depth(&app);
    let failed = tokio::spawn(async move {
        store
            .sqlite()
            .unwrap()
            .write_on_connection(move |conn| -> rusqlite::Result<()> {
                conn.execute(
                    "INSERT INTO temp.search_queue (rowid, body, replaces) VALUES (?1, 'phantomword', 0)",
                    [(log << 24) | 999],
                )?;
                Err(rusqlite::Error::InvalidQuery)
            })
            .await
    });
    until_write_queue_holds(&app, depth + 1).await;
    let created = queued(
        &app,
        Method::POST,
        "/api/calllogs".into(),
        &admin,
        json!({"PropertyId": 1, "CallFrom": "Eve", "Subject": "Pool", "Notes": "alphanote"}),
    )
    .await;
    let noted =
        queued(&app, Method::PUT, format!("/api/calllogs/{}", log + 1), &admin, json!({"Notes": "betanote"})).await;
    held.release().await;
    assert_eq!(comment.await.unwrap().status, StatusCode::OK);
    assert!(failed.await.unwrap().is_err(), "the failing request fails");
    let created = created.await.unwrap();
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.text);
    assert_eq!(created.body["LogId"], log + 1);
    assert_eq!(noted.await.unwrap().status, StatusCode::OK);

    assert_eq!(total_for(&app, &admin, "zebrafinch").await, 1, "the kept comment is searchable");
    assert_eq!(total_for(&app, &admin, "phantomword").await, 0, "the failed request's row went with it");
    assert_eq!(total_for(&app, &admin, "alphanote").await, 0, "notes replaced in the same batch");
    assert_eq!(total_for(&app, &admin, "betanote").await, 1);
    assert_eq!(total_for(&app, &admin, "pool").await, 1, "the new log's header is indexed once");
    let queued: i64 =
        on_sqlite_writer(&app, |conn| conn.query_row("SELECT count(*) FROM temp.search_queue", [], |r| r.get(0))).await;
    assert_eq!(queued, 0, "the queue is empty after the batch");
    on_sqlite_writer(&app, |conn| {
        conn.execute("INSERT INTO call_log_search (call_log_search, rank) VALUES ('integrity-check', 0)", [])
    })
    .await;
}

#[actix_web::test]
async fn notes_changed_twice_in_one_batch_leave_only_the_last_words() {
    app_with_directory!(app, admin);
    let log = new_log(&app, &admin, "Parking").await;
    let a = put(&app, &format!("/api/calllogs/{log}"), &admin, json!({"Notes": "firstnote"})).await;
    assert_eq!(a.status, StatusCode::OK);
    let held = busy_writer(&app).await;
    let second =
        queued(&app, Method::PUT, format!("/api/calllogs/{log}"), &admin, json!({"Notes": "secondnote"})).await;
    let third = queued(&app, Method::PUT, format!("/api/calllogs/{log}"), &admin, json!({"Notes": "thirdnote"})).await;
    held.release().await;
    assert_eq!(second.await.unwrap().status, StatusCode::OK);
    assert_eq!(third.await.unwrap().status, StatusCode::OK);
    for (word, total) in [("firstnote", 0), ("secondnote", 0), ("thirdnote", 1), ("parking", 1)] {
        assert_eq!(total_for(&app, &admin, word).await, total, "{word}");
    }
    on_sqlite_writer(&app, |conn| {
        conn.execute("INSERT INTO call_log_search (call_log_search, rank) VALUES ('integrity-check', 0)", [])
    })
    .await;
}
