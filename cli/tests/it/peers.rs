//! `md2030 peers`: the named peer sets an administrator edits.

use crate::{md2030, sample_store};

/// A set changed from the command line is written to the data directory's
/// catalogue, audited, and Morocco is ranked in it at once: among Tunisia, Egypt
/// and South Africa on the 2024 EGDI (sample file: ZAF 0.86162, TUN 0.69348, MAR
/// 0.68411, EGY 0.66990) it is 3rd of 4. A code that is not a UN member's is
/// refused, exit 2, naming it, and the file stays as it was.
#[test]
fn a_peer_set_changed_by_an_administrator_ranks_morocco_in_it() {
    let store = sample_store();
    let out = md2030(store.path(), &["peers", "set", "peers", "TUN", "EGY", "ZAF"]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let list = md2030(store.path(), &["peers", "list"]);
    let list = String::from_utf8_lossy(&list.stdout).to_string();
    let line = list.lines().find(|l| l.starts_with("peers ")).unwrap();
    assert!(line.ends_with("EGY MAR TUN ZAF — EGDI 2024: 3 / 4"), "{line}");
    assert!(list.lines().any(|l| l.starts_with("africa") && l.ends_with("EGDI 2024: 4 / 54")));
    let written = store.path().join("catalog/peers.toml");
    let before = std::fs::read(&written).unwrap();
    let out = md2030(store.path(), &["peers", "set", "peers", "TUN", "XYZ"]);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("\"XYZ\" is not the ISO3 code of a UN member state"), "{err}");
    assert_eq!(std::fs::read(&written).unwrap(), before);
    let audit = md2030(store.path(), &["audit", "--format", "json"]);
    let audit = String::from_utf8_lossy(&audit.stdout);
    assert!(audit.contains("peer-set-change"), "{audit}");
}
