//! docs/api.md §5: call-log reasons and statuses.

use crate::helpers::*;
use serde_json::json;

#[actix_web::test]
async fn a_new_database_is_seeded() {
    app_with_directory!(app, admin);
    let (_, viewer) = make_user(&app, &admin, "viewer1", "viewer", &[]).await;
    let a = get(&app, "/api/modulestatuses/calllogs", &viewer).await;
    assert_eq!(a.body["Total"], 3);
    assert_eq!(
        a.body["Elements"][0],
        json!({"ModuleStatusId": 1, "Module": "calllogs", "Name": "Open", "Category": "open", "IsDefault": true, "Active": true, "DisplayOrder": 1})
    );
    let names: Vec<&str> = a.body["Elements"].as_array().unwrap().iter().map(|s| s["Name"].as_str().unwrap()).collect();
    assert_eq!(names, ["Open", "In Progress", "Closed"]);
    assert_eq!(a.body["Elements"][1]["Category"], "pending");
    let a = get(&app, "/api/calllogreasons", &viewer).await;
    let names: Vec<&str> = a.body["Elements"].as_array().unwrap().iter().map(|s| s["Name"].as_str().unwrap()).collect();
    assert_eq!(
        names,
        [
            "Maintenance request",
            "Billing / assessments",
            "Violation inquiry",
            "Architectural request",
            "Amenity reservation",
            "Noise or neighbor complaint",
            "General information",
            "Emergency"
        ]
    );
    assert_eq!(
        a.body["Elements"][7],
        json!({"CallLogReasonId": 8, "Name": "Emergency", "Active": true, "DisplayOrder": 8})
    );
    assert_eq!(get(&app, "/api/calllogreasons/2", &viewer).await.body["Name"], "Billing / assessments");
    assert_eq!(get(&app, "/api/modulestatus/3", &viewer).await.body["Name"], "Closed");
    get(&app, "/api/calllogreasons/99", &viewer).await.assert_error(404, 106);
    get(&app, "/api/modulestatus/99", &viewer).await.assert_error(404, 106);
}

#[actix_web::test]
async fn reasons_are_admin_written_unique_and_only_deactivated() {
    app_with_directory!(app, admin);
    let (_, agent) = make_user(&app, &admin, "agent1", "agent", &[1]).await;
    post(&app, "/api/calllogreasons", &agent, json!({"Name": "Pets"})).await.assert_error(403, 102);
    let a = post(&app, "/api/calllogreasons", &admin, json!({"Name": "Pets"})).await;
    assert_eq!(a.status, StatusCode::CREATED, "{}", a.text);
    let id = a.body["CallLogReasonId"].as_i64().unwrap();
    assert_eq!(a.header("location"), Some(format!("/api/calllogreasons/{id}").as_str()));
    assert_eq!(a.body["DisplayOrder"], 9, "goes last by default");
    post(&app, "/api/calllogreasons", &admin, json!({"Name": "PETS"})).await.assert_error(409, 112);
    post(&app, "/api/calllogreasons", &admin, json!({"Name": " "})).await.assert_error(400, 109);
    post(&app, "/api/calllogreasons", &admin, json!({"Name": "n".repeat(101)})).await.assert_error(400, 114);
    put(&app, &format!("/api/calllogreasons/{id}"), &admin, json!({"Name": "emergency"})).await.assert_error(409, 112);
    // A log keeps a reason that is later deactivated.
    let log = post(
        &app,
        "/api/calllogs",
        &admin,
        json!({"PropertyId": 1, "CallFrom": "x", "Subject": "s", "LogReasons": [id]}),
    )
    .await;
    let a = put(&app, &format!("/api/calllogreasons/{id}"), &admin, json!({"Active": false, "DisplayOrder": 0})).await;
    assert_eq!((a.status, a.text.as_str()), (StatusCode::OK, ""));
    let log = get(&app, &format!("/api/calllogs/{}", log.body["LogId"]), &admin).await;
    assert_eq!(log.body["LogReasons"], json!([id]));
    let active = get(&app, "/api/calllogreasons", &admin).await;
    assert_eq!(active.body["Total"], 8);
    let all = get(&app, "/api/calllogreasons?includeInactive=true", &admin).await;
    assert_eq!(all.body["Total"], 9);
    assert_eq!(all.body["Elements"][0]["Name"], "Pets", "DisplayOrder 0 sorts first");
    assert_eq!(all.body["Elements"][0]["Active"], false);
    put(&app, "/api/calllogreasons/99", &admin, json!({"Active": false})).await.assert_error(404, 106);
    put(&app, &format!("/api/calllogreasons/{id}"), &admin, json!({"Active": "no"})).await.assert_error(400, 114);
    get(&app, "/api/calllogreasons?includeInactive=maybe", &admin).await.assert_error(400, 114);
}

