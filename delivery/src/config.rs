//! The delivery configuration (`md2030.toml`): when briefings are built, which
//! languages, the SMTP server and the distribution list. Parsed and checked in one
//! go; every problem names the key and the value.
//!
//! ```toml
//! [briefings]
//! languages = ["fr", "ar", "en"]
//! monthly = "first-working-day"   # or "off", or a day of the month 1..28
//! time = "08:00"                  # local time the edition is built and sent
//! utc_offset = "+01:00"           # Morocco; "+00:00" during Ramadan
//! meetings = ["2027-01-21"]       # Commission meetings
//! days_before_meeting = 2         # working days before each meeting
//! holidays = ["2027-03-20"]       # movable holidays (the fixed ones are built in)
//! catch_up_days = 7
//! retry_minutes = [1, 5, 15, 60, 240]
//!
//! [smtp]
//! host = "smtp.example.gov.ma"
//! port = 587
//! tls = "opportunistic"           # opportunistic | starttls | implicit | none
//! ca_file = "/etc/md2030/ca.pem"  # an extra trusted root (PEM), optional
//! username = "md2030"
//! password_env = "MD2030_SMTP_PASSWORD"
//! from = "Maroc Digital 2030 <md2030@example.gov.ma>"
//!
//! [[recipients]]
//! name = "Cabinet du Chef du Gouvernement"
//! email = "cabinet@example.gov.ma"
//! lang = "fr"
//! ```

use std::path::PathBuf;

use chrono::NaiveDate;
use md2030_model::Lang;
use serde::Deserialize;

use crate::Error;

/// The monthly edition: on the first working day, on (the first working day from)
/// a fixed day, or none.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Monthly {
    Off,
    FirstWorkingDay,
    Day(u32),
}

/// When editions are due.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Schedule {
    pub monthly: Monthly,
    pub hour: u32,
    pub minute: u32,
    pub utc_offset_minutes: i32,
    pub meetings: Vec<NaiveDate>,
    pub days_before_meeting: u32,
    pub holidays: Vec<NaiveDate>,
    pub catch_up_days: u32,
}

/// How the SMTP connection is secured.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TlsMode {
    /// STARTTLS when the server offers it, plain text otherwise.
    Opportunistic,
    /// STARTTLS required: refuse to send in clear.
    StartTls,
    /// TLS from the first byte (SMTPS, port 465).
    Implicit,
    /// Plain text (a relay on the same host).
    None,
}

/// The SMTP server and the sender.
#[derive(Debug, Clone)]
pub struct Smtp {
    pub host: String,
    pub port: u16,
    pub tls: TlsMode,
    pub ca_file: Option<PathBuf>,
    pub username: Option<String>,
    /// The password, read from the environment variable or file the
    /// configuration names (never written in the configuration itself).
    pub password: Option<String>,
    pub from: String,
    pub timeout_seconds: u64,
}

/// One person on the distribution list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Recipient {
    pub name: String,
    pub email: String,
    pub lang: Lang,
}

