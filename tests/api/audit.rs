//! docs/api.md §3: the admin audit — every change to users, tokens, reasons,
//! statuses and the directory, by whom, newest first, written in the same
//! transaction as the change.

use crate::console_pages::{console_sign_in, csrf_for, get_page, post_form};
use crate::helpers::*;
use serde_json::{json, Value};

/// Every entry of the audit (newest first), as the admin reads it.
async fn audit(app: &TestApp, token: &str, query: &str) -> Vec<Value> {
    let a = get(app, &format!("/api/admin/audit{query}"), token).await;
    assert_eq!(a.status, StatusCode::OK, "{}", a.text);
    a.body["Elements"].as_array().unwrap().clone()
}

fn actions(entries: &[Value]) -> Vec<&str> {
    entries.iter().map(|e| e["Action"].as_str().unwrap()).collect()
}

/// The entry with this action (exactly one).
fn entry<'a>(entries: &'a [Value], action: &str) -> &'a Value {
    let found: Vec<&Value> = entries.iter().filter(|e| e["Action"] == action).collect();
    assert_eq!(found.len(), 1, "one {action} entry: {entries:#?}");
    found[0]
}

#[actix_web::test]
async fn every_admin_change_is_recorded_with_its_actor_newest_first() {
    let app = spawn_app_with(in_time_zone("America/New_York")).await;
    let admin = sign_in(&app, "admin", ADMIN_PASSWORD).await;
    let admin_id = get(&app, "/api/users/me", &admin).await.body["UserId"].as_i64().unwrap();

    let created = post(
        &app,
        "/api/users",
        &admin,
        json!({"UserName": "jdoe", "Password": "secret-pass-1", "FirstName": "Jane", "LastName": "Doe",
               "Role": "agent", "PropertyIds": [1, 2]}),
    )
    .await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.text);
    let user_id = created.body["UserId"].as_i64().unwrap();
    let user_path = format!("/api/users/{user_id}");
    let changed = put(
        &app,
        &user_path,
        &admin,
        json!({"Role": "viewer", "PropertyIds": [2, 3], "Password": "secret-pass-2", "Email": "jane@example.com"}),
    )
    .await;
    assert_eq!(changed.status, StatusCode::OK, "{}", changed.text);
    assert_eq!(put(&app, &user_path, &admin, json!({"Active": false})).await.status, StatusCode::OK);
    assert_eq!(put(&app, &user_path, &admin, json!({"Active": true})).await.status, StatusCode::OK);
    let token = post(&app, &format!("{user_path}/tokens"), &admin, json!({"Name": "nightly export"})).await;
    assert_eq!(token.status, StatusCode::CREATED, "{}", token.text);
    let token_id = token.body["TokenId"].as_i64().unwrap();
    let clear_token = token.body["Token"].as_str().unwrap().to_string();
    assert_eq!(delete(&app, &format!("{user_path}/tokens/{token_id}"), &admin).await.status, StatusCode::NO_CONTENT);
    let reason = post(&app, "/api/calllogreasons", &admin, json!({"Name": "Parking", "DisplayOrder": 9})).await;
    let reason_id = reason.body["CallLogReasonId"].as_i64().unwrap();
    let renamed = put(&app, &format!("/api/calllogreasons/{reason_id}"), &admin, json!({"Name": "Parking lot"})).await;
    assert_eq!(renamed.status, StatusCode::OK);
    let status = post(&app, "/api/modulestatuses/calllogs", &admin, json!({"Name": "Waiting", "Category": "pending"}))
        .await
        .body["ModuleStatusId"]
        .as_i64()
        .unwrap();
    let defaulted = put(&app, &format!("/api/modulestatus/{status}"), &admin, json!({"IsDefault": true})).await;
    assert_eq!(defaulted.status, StatusCode::OK, "{}", defaulted.text);
    assert_eq!(post(&app, "/api/admin/import", &admin, sample_directory()).await.status, StatusCode::OK);

    let a = get(&app, "/api/admin/audit?pageSize=100", &admin).await;
    assert_eq!(a.status, StatusCode::OK, "{}", a.text);
    // The spawned app's first admin was made by the service, as `serve` makes it: from the command line.
    assert_eq!(a.body["Total"], 15, "{}", a.text);
    let entries = a.body["Elements"].as_array().unwrap().clone();
    assert_eq!(
        actions(&entries),
        [
            "directory.imported",
            "status.changed",
            "status.created",
            "reason.changed",
            "reason.created",
            "token.revoked",
            "token.created",
            "user.activated",
            "user.deactivated",
            "user.profile_changed",
            "user.password_reset",
            "user.properties_changed",
            "user.role_changed",
            "user.created",
            "user.created",
        ][..],
        "newest first; one entry per kind of change: {entries:#?}"
    );
    let first_admin = entries.last().unwrap();
    assert_eq!(
        (&first_admin["UserId"], &first_admin["UserName"], &first_admin["Target"]),
        (&Value::Null, &json!("command line"), &json!(format!("user admin (id {admin_id})")))
    );
    for e in &entries[..entries.len() - 1] {
        assert_eq!((&e["UserId"], &e["UserName"]), (&json!(admin_id), &json!("admin")), "the actor: {e}");
        let at = e["At"].as_str().unwrap();
        assert!(at.len() == 33 && (at.ends_with("-05:00") || at.ends_with("-04:00")), "the API's date format: {at}");
        assert_eq!(e.as_object().unwrap().len(), 6, "exactly the documented fields: {e}");
    }
    let jdoe = format!("user jdoe (id {user_id})");
    let created = &entries[entries.len() - 2];
    assert_eq!(
        (&created["Target"], &created["Details"]),
        (&json!(jdoe), &json!("role agent; properties 1, 2; name \"Jane Doe\""))
    );
    assert_eq!(entry(&entries, "user.role_changed")["Details"], "agent → viewer");
    assert_eq!(entry(&entries, "user.properties_changed")["Details"], "1, 2 → 2, 3");
    assert_eq!(entry(&entries, "user.profile_changed")["Details"], "Email none → \"jane@example.com\"");
    assert_eq!(entry(&entries, "user.password_reset")["Target"], json!(jdoe));
    assert_eq!(entry(&entries, "user.deactivated")["Details"], "all its tokens revoked");
    let token_target = format!("API token {token_id} \"nightly export\" of {jdoe}");
    assert_eq!(entry(&entries, "token.created")["Target"], json!(token_target));
    assert_eq!(entry(&entries, "token.created")["Details"], "no expiry");
    assert_eq!(entry(&entries, "token.revoked")["Target"], json!(token_target));
    assert_eq!(entry(&entries, "token.revoked")["Details"], Value::Null);
    assert_eq!(entry(&entries, "reason.created")["Target"], json!(format!("reason {reason_id} \"Parking\"")));
    assert_eq!(entry(&entries, "reason.changed")["Details"], "Name \"Parking\" → \"Parking lot\"");
    assert_eq!(
        entry(&entries, "status.changed")["Details"],
        "IsDefault false → true (the default was status 1 \"Open\")"
    );
    let import = entry(&entries, "directory.imported");
    assert_eq!(
        (&import["Target"], &import["Details"]),
        (&json!("directory"), &json!("3 properties, 3 units, 3 residents"))
    );
    // Never a password or a token.
    for secret in ["secret-pass-1", "secret-pass-2", ADMIN_PASSWORD, clear_token.as_str(), admin.as_str()] {
        assert!(!a.text.contains(secret), "the audit shows a secret: {}", a.text);
    }
}

