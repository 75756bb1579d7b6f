//! Bad input never produces a 5xx: every route, fed malformed bodies, odd
//! query strings and out-of-range ids, answers a documented 4xx.

use crate::helpers::*;

const ROUTES: &[(&str, &str)] = &[
    ("POST", "/api/auth/token"),
    ("GET", "/api/users"),
    ("POST", "/api/users"),
    ("GET", "/api/users/1"),
    ("PUT", "/api/users/1"),
    ("GET", "/api/users/1/properties"),
    ("POST", "/api/users/1/tokens"),
    ("GET", "/api/users/1/tokens"),
    ("DELETE", "/api/users/1/tokens/1"),
    ("GET", "/api/properties"),
    ("GET", "/api/properties/1"),
    ("GET", "/api/properties/1/units"),
    ("GET", "/api/properties/1/residents"),
    ("GET", "/api/properties/1/calllogs"),
    ("GET", "/api/units"),
    ("GET", "/api/units/11"),
    ("GET", "/api/units/11/owner"),
    ("GET", "/api/units/11/residents"),
    ("GET", "/api/units/11/calllogs"),
    ("GET", "/api/residents/111"),
    ("GET", "/api/residents/111/calllogs"),
    ("POST", "/api/admin/import"),
    ("GET", "/api/calllogs"),
    ("POST", "/api/calllogs"),
    ("GET", "/api/calllogs/1"),
    ("PUT", "/api/calllogs/1"),
    ("DELETE", "/api/calllogs/1"),
    ("POST", "/api/calllogs/1/restore"),
    ("GET", "/api/calllogs/1/history"),
    ("GET", "/api/calllogreasons"),
    ("POST", "/api/calllogreasons"),
    ("GET", "/api/calllogreasons/1"),
    ("PUT", "/api/calllogreasons/1"),
    ("GET", "/api/modulestatuses/calllogs"),
    ("POST", "/api/modulestatuses/calllogs"),
    ("GET", "/api/modulestatus/1"),
    ("PUT", "/api/modulestatus/1"),
];

const BODIES: &[&[u8]] = &[
    b"{}",
    b"[]",
    b"null",
    b"\"text\"",
    b"12",
    b"{\"PropertyId\": 1e400, \"Subject\": {\"a\": 1}, \"LogReasons\": \"1,2\"}",
    b"{\"PropertyId\": 99999999999999999999, \"UnitId\": -1, \"CreatedOn\": 5}",
    b"{\"Properties\": [1, 2], \"Units\": {}, \"Residents\": null}",
    b"{\"Properties\": [{\"PropertyId\": 1.5, \"PropertyName\": []}]}",
    b"{\"Name\": \"\\u0000\", \"Category\": 3, \"IsDefault\": \"yes\", \"DisplayOrder\": 1e10}",
    b"{\"UserName\": \"x\", \"Password\": null, \"Role\": [\"admin\"], \"PropertyIds\": [0, -3]}",
    b"{\"LogId\": \"1\", \"Notes\": false, \"ModuleStatusId\": {}, \"NewComments\": 7}",
    b"{\"ExpiresOn\": \"2026-02-30\", \"Name\": 1}",
    b"{\"a\":",
    b"\xff\xfe{\"Subject\": \"\xc3\x28\"}",
];

const QUERIES: &[&str] = &[
    "?page=99999999999999999999",
    "?page=9223372036854775807&pageSize=500",
    "?pageSize=abc&status=%ZZ",
    "?from=%00&to=2026-99-01&modifiedSince=x",
    "?status[x]=1&reason[]=2&ids=,,,&unitIds=1,a",
    "?sort=createdon;DROP%20TABLE%20call_logs&order=desc",
    "?PropertyStatus=Everything&includeInactive=2&q=%22unterminated",
];

