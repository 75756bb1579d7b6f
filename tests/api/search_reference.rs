//! Issue 9: a search's fast paths (matches kept in memory, pages found by
//! walking the sort order's index or by sorting the few, counts by set
//! arithmetic or by streaming a filter's logs) give exactly the rows, the
//! order and the `Total` of a brute-force evaluation of docs/api.md §7 over the
//! stored text, on a small varied file: deleted logs, several properties, a
//! viewer scoped to some of them, status/reason/date/unit/taker filters with
//! `q`, pages across tier boundaries, `CreatedOn` out of id order, comments
//! added later, notes replaced. On PostgreSQL the same reference checks
//! the engine's one way (its store asked directly, every case).

use crate::helpers::*;
use calllog::domain::calllogs::{word_stem, CallLogFilter, ExportRow, SortField};
use calllog::domain::ids::{PropertyId, ReasonId, StatusId, UnitId};
use calllog::domain::time::Stamp;
use calllog::store::postgres::calllogs as pg_calllogs;
use calllog::store::sqlite::calllogs::{export_chunk_with, list_with, SearchPaths};
use calllog::store::ExportCursor;
use serde_json::json;
use std::collections::HashMap;

/// Issue 18: forms of one stem (leak, leaks, leaking; park, parked,
/// parking) beside words that are their own stem.
const WORDS: [&str; 13] =
    ["leak", "leaking", "leaks", "roof", "noise", "gate", "pool", "door", "mold", "lobby", "park", "parked", "parking"];

/// A small deterministic generator (no seed to keep in step with a crate).
struct Lcg(u64);

impl Lcg {
    fn next(&mut self, below: u64) -> u64 {
        self.0 = self.0.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
        (self.0 >> 33) % below
    }

    /// `least` to `least + spread - 1` words of the vocabulary.
    fn words(&mut self, least: u64, spread: u64) -> String {
        let n = least + self.next(spread);
        (0..n).map(|_| WORDS[self.next(WORDS.len() as u64) as usize]).collect::<Vec<_>>().join(" ")
    }
}

/// A log as stored, with what the reference needs.
struct Stored {
    log_id: i64,
    property_id: i64,
    unit_id: Option<i64>,
    status_id: i64,
    taken_by: String,
    created_on: i64,
    modified_on: i64,
    deleted: bool,
    header: String,
    comments: Vec<String>,
    reasons: Vec<i64>,
    /// Its reasons' names, its unit's number and its property's name: a
    /// word matching these matches the log, as part of its header.
    names: String,
}

fn tokens(text: &str) -> Vec<String> {
    text.split(|c: char| !c.is_alphanumeric()).filter(|w| !w.is_empty()).map(str::to_lowercase).collect()
}

/// docs/api.md §7: a query word matches a stored word that it is a prefix
/// of, or one with the same Snowball English stem.
fn holds_all(text: &str, words: &[&str]) -> bool {
    let tokens = tokens(text);
    words.iter().all(|w| {
        let w = w.to_lowercase();
        let stem = word_stem(&w);
        tokens.iter().any(|t| t.starts_with(&w) || word_stem(t) == stem)
    })
}

/// docs/api.md §7 by brute force: the tier (1 header, 2 one comment, 3 spread), or None.
fn tier(log: &Stored, words: &[&str]) -> Option<u8> {
    let header = format!("{}\n{}", log.header, log.names);
    let rows: Vec<&str> = std::iter::once(header.as_str()).chain(log.comments.iter().map(String::as_str)).collect();
    if !words.iter().all(|w| rows.iter().any(|r| holds_all(r, &[w]))) {
        return None;
    }
    Some(if holds_all(&header, words) {
        1
    } else if log.comments.iter().any(|c| holds_all(c, words)) {
        2
    } else {
        3
    })
}

/// The filters of a case, as the API takes them and as the store's filter.
#[derive(Clone, Default)]
struct Case {
    property: Option<i64>,
    unit: Option<i64>,
    statuses: Option<Vec<i64>>,
    reasons: Option<Vec<i64>>,
    from_day: Option<u32>,
    to_day: Option<u32>,
    takenby: Option<&'static str>,
}

