//! docs/api.md §6: properties, units, residents, per-property scoping, and the import.

use crate::helpers::*;
use serde_json::json;

/// The ids of a ListWrapper's elements, in order.
/// Asserts a 200 ListWrapper with `total` and these element ids.
fn assert_list(a: &Answer, field: &str, total: i64, expected: &[i64]) {
    assert_eq!(a.status, StatusCode::OK, "{}", a.text);
    assert_eq!(a.body["Total"], total, "Total: {}", a.text);
    assert_eq!(ids(a, field), expected, "{}", a.text);
}

/// The `Field` of every entry in `Errors`.
// ---- single resources -----------------------------------------------------

#[actix_web::test]
async fn get_property_answers_every_field() {
    app_with_directory!(app, admin);
    let a = get(&app, "/api/properties/1", &admin).await;
    assert_eq!(a.status, StatusCode::OK, "{}", a.text);
    assert_eq!(
        a.body,
        json!({"PropertyId": 1, "C4Uid": null, "PropertyName": "Harbor View", "Address1": null, "Address2": null,
               "City": "Miami", "State": null, "Zip": null, "EntityNumber": null, "LegalName": null,
               "PropertyTypeId": 1, "PropertyStatus": true})
    );
    let inactive = get(&app, "/api/properties/3", &admin).await;
    assert_eq!((inactive.status, inactive.body["PropertyStatus"].as_bool()), (StatusCode::OK, Some(false)));
}

#[actix_web::test]
async fn get_unit_answers_every_field() {
    app_with_directory!(app, admin);
    let a = get(&app, "/api/units/12", &admin).await;
    assert_eq!(a.status, StatusCode::OK, "{}", a.text);
    assert_eq!(
        a.body,
        json!({"UnitId": 12, "PropertyId": 1, "UnitNumber": "102", "Address1": null, "Address2": null, "City": null,
               "State": null, "Zip": null, "DisplayOrder": 1, "Floor": null, "Latitude": null, "Longitude": null})
    );
}

#[actix_web::test]
async fn get_resident_answers_every_field() {
    app_with_directory!(app, admin);
    let a = get(&app, "/api/residents/111", &admin).await;
    assert_eq!(a.status, StatusCode::OK, "{}", a.text);
    assert_eq!(
        a.body,
        json!({"ResidentId": 111, "PropertyId": 1, "UnitId": 11, "ResidentFirstName": "Ann",
               "ResidentMiddleInitial": "B", "ResidentLastName": "Cole", "ResidentEmail": null,
               "ResidentUnitphone": null, "ResidentCellphone": null, "ResidentWorkphone": null,
               "ResidentOtherphone": null, "OccupancyType": null, "ResidentType": 1, "MoveInDate": null,
               "MoveOutDate": null})
    );
    let dated = get(&app, "/api/residents/211", &admin).await;
    assert_eq!(dated.body["MoveInDate"], "2024-05-01T00:00:00.0000000+00:00");
    assert!(dated.body["ResidentFirstName"].is_null());
}

#[actix_web::test]
async fn unknown_ids_are_404_106_and_bad_ids_400_114() {
    app_with_directory!(app, admin);
    let (_, viewer) = make_user(&app, &admin, "vera", "viewer", &[1]).await;
    for token in [&admin, &viewer] {
        for path in [
            "/api/properties/99",
            "/api/properties/99/units",
            "/api/properties/99/residents",
            "/api/units/99",
            "/api/units/99/owner",
            "/api/units/99/residents",
            "/api/residents/99",
        ] {
            let a = get(&app, path, token).await;
            assert_eq!((a.status.as_u16(), a.code()), (404, 106), "{path}: {}", a.text);
        }
    }
    for path in ["/api/properties/abc", "/api/units/0", "/api/residents/-1", "/api/properties/x/units"] {
        let a = get(&app, path, &admin).await;
        assert_eq!((a.status.as_u16(), a.code()), (400, 114), "{path}: {}", a.text);
    }
}

// ---- property lists -------------------------------------------------------

