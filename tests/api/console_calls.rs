//! docs/console.md §1, §4: logging a call, the call page's comment and status
//! form with its ETag, and the list — over HTTP, as a browser posts forms.

use crate::console_pages::{console_sign_in, csrf_for, get_page, post_form};
use crate::helpers::*;
use serde_json::json;

async fn call_count(app: &TestApp, admin: &str) -> i64 {
    get(app, "/api/calllogs", admin).await.body["Total"].as_i64().unwrap()
}

#[actix_web::test]
async fn log_a_call_for_a_known_resident_starts_on_the_reasons_and_redirects_to_the_new_call() {
    app_with_directory!(app, admin);
    let reason = post(&app, "/api/calllogreasons", &admin, json!({"Name": "Water leak"})).await;
    let reason_id = reason.body["CallLogReasonId"].as_i64().unwrap().to_string();
    let cookie = console_sign_in(&app, "admin", ADMIN_PASSWORD).await;
    let form = get_page(&app, "/calls/new?residentId=111", Some(&cookie)).await;
    assert_eq!(form.status, StatusCode::OK, "{}", form.body);
    assert!(form.body.contains("Ann B. Cole"));
    assert_eq!(form.hidden("ResidentId"), "111");
    assert_eq!(form.hidden("UnitId"), "11");
    assert_eq!(form.hidden("PropertyId"), "1");
    let key = form.hidden("IdempotencyKey");
    assert!(key.len() >= 16);
    // Focus starts on the first reason, and Subject follows the reasons.
    let reasons_at = form.body.find("name=\"LogReasons\"").unwrap();
    let autofocus_at = form.body.find("autofocus").unwrap();
    assert!(autofocus_at > reasons_at && autofocus_at < form.body.find("id=\"Subject\"").unwrap());
    assert!(form.body.contains("<button type=\"submit\">"));
    assert!(form.body.contains("name=\"NewComments\""), "the first comment has its field");

    let csrf = form.hidden("csrf");
    let fields = [
        ("csrf", csrf.as_str()),
        ("IdempotencyKey", key.as_str()),
        ("ResidentId", "111"),
        ("UnitId", "11"),
        ("PropertyId", "1"),
        ("LogReasons", reason_id.as_str()),
        ("Subject", "Leak again"),
        ("Notes", ""),
        ("NewComments", "Dripping over the sink"),
    ];
    let done = post_form(&app, "/calls/new?residentId=111", Some(&cookie), &fields, "same-origin").await;
    assert_eq!(done.status, StatusCode::SEE_OTHER, "{}", done.body);
    let location = done.header("location").to_string();
    let log_id: i64 = location.strip_prefix("/calls/").unwrap().parse().unwrap();
    let log = get(&app, &format!("/api/calllogs/{log_id}"), &admin).await;
    assert_eq!(log.body["Subject"], "Leak again");
    assert_eq!(log.body["CallFrom"], "Ann B. Cole");
    assert_eq!(log.body["LogReasons"], json!([reason_id.parse::<i64>().unwrap()]));
    assert_eq!(log.body["Takenby"], "Ada Admin");
    // The form's first comment opens the thread, under the log's status.
    assert_eq!(log.body["OldComments"][0]["Comment"], "Dripping over the sink");

    // A double submit (same IdempotencyKey) creates nothing more and lands on the same call.
    let again = post_form(&app, "/calls/new?residentId=111", Some(&cookie), &fields, "same-origin").await;
    assert_eq!(again.header("location"), location);
    assert_eq!(call_count(&app, &admin).await, 1);

    let page = get_page(&app, &location, Some(&cookie)).await;
    assert!(page.body.contains("Leak again") && page.body.contains("Water leak"), "{}", page.body);
}

