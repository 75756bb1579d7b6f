//! docs/console.md §4 on a shared desk: a draft is kept per user and shown only
//! to the user who typed it; drafts older than 7 days are dropped. And §5:
//! what the page's script shows of user text loses its bidirectional controls.

use super::*;
use crate::helpers::make_user;
use serde_json::json;

const FORM: &str = "/calls/new?residentId=111";

/// Everything the browser keeps in local storage for this site, keys and values.
async fn local_storage(browser: &Browser) -> String {
    let all = browser
        .js("return Object.keys(localStorage).map(k => k + '=' + localStorage.getItem(k)).join('\\n');", vec![])
        .await;
    all.as_str().unwrap_or_default().to_string()
}

/// Ends the session without "Sign out", as a desk left alone does at expiry.
async fn session_ends(browser: &Browser) {
    browser.client.delete_cookie("calllog_session").await.unwrap();
}

#[actix_web::test]
#[ignore = "needs chromium + chromedriver (run by .ci/run)"]
async fn a_shared_desk_shows_the_next_agent_nothing_of_the_last_ones_draft() {
    let (app, admin) = staffed_app().await;
    make_user(&app, &admin, "bert", "agent", &[1]).await;
    let mut browser = open(&app).await;
    browser.sign_in("agnes", "agnes-password").await;
    browser.goto(FORM).await;
    browser.find("input[name=LogReasons][value='3']").await.click().await.unwrap();
    browser.fill("Subject", "Agnes private subject").await;
    browser.fill("Notes", "Agnes private notes").await;
    assert!(local_storage(&browser).await.contains("Agnes private notes"), "the draft is kept while typing");

    session_ends(&browser).await;
    browser.sign_in("bert", "bert-password").await;
    browser.goto(FORM).await;
    browser.find("input[name=Subject]").await;
    assert_eq!(browser.field_value("Subject").await, "", "another agent's subject is not shown");
    assert_eq!(browser.field_value("Notes").await, "", "another agent's notes are not shown");
    let ticked = browser.find("input[name=LogReasons][value='3']").await.is_selected().await.unwrap();
    assert!(!ticked, "another agent's reason is not ticked");
    let kept = local_storage(&browser).await;
    assert!(!kept.contains("Agnes private"), "nor kept for anyone: {kept}");

    // Bert's own draft comes back to Bert.
    browser.fill("Subject", "Bert subject").await;
    browser.client.refresh().await.unwrap();
    browser.find("input[name=Subject]").await;
    assert_eq!(browser.field_value("Subject").await, "Bert subject");

    // Agnes, back at the desk after Bert: her draft went when Bert's page
    // opened, and Bert's goes when hers does.
    session_ends(&browser).await;
    browser.sign_in("agnes", "agnes-password").await;
    browser.goto(FORM).await;
    browser.find("input[name=Subject]").await;
    assert_eq!(browser.field_value("Subject").await, "", "Bert's subject is not shown to Agnes");
    let kept = local_storage(&browser).await;
    assert!(!kept.contains("Bert subject") && !kept.contains("Agnes private"), "{kept}");
    browser.finish().await;
}

#[actix_web::test]
#[ignore = "needs chromium + chromedriver (run by .ci/run)"]
async fn drafts_older_than_seven_days_are_dropped() {
    let (app, _) = staffed_app().await;
    let mut browser = open(&app).await;
    browser.sign_in("agnes", "agnes-password").await;
    browser.goto("/desk").await;
    let user = browser.js("return document.body.dataset.user;", vec![]).await;
    let user = user.as_str().expect("the page names its user for the script").to_string();
    // Two drafts as the script keeps them, saved 8 and 6 days ago by the page's clock.
    let day = 24 * 3600 * 1000;
    browser
        .js(
            "const [user, day] = arguments;
             const keep = (page, age, subject) => localStorage.setItem('calllog:draft:' + user + ':' + page,
                 JSON.stringify({savedOn: Date.now() - age * day, fields: {Subject: subject}}));
             keep('/calls/new?residentId=111', 8, 'Stale subject');
             keep('/calls/new?residentId=112', 6, 'Recent subject');",
            vec![json!(user), json!(day)],
        )
        .await;
    browser.goto("/calls/new?residentId=111").await;
    browser.find("input[name=Subject]").await;
    assert_eq!(browser.field_value("Subject").await, "", "an 8-day-old draft is not shown");
    assert!(!local_storage(&browser).await.contains("Stale subject"), "and is removed");
    browser.goto("/calls/new?residentId=112").await;
    browser.find("input[name=Subject]").await;
    assert_eq!(browser.field_value("Subject").await, "Recent subject", "a 6-day-old draft is");
    browser.finish().await;
}

#[actix_web::test]
#[ignore = "needs chromium + chromedriver (run by .ci/run)"]
async fn the_live_lookup_shows_a_subject_in_the_order_it_was_typed() {
    let (app, admin) = staffed_app().await;
    let id = api_log(
        &app,
        &admin,
        json!({"PropertyId": 1, "UnitId": 11, "CallFrom": "Desk", "Subject": "Invoice \u{202E}fdp.exe"}),
    )
    .await;
    let mut browser = open(&app).await;
    browser.sign_in("agnes", "agnes-password").await;
    browser.goto("/desk").await;
    let q = format!("#{id}");
    browser.keyboard().text(&q).await;
    browser.wait_for_lookup(&q).await;
    let mut shown = Vec::new();
    for option in browser.find_all("[role=option]").await {
        shown.push(option.text().await.unwrap());
    }
    let call = shown.iter().find(|o| o.starts_with("Call")).unwrap_or_else(|| panic!("no call among {shown:?}"));
    assert!(call.contains("Invoice fdp.exe") && !call.contains('\u{202E}'), "{call:?}");
    // The call's own page, drawn by the server, the same.
    browser.goto(&format!("/calls/{id}")).await;
    let h1 = browser.h1().await;
    assert!(h1.contains("Invoice fdp.exe") && !h1.contains('\u{202E}'), "{h1:?}");
    browser.finish().await;
}
