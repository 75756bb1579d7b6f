//! docs/api.md §7: property and unit summaries, counted by status category.

use crate::helpers::*;
use serde_json::json;

#[actix_web::test]
async fn summaries_count_live_logs_by_status_category() {
    app_with_directory!(app, admin);
    let log = |unit: i64, status: i64| json!({"PropertyId": 1, "UnitId": unit, "CallFrom": "c", "Subject": "s", "ModuleStatusId": status});
    let mut ids = Vec::new();
    for (unit, status) in [(11, 1), (11, 1), (11, 2), (11, 3), (12, 3)] {
        ids.push(post(&app, "/api/calllogs", &admin, log(unit, status)).await.body["LogId"].as_i64().unwrap());
    }
    post(&app, "/api/calllogs", &admin, json!({"PropertyId": 1, "CallFrom": "c", "Subject": "no unit"})).await;
    post(
        &app,
        "/api/calllogs",
        &admin,
        json!({"PropertyId": 2, "UnitId": 21, "CallFrom": "c", "Subject": "elsewhere"}),
    )
    .await;
    // A deleted log leaves every count; a status in a changed category moves with it.
    assert_eq!(delete(&app, &format!("/api/calllogs/{}", ids[1]), &admin).await.status, StatusCode::NO_CONTENT);
    put(&app, "/api/modulestatus/2", &admin, json!({"Category": "open"})).await;

    let a = get(&app, "/api/properties/1/propertysummary", &admin).await;
    assert_eq!(a.status, StatusCode::OK, "{}", a.text);
    assert_eq!(
        a.body,
        json!({"PropertyId": 1, "CallLogs": 5, "OpenCallLogs": 3, "PendingCallLogs": 0, "ClosedCallLogs": 2})
    );
    let a = get(&app, "/api/Properties/1/UnitSummary", &admin).await;
    assert_eq!(a.status, StatusCode::OK, "{}", a.text);
    assert_eq!(
        a.body,
        json!({"Total": 2, "Elements": [
            {"UnitId": 12, "CallLogs": 1, "OpenCallLogs": 0, "PendingCallLogs": 0, "ClosedCallLogs": 1},
            {"UnitId": 11, "CallLogs": 3, "OpenCallLogs": 2, "PendingCallLogs": 0, "ClosedCallLogs": 1}
        ]}),
        "every unit, in display order"
    );
    let a = get(&app, "/api/properties/3/propertysummary", &admin).await;
    assert_eq!(
        a.body,
        json!({"PropertyId": 3, "CallLogs": 0, "OpenCallLogs": 0, "PendingCallLogs": 0, "ClosedCallLogs": 0})
    );
    let paged = get(&app, "/api/properties/1/unitsummary?pageSize=1&page=2", &admin).await;
    assert_eq!(paged.body["Total"], 2);
    assert_eq!(paged.body["Elements"][0]["UnitId"], 11);
}

#[actix_web::test]
async fn summaries_follow_property_links() {
    app_with_directory!(app, admin);
    let (_, viewer) = make_user(&app, &admin, "viewer1", "viewer", &[1]).await;
    assert_eq!(get(&app, "/api/properties/1/propertysummary", &viewer).await.status, StatusCode::OK);
    get(&app, "/api/properties/2/propertysummary", &viewer).await.assert_error(403, 105);
    get(&app, "/api/properties/2/unitsummary", &viewer).await.assert_error(403, 105);
    get(&app, "/api/properties/99/propertysummary", &viewer).await.assert_error(404, 106);
    get(&app, "/api/properties/x/unitsummary", &viewer).await.assert_error(400, 114);
}

/// The summaries read counters the store keeps in step with every write
/// path; after creates, status changes, deletes and restores they must equal
/// what the list itself counts.
#[actix_web::test]
async fn summaries_stay_equal_to_a_recount_through_every_write_path() {
    app_with_directory!(app, admin);
    let mut ids = Vec::new();
    for (i, unit) in [11, 11, 12, 12, 12].into_iter().enumerate() {
        let body =
            json!({"PropertyId": 1, "UnitId": unit, "CallFrom": "c", "Subject": format!("s{i}"), "ModuleStatusId": 1});
        ids.push(post(&app, "/api/calllogs", &admin, body).await.body["LogId"].as_i64().unwrap());
    }
    ids.push(
        post(&app, "/api/calllogs", &admin, json!({"PropertyId": 1, "CallFrom": "c", "Subject": "no unit"})).await.body
            ["LogId"]
            .as_i64()
            .unwrap(),
    );
    let path = |id: i64| format!("/api/calllogs/{id}");
    // Status changes, one with a comment; a no-op status; a delete; a delete
    // then a restore; a delete of a log whose status had changed.
    assert_eq!(put(&app, &path(ids[0]), &admin, json!({"ModuleStatusId": 3})).await.status, StatusCode::OK);
    assert_eq!(
        put(&app, &path(ids[1]), &admin, json!({"ModuleStatusId": 2, "NewComments": "on it"})).await.status,
        StatusCode::OK
    );
    assert_eq!(put(&app, &path(ids[2]), &admin, json!({"ModuleStatusId": 1})).await.status, StatusCode::OK);
    assert_eq!(delete(&app, &path(ids[3]), &admin).await.status, StatusCode::NO_CONTENT);
    assert_eq!(delete(&app, &path(ids[4]), &admin).await.status, StatusCode::NO_CONTENT);
    let restored = post(&app, &format!("{}/restore", path(ids[4])), &admin, json!({})).await;
    assert_eq!(restored.status, StatusCode::OK, "{}", restored.text);
    assert_eq!(put(&app, &path(ids[5]), &admin, json!({"ModuleStatusId": 3})).await.status, StatusCode::OK);
    assert_eq!(delete(&app, &path(ids[5]), &admin).await.status, StatusCode::NO_CONTENT);

    let listed = |query: String| {
        let app = &app;
        let admin = &admin;
        async move { get(app, &format!("/api/calllogs?propertyId=1&{query}"), admin).await.body["Total"].as_i64().unwrap() }
    };
    let summary = get(&app, "/api/properties/1/propertysummary", &admin).await.body;
    assert_eq!(summary["CallLogs"], listed(String::new()).await);
    assert_eq!(summary["OpenCallLogs"], listed("status=1".into()).await);
    assert_eq!(summary["PendingCallLogs"], listed("status=2".into()).await);
    assert_eq!(summary["ClosedCallLogs"], listed("status=3".into()).await);
    assert_eq!(
        summary,
        json!({"PropertyId": 1, "CallLogs": 4, "OpenCallLogs": 2, "PendingCallLogs": 1, "ClosedCallLogs": 1})
    );
    let units = get(&app, "/api/properties/1/unitsummary", &admin).await.body;
    for unit in units["Elements"].as_array().unwrap() {
        let id = unit["UnitId"].as_i64().unwrap();
        assert_eq!(unit["CallLogs"], listed(format!("unitId={id}")).await, "unit {id}");
        assert_eq!(unit["OpenCallLogs"], listed(format!("unitId={id}&status=1")).await, "unit {id}");
    }
}
