//! docs/console.md §1, §5: sessions, sign-in and sign-out, the security headers,
//! the assets, cross-site refusals and the desk's lookup, over HTTP.

use crate::helpers::*;
use serde_json::json;

/// One console answer: what the browser would see.
pub struct Page {
    pub status: StatusCode,
    pub headers: reqwest::header::HeaderMap,
    pub body: String,
}

impl Page {
    pub fn header(&self, name: &str) -> &str {
        self.headers.get(name).and_then(|v| v.to_str().ok()).unwrap_or("")
    }

    /// The value of the first hidden field `name` of the page.
    pub fn hidden(&self, name: &str) -> String {
        let marker = format!("name=\"{name}\" value=\"");
        let start =
            self.body.find(&marker).unwrap_or_else(|| panic!("no field {name} in {}", self.body)) + marker.len();
        let end = self.body[start..].find('"').unwrap() + start;
        unescape(&self.body[start..end])
    }

    /// Whether the page shows `text`, escaped as HTML (and never raw when it holds markup).
    pub fn shows(&self, text: &str) -> bool {
        let raw_markup = text.contains(['<', '>', '&']) && self.body.contains(text);
        !raw_markup && unescape(&self.body).contains(text)
    }
}

/// Undoes HTML escaping, whichever entity form the template engine picks.
pub fn unescape(html: &str) -> String {
    [("&#34;", "\""), ("&quot;", "\""), ("&#39;", "'"), ("&#60;", "<"), ("&lt;", "<"), ("&#62;", ">"), ("&gt;", ">")]
        .iter()
        .fold(html.to_string(), |text, (entity, plain)| text.replace(entity, plain))
        .replace("&#38;", "&")
        .replace("&amp;", "&")
}

async fn page_of(response: reqwest::Response) -> Page {
    let status = response.status();
    let headers = response.headers().clone();
    let body = response.text().await.unwrap();
    Page { status, headers, body }
}

pub async fn get_page(app: &TestApp, path: &str, cookie: Option<&str>) -> Page {
    let mut request = app.request(Method::GET, path);
    if let Some(cookie) = cookie {
        request = request.header("Cookie", cookie);
    }
    page_of(request.send().await.unwrap()).await
}

/// Posts a form as a same-origin browser does (`Sec-Fetch-Site: same-origin`) unless `site` says otherwise.
pub async fn post_form(app: &TestApp, path: &str, cookie: Option<&str>, fields: &[(&str, &str)], site: &str) -> Page {
    let mut request = app
        .request(Method::POST, path)
        .header("Content-Type", "application/x-www-form-urlencoded")
        .header("Sec-Fetch-Site", site)
        .body(serde_urlencoded::to_string(fields).unwrap());
    if let Some(cookie) = cookie {
        request = request.header("Cookie", cookie);
    }
    page_of(request.send().await.unwrap()).await
}

/// Signs in through `/login` and returns the `Cookie` header value to send.
pub async fn console_sign_in(app: &TestApp, user: &str, password: &str) -> String {
    let page = post_form(app, "/login", None, &[("UserName", user), ("Password", password)], "same-origin").await;
    assert_eq!(page.status, StatusCode::SEE_OTHER, "{}", page.body);
    let set_cookie = page.header("set-cookie");
    set_cookie.split(';').next().unwrap().to_string()
}

/// The form token of the signed-in user's pages.
pub async fn csrf_for(app: &TestApp, cookie: &str) -> String {
    get_page(app, "/desk", Some(cookie)).await.hidden("csrf")
}

fn assert_page_headers(page: &Page) {
    let csp = page.header("content-security-policy");
    assert!(csp.contains("default-src 'none'") && csp.contains("script-src 'self'"), "{csp}");
    assert!(csp.contains("frame-ancestors 'none'") && !csp.contains("unsafe-inline"), "{csp}");
    assert_eq!(page.header("x-content-type-options"), "nosniff");
    assert_eq!(page.header("referrer-policy"), "same-origin");
    assert_eq!(page.header("cache-control"), "no-store");
}

