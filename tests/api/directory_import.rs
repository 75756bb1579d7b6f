//! docs/api.md §1, §6: the directory import at real size (64 MiB, read as a
//! stream) and residents who have moved out.

use crate::console_pages::{console_sign_in, get_page};
use crate::helpers::*;
use serde_json::{json, Value};
use std::io::{Read, Write};

/// `count` residents in one property of 100 units, as the outside system sends them.
fn large_directory(count: i64) -> Value {
    let units: Vec<Value> = (0..100)
        .map(|u| json!({"UnitId": 1000 + u, "PropertyId": 9, "UnitNumber": format!("{}", 100 + u), "DisplayOrder": u}))
        .collect();
    let residents: Vec<Value> = (0..count)
        .map(|i| {
            json!({"ResidentId": 100_000 + i, "PropertyId": 9, "UnitId": 1000 + i % 100,
                   "ResidentFirstName": format!("First{i}"), "ResidentLastName": format!("Resident{i}"),
                   "ResidentCellphone": format!("555-{:07}", i), "ResidentType": 2, "MoveInDate": "2020-01-01"})
        })
        .collect();
    json!({"Properties": [{"PropertyId": 9, "PropertyName": "Big Tower"}], "Units": units, "Residents": residents})
}

#[actix_web::test]
async fn a_directory_of_10000_residents_over_256_kib_imports_in_one_request() {
    let app = spawn_app().await;
    let admin = sign_in(&app, "admin", ADMIN_PASSWORD).await;
    let body = large_directory(10_000);
    assert!(body.to_string().len() > 1024 * 1024, "the body is well over 256 KiB");
    let a = post(&app, "/api/admin/import", &admin, body).await;
    assert_eq!(a.status, StatusCode::OK, "{}", a.text);
    assert_eq!(a.body, json!({"Properties": 1, "Units": 100, "Residents": 10_000}));
    let found = get(&app, "/api/lookup?q=resident9999", &admin).await;
    assert_eq!(found.body["Elements"][0]["Id"], 109_999, "{}", found.text);
    let r = get(&app, "/api/residents/105000", &admin).await;
    assert_eq!(r.body["ResidentFirstName"], "First5000");
}

#[actix_web::test]
async fn a_large_import_with_one_bad_row_names_it_and_writes_nothing() {
    let app = spawn_app().await;
    let admin = sign_in(&app, "admin", ADMIN_PASSWORD).await;
    let mut body = large_directory(3_000);
    body["Residents"][2_999]["UnitId"] = json!(77);
    let a = post(&app, "/api/admin/import", &admin, body).await;
    a.assert_error(400, 114);
    assert_eq!(error_fields(&a), ["Residents[2999].UnitId"]);
    assert_eq!(get(&app, "/api/properties", &admin).await.body["Total"], 0, "nothing written");
}