#[actix_web::test]
async fn list_properties_filters_by_status_and_ids_and_pages() {
    app_with_directory!(app, admin);
    // Active is the default; ordered by name.
    assert_list(&get(&app, "/api/properties", &admin).await, "PropertyId", 2, &[1, 2]);
    assert_list(&get(&app, "/api/properties?PropertyStatus=Active", &admin).await, "PropertyId", 2, &[1, 2]);
    assert_list(&get(&app, "/api/properties?PropertyStatus=Inactive", &admin).await, "PropertyId", 1, &[3]);
    assert_list(&get(&app, "/api/properties?PropertyStatus=All", &admin).await, "PropertyId", 3, &[1, 2, 3]);
    assert_list(&get(&app, "/api/properties?ids=2,3", &admin).await, "PropertyId", 1, &[2]);
    assert_list(&get(&app, "/api/properties?ids=2,3&PropertyStatus=All", &admin).await, "PropertyId", 2, &[2, 3]);
    assert_list(&get(&app, "/api/properties?ids=77", &admin).await, "PropertyId", 0, &[]);
    let page = get(&app, "/api/properties?PropertyStatus=All&pageSize=1&page=2", &admin).await;
    assert_list(&page, "PropertyId", 3, &[2]);
    let a = get(&app, "/api/properties?PropertyStatus=Closed", &admin).await;
    a.assert_error(400, 114);
    assert_eq!(error_fields(&a), ["PropertyStatus"]);
}

// ---- units of a property --------------------------------------------------

#[actix_web::test]
async fn units_of_a_property_sort_by_display_order_or_number() {
    app_with_directory!(app, admin);
    assert_list(&get(&app, "/api/properties/1/units", &admin).await, "UnitId", 2, &[12, 11]);
    assert_list(&get(&app, "/api/properties/1/units?sort=unitdisplayorder", &admin).await, "UnitId", 2, &[12, 11]);
    assert_list(&get(&app, "/api/properties/1/units?sort=unitnumber", &admin).await, "UnitId", 2, &[11, 12]);
    assert_list(&get(&app, "/api/properties/1/units?Sort=UnitNumber", &admin).await, "UnitId", 2, &[11, 12]);
    let a = get(&app, "/api/properties/1/units?sort=size", &admin).await;
    a.assert_error(400, 114);
    assert_eq!(error_fields(&a), ["sort"]);
    let page = get(&app, "/api/properties/1/units?pageSize=1&page=2", &admin).await;
    assert_list(&page, "UnitId", 2, &[11]);
    assert_list(&get(&app, "/api/properties/2/units", &admin).await, "UnitId", 1, &[21]);
}

#[actix_web::test]
async fn units_of_a_property_filter_by_unit_number_prefix() {
    app_with_directory!(app, admin);
    assert_list(&get(&app, "/api/properties/1/units?unitNumber=10", &admin).await, "UnitId", 2, &[12, 11]);
    assert_list(&get(&app, "/api/properties/1/units?unitNumber=101", &admin).await, "UnitId", 1, &[11]);
    // A prefix, not a substring.
    assert_list(&get(&app, "/api/properties/1/units?unitNumber=01", &admin).await, "UnitId", 0, &[]);
    assert_list(&get(&app, "/api/properties/2/units?unitnumber=a-", &admin).await, "UnitId", 1, &[21]);
}

#[actix_web::test]
async fn units_of_a_property_filter_by_resident_name_ignoring_case_including_non_ascii() {
    app_with_directory!(app, admin);
    let units = |q: &str| format!("/api/properties/1/units?residentName={q}");
    assert_list(&get(&app, &units("cole"), &admin).await, "UnitId", 1, &[11]);
    assert_list(&get(&app, &units("OLE"), &admin).await, "UnitId", 1, &[11]);
    // Non-ASCII, matched ignoring case: "núñez" and "NÚÑEZ" find "Núñez".
    assert_list(&get(&app, &units("n%C3%BA%C3%B1ez"), &admin).await, "UnitId", 1, &[11]);
    assert_list(&get(&app, &units("N%C3%9A%C3%91EZ"), &admin).await, "UnitId", 1, &[11]);
    assert_list(&get(&app, &units("jos%C3%A9%20n%C3%BA"), &admin).await, "UnitId", 1, &[11]);
    assert_list(&get(&app, &units("nobody"), &admin).await, "UnitId", 0, &[]);
    // Combined with a unit number prefix.
    assert_list(&get(&app, &format!("{}&unitNumber=102", units("cole")), &admin).await, "UnitId", 0, &[]);
}

// ---- units by id, owner, residents ----------------------------------------

