//! docs/api.md §9 and docs/console.md §2: GET /api/lookup — whoever is on the phone,
//! by name, unit number, property name, phone digits or log number.

use crate::helpers::*;
use serde_json::{json, Value};

fn kinds_and_ids(a: &Answer) -> Vec<(String, i64)> {
    a.body["Elements"]
        .as_array()
        .unwrap_or_else(|| panic!("not a list: {}", a.text))
        .iter()
        .map(|e| (e["Kind"].as_str().unwrap().to_string(), e["Id"].as_i64().unwrap()))
        .collect()
}

fn hits(list: &[(&str, i64)]) -> Vec<(String, i64)> {
    list.iter().map(|(k, id)| (k.to_string(), *id)).collect()
}

#[actix_web::test]
async fn names_match_by_word_prefix_ignoring_case_and_accents() {
    app_with_directory!(app, admin);
    for q in ["nun", "JOSE", "josé núñ", "Núñez"] {
        let a = get(&app, &format!("/api/lookup?q={q}"), &admin).await;
        assert_eq!(a.status, StatusCode::OK, "{q}: {}", a.text);
        assert_eq!(kinds_and_ids(&a), hits(&[("Resident", 112)]), "{q}");
    }
    let a = get(&app, "/api/lookup?q=ann", &admin).await;
    assert_eq!(a.body["Total"], 1);
    assert_eq!(
        a.body["Elements"][0],
        json!({"Kind": "Resident", "Id": 111, "Label": "Ann B. Cole — Unit 101, Harbor View",
               "PropertyId": 1, "UnitId": 11, "ResidentId": 111})
    );
    // Property names too, and a word must start a word, not sit inside one.
    let a = get(&app, "/api/lookup?q=holl", &admin).await;
    assert_eq!(kinds_and_ids(&a), hits(&[("Property", 2)]));
    assert_eq!(a.body["Elements"][0]["UnitId"], Value::Null);
    // (`ollow` is one edit from `hollow`: offered, but not as a match.)
    assert_eq!(get(&app, "/api/lookup?q=ollow", &admin).await.body["Suggested"], true);
    assert_eq!(get(&app, "/api/lookup?q=llow", &admin).await.body["Total"], 0);
}

#[actix_web::test]
async fn a_number_finds_that_log_and_units_and_four_digits_find_phones() {
    app_with_directory!(app, admin);
    let imported = post(
        &app,
        "/api/admin/import",
        &admin,
        json!({"Residents": [{"ResidentId": 113, "PropertyId": 1, "UnitId": 12, "ResidentFirstName": "Rita",
                              "ResidentLastName": "Moss", "ResidentCellphone": "(555) 010-1234"}]}),
    )
    .await;
    assert_eq!(imported.status, StatusCode::OK, "{}", imported.text);
    let mut log_id = 0;
    for i in 0..3 {
        let created = post(
            &app,
            "/api/calllogs",
            &admin,
            json!({"PropertyId": 1, "CallFrom": "c", "Subject": format!("Leak {i}")}),
        )
        .await;
        log_id = created.body["LogId"].as_i64().unwrap();
    }
    let a = get(&app, &format!("/api/lookup?q=%23{log_id}"), &admin).await;
    assert_eq!(kinds_and_ids(&a), hits(&[("CallLog", log_id)]));
    assert_eq!(a.body["Elements"][0]["Label"], format!("#{log_id} Leak 2 — c"));
    // "10" is a unit-number prefix (101, 102) and log 10, which does not exist.
    let a = get(&app, "/api/lookup?q=10", &admin).await;
    assert_eq!(kinds_and_ids(&a), hits(&[("Unit", 12), ("Unit", 11)]), "{}", a.text);
    // The last four digits caller ID shows, or the number as typed with its separators.
    for q in ["1234", "0101234", "555-010-1234", "(555)%20010"] {
        let a = get(&app, &format!("/api/lookup?q={q}"), &admin).await;
        assert_eq!(kinds_and_ids(&a), hits(&[("Resident", 113)]), "{q}: {}", a.text);
    }
    assert_eq!(get(&app, "/api/lookup?q=9999", &admin).await.body["Total"], 0);
}

#[actix_web::test]
async fn the_lookup_keeps_to_the_callers_properties() {
    app_with_directory!(app, admin);
    let (_, agent) = make_user(&app, &admin, "agent1", "agent", &[1]).await;
    // Dana lives in property 2.
    assert_eq!(get(&app, "/api/lookup?q=dana", &admin).await.body["Total"], 1);
    assert_eq!(get(&app, "/api/lookup?q=dana", &agent).await.body["Total"], 0);
    assert_eq!(get(&app, "/api/lookup?q=ann&propertyId=1", &agent).await.body["Total"], 1);
    assert_eq!(get(&app, "/api/lookup?q=ann&propertyId=2", &admin).await.body["Total"], 0);
    get(&app, "/api/lookup?q=dana&propertyId=2", &agent).await.assert_error(403, 105);
    get(&app, "/api/lookup?q=dana&propertyId=999", &agent).await.assert_error(404, 106);
    let created = post(&app, "/api/calllogs", &admin, json!({"PropertyId": 2, "CallFrom": "c", "Subject": "s"})).await;
    let log_id = created.body["LogId"].as_i64().unwrap();
    let seen = kinds_and_ids(&get(&app, &format!("/api/lookup?q={log_id}"), &agent).await);
    assert!(!seen.iter().any(|(kind, _)| kind == "CallLog"), "a log of property 2: {seen:?}");
    let seen = kinds_and_ids(&get(&app, &format!("/api/lookup?q={log_id}"), &admin).await);
    assert!(seen.contains(&("CallLog".to_string(), log_id)), "{seen:?}");
}

