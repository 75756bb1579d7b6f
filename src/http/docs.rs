//! docs/api.md §8: `GET /api/openapi.json` and `GET /help`. Both come from the
//! one generated document (`http::openapi`), so they cannot disagree; the
//! page is read out of it here and laid out by `templates/help.html`, with
//! no outside assets.

use crate::http::openapi::document;
use crate::http::resource;
use crate::wire::assets;
use crate::wire::page_headers;
use actix_web::http::Method;
use actix_web::{web, HttpResponse};
use askama::Template;
use serde_json::{Map, Value};
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
    let body = BODY.get_or_init(|| {
        render_help(document()).unwrap_or_else(|e| {
            log::error!("rendering /help: {e}");
            String::new()
        })
    });
    if body.is_empty() {
        return actix_web::ResponseError::error_response(&crate::error::ApiError::internal(
            "the help page failed to render",
        ));
    }
    HttpResponse::Ok().content_type("text/html; charset=utf-8").body(body.as_str())
}

const METHODS: [&str; 5] = ["get", "post", "put", "patch", "delete"];

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

/// A piece of a type as the page shows it: words, or a model's name that
/// links to its table.
pub enum Piece {
    Text(String),
    Link(String),
}

fn text(s: impl Into<String>) -> Piece {
    Piece::Text(s.into())
}

/// A short type for a schema: `integer`, `string or null`, `[integer]`, a model name.
fn type_of(schema: &Value) -> Vec<Piece> {
    if let Some(reference) = schema.get("$ref").and_then(Value::as_str) {
        let name = reference.rsplit('/').next().unwrap_or(reference);
        return vec![Piece::Link(name.to_string())];
    }
    for combinator in ["oneOf", "anyOf", "allOf"] {
        if let Some(Value::Array(parts)) = schema.get(combinator) {
            let named: Vec<Vec<Piece>> = parts.iter().map(type_of).filter(|t| !t.is_empty()).collect();
            if !named.is_empty() && schema.get("type").is_none() {
                let joiner = if combinator == "allOf" { " & " } else { " | " };
                return joined(named, joiner);
            }
        }
    }
    let kinds: Vec<&str> = match schema.get("type") {
        Some(Value::String(kind)) => vec![kind.as_str()],
        Some(Value::Array(kinds)) => kinds.iter().filter_map(Value::as_str).collect(),
        _ => Vec::new(),
    };
    let nullable = kinds.contains(&"null");
    let mut names: Vec<Vec<Piece>> = kinds
        .iter()
        .filter(|k| **k != "null")
        .map(|kind| match *kind {
            "array" => {
                let mut pieces = vec![text("[")];
                pieces.extend(schema.get("items").map(type_of).unwrap_or_default());
                pieces.push(text("]"));
                pieces
            }
            "string" => match schema.get("format").and_then(Value::as_str) {
                Some(format) => vec![text(format!("string ({format})"))],
                None => vec![text("string")],
            },
            other => vec![text(other)],
        })
        .collect();
    if names.is_empty() {
        names.push(vec![text("any")]);
    }
    let mut pieces = joined(names, " | ");
    if nullable {
        pieces.push(text(" or null"));
    }
    pieces
}

/// `parts` one after the other, `joiner` between them.
fn joined(parts: Vec<Vec<Piece>>, joiner: &str) -> Vec<Piece> {
    let mut pieces = Vec::new();
    for (i, part) in parts.into_iter().enumerate() {
        if i > 0 {
            pieces.push(text(joiner));
        }
        pieces.extend(part);
    }
    pieces
}

/// The page, as its template shows it: everything read out of the
/// document beforehand, so the template only lays it out (and escapes it).
#[derive(Template)]
#[template(path = "help.html")]
struct HelpPage<'d> {
    css: &'static str,
    icon: &'static str,
    description: &'d str,
    version: &'d str,
    groups: Vec<GroupView<'d>>,
    models: Vec<ModelView<'d>>,
    codes: Vec<CodeView>,
}

struct GroupView<'d> {
    tag: String,
    operations: Vec<OperationView<'d>>,
}

struct OperationView<'d> {
    anchor: String,
    method: String,
    path: &'d str,
    summary: &'d str,
    parameters: Option<Vec<ParameterView<'d>>>,
    body: Option<BodyView>,
    responses: Option<Vec<ResponseView<'d>>>,
}

struct ParameterView<'d> {
    name: &'d str,
    required: bool,
    location: &'d str,
    kind: Vec<Piece>,
    rules: String,
}

struct BodyView {
    media: String,
    blocks: Vec<Block>,
}

/// What an object's schema shows: a table of its fields, or (for a part of
/// an `allOf` that names a model) a line saying it has that model's fields too.
enum Block {
    Fields(Vec<FieldView>),
    AndEveryField(Vec<Piece>),
}

struct FieldView {
    name: String,
    kind: Vec<Piece>,
    required: bool,
    rules: String,
}

struct ResponseView<'d> {
    status: &'d str,
    description: &'d str,
    /// `media type` pieces, `, ` between contents.
    body: Vec<Piece>,
    headers: String,
}