#[actix_web::test]
async fn units_by_ids_need_unit_ids() {
    app_with_directory!(app, admin);
    assert_list(&get(&app, "/api/units?unitIds=21,11", &admin).await, "UnitId", 2, &[11, 21]);
    assert_list(&get(&app, "/api/units?unitIds=12&unitIds=99", &admin).await, "UnitId", 1, &[12]);
    assert_list(&get(&app, "/api/units?unitIds[0]=11&unitIds[1]=12&pageSize=1", &admin).await, "UnitId", 2, &[11]);
    let a = get(&app, "/api/units", &admin).await;
    a.assert_error(400, 114);
    assert_eq!(error_fields(&a), ["unitIds"]);
    get(&app, "/api/units?unitIds=", &admin).await.assert_error(400, 114);
    get(&app, "/api/units?unitIds=11,abc", &admin).await.assert_error(400, 114);
}

#[actix_web::test]
async fn a_units_owner_is_its_first_resident_of_type_1() {
    app_with_directory!(app, admin);
    let a = get(&app, "/api/units/11/owner", &admin).await;
    assert_eq!(a.status, StatusCode::OK, "{}", a.text);
    assert_eq!((a.body["ResidentId"].as_i64(), a.body["ResidentType"].as_i64()), (Some(111), Some(1)));
    assert_eq!(get(&app, "/api/units/21/owner", &admin).await.body["ResidentId"], 211);
    // Unit 12 has no resident at all.
    get(&app, "/api/units/12/owner", &admin).await.assert_error(404, 106);
    // A unit with only a renter has no owner either.
    let a = post(
        &app,
        "/api/admin/import",
        &admin,
        json!({"Residents": [{"ResidentId": 121, "PropertyId": 1, "UnitId": 12, "ResidentLastName": "Tenant", "ResidentType": 3}]}),
    )
    .await;
    assert_eq!(a.status, StatusCode::OK, "{}", a.text);
    get(&app, "/api/units/12/owner", &admin).await.assert_error(404, 106);
}

#[actix_web::test]
async fn a_units_residents_are_listed() {
    app_with_directory!(app, admin);
    let a = get(&app, "/api/units/11/residents", &admin).await;
    assert_list(&a, "ResidentId", 2, &[111, 112]);
    assert_eq!(a.body["Elements"][1]["ResidentLastName"], "Núñez");
    assert_list(&get(&app, "/api/units/12/residents", &admin).await, "ResidentId", 0, &[]);
    assert_list(&get(&app, "/api/units/11/residents?pageSize=1&page=2", &admin).await, "ResidentId", 2, &[112]);
}

#[actix_web::test]
async fn residents_of_a_property_filter_by_name_ignoring_case() {
    app_with_directory!(app, admin);
    // Ordered by last name, then first.
    assert_list(&get(&app, "/api/properties/1/residents", &admin).await, "ResidentId", 2, &[111, 112]);
    let by = |q: &str| format!("/api/properties/1/residents?name={q}");
    assert_list(&get(&app, &by("n%C3%BA%C3%B1ez"), &admin).await, "ResidentId", 1, &[112]);
    assert_list(&get(&app, &by("JOS%C3%89"), &admin).await, "ResidentId", 1, &[112]);
    assert_list(&get(&app, &by("ann%20b.%20cole"), &admin).await, "ResidentId", 1, &[111]);
    assert_list(&get(&app, &by("cole,%20ann"), &admin).await, "ResidentId", 1, &[111]);
    assert_list(&get(&app, &by("dana"), &admin).await, "ResidentId", 0, &[]);
    assert_list(&get(&app, "/api/properties/2/residents?name=DAN", &admin).await, "ResidentId", 1, &[211]);
}

// ---- scoping --------------------------------------------------------------

#[actix_web::test]
async fn a_linked_viewer_reads_its_propertys_directory() {
    app_with_directory!(app, admin);
    let (_, viewer) = make_user(&app, &admin, "vince", "viewer", &[1]).await;
    for path in [
        "/api/properties/1",
        "/api/properties/1/units",
        "/api/properties/1/residents",
        "/api/units/11",
        "/api/units/11/owner",
        "/api/units/11/residents",
        "/api/residents/112",
    ] {
        let a = get(&app, path, &viewer).await;
        assert_eq!(a.status, StatusCode::OK, "{path}: {}", a.text);
    }
    assert_eq!(get(&app, "/api/units/11/owner", &viewer).await.body["ResidentId"], 111);
}

