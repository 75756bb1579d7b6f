//! docs/api.md §7: GET /api/calllogs/export.csv — the list's filters, no paging, CSV.

use crate::helpers::*;
use serde_json::json;

fn rows(text: &str) -> Vec<Vec<String>> {
    csv::ReaderBuilder::new()
        .has_headers(false)
        .from_reader(text.as_bytes())
        .records()
        .map(|r| r.unwrap().iter().map(str::to_string).collect())
        .collect()
}

#[actix_web::test]
async fn export_writes_a_header_and_one_quoted_row_per_log() {
    app_with_directory!(app, admin);
    let tricky = "Leak, \"urgent\"\nsecond line — Zoë";
    let a = post(
        &app,
        "/api/calllogs",
        &admin,
        json!({"PropertyId": 1, "ResidentId": 111, "Subject": tricky, "Notes": "n1", "LogReasons": [8, 1],
               "NewComments": "first", "CreatedOn": "2026-03-01T12:00:00Z"}),
    )
    .await;
    let id = a.body["LogId"].as_i64().unwrap();
    put(&app, &format!("/api/calllogs/{id}"), &admin, json!({"NewComments": "second, last", "ModuleStatusId": 2}))
        .await;
    post(
        &app,
        "/api/calllogs",
        &admin,
        json!({"PropertyId": 2, "CallFrom": "Vendor", "Subject": "plain", "CreatedOn": "2026-03-02T12:00:00Z"}),
    )
    .await;

    let a = get(&app, "/api/calllogs/export.csv?order=asc", &admin).await;
    assert_eq!(a.status, StatusCode::OK, "{}", a.text);
    assert!(a.header("content-type").unwrap().starts_with("text/csv"));
    let table = rows(&a.text);
    assert_eq!(
        table[0],
        [
            "LogId",
            "CreatedOn",
            "PropertyId",
            "UnitId",
            "ResidentId",
            "CallFrom",
            "Status",
            "Reasons",
            "Subject",
            "Notes",
            "Takenby",
            "CommentCount",
            "LastComment",
            "ModifiedOn"
        ]
    );
    assert_eq!(table.len(), 3);
    let first = &table[1];
    assert_eq!(first[0], id.to_string());
    assert_eq!(first[1], "2026-03-01T12:00:00.0000000+00:00");
    assert_eq!((first[2].as_str(), first[3].as_str(), first[4].as_str()), ("1", "11", "111"));
    assert_eq!(first[5], "Ann B. Cole");
    assert_eq!(first[6], "In Progress");
    assert_eq!(first[7], "Maintenance request; Emergency");
    assert_eq!(first[8], tricky, "commas, quotes, newlines and non-ASCII survive RFC 4180 quoting");
    assert_eq!((first[9].as_str(), first[10].as_str()), ("n1", "Ada Admin"));
    assert_eq!((first[11].as_str(), first[12].as_str()), ("2", "second, last"));
    assert!(a.text.contains("\"Leak, \"\"urgent\"\""), "quotes are doubled inside quotes");
    assert!(a.text.starts_with("LogId,CreatedOn,") && a.text.contains("ModifiedOn\r\n"), "records end with CRLF");
    let second = &table[2];
    assert_eq!((second[3].as_str(), second[4].as_str(), second[7].as_str(), second[11].as_str()), ("", "", "", "0"));
}

#[actix_web::test]
async fn export_takes_the_list_filters_without_paging() {
    app_with_directory!(app, admin);
    for i in 0..30 {
        let unit = if i % 3 == 0 { 12 } else { 11 };
        post(
            &app,
            "/api/calllogs",
            &admin,
            json!({"PropertyId": 1, "UnitId": unit, "CallFrom": "c", "Subject": format!("call {i}")}),
        )
        .await;
    }
    let deleted =
        post(&app, "/api/calllogs", &admin, json!({"PropertyId": 1, "UnitId": 12, "CallFrom": "c", "Subject": "gone"}))
            .await;
    delete(&app, &format!("/api/calllogs/{}", deleted.body["LogId"]), &admin).await;
    assert_eq!(rows(&get(&app, "/api/calllogs/export.csv?pageSize=5&page=2", &admin).await.text).len(), 31);
    assert_eq!(rows(&get(&app, "/api/calllogs/export.csv?unitId=12", &admin).await.text).len(), 11);
    let sorted = rows(&get(&app, "/api/calllogs/export.csv?sort=logid&order=desc&q=call", &admin).await.text);
    let ids: Vec<i64> = sorted[1..].iter().map(|r| r[0].parse().unwrap()).collect();
    assert!(ids.windows(2).all(|w| w[0] > w[1]));
    assert_eq!(ids.len(), 30);
}

