//! docs/console.md §5 in a real browser: cross-site forms, the cookie and the API, roles.

use super::*;
use crate::helpers::get;
use serde_json::json;

/// A `data:` page (an opaque origin, so `Sec-Fetch-Site: cross-site`) with a
/// form that posts `fields` to `action` and sends itself on load would need a
/// script; the test clicks its button instead.
fn cross_site_form(action: &str, fields: &[(&str, &str)]) -> String {
    let inputs: String =
        fields.iter().map(|(name, value)| format!("<input type=hidden name=\"{name}\" value=\"{value}\">")).collect();
    format!("data:text/html,<h1>elsewhere</h1><form method=post action=\"{action}\">{inputs}<button type=submit>go</button></form>")
}

#[actix_web::test]
#[ignore = "needs chromium + chromedriver (run by .ci/run)"]
async fn a_cross_site_post_gets_a_403_page_and_writes_nothing() {
    let (app, admin) = staffed_app().await;
    let mut browser = open(&app).await;
    browser.sign_in("agnes", "agnes-password").await;
    browser.goto("/calls/new?residentId=111").await;
    // Even with the real form token and idempotency key, from another site.
    let csrf = browser.field_value("csrf").await;
    let key = browser.field_value("IdempotencyKey").await;
    let fields = [
        ("csrf", csrf.as_str()),
        ("IdempotencyKey", key.as_str()),
        ("PropertyId", "1"),
        ("ResidentId", "111"),
        ("Subject", "Forged"),
    ];
    browser.client.goto(&cross_site_form(&browser.url("/calls/new"), &fields)).await.unwrap();
    browser.find("button[type=submit]").await.click().await.unwrap();
    browser.wait_for_path("the app's answer", |p| p == "/calls/new").await;
    assert_eq!(browser.status().await, 403, "a cross-site POST is refused");
    browser.h1().await;
    let logs = get(&app, "/api/calllogs", &admin).await;
    assert_eq!(logs.body["Total"], 0, "nothing written: {}", logs.text);

    // Sign-in from another site is refused too (its first check applies to /login).
    let fields = [("UserName", "agnes"), ("Password", "agnes-password")];
    browser.client.goto(&cross_site_form(&browser.url("/login"), &fields)).await.unwrap();
    browser.find("button[type=submit]").await.click().await.unwrap();
    browser.wait_for_path("the app's answer", |p| p.starts_with("/login")).await;
    assert_eq!(browser.status().await, 403, "a cross-site sign-in is refused");
    browser.finish().await;
}

#[actix_web::test]
#[ignore = "needs chromium + chromedriver (run by .ci/run)"]
async fn the_session_cookie_never_authenticates_the_api() {
    let (app, _) = staffed_app().await;
    let mut browser = open(&app).await;
    browser.sign_in("agnes", "agnes-password").await;
    browser.goto("/desk").await;
    // The page's own script can send the cookie to /api/: it is not a credential there.
    let api =
        browser.js("return fetch('/api/calllogs', {credentials: 'same-origin'}).then(r => r.status);", vec![]).await;
    assert_eq!(api, json!(401), "the session cookie sent to /api/ gets 401");
    // The console's own lookup takes the cookie.
    let lookup = browser
        .js(
            "return fetch('/desk/lookup?q=cole', {credentials: 'same-origin'}).then(r => r.json()).then(b => b.Total);",
            vec![],
        )
        .await;
    assert!(lookup.as_u64().is_some_and(|n| n >= 1), "the desk lookup answers the session: {lookup}");
    // Opening an API URL in the signed-in browser is refused the same way.
    browser.goto("/api/calllogs").await;
    assert_eq!(browser.status().await, 401);
    browser.finish().await;
}

#[actix_web::test]
#[ignore = "needs chromium + chromedriver (run by .ci/run)"]
async fn a_viewer_sees_no_write_forms() {
    let (app, admin) = staffed_app().await;
    let id = api_log(&app, &admin, json!({"PropertyId": 1, "ResidentId": 111, "Subject": "Viewer check"})).await;
    let mut browser = open(&app).await;
    browser.sign_in("vic", "vic-password").await;
    // Sign-out is the one form a viewer may post.
    let writes = "form[method=post]:not([action='/logout'])";
    for path in ["/desk", "/desk?residentId=111", &format!("/calls/{id}"), "/calls", "/properties/1"] {
        browser.goto(path).await;
        assert_eq!(browser.status().await, 200, "{path}");
        browser.h1().await;
        assert!(!browser.exists(writes).await, "a viewer sees no write form on {path}");
        assert!(!browser.exists("a[href^='/calls/new']").await, "no 'Log a call' link for a viewer on {path}");
        assert!(!browser.exists("textarea[name=NewComments]").await, "no comment box on {path}");
    }
    browser.goto("/calls/new").await;
    assert_eq!(browser.status().await, 403, "a viewer cannot open the log-a-call form");
    // Property links apply as in the API: vic is linked to property 1 only.
    browser.goto("/properties/2").await;
    assert_eq!(browser.status().await, 403, "a page of an unlinked property is a 403 page");
    browser.h1().await;
    browser.finish().await;
}

#[actix_web::test]
#[ignore = "needs chromium + chromedriver (run by .ci/run)"]
async fn an_agent_gets_403_on_admin_and_sees_no_admin_link() {
    let (app, _) = staffed_app().await;
    let mut browser = open(&app).await;
    browser.sign_in("agnes", "agnes-password").await;
    browser.goto("/desk").await;
    assert!(!browser.exists("a[href^='/admin']").await, "an agent's pages do not link to /admin");
    browser.goto("/admin").await;
    assert_eq!(browser.status().await, 403, "an agent gets 403 on /admin");
    browser.h1().await;
    browser.finish().await;
}
