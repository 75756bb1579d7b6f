//! docs/console.md §5 behind a reverse proxy: from a `--trusted-proxy` peer,
//! `X-Forwarded-Proto: https` is "over TLS" (the session cookie `Secure` and
//! named `__Host-calllog_session`) and `X-Forwarded-Host` is "this site";
//! from anyone else both are ignored. First with the headers written by
//! hand, then through a real nginx running the shipped `deploy/nginx.conf`'s
//! proxy headers (plain HTTP and TLS), and `nginx -t` on the shipped file.
//!
//! nginx and openssl come from Debian (`.ci/run` installs them). The nginx
//! tests need both, so they are `#[ignore]`d, as the browser tests are:
//! `cargo test --test api console_proxy:: -- --ignored` runs them (`.ci/run`
//! does), and without nginx or openssl they fail.

use crate::console_pages::unescape;
use crate::helpers::*;
use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

const SIGN_IN: [(&str, &str); 2] = [("UserName", "admin"), ("Password", ADMIN_PASSWORD)];

/// A sign-in form posted as a browser without `Sec-Fetch-Site` does: the
/// `Origin` check decides. `headers` are added as given.
async fn sign_in_with(app: &TestApp, headers: &[(&str, &str)]) -> reqwest::Response {
    let mut request = app
        .request(Method::POST, "/login")
        .header("Content-Type", "application/x-www-form-urlencoded")
        .body(serde_urlencoded::to_string(SIGN_IN).unwrap());
    for (name, value) in headers {
        request = request.header(*name, *value);
    }
    request.send().await.unwrap()
}

fn set_cookie(response: &reqwest::Response) -> String {
    response.headers().get("set-cookie").map(|v| v.to_str().unwrap().to_string()).unwrap_or_default()
}

/// `name=value` of a `Set-Cookie` line: what the browser sends back.
fn cookie_pair(set_cookie: &str) -> String {
    set_cookie.split(';').next().unwrap().trim().to_string()
}

async fn desk_status(app: &TestApp, cookie: &str, headers: &[(&str, &str)]) -> StatusCode {
    let mut request = app.request(Method::GET, "/desk").header("Cookie", cookie);
    for (name, value) in headers {
        request = request.header(*name, *value);
    }
    request.send().await.unwrap().status()
}

#[actix_web::test]
async fn https_from_a_trusted_proxy_makes_the_cookie_secure_and_host_prefixed() {
    let app = spawn_app_with(trusted_proxies(&["127.0.0.1"])).await;
    let https = [("X-Forwarded-Proto", "https")];
    let signed_in = sign_in_with(&app, &https).await;
    assert_eq!(signed_in.status(), StatusCode::SEE_OTHER);
    let cookie = set_cookie(&signed_in);
    assert!(cookie.starts_with("__Host-calllog_session="), "{cookie}");
    for attribute in ["; Secure", "; HttpOnly", "; SameSite=Strict", "; Path=/"] {
        assert!(cookie.contains(attribute), "{attribute} missing: {cookie}");
    }
    assert!(!cookie.contains("Domain"), "a __Host- cookie has no Domain: {cookie}");
    let pair = cookie_pair(&cookie);
    assert_eq!(desk_status(&app, &pair, &https).await, StatusCode::OK, "the __Host- cookie is read over TLS");

    // Over TLS only the __Host- name is read: a plain-named cookie could have
    // been set by any plain-HTTP page of the host.
    let token = pair.split_once('=').unwrap().1;
    let plain = format!("calllog_session={token}");
    assert_eq!(desk_status(&app, &plain, &https).await, StatusCode::SEE_OTHER);
    // And over plain HTTP the __Host- cookie is not the session (a browser would not send it).
    assert_eq!(desk_status(&app, &pair, &[]).await, StatusCode::SEE_OTHER);

    // Signing out over TLS clears the cookie of that name.
    let desk = app.request(Method::GET, "/desk").header("Cookie", &pair).header("X-Forwarded-Proto", "https");
    let desk = desk.send().await.unwrap().text().await.unwrap();
    let marker = "name=\"csrf\" value=\"";
    let start = desk.find(marker).unwrap() + marker.len();
    let csrf = unescape(&desk[start..start + desk[start..].find('"').unwrap()]);
    let out = app
        .request(Method::POST, "/logout")
        .header("Cookie", &pair)
        .header("X-Forwarded-Proto", "https")
        .header("Sec-Fetch-Site", "same-origin")
        .header("Content-Type", "application/x-www-form-urlencoded")
        .body(serde_urlencoded::to_string([("csrf", csrf.as_str())]).unwrap())
        .send()
        .await
        .unwrap();
    assert_eq!(out.status(), StatusCode::SEE_OTHER);
    let cleared = set_cookie(&out);
    assert!(cleared.starts_with("__Host-calllog_session=;") && cleared.contains("Max-Age=0"), "{cleared}");
    assert!(cleared.contains("; Secure"), "{cleared}");
}