/// Ticks (100 ns since the epoch) of 2025-01-`day` at midnight UTC.
fn day_ticks(day: u32) -> i64 {
    // 2025-01-01 is 20,089 days after 1970-01-01.
    (20_089 + i64::from(day) - 1) * 86_400 * 10_000_000
}

impl Case {
    fn query(&self) -> String {
        let mut q = String::new();
        let list = |ids: &[i64]| ids.iter().map(i64::to_string).collect::<Vec<_>>().join(",");
        if let Some(p) = self.property {
            q += &format!("&propertyId={p}");
        }
        if let Some(u) = self.unit {
            q += &format!("&unitId={u}");
        }
        if let Some(s) = &self.statuses {
            q += &format!("&status={}", list(s));
        }
        if let Some(r) = &self.reasons {
            q += &format!("&reason={}", list(r));
        }
        if let Some(d) = self.from_day {
            q += &format!("&from=2025-01-{d:02}");
        }
        if let Some(d) = self.to_day {
            q += &format!("&to=2025-01-{d:02}");
        }
        if let Some(t) = self.takenby {
            q += &format!("&takenBy={t}");
        }
        q
    }

    fn filter(&self, scope: Option<Vec<i64>>, words: &[&str], sort: SortField, descending: bool) -> CallLogFilter {
        CallLogFilter {
            scope: scope.map(|ids| ids.into_iter().map(PropertyId).collect()),
            property_id: self.property.map(PropertyId),
            unit_id: self.unit.map(UnitId),
            resident_id: None,
            statuses: self.statuses.clone().map(|ids| ids.into_iter().map(StatusId).collect()),
            reasons: self.reasons.clone().map(|ids| ids.into_iter().map(ReasonId).collect()),
            takenby: self.takenby.map(str::to_lowercase),
            taken_by_exactly: None,
            from: self.from_day.map(|d| Stamp(day_ticks(d))),
            to: self.to_day.map(|d| Stamp(day_ticks(d))),
            modified_since: None,
            search: Some(words.iter().map(|w| w.to_string()).collect()),
            sort,
            descending,
        }
    }

    fn lets_through(&self, log: &Stored, scope: Option<&[i64]>) -> bool {
        let in_scope = self.property.is_some() || scope.is_none_or(|s| s.contains(&log.property_id));
        !log.deleted
            && in_scope
            && self.property.is_none_or(|p| log.property_id == p)
            && self.unit.is_none_or(|u| log.unit_id == Some(u))
            && self.statuses.as_ref().is_none_or(|s| s.contains(&log.status_id))
            && self.reasons.as_ref().is_none_or(|r| log.reasons.iter().any(|x| r.contains(x)))
            && self.from_day.is_none_or(|d| log.created_on >= day_ticks(d))
            && self.to_day.is_none_or(|d| log.created_on < day_ticks(d))
            && self.takenby.is_none_or(|t| log.taken_by.to_lowercase() == t.to_lowercase())
    }
}

/// The reference: the ids matching, in the order docs/api.md §7 and issue 9 define.
fn reference(
    logs: &[Stored],
    case: &Case,
    scope: Option<&[i64]>,
    words: &[&str],
    sort: SortField,
    descending: bool,
) -> Vec<i64> {
    let mut found: Vec<(u8, i64, i64)> = logs
        .iter()
        .filter(|l| case.lets_through(l, scope))
        .filter_map(|l| {
            let tier = tier(l, words)?;
            let key = match sort {
                SortField::ModifiedOn => l.modified_on,
                SortField::LogId => l.log_id,
                SortField::CreatedOn | SortField::Relevance => l.created_on,
            };
            Some((if sort == SortField::Relevance { tier } else { 1 }, key, l.log_id))
        })
        .collect();
    found.sort_by(|a, b| {
        a.0.cmp(&b.0).then_with(|| {
            let by_key = (a.1, a.2).cmp(&(b.1, b.2));
            if descending {
                by_key.reverse()
            } else {
                by_key
            }
        })
    });
    found.into_iter().map(|(_, _, id)| id).collect()
}

