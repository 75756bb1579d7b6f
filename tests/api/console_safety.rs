//! docs/console.md §5, what a page must never do: take an API token for a
//! session, let an unknown `Sec-Fetch-Site` past the cross-site check, say
//! what its address tells it to, or show user text reversed by a
//! bidirectional control.

use crate::console_pages::{console_sign_in, csrf_for, get_page, post_form, unescape, Page};
use crate::helpers::*;
use serde_json::json;

#[actix_web::test]
async fn an_api_token_in_the_session_cookie_is_no_session() {
    let app = spawn_app().await;
    let admin = sign_in(&app, "admin", ADMIN_PASSWORD).await;
    let minted = post(&app, "/api/users/1/tokens", &admin, json!({"Name": "desk script"})).await;
    assert_eq!(minted.status, StatusCode::CREATED, "{}", minted.text);
    let api_token = minted.body["Token"].as_str().unwrap();
    assert_eq!(get(&app, "/api/users/me", api_token).await.status, StatusCode::OK, "a working API token");

    let cookie = format!("calllog_session={api_token}");
    for (path, next) in [("/desk", "/login?next=%2Fdesk"), ("/admin", "/login?next=%2Fadmin")] {
        let page = get_page(&app, path, Some(&cookie)).await;
        assert_eq!((page.status, page.header("location")), (StatusCode::SEE_OTHER, next), "{path}");
    }
    let lookup = desk_lookup(&app, &cookie, "same-origin").await;
    assert_eq!(lookup.status(), StatusCode::UNAUTHORIZED);
    // Its form token would be derived from it: a form posted with both is still no session's.
    let csrf = calllog::console::session::csrf_for(api_token);
    let forged = [("csrf", csrf.as_str()), ("Name", "Forged")];
    let posted = post_form(&app, "/admin/reasons", Some(&cookie), &forged, "same-origin").await;
    assert_eq!(posted.header("location"), "/login?next=%2Fadmin%2Freasons");
    assert!(!get(&app, "/api/calllogreasons", &admin).await.text.contains("Forged"));

    // A session token from the sign-in form is one.
    let session = console_sign_in(&app, "admin", ADMIN_PASSWORD).await;
    assert_eq!(get_page(&app, "/desk", Some(&session)).await.status, StatusCode::OK);
}

#[actix_web::test]
async fn a_sec_fetch_site_value_browsers_never_send_counts_as_cross_site() {
    let app = spawn_app().await;
    let fields = [("UserName", "admin"), ("Password", ADMIN_PASSWORD)];
    for site in ["same-origin-please", "unknown", ""] {
        // Even with this site's Origin, which alone would pass.
        let refused = app
            .request(Method::POST, "/login")
            .header("Content-Type", "application/x-www-form-urlencoded")
            .header("Sec-Fetch-Site", site)
            .header("Origin", &app.address)
            .body(serde_urlencoded::to_string(fields).unwrap())
            .send()
            .await
            .unwrap();
        assert_eq!(refused.status(), StatusCode::FORBIDDEN, "sign-in with Sec-Fetch-Site {site:?}");
        assert!(refused.headers().get("set-cookie").is_none());
    }

    let cookie = console_sign_in(&app, "admin", ADMIN_PASSWORD).await;
    let csrf = csrf_for(&app, &cookie).await;
    let reason = [("csrf", csrf.as_str()), ("Name", "Odd header")];
    let refused = post_form(&app, "/admin/reasons", Some(&cookie), &reason, "same-origin-please").await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);
    let admin = sign_in(&app, "admin", ADMIN_PASSWORD).await;
    assert!(!get(&app, "/api/calllogreasons", &admin).await.text.contains("Odd header"), "nothing written");
    let lookup = desk_lookup(&app, &cookie, "same-origin-please").await;
    assert_eq!(lookup.status(), StatusCode::FORBIDDEN, "the page script's reads too");
    // The values browsers send still pass.
    let accepted = post_form(&app, "/admin/reasons", Some(&cookie), &reason, "same-origin").await;
    assert_eq!(accepted.status, StatusCode::SEE_OTHER, "{}", accepted.body);
}

