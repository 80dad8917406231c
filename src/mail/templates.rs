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
    link_mail(
        brand,
        LinkMail {
            kind: "password_reset",
            to,
            subject: format!("Reset your {company} password"),
            name: user_name,
            intro: format!(
                "someone (hopefully you) asked to reset your password for {company} on FieldOps. \
                 Open this link within {valid_minutes} minutes to choose a new one:"
            ),
            link,
            button: "Choose a new password",
            outro: "The link works once. Setting a new password signs you out everywhere. \
                    If you did not ask for this, ignore this mail: your password stays as it is.",
            unsubscribe: None,
        },
    )
}

/// The link that verifies a portal registration's email, valid for `valid_hours`.
pub fn portal_verification(brand: &Brand<'_>, to: &str, name: &str, link: &str, valid_hours: u32) -> Mail {
    let company = brand.company_name;
    link_mail(
        brand,
        LinkMail {
            kind: "portal_verification",
            to,
            subject: format!("Confirm your email for {company}"),
            name,
            intro: format!(
                "thank you for registering on the customer portal of {company}. \
                 Open this link within {valid_hours} hours to confirm your email address:"
            ),
            link,
            button: "Confirm my email",
            outro:
                "The link works once. If you did not register, ignore this mail: nothing happens without it.",
            unsubscribe: None,
        },
    )
}

/// The link that confirms a login's new email, valid for `valid_hours`.
pub fn email_change(brand: &Brand<'_>, to: &str, name: &str, link: &str, valid_hours: u32) -> Mail {
    let company = brand.company_name;
    link_mail(
        brand,
        LinkMail {
            kind: "email_change",
            to,
            subject: format!("Confirm your new email for {company}"),
            name,
            intro: format!(
                "you asked to sign in to {company} with this address from now on. \
                 Open this link within {valid_hours} hours to confirm it:"
            ),
            link,
            button: "Confirm my new email",
            outro: "The link works once. Until then your old address stays. If you did not ask for this, ignore this mail.",
            unsubscribe: None,
        },
    )
}

/// An invitation to join a company as staff (`role`, as people read it),
/// valid for `valid_days`.
pub fn staff_invitation(brand: &Brand<'_>, to: &str, role: &str, link: &str, valid_days: u32) -> Mail {
    let company = brand.company_name;
    link_mail(
        brand,
        LinkMail {
            kind: "staff_invitation",
            to,
            subject: format!("{company} invites you to FieldOps"),
            name: to,
            intro: format!(
                "{company} invites you to work with them on FieldOps as {role}. \
                 Open this link within {valid_days} days to accept (with your existing FieldOps sign-in, \
                 or a new one):"
            ),
            link,
            button: "Accept the invitation",
            outro: "The link works once. If you did not expect this, ignore this mail.",
            unsubscribe: None,
        },
    )
}

/// The link that confirms a self-service sign-up and opens `company` with its
/// first admin, valid for `valid_hours`. `existing_account`: the address
/// already signs in to FieldOps, and will go on with the password it has.
pub fn company_signup(
    to: &str,
    name: &str,
    company: &str,
    link: &str,
    valid_hours: u32,
    existing_account: bool,
) -> Mail {
    let sign_in = if existing_account {
        "This address already signs in to FieldOps: the new company joins your others, and you sign in \
         with the password you already use (not the one typed when signing up)."
    } else {
        "You then sign in with the email and password you chose."
    };
    link_mail(
        &Brand { company_name: "FieldOps", color: SIGNUP_COLOR },
        LinkMail {
            kind: "company_signup",
            to,
            subject: format!("Confirm your new company {company} on FieldOps"),
            name,
            intro: format!(
                "thank you for choosing FieldOps. Open this link within {valid_hours} hours to confirm your \
                 email address and open {company}, with you as its admin. {sign_in}"
            ),
            link,
            button: "Confirm and open my company",
            outro: "The link works once. If you did not sign up, ignore this mail: nothing is created without it.",
            unsubscribe: None,
        },
    )
}

/// The colour of mails that come from FieldOps itself, before any company
/// exists to brand them.
const SIGNUP_COLOR: &str = "#2563eb";