#[actix_web::test]
async fn no_input_produces_a_server_error() {
    app_with_directory!(app, admin);
    let created =
        post(&app, "/api/calllogs", &admin, serde_json::json!({"PropertyId": 1, "CallFrom": "x", "Subject": "s"}))
            .await;
    assert_eq!(created.status.as_u16(), 201);
    let mut checked = 0;
    for (method, path) in ROUTES {
        let method = Method::from_bytes(method.as_bytes()).unwrap();
        for body in BODIES {
            let req = app
                .request(method.clone(), path)
                .bearer_auth(&admin)
                .header("Content-Type", "application/json")
                .body(body.to_vec());
            let a = send(req).await;
            assert!(a.status.as_u16() < 500, "{method} {path} with {:?}: {}", String::from_utf8_lossy(body), a.text);
            if a.status.is_client_error() {
                assert!(a.code() >= 100, "{method} {path}: error without a code: {}", a.text);
            }
            checked += 1;
        }
        for query in QUERIES {
            let a = call(&app, method.clone(), &format!("{path}{query}"), Some(&admin), None).await;
            assert!(a.status.as_u16() < 500, "{method} {path}{query}: {}", a.text);
            checked += 1;
        }
        for id in ["9223372036854775808", "-1", "1.0", "%20", "x"] {
            let odd = path.replacen('1', id, 1);
            let a = call(&app, method.clone(), &odd, Some(&admin), None).await;
            assert!(a.status.as_u16() < 500, "{method} {odd}: {}", a.text);
            checked += 1;
        }
    }
    assert_eq!(checked, ROUTES.len() * (BODIES.len() + QUERIES.len() + 5));
    // And the service is still whole afterwards (the sweep revoked token 1, the admin's session).
    let admin = sign_in(&app, "admin", ADMIN_PASSWORD).await;
    let again =
        post(&app, "/api/calllogs", &admin, serde_json::json!({"PropertyId": 1, "CallFrom": "x", "Subject": "after"}))
            .await;
    assert_eq!(again.status.as_u16(), 201, "{}", again.text);
    assert_eq!(get(&app, "/api/calllogs?propertyId=1", &admin).await.status.as_u16(), 200);
}

/// docs/api.md §1: a NUL (U+0000) in text is kept as U+FFFD on both engines
/// (PostgreSQL cannot store a NUL in text; it answered 500 before).
#[actix_web::test]
async fn a_nul_in_text_is_kept_as_a_replacement_character_on_both_engines() {
    app_with_directory!(app, admin);
    let created = post(
        &app,
        "/api/calllogs",
        &admin,
        serde_json::json!({"PropertyId": 1, "CallFrom": "a\u{0}b", "Subject": "s\u{0}t", "Notes": "n\u{0}"}),
    )
    .await;
    assert_eq!(created.status.as_u16(), 201, "{}", created.text);
    assert_eq!(
        (created.body["CallFrom"].as_str(), created.body["Subject"].as_str(), created.body["Notes"].as_str()),
        (Some("a\u{FFFD}b"), Some("s\u{FFFD}t"), Some("n\u{FFFD}"))
    );
    let reason = post(&app, "/api/calllogreasons", &admin, serde_json::json!({"Name": "x\u{0}y"})).await;
    assert_eq!((reason.status.as_u16(), reason.body["Name"].as_str()), (201, Some("x\u{FFFD}y")), "{}", reason.text);
    let sign_in = call(
        &app,
        Method::POST,
        "/api/auth/token",
        None,
        Some(serde_json::json!({"UserName": "adm\u{0}in", "Password": "whatever-1"})),
    )
    .await;
    sign_in.assert_error(401, 101);
}

/// The text filters of lists compare with stored text, whose NULs are kept
/// as U+FFFD: a NUL in one is read the same way (PostgreSQL refused it: 500).
#[actix_web::test]
async fn a_nul_in_a_text_filter_matches_as_stored() {
    app_with_directory!(app, admin);
    let created = post(
        &app,
        "/api/calllogs",
        &admin,
        serde_json::json!({"PropertyId": 1, "CallFrom": "c", "Subject": "s", "Takenby": "Ma\u{0}ria"}),
    )
    .await;
    assert_eq!(created.status.as_u16(), 201, "{}", created.text);
    let found = get(&app, "/api/calllogs?takenBy=ma%00ria", &admin).await;
    assert_eq!((found.status.as_u16(), found.body["Total"].as_i64()), (200, Some(1)), "{}", found.text);
    for path in ["/api/properties/1/units?unitNumber=1%00&residentName=a%00", "/api/properties/1/residents?name=a%00"] {
        assert_eq!(get(&app, path, &admin).await.status.as_u16(), 200, "{path}");
    }
}
