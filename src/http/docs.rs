//! docs/api.md §8: `GET /api/openapi.json` and `GET /help`. Both come from the
//! one generated document (`http::openapi`), so they cannot disagree; the
//! page is rendered here, with no outside assets.

use crate::http::openapi::document;
use crate::http::resource;
use crate::wire::assets;
use crate::wire::page_headers;
use actix_web::http::Method;
use actix_web::{web, HttpResponse};
use serde_json::{Map, Value};
use std::fmt::Write;
use std::sync::OnceLock;

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(resource("/api/openapi.json", [(Method::GET, web::to(openapi))]))
        // A page for people: the console's headers (a strict
        // Content-Security-Policy, nosniff, no framing, no caching).
        .service(resource("/help", [(Method::GET, web::to(help))]).wrap(page_headers()));
}

#[utoipa::path(
    get,
    path = "/api/openapi.json",
    tag = "documentation",
    summary = "This document (OpenAPI 3.1).",
    responses((status = 200, description = "the document", content_type = "application/json", body = Object))
)]
async fn openapi() -> HttpResponse {
    static BODY: OnceLock<String> = OnceLock::new();
    let body = BODY.get_or_init(|| document().to_string());
    HttpResponse::Ok().content_type("application/json; charset=utf-8").body(body.as_str())
}

#[utoipa::path(
    get,
    path = "/help",
    tag = "documentation",
    summary = "This document as a page for people.",
    responses((status = 200, description = "the page", content_type = "text/html", body = String))
)]
async fn help() -> HttpResponse {
    static BODY: OnceLock<String> = OnceLock::new();
    let body = BODY.get_or_init(|| render_help(document()));
    HttpResponse::Ok().content_type("text/html; charset=utf-8").body(body.as_str())
}

fn escape(text: &str) -> String {
    text.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;")
}

const METHODS: [&str; 5] = ["get", "post", "put", "patch", "delete"];

/// A short type for a schema: `integer`, `string?`, `[integer]`, a model name.
fn type_of(schema: &Value) -> String {
    if let Some(reference) = schema.get("$ref").and_then(Value::as_str) {
        let name = reference.rsplit('/').next().unwrap_or(reference);
        return format!("<a href=\"#{0}\">{0}</a>", escape(name));
    }
    for combinator in ["oneOf", "anyOf", "allOf"] {
        if let Some(Value::Array(parts)) = schema.get(combinator) {
            let named: Vec<String> = parts.iter().map(type_of).filter(|t| !t.is_empty()).collect();
            if !named.is_empty() && schema.get("type").is_none() {
                let joiner = if combinator == "allOf" { " & " } else { " | " };
                return named.join(joiner);
            }
        }
    }
    let kinds: Vec<&str> = match schema.get("type") {
        Some(Value::String(kind)) => vec![kind.as_str()],
        Some(Value::Array(kinds)) => kinds.iter().filter_map(Value::as_str).collect(),
        _ => Vec::new(),
    };
    let nullable = kinds.contains(&"null");
    let mut names: Vec<String> = kinds
        .iter()
        .filter(|k| **k != "null")
        .map(|kind| match *kind {
            "array" => format!("[{}]", schema.get("items").map(type_of).unwrap_or_default()),
            "string" => match schema.get("format").and_then(Value::as_str) {
                Some(format) => format!("string ({format})"),
                None => "string".to_string(),
            },
            other => other.to_string(),
        })
        .collect();
    if names.is_empty() {
        names.push("any".to_string());
    }
    let mut text = names.join(" | ");
    if nullable {
        text.push_str(" or null");
    }
    text
}

/// The rules of a schema a person needs: bounds, choices, pattern, format.
fn rules_of(schema: &Value) -> String {
    let mut rules = Vec::new();
    let number = |key: &str| schema.get(key).map(Value::to_string);
    if let Some(min) = number("minimum") {
        rules.push(format!("min {min}"));
    }
    if let Some(max) = number("maximum") {
        rules.push(format!("max {max}"));
    }
    if let Some(min) = number("minLength") {
        rules.push(format!("{min}+ chars"));
    }
    if let Some(max) = number("maxLength") {
        rules.push(format!("≤ {max} chars"));
    }
    if let Some(Value::Array(values)) = schema.get("enum") {
        let values: Vec<String> = values.iter().filter(|v| !v.is_null()).map(Value::to_string).collect();
        rules.push(format!("one of {}", values.join(", ")));
    }
    if schema.get("uniqueItems") == Some(&Value::Bool(true)) {
        rules.push("no duplicates".to_string());
    }
    if let Some(description) = schema.get("description").and_then(Value::as_str) {
        if !description.is_empty() {
            rules.push(description.to_string());
        }
    }
    escape(&rules.join("; "))
}

