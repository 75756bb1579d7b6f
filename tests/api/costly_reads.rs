//! docs/api.md §7: searches and exports are admitted fairly. A user with nothing
//! running goes before the next search or export of a user who already has
//! one, an export takes its turn per chunk, and a user's full queue refuses
//! that user only (503/115 with `Retry-After`).
//!
//! The app runs one costly read at a time, and the test holds that place
//! itself (as a user of its own) through the service's gate, so who is
//! admitted next is decided by the gate alone, never by timing.

use crate::helpers::*;
use calllog::domain::ids::UserId;
use calllog::service::gate::{FairGate, Place};
use serde_json::{json, Value};
use std::future::Future;
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// A key for the test's own turns: no user of the app has it.
const TEST_USER: UserId = UserId(1_000_000);

/// Fails the test instead of hanging it when the gate never gets there.
async fn within<T>(what: &str, work: impl Future<Output = T>) -> T {
    tokio::time::timeout(Duration::from_secs(60), work).await.unwrap_or_else(|_| panic!("timed out: {what}"))
}

async fn one_costly_read_at_a_time(queue: usize) -> (TestApp, String, Arc<FairGate>) {
    let app = spawn_app_with(costly_reads(1, queue)).await;
    let admin = sign_in(&app, "admin", ADMIN_PASSWORD).await;
    let imported = post(&app, "/api/admin/import", &admin, sample_directory()).await;
    assert_eq!(imported.status, StatusCode::OK, "{}", imported.text);
    let gate = costly_read_gate(&app);
    (app, admin, gate)
}

/// Takes a turn as `user` in a task of its own: it joins the queue now and
/// holds its place, once admitted, until the test drops it.
fn queue_for_a_turn(gate: &Arc<FairGate>, user: UserId) -> tokio::task::JoinHandle<Place> {
    let gate = gate.clone();
    tokio::spawn(async move { gate.enter(user).await.expect("a turn") })
}

/// Sends a GET in a task of its own; its status and body length land in `done`, in the order answered.
fn send_get(
    app: &TestApp,
    path: &str,
    token: &str,
    done: &Arc<Mutex<Vec<String>>>,
) -> tokio::task::JoinHandle<(u16, String)> {
    let request = app.request(Method::GET, path).bearer_auth(token);
    let (done, path) = (done.clone(), path.to_string());
    tokio::spawn(async move {
        let response = request.send().await.expect("answered");
        let status = response.status().as_u16();
        let body = response.text().await.expect("a whole body");
        done.lock().unwrap().push(path);
        (status, body)
    })
}

#[actix_web::test]
async fn one_users_flood_of_searches_and_exports_makes_another_wait_for_at_most_one_of_them() {
    let (app, admin, gate) = one_costly_read_at_a_time(16).await;
    let (flooder, flooder_token) = make_user(&app, &admin, "flooder", "viewer", &[1, 2]).await;
    let (other, other_token) = make_user(&app, &admin, "other", "viewer", &[1, 2]).await;
    let (flooder, other) = (UserId(flooder), UserId(other));
    for i in 0..5 {
        let body = json!({"PropertyId": 1, "CallFrom": "Walk-in", "Subject": format!("Water leak {i}")});
        assert_eq!(post(&app, "/api/calllogs", &admin, body).await.status, StatusCode::CREATED);
    }
    // The flooder's costly read running: the test holds its place.
    let running = within("a free place", gate.enter(flooder)).await.unwrap();
    let done = Arc::new(Mutex::new(Vec::new()));
    let mut flood = Vec::new();
    for i in 0..8 {
        let path = if i % 4 == 3 {
            "/api/calllogs/export.csv?q=a%20b%20c".to_string()
        } else {
            format!("/api/calllogs?q=w{i}")
        };
        flood.push(send_get(&app, &path, &flooder_token, &done));
    }
    within("the flood queued", gate.until(|g| g.view(flooder).waiting == 8)).await;
    // Another user's search comes after all of them.
    let search = send_get(&app, "/api/calllogs?q=leak", &other_token, &done);
    within("the other search queued", gate.until(|g| g.view(other).waiting == 1)).await;
    // And a third user's turn after that, to stop the line when it comes.
    let third = queue_for_a_turn(&gate, TEST_USER);
    within("the third queued", gate.until(|g| g.view(TEST_USER).waiting == 1)).await;

    drop(running);
    let (status, body) = within("the other user's search", search).await.unwrap();
    assert_eq!(status, 200, "{body}");
    assert_eq!(serde_json::from_str::<Value>(&body).unwrap()["Total"], 5);
    let third = within("the third user's turn", third).await.unwrap();
    // The other user and the third went first: none of the flood has run.
    assert_eq!(*done.lock().unwrap(), ["/api/calllogs?q=leak"]);
    assert_eq!((gate.view(flooder).running, gate.view(flooder).waiting), (0, 8));

    drop(third);
    for request in flood {
        let (status, body) = within("the flood", request).await.unwrap();
        assert_eq!(status, 200, "{body}");
    }
    assert_eq!(gate.running(), 0);
}

