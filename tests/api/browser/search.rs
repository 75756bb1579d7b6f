//! Issue 18 item 1, in the console: the list's search box finds calls by a
//! reason's name, a unit's number, a property's name and other forms of a
//! word, as staff type them (docs/api.md §7; the list asks the API's search).

use super::*;
use serde_json::json;

#[actix_web::test]
#[ignore = "needs chromium + chromedriver (run by .ci/run)"]
async fn the_list_finds_calls_by_reason_unit_property_and_word_forms() {
    let (app, admin) = staffed_app().await;
    // The sample directory: property 1 "Harbor View" (units 101, 102),
    // property 2 "Oak Hollow" (unit A-1); reason 6 is "Noise or neighbor complaint".
    for body in [
        json!({"PropertyId": 1, "UnitId": 11, "CallFrom": "Desk", "Subject": "Music at night", "LogReasons": [6]}),
        json!({"PropertyId": 2, "UnitId": 21, "CallFrom": "Desk", "Subject": "Where can guests park overnight?"}),
        json!({"PropertyId": 2, "CallFrom": "Desk", "Subject": "Pipe", "NewComments": "It was leaking again"}),
    ] {
        api_log(&app, &admin, body).await;
    }
    let mut browser = open(&app).await;
    browser.sign_in("agnes", "agnes-password").await;
    let cases: [(&str, &str, &[&str]); 5] = [
        ("noise", "Music at night", &["Where can guests", "Pipe"]),
        ("101", "Music at night", &["Where can guests", "Pipe"]),
        ("harbor", "Music at night", &["Where can guests", "Pipe"]),
        ("parking", "Where can guests park overnight?", &["Music at night", "Pipe"]),
        ("leaks", "Pipe", &["Music at night", "Where can guests"]),
    ];
    for (typed, shown, hidden) in cases {
        browser.goto("/calls").await;
        browser.fill("q", typed).await;
        browser.submit_form_of("q").await;
        browser.wait_for_text(shown).await;
        let text = browser.page_text().await;
        assert!(text.contains("1 call."), "{typed}: {text}");
        for other in hidden {
            assert!(!text.contains(other), "{typed} shows {other}: {text}");
        }
    }
    browser.finish().await;
}