/// An invitation to register on the portal, valid for `valid_days`.
pub fn portal_invitation(brand: &Brand<'_>, to: &str, link: &str, valid_days: u32) -> Mail {
    let company = brand.company_name;
    link_mail(
        brand,
        LinkMail {
            kind: "portal_invitation",
            to,
            subject: format!("{company} invites you to its customer portal"),
            name: to,
            intro: format!(
                "{company} invites you to its customer portal, where you can request work and follow it. \
                 Open this link within {valid_days} days to create your account:"
            ),
            link,
            button: "Create my account",
            outro: "The link works once. If you did not expect this, ignore this mail.",
            unsubscribe: None,
        },
    )
}

/// A job request approved (`reason` None) or rejected with its reason.
pub fn request_decided(
    brand: &Brand<'_>,
    to: &str,
    name: &str,
    title: &str,
    link: &str,
    reason: Option<&str>,
    unsubscribe: &str,
) -> Mail {
    let company = brand.company_name;
    let (kind, subject, intro) = match reason {
        None => (
            "request_approved",
            format!("{company} approved your request"),
            format!("{company} approved your request \u{201c}{title}\u{201d}: it is a job now. Follow it here:"),
        ),
        Some(reason) => (
            "request_rejected",
            format!("{company} declined your request"),
            format!("{company} declined your request \u{201c}{title}\u{201d}. Their reason: {reason}. See it here:"),
        ),
    };
    link_mail(
        brand,
        LinkMail {
            kind,
            to,
            subject,
            name,
            intro,
            link,
            button: "Open the request",
            outro: "— sent by FieldOps for your service company.",
            unsubscribe: Some(unsubscribe),
        },
    )
}

/// The placeholder app.queue_notification() replaces with each recipient's
/// own unsubscribe token (db/migrations/0030): the server renders a
/// notification once, before the database picks its recipients.
pub const UNSUBSCRIBE_TOKEN: &str = "{unsubscribe_token}";

/// The one-click unsubscribe link of a notification mail of the company at `slug`.
pub fn unsubscribe_link(public_url: &str, slug: &str) -> String {
    format!("{public_url}/p/{slug}/unsubscribe#token={UNSUBSCRIBE_TOKEN}")
}

/// A new message in a conversation, to the other side (addressed by the database).
pub fn new_message(
    brand: &Brand<'_>,
    thread: &str,
    author: &str,
    body: &str,
    link: &str,
    unsubscribe: &str,
) -> Mail {
    let company = brand.company_name;
    let excerpt: String = body.chars().take(500).collect();
    let more = if excerpt.len() < body.len() { "\u{2026}" } else { "" };
    link_mail(
        brand,
        LinkMail {
            kind: "new_message",
            to: "",
            subject: format!("New message about \u{201c}{thread}\u{201d} ({company})"),
            name: "there",
            intro: format!(
                "{author} wrote about \u{201c}{thread}\u{201d}:\n\n{excerpt}{more}\n\nReply here:"
            ),
            link,
            button: "Open the conversation",
            outro:
                "Further messages in the next minutes are not mailed one by one: the conversation shows them.",
            unsubscribe: Some(unsubscribe),
        },
    )
}

/// A job's new status, to the customer (addressed by the database).
pub fn job_status(brand: &Brand<'_>, title: &str, status: &str, link: &str, unsubscribe: &str) -> Mail {
    let company = brand.company_name;
    link_mail(
        brand,
        LinkMail {
            kind: "job_status",
            to: "",
            subject: format!("{title}: {status}"),
            name: "there",
            intro: format!(
                "{company} updated your job \u{201c}{title}\u{201d}: it is {status} now. Follow it here:"
            ),
            link,
            button: "Open the job",
            outro: "— sent by FieldOps for your service company.",
            unsubscribe: Some(unsubscribe),
        },
    )
}

/// A portal account approved (`reason` None) or declined with its reason: an
/// account mail, sent whatever the person's notification preference.
pub fn account_decided(brand: &Brand<'_>, to: &str, name: &str, link: &str, reason: Option<&str>) -> Mail {
    let company = brand.company_name;
    let (kind, subject, intro, button) = match reason {
        None => (
            "account_approved",
            format!("Your {company} portal account is ready"),
            format!("{company} approved your registration. You can sign in now:"),
            "Sign in",
        ),
        Some(reason) => (
            "account_rejected",
            format!("{company} declined your portal registration"),
            format!("{company} declined your registration on its customer portal. Their reason: {reason}"),
            "Open the portal",
        ),
    };
    link_mail(
        brand,
        LinkMail {
            kind,
            to,
            subject,
            name,
            intro,
            link,
            button,
            outro: "— sent by FieldOps for your service company.",
            unsubscribe: None,
        },
    )
}

