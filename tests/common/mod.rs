//! Test harness: the real `App` over a fresh temp-file database.
#![allow(dead_code)]

use actix_web::body::MessageBody;
use actix_web::dev::{Service, ServiceResponse};
use actix_web::http::{Method, StatusCode};
use actix_web::test::{self, TestRequest};
use actix_web::web;
use calllog::config::{AppConfig, StoreConfig};
use calllog::{AppState, Store};
use serde_json::{json, Value};
use std::collections::HashMap;

pub struct TestEnv {
    pub dir: tempfile::TempDir,
    pub state: web::Data<AppState>,
}

/// A response, reduced to what tests look at.
#[derive(Debug)]
pub struct Answer {
    pub status: StatusCode,
    pub headers: HashMap<String, String>,
    pub text: String,
    pub body: Value,
}

impl Answer {
    /// The API error code, or 0 when the body has none.
    pub fn code(&self) -> i64 {
        self.body["Code"].as_i64().unwrap_or(0)
    }
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(&name.to_lowercase()).map(String::as_str)
    }
    /// Asserts an error answer: status, code and a non-empty message.
    pub fn assert_error(&self, status: u16, code: i64) {
        assert_eq!(self.status.as_u16(), status, "status; body: {}", self.text);
        assert_eq!(self.code(), code, "code; body: {}", self.text);
        assert!(self.body["Message"].as_str().is_some_and(|m| !m.is_empty()), "message: {}", self.text);
        assert!(self.body["Errors"].is_array(), "Errors must be an array: {}", self.text);
    }
}

/// The `Field` of every entry of an error's `Errors`.
pub fn error_fields(a: &Answer) -> Vec<String> {
    a.body["Errors"].as_array().unwrap().iter().map(|e| e["Field"].as_str().unwrap().to_string()).collect()
}

/// One integer field of every element of a ListWrapper.
pub fn ids(a: &Answer, field: &str) -> Vec<i64> {
    a.body["Elements"]
        .as_array()
        .unwrap_or_else(|| panic!("not a list: {}", a.text))
        .iter()
        .map(|e| e[field].as_i64().unwrap())
        .collect()
}

/// The `Subject` of every call log of a ListWrapper.
pub fn subjects(a: &Answer) -> Vec<String> {
    a.body["Elements"].as_array().unwrap().iter().map(|l| l["Subject"].as_str().unwrap().to_string()).collect()
}

pub const ADMIN_PASSWORD: &str = "admin-password-1";

impl TestEnv {
    pub async fn new() -> TestEnv {
        Self::with(|_, _| {}).await
    }

    /// A fresh environment; `adjust` may change the store and app settings.
    pub async fn with(adjust: impl FnOnce(&mut StoreConfig, &mut AppConfig)) -> TestEnv {
        let dir = tempfile::tempdir().unwrap();
        let mut store_config = StoreConfig::new(dir.path().join("test.db"));
        let mut app_config = AppConfig::default();
        adjust(&mut store_config, &mut app_config);
        let store = Store::open(&store_config).unwrap();
        let state = web::Data::new(AppState::new(store, app_config));
        let admin = calllog::domain::users::NewUser {
            user_name: "admin".into(),
            password: ADMIN_PASSWORD.into(),
            first_name: Some("Ada".into()),
            last_name: Some("Admin".into()),
            email: None,
            role: calllog::domain::users::Role::Admin,
            property_ids: vec![],
        };
        state.service.create_user(&calllog::domain::users::Caller::command_line(), admin).await.unwrap();
        TestEnv { dir, state }
    }
}

/// Sends one request. `body` is sent as JSON when given.
pub async fn call<S, B>(app: &S, method: Method, path: &str, token: Option<&str>, body: Option<Value>) -> Answer
where
    S: Service<actix_http::Request, Response = ServiceResponse<B>, Error = actix_web::Error>,
    B: MessageBody,
{
    let mut req = TestRequest::default().method(method).uri(path);
    if let Some(token) = token {
        req = req.insert_header(("Authorization", format!("Bearer {token}")));
    }
    if let Some(body) = body {
        req = req.set_json(body);
    }
    send(app, req).await
}

/// Sends a prepared request.
pub async fn send<S, B>(app: &S, req: TestRequest) -> Answer
where
    S: Service<actix_http::Request, Response = ServiceResponse<B>, Error = actix_web::Error>,
    B: MessageBody,
{
    let res = test::call_service(app, req.to_request()).await;
    let status = res.status();
    let headers =
        res.headers().iter().map(|(k, v)| (k.as_str().to_lowercase(), v.to_str().unwrap_or("").to_string())).collect();
    let bytes = test::read_body(res).await;
    let text = String::from_utf8_lossy(&bytes).to_string();
    let body = serde_json::from_slice(&bytes).unwrap_or(Value::Null);
    Answer { status, headers, text, body }
}