/// The stored logs, their text, comments and reasons, read straight off
/// the database (SQLite's file or PostgreSQL's tables).
fn read_back(engine: &mut Engine) -> Vec<Stored> {
    const LOGS: &str = "SELECT log_id, property_id, unit_id, status_id, taken_by, created_on, modified_on, deleted,
                subject || chr(10) || call_from || chr(10) || taken_by || chr(10) || coalesce(notes, '')
         FROM call_logs ORDER BY log_id";
    const COMMENTS: &str =
        "SELECT log_id, new_value FROM log_events WHERE kind = 'commented' ORDER BY log_id, event_no";
    const REASONS: &str = "SELECT log_id, reason_id FROM call_log_reasons";
    const NAMES: &str = "SELECT 'r', reason_id, name FROM reasons UNION ALL SELECT 'u', unit_id, unit_number FROM units
         UNION ALL SELECT 'p', property_id, property_name FROM properties";
    type Row = (i64, i64, Option<i64>, i64, String, i64, i64, bool, String);
    /// The logs' rows, then (log, comment) and (log, reason) pairs, and
    /// (r/u/p, id, name) of reasons, units and properties.
    type Tables = (Vec<Row>, Vec<(i64, String)>, Vec<(i64, i64)>, Vec<(String, i64, String)>);
    let (rows, comments, reasons, names): Tables = match engine {
        Engine::Sqlite(conn) => {
            let logs = LOGS.replace("chr(10)", "char(10)");
            let rows = conn
                .prepare(&logs)
                .unwrap()
                .query_map([], |r| {
                    Ok((
                        r.get(0)?,
                        r.get(1)?,
                        r.get(2)?,
                        r.get(3)?,
                        r.get(4)?,
                        r.get(5)?,
                        r.get(6)?,
                        r.get(7)?,
                        r.get(8)?,
                    ))
                })
                .unwrap()
                .map(Result::unwrap)
                .collect();
            let comments = conn
                .prepare(COMMENTS)
                .unwrap()
                .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
                .unwrap()
                .map(Result::unwrap)
                .collect();
            let reasons = conn
                .prepare(REASONS)
                .unwrap()
                .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
                .unwrap()
                .map(Result::unwrap)
                .collect();
            let names = conn
                .prepare(NAMES)
                .unwrap()
                .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
                .unwrap()
                .map(Result::unwrap)
                .collect();
            (rows, comments, reasons, names)
        }
        Engine::Postgres(client) => {
            let rows = client
                .query(LOGS, &[])
                .unwrap()
                .iter()
                .map(|r| (r.get(0), r.get(1), r.get(2), r.get(3), r.get(4), r.get(5), r.get(6), r.get(7), r.get(8)))
                .collect();
            let comments = client.query(COMMENTS, &[]).unwrap().iter().map(|r| (r.get(0), r.get(1))).collect();
            let reasons = client.query(REASONS, &[]).unwrap().iter().map(|r| (r.get(0), r.get(1))).collect();
            let names = client.query(NAMES, &[]).unwrap().iter().map(|r| (r.get(0), r.get(1), r.get(2))).collect();
            (rows, comments, reasons, names)
        }
    };
    let mut logs: Vec<Stored> = rows
        .into_iter()
        .map(|(log_id, property_id, unit_id, status_id, taken_by, created_on, modified_on, deleted, header)| Stored {
            log_id,
            property_id,
            unit_id,
            status_id,
            taken_by,
            created_on,
            modified_on,
            deleted,
            header,
            comments: Vec::new(),
            reasons: Vec::new(),
            names: String::new(),
        })
        .collect();
    let name: HashMap<(String, i64), String> = names.into_iter().map(|(kind, id, name)| ((kind, id), name)).collect();
    let named = |kind: &str, id: i64| name[&(kind.to_string(), id)].clone();
    let at: HashMap<i64, usize> = logs.iter().enumerate().map(|(i, l)| (l.log_id, i)).collect();
    for (id, text) in comments {
        logs[at[&id]].comments.push(text);
    }
    for (id, reason) in reasons {
        logs[at[&id]].reasons.push(reason);
        logs[at[&id]].names += &format!("{}\n", named("r", reason));
    }
    for log in &mut logs {
        log.names += &format!("{}\n", named("p", log.property_id));
        if let Some(unit) = log.unit_id {
            log.names += &named("u", unit);
        }
    }
    logs
}

