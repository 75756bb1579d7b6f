//! docs/api.md §1 and §2: wire conventions and the error table.

use crate::helpers::*;
use serde_json::json;

#[actix_web::test]
async fn paths_match_ignoring_case_and_a_trailing_slash() {
    app_with_directory!(app, admin);
    for path in ["/api/units/11", "/API/Units/11", "/api/UNITS/11/"] {
        let a = get(&app, path, &admin).await;
        assert_eq!(a.status, StatusCode::OK, "{path}: {}", a.text);
        assert_eq!(a.body["UnitNumber"], "101");
    }
}

#[actix_web::test]
async fn unknown_route_is_106_and_wrong_method_is_405_112() {
    app_with_directory!(app, admin);
    get(&app, "/api/nothing-here", &admin).await.assert_error(404, 106);
    call(&app, Method::GET, "/api/nothing-here", None, None).await.assert_error(404, 106);
    call(&app, Method::PATCH, "/api/units/11", Some(&admin), None).await.assert_error(405, 112);
    delete(&app, "/api/properties", &admin).await.assert_error(405, 112);
}

#[actix_web::test]
async fn every_documented_field_is_written_null_when_absent() {
    app_with_directory!(app, admin);
    let a = get(&app, "/api/properties/2", &admin).await;
    let object = a.body.as_object().unwrap();
    for field in [
        "PropertyId",
        "C4Uid",
        "PropertyName",
        "Address1",
        "Address2",
        "City",
        "State",
        "Zip",
        "EntityNumber",
        "LegalName",
        "PropertyTypeId",
        "PropertyStatus",
    ] {
        assert!(object.contains_key(field), "{field} missing in {}", a.text);
    }
    assert_eq!(object.len(), 12);
    assert!(a.body["C4Uid"].is_null());
    assert_eq!(a.body["PropertyStatus"], true);
}

#[actix_web::test]
async fn request_id_is_echoed_when_valid_and_generated_otherwise() {
    app_with_directory!(app, admin);
    let req = app.request(Method::GET, "/api/units/11").bearer_auth(&admin);
    let a = send(req.header("X-Request-Id", "abc-123_x.y")).await;
    assert_eq!(a.header("x-request-id"), Some("abc-123_x.y"));
    let bad = app.request(Method::GET, "/api/units/11").header("X-Request-Id", "no spaces allowed");
    let a = send(bad).await;
    let generated = a.header("x-request-id").unwrap();
    assert!(!generated.is_empty() && generated != "no spaces allowed");
    let long = "a".repeat(129);
    let a = send(app.request(Method::GET, "/healthz").header("X-Request-Id", long.as_str())).await;
    assert_ne!(a.header("x-request-id"), Some(long.as_str()));
    // Errors carry one too.
    let a = send(app.request(Method::GET, "/api/units/11")).await;
    assert!(a.header("x-request-id").is_some());
}

#[actix_web::test]
async fn body_property_names_match_ignoring_case() {
    app_with_directory!(app, admin);
    let a = post(
        &app,
        "/api/users",
        &admin,
        json!({"username": "lower", "PASSWORD": "long-enough-1", "rOlE": "viewer", "firstname": "Lo", "propertyids": [1]}),
    )
    .await;
    assert_eq!(a.status, StatusCode::CREATED, "{}", a.text);
    assert_eq!(a.body["UserName"], "lower");
    assert_eq!(a.body["FirstName"], "Lo");
    assert_eq!(a.body["Role"], "viewer");
    assert_eq!(a.body["PropertyIds"], json!([1]));
}

