//! API.md §8: operations endpoints, open without a token.

use crate::helpers::*;

#[actix_web::test]
async fn metrics_count_requests_by_route_and_status_and_show_the_store() {
    app_with_directory!(app, admin);
    get(&app, "/api/units/11", &admin).await;
    get(&app, "/api/units/12", &admin).await;
    get(&app, "/api/units/99", &admin).await;
    get(&app, "/api/no/such/route", &admin).await;
    let a = send(app.request(Method::GET, "/metrics")).await;
    assert_eq!(a.status, StatusCode::OK);
    assert!(a.header("content-type").is_some_and(|t| t.contains("text")), "{:?}", a.header("content-type"));
    let text = &a.text;
    let line = |prefix: &str| text.lines().find(|l| l.starts_with(prefix)).map(str::to_string);
    let ok = line("calllog_http_requests_total{route=\"/api/units/{id}\",method=\"GET\",status=\"200\"}")
        .unwrap_or_else(|| panic!("no counter for the unit route: {text}"));
    assert!(ok.ends_with(" 2"), "{ok}");
    assert!(line("calllog_http_requests_total{route=\"/api/units/{id}\",method=\"GET\",status=\"404\"}").is_some());
    assert!(line("calllog_http_requests_total{route=\"unmatched\",method=\"GET\",status=\"404\"}").is_some(), "{text}");
    assert!(line("calllog_http_request_duration_seconds_bucket{").is_some(), "{text}");
    assert!(line("calllog_write_queue_depth 0").is_some(), "{text}");
    let batches = line("calllog_write_batches_total ").expect("write batches");
    let committed: u64 = batches.rsplit(' ').next().unwrap().parse().unwrap();
    assert!(committed >= 2, "sign-in and import were committed: {batches}");
    assert!(line("calllog_read_pool_connections ").is_some(), "{text}");
    assert!(!text.contains("/api/units/11"), "raw paths must not become labels");
}