#[actix_web::test]
async fn the_import_body_is_still_checked_in_the_usual_order() {
    let app = spawn_app().await;
    let admin = sign_in(&app, "admin", ADMIN_PASSWORD).await;
    let import = || app.request(Method::POST, "/api/admin/import").bearer_auth(&admin);
    // Over 256 KiB is no longer too large here: not JSON is 400/114.
    let not_json = import().header("Content-Type", "application/json").body(vec![b'!'; 300 * 1024]);
    send(not_json).await.assert_error(400, 114);
    let cut = import().header("Content-Type", "application/json").body(r#"{"Properties": [{"PropertyId": 1"#);
    let a = send(cut).await;
    a.assert_error(400, 114);
    assert!(a.body["Message"].as_str().unwrap().contains("incomplete"), "{}", a.text);
    send(import().header("Content-Type", "application/json").body("[]")).await.assert_error(400, 114);
    send(import().header("Content-Type", "application/json").body("  \n")).await.assert_error(400, 109);
    send(import().header("Content-Type", "text/plain").body("{}")).await.assert_error(415, 118);
    let agent = make_user(&app, &admin, "agnes", "agent", &[]).await.1;
    let refused = app
        .request(Method::POST, "/api/admin/import")
        .bearer_auth(&agent)
        .header("Content-Type", "application/json")
        .body("{}");
    send(refused).await.assert_error(403, 102);
}

/// Sends headers that announce `length` bytes and no body: the answer must
/// come from the declared length alone.
fn declare_body(address: &str, token: &str, length: u64) -> (u16, Value) {
    let mut stream = std::net::TcpStream::connect(address.trim_start_matches("http://")).unwrap();
    stream.set_read_timeout(Some(std::time::Duration::from_secs(30))).unwrap();
    write!(
        stream,
        "POST /api/admin/import HTTP/1.1\r\nHost: localhost\r\nAuthorization: Bearer {token}\r\n\
         Content-Type: application/json\r\nContent-Length: {length}\r\n\r\n{{"
    )
    .unwrap();
    let mut answer = Vec::new();
    let mut buf = [0u8; 4096];
    // Read up to the end of the JSON body (the connection may stay open).
    while let Ok(n) = stream.read(&mut buf) {
        if n == 0 {
            break;
        }
        answer.extend_from_slice(&buf[..n]);
        let text = String::from_utf8_lossy(&answer);
        if let Some((_, body)) = text.split_once("\r\n\r\n") {
            if serde_json::from_str::<Value>(body.trim()).is_ok() {
                break;
            }
        }
    }
    let text = String::from_utf8_lossy(&answer).to_string();
    let status = text.split_whitespace().nth(1).and_then(|s| s.parse().ok()).unwrap_or(0);
    let body = text.split_once("\r\n\r\n").and_then(|(_, b)| serde_json::from_str(b.trim()).ok());
    (status, body.unwrap_or(Value::Null))
}

#[actix_web::test]
async fn an_import_over_64_mib_is_413_111_before_its_body_is_read() {
    let app = spawn_app().await;
    let admin = sign_in(&app, "admin", ADMIN_PASSWORD).await;
    let address = app.address.clone();
    let (status, body) =
        tokio::task::spawn_blocking(move || declare_body(&address, &admin, 64 * 1024 * 1024 + 1)).await.unwrap();
    assert_eq!(status, 413, "{body}");
    assert_eq!(body["Code"], 111);
    assert_eq!(body["Message"], "The request body is larger than 64 MiB.");
}

// ---- move-outs ------------------------------------------------------------

/// The sample directory with resident 112 (José Núñez, unit 11) moved out
/// in the past and resident 111 (Ann Cole) moving out in the future.
async fn move_out(app: &TestApp, admin: &str) {
    let a = post(
        app,
        "/api/admin/import",
        admin,
        json!({"Residents": [
            {"ResidentId": 112, "PropertyId": 1, "UnitId": 11, "ResidentFirstName": "José", "ResidentLastName": "Núñez",
             "ResidentType": 3, "MoveOutDate": "2025-01-31"},
            {"ResidentId": 111, "PropertyId": 1, "UnitId": 11, "ResidentFirstName": "Ann", "ResidentMiddleInitial": "B",
             "ResidentLastName": "Cole", "ResidentType": 1, "MoveOutDate": "2999-12-31T12:00:00Z"}
        ]}),
    )
    .await;
    assert_eq!(a.status, StatusCode::OK, "{}", a.text);
}

#[actix_web::test]
async fn a_move_out_date_is_read_on_import_and_written_in_answers() {
    app_with_directory!(app, admin);
    move_out(&app, &admin).await;
    let r = get(&app, "/api/residents/112", &admin).await;
    assert_eq!(r.body["MoveOutDate"], "2025-01-31T00:00:00.0000000+00:00");
    assert_eq!(get(&app, "/api/residents/211", &admin).await.body["MoveOutDate"], Value::Null);
    // Still a resident of the unit in the directory: the copy is the outside system's.
    let unit = get(&app, "/api/units/11/residents", &admin).await;
    assert_eq!(ids(&unit, "ResidentId"), [111, 112]);
    let bad = post(
        &app,
        "/api/admin/import",
        &admin,
        json!({"Residents": [{"ResidentId": 112, "PropertyId": 1, "UnitId": 11, "ResidentLastName": "Núñez",
                              "MoveOutDate": "last week"}]}),
    )
    .await;
    bad.assert_error(400, 114);
    assert_eq!(error_fields(&bad), ["Residents[0].MoveOutDate"]);
}

#[actix_web::test]
async fn the_lookup_no_longer_offers_a_resident_who_moved_out() {
    app_with_directory!(app, admin);
    assert_eq!(get(&app, "/api/lookup?q=nunez", &admin).await.body["Total"], 1);
    move_out(&app, &admin).await;
    assert_eq!(get(&app, "/api/lookup?q=nunez", &admin).await.body["Total"], 0);
    // A move-out in the future takes effect on its day, not before.
    let ann = get(&app, "/api/lookup?q=ann%20cole", &admin).await;
    assert_eq!(ann.body["Elements"][0]["Id"], 111, "{}", ann.text);
    // The unit is still found, by its number.
    assert_eq!(get(&app, "/api/lookup?q=101", &admin).await.body["Elements"][0]["Kind"], "Unit");
}

#[actix_web::test]
async fn a_new_log_naming_a_resident_who_moved_out_is_400_114_and_old_logs_keep_them() {
    app_with_directory!(app, admin);
    let old = post(&app, "/api/calllogs", &admin, json!({"PropertyId": 1, "ResidentId": 112, "Subject": "Leak"})).await;
    assert_eq!(old.status, StatusCode::CREATED, "{}", old.text);
    let old_id = old.body["LogId"].as_i64().unwrap();
    move_out(&app, &admin).await;

    let a = post(&app, "/api/calllogs", &admin, json!({"PropertyId": 1, "ResidentId": 112, "Subject": "Again"})).await;
    a.assert_error(400, 114);
    assert_eq!(error_fields(&a), ["ResidentId"]);
    assert!(a.text.contains("moved out") && a.text.contains("CallFrom"), "{}", a.text);
    // As the message says: the same call with CallFrom instead.
    let logged = post(
        &app,
        "/api/calllogs",
        &admin,
        json!({"PropertyId": 1, "UnitId": 11, "CallFrom": "José Núñez (former owner)", "Subject": "Again"}),
    )
    .await;
    assert_eq!(logged.status, StatusCode::CREATED, "{}", logged.text);
    // Not yet moved out: still linked.
    let ann =
        post(&app, "/api/calllogs", &admin, json!({"PropertyId": 1, "ResidentId": 111, "Subject": "Noise"})).await;
    assert_eq!(ann.status, StatusCode::CREATED, "{}", ann.text);

    let kept = get(&app, &format!("/api/calllogs/{old_id}"), &admin).await;
    assert_eq!((kept.body["ResidentId"].as_i64(), kept.body["CallFrom"].as_str()), (Some(112), Some("José Núñez")));
    assert_eq!(ids(&get(&app, "/api/residents/112/calllogs", &admin).await, "LogId"), [old_id]);
    let updated = put(&app, &format!("/api/calllogs/{old_id}"), &admin, json!({"NewComments": "Fixed."})).await;
    assert_eq!(updated.status, StatusCode::OK, "an old log stays open to updates: {}", updated.text);
}

#[actix_web::test]
async fn the_console_does_not_offer_a_resident_who_moved_out_for_a_new_call() {
    app_with_directory!(app, admin);
    move_out(&app, &admin).await;
    let cookie = console_sign_in(&app, "admin", ADMIN_PASSWORD).await;

    let card = get_page(&app, "/desk?unitId=11", Some(&cookie)).await;
    assert_eq!(card.status, StatusCode::OK, "{}", card.body);
    assert!(card.body.contains("residentId=111") && !card.body.contains("residentId=112"), "{}", card.body);

    let theirs = get_page(&app, "/desk?residentId=112", Some(&cookie)).await;
    assert!(theirs.shows("(moved out)"), "{}", theirs.body);
    assert!(theirs.body.contains("/calls/new?unitId=11") && !theirs.body.contains("/calls/new?residentId=112"));

    let form = get_page(&app, "/calls/new?residentId=112", Some(&cookie)).await;
    assert_eq!(form.status, StatusCode::OK, "{}", form.body);
    assert!(form.shows("has moved out; type the caller's name"), "{}", form.body);
    assert!(form.body.contains("id=\"CallFrom\""), "the caller is typed: {}", form.body);
    assert!(!form.body.contains("type=\"hidden\" name=\"ResidentId\""), "{}", form.body);
    let present = get_page(&app, "/calls/new?residentId=111", Some(&cookie)).await;
    assert!(present.shows("Ann B. Cole") && !present.body.contains("id=\"CallFrom\""), "{}", present.body);
}

#[actix_web::test]
async fn a_units_owner_is_one_who_has_not_moved_out() {
    app_with_directory!(app, admin);
    let former = json!({"Residents": [{"ResidentId": 100, "PropertyId": 1, "UnitId": 11, "ResidentLastName": "Former",
                                       "ResidentType": 1, "MoveOutDate": "2024-12-31"}]});
    assert_eq!(post(&app, "/api/admin/import", &admin, former).await.status, StatusCode::OK);
    assert_eq!(get(&app, "/api/units/11/owner", &admin).await.body["ResidentId"], 111);
    move_out(&app, &admin).await; // Ann (111) moves out only in 2999: still the owner.
    assert_eq!(get(&app, "/api/units/11/owner", &admin).await.body["ResidentId"], 111);
    let gone = json!({"Residents": [{"ResidentId": 111, "PropertyId": 1, "UnitId": 11, "ResidentLastName": "Cole",
                                     "ResidentType": 1, "MoveOutDate": "2025-01-01"}]});
    assert_eq!(post(&app, "/api/admin/import", &admin, gone).await.status, StatusCode::OK);
    get(&app, "/api/units/11/owner", &admin).await.assert_error(404, 106);
}

#[actix_web::test]
async fn an_import_replaces_the_whole_row_and_the_lookup_follows() {
    app_with_directory!(app, admin);
    let with_phone = json!({"Residents": [{"ResidentId": 112, "PropertyId": 1, "UnitId": 11, "ResidentLastName": "Núñez",
                                           "ResidentCellphone": "305-555-8642", "MoveOutDate": "2020-01-01"}]});
    assert_eq!(post(&app, "/api/admin/import", &admin, with_phone).await.status, StatusCode::OK);
    assert_eq!(get(&app, "/api/lookup?q=8642", &admin).await.body["Total"], 0, "moved out");
    let again = json!({"Residents": [{"ResidentId": 112, "PropertyId": 1, "UnitId": 11, "ResidentLastName": "Núñez",
                                      "ResidentCellphone": "305-555-8642"}]});
    assert_eq!(post(&app, "/api/admin/import", &admin, again).await.status, StatusCode::OK);
    let r = get(&app, "/api/residents/112", &admin).await;
    assert_eq!((r.body["MoveOutDate"].clone(), r.body["ResidentFirstName"].clone()), (Value::Null, Value::Null));
    assert_eq!(get(&app, "/api/lookup?q=8642", &admin).await.body["Elements"][0]["Id"], 112);
    let without =
        json!({"Residents": [{"ResidentId": 112, "PropertyId": 1, "UnitId": 11, "ResidentLastName": "Núñez"}]});
    assert_eq!(post(&app, "/api/admin/import", &admin, without).await.status, StatusCode::OK);
    assert_eq!(get(&app, "/api/residents/112", &admin).await.body["ResidentCellphone"], Value::Null);
    assert_eq!(get(&app, "/api/lookup?q=8642", &admin).await.body["Total"], 0);
}
