//! Small rules for text fields that several resources share.

/// A value without its surrounding whitespace; blank is absent.
pub fn blank_to_none(value: Option<&str>) -> Option<&str> {
    value.map(str::trim).filter(|v| !v.is_empty())
}

/// A `#rrggbb` colour (statuses, branches), for `validator`'s `custom`.
pub fn color_format(color: &str) -> Result<(), validator::ValidationError> {
    let hex = color.strip_prefix('#').unwrap_or("");
    if hex.len() == 6 && hex.chars().all(|c| c.is_ascii_hexdigit()) {
        Ok(())
    } else {
        Err(validator::ValidationError::new("color").with_message("must be a #rrggbb color".into()))
    }
}