#[actix_web::test]
async fn an_invalid_call_is_reshown_with_every_error_next_to_its_field_and_nothing_lost() {
    app_with_directory!(app, admin);
    let cookie = console_sign_in(&app, "admin", ADMIN_PASSWORD).await;
    let form = get_page(&app, "/calls/new?propertyId=1", Some(&cookie)).await;
    let csrf = form.hidden("csrf");
    let key = form.hidden("IdempotencyKey");
    let fields = [
        ("csrf", csrf.as_str()),
        ("IdempotencyKey", key.as_str()),
        ("PropertyId", "1"),
        ("UnitId", ""),
        ("ResidentId", ""),
        ("CallFrom", ""),
        ("Subject", "   "),
        ("Notes", "Typed <notes> & more"),
        ("NewComments", "A first <comment> & more"),
    ];
    let page = post_form(&app, "/calls/new?propertyId=1", Some(&cookie), &fields, "same-origin").await;
    assert_eq!(page.status, StatusCode::BAD_REQUEST, "{}", page.body);
    assert!(page.body.contains("id=\"error-summary\""));
    assert!(page.body.contains("href=\"#Subject\"") && page.body.contains("href=\"#CallFrom\""), "{}", page.body);
    assert!(page.body.contains("id=\"Subject-error\"") && page.body.contains("id=\"CallFrom-error\""));
    // Typed text comes back, escaped, and the same key is kept for the retry.
    assert!(page.shows("Typed <notes> & more"), "{}", page.body);
    assert!(page.shows("A first <comment> & more"), "{}", page.body);
    assert_eq!(page.hidden("IdempotencyKey"), key);
    assert!(page.body.contains("<option value=\"1\" selected>"), "the property stays chosen");
    assert_eq!(call_count(&app, &admin).await, 0);
}

/// Issue 16 item 3: the form sent again with its key but other text (a page
/// kept from before, edited) creates nothing and says so; the form comes
/// back with the text and a fresh key, so sending it then logs that call.
#[actix_web::test]
async fn a_form_sent_again_with_other_text_under_its_key_is_shown_again_with_a_fresh_key() {
    app_with_directory!(app, admin);
    let cookie = console_sign_in(&app, "admin", ADMIN_PASSWORD).await;
    let form = get_page(&app, "/calls/new?propertyId=1", Some(&cookie)).await;
    let (csrf, key) = (form.hidden("csrf"), form.hidden("IdempotencyKey"));
    let send_form = |subject: &'static str, key: String| {
        let (app, cookie, csrf) = (&app, &cookie, &csrf);
        async move {
            let fields = [
                ("csrf", csrf.as_str()),
                ("IdempotencyKey", key.as_str()),
                ("PropertyId", "1"),
                ("CallFrom", "Bob"),
                ("Subject", subject),
            ];
            post_form(app, "/calls/new", Some(cookie), &fields, "same-origin").await
        }
    };
    let done = send_form("First call", key.clone()).await;
    assert_eq!(done.status, StatusCode::SEE_OTHER, "{}", done.body);
    let page = send_form("Second call", key.clone()).await;
    assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", page.body);
    assert!(page.shows("nothing was saved now") && page.shows("Second call"), "{}", page.body);
    assert_eq!(call_count(&app, &admin).await, 1, "nothing created");
    let fresh = page.hidden("IdempotencyKey");
    assert_ne!(fresh, key);
    let done = send_form("Second call", fresh).await;
    assert_eq!(done.status, StatusCode::SEE_OTHER, "{}", done.body);
    assert_eq!(call_count(&app, &admin).await, 2);
}

#[actix_web::test]
async fn cross_site_and_wrong_token_posts_write_nothing() {
    app_with_directory!(app, admin);
    let cookie = console_sign_in(&app, "admin", ADMIN_PASSWORD).await;
    let csrf = csrf_for(&app, &cookie).await;
    let fields =
        |token: &'static str| vec![("csrf", token), ("PropertyId", "1"), ("CallFrom", "Bob"), ("Subject", "Hello")];
    let token: &'static str = Box::leak(csrf.into_boxed_str());
    for site in ["cross-site", "same-site"] {
        let page = post_form(&app, "/calls/new", Some(&cookie), &fields(token), site).await;
        assert_eq!(page.status, StatusCode::FORBIDDEN, "{site}");
    }
    let page = post_form(&app, "/calls/new", Some(&cookie), &fields("bad"), "same-origin").await;
    assert_eq!(page.status, StatusCode::FORBIDDEN);
    let page = post_form(&app, "/calls/new", Some(&cookie), &fields(""), "same-origin").await;
    assert_eq!(page.status, StatusCode::FORBIDDEN);
    assert_eq!(call_count(&app, &admin).await, 0);
    // Without a session, a post goes to sign in and back.
    let page = post_form(&app, "/calls/new", None, &fields(token), "same-origin").await;
    assert_eq!((page.status, page.header("location")), (StatusCode::SEE_OTHER, "/login?next=%2Fcalls%2Fnew"));
    let page = post_form(&app, "/calls/new", Some(&cookie), &fields(token), "same-origin").await;
    assert_eq!(page.status, StatusCode::SEE_OTHER, "{}", page.body);
    assert_eq!(call_count(&app, &admin).await, 1);
}

