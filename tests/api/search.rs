//! docs/api.md §7: full-text search with `q` on GET /api/calllogs.

use crate::helpers::*;
use serde_json::json;

fn q(text: &str) -> String {
    let encoded: String = text
        .bytes()
        .map(|b| if b.is_ascii_alphanumeric() { (b as char).to_string() } else { format!("%{b:02X}") })
        .collect();
    format!("/api/calllogs?q={encoded}")
}

async fn seed(app: &TestApp, admin: &str) {
    for body in [
        json!({"PropertyId": 1, "UnitId": 11, "CallFrom": "Walk-in", "Subject": "Water leak in kitchen", "CreatedOn": "2026-01-01T10:00:00Z"}),
        json!({"PropertyId": 1, "UnitId": 12, "CallFrom": "Zoë Martin", "Subject": "Crème brûlée smell", "Notes": "Possibly the bakery downstairs", "CreatedOn": "2026-01-02T10:00:00Z"}),
        json!({"PropertyId": 1, "CallFrom": "Vendor", "Subject": "Invoice question", "Takenby": "Bartholomew", "NewComments": "Leak detector invoice attached", "CreatedOn": "2026-01-03T10:00:00Z"}),
        json!({"PropertyId": 2, "UnitId": 21, "CallFrom": "Dana", "Subject": "Leak leak leak in the garage", "CreatedOn": "2026-01-04T10:00:00Z"}),
    ] {
        let a = post(app, "/api/calllogs", admin, body).await;
        assert_eq!(a.status, StatusCode::CREATED, "{}", a.text);
    }
}

#[actix_web::test]
async fn words_match_by_prefix_in_every_searched_field() {
    app_with_directory!(app, admin);
    seed(&app, &admin).await;
    let cases: [(&str, &[&str]); 7] = [
        ("kitch", &["Water leak in kitchen"]),
        ("bakery", &["Crème brûlée smell"]),
        ("martin", &["Crème brûlée smell"]),
        ("bartho", &["Invoice question"]),
        ("detector", &["Invoice question"]),
        ("leak kitchen", &["Water leak in kitchen"]),
        ("leak invoice", &["Invoice question"]),
    ];
    for (text, expected) in cases {
        let a = get(&app, &q(text), &admin).await;
        assert_eq!(a.status, StatusCode::OK, "{text}: {}", a.text);
        assert_eq!(subjects(&a), expected, "{text}");
        assert_eq!(a.body["Total"], expected.len(), "{text}");
    }
}

#[actix_web::test]
async fn case_and_accents_are_ignored() {
    app_with_directory!(app, admin);
    seed(&app, &admin).await;
    for text in ["creme brulee", "CRÈME", "zoe", "ZOË"] {
        assert_eq!(subjects(&get(&app, &q(text), &admin).await), ["Crème brûlée smell"], "{text}");
    }
}

#[actix_web::test]
async fn best_match_first_unless_a_sort_is_given_and_results_stay_scoped_and_paged() {
    app_with_directory!(app, admin);
    seed(&app, &admin).await;
    let a = get(&app, &q("leak"), &admin).await;
    assert_eq!(a.body["Total"], 3);
    assert_eq!(subjects(&a)[0], "Leak leak leak in the garage", "the densest match first");
    let by_date = get(&app, &format!("{}&sort=createdon&order=asc", q("leak")), &admin).await;
    assert_eq!(subjects(&by_date), ["Water leak in kitchen", "Invoice question", "Leak leak leak in the garage"]);
    let (_, viewer) = make_user(&app, &admin, "viewer1", "viewer", &[1]).await;
    let scoped = get(&app, &q("leak"), &viewer).await;
    assert_eq!(scoped.body["Total"], 2);
    let paged = get(&app, &format!("{}&pageSize=1&page=2", q("leak")), &viewer).await;
    assert_eq!(paged.body["Total"], 2);
    assert_eq!(paged.body["Elements"].as_array().unwrap().len(), 1);
    let filtered = get(&app, &format!("{}&unitId=11", q("leak")), &admin).await;
    assert_eq!(subjects(&filtered), ["Water leak in kitchen"]);
}

