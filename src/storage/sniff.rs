//! What a file is, from its bytes: the client's Content-Type and file name
//! are never trusted. The first bytes decide the type against an allow-list;
//! the rest of the stream is watched for a second format hiding in the same
//! file (a polyglot: a photo that is also a PDF or a ZIP or a web page).

/// Enough of the start of a file to recognise it, and to hold a JPEG's whole
/// EXIF segment (at most 64 KiB), which [`super::exif`] edits in place.
pub const HEAD_BYTES: usize = 72 * 1024;

/// The allowed types: (MIME type, file name extensions, is an image).
const ALLOWED: &[(&str, &[&str])] = &[
    ("image/jpeg", &["jpg", "jpeg", "jpe"]),
    ("image/png", &["png"]),
    ("image/webp", &["webp"]),
    ("image/heif", &["heic", "heif", "hif"]),
    ("application/pdf", &["pdf"]),
    ("text/plain", &["txt", "text", "csv", "log", "md"]),
    ("application/msword", &["doc"]),
    ("application/vnd.ms-excel", &["xls"]),
    ("application/vnd.ms-powerpoint", &["ppt"]),
    ("application/vnd.openxmlformats-officedocument.wordprocessingml.document", &["docx"]),
    ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", &["xlsx"]),
    ("application/vnd.openxmlformats-officedocument.presentationml.presentation", &["pptx"]),
    ("application/vnd.oasis.opendocument.text", &["odt"]),
    ("application/vnd.oasis.opendocument.spreadsheet", &["ods"]),
    ("application/vnd.oasis.opendocument.presentation", &["odp"]),
];

#[derive(Debug, PartialEq, Eq)]
pub enum Refusal {
    /// Not one of the allowed types.
    Type(String),
    /// The name's extension says another type than the bytes.
    Mismatch { detected: &'static str, extension: String },
    /// Two formats in one file.
    Polyglot(&'static str),
}

impl std::fmt::Display for Refusal {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Refusal::Type(what) => write!(
                f,
                "{what} files are not accepted: send a JPEG, PNG, HEIC, WebP, PDF, plain text or office document"
            ),
            Refusal::Mismatch { detected, extension } => {
                write!(f, "the file's content is {detected}, but its name ends in .{extension}")
            }
            Refusal::Polyglot(what) => write!(f, "the file is refused: it also contains {what}"),
        }
    }
}

/// The type of a file whose first bytes (all of them, for a file shorter than
/// [`HEAD_BYTES`]) are `head`.
pub fn detect(head: &[u8]) -> Result<&'static str, Refusal> {
    let detected = match infer::get(head) {
        Some(kind) => kind.mime_type(),
        None if is_text(head) => "text/plain",
        None => return Err(Refusal::Type("unrecognised".into())),
    };
    let mime = ALLOWED
        .iter()
        .map(|(mime, _)| *mime)
        .find(|mime| *mime == detected)
        .ok_or_else(|| Refusal::Type(detected.to_owned()))?;
    // Browsers sniff the first bytes of what they are given: markup there
    // makes a "photo" a page, whatever its magic number says.
    if mime != "text/plain" && contains_markup(&head[..head.len().min(1024)]) {
        return Err(Refusal::Polyglot("web page markup"));
    }
    Ok(mime)
}

/// The name to keep for a file of the detected type: a name whose extension
/// is another allowed type's is refused; one without a known extension gets
/// the type's own, so a download never opens as something else.
pub fn check_name(mime: &'static str, file_name: &str) -> Result<String, Refusal> {
    let extensions = ALLOWED.iter().find(|(m, _)| *m == mime).map(|(_, e)| *e).unwrap_or_default();
    let extension = file_name.rsplit_once('.').map(|(_, e)| e.to_ascii_lowercase()).unwrap_or_default();
    if extensions.contains(&extension.as_str()) {
        return Ok(file_name.to_owned());
    }
    if ALLOWED.iter().any(|(_, e)| e.contains(&extension.as_str())) {
        return Err(Refusal::Mismatch { detected: mime, extension });
    }
    Ok(match extensions.first() {
        Some(own) => format!("{file_name}.{own}"),
        None => file_name.to_owned(),
    })
}

/// Whether the type is an image (inline display, thumbnails, GPS removal).
pub fn is_image(mime: &str) -> bool {
    mime.starts_with("image/")
}

/// Watches every byte after the type is known for signs of a second format.
pub struct Watch {
    mime: &'static str,
    /// The end of the previous chunk, so a signature split across two chunks
    /// is still seen.
    carry: Vec<u8>,
    /// The last bytes of the file: a ZIP is found by its end record.
    tail: Vec<u8>,
}