#[actix_web::test]
async fn a_password_reset_ends_the_users_sessions_and_keeps_its_api_tokens() {
    let app = spawn_app().await;
    let admin = sign_in(&app, "admin", ADMIN_PASSWORD).await;
    let (user_id, session) = make_user(&app, &admin, "ann", "agent", &[]).await;
    let api = post(&app, &format!("/api/users/{user_id}/tokens"), &session, json!({"Name": "script"})).await;
    let api = api.body["Token"].as_str().unwrap().to_string();
    assert_eq!(get(&app, "/api/users/me", &session).await.status, StatusCode::OK);
    let reset = put(&app, &format!("/api/users/{user_id}"), &admin, json!({"Password": "brand-new-pass"})).await;
    assert_eq!(reset.status, StatusCode::OK, "{}", reset.text);
    get(&app, "/api/users/me", &session).await.assert_error(401, 101);
    assert_eq!(get(&app, "/api/users/me", &api).await.status, StatusCode::OK, "API tokens stay");
    let details = entry(&audit(&app, &admin, "").await, "user.password_reset")["Details"].clone();
    assert_eq!(details, "its session tokens revoked");
}

#[actix_web::test]
async fn a_user_creating_and_revoking_its_own_api_token_is_the_actor() {
    let app = spawn_app().await;
    let admin = sign_in(&app, "admin", ADMIN_PASSWORD).await;
    let (user_id, session) = make_user(&app, &admin, "bob", "viewer", &[]).await;
    let token = post(&app, &format!("/api/users/{user_id}/tokens"), &session, json!({"Name": "mine"})).await;
    let token_id = token.body["TokenId"].as_i64().unwrap();
    assert_eq!(
        delete(&app, &format!("/api/users/{user_id}/tokens/{token_id}"), &session).await.status,
        StatusCode::NO_CONTENT
    );
    let mine = audit(&app, &admin, &format!("?userId={user_id}")).await;
    assert_eq!(actions(&mine), ["token.revoked", "token.created"]);
    for e in &mine {
        assert_eq!((&e["UserId"], &e["UserName"]), (&json!(user_id), &json!("bob")));
    }
    // Signing in and out is not an admin change.
    let out = call(&app, Method::DELETE, "/api/auth/token", Some(&session), None).await;
    assert_eq!(out.status, StatusCode::NO_CONTENT);
    assert_eq!(audit(&app, &admin, &format!("?userId={user_id}")).await.len(), 2);
}

