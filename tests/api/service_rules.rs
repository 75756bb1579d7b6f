//! The access rules asked of the service itself, without HTTP: the real
//! `Service` over the real store, on a fresh database of the engine the run
//! is on (SQLite: a temporary file; `:memory:` would give the writer and
//! each pooled reader a database of its own). Callers are signed in and
//! authenticated through the service, as the API's are. Fast: no server,
//! no client, one directory of two properties.
//!
//! The rules: a viewer reads but writes nothing; an agent does nothing
//! only an admin may; a log of a property not linked to the caller is
//! refused and left out of lists; what does not exist is "not found" before
//! any question of access; the last active admin stays an admin.

use crate::helpers::{store_config, test_database, TestDatabase};
use calllog::domain::calllogs::{CallLogFilter, CallLogUpdate, NewCallLog};
use calllog::domain::directory::{ImportBatch, Property, Unit};
use calllog::domain::error::DomainError;
use calllog::domain::error::ErrorKind;
use calllog::domain::ids::{LogId, PropertyId, UnitId};
use calllog::domain::query::Page;
use calllog::domain::users::{Caller, NewUser, Role, UserChanges};
use calllog::service::access::{Admin, UserAccess, Writer};
use calllog::service::calllogs::ListScope;
use calllog::service::{Service, ServiceError, ServiceResult};
use calllog::{AppConfig, Store};
use std::net::{IpAddr, Ipv4Addr};

/// A service on a fresh database holding properties 1 and 2 (unit 11 and
/// unit 21) and one admin user, `boss`.
struct Rules {
    service: Service,
    boss: Caller,
    /// Holds the SQLite file (or the PostgreSQL database) until the test ends.
    _database: TestDatabase,
    _dir: tempfile::TempDir,
}

impl Drop for Rules {
    fn drop(&mut self) {
        self.service.store.close();
    }
}

async fn rules() -> Rules {
    let dir = tempfile::tempdir().unwrap();
    let database = test_database(dir.path());
    let store = Store::open(&store_config(&database)).unwrap();
    let service = Service::new(store, AppConfig::default());
    let operator = Admin::command_line();
    let mut batch = ImportBatch::default();
    for property_id in [1, 2] {
        batch.add_property(&property(property_id));
        batch.add_unit(&unit(property_id * 10 + 1, property_id));
    }
    let permit = service.admit_import(&operator).await.unwrap();
    service.import_directory(&operator, permit, batch).await.unwrap();
    let mut rules = Rules { service, boss: Caller::command_line(), _database: database, _dir: dir };
    rules.boss = rules.user("boss", Role::Admin, &[]).await;
    rules
}

impl Rules {
    /// A new user, signed in and authenticated: the caller its requests carry.
    async fn user(&self, name: &str, role: Role, property_ids: &[i64]) -> Caller {
        let password = format!("{name}-password-1");
        let new_user = NewUser {
            user_name: name.into(),
            password: password.clone(),
            first_name: None,
            last_name: None,
            email: None,
            role,
            property_ids: property_ids.iter().copied().map(PropertyId).collect(),
        };
        self.service.create_user(&Admin::command_line(), new_user).await.unwrap();
        let session = self.service.sign_in(name.into(), password, IpAddr::V4(Ipv4Addr::LOCALHOST)).await.unwrap();
        self.service.authenticate(&session.token).await.unwrap()
    }

    /// A log of `property_id` made by the admin; its id.
    async fn log_of(&self, property_id: i64) -> LogId {
        let (log, _) = self.service.create_call_log(&writer(&self.boss), new_log(property_id), None).await.unwrap();
        log.log_id
    }
}

fn property(property_id: i64) -> Property {
    Property {
        property_id: PropertyId(property_id),
        c4_uid: None,
        property_name: format!("Property {property_id}"),
        address1: None,
        address2: None,
        city: None,
        state: None,
        zip: None,
        entity_number: None,
        legal_name: None,
        property_type_id: None,
        property_status: true,
    }
}