#[actix_web::test]
async fn an_export_takes_its_turn_per_chunk_and_lets_another_user_in_between() {
    let (app, admin, gate) = one_costly_read_at_a_time(8).await;
    let (exporter, token) = make_user(&app, &admin, "exporter", "viewer", &[1]).await;
    let exporter = UserId(exporter);
    // Twenty chunks of 1,000 rows.
    bulk_insert_call_logs(&app, 20_000).await;

    let first = within("a free place", gate.enter(TEST_USER)).await.unwrap();
    let done = Arc::new(Mutex::new(Vec::new()));
    let export = send_get(&app, "/api/calllogs/export.csv", &token, &done);
    // An export without q waits for its turn too.
    within("the export queued", gate.until(|g| g.view(exporter).waiting == 1)).await;
    drop(first);
    // Another user asks for a turn while the export runs: it comes between
    // two of the export's chunks, long before the export ends.
    let between = within("a turn between chunks", queue_for_a_turn(&gate, TEST_USER)).await.unwrap();
    within("the export's next chunk waiting", gate.until(|g| g.view(exporter).waiting == 1)).await;
    assert!(done.lock().unwrap().is_empty(), "the export is not over");
    drop(between);

    let (status, body) = within("the export", export).await.unwrap();
    assert_eq!(status, 200);
    assert_eq!(body.lines().count(), 20_001, "every row, after the header");
    assert_eq!(gate.running(), 0);
}

#[actix_web::test]
async fn a_users_full_queue_refuses_that_user_only() {
    let (app, admin, gate) = one_costly_read_at_a_time(2).await;
    let (busy, busy_token) = make_user(&app, &admin, "busy", "viewer", &[1]).await;
    let (calm, calm_token) = make_user(&app, &admin, "calm", "viewer", &[1]).await;
    let (busy, calm) = (UserId(busy), UserId(calm));
    let running = within("a free place", gate.enter(busy)).await.unwrap();
    let done = Arc::new(Mutex::new(Vec::new()));
    let queued: Vec<_> = (0..2).map(|i| send_get(&app, &format!("/api/calllogs?q=w{i}"), &busy_token, &done)).collect();
    within("two queued", gate.until(|g| g.view(busy).waiting == 2)).await;

    let refused = get(&app, "/api/calllogs?q=w3", &busy_token).await;
    refused.assert_error(503, 115);
    assert_eq!(refused.header("Retry-After"), Some("1"));
    let refused = get(&app, "/api/calllogs/export.csv", &busy_token).await;
    refused.assert_error(503, 115);
    // Plain lists are not costly reads: never queued.
    assert_eq!(get(&app, "/api/calllogs", &busy_token).await.status, StatusCode::OK);

    // Another user is not refused for that load: their search waits its turn.
    let calm_search = send_get(&app, "/api/calllogs?q=leak", &calm_token, &done);
    within("the calm user's search queued", gate.until(|g| g.view(calm).waiting == 1)).await;
    drop(running);
    let (status, body) = within("the calm user's search", calm_search).await.unwrap();
    assert_eq!(status, 200, "{body}");
    for request in queued {
        assert_eq!(within("the queued searches", request).await.unwrap().0, 200);
    }
}
