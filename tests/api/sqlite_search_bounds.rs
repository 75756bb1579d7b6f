//! docs/api.md §7, issue 16: a search's cost follows its rarest words. On SQLite,
//! one- and two-letter words (which match most of the index) are read
//! rarest first, as counted among the newest logs, and once the logs left
//! are few they are sought among those logs rather than read whole. What
//! the store reads is counted (`SearchWork`), so these tests hold the
//! mechanism, not a timing.

use crate::helpers::*;
use calllog::store::sqlite::calllogs::{search_matches_with_work, SearchPaths};
use serde_json::json;

const LOGS: usize = 300;
/// Fifteen words whose first letters are in every log.
const IN_EVERY_LOG: &str =
    "alpha bravo charlie delta echo foxtrot golf hotel india juliet kilo lima mike november oscar";

/// `LOGS` logs, each a header row holding `IN_EVERY_LOG`; one of them also
/// holds "zulu", the only word beginning with z.
async fn every_letter_in_every_log() -> (TestApp, rusqlite::Connection) {
    app_with_directory!(app, admin);
    for i in 0..LOGS {
        let extra = if i == LOGS / 2 { " zulu" } else { "" };
        let body = json!({"PropertyId": 1, "CallFrom": "Walk-in", "Subject": format!("{IN_EVERY_LOG}{extra}")});
        assert_eq!(post(&app, "/api/calllogs", &admin, body).await.status, StatusCode::CREATED);
    }
    let conn = read_only_database(&app);
    calllog::store::sqlite::register_functions(&conn).unwrap();
    (app, conn)
}

fn words(text: &str) -> Vec<String> {
    text.split(' ').map(str::to_string).collect()
}

#[actix_web::test]
async fn short_words_are_read_rarest_first_and_sought_among_the_few_logs_left() {
    require_sqlite();
    let (_app, conn) = every_letter_in_every_log().await;
    // The rare letter last in the query, the common ones first.
    let query = words("a b c d e f g h i j k l m n o z");
    // Seeking one log's rows costs less than reading a word's 300 (seeks made cheap, as on a large file).
    let seeking = SearchPaths { rows_per_seek: 1.0, ..SearchPaths::default() };
    let (matches, work) = search_matches_with_work(&conn, &query, seeking).unwrap();
    assert_eq!(matches.log_ids.len(), 1, "the one log with every letter");
    // z read first (one row), then each common letter sought in that one
    // log; h also names the log's property (Harbor View), which is checked
    // on that one log by id (one row more), not read off the property's index.
    assert_eq!((work.rows, work.seeks), (17, 15), "{work:?}");

    // Never seeking: still rarest first, but every common letter read whole.
    let reading = SearchPaths { rows_per_seek: f64::INFINITY, ..SearchPaths::default() };
    let (same, whole) = search_matches_with_work(&conn, &query, reading).unwrap();
    assert_eq!((same.log_ids, same.tiers), (matches.log_ids, matches.tiers));
    assert_eq!((whole.rows, whole.seeks), (1 + 15 * LOGS + 1, 0), "{whole:?}");
}

#[actix_web::test]
async fn a_search_stops_at_its_first_word_that_leaves_no_log() {
    require_sqlite();
    let (_app, conn) = every_letter_in_every_log().await;
    // q is not in the file: counted rarest, it is read first and ends the search.
    let (matches, work) =
        search_matches_with_work(&conn, &words("a b c d e f g h i j k l m n o q"), SearchPaths::default()).unwrap();
    assert!(matches.log_ids.is_empty());
    assert_eq!((work.rows, work.seeks), (0, 0), "{work:?}");
    // A longer word that matches nothing is read before any short one.
    let (_, work) = search_matches_with_work(&conn, &words("a b quebec"), SearchPaths::default()).unwrap();
    assert_eq!((work.rows, work.probed), (0, 0), "{work:?}");
}
