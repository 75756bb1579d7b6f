//! docs/console.md §1: `/admin` — admins only; users, reasons, statuses, and the
//! directory import as a multipart upload of three CSV files.

use crate::console_pages::{console_sign_in, csrf_for, get_page, post_form, Page};
use crate::helpers::*;

/// A `multipart/form-data` body of text fields and CSV files, as a browser sends it.
fn multipart(fields: &[(&str, &str)], files: &[(&str, &str, &str)]) -> (String, String) {
    let boundary = "----calllogTestBoundary7MA4YWxkTrZu0gW";
    let mut body = String::new();
    for (name, value) in fields {
        body.push_str(&format!("--{boundary}\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n{value}\r\n"));
    }
    for (name, file_name, content) in files {
        body.push_str(&format!(
            "--{boundary}\r\nContent-Disposition: form-data; name=\"{name}\"; filename=\"{file_name}\"\r\n\
             Content-Type: text/csv\r\n\r\n{content}\r\n"
        ));
    }
    body.push_str(&format!("--{boundary}--\r\n"));
    (format!("multipart/form-data; boundary={boundary}"), body)
}

async fn upload(app: &TestApp, cookie: &str, csrf: &str, files: &[(&str, &str, &str)], site: &str) -> Page {
    let (content_type, body) = multipart(&[("csrf", csrf)], files);
    let response = app
        .request(Method::POST, "/admin/import")
        .header("Content-Type", content_type)
        .header("Cookie", cookie)
        .header("Sec-Fetch-Site", site)
        .body(body)
        .send()
        .await
        .unwrap();
    let status = response.status();
    let headers = response.headers().clone();
    Page { status, headers, body: response.text().await.unwrap() }
}

#[actix_web::test]
async fn only_an_admin_sees_admin() {
    app_with_directory!(app, admin);
    make_user(&app, &admin, "agnes", "agent", &[1]).await;
    let agent = console_sign_in(&app, "agnes", "agnes-password").await;
    let page = get_page(&app, "/admin", Some(&agent)).await;
    assert_eq!(page.status, StatusCode::FORBIDDEN);
    assert!(!get_page(&app, "/desk", Some(&agent)).await.body.contains("href=\"/admin\""));
    let csrf = csrf_for(&app, &agent).await;
    let refused =
        post_form(&app, "/admin/reasons", Some(&agent), &[("csrf", &csrf), ("Name", "Sneaky")], "same-origin").await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);
    assert!(!get(&app, "/api/calllogreasons?includeInactive=true", &admin).await.text.contains("Sneaky"));
    assert_eq!(get_page(&app, "/admin", None).await.header("location"), "/login?next=%2Fadmin");

    let cookie = console_sign_in(&app, "admin", ADMIN_PASSWORD).await;
    let page = get_page(&app, "/admin", Some(&cookie)).await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    assert!(page.body.contains("agnes") && page.body.contains("enctype=\"multipart/form-data\""));
    for field in ["name=\"Properties\"", "name=\"Units\"", "name=\"Residents\"", "name=\"UserName\""] {
        assert!(page.body.contains(field), "{field}");
    }
}

