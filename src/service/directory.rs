//! The directory copy (docs/api.md §6): reads scoped to the caller's properties,
//! and the all-or-nothing import.

use super::{Service, ServiceResult};
use crate::domain::audit::{AuditAction, AuditEntry};
use crate::domain::directory::{ImportBatch, ImportCounts, Property, PropertyStatus, Resident, Unit, UnitSort};
use crate::domain::error::{DomainError, FieldError};
use crate::domain::lookup::{LookupHit, LookupQuery, MAX_LOOKUP_HITS};
use crate::domain::query::Page;
use crate::domain::time::Stamp;
use crate::domain::users::Caller;
use crate::store::{Reads, Writes};
use std::collections::{HashMap, HashSet};

/// How a property's units are narrowed and ordered.
#[derive(Debug, Clone)]
pub struct UnitQuery {
    /// Unit number prefix, lower-cased.
    pub number_prefix: Option<String>,
    /// Substring of any resident's name, lower-cased.
    pub resident_name: Option<String>,
    pub sort: UnitSort,
}

// Existence before access: a single resource that does not exist is 404
// even for a caller not linked to its property; one that exists on an
// unlinked property is 403.

pub(crate) fn visible_property(tx: &mut dyn Reads, caller: &Caller, property_id: i64) -> ServiceResult<Property> {
    let property = tx
        .property(property_id)?
        .ok_or_else(|| DomainError::not_found(format!("There is no property {property_id}.")))?;
    caller.require_property(property_id)?;
    Ok(property)
}

pub(crate) fn visible_unit(tx: &mut dyn Reads, caller: &Caller, unit_id: i64) -> ServiceResult<Unit> {
    let unit = tx.unit(unit_id)?.ok_or_else(|| DomainError::not_found(format!("There is no unit {unit_id}.")))?;
    caller.require_access(unit.property_id, "Unit", unit_id)?;
    Ok(unit)
}

pub(crate) fn visible_resident(tx: &mut dyn Reads, caller: &Caller, resident_id: i64) -> ServiceResult<Resident> {
    let resident = tx
        .resident(resident_id)?
        .ok_or_else(|| DomainError::not_found(format!("There is no resident {resident_id}.")))?;
    caller.require_access(resident.property_id, "Resident", resident_id)?;
    Ok(resident)
}

impl Service {
    pub async fn get_property(&self, caller: &Caller, property_id: i64) -> ServiceResult<Property> {
        let caller = caller.clone();
        self.store.read(move |tx| visible_property(tx, &caller, property_id)).await
    }

    /// The caller's properties, optionally only `ids` (each must be visible).
    pub async fn list_properties(
        &self,
        caller: &Caller,
        ids: Option<Vec<i64>>,
        status: PropertyStatus,
        page: Page,
    ) -> ServiceResult<(i64, Vec<Property>)> {
        for id in ids.iter().flatten() {
            caller.require_property(*id)?;
        }
        let scope = caller.property_scope().map(<[i64]>::to_vec);
        self.store
            .read(move |tx| -> ServiceResult<_> {
                Ok(tx.properties_page(scope.as_deref(), ids.as_deref(), status, page)?)
            })
            .await
    }

    pub async fn units_of_property(
        &self,
        caller: &Caller,
        property_id: i64,
        query: UnitQuery,
    ) -> ServiceResult<Vec<Unit>> {
        let caller = caller.clone();
        self.store
            .read(move |tx| -> ServiceResult<Vec<Unit>> {
                visible_property(tx, &caller, property_id)?;
                let mut units = tx.units_of_property(property_id, query.sort)?;
                if let Some(prefix) = &query.number_prefix {
                    units.retain(|u| u.unit_number.to_lowercase().starts_with(prefix.as_str()));
                }
                if let Some(name) = &query.resident_name {
                    let matching: HashSet<i64> = tx
                        .residents_of_property(property_id)?
                        .iter()
                        .filter(|r| r.name_contains(name))
                        .map(|r| r.unit_id)
                        .collect();
                    units.retain(|u| matching.contains(&u.unit_id));
                }
                Ok(units)
            })
            .await
    }