#[actix_web::test]
async fn root_and_pages_send_a_visitor_without_a_session_to_sign_in_and_back() {
    let app = spawn_app().await;
    let root = get_page(&app, "/", None).await;
    assert_eq!((root.status, root.header("location")), (StatusCode::SEE_OTHER, "/login"));
    for (path, next) in [
        ("/desk", "/login?next=%2Fdesk"),
        ("/calls/new?residentId=111", "/login?next=%2Fcalls%2Fnew%3FresidentId%3D111"),
        ("/calls/5", "/login?next=%2Fcalls%2F5"),
        ("/calls", "/login?next=%2Fcalls"),
    ] {
        let page = get_page(&app, path, None).await;
        assert_eq!(page.status, StatusCode::SEE_OTHER, "{path}");
        assert_eq!(page.header("location"), next, "{path}");
    }
    // A revoked or made-up cookie is no session either.
    let page = get_page(&app, "/desk", Some("calllog_session=not-a-token")).await;
    assert_eq!(page.header("location"), "/login?next=%2Fdesk");
    let cookie = console_sign_in(&app, "admin", ADMIN_PASSWORD).await;
    let root = get_page(&app, "/", Some(&cookie)).await;
    assert_eq!((root.status, root.header("location")), (StatusCode::SEE_OTHER, "/desk"));
}

#[actix_web::test]
async fn sign_in_sets_a_strict_http_only_cookie_and_honours_only_local_next() {
    let app = spawn_app().await;
    let form = get_page(&app, "/login?next=/calls/7", None).await;
    assert_eq!(form.status, StatusCode::OK);
    assert_page_headers(&form);
    assert!(form.body.contains("name=\"UserName\"") && form.body.contains("name=\"Password\""));
    assert_eq!(form.hidden("next"), "/calls/7");
    assert_eq!(form.body.matches("<h1>").count(), 1);

    let fields = [("UserName", "admin"), ("Password", ADMIN_PASSWORD), ("next", "/calls/7")];
    let page = post_form(&app, "/login", None, &fields, "same-origin").await;
    assert_eq!((page.status, page.header("location")), (StatusCode::SEE_OTHER, "/calls/7"));
    let cookie = page.header("set-cookie");
    assert!(cookie.starts_with("calllog_session="), "{cookie}");
    for attribute in ["HttpOnly", "SameSite=Strict", "Path=/"] {
        assert!(cookie.contains(attribute), "{attribute} missing: {cookie}");
    }
    assert!(!cookie.contains("Secure"), "plain HTTP must not mark the cookie Secure: {cookie}");

    for evil in ["//evil.example/x", "https://evil.example/", "/\\evil.example"] {
        let fields = [("UserName", "admin"), ("Password", ADMIN_PASSWORD), ("next", evil)];
        let page = post_form(&app, "/login", None, &fields, "same-origin").await;
        assert_eq!(page.header("location"), "/desk", "{evil}");
    }
}

#[actix_web::test]
async fn wrong_credentials_reshow_the_form_with_the_message_and_the_typed_name() {
    let app = spawn_app().await;
    let page = post_form(&app, "/login", None, &[("UserName", "admin"), ("Password", "wrong")], "same-origin").await;
    assert_eq!(page.status, StatusCode::UNAUTHORIZED);
    assert!(page.header("set-cookie").is_empty());
    assert!(page.body.contains("The user name or password is wrong"), "{}", page.body);
    assert!(page.body.contains("value=\"admin\""), "{}", page.body);
    assert_page_headers(&page);
    // The throttle of docs/api.md §3 holds here too.
    for _ in 0..4 {
        post_form(&app, "/login", None, &[("UserName", "admin"), ("Password", "wrong")], "same-origin").await;
    }
    let page = post_form(&app, "/login", None, &[("UserName", "admin"), ("Password", ADMIN_PASSWORD)], "none").await;
    assert_eq!(page.status, StatusCode::TOO_MANY_REQUESTS, "{}", page.body);
    assert!(!page.header("retry-after").is_empty());
}

#[actix_web::test]
async fn a_cross_site_sign_in_is_refused() {
    let app = spawn_app().await;
    let fields = [("UserName", "admin"), ("Password", ADMIN_PASSWORD)];
    for site in ["cross-site", "same-site"] {
        let page = post_form(&app, "/login", None, &fields, site).await;
        assert_eq!(page.status, StatusCode::FORBIDDEN, "{site}");
        assert!(page.header("set-cookie").is_empty());
    }
    // Without Sec-Fetch-Site, a foreign Origin refuses; this site's Origin passes.
    let body = serde_urlencoded::to_string(fields).unwrap();
    let foreign = app
        .request(Method::POST, "/login")
        .header("Content-Type", "application/x-www-form-urlencoded")
        .header("Origin", "https://evil.example")
        .body(body.clone())
        .send()
        .await
        .unwrap();
    assert_eq!(foreign.status(), StatusCode::FORBIDDEN);
    let own = app
        .request(Method::POST, "/login")
        .header("Content-Type", "application/x-www-form-urlencoded")
        .header("Origin", &app.address)
        .body(body)
        .send()
        .await
        .unwrap();
    assert_eq!(own.status(), StatusCode::SEE_OTHER);
}

