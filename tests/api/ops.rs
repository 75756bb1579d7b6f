//! docs/api.md §8: operations endpoints, open without a token.

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
    // docs/api.md §8, docs/operations.md §6: the writer on SQLite, the connection pool on PostgreSQL.
    let committed_line = if on_sqlite() {
        assert!(line("calllog_write_queue_depth 0").is_some(), "{text}");
        assert!(line("calllog_read_pool_connections ").is_some(), "{text}");
        line("calllog_write_batches_total ").expect("write batches")
    } else {
        assert!(line("calllog_write_queue_depth").is_none(), "no writer thread on PostgreSQL: {text}");
        assert!(line("calllog_db_pool_connections ").is_some(), "{text}");
        assert!(line("calllog_db_pool_idle_connections ").is_some(), "{text}");
        assert!(line("calllog_db_pool_max_connections 8").is_some(), "{text}");
        assert!(line("calllog_db_pool_timeouts_total 0").is_some(), "{text}");
        line("calllog_committed_writes_total ").expect("committed writes")
    };
    let committed: u64 = committed_line.rsplit(' ').next().unwrap().parse().unwrap();
    assert!(committed >= 2, "sign-in and import were committed: {committed_line}");
    assert!(!text.contains("/api/units/11"), "raw paths must not become labels");
}

/// Label values come from closed sets (known methods + `other`; route
/// patterns + `unmatched`), so no client can grow `/metrics` without bound.
#[actix_web::test]
async fn invented_methods_and_paths_do_not_grow_the_metrics() {
    use futures_util::StreamExt;
    use rand::Rng;
    let app = spawn_app().await;
    let mut rng = rand::rng();
    let alphabet = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
    let mut word = |len: usize| -> String {
        (0..len).map(|_| alphabet[rng.random_range(0..alphabet.len())] as char).collect::<String>()
    };
    let requests: Vec<(Method, String)> = (0..20_000)
        .map(|i| {
            // Now and then a method of 8,000 characters, as the probe sent.
            let method = format!("X{}", word(if i % 1000 == 0 { 8000 } else { 12 }));
            let path = match i % 4 {
                0 => format!("/{}", word(20)),
                1 => format!("/api/calllogs/{}", word(10)),
                2 => format!("/api/{}/{}", word(8), word(8)),
                _ => "/api/calllogs".to_string(),
            };
            (Method::from_bytes(method.as_bytes()).unwrap(), path)
        })
        .collect();
    // One client (keep-alive connections), a few requests in flight.
    let answered = futures_util::stream::iter(requests)
        .map(|(method, path)| {
            let request = app.request(method, &path);
            async move { request.send().await.map(|r| r.status()) }
        })
        .buffer_unordered(8)
        .filter(|status| std::future::ready(status.is_ok()))
        .count()
        .await;
    assert_eq!(answered, 20_000, "every request was answered");
    let a = send(app.request(Method::GET, "/metrics")).await;
    assert_eq!(a.status, StatusCode::OK);
    assert!(a.text.len() < 64 * 1024, "/metrics is {} bytes after 20k invented requests", a.text.len());
    let other = a
        .text
        .lines()
        .find(|l| l.starts_with("calllog_http_requests_total{route=\"/api/calllogs\",method=\"other\",status=\"405\"}"))
        .unwrap_or_else(|| panic!("invented methods are counted as other: {}", a.text));
    assert!(other.ends_with(" 5000"), "{other}");
    assert!(a.text.contains("route=\"unmatched\",method=\"other\""), "{}", a.text);
}
