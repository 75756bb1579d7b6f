//! Every list shape must be served by an index (EXPLAIN QUERY PLAN), so that
//! lists stay fast at a million call logs.

use calllog::domain::calllogs::{CallLogFilter, SortField};
use calllog::domain::ids::{PropertyId, ReasonId, ResidentId, StatusId, UnitId, UserId};
use calllog::domain::time::Stamp;
use calllog::store::sqlite::calllogs::{list_clauses, ListPart, DELETED_LOGS, KEYS_BY_ID, SEARCH_ROWS};
use rusqlite::{params_from_iter, Connection};

fn plan(conn: &Connection, f: &CallLogFilter) -> Vec<String> {
    plan_part(conn, f, ListPart::Page)
}

fn plan_part(conn: &Connection, f: &CallLogFilter, part: ListPart) -> Vec<String> {
    let q = list_clauses(f, part);
    let sql = format!(
        "EXPLAIN QUERY PLAN SELECT c.log_id FROM call_logs c WHERE {} ORDER BY {} LIMIT 25",
        q.conditions, q.order
    );
    plan_of(conn, &sql, &q.values)
}

fn count_plan(conn: &Connection, f: &CallLogFilter) -> String {
    let q = list_clauses(f, ListPart::Count);
    plan_of(conn, &format!("EXPLAIN QUERY PLAN SELECT count(*) FROM call_logs c WHERE {}", q.conditions), &q.values)
        .join(" | ")
}

fn plan_of(conn: &Connection, sql: &str, values: &[rusqlite::types::Value]) -> Vec<String> {
    let mut stmt = conn.prepare(sql).unwrap();
    stmt.query_map(params_from_iter(values.iter()), |r| r.get::<_, String>(3)).unwrap().map(Result::unwrap).collect()
}