#[actix_web::test]
async fn sign_out_needs_the_form_token_and_revokes_the_session() {
    let app = spawn_app().await;
    let cookie = console_sign_in(&app, "admin", ADMIN_PASSWORD).await;
    let csrf = csrf_for(&app, &cookie).await;
    let refused = post_form(&app, "/logout", Some(&cookie), &[("csrf", "0000")], "same-origin").await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);
    let refused = post_form(&app, "/logout", Some(&cookie), &[("csrf", csrf.as_str())], "cross-site").await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);
    assert_eq!(get_page(&app, "/desk", Some(&cookie)).await.status, StatusCode::OK, "still signed in");

    let page = post_form(&app, "/logout", Some(&cookie), &[("csrf", csrf.as_str())], "same-origin").await;
    assert_eq!((page.status, page.header("location")), (StatusCode::SEE_OTHER, "/login"));
    assert!(page.header("set-cookie").contains("Max-Age=0"));
    let after = get_page(&app, "/desk", Some(&cookie)).await;
    assert_eq!(after.status, StatusCode::SEE_OTHER, "the token is revoked");
}

#[actix_web::test]
async fn every_page_carries_the_security_headers_and_one_hashed_css_and_js() {
    app_with_directory!(app, _admin);
    let cookie = console_sign_in(&app, "admin", ADMIN_PASSWORD).await;
    let desk = get_page(&app, "/desk", Some(&cookie)).await;
    for path in ["/desk", "/desk?residentId=111", "/calls", "/calls/new", "/login", "/calls/999"] {
        let page = get_page(&app, path, Some(&cookie)).await;
        assert_page_headers(&page);
        assert_eq!(page.body.matches("<h1").count(), 1, "{path}: {}", page.body);
        assert!(!page.body.contains("style=") && !page.body.contains("<script>"), "{path}: inline style or script");
    }
    let css = desk.body.split("href=\"/assets/").nth(1).unwrap().split('"').next().unwrap().to_string();
    let js = desk.body.split("src=\"/assets/").nth(1).unwrap().split('"').next().unwrap().to_string();
    assert!(css.ends_with(".css") && js.ends_with(".js") && css.len() > 20, "{css} {js}");
    let asset = app.request(Method::GET, &format!("/assets/{css}")).send().await.unwrap();
    assert_eq!(asset.status(), StatusCode::OK);
    assert!(asset.headers()["cache-control"].to_str().unwrap().contains("immutable"));
    assert!(asset.headers()["content-type"].to_str().unwrap().starts_with("text/css"));
    let asset = app.request(Method::GET, &format!("/assets/{js}")).send().await.unwrap();
    assert!(asset.headers()["content-type"].to_str().unwrap().starts_with("text/javascript"));
    assert!(asset.text().await.unwrap().contains("/desk/lookup"));
    // The icon too, so browsers do not ask for /favicon.ico and log a 404.
    let icon = desk.body.split("rel=\"icon\" href=\"").nth(1).unwrap().split('"').next().unwrap().to_string();
    let asset = app.request(Method::GET, &icon).send().await.unwrap();
    assert_eq!(asset.status(), StatusCode::OK, "{icon}");
    assert_eq!(asset.headers()["content-type"], "image/svg+xml");
    let stale = app.request(Method::GET, "/assets/console.0000000000000000.css").send().await.unwrap();
    assert_eq!(stale.status(), StatusCode::NOT_FOUND);
}