#[actix_web::test]
async fn query_names_match_ignoring_case_and_paging_rules_hold() {
    app_with_directory!(app, admin);
    let a = get(&app, "/api/properties?PropertyStatus=all&PAGESIZE=2&Page=2", &admin).await;
    assert_eq!(a.status, StatusCode::OK, "{}", a.text);
    assert_eq!(a.body["Total"], 3);
    assert_eq!(a.body["Elements"].as_array().unwrap().len(), 1);
    let past = get(&app, "/api/properties?propertystatus=All&pageSize=2&page=5", &admin).await;
    assert_eq!(past.body["Total"], 3);
    assert_eq!(past.body["Elements"], json!([]));
    get(&app, "/api/properties?pageSize=501", &admin).await.assert_error(400, 114);
    get(&app, "/api/properties?page=-1", &admin).await.assert_error(400, 114);
    let a = get(&app, "/api/properties?pageSize=500&page=0", &admin).await;
    assert_eq!(a.status, StatusCode::OK);
}

#[actix_web::test]
async fn multi_value_parameters_accept_three_spellings() {
    app_with_directory!(app, admin);
    for q in ["ids=1&ids=3", "ids[0]=1&ids[1]=3", "ids=1,3", "IDS%5B0%5D=1&Ids%5B1%5D=3"] {
        let a = get(&app, &format!("/api/properties?PropertyStatus=All&{q}"), &admin).await;
        assert_eq!(a.status, StatusCode::OK, "{q}: {}", a.text);
        let ids: Vec<i64> =
            a.body["Elements"].as_array().unwrap().iter().map(|p| p["PropertyId"].as_i64().unwrap()).collect();
        assert_eq!(a.body["Total"], 2, "{q}");
        assert!(ids.contains(&1) && ids.contains(&3), "{q}: {ids:?}");
    }
    get(&app, "/api/properties?ids=1,x", &admin).await.assert_error(400, 114);
}

#[actix_web::test]
async fn malformed_json_and_wrong_types_are_114_naming_the_field() {
    app_with_directory!(app, admin);
    let req = app
        .request(Method::POST, "/api/users")
        .bearer_auth(&admin)
        .header("Content-Type", "application/json")
        .body("{\"UserName\": \"x\",");
    send(req).await.assert_error(400, 114);
    let a = post(&app, "/api/users", &admin, json!({"UserName": "typed", "Password": 12345678, "Role": "agent"})).await;
    a.assert_error(400, 114);
    assert_eq!(a.body["Errors"][0]["Field"], "Password");
    let a = post(&app, "/api/users", &admin, json!(["not", "an", "object"])).await;
    a.assert_error(400, 114);
}

#[actix_web::test]
async fn missing_body_or_required_field_is_109() {
    app_with_directory!(app, admin);
    call(&app, Method::POST, "/api/users", Some(&admin), None).await.assert_error(400, 109);
    let a = post(&app, "/api/users", &admin, json!({"Password": "long-enough-1"})).await;
    a.assert_error(400, 109);
    let fields: Vec<&str> = a.body["Errors"].as_array().unwrap().iter().map(|e| e["Field"].as_str().unwrap()).collect();
    assert_eq!(fields, ["UserName", "Role"]);
}

#[actix_web::test]
async fn content_type_must_be_json_with_any_charset() {
    app_with_directory!(app, admin);
    let body = r#"{"UserName":"ct","Password":"long-enough-1","Role":"agent"}"#;
    let with = |ct: Option<&'static str>| {
        let mut req = app.request(Method::POST, "/api/users").bearer_auth(&admin).body(body);
        if let Some(ct) = ct {
            req = req.header("Content-Type", ct);
        }
        req
    };
    send(with(None)).await.assert_error(415, 118);
    send(with(Some("text/plain"))).await.assert_error(415, 118);
    send(with(Some("application/x-www-form-urlencoded"))).await.assert_error(415, 118);
    let a = send(with(Some("text/json; charset=utf-8"))).await;
    assert_eq!(a.status, StatusCode::CREATED, "{}", a.text);
}