fn object_table(html: &mut String, schema: &Value) {
    let required: Vec<&str> =
        schema.get("required").and_then(Value::as_array).into_iter().flatten().filter_map(Value::as_str).collect();
    let empty = Map::new();
    let properties = schema.get("properties").and_then(Value::as_object).unwrap_or(&empty);
    html.push_str("<div class=\"scroll\"><table><tr><th>Field</th><th>Type</th><th>Required</th><th>Rules</th></tr>");
    for (name, property) in properties {
        let _ = write!(
            html,
            "<tr><td><code>{}</code></td><td>{}</td><td>{}</td><td>{}</td></tr>",
            escape(name),
            type_of(property),
            if required.contains(&name.as_str()) { "yes" } else { "" },
            rules_of(property)
        );
    }
    html.push_str("</table></div>");
    if let Some(Value::Array(parts)) = schema.get("allOf") {
        for part in parts {
            if part.get("properties").is_some() {
                object_table(html, part);
            } else if part.get("$ref").is_some() {
                let _ = write!(html, "<p>and every field of {}</p>", type_of(part));
            }
        }
    }
}

/// The anchor of an operation's heading: `get-api-calllogs-logid`.
fn operation_anchor(method: &str, path: &str) -> String {
    let mut anchor = method.to_lowercase();
    for part in path.split(|c: char| !c.is_ascii_alphanumeric()).filter(|p| !p.is_empty()) {
        anchor.push('-');
        anchor.push_str(&part.to_lowercase());
    }
    anchor
}

/// The order the page shows its groups of routes in, as a reader meets
/// them: sign in, then the call logs; a tag not named here comes last.
const TAG_ORDER: [&str; 8] =
    ["auth", "users", "calllogs", "summaries", "catalog", "directory", "documentation", "operations"];

/// One operation of the document, as the page shows it.
struct Operation<'d> {
    /// `GET`, `POST`, …
    method: String,
    path: &'d str,
    spec: &'d Value,
}

/// The operations that share a tag, under one heading of the page.
struct TagGroup<'d> {
    tag: String,
    operations: Vec<Operation<'d>>,
}

/// Every operation, in the document's path order, grouped by tag (in `TAG_ORDER`).
fn operations_by_tag(doc: &Value) -> Vec<TagGroup<'_>> {
    let mut groups: Vec<TagGroup<'_>> = Vec::new();
    let Some(paths) = doc["paths"].as_object() else { return groups };
    for (path, item) in paths {
        for method in METHODS {
            let Some(spec) = item.get(method) else { continue };
            let tag = spec.pointer("/tags/0").and_then(Value::as_str).unwrap_or("other").to_string();
            let operation = Operation { method: method.to_uppercase(), path, spec };
            match groups.iter_mut().find(|group| group.tag == tag) {
                Some(group) => group.operations.push(operation),
                None => groups.push(TagGroup { tag, operations: vec![operation] }),
            }
        }
    }
    groups.sort_by_key(|group| TAG_ORDER.iter().position(|known| *known == group.tag).unwrap_or(TAG_ORDER.len()));
    groups
}