#[actix_web::test]
async fn an_admin_creates_and_changes_users_reasons_and_statuses() {
    app_with_directory!(app, admin);
    let cookie = console_sign_in(&app, "admin", ADMIN_PASSWORD).await;
    let csrf = csrf_for(&app, &cookie).await;
    let created = post_form(
        &app,
        "/admin/users",
        Some(&cookie),
        &[("csrf", &csrf), ("UserName", "vic"), ("Password", "vic-password"), ("Role", "agent"), ("PropertyIds", "1")],
        "same-origin",
    )
    .await;
    assert_eq!(
        (created.status, created.header("location")),
        (StatusCode::SEE_OTHER, "/admin?done=user"),
        "{}",
        created.body
    );
    let users = get(&app, "/api/users", &admin).await;
    let vic = users.body["Elements"].as_array().unwrap().iter().find(|u| u["UserName"] == "vic").unwrap().clone();
    assert_eq!((vic["Role"].as_str(), vic["PropertyIds"].clone()), (Some("agent"), serde_json::json!([1])));
    let vic_id = vic["UserId"].as_i64().unwrap();

    // Role, links (none ticked = none) and deactivation in one save.
    let path = format!("/admin/users/{vic_id}");
    let fields =
        [("csrf", csrf.as_str()), ("PropertyIdsShown", "1"), ("Role", "viewer"), ("Active", "false"), ("Password", "")];
    let saved = post_form(&app, &path, Some(&cookie), &fields, "same-origin").await;
    assert_eq!(saved.status, StatusCode::SEE_OTHER, "{}", saved.body);
    let vic = get(&app, &format!("/api/users/{vic_id}"), &admin).await;
    assert_eq!((vic.body["Role"].as_str(), vic.body["Active"].as_bool()), (Some("viewer"), Some(false)));
    assert_eq!(vic.body["PropertyIds"], serde_json::json!([]));

    let bad =
        post_form(&app, "/admin/users", Some(&cookie), &[("csrf", &csrf), ("UserName", "x y")], "same-origin").await;
    assert_eq!(bad.status, StatusCode::BAD_REQUEST);
    assert!(bad.body.contains("id=\"error-summary\"") && bad.body.contains("Password"), "{}", bad.body);

    let reason =
        post_form(&app, "/admin/reasons", Some(&cookie), &[("csrf", &csrf), ("Name", "Leak")], "same-origin").await;
    assert_eq!(reason.status, StatusCode::SEE_OTHER);
    let reasons = get(&app, "/api/calllogreasons", &admin).await;
    let reason_id = reasons.body["Elements"].as_array().unwrap().iter().find(|r| r["Name"] == "Leak").unwrap()
        ["CallLogReasonId"]
        .as_i64()
        .unwrap();
    let duplicate =
        post_form(&app, "/admin/reasons", Some(&cookie), &[("csrf", &csrf), ("Name", "leak")], "same-origin").await;
    assert_eq!(duplicate.status, StatusCode::CONFLICT, "{}", duplicate.body);
    let fields = [("csrf", csrf.as_str()), ("Name", "Roof leak"), ("DisplayOrder", "3"), ("Active", "false")];
    let renamed = post_form(&app, &format!("/admin/reasons/{reason_id}"), Some(&cookie), &fields, "same-origin").await;
    assert_eq!(renamed.status, StatusCode::SEE_OTHER, "{}", renamed.body);
    let reason = get(&app, &format!("/api/calllogreasons/{reason_id}"), &admin).await;
    assert_eq!(reason.body["Name"], "Roof leak");
    assert_eq!((reason.body["DisplayOrder"].as_i64(), reason.body["Active"].as_bool()), (Some(3), Some(false)));

    let fields = [("csrf", csrf.as_str()), ("Name", "Waiting on vendor"), ("Category", "pending")];
    let status = post_form(&app, "/admin/statuses", Some(&cookie), &fields, "same-origin").await;
    assert_eq!(status.status, StatusCode::SEE_OTHER, "{}", status.body);
    let statuses = get(&app, "/api/modulestatuses/calllogs", &admin).await;
    assert!(statuses.text.contains("Waiting on vendor"));

    let cross =
        post_form(&app, "/admin/reasons", Some(&cookie), &[("csrf", &csrf), ("Name", "Cross")], "cross-site").await;
    assert_eq!(cross.status, StatusCode::FORBIDDEN);
    assert!(!get(&app, "/api/calllogreasons?includeInactive=true", &admin).await.text.contains("Cross"));
}