/// A job request received: what happens next.
pub fn request_received(brand: &Brand<'_>, to: &str, name: &str, title: &str, link: &str) -> Mail {
    let company = brand.company_name;
    link_mail(
        brand,
        LinkMail {
            kind: "request_received",
            to,
            subject: format!("{company} received your request"),
            name,
            intro: format!(
                "{company} received your request \u{201c}{title}\u{201d}. They review it and mail you their \
                 decision; you can follow it here:"
            ),
            link,
            button: "Open the request",
            outro: "— sent by FieldOps for your service company.",
            unsubscribe: None,
        },
    )
}

/// One waiting request in the daily digest.
pub struct DigestItem<'a> {
    pub title: &'a str,
    pub customer: &'a str,
    /// How long it has waited, in words ("3 days").
    pub age: String,
    pub link: String,
}

/// The daily digest of submitted requests, oldest first, to one admin.
/// `more` counts the waiting requests beyond those listed.
pub fn request_digest(
    brand: &Brand<'_>,
    to: &str,
    name: &str,
    items: &[DigestItem<'_>],
    more: usize,
    queue: &str,
) -> Mail {
    let company = brand.company_name;
    let waiting = items.len() + more;
    let noun = if waiting == 1 { "request waits" } else { "requests wait" };
    let mut text =
        format!("Hello {name},\n\n{waiting} job {noun} for review at {company}, oldest first:\n\n");
    let mut rows = String::new();
    for item in items {
        text.push_str(&format!(
            "- {} ({}, waiting {})\n  {}\n",
            item.title, item.customer, item.age, item.link
        ));
        rows.push_str(&format!(
            "<li style=\"margin-bottom:8px\"><a href=\"{link}\">{title}</a><br>\
             <span style=\"font-size:13px;color:#475569\">{customer}, waiting {age}</span></li>",
            link = escape(&item.link),
            title = escape(item.title),
            customer = escape(item.customer),
            age = escape(&item.age),
        ));
    }
    let more_text = if more > 0 { format!("\n…and {more} more.\n") } else { String::new() };
    text.push_str(&format!("{more_text}\nThe review queue: {queue}\n\n— {company}\n"));
    let body = format!(
        "<p>Hello {name},</p><p>{waiting} job {noun} for review, oldest first:</p><ul>{rows}</ul>{more_html}\
         <p><a href=\"{queue}\" style=\"{style}\">Open the review queue</a></p>",
        name = escape(name),
        more_html = if more > 0 { format!("<p>…and {more} more.</p>") } else { String::new() },
        queue = escape(queue),
        style = button_style(brand.color),
    );
    Mail {
        kind: "request_digest",
        to: to.to_owned(),
        subject: format!("{waiting} job {noun} for review ({company})"),
        text,
        html: layout(brand, &body),
    }
}

/// A mail whose point is one link: a greeting, why, the link as a button and
/// as text, and what to know about it.
struct LinkMail<'a> {
    kind: &'static str,
    to: &'a str,
    subject: String,
    name: &'a str,
    intro: String,
    link: &'a str,
    button: &'a str,
    outro: &'a str,
    /// The one-click link that turns notification mails off (none on account mails).
    unsubscribe: Option<&'a str>,
}