fn unit(unit_id: i64, property_id: i64) -> Unit {
    Unit {
        unit_id: UnitId(unit_id),
        property_id: PropertyId(property_id),
        unit_number: unit_id.to_string(),
        address1: None,
        address2: None,
        city: None,
        state: None,
        zip: None,
        display_order: None,
        floor: None,
        latitude: None,
        longitude: None,
    }
}

fn new_log(property_id: i64) -> NewCallLog {
    NewCallLog {
        property_id: PropertyId(property_id),
        unit_id: None,
        resident_id: None,
        call_from: Some("Walk-in".into()),
        status_id: None,
        subject: "Gate remote".into(),
        notes: None,
        reasons: Vec::new(),
        takenby: None,
        comment: None,
        created_on: None,
    }
}

fn comment(text: &str) -> CallLogUpdate {
    CallLogUpdate { comment: Some(text.into()), ..CallLogUpdate::default() }
}

fn first_page() -> Page {
    Page { number: 1, size: 50 }
}

/// The writer's permit of a caller who holds one.
fn writer(caller: &Caller) -> Writer {
    Writer::of(caller).expect("a writer")
}

/// The admin's permit of a caller who holds one.
fn admin(caller: &Caller) -> Admin {
    Admin::of(caller).expect("an admin")
}

/// The kind of rule that refused a permit; fails the test if it was granted.
fn no_permit<T: std::fmt::Debug>(permit: Result<T, DomainError>) -> ErrorKind {
    permit.expect_err("expected the permit to be refused").kind
}

/// The kind of rule that refused `result`; fails the test on success or
/// on any other failure.
fn refused<T>(result: ServiceResult<T>) -> ErrorKind {
    match result {
        Err(ServiceError::Refused(refusal)) => refusal.kind,
        Err(other) => panic!("expected a refusal by a rule, got {other:?}"),
        Ok(_) => panic!("expected a refusal by a rule, and it was done"),
    }
}

#[actix_web::test]
async fn a_viewer_reads_a_log_of_its_property_but_writes_none() {
    let rules = rules().await;
    let viewer = rules.user("vera", Role::Viewer, &[1]).await;
    let log = rules.log_of(1).await;
    let service = &rules.service;

    assert_eq!(service.get_call_log(&viewer, log).await.unwrap().log_id, log);
    // Creating, appending and deleting need a permit the viewer is refused.
    assert_eq!(no_permit(Writer::of(&viewer)), ErrorKind::InsufficientRole);
    assert_eq!(no_permit(Admin::of(&viewer)), ErrorKind::InsufficientRole);
    let (total, _) = service
        .list_call_logs(&rules.boss, ListScope::Everywhere, CallLogFilter::default(), first_page())
        .await
        .unwrap();
    assert_eq!(total, 1, "the viewer's attempts made no log");
    let history = service.call_log_history(&rules.boss, log, first_page()).await.unwrap();
    assert_eq!(history.0, 1, "and changed none: only its creation is in its history");
}

#[actix_web::test]
async fn an_agent_writes_logs_but_does_nothing_only_an_admin_may() {
    let rules = rules().await;
    let agent = rules.user("ada", Role::Agent, &[1]).await;
    let service = &rules.service;

    let (log, _) = service.create_call_log(&writer(&agent), new_log(1), None).await.unwrap();
    service.append_to_call_log(&writer(&agent), log.log_id, comment("called back"), None).await.unwrap();

    // Creating or changing a user and importing need an admin's permit.
    assert_eq!(no_permit(Admin::of(&agent)), ErrorKind::InsufficientRole);
    // Another user's record needs the user itself or an admin.
    assert_eq!(no_permit(UserAccess::of(&agent, rules.boss.user_id)), ErrorKind::InsufficientRole);
    let own = UserAccess::of(&agent, agent.user_id).unwrap();
    assert_eq!(service.get_user(&own).await.unwrap().role, Role::Agent, "still an agent");
}

