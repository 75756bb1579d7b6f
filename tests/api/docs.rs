//! API.md §8: /api/openapi.json and /help, served without a token; 405 with
//! `Allow`; `OPTIONS` with `Allow`.

use crate::helpers::*;
use calllog::error::ErrorCode;
use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet};

/// `/api/users/{userId}/tokens/{tokenId}` and `/api/users/{id}/tokens/{tokenid}` alike.
fn template_shape(path: &str) -> String {
    path.split('/').map(|seg| if seg.starts_with('{') { "{}" } else { seg }).collect::<Vec<_>>().join("/")
}

/// A concrete path: `1` for each id.
fn with_ids(path: &str) -> String {
    path.split('/').map(|seg| if seg.starts_with('{') { "1" } else { seg }).collect::<Vec<_>>().join("/")
}

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
    // Every route the document names is served by the app.
    for (method, path) in calllog::http::docs::documented_routes() {
        let a = call(&app, Method::from_bytes(method.as_bytes()).unwrap(), &with_ids(&path), Some(&admin), None).await;
        let unknown = a.status == StatusCode::NOT_FOUND
            && a.body["Message"].as_str().is_some_and(|m| m.starts_with("There is no route"));
        assert!(!unknown && a.status != StatusCode::METHOD_NOT_ALLOWED, "{method} {path}: {}", a.text);
    }
}

#[actix_web::test]
async fn every_served_route_is_documented_and_every_documented_route_is_served() {
    // The server's worker registers the routes as it builds the app; once it
    // has answered a request, it has built it.
    let app = spawn_app().await;
    assert_eq!(send(app.request(Method::GET, "/healthz")).await.status, StatusCode::OK);
    let served: BTreeSet<(String, String)> =
        calllog::http::served_routes().into_iter().map(|(m, p)| (m, template_shape(&p))).collect();
    let documented: BTreeSet<(String, String)> =
        calllog::http::docs::documented_routes().into_iter().map(|(m, p)| (m, template_shape(&p))).collect();
    assert!(served.len() > 40, "{served:?}");
    assert_eq!(served.difference(&documented).collect::<Vec<_>>(), Vec::<&(String, String)>::new(), "undocumented");
    assert_eq!(documented.difference(&served).collect::<Vec<_>>(), Vec::<&(String, String)>::new(), "not served");
}

#[actix_web::test]
async fn a_wrong_method_is_405_with_allow_and_options_is_204_with_allow() {
    app_with_directory!(app, admin);
    let mut by_path: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for (method, path) in calllog::http::docs::documented_routes() {
        by_path.entry(path).or_default().insert(method);
    }
    for (path, methods) in &by_path {
        let concrete = with_ids(path);
        let mut expected: BTreeSet<String> = methods.clone();
        expected.insert("OPTIONS".into());
        // HEAD is served wherever GET is (API.md §1).
        if methods.contains("GET") {
            expected.insert("HEAD".into());
        }

        let a = call(&app, Method::OPTIONS, &concrete, None, None).await;
        assert_eq!(a.status, StatusCode::NO_CONTENT, "OPTIONS {path}");
        let allow: BTreeSet<String> = a.header("allow").unwrap().split(',').map(|m| m.trim().to_string()).collect();
        assert_eq!(allow, expected, "OPTIONS {path}");

        for method in ["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD"] {
            if expected.contains(method) {
                continue;
            }
            let a = call(&app, Method::from_bytes(method.as_bytes()).unwrap(), &concrete, Some(&admin), None).await;
            assert_eq!(a.status, StatusCode::METHOD_NOT_ALLOWED, "{method} {path}: {}", a.text);
            let allow: BTreeSet<String> = a.header("allow").unwrap().split(',').map(|m| m.trim().to_string()).collect();
            assert_eq!(allow, expected, "{method} {path}");
            if method != "HEAD" {
                a.assert_error(405, 112);
            }
        }
    }
}