#[actix_web::test]
async fn the_directory_import_takes_three_csv_files_and_names_bad_lines() {
    let app = spawn_app().await;
    let admin = sign_in(&app, "admin", ADMIN_PASSWORD).await;
    let cookie = console_sign_in(&app, "admin", ADMIN_PASSWORD).await;
    let csrf = csrf_for(&app, &cookie).await;
    let properties = ("Properties", "props.csv", "PropertyId,PropertyName\n1,Harbor View\n");
    let units = ("Units", "units.csv", "UnitId,PropertyId,UnitNumber\n11,1,101\n12,99,102\n");
    let residents = ("Residents", "res.csv", "ResidentId,PropertyId,UnitId,ResidentLastName\n111,1,11,Cole\n");

    let refused = upload(&app, &cookie, &csrf, &[properties, units, residents], "same-origin").await;
    assert_eq!(refused.status, StatusCode::BAD_REQUEST, "{}", refused.body);
    assert!(refused.body.contains("units.csv line 3: PropertyId"), "{}", refused.body);
    assert_eq!(get(&app, "/api/properties", &admin).await.body["Total"], 0, "nothing written");

    let good_units = ("Units", "units.csv", "UnitId,PropertyId,UnitNumber\n11,1,101\n");
    assert_eq!(
        upload(&app, &cookie, "wrong", &[properties, good_units], "same-origin").await.status,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        upload(&app, &cookie, &csrf, &[properties, good_units], "cross-site").await.status,
        StatusCode::FORBIDDEN
    );
    assert_eq!(get(&app, "/api/properties", &admin).await.body["Total"], 0, "nothing written");

    let done = upload(&app, &cookie, &csrf, &[properties, good_units, residents], "same-origin").await;
    assert_eq!(done.status, StatusCode::SEE_OTHER, "{}", done.body);
    let shown = get_page(&app, done.header("location"), Some(&cookie)).await;
    assert!(shown.body.contains("imported 1 property, 1 unit, 1 resident"), "{}", shown.body);
    assert_eq!(get(&app, "/api/residents/111", &admin).await.body["ResidentLastName"], "Cole");
}

#[actix_web::test]
async fn the_console_import_reads_the_example_files_and_explains_a_bad_header() {
    let app = spawn_app().await;
    let admin = sign_in(&app, "admin", ADMIN_PASSWORD).await;
    let cookie = console_sign_in(&app, "admin", ADMIN_PASSWORD).await;
    let csrf = csrf_for(&app, &cookie).await;
    let example =
        |name: &str| std::fs::read_to_string(format!("{}/examples/{name}", env!("CARGO_MANIFEST_DIR"))).unwrap();
    let (properties, units, residents) = (example("properties.csv"), example("units.csv"), example("residents.csv"));

    let typo = "Property ID,PropertyName\n1,Harbor View\n";
    let refused = upload(&app, &cookie, &csrf, &[("Properties", "props.csv", typo)], "same-origin").await;
    assert_eq!(refused.status, StatusCode::BAD_REQUEST, "{}", refused.body);
    assert!(refused.shows("props.csv: unknown column \"Property ID\" — did you mean PropertyId?"), "{}", refused.body);

    let files = [
        ("Properties", "properties.csv", properties.as_str()),
        ("Units", "units.csv", units.as_str()),
        ("Residents", "residents.csv", residents.as_str()),
    ];
    let done = upload(&app, &cookie, &csrf, &files, "same-origin").await;
    assert_eq!(done.status, StatusCode::SEE_OTHER, "{}", done.body);
    let shown = get_page(&app, done.header("location"), Some(&cookie)).await;
    assert!(shown.body.contains("imported 2 properties, 6 units, 8 residents"), "{}", shown.body);
    assert_eq!(get(&app, "/api/residents/5002", &admin).await.body["ResidentLastName"], "Núñez");
}

/// A sign-in to the API from 127.0.0.2 (another client than the console's).
async fn api_attempt_from_elsewhere(app: &TestApp, user: &str, password: &str) -> Answer {
    let body = serde_json::json!({"UserName": user, "Password": password});
    send(client_from("127.0.0.2").post(format!("{}/api/auth/token", app.address)).json(&body)).await
}