#[actix_web::test]
async fn a_single_resource_of_an_unlinked_property_is_403_105() {
    app_with_directory!(app, admin);
    let (_, agent) = make_user(&app, &admin, "alba", "agent", &[1]).await;
    for path in [
        "/api/properties/2",
        "/api/properties/3",
        "/api/properties/2/units",
        "/api/properties/2/residents",
        "/api/units/21",
        "/api/units/21/owner",
        "/api/units/21/residents",
        "/api/residents/211",
    ] {
        let a = get(&app, path, &agent).await;
        a.assert_error(403, 105);
        assert!(!a.text.contains("Oak Hollow"), "{path} leaks the property: {}", a.text);
    }
}

#[actix_web::test]
async fn lists_silently_leave_unlinked_properties_out() {
    app_with_directory!(app, admin);
    let (_, viewer) = make_user(&app, &admin, "vida", "viewer", &[1]).await;
    assert_list(&get(&app, "/api/properties", &viewer).await, "PropertyId", 1, &[1]);
    assert_list(&get(&app, "/api/properties?PropertyStatus=All", &viewer).await, "PropertyId", 1, &[1]);
    assert_list(&get(&app, "/api/units?unitIds=11,21", &viewer).await, "UnitId", 1, &[11]);
    assert_list(&get(&app, "/api/units?unitIds=21", &viewer).await, "UnitId", 0, &[]);
}

#[actix_web::test]
async fn a_list_filtered_by_an_unlinked_property_is_403_105() {
    app_with_directory!(app, admin);
    let (_, viewer) = make_user(&app, &admin, "vlad", "viewer", &[1]).await;
    get(&app, "/api/properties?ids=2", &viewer).await.assert_error(403, 105);
    get(&app, "/api/properties?ids=1,2", &viewer).await.assert_error(403, 105);
    assert_list(&get(&app, "/api/properties?ids=1", &viewer).await, "PropertyId", 1, &[1]);
}

#[actix_web::test]
async fn a_user_without_links_sees_an_empty_directory() {
    app_with_directory!(app, admin);
    let (_, viewer) = make_user(&app, &admin, "nell", "viewer", &[]).await;
    assert_list(&get(&app, "/api/properties", &viewer).await, "PropertyId", 0, &[]);
    get(&app, "/api/properties/1", &viewer).await.assert_error(403, 105);
}

// ---- import ---------------------------------------------------------------

#[actix_web::test]
async fn import_upserts_by_id_and_answers_counts() {
    app_with_directory!(app, admin);
    let a = post(
        &app,
        "/api/admin/import",
        &admin,
        json!({
            "Properties": [{"PropertyId": 1, "PropertyName": "Harbor View Towers", "PropertyTypeId": 1, "City": "Miami Beach"}],
            "Units": [{"UnitId": 11, "PropertyId": 1, "UnitNumber": "101A", "DisplayOrder": 2},
                      {"UnitId": 13, "PropertyId": 1, "UnitNumber": "103"}],
            "Residents": [{"ResidentId": 112, "PropertyId": 1, "UnitId": 13, "ResidentFirstName": "José", "ResidentLastName": "Núñez", "ResidentType": 3}]
        }),
    )
    .await;
    assert_eq!(a.status, StatusCode::OK, "{}", a.text);
    assert_eq!(a.body, json!({"Properties": 1, "Units": 2, "Residents": 1}));
    let p = get(&app, "/api/properties/1", &admin).await;
    assert_eq!(
        (p.body["PropertyName"].as_str(), p.body["City"].as_str()),
        (Some("Harbor View Towers"), Some("Miami Beach"))
    );
    assert_eq!(get(&app, "/api/units/11", &admin).await.body["UnitNumber"], "101A");
    assert_eq!(get(&app, "/api/units/13", &admin).await.body["PropertyId"], 1);
    // The resident moved to unit 13.
    assert_eq!(get(&app, "/api/residents/112", &admin).await.body["UnitId"], 13);
    assert_list(&get(&app, "/api/units/11/residents", &admin).await, "ResidentId", 1, &[111]);
    // No duplicates: still three properties.
    assert_eq!(get(&app, "/api/properties?PropertyStatus=All", &admin).await.body["Total"], 3);
}