/// Renders the document as one HTML page. Its look comes from the console's
/// stylesheet (the page's `Content-Security-Policy` allows no inline style),
/// and every table sits in a box that scrolls on its own, so the page never
/// scrolls sideways.
pub fn render_help(doc: &Value) -> String {
    let mut html = String::new();
    let _ = write!(
        html,
        "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
         <title>calllog API help</title><link rel=\"stylesheet\" href=\"{}\">\
         <link rel=\"icon\" href=\"{}\" type=\"image/svg+xml\"></head>\
         <body><main id=\"main\" class=\"help\"><h1>calllog API</h1>",
        assets::css_url(),
        assets::icon_url()
    );
    let info = &doc["info"];
    let groups = operations_by_tag(doc);
    let empty = Map::new();
    let schemas = doc.pointer("/components/schemas").and_then(Value::as_object).unwrap_or(&empty);

    html.push_str("<nav class=\"toc\" aria-labelledby=\"contents\"><h2 id=\"contents\">Contents</h2><ol>");
    html.push_str("<li><a href=\"#overview\">Overview</a></li><li><a href=\"#routes\">Routes</a><ol>");
    for group in &groups {
        let _ = write!(html, "<li><a href=\"#tag-{0}\">{0}</a><ul>", escape(&group.tag));
        for operation in &group.operations {
            let _ = write!(
                html,
                "<li><a href=\"#{}\">{} <code>{}</code></a></li>",
                operation_anchor(&operation.method, operation.path),
                operation.method,
                escape(operation.path)
            );
        }
        html.push_str("</ul></li>");
    }
    html.push_str("</ol></li><li><a href=\"#models\">Models</a><ul class=\"models\">");
    for name in schemas.keys() {
        let _ = write!(html, "<li><a href=\"#{0}\">{0}</a></li>", escape(name));
    }
    html.push_str("</ul></li><li><a href=\"#errors\">Error codes</a></li></ol></nav>");

    let _ = write!(
        html,
        "<h2 id=\"overview\">Overview</h2><p>{} Version {}. The same content as JSON: \
         <a href=\"/api/openapi.json\">/api/openapi.json</a>. Every route under <code>/api/</code> except sign-in \
         and that document needs <code>Authorization: Bearer &lt;token&gt;</code>.</p>\
         <p>The repository's <code>docs/</code> folder holds the whole reference in prose, with examples: \
         <code>docs/api.md</code> (this API), <code>docs/console.md</code> (the staff console) and \
         <code>docs/operations.md</code> (running calllog, its command line).</p><h2 id=\"routes\">Routes</h2>",
        escape(info["description"].as_str().unwrap_or("")),
        escape(info["version"].as_str().unwrap_or(""))
    );
    for group in &groups {
        let _ = write!(html, "<h2 class=\"tag\" id=\"tag-{0}\">{0}</h2>", escape(&group.tag));
        for Operation { method, path, spec: operation } in &group.operations {
            let _ = write!(
                html,
                "<h3 id=\"{}\"><span class=\"m\">{method}</span> <code>{}</code></h3><p>{}</p>",
                operation_anchor(method, path),
                escape(path),
                escape(operation["summary"].as_str().unwrap_or(""))
            );
            if let Some(Value::Array(parameters)) = operation.get("parameters") {
                html.push_str(
                    "<div class=\"scroll\"><table><tr><th>Parameter</th><th>In</th><th>Type</th><th>Rules</th></tr>",
                );
                for parameter in parameters {
                    let schema = &parameter["schema"];
                    let mut rules = rules_of(schema);
                    if let Some(description) = parameter["description"].as_str() {
                        rules = format!("{}{}{}", escape(description), if rules.is_empty() { "" } else { "; " }, rules);
                    }
                    let _ = write!(
                        html,
                        "<tr><td><code>{}</code>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
                        escape(parameter["name"].as_str().unwrap_or("")),
                        if parameter["required"] == Value::Bool(true) { " (required)" } else { "" },
                        escape(parameter["in"].as_str().unwrap_or("")),
                        type_of(schema),
                        rules
                    );
                }
                html.push_str("</table></div>");
            }
            if let Some(content) = operation.pointer("/requestBody/content").and_then(Value::as_object) {
                let types: Vec<&str> = content.keys().map(String::as_str).collect();
                let _ = write!(html, "<p><em>Body</em> ({}):</p>", escape(&types.join(", ")));
                if let Some(schema) = content.values().next().map(|c| &c["schema"]) {
                    object_table(&mut html, schema);
                }
            }
            if let Some(responses) = operation["responses"].as_object() {
                html.push_str("<div class=\"scroll\"><table><tr><th>Status</th><th>Answer</th><th>Headers</th></tr>");
                for (status, response) in responses {
                    let body = response["content"]
                        .as_object()
                        .map(|content| {
                            content
                                .iter()
                                .map(|(media, c)| format!("{} {}", escape(media), type_of(&c["schema"])))
                                .collect::<Vec<_>>()
                                .join(", ")
                        })
                        .unwrap_or_default();
                    let headers = response["headers"]
                        .as_object()
                        .map(|h| h.keys().map(|k| escape(k)).collect::<Vec<_>>().join(", "))
                        .unwrap_or_default();
                    let _ = write!(
                        html,
                        "<tr><td>{}</td><td>{} {}</td><td>{}</td></tr>",
                        escape(status),
                        escape(response["description"].as_str().unwrap_or("")),
                        body,
                        headers
                    );
                }
                html.push_str("</table></div>");
            }
        }
    }
    html.push_str("<h2 id=\"models\">Models</h2>");
    for (name, schema) in schemas {
        let _ = write!(html, "<h3 id=\"{0}\">{0}</h3>", escape(name));
        object_table(&mut html, schema);
    }
    html.push_str(
        "<h2 id=\"errors\">Error codes</h2><div class=\"scroll\"><table>\
         <tr><th>Code</th><th>Name</th><th>HTTP</th><th>When</th></tr>",
    );
    let codes = doc.pointer("/components/schemas/Error/x-error-codes").and_then(Value::as_array);
    for code in codes.into_iter().flatten() {
        let http: Vec<String> = code["Http"].as_array().into_iter().flatten().map(Value::to_string).collect();
        let _ = write!(
            html,
            "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            code["Code"],
            escape(code["Name"].as_str().unwrap_or("")),
            http.join(" / "),
            escape(code["When"].as_str().unwrap_or(""))
        );
    }
    html.push_str("</table></div></main></body></html>");
    html
}

/// Every documented operation as (METHOD, path template), for tests.
pub fn documented_routes() -> Vec<(String, String)> {
    let empty = Map::new();
    let paths = document()["paths"].as_object().unwrap_or(&empty);
    let mut routes = Vec::new();
    for (path, item) in paths {
        for method in METHODS {
            if item.get(method).is_some() {
                routes.push((method.to_uppercase(), path.clone()));
            }
        }
    }
    routes
}