#[actix_web::test]
async fn only_an_admin_reads_the_audit() {
    let app = spawn_app().await;
    let admin = sign_in(&app, "admin", ADMIN_PASSWORD).await;
    let (_, agent) = make_user(&app, &admin, "agent1", "agent", &[]).await;
    let (_, viewer) = make_user(&app, &admin, "viewer1", "viewer", &[]).await;
    get(&app, "/api/admin/audit", &agent).await.assert_error(403, 102);
    get(&app, "/api/admin/audit", &viewer).await.assert_error(403, 102);
    call(&app, Method::GET, "/api/admin/audit", None, None).await.assert_error(401, 100);
    let wrong = call(&app, Method::POST, "/api/admin/audit", Some(&admin), Some(json!({}))).await;
    wrong.assert_error(405, 112);
}

#[actix_web::test]
async fn the_audit_filters_by_actor_and_time_and_pages() {
    let app = spawn_app().await;
    let admin = sign_in(&app, "admin", ADMIN_PASSWORD).await;
    let (second_id, second) = make_user(&app, &admin, "second", "admin", &[]).await;
    let before = seconds_from_now(0);
    post(&app, "/api/calllogreasons", &second, json!({"Name": "Keys"})).await;
    post(&app, "/api/calllogreasons", &second, json!({"Name": "Pets"})).await;
    let after = seconds_from_now(0);

    let by_second = audit(&app, &admin, &format!("?userid={second_id}")).await;
    assert_eq!(actions(&by_second), ["reason.created", "reason.created"]);
    assert_eq!(by_second[0]["Target"], "reason 10 \"Pets\"");
    let admin_id = get(&app, "/api/users/me", &admin).await.body["UserId"].as_i64().unwrap();
    assert_eq!(actions(&audit(&app, &admin, &format!("?userId={admin_id}")).await), ["user.created"]);

    // from <= At < to, read like the call-log filters (here: offsets with '+' encoded).
    let enc = |d: &str| d.replace('+', "%2B");
    let window = audit(&app, &admin, &format!("?from={}&to={}", enc(&before), enc(&after))).await;
    assert_eq!(actions(&window), ["reason.created", "reason.created"]);
    assert!(audit(&app, &admin, &format!("?from={}", enc(&after))).await.is_empty());
    assert_eq!(audit(&app, &admin, &format!("?to={}", enc(&before))).await.len(), 2, "the two user.created");
    assert_eq!(audit(&app, &admin, "?from=2000-01-01").await.len(), 4, "a plain date works");

    let page = get(&app, "/api/admin/audit?pageSize=1&page=2", &admin).await;
    assert_eq!(page.body["Total"], 4, "{}", page.text);
    assert_eq!(actions(page.body["Elements"].as_array().unwrap()), ["reason.created"]);
    assert_eq!(page.body["Elements"][0]["Target"], "reason 9 \"Keys\"");

    for bad in ["?userId=abc", "?userId=0", "?userId=999", "?from=yesterday", "?to=2026-13-01", "?pageSize=501"] {
        get(&app, &format!("/api/admin/audit{bad}"), &admin).await.assert_error(400, 114);
    }
    let unknown = get(&app, "/api/admin/audit?userId=999", &admin).await;
    assert_eq!(error_fields(&unknown), ["userId"]);
}

#[actix_web::test]
async fn a_refused_change_leaves_no_entry() {
    let app = spawn_app().await;
    let admin = sign_in(&app, "admin", ADMIN_PASSWORD).await;
    let admin_id = get(&app, "/api/users/me", &admin).await.body["UserId"].as_i64().unwrap();
    let (_, _) = make_user(&app, &admin, "taken", "agent", &[]).await;
    let total = get(&app, "/api/admin/audit", &admin).await.body["Total"].clone();
    let dup = json!({"UserName": "TAKEN", "Password": "long-enough-1", "Role": "agent"});
    post(&app, "/api/users", &admin, dup).await.assert_error(409, 112);
    put(&app, &format!("/api/users/{admin_id}"), &admin, json!({"Role": "agent"})).await.assert_error(409, 112);
    post(&app, "/api/calllogreasons", &admin, json!({"Name": "emergency"})).await.assert_error(409, 112);
    put(&app, "/api/modulestatus/1", &admin, json!({"Active": false})).await.assert_error(409, 112);
    let bad_import = json!({"Units": [{"UnitId": 1, "PropertyId": 99, "UnitNumber": "1"}]});
    post(&app, "/api/admin/import", &admin, bad_import).await.assert_error(400, 114);
    // A change that changes nothing records nothing either.
    assert_eq!(put(&app, "/api/calllogreasons/1", &admin, json!({"Active": true})).await.status, StatusCode::OK);
    assert_eq!(get(&app, "/api/admin/audit", &admin).await.body["Total"], total);
}