/// The whole delivery configuration.
#[derive(Debug, Clone)]
pub struct Config {
    pub languages: Vec<Lang>,
    pub schedule: Schedule,
    /// Minutes to wait before each retry; a delivery fails for good after the last.
    pub retry_minutes: Vec<u32>,
    pub smtp: Option<Smtp>,
    pub recipients: Vec<Recipient>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawFile {
    #[serde(default)]
    briefings: Option<RawBriefings>,
    #[serde(default)]
    smtp: Option<RawSmtp>,
    #[serde(default)]
    recipients: Vec<RawRecipient>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawBriefings {
    languages: Option<Vec<String>>,
    monthly: Option<toml::Value>,
    time: Option<String>,
    utc_offset: Option<String>,
    #[serde(default)]
    meetings: Vec<String>,
    days_before_meeting: Option<u32>,
    #[serde(default)]
    holidays: Vec<String>,
    catch_up_days: Option<u32>,
    retry_minutes: Option<Vec<u32>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawSmtp {
    host: String,
    port: Option<u16>,
    tls: Option<String>,
    ca_file: Option<PathBuf>,
    username: Option<String>,
    password_env: Option<String>,
    password_file: Option<PathBuf>,
    from: String,
    timeout_seconds: Option<u64>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawRecipient {
    #[serde(default)]
    name: String,
    email: String,
    lang: Option<String>,
}

fn bad(key: &str, value: impl std::fmt::Display, rule: &str) -> Error {
    Error::Config(format!("{key} = {value}: {rule}"))
}

fn parse_date(key: &str, text: &str) -> Result<NaiveDate, Error> {
    NaiveDate::parse_from_str(text, "%Y-%m-%d")
        .map_err(|_| bad(key, format!("{text:?}"), "expected a date YYYY-MM-DD"))
}

/// `+01:00` -> 60.
fn parse_offset(text: &str) -> Option<i32> {
    let (sign, rest) = match text.as_bytes().first()? {
        b'+' => (1, &text[1..]),
        b'-' => (-1, &text[1..]),
        _ => return None,
    };
    let (h, m) = rest.split_once(':')?;
    if h.len() != 2 || m.len() != 2 {
        return None;
    }
    let (h, m): (i32, i32) = (h.parse().ok()?, m.parse().ok()?);
    ((0..=14).contains(&h) && (0..60).contains(&m)).then_some(sign * (h * 60 + m))
}

/// A plausible address: one `@`, something before, a dotted or local domain
/// after, no spaces or angle brackets (the name goes in `name`).
fn valid_email(email: &str) -> bool {
    let Some((local, domain)) = email.split_once('@') else { return false };
    !local.is_empty()
        && !domain.is_empty()
        && !domain.contains('@')
        && !email.chars().any(|c| c.is_whitespace() || c.is_control() || "<>,;\"".contains(c))
}

impl Config {
    /// Parses and checks the configuration text. `env` reads environment
    /// variables (the SMTP password).
    pub fn parse(text: &str, env: &dyn Fn(&str) -> Option<String>) -> Result<Config, Error> {
        let table: toml::Table = toml::from_str(text).map_err(|e| Error::Config(e.to_string()))?;
        Config::from_sections(table, env)
    }

    /// Checks the `[briefings]`, `[smtp]` and `[[recipients]]` sections of a parsed
    /// `md2030.toml` (any other key is refused).
    pub fn from_sections(
        sections: toml::Table,
        env: &dyn Fn(&str) -> Option<String>,
    ) -> Result<Config, Error> {
        let raw: RawFile = toml::Value::Table(sections)
            .try_into()
            .map_err(|e: toml::de::Error| Error::Config(e.message().to_string()))?;
        let briefings = raw.briefings.unwrap_or(RawBriefings {
            languages: None,
            monthly: None,
            time: None,
            utc_offset: None,
            meetings: Vec::new(),
            days_before_meeting: None,
            holidays: Vec::new(),
            catch_up_days: None,
            retry_minutes: None,
        });
        let languages = match briefings.languages {
            None => Lang::ALL.to_vec(),
            Some(codes) => codes
                .iter()
                .map(|c| {
                    Lang::parse(c).ok_or_else(|| {
                        bad("briefings.languages", format!("{c:?}"), "expected fr, ar or en")
                    })
                })
                .collect::<Result<Vec<_>, _>>()?,
        };
        if languages.is_empty() {
            return Err(bad("briefings.languages", "[]", "at least one language"));
        }
        let monthly = match &briefings.monthly {
            None => Monthly::FirstWorkingDay,
            Some(toml::Value::String(s)) if s == "first-working-day" => Monthly::FirstWorkingDay,
            Some(toml::Value::String(s)) if s == "off" => Monthly::Off,
            Some(toml::Value::Integer(day)) if (1..=28).contains(day) => Monthly::Day(*day as u32),
            Some(other) => {
                let shown = match other {
                    toml::Value::String(s) => format!("{s:?}"),
                    toml::Value::Integer(i) => i.to_string(),
                    _ => other.type_str().to_string(),
                };
                return Err(bad(
                    "briefings.monthly",
                    shown,
                    "expected \"first-working-day\", \"off\" or a day 1..28",
                ));
            }
        };
        let time = briefings.time.as_deref().unwrap_or("08:00");
        let (hour, minute) = time
            .split_once(':')
            .and_then(|(h, m)| Some((h.parse::<u32>().ok()?, m.parse::<u32>().ok()?)))
            .filter(|(h, m)| *h < 24 && *m < 60 && time.len() == 5)
            .ok_or_else(|| bad("briefings.time", format!("{time:?}"), "expected HH:MM"))?;
        let offset = briefings.utc_offset.as_deref().unwrap_or("+01:00");
        let utc_offset_minutes = parse_offset(offset)
            .ok_or_else(|| bad("briefings.utc_offset", format!("{offset:?}"), "expected +HH:MM"))?;
        let meetings = briefings
            .meetings
            .iter()
            .map(|m| parse_date("briefings.meetings", m))
            .collect::<Result<Vec<_>, _>>()?;
        let holidays = briefings
            .holidays
            .iter()
            .map(|h| parse_date("briefings.holidays", h))
            .collect::<Result<Vec<_>, _>>()?;
        let days_before_meeting = briefings.days_before_meeting.unwrap_or(2);
        if days_before_meeting > 30 {
            return Err(bad("briefings.days_before_meeting", days_before_meeting, "at most 30"));
        }
        let catch_up_days = briefings.catch_up_days.unwrap_or(7);
        if catch_up_days > 31 {
            return Err(bad("briefings.catch_up_days", catch_up_days, "at most 31"));
        }
        let retry_minutes = briefings.retry_minutes.unwrap_or_else(|| vec![1, 5, 15, 60, 240]);
        if retry_minutes.len() > 20 || retry_minutes.iter().any(|m| *m > 7 * 24 * 60) {
            return Err(bad(
                "briefings.retry_minutes",
                format!("{retry_minutes:?}"),
                "at most 20 retries of at most a week each",
            ));
        }

        let smtp = raw.smtp.map(|raw| smtp(raw, env)).transpose()?;
        let recipients = recipients(raw.recipients, &languages)?;
        if !recipients.is_empty() && smtp.is_none() {
            return Err(Error::Config(
                "recipients are listed but there is no [smtp] section to send with".into(),
            ));
        }
        Ok(Config {
            languages,
            schedule: Schedule {
                monthly,
                hour,
                minute,
                utc_offset_minutes,
                meetings,
                days_before_meeting,
                holidays,
                catch_up_days,
            },
            retry_minutes,
            smtp,
            recipients,
        })
    }
}

/// The `[smtp]` section, checked; `env` reads the password's variable.
fn smtp(smtp: RawSmtp, env: &dyn Fn(&str) -> Option<String>) -> Result<Smtp, Error> {
    let tls = match smtp.tls.as_deref().unwrap_or("opportunistic") {
        "opportunistic" => TlsMode::Opportunistic,
        "starttls" => TlsMode::StartTls,
        "implicit" => TlsMode::Implicit,
        "none" => TlsMode::None,
        other => {
            return Err(bad(
                "smtp.tls",
                format!("{other:?}"),
                "expected opportunistic, starttls, implicit or none",
            ));
        }
    };
    if smtp.host.trim().is_empty() {
        return Err(bad("smtp.host", "\"\"", "a host name is required"));
    }
    let password = match (&smtp.password_env, &smtp.password_file) {
        (Some(_), Some(_)) => {
            return Err(bad(
                "smtp.password_env",
                "…",
                "give password_env or password_file, not both",
            ));
        }
        (Some(var), None) => Some(env(var).ok_or_else(|| {
            bad("smtp.password_env", format!("{var:?}"), "this environment variable is not set")
        })?),
        (None, Some(path)) => Some(
            std::fs::read_to_string(path)
                .map_err(|e| bad("smtp.password_file", path.display(), &e.to_string()))?
                .trim_end_matches(['\r', '\n'])
                .to_string(),
        ),
        (None, None) => None,
    };
    if smtp.username.is_some() != password.is_some() {
        return Err(bad(
            "smtp.username",
            "…",
            "a username needs a password (password_env or password_file) and the reverse",
        ));
    }
    let from = smtp.from.trim().to_string();
    let address = from.rsplit_once('<').map(|(_, a)| a.trim_end_matches('>')).unwrap_or(&from);
    if !valid_email(address) {
        return Err(bad(
            "smtp.from",
            format!("{from:?}"),
            "expected an address, optionally with a name: Name <address>",
        ));
    }
    Ok(Smtp {
        port: smtp.port.unwrap_or(match tls {
            TlsMode::Implicit => 465,
            _ => 587,
        }),
        host: smtp.host,
        tls,
        ca_file: smtp.ca_file,
        username: smtp.username,
        password,
        from,
        timeout_seconds: smtp.timeout_seconds.unwrap_or(30),
    })
}

/// The `[[recipients]]`, checked against the briefing languages.
fn recipients(raw: Vec<RawRecipient>, languages: &[Lang]) -> Result<Vec<Recipient>, Error> {
    let mut recipients = Vec::new();
    for (i, r) in raw.into_iter().enumerate() {
        let key = format!("recipients[{i}]");
        let email = r.email.trim().to_string();
        if !valid_email(&email) {
            return Err(bad(
                &format!("{key}.email"),
                format!("{email:?}"),
                "not an e-mail address",
            ));
        }
        let lang = match r.lang.as_deref() {
            None => languages[0],
            Some(code) => Lang::parse(code).ok_or_else(|| {
                bad(&format!("{key}.lang"), format!("{code:?}"), "expected fr, ar or en")
            })?,
        };
        if !languages.contains(&lang) {
            return Err(bad(&format!("{key}.lang"), lang.code(), "not one of briefings.languages"));
        }
        if recipients.iter().any(|x: &Recipient| x.email.eq_ignore_ascii_case(&email)) {
            return Err(bad(&format!("{key}.email"), &email, "listed twice"));
        }
        if r.name.chars().any(|c| c.is_control()) {
            return Err(bad(
                &format!("{key}.name"),
                format!("{:?}", r.name),
                "no control characters",
            ));
        }
        recipients.push(Recipient { name: r.name.trim().to_string(), email, lang });
    }
    Ok(recipients)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn no_env(_: &str) -> Option<String> {
        None
    }

    #[test]
    fn an_empty_file_gives_the_defaults() {
        let config = Config::parse("", &no_env).unwrap();
        assert_eq!(config.languages, Lang::ALL.to_vec());
        assert_eq!(config.schedule.monthly, Monthly::FirstWorkingDay);
        assert_eq!(
            (config.schedule.hour, config.schedule.minute, config.schedule.utc_offset_minutes),
            (8, 0, 60)
        );
        assert_eq!(config.retry_minutes, vec![1, 5, 15, 60, 240]);
        assert!(config.smtp.is_none() && config.recipients.is_empty());
    }

    #[test]
    fn a_full_file_is_read_with_the_password_from_the_environment() {
        let text = r#"
            [briefings]
            languages = ["fr", "ar"]
            monthly = 3
            time = "07:30"
            utc_offset = "+00:00"
            meetings = ["2027-01-21"]
            holidays = ["2027-03-20"]
            [smtp]
            host = "smtp.example.gov.ma"
            tls = "implicit"
            username = "md2030"
            password_env = "SMTP_PW"
            from = "Maroc Digital 2030 <md2030@example.gov.ma>"
            [[recipients]]
            name = "Cabinet"
            email = "cabinet@example.gov.ma"
            lang = "ar"
        "#;
        let env = |k: &str| (k == "SMTP_PW").then(|| "s3cret".to_string());
        let config = Config::parse(text, &env).unwrap();
        assert_eq!(config.schedule.monthly, Monthly::Day(3));
        assert_eq!(
            (config.schedule.hour, config.schedule.minute, config.schedule.utc_offset_minutes),
            (7, 30, 0)
        );
        let smtp = config.smtp.unwrap();
        assert_eq!(
            (smtp.port, smtp.tls, smtp.password.as_deref()),
            (465, TlsMode::Implicit, Some("s3cret"))
        );
        assert_eq!(config.recipients[0].lang, Lang::Ar);
    }

    #[test]
    fn each_mistake_names_its_key_and_value() {
        let cases = [
            ("[briefings]\nlanguages = [\"de\"]", "briefings.languages = \"de\""),
            ("[briefings]\ntime = \"8h\"", "briefings.time = \"8h\""),
            ("[briefings]\nmonthly = 31", "briefings.monthly = 31"),
            ("[briefings]\nmeetings = [\"21/01/2027\"]", "briefings.meetings = \"21/01/2027\""),
            ("[briefings]\nutc_offset = \"CET\"", "briefings.utc_offset = \"CET\""),
            ("[smtp]\nhost = \"h\"\nfrom = \"a@b\"\ntls = \"ssl\"", "smtp.tls = \"ssl\""),
            (
                "[smtp]\nhost = \"h\"\nfrom = \"a@b\"\nusername = \"u\"\npassword_env = \"NOPE\"",
                "smtp.password_env = \"NOPE\"",
            ),
            ("[smtp]\nhost = \"h\"\nfrom = \"nobody\"", "smtp.from = \"nobody\""),
            (
                "[smtp]\nhost = \"h\"\nfrom = \"a@b\"\n[[recipients]]\nemail = \"x y@z\"",
                "recipients[0].email = \"x y@z\"",
            ),
            ("[[recipients]]\nemail = \"a@b\"", "no [smtp] section"),
            ("[briefings]\nlanguage = [\"fr\"]", "unknown field `language`"),
        ];
        for (text, expected) in cases {
            let err = Config::parse(text, &no_env).unwrap_err().to_string();
            assert!(err.contains(expected), "{text:?}: {err}");
        }
    }
}
