//! docs/console.md §1, §3, §7 (issue 18): every list row shows the property
//! and unit; nobody types a database id (the list's filters and the new-call
//! form name properties, units and users); a save's message comes back on
//! the call's page by a short-lived cookie; the admin edits names and email,
//! sees each user's properties and can have a password made.

use crate::console_pages::{console_sign_in, csrf_for, get_page, post_form, Page};
use crate::helpers::*;
use serde_json::json;

async fn log(app: &TestApp, token: &str, body: serde_json::Value) -> i64 {
    let created = post(app, "/api/calllogs", token, body).await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.text);
    created.body["LogId"].as_i64().unwrap()
}

/// The `<tr>` of the page that links to call `log_id`, as text.
fn row_of(page: &Page, log_id: i64) -> String {
    let link = format!("<a href=\"/calls/{log_id}\">#{log_id}</a>");
    let at = page.body.find(&link).unwrap_or_else(|| panic!("no row for #{log_id}: {}", page.body));
    let start = page.body[..at].rfind("<tr>").unwrap();
    let end = page.body[at..].find("</tr>").unwrap() + at;
    crate::console_pages::unescape(&page.body[start..end])
}

#[actix_web::test]
async fn every_list_row_and_the_call_page_show_the_property_by_name_and_the_unit_by_number() {
    app_with_directory!(app, admin);
    let in_unit = log(&app, &admin, json!({"PropertyId": 1, "ResidentId": 111, "Subject": "Dripping tap"})).await;
    let no_unit = log(&app, &admin, json!({"PropertyId": 2, "CallFrom": "A realtor", "Subject": "Listing"})).await;
    let cookie = console_sign_in(&app, "admin", ADMIN_PASSWORD).await;

    let list = get_page(&app, "/calls", Some(&cookie)).await;
    let row = row_of(&list, in_unit);
    assert!(row.contains(">Harbor View</a>") && row.contains(">101</a>"), "{row}");
    assert!(row_of(&list, no_unit).contains(">Oak Hollow</a>"), "a call without a unit still names its property");
    assert!(list.body.contains("<th scope=\"col\">Property</th><th scope=\"col\">Unit</th>"));

    // The desk's own open calls (the admin took both), the card's last calls, the property's board.
    let desk = get_page(&app, "/desk?unitId=11", Some(&cookie)).await;
    let mine = &desk.body[desk.body.find("id=\"my-open-calls\"").expect("my open calls")..];
    assert!(mine.contains(">Harbor View</a>") && mine.contains(">Oak Hollow</a>"), "{mine}");
    let card = &desk.body[desk.body.find("id=\"card\"").unwrap()..desk.body.find("id=\"mine-title\"").unwrap()];
    assert!(card.contains(">Harbor View</a></td><td><a href=\"/desk?unitId=11\">101</a>"), "{card}");
    let board = get_page(&app, "/properties/1", Some(&cookie)).await;
    assert!(row_of(&board, in_unit).contains(">101</a>"), "{}", board.body);

    // The call page: "Harbor View, unit 101", never "unit card".
    let page = get_page(&app, &format!("/calls/{in_unit}"), Some(&cookie)).await;
    assert!(page.body.contains(">Harbor View</a>, unit <a href=\"/desk?unitId=11\">101</a>"), "{}", page.body);
    assert!(!page.shows("unit card"));
}

/// No field of any page asks for a database id: ids travel in selects'
/// values and hidden fields only.
#[actix_web::test]
async fn no_page_has_a_field_that_asks_for_an_id() {
    app_with_directory!(app, admin);
    let log_id = log(&app, &admin, json!({"PropertyId": 1, "UnitId": 11, "CallFrom": "Bob", "Subject": "Gate"})).await;
    let cookie = console_sign_in(&app, "admin", ADMIN_PASSWORD).await;
    for path in [
        "/calls".to_string(),
        "/calls?propertyId=1&unitId=11&residentId=111".to_string(),
        "/calls/new".to_string(),
        "/calls/new?propertyId=1".to_string(),
        "/calls/new?unitId=11".to_string(),
        "/desk".to_string(),
        format!("/calls/{log_id}"),
        "/admin".to_string(),
    ] {
        let page = get_page(&app, &path, Some(&cookie)).await;
        assert_eq!(page.status, StatusCode::OK, "{path}: {}", page.body);
        let text = crate::console_pages::unescape(&page.body);
        for asks_for_an_id in ["Property id", "Unit id", "Resident id", "inputmode=\"numeric\" value=\"11\""] {
            assert!(!text.contains(asks_for_an_id), "{path} asks for an id ({asks_for_an_id})");
        }
        for name in ["PropertyId", "UnitId", "ResidentId", "propertyId", "unitId", "residentId"] {
            let typed = format!("name=\"{name}\" type=\"text\"");
            assert!(!page.body.contains(&typed), "{path}: {name} is typed");
        }
    }
}

