//! Reading an uploaded file: CSV in UTF-8 (with or without a BOM) or
//! Windows-1252, or the first sheet of an Excel workbook; its header row and
//! then its records one at a time.

use std::{borrow::Cow, io::Cursor};

use calamine::{Data, DataType, Reader, Xlsx};

use crate::http::shared::{csv_safe, Error, Result};

/// An `.xlsx` file is a zip archive.
const ZIP_MAGIC: &[u8] = b"PK\x03\x04";
const UTF8_BOM: &[u8] = b"\xEF\xBB\xBF";

/// Which text encoding a CSV file was read in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Encoding {
    Utf8,
    Utf8Bom,
    Windows1252,
    Xlsx,
}

impl Encoding {
    pub fn as_str(self) -> &'static str {
        match self {
            Encoding::Utf8 => "utf-8",
            Encoding::Utf8Bom => "utf-8-bom",
            Encoding::Windows1252 => "windows-1252",
            Encoding::Xlsx => "xlsx",
        }
    }
}

/// The file's text: UTF-8 as it is (its BOM dropped); anything that is not
/// valid UTF-8 is taken as Windows-1252, what Excel on Windows writes as
/// "CSV", and where every byte is some character.
pub fn decode(bytes: &[u8]) -> (Cow<'_, str>, Encoding) {
    if let Some(rest) = bytes.strip_prefix(UTF8_BOM) {
        let (text, _) = encoding_rs::UTF_8.decode_without_bom_handling(rest);
        return (text, Encoding::Utf8Bom);
    }
    match std::str::from_utf8(bytes) {
        Ok(text) => (Cow::Borrowed(text), Encoding::Utf8),
        Err(_) => {
            let (text, _, _) = encoding_rs::WINDOWS_1252.decode(bytes);
            (text, Encoding::Windows1252)
        }
    }
}

/// A file's header row and its records, read lazily where the format allows
/// (CSV streams; a workbook's sheet is read whole by calamine).
pub struct Table<'a> {
    pub headers: Vec<String>,
    pub encoding: Encoding,
    records: Records<'a>,
}

/// The decoded text, as the bytes the CSV reader reads.
struct Text<'a>(Cow<'a, str>);

impl AsRef<[u8]> for Text<'_> {
    fn as_ref(&self) -> &[u8] {
        self.0.as_bytes()
    }
}

enum Records<'a> {
    Csv(csv::StringRecordsIntoIter<Cursor<Text<'a>>>),
    Sheet(std::vec::IntoIter<Vec<String>>),
}

impl Table<'_> {
    /// The next record, its cells trimmed (`None` at the end); an unreadable
    /// CSV line is an error for its row. A CSV cell loses the `'` our own CSV
    /// files put before a formula-like value (csv_safe), so an errors.csv or
    /// an export uploaded again keeps its values.
    pub fn next_record(&mut self) -> Option<std::result::Result<Vec<String>, String>> {
        match &mut self.records {
            Records::Csv(records) => records.next().map(|record| {
                record
                    .map(|r| r.iter().map(|cell| csv_safe::undo(cell.trim()).to_owned()).collect())
                    .map_err(|error| format!("unreadable line: {error}"))
            }),
            Records::Sheet(rows) => rows.next().map(Ok),
        }
    }
}

pub fn open(bytes: &[u8]) -> Result<Table<'_>> {
    if bytes.starts_with(ZIP_MAGIC) {
        return open_xlsx(bytes);
    }
    let (text, encoding) = decode(bytes);
    let mut reader = csv::ReaderBuilder::new().flexible(true).from_reader(Cursor::new(Text(text)));
    let headers = reader
        .headers()
        .map_err(|error| Error::field("file", format!("is not a readable CSV file: {error}")))?
        .iter()
        .map(|h| csv_safe::undo(h.trim()).to_owned())
        .collect::<Vec<_>>();
    check_headers(&headers)?;
    Ok(Table { headers, encoding, records: Records::Csv(reader.into_records()) })
}

fn open_xlsx(bytes: &[u8]) -> Result<Table<'_>> {
    let unreadable = |error: &dyn std::fmt::Display| {
        Error::field("file", format!("is not a readable .xlsx file: {error}"))
    };
    let mut workbook: Xlsx<_> =
        calamine::open_workbook_from_rs(Cursor::new(bytes)).map_err(|e| unreadable(&e))?;
    let range = workbook
        .worksheet_range_at(0)
        .ok_or_else(|| Error::field("file", "the workbook has no sheet"))?
        .map_err(|e| unreadable(&e))?;
    let mut rows = range.rows().map(|row| row.iter().map(cell_text).collect::<Vec<_>>());
    let headers = rows.next().unwrap_or_default();
    check_headers(&headers)?;
    let records: Vec<Vec<String>> = rows.collect();
    Ok(Table { headers, encoding: Encoding::Xlsx, records: Records::Sheet(records.into_iter()) })
}

fn cell_text(cell: &Data) -> String {
    match cell {
        Data::DateTime(_) => match cell.as_datetime() {
            Some(at) => at.format("%Y-%m-%d %H:%M:%S").to_string(),
            None => cell.to_string(),
        },
        Data::Empty | Data::Error(_) => String::new(),
        other => other.to_string().trim().to_owned(),
    }
}

fn check_headers(headers: &[String]) -> Result<()> {
    if headers.iter().all(|h| h.is_empty()) {
        return Err(Error::field("file", "has no header row"));
    }
    let mut seen = std::collections::BTreeSet::new();
    for header in headers.iter().filter(|h| !h.is_empty()) {
        if !seen.insert(header.to_lowercase()) {
            return Err(Error::field("file", format!("names the column \"{header}\" twice")));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decodes_each_encoding() {
        assert_eq!(decode(b"Caf\xC3\xA9").1, Encoding::Utf8);
        let (text, encoding) = decode(b"\xEF\xBB\xBFCaf\xC3\xA9");
        assert_eq!((text.as_ref(), encoding), ("Café", Encoding::Utf8Bom));
        let (text, encoding) = decode(b"Caf\xE9 \x93quoted\x94");
        assert_eq!((text.as_ref(), encoding), ("Café \u{201c}quoted\u{201d}", Encoding::Windows1252));
    }

    #[test]
    fn reads_csv_records_trimmed_and_refuses_repeated_headers() {
        let mut table = open(b"Name, Email\n Ann ,ann@x.test\n").expect("table");
        assert_eq!(table.headers, ["Name", "Email"]);
        assert_eq!(
            table.next_record().map(|r| r.ok()),
            Some(Some(vec!["Ann".to_owned(), "ann@x.test".to_owned()]))
        );
        assert!(table.next_record().is_none());
        assert!(open(b"Name,name\n").is_err());
    }
}