/// The database under the app, read past it: the SQLite file (read-only),
/// or a connection of its own to the PostgreSQL database.
enum Engine {
    Sqlite(rusqlite::Connection),
    Postgres(Box<calllog::store::postgres::db::Db>),
}

impl Engine {
    /// How this engine's store may be asked: on SQLite each way of finding
    /// a search page forced in turn; on PostgreSQL its one way.
    fn ways(&self) -> Vec<(&'static str, SearchPaths)> {
        match self {
            Engine::Sqlite(_) => vec![
                ("defaults", SearchPaths::default()),
                // Each also forces a way of reading short words: sought among the logs left, or read whole.
                (
                    "walk, seek",
                    SearchPaths { checked_by_id: 0, sorted: 0, walk_per_match: f64::INFINITY, rows_per_seek: 0.0 },
                ),
                (
                    "sort, read whole",
                    SearchPaths {
                        checked_by_id: 0,
                        sorted: usize::MAX,
                        walk_per_match: 0.0,
                        rows_per_seek: f64::INFINITY,
                    },
                ),
                (
                    "by id, seek",
                    SearchPaths {
                        checked_by_id: usize::MAX,
                        sorted: 0,
                        walk_per_match: f64::INFINITY,
                        rows_per_seek: 0.0,
                    },
                ),
            ],
            Engine::Postgres(_) => vec![("postgres", SearchPaths::default())],
        }
    }

    fn list(&mut self, filter: &CallLogFilter, limit: i64, offset: i64, paths: SearchPaths) -> (i64, Vec<i64>) {
        let (total, logs) = match self {
            Engine::Sqlite(conn) => list_with(conn, filter, limit, offset, paths).unwrap(),
            Engine::Postgres(client) => pg_calllogs::list(client, filter, limit, offset).unwrap(),
        };
        (total, logs.iter().map(|l| l.log_id.0).collect())
    }

    fn export_chunk(
        &mut self,
        filter: &CallLogFilter,
        after: Option<ExportCursor>,
        limit: usize,
        paths: SearchPaths,
    ) -> Vec<ExportRow> {
        match self {
            Engine::Sqlite(conn) => export_chunk_with(conn, filter, after, limit, paths).unwrap(),
            Engine::Postgres(client) => pg_calllogs::export_chunk(client, filter, after, limit).unwrap(),
        }
    }
}

async fn fill(app: &TestApp, admin: &str) {
    // Names a search word matches (issue 18): `park` and `parking` name
    // property 2, `towers` property 4 (`tower` is their stem).
    let properties: Vec<serde_json::Value> =
        ["Harbor View Condominiums", "Oak Hollow Park", "Old Mill", "Lakeside Towers"]
            .iter()
            .enumerate()
            .map(|(i, name)| json!({"PropertyId": i + 1, "PropertyName": name}))
            .collect();
    let directory = json!({
        "Properties": properties,
        "Units": [
            {"UnitId": 11, "PropertyId": 1, "UnitNumber": "11"}, {"UnitId": 12, "PropertyId": 1, "UnitNumber": "12"},
            {"UnitId": 21, "PropertyId": 2, "UnitNumber": "21"}, {"UnitId": 31, "PropertyId": 3, "UnitNumber": "31"},
            {"UnitId": 41, "PropertyId": 4, "UnitNumber": "41"}
        ],
    });
    assert_eq!(post(app, "/api/admin/import", admin, directory).await.status, StatusCode::OK);
    let units: [&[i64]; 4] = [&[11, 12], &[21], &[31], &[41]];
    let mut rng = Lcg(9);
    let mut ids = Vec::new();
    for i in 0..240u64 {
        let property = 1 + rng.next(4) as i64;
        let unit_choices = units[property as usize - 1];
        let mut body = json!({
            "PropertyId": property,
            "CallFrom": if rng.next(4) == 0 { rng.words(1, 1) } else { "Walk-in".to_string() },
            "Subject": format!("{} {}", rng.words(1, 3), i),
            "Takenby": if rng.next(2) == 0 { "Ann" } else { "Bob" },
            "ModuleStatusId": 1 + rng.next(3),
            "LogReasons": [1 + rng.next(3)],
            // Days 1..28: many logs share a date, and dates are out of id order.
            "CreatedOn": format!("2025-01-{:02}T10:00:00Z", 1 + rng.next(28)),
        });
        if rng.next(3) == 0 {
            body["UnitId"] = json!(unit_choices[rng.next(unit_choices.len() as u64) as usize]);
        }
        if rng.next(3) == 0 {
            body["Notes"] = json!(rng.words(2, 1));
        }
        if rng.next(2) == 0 {
            body["NewComments"] = json!(rng.words(1, 3));
        }
        let a = post(app, "/api/calllogs", admin, body).await;
        assert_eq!(a.status, StatusCode::CREATED, "{}", a.text);
        ids.push(a.body["LogId"].as_i64().unwrap());
    }
    for (k, id) in ids.iter().enumerate() {
        match rng.next(8) {
            0 => {
                assert_eq!(delete(app, &format!("/api/calllogs/{id}"), admin).await.status, StatusCode::NO_CONTENT);
            }
            1 => {
                let body = json!({"NewComments": rng.words(2, 2)});
                assert_eq!(put(app, &format!("/api/calllogs/{id}"), admin, body).await.status, StatusCode::OK);
            }
            2 if k % 2 == 0 => {
                let body = json!({"Notes": rng.words(2, 1), "ModuleStatusId": 1 + rng.next(3)});
                assert_eq!(put(app, &format!("/api/calllogs/{id}"), admin, body).await.status, StatusCode::OK);
            }
            _ => {}
        }
    }
}