#[actix_web::test]
async fn the_list_is_filtered_by_a_chosen_property_a_typed_unit_number_and_a_chosen_name() {
    app_with_directory!(app, admin);
    make_user(&app, &admin, "maria", "agent", &[1, 2]).await;
    let maria = sign_in(&app, "maria", "maria-password").await;
    let in_101 = log(&app, &maria, json!({"PropertyId": 1, "UnitId": 11, "CallFrom": "Bob", "Subject": "Leak"})).await;
    let in_102 = log(&app, &admin, json!({"PropertyId": 1, "UnitId": 12, "CallFrom": "Eve", "Subject": "Gate"})).await;
    let elsewhere = log(&app, &maria, json!({"PropertyId": 2, "CallFrom": "Joe", "Subject": "Pool"})).await;
    let cookie = console_sign_in(&app, "maria", "maria-password").await;

    let list = get_page(&app, "/calls", Some(&cookie)).await;
    assert!(list.body.contains("<select id=\"propertyId\" name=\"propertyId\">"), "{}", list.body);
    assert!(list.body.contains("<option value=\"1\" >Harbor View</option>"), "{}", list.body);
    // Taken by: the users' names to choose from, as the filter takes them.
    assert!(list.body.contains("<option value=\"maria Tester\" >maria Tester</option>"), "{}", list.body);

    let by_unit = get_page(&app, "/calls?propertyId=1&unitNumber=101", Some(&cookie)).await;
    assert_eq!(by_unit.status, StatusCode::OK, "{}", by_unit.body);
    assert!(by_unit.shows("1 call.") && by_unit.body.contains(&format!("/calls/{in_101}\"")), "{}", by_unit.body);
    assert!(!by_unit.body.contains(&format!("/calls/{in_102}\"")));
    assert!(by_unit.body.contains("<option value=\"1\" selected>Harbor View</option>"), "the property stays chosen");
    assert!(by_unit.body.contains("name=\"unitNumber\" type=\"text\" value=\"101\""), "the number stays typed");

    let by_name = get_page(&app, "/calls?takenBy=maria+Tester", Some(&cookie)).await;
    assert!(by_name.shows("2 calls."), "{}", by_name.body);
    assert!(
        !by_name.body.contains(&format!("/calls/{in_102}\""))
            && by_name.body.contains(&format!("/calls/{elsewhere}\""))
    );
    assert!(by_name.body.contains("<option value=\"maria Tester\" selected>"), "{}", by_name.body);

    // A unit from a link shows as its number; a resident from a link by name, removable.
    let linked = get_page(&app, "/calls?propertyId=1&unitId=11&residentId=111", Some(&cookie)).await;
    assert!(linked.body.contains("name=\"unitNumber\" type=\"text\" value=\"101\""), "{}", linked.body);
    assert!(linked.shows("Resident: Ann B. Cole") && linked.body.contains("remove</a>"), "{}", linked.body);

    // A number no unit of the property has: said plainly, not "must be an integer", and not echoed.
    for unknown in ["/calls?propertyId=1&unitNumber=Unit+202", "/calls?propertyId=1&unitNumber=999"] {
        let refused = get_page(&app, unknown, Some(&cookie)).await;
        assert_eq!(refused.status, StatusCode::BAD_REQUEST, "{}", refused.body);
        assert!(refused.shows("Unit: names no unit of the chosen property; check the number."), "{}", refused.body);
        assert!(!refused.shows("integer") && !refused.shows("0 calls"), "{}", refused.body);
    }
    let no_property = get_page(&app, "/calls?unitNumber=101", Some(&cookie)).await;
    assert_eq!(no_property.status, StatusCode::BAD_REQUEST);
    assert!(no_property.shows("choose the property too"), "{}", no_property.body);
}