#[actix_web::test]
async fn import_accepts_field_names_in_any_case_and_empty_lists() {
    app_with_directory!(app, admin);
    let a = post(
        &app,
        "/api/admin/import",
        &admin,
        json!({"properties": [{"propertyid": 8, "PROPERTYNAME": "Lower Case"}]}),
    )
    .await;
    assert_eq!(a.status, StatusCode::OK, "{}", a.text);
    assert_eq!(a.body, json!({"Properties": 1, "Units": 0, "Residents": 0}));
    assert_eq!(get(&app, "/api/properties/8", &admin).await.body["PropertyName"], "Lower Case");
    let a = post(&app, "/api/admin/import", &admin, json!({})).await;
    assert_eq!((a.status, a.body.clone()), (StatusCode::OK, json!({"Properties": 0, "Units": 0, "Residents": 0})));
}

#[actix_web::test]
async fn property_status_defaults_to_active_on_import() {
    app_with_directory!(app, admin);
    let a =
        post(&app, "/api/admin/import", &admin, json!({"Properties": [{"PropertyId": 5, "PropertyName": "Fresh"}]}))
            .await;
    assert_eq!(a.status, StatusCode::OK, "{}", a.text);
    let p = get(&app, "/api/properties/5", &admin).await;
    assert_eq!(p.body["PropertyStatus"], true);
    assert!(p.body["PropertyTypeId"].is_null());
    assert!(ids(&get(&app, "/api/properties", &admin).await, "PropertyId").contains(&5));
}

#[actix_web::test]
async fn an_import_with_one_bad_row_writes_nothing() {
    app_with_directory!(app, admin);
    let a = post(
        &app,
        "/api/admin/import",
        &admin,
        json!({
            "Properties": [{"PropertyId": 4, "PropertyName": "Good Place"},
                           {"PropertyId": 1, "PropertyName": "Renamed By A Failed Import"}],
            "Units": [{"UnitId": 41, "PropertyId": 4, "UnitNumber": "1"},
                      {"UnitId": 42, "PropertyId": 99, "UnitNumber": "2"}],
            "Residents": [{"ResidentId": 411, "PropertyId": 4, "UnitId": 41, "ResidentLastName": "Ok"}]
        }),
    )
    .await;
    a.assert_error(400, 114);
    assert_eq!(error_fields(&a), ["Units[1].PropertyId"]);
    assert!(a.body["Message"].as_str().unwrap().contains("Units[1].PropertyId"), "{}", a.text);
    // Nothing of the batch was kept, good rows included.
    get(&app, "/api/properties/4", &admin).await.assert_error(404, 106);
    get(&app, "/api/units/41", &admin).await.assert_error(404, 106);
    get(&app, "/api/residents/411", &admin).await.assert_error(404, 106);
    assert_eq!(get(&app, "/api/properties/1", &admin).await.body["PropertyName"], "Harbor View");
}

#[actix_web::test]
async fn a_resident_in_another_propertys_unit_or_an_unknown_unit_is_named() {
    app_with_directory!(app, admin);
    let a = post(
        &app,
        "/api/admin/import",
        &admin,
        json!({"Residents": [
            {"ResidentId": 501, "PropertyId": 1, "UnitId": 21, "ResidentLastName": "Wrong Property"},
            {"ResidentId": 502, "PropertyId": 1, "UnitId": 11, "ResidentLastName": "Fine"},
            {"ResidentId": 503, "PropertyId": 1, "UnitId": 999, "ResidentLastName": "No Unit"}
        ]}),
    )
    .await;
    a.assert_error(400, 114);
    assert_eq!(error_fields(&a), ["Residents[0].UnitId", "Residents[2].UnitId"]);
    get(&app, "/api/residents/502", &admin).await.assert_error(404, 106);
}

#[actix_web::test]
async fn a_missing_unit_number_is_114_naming_the_row() {
    // docs/api.md §6: every bad row of an import, a missing value included, is 400/114.
    app_with_directory!(app, admin);
    let a = post(
        &app,
        "/api/admin/import",
        &admin,
        json!({"Units": [{"UnitId": 14, "PropertyId": 1}, {"UnitId": 15, "PropertyId": 1, "UnitNumber": "105"}]}),
    )
    .await;
    a.assert_error(400, 114);
    assert_eq!(error_fields(&a), ["Units[0].UnitNumber"]);
    let a = post(
        &app,
        "/api/admin/import",
        &admin,
        json!({"Units": [{"UnitId": 14, "PropertyId": 1, "UnitNumber": "  "}]}),
    )
    .await;
    a.assert_error(400, 114);
    assert_eq!(error_fields(&a), ["Units[0].UnitNumber"]);
    get(&app, "/api/units/15", &admin).await.assert_error(404, 106);
}