#[actix_web::test]
async fn a_cross_site_post_is_refused_before_its_body_is_read() {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let app = spawn_app().await;
    let cookie = console_sign_in(&app, "admin", ADMIN_PASSWORD).await;
    let csrf = csrf_for(&app, &cookie).await;
    // Over the forms' body limit: read first, this would be a 413.
    let big = format!("csrf={csrf}&Name=Big&Notes={}", "x".repeat(1 << 20));
    let refused = app
        .request(Method::POST, "/admin/reasons")
        .header("Cookie", &cookie)
        .header("Sec-Fetch-Site", "cross-site")
        .header("Content-Type", "application/x-www-form-urlencoded")
        .body(big)
        .send()
        .await
        .unwrap();
    assert_eq!(refused.status(), StatusCode::FORBIDDEN);
    assert!(refused.headers()["content-security-policy"].to_str().unwrap().contains("default-src 'none'"));

    // A body announced and never sent: the answer does not wait for it.
    let mut stream = tokio::net::TcpStream::connect(app.address.trim_start_matches("http://")).await.unwrap();
    let head = format!(
        "POST /login HTTP/1.1\r\nHost: {}\r\nSec-Fetch-Site: cross-site\r\n\
         Content-Type: application/x-www-form-urlencoded\r\nContent-Length: 100000\r\n\r\n",
        app.address.trim_start_matches("http://")
    );
    stream.write_all(head.as_bytes()).await.unwrap();
    let mut answer = Vec::new();
    let read = tokio::time::timeout(std::time::Duration::from_secs(10), async {
        let mut buffer = [0u8; 4096];
        while !answer.windows(4).any(|w| w == b"\r\n\r\n") {
            let n = stream.read(&mut buffer).await.unwrap();
            if n == 0 {
                break;
            }
            answer.extend_from_slice(&buffer[..n]);
        }
    })
    .await;
    assert!(read.is_ok(), "no answer without the body: {:?}", String::from_utf8_lossy(&answer));
    assert!(answer.starts_with(b"HTTP/1.1 403"), "{:?}", String::from_utf8_lossy(&answer));
    let admin = sign_in(&app, "admin", ADMIN_PASSWORD).await;
    assert!(!get(&app, "/api/calllogreasons", &admin).await.text.contains("Big"), "nothing written");
}

/// What a spoofer would have a page say.
const SPOOF: &str = "Your account is locked call 555-0100";

/// The page's text without its form fields' values (a search box shows
/// the search it ran: that is the form's state, not the page speaking).
fn said(page: &Page) -> String {
    let mut text = String::new();
    let mut rest = page.body.as_str();
    while let Some(at) = rest.find("value=\"") {
        text.push_str(&rest[..at]);
        let after = &rest[at + "value=\"".len()..];
        rest = &after[after.find('"').map_or(after.len(), |end| end + 1)..];
    }
    text.push_str(rest);
    unescape(&text).replace(['+', '%'], " ")
}

#[actix_web::test]
async fn admin_notices_come_from_a_fixed_set() {
    let app = spawn_app().await;
    let cookie = console_sign_in(&app, "admin", ADMIN_PASSWORD).await;
    let saved = get_page(&app, "/admin?done=user", Some(&cookie)).await;
    assert!(saved.shows("The user was saved."), "{}", saved.body);
    let imported = get_page(&app, "/admin?done=import&properties=2&units=1&residents=0", Some(&cookie)).await;
    assert!(imported.shows("Done: imported 2 properties, 1 unit, 0 residents."), "{}", imported.body);

    let query = serde_urlencoded::to_string([("done", SPOOF)]).unwrap();
    for path in [
        format!("/admin?{query}"),
        format!("/admin?done=import&properties={}&units=1&residents=1", SPOOF.replace(' ', "+")),
    ] {
        let page = get_page(&app, &path, Some(&cookie)).await;
        assert_eq!(page.status, StatusCode::OK);
        assert!(!page.body.contains("id=\"notice\""), "no notice for {path}: {}", page.body);
        assert!(!said(&page).contains("account is locked"), "{path}: {}", page.body);
    }
}