#[actix_web::test]
async fn text_that_is_not_a_lookup_is_400_114() {
    app_with_directory!(app, admin);
    for q in ["/api/lookup", "/api/lookup?q=", "/api/lookup?q=a", "/api/lookup?q=%C3%A9", "/api/lookup?q=ab%00c"] {
        get(&app, q, &admin).await.assert_error(400, 114);
    }
    let long = "x".repeat(101);
    get(&app, &format!("/api/lookup?q={long}"), &admin).await.assert_error(400, 114);
    get(&app, "/api/lookup?q=ann&propertyId=x", &admin).await.assert_error(400, 114);
    call(&app, Method::GET, "/api/lookup?q=ann", None, None).await.assert_error(401, 100);
}

#[actix_web::test]
async fn a_reimported_name_is_found_by_its_new_name_only() {
    app_with_directory!(app, admin);
    let renamed = json!({"Residents": [{"ResidentId": 111, "PropertyId": 1, "UnitId": 11,
                                        "ResidentFirstName": "Anna", "ResidentLastName": "Varga"}]});
    assert_eq!(post(&app, "/api/admin/import", &admin, renamed).await.status, StatusCode::OK);
    assert_eq!(kinds_and_ids(&get(&app, "/api/lookup?q=varga", &admin).await), hits(&[("Resident", 111)]));
    assert_eq!(get(&app, "/api/lookup?q=cole", &admin).await.body["Total"], 0);
}

#[actix_web::test]
async fn at_most_twenty_answers_residents_first() {
    app_with_directory!(app, admin);
    let residents: Vec<Value> = (0..30)
        .map(|i| {
            json!({"ResidentId": 500 + i, "PropertyId": 1, "UnitId": 12,
                   "ResidentFirstName": format!("Harbor{i:02}"), "ResidentLastName": "Guest"})
        })
        .collect();
    assert_eq!(post(&app, "/api/admin/import", &admin, json!({"Residents": residents})).await.status, StatusCode::OK);
    let a = get(&app, "/api/lookup?q=harbor", &admin).await;
    assert_eq!(a.body["Total"], 20);
    let found = kinds_and_ids(&a);
    assert_eq!(found.len(), 20);
    assert!(found.iter().all(|(kind, _)| kind == "Resident"), "residents come before the property: {found:?}");
}

#[actix_web::test]
async fn a_mistyped_name_is_answered_with_the_names_near_it() {
    app_with_directory!(app, admin);
    // José Núñez (112): `nunex` is one edit from `nunez`, and nothing begins with it.
    let a = get(&app, "/api/lookup?q=nunex", &admin).await;
    assert_eq!(a.status, StatusCode::OK, "{}", a.text);
    assert_eq!(a.body["Suggested"], true);
    assert_eq!(kinds_and_ids(&a), hits(&[("Resident", 112)]));
    assert_eq!(a.body["Total"], 1);
    // A word typed right keeps its place; the mistyped one is replaced.
    let a = get(&app, "/api/lookup?q=jose%20nunex", &admin).await;
    assert_eq!((a.body["Suggested"].clone(), kinds_and_ids(&a)), (json!(true), hits(&[("Resident", 112)])));
    // Property names are names too.
    let a = get(&app, "/api/lookup?q=hollw", &admin).await;
    assert_eq!((a.body["Suggested"].clone(), kinds_and_ids(&a)), (json!(true), hits(&[("Property", 2)])));
    // A match as typed is no suggestion.
    let a = get(&app, "/api/lookup?q=nunez", &admin).await;
    assert_eq!((a.body["Suggested"].clone(), kinds_and_ids(&a)), (json!(false), hits(&[("Resident", 112)])));
}

#[actix_web::test]
async fn nothing_is_offered_for_far_short_or_well_typed_words() {
    app_with_directory!(app, admin);
    // Two edits from `nunez`, but 5 letters allow one.
    // Under 4 letters nothing is guessed (`nux`); every word right but not in one name: nothing either.
    for q in ["nuxex", "nux", "ann%20nunez", "zzzzzzzz"] {
        let a = get(&app, &format!("/api/lookup?q={q}"), &admin).await;
        assert_eq!(a.status, StatusCode::OK, "{q}: {}", a.text);
        assert_eq!((a.body["Total"].clone(), a.body["Suggested"].clone()), (json!(0), json!(false)), "{q}");
    }
}

#[actix_web::test]
async fn suggestions_keep_to_the_callers_properties_and_learn_new_names() {
    app_with_directory!(app, admin);
    let (_, agent) = make_user(&app, &admin, "agent1", "agent", &[1]).await;
    // Dana lives in property 2: her name is known, but not offered to an agent of property 1.
    let a = get(&app, "/api/lookup?q=danx", &admin).await;
    assert_eq!((a.body["Suggested"].clone(), a.body["Total"].clone()), (json!(true), json!(1)));
    let a = get(&app, "/api/lookup?q=danx", &agent).await;
    assert_eq!((a.body["Suggested"].clone(), a.body["Total"].clone()), (json!(false), json!(0)));
    // A name imported later is offered at once (8 letters or more may be two edits off).
    let added = json!({"Residents": [{"ResidentId": 113, "PropertyId": 1, "UnitId": 12,
                                      "ResidentFirstName": "Rita", "ResidentLastName": "Kowalczyk"}]});
    assert_eq!(post(&app, "/api/admin/import", &admin, added).await.status, StatusCode::OK);
    let a = get(&app, "/api/lookup?q=kovalcyk", &agent).await;
    assert_eq!((a.body["Suggested"].clone(), kinds_and_ids(&a)), (json!(true), hits(&[("Resident", 113)])));
}
