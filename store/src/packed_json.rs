//! An event's device, checks and derived signals as its row keeps them, on both backends:
//! packed, a zstd frame compressed with a dictionary trained on events' JSON
//! (`scripts/train-event-dictionary.py`), which knows the key names, rule codes and the
//! wording of checks that every event repeats. As text they were 4.1 KB of a 4.4 KB row, so
//! each row took a page and an overflow page of its own on SQLite, and PostgreSQL's own
//! compression kept 3.9 KB of each; packed they are about 260 bytes.
//!
//! A frame names the dictionary it was packed with, so every dictionary ever shipped stays
//! here under its number; rows written as text before packing read as they are.

use std::borrow::Cow;
use std::cell::RefCell;
use std::sync::OnceLock;

use sqlx::encode::IsNull;
use sqlx::error::BoxDynError;
use sqlx::postgres::{PgArgumentBuffer, PgTypeInfo, PgValueRef};
use sqlx::sqlite::{SqliteArgumentValue, SqliteTypeInfo, SqliteValueRef};
use sqlx::{Decode, Encode, Postgres, Sqlite, Type};
use zstd::bulk::{Compressor, Decompressor};
use zstd::dict::{DecoderDictionary, EncoderDictionary};

use crate::{Result, StoreError};

/// The dictionaries by number, the last one packing new rows. Never change or remove one:
/// rows packed with it could no longer be read.
const DICTIONARIES: [(u32, &[u8]); 1] = [(1, include_bytes!("../dictionaries/events-1.zdict"))];

/// zstd's level 3: as small as level 19 for values this short with a dictionary, at a small
/// part of its time.
const LEVEL: i32 = 3;

/// No event's JSON comes near this; a frame claiming more is corrupt.
const MAX_UNPACKED: usize = 4 << 20;

/// Each packed value starts with zstd's frame magic number, which no JSON text does.
const ZSTD_MAGIC: [u8; 4] = [0x28, 0xb5, 0x2f, 0xfd];

/// One of an event's JSON columns, as written or read.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum StoredJson {
    Text(String),
    Packed(Vec<u8>),
}

fn encoder() -> &'static EncoderDictionary<'static> {
    static ENCODER: OnceLock<EncoderDictionary<'static>> = OnceLock::new();
    ENCODER.get_or_init(|| EncoderDictionary::copy(DICTIONARIES[DICTIONARIES.len() - 1].1, LEVEL))
}

fn decoder(id: u32) -> Option<&'static DecoderDictionary<'static>> {
    static DECODERS: OnceLock<Vec<(u32, DecoderDictionary<'static>)>> = OnceLock::new();
    let decoders = DECODERS.get_or_init(|| {
        DICTIONARIES.iter().map(|(id, bytes)| (*id, DecoderDictionary::copy(bytes))).collect()
    });
    decoders.iter().find(|(known, _)| *known == id).map(|(_, dictionary)| dictionary)
}

thread_local! {
    // A compression context is some hundreds of KB: one per thread, kept.
    static COMPRESSOR: RefCell<Option<Compressor<'static>>> = const { RefCell::new(None) };
}

fn corrupt(what: impl std::fmt::Display) -> StoreError {
    StoreError::Corrupt(format!("packed event JSON: {what}"))
}

impl StoredJson {
    /// `text` packed with the newest dictionary.
    pub(crate) fn pack(text: &str) -> Result<Self> {
        COMPRESSOR.with(|cell| {
            let mut cell = cell.borrow_mut();
            let compressor = match cell.as_mut() {
                Some(compressor) => compressor,
                None => cell.insert(Compressor::with_prepared_dictionary(encoder()).map_err(corrupt)?),
            };
            compressor.compress(text.as_bytes()).map(Self::Packed).map_err(corrupt)
        })
    }

    /// The JSON text.
    pub(crate) fn text(&self) -> Result<Cow<'_, str>> {
        let frame = match self {
            Self::Text(text) => return Ok(Cow::Borrowed(text)),
            Self::Packed(frame) => frame,
        };
        let id = zstd::zstd_safe::get_dict_id_from_frame(frame).map_or(0, |id| id.get());
        let dictionary = decoder(id).ok_or_else(|| corrupt(format!("unknown dictionary {id}")))?;
        let size = match zstd::zstd_safe::get_frame_content_size(frame) {
            Ok(Some(size)) if size as usize <= MAX_UNPACKED => size as usize,
            _ => return Err(corrupt("no valid size")),
        };
        let bytes = Decompressor::with_prepared_dictionary(dictionary)
            .and_then(|mut d| d.decompress(frame, size))
            .map_err(corrupt)?;
        String::from_utf8(bytes).map(Cow::Owned).map_err(corrupt)
    }

    /// The bytes a row keeps: the frame, or the text's UTF-8, which reads back as text.
    pub(crate) fn as_bytes(&self) -> &[u8] {
        match self {
            Self::Text(text) => text.as_bytes(),
            Self::Packed(frame) => frame,
        }
    }

    /// The same value with `from` replaced by `to` in its text, in the same form.
    pub(crate) fn replaced(&self, from: &str, to: &str) -> Result<Self> {
        let text = self.text()?.replace(from, to);
        match self {
            Self::Text(_) => Ok(Self::Text(text)),
            Self::Packed(_) => Self::pack(&text),
        }
    }

    pub(crate) fn from_bytes(bytes: Vec<u8>) -> std::result::Result<Self, BoxDynError> {
        if bytes.starts_with(&ZSTD_MAGIC) {
            Ok(Self::Packed(bytes))
        } else {
            Ok(Self::Text(String::from_utf8(bytes)?))
        }
    }
}