#[actix_web::test]
async fn forwarded_headers_from_an_untrusted_peer_change_nothing() {
    // No --trusted-proxy: the headers are whatever the client wrote.
    let app = spawn_app().await;
    let forged = [("X-Forwarded-Proto", "https"), ("X-Forwarded-Host", "calllog.example")];
    let signed_in = sign_in_with(&app, &forged).await;
    assert_eq!(signed_in.status(), StatusCode::SEE_OTHER);
    let cookie = set_cookie(&signed_in);
    assert!(cookie.starts_with("calllog_session=") && !cookie.contains("Secure"), "{cookie}");

    // Another peer is trusted, not this one (the test client is 127.0.0.1).
    let app = spawn_app_with(trusted_proxies(&["10.0.0.1"])).await;
    let cookie = set_cookie(&sign_in_with(&app, &forged).await);
    assert!(cookie.starts_with("calllog_session=") && !cookie.contains("Secure"), "{cookie}");
    // X-Forwarded-Host is not "this site" from it: an Origin naming it is another site.
    let origin = [("X-Forwarded-Host", "calllog.example"), ("Origin", "https://calllog.example")];
    assert_eq!(sign_in_with(&app, &origin).await.status(), StatusCode::FORBIDDEN);
}

#[actix_web::test]
async fn x_forwarded_host_from_a_trusted_proxy_is_this_site() {
    // A proxy that rewrites Host to the app's own address keeps the browser's in X-Forwarded-Host.
    let app = spawn_app_with(trusted_proxies(&["127.0.0.1"])).await;
    let from_the_real_origin = [
        ("Host", "127.0.0.1:9"),
        ("X-Forwarded-Host", "calllog.example:8443"),
        ("Origin", "https://calllog.example:8443"),
    ];
    assert_eq!(sign_in_with(&app, &from_the_real_origin).await.status(), StatusCode::SEE_OTHER);
    // Then the site is that host, and the rewritten Host no longer is.
    let from_the_inner_host =
        [("Host", "127.0.0.1:9"), ("X-Forwarded-Host", "calllog.example:8443"), ("Origin", "http://127.0.0.1:9")];
    assert_eq!(sign_in_with(&app, &from_the_inner_host).await.status(), StatusCode::FORBIDDEN);
    let elsewhere = [("X-Forwarded-Host", "calllog.example:8443"), ("Origin", "https://evil.example")];
    assert_eq!(sign_in_with(&app, &elsewhere).await.status(), StatusCode::FORBIDDEN);
}

// ---- a real nginx --------------------------------------------------------------

/// The shipped configuration, relative to the package.
fn shipped_config() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("deploy/nginx.conf")
}

/// An executable at one of `paths` or on `PATH`.
fn executable(name: &str, paths: &[&str]) -> Option<PathBuf> {
    let on_path = std::env::var_os("PATH")
        .and_then(|path| std::env::split_paths(&path).map(|dir| dir.join(name)).find(|c| c.is_file()));
    paths.iter().map(PathBuf::from).find(|p| p.is_file()).or(on_path)
}