    /// A property's residents whose name contains `name` (lower-cased), if given.
    pub async fn residents_of_property(
        &self,
        caller: &Caller,
        property_id: i64,
        name: Option<String>,
    ) -> ServiceResult<Vec<Resident>> {
        let caller = caller.clone();
        self.store
            .read(move |tx| -> ServiceResult<Vec<Resident>> {
                visible_property(tx, &caller, property_id)?;
                let mut residents = tx.residents_of_property(property_id)?;
                if let Some(name) = &name {
                    residents.retain(|r| r.name_contains(name));
                }
                Ok(residents)
            })
            .await
    }

    /// Units by id, silently limited to the caller's properties.
    pub async fn units_by_ids(&self, caller: &Caller, ids: Vec<i64>, page: Page) -> ServiceResult<(i64, Vec<Unit>)> {
        let scope = caller.property_scope().map(<[i64]>::to_vec);
        self.store.read(move |tx| -> ServiceResult<_> { Ok(tx.units_by_ids(scope.as_deref(), &ids, page)?) }).await
    }

    pub async fn get_unit(&self, caller: &Caller, unit_id: i64) -> ServiceResult<Unit> {
        let caller = caller.clone();
        self.store.read(move |tx| visible_unit(tx, &caller, unit_id)).await
    }

    /// The unit's first resident of type 1 (Owner) who has not moved out
    /// (docs/api.md §6: one who has is a former owner).
    pub async fn unit_owner(&self, caller: &Caller, unit_id: i64) -> ServiceResult<Resident> {
        let now = Stamp::now();
        self.unit_residents(caller, unit_id)
            .await?
            .into_iter()
            .find(|r| r.resident_type == Some(1) && !r.moved_out(now))
            .ok_or_else(|| {
                DomainError::not_found(format!(
                    "Unit {unit_id} has no resident of type 1 (Owner) who has not moved out."
                ))
                .into()
            })
    }

    pub async fn unit_residents(&self, caller: &Caller, unit_id: i64) -> ServiceResult<Vec<Resident>> {
        let caller = caller.clone();
        self.store
            .read(move |tx| -> ServiceResult<Vec<Resident>> {
                visible_unit(tx, &caller, unit_id)?;
                Ok(tx.residents_of_unit(unit_id)?)
            })
            .await
    }

    pub async fn get_resident(&self, caller: &Caller, resident_id: i64) -> ServiceResult<Resident> {
        let caller = caller.clone();
        self.store.read(move |tx| visible_resident(tx, &caller, resident_id)).await
    }

    /// Finds whoever is on the phone (docs/console.md §2): residents, then
    /// units, properties and call logs, at most 20 in all, within the
    /// caller's properties (only `property_id`'s when given).
    pub async fn lookup(
        &self,
        caller: &Caller,
        query: LookupQuery,
        property_id: Option<i64>,
    ) -> ServiceResult<Vec<LookupHit>> {
        let caller = caller.clone();
        self.store
            .read(move |tx| -> ServiceResult<Vec<LookupHit>> {
                let properties = match property_id {
                    Some(id) => Some(vec![visible_property(tx, &caller, id)?.property_id]),
                    None => caller.property_scope().map(<[i64]>::to_vec),
                };
                let scope = properties.as_deref();
                let mut hits: Vec<LookupHit> =
                    tx.lookup_residents(&query, scope, MAX_LOOKUP_HITS)?.into_iter().map(LookupHit::from).collect();
                let room = MAX_LOOKUP_HITS - hits.len();
                hits.extend(tx.lookup_units(&query, scope, room)?.into_iter().map(LookupHit::from));
                let room = MAX_LOOKUP_HITS - hits.len();
                hits.extend(tx.lookup_properties(&query, scope, room)?.into_iter().map(LookupHit::from));
                if let Some((log_id, _)) = query.number.filter(|_| hits.len() < MAX_LOOKUP_HITS) {
                    let visible = |p: i64| scope.is_none_or(|ids| ids.contains(&p));
                    if let Some(log) = tx.call_log_brief(log_id)?.filter(|l| visible(l.property_id)) {
                        hits.push(log.into());
                    }
                }
                Ok(hits)
            })
            .await
    }

