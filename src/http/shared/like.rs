//! User-typed search text as a literal `LIKE` pattern.

/// A case-insensitive `LIKE` pattern matching `text` anywhere, with the user's
/// own `%`, `_` and `\` taken literally.
pub fn like_pattern(text: &str) -> String {
    let mut pattern = String::with_capacity(text.len() + 2);
    pattern.push('%');
    for ch in text.trim().to_lowercase().chars() {
        if matches!(ch, '%' | '_' | '\\') {
            pattern.push('\\');
        }
        pattern.push(ch);
    }
    pattern.push('%');
    pattern
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wildcards_are_literal() {
        assert_eq!(like_pattern(" 50%_Off "), "%50\\%\\_off%");
    }
}
