//! The code's shape, checked rather than hoped for: the core's modules import one way (no
//! cycle between top-level modules), and no function of the core, the shell or the CLI is
//! longer than a screen (80 lines).
//!
//! Read from the sources as text: `crate::module` paths and `use crate::{…}` groups outside
//! comments and `#[cfg(test)]` modules. Names re-exported at the crate root map to their module
//! (`Core` → `core`, `Error`/`Result` → `error`, other types → `model`, re-exported whole).

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

const MAX_FN_LINES: usize = 80;

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// The file's code as the build sees it outside tests, without comment lines.
fn code(path: &Path) -> String {
    let text = std::fs::read_to_string(path).unwrap();
    let text = text.split("#[cfg(test)]").next().unwrap_or_default();
    text.lines().filter(|l| !l.trim_start().starts_with("//")).collect::<Vec<_>>().join("\n")
}

fn ident_at(s: &str) -> &str {
    let end = s.find(|c: char| !(c.is_alphanumeric() || c == '_')).unwrap_or(s.len());
    &s[..end]
}

/// The crate-level names a file refers to through `crate::`.
fn crate_refs(code: &str) -> Vec<String> {
    let mut out = Vec::new();
    for (i, _) in code.match_indices("crate::") {
        let rest = &code[i + "crate::".len()..];
        if let Some(group) = rest.strip_prefix('{') {
            let group = &group[..group.find('}').unwrap_or(group.len())];
            out.extend(group.split(',').map(|item| ident_at(item.trim()).to_string()).filter(|s| !s.is_empty()));
        } else {
            out.push(ident_at(rest).to_string());
        }
    }
    out
}

fn module_graph(src: &Path) -> BTreeMap<String, BTreeSet<String>> {
    let mut files = Vec::new();
    rust_files(src, &mut files);
    let top = |p: &Path| {
        let rel = p.strip_prefix(src).unwrap();
        rel.components().next().unwrap().as_os_str().to_string_lossy().trim_end_matches(".rs").to_string()
    };
    let modules: BTreeSet<String> = files.iter().map(|p| top(p)).filter(|m| m != "lib").collect();
    let mut graph: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for file in &files {
        let from = top(file);
        if from == "lib" {
            continue;
        }
        for name in crate_refs(&code(file)) {
            let to = match name.as_str() {
                "Core" => "core".to_string(),
                "Error" | "Result" => "error".to_string(),
                n if modules.contains(n) => n.to_string(),
                n if n.starts_with(char::is_uppercase) => "model".to_string(),
                _ => continue,
            };
            if to != from {
                graph.entry(from.clone()).or_default().insert(to);
            }
        }
    }
    graph
}

/// A cycle in the graph, as the path that closes it.
fn find_cycle(graph: &BTreeMap<String, BTreeSet<String>>) -> Option<Vec<String>> {
    fn visit(n: &str, g: &BTreeMap<String, BTreeSet<String>>, path: &mut Vec<String>, done: &mut BTreeSet<String>) -> Option<Vec<String>> {
        if let Some(i) = path.iter().position(|p| p == n) {
            let mut cycle = path[i..].to_vec();
            cycle.push(n.to_string());
            return Some(cycle);
        }
        if done.contains(n) {
            return None;
        }
        path.push(n.to_string());
        for next in g.get(n).into_iter().flatten() {
            if let Some(c) = visit(next, g, path, done) {
                return Some(c);
            }
        }
        path.pop();
        done.insert(n.to_string());
        None
    }
    let mut done = BTreeSet::new();
    graph.keys().find_map(|n| visit(n, graph, &mut Vec::new(), &mut done))
}

#[test]
fn the_cores_modules_import_one_way() {
    let graph = module_graph(&repo().join("src-tauri/core/src"));
    assert!(graph.len() > 10, "the sources were read: {graph:?}");
    assert!(graph["worker"].contains("queue"), "references are found: {:?}", graph["worker"]);
    if let Some(cycle) = find_cycle(&graph) {
        panic!("modules import in a circle: {}", cycle.join(" → "));
    }
}

#[test]
fn the_cycle_finder_finds_a_cycle() {
    let g: BTreeMap<String, BTreeSet<String>> = [("a", "b"), ("b", "c"), ("c", "a"), ("d", "a")]
        .into_iter()
        .fold(BTreeMap::new(), |mut g, (f, t)| {
            g.entry(f.to_string()).or_insert_with(BTreeSet::new).insert(t.to_string());
            g
        });
    assert_eq!(find_cycle(&g).map(|c| c.len()), Some(4), "a → b → c → a");
    assert_eq!(crate_refs("use crate::{a::X, b, Core};\nlet x = crate::c::f();"), ["a", "b", "Core", "c"]);
}

/// Functions longer than `max` lines: (lines, file:line, name). A function runs from its `fn`
/// line to the first line after it that closes a block at the `fn`'s indentation.
fn long_functions(path: &Path, max: usize) -> Vec<(usize, String, String)> {
    let code = std::fs::read_to_string(path).unwrap();
    let lines: Vec<&str> = code.split("#[cfg(test)]").next().unwrap_or_default().lines().collect();
    let mut out = Vec::new();
    for (i, line) in lines.iter().enumerate() {
        let trimmed = line.trim_start();
        let indent = line.len() - trimmed.len();
        let sig = ["pub(crate) ", "pub(super) ", "pub ", "async ", "const ", "unsafe "].iter().fold(trimmed, |s, p| s.strip_prefix(p).unwrap_or(s));
        let sig = sig.strip_prefix("async ").unwrap_or(sig);
        let Some(rest) = sig.strip_prefix("fn ") else { continue };
        // A declaration without a body (`fn x();` in a trait), or a body on one line.
        let Some(open) = lines[i..].iter().find(|l| l.contains('{') || l.trim_end().ends_with(';')) else { continue };
        if !open.contains('{') || open.matches('{').count() == open.matches('}').count() {
            continue;
        }
        let close = " ".repeat(indent) + "}";
        let Some(len) = lines[i + 1..].iter().position(|l| l.starts_with(&close) && l.len() - l.trim_start().len() == indent) else { continue };
        if len + 2 > max {
            out.push((len + 2, format!("{}:{}", path.display(), i + 1), ident_at(rest).to_string()));
        }
    }
    out
}

#[test]
fn no_function_of_the_core_shell_or_cli_is_longer_than_a_screen() {
    let mut files = Vec::new();
    for dir in ["src-tauri/core/src", "src-tauri/src", "src-tauri/cli/src"] {
        rust_files(&repo().join(dir), &mut files);
    }
    assert!(files.len() > 40);
    let long: Vec<_> = files.iter().flat_map(|f| long_functions(f, MAX_FN_LINES)).collect();
    assert!(long.is_empty(), "functions over {MAX_FN_LINES} lines (split them): {long:#?}");
}

#[test]
fn a_long_function_is_found() {
    let dir = tempfile::tempdir().unwrap();
    let body = (0..90).map(|i| format!("    let _x{i} = {i};\n")).collect::<String>();
    let path = dir.path().join("x.rs");
    std::fs::write(&path, format!("pub fn short() {{\n}}\n\nfn long() {{\n{body}}}\n\ntrait T {{\n    fn decl(&self);\n    fn one(&self) -> u8 {{ 1 }}\n}}\n\nfn after() {{\n{body}}}\n")).unwrap();
    let found = long_functions(&path, MAX_FN_LINES);
    let names: Vec<_> = found.iter().map(|(n, _, name)| (*n, name.as_str())).collect();
    assert_eq!(names, [(92, "long"), (92, "after")], "a declaration and a one-line body are not long");
}
