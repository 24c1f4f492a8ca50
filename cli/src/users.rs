//! `md2030 user …` and `md2030 audit …`: accounts and the audit log from the
//! command line (the operator of the machine is trusted; every change is audited
//! as `cli:<os user>`).

use std::io::BufRead;
use std::process::ExitCode;

use anyhow::{Context, bail};
use md2030_store::{AuditEntry, NewAccount, Role, Store};

use crate::output;

/// The actor recorded for commands run on the machine.
pub(crate) fn cli_actor() -> String {
    let user = std::env::var("USER")
        .or_else(|_| std::env::var("LOGNAME"))
        .unwrap_or_else(|_| "unknown".into());
    format!("cli:{user}")
}

/// Appends to the audit log; a failure to audit is reported, never ignored.
pub(crate) fn audit(
    store: &mut Store,
    action: &str,
    subject: &str,
    outcome: &str,
    detail: serde_json::Value,
) -> anyhow::Result<()> {
    let at = crate::now_utc();
    let actor = cli_actor();
    store
        .audit(&AuditEntry {
            at: &at,
            actor: &actor,
            action,
            subject,
            outcome,
            address: "",
            detail,
        })
        .context("writing the audit log")?;
    Ok(())
}

/// Producer codes a steward may be given: the reference ministries and agencies,
/// and every producer named by a dataset contract.
fn known_producer(code: &str) -> bool {
    md2030_model::reference::reference_table("ministries").is_some_and(|t| t.row(code).is_some())
        || md2030_model::contracts().iter().any(|c| c.producer == code)
}

fn check_username(name: &str) -> anyhow::Result<()> {
    let valid = (2..=64).contains(&name.len())
        && name.bytes().all(|b| b.is_ascii_alphanumeric() || b"._-@".contains(&b))
        && name.as_bytes()[0].is_ascii_alphanumeric();
    if !valid {
        bail!(
            "user name {name:?}: 2 to 64 characters, letters, digits, '.', '_', '-' or '@', starting with a letter or digit"
        );
    }
    Ok(())
}

/// The password: one line from stdin with `--password-stdin`, else a random one
/// printed once.
fn new_password(from_stdin: bool, user_inputs: &[&str]) -> anyhow::Result<(String, bool)> {
    if from_stdin {
        let mut line = String::new();
        std::io::stdin().lock().read_line(&mut line).context("reading the password from stdin")?;
        let password = line.trim_end_matches(['\n', '\r']).to_string();
        md2030_access::check_new_password(&password, user_inputs)?;
        Ok((password, false))
    } else {
        // 43 characters of URL-safe base64: 256 bits.
        Ok((md2030_access::random_token()?, true))
    }
}

pub(crate) struct AddUser<'a> {
    pub username: &'a str,
    pub role: &'a str,
    pub ministries: &'a [String],
    pub name: Option<&'a str>,
    pub lang: md2030_model::Lang,
    pub password_stdin: bool,
}

pub(crate) fn add(store: &mut Store, add: &AddUser<'_>) -> anyhow::Result<ExitCode> {
    check_username(add.username)?;
    let role = Role::parse(add.role)
        .with_context(|| format!("role {:?}: viewer, steward, secretariat or admin", add.role))?;
    let mut ministries: Vec<String> = Vec::new();
    for code in add.ministries {
        let code = code.trim().to_uppercase();
        if !known_producer(&code) {
            bail!(
                "ministry {code:?} is not a producer md2030 knows (data/reference/ministries.csv)"
            );
        }
        if !ministries.contains(&code) {
            ministries.push(code);
        }
    }
    match role {
        Role::Steward if ministries.is_empty() => {
            bail!("a steward answers for at least one ministry: --ministry CODE")
        }
        Role::Viewer | Role::Admin | Role::Secretariat if !ministries.is_empty() => {
            bail!("only stewards are scoped to ministries")
        }
        _ => {}
    }
    let display_name = add.name.unwrap_or(add.username);
    if display_name.chars().count() > 120 || display_name.chars().any(char::is_control) {
        bail!("display name: at most 120 characters, no control characters");
    }
    let (password, generated) = new_password(add.password_stdin, &[add.username, display_name])?;
    let hash = md2030_access::hash_password(&password)?;
    let now = crate::now_utc();
    let account = store.add_account(&NewAccount {
        username: add.username,
        display_name,
        role,
        ministries: &ministries,
        password_hash: &hash,
        lang: add.lang.code(),
        now: &now,
    })?;
    let Some(account) = account else {
        bail!("user {:?} exists already", add.username);
    };
    audit(
        store,
        "account-add",
        &account.username,
        "ok",
        serde_json::json!({"role": role.as_str(), "ministries": ministries}),
    )?;
    output::line(&format!(
        "user {} added: {}{}",
        account.username,
        role.as_str(),
        if ministries.is_empty() {
            String::new()
        } else {
            format!(" of {}", ministries.join(", "))
        }
    ));
    if generated {
        output::line(&format!("password (shown once): {password}"));
    }
    Ok(ExitCode::SUCCESS)
}