pub async fn get<S, B>(app: &S, path: &str, token: &str) -> Answer
where
    S: Service<actix_http::Request, Response = ServiceResponse<B>, Error = actix_web::Error>,
    B: MessageBody,
{
    call(app, Method::GET, path, Some(token), None).await
}

pub async fn post<S, B>(app: &S, path: &str, token: &str, body: Value) -> Answer
where
    S: Service<actix_http::Request, Response = ServiceResponse<B>, Error = actix_web::Error>,
    B: MessageBody,
{
    call(app, Method::POST, path, Some(token), Some(body)).await
}

pub async fn put<S, B>(app: &S, path: &str, token: &str, body: Value) -> Answer
where
    S: Service<actix_http::Request, Response = ServiceResponse<B>, Error = actix_web::Error>,
    B: MessageBody,
{
    call(app, Method::PUT, path, Some(token), Some(body)).await
}

pub async fn delete<S, B>(app: &S, path: &str, token: &str) -> Answer
where
    S: Service<actix_http::Request, Response = ServiceResponse<B>, Error = actix_web::Error>,
    B: MessageBody,
{
    call(app, Method::DELETE, path, Some(token), None).await
}

/// Signs in and returns the session token.
pub async fn sign_in<S, B>(app: &S, user: &str, password: &str) -> String
where
    S: Service<actix_http::Request, Response = ServiceResponse<B>, Error = actix_web::Error>,
    B: MessageBody,
{
    let a =
        call(app, Method::POST, "/api/auth/token", None, Some(json!({"UserName": user, "Password": password}))).await;
    assert_eq!(a.status, StatusCode::OK, "sign-in of {user}: {}", a.text);
    a.body["Token"].as_str().unwrap().to_string()
}

/// Creates a user through the API (as `admin_token`) and returns its id and a session token.
pub async fn make_user<S, B>(app: &S, admin_token: &str, name: &str, role: &str, properties: &[i64]) -> (i64, String)
where
    S: Service<actix_http::Request, Response = ServiceResponse<B>, Error = actix_web::Error>,
    B: MessageBody,
{
    let password = format!("{name}-password");
    let a = post(
        app,
        "/api/users",
        admin_token,
        json!({"UserName": name, "Password": password, "FirstName": name, "LastName": "Tester", "Role": role, "PropertyIds": properties}),
    )
    .await;
    assert_eq!(a.status, StatusCode::CREATED, "creating {name}: {}", a.text);
    let id = a.body["UserId"].as_i64().unwrap();
    (id, sign_in(app, name, &password).await)
}

/// Two properties (1, 2), units 11, 12 (property 1) and 21 (property 2),
/// residents 111 (owner of 11), 112 (renter of 11), 211 (owner of 21).
pub fn sample_directory() -> Value {
    json!({
        "Properties": [
            {"PropertyId": 1, "PropertyName": "Harbor View", "PropertyTypeId": 1, "City": "Miami"},
            {"PropertyId": 2, "PropertyName": "Oak Hollow", "PropertyTypeId": 2},
            {"PropertyId": 3, "PropertyName": "Old Mill", "PropertyStatus": false}
        ],
        "Units": [
            {"UnitId": 11, "PropertyId": 1, "UnitNumber": "101", "DisplayOrder": 2},
            {"UnitId": 12, "PropertyId": 1, "UnitNumber": "102", "DisplayOrder": 1},
            {"UnitId": 21, "PropertyId": 2, "UnitNumber": "A-1"}
        ],
        "Residents": [
            {"ResidentId": 111, "PropertyId": 1, "UnitId": 11, "ResidentFirstName": "Ann", "ResidentMiddleInitial": "B", "ResidentLastName": "Cole", "ResidentType": 1},
            {"ResidentId": 112, "PropertyId": 1, "UnitId": 11, "ResidentFirstName": "José", "ResidentLastName": "Núñez", "ResidentType": 3},
            {"ResidentId": 211, "PropertyId": 2, "UnitId": 21, "ResidentLastName": "Dana", "ResidentType": 1, "MoveInDate": "2024-05-01"}
        ]
    })
}

/// Sets up the app, signs the admin in and imports the sample directory.
#[macro_export]
macro_rules! app_with_directory {
    ($env:ident, $app:ident, $admin:ident) => {
        let $env = common::TestEnv::new().await;
        let $app = actix_web::test::init_service(calllog::build_app($env.state.clone())).await;
        let $admin = common::sign_in(&$app, "admin", common::ADMIN_PASSWORD).await;
        let imported = common::post(&$app, "/api/admin/import", &$admin, common::sample_directory()).await;
        assert_eq!(imported.status.as_u16(), 200, "{}", imported.text);
    };
}