#[actix_web::test]
async fn export_is_scoped_and_checks_its_filters_before_streaming() {
    app_with_directory!(app, admin);
    post(&app, "/api/calllogs", &admin, json!({"PropertyId": 1, "CallFrom": "c", "Subject": "mine"})).await;
    post(&app, "/api/calllogs", &admin, json!({"PropertyId": 2, "CallFrom": "c", "Subject": "theirs"})).await;
    let (_, viewer) = make_user(&app, &admin, "viewer1", "viewer", &[1]).await;
    let table = rows(&get(&app, "/api/calllogs/export.csv", &viewer).await.text);
    assert_eq!(table.len(), 2);
    assert_eq!(table[1][8], "mine");
    get(&app, "/api/calllogs/export.csv?propertyId=2", &viewer).await.assert_error(403, 105);
    get(&app, "/api/calllogs/export.csv?status=99", &admin).await.assert_error(400, 114);
    get(&app, "/api/calllogs/export.csv?sort=nope", &admin).await.assert_error(400, 114);
    call(&app, Method::GET, "/api/calllogs/export.csv", None, None).await.assert_error(401, 100);
}

#[actix_web::test]
async fn a_large_export_streams_in_chunks() {
    app_with_directory!(app, admin);
    // Enough rows for several 64 KiB chunks.
    bulk_insert_call_logs(&app, 3000).await;
    let a = get(&app, "/api/calllogs/export.csv", &admin).await;
    assert_eq!(a.status, StatusCode::OK);
    assert!(a.text.len() > 4 * 64 * 1024, "{} bytes", a.text.len());
    assert_eq!(rows(&a.text).len(), 3001);
}

/// Inserts `count` call logs of property 1 whose `CreatedOn` and `ModifiedOn`
/// all tie, with notes of `notes_chars` characters.
async fn insert_tied_call_logs(app: &TestApp, count: i64, notes_chars: i64) {
    execute_sql(
        app,
        &format!(
            "WITH RECURSIVE n(v) AS (SELECT 1 UNION ALL SELECT v + 1 FROM n WHERE v < {count})
             INSERT INTO call_logs (property_id, call_from, status_id, subject, notes, taken_by, created_on, modified_on, created_by)
             SELECT 1, 'Caller', 1, 'Tie ' || v, printf('%.*c', {notes_chars}, 'n'), 'Bench', 7, 7, 1 FROM n"
        ),
        &format!(
            "INSERT INTO call_logs (property_id, call_from, status_id, subject, notes, taken_by, created_on, modified_on, created_by)
             SELECT 1, 'Caller', 1, 'Tie ' || v, repeat('n', {notes_chars}), 'Bench', 7, 7, 1
             FROM generate_series(1, {count}) v"
        ),
    )
    .await;
}

#[actix_web::test]
async fn an_export_read_in_chunks_has_every_row_once_in_order_even_when_dates_tie() {
    app_with_directory!(app, admin);
    // Two and a half chunks of logs that share one CreatedOn and one ModifiedOn:
    // each chunk must resume exactly after the last row of the one before.
    insert_tied_call_logs(&app, 2500, 10).await;
    for (query, descending) in [("", true), ("?sort=modifiedon&order=asc", false), ("?sort=logid&order=asc", false)] {
        let a = get(&app, &format!("/api/calllogs/export.csv{query}"), &admin).await;
        assert_eq!(a.status, StatusCode::OK, "{query}: {}", a.text);
        let ids: Vec<i64> = rows(&a.text)[1..].iter().map(|r| r[0].parse().unwrap()).collect();
        let mut expected = ids.clone();
        expected.sort_unstable();
        if descending {
            expected.reverse();
        }
        assert_eq!(ids, expected, "{query}: the list's order, ties broken by LogId");
        expected.dedup();
        assert_eq!(expected.len(), 2500, "{query}: every row exactly once");
    }
}

