//! API.md §7: GET /api/calllogs/export.csv — the list's filters, no paging, CSV.

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
