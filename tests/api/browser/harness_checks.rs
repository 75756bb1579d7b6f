//! The harness itself: its console check must catch what it claims to catch,
//! or "no CSP violation, no JavaScript error" would pass on anything.

use super::*;
use crate::helpers::spawn_app;

#[actix_web::test]
#[ignore = "needs chromium + chromedriver (run by .ci/run)"]
async fn the_console_check_sees_a_csp_violation_and_a_javascript_error() {
    let app = spawn_app().await;
    let mut browser = open(&app).await;

    // A page whose own policy forbids its inline script: Chromium logs a CSP violation.
    let csp_page = "data:text/html,<meta http-equiv=\"Content-Security-Policy\" content=\"script-src 'none'\">\
                    <h1>csp</h1><script>document.title = 'ran'</script>";
    browser.client.goto(csp_page).await.unwrap();
    let csp: Vec<ConsoleEntry> = browser.read_console().await.iter().filter(|e| e.is_problem()).cloned().collect();
    assert!(
        csp.iter().any(|e| e.message.contains("Content Security Policy")),
        "the blocked inline script must show as a problem: {csp:#?}"
    );

    // An uncaught exception.
    browser.client.goto("data:text/html,<h1>js</h1><script>throw new Error('harness-boom')</script>").await.unwrap();
    let all = browser.read_console().await.to_vec();
    assert!(
        all.iter().any(|e| e.is_problem() && e.message.contains("harness-boom")),
        "the uncaught error must show as a problem: {all:#?}"
    );

    // A plain log line is not a problem.
    browser.client.goto("data:text/html,<h1>ok</h1><script>console.log('harness-fine')</script>").await.unwrap();
    let all = browser.read_console().await.to_vec();
    let fine: Vec<_> = all.iter().filter(|e| e.message.contains("harness-fine")).collect();
    assert_eq!(fine.len(), 1, "console.log is read back: {all:#?}");
    assert!(!fine[0].is_problem(), "console.log is not a problem: {fine:#?}");
}

#[actix_web::test]
#[ignore = "needs chromium + chromedriver (run by .ci/run)"]
async fn the_keyboard_counts_every_key_and_screenshots_have_both_sizes() {
    let app = spawn_app().await;
    let browser = open(&app).await;
    browser.client.goto("data:text/html,<h1>keys</h1><input id=box autofocus>").await.unwrap();
    browser.find("#box").await.click().await.unwrap();
    let mut keys = browser.keyboard();
    keys.text("abc").await;
    keys.key(Key::Backspace).await;
    keys.chord(Key::Shift, Key::Home).await;
    assert_eq!(keys.presses, 6, "3 letters, 1 key, a 2-key chord");
    let value = browser.find("#box").await.prop("value").await.unwrap();
    assert_eq!(value.as_deref(), Some("ab"), "the keys reached the focused field");

    browser.screenshots("harness-check").await;
    for (file, width, height) in [("harness-check.png", 1280, 800), ("harness-check@200.png", 1280, 800)] {
        let png = std::fs::read(screenshot_dir().join(file)).unwrap();
        assert_eq!(&png[1..4], b"PNG", "{file} is a PNG");
        // IHDR: width and height as big-endian u32 at bytes 16..24.
        let w = u32::from_be_bytes(png[16..20].try_into().unwrap());
        let h = u32::from_be_bytes(png[20..24].try_into().unwrap());
        assert_eq!((w, h), (width, height), "{file}: device pixels of a 1280 × 800 screen");
    }
    // The 200 % layout is half as wide in CSS pixels.
    browser.set_viewport(640, 400, 2.0).await;
    assert_eq!(browser.js("return window.innerWidth", vec![]).await, json!(640));
    browser.set_viewport(1280, 800, 1.0).await;
    assert_eq!(browser.js("return window.innerWidth", vec![]).await, json!(1280));
    browser.finish().await;
}

#[actix_web::test]
#[ignore = "needs chromium + chromedriver (run by .ci/run)"]
async fn the_page_audit_finds_a_missing_label_a_small_target_and_a_bare_date() {
    let app = spawn_app().await;
    let browser = open(&app).await;
    let page = "data:text/html,<h1>audit</h1><label for=a>A</label><input id=a style='height:30px'>\
                <input name=b style='height:30px'><button style='height:12px;padding:0'>x</button>\
                <time datetime='2026-03-03T14:05:00Z'>Tue 3 Mar</time>\
                <time datetime='2026-03-03T14:05:00.000Z'>Tue 3 Mar</time>";
    browser.client.goto(page).await.unwrap();
    let problems = browser.audit().await;
    assert_eq!(problems.len(), 3, "{problems:#?}");
    assert!(problems[0].starts_with("no label: <input name=\"b\""), "{problems:#?}");
    assert!(problems[1].starts_with("target ") && problems[1].contains("<button"), "{problems:#?}");
    assert_eq!(problems[2], "time datetime=\"2026-03-03T14:05:00Z\"");
    browser.finish().await;
}