#[actix_web::test]
async fn updates_and_comments_are_searchable_at_once_and_old_notes_are_not() {
    app_with_directory!(app, admin);
    seed(&app, &admin).await;
    let id = get(&app, &q("bakery"), &admin).await.body["Elements"][0]["LogId"].as_i64().unwrap();
    put(
        &app,
        &format!("/api/calllogs/{id}"),
        &admin,
        json!({"Notes": "Ventilation fault", "NewComments": "Technician Quigley booked"}),
    )
    .await;
    assert_eq!(get(&app, &q("bakery"), &admin).await.body["Total"], 0, "replaced notes no longer match");
    assert_eq!(subjects(&get(&app, &q("ventil"), &admin).await), ["Crème brûlée smell"]);
    assert_eq!(subjects(&get(&app, &q("quigley"), &admin).await), ["Crème brûlée smell"]);
    put(&app, &format!("/api/calllogs/{id}"), &admin, json!({"NewComments": "Second visit"})).await;
    assert_eq!(
        subjects(&get(&app, &q("quigley second"), &admin).await),
        ["Crème brûlée smell"],
        "earlier comments stay"
    );
    // A deleted log leaves search results.
    delete(&app, &format!("/api/calllogs/{id}"), &admin).await;
    assert_eq!(get(&app, &q("quigley"), &admin).await.body["Total"], 0);
}

#[actix_web::test]
async fn text_that_is_not_search_syntax_is_read_as_plain_words() {
    app_with_directory!(app, admin);
    seed(&app, &admin).await;
    for text in [
        "\"leak",
        "leak AND",
        "NEAR(leak",
        "subject:leak",
        "*",
        "-leak",
        "leak)",
        "OR",
        "()",
        "'",
        "leak^",
        "{a b}:leak",
    ] {
        let a = get(&app, &q(text), &admin).await;
        assert_eq!(a.status, StatusCode::OK, "{text:?}: {}", a.text);
    }
    assert_eq!(get(&app, &q("\"leak"), &admin).await.body["Total"], 3, "a stray quote is not syntax");
    assert_eq!(get(&app, &q("()"), &admin).await.body["Total"], 4, "no words: no search filter");
}

#[actix_web::test]
async fn a_word_is_a_run_of_letters_and_digits_and_repeats_count_once() {
    app_with_directory!(app, admin);
    seed(&app, &admin).await;
    // Punctuation between letters separates words, as the index reads the text.
    assert_eq!(subjects(&get(&app, &q("leak-detector"), &admin).await), ["Invoice question"]);
    assert_eq!(subjects(&get(&app, &q("\"creme\"+(brulee)"), &admin).await), ["Crème brûlée smell"]);
    // 51 copies of one word (254 characters): one word, the answer of one.
    let repeated = get(&app, &q(&["leak"; 51].join(" ")), &admin).await;
    assert_eq!(repeated.status, StatusCode::OK, "{}", repeated.text);
    assert_eq!(repeated.body["Total"], 3);
    let folded = get(&app, &q("Crème CREME creme cr"), &admin).await;
    assert_eq!(subjects(&folded), ["Crème brûlée smell"], "case and accents folded, and a word that begins another");
    assert_eq!(get(&app, &q("lea leak le"), &admin).await.body["Total"], 3);
}

