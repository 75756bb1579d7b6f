//! API.md §8: /api/openapi.json and /help, served without a token.

use crate::helpers::*;

/// The keys of an OpenAPI path item that name operations.
const HTTP_METHODS: [&str; 8] = ["get", "put", "post", "delete", "options", "head", "patch", "trace"];

#[actix_web::test]
async fn the_openapi_document_describes_every_route_and_model() {
    app_with_directory!(app, admin);
    let a = send(app.request(Method::GET, "/api/openapi.json")).await;
    assert_eq!(a.status, StatusCode::OK);
    assert!(a.body["openapi"].as_str().unwrap().starts_with("3."));
    let paths = a.body["paths"].as_object().unwrap();
    for path in
        ["/api/calllogs", "/api/calllogs/{logId}", "/api/units/{unitId}/calllogs", "/api/admin/import", "/metrics"]
    {
        assert!(paths.contains_key(path), "{path} missing");
    }
    assert!(paths["/api/calllogs/{logId}"]["put"]["requestBody"]["content"]["application/x-www-form-urlencoded"]
        .is_object());
    let log = &a.body["components"]["schemas"]["CallCenterActivityLog"]["properties"];
    assert_eq!(log.as_object().unwrap().len(), 14);
    assert!(log["Takenby"].is_object() && log["OldComments"]["items"]["$ref"].is_string());
    // Every route the document names is served by the app (path parameters set to 1).
    let mut routes = 0;
    for (template, operations) in paths {
        let path = template
            .split('/')
            .map(|segment| if segment.starts_with('{') { "1" } else { segment })
            .collect::<Vec<_>>()
            .join("/");
        let methods = operations.as_object().unwrap().keys().filter(|k| HTTP_METHODS.contains(&k.as_str()));
        for method in methods {
            let method = method.to_uppercase();
            routes += 1;
            let a = call(&app, Method::from_bytes(method.as_bytes()).unwrap(), &path, Some(&admin), None).await;
            let unknown = a.status == StatusCode::NOT_FOUND
                && a.body["Message"].as_str().is_some_and(|m| m.starts_with("There is no route"));
            assert!(!unknown && a.status != StatusCode::METHOD_NOT_ALLOWED, "{method} {path}: {}", a.text);
        }
    }
    assert!(routes >= 47, "only {routes} routes documented");
}

#[actix_web::test]
async fn the_help_page_is_served_by_the_binary() {
    app_with_directory!(app, admin);
    let a = send(app.request(Method::GET, "/help")).await;
    assert_eq!(a.status, StatusCode::OK);
    assert!(a.header("content-type").unwrap().starts_with("text/html"));
    for text in ["/api/calllogs/{logId}/history", "CallCenterActivityLog", "InvalidJsonParameterValue", "Takenby"] {
        assert!(a.text.contains(text), "{text} missing from /help");
    }
    assert!(!a.text.contains("http://") && !a.text.contains("https://"), "no outside assets");
}
