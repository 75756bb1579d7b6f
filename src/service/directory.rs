//! The directory copy (docs/api.md §6): reads scoped to the caller's properties,
//! and the all-or-nothing import.

use super::access::Admin;
use super::{Service, ServiceError, ServiceResult};
use crate::domain::audit::{AuditAction, AuditEntry};
use crate::domain::calllogs::folded_words;
use crate::domain::directory::{
    ImportBatch, ImportCounts, ImportProblems, Property, PropertyStatus, Resident, RowKind, Unit, UnitSort,
};
use crate::domain::error::{DomainError, FieldError};
use crate::domain::ids::{PropertyId, ResidentId, UnitId};
use crate::domain::lookup::{
    distinct_name_words, spellings, LookupAnswer, LookupHit, LookupQuery, NearWords, MAX_LOOKUP_HITS,
};
use crate::domain::packed::{Pack, PackedRows};
use crate::domain::query::Page;
use crate::domain::time::Stamp;
use crate::domain::users::Caller;
use crate::store::{DirectorySize, Reads, RuleLock, Writes};
use std::collections::HashSet;

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

pub(crate) fn visible_property(
    tx: &mut dyn Reads,
    caller: &Caller,
    property_id: PropertyId,
) -> ServiceResult<Property> {
    let property = tx
        .property(property_id)?
        .ok_or_else(|| DomainError::not_found(format!("There is no property {property_id}.")))?;
    caller.require_property(property_id)?;
    Ok(property)
}

pub(crate) fn visible_unit(tx: &mut dyn Reads, caller: &Caller, unit_id: UnitId) -> ServiceResult<Unit> {
    let unit = tx.unit(unit_id)?.ok_or_else(|| DomainError::not_found(format!("There is no unit {unit_id}.")))?;
    caller.require_access(unit.property_id, "Unit", unit_id)?;
    Ok(unit)
}

pub(crate) fn visible_resident(
    tx: &mut dyn Reads,
    caller: &Caller,
    resident_id: ResidentId,
) -> ServiceResult<Resident> {
    let resident = tx
        .resident(resident_id)?
        .ok_or_else(|| DomainError::not_found(format!("There is no resident {resident_id}.")))?;
    caller.require_access(resident.property_id, "Resident", resident_id)?;
    Ok(resident)
}

impl Service {
    pub async fn get_property(&self, caller: &Caller, property_id: PropertyId) -> ServiceResult<Property> {
        let caller = Caller::clone(caller);
        self.store.read(move |tx| visible_property(tx, &caller, property_id)).await
    }

    /// The caller's properties, optionally only `ids` (each must be visible).
    pub async fn list_properties(
        &self,
        caller: &Caller,
        ids: Option<Vec<PropertyId>>,
        status: PropertyStatus,
        page: Page,
    ) -> ServiceResult<(i64, Vec<Property>)> {
        for id in ids.iter().flatten() {
            caller.require_property(*id)?;
        }
        let scope = caller.property_scope().map(<[PropertyId]>::to_vec);
        self.store
            .read(move |tx| -> ServiceResult<_> {
                Ok(tx.properties_page(scope.as_deref(), ids.as_deref(), status, page)?)
            })
            .await
    }