#[actix_web::test]
async fn a_log_of_an_unlinked_property_is_refused_and_left_out_of_lists() {
    let rules = rules().await;
    let agent = rules.user("ada", Role::Agent, &[1]).await;
    let (mine, theirs) = (rules.log_of(1).await, rules.log_of(2).await);
    let service = &rules.service;

    assert_eq!(refused(service.get_call_log(&agent, theirs).await), ErrorKind::NotLinked);
    assert_eq!(
        refused(service.append_to_call_log(&writer(&agent), theirs, comment("x"), None).await),
        ErrorKind::NotLinked
    );
    assert_eq!(refused(service.create_call_log(&writer(&agent), new_log(2), None).await), ErrorKind::NotLinked);
    assert_eq!(refused(service.property_summary(&agent, PropertyId(2)).await), ErrorKind::NotLinked);

    let (total, logs) =
        service.list_call_logs(&agent, ListScope::Everywhere, CallLogFilter::default(), first_page()).await.unwrap();
    assert_eq!((total, logs.iter().map(|l| l.log_id).collect::<Vec<_>>()), (1, vec![mine]));
    let by_property =
        service.list_call_logs(&agent, ListScope::Property(PropertyId(2)), CallLogFilter::default(), first_page());
    assert_eq!(refused(by_property.await), ErrorKind::NotLinked);
    // The admin sees both.
    let (total, _) = service
        .list_call_logs(&rules.boss, ListScope::Everywhere, CallLogFilter::default(), first_page())
        .await
        .unwrap();
    assert_eq!(total, 2);
}

#[actix_web::test]
async fn what_does_not_exist_is_not_found_before_any_question_of_access() {
    let rules = rules().await;
    let agent = rules.user("ada", Role::Agent, &[1]).await;
    let theirs = rules.log_of(2).await;
    let service = &rules.service;
    let missing = LogId(theirs.0 + 1000);

    // A log of an unlinked property is refused; one that does not exist is not found.
    assert_eq!(refused(service.get_call_log(&agent, theirs).await), ErrorKind::NotLinked);
    assert_eq!(refused(service.get_call_log(&agent, missing).await), ErrorKind::NotFound);
    assert_eq!(
        refused(service.append_to_call_log(&writer(&agent), missing, comment("x"), None).await),
        ErrorKind::NotFound
    );
    // The same for a property and a unit.
    assert_eq!(refused(service.property_summary(&agent, PropertyId(2)).await), ErrorKind::NotLinked);
    assert_eq!(refused(service.property_summary(&agent, PropertyId(3)).await), ErrorKind::NotFound);
    assert_eq!(refused(service.get_unit(&agent, UnitId(21)).await), ErrorKind::NotLinked);
    assert_eq!(refused(service.get_unit(&agent, UnitId(99)).await), ErrorKind::NotFound);
    // A deleted log is gone, for the one who may see its property too.
    service.delete_call_log(&admin(&rules.boss), theirs).await.unwrap();
    assert_eq!(refused(service.get_call_log(&rules.boss, theirs).await), ErrorKind::NotFound);
}

#[actix_web::test]
async fn the_last_active_admin_can_be_neither_demoted_nor_deactivated() {
    let rules = rules().await;
    let service = &rules.service;
    let boss = rules.boss.user_id;

    let demote = || UserChanges { role: Some(Role::Agent), ..UserChanges::default() };
    let deactivate = || UserChanges { active: Some(false), ..UserChanges::default() };
    assert_eq!(refused(service.update_user(&admin(&rules.boss), boss, demote()).await), ErrorKind::InvalidOperation);
    assert_eq!(
        refused(service.update_user(&admin(&rules.boss), boss, deactivate()).await),
        ErrorKind::InvalidOperation
    );
    let user = service.get_user(&admin(&rules.boss).user_access(boss)).await.unwrap();
    assert_eq!((user.role, user.active), (Role::Admin, true), "unchanged");

    // With a second active admin, the first may step down.
    rules.user("second", Role::Admin, &[]).await;
    let user = service.update_user(&admin(&rules.boss), boss, demote()).await.unwrap();
    assert_eq!(user.role, Role::Agent);
}
