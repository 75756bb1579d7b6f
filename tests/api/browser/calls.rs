//! docs/console.md §1 and §4: one call's page, the log-a-call form, and never losing typed text.

use super::*;
use crate::helpers::{get, put, sign_in};
use fantoccini::key::Key;
use serde_json::json;

#[actix_web::test]
#[ignore = "needs chromium + chromedriver (run by .ci/run)"]
async fn a_comment_with_a_status_change_joins_the_thread() {
    let (app, admin) = staffed_app().await;
    let id = api_log(&app, &admin, json!({"PropertyId": 1, "ResidentId": 111, "Subject": "Dripping tap"})).await;
    let mut browser = open(&app).await;
    browser.sign_in("agnes", "agnes-password").await;
    browser.goto(&format!("/calls/{id}")).await;

    browser.fill("NewComments", "Plumber booked for Tuesday").await;
    browser.find("select[name=ModuleStatusId]").await.select_by_value("2").await.unwrap();
    browser.submit_form_of("NewComments").await;
    browser.wait_for_text("Plumber booked for Tuesday").await;
    assert_eq!(browser.path().await, format!("/calls/{id}"), "the update redirects back to the call");
    assert_eq!(browser.field_value("NewComments").await, "", "the comment box is empty again");

    let thread = browser.find(".thread, [aria-labelledby=thread-title]").await.text().await.unwrap();
    assert!(thread.contains("agnes Tester"), "each comment names its user: {thread}");
    assert!(thread.contains("In Progress"), "each comment names its status: {thread}");
    let token = sign_in(&app, "agnes", "agnes-password").await;
    let log = get(&app, &format!("/api/calllogs/{id}"), &token).await;
    assert_eq!(log.body["ModuleStatusId"], 2, "{}", log.text);
    let comments = log.body["OldComments"].as_array().unwrap();
    assert_eq!(comments.len(), 1, "one comment written: {}", log.text);
    assert_eq!(comments[0]["Comment"], "Plumber booked for Tuesday");
    assert_eq!(comments[0]["Status"], "In Progress");
    browser.screenshots("call").await;
    browser.finish().await;
}

#[actix_web::test]
#[ignore = "needs chromium + chromedriver (run by .ci/run)"]
async fn a_conflicting_edit_from_another_session_keeps_the_typed_text() {
    let (app, admin) = staffed_app().await;
    let id = api_log(&app, &admin, json!({"PropertyId": 1, "UnitId": 11, "CallFrom": "Desk", "Subject": "Gate stuck"}))
        .await;
    let mut browser = open(&app).await;
    browser.sign_in("agnes", "agnes-password").await;
    browser.goto(&format!("/calls/{id}")).await;
    browser.fill("NewComments", "Called the gate company").await;
    browser.fill("Notes", "Side gate only").await;

    // Meanwhile someone else comments on the same call.
    let other = put(&app, &format!("/api/calllogs/{id}"), &admin, json!({"NewComments": "Gate fixed by staff"})).await;
    assert_eq!(other.status.as_u16(), 200, "{}", other.text);

    browser.submit_form_of("NewComments").await;
    browser.wait_for_text("Gate fixed by staff").await;
    let text = browser.page_text().await;
    assert!(text.to_lowercase().contains("conflict"), "the page says the call changed meanwhile: {text}");
    assert_eq!(browser.field_value("NewComments").await, "Called the gate company", "the typed comment is kept");
    assert_eq!(browser.field_value("Notes").await, "Side gate only", "the typed notes are kept");
    let log = get(&app, &format!("/api/calllogs/{id}"), &admin).await;
    let comments: Vec<&str> =
        log.body["OldComments"].as_array().unwrap().iter().map(|c| c["Comment"].as_str().unwrap()).collect();
    assert_eq!(comments, ["Gate fixed by staff"], "the conflicting write did not happen");
    browser.screenshots("call-conflict").await;

    // Sending again, now against the version shown, goes through.
    browser.submit_form_of("NewComments").await;
    browser.wait_for_text("Called the gate company").await;
    let log = get(&app, &format!("/api/calllogs/{id}"), &admin).await;
    assert_eq!(log.body["OldComments"].as_array().unwrap().len(), 2, "{}", log.text);
    assert_eq!(log.body["Notes"], "Side gate only");
    browser.finish().await;
}