/// The JSON text of a column's value (a row's bytes, packed or not), as the store reads it:
/// for tools and tests that read rows themselves.
pub fn column_text(bytes: Vec<u8>) -> Result<String> {
    let json = StoredJson::from_bytes(bytes).map_err(corrupt)?;
    json.text().map(Cow::into_owned)
}

impl Type<Sqlite> for StoredJson {
    fn type_info() -> SqliteTypeInfo {
        <Vec<u8> as Type<Sqlite>>::type_info()
    }

    fn compatible(ty: &SqliteTypeInfo) -> bool {
        <String as Type<Sqlite>>::compatible(ty) || <Vec<u8> as Type<Sqlite>>::compatible(ty)
    }
}

impl<'r> Decode<'r, Sqlite> for StoredJson {
    fn decode(value: SqliteValueRef<'r>) -> std::result::Result<Self, BoxDynError> {
        Self::from_bytes(<Vec<u8> as Decode<Sqlite>>::decode(value)?)
    }
}

impl<'q> Encode<'q, Sqlite> for StoredJson {
    fn encode_by_ref(
        &self,
        buf: &mut Vec<SqliteArgumentValue<'q>>,
    ) -> std::result::Result<IsNull, BoxDynError> {
        match self {
            Self::Text(text) => <String as Encode<Sqlite>>::encode_by_ref(text, buf),
            Self::Packed(bytes) => <Vec<u8> as Encode<Sqlite>>::encode_by_ref(bytes, buf),
        }
    }
}

impl Type<Postgres> for StoredJson {
    fn type_info() -> PgTypeInfo {
        <Vec<u8> as Type<Postgres>>::type_info()
    }
}

impl<'r> Decode<'r, Postgres> for StoredJson {
    fn decode(value: PgValueRef<'r>) -> std::result::Result<Self, BoxDynError> {
        Self::from_bytes(<Vec<u8> as Decode<Postgres>>::decode(value)?)
    }
}

impl Encode<'_, Postgres> for StoredJson {
    fn encode_by_ref(&self, buf: &mut PgArgumentBuffer) -> std::result::Result<IsNull, BoxDynError> {
        <&[u8] as Encode<Postgres>>::encode_by_ref(&self.as_bytes(), buf)
    }
}

impl rusqlite::ToSql for StoredJson {
    fn to_sql(&self) -> rusqlite::Result<rusqlite::types::ToSqlOutput<'_>> {
        use rusqlite::types::{ToSqlOutput, ValueRef};
        Ok(ToSqlOutput::Borrowed(match self {
            Self::Text(text) => ValueRef::Text(text.as_bytes()),
            Self::Packed(bytes) => ValueRef::Blob(bytes),
        }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SIGNALS: &str = r#"{"behavior":{"completionMs":11741,"keystrokeCount":39},"email":{"disposable":false,"domain":"example.org"},"velocity":{"ipsPerVisitor":{"1h":1,"24h":1,"5m":1}}}"#;

    #[test]
    fn packs_small_and_reads_back_the_same_text() {
        let packed = StoredJson::pack(SIGNALS).unwrap();
        let StoredJson::Packed(frame) = &packed else { panic!("not packed") };
        assert!(frame.starts_with(&ZSTD_MAGIC));
        assert!(frame.len() < SIGNALS.len() / 2, "{} bytes for {}", frame.len(), SIGNALS.len());
        assert_eq!(packed.text().unwrap(), SIGNALS);
        // Read back from the bytes a row holds.
        assert_eq!(StoredJson::from_bytes(frame.clone()).unwrap(), packed);
    }

    #[test]
    fn text_reads_as_it_is_and_any_character_survives() {
        let text = StoredJson::from_bytes(SIGNALS.as_bytes().to_vec()).unwrap();
        assert_eq!(text, StoredJson::Text(SIGNALS.to_string()));
        let odd = r#"["détail ✓ \u0000", "(not a frame)"]"#;
        assert_eq!(StoredJson::pack(odd).unwrap().text().unwrap(), odd);
        assert_eq!(StoredJson::from_bytes(b"(".to_vec()).unwrap(), StoredJson::Text("(".into()));
    }

    #[test]
    fn a_replacement_keeps_the_form() {
        let packed = StoredJson::pack(SIGNALS).unwrap().replaced("example.org", "[erased]").unwrap();
        assert!(matches!(packed, StoredJson::Packed(_)));
        assert!(packed.text().unwrap().contains(r#""domain":"[erased]""#));
        let text = StoredJson::Text(SIGNALS.into()).replaced("example.org", "x").unwrap();
        assert!(matches!(text, StoredJson::Text(ref t) if t.contains(r#""domain":"x""#)));
    }

    #[test]
    fn a_damaged_frame_is_an_error_not_a_panic() {
        let StoredJson::Packed(mut frame) = StoredJson::pack(SIGNALS).unwrap() else { unreachable!() };
        frame.truncate(frame.len() - 3);
        assert!(matches!(StoredJson::Packed(frame.clone()).text(), Err(StoreError::Corrupt(_))));
        // A frame packed with a dictionary this build does not have (a raw one, numbered 0).
        let frame = Compressor::with_dictionary(LEVEL, SIGNALS.as_bytes())
            .unwrap()
            .compress(SIGNALS.as_bytes())
            .unwrap();
        let unknown = StoredJson::from_bytes(frame).unwrap();
        assert!(unknown.text().is_err());
        assert!(StoredJson::Packed(ZSTD_MAGIC.to_vec()).text().is_err());
    }
}