const PDF_MAGIC: &[u8] = b"%PDF-";
const ZIP_END: &[u8] = b"PK\x05\x06";
const TAIL_BYTES: usize = 64 * 1024 + 22;

impl Watch {
    pub fn new(mime: &'static str) -> Watch {
        Watch { mime, carry: Vec::new(), tail: Vec::new() }
    }

    pub fn feed(&mut self, chunk: &[u8]) -> Result<(), Refusal> {
        let mut window = std::mem::take(&mut self.carry);
        window.extend_from_slice(chunk);
        if self.mime != "application/pdf" && find(&window, PDF_MAGIC) {
            return Err(Refusal::Polyglot("a PDF document"));
        }
        if self.mime == "text/plain" && window.contains(&0) {
            return Err(Refusal::Type("binary".into()));
        }
        let keep = window.len().saturating_sub(PDF_MAGIC.len() - 1);
        self.carry = window[keep..].to_vec();
        self.tail.extend_from_slice(chunk);
        if self.tail.len() > TAIL_BYTES * 2 {
            self.tail.drain(..self.tail.len() - TAIL_BYTES);
        }
        Ok(())
    }

    /// At the end of the file.
    pub fn finish(self) -> Result<(), Refusal> {
        let zip_based = self.mime.contains("openxmlformats") || self.mime.contains("opendocument");
        let start = self.tail.len().saturating_sub(TAIL_BYTES);
        if !zip_based && find(&self.tail[start..], ZIP_END) {
            return Err(Refusal::Polyglot("a ZIP archive"));
        }
        Ok(())
    }
}

fn find(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle)
}

/// UTF-8 text without control characters other than tab, newlines and form feed.
fn is_text(head: &[u8]) -> bool {
    if head.is_empty() {
        return false;
    }
    let text = match std::str::from_utf8(head) {
        Ok(text) => text,
        // A multi-byte character cut by the end of the head.
        Err(error) if error.error_len().is_none() && head.len() - error.valid_up_to() < 4 => {
            match std::str::from_utf8(&head[..error.valid_up_to()]) {
                Ok(text) => text,
                Err(_) => return false,
            }
        }
        Err(_) => return false,
    };
    !text.chars().any(|c| c.is_control() && !matches!(c, '\t' | '\n' | '\r' | '\x0c'))
}

fn contains_markup(bytes: &[u8]) -> bool {
    let lower = bytes.to_ascii_lowercase();
    [b"<html".as_slice(), b"<script", b"<svg", b"<!doctype", b"<iframe", b"<body"]
        .iter()
        .any(|tag| find(&lower, tag))
}

#[cfg(test)]
mod tests {
    use super::*;

    const JPEG: &[u8] = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00";

    #[test]
    fn types_come_from_the_bytes() {
        assert_eq!(detect(JPEG), Ok("image/jpeg"));
        assert_eq!(detect(b"%PDF-1.7\n1 0 obj"), Ok("application/pdf"));
        assert_eq!(detect("Grüße, plain words\n".as_bytes()), Ok("text/plain"));
        assert!(matches!(detect(b"MZ\x90\x00\x03\x00\x00\x00"), Err(Refusal::Type(_))));
        assert!(matches!(detect(b"\x00\x01\x02binary"), Err(Refusal::Type(_))));
    }

    #[test]
    fn names_must_fit_the_bytes() {
        assert_eq!(check_name("image/jpeg", "IMG_0001.JPG"), Ok("IMG_0001.JPG".to_owned()));
        assert_eq!(check_name("image/jpeg", "photo"), Ok("photo.jpg".to_owned()));
        assert_eq!(check_name("image/jpeg", "photo.exe"), Ok("photo.exe.jpg".to_owned()));
        assert!(check_name("application/pdf", "invoice.jpg").is_err());
        assert!(check_name("text/plain", "notes.pdf").is_err());
    }

    #[test]
    fn polyglots_are_refused() {
        let mut markup = JPEG.to_vec();
        markup.extend_from_slice(b"<script>alert(1)</script>");
        assert_eq!(detect(&markup), Err(Refusal::Polyglot("web page markup")));

        let mut watch = Watch::new("image/jpeg");
        assert_eq!(watch.feed(b"....%PD"), Ok(()));
        assert_eq!(watch.feed(b"F-1.4 ...."), Err(Refusal::Polyglot("a PDF document")));

        let mut watch = Watch::new("image/png");
        watch.feed(b"\x89PNG....").unwrap();
        watch.feed(b"PK\x05\x06\x00\x00\x00\x00").unwrap();
        assert_eq!(watch.finish(), Err(Refusal::Polyglot("a ZIP archive")));
    }
}