#[actix_web::test]
async fn the_error_table_comes_from_error_code() {
    app_with_directory!(app, admin);
    let a = send(app.request(Method::GET, "/api/openapi.json")).await;
    let error = &a.body["components"]["schemas"]["Error"];
    let table = error["x-error-codes"].as_array().unwrap();
    assert_eq!(table.len(), ErrorCode::ALL.len());
    for (row, code) in table.iter().zip(ErrorCode::ALL) {
        assert_eq!(row["Code"], code.number());
        assert_eq!(row["Name"], code.name());
        assert_eq!(row["When"], code.meaning());
    }
    let names: Vec<&str> =
        error["properties"]["Name"]["enum"].as_array().unwrap().iter().map(|v| v.as_str().unwrap()).collect();
    assert_eq!(names, ErrorCode::ALL.map(|c| c.name()));
    // Each operation's error answers use the model, with the codes that status carries.
    let not_found = &a.body["paths"]["/api/calllogs/{logId}"]["get"]["responses"]["404"];
    assert_eq!(not_found["content"]["application/json"]["schema"]["$ref"], "#/components/schemas/Error");
    assert!(not_found["description"].as_str().unwrap().contains("106 ResourceNotFound"));
    let help = send(app.request(Method::GET, "/help")).await;
    for code in ErrorCode::ALL {
        assert!(help.text.contains(&format!("<td>{}</td><td>{}</td>", code.number(), code.name())), "{}", code.name());
    }
}

/// The document's bounds are the domain's: a value at a bound is accepted,
/// one past it refused, through the real handlers.
#[actix_web::test]
async fn the_documented_bounds_are_the_ones_enforced() {
    app_with_directory!(app, admin);
    let doc = send(app.request(Method::GET, "/api/openapi.json")).await.body;
    let body_schema = |method: &str, path: &str| -> Value {
        doc["paths"][path][method]["requestBody"]["content"]["application/json"]["schema"].clone()
    };
    let max = |schema: &Value, field: &str| -> usize {
        let property = &schema["properties"][field];
        property["maxLength"].as_u64().unwrap_or_else(|| panic!("{field}: {property}")) as usize
    };
    let log = body_schema("post", "/api/calllogs");
    for field in ["Subject", "CallFrom", "Notes", "Takenby", "NewComments"] {
        let limit = max(&log, field);
        let mut body = serde_json::json!({"PropertyId": 1, "Subject": "s", "CallFrom": "c"});
        body[field] = Value::String("x".repeat(limit));
        post(&app, "/api/calllogs", &admin, body.clone()).await;
        let ok = post(&app, "/api/calllogs", &admin, body.clone()).await;
        assert_eq!(ok.status, StatusCode::CREATED, "{field} at {limit}: {}", ok.text);
        body[field] = Value::String("x".repeat(limit + 1));
        post(&app, "/api/calllogs", &admin, body).await.assert_error(400, 114);
    }
    let reason = body_schema("post", "/api/calllogreasons");
    let limit = max(&reason, "Name");
    let ok = post(&app, "/api/calllogreasons", &admin, serde_json::json!({"Name": "r".repeat(limit)})).await;
    assert_eq!(ok.status, StatusCode::CREATED, "{}", ok.text);
    post(&app, "/api/calllogreasons", &admin, serde_json::json!({"Name": "q".repeat(limit + 1)}))
        .await
        .assert_error(400, 114);
    let user = body_schema("post", "/api/users");
    let (min, max_password) =
        (user["properties"]["Password"]["minLength"].as_u64().unwrap(), max(&user, "Password") as u64);
    assert_eq!(min as usize, calllog::domain::users::MIN_PASSWORD_CHARS);
    for (n, status) in [(min - 1, 400), (min, 201), (max_password, 201), (max_password + 1, 400)] {
        let body =
            serde_json::json!({"UserName": format!("u{n}"), "Password": "p".repeat(n as usize), "Role": "viewer"});
        assert_eq!(post(&app, "/api/users", &admin, body).await.status.as_u16(), status, "password of {n}");
    }
    for field in ["FirstName", "LastName"] {
        let limit = max(&user, field);
        for (n, status) in [(limit, 201), (limit + 1, 400)] {
            let body = serde_json::json!({"UserName": format!("{field}{n}"), "Password": "long enough", "Role": "agent",
                                          field: "n".repeat(n)});
            assert_eq!(post(&app, "/api/users", &admin, body).await.status.as_u16(), status, "{field} of {n}");
        }
    }
    let token = body_schema("post", "/api/users/{userId}/tokens");
    let limit = max(&token, "Name");
    for (n, status) in [(limit, 201), (limit + 1, 400)] {
        let a = post(&app, "/api/users/1/tokens", &admin, serde_json::json!({"Name": "t".repeat(n)})).await;
        assert_eq!(a.status.as_u16(), status, "token name of {n}: {}", a.text);
    }
    let page_size = &doc["paths"]["/api/calllogs"]["get"]["parameters"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["name"] == "pageSize")
        .unwrap()["schema"]["anyOf"][0]["maximum"];
    let limit = page_size.as_i64().unwrap();
    assert_eq!(get(&app, &format!("/api/calllogs?pageSize={limit}"), &admin).await.status, StatusCode::OK);
    get(&app, &format!("/api/calllogs?pageSize={}", limit + 1), &admin).await.assert_error(400, 114);
}