/// nginx and openssl; fails the test when one is missing.
fn proxy_tools() -> (PathBuf, PathBuf) {
    let nginx = executable("nginx", &["/usr/sbin/nginx"]);
    let openssl = executable("openssl", &["/usr/bin/openssl"]);
    match (nginx, openssl) {
        (Some(nginx), Some(openssl)) => (nginx, openssl),
        (None, _) => panic!("the nginx tests need nginx (apt-get install nginx)"),
        (_, None) => panic!("the nginx tests need openssl (apt-get install openssl)"),
    }
}

/// A self-signed certificate and its key for `localhost`, in `dir`.
fn self_signed_pair(openssl: &Path, dir: &Path) -> (PathBuf, PathBuf) {
    let (cert, key) = (dir.join("cert.pem"), dir.join("key.pem"));
    let made = Command::new(openssl)
        .args(["req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-days", "2"])
        .args(["-subj", "/CN=localhost", "-keyout"])
        .arg(&key)
        .arg("-out")
        .arg(&cert)
        .output()
        .unwrap();
    assert!(made.status.success(), "openssl req: {}", String::from_utf8_lossy(&made.stderr));
    (cert, key)
}

/// The directives of the shipped `location / { … }` block, one per line:
/// the test proxies with exactly the headers the office's proxy sends.
fn shipped_proxy_directives() -> Vec<String> {
    let text = std::fs::read_to_string(shipped_config()).unwrap();
    let block = text.split("location / {").nth(1).expect("deploy/nginx.conf has a `location / {` block");
    let block = &block[..block.find('}').unwrap()];
    let directives: Vec<String> = block
        .lines()
        .map(|line| line.split('#').next().unwrap().trim())
        .filter(|line| line.starts_with("proxy_set_header") || line.starts_with("proxy_buffering"))
        .map(str::to_string)
        .collect();
    for needed in [
        "proxy_set_header Host $http_host;",
        "proxy_set_header X-Forwarded-Host $http_host;",
        "proxy_set_header X-Forwarded-Proto $scheme;",
        "proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;",
    ] {
        assert!(directives.iter().any(|d| d == needed), "deploy/nginx.conf lacks {needed:?}: {directives:#?}");
    }
    directives
}

/// A free loopback port (the listener is closed before nginx binds it).
fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

/// The app's `127.0.0.1:<port>`.
fn authority(app: &TestApp) -> String {
    app.address.trim_start_matches("http://").to_string()
}

/// One nginx, in a single process (`master_process off`: no worker outlives
/// a kill), with every file it writes in its own directory; killed by its
/// PID when dropped, a panicking test included.
struct Nginx {
    child: Child,
    dir: tempfile::TempDir,
}

impl Drop for Nginx {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Nginx {
    /// Starts nginx with `servers` (server blocks) in a configuration of its
    /// own under `dir`, and waits until it listens on every port of `ports`.
    async fn start(nginx: &Path, dir: tempfile::TempDir, servers: &str, ports: &[u16]) -> Nginx {
        let d = dir.path().display();
        std::fs::create_dir_all(dir.path().join("tmp")).unwrap();
        let config = format!(
            "master_process off;\n\
             pid {d}/nginx.pid;\n\
             error_log {d}/error.log;\n\
             events {{ worker_connections 64; }}\n\
             http {{\n\
             access_log {d}/access.log;\n\
             client_body_temp_path {d}/tmp/body;\n\
             proxy_temp_path {d}/tmp/proxy;\n\
             fastcgi_temp_path {d}/tmp/fastcgi;\n\
             uwsgi_temp_path {d}/tmp/uwsgi;\n\
             scgi_temp_path {d}/tmp/scgi;\n\
             {servers}\n\
             }}\n"
        );
        let conf = dir.path().join("nginx.conf");
        std::fs::write(&conf, config).unwrap();
        let child = Command::new(nginx)
            .arg("-p")
            .arg(dir.path())
            .arg("-c")
            .arg(&conf)
            .arg("-e")
            .arg(dir.path().join("error.log"))
            .args(["-g", "daemon off;"])
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap_or_else(|e| panic!("starting {}: {e}", nginx.display()));
        let mut proxy = Nginx { child, dir };
        let started = Instant::now();
        for port in ports {
            while tokio::net::TcpStream::connect(("127.0.0.1", *port)).await.is_err() {
                if let Some(status) = proxy.child.try_wait().unwrap() {
                    let mut stderr = String::new();
                    proxy.child.stderr.take().unwrap().read_to_string(&mut stderr).unwrap();
                    panic!("nginx ended ({status}): {stderr}\n{}", proxy.log());
                }
                assert!(started.elapsed() < Duration::from_secs(10), "nginx did not listen on {port}: {}", proxy.log());
                tokio::time::sleep(Duration::from_millis(20)).await;
            }
        }
        proxy
    }

