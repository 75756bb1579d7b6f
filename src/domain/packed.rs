//! Rows kept packed in one byte buffer: how an import holds what it read
//! until it is written (API.md §6: at most about 4× its body in memory).
//!
//! A typed row costs far more than the text it came from: a `Unit` is about
//! 230 bytes of fields (each absent `Option<String>` still 24) plus a heap
//! block per string, against 45 bytes for `{"UnitId":7,"PropertyId":1,"UnitNumber":"1"}`
//! and 6 for its CSV line. Packed, each integer is a variable-length number
//! (one byte up to 63), each string its length and bytes, each absent value
//! one byte: the same unit takes 14 bytes, less than its text in either
//! form. Rows are unpacked one at a time when they are checked or written.

use std::marker::PhantomData;

/// A row that packs into bytes and back.
pub trait Pack: Sized {
    fn pack(&self, out: &mut Packer<'_>);
    /// `None` when the bytes are not a packed row (they always are: only
    /// [`PackedRows::push`] writes them).
    fn unpack(input: &mut Unpacker<'_>) -> Option<Self>;
}

/// Writes the fields of one row.
pub struct Packer<'a>(&'a mut Vec<u8>);

impl Packer<'_> {
    /// Zigzag, then 7 bits a byte (low first): small magnitudes take one byte.
    pub fn int(&mut self, value: i64) {
        let mut n = ((value << 1) ^ (value >> 63)) as u64;
        while n >= 0x80 {
            self.0.push((n as u8) | 0x80);
            n >>= 7;
        }
        self.0.push(n as u8);
    }

    pub fn text(&mut self, value: &str) {
        self.int(value.len() as i64);
        self.0.extend_from_slice(value.as_bytes());
    }

    pub fn bool(&mut self, value: bool) {
        self.0.push(u8::from(value));
    }

    pub fn float(&mut self, value: f64) {
        self.0.extend_from_slice(&value.to_le_bytes());
    }

    /// An optional value: one byte saying whether it is there, then it.
    pub fn option<T>(&mut self, value: Option<T>, pack: impl FnOnce(&mut Self, T)) {
        self.bool(value.is_some());
        if let Some(value) = value {
            pack(self, value);
        }
    }
}

/// Reads the fields of one row, in the order they were packed.
pub struct Unpacker<'a>(&'a [u8]);

impl Unpacker<'_> {
    fn byte(&mut self) -> Option<u8> {
        let (first, rest) = self.0.split_first()?;
        self.0 = rest;
        Some(*first)
    }

    pub fn int(&mut self) -> Option<i64> {
        let mut n: u64 = 0;
        for shift in (0..64).step_by(7) {
            let byte = self.byte()?;
            n |= u64::from(byte & 0x7f) << shift;
            if byte < 0x80 {
                return Some(((n >> 1) as i64) ^ -((n & 1) as i64));
            }
        }
        None
    }

    pub fn text(&mut self) -> Option<String> {
        let len = usize::try_from(self.int()?).ok()?;
        if len > self.0.len() {
            return None;
        }
        let (text, rest) = self.0.split_at(len);
        self.0 = rest;
        String::from_utf8(text.to_vec()).ok()
    }

    pub fn bool(&mut self) -> Option<bool> {
        match self.byte()? {
            0 => Some(false),
            1 => Some(true),
            _ => None,
        }
    }

    pub fn float(&mut self) -> Option<f64> {
        let bytes: [u8; 8] = self.0.get(..8)?.try_into().ok()?;
        self.0 = &self.0[8..];
        Some(f64::from_le_bytes(bytes))
    }

    /// An optional value packed by [`Packer::option`]: `Some(None)` when absent.
    pub fn option<T>(&mut self, unpack: impl FnOnce(&mut Self) -> Option<T>) -> Option<Option<T>> {
        if self.bool()? {
            unpack(self).map(Some)
        } else {
            Some(None)
        }
    }
}

/// Rows of one kind, each with its position in its source (a list index,
/// a CSV line), packed one after the other.
pub struct PackedRows<T> {
    bytes: Vec<u8>,
    len: usize,
    row: PhantomData<T>,
}

impl<T> Default for PackedRows<T> {
    fn default() -> Self {
        PackedRows { bytes: Vec::new(), len: 0, row: PhantomData }
    }
}

impl<T> std::fmt::Debug for PackedRows<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "PackedRows({} rows, {} bytes)", self.len, self.bytes.len())
    }
}

impl<T: Pack> PackedRows<T> {
    pub fn push(&mut self, position: u64, row: &T) {
        let mut packer = Packer(&mut self.bytes);
        packer.int(position as i64);
        row.pack(&mut packer);
        self.len += 1;
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
    }

    /// Each row with its position, in the order pushed; an `Err` (bytes that
    /// do not unpack) ends the rows.
    pub fn iter(&self) -> Rows<'_, T> {
        Rows { input: Unpacker(&self.bytes), left: self.len, row: PhantomData }
    }
}

/// The rows were not what was packed: a defect, never the client's input.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("a packed import row does not unpack")]
pub struct Unpackable;

pub struct Rows<'a, T> {
    input: Unpacker<'a>,
    left: usize,
    row: PhantomData<T>,
}

impl<T: Pack> Iterator for Rows<'_, T> {
    type Item = Result<(u64, T), Unpackable>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.left == 0 {
            return None;
        }
        self.left -= 1;
        let row = self.input.int().and_then(|position| Some((position as u64, T::unpack(&mut self.input)?)));
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
        // id 1 byte, name 2, two absent options 2, a bool 1, the position 1.
        assert_eq!(packed.packed_bytes(), 7);
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