#[actix_web::test]
async fn an_admin_sees_a_locked_out_user_and_clears_it() {
    app_with_directory!(app, admin);
    make_user(&app, &admin, "agnes", "agent", &[1]).await;
    for _ in 0..5 {
        api_attempt_from_elsewhere(&app, "agnes", "guess").await.assert_error(401, 101);
    }
    api_attempt_from_elsewhere(&app, "agnes", "agnes-password").await.assert_error(429, 116);

    let cookie = console_sign_in(&app, "admin", ADMIN_PASSWORD).await;
    let page = get_page(&app, "/admin", Some(&cookie)).await;
    assert!(page.shows("agnes: 5 failed sign-ins in the last 15 minutes, refused from 1 address"), "{}", page.body);
    let csrf = page.hidden("csrf");

    // An agent may not clear it, nor a post without the form token, nor one from another site.
    let agent = console_sign_in(&app, "agnes", "agnes-password").await;
    let agent_csrf = csrf_for(&app, &agent).await;
    let fields = [("csrf", agent_csrf.as_str()), ("UserName", "agnes")];
    assert_eq!(post_form(&app, "/admin/unlock", Some(&agent), &fields, "same-origin").await.status, 403);
    let without_token = post_form(&app, "/admin/unlock", Some(&cookie), &[("UserName", "agnes")], "same-origin").await;
    assert_eq!(without_token.status, StatusCode::FORBIDDEN);
    let fields = [("csrf", csrf.as_str()), ("UserName", "agnes")];
    assert_eq!(post_form(&app, "/admin/unlock", Some(&cookie), &fields, "cross-site").await.status, 403);
    api_attempt_from_elsewhere(&app, "agnes", "agnes-password").await.assert_error(429, 116);

    // A name that is no user is said so, next to the field.
    let nobody = [("csrf", csrf.as_str()), ("UserName", "agnez")];
    let refused = post_form(&app, "/admin/unlock", Some(&cookie), &nobody, "same-origin").await;
    assert_eq!(refused.status, StatusCode::BAD_REQUEST, "{}", refused.body);
    assert!(refused.shows("UserName \"agnez\" is no user"), "{}", refused.body);

    let done = post_form(&app, "/admin/unlock", Some(&cookie), &fields, "same-origin").await;
    assert_eq!((done.status, done.header("location")), (StatusCode::SEE_OTHER, "/admin?done=unlock"), "{}", done.body);
    let page = get_page(&app, "/admin?done=unlock", Some(&cookie)).await;
    assert!(page.shows("The user's failed sign-ins were cleared"), "{}", page.body);
    assert!(page.shows("No user is locked out now."), "{}", page.body);
    assert!(page.shows("failed sign-ins of agnes") && !page.shows("user.unlocked"), "the audit says it: {}", page.body);
    let a = api_attempt_from_elsewhere(&app, "agnes", "agnes-password").await;
    assert_eq!(a.status, StatusCode::OK, "{}", a.text);
}

#[actix_web::test]
async fn weak_passwords_are_refused_on_admin_and_account_naming_the_rule() {
    app_with_directory!(app, admin);
    let (id, _) = make_user(&app, &admin, "agnes.archer", "agent", &[1]).await;
    let cookie = console_sign_in(&app, "admin", ADMIN_PASSWORD).await;
    let csrf = csrf_for(&app, &cookie).await;
    let new_user = [("csrf", csrf.as_str()), ("UserName", "vic"), ("Password", "12345678"), ("Role", "agent")];
    let refused = post_form(&app, "/admin/users", Some(&cookie), &new_user, "same-origin").await;
    assert_eq!(refused.status, StatusCode::BAD_REQUEST, "{}", refused.body);
    assert!(refused.shows("Password is one of the 10,000 most common passwords"), "{}", refused.body);
    let reset = [("csrf", csrf.as_str()), ("Password", "AGNES.ARCHER")];
    let refused = post_form(&app, &format!("/admin/users/{id}"), Some(&cookie), &reset, "same-origin").await;
    assert_eq!(refused.status, StatusCode::BAD_REQUEST, "{}", refused.body);
    assert!(refused.shows("Password must not be the user name"), "{}", refused.body);

    let agent = console_sign_in(&app, "agnes.archer", "agnes.archer-password").await;
    let agent_csrf = csrf_for(&app, &agent).await;
    for (new, rule) in
        [("Agnes.Archer", "must not be the user name"), ("        ", "neither white space nor invisible")]
    {
        let change =
            [("csrf", agent_csrf.as_str()), ("CurrentPassword", "agnes.archer-password"), ("NewPassword", new)];
        let refused = post_form(&app, "/account", Some(&agent), &change, "same-origin").await;
        assert_eq!(refused.status, StatusCode::BAD_REQUEST, "{}", refused.body);
        assert!(refused.shows(rule), "{}", refused.body);
    }
    assert_eq!(get(&app, "/api/users", &admin).await.body["Total"], 2, "no user was made");
    sign_in(&app, "agnes.archer", "agnes.archer-password").await;
}

