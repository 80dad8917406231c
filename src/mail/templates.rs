//! The mails FieldOps sends, each as plain text and HTML, in the company's
//! name and colour. Every value from the database or a user is escaped in the
//! HTML part.

use super::Mail;

/// Who a mail comes from, as the recipient knows it.
pub struct Brand<'a> {
    pub company_name: &'a str,
    /// `#rrggbb` (a constraint of app.companies).
    pub color: &'a str,
}

/// The link that sets a new password, valid for `valid_minutes`.
pub fn password_reset(brand: &Brand<'_>, to: &str, user_name: &str, link: &str, valid_minutes: u32) -> Mail {
    let company = brand.company_name;
    let subject = format!("Reset your {company} password");
    let text = format!(
        "Hello {user_name},\n\n\
         someone (hopefully you) asked to reset your password for {company} on FieldOps.\n\
         Open this link within {valid_minutes} minutes to choose a new one:\n\n\
         {link}\n\n\
         The link works once. Setting a new password signs you out everywhere.\n\
         If you did not ask for this, ignore this mail: your password stays as it is.\n\n\
         — {company}\n"
    );
    let body = format!(
        "<p>Hello {name},</p>\
         <p>someone (hopefully you) asked to reset your password for {company_html} on FieldOps. \
         Open this link within {valid_minutes} minutes to choose a new one:</p>\
         <p><a href=\"{link_html}\" style=\"{button}\">Choose a new password</a></p>\
         <p style=\"font-size:13px;color:#475569\">Or copy this address into your browser:<br>{link_html}</p>\
         <p>The link works once. Setting a new password signs you out everywhere. \
         If you did not ask for this, ignore this mail: your password stays as it is.</p>",
        name = escape(user_name),
        company_html = escape(company),
        link_html = escape(link),
        button = button_style(brand.color),
    );
    Mail { kind: "password_reset", to: to.to_owned(), subject, text, html: layout(brand, &body) }
}

/// The frame every HTML mail shares: the company's name on its colour.
fn layout(brand: &Brand<'_>, body: &str) -> String {
    format!(
        "<!doctype html><html><head><meta charset=\"utf-8\"></head>\
         <body style=\"margin:0;padding:24px;background:#f1f5f9;font-family:system-ui,sans-serif;color:#0f172a\">\
         <div style=\"max-width:560px;margin:0 auto;background:#ffffff;border-radius:8px;overflow:hidden\">\
         <div style=\"background:{color};color:#ffffff;padding:16px 24px;font-weight:600;font-size:18px\">{name}</div>\
         <div style=\"padding:8px 24px 24px\">{body}</div></div></body></html>",
        color = color(brand.color),
        name = escape(brand.company_name),
    )
}

fn button_style(brand_color: &str) -> String {
    format!(
        "display:inline-block;background:{};color:#ffffff;padding:10px 18px;border-radius:6px;text-decoration:none",
        color(brand_color)
    )
}

/// The company's colour when it is one, else a neutral one: it lands inside a
/// style attribute.
fn color(value: &str) -> &str {
    let well_formed =
        value.len() == 7 && value.starts_with('#') && value[1..].bytes().all(|b| b.is_ascii_hexdigit());
    if well_formed {
        value
    } else {
        "#334155"
    }
}

fn escape(value: &str) -> String {
    let mut escaped = String::with_capacity(value.len());
    for c in value.chars() {
        match c {
            '&' => escaped.push_str("&amp;"),
            '<' => escaped.push_str("&lt;"),
            '>' => escaped.push_str("&gt;"),
            '"' => escaped.push_str("&quot;"),
            '\'' => escaped.push_str("&#39;"),
            c => escaped.push(c),
        }
    }
    escaped
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_reset_mail_carries_the_link_and_the_brand_in_both_parts() {
        let brand = Brand { company_name: "Acme <Plumbing> & Co", color: "#0a7f3c" };
        let mail =
            password_reset(&brand, "ann@acme.test", "Ann", "https://x.test/reset-password?token=a-b_c", 60);
        assert_eq!(mail.kind, "password_reset");
        assert_eq!(mail.to, "ann@acme.test");
        assert!(mail.subject.contains("Acme <Plumbing> & Co"));
        assert!(mail.text.contains("https://x.test/reset-password?token=a-b_c"));
        assert!(mail.text.contains("60 minutes"));
        assert!(mail.html.contains("href=\"https://x.test/reset-password?token=a-b_c\""));
        assert!(mail.html.contains("background:#0a7f3c"));
        assert!(mail.html.contains("Acme &lt;Plumbing&gt; &amp; Co"));
        assert!(!mail.html.contains("<Plumbing>"));
    }

    #[test]
    fn a_colour_that_is_not_one_stays_out_of_the_style() {
        let brand = Brand { company_name: "X", color: "red;background:url(x)" };
        let mail = password_reset(&brand, "a@x.test", "A", "https://x.test/r", 60);
        assert!(!mail.html.contains("url(x)"));
        assert!(mail.html.contains("#334155"));
    }
}
