//! docs/api.md §8: /api/openapi.json and /help, served without a token; 405 with
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
        // HEAD is served wherever GET is (docs/api.md §1).
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
        ("PUT", "/api/settings"),
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
            // docs/api.md §1: a name that is no field of the resource is refused.
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

/// docs/api.md §1: a client may send back the resource it read, so a body's
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

/// The console's page headers (docs/console.md §5) on `/help` too: a strict
/// Content-Security-Policy, and nothing inline in the page for it to refuse.
#[actix_web::test]
async fn the_help_page_carries_the_console_security_headers_and_nothing_inline() {
    let app = spawn_app().await;
    let a = send(app.request(Method::GET, "/help")).await;
    assert_eq!(a.status, StatusCode::OK);
    let csp = a.header("content-security-policy").expect("a Content-Security-Policy");
    for directive in ["default-src 'none'", "script-src 'self'", "style-src 'self'", "frame-ancestors 'none'"] {
        assert!(csp.contains(directive), "{directive} missing from {csp}");
    }
    assert!(!csp.contains("unsafe-inline"), "{csp}");
    assert_eq!(a.header("x-content-type-options"), Some("nosniff"));
    assert_eq!(a.header("referrer-policy"), Some("same-origin"));
    assert_eq!(a.header("cache-control"), Some("no-store"));
    assert_eq!(a.header("x-frame-options"), Some("DENY"));
    for inline in ["<style", " style=", "<script"] {
        assert!(!a.text.contains(inline), "{inline} in /help, which its policy refuses");
    }
    // Its look comes from a stylesheet of this site, which is served.
    let href = a.text.split("<link rel=\"stylesheet\" href=\"").nth(1).and_then(|rest| rest.split('"').next());
    let href = href.expect("a stylesheet link");
    assert!(href.starts_with("/assets/"), "{href}");
    let css = send(app.request(Method::GET, href)).await;
    assert_eq!(css.status, StatusCode::OK);
    assert!(css.header("content-type").unwrap().starts_with("text/css"));
    assert!(css.text.contains(".help"), "the stylesheet styles the help page");
}

// ---- the reference in docs/ follows the code --------------------------------
//
// docs/api.md, docs/operations.md and the others are the project's own
// reference. These tests read the live OpenAPI document and the command
// line's definition, so a new route, field, parameter, error code, command
// or flag fails here until the reference describes it.

fn repository_file(path: &str) -> String {
    let full = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join(path);
    std::fs::read_to_string(&full).unwrap_or_else(|e| panic!("{}: {e}", full.display()))
}

const HTTP_METHODS: [&str; 5] = ["get", "post", "put", "patch", "delete"];

/// (METHOD, path template in lower case) with `{}` for every id.
fn route_key(method: &str, path: &str) -> (String, String) {
    (method.to_uppercase(), template_shape(path).to_lowercase())
}

/// The routes a Markdown text describes: its headings that are one code
/// span holding `METHOD /path`, as "### `GET /api/calllogs/{logId}`".
fn routes_described(text: &str) -> BTreeSet<(String, String)> {
    text.lines()
        .filter(|line| line.starts_with('#'))
        .filter_map(|line| {
            let span = line.trim_start_matches('#').trim().strip_prefix('`')?.strip_suffix('`')?;
            let (method, path) = span.split_once(' ')?;
            let known = HTTP_METHODS.contains(&method.to_lowercase().as_str()) && method == method.to_uppercase();
            (known && path.starts_with('/')).then(|| route_key(method, path))
        })
        .collect()
}

/// Every word written as code in a Markdown text (inline spans and fenced
/// blocks): runs of letters, digits, `_`, `-` and `.`, trimmed of `.` and `-`.
fn code_words(text: &str) -> BTreeSet<String> {
    let mut code = String::new();
    let mut fenced = false;
    for line in text.lines() {
        if line.trim_start().starts_with("```") {
            fenced = !fenced;
            continue;
        }
        if fenced {
            code.push_str(line);
            code.push('\n');
        } else {
            for (i, part) in line.split('`').enumerate() {
                if i % 2 == 1 {
                    code.push_str(part);
                    code.push('\n');
                }
            }
        }
    }
    code.split(|c: char| !(c.is_alphanumeric() || "_-.".contains(c)))
        .map(|word| word.trim_matches(['.', '-']).to_string())
        .filter(|word| !word.is_empty())
        .collect()
}

/// The property names of a schema and of every schema inside it (list
/// items, `allOf`/`anyOf` parts), and the string values of its enums.
fn names_in_schema(schema: &Value, names: &mut BTreeSet<String>) {
    if let Some(properties) = schema.get("properties").and_then(Value::as_object) {
        for (name, inner) in properties {
            names.insert(name.clone());
            names_in_schema(inner, names);
        }
    }
    if let Some(values) = schema.get("enum").and_then(Value::as_array) {
        names.extend(values.iter().filter_map(Value::as_str).map(str::to_string));
    }
    if let Some(items) = schema.get("items") {
        names_in_schema(items, names);
    }
    for combinator in ["allOf", "anyOf", "oneOf"] {
        for part in schema.get(combinator).and_then(Value::as_array).into_iter().flatten() {
            names_in_schema(part, names);
        }
    }
}

