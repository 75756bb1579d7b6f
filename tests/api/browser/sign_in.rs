//! docs/console.md §1 and §5: signing in and out in a real browser.

use super::*;

#[actix_web::test]
#[ignore = "needs chromium + chromedriver (run by .ci/run)"]
async fn a_wrong_password_reshows_the_form_then_sign_in_goes_to_the_page_asked_for() {
    let (app, _) = staffed_app().await;
    let mut browser = open(&app).await;

    // A page without a session sends the visitor to sign in, and back after.
    browser.goto("/calls").await;
    let path = browser.path().await;
    assert!(path.starts_with("/login?next="), "a page without a session goes to /login?next=…, got {path}");
    assert_eq!(browser.h1().await, "Sign in");
    assert_eq!(browser.focused().await, "UserName", "the empty form starts on the user name");

    browser.fill("UserName", "agnes").await;
    browser.fill("Password", "not-her-password").await;
    browser.submit_form_of("Password").await;
    browser.find("[role=alert]").await;
    assert!(browser.path().await.starts_with("/login"), "a wrong password stays on the sign-in page");
    assert_eq!(browser.field_value("UserName").await, "agnes", "the typed user name is kept");
    assert_eq!(browser.field_value("Password").await, "", "the password is not sent back");
    let alert = browser.find("[role=alert]").await.text().await.unwrap();
    assert!(!alert.trim().is_empty(), "the form says what went wrong");
    assert_eq!(browser.focused().await, "error-summary", "the error summary takes the focus");

    browser.fill("Password", "agnes-password").await;
    browser.submit_form_of("Password").await;
    browser.wait_for_path("the page asked for", |p| p == "/calls").await;
    let names = browser.page_text().await;
    assert!(names.contains("agnes Tester"), "the header names who is signed in: {names}");

    // The session cookie is out of the page's reach and stays on this site.
    let cookies = browser.client.get_all_cookies().await.unwrap();
    let session = cookies.iter().find(|c| c.name() == "calllog_session").expect("a session cookie");
    assert_eq!(session.http_only(), Some(true), "HttpOnly");
    assert_eq!(format!("{:?}", session.same_site()), "Some(Strict)", "SameSite=Strict");
    assert_eq!(session.path(), Some("/"));
    let script_sees = browser.js("return document.cookie;", vec![]).await;
    assert!(!script_sees.as_str().unwrap().contains("calllog_session"), "scripts cannot read it: {script_sees}");

    // Signing out ends the session: pages ask for sign-in again.
    browser.find("form[action=\"/logout\"] button[type=submit]").await.click().await.unwrap();
    browser.wait_for_path("sign-out to land on /login", |p| p.starts_with("/login")).await;
    browser.goto("/desk").await;
    let path = browser.path().await;
    assert!(path.starts_with("/login?next="), "signed out, /desk asks for sign-in again, got {path}");
    browser.finish().await;
}

#[actix_web::test]
#[ignore = "needs chromium + chromedriver (run by .ci/run)"]
async fn changing_the_password_on_account_signs_out_the_other_sessions_only() {
    let (app, _) = staffed_app().await;
    let other = crate::helpers::sign_in(&app, "agnes", "agnes-password").await;
    let mut browser = open(&app).await;
    browser.sign_in("agnes", "agnes-password").await;
    browser.goto("/account").await;
    assert!(browser.page_text().await.contains("agent"), "the account shows the role");

    // A wrong current password changes nothing.
    browser.fill("CurrentPassword", "not-it").await;
    browser.fill("NewPassword", "a-new-password-2").await;
    browser.submit_form_of("NewPassword").await;
    browser.find("#error-summary").await;
    assert_eq!(crate::helpers::get(&app, "/api/calllogs", &other).await.status.as_u16(), 200);

    browser.fill("CurrentPassword", "agnes-password").await;
    browser.fill("NewPassword", "a-new-password-2").await;
    browser.submit_form_of("NewPassword").await;
    browser.find("#password-changed").await;
    let elsewhere = crate::helpers::get(&app, "/api/calllogs", &other).await;
    assert_eq!(elsewhere.status.as_u16(), 401, "the other session is signed out: {}", elsewhere.text);
    browser.goto("/desk").await;
    assert_eq!(browser.path().await, "/desk", "this browser stays signed in");
    crate::helpers::sign_in(&app, "agnes", "a-new-password-2").await;
    browser.finish().await;
}