#[test]
fn every_list_shape_is_served_by_an_index() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("plans.db");
    let store = calllog::Store::open(&calllog::StoreConfig::new(&path)).unwrap();
    drop(store);
    let conn = Connection::open(&path).unwrap();
    calllog::store::sqlite::register_functions(&conn).unwrap();

    let t = Some(Stamp(1_700_000_000_000_000));
    let shapes: Vec<(&str, CallLogFilter, &str)> = vec![
        ("all, newest first", CallLogFilter::default(), "call_logs_by_created"),
        ("all, oldest first", CallLogFilter { descending: false, ..CallLogFilter::default() }, "call_logs_by_created"),
        (
            "all by modified",
            CallLogFilter { sort: SortField::ModifiedOn, ..CallLogFilter::default() },
            "call_logs_by_modified",
        ),
        ("unit", CallLogFilter { unit_id: Some(UnitId(1)), ..CallLogFilter::default() }, "call_logs_by_unit"),
        (
            "property",
            CallLogFilter { property_id: Some(PropertyId(1)), ..CallLogFilter::default() },
            "call_logs_by_property",
        ),
        (
            "resident",
            CallLogFilter { resident_id: Some(ResidentId(1)), ..CallLogFilter::default() },
            "call_logs_by_resident",
        ),
        (
            "unit + status",
            CallLogFilter {
                unit_id: Some(UnitId(1)),
                statuses: Some(vec![StatusId(1), StatusId(2)]),
                ..CallLogFilter::default()
            },
            "call_logs_by_unit",
        ),
        (
            "property + status",
            CallLogFilter {
                property_id: Some(PropertyId(1)),
                statuses: Some(vec![StatusId(2)]),
                ..CallLogFilter::default()
            },
            "call_logs_by_property",
        ),
        (
            "status",
            CallLogFilter { statuses: Some(vec![StatusId(2)]), ..CallLogFilter::default() },
            "call_logs_by_created",
        ),
        (
            "property + dates",
            CallLogFilter { property_id: Some(PropertyId(1)), from: t, to: t, ..CallLogFilter::default() },
            "call_logs_by_property",
        ),
        (
            "modified since",
            CallLogFilter { modified_since: t, sort: SortField::ModifiedOn, ..CallLogFilter::default() },
            "call_logs_by_modified",
        ),
        (
            "reason",
            CallLogFilter { reasons: Some(vec![ReasonId(3)]), ..CallLogFilter::default() },
            "call_logs_by_created",
        ),
        ("taken by", CallLogFilter { takenby: Some("ann".into()), ..CallLogFilter::default() }, "call_logs_by_created"),
        (
            "scoped to several",
            CallLogFilter { scope: Some(vec![PropertyId(1), PropertyId(2)]), ..CallLogFilter::default() },
            "call_logs_by_created",
        ),
        (
            "scoped to one",
            CallLogFilter { scope: Some(vec![PropertyId(1)]), ..CallLogFilter::default() },
            "call_logs_by_property",
        ),
        (
            "scoped, by modified",
            CallLogFilter {
                scope: Some(vec![PropertyId(1), PropertyId(2)]),
                sort: SortField::ModifiedOn,
                ..CallLogFilter::default()
            },
            "call_logs_by_modified",
        ),
    ];
    for (name, f, index) in shapes {
        let lines = plan(&conn, &f);
        let text = lines.join(" | ");
        eprintln!("{name}: {text}");
        let main: Vec<&String> = lines.iter().filter(|l| l.contains(" c ") || l.ends_with(" c")).collect();
        assert!(!main.is_empty(), "{name}: {text}");
        for line in &main {
            assert!(line.contains("USING"), "{name}: a full scan of call_logs: {text}");
        }
        assert!(text.contains(index), "{name}: expected {index}: {text}");
        assert!(!text.contains("TEMP B-TREE FOR ORDER BY"), "{name}: sorts instead of reading in order: {text}");
        let count = count_plan(&conn, &f);
        assert!(count.contains("USING"), "{name}: count scans the table: {count}");
    }
    // Counting a scoped list seeks each linked property on its index.
    let scoped = count_plan(
        &conn,
        &CallLogFilter { scope: Some(vec![PropertyId(1), PropertyId(2)]), ..CallLogFilter::default() },
    );
    assert!(scoped.contains("call_logs_by_property"), "scoped count: {scoped}");
    // A search reads the full-text index's rows of each word, and, with no
    // other filter, the deleted logs off their own partial index.
    let search = plan_of(&conn, &format!("EXPLAIN QUERY PLAN {SEARCH_ROWS}"), &["\"leak\"*".to_string().into()]);
    assert!(search.join(" ").contains("VIRTUAL TABLE INDEX"), "search: {search:?}");
    let deleted = plan_of(&conn, &format!("EXPLAIN QUERY PLAN {DELETED_LOGS}"), &[]).join(" | ");
    assert!(deleted.contains("COVERING INDEX call_logs_deleted") && !deleted.contains("TEMP B-TREE"), "{deleted}");
    // A property's count by status is answered from its index alone.
    let by_status = count_plan(
        &conn,
        &CallLogFilter {
            property_id: Some(PropertyId(1)),
            statuses: Some(vec![StatusId(1), StatusId(2)]),
            ..CallLogFilter::default()
        },
    );
    assert!(by_status.contains("COVERING INDEX call_logs_by_property_status"), "count by status: {by_status}");
    // When the count says few logs match, the page seeks them on the most
    // selective index and sorts them: a property's open calls oldest first
    // (its board) and a user's open calls (the desk) never walk the older,
    // closed logs.
    let my_open = CallLogFilter {
        taken_by_exactly: Some("Ada Admin".into()),
        statuses: Some(vec![StatusId(1), StatusId(2)]),
        descending: false,
        ..CallLogFilter::default()
    };
    let board = CallLogFilter {
        property_id: Some(PropertyId(1)),
        statuses: Some(vec![StatusId(1), StatusId(2)]),
        descending: false,
        ..CallLogFilter::default()
    };
    let card = CallLogFilter {
        unit_id: Some(UnitId(11)),
        statuses: Some(vec![StatusId(1), StatusId(2)]),
        descending: false,
        ..CallLogFilter::default()
    };
    for (name, f, index) in [
        ("my open calls", &my_open, "call_logs_by_taker (taken_by=? AND status_id=?)"),
        ("a property's open calls", &board, "call_logs_by_property_status (property_id=? AND status_id=?)"),
        ("a unit's open calls", &card, "call_logs_by_property_status (property_id=? AND status_id=?)"),
    ] {
        let text = plan_part(&conn, f, ListPart::FewMatchesPage).join(" | ");
        eprintln!("{name}: {text}");
        assert!(text.contains(index), "{name}: expected {index}: {text}");
    }
    // However many open calls a user has, they are sought by status, never
    // found by sorting every call the user ever took.
    let text = plan_part(&conn, &my_open, ListPart::Page).join(" | ");
    assert!(text.contains("call_logs_by_taker (taken_by=? AND status_id=?)"), "my open calls, many: {text}");
    let unit_open = count_plan(&conn, &card);
    assert!(unit_open.contains("call_logs_by_property_status"), "count of a unit's open calls: {unit_open}");
    let mine = count_plan(&conn, &my_open);
    assert!(mine.contains("COVERING INDEX call_logs_by_taker"), "count of my open calls: {mine}");
    // A search's few matches, sorted by date, are fetched by id and sorted,
    // never found by walking the date index past every other log.
    let keys = KEYS_BY_ID.replace("{column}", "c.created_on");
    let text = plan_of(&conn, &format!("EXPLAIN QUERY PLAN {keys}"), &["[1,2]".to_string().into()]).join(" | ");
    assert!(text.contains("INTEGER PRIMARY KEY") && !text.contains("call_logs_by_created"), "few found: {text}");
    // Sorting by id reads the table itself in key order (its rowid B-tree): no sort step.
    let by_id = plan(&conn, &CallLogFilter { sort: SortField::LogId, ..CallLogFilter::default() }).join(" | ");
    assert!(!by_id.contains("TEMP B-TREE"), "by id: {by_id}");
}