#[actix_web::test]
async fn the_api_reference_describes_every_route_of_the_document_and_no_other() {
    let app = spawn_app().await;
    let doc = send(app.request(Method::GET, "/api/openapi.json")).await.body;
    let mut in_document = BTreeSet::new();
    for (path, item) in doc["paths"].as_object().unwrap() {
        for method in HTTP_METHODS {
            if item.get(method).is_some() {
                in_document.insert(route_key(method, path));
            }
        }
    }
    let described = routes_described(&repository_file("docs/api.md"));
    let missing: Vec<_> = in_document.difference(&described).collect();
    assert!(
        missing.is_empty(),
        "routes of /api/openapi.json with no \"### `METHOD /path`\" in docs/api.md: {missing:?}"
    );
    let stale: Vec<_> = described.difference(&in_document).collect();
    assert!(stale.is_empty(), "docs/api.md describes routes the service does not serve: {stale:?}");
}

#[actix_web::test]
async fn the_api_reference_names_every_field_parameter_and_error_code() {
    let app = spawn_app().await;
    let doc = send(app.request(Method::GET, "/api/openapi.json")).await.body;
    let reference = repository_file("docs/api.md");
    let written = code_words(&reference);
    // Every field (and enum value) of every model.
    let mut names = BTreeSet::new();
    for schema in doc["components"]["schemas"].as_object().unwrap().values() {
        names_in_schema(schema, &mut names);
    }
    let missing: Vec<_> = names.iter().filter(|name| !written.contains(*name)).collect();
    assert!(missing.is_empty(), "model fields and values not written as code in docs/api.md: {missing:?}");
    // Every parameter and request field of every route.
    let mut inputs = BTreeSet::new();
    for (path, item) in doc["paths"].as_object().unwrap() {
        for method in HTTP_METHODS {
            let Some(operation) = item.get(method) else { continue };
            for parameter in operation["parameters"].as_array().into_iter().flatten() {
                inputs.insert((parameter["name"].as_str().unwrap().to_string(), format!("{method} {path}")));
            }
            for content in operation["requestBody"]["content"].as_object().into_iter().flat_map(|c| c.values()) {
                let mut fields = BTreeSet::new();
                names_in_schema(&content["schema"], &mut fields);
                inputs.extend(fields.into_iter().map(|field| (field, format!("{method} {path}"))));
            }
        }
    }
    let missing: Vec<_> = inputs.iter().filter(|(name, _)| !written.contains(name)).collect();
    assert!(missing.is_empty(), "parameters and body fields not written as code in docs/api.md: {missing:?}");
    // Every error code, as a row of the table: number, then name.
    for code in ErrorCode::ALL {
        let row = format!("| {} | `{}` |", code.number(), code.name());
        assert!(reference.contains(&row), "docs/api.md has no error table row {row}");
    }
}

/// The leaf commands of the command line, as "user add", with their definitions.
fn leaf_commands(command: &clap::Command, prefix: &str, leaves: &mut Vec<(String, clap::Command)>) {
    for sub in command.get_subcommands() {
        let path = format!("{prefix}{}", sub.get_name()).trim().to_string();
        if sub.get_subcommands().next().is_some() {
            leaf_commands(sub, &format!("{path} "), leaves);
        } else {
            leaves.push((path, sub.clone()));
        }
    }
}

/// The part of a Markdown text under the heading `heading`, up to the next heading.
fn section<'t>(text: &'t str, heading: &str) -> Option<&'t str> {
    let start = text.lines().position(|line| line.trim() == heading)?;
    let lines: Vec<&str> = text.lines().collect();
    let end = lines[start + 1..].iter().position(|line| line.starts_with('#')).map_or(lines.len(), |n| start + 1 + n);
    let from = text.find(lines[start])?;
    let to =
        if end < lines.len() { text[from..].find(lines[end]).map_or(text.len(), |n| from + n) } else { text.len() };
    Some(&text[from..to])
}