#[actix_web::test]
async fn the_desk_lookup_answers_the_api_lookup_for_this_site_only() {
    app_with_directory!(app, admin);
    let cookie = console_sign_in(&app, "admin", ADMIN_PASSWORD).await;
    let api = get(&app, "/api/lookup?q=ann", &admin).await;
    let desk = desk_lookup(&app, &cookie, "same-origin").await;
    assert_eq!(desk.status(), StatusCode::OK);
    let body: serde_json::Value = desk.json().await.unwrap();
    assert_eq!(body, api.body);
    assert_eq!(body["Elements"][0]["ResidentId"], json!(111));

    let cross = desk_lookup(&app, &cookie, "cross-site").await;
    assert_eq!(cross.status(), StatusCode::FORBIDDEN);
    let foreign = app
        .request(Method::GET, "/desk/lookup?q=ann")
        .header("Cookie", &cookie)
        .header("Origin", "https://evil.example")
        .send()
        .await
        .unwrap();
    assert_eq!(foreign.status(), StatusCode::FORBIDDEN);
    let anonymous = app.request(Method::GET, "/desk/lookup?q=ann").send().await.unwrap();
    assert_eq!(anonymous.status(), StatusCode::UNAUTHORIZED);

    // The cookie never authenticates the JSON API.
    let api_with_cookie = app.request(Method::GET, "/api/lookup?q=ann").header("Cookie", &cookie).send().await.unwrap();
    assert_eq!(api_with_cookie.status(), StatusCode::UNAUTHORIZED);
}

#[actix_web::test]
async fn the_desk_shows_matches_the_card_with_the_repeat_caller_warning_and_my_open_calls() {
    app_with_directory!(app, admin);
    let cookie = console_sign_in(&app, "admin", ADMIN_PASSWORD).await;
    let desk = get_page(&app, "/desk", Some(&cookie)).await;
    assert!(desk.body.contains("id=\"lookup\"") && desk.body.contains("autofocus"), "{}", desk.body);
    assert!(desk.body.contains("role=\"combobox\""));
    assert!(desk.body.contains("You have no open calls."));

    let found = get_page(&app, "/desk?q=cole", Some(&cookie)).await;
    assert!(found.body.contains("href=\"/desk?residentId=111\""), "{}", found.body);

    let created =
        post(&app, "/api/calllogs", &admin, json!({"PropertyId": 1, "ResidentId": 111, "Subject": "Water leak"})).await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.text);
    let log_id = created.body["LogId"].as_i64().unwrap();
    let card = get_page(&app, "/desk?residentId=111", Some(&cookie)).await;
    assert_eq!(card.status, StatusCode::OK, "{}", card.body);
    assert!(card.body.contains("Ann B. Cole"), "{}", card.body);
    assert!(card.body.contains("1 open call for unit 101"), "{}", card.body);
    assert!(card.body.contains(&format!("href=\"/calls/{log_id}#NewComments\" data-key=\"1\"")), "{}", card.body);
    assert!(card.body.contains("href=\"/calls/new?residentId=111\""));
    let mine = card.body.split("My open calls").nth(1).unwrap();
    assert!(mine.contains(&format!("#{log_id}")) && mine.contains("Water leak"), "{mine}");

    // A closed call is no longer open: no warning, not among my open calls.
    let statuses = get(&app, "/api/modulestatuses/calllogs", &admin).await;
    let closed = statuses.body["Elements"].as_array().unwrap().iter().find(|s| s["Category"] == "closed").unwrap()
        ["ModuleStatusId"]
        .as_i64()
        .unwrap();
    let closed_ok = put(&app, &format!("/api/calllogs/{log_id}"), &admin, json!({"ModuleStatusId": closed})).await;
    assert_eq!(closed_ok.status, StatusCode::OK);
    let card = get_page(&app, "/desk?unitId=11", Some(&cookie)).await;
    assert!(!card.body.contains("open call for unit"), "{}", card.body);
    assert!(card.body.contains("You have no open calls."));
    assert!(card.body.contains("Water leak"), "the unit's last calls still list it");
}

#[actix_web::test]
async fn a_page_of_an_unlinked_property_is_a_403_page() {
    app_with_directory!(app, admin);
    make_user(&app, &admin, "agnes", "agent", &[2]).await;
    let cookie = console_sign_in(&app, "agnes", "agnes-password").await;
    let page = get_page(&app, "/desk?residentId=111", Some(&cookie)).await;
    assert_eq!(page.status, StatusCode::FORBIDDEN, "{}", page.body);
    assert_page_headers(&page);
    assert!(page.body.contains("not linked"), "{}", page.body);
}