    pub async fn units_of_property(
        &self,
        caller: &Caller,
        property_id: PropertyId,
        query: UnitQuery,
    ) -> ServiceResult<Vec<Unit>> {
        let caller = Caller::clone(caller);
        self.store
            .read(move |tx| -> ServiceResult<Vec<Unit>> {
                visible_property(tx, &caller, property_id)?;
                let mut units = tx.units_of_property(property_id, query.sort)?;
                if let Some(prefix) = &query.number_prefix {
                    units.retain(|u| u.unit_number.to_lowercase().starts_with(prefix.as_str()));
                }
                if let Some(name) = &query.resident_name {
                    let matching: HashSet<UnitId> = tx
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
        property_id: PropertyId,
        name: Option<String>,
    ) -> ServiceResult<Vec<Resident>> {
        let caller = Caller::clone(caller);
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
    pub async fn units_by_ids(&self, caller: &Caller, ids: Vec<UnitId>, page: Page) -> ServiceResult<(i64, Vec<Unit>)> {
        let scope = caller.property_scope().map(<[PropertyId]>::to_vec);
        self.store.read(move |tx| -> ServiceResult<_> { Ok(tx.units_by_ids(scope.as_deref(), &ids, page)?) }).await
    }

    pub async fn get_unit(&self, caller: &Caller, unit_id: UnitId) -> ServiceResult<Unit> {
        let caller = Caller::clone(caller);
        self.store.read(move |tx| visible_unit(tx, &caller, unit_id)).await
    }

    /// The unit's first resident of type 1 (Owner) who has not moved out
    /// (docs/api.md §6: one who has is a former owner).
    pub async fn unit_owner(&self, caller: &Caller, unit_id: UnitId) -> ServiceResult<Resident> {
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

    pub async fn unit_residents(&self, caller: &Caller, unit_id: UnitId) -> ServiceResult<Vec<Resident>> {
        let caller = Caller::clone(caller);
        self.store
            .read(move |tx| -> ServiceResult<Vec<Resident>> {
                visible_unit(tx, &caller, unit_id)?;
                Ok(tx.residents_of_unit(unit_id)?)
            })
            .await
    }

    pub async fn get_resident(&self, caller: &Caller, resident_id: ResidentId) -> ServiceResult<Resident> {
        let caller = Caller::clone(caller);
        self.store.read(move |tx| visible_resident(tx, &caller, resident_id)).await
    }

    /// Finds whoever is on the phone (docs/console.md §2): residents, then
    /// units, properties and call logs, at most 20 in all, within the
    /// caller's properties (only `property_id`'s when given). When nothing
    /// matches and a word is no name's beginning, the names near it instead
    /// ("Did you mean", docs/console.md §7).
    pub async fn lookup(
        &self,
        caller: &Caller,
        query: LookupQuery,
        property_id: Option<PropertyId>,
    ) -> ServiceResult<LookupAnswer> {
        let caller = Caller::clone(caller);
        self.store
            .read(move |tx| -> ServiceResult<LookupAnswer> {
                let properties = match property_id {
                    Some(id) => Some(vec![visible_property(tx, &caller, id)?.property_id]),
                    None => caller.property_scope().map(<[PropertyId]>::to_vec),
                };
                let scope = properties.as_deref();
                let hits = find_callers(tx, &query, scope)?;
                if !hits.is_empty() || query.words.is_empty() {
                    return Ok(LookupAnswer { hits, suggested: false });
                }
                let hits = did_you_mean(tx, &query, scope)?;
                Ok(LookupAnswer { suggested: !hits.is_empty(), hits })
            })
            .await
    }

    pub async fn directory_is_empty(&self) -> ServiceResult<bool> {
        self.store.read(|tx| -> ServiceResult<bool> { Ok(tx.directory_is_empty()?) }).await
    }

    /// Admits one import at a time (admins only, checked before anything
    /// is read): an import holds up to about 4× its body until it is
    /// written, so imports waiting here have read nothing yet.
    pub async fn admit_import(&self, _admin: &Admin) -> ServiceResult<ImportPermit> {
        Ok(ImportPermit { _turn: self.imports.clone().lock_owned().await })
    }

    /// Upserts the batch by id in one transaction, all or nothing. Any bad
    /// row (shape problems found as it was read, or a reference that does
    /// not hold) refuses the whole import, naming the first 100 bad rows
    /// and counting them all.
    pub async fn import_directory(
        &self,
        caller: &Admin,
        permit: ImportPermit,
        batch: ImportBatch,
    ) -> ServiceResult<ImportCounts> {
        let checked = self.check_import(caller, batch).await?;
        self.write_import(caller, permit, checked).await
    }

    /// An import's first half: its references checked on a read snapshot,
    /// off the writer. On SQLite the single writer holds every other user's
    /// write while an import writes, so the write must not also spend that
    /// time reading.
    pub async fn check_import(&self, _admin: &Admin, batch: ImportBatch) -> ServiceResult<CheckedImport> {
        let (batch, problems, size) = self
            .store
            .read(move |tx| -> ServiceResult<_> {
                let mut batch = batch;
                let mut problems = std::mem::take(&mut batch.problems);
                let size = tx.directory_size()?;
                check_references(tx, &batch, &mut problems)?;
                Ok((batch, problems, size))
            })
            .await?;
        if !problems.is_empty() {
            // docs/api.md §6: every bad row of an import, a missing value included, is 400/114.
            return Err(problems.into_error().into());
        }
        Ok(CheckedImport { batch, size })
    }

    /// An import's second half: the upserts, in one transaction. What the
    /// check read still holds unless another import (another process)
    /// added rows since (see [`DirectorySize`]): then the write checks
    /// again, inside its transaction, before it writes anything.
    pub async fn write_import(
        &self,
        caller: &Admin,
        permit: ImportPermit,
        checked: CheckedImport,
    ) -> ServiceResult<ImportCounts> {
        let actor = Caller::clone(caller);
        let CheckedImport { batch, size } = checked;
        let counts = self
            .store
            .write_directory(move |tx| -> ServiceResult<ImportCounts> {
                tx.lock_rules(RuleLock::Directory)?;
                if tx.directory_size()? != size {
                    let mut problems = ImportProblems::default();
                    check_references(tx, &batch, &mut problems)?;
                    if !problems.is_empty() {
                        return Err(problems.into_error().into());
                    }
                }
                write_rows(tx, &batch)?;
                let counts = batch.counts();
                let entry =
                    AuditEntry::by(&actor, AuditAction::DirectoryImported, "directory".into(), Some(counts.summary()));
                tx.record_audit(&entry)?;
                Ok(counts)
            })
            .await;
        drop(permit);
        counts
    }
}

/// An import whose references held on the snapshot it was checked on, and
/// the size of the directory then.
pub struct CheckedImport {
    batch: ImportBatch,
    size: DirectorySize,
}

/// An import's turn (see [`Service::admit_import`]); the next one is let in when this is dropped.
pub struct ImportPermit {
    _turn: tokio::sync::OwnedMutexGuard<()>,
}

/// Rows unpacked at once while an import is checked or written: a slice of
/// typed rows in memory, and one question to the store per slice.
const SLICE: usize = 10_000;

/// Runs `each` on the rows of `rows` (each with its position), a slice at a time, in order.
fn in_slices<T: Pack>(
    rows: &PackedRows<T>,
    mut each: impl FnMut(Vec<(u64, T)>) -> ServiceResult<()>,
) -> ServiceResult<()> {
    let mut unpacked = rows.iter();
    loop {
        let slice = unpacked
            .by_ref()
            .take(SLICE)
            .collect::<Result<Vec<_>, _>>()
            .map_err(|e| ServiceError::Internal(e.to_string()))?;
        if slice.is_empty() {
            return Ok(());
        }
        each(slice)?;
    }
}

/// Which rows repeat the id of an earlier row, found in id order: the ids
/// given more than once (sorted), then, walking the rows in order, the
/// second and later rows of each. Holds 8 bytes a row while it sorts, and
/// afterwards only the ids given twice.
struct Repeats<I> {
    twice: Vec<I>,
    seen: HashSet<I>,
}

impl<I: Copy + Ord + std::hash::Hash> Repeats<I> {
    fn of(mut ids: Vec<I>) -> Repeats<I> {
        ids.sort_unstable();
        let mut twice: Vec<I> = ids.windows(2).filter(|pair| pair[0] == pair[1]).map(|pair| pair[0]).collect();
        twice.dedup();
        Repeats { twice, seen: HashSet::new() }
    }

    /// Whether this row (rows asked in order) repeats an earlier row's id.
    fn repeats(&mut self, id: I) -> bool {
        self.twice.binary_search(&id).is_ok() && !self.seen.insert(id)
    }
}

/// The ids of `rows`, in order.
fn ids_of<T: Pack, I>(rows: &PackedRows<T>, id: impl Fn(&T) -> I) -> ServiceResult<Vec<I>> {
    let mut ids = Vec::with_capacity(rows.len());
    in_slices(rows, |slice| {
        ids.extend(slice.iter().map(|(_, row)| id(row)));
        Ok(())
    })?;
    Ok(ids)
}

/// `ids` sorted and each once.
fn distinct<I: Ord>(mut ids: Vec<I>) -> Vec<I> {
    ids.sort_unstable();
    ids.dedup();
    ids
}

/// The value paired with `id` in `pairs` (sorted by id).
fn paired<K: Copy + Ord, V: Copy>(pairs: &[(K, V)], id: K) -> Option<V> {
    pairs.binary_search_by_key(&id, |(key, _)| *key).ok().map(|i| pairs[i].1)
}

/// The stored units of `unit_ids`, with their property, sorted by unit.
fn stored_owners<R: Reads + ?Sized>(tx: &mut R, unit_ids: Vec<UnitId>) -> ServiceResult<Vec<(UnitId, PropertyId)>> {
    let mut owners = tx.unit_owners(&distinct(unit_ids))?;
    owners.sort_unstable();
    Ok(owners)
}

/// The reference rules of an import (docs/api.md §6), row by row in order: an
/// id given twice; a unit whose property is neither in the import nor
/// stored, or that would move to another property; a resident whose unit
/// is neither in the import nor stored, or belongs to another property.
/// Adds each problem to `problems`. What it holds besides a slice of rows:
/// the import's property ids, and its units with their property when it
/// also has residents (8 and 16 bytes a row).
fn check_references<R: Reads + ?Sized>(
    tx: &mut R,
    batch: &ImportBatch,
    problems: &mut ImportProblems,
) -> ServiceResult<()> {
    let name = |kind: RowKind, position: u64, field: &str| format!("{}{field}", batch.row_name(kind, position));
    fn twice(id: impl std::fmt::Display) -> String {
        format!("{id} appears twice in this import")
    }

    let property_ids = ids_of(&batch.properties, |p: &Property| p.property_id)?;
    let imported_properties = distinct(property_ids.clone());
    let mut repeats = Repeats::of(property_ids);
    in_slices(&batch.properties, |slice| {
        for (position, p) in slice {
            if repeats.repeats(p.property_id) {
                problems.add_with(|| {
                    FieldError::new(name(RowKind::Property, position, "PropertyId"), twice(p.property_id))
                });
            }
        }
        Ok(())
    })?;

    let mut repeats = Repeats::of(ids_of(&batch.units, |u: &Unit| u.unit_id)?);
    // The import's units that hold, with their property: what its residents may name.
    let mut imported_units: Vec<(UnitId, PropertyId)> = Vec::new();
    in_slices(&batch.units, |slice| {
        let stored_units = stored_owners(tx, slice.iter().map(|(_, u)| u.unit_id).collect())?;
        let stored_properties = {
            let ids: Vec<PropertyId> = slice
                .iter()
                .map(|(_, u)| u.property_id)
                .filter(|p| imported_properties.binary_search(p).is_err())
                .collect();
            distinct(tx.known_properties(&distinct(ids))?)
        };
        for (position, u) in slice {
            if repeats.repeats(u.unit_id) {
                problems.add_with(|| FieldError::new(name(RowKind::Unit, position, "UnitId"), twice(u.unit_id)));
                continue;
            }
            let known = imported_properties.binary_search(&u.property_id).is_ok()
                || stored_properties.binary_search(&u.property_id).is_ok();
            if !known {
                problems.add_with(|| {
                    FieldError::new(
                        name(RowKind::Unit, position, "PropertyId"),
                        format!(
                            "refers to property {}, which is neither in this import nor already known",
                            u.property_id
                        ),
                    )
                });
                continue;
            }
            // A unit's residents and call logs belong to its property: it may not move.
            if let Some(owner) = paired(&stored_units, u.unit_id).filter(|owner| *owner != u.property_id) {
                problems.add_with(|| {
                    FieldError::new(
                        name(RowKind::Unit, position, "PropertyId"),
                        format!(
                            "is {}, but unit {} belongs to property {owner}; a unit cannot move to another property",
                            u.property_id, u.unit_id
                        ),
                    )
                });
                continue;
            }
            if !batch.residents.is_empty() {
                imported_units.push((u.unit_id, u.property_id));
            }
        }
        Ok(())
    })?;
    imported_units.sort_unstable();

    let mut repeats = Repeats::of(ids_of(&batch.residents, |r: &Resident| r.resident_id)?);
    in_slices(&batch.residents, |slice| {
        let unit_ids = slice.iter().map(|(_, r)| r.unit_id).filter(|u| paired(&imported_units, *u).is_none());
        let stored_units = stored_owners(tx, unit_ids.collect())?;
        for (position, r) in slice {
            if repeats.repeats(r.resident_id) {
                problems.add_with(|| {
                    FieldError::new(name(RowKind::Resident, position, "ResidentId"), twice(r.resident_id))
                });
                continue;
            }
            match paired(&imported_units, r.unit_id).or_else(|| paired(&stored_units, r.unit_id)) {
                None => problems.add_with(|| {
                    FieldError::new(
                        name(RowKind::Resident, position, "UnitId"),
                        format!("refers to unit {}, which is neither in this import nor already known", r.unit_id),
                    )
                }),
                Some(owner) if owner != r.property_id => problems.add_with(|| {
                    FieldError::new(
                        name(RowKind::Resident, position, "UnitId"),
                        format!(
                            "refers to unit {}, which belongs to property {owner}, not {}",
                            r.unit_id, r.property_id
                        ),
                    )
                }),
                Some(_) => {}
            }
        }
        Ok(())
    })?;
    Ok(())
}

/// The lookup's matches for `query` in `scope`, at most 20: residents, then
/// units, properties, and the log a number names.
fn find_callers(
    tx: &mut dyn Reads,
    query: &LookupQuery,
    scope: Option<&[PropertyId]>,
) -> ServiceResult<Vec<LookupHit>> {
    let mut hits: Vec<LookupHit> =
        tx.lookup_residents(query, scope, MAX_LOOKUP_HITS)?.into_iter().map(LookupHit::from).collect();
    let room = MAX_LOOKUP_HITS - hits.len();
    hits.extend(tx.lookup_units(query, scope, room)?.into_iter().map(LookupHit::from));
    let room = MAX_LOOKUP_HITS - hits.len();
    hits.extend(tx.lookup_properties(query, scope, room)?.into_iter().map(LookupHit::from));
    if let Some((log_id, _)) = query.number.as_ref().filter(|_| hits.len() < MAX_LOOKUP_HITS) {
        let visible = |p: PropertyId| scope.is_none_or(|ids| ids.contains(&p));
        if let Some(log) = tx.call_log_brief(*log_id)?.filter(|l| visible(l.property_id)) {
            hits.push(log.into());
        }
    }
    Ok(hits)
}

/// "Did you mean" (docs/console.md §7): each word that begins no known name
/// word is replaced by the known words near it, and the spellings so made
/// are looked up, best first, until 20 hits. Nothing when a mistyped word
/// has no near word, or every word was typed right (they just do not meet
/// in one name).
fn did_you_mean(
    tx: &mut dyn Reads,
    query: &LookupQuery,
    scope: Option<&[PropertyId]>,
) -> ServiceResult<Vec<LookupHit>> {
    let mut choices = Vec::with_capacity(query.words.len());
    let mut mistyped = false;
    for word in &query.words {
        let parts = folded_words(word);
        let mut known = true;
        for part in &parts {
            known = known && tx.name_word_begins(part)?;
        }
        if known {
            choices.push(vec![word.clone()]);
            continue;
        }
        // A word of several parts (`o'brian`) is not guessed at.
        let [part] = parts.as_slice() else { return Ok(Vec::new()) };
        let Some(mut near) = NearWords::new(part) else { return Ok(Vec::new()) };
        tx.offer_near_name_words(&mut near)?;
        let near = near.best();
        if near.is_empty() {
            return Ok(Vec::new());
        }
        mistyped = true;
        choices.push(near);
    }
    let mut hits: Vec<LookupHit> = Vec::new();
    if !mistyped {
        return Ok(hits);
    }
    for words in spellings(&choices) {
        let spelled = LookupQuery { words, ..query.clone() };
        for hit in find_callers(tx, &spelled, scope)? {
            if hits.len() < MAX_LOOKUP_HITS && !hits.contains(&hit) {
                hits.push(hit);
            }
        }
        if hits.len() == MAX_LOOKUP_HITS {
            break;
        }
    }
    Ok(hits)
}

/// Writes the rows, properties first (units name them), then units, then residents.
fn write_rows(tx: &mut dyn Writes, batch: &ImportBatch) -> ServiceResult<()> {
    fn rows<T>(slice: Vec<(u64, T)>) -> Vec<T> {
        slice.into_iter().map(|(_, row)| row).collect()
    }
    in_slices(&batch.properties, |slice| {
        let properties = rows(slice);
        tx.upsert_properties(&properties)?;
        Ok(tx.record_name_words(&distinct_name_words(properties.iter().map(|p| p.property_name.as_str())))?)
    })?;
    in_slices(&batch.units, |slice| Ok(tx.upsert_units(&rows(slice))?))?;
    in_slices(&batch.residents, |slice| {
        let residents = rows(slice);
        tx.upsert_residents(&residents)?;
        let names = residents.iter().flat_map(|r| [&r.resident_first_name, &r.resident_last_name]);
        Ok(tx.record_name_words(&distinct_name_words(names.flatten().map(String::as_str)))?)
    })?;
    Ok(())
}
