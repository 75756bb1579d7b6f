//! Rows kept packed in one byte buffer: how an import holds what it read
//! until it is written (docs/api.md §6: at most about 4× its body in memory).
//!
//! A typed row costs far more than the text it came from: a `Unit` is about
//! 230 bytes of fields (each absent `Option<String>` still 24) plus a heap
//! block per string, against 45 bytes for `{"UnitId":7,"PropertyId":1,"UnitNumber":"1"}`
//! and 6 for its CSV line. Packed, each integer is a variable-length number
//! (one byte up to 63), each string its length and bytes, each absent value
//! one bit: the same unit takes 6 bytes, no more than its CSV line.
//! Rows are unpacked one at a time when they are checked or written.

use std::marker::PhantomData;

/// A row that packs into bytes and back.
pub trait Pack: Sized {
    fn pack(&self, out: &mut Packer<'_>);
    /// `None` when the bytes are not a packed row (they always are: only
    /// [`PackedRows::push`] writes them).
    fn unpack(input: &mut Unpacker<'_>) -> Option<Self>;
}

/// Writes the fields of one row: the values present, in order, after one
/// variable-length number whose bits say which optional values are present
/// (a row of 9 absent optional fields spends one byte on them, not nine).
pub struct Packer<'a> {
    values: &'a mut Vec<u8>,
    present: u64,
    optional: u32,
}

impl Packer<'_> {
    /// Zigzag, then 7 bits a byte (low first): small magnitudes take one byte.
    pub fn int(&mut self, value: i64) {
        write_varint(self.values, ((value << 1) ^ (value >> 63)) as u64);
    }

    pub fn text(&mut self, value: &str) {
        write_varint(self.values, value.len() as u64);
        self.values.extend_from_slice(value.as_bytes());
    }

    pub fn bool(&mut self, value: bool) {
        self.values.push(u8::from(value));
    }

    pub fn float(&mut self, value: f64) {
        self.values.extend_from_slice(&value.to_le_bytes());
    }

    /// An optional value (at most 64 a row): a bit saying whether it is there, then it.
    pub fn option<T>(&mut self, value: Option<T>, pack: impl FnOnce(&mut Self, T)) {
        if let Some(value) = value {
            self.present |= 1 << self.optional;
            pack(self, value);
        }
        self.optional += 1;
    }
}

fn write_varint(out: &mut Vec<u8>, mut n: u64) {
    while n >= 0x80 {
        out.push((n as u8) | 0x80);
        n >>= 7;
    }
    out.push(n as u8);
}

fn read_varint(input: &mut &[u8]) -> Option<u64> {
    let mut n: u64 = 0;
    for shift in (0..64).step_by(7) {
        let (byte, rest) = input.split_first()?;
        *input = rest;
        n |= u64::from(byte & 0x7f) << shift;
        if *byte < 0x80 {
            return Some(n);
        }
    }
    None
}

fn unzigzag(n: u64) -> i64 {
    ((n >> 1) as i64) ^ -((n & 1) as i64)
}

/// Reads the fields of one row, in the order they were packed.
pub struct Unpacker<'a> {
    input: &'a [u8],
    present: u64,
    optional: u32,
}

impl Unpacker<'_> {
    pub fn int(&mut self) -> Option<i64> {
        read_varint(&mut self.input).map(unzigzag)
    }

    pub fn text(&mut self) -> Option<String> {
        let len = usize::try_from(read_varint(&mut self.input)?).ok()?;
        if len > self.input.len() {
            return None;
        }
        let (text, rest) = self.input.split_at(len);
        self.input = rest;
        String::from_utf8(text.to_vec()).ok()
    }

    pub fn bool(&mut self) -> Option<bool> {
        let (first, rest) = self.input.split_first()?;
        self.input = rest;
        match first {
            0 => Some(false),
            1 => Some(true),
            _ => None,
        }
    }

    pub fn float(&mut self) -> Option<f64> {
        let bytes: [u8; 8] = self.input.get(..8)?.try_into().ok()?;
        self.input = &self.input[8..];
        Some(f64::from_le_bytes(bytes))
    }

    /// An optional value packed by [`Packer::option`]: `Some(None)` when absent.
    pub fn option<T>(&mut self, unpack: impl FnOnce(&mut Self) -> Option<T>) -> Option<Option<T>> {
        let present = self.present & (1 << self.optional) != 0;
        self.optional += 1;
        if present {
            unpack(self).map(Some)
        } else {
            Some(None)
        }
    }
}

/// Rows of one kind, each with its position in its source (a list index,
/// a CSV line), packed one after the other. A row is its position (as the
/// step from the row before: one byte for the next line), the bits of its
/// optional values, then its values.
pub struct PackedRows<T> {
    bytes: Vec<u8>,
    len: usize,
    last_position: u64,
    /// One row's values while it is packed (its size is known only after).
    scratch: Vec<u8>,
    row: PhantomData<T>,
}

impl<T> Default for PackedRows<T> {
    fn default() -> Self {
        PackedRows { bytes: Vec::new(), len: 0, last_position: 0, scratch: Vec::new(), row: PhantomData }
    }
}

impl<T> std::fmt::Debug for PackedRows<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "PackedRows({} rows, {} bytes)", self.len, self.bytes.len())
    }
}