/// Exactly the routes that read a body document one, in the media types read.
#[actix_web::test]
async fn request_bodies_are_documented_where_a_body_is_read() {
    let app = spawn_app().await;
    let doc = send(app.request(Method::GET, "/api/openapi.json")).await.body;
    let with_body: BTreeSet<(String, String)> = [
        ("POST", "/api/auth/token"),
        ("POST", "/api/users"),
        ("PUT", "/api/users/{userId}"),
        ("PUT", "/api/users/me/password"),
        ("POST", "/api/users/{userId}/tokens"),
        ("POST", "/api/calllogs"),
        ("PUT", "/api/calllogs/{logId}"),
        ("POST", "/api/calllogreasons"),
        ("PUT", "/api/calllogreasons/{reasonId}"),
        ("POST", "/api/modulestatuses/calllogs"),
        ("PUT", "/api/modulestatus/{statusId}"),
        ("POST", "/api/admin/import"),
    ]
    .into_iter()
    .map(|(m, p)| (m.to_string(), p.to_string()))
    .collect();
    for (method, path) in calllog::http::docs::documented_routes() {
        let operation = &doc["paths"][&path][method.to_lowercase()];
        let body = &operation["requestBody"]["content"];
        let key = (method.clone(), path.clone());
        assert_eq!(body.is_object(), with_body.contains(&key), "{method} {path}");
        if body.is_object() {
            assert!(body["application/json"]["schema"]["properties"].is_object(), "{method} {path}");
            assert!(body["text/json"].is_object(), "{method} {path}");
            // API.md §1: a name that is no field of the resource is refused.
            assert_eq!(body["application/json"]["schema"]["additionalProperties"], false, "unknown names are refused");
            for status in ["400", "413", "415"] {
                assert!(operation["responses"][status].is_object(), "{method} {path} {status}");
            }
        }
    }
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
    // Every documented route has its heading.
    for (method, path) in calllog::http::docs::documented_routes() {
        let heading = format!("<span class=\"m\">{method}</span> <code>{path}</code>");
        assert!(a.text.contains(&heading), "{method} {path} missing from /help");
    }
}

