//! docs/console.md §1 `/admin` in a real browser: a user made there can sign in,
//! a reason added there is offered on the log-a-call form, and the directory
//! import takes its three CSV files through file fields.

use super::*;
use crate::helpers::{get, spawn_app, ADMIN_PASSWORD};

#[actix_web::test]
#[ignore = "needs chromium + chromedriver (run by .ci/run)"]
async fn an_admin_makes_a_user_adds_a_reason_and_imports_the_directory() {
    let app = spawn_app().await;
    let admin = crate::helpers::sign_in(&app, "admin", ADMIN_PASSWORD).await;
    let mut browser = open(&app).await;
    browser.sign_in("admin", ADMIN_PASSWORD).await;

    // The import: three files chosen in file fields, sent as multipart/form-data.
    let dir = tempfile::tempdir().unwrap();
    let files = [
        ("Properties", "PropertyId,PropertyName\n1,Harbor View\n"),
        ("Units", "UnitId,PropertyId,UnitNumber\n11,1,101\n"),
        ("Residents", "ResidentId,PropertyId,UnitId,ResidentFirstName,ResidentLastName\n111,1,11,Ann,Cole\n"),
    ];
    browser.goto("/admin").await;
    for (field, csv) in files {
        let path = dir.path().join(format!("{field}.csv"));
        std::fs::write(&path, csv).unwrap();
        browser.find(&format!("input[type=file][name={field}]")).await.send_keys(path.to_str().unwrap()).await.unwrap();
    }
    browser.find("#import button[type=submit]").await.click().await.unwrap();
    browser.wait_for_text("imported 1 property, 1 unit, 1 resident").await;
    assert_eq!(get(&app, "/api/residents/111", &admin).await.body["ResidentLastName"], "Cole");

    // A new agent of property 1.
    // Scoped to the new-user form: each user's row has its own (folded) Password field.
    for (field, text) in
        [("UserName", "newbie"), ("Password", "newbie-password-1"), ("FirstName", "Nora"), ("LastName", "Newman")]
    {
        browser.find(&format!("#new-user [name={field}]")).await.send_keys(text).await.unwrap();
    }
    browser.find("#new-user select[name=Role]").await.select_by_value("agent").await.unwrap();
    browser.find("#new-user input[name=PropertyIds][value='1']").await.click().await.unwrap();
    browser.find("#new-user button[type=submit]").await.click().await.unwrap();
    browser.wait_for_text("newbie").await;
    let users = get(&app, "/api/users", &admin).await;
    let newbie = users.body["Elements"].as_array().unwrap().iter().find(|u| u["UserName"] == "newbie").cloned();
    let newbie = newbie.unwrap_or_else(|| panic!("the user was made: {}", users.text));
    assert_eq!(newbie["Role"], "agent");
    assert_eq!(newbie["PropertyIds"], json!([1]));

    // A new reason.
    browser.find("#new-reason-name").await.send_keys("Lost key").await.unwrap();
    browser.find("#new-reason button[type=submit]").await.click().await.unwrap();
    browser.wait_for_path("back on /admin", |p| p.starts_with("/admin")).await;
    browser.find("input[value='Lost key']").await;
    browser.finish().await;

    // The new agent signs in (a fresh browser: no admin cookie) and is offered the new reason.
    let mut browser = open(&app).await;
    browser.sign_in("newbie", "newbie-password-1").await;
    browser.goto("/calls/new?residentId=111").await;
    assert_eq!(browser.status().await, 200);
    let reasons = browser.find("#LogReasons").await.text().await.unwrap();
    assert!(reasons.contains("Lost key"), "the new reason is offered: {reasons}");
    assert!(!browser.exists("a[href^='/admin']").await, "an agent's pages do not link to /admin");
    browser.finish().await;
}

/// docs/api.md §16, docs/console.md §7: an admin is reminded until the
/// office time zone is chosen; chosen on /admin, the pages and the API
/// write times in it.
#[actix_web::test]
#[ignore = "needs chromium + chromedriver (run by .ci/run)"]
async fn the_time_zone_set_on_admin_changes_the_times_shown_and_the_api() {
    let (app, admin) = super::staffed_app().await;
    let log_id = super::api_log(&app, &admin, json!({"PropertyId": 1, "CallFrom": "c", "Subject": "Gate"})).await;
    let mut browser = open(&app).await;
    browser.sign_in("admin", ADMIN_PASSWORD).await;
    browser.goto(&format!("/calls/{log_id}")).await;
    browser.wait_for_text("the office time zone is not set yet").await;
    let shown = browser.find("time").await.attr("datetime").await.unwrap().unwrap_or_default();
    assert!(shown.ends_with("+00:00"), "{shown}");
    browser.find("a[href='/admin#settings']").await.click().await.unwrap();
    browser.wait_for_path("the admin page", |p| p.starts_with("/admin")).await;
    browser.fill("TimeZone", "America/Los_Angeles").await;
    browser.submit_form_of("TimeZone").await;
    browser.wait_for_text("The office settings were saved.").await;
    assert!(!browser.page_text().await.contains("not set yet"), "the reminder is gone");
    browser.screenshots("admin-settings").await;
    browser.goto(&format!("/calls/{log_id}")).await;
    let shown = browser.find("time").await.attr("datetime").await.unwrap().unwrap_or_default();
    assert!(shown.ends_with("-08:00") || shown.ends_with("-07:00"), "{shown}");
    let read = get(&app, &format!("/api/calllogs/{log_id}"), &admin).await;
    let created = read.body["CreatedOn"].as_str().unwrap().to_string();
    assert!(created.ends_with("-08:00") || created.ends_with("-07:00"), "{created}");
    browser.finish().await;
}
