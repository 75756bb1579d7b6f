//! docs/api.md §4 lists: the four routes, every filter, sorting, paging, scoping.

use crate::helpers::*;
use serde_json::{json, Value};

/// Creates logs with controlled dates, units, statuses, reasons and takers; returns their ids in order.
async fn seed(app: &TestApp, admin: &str) -> Vec<i64> {
    let rows = [
        json!({"PropertyId": 1, "UnitId": 11, "CallFrom": "a", "Subject": "one", "CreatedOn": "2026-01-01T10:00:00Z", "LogReasons": [1], "Takenby": "Zoë"}),
        json!({"PropertyId": 1, "UnitId": 12, "CallFrom": "b", "Subject": "two", "CreatedOn": "2026-01-02T10:00:00Z", "LogReasons": [2, 3], "ModuleStatusId": 2}),
        json!({"PropertyId": 1, "ResidentId": 112, "Subject": "three", "CreatedOn": "2026-01-03T10:00:00Z", "ModuleStatusId": 3, "Takenby": "ZOË"}),
        json!({"PropertyId": 2, "UnitId": 21, "CallFrom": "d", "Subject": "four", "CreatedOn": "2026-01-03T10:00:00Z", "LogReasons": [3]}),
        json!({"PropertyId": 2, "CallFrom": "e", "Subject": "five", "CreatedOn": "2026-01-05T10:00:00Z"}),
    ];
    let mut ids = Vec::new();
    for row in rows {
        let a = post(app, "/api/calllogs", admin, row).await;
        assert_eq!(a.status, StatusCode::CREATED, "{}", a.text);
        ids.push(a.body["LogId"].as_i64().unwrap());
    }
    ids
}

#[actix_web::test]
async fn newest_call_first_with_log_id_breaking_ties() {
    app_with_directory!(app, admin);
    seed(&app, &admin).await;
    let a = get(&app, "/api/calllogs", &admin).await;
    assert_eq!(a.body["Total"], 5);
    // "three" and "four" share a CreatedOn: the higher LogId ("four") first when descending.
    assert_eq!(subjects(&a), ["five", "four", "three", "two", "one"]);
    let a = get(&app, "/api/calllogs?order=asc", &admin).await;
    assert_eq!(subjects(&a), ["one", "two", "three", "four", "five"]);
    let a = get(&app, "/api/calllogs?sort=LogId&order=desc", &admin).await;
    assert_eq!(subjects(&a), ["five", "four", "three", "two", "one"]);
    get(&app, "/api/calllogs?sort=subject", &admin).await.assert_error(400, 114);
    get(&app, "/api/calllogs?order=sideways", &admin).await.assert_error(400, 114);
}

#[actix_web::test]
async fn sort_by_modified_follows_the_latest_change() {
    app_with_directory!(app, admin);
    let ids = seed(&app, &admin).await;
    put(&app, &format!("/api/calllogs/{}", ids[0]), &admin, json!({"NewComments": "touched"})).await;
    let a = get(&app, "/api/calllogs?sort=modifiedon", &admin).await;
    assert_eq!(subjects(&a)[0], "one");
    let since = a.body["Elements"][0]["ModifiedOn"].as_str().unwrap().to_string();
    let a = get(&app, &format!("/api/calllogs?modifiedSince={}", since.replace('+', "%2B")), &admin).await;
    assert_eq!(subjects(&a), ["one"], "modifiedSince <= ModifiedOn");
}

#[actix_web::test]
async fn every_filter_narrows_and_they_combine() {
    app_with_directory!(app, admin);
    seed(&app, &admin).await;
    let cases: [(&str, &[&str]); 14] = [
        ("propertyId=1", &["three", "two", "one"]),
        ("unitId=11", &["three", "one"]),
        ("residentId=112", &["three"]),
        ("status=2,3", &["three", "two"]),
        ("status=1&status=3", &["five", "four", "three", "one"]),
        ("status[0]=2", &["two"]),
        ("reason=3", &["four", "two"]),
        ("reason=1,2", &["two", "one"]),
        ("takenBy=zo%C3%AB", &["three", "one"]),
        ("takenby=ADA%20ADMIN", &["five", "four", "two"]),
        ("from=2026-01-02&to=2026-01-03T10:00:00Z", &["two"]),
        ("from=2026-01-03T10:00:00Z", &["five", "four", "three"]),
        ("propertyId=1&status=1&reason=1", &["one"]),
        ("propertyId=2&unitId=11", &[]),
    ];
    for (q, expected) in cases {
        let a = get(&app, &format!("/api/calllogs?{q}"), &admin).await;
        assert_eq!(a.status, StatusCode::OK, "{q}: {}", a.text);
        assert_eq!(subjects(&a), expected, "{q}");
        assert_eq!(a.body["Total"], expected.len(), "{q}");
    }
}