#[actix_web::test]
async fn the_entry_is_written_in_the_same_transaction_as_the_change() {
    let app = spawn_app().await;
    let admin = sign_in(&app, "admin", ADMIN_PASSWORD).await;
    // The database refuses audit entries from now on: each change must fail whole.
    execute_sql(
        &app,
        "CREATE TRIGGER refuse_audit BEFORE INSERT ON admin_audit BEGIN SELECT RAISE(ABORT, 'no audit'); END;",
        "CREATE FUNCTION refuse_audit() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION 'no audit'; END $$;
         CREATE TRIGGER refuse_audit BEFORE INSERT ON admin_audit FOR EACH ROW EXECUTE FUNCTION refuse_audit();",
    )
    .await;
    let user = json!({"UserName": "ghost", "Password": "long-enough-1", "Role": "agent"});
    assert!(post(&app, "/api/users", &admin, user).await.status.is_server_error());
    assert!(post(&app, "/api/calllogreasons", &admin, json!({"Name": "Ghost"})).await.status.is_server_error());
    assert!(post(&app, "/api/admin/import", &admin, sample_directory()).await.status.is_server_error());
    let users = get(&app, "/api/users", &admin).await;
    assert_eq!(users.body["Total"], 1, "the user was not created without its entry: {}", users.text);
    assert!(!get(&app, "/api/calllogreasons", &admin).await.text.contains("Ghost"));
    assert_eq!(get(&app, "/api/properties", &admin).await.body["Total"], 0);
}

#[actix_web::test]
async fn console_changes_are_audited_and_admin_shows_the_recent_ones() {
    let app = spawn_app().await;
    let admin = sign_in(&app, "admin", ADMIN_PASSWORD).await;
    make_user(&app, &admin, "agnes", "agent", &[]).await;
    let cookie = console_sign_in(&app, "admin", ADMIN_PASSWORD).await;
    let csrf = csrf_for(&app, &cookie).await;
    let added =
        post_form(&app, "/admin/reasons", Some(&cookie), &[("csrf", &csrf), ("Name", "Keys & <locks>")], "same-origin")
            .await;
    assert_eq!(added.status, StatusCode::SEE_OTHER, "{}", added.body);

    let agnes = console_sign_in(&app, "agnes", "agnes-password").await;
    let csrf = csrf_for(&app, &agnes).await;
    let fields = [("csrf", csrf.as_str()), ("CurrentPassword", "agnes-password"), ("NewPassword", "brand-new-pass")];
    assert_eq!(post_form(&app, "/account", Some(&agnes), &fields, "same-origin").await.status, StatusCode::SEE_OTHER);

    let entries = audit(&app, &admin, "").await;
    assert_eq!(actions(&entries), ["user.password_changed", "reason.created", "user.created", "user.created"]);
    assert_eq!((&entries[0]["UserName"], &entries[0]["Target"]), (&json!("agnes"), &entries[2]["Target"]));
    assert_eq!(entries[0]["Details"], "its other session tokens revoked");
    assert_eq!(
        (&entries[1]["UserName"], &entries[1]["Target"]),
        (&json!("admin"), &json!("reason 9 \"Keys & <locks>\""))
    );

    let page = get_page(&app, "/admin", Some(&cookie)).await;
    assert_eq!(page.status, StatusCode::OK);
    let recent = &page.body[page.body.find("id=\"changes-title\"").expect("a Recent changes section")..];
    // In sentences with names (docs/console.md §7), never the stored action names or ids.
    let newest = recent.find("changed their own password").expect(recent);
    let older = recent.find("added the reason").expect(recent);
    assert!(newest < older, "newest first: {recent}");
    assert!(
        recent.contains("Keys &#38; &#60;locks&#62;") || recent.contains("Keys &amp; &lt;locks&gt;"),
        "escaped: {recent}"
    );
    for stored in ["reason.created", "user.password_changed", "reason 9", "(id "] {
        assert!(!recent.contains(stored), "{stored} shown: {recent}");
    }
}