#[actix_web::test]
async fn account_shows_the_user_and_changes_its_password_ending_its_other_sessions() {
    app_with_directory!(app, admin);
    make_user(&app, &admin, "agnes", "agent", &[1]).await;
    let cookie = console_sign_in(&app, "agnes", "agnes-password").await;
    let other = console_sign_in(&app, "agnes", "agnes-password").await;
    let api_token = sign_in(&app, "agnes", "agnes-password").await;
    let page = get_page(&app, "/account", Some(&cookie)).await;
    assert_eq!(page.status, StatusCode::OK);
    assert_page_headers(&page);
    assert!(page.body.contains("agnes") && page.body.contains("agent") && page.body.contains("Harbor View"));
    assert!(!page.body.contains("Oak Hollow"), "only linked properties");
    let csrf = page.hidden("csrf");

    let wrong = [("csrf", csrf.as_str()), ("CurrentPassword", "nope-nope"), ("NewPassword", "brand-new-pass")];
    let refused = post_form(&app, "/account", Some(&cookie), &wrong, "same-origin").await;
    assert_eq!(refused.status, StatusCode::UNAUTHORIZED, "{}", refused.body);
    assert!(
        refused.body.contains("id=\"CurrentPassword-error\"") && refused.body.contains("href=\"#CurrentPassword\"")
    );
    let short = [("csrf", csrf.as_str()), ("CurrentPassword", "agnes-password"), ("NewPassword", "short")];
    let refused = post_form(&app, "/account", Some(&cookie), &short, "same-origin").await;
    assert_eq!(refused.status, StatusCode::BAD_REQUEST);
    assert!(refused.body.contains("id=\"NewPassword-error\""), "{}", refused.body);
    let cross = [("csrf", csrf.as_str()), ("CurrentPassword", "agnes-password"), ("NewPassword", "brand-new-pass")];
    assert_eq!(post_form(&app, "/account", Some(&cookie), &cross, "cross-site").await.status, StatusCode::FORBIDDEN);

    let done = post_form(&app, "/account", Some(&cookie), &cross, "same-origin").await;
    assert_eq!((done.status, done.header("location")), (StatusCode::SEE_OTHER, "/account?changed=1"));
    let after = get_page(&app, "/account?changed=1", Some(&cookie)).await;
    assert_eq!(after.status, StatusCode::OK, "this session stays");
    assert!(after.body.contains("Your password was changed"));
    assert_eq!(get_page(&app, "/desk", Some(&other)).await.status, StatusCode::SEE_OTHER, "the other session ended");
    assert_eq!(get(&app, "/api/users/me", &api_token).await.status, StatusCode::UNAUTHORIZED, "a session token too");
    let fields = [("UserName", "agnes"), ("Password", "brand-new-pass")];
    assert_eq!(post_form(&app, "/login", None, &fields, "same-origin").await.status, StatusCode::SEE_OTHER);
}

#[actix_web::test]
async fn a_property_board_counts_by_category_and_lists_open_calls_and_units() {
    app_with_directory!(app, admin);
    for (unit, subject) in [(11, "Water leak"), (11, "Noise"), (12, "Parking")] {
        let c = post(
            &app,
            "/api/calllogs",
            &admin,
            json!({"PropertyId": 1, "UnitId": unit, "CallFrom": "Bob", "Subject": subject}),
        )
        .await;
        assert_eq!(c.status, StatusCode::CREATED, "{}", c.text);
    }
    let cookie = console_sign_in(&app, "admin", ADMIN_PASSWORD).await;
    let board = get_page(&app, "/properties/1", Some(&cookie)).await;
    assert_eq!(board.status, StatusCode::OK, "{}", board.body);
    assert_page_headers(&board);
    assert!(board.body.contains("<h1>Harbor View</h1>"));
    assert!(
        board.body.contains("<dt>Open</dt><dd>3</dd>") && board.body.contains("<dt>All</dt><dd>3</dd>"),
        "{}",
        board.body
    );
    let open = board.body.split("id=\"open-calls\"").nth(1).unwrap();
    let (leak, parking) = (open.find("Water leak").unwrap(), open.find("Parking").unwrap());
    assert!(leak < parking, "oldest first");
    let units = board.body.split("id=\"units\"").nth(1).unwrap();
    assert!(units.contains("<a href=\"/desk?unitId=11\">101</a></td><td>2</td>"), "{units}");

    make_user(&app, &admin, "otto", "agent", &[2]).await;
    let other = console_sign_in(&app, "otto", "otto-password").await;
    assert_eq!(get_page(&app, "/properties/1", Some(&other)).await.status, StatusCode::FORBIDDEN);
    assert_eq!(get_page(&app, "/properties/999", Some(&cookie)).await.status, StatusCode::NOT_FOUND);
    assert_eq!(get_page(&app, "/properties/1", None).await.header("location"), "/login?next=%2Fproperties%2F1");
}