#[actix_web::test]
async fn a_date_pasted_unencoded_into_a_query_keeps_its_offset() {
    app_with_directory!(app, admin);
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
async fn bad_filter_values_are_114() {
    app_with_directory!(app, admin);
    for q in [
        "status=9",
        "reason=99",
        "status=x",
        "from=yesterday",
        "to=2026-13-01",
        "modifiedSince=never",
        "unitId=-1",
        "page=-2",
        "pageSize=1000",
    ] {
        get(&app, &format!("/api/calllogs?{q}"), &admin).await.assert_error(400, 114);
    }
}

#[actix_web::test]
async fn the_nested_routes_list_their_own_logs_with_comments() {
    app_with_directory!(app, admin);
    let ids = seed(&app, &admin).await;
    put(&app, &format!("/api/calllogs/{}", ids[0]), &admin, json!({"NewComments": "c1"})).await;
    put(&app, &format!("/api/calllogs/{}", ids[0]), &admin, json!({"NewComments": "c2"})).await;
    let a = get(&app, "/api/units/11/calllogs", &admin).await;
    assert_eq!(subjects(&a), ["three", "one"]);
    let one = &a.body["Elements"][1];
    let comments: Vec<&str> =
        one["OldComments"].as_array().unwrap().iter().map(|c| c["Comment"].as_str().unwrap()).collect();
    assert_eq!(comments, ["c1", "c2"]);
    assert_eq!(subjects(&get(&app, "/api/units/11/calllogs?status=3", &admin).await), ["three"]);
    assert_eq!(subjects(&get(&app, "/api/properties/2/calllogs", &admin).await), ["five", "four"]);
    assert_eq!(subjects(&get(&app, "/api/residents/112/calllogs", &admin).await), ["three"]);
    get(&app, "/api/units/99/calllogs", &admin).await.assert_error(404, 106);
    get(&app, "/api/properties/99/calllogs", &admin).await.assert_error(404, 106);
    get(&app, "/api/residents/99/calllogs", &admin).await.assert_error(404, 106);
}

#[actix_web::test]
async fn paging_boundaries() {
    app_with_directory!(app, admin);
    seed(&app, &admin).await;
    let page = |n: i64| format!("/api/calllogs?pageSize=2&page={n}");
    assert_eq!(subjects(&get(&app, &page(1), &admin).await), ["five", "four"]);
    assert_eq!(subjects(&get(&app, &page(0), &admin).await), ["five", "four"]);
    let last = get(&app, &page(3), &admin).await;
    assert_eq!(subjects(&last), ["one"]);
    assert_eq!(last.body["Total"], 5);
    let past = get(&app, &page(4), &admin).await;
    assert_eq!(past.body["Elements"], json!([]));
    assert_eq!(past.body["Total"], 5);
    assert_eq!(get(&app, "/api/calllogs?pageSize=0", &admin).await.body["Elements"].as_array().unwrap().len(), 5);
}

#[actix_web::test]
async fn lists_keep_to_linked_properties() {
    app_with_directory!(app, admin);
    seed(&app, &admin).await;
    let (_, viewer) = make_user(&app, &admin, "viewer1", "viewer", &[1]).await;
    let a = get(&app, "/api/calllogs", &viewer).await;
    assert_eq!(subjects(&a), ["three", "two", "one"], "silently only property 1");
    assert_eq!(a.body["Total"], 3);
    get(&app, "/api/calllogs?propertyId=2", &viewer).await.assert_error(403, 105);
    get(&app, "/api/calllogs?unitId=21", &viewer).await.assert_error(403, 105);
    get(&app, "/api/properties/2/calllogs", &viewer).await.assert_error(403, 105);
    get(&app, "/api/units/21/calllogs", &viewer).await.assert_error(403, 105);
    get(&app, "/api/residents/211/calllogs", &viewer).await.assert_error(403, 105);
    let (_, nobody) = make_user(&app, &admin, "nobody", "agent", &[]).await;
    let a = get(&app, "/api/calllogs", &nobody).await;
    assert_eq!((a.body["Total"].clone(), a.body["Elements"].clone()), (json!(0), Value::Array(vec![])));
}

#[actix_web::test]
async fn a_resident_who_moved_does_not_open_the_old_propertys_logs() {
    app_with_directory!(app, admin);
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