fn cases() -> Vec<Case> {
    vec![
        Case::default(),
        Case { property: Some(2), ..Case::default() },
        Case { statuses: Some(vec![1, 2]), ..Case::default() },
        Case { reasons: Some(vec![1]), ..Case::default() },
        Case { from_day: Some(5), to_day: Some(20), ..Case::default() },
        Case { unit: Some(11), ..Case::default() },
        Case { takenby: Some("ann"), statuses: Some(vec![3]), ..Case::default() },
        Case { property: Some(1), statuses: Some(vec![1]), from_day: Some(3), ..Case::default() },
    ]
}

/// Issue 16: short words (one or two letters) are read from the prefix
/// index, rarest first, and sought among the logs left once those are few:
/// many of them at once, alone and beside longer words.
/// Issue 18: words that match only by stem (`leaks` finds `leak` and
/// `leaking`, `parking` finds `park`), only by a reason's name, a unit's
/// number or a property's name, and across them.
const SEARCHES: [&[&str]; 21] = [
    &["leaks"],
    &["parking"],
    &["parks", "roof"],
    &["maintenance"],
    &["requests", "leak"],
    &["inquiries"],
    &["11"],
    &["1"],
    &["harbor", "billing"],
    &["tower"],
    &["leak"],
    &["lea"],
    &["roof"],
    &["leak", "roof"],
    &["door", "gate", "pool"],
    &["zzz"],
    &["l", "r", "w"],
    &["a", "b"],
    &["d", "g", "p", "m", "n", "l", "r", "w", "1", "2"],
    &["leak", "r", "wa", "i"],
    &["an", "bo", "g", "z"],
];

const SORTS: [(SortField, bool, &str); 5] = [
    (SortField::Relevance, true, ""),
    (SortField::CreatedOn, true, "&sort=createdon"),
    (SortField::CreatedOn, false, "&sort=createdon&order=asc"),
    (SortField::ModifiedOn, true, "&sort=modifiedon"),
    (SortField::LogId, false, "&sort=logid&order=asc"),
];

