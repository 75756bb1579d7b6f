//! What the benchmarks share: their knobs and the service on a loopback port.

use calllog::{build_app, AppState};
use std::time::Duration;

/// A numeric knob from the environment, or its default.
pub fn env_number(name: &str, default: usize) -> usize {
    std::env::var(name).ok().and_then(|v| v.parse().ok()).unwrap_or(default)
}

/// Serves the app over `state` on a free loopback port, on a thread of its
/// own, and answers its address (`127.0.0.1:PORT`) once it listens.
pub fn serve_on_loopback(state: actix_web::web::Data<AppState>) -> String {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap().to_string();
    std::thread::spawn(move || {
        actix_web::rt::System::new().block_on(async move {
            actix_web::HttpServer::new(move || build_app(state.clone())).listen(listener).unwrap().run().await.unwrap();
        })
    });
    std::thread::sleep(Duration::from_millis(300));
    addr
}

/// A directory for `POST /api/admin/import`: properties 1..=10 (`P1`…), each
/// with units `p * 1000 + 0..100` numbered 0 to 99.
pub fn ten_properties_of_a_hundred_units() -> serde_json::Value {
    let mut directory = serde_json::json!({"Properties": [], "Units": []});
    for p in 1..=10 {
        directory["Properties"]
            .as_array_mut()
            .unwrap()
            .push(serde_json::json!({"PropertyId": p, "PropertyName": format!("P{p}")}));
        for u in 0..100 {
            directory["Units"]
                .as_array_mut()
                .unwrap()
                .push(serde_json::json!({"UnitId": p * 1000 + u, "PropertyId": p, "UnitNumber": u.to_string()}));
        }
    }
    directory
}