/// API.md §1: a client may send back the resource it read, so a body's
/// schema lists every field of the resource's answer model (those the route
/// does not take as ignored), and no other name.
#[actix_web::test]
async fn request_bodies_accept_every_field_of_their_resource() {
    let app = spawn_app().await;
    let doc = send(app.request(Method::GET, "/api/openapi.json")).await.body;
    let model = |name: &str| -> BTreeSet<String> {
        let schema = &doc["components"]["schemas"][name];
        schema["properties"].as_object().unwrap_or_else(|| panic!("no model {name}")).keys().cloned().collect()
    };
    let listed = |schema: &serde_json::Value| -> BTreeSet<String> {
        schema["properties"].as_object().unwrap().keys().cloned().collect()
    };
    let body = |method: &str, path: &str| {
        doc["paths"][path][method]["requestBody"]["content"]["application/json"]["schema"].clone()
    };
    for (method, path, name) in [
        ("post", "/api/users", "User"),
        ("put", "/api/users/{userId}", "User"),
        ("post", "/api/calllogs", "CallCenterActivityLog"),
        ("put", "/api/calllogs/{logId}", "CallCenterActivityLog"),
        ("post", "/api/calllogreasons", "CallLogReason"),
        ("put", "/api/calllogreasons/{reasonId}", "CallLogReason"),
        ("post", "/api/modulestatuses/calllogs", "ModuleStatus"),
        ("put", "/api/modulestatus/{statusId}", "ModuleStatus"),
        ("post", "/api/users/{userId}/tokens", "CreatedToken"),
    ] {
        let fields = listed(&body(method, path));
        let missing: Vec<_> = model(name).difference(&fields).cloned().collect();
        assert!(missing.is_empty(), "{method} {path} leaves out {missing:?} of {name}");
    }
    let import = body("post", "/api/admin/import");
    for (list, name) in [("Properties", "Property"), ("Units", "Unit"), ("Residents", "Resident")] {
        let fields = listed(&import["properties"][list]["items"]);
        assert_eq!(fields, model(name), "import rows of {list} take exactly the fields of {name}");
        assert_eq!(import["properties"][list]["items"]["additionalProperties"], false);
    }
    let put_log = body("put", "/api/calllogs/{logId}");
    assert!(put_log["properties"]["OldComments"]["description"].as_str().unwrap().contains("ignored"));
}

/// Issue 16 item 10 (Schemathesis' ST202): the lookup refused a `q` with a
/// control character that its documented pattern allowed (`\s` matches a
/// tab or a line break). The pattern now says exactly what `LookupQuery`
/// takes, and the list's `q` pattern what its search takes.
#[test]
fn the_query_patterns_accept_exactly_what_the_readers_take() {
    let doc = calllog::http::openapi::document();
    let pattern_of = |path: &str| {
        let parameters = doc["paths"][path]["get"]["parameters"].as_array().unwrap();
        let q = parameters.iter().find(|p| p["name"] == "q").unwrap();
        regex::Regex::new(q["schema"]["pattern"].as_str().unwrap()).unwrap()
    };
    let lookup = pattern_of("/api/lookup");
    let search = pattern_of("/api/calllogs");
    let samples = [
        "7",
        "#7",
        " 42 ",
        "\u{3000}#12\u{a0}",
        "ab",
        " ab ",
        "a b",
        "Cole",
        "ch\u{e9}",
        "##",
        "# 7",
        "555-0142",
        "a",
        "#",
        " ",
        "",
        "  x  ",
        "\t7",
        "7\t",
        "ab\n",
        "\nab",
        "a\u{0}b",
        "a\u{7f}b",
        "\u{85}ab",
        "ab\u{9f}",
        "a\rb",
        "\u{2003}ab\u{2003}",
        "\u{2028}x\u{2029}",
    ];
    for text in samples {
        let taken = calllog::domain::lookup::LookupQuery::parse(text).is_ok();
        assert_eq!(lookup.is_match(text), taken, "lookup q {text:?}: the document and the reader disagree");
        let searched = calllog::domain::calllogs::call_log_search_words(text).is_ok();
        assert_eq!(search.is_match(text), searched, "list q {text:?}: the document and the reader disagree");
    }
}