/// docs/api.md §16, docs/console.md §7: until the office time zone is
/// chosen, every page reminds an admin (and only an admin) with a link to
/// set it; set on `/admin`, the pages and the API write times in it.
#[actix_web::test]
async fn the_office_time_zone_is_set_on_admin_and_reminded_until_then() {
    app_with_directory!(app, admin);
    let (_, _agent) = make_user(&app, &admin, "agent1", "agent", &[1]).await;
    let created =
        post(&app, "/api/calllogs", &admin, serde_json::json!({"PropertyId": 1, "CallFrom": "c", "Subject": "Gate"}))
            .await;
    let log_id = created.body["LogId"].as_i64().unwrap();
    let cookie = console_sign_in(&app, "admin", ADMIN_PASSWORD).await;
    let agent_cookie = console_sign_in(&app, "agent1", "agent1-password").await;
    const REMINDER: &str = "the office time zone is not set yet";
    for path in ["/desk", "/calls", "/admin"] {
        assert!(get_page(&app, path, Some(&cookie)).await.body.contains(REMINDER), "{path}");
        assert!(
            !get_page(&app, path, Some(&agent_cookie)).await.body.contains(REMINDER),
            "{path}: agents are not asked"
        );
    }
    let call = get_page(&app, &format!("/calls/{log_id}"), Some(&cookie)).await;
    assert!(call.body.contains("+00:00"), "the instant in UTC: {}", call.body);

    let csrf = csrf_for(&app, &cookie).await;
    let fields = [("csrf", csrf.as_str()), ("TimeZone", "Asia/Tokyo"), ("OfficeName", "Harbor Management")];
    let saved = post_form(&app, "/admin/settings", Some(&cookie), &fields, "same-origin").await;
    assert_eq!(
        (saved.status, saved.header("location")),
        (StatusCode::SEE_OTHER, "/admin?done=settings"),
        "{}",
        saved.body
    );
    let page = get_page(&app, "/admin?done=settings", Some(&cookie)).await;
    assert!(page.body.contains("The office settings were saved.") && !page.body.contains(REMINDER), "{}", page.body);
    assert!(page.body.contains("set the office time zone to Asia/Tokyo"), "the audit in words: {}", page.body);
    // The call's time is now shown, and written by the API, in Tokyo (+09:00).
    let call = get_page(&app, &format!("/calls/{log_id}"), Some(&cookie)).await;
    assert!(call.body.contains("+09:00"), "{}", call.body);
    let read = get(&app, &format!("/api/calllogs/{log_id}"), &admin).await;
    assert!(read.body["CreatedOn"].as_str().unwrap().ends_with("+09:00"), "{}", read.text);
    assert_eq!(get(&app, "/api/settings", &admin).await.body["OfficeName"], "Harbor Management");

    // A zone that is no zone: the form again, the field named, nothing saved.
    let fields = [("csrf", csrf.as_str()), ("TimeZone", "Mars/Olympus"), ("OfficeName", "")];
    let refused = post_form(&app, "/admin/settings", Some(&cookie), &fields, "same-origin").await;
    assert_eq!(refused.status, StatusCode::BAD_REQUEST);
    assert!(refused.body.contains("TimeZone") && refused.body.contains("is not a time zone name"), "{}", refused.body);
    assert_eq!(get(&app, "/api/settings", &admin).await.body["TimeZone"], "Asia/Tokyo");
}