pub(crate) fn list(store: &Store, json: bool) -> anyhow::Result<ExitCode> {
    let accounts = store.accounts()?;
    if json {
        output::line(&serde_json::to_string_pretty(&accounts)?);
        return Ok(ExitCode::SUCCESS);
    }
    output::line(&format!(
        "{:<24} {:<8} {:<16} {:<4} {:<21} status",
        "user", "role", "ministries", "lang", "created"
    ));
    for a in &accounts {
        output::line(&format!(
            "{:<24} {:<8} {:<16} {:<4} {:<21} {}",
            output::printable(&a.username),
            a.role.as_str(),
            a.ministries.join(","),
            a.lang,
            a.created_at,
            match &a.disabled_at {
                Some(at) => format!("disabled {at}"),
                None => "active".into(),
            }
        ));
    }
    Ok(ExitCode::SUCCESS)
}

pub(crate) fn disable(store: &mut Store, username: &str, enable: bool) -> anyhow::Result<ExitCode> {
    let now = crate::now_utc();
    let at = (!enable).then_some(now.as_str());
    if !store.set_disabled(username, at)? {
        bail!("no user {username:?}");
    }
    let action = if enable { "account-enable" } else { "account-disable" };
    audit(store, action, username, "ok", serde_json::json!({}))?;
    output::line(&format!(
        "user {username} {}",
        if enable { "enabled" } else { "disabled (signed out everywhere)" }
    ));
    Ok(ExitCode::SUCCESS)
}

pub(crate) fn reset_password(
    store: &mut Store,
    username: &str,
    password_stdin: bool,
) -> anyhow::Result<ExitCode> {
    let Some(account) = store.account(username)? else {
        bail!("no user {username:?}");
    };
    let (password, generated) =
        new_password(password_stdin, &[&account.username, &account.display_name])?;
    let hash = md2030_access::hash_password(&password)?;
    store.set_password(username, &hash, &crate::now_utc())?;
    audit(store, "password-reset", username, "ok", serde_json::json!({}))?;
    output::line(&format!("password of {username} replaced (signed out everywhere)"));
    if generated {
        output::line(&format!("password (shown once): {password}"));
    }
    Ok(ExitCode::SUCCESS)
}

/// `md2030 user unlock NAME`: forgets the account's failed sign-ins, so that no
/// address is held out of it and no attempt on it is slowed down.
pub(crate) fn unlock(store: &mut Store, username: &str) -> anyhow::Result<ExitCode> {
    if store.account(username)?.is_none() {
        bail!("no user {username:?}");
    }
    let cleared = store.clear_signin_failures(username, None)?;
    audit(
        store,
        "account-unlock",
        username,
        "ok",
        serde_json::json!({"failures_cleared": cleared}),
    )?;
    output::line(&format!(
        "user {username} unlocked: {cleared} failed sign-ins of the last day forgotten (a running dashboard sees it at the next attempt)"
    ));
    Ok(ExitCode::SUCCESS)
}

/// `md2030 audit`: the newest entries, as a table, JSON lines or CSV.
pub(crate) fn show(store: &Store, limit: usize, format: &str) -> anyhow::Result<ExitCode> {
    let mut records = store.audit_tail(limit)?;
    records.reverse();
    match format {
        "json" => {
            for r in &records {
                output::line(&serde_json::to_string(r)?);
            }
        }
        "csv" => {
            let csv = md2030_opendata::csv::audit_csv(&records)?;
            output::line(String::from_utf8(csv)?.trim_end());
        }
        _ => {
            for r in &records {
                let p = output::printable;
                output::line(&format!(
                    "{:>6} {} {:<18} {:<16} {:<28} {:<8} {} {}",
                    r.seq,
                    p(&r.at),
                    p(&r.actor),
                    p(&r.action),
                    p(&r.subject),
                    p(&r.outcome),
                    p(&r.address),
                    p(&r.detail.to_string())
                ));
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// `md2030 audit verify`: recompute the hash chain.
pub(crate) fn verify(store: &Store) -> anyhow::Result<ExitCode> {
    let problems = store.verify_audit()?;
    for p in &problems {
        output::line(p);
    }
    if problems.is_empty() {
        let count = store.audit_tail(1)?.first().map(|r| r.seq).unwrap_or(0);
        output::line(&format!("audit log intact: {count} entries, hash chain verified"));
        Ok(ExitCode::SUCCESS)
    } else {
        Ok(ExitCode::from(1))
    }
}