    pub async fn directory_is_empty(&self) -> ServiceResult<bool> {
        self.store.read(|tx| -> ServiceResult<bool> { Ok(tx.directory_is_empty()?) }).await
    }

    /// Upserts the batch by id in one transaction. Any bad row (shape errors
    /// already found, or a reference that does not hold) refuses the whole
    /// import, naming every bad row.
    pub async fn import_directory(&self, caller: &Caller, batch: ImportBatch) -> ServiceResult<ImportCounts> {
        caller.require_admin()?;
        let actor = caller.clone();
        self.store
            .write(move |tx| -> ServiceResult<ImportCounts> {
                let counts = import(tx, batch)?;
                let entry =
                    AuditEntry::by(&actor, AuditAction::DirectoryImported, "directory".into(), Some(counts.summary()));
                tx.record_audit(&entry)?;
                Ok(counts)
            })
            .await
    }
}

fn import(tx: &mut dyn Writes, batch: ImportBatch) -> ServiceResult<ImportCounts> {
    let mut errors: Vec<FieldError> = batch.errors;

    let mut seen = HashSet::new();
    for (row, p) in &batch.properties {
        if !seen.insert(p.property_id) {
            errors.push(FieldError::new(
                format!("{row}PropertyId"),
                format!("{} appears twice in this import", p.property_id),
            ));
        }
    }
    for (_, p) in &batch.properties {
        tx.upsert_property(p)?;
    }

    let mut seen = HashSet::new();
    let mut unit_property: HashMap<i64, i64> = HashMap::new();
    for (row, u) in &batch.units {
        if !seen.insert(u.unit_id) {
            errors.push(FieldError::new(format!("{row}UnitId"), format!("{} appears twice in this import", u.unit_id)));
            continue;
        }
        // The import's own properties are already upserted, so this finds them too.
        if tx.property(u.property_id)?.is_none() {
            errors.push(FieldError::new(
                format!("{row}PropertyId"),
                format!("refers to property {}, which is neither in this import nor already known", u.property_id),
            ));
            continue;
        }
        // A unit's residents and call logs belong to its property: it may not move.
        if let Some(owner) = tx.unit(u.unit_id)?.map(|existing| existing.property_id) {
            if owner != u.property_id {
                errors.push(FieldError::new(
                    format!("{row}PropertyId"),
                    format!(
                        "is {}, but unit {} belongs to property {owner}; a unit cannot move to another property",
                        u.property_id, u.unit_id
                    ),
                ));
                continue;
            }
        }
        unit_property.insert(u.unit_id, u.property_id);
        tx.upsert_unit(u)?;
    }

    let mut seen = HashSet::new();
    let mut residents = Vec::with_capacity(batch.residents.len());
    for (row, r) in &batch.residents {
        if !seen.insert(r.resident_id) {
            errors.push(FieldError::new(
                format!("{row}ResidentId"),
                format!("{} appears twice in this import", r.resident_id),
            ));
            continue;
        }
        let owner = match unit_property.get(&r.unit_id) {
            Some(p) => Some(*p),
            None => tx.unit(r.unit_id)?.map(|u| u.property_id),
        };
        match owner {
            None => {
                errors.push(FieldError::new(
                    format!("{row}UnitId"),
                    format!("refers to unit {}, which is neither in this import nor already known", r.unit_id),
                ));
                continue;
            }
            Some(owner) if owner != r.property_id => {
                errors.push(FieldError::new(
                    format!("{row}UnitId"),
                    format!("refers to unit {}, which belongs to property {owner}, not {}", r.unit_id, r.property_id),
                ));
                continue;
            }
            Some(_) => {}
        }
        residents.push(r);
    }
    tx.upsert_residents(&residents)?;

    if !errors.is_empty() {
        // docs/api.md §6: every bad row of an import, a missing value included, is 400/114.
        return Err(DomainError::from_field_errors(errors, false).into());
    }
    Ok(ImportCounts {
        properties: batch.properties.len() as i64,
        units: batch.units.len() as i64,
        residents: batch.residents.len() as i64,
    })
}
