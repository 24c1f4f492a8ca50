//! `md2030.toml`, read once and checked as a whole: the `[dashboard]` section for
//! the web server, `[briefings]`, `[smtp]` and `[[recipients]]` for delivery. A
//! key md2030 does not know is refused with its name, in any section.

use std::path::{Path, PathBuf};

use anyhow::Context;

/// The file's sections, typed.
#[derive(Debug, Default)]
pub(crate) struct ConfigFile {
    pub(crate) dashboard: md2030_dashboard::auth::Settings,
    /// None when the file schedules no briefings.
    pub(crate) delivery: Option<md2030_delivery::Config>,
}

/// The configuration file: `--config`, else `<data dir>/md2030.toml` when present.
fn config_path(data_dir: &Path, explicit: Option<&Path>) -> Option<PathBuf> {
    match explicit {
        Some(path) => Some(path.to_path_buf()),
        None => Some(data_dir.join("md2030.toml")).filter(|p| p.is_file()),
    }
}

/// Reads and checks `md2030.toml` (the defaults without one).
pub(crate) fn load(data_dir: &Path, explicit: Option<&Path>) -> anyhow::Result<ConfigFile> {
    let Some(path) = config_path(data_dir, explicit) else { return Ok(ConfigFile::default()) };
    let text =
        std::fs::read_to_string(&path).with_context(|| format!("reading {}", path.display()))?;
    parse(&text, &|name| std::env::var(name).ok())
        .map_err(|e| anyhow::anyhow!("in {}: {e}", path.display()))
}

/// The text of a configuration file, checked; `env` reads environment variables
/// (the SMTP password).
fn parse(text: &str, env: &dyn Fn(&str) -> Option<String>) -> Result<ConfigFile, String> {
    let mut table: toml::Table = text.parse().map_err(|e: toml::de::Error| e.to_string())?;
    if let Some(key) = table
        .keys()
        .find(|k| !["dashboard", "briefings", "smtp", "recipients"].contains(&k.as_str()))
    {
        return Err(format!(
            "{key}: unknown section (expected dashboard, briefings, smtp or recipients)"
        ));
    }
    let dashboard = match table.remove("dashboard") {
        Some(toml::Value::Table(section)) => Some(section),
        Some(_) => return Err("dashboard: expected a [dashboard] table".into()),
        None => None,
    };
    let dashboard = md2030_dashboard::auth::Settings::from_section(dashboard)?;
    // A file that only configures the dashboard schedules nothing.
    let delivery = if table.is_empty() {
        None
    } else {
        Some(md2030_delivery::Config::from_sections(table, env).map_err(|e| e.to_string())?)
    };
    Ok(ConfigFile { dashboard, delivery })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_section_goes_to_its_reader_and_unknown_keys_are_refused() {
        let none = |_: &str| None;
        let file =
            parse("[dashboard]\naccess = \"private\"\n[briefings]\nlanguages = [\"ar\"]\n", &none)
                .unwrap();
        assert_eq!(file.dashboard.access, md2030_dashboard::auth::AccessMode::Private);
        let delivery = file.delivery.unwrap();
        assert_eq!(delivery.languages, vec![md2030_model::Lang::Ar]);
        // Only the dashboard: nothing scheduled.
        assert!(parse("[dashboard]\naccess = \"public\"\n", &none).unwrap().delivery.is_none());
        let err = parse("[dashbord]\naccess = \"public\"\n", &none).unwrap_err();
        assert!(err.starts_with("dashbord: unknown section"), "{err}");
        let err = parse("[briefings]\nlanguage = [\"fr\"]\n", &none).unwrap_err();
        assert!(err.contains("unknown field `language`"), "{err}");
    }
}