#[actix_web::test]
async fn a_viewer_sees_no_write_forms_and_cannot_post() {
    app_with_directory!(app, admin);
    let created =
        post(&app, "/api/calllogs", &admin, json!({"PropertyId": 1, "CallFrom": "Bob", "Subject": "Noise"})).await;
    let log_id = created.body["LogId"].as_i64().unwrap();
    make_user(&app, &admin, "vera", "viewer", &[1]).await;
    let cookie = console_sign_in(&app, "vera", "vera-password").await;
    let page = get_page(&app, &format!("/calls/{log_id}"), Some(&cookie)).await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    assert!(page.body.contains("Noise"));
    assert!(!page.body.contains("name=\"NewComments\"") && !page.body.contains("name=\"ETag\""), "{}", page.body);
    let desk = get_page(&app, "/desk?unitId=11", Some(&cookie)).await;
    assert!(!desk.body.contains("Log a call"), "{}", desk.body);
    let new = get_page(&app, "/calls/new", Some(&cookie)).await;
    assert_eq!(new.status, StatusCode::FORBIDDEN);
    let csrf = csrf_for(&app, &cookie).await;
    let fields = [("csrf", csrf.as_str()), ("NewComments", "from a viewer")];
    let page = post_form(&app, &format!("/calls/{log_id}"), Some(&cookie), &fields, "same-origin").await;
    assert_eq!(page.status, StatusCode::FORBIDDEN);
    let log = get(&app, &format!("/api/calllogs/{log_id}"), &admin).await;
    assert_eq!(log.body["OldComments"], json!([]));
}