#[actix_web::test]
async fn catalog_names_are_unique_ignoring_case_beyond_ascii() {
    app_with_directory!(app, admin);
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
async fn exactly_one_default_status_at_all_times() {
    app_with_directory!(app, admin);
    let (_, agent) = make_user(&app, &admin, "agent1", "agent", &[1]).await;
    post(&app, "/api/modulestatuses/calllogs", &agent, json!({"Name": "Waiting", "Category": "pending"}))
        .await
        .assert_error(403, 102);
    post(&app, "/api/modulestatuses/calllogs", &admin, json!({"Name": "Waiting"})).await.assert_error(400, 109);
    post(&app, "/api/modulestatuses/calllogs", &admin, json!({"Name": "Waiting", "Category": "later"}))
        .await
        .assert_error(400, 114);
    post(&app, "/api/modulestatuses/calllogs", &admin, json!({"Name": "open", "Category": "open"}))
        .await
        .assert_error(409, 112);
    let a = post(
        &app,
        "/api/modulestatuses/calllogs",
        &admin,
        json!({"Name": "New", "Category": "Open", "IsDefault": true}),
    )
    .await;
    assert_eq!(a.status, StatusCode::CREATED, "{}", a.text);
    let id = a.body["ModuleStatusId"].as_i64().unwrap();
    assert_eq!(a.header("location"), Some(format!("/api/modulestatus/{id}").as_str()));
    assert_eq!((a.body["IsDefault"].clone(), a.body["Category"].clone()), (json!(true), json!("open")));
    assert_eq!(get(&app, "/api/modulestatus/1", &admin).await.body["IsDefault"], false, "the old default was cleared");
    // New logs take the new default.
    let log = post(&app, "/api/calllogs", &agent, json!({"PropertyId": 1, "CallFrom": "x", "Subject": "s"})).await;
    assert_eq!(log.body["ModuleStatusId"], id);
    put(&app, &format!("/api/modulestatus/{id}"), &admin, json!({"Active": false})).await.assert_error(409, 112);
    put(&app, &format!("/api/modulestatus/{id}"), &admin, json!({"IsDefault": false})).await.assert_error(409, 112);
    put(&app, "/api/modulestatus/3", &admin, json!({"Active": false})).await;
    put(&app, "/api/modulestatus/3", &admin, json!({"IsDefault": true})).await.assert_error(409, 112);
    let a = put(&app, "/api/modulestatus/2", &admin, json!({"IsDefault": true, "Name": "Working"})).await;
    assert_eq!(a.status, StatusCode::OK, "{}", a.text);
    let all = get(&app, "/api/modulestatuses/calllogs?includeInactive=true", &admin).await;
    let defaults: Vec<i64> = all.body["Elements"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|s| s["IsDefault"] == true)
        .map(|s| s["ModuleStatusId"].as_i64().unwrap())
        .collect();
    assert_eq!(defaults, [2]);
    assert_eq!(all.body["Total"], 4);
    assert_eq!(get(&app, "/api/modulestatuses/calllogs", &admin).await.body["Total"], 3, "inactive hidden by default");
    let a = put(&app, "/api/modulestatus/1", &admin, json!({"Category": "closed", "DisplayOrder": 9})).await;
    assert_eq!(a.status, StatusCode::OK);
    let one = get(&app, "/api/modulestatus/1", &admin).await.body;
    assert_eq!((one["Category"].clone(), one["DisplayOrder"].clone()), (json!("closed"), json!(9)));
}

#[actix_web::test]
async fn renaming_a_status_keeps_the_name_recorded_in_old_comments() {
    app_with_directory!(app, admin);
    let log = post(
        &app,
        "/api/calllogs",
        &admin,
        json!({"PropertyId": 1, "CallFrom": "x", "Subject": "s", "NewComments": "first"}),
    )
    .await;
    put(&app, "/api/modulestatus/1", &admin, json!({"Name": "Received"})).await;
    let log = get(&app, &format!("/api/calllogs/{}", log.body["LogId"]), &admin).await;
    assert_eq!(log.body["OldComments"][0]["Status"], "Open");
}

/// Issue 16 item 1 (docs/api.md §1): one status or reason sent with the largest
/// 64-bit DisplayOrder made every later create without one answer 500 (the
/// next order overflowed). The value is refused now, naming the field, and
/// creates keep working; an entry at the top of the range still leaves room.
#[actix_web::test]
async fn a_display_order_past_its_bound_is_refused_and_cannot_poison_later_creates() {
    app_with_directory!(app, admin);
    // A status needs a Category; a reason takes none.
    let entry = |path: &str, name: &str, order: Option<i64>| {
        let mut body = json!({"Name": name});
        if path == "/api/modulestatuses/calllogs" {
            body["Category"] = json!("open");
        }
        if let Some(order) = order {
            body["DisplayOrder"] = json!(order);
        }
        body
    };
    for path in ["/api/modulestatuses/calllogs", "/api/calllogreasons"] {
        // The request Schemathesis found, then one past each bound.
        for order in [i64::MAX, -1, 1_000_001] {
            let a = post(&app, path, &admin, entry(path, "Big", Some(order))).await;
            a.assert_error(400, 114);
            assert_eq!(error_fields(&a), ["DisplayOrder"], "{path} {order}: {}", a.text);
        }
        let after = post(&app, path, &admin, entry(path, "After", None)).await;
        assert_eq!(after.status, StatusCode::CREATED, "{path}: {}", after.text);
        let again = post(&app, path, &admin, entry(path, "Again", None)).await;
        assert_eq!(again.status, StatusCode::CREATED, "{path}: {}", again.text);
    }
    // The bounds themselves are taken; at the top, the next entry stays at the top.
    let top = post(&app, "/api/calllogreasons", &admin, json!({"Name": "Top", "DisplayOrder": 1_000_000})).await;
    assert_eq!(top.status, StatusCode::CREATED, "{}", top.text);
    let next = post(&app, "/api/calllogreasons", &admin, json!({"Name": "Next"})).await;
    assert_eq!(
        (next.status, next.body["DisplayOrder"].clone()),
        (StatusCode::CREATED, json!(1_000_000)),
        "{}",
        next.text
    );
    let zero =
        post(&app, "/api/modulestatuses/calllogs", &admin, json!({"Name": "Z", "Category": "open", "DisplayOrder": 0}))
            .await;
    assert_eq!(zero.status, StatusCode::CREATED, "{}", zero.text);
    // A change is bounded too, through the JSON API and the console's form reader alike.
    let id = next.body["CallLogReasonId"].as_i64().unwrap();
    put(&app, &format!("/api/calllogreasons/{id}"), &admin, json!({"DisplayOrder": i64::MAX}))
        .await
        .assert_error(400, 114);
    put(&app, "/api/modulestatus/1", &admin, json!({"DisplayOrder": -5})).await.assert_error(400, 114);
    assert_eq!(get(&app, "/api/modulestatus/1", &admin).await.body["DisplayOrder"], 1, "nothing kept");
    // A unit's DisplayOrder in an import has the same bounds.
    let import = post(
        &app,
        "/api/admin/import",
        &admin,
        json!({"Units": [
        {"UnitId": 13, "PropertyId": 1, "UnitNumber": "103", "DisplayOrder": 1_000_001}]}),
    )
    .await;
    import.assert_error(400, 114);
    assert_eq!(error_fields(&import), ["Units[0].DisplayOrder"]);
}

/// What the steps after the bounds added (the lookup's name words, the office
/// settings, the search's names and stems: issue 18), taken away again to make a
/// database of before them.
const UNDO_SEARCH_NAMES_SQLITE: &str = "DROP TABLE call_log_stems; DROP TABLE search_names; \
     DROP INDEX call_log_reasons_by_reason; DROP TABLE name_words; DROP TABLE office_settings;";
const UNDO_SEARCH_NAMES_POSTGRES: &str = "DROP TABLE search_names; DROP INDEX call_log_reasons_by_reason; \
     DROP TABLE name_words; DROP TABLE office_settings;";

/// Issue 16 item 1: a database written before the bounds may hold orders
/// out of range; the upgrade brings them back to the nearest bound, and
/// creates without a DisplayOrder work on it.
#[actix_web::test]
async fn an_upgrade_brings_stored_display_orders_back_into_range() {
    app_with_directory!(app, admin);
    let out_of_range = "UPDATE reasons SET display_order = 9223372036854775807 WHERE reason_id = 8;
         UPDATE reasons SET display_order = -3 WHERE reason_id = 1;
         UPDATE statuses SET display_order = 5000000 WHERE status_id = 3;
         UPDATE units SET display_order = -7 WHERE unit_id = 12;";
    // The schema as it was before the step that binds them.
    execute_sql(
        &app,
        &format!(
            "{out_of_range} ALTER TABLE idempotency_keys DROP COLUMN fingerprint; {UNDO_SEARCH_NAMES_SQLITE} \
             PRAGMA user_version = 9;"
        ),
        &format!(
            "{out_of_range} ALTER TABLE idempotency_keys DROP COLUMN fingerprint; {UNDO_SEARCH_NAMES_POSTGRES} \
             DELETE FROM calllog_schema WHERE version >= 3;"
        ),
    )
    .await;
    let upgraded = open_app_on(app.database.clone()).await;
    let reasons = get(&upgraded, "/api/calllogreasons?includeInactive=true", &admin).await;
    let order = |id: i64| {
        reasons.body["Elements"].as_array().unwrap().iter().find(|r| r["CallLogReasonId"] == id).unwrap()
            ["DisplayOrder"]
            .clone()
    };
    assert_eq!((order(1), order(2), order(8)), (json!(0), json!(2), json!(1_000_000)), "{}", reasons.text);
    assert_eq!(get(&upgraded, "/api/modulestatus/3", &admin).await.body["DisplayOrder"], 1_000_000);
    assert_eq!(get(&upgraded, "/api/units/12", &admin).await.body["DisplayOrder"], 0);
    assert_eq!(get(&upgraded, "/api/units/11", &admin).await.body["DisplayOrder"], 2, "in range: unchanged");
    let created = post(&upgraded, "/api/calllogreasons", &admin, json!({"Name": "After the upgrade"})).await;
    assert_eq!(
        (created.status, created.body["DisplayOrder"].clone()),
        (StatusCode::CREATED, json!(1_000_000)),
        "{}",
        created.text
    );
}
