//! Screenshots of each main page, at 1280 × 800 and at 200 % zoom, into
//! `target/screenshots/`, for people to look at (dense, legible, aligned);
//! the test itself asserts what a machine can: each page answers 200 with one
//! `<h1>`, nothing is wider than the window at 200 % zoom, and the console is clean.

use super::*;
use crate::helpers::put;
use serde_json::json;

/// A directory with a history: a dozen calls of every status, some with comments.
async fn busy_app() -> (TestApp, String, i64) {
    let (app, admin) = staffed_app().await;
    let subjects = [
        "Water leak under the kitchen sink",
        "Parking sticker for a second car",
        "Noise after 11 pm from the unit above",
        "Pool key card does not open the gate",
        "Late fee on the March assessment",
        "Balcony railing loose",
        "Request to paint the front door",
        "Package room full",
        "Elevator stops between floors",
        "Dog off leash in the lobby",
        "Intercom does not ring",
        "Gym reservation for Saturday",
    ];
    let mut first = 0;
    for (i, subject) in subjects.iter().enumerate() {
        let (property, unit, resident) =
            [(1, 11, Some(111)), (1, 11, Some(112)), (1, 12, None), (2, 21, Some(211))][i % 4];
        let mut body = json!({"PropertyId": property, "UnitId": unit, "Subject": subject,
                              "CallFrom": "Front desk 305-555-0100", "LogReasons": [i % 8 + 1],
                              "Notes": "Caller asked to be called back before 5 pm."});
        if let Some(resident) = resident {
            body["ResidentId"] = json!(resident);
        }
        let id = api_log(&app, &admin, body).await;
        if first == 0 {
            first = id;
        }
        if i % 3 == 0 {
            let update =
                json!({"NewComments": "Vendor called; visit booked for Thursday morning.", "ModuleStatusId": 2});
            assert_eq!(put(&app, &format!("/api/calllogs/{id}"), &admin, update).await.status.as_u16(), 200);
        }
        if i % 5 == 4 {
            let update = json!({"NewComments": "Done, resident confirmed.", "ModuleStatusId": 3});
            assert_eq!(put(&app, &format!("/api/calllogs/{id}"), &admin, update).await.status.as_u16(), 200);
        }
    }
    (app, admin, first)
}

#[actix_web::test]
#[ignore = "needs chromium + chromedriver (run by .ci/run)"]
async fn screenshots_of_each_main_page() {
    let (app, _, first) = busy_app().await;
    let mut browser = open(&app).await;
    browser.goto("/login").await;
    shoot(&mut browser, "login").await;
    browser.sign_in("admin", crate::helpers::ADMIN_PASSWORD).await;
    let pages = [
        ("desk", "/desk".to_string()),
        ("desk-card", "/desk?residentId=111".to_string()),
        ("call-new", "/calls/new?residentId=111".to_string()),
        ("call-new-blank", "/calls/new".to_string()),
        ("call", format!("/calls/{first}")),
        ("calls", "/calls".to_string()),
        ("calls-filtered", "/calls?status=1&status=2&propertyId=1&sort=logid&order=asc".to_string()),
        ("property", "/properties/1".to_string()),
        ("account", "/account".to_string()),
        ("admin", "/admin".to_string()),
    ];
    for (name, path) in pages {
        browser.goto(&path).await;
        assert_eq!(browser.status().await, 200, "{path}");
        shoot(&mut browser, name).await;
    }
    browser.finish().await;
}

/// Checks one page and saves its two screenshots.
async fn shoot(browser: &mut Browser, name: &str) {
    browser.h1().await;
    assert_eq!(browser.audit().await, Vec::<String>::new(), "{name}: docs/console.md §6");
    browser.screenshots(name).await;
    // At 200 % zoom (640 CSS px) the page reflows instead of scrolling sideways.
    browser.set_viewport(640, 400, 2.0).await;
    let overflow = browser.js("return document.documentElement.scrollWidth - window.innerWidth;", vec![]).await;
    browser.set_viewport(1280, 800, 1.0).await;
    let overflows = overflow.as_i64().unwrap() > 0;
    if overflows {
        browser.set_viewport(640, 400, 2.0).await;
        let wide = browser
            .js(
                "return [...document.querySelectorAll('main *')].filter(e => e.getBoundingClientRect().right > window.innerWidth)
                   .slice(0, 5).map(e => e.tagName + '#' + e.id + '.' + e.className + ' ' + Math.round(e.getBoundingClientRect().right));",
                vec![],
            )
            .await;
        browser.set_viewport(1280, 800, 1.0).await;
        panic!("{name} scrolls sideways at 200 % zoom by {overflow} px; wider than the window: {wide}");
    }
}

/// `/help` at 1280 × 800 and at 200 % zoom: no sideways scrolling (its widest
/// table was 1,339 px), a table of contents that reaches every route, and its
/// look from the console's stylesheet, which the page's strict
/// Content-Security-Policy lets load (an inline style would be refused and
/// show in the console, which `finish` checks).
#[actix_web::test]
#[ignore = "needs chromium + chromedriver (run by .ci/run)"]
async fn the_help_page_fits_the_window_and_has_a_table_of_contents() {
    let app = crate::helpers::spawn_app().await;
    let mut browser = open(&app).await;
    browser.goto("/help").await;
    assert_eq!(browser.status().await, 200);
    assert_eq!(browser.h1().await, "calllog API");
    for (width, height, scale) in [(1280, 800, 1.0), (640, 400, 2.0)] {
        browser.set_viewport(width, height, scale).await;
        let overflow = browser.js("return document.documentElement.scrollWidth - window.innerWidth;", vec![]).await;
        assert!(overflow.as_i64().unwrap() <= 0, "/help scrolls sideways by {overflow} px at {width} CSS px");
    }
    browser.set_viewport(1280, 800, 1.0).await;
    let unlisted = browser
        .js(
            "const headings = [...document.querySelectorAll('main h3 > .m')].map(m => m.parentElement.id);
             return [headings.length,
                     headings.filter(id => !id || !document.querySelector('nav.toc a[href=\"#' + id + '\"]'))];",
            vec![],
        )
        .await;
    assert!(unlisted[0].as_u64().unwrap() >= 40, "route headings: {unlisted}");
    assert_eq!(unlisted[1], json!([]), "route headings the contents do not link to");
    let styled = browser.js("return getComputedStyle(document.querySelector('main .scroll')).overflowX;", vec![]).await;
    assert_eq!(styled, json!("auto"), "the console's stylesheet styles the page");
    browser.screenshots("help").await;
    // A route's tables, where the widest cells are.
    browser.goto("/help#post-api-calllogs").await;
    browser.screenshots("help-route").await;
    browser.finish().await;
}