#[actix_web::test]
async fn a_comment_and_status_change_apply_with_the_etag_and_a_conflict_keeps_the_typed_text() {
    app_with_directory!(app, admin);
    let created =
        post(&app, "/api/calllogs", &admin, json!({"PropertyId": 1, "CallFrom": "Bob", "Subject": "Noise"})).await;
    let log_id = created.body["LogId"].as_i64().unwrap();
    let path = format!("/calls/{log_id}");
    let cookie = console_sign_in(&app, "admin", ADMIN_PASSWORD).await;
    let page = get_page(&app, &path, Some(&cookie)).await;
    let etag = page.hidden("ETag");
    assert_eq!(etag, created.header("etag").unwrap());
    let csrf = page.hidden("csrf");
    let statuses = get(&app, "/api/modulestatuses/calllogs", &admin).await;
    let closed = statuses.body["Elements"].as_array().unwrap().iter().find(|s| s["Category"] == "closed").unwrap()
        ["ModuleStatusId"]
        .as_i64()
        .unwrap()
        .to_string();

    let fields = [
        ("csrf", csrf.as_str()),
        ("ETag", etag.as_str()),
        ("NewComments", "Called back, fixed"),
        ("ModuleStatusId", closed.as_str()),
        ("Notes", ""),
    ];
    let done = post_form(&app, &path, Some(&cookie), &fields, "same-origin").await;
    assert_eq!((done.status, done.header("location")), (StatusCode::SEE_OTHER, path.as_str()), "{}", done.body);
    let log = get(&app, &format!("/api/calllogs/{log_id}"), &admin).await;
    assert_eq!(log.body["OldComments"][0]["Comment"], "Called back, fixed");
    assert_eq!(log.body["ModuleStatusId"].as_i64().unwrap().to_string(), closed);
    let page = get_page(&app, &path, Some(&cookie)).await;
    assert!(page.body.contains("Called back, fixed") && page.body.contains("<time datetime=\""), "{}", page.body);
    // The history in words: who did what, with status names, never a column name or an id.
    assert!(page.shows("added a comment"), "{}", page.body);
    assert!(page.shows("changed the status from Open to Closed"), "{}", page.body);
    assert!(!page.body.contains("ModuleStatusId 1") && !page.body.contains(">ModuleStatusId<"), "{}", page.body);

    // The same (now stale) ETag: 409, the other change shown, the typed text kept, nothing written.
    let stale = [
        ("csrf", csrf.as_str()),
        ("ETag", etag.as_str()),
        ("NewComments", "My <second> comment"),
        ("ModuleStatusId", closed.as_str()),
        ("Notes", ""),
    ];
    let conflict = post_form(&app, &path, Some(&cookie), &stale, "same-origin").await;
    assert_eq!(conflict.status, StatusCode::CONFLICT, "{}", conflict.body);
    assert!(conflict.body.contains("Conflict: someone else changed this call"));
    assert!(conflict.shows("My <second> comment"), "{}", conflict.body);
    assert!(conflict.body.contains("Called back, fixed"), "the other change is on the page");
    let fresh = conflict.hidden("ETag");
    assert_ne!(fresh, etag);
    let log = get(&app, &format!("/api/calllogs/{log_id}"), &admin).await;
    assert_eq!(log.body["OldComments"].as_array().unwrap().len(), 1);
    // Sent again with the page's new ETag, it applies.
    let retry = [("csrf", csrf.as_str()), ("ETag", fresh.as_str()), ("NewComments", "My second comment")];
    let done = post_form(&app, &path, Some(&cookie), &retry, "same-origin").await;
    assert_eq!(done.status, StatusCode::SEE_OTHER, "{}", done.body);
    let log = get(&app, &format!("/api/calllogs/{log_id}"), &admin).await;
    assert_eq!(log.body["OldComments"].as_array().unwrap().len(), 2);
}

#[actix_web::test]
async fn the_list_takes_the_api_filters_and_links_each_call() {
    app_with_directory!(app, admin);
    for subject in ["Noise upstairs", "Water leak", "Parking"] {
        let c =
            post(&app, "/api/calllogs", &admin, json!({"PropertyId": 1, "CallFrom": "Bob", "Subject": subject})).await;
        assert_eq!(c.status, StatusCode::CREATED);
    }
    let cookie = console_sign_in(&app, "admin", ADMIN_PASSWORD).await;
    let all = get_page(&app, "/calls", Some(&cookie)).await;
    assert_eq!(all.status, StatusCode::OK);
    assert!(all.body.contains("3 calls.") && all.body.contains("href=\"/calls/1\""), "{}", all.body);
    let searched = get_page(&app, "/calls?q=leak", Some(&cookie)).await;
    assert!(searched.body.contains("1 call.") && searched.body.contains("Water leak"), "{}", searched.body);
    assert!(!searched.body.contains("Parking"));
    let paged = get_page(&app, "/calls?pageSize=1&sort=logid&order=asc", Some(&cookie)).await;
    assert!(paged.body.contains("Noise upstairs") && !paged.body.contains("Parking"), "{}", paged.body);
    assert!(paged.body.contains("page=2") && paged.body.contains("rel=\"next\""));
    let bad = get_page(&app, "/calls?sort=sideways", Some(&cookie)).await;
    assert_eq!(bad.status, StatusCode::BAD_REQUEST);
    assert!(bad.body.contains("sort"), "{}", bad.body);
}

