//! CSV cells a spreadsheet would not run as formulas (OWASP, "CSV
//! Injection"): a cell that begins with `=`, `+`, `-`, `@`, a tab or a
//! carriage return gets a leading `'`, which spreadsheets show as text.
//! A cell that is a plain number (`-5`, `+1.5`, `-3e2`) stays as it is: a
//! spreadsheet reads it as that number, never as a formula, and a number
//! column stays numeric. Everything FieldOps serves as CSV (the export's
//! files, customers.csv, jobs.csv, an import's errors.csv) goes through here;
//! an import takes such a `'` off again (`undo`), so a refused row fixed and
//! uploaded again, or an exported file imported, keeps its values.

use std::borrow::Cow;

const TRIGGERS: &[u8] = b"=+-@\t\r";

/// A plain decimal number, optionally signed, with an optional fraction and
/// exponent: what a spreadsheet reads as a number rather than a formula.
fn is_number(cell: &str) -> bool {
    let s = cell.strip_prefix(['+', '-']).unwrap_or(cell);
    let (mantissa, exponent) = match s.find(['e', 'E']) {
        Some(i) => (&s[..i], Some(&s[i + 1..])),
        None => (s, None),
    };
    let (whole, fraction) = mantissa.split_once('.').unwrap_or((mantissa, ""));
    let digits = |t: &str| t.bytes().all(|b| b.is_ascii_digit());
    let mantissa_ok = (!whole.is_empty() || !fraction.is_empty()) && digits(whole) && digits(fraction);
    let exponent_ok = exponent.is_none_or(|e| {
        let e = e.strip_prefix(['+', '-']).unwrap_or(e);
        !e.is_empty() && digits(e)
    });
    mantissa_ok && exponent_ok
}

fn needs_prefix(cell: &str) -> bool {
    cell.as_bytes().first().is_some_and(|b| TRIGGERS.contains(b)) && !is_number(cell)
}

/// One cell, defused.
pub fn defuse(cell: &str) -> Cow<'_, str> {
    if needs_prefix(cell) {
        Cow::Owned(format!("'{cell}"))
    } else {
        Cow::Borrowed(cell)
    }
}

/// An uploaded cell with the `'` that `defuse` added taken off.
pub fn undo(cell: &str) -> &str {
    match cell.strip_prefix('\'') {
        Some(rest) if needs_prefix(rest) => rest,
        _ => cell,
    }
}

/// Defuses a CSV stream as PostgreSQL's COPY writes it (comma-separated,
/// `"`-quoted, `""` inside quotes, `\n` between records), whatever the
/// boundaries of the pieces it comes in: a cell is held until it ends.
#[derive(Default)]
pub struct Defuser {
    cell: Vec<u8>,
    in_quotes: bool,
    quote_seen: bool,
}

impl Defuser {
    pub fn feed(&mut self, input: &[u8], out: &mut Vec<u8>) {
        for &b in input {
            if self.in_quotes {
                if self.quote_seen {
                    self.quote_seen = false;
                    if b == b'"' {
                        // `""`: a quote inside the cell.
                        self.cell.push(b);
                        continue;
                    }
                    // The closing quote was the one before.
                    self.in_quotes = false;
                } else {
                    self.cell.push(b);
                    if b == b'"' {
                        self.quote_seen = true;
                    }
                    continue;
                }
            }
            match b {
                b',' | b'\n' => {
                    self.end_cell(out);
                    out.push(b);
                }
                b'"' if self.cell.is_empty() => {
                    self.in_quotes = true;
                    self.cell.push(b);
                }
                _ => self.cell.push(b),
            }
        }
    }

    /// The last cell, if the stream did not end with a newline.
    pub fn finish(&mut self, out: &mut Vec<u8>) {
        self.end_cell(out);
    }

    fn end_cell(&mut self, out: &mut Vec<u8>) {
        let quoted = self.cell.first() == Some(&b'"');
        let content = if quoted { &self.cell[1..self.cell.len().saturating_sub(1)] } else { &self.cell[..] };
        // A cell holding `""` is checked as written; its first byte decides alone.
        let text = String::from_utf8_lossy(content);
        if needs_prefix(&text) {
            if quoted {
                out.push(b'"');
                out.push(b'\'');
                out.extend_from_slice(&self.cell[1..]);
            } else {
                out.push(b'\'');
                out.extend_from_slice(&self.cell);
            }
        } else {
            out.extend_from_slice(&self.cell);
        }
        self.cell.clear();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(pieces: &[&str]) -> String {
        let mut d = Defuser::default();
        let mut out = Vec::new();
        for p in pieces {
            d.feed(p.as_bytes(), &mut out);
        }
        d.finish(&mut out);
        String::from_utf8(out).expect("utf-8")
    }

    #[test]
    fn formulas_get_a_quote_and_numbers_stay_numbers() {
        assert_eq!(defuse("=1+2"), "'=1+2");
        assert_eq!(defuse("+1 555 0100"), "'+1 555 0100");
        assert_eq!(defuse("@SUM(A1)"), "'@SUM(A1)");
        assert_eq!(defuse("\tx"), "'\tx");
        assert_eq!(defuse("-5"), "-5");
        assert_eq!(defuse("-33.87"), "-33.87");
        assert_eq!(defuse("+1e5"), "+1e5");
        assert_eq!(defuse("-"), "'-");
        assert_eq!(defuse("-1-1"), "'-1-1");
        assert_eq!(defuse("Ann's Bakery"), "Ann's Bakery");
        assert_eq!(undo("'=1+2"), "=1+2");
        assert_eq!(undo("'-5"), "'-5");
        assert_eq!(undo("'tis"), "'tis");
    }

    #[test]
    fn a_copy_stream_is_defused_cell_by_cell_across_pieces() {
        let csv = "id,name,notes\n1,=HYPERLINK(\"x\"),-5\n2,\"=a,b\",\"say \"\"hi\"\"\"\n3,\"-x\n-y\",@z";
        let want =
            "id,name,notes\n1,'=HYPERLINK(\"x\"),-5\n2,\"'=a,b\",\"say \"\"hi\"\"\"\n3,\"'-x\n-y\",'@z";
        assert_eq!(run(&[csv]), want);
        // Any split of the same bytes gives the same result.
        for at in 0..csv.len() {
            assert_eq!(run(&[&csv[..at], &csv[at..]]), want, "split at {at}");
        }
    }
}
