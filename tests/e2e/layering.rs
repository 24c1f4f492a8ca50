//! The crate graph drawn in ARCHITECTURE.md is the one Cargo builds: every md2030
//! dependency edge (normal, dev or build) must be one the drawing allows, every
//! workspace crate must be drawn, and every crate's description is one sentence.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

/// The allowed edges, read from the block between `<!-- crate-graph -->` markers.
fn drawn_graph(architecture: &str) -> BTreeMap<String, BTreeSet<String>> {
    let start = architecture.find("<!-- crate-graph -->").expect("no crate-graph block");
    let end = architecture.find("<!-- /crate-graph -->").expect("no end of crate-graph block");
    let mut graph = BTreeMap::new();
    for line in architecture[start..end].lines() {
        let Some((name, deps)) = line.split_once("->") else { continue };
        if !name.starts_with("md2030-") {
            continue;
        }
        let deps = deps
            .split(',')
            .map(|d| d.trim())
            .filter(|d| !d.is_empty())
            .map(|d| format!("md2030-{d}"))
            .collect();
        graph.insert(name.trim().to_string(), deps);
    }
    graph
}

#[test]
fn dependency_edges_only_point_down_the_graph_in_architecture_md() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let architecture = std::fs::read_to_string(root.join("ARCHITECTURE.md")).unwrap();
    let graph = drawn_graph(&architecture);
    assert!(graph.len() >= 13, "the drawing lists {} crates", graph.len());
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let output = std::process::Command::new(cargo)
        .args(["metadata", "--format-version", "1", "--no-deps", "--offline", "--manifest-path"])
        .arg(root.join("Cargo.toml"))
        .output()
        .unwrap();
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    let metadata: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    let mut wrong = Vec::new();
    let mut crates = BTreeSet::new();
    for package in metadata["packages"].as_array().unwrap() {
        let name = package["name"].as_str().unwrap();
        crates.insert(name.to_string());
        let description = package["description"].as_str().unwrap_or_default();
        let body = description.trim_end_matches('.');
        if body.split_whitespace().count() < 6 || body.contains(". ") || body.contains('\n') {
            wrong.push(format!("{name}: the description is not one sentence: {description:?}"));
        }
        let Some(allowed) = graph.get(name) else {
            wrong.push(format!("{name} is not in the drawing"));
            continue;
        };
        for dependency in package["dependencies"].as_array().unwrap() {
            let dep = dependency["name"].as_str().unwrap();
            if dep.starts_with("md2030-") && !allowed.contains(dep) {
                wrong.push(format!("{name} -> {dep} is not drawn"));
            }
        }
    }
    for drawn in graph.keys() {
        if !crates.contains(drawn) {
            wrong.push(format!("{drawn} is drawn but is not a workspace crate"));
        }
    }
    // The drawing itself points down: no crate may reach itself.
    for (name, deps) in &graph {
        let mut stack: Vec<&String> = deps.iter().collect();
        let mut seen = BTreeSet::new();
        while let Some(dep) = stack.pop() {
            if dep == name {
                wrong.push(format!("the drawing has a cycle through {name}"));
                break;
            }
            if seen.insert(dep.clone()) {
                stack.extend(graph.get(dep).into_iter().flatten());
            }
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}

#[test]
fn an_upward_edge_is_caught() {
    let graph = drawn_graph(
        "<!-- crate-graph -->\nmd2030-view -> results, model\nmd2030-model ->\n<!-- /crate-graph -->",
    );
    assert!(graph["md2030-view"].contains("md2030-results"));
    assert!(!graph["md2030-model"].contains("md2030-view"));
    assert!(graph["md2030-model"].is_empty());
}