#[actix_web::test]
#[ignore = "needs chromium + chromedriver (run by .ci/run)"]
async fn validation_errors_keep_every_typed_field() {
    let (app, admin) = staffed_app().await;
    let mut browser = open(&app).await;
    browser.sign_in("agnes", "agnes-password").await;
    browser.goto("/calls/new").await;

    // Everything but a subject, which is required.
    browser.find("select[name=PropertyId]").await.select_by_value("1").await.unwrap();
    browser.fill("UnitNumber", "101").await; // the unit by its number, never its id
    browser.fill("CallFrom", "Pool vendor 555-0100").await;
    browser.find("input[name=LogReasons][value='3']").await.click().await.unwrap();
    browser.find("input[name=LogReasons][value='7']").await.click().await.unwrap();
    browser.fill("Subject", "").await;
    browser.find("select[name=ModuleStatusId]").await.select_by_value("2").await.unwrap();
    browser.fill("Notes", "Invoice 42 disputed").await;
    browser.submit_form_of("Subject").await;

    let summary = browser.find("#error-summary").await;
    assert!(summary.text().await.unwrap().contains("Subject"), "the summary names the field");
    assert_eq!(browser.focused().await, "error-summary", "the summary takes the focus");
    let link = browser.find("#error-summary a[href='#Subject']").await;
    assert!(link.is_displayed().await.unwrap(), "the summary links to the field");
    assert!(browser.exists("#Subject-error").await, "the error stands next to its field");
    assert_eq!(browser.field_value("PropertyId").await, "1");
    assert_eq!(browser.field_value("UnitNumber").await, "101");
    assert_eq!(browser.field_value("CallFrom").await, "Pool vendor 555-0100");
    assert_eq!(browser.field_value("ModuleStatusId").await, "2");
    assert_eq!(browser.field_value("Notes").await, "Invoice 42 disputed");
    let checked = browser
        .js("return [...document.querySelectorAll('input[name=LogReasons]:checked')].map(e => e.value);", vec![]);
    assert_eq!(checked.await, json!(["3", "7"]), "the ticked reasons stay ticked");
    browser.screenshots("call-new-errors").await;
    let none = get(&app, "/api/calllogs", &admin).await;
    assert_eq!(none.body["Total"], 0, "nothing logged: {}", none.text);

    // Adding the subject logs it with everything typed before.
    browser.fill("Subject", "Invoice dispute").await;
    browser.submit_form_of("Subject").await;
    browser.wait_for_path("the new call", |p| p.starts_with("/calls/") && !p.starts_with("/calls/new")).await;
    let logs = get(&app, "/api/calllogs", &admin).await;
    assert_eq!(logs.body["Total"], 1, "{}", logs.text);
    let log = &logs.body["Elements"][0];
    assert_eq!(log["CallFrom"], "Pool vendor 555-0100");
    assert_eq!(log["UnitId"], 11);
    assert_eq!(log["LogReasons"], json!([3, 7]));
    assert_eq!(log["ModuleStatusId"], 2);
    assert_eq!(log["Notes"], "Invoice 42 disputed");
    browser.finish().await;
}

#[actix_web::test]
#[ignore = "needs chromium + chromedriver (run by .ci/run)"]
async fn drafts_come_back_after_a_reload_and_leave_with_sign_out() {
    let (app, admin) = staffed_app().await;
    let id =
        api_log(&app, &admin, json!({"PropertyId": 1, "UnitId": 12, "CallFrom": "Desk", "Subject": "Lobby light"}))
            .await;
    let mut browser = open(&app).await;
    browser.sign_in("agnes", "agnes-password").await;

    let new_call = "/calls/new?residentId=111";
    browser.goto(new_call).await;
    browser.find("input[name=LogReasons][value='2']").await.click().await.unwrap();
    browser.fill("Subject", "Late fee question").await;
    browser.fill("Notes", "Asked about March").await;
    browser.client.refresh().await.unwrap();
    browser.find("input[name=Subject]").await;
    assert_eq!(browser.field_value("Subject").await, "Late fee question", "the subject draft is back");
    assert_eq!(browser.field_value("Notes").await, "Asked about March", "the notes draft is back");
    let ticked = browser.find("input[name=LogReasons][value='2']").await.is_selected().await.unwrap();
    assert!(ticked, "the ticked reason is back");

    // The comment form keeps its own draft, across leaving the page.
    browser.goto(&format!("/calls/{id}")).await;
    browser.fill("NewComments", "Electrician on the way").await;
    browser.goto("/desk").await;
    browser.goto(&format!("/calls/{id}")).await;
    browser.find("textarea[name=NewComments]").await;
    assert_eq!(browser.field_value("NewComments").await, "Electrician on the way", "the comment draft is back");

    // Sign-out removes the drafts.
    browser.find("form[action=\"/logout\"] button[type=submit]").await.click().await.unwrap();
    browser.wait_for_path("sign-out", |p| p.starts_with("/login")).await;
    browser.sign_in("agnes", "agnes-password").await;
    browser.goto(new_call).await;
    assert_eq!(browser.field_value("Subject").await, "", "no draft after signing out");
    browser.goto(&format!("/calls/{id}")).await;
    assert_eq!(browser.field_value("NewComments").await, "", "no comment draft after signing out");
    browser.finish().await;
}