#[actix_web::test]
async fn slow_export_downloads_hold_no_connection_while_other_reads_go_on() {
    // Two pooled connections, eight downloads that stop reading: if an export
    // held its connection while it waits on its client, every other read
    // would wait out the pool's timeout and answer 503.
    let app = spawn_app_with(|store, _| store.read_pool_size = 2).await;
    let admin = sign_in(&app, "admin", ADMIN_PASSWORD).await;
    let imported = post(&app, "/api/admin/import", &admin, sample_directory()).await;
    assert_eq!(imported.status, StatusCode::OK, "{}", imported.text);
    // About 80 MB of CSV per export: far more than socket buffers hold.
    insert_tied_call_logs(&app, 20_000, 4000).await;
    let mut stalled = Vec::new();
    for _ in 0..8 {
        let mut response =
            app.request(Method::GET, "/api/calllogs/export.csv").bearer_auth(&admin).send().await.unwrap();
        assert_eq!(response.status(), StatusCode::OK);
        assert!(response.chunk().await.unwrap().is_some(), "the export has begun");
        stalled.push(response); // and is read no further
    }
    // Let every export fill the buffers between it and its client and block.
    tokio::time::sleep(std::time::Duration::from_millis(500)).await;
    for i in 0..20 {
        let a = get(&app, &format!("/api/calllogs/{}", 1 + i * 997), &admin).await;
        assert_eq!(a.status, StatusCode::OK, "read {i} during eight stalled exports: {}", a.text);
    }
    drop(stalled);
}

#[actix_web::test]
async fn cells_a_spreadsheet_would_read_as_formulas_are_written_as_text() {
    app_with_directory!(app, admin);
    let a = post(
        &app,
        "/api/calllogs",
        &admin,
        json!({"PropertyId": 1, "CallFrom": "@SUM(A1:A9)", "Subject": "=HYPERLINK(\"http://x\",\"y\")",
               "Notes": "\tcmd|' /C calc'!A0", "Takenby": "+1 555 0100", "NewComments": "-2+3",
               "CreatedOn": "2026-03-01T12:00:00Z"}),
    )
    .await;
    assert_eq!(a.status, StatusCode::CREATED, "{}", a.text);
    post(
        &app,
        "/api/calllogs",
        &admin,
        json!({"PropertyId": 1, "CallFrom": "Plain caller", "Subject": "a = b, c - d", "Notes": "\rcarriage",
               "CreatedOn": "2026-03-02T12:00:00Z"}),
    )
    .await;
    let a = get(&app, "/api/calllogs/export.csv?order=asc", &admin).await;
    assert_eq!(a.status, StatusCode::OK, "{}", a.text);
    let table = rows(&a.text);
    assert_eq!(table[0][0], "LogId");
    let first = &table[1];
    assert_eq!(first[5], "'@SUM(A1:A9)");
    assert_eq!(first[8], "'=HYPERLINK(\"http://x\",\"y\")");
    assert_eq!(first[9], "'\tcmd|' /C calc'!A0");
    assert_eq!(first[10], "'+1 555 0100");
    assert_eq!(first[12], "'-2+3");
    let second = &table[2];
    assert_eq!((second[5].as_str(), second[8].as_str()), ("Plain caller", "a = b, c - d"), "only a leading trigger");
    assert_eq!(second[9], "'\rcarriage");
    // Ids and dates are left as they are.
    assert!(first[0].parse::<i64>().is_ok() && first[1].starts_with("2026-03-01T"), "{first:?}");
}

#[actix_web::test]
async fn a_failure_after_the_export_began_leaves_a_broken_download_not_a_short_complete_file() {
    app_with_directory!(app, admin);
    // Five reads of 1,000 rows, each about 16 MB of CSV: more than the
    // socket buffers between the export and this client hold, so the export
    // waits on this client inside its first read's rows. By then it has read
    // at most two reads ahead (one waiting to be written, one waiting to be
    // handed over), so the fourth read is always after the table is gone.
    insert_tied_call_logs(&app, 5000, 16_000).await;
    let mut response = app.request(Method::GET, "/api/calllogs/export.csv").bearer_auth(&admin).send().await.unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    assert!(response.chunk().await.unwrap().is_some(), "the export has begun");
    // The database now refuses the export's next read (a table it reads is gone).
    let gone = "ALTER TABLE statuses RENAME TO statuses_gone";
    execute_sql(&app, gone, gone).await;
    let mut bytes = 0usize;
    let end = loop {
        match response.chunk().await {
            Ok(Some(chunk)) => bytes += chunk.len(),
            Ok(None) => break Ok(bytes),
            Err(e) => break Err(e),
        }
    };
    assert!(end.is_err(), "the download must end broken, not complete after {end:?} bytes");
    assert!(bytes < 64_000_000, "it stopped early: {bytes} bytes");
}

#[actix_web::test]
async fn a_failure_before_the_first_byte_is_an_error_answer() {
    app_with_directory!(app, admin);
    bulk_insert_call_logs(&app, 10).await;
    let gone = "ALTER TABLE statuses RENAME TO statuses_gone";
    execute_sql(&app, gone, gone).await;
    let a = get(&app, "/api/calllogs/export.csv", &admin).await;
    a.assert_error(500, 199);
    assert!(!a.text.contains("statuses"), "no internals: {}", a.text);
}