#[actix_web::test]
async fn search_text_over_the_bounds_is_refused_never_a_500() {
    app_with_directory!(app, admin);
    seed(&app, &admin).await;
    let (_, viewer) = make_user(&app, &admin, "viewer1", "viewer", &[1]).await;
    let sixteen: Vec<String> = (0..16).map(|i| format!("w{i:02}x")).collect();
    let a = get(&app, &q(&sixteen.join(" ")), &viewer).await;
    assert_eq!(a.status, StatusCode::OK, "16 distinct words are taken: {}", a.text);
    let thousand: Vec<String> = (0..1000).map(|i| format!("w{i}")).collect();
    for (text, says) in [
        ("leak\u{0}kitchen".to_string(), "U+0000"),
        ("leak\u{7}".to_string(), "U+0007"),
        ("\tleak".to_string(), "U+0009"),
        (format!("{} w16x", sixteen.join(" ")), "17 different words"),
        (thousand[..60].join(" "), "60 different words"),
        ("x".repeat(257), "257 characters"),
        (thousand.join(" "), "characters"),
        ("a ".repeat(800), "1600 characters"),
    ] {
        for route in ["/api/calllogs", "/api/calllogs/export.csv"] {
            let path = q(&text).replacen("/api/calllogs", route, 1);
            let a = get(&app, &path, &viewer).await;
            a.assert_error(400, 114);
            assert!(a.text.contains(says), "{route} {text:?}: {}", a.text);
            assert_eq!(error_fields(&a), ["q"], "{}", a.text);
        }
    }
}

#[actix_web::test]
async fn a_search_matching_many_logs_still_lists_the_best_matches_first() {
    app_with_directory!(app, admin);
    // 2,001 logs with "flood" in their header and "basement" in a comment
    // (straight into the tables, at the rowids the write path uses): the
    // words are spread over two rows. Only the oldest has both words in its
    // header, and only the second oldest has both in one comment. Before
    // issue 9, more than 2,000 matches were listed newest first, unranked.
    execute_sql(
        &app,
        "WITH RECURSIVE n(v) AS (SELECT 1 UNION ALL SELECT v + 1 FROM n WHERE v < 2001)
         INSERT INTO call_logs (property_id, call_from, status_id, subject, notes, taken_by, created_on, modified_on, created_by)
         SELECT 1, 'Caller', 1, 'Flood ' || v, 'n', 'Bench', v, v, 1 FROM n;
         INSERT INTO call_log_search (rowid, body)
         SELECT log_id << 24, CASE WHEN log_id = 1 THEN 'flood in the basement' ELSE subject END FROM call_logs;
         INSERT INTO call_log_search (rowid, body)
         SELECT (log_id << 24) | 1, CASE WHEN log_id = 2 THEN 'basement flood again' ELSE 'the basement' END
         FROM call_logs WHERE log_id > 1;",
        // The same rows in PostgreSQL's index: part 0 the header, part 1 a comment (folded words).
        "INSERT INTO call_logs (property_id, call_from, status_id, subject, notes, taken_by, created_on, modified_on, created_by)
         SELECT 1, 'Caller', 1, 'Flood ' || v, 'n', 'Bench', v, v, 1 FROM generate_series(1, 2001) v;
         INSERT INTO call_log_search (log_id, part, terms)
         SELECT log_id, 0, CASE WHEN log_id = 1 THEN array_to_tsvector('{flood,in,the,basement}')
                                ELSE array_to_tsvector(ARRAY['flood', log_id::text]) END FROM call_logs;
         INSERT INTO call_log_search (log_id, part, terms)
         SELECT log_id, 1, CASE WHEN log_id = 2 THEN array_to_tsvector('{basement,flood,again}')
                                ELSE array_to_tsvector('{the,basement}') END
         FROM call_logs WHERE log_id > 1;",
    )
    .await;
    let a = get(&app, &q("flood basement"), &admin).await;
    assert_eq!(a.status, StatusCode::OK, "{}", a.text);
    assert_eq!(a.body["Total"], 2001);
    assert_eq!(subjects(&a)[..4], ["Flood 1", "Flood 2", "Flood 2001", "Flood 2000"], "header, comment, then spread");
    let second = get(&app, &format!("{}&pageSize=1&page=2", q("flood basement")), &admin).await;
    assert_eq!(subjects(&second), ["Flood 2"]);
    let last = get(&app, &format!("{}&pageSize=500&page=5", q("flood basement")), &admin).await;
    assert_eq!(subjects(&last), ["Flood 3"], "the oldest of the last tier ends the list");
    let by_date = get(&app, &format!("{}&sort=createdon", q("flood basement")), &admin).await;
    assert_eq!(subjects(&by_date)[..2], ["Flood 2001", "Flood 2000"]);
    assert_eq!(by_date.body["Total"], 2001);
}