#[actix_web::test]
async fn no_page_repeats_free_text_from_its_address() {
    app_with_directory!(app, admin);
    api_log(&app, &admin).await;
    let cookie = console_sign_in(&app, "admin", ADMIN_PASSWORD).await;
    let spoof = SPOOF.replace(' ', "%20");
    for path in [
        format!("/calls/{spoof}"),
        format!("/properties/{spoof}"),
        format!("/calls?propertyId={spoof}"),
        format!("/calls?from={spoof}"),
        format!("/calls?sort={spoof}"),
        format!("/calls?status={spoof}"),
        format!("/calls?page={spoof}"),
        format!("/desk?residentId={spoof}"),
        format!("/desk?unitId={spoof}"),
        format!("/calls/new?unitId={spoof}"),
        format!("/calls/new?propertyId={spoof}"),
        format!("/account?changed={spoof}"),
    ] {
        let page = get_page(&app, &path, Some(&cookie)).await;
        assert!(page.status.is_client_error() || page.status.is_success(), "{path}: {}", page.status);
        assert!(!said(&page).contains("account is locked"), "{path} repeats its address: {}", page.body);
    }
    // What was refused is still named, by its parameter.
    let refused = get_page(&app, &format!("/calls?from={spoof}"), Some(&cookie)).await;
    assert_eq!(refused.status, StatusCode::BAD_REQUEST);
    assert!(refused.shows("the value given for from"), "{}", refused.body);
    // The API, which answers the client that sent the value, still quotes it.
    let api = get(&app, "/api/calllogs?from=yesterdayish", &admin).await;
    assert!(api.text.contains("yesterdayish"), "{}", api.text);
}

async fn api_log(app: &TestApp, admin: &str) -> i64 {
    let created =
        post(app, "/api/calllogs", admin, json!({"PropertyId": 1, "ResidentId": 111, "Subject": "Leak"})).await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.text);
    created.body["LogId"].as_i64().unwrap()
}

/// Every bidirectional control (docs/console.md §5, docs/api.md's text rules).
const BIDI: [char; 12] = [
    '\u{202A}', '\u{202B}', '\u{202C}', '\u{202D}', '\u{202E}', '\u{2066}', '\u{2067}', '\u{2068}', '\u{2069}',
    '\u{200E}', '\u{200F}', '\u{061C}',
];

#[actix_web::test]
async fn bidirectional_controls_in_user_text_never_reach_a_page() {
    app_with_directory!(app, admin);
    let subject = "Invoice \u{202E}fdp.exe";
    let created = post(
        &app,
        "/api/calllogs",
        &admin,
        json!({"PropertyId": 1, "UnitId": 11, "CallFrom": "Bob \u{2067}Lee\u{2069}", "Subject": subject,
               "NewComments": "Sent \u{202E}3 copies\u{202C} today"}),
    )
    .await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.text);
    let id = created.body["LogId"].as_i64().unwrap();
    let named = post(
        &app,
        "/api/users",
        &admin,
        json!({"UserName": "mallory", "Password": "a-long-password-9", "FirstName": "Mal\u{202E}lory", "Role": "agent",
               "PropertyIds": [1]}),
    )
    .await;
    assert_eq!(named.status, StatusCode::CREATED, "{}", named.text);
    // Stored as sent: the API answers what it was given.
    assert_eq!(get(&app, &format!("/api/calllogs/{id}"), &admin).await.body["Subject"], subject);

    let cookie = console_sign_in(&app, "admin", ADMIN_PASSWORD).await;
    for path in [
        format!("/calls/{id}"),
        "/calls".to_string(),
        "/desk".to_string(),
        "/desk?unitId=11".to_string(),
        "/properties/1".to_string(),
        "/admin".to_string(),
        format!("/desk?q=%23{id}"),
    ] {
        let page = get_page(&app, &path, Some(&cookie)).await;
        assert_eq!(page.status, StatusCode::OK, "{path}: {}", page.body);
        assert!(!page.body.contains(BIDI), "{path} shows a bidirectional control: {}", page.body);
    }
    let call = get_page(&app, &format!("/calls/{id}"), Some(&cookie)).await;
    for logical in ["Invoice fdp.exe", "Bob Lee", "Sent 3 copies today"] {
        assert!(call.shows(logical), "{logical} in the order typed: {}", call.body);
    }
    assert!(get_page(&app, "/admin", Some(&cookie)).await.shows("Mallory"), "the name in the order typed");
}