#[actix_web::test]
async fn every_way_of_finding_a_search_page_equals_a_brute_force_reference() {
    let app = spawn_app().await;
    let admin = sign_in(&app, "admin", ADMIN_PASSWORD).await;
    fill(&app, &admin).await;
    let (_, viewer) = make_user(&app, &admin, "scoped", "viewer", &[1, 3]).await;
    // The database read past the service, on threads of their own: PostgreSQL's synchronous client may
    // neither run nor be dropped inside the test's runtime.
    let open = || match &app.database {
        TestDatabase::Sqlite(_) => {
            let conn = read_only_database(&app);
            calllog::store::sqlite::register_functions(&conn).unwrap();
            Engine::Sqlite(conn)
        }
        TestDatabase::Postgres(db) => {
            Engine::Postgres(Box::new(calllog::store::postgres::db::Db::connect(&db.url).unwrap()))
        }
    };
    let logs = std::thread::scope(|s| s.spawn(|| read_back(&mut open())).join().unwrap());
    assert!(logs.iter().any(|l| l.deleted) && logs.iter().any(|l| l.comments.len() > 1), "a varied file");
    let scoped: &[i64] = &[1, 3];
    // Over HTTP, as a scoped viewer and as the admin: the same rows and Total
    // (first: the checks below hold this thread a while).
    for words in SEARCHES {
        for case in [Case::default(), Case { statuses: Some(vec![2, 3]), ..Case::default() }] {
            for (token, scope) in [(&admin, None), (&viewer, Some(scoped))] {
                for (sort, descending, sort_query) in SORTS {
                    let expected = reference(&logs, &case, scope, words, sort, descending);
                    let path =
                        format!("/api/calllogs?q={}{}{sort_query}&pageSize=500", words.join("%20"), case.query());
                    let a = get(&app, &path, token).await;
                    assert_eq!(a.status, StatusCode::OK, "{path}: {}", a.text);
                    assert_eq!(a.body["Total"], expected.len(), "{path}");
                    assert_eq!(ids(&a, "LogId"), expected, "{path}");
                    let paged = get(&app, &path.replace("pageSize=500", "pageSize=9&page=2"), token).await;
                    assert_eq!(
                        ids(&paged, "LogId"),
                        expected.iter().skip(9).take(9).copied().collect::<Vec<_>>(),
                        "{path}"
                    );
                }
            }
        }
    }

    // Each way forced: walking the index, sorting by key, checking by id.
    let tiers_seen = std::thread::scope(|s| {
        s.spawn(|| {
            let mut engine = open();
            // (On PostgreSQL: the store's one way, over every case.)
            let ways = engine.ways();
            let mut tiers_seen = [false; 4];
            for words in SEARCHES {
                for case in cases() {
                    for scope in [None, Some(scoped)] {
                        for (sort, descending, sort_query) in SORTS {
                            let expected = reference(&logs, &case, scope, words, sort, descending);
                            if sort == SortField::Relevance {
                                for l in logs.iter().filter(|l| expected.contains(&l.log_id)) {
                                    tiers_seen[usize::from(tier(l, words).unwrap())] = true;
                                }
                            }
                            let filter = case.filter(scope.map(<[i64]>::to_vec), words, sort, descending);
                            let what = format!("q={words:?} {}{sort_query} scope {scope:?}", case.query());
                            for (way, paths) in ways.iter().copied() {
                                // Pages of 7 across tier boundaries, and one past the end.
                                let mut got = Vec::new();
                                for page in 0..=expected.len() / 7 {
                                    let (total, ids) = engine.list(&filter, 7, page as i64 * 7, paths);
                                    assert_eq!(total, expected.len() as i64, "{way}: Total of {what}");
                                    got.extend(ids);
                                }
                                assert_eq!(got, expected, "{way}: {what}");
                                // The export: the list's order, a search newest first; chunks of 5.
                                let export_sort =
                                    if sort == SortField::Relevance { SortField::CreatedOn } else { sort };
                                let exported_order = reference(&logs, &case, scope, words, export_sort, descending);
                                let mut exported = Vec::new();
                                let mut after = None;
                                loop {
                                    let rows = engine.export_chunk(&filter, after, 5, paths);
                                    exported.extend(rows.iter().map(|r| r.log_id.0));
                                    let Some(last) = rows.last() else { break };
                                    let sort_value = match export_sort {
                                        SortField::ModifiedOn => last.modified_on.0,
                                        SortField::LogId => last.log_id.0,
                                        _ => last.created_on.0,
                                    };
                                    after = Some(ExportCursor { sort_value, log_id: last.log_id });
                                    if rows.len() < 5 {
                                        break;
                                    }
                                }
                                assert_eq!(exported, exported_order, "{way}: export of {what}");
                            }
                        }
                    }
                }
            }
            tiers_seen
        })
        .join()
        .unwrap()
    });
    assert_eq!(tiers_seen, [false, true, true, true], "every tier met");
}