#[actix_web::test]
#[ignore = "needs chromium + chromedriver (run by .ci/run)"]
async fn a_double_submit_or_a_retry_makes_one_log() {
    let (app, admin) = staffed_app().await;
    let mut browser = open(&app).await;
    browser.sign_in("agnes", "agnes-password").await;
    browser.goto("/calls/new?residentId=112").await;
    browser.find("input[name=LogReasons][value='1']").await.click().await.unwrap();
    browser.fill("Subject", "Double click").await;
    let key = browser.field_value("IdempotencyKey").await;
    assert!(!key.is_empty(), "the form carries an idempotency key");

    // The same form sent twice, as an impatient double click does, then once
    // more by script as a retry after a network error would.
    let body = browser.js(
        "const form = document.querySelector('form[data-draft]') || document.querySelector('form[method=post]:has([name=Subject])');
         const data = new URLSearchParams(new FormData(form));
         const button = form.querySelector('button[type=submit]');
         button.click(); button.click();
         return data.toString();",
        vec![],
    );
    let body = body.await;
    let path =
        browser.wait_for_path("the new call", |p| p.starts_with("/calls/") && !p.starts_with("/calls/new")).await;
    let retried = browser
        .js(
            "return fetch('/calls/new', {method: 'POST', body: arguments[0], redirect: 'follow',
                 headers: {'Content-Type': 'application/x-www-form-urlencoded'}})
               .then(r => new URL(r.url).pathname + ' ' + r.status);",
            vec![body],
        )
        .await;
    assert_eq!(retried, json!(format!("{path} 200")), "the retry lands on the same call");

    let logs = get(&app, "/api/calllogs", &admin).await;
    assert_eq!(logs.body["Total"], 1, "one log for one form: {}", logs.text);
    assert_eq!(format!("/calls/{}", logs.body["Elements"][0]["LogId"]), path);
    browser.finish().await;
}

#[actix_web::test]
#[ignore = "needs chromium + chromedriver (run by .ci/run)"]
async fn a_session_lost_while_typing_signs_in_and_returns_to_the_form_with_the_draft() {
    let (app, admin) = staffed_app().await;
    let mut browser = open(&app).await;
    browser.sign_in("agnes", "agnes-password").await;
    let form = "/calls/new?residentId=111";
    browser.goto(form).await;
    browser.find("input[name=LogReasons][value='4']").await.click().await.unwrap();
    browser.fill("Subject", "Fence height question").await;
    browser.fill("Notes", "Wants to build a 6 ft fence").await;

    // The session ends while the agent types (as at expiry): the cookie is gone.
    browser.client.delete_cookie("calllog_session").await.unwrap();
    browser.submit_form_of("Subject").await;
    let login = browser.wait_for_path("the sign-in page", |p| p.starts_with("/login")).await;
    assert!(login.contains("next="), "sign-in knows where to go back: {login}");
    let logs = crate::helpers::get(&app, "/api/calllogs", &admin).await;
    assert_eq!(logs.body["Total"], 0, "nothing logged without a session: {}", logs.text);

    browser.fill("UserName", "agnes").await;
    browser.fill("Password", "agnes-password").await;
    browser.submit_form_of("Password").await;
    browser.wait_for_path("back to the form", |p| p == form).await;
    browser.find("input[name=Subject]").await;
    assert_eq!(browser.field_value("Subject").await, "Fence height question", "the draft is intact");
    assert_eq!(browser.field_value("Notes").await, "Wants to build a 6 ft fence");
    assert!(browser.find("input[name=LogReasons][value='4']").await.is_selected().await.unwrap());
    browser.finish().await;
}

#[actix_web::test]
#[ignore = "needs chromium + chromedriver (run by .ci/run)"]
async fn the_call_list_filters_by_status_and_links_each_row() {
    let (app, admin) = staffed_app().await;
    let open_id = api_log(&app, &admin, json!({"PropertyId": 1, "ResidentId": 111, "Subject": "Still open"})).await;
    let closed = json!({"PropertyId": 2, "ResidentId": 211, "Subject": "All done", "ModuleStatusId": 3});
    let closed_id = api_log(&app, &admin, closed).await;
    let mut browser = open(&app).await;
    browser.sign_in("agnes", "agnes-password").await;
    browser.goto("/calls").await;
    let text = browser.page_text().await;
    assert!(text.contains("Still open") && text.contains("All done"), "both calls listed: {text}");

    browser.find("input[name=status][value='3']").await.click().await.unwrap();
    browser
        .find("form.filters button[type=submit], form[action='/calls'] button[type=submit]")
        .await
        .click()
        .await
        .unwrap();
    let path = browser.wait_for_path("the filtered list", |p| p.contains("status=3")).await;
    let text = browser.page_text().await;
    assert!(text.contains("All done") && !text.contains("Still open"), "{path} lists only closed calls: {text}");
    assert!(browser.find("input[name=status][value='3']").await.is_selected().await.unwrap(), "the filter stays set");

    browser.find(&format!("a[href='/calls/{closed_id}']")).await.click().await.unwrap();
    browser.wait_for_path("the call", |p| p == format!("/calls/{closed_id}")).await;
    assert!(browser.h1().await.contains("All done"));
    browser.goto("/calls?q=open&propertyId=1&sort=logid&order=asc").await;
    assert!(browser.exists(&format!("a[href='/calls/{open_id}']")).await, "the same query names as the API");
    browser.finish().await;
}