/// Both ways of finding a page (walking the sort order's index, or seeking
/// the few matches and sorting them) must give the same rows in the same
/// order, ties on the date broken by id.
#[test]
fn a_page_sought_and_sorted_equals_a_page_walked_in_order() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("pages.db");
    drop(calllog::Store::open(&calllog::StoreConfig::new(&path)).unwrap());
    // Foreign keys off on this raw connection: logs need no directory here.
    let conn = Connection::open(&path).unwrap();
    conn.pragma_update(None, "foreign_keys", false).unwrap();
    conn.create_scalar_function("casefold", 1, rusqlite::functions::FunctionFlags::SQLITE_UTF8, |ctx| {
        Ok(ctx.get::<Option<String>>(0)?.map(|s| s.to_lowercase()))
    })
    .unwrap();
    conn.execute(
        "WITH RECURSIVE n(v) AS (SELECT 1 UNION ALL SELECT v + 1 FROM n WHERE v < 600)
         INSERT INTO call_logs (property_id, unit_id, call_from, status_id, subject, notes, taken_by, created_on, modified_on, created_by)
         SELECT 1 + (v % 5) % 3, CASE WHEN v % 4 = 0 THEN NULL ELSE 10 + v % 5 END, 'c', 1 + (v / 7) % 3, 's', '',
                CASE WHEN v % 2 = 0 THEN 'Ann' ELSE 'Bob' END, v / 3, 1000 - v / 2, 1 FROM n",
        [],
    )
    .unwrap();
    // Units 10..14 in properties 1, 2, 3, 1, 2, as the logs above name them.
    conn.execute(
        "INSERT INTO units (unit_id, property_id, unit_number) VALUES (10, 1, '10'), (11, 2, '11'), (12, 3, '12'), (13, 1, '13'), (14, 2, '14')",
        [],
    )
    .unwrap();
    let shapes = [
        CallLogFilter {
            property_id: Some(PropertyId(1)),
            statuses: Some(vec![StatusId(1), StatusId(2)]),
            descending: false,
            ..CallLogFilter::default()
        },
        CallLogFilter {
            unit_id: Some(UnitId(13)),
            statuses: Some(vec![StatusId(1), StatusId(3)]),
            ..CallLogFilter::default()
        },
        CallLogFilter {
            taken_by_exactly: Some("Ann".into()),
            statuses: Some(vec![StatusId(1)]),
            descending: false,
            ..CallLogFilter::default()
        },
        CallLogFilter { unit_id: Some(UnitId(11)), ..CallLogFilter::default() },
        CallLogFilter {
            scope: Some(vec![PropertyId(1), PropertyId(2)]),
            statuses: Some(vec![StatusId(3)]),
            ..CallLogFilter::default()
        },
        CallLogFilter { sort: SortField::ModifiedOn, statuses: Some(vec![StatusId(2)]), ..CallLogFilter::default() },
        CallLogFilter {
            sort: SortField::LogId,
            descending: false,
            property_id: Some(PropertyId(2)),
            ..CallLogFilter::default()
        },
    ];
    for f in shapes {
        let ids = |part: ListPart| -> Vec<i64> {
            let q = list_clauses(&f, part);
            let sql = format!(
                "SELECT c.log_id FROM call_logs c WHERE {} ORDER BY {} LIMIT 25 OFFSET 10",
                q.conditions, q.order
            );
            let mut stmt = conn.prepare(&sql).unwrap();
            stmt.query_map(params_from_iter(q.values.iter()), |r| r.get(0)).unwrap().map(Result::unwrap).collect()
        };
        let walked = ids(ListPart::Page);
        assert_eq!(walked.len(), 25, "{f:?}");
        assert_eq!(ids(ListPart::FewMatchesPage), walked, "{f:?}");
    }
}

/// docs/api.md §3: the admin audit's listings seek their index: by actor, by time range, or newest first.
#[test]
fn every_audit_listing_is_served_by_an_index() {
    use calllog::domain::audit::AuditFilter;
    use calllog::store::sqlite::audit::{conditions, ORDER};
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("plans.db");
    drop(calllog::Store::open(&calllog::StoreConfig::new(&path)).unwrap());
    let conn = Connection::open(&path).unwrap();
    let plan = |filter: AuditFilter| {
        let (conditions, values) = conditions(&filter);
        let values: Vec<rusqlite::types::Value> = values.into_iter().map(Into::into).collect();
        let sql = format!("EXPLAIN QUERY PLAN SELECT * FROM admin_audit WHERE {conditions} ORDER BY {ORDER} LIMIT 25");
        plan_of(&conn, &sql, &values).join(" | ")
    };
    let (from, to) = (Some(Stamp(1)), Some(Stamp(2)));
    let by_user = plan(AuditFilter { user_id: Some(UserId(1)), from, to });
    assert!(by_user.contains("USING INDEX admin_audit_by_user (user_id=? AND at>? AND at<?)"), "{by_user}");
    let by_time = plan(AuditFilter { user_id: None, from, to });
    assert!(by_time.contains("USING INDEX admin_audit_by_time (at>? AND at<?)"), "{by_time}");
    let newest = plan(AuditFilter::default());
    assert!(newest.contains("admin_audit_by_time"), "newest first, read in index order: {newest}");
    for p in [&by_user, &by_time, &newest] {
        assert!(!p.contains("TEMP B-TREE"), "no sort of the whole table: {p}");
    }
}