// ---- issue 18: names and word forms ---------------------------------------

/// A directory with the names of issue 18's examples, and one call of each
/// kind: what a search must find by a reason's name, a unit's number, a
/// property's name or another form of a word.
async fn office(app: &TestApp, admin: &str) {
    let directory = json!({
        "Properties": [
            {"PropertyId": 1, "PropertyName": "Harbor View Condominiums", "PropertyTypeId": 1},
            {"PropertyId": 2, "PropertyName": "Oak Hollow", "PropertyTypeId": 1}
        ],
        "Units": [
            {"UnitId": 11, "PropertyId": 1, "UnitNumber": "201"},
            {"UnitId": 12, "PropertyId": 1, "UnitNumber": "305"},
            {"UnitId": 21, "PropertyId": 2, "UnitNumber": "B-7"}
        ],
    });
    let imported = post(app, "/api/admin/import", admin, directory).await;
    assert_eq!(imported.status, StatusCode::OK, "{}", imported.text);
    // Reason 6 is "Noise or neighbor complaint", 7 "General information".
    for body in [
        json!({"CallFrom": "Caller", "PropertyId": 1, "UnitId": 11, "Subject": "Music at night", "LogReasons": [6], "CreatedOn": "2026-02-01T10:00:00Z"}),
        json!({"CallFrom": "Caller", "PropertyId": 1, "UnitId": 12, "Subject": "Leaking faucet", "LogReasons": [1], "CreatedOn": "2026-02-02T10:00:00Z"}),
        json!({"CallFrom": "Caller", "PropertyId": 2, "UnitId": 21, "Subject": "Where can guests park overnight?", "LogReasons": [7], "CreatedOn": "2026-02-03T10:00:00Z"}),
        json!({"CallFrom": "Caller", "PropertyId": 2, "Subject": "Vendor asks about the 201 invoice", "LogReasons": [2], "CreatedOn": "2026-02-04T10:00:00Z"}),
        json!({"CallFrom": "Caller", "PropertyId": 2, "UnitId": 21, "Subject": "Pipe", "LogReasons": [1], "NewComments": "It leaks again", "CreatedOn": "2026-02-05T10:00:00Z"}),
    ] {
        let a = post(app, "/api/calllogs", admin, body).await;
        assert_eq!(a.status, StatusCode::CREATED, "{}", a.text);
    }
}

/// The subjects a search finds, best match first, checked against `Total`.
async fn found(app: &TestApp, admin: &str, text: &str) -> Vec<String> {
    let a = get(app, &format!("{}&sort=logid&order=asc", q(text)), admin).await;
    assert_eq!(a.status, StatusCode::OK, "{text}: {}", a.text);
    let found = subjects(&a);
    assert_eq!(a.body["Total"], found.len(), "{text}");
    found
}

#[actix_web::test]
async fn a_word_matches_reason_names_unit_numbers_property_names_and_other_forms() {
    app_with_directory!(app, admin);
    office(&app, &admin).await;
    let cases: [(&str, &[&str]); 12] = [
        // The reason's name: "Noise or neighbor complaint".
        ("noise", &["Music at night"]),
        ("complaints", &["Music at night"]),
        // Unit 201's calls, and the subject that says 201.
        ("201", &["Music at night", "Vendor asks about the 201 invoice"]),
        ("b", &["Where can guests park overnight?", "Vendor asks about the 201 invoice", "Pipe"]),
        // Another form of a word of the subject or a comment.
        ("parking", &["Where can guests park overnight?"]),
        ("leaks", &["Leaking faucet", "Pipe"]),
        ("leaked", &["Leaking faucet", "Pipe"]),
        // The property's name, case and accents folded.
        ("HARBÖR", &["Music at night", "Leaking faucet"]),
        ("condominium", &["Music at night", "Leaking faucet"]),
        // Every word must match, each in any field.
        ("harbor noise", &["Music at night"]),
        ("leak maintenance oak", &["Pipe"]),
        ("noise 305", &[]),
    ];
    for (text, expected) in cases {
        let expected: Vec<String> = expected.iter().map(|s| s.to_string()).collect();
        let mut got = found(&app, &admin, text).await;
        got.sort();
        let mut want = expected.clone();
        want.sort();
        assert_eq!(got, want, "{text}");
    }
}