async fn new_call_form(app: &TestApp, cookie: &str, path: &str) -> (String, String) {
    let form = get_page(app, path, Some(cookie)).await;
    assert_eq!(form.status, StatusCode::OK, "{}", form.body);
    (form.hidden("csrf"), form.hidden("IdempotencyKey"))
}

#[actix_web::test]
async fn a_caller_not_in_the_directory_is_placed_by_property_and_unit_number() {
    app_with_directory!(app, admin);
    let cookie = console_sign_in(&app, "admin", ADMIN_PASSWORD).await;
    let form = get_page(&app, "/calls/new", Some(&cookie)).await;
    assert!(form.body.contains("<select id=\"PropertyId\" name=\"PropertyId\""), "{}", form.body);
    assert!(form.body.contains("id=\"UnitNumber\" name=\"UnitNumber\" type=\"text\""), "{}", form.body);
    assert!(form.body.contains("<input type=\"hidden\" id=\"UnitId\" name=\"UnitId\""), "{}", form.body);

    // Without the page script: the property chosen, the unit's number typed.
    let (csrf, key) = new_call_form(&app, &cookie, "/calls/new").await;
    let fields = [
        ("csrf", csrf.as_str()),
        ("IdempotencyKey", key.as_str()),
        ("PropertyId", "1"),
        ("UnitNumber", " 102 "),
        ("UnitId", ""),
        ("ResidentId", ""),
        ("CallFrom", "A realtor, 555-0100"),
        ("Subject", "Showing next week"),
    ];
    let done = post_form(&app, "/calls/new", Some(&cookie), &fields, "same-origin").await;
    assert_eq!(done.status, StatusCode::SEE_OTHER, "{}", done.body);
    let log_id: i64 = done.header("location").trim_start_matches("/calls/").parse().unwrap();
    let logged = get(&app, &format!("/api/calllogs/{log_id}"), &admin).await;
    assert_eq!((logged.body["PropertyId"].as_i64(), logged.body["UnitId"].as_i64()), (Some(1), Some(12)));

    // A number that names no unit of the property: said next to the field, the text kept, nothing logged.
    let (csrf, key) = new_call_form(&app, &cookie, "/calls/new").await;
    let fields = [
        ("csrf", csrf.as_str()),
        ("IdempotencyKey", key.as_str()),
        ("PropertyId", "2"),
        ("UnitNumber", "101"),
        ("CallFrom", "A vendor"),
        ("Subject", "Invoice"),
    ];
    let refused = post_form(&app, "/calls/new", Some(&cookie), &fields, "same-origin").await;
    assert_eq!(refused.status, StatusCode::BAD_REQUEST, "{}", refused.body);
    assert!(refused.body.contains("id=\"UnitNumber-error\""), "{}", refused.body);
    assert!(refused.shows("names no unit of the chosen property") && refused.shows("A vendor"), "{}", refused.body);
    assert!(refused.body.contains("name=\"UnitNumber\" type=\"text\" value=\"101\""));
    assert_eq!(get(&app, "/api/calllogs", &admin).await.body["Total"], 1, "nothing logged");

    // Ids chosen by the lookup (the page script fills the hidden UnitId) travel as they are.
    let (csrf, key) = new_call_form(&app, &cookie, "/calls/new").await;
    let fields = [
        ("csrf", csrf.as_str()),
        ("IdempotencyKey", key.as_str()),
        ("PropertyId", "2"),
        ("UnitId", "21"),
        ("CallFrom", "A vendor"),
        ("Subject", "Invoice"),
    ];
    let done = post_form(&app, "/calls/new", Some(&cookie), &fields, "same-origin").await;
    assert_eq!(done.status, StatusCode::SEE_OTHER, "{}", done.body);
    let log_id: i64 = done.header("location").trim_start_matches("/calls/").parse().unwrap();
    assert_eq!(get(&app, &format!("/api/calllogs/{log_id}"), &admin).await.body["UnitId"], 21);

    // Opened for a unit: its number is shown, typed, and its id rides along.
    let for_unit = get_page(&app, "/calls/new?unitId=11", Some(&cookie)).await;
    assert!(for_unit.body.contains("name=\"UnitNumber\" type=\"text\" value=\"101\""), "{}", for_unit.body);
    assert_eq!(for_unit.hidden("UnitId"), "11");
}