#[actix_web::test]
async fn bodies_over_256_kib_are_413_111_before_parsing() {
    app_with_directory!(app, admin);
    let big = format!("{{\"UserName\":\"{}\"}}", "x".repeat(256 * 1024));
    let req = app
        .request(Method::POST, "/api/users")
        .bearer_auth(&admin)
        .header("Content-Type", "application/json")
        .body(big);
    send(req).await.assert_error(413, 111);
    // Not JSON at all, but too large: still 413, since the size is checked first.
    // (The directory import takes more: see directory_import.rs.)
    let req = app
        .request(Method::POST, "/api/calllogreasons")
        .bearer_auth(&admin)
        .header("Content-Type", "application/json")
        .body(vec![b'!'; 300 * 1024]);
    send(req).await.assert_error(413, 111);
}

#[actix_web::test]
async fn dates_are_written_in_the_configured_zone_across_dst() {
    let app = spawn_app_with(in_time_zone("America/New_York")).await;
    let admin = sign_in(&app, "admin", ADMIN_PASSWORD).await;
    let mut directory = sample_directory();
    directory["Residents"] = json!([
        {"ResidentId": 1, "PropertyId": 1, "UnitId": 11, "ResidentLastName": "Winter", "MoveInDate": "2026-03-08T06:59:59Z"},
        {"ResidentId": 2, "PropertyId": 1, "UnitId": 11, "ResidentLastName": "Summer", "MoveInDate": "2026-03-08T07:00:00Z"},
        {"ResidentId": 3, "PropertyId": 1, "UnitId": 11, "ResidentLastName": "Local", "MoveInDate": "2026-07-01T09:30:00"},
        {"ResidentId": 4, "PropertyId": 1, "UnitId": 11, "ResidentLastName": "Dated", "MoveInDate": "2026-12-24"}
    ]);
    let a = post(&app, "/api/admin/import", &admin, directory).await;
    assert_eq!(a.status, StatusCode::OK, "{}", a.text);
    let date = |id: i64| {
        let app = &app;
        let admin = admin.clone();
        async move {
            get(app, &format!("/api/residents/{id}"), &admin).await.body["MoveInDate"].as_str().unwrap().to_string()
        }
    };
    assert_eq!(date(1).await, "2026-03-08T01:59:59.0000000-05:00");
    assert_eq!(date(2).await, "2026-03-08T03:00:00.0000000-04:00");
    assert_eq!(date(3).await, "2026-07-01T09:30:00.0000000-04:00");
    assert_eq!(date(4).await, "2026-12-24T00:00:00.0000000-05:00");
}