impl<T: Pack> PackedRows<T> {
    pub fn push(&mut self, position: u64, row: &T) {
        self.scratch.clear();
        let mut packer = Packer { values: &mut self.scratch, present: 0, optional: 0 };
        row.pack(&mut packer);
        let present = packer.present;
        let step = position.wrapping_sub(self.last_position) as i64;
        write_varint(&mut self.bytes, ((step << 1) ^ (step >> 63)) as u64);
        write_varint(&mut self.bytes, present);
        self.bytes.extend_from_slice(&self.scratch);
        self.last_position = position;
        self.len += 1;
        if self.scratch.capacity() > 64 * 1024 {
            // One long row does not keep its size reserved for the rest.
            self.scratch = Vec::new();
        }
    }

    pub fn len(&self) -> usize {
        self.len
    }

    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// The bytes the rows take (what the buffer holds, not what it reserved).
    pub fn packed_bytes(&self) -> usize {
        self.bytes.len()
    }

    /// Gives back what the buffer reserved beyond its rows.
    pub fn shrink_to_fit(&mut self) {
        self.bytes.shrink_to_fit();
        self.scratch = Vec::new();
    }

    /// Each row with its position, in the order pushed; an `Err` (bytes that
    /// do not unpack) ends the rows.
    pub fn iter(&self) -> Rows<'_, T> {
        Rows { input: &self.bytes, left: self.len, position: 0, row: PhantomData }
    }
}

/// The rows were not what was packed: a defect, never the client's input.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("a packed import row does not unpack")]
pub struct Unpackable;

pub struct Rows<'a, T> {
    input: &'a [u8],
    left: usize,
    position: u64,
    row: PhantomData<T>,
}

impl<T: Pack> Rows<'_, T> {
    fn unpack_next(&mut self) -> Option<(u64, T)> {
        let step = unzigzag(read_varint(&mut self.input)?);
        let present = read_varint(&mut self.input)?;
        let mut unpacker = Unpacker { input: self.input, present, optional: 0 };
        let row = T::unpack(&mut unpacker)?;
        self.input = unpacker.input;
        self.position = self.position.wrapping_add(step as u64);
        Some((self.position, row))
    }
}

impl<T: Pack> Iterator for Rows<'_, T> {
    type Item = Result<(u64, T), Unpackable>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.left == 0 {
            return None;
        }
        self.left -= 1;
        let row = self.unpack_next();
        if row.is_none() {
            self.left = 0;
        }
        Some(row.ok_or(Unpackable))
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        (0, Some(self.left))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, PartialEq)]
    struct Row {
        id: i64,
        name: String,
        note: Option<String>,
        weight: Option<f64>,
        active: bool,
    }

    impl Pack for Row {
        fn pack(&self, out: &mut Packer<'_>) {
            out.int(self.id);
            out.text(&self.name);
            out.option(self.note.as_deref(), Packer::text);
            out.option(self.weight, Packer::float);
            out.bool(self.active);
        }
        fn unpack(input: &mut Unpacker<'_>) -> Option<Self> {
            Some(Row {
                id: input.int()?,
                name: input.text()?,
                note: input.option(Unpacker::text)?,
                weight: input.option(Unpacker::float)?,
                active: input.bool()?,
            })
        }
    }

    #[test]
    fn rows_come_back_as_packed_with_their_positions() {
        let rows = [
            Row { id: 1, name: "101".into(), note: None, weight: None, active: true },
            Row {
                id: i64::MAX,
                name: "Crème brûlée".into(),
                note: Some(String::new()),
                weight: Some(-0.5),
                active: false,
            },
            Row {
                id: i64::MIN,
                name: String::new(),
                note: Some("x".repeat(300)),
                weight: Some(f64::MAX),
                active: true,
            },
            Row { id: -64, name: "a".into(), note: None, weight: None, active: false },
        ];
        let mut packed = PackedRows::default();
        for (i, row) in rows.iter().enumerate() {
            packed.push(10 * i as u64, row);
        }
        let back: Vec<(u64, Row)> = packed.iter().collect::<Result<_, _>>().unwrap();
        assert_eq!(back.len(), 4);
        for (i, (position, row)) in back.iter().enumerate() {
            assert_eq!((*position, row), (10 * i as u64, &rows[i]));
        }
    }

    #[test]
    fn a_small_row_packs_into_fewer_bytes_than_its_text() {
        let mut packed = PackedRows::default();
        packed.push(0, &Row { id: 7, name: "1".into(), note: None, weight: None, active: true });
        // The position's step 1 byte, the options' bits 1, id 1, name 2, a bool 1.
        assert_eq!(packed.packed_bytes(), 6);
        packed.push(1, &Row { id: 8, name: "2".into(), note: Some("n".into()), weight: None, active: true });
        assert_eq!(packed.packed_bytes(), 6 + 8, "the next line costs a byte; a present option its value");
    }

    #[test]
    fn bytes_that_do_not_unpack_end_the_rows_with_an_error() {
        let mut packed: PackedRows<Row> = PackedRows::default();
        packed.push(0, &Row { id: 7, name: "abc".into(), note: None, weight: None, active: true });
        packed.len = 2; // claims a second row that is not there
        let mut rows = packed.iter();
        assert!(rows.next().unwrap().is_ok());
        assert_eq!(rows.next().unwrap().unwrap_err(), Unpackable);
        assert!(rows.next().is_none());
    }
}
