//! The TypeScript the UI compiles against is generated from the Rust types
//! (`deckmedia_app::ipc_types`): these tests fail when the committed file is stale, or when the
//! command table and the `#[tauri::command]` functions disagree.

use std::path::{Path, PathBuf};

use deckmedia_app::ipc_types::{self, CommandSig, GENERATED_PATH, REFRESH_COMMAND};

fn repo_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

#[test]
fn generated_typescript_is_current() {
    let path = repo_root().join(GENERATED_PATH);
    let fresh = ipc_types::typescript();
    if std::env::var_os("DECKMEDIA_WRITE_TS").is_some() {
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir).unwrap_or_else(|e| panic!("cannot create {}: {e}", dir.display()));
        }
        std::fs::write(&path, &fresh).unwrap_or_else(|e| panic!("cannot write {}: {e}", path.display()));
        return;
    }
    let committed = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        committed == fresh,
        "{GENERATED_PATH} is stale (the Rust IPC types changed). Refresh it with:\n    {REFRESH_COMMAND}\nthen run `npm run check`."
    );
}

/// The Rust files of the shell (not the core, CLI or test kit), wherever they live under src-tauri.
fn shell_sources(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else { return };
    for entry in entries.flatten() {
        let path = entry.path();
        let name = entry.file_name();
        if path.is_dir() {
            if !matches!(name.to_str(), Some("core" | "cli" | "testkit" | "target" | "gen")) {
                shell_sources(&path, out);
            }
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// Splits at commas outside `<…>` and `(…)`.
fn split_top(s: &str) -> Vec<String> {
    let (mut depth, mut cur, mut out) = (0i32, String::new(), Vec::new());
    for c in s.chars() {
        match c {
            '<' | '(' => depth += 1,
            '>' | ')' => depth -= 1,
            ',' if depth == 0 => {
                out.push(std::mem::take(&mut cur));
                continue;
            }
            _ => {}
        }
        cur.push(c);
    }
    out.push(cur);
    out.into_iter().map(|p| p.split_whitespace().collect::<String>()).filter(|p| !p.is_empty()).collect()
}

/// A command as declared: `(name, [(arg, type)], result)`.
type Declared = (String, Vec<(String, String)>, String);

/// Every `#[tauri::command]` function, arguments Tauri injects (`State`, `AppHandle`, `Window`,
/// …) left out, whitespace removed.
fn declared_commands(source: &str) -> Vec<Declared> {
    let mut out = Vec::new();
    for chunk in source.split("#[tauri::command]").skip(1) {
        let Some(at) = chunk.find("fn ") else { continue };
        let rest = &chunk[at + 3..];
        let name: String = rest.chars().take_while(|c| c.is_alphanumeric() || *c == '_').collect();
        let Some(open) = rest.find('(') else { continue };
        let Some(arrow) = rest.find("->") else { continue };
        let Some(close) = rest[..arrow].rfind(')') else { continue };
        let args = split_top(&rest[open + 1..close])
            .into_iter()
            .filter_map(|p| p.split_once(':').map(|(n, t)| (n.to_string(), t.to_string())))
            .filter(|(_, t)| !["State<", "AppHandle<", "Window<", "WebviewWindow<", "tauri::"].iter().any(|x| t.starts_with(x)) || t.starts_with("tauri::ipc::Channel"))
            .collect();
        let ret: String = rest[arrow + 2..].chars().take_while(|c| *c != '{').collect::<String>().split_whitespace().collect();
        let ret = ret.strip_prefix("CmdResult<").and_then(|r| r.strip_suffix('>')).unwrap_or(&ret).to_string();
        out.push((name, args, ret));
    }
    out
}

#[test]
fn every_command_function_matches_its_row_in_the_table() {
    let mut files = Vec::new();
    shell_sources(&repo_root().join("src-tauri"), &mut files);
    let declared: Vec<_> = files.iter().flat_map(|f| declared_commands(&std::fs::read_to_string(f).unwrap_or_default())).collect();
    let cfg = ts_rs::Config::new().with_large_int("number");
    let table: Vec<CommandSig> = ipc_types::commands(&cfg);
    let squash = |s: &str| s.split_whitespace().collect::<String>();
    let mut names: Vec<&str> = declared.iter().map(|(n, _, _)| n.as_str()).collect();
    names.sort_unstable();
    let mut listed: Vec<&str> = table.iter().map(|c| c.name).collect();
    listed.sort_unstable();
    assert_eq!(names, listed, "every #[tauri::command] needs a row in ipc_types' command_table! (and no row without one)");
    for c in &table {
        let Some((_, args, ret)) = declared.iter().find(|(n, _, _)| n == c.name) else { continue };
        let rows: Vec<(String, String)> = c.args.iter().map(|(n, t, _)| (n.to_string(), squash(t))).collect();
        assert_eq!(args, &rows, "arguments of `{}` differ between the function and the table", c.name);
        assert_eq!(ret, &squash(c.rust_result), "result of `{}` differs between the function and the table", c.name);
    }
}

#[test]
fn the_parser_reads_a_command_like_the_shell_writes_them() {
    let src = "#[tauri::command]\npub async fn save<R: Runtime>(\n    app: AppHandle<R>,\n    state: State<'_, AppState>,\n    image: Vec<Option<String>>,\n    n: i64,\n) -> CmdResult<Settings> {\n}";
    let got = declared_commands(src);
    let args = vec![("image".to_string(), "Vec<Option<String>>".to_string()), ("n".to_string(), "i64".to_string())];
    assert_eq!(got, vec![("save".to_string(), args, "Settings".to_string())]);
}