#[actix_web::test]
async fn dates_keep_all_seven_fractional_digits() {
    app_with_directory!(app, admin);
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
async fn a_full_write_queue_answers_503_115_with_retry_after() {
    // docs/operations.md §6: on PostgreSQL, no pooled connection freeing up within the pool's wait.
    let app = spawn_app_with(one_write_at_a_time()).await;
    let admin = sign_in(&app, "admin", ADMIN_PASSWORD).await;
    // Occupy the writer (PostgreSQL: the only connection), then fill its one queue slot.
    let busy = busy_writer(&app).await;
    let a = post(&app, "/api/admin/import", &admin, json!({"Properties": [{"PropertyId": 9, "PropertyName": "Busy"}]}))
        .await;
    a.assert_error(503, 115);
    assert!(a.header("retry-after").is_some());
    busy.release().await;
    // Once drained, the same write succeeds.
    let a = post(&app, "/api/admin/import", &admin, json!({"Properties": [{"PropertyId": 9, "PropertyName": "Busy"}]}))
        .await;
    assert_eq!(a.status, StatusCode::OK, "{}", a.text);
}

#[actix_web::test]
async fn fifty_concurrent_writers_all_succeed_and_all_rows_are_present() {
    app_with_directory!(app, admin);
    let writes = (0..50).map(|i| {
        post(
            &app,
            "/api/admin/import",
            &admin,
            json!({"Properties": [{"PropertyId": 1000 + i, "PropertyName": format!("Concurrent {i}")}],
                   "Units": [{"UnitId": 10_000 + i, "PropertyId": 1000 + i, "UnitNumber": "1"}]}),
        )
    });
    let answers = futures_util::future::join_all(writes).await;
    for a in &answers {
        assert_eq!(a.status, StatusCode::OK, "{}", a.text);
    }
    let a = get(&app, "/api/properties?PropertyStatus=All&pageSize=500", &admin).await;
    assert_eq!(a.body["Total"], 53);
    let ids: Vec<String> = (0..50).map(|i| (10_000 + i).to_string()).collect();
    let a = get(&app, &format!("/api/units?unitIds={}&pageSize=100", ids.join(",")), &admin).await;
    assert_eq!(a.body["Total"], 50);
}

#[actix_web::test]
async fn health_and_readiness_need_no_token() {
    app_with_directory!(app, admin);
    let a = send(app.request(Method::GET, "/healthz")).await;
    assert_eq!((a.status, a.text.as_str()), (StatusCode::OK, "ok"));
    let a = send(app.request(Method::GET, "/readyz")).await;
    assert_eq!(a.status, StatusCode::OK);
}

/// Issue 16 item 10 (docs/api.md §1, §8; RFC 9110 §9.3.2): HEAD is answered
/// wherever GET is — API routes, errors, the CSV export, the console's
/// pages and assets, /healthz, /metrics, /help — with GET's status and
/// headers and no body; `Allow` and OPTIONS list it beside GET, the
/// console's pages included.
#[actix_web::test]
async fn head_is_answered_wherever_get_is_with_the_same_status_and_headers_and_no_body() {
    app_with_directory!(app, admin);
    let created = post(&app, "/api/calllogs", &admin, json!({"PropertyId": 1, "CallFrom": "c", "Subject": "s"})).await;
    let log_id = created.body["LogId"].as_i64().unwrap();
    let cookie = crate::console_pages::console_sign_in(&app, "admin", ADMIN_PASSWORD).await;
    let desk = send(app.request(Method::GET, "/desk").header("Cookie", &cookie)).await;
    let css = desk.text.split("href=\"/assets/").nth(1).unwrap().split('"').next().unwrap().to_string();
    // Headers whose values differ from one answer to the next by design.
    let varying = ["date", "x-request-id", "content-length"];
    let paths = [
        format!("/api/calllogs/{log_id}"),
        "/api/calllogs?pageSize=5".to_string(),
        "/api/calllogs/export.csv".to_string(),
        "/api/calllogs/999999".to_string(),
        "/api/Units/11".to_string(),
        "/api/openapi.json".to_string(),
        "/help".to_string(),
        "/healthz".to_string(),
        "/readyz".to_string(),
        "/metrics".to_string(),
        "/desk".to_string(),
        format!("/calls/{log_id}"),
        "/login".to_string(),
        format!("/assets/{css}"),
    ];
    for path in &paths {
        let request = |method: Method| app.request(method, path).bearer_auth(&admin).header("Cookie", &cookie);
        let got = send(request(Method::GET)).await;
        let head = send(request(Method::HEAD)).await;
        assert_eq!(head.status, got.status, "HEAD {path}");
        assert!(head.text.is_empty(), "HEAD {path} sent a body: {}", head.text);
        let names = |a: &Answer| {
            let mut names: Vec<String> = a.headers.keys().cloned().collect();
            names.sort();
            names
        };
        assert_eq!(names(&head), names(&got), "HEAD {path}");
        for (name, value) in &got.headers {
            if !varying.contains(&name.as_str()) {
                assert_eq!(head.header(name), Some(value.as_str()), "HEAD {path}: {name}");
            }
        }
        // A body of a known length is announced as the GET's (the metrics change between the two).
        if path != "/metrics" {
            assert_eq!(head.header("content-length"), got.header("content-length"), "HEAD {path}");
        }
    }
    // Not where GET is not served: such a path lists what it serves.
    let a = send(app.request(Method::HEAD, "/api/auth/token")).await;
    assert_eq!(a.status, StatusCode::METHOD_NOT_ALLOWED);
    assert_eq!(a.header("allow"), Some("POST, DELETE, OPTIONS"));
    // The console's pages list HEAD beside GET, and answer OPTIONS with the same.
    let a = send(app.request(Method::DELETE, "/desk").header("Cookie", &cookie)).await;
    assert_eq!((a.status, a.header("allow")), (StatusCode::METHOD_NOT_ALLOWED, Some("GET, HEAD, OPTIONS")));
    let a = send(app.request(Method::OPTIONS, "/calls/new")).await;
    assert_eq!((a.status, a.header("allow")), (StatusCode::NO_CONTENT, Some("GET, HEAD, POST, OPTIONS")));
    let a = send(app.request(Method::OPTIONS, "/api/calllogs")).await;
    assert_eq!((a.status, a.header("allow")), (StatusCode::NO_CONTENT, Some("GET, HEAD, POST, OPTIONS")));
}

// ---- docs/api.md §1: names in a body (issue 8 item 9) ----------------------------

/// Sends `body` as is, with `content_type`.
async fn raw(app: &TestApp, method: Method, path: &str, token: &str, content_type: &str, body: &str) -> Answer {
    send(app.request(method, path).bearer_auth(token).header("Content-Type", content_type).body(body.to_string())).await
}

fn first_error(a: &Answer) -> (String, String) {
    let e = &a.body["Errors"][0];
    (e["Field"].as_str().unwrap_or("").to_string(), e["Message"].as_str().unwrap_or("").to_string())
}

#[actix_web::test]
async fn a_misspelt_field_is_refused_with_a_hint_so_no_text_is_lost() {
    app_with_directory!(app, admin);
    let a = post(
        &app,
        "/api/calllogs",
        &admin,
        json!({"PropertyId": 1, "CallFrom": "c", "Subject": "s", "NewComment": "the plumber comes at 9"}),
    )
    .await;
    a.assert_error(400, 114);
    assert_eq!(
        first_error(&a),
        ("NewComment".to_string(), "is not a field of CallCenterActivityLog (did you mean NewComments?)".to_string())
    );
    assert!(a.body["Message"].as_str().unwrap().contains("did you mean NewComments?"), "{}", a.text);
    assert_eq!(get(&app, "/api/calllogs", &admin).await.body["Total"], 0, "nothing created");
    // A typo that also leaves a required field missing is still 114, the typo first.
    let a = post(&app, "/api/calllogs", &admin, json!({"PropertyId": 1, "CallFrom": "c", "Subjetc": "s"})).await;
    a.assert_error(400, 114);
    assert_eq!(error_fields(&a), ["Subjetc", "Subject"]);
    assert!(a.body["Errors"][0]["Message"].as_str().unwrap().ends_with("(did you mean Subject?)"));
    // A name far from every field gets no hint.
    let a = post(&app, "/api/calllogs", &admin, json!({"PropertyId": 1, "CallFrom": "c", "Subject": "s", "Xyzzy": 1}))
        .await;
    assert_eq!(first_error(&a), ("Xyzzy".to_string(), "is not a field of CallCenterActivityLog".to_string()));

    let created = post(&app, "/api/calllogs", &admin, json!({"PropertyId": 1, "CallFrom": "c", "Subject": "s"})).await;
    let path = format!("/api/calllogs/{}", created.body["LogId"]);
    let a = put(&app, &path, &admin, json!({"NewComment": "lost?"})).await;
    a.assert_error(400, 114);
    assert_eq!(first_error(&a).0, "NewComment");
    let a = raw(&app, Method::PUT, &path, &admin, "application/x-www-form-urlencoded", "NewComment=lost%3F").await;
    a.assert_error(400, 114);
    assert!(first_error(&a).1.contains("did you mean NewComments?"), "{}", a.text);
    assert_eq!(
        get(&app, &path, &admin).await.body["OldComments"],
        json!([]),
        "no comment was added, none lost silently"
    );
}

#[actix_web::test]
async fn the_whole_resource_as_read_may_be_sent_back() {
    app_with_directory!(app, admin);
    let created = post(
        &app,
        "/api/calllogs",
        &admin,
        json!({"PropertyId": 1, "UnitId": 11, "CallFrom": "c", "Subject": "s", "NewComments": "first"}),
    )
    .await;
    let path = format!("/api/calllogs/{}", created.body["LogId"]);
    let mut log = get(&app, &path, &admin).await.body;
    log["NewComments"] = json!("second");
    log["Notes"] = json!("edited");
    let a = put(&app, &path, &admin, log.clone()).await;
    assert_eq!(a.status, StatusCode::OK, "{}", a.text);
    let after = get(&app, &path, &admin).await.body;
    assert_eq!(after["Notes"], "edited");
    assert_eq!(after["OldComments"].as_array().unwrap().len(), 2);
    // The read log, posted again, makes a new one (LogId, OldComments, ModifiedOn ignored).
    let a = post(&app, "/api/calllogs", &admin, log).await;
    assert_eq!(a.status, StatusCode::CREATED, "{}", a.text);
    // Users, reasons and statuses likewise.
    let (user_id, _) = make_user(&app, &admin, "ulla", "agent", &[1]).await;
    let user_path = format!("/api/users/{user_id}");
    let mut user = get(&app, &user_path, &admin).await.body;
    user["FirstName"] = json!("Ulla");
    let a = put(&app, &user_path, &admin, user).await;
    assert_eq!(a.status, StatusCode::OK, "{}", a.text);
    assert_eq!(get(&app, &user_path, &admin).await.body["FirstName"], "Ulla");
    for path in ["/api/calllogreasons/1", "/api/modulestatus/2"] {
        let mut item = get(&app, path, &admin).await.body;
        item["DisplayOrder"] = json!(7);
        let a = put(&app, path, &admin, item).await;
        assert_eq!(a.status, StatusCode::OK, "{path}: {}", a.text);
        assert_eq!(get(&app, path, &admin).await.body["DisplayOrder"], 7);
    }
}

#[actix_web::test]
async fn the_same_property_twice_is_refused() {
    app_with_directory!(app, admin);
    let json = "application/json";
    for body in [
        r#"{"PropertyId": 2, "propertyid": 1, "CallFrom": "c", "Subject": "s"}"#,
        r#"{"PropertyId": 2, "PropertyId": 1, "CallFrom": "c", "Subject": "s"}"#,
    ] {
        let a = raw(&app, Method::POST, "/api/calllogs", &admin, json, body).await;
        a.assert_error(400, 114);
        assert_eq!(error_fields(&a), ["PropertyId"], "{}", a.text);
        assert!(a.body["Message"].as_str().unwrap().contains("send it once"), "{}", a.text);
    }
    assert_eq!(get(&app, "/api/calllogs", &admin).await.body["Total"], 0);
    let created = post(&app, "/api/calllogs", &admin, json!({"PropertyId": 1, "CallFrom": "c", "Subject": "s"})).await;
    let path = format!("/api/calllogs/{}", created.body["LogId"]);
    let form = "application/x-www-form-urlencoded";
    let a = raw(&app, Method::PUT, &path, &admin, form, "Notes=a&notes=b").await;
    a.assert_error(400, 114);
    assert_eq!(error_fields(&a), ["Notes"]);
    let a = raw(&app, Method::PUT, &path, &admin, json, r#"{"Notes": "a", "NOTES": "b"}"#).await;
    a.assert_error(400, 114);
    assert_eq!(get(&app, &path, &admin).await.body["Notes"], json!(null), "nothing written");
    // A list in a form is still one name given twice, spelt the same.
    let a = raw(&app, Method::PUT, &path, &admin, form, "LogReasons=1&LogReasons=2&Notes=ok").await;
    assert_eq!(a.status, StatusCode::OK, "{}", a.text);
    // Sign-in too: one password, not two.
    let a = send(
        app.request(Method::POST, "/api/auth/token")
            .header("Content-Type", json)
            .body(r#"{"UserName": "admin", "Password": "wrong", "password": "x"}"#),
    )
    .await;
    a.assert_error(400, 114);
}

#[actix_web::test]
async fn every_body_route_refuses_names_that_are_no_field() {
    app_with_directory!(app, admin);
    let cases = [
        (
            Method::POST,
            "/api/users".to_string(),
            json!({"UserName": "u1", "Password": "long enough", "Role": "agent", "Emial": "u@x"}),
            "Emial",
            "Email",
        ),
        (Method::PUT, "/api/users/1".to_string(), json!({"Actve": false}), "Actve", "Active"),
        (
            Method::POST,
            "/api/users/1/tokens".to_string(),
            json!({"Name": "n", "Expires": "2099-01-01"}),
            "Expires",
            "ExpiresOn",
        ),
        (Method::POST, "/api/calllogreasons".to_string(), json!({"Nmae": "Parking"}), "Nmae", "Name"),
        (Method::PUT, "/api/calllogreasons/1".to_string(), json!({"DisplayOrdr": 1}), "DisplayOrdr", "DisplayOrder"),
        (
            Method::POST,
            "/api/modulestatuses/calllogs".to_string(),
            json!({"Name": "Vendor", "Category": "pending", "Default": true}),
            "Default",
            "IsDefault",
        ),
        (Method::PUT, "/api/modulestatus/2".to_string(), json!({"Categori": "open"}), "Categori", "Category"),
        (Method::POST, "/api/admin/import".to_string(), json!({"Property": []}), "Property", "Properties"),
        (
            Method::POST,
            "/api/admin/import".to_string(),
            json!({"Units": [{"UnitId": 11, "PropertyId": 1, "UnitNumber": "101"},
                          {"UnitId": 12, "PropertyId": 1, "UnitNumber": "102", "UnitNo": "x"}]}),
            "Units[1].UnitNo",
            "UnitNumber",
        ),
    ];
    for (method, path, body, field, hint) in cases {
        let a = call(&app, method.clone(), &path, Some(&admin), Some(body)).await;
        a.assert_error(400, 114);
        let (named, message) = first_error(&a);
        assert_eq!(named, field, "{method} {path}: {}", a.text);
        assert!(message.ends_with(&format!("(did you mean {hint}?)")), "{method} {path}: {message}");
    }
    let a = call(
        &app,
        Method::POST,
        "/api/auth/token",
        None,
        Some(json!({"UserName": "admin", "Password": ADMIN_PASSWORD, "Pasword": "x"})),
    )
    .await;
    a.assert_error(400, 114);
    assert_eq!(first_error(&a).0, "Pasword");
    // Nothing was written by any of them.
    assert_eq!(get(&app, "/api/users", &admin).await.body["Total"], 1);
    assert_eq!(get(&app, "/api/calllogreasons", &admin).await.body["Total"], 8);
    // A repeat inside an import row names the row.
    let a = post(
        &app,
        "/api/admin/import",
        &admin,
        json!({"Units": [{"UnitId": 11, "PropertyId": 1, "UnitNumber": "101", "unitnumber": "9"}]}),
    )
    .await;
    a.assert_error(400, 114);
    assert_eq!(error_fields(&a), ["Units[0].UnitNumber"]);
    // Fields of the resource the route does not take are ignored.
    let a =
        post(&app, "/api/calllogreasons", &admin, json!({"Name": "Parking", "CallLogReasonId": 99, "Active": false}))
            .await;
    assert_eq!(a.status, StatusCode::CREATED, "{}", a.text);
}