#[test]
fn the_operations_guide_describes_every_command_flag_and_variable() {
    let guide = repository_file("docs/operations.md");
    let command = calllog::cli::command();
    let described = |arg: &clap::Arg, text: &str| match arg.get_long() {
        Some(long) => text.contains(&format!("--{long}")),
        None => {
            let names = arg.get_value_names().map(|n| n.to_vec()).unwrap_or_default();
            let name = names.first().map(|n| n.to_string()).unwrap_or_else(|| arg.get_id().to_string().to_uppercase());
            text.contains(&name)
        }
    };
    let env_of = |arg: &clap::Arg| arg.get_env().map(|env| env.to_string_lossy().to_string());
    // The top level: --db and serve's flags (a bare `calllog` serves).
    for arg in command.get_arguments().filter(|a| !a.is_hide_set()) {
        assert!(described(arg, &guide), "docs/operations.md does not mention {arg}");
        if let Some(env) = env_of(arg) {
            assert!(guide.contains(&env), "docs/operations.md does not mention {env}");
        }
    }
    let mut leaves = Vec::new();
    leaf_commands(&command, "", &mut leaves);
    assert!(leaves.len() >= 10, "{:?}", leaves.iter().map(|(p, _)| p).collect::<Vec<_>>());
    for (path, sub) in &leaves {
        let heading = format!("### `calllog {path}`");
        let text = section(&guide, &heading).unwrap_or_else(|| panic!("docs/operations.md has no heading {heading}"));
        for arg in sub.get_arguments().filter(|a| !a.is_hide_set() && !a.is_global_set()) {
            assert!(described(arg, text), "{heading} does not mention {arg}");
            if let Some(env) = env_of(arg) {
                assert!(guide.contains(&env), "docs/operations.md does not mention {env}");
            }
        }
    }
}

/// The repository stands alone: no file points at documents outside it.
#[test]
fn the_repository_cites_no_document_outside_it() {
    // Spelt in pieces so that this file does not cite them itself.
    let outside =
        [concat!("API", ".md"), concat!("CONSOLE", ".md"), concat!("ARCHITECTURE", ".md"), concat!("..", "/shared")];
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut pending: Vec<std::path::PathBuf> = [
        "src",
        "templates",
        "assets",
        "docs",
        "tests",
        "benches",
        "scripts",
        "deploy",
        "examples",
        "migrations",
        ".ci",
    ]
    .iter()
    .map(|dir| root.join(dir))
    .collect();
    pending.extend(["README.md", "schema.sql", "schemathesis.toml", "Cargo.toml"].iter().map(|f| root.join(f)));
    let mut citing = Vec::new();
    let mut read = 0;
    while let Some(path) = pending.pop() {
        if path.is_dir() {
            pending.extend(std::fs::read_dir(&path).unwrap().map(|entry| entry.unwrap().path()));
            continue;
        }
        // Binary files (screenshots, database fixtures) cite nothing.
        let Ok(text) = std::fs::read_to_string(&path) else { continue };
        read += 1;
        for (number, line) in text.lines().enumerate() {
            if outside.iter().any(|name| line.contains(name)) {
                citing.push(format!("{}:{}: {line}", path.strip_prefix(root).unwrap().display(), number + 1));
            }
        }
    }
    assert!(read > 100, "only {read} files read");
    assert!(
        citing.is_empty(),
        "cite documents outside the repository (point to docs/ or /help):\n{}",
        citing.join("\n")
    );
}

/// GitHub's anchor for a heading: lower case, spaces to `-`, other punctuation dropped.
fn anchor_of(heading: &str) -> String {
    heading
        .trim()
        .to_lowercase()
        .chars()
        .filter_map(|c| match c {
            ' ' => Some('-'),
            c if c.is_alphanumeric() || c == '-' || c == '_' => Some(c),
            _ => None,
        })
        .collect()
}

/// Every link between the README and the documents in docs/ reaches a file
/// of the repository and, when it names one, a heading of that file.
#[test]
fn links_in_the_readme_and_docs_resolve() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut pages = vec![root.join("README.md")];
    pages.extend(
        std::fs::read_dir(root.join("docs"))
            .unwrap()
            .map(|e| e.unwrap().path())
            .filter(|p| p.extension().is_some_and(|x| x == "md")),
    );
    assert!(pages.len() >= 4, "{pages:?}");
    let anchors = |file: &std::path::Path| -> BTreeSet<String> {
        let text = std::fs::read_to_string(file).unwrap();
        let mut fenced = false;
        let mut anchors = BTreeSet::new();
        for line in text.lines() {
            if line.trim_start().starts_with("```") {
                fenced = !fenced;
            } else if !fenced && line.starts_with('#') {
                anchors.insert(anchor_of(line.trim_start_matches('#')));
            }
        }
        anchors
    };
    let mut broken = Vec::new();
    for page in &pages {
        let text = std::fs::read_to_string(page).unwrap();
        for target in text.split("](").skip(1).filter_map(|rest| rest.split(')').next()) {
            if target.contains("://") || target.starts_with("mailto:") {
                continue;
            }
            let (file, anchor) = target.split_once('#').map_or((target, None), |(f, a)| (f, Some(a)));
            let file = if file.is_empty() { page.clone() } else { page.parent().unwrap().join(file) };
            if !file.exists() {
                broken.push(format!("{}: {target} (no such file)", page.display()));
            } else if let Some(anchor) = anchor {
                if !anchors(&file).contains(anchor) {
                    broken.push(format!("{}: {target} (no such heading)", page.display()));
                }
            }
        }
    }
    assert!(broken.is_empty(), "broken links:\n{}", broken.join("\n"));
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