/// The value of the `Set-Cookie` named `name` of a page, up to its first `;`.
fn set_cookie<'a>(page: &'a Page, name: &str) -> Option<&'a str> {
    page.headers
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|v| v.starts_with(&format!("{name}=")))
}

#[actix_web::test]
async fn after_a_save_the_calls_page_says_what_happened_once() {
    app_with_directory!(app, admin);
    let cookie = console_sign_in(&app, "admin", ADMIN_PASSWORD).await;
    let (csrf, key) = new_call_form(&app, &cookie, "/calls/new?residentId=111").await;
    let fields = [
        ("csrf", csrf.as_str()),
        ("IdempotencyKey", key.as_str()),
        ("ResidentId", "111"),
        ("UnitId", "11"),
        ("PropertyId", "1"),
        ("Subject", "Burst pipe"),
    ];
    let done = post_form(&app, "/calls/new", Some(&cookie), &fields, "same-origin").await;
    assert_eq!(done.status, StatusCode::SEE_OTHER, "{}", done.body);
    let location = done.header("location").to_string();
    let log_id: i64 = location.trim_start_matches("/calls/").parse().expect("Location is exactly /calls/{LogId}");
    let flash = set_cookie(&done, "calllog_flash").expect("the message travels in a cookie");
    assert_eq!(flash, format!("calllog_flash=logged-{log_id}; HttpOnly; SameSite=Strict; Path=/; Max-Age=60"));

    let with_flash = format!("{cookie}; calllog_flash=logged-{log_id}");
    let page = get_page(&app, &location, Some(&with_flash)).await;
    assert!(
        page.body.contains(&format!("id=\"saved\" tabindex=\"-1\" data-focus>Call #{log_id} logged.</p>")),
        "{}",
        page.body
    );
    let cleared = set_cookie(&page, "calllog_flash").expect("the page that shows it clears it");
    assert!(cleared.starts_with("calllog_flash=;") && cleared.contains("Max-Age=0"), "{cleared}");
    let again = get_page(&app, &location, Some(&cookie)).await;
    assert!(!again.shows("logged.") && set_cookie(&again, "calllog_flash").is_none(), "shown once");

    // A message of another call, or not of the fixed set, is not shown (but cleared).
    for stray in [format!("logged-{}", log_id + 1), "Your+account+is+locked-1".to_string()] {
        let page = get_page(&app, &location, Some(&format!("{cookie}; calllog_flash={stray}"))).await;
        assert!(!page.body.contains("id=\"saved\""), "{stray}: {}", page.body);
        assert!(set_cookie(&page, "calllog_flash").is_some_and(|c| c.contains("Max-Age=0")));
    }

    // A comment: "Comment added", and the 303 still goes exactly to the call.
    let page = get_page(&app, &location, Some(&cookie)).await;
    let fields = [("csrf", page.hidden("csrf")), ("ETag", page.hidden("ETag")), ("NewComments", "Called back".into())];
    let fields: Vec<(&str, &str)> = fields.iter().map(|(n, v)| (*n, v.as_str())).collect();
    let done = post_form(&app, &location, Some(&cookie), &fields, "same-origin").await;
    assert_eq!((done.status, done.header("location")), (StatusCode::SEE_OTHER, location.as_str()));
    let flash = set_cookie(&done, "calllog_flash").unwrap();
    assert!(flash.starts_with(&format!("calllog_flash=commented-{log_id};")), "{flash}");
    let page = get_page(&app, &location, Some(&format!("{cookie}; calllog_flash=commented-{log_id}"))).await;
    assert!(page.shows("Comment added."), "{}", page.body);
}

