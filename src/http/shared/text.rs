//! Small rules for text fields that several resources share.

/// A value without its surrounding whitespace; blank is absent.
pub fn blank_to_none(value: Option<&str>) -> Option<&str> {
    value.map(str::trim).filter(|v| !v.is_empty())
}