fn link_mail(brand: &Brand<'_>, mail: LinkMail<'_>) -> Mail {
    let company = brand.company_name;
    let LinkMail { kind, to, subject, name, intro, link, button, outro, unsubscribe } = mail;
    let (stop_text, stop_html) = match unsubscribe {
        Some(stop) => (
            format!("\nTo stop these notification mails: {stop}\n"),
            format!(
                "<p style=\"font-size:12px;color:#64748b\"><a href=\"{stop}\">Stop these notification mails</a></p>",
                stop = escape(stop)
            ),
        ),
        None => (String::new(), String::new()),
    };
    let text = format!("Hello {name},\n\n{intro}\n\n{link}\n\n{outro}\n\n— {company}\n{stop_text}");
    let body = format!(
        "<p>Hello {name},</p><p style=\"white-space:pre-line\">{intro}</p>\
         <p><a href=\"{link_html}\" style=\"{style}\">{button}</a></p>\
         <p style=\"font-size:13px;color:#475569\">Or copy this address into your browser:<br>{link_html}</p>\
         <p>{outro}</p>{stop_html}",
        name = escape(name),
        intro = escape(&intro),
        link_html = escape(link),
        style = button_style(brand.color),
        button = escape(button),
        outro = escape(outro),
    );
    Mail { kind, to: to.to_owned(), subject, text, html: layout(brand, &body) }
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
    fn portal_mails_carry_their_link_and_escape_the_company() {
        let brand = Brand { company_name: "Acme <Plumbing>", color: "#0a7f3c" };
        let verify =
            portal_verification(&brand, "ann@x.test", "Ann", "https://x.test/p/acme/verify#token=t", 24);
        assert_eq!(verify.kind, "portal_verification");
        assert!(
            verify.text.contains("https://x.test/p/acme/verify#token=t") && verify.text.contains("24 hours")
        );
        assert!(verify.html.contains("href=\"https://x.test/p/acme/verify#token=t\""));
        assert!(!verify.html.contains("<Plumbing>"));
        let invite =
            portal_invitation(&brand, "bob@x.test", "https://x.test/p/acme/register#invitation=i", 7);
        assert_eq!(invite.kind, "portal_invitation");
        assert_eq!(invite.to, "bob@x.test");
        assert!(invite.text.contains("#invitation=i") && invite.text.contains("7 days"));
    }

    #[test]
    fn a_notification_carries_the_unsubscribe_placeholder_and_escapes_the_message() {
        let brand = Brand { company_name: "Acme", color: "#0a7f3c" };
        let stop = unsubscribe_link("https://x.test", "acme");
        let mail = new_message(
            &brand,
            "Leak",
            "Ann <b>",
            "<script>x</script>",
            "https://x.test/portal/requests/1",
            &stop,
        );
        assert_eq!(mail.kind, "new_message");
        assert!(mail.text.contains("https://x.test/p/acme/unsubscribe#token={unsubscribe_token}"));
        assert!(mail.html.contains("href=\"https://x.test/p/acme/unsubscribe#token={unsubscribe_token}\""));
        assert!(mail.text.contains("<script>x</script>"), "the text part is plain text");
        assert!(!mail.html.contains("<script>") && !mail.html.contains("Ann <b>"));
        let account = account_decided(&brand, "a@x.test", "A", "https://x.test/p/acme", Some("no"));
        assert!(!account.text.contains("unsubscribe"), "account mails cannot be turned off");
    }

    #[test]
    fn the_digest_lists_each_request_with_its_link_and_escapes_them() {
        let brand = Brand { company_name: "Acme", color: "#0a7f3c" };
        let items = [
            DigestItem {
                title: "Leak <b>",
                customer: "Ann & Co",
                age: "3 days".into(),
                link: "https://x.test/admin/requests/1".into(),
            },
            DigestItem {
                title: "Boiler",
                customer: "Bob",
                age: "2 hours".into(),
                link: "https://x.test/admin/requests/2".into(),
            },
        ];
        let mail = request_digest(&brand, "admin@x.test", "Ada", &items, 1, "https://x.test/admin/requests");
        assert_eq!(mail.kind, "request_digest");
        assert_eq!(mail.subject, "3 job requests wait for review (Acme)");
        let leak = mail.text.find("Leak <b> (Ann & Co, waiting 3 days)").expect("the first item");
        let boiler = mail.text.find("Boiler (Bob, waiting 2 hours)").expect("the second item");
        assert!(leak < boiler, "in the order given: oldest first");
        assert!(mail.text.contains("https://x.test/admin/requests/2") && mail.text.contains("1 more"));
        assert!(mail.html.contains("Leak &lt;b&gt;") && !mail.html.contains("Leak <b>"));
        assert!(mail.html.contains("href=\"https://x.test/admin/requests/1\""));
    }

    #[test]
    fn a_colour_that_is_not_one_stays_out_of_the_style() {
        let brand = Brand { company_name: "X", color: "red;background:url(x)" };
        let mail = password_reset(&brand, "a@x.test", "A", "https://x.test/r", 60);
        assert!(!mail.html.contains("url(x)"));
        assert!(mail.html.contains("#334155"));
    }
}