#[actix_web::test]
async fn renaming_a_reason_a_property_or_a_unit_changes_what_matches_at_once() {
    app_with_directory!(app, admin);
    office(&app, &admin).await;
    assert_eq!(found(&app, &admin, "noise").await, ["Music at night"]);
    let renamed = put(&app, "/api/calllogreasons/6", &admin, json!({"Name": "Loud music or party"})).await;
    assert_eq!(renamed.status, StatusCode::OK, "{}", renamed.text);
    assert!(found(&app, &admin, "noise").await.is_empty(), "the old name no longer matches");
    assert_eq!(found(&app, &admin, "parties").await, ["Music at night"], "the new one does, in its other forms too");

    // The directory renames the property and renumbers unit 201.
    let directory = json!({
        "Properties": [{"PropertyId": 1, "PropertyName": "Bayside Towers", "PropertyTypeId": 1}],
        "Units": [{"UnitId": 11, "PropertyId": 1, "UnitNumber": "401"}],
    });
    assert_eq!(post(&app, "/api/admin/import", &admin, directory).await.status, StatusCode::OK);
    assert!(found(&app, &admin, "harbor").await.is_empty());
    assert_eq!(found(&app, &admin, "tower").await, ["Music at night", "Leaking faucet"]);
    assert_eq!(found(&app, &admin, "201").await, ["Vendor asks about the 201 invoice"]);
    assert_eq!(found(&app, &admin, "401").await, ["Music at night"]);
    // The console's list asks the same service.
    let cookie = crate::console_pages::console_sign_in(&app, "admin", ADMIN_PASSWORD).await;
    let page = crate::console_pages::get_page(&app, "/calls?q=tower", Some(&cookie)).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("Music at night") && page.body.contains("Leaking faucet"), "{}", page.body);
    assert!(!page.body.contains("Pipe"), "{}", page.body);
}

/// A database of before names and stems were indexed (schema version 11
/// on SQLite, 3 on PostgreSQL) is indexed by the upgrade: its calls are
/// found by their reasons', units' and properties' names and by other
/// forms of their words at once.
#[actix_web::test]
async fn an_upgraded_database_finds_its_calls_by_names_and_word_forms() {
    app_with_directory!(app, admin);
    office(&app, &admin).await;
    // The step's version on each ladder, found by its name (the step is the
    // last one of each ladder: taking the database below it takes nothing else).
    let step = |ladder: &[calllog::store::migration::Migration]| {
        ladder.iter().find(|m| m.name.ends_with("_search_names_and_stems")).map(|m| m.version).unwrap()
    };
    let (sqlite_step, postgres_step) =
        (step(calllog::store::sqlite::schema::MIGRATIONS), step(calllog::store::postgres::schema::MIGRATIONS));
    execute_sql(
        &app,
        &format!(
            "DROP TABLE call_log_stems; DROP TABLE search_names; DROP INDEX call_log_reasons_by_reason;
             PRAGMA user_version = {};",
            sqlite_step - 1
        ),
        &format!(
            "DROP TABLE search_names; DROP INDEX call_log_reasons_by_reason;
             UPDATE call_log_search SET terms = array_to_tsvector(
                 ARRAY(SELECT t.lexeme FROM unnest(terms) AS t WHERE t.lexeme NOT LIKE '~%'));
             DELETE FROM calllog_schema WHERE version >= {postgres_step};"
        ),
    )
    .await;
    let upgraded = open_app_on(app.database.clone()).await;
    assert_eq!(found(&upgraded, &admin, "noise").await, ["Music at night"]);
    assert_eq!(found(&upgraded, &admin, "leaks").await, ["Leaking faucet", "Pipe"]);
    assert_eq!(found(&upgraded, &admin, "harbor").await, ["Music at night", "Leaking faucet"]);
    assert_eq!(found(&upgraded, &admin, "b").await.len(), 3, "unit B-7 and the reason Billing");
}