struct ModelView<'d> {
    name: &'d str,
    blocks: Vec<Block>,
}

struct CodeView {
    code: String,
    name: String,
    http: String,
    when: String,
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
    rules.join("; ")
}

/// An object schema's fields, then those of the parts it is made of.
fn object_blocks(blocks: &mut Vec<Block>, schema: &Value) {
    let required: Vec<&str> =
        schema.get("required").and_then(Value::as_array).into_iter().flatten().filter_map(Value::as_str).collect();
    let empty = Map::new();
    let properties = schema.get("properties").and_then(Value::as_object).unwrap_or(&empty);
    blocks.push(Block::Fields(
        properties
            .iter()
            .map(|(name, property)| FieldView {
                name: name.clone(),
                kind: type_of(property),
                required: required.contains(&name.as_str()),
                rules: rules_of(property),
            })
            .collect(),
    ));
    if let Some(Value::Array(parts)) = schema.get("allOf") {
        for part in parts {
            if part.get("properties").is_some() {
                object_blocks(blocks, part);
            } else if part.get("$ref").is_some() {
                blocks.push(Block::AndEveryField(type_of(part)));
            }
        }
    }
}

fn blocks_of(schema: &Value) -> Vec<Block> {
    let mut blocks = Vec::new();
    object_blocks(&mut blocks, schema);
    blocks
}

fn operation_view<'d>(operation: &Operation<'d>) -> OperationView<'d> {
    let spec = operation.spec;
    let parameters = spec.get("parameters").and_then(Value::as_array).map(|parameters| {
        parameters
            .iter()
            .map(|parameter| {
                let schema = &parameter["schema"];
                let mut rules = rules_of(schema);
                if let Some(description) = parameter["description"].as_str() {
                    rules = format!("{description}{}{rules}", if rules.is_empty() { "" } else { "; " });
                }
                ParameterView {
                    name: parameter["name"].as_str().unwrap_or(""),
                    required: parameter["required"] == Value::Bool(true),
                    location: parameter["in"].as_str().unwrap_or(""),
                    kind: type_of(schema),
                    rules,
                }
            })
            .collect()
    });
    let body = spec.pointer("/requestBody/content").and_then(Value::as_object).map(|content| {
        let types: Vec<&str> = content.keys().map(String::as_str).collect();
        BodyView {
            media: types.join(", "),
            blocks: content.values().next().map(|c| blocks_of(&c["schema"])).unwrap_or_default(),
        }
    });
    let responses = spec["responses"].as_object().map(|responses| {
        responses
            .iter()
            .map(|(status, response)| {
                let contents: Vec<Vec<Piece>> = response["content"]
                    .as_object()
                    .map(|content| {
                        content
                            .iter()
                            .map(|(media, c)| {
                                let mut pieces = vec![text(format!("{media} "))];
                                pieces.extend(type_of(&c["schema"]));
                                pieces
                            })
                            .collect()
                    })
                    .unwrap_or_default();
                ResponseView {
                    status,
                    description: response["description"].as_str().unwrap_or(""),
                    body: joined(contents, ", "),
                    headers: response["headers"]
                        .as_object()
                        .map(|h| h.keys().map(String::as_str).collect::<Vec<_>>().join(", "))
                        .unwrap_or_default(),
                }
            })
            .collect()
    });
    OperationView {
        anchor: operation_anchor(&operation.method, operation.path),
        method: operation.method.clone(),
        path: operation.path,
        summary: spec["summary"].as_str().unwrap_or(""),
        parameters,
        body,
        responses,
    }
}

/// Renders the document as one HTML page. Its look comes from the console's
/// stylesheet (the page's `Content-Security-Policy` allows no inline style),
/// and every table sits in a box that scrolls on its own, so the page never
/// scrolls sideways.
pub fn render_help(doc: &Value) -> Result<String, askama::Error> {
    let info = &doc["info"];
    let empty = Map::new();
    let schemas = doc.pointer("/components/schemas").and_then(Value::as_object).unwrap_or(&empty);
    let codes = doc.pointer("/components/schemas/Error/x-error-codes").and_then(Value::as_array);
    HelpPage {
        css: assets::css_url(),
        icon: assets::icon_url(),
        description: info["description"].as_str().unwrap_or(""),
        version: info["version"].as_str().unwrap_or(""),
        groups: operations_by_tag(doc)
            .iter()
            .map(|group| GroupView {
                tag: group.tag.clone(),
                operations: group.operations.iter().map(operation_view).collect(),
            })
            .collect(),
        models: schemas.iter().map(|(name, schema)| ModelView { name, blocks: blocks_of(schema) }).collect(),
        codes: codes
            .into_iter()
            .flatten()
            .map(|code| CodeView {
                code: code["Code"].to_string(),
                name: code["Name"].as_str().unwrap_or("").to_string(),
                http: code["Http"]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .map(Value::to_string)
                    .collect::<Vec<_>>()
                    .join(" / "),
                when: code["When"].as_str().unwrap_or("").to_string(),
            })
            .collect(),
    }
    .render()
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