    fn log(&self) -> String {
        std::fs::read_to_string(self.dir.path().join("error.log")).unwrap_or_default()
    }
}

/// A server block on `port` proxying to `upstream` with `directives`.
fn server_block(listen: &str, upstream: &str, directives: &[String], tls: Option<(&Path, &Path)>) -> String {
    let tls = tls
        .map(|(cert, key)| format!("ssl_certificate {};\nssl_certificate_key {};\n", cert.display(), key.display()))
        .unwrap_or_default();
    format!(
        "server {{\nlisten {listen};\n{tls}location / {{\nproxy_pass http://{upstream};\n{}\n}}\n}}\n",
        directives.join("\n")
    )
}

/// One HTTP/1.1 exchange over TLS with `openssl s_client` (the test client
/// has no TLS of its own): the answer's status line and headers.
async fn over_tls(openssl: &Path, port: u16, request: String) -> String {
    let openssl = openssl.to_path_buf();
    tokio::task::spawn_blocking(move || {
        let mut child = Command::new(openssl)
            .args(["s_client", "-quiet", "-connect", &format!("127.0.0.1:{port}"), "-servername", "localhost"])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        child.stdin.take().unwrap().write_all(request.as_bytes()).unwrap();
        let mut answer = String::new();
        child.stdout.take().unwrap().read_to_string(&mut answer).unwrap();
        let _ = child.wait();
        answer.split("\r\n\r\n").next().unwrap_or_default().to_string()
    })
    .await
    .unwrap()
}

/// The `Set-Cookie` line of a raw answer's headers.
fn raw_set_cookie(head: &str) -> String {
    head.lines()
        .find_map(|line| {
            let (name, value) = line.split_once(':')?;
            name.eq_ignore_ascii_case("set-cookie").then(|| value.trim().to_string())
        })
        .unwrap_or_default()
}

#[actix_web::test]
#[ignore = "needs nginx + openssl (run by .ci/run)"]
async fn the_shipped_nginx_config_passes_nginx_t() {
    let (nginx, openssl) = proxy_tools();
    let dir = tempfile::tempdir().unwrap();
    let (cert, key) = self_signed_pair(&openssl, dir.path());
    // The shipped server blocks as they are, but for the certificate paths.
    let site = std::fs::read_to_string(shipped_config())
        .unwrap()
        .replace("/etc/letsencrypt/live/calllog.example.com/fullchain.pem", &cert.display().to_string())
        .replace("/etc/letsencrypt/live/calllog.example.com/privkey.pem", &key.display().to_string());
    assert!(!site.contains("/etc/letsencrypt"), "every certificate path was swapped");
    let d = dir.path().display();
    let config = format!(
        "pid {d}/nginx.pid;\nerror_log {d}/error.log;\nevents {{ worker_connections 16; }}\nhttp {{\naccess_log off;\n{site}\n}}\n"
    );
    std::fs::write(dir.path().join("nginx.conf"), config).unwrap();
    let tested = Command::new(&nginx)
        .arg("-t")
        .arg("-p")
        .arg(dir.path())
        .arg("-c")
        .arg(dir.path().join("nginx.conf"))
        .arg("-e")
        .arg(dir.path().join("error.log"))
        .output()
        .unwrap();
    let said = String::from_utf8_lossy(&tested.stderr);
    assert!(tested.status.success() && said.contains("test is successful"), "nginx -t: {said}");
}

#[actix_web::test]
#[ignore = "needs nginx + openssl (run by .ci/run)"]
async fn signing_in_through_nginx_works_over_http_and_https_with_the_shipped_headers() {
    let (nginx, openssl) = proxy_tools();
    let trusting = spawn_app_with(trusted_proxies(&["127.0.0.1"])).await;
    let untrusting = spawn_app().await;
    let dir = tempfile::tempdir().unwrap();
    let (cert, key) = self_signed_pair(&openssl, dir.path());
    let shipped = shipped_proxy_directives();
    // Some proxies rewrite Host to the upstream's address: the browser's host
    // then reaches the app only as X-Forwarded-Host.
    let rewriting = |upstream: &str| -> Vec<String> {
        shipped
            .iter()
            .map(|d| {
                if d.starts_with("proxy_set_header Host ") {
                    format!("proxy_set_header Host {upstream};")
                } else {
                    d.clone()
                }
            })
            .collect()
    };
    let (plain, tls, rewritten, rewritten_untrusted) = (free_port(), free_port(), free_port(), free_port());
    let servers = [
        server_block(&format!("127.0.0.1:{plain}"), &authority(&trusting), &shipped, None),
        server_block(&format!("127.0.0.1:{tls} ssl"), &authority(&trusting), &shipped, Some((&cert, &key))),
        server_block(&format!("127.0.0.1:{rewritten}"), &authority(&trusting), &rewriting(&authority(&trusting)), None),
        server_block(
            &format!("127.0.0.1:{rewritten_untrusted}"),
            &authority(&untrusting),
            &rewriting(&authority(&untrusting)),
            None,
        ),
    ]
    .concat();
    let proxy = Nginx::start(&nginx, dir, &servers, &[plain, tls, rewritten, rewritten_untrusted]).await;

    let body = serde_urlencoded::to_string(SIGN_IN).unwrap();
    let through = |port: u16| {
        let origin = format!("http://127.0.0.1:{port}");
        trusting
            .client
            .post(format!("{origin}/login"))
            .header("Content-Type", "application/x-www-form-urlencoded")
            .header("Origin", origin.clone())
            .body(body.clone())
    };

    // Plain HTTP through the proxy: the browser's Origin is the proxy's address, which must pass.
    let signed_in = through(plain).send().await.unwrap();
    assert_eq!(signed_in.status(), StatusCode::SEE_OTHER, "{}", proxy.log());
    let cookie = set_cookie(&signed_in);
    assert!(cookie.starts_with("calllog_session=") && !cookie.contains("Secure"), "{cookie}");
    let desk = trusting
        .client
        .get(format!("http://127.0.0.1:{plain}/desk"))
        .header("Cookie", cookie_pair(&cookie))
        .send()
        .await
        .unwrap();
    assert_eq!(desk.status(), StatusCode::OK);

    // TLS at the proxy: X-Forwarded-Proto https makes the cookie Secure and __Host-.
    let request = format!(
        "POST /login HTTP/1.1\r\nHost: 127.0.0.1:{tls}\r\nOrigin: https://127.0.0.1:{tls}\r\n\
         Content-Type: application/x-www-form-urlencoded\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    );
    let head = over_tls(&openssl, tls, request).await;
    assert!(head.starts_with("HTTP/1.1 303"), "{head}\n{}", proxy.log());
    let cookie = raw_set_cookie(&head);
    assert!(cookie.starts_with("__Host-calllog_session=") && cookie.contains("; Secure"), "{cookie}");
    let request = format!(
        "GET /desk HTTP/1.1\r\nHost: 127.0.0.1:{tls}\r\nCookie: {}\r\nConnection: close\r\n\r\n",
        cookie_pair(&cookie)
    );
    let head = over_tls(&openssl, tls, request).await;
    assert!(head.starts_with("HTTP/1.1 200"), "the __Host- cookie is the session over TLS: {head}");

    // A proxy that rewrites Host: accepted because X-Forwarded-Host comes from a trusted peer…
    assert_eq!(through(rewritten).send().await.unwrap().status(), StatusCode::SEE_OTHER, "{}", proxy.log());
    // …and refused by an app that does not trust it, for which the site is the rewritten Host.
    assert_eq!(through(rewritten_untrusted).send().await.unwrap().status(), StatusCode::FORBIDDEN);
    drop(proxy);
}