/// Issue 18 item 7: a viewer takes no calls, so its desk lists the newest
/// calls of its properties instead of saying it has no open calls.
#[actix_web::test]
async fn a_viewers_desk_lists_the_newest_calls_of_its_properties() {
    app_with_directory!(app, admin);
    for subject in ["Noise upstairs", "Gate stuck open"] {
        let created =
            post(&app, "/api/calllogs", &admin, json!({"PropertyId": 1, "CallFrom": "Bob", "Subject": subject})).await;
        assert_eq!(created.status, StatusCode::CREATED, "{}", created.text);
    }
    make_user(&app, &admin, "vera", "viewer", &[1]).await;
    let cookie = console_sign_in(&app, "vera", "vera-password").await;
    let desk = get_page(&app, "/desk", Some(&cookie)).await;
    assert_eq!(desk.status, StatusCode::OK, "{}", desk.body);
    assert!(desk.body.contains("Newest calls on your properties"), "{}", desk.body);
    assert!(!desk.body.contains("You have no open calls"), "{}", desk.body);
    let (newest, older) = (desk.body.find("Gate stuck open").unwrap(), desk.body.find("Noise upstairs").unwrap());
    assert!(newest < older, "newest first");
}

/// Issue 18 item 7: a status is shown once; its category is a tag beside it
/// only when the name does not already say it ("Open", not "Open open"),
/// and a count of one is "1 call".
#[actix_web::test]
async fn a_status_is_shown_once_and_a_count_of_one_is_singular() {
    app_with_directory!(app, admin);
    let waiting =
        post(&app, "/api/modulestatuses/calllogs", &admin, json!({"Name": "Waiting on vendor", "Category": "pending"}))
            .await;
    assert_eq!(waiting.status, StatusCode::CREATED, "{}", waiting.text);
    let waiting_id = waiting.body["ModuleStatusId"].as_i64().unwrap();
    let open =
        post(&app, "/api/calllogs", &admin, json!({"PropertyId": 1, "CallFrom": "Bob", "Subject": "Leak"})).await;
    let open_id = open.body["LogId"].as_i64().unwrap();
    let cookie = console_sign_in(&app, "admin", ADMIN_PASSWORD).await;

    let page = get_page(&app, &format!("/calls/{open_id}"), Some(&cookie)).await;
    assert!(page.body.contains("<dd>Open</dd>"), "{}", page.body);
    assert!(!page.body.contains("<span class=\"tag\">open</span>"), "{}", page.body);
    assert!(!page.body.contains("Open (open)"), "nor in the status choices: {}", page.body);
    let list = get_page(&app, "/calls", Some(&cookie)).await;
    assert!(list.body.contains("<p>1 call.</p>"), "{}", list.body);

    let pending = json!({"PropertyId": 1, "CallFrom": "Ann", "Subject": "Roof", "ModuleStatusId": waiting_id});
    let pending_id = post(&app, "/api/calllogs", &admin, pending).await.body["LogId"].as_i64().unwrap();
    let page = get_page(&app, &format!("/calls/{pending_id}"), Some(&cookie)).await;
    assert!(page.body.contains("Waiting on vendor <span class=\"tag\">pending</span>"), "{}", page.body);
    assert!(page.body.contains("Waiting on vendor (pending)"), "{}", page.body);
    let list = get_page(&app, "/calls", Some(&cookie)).await;
    assert!(list.body.contains("<p>2 calls.</p>"), "{}", list.body);
}

/// Issue 18 item 7: the notes are shown once: in the form for an agent or
/// admin, as text for a viewer, who has no form.
#[actix_web::test]
async fn the_notes_are_shown_once() {
    app_with_directory!(app, admin);
    let body = json!({"PropertyId": 1, "CallFrom": "Bob", "Subject": "Leak", "Notes": "Call back before 5 pm"});
    let log_id = post(&app, "/api/calllogs", &admin, body).await.body["LogId"].as_i64().unwrap();
    make_user(&app, &admin, "vera", "viewer", &[1]).await;
    let writer = console_sign_in(&app, "admin", ADMIN_PASSWORD).await;
    let viewer = console_sign_in(&app, "vera", "vera-password").await;
    for (cookie, in_form) in [(&writer, true), (&viewer, false)] {
        let page = get_page(&app, &format!("/calls/{log_id}"), Some(cookie)).await;
        assert_eq!(page.body.matches("Call back before 5 pm").count(), 1, "{}", page.body);
        assert_eq!(page.body.contains("name=\"Notes\""), in_form, "{}", page.body);
    }
}
