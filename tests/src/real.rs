//! Where the shared real data lives. One file, included by `md2030-e2e` and by the
//! binary's tests (`#[path]`), so that both find it and fail the same way.

use std::path::{Path, PathBuf};

/// `../shared/data/real` next to the repository, when present (CI has it). With
/// `MD2030_REQUIRE_REAL_DATA=1` (as `.ci/run` sets) a missing folder fails the test
/// instead of skipping it.
pub fn real_data() -> Option<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../shared/data/real");
    if dir.is_dir() {
        return Some(dir);
    }
    let required = std::env::var("MD2030_REQUIRE_REAL_DATA").is_ok_and(|v| v == "1");
    assert!(!required, "MD2030_REQUIRE_REAL_DATA=1 but {} is missing", dir.display());
    None
}
