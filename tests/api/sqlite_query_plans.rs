//! Every list shape must be served by an index (EXPLAIN QUERY PLAN), so that
//! lists stay fast at a million call logs.

use calllog::domain::calllogs::{CallLogFilter, SortField};
use calllog::domain::time::Stamp;
use calllog::store::sqlite::calllogs::{list_clauses, ListPart};
use rusqlite::{params_from_iter, Connection};

fn filter() -> CallLogFilter {
    CallLogFilter {
        scope: None,
        property_id: None,
        unit_id: None,
        resident_id: None,
        statuses: None,
        reasons: None,
        takenby: None,
        taken_by_exactly: None,
        from: None,
        to: None,
        modified_since: None,
        search: None,
        sort: SortField::CreatedOn,
        descending: true,
    }
}

fn plan(conn: &Connection, f: &CallLogFilter) -> Vec<String> {
    let q = list_clauses(f, ListPart::Page);
    let sql = format!(
        "EXPLAIN QUERY PLAN SELECT c.log_id FROM {} WHERE {} ORDER BY {} LIMIT 25",
        q.from, q.conditions, q.order
    );
    plan_of(conn, &sql, &q.values)
}

fn count_plan(conn: &Connection, f: &CallLogFilter) -> String {
    let q = list_clauses(f, ListPart::Count);
    plan_of(conn, &format!("EXPLAIN QUERY PLAN SELECT count(*) FROM {} WHERE {}", q.from, q.conditions), &q.values)
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
    conn.create_scalar_function("casefold", 1, rusqlite::functions::FunctionFlags::SQLITE_UTF8, |ctx| {
        Ok(ctx.get::<Option<String>>(0)?.map(|s| s.to_lowercase()))
    })
    .unwrap();

    let t = Some(Stamp(1_700_000_000_000_000));
    let shapes: Vec<(&str, CallLogFilter, &str)> = vec![
        ("all, newest first", filter(), "call_logs_by_created"),
        ("all, oldest first", CallLogFilter { descending: false, ..filter() }, "call_logs_by_created"),
        ("all by modified", CallLogFilter { sort: SortField::ModifiedOn, ..filter() }, "call_logs_by_modified"),
        ("unit", CallLogFilter { unit_id: Some(1), ..filter() }, "call_logs_by_unit"),
        ("property", CallLogFilter { property_id: Some(1), ..filter() }, "call_logs_by_property"),
        ("resident", CallLogFilter { resident_id: Some(1), ..filter() }, "call_logs_by_resident"),
        (
            "unit + status",
            CallLogFilter { unit_id: Some(1), statuses: Some(vec![1, 2]), ..filter() },
            "call_logs_by_unit",
        ),
        (
            "property + status",
            CallLogFilter { property_id: Some(1), statuses: Some(vec![2]), ..filter() },
            "call_logs_by_property",
        ),
        ("status", CallLogFilter { statuses: Some(vec![2]), ..filter() }, "call_logs_by_created"),
        (
            "my open calls, oldest first",
            CallLogFilter {
                taken_by_exactly: Some("Ada Admin".into()),
                statuses: Some(vec![1, 2]),
                descending: false,
                ..filter()
            },
            "call_logs_by_taker",
        ),
        (
            "property + dates",
            CallLogFilter { property_id: Some(1), from: t, to: t, ..filter() },
            "call_logs_by_property",
        ),
        (
            "modified since",
            CallLogFilter { modified_since: t, sort: SortField::ModifiedOn, ..filter() },
            "call_logs_by_modified",
        ),
        ("reason", CallLogFilter { reasons: Some(vec![3]), ..filter() }, "call_logs_by_created"),
        ("taken by", CallLogFilter { takenby: Some("ann".into()), ..filter() }, "call_logs_by_created"),
        ("scoped to several", CallLogFilter { scope: Some(vec![1, 2]), ..filter() }, "call_logs_by_created"),
        ("scoped to one", CallLogFilter { scope: Some(vec![1]), ..filter() }, "call_logs_by_property"),
        (
            "scoped, by modified",
            CallLogFilter { scope: Some(vec![1, 2]), sort: SortField::ModifiedOn, ..filter() },
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
    let scoped = count_plan(&conn, &CallLogFilter { scope: Some(vec![1, 2]), ..filter() });
    assert!(scoped.contains("call_logs_by_property"), "scoped count: {scoped}");
    // A search starts from the full-text index and fetches logs by id.
    let search = CallLogFilter { search: Some(vec!["leak".into()]), sort: SortField::Relevance, ..filter() };
    let text = plan(&conn, &search).join(" | ");
    assert!(text.contains("VIRTUAL TABLE INDEX") && text.contains("INTEGER PRIMARY KEY"), "search: {text}");
    // A property's count by status is answered from its index alone.
    let by_status = count_plan(&conn, &CallLogFilter { property_id: Some(1), statuses: Some(vec![1, 2]), ..filter() });
    assert!(by_status.contains("COVERING INDEX call_logs_by_property_status"), "count by status: {by_status}");
    // Sorting by id reads the table itself in key order (its rowid B-tree): no sort step.
    let by_id = plan(&conn, &CallLogFilter { sort: SortField::LogId, ..filter() }).join(" | ");
    assert!(!by_id.contains("TEMP B-TREE"), "by id: {by_id}");
}