#[actix_web::test]
async fn the_admin_edits_names_and_email_and_sees_each_users_properties() {
    app_with_directory!(app, admin);
    let (sam, _) = make_user(&app, &admin, "sam", "agent", &[1, 2]).await;
    let cookie = console_sign_in(&app, "admin", ADMIN_PASSWORD).await;
    let page = get_page(&app, "/admin", Some(&cookie)).await;
    assert!(page.body.contains("<span class=\"linked\">Harbor View, Oak Hollow</span>"), "{}", page.body);
    assert!(page
        .body
        .contains(&format!("id=\"FirstName-{sam}\" name=\"FirstName\" type=\"text\" maxlength=\"100\" value=\"sam\"")));
    let csrf = page.hidden("csrf");
    let fields = [
        ("csrf", csrf.as_str()),
        ("PropertyIdsShown", "1"),
        ("FirstName", "Sam"),
        ("LastName", "Diaz"),
        ("Email", "sam@example.com"),
        ("Role", "agent"),
        ("Active", "true"),
        ("Password", ""),
        ("PropertyIds", "2"),
    ];
    let done = post_form(&app, &format!("/admin/users/{sam}"), Some(&cookie), &fields, "same-origin").await;
    assert_eq!(done.status, StatusCode::SEE_OTHER, "{}", done.body);
    let user = get(&app, &format!("/api/users/{sam}"), &admin).await;
    assert_eq!(
        (&user.body["FirstName"], &user.body["LastName"], &user.body["Email"], &user.body["PropertyIds"]),
        (&json!("Sam"), &json!("Diaz"), &json!("sam@example.com"), &json!([2]))
    );
    let page = get_page(&app, "/admin", Some(&cookie)).await;
    assert!(page.body.contains("sam (Sam Diaz), agent — <span class=\"linked\">Oak Hollow</span>"), "{}", page.body);
    // The audit says it in words, with names.
    assert!(page.shows("changed sam's first name from sam to Sam"), "{}", page.body);
    assert!(page.shows("changed sam's properties from Harbor View and Oak Hollow to Oak Hollow"), "{}", page.body);
}

#[actix_web::test]
async fn a_generated_password_is_shown_once_and_signs_the_user_in() {
    app_with_directory!(app, admin);
    let cookie = console_sign_in(&app, "admin", ADMIN_PASSWORD).await;
    let csrf = csrf_for(&app, &cookie).await;
    let fields = [
        ("csrf", csrf.as_str()),
        ("UserName", "newbie"),
        ("Password", ""),
        ("GeneratePassword", "1"),
        ("Role", "agent"),
        ("PropertyIds", "1"),
    ];
    let created = post_form(&app, "/admin/users", Some(&cookie), &fields, "same-origin").await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.body);
    let text = crate::console_pages::unescape(&created.body);
    let marker = "Its password, shown this once: ";
    let start = text.find(marker).unwrap_or_else(|| panic!("{text}")) + marker.len();
    let password: String = text[start..].chars().take_while(|c| c.is_ascii_alphanumeric() || *c == '-').collect();
    assert_eq!(password.len(), 19, "{password}");
    assert!(!created.header("location").contains(&password) && created.header("set-cookie").is_empty());
    sign_in(&app, "newbie", &password).await;
    let page = get_page(&app, "/admin", Some(&cookie)).await;
    assert!(!page.shows(&password), "shown once");

    // A typed password still works, and an empty one without "generate" is refused.
    let fields = [("csrf", csrf.as_str()), ("UserName", "typed"), ("Password", ""), ("Role", "agent")];
    let refused = post_form(&app, "/admin/users", Some(&cookie), &fields, "same-origin").await;
    assert_eq!(refused.status, StatusCode::BAD_REQUEST, "{}", refused.body);
    assert_eq!(get(&app, "/api/users", &admin).await.body["Total"], 2, "nobody made");
}

#[actix_web::test]
async fn before_an_import_the_properties_box_points_to_the_import() {
    let app = spawn_app().await;
    let admin = sign_in(&app, "admin", ADMIN_PASSWORD).await;
    make_user(&app, &admin, "sam", "agent", &[]).await;
    let cookie = console_sign_in(&app, "admin", ADMIN_PASSWORD).await;
    let page = get_page(&app, "/admin", Some(&cookie)).await;
    let hint = "No properties yet: <a href=\"#import-title\">import the directory</a> first";
    assert_eq!(page.body.matches(hint).count(), 3, "in the new user's form, the admin's and sam's: {}", page.body);
    app_with_directory!(full, full_admin);
    let _ = full_admin;
    let cookie = console_sign_in(&full, "admin", ADMIN_PASSWORD).await;
    assert!(!get_page(&full, "/admin", Some(&cookie)).await.body.contains(hint));
}