/// docs/console.md §1, §7: a caller who is not in the directory (a realtor, a
/// vendor) is logged with the property and unit found by typing their names
/// or numbers; the ids travel in the form's fields; the call's page then
/// names the unit by number and its history speaks in sentences.
#[actix_web::test]
#[ignore = "needs chromium + chromedriver (run by .ci/run)"]
async fn a_caller_not_in_the_directory_is_placed_by_typing_the_units_number() {
    let (app, admin) = staffed_app().await;
    let mut browser = open(&app).await;
    browser.sign_in("agnes", "agnes-password").await;
    browser.goto("/calls/new").await;
    assert_eq!(browser.focused().await, "place", "the focus starts on the box that finds the property or unit");
    let mut keys = browser.keyboard();
    keys.text("101").await;
    browser.wait_for_lookup("101").await;
    let options = browser.find("#place-results").await.text().await.unwrap();
    assert!(options.contains("Unit 101") && !options.contains("Cole"), "units and properties only: {options}");
    keys.key(Key::Enter).await;
    assert_eq!(browser.focused().await, "CallFrom", "choosing moves on to the caller");
    assert_eq!(browser.field_value("PropertyId").await, "1");
    assert_eq!(browser.field_value("UnitNumber").await, "101");
    assert_eq!(browser.field_value("UnitId").await, "11");
    keys.text("A realtor, 555-0100").await;
    browser.fill("Subject", "Showing on Friday").await;
    browser.submit_form_of("Subject").await;
    let path = browser
        .wait_for_path("the new call's page", |p| p.starts_with("/calls/") && !p.starts_with("/calls/new"))
        .await;
    let log_id: i64 = path.trim_start_matches("/calls/").parse().unwrap();
    let log = crate::helpers::get(&app, &format!("/api/calllogs/{log_id}"), &admin).await;
    assert_eq!((log.body["PropertyId"].as_i64(), log.body["UnitId"].as_i64()), (Some(1), Some(11)), "{}", log.text);
    assert_eq!(log.body["CallFrom"], "A realtor, 555-0100");
    let text = browser.page_text().await;
    assert!(text.contains("Harbor View, unit 101"), "{text}");
    assert!(text.contains("agnes Tester logged the call."), "the history in words: {text}");
    assert_eq!(browser.focused().await, "saved", "the focus is on the confirmation");

    // A property by its name: the unit is left empty.
    browser.goto("/calls/new").await;
    let mut keys = browser.keyboard();
    keys.text("oak").await;
    browser.wait_for_lookup("oak").await;
    keys.key(Key::Enter).await;
    assert_eq!(browser.field_value("PropertyId").await, "2");
    assert_eq!(
        (browser.field_value("UnitNumber").await, browser.field_value("UnitId").await),
        (String::new(), String::new())
    );
    browser.finish().await;
}

/// docs/console.md §3: after a comment the page says so and holds the focus there.
#[actix_web::test]
#[ignore = "needs chromium + chromedriver (run by .ci/run)"]
async fn after_a_comment_the_focus_is_on_comment_added() {
    let (app, admin) = staffed_app().await;
    let log_id = api_log(&app, &admin, json!({"PropertyId": 1, "ResidentId": 111, "Subject": "Noise"})).await;
    let mut browser = open(&app).await;
    browser.sign_in("agnes", "agnes-password").await;
    browser.goto(&format!("/calls/{log_id}")).await;
    browser.fill("NewComments", "Called back").await;
    browser.submit_form_of("NewComments").await;
    browser.wait_for_text("Comment added").await;
    assert_eq!(browser.path().await, format!("/calls/{log_id}"));
    assert_eq!(browser.focused().await, "saved");
    // Shown once: a reload no longer says it.
    browser.goto(&format!("/calls/{log_id}")).await;
    assert!(!browser.exists("#saved").await);
    browser.finish().await;
}