#[actix_web::test]
async fn an_out_of_range_property_type_is_114_naming_the_row() {
    app_with_directory!(app, admin);
    let a = post(
        &app,
        "/api/admin/import",
        &admin,
        json!({"Properties": [{"PropertyId": 6, "PropertyName": "Castle", "PropertyTypeId": 7}]}),
    )
    .await;
    a.assert_error(400, 114);
    assert_eq!(error_fields(&a), ["Properties[0].PropertyTypeId"]);
    get(&app, "/api/properties/6", &admin).await.assert_error(404, 106);
}

#[actix_web::test]
async fn every_bad_row_of_an_import_is_listed() {
    app_with_directory!(app, admin);
    let a = post(
        &app,
        "/api/admin/import",
        &admin,
        json!({
            "Properties": [{"PropertyId": 6, "PropertyName": "Castle", "PropertyTypeId": 0},
                           {"PropertyId": 7},
                           {"PropertyId": 8, "PropertyName": "Fine"}],
            "Units": [{"UnitId": 61, "PropertyId": 8},
                      {"UnitId": 62, "PropertyId": 98, "UnitNumber": "2"},
                      {"UnitId": 63, "PropertyId": 8, "UnitNumber": "3"}],
            "Residents": [{"ResidentId": 601, "PropertyId": 8, "UnitId": 63},
                          {"ResidentId": 602, "PropertyId": 2, "UnitId": 11, "ResidentFirstName": "Moved"},
                          {"ResidentId": 603, "PropertyId": 8, "UnitId": 63, "ResidentFirstName": "Kept?", "ResidentType": 4}]
        }),
    )
    .await;
    // docs/api.md §6: an import's bad rows are 400/114 even when a value is missing; every one is named.
    a.assert_error(400, 114);
    let mut fields = error_fields(&a);
    fields.sort();
    assert_eq!(
        fields,
        [
            "Properties[0].PropertyTypeId",
            "Properties[1].PropertyName",
            "Residents[0].ResidentLastName",
            "Residents[1].UnitId",
            "Residents[2].ResidentType",
            "Units[0].UnitNumber",
            "Units[1].PropertyId",
        ]
    );
    get(&app, "/api/properties/8", &admin).await.assert_error(404, 106);
    get(&app, "/api/units/63", &admin).await.assert_error(404, 106);
}

#[actix_web::test]
async fn an_id_twice_in_one_import_or_a_unit_moving_property_is_refused() {
    app_with_directory!(app, admin);
    let a = post(
        &app,
        "/api/admin/import",
        &admin,
        json!({"Properties": [{"PropertyId": 9, "PropertyName": "Once"}, {"PropertyId": 9, "PropertyName": "Twice"}]}),
    )
    .await;
    a.assert_error(400, 114);
    assert_eq!(error_fields(&a), ["Properties[1].PropertyId"]);
    let a = post(
        &app,
        "/api/admin/import",
        &admin,
        json!({"Units": [{"UnitId": 11, "PropertyId": 2, "UnitNumber": "101"}]}),
    )
    .await;
    a.assert_error(400, 114);
    assert_eq!(error_fields(&a), ["Units[0].PropertyId"]);
    assert_eq!(get(&app, "/api/units/11", &admin).await.body["PropertyId"], 1);
    get(&app, "/api/properties/9", &admin).await.assert_error(404, 106);
}

#[actix_web::test]
async fn import_is_admin_only() {
    app_with_directory!(app, admin);
    let (_, agent) = make_user(&app, &admin, "ines", "agent", &[1]).await;
    let a =
        post(&app, "/api/admin/import", &agent, json!({"Properties": [{"PropertyId": 1, "PropertyName": "Hijacked"}]}))
            .await;
    a.assert_error(403, 102);
    assert_eq!(get(&app, "/api/properties/1", &admin).await.body["PropertyName"], "Harbor View");
}

#[actix_web::test]
async fn import_refuses_lists_that_are_not_lists_of_objects() {
    app_with_directory!(app, admin);
    let a = post(&app, "/api/admin/import", &admin, json!({"Properties": {"PropertyId": 1}})).await;
    a.assert_error(400, 114);
    assert_eq!(error_fields(&a), ["Properties"]);
    let a = post(&app, "/api/admin/import", &admin, json!({"Units": [1, 2]})).await;
    a.assert_error(400, 114);
    assert_eq!(error_fields(&a), ["Units[0]", "Units[1]"]);
}
