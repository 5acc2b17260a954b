//! Where the ONNX Runtime library comes from, and loading it once per process.
//!
//! The app links no ONNX Runtime: `ort` is built with `load-dynamic`, and the library is
//! looked for, in order, at
//! 1. config `[neural] runtime` (or `DECKMEDIA_ONNXRUNTIME`): a library file or a folder,
//! 2. next to the running binary (and in its `lib/` and `../lib/` folders: app bundles),
//! 3. `<data dir>/runtime/`.
//!
//! A missing library is a [`RuntimeError::Missing`] that names every place looked at; only the
//! neural voices need it (eSpeak NG and everything else keep working). The first library loaded
//! stays loaded for the life of the process (ONNX Runtime cannot be unloaded).

use std::path::{Path, PathBuf};
use std::sync::Mutex;

/// The environment variable naming the library (a file or a folder).
pub const RUNTIME_ENV: &str = crate::config::ONNXRUNTIME_ENV;

/// Why the runtime is not available.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RuntimeError {
    #[error(
        "neural voices need ONNX Runtime (libonnxruntime, 1.22 or newer), which was not found; looked in: {looked}. \
         Set [neural] runtime in config.toml or DECKMEDIA_ONNXRUNTIME to the library, or put it in <data dir>/runtime/ \
         (e.g. from the `onnxruntime` Python wheel: onnxruntime/capi/libonnxruntime.so.*)"
    )]
    Missing { looked: String },
    #[error("neural voices need ONNX Runtime, but {path} could not be loaded: {message}")]
    Load { path: PathBuf, message: String },
}

/// Where to look for the library.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RuntimeSearch {
    /// `[neural] runtime` / `DECKMEDIA_ONNXRUNTIME` (a file or a folder); empty = not set.
    pub configured: Option<PathBuf>,
    /// The folder of the running binary.
    pub exe_dir: Option<PathBuf>,
    /// The data dir (its `runtime/` folder is searched).
    pub data_dir: Option<PathBuf>,
}

impl RuntimeSearch {
    /// The usual search: the configured path, the binary's folder, the data dir.
    pub fn new(configured: &str, data_dir: Option<&Path>) -> RuntimeSearch {
        let configured = Some(configured.trim()).filter(|c| !c.is_empty()).map(PathBuf::from);
        let exe_dir = std::env::current_exe().ok().and_then(|p| p.parent().map(Path::to_path_buf));
        RuntimeSearch { configured, exe_dir, data_dir: data_dir.map(Path::to_path_buf) }
    }

    /// The folders (or the file) searched, in order.
    pub fn places(&self) -> Vec<PathBuf> {
        let mut places = Vec::new();
        places.extend(self.configured.clone());
        if let Some(exe) = &self.exe_dir {
            places.push(exe.clone());
            places.push(exe.join("lib"));
            if let Some(parent) = exe.parent() {
                places.push(parent.join("lib"));
            }
        }
        if let Some(data) = &self.data_dir {
            places.push(data.join("runtime"));
        }
        places
    }

    /// The library to load: the first place that is, or holds, an ONNX Runtime library.
    pub fn locate(&self) -> Result<PathBuf, RuntimeError> {
        let places = self.places();
        for place in &places {
            if place.is_file() {
                return Ok(place.clone());
            }
            if let Some(lib) = library_in(place) {
                return Ok(lib);
            }
        }
        let looked = places.iter().map(|p| p.display().to_string()).collect::<Vec<_>>().join(", ");
        Err(RuntimeError::Missing { looked: if looked.is_empty() { "nowhere (no binary folder, no data dir)".into() } else { looked } })
    }
}

/// Whether a file name is the ONNX Runtime library of this platform (any version suffix).
pub fn is_runtime_library(name: &str) -> bool {
    if cfg!(target_os = "windows") {
        name.eq_ignore_ascii_case("onnxruntime.dll")
    } else if cfg!(target_os = "macos") {
        name.starts_with("libonnxruntime") && name.ends_with(".dylib") && !name.contains("providers")
    } else {
        name == "libonnxruntime.so" || name.starts_with("libonnxruntime.so.")
    }
}

/// The runtime library in a folder (the shortest name: `libonnxruntime.so` before `.so.1.32.0`).
fn library_in(dir: &Path) -> Option<PathBuf> {
    let entries = std::fs::read_dir(dir).ok()?;
    let mut libs: Vec<PathBuf> = entries
        .filter_map(|e| e.ok())
        .filter(|e| e.file_name().to_str().is_some_and(is_runtime_library))
        .map(|e| e.path())
        .filter(|p| p.is_file())
        .collect();
    libs.sort_by_key(|p| (p.as_os_str().len(), p.clone()));
    libs.into_iter().next()
}

/// The process's ONNX Runtime environment, loading the library on first use.
static ENVIRONMENT: Mutex<Option<ort::environment::Environment>> = Mutex::new(None);

/// The loaded runtime's environment; loads the library found by `search` the first time.
/// A failed load is not remembered: the next call looks again (the user may have installed it).
pub fn environment(search: &RuntimeSearch) -> Result<ort::environment::Environment, RuntimeError> {
    let mut slot = ENVIRONMENT.lock().unwrap_or_else(|p| p.into_inner());
    if let Some(env) = slot.as_ref() {
        return Ok(env.clone());
    }
    let path = search.locate()?;
    let load_err = |message: String| RuntimeError::Load { path: path.clone(), message };
    let env = ort::init_from(&path)
        .map_err(|e| load_err(e.to_string()))?
        .with_name("deckmedia")
        .build()
        .map_err(|e| load_err(e.to_string()))?;
    tracing::info!(path = %path.display(), "ONNX Runtime loaded");
    *slot = Some(env.clone());
    Ok(env)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_missing_runtime_names_every_place_looked_at() {
        let dir = tempfile::tempdir().ok();
        let data = dir.as_ref().map(|d| d.path().to_path_buf());
        let search = RuntimeSearch { configured: Some("/nonexistent/ort".into()), exe_dir: None, data_dir: data.clone() };
        let err = search.locate().err().map(|e| e.to_string()).unwrap_or_default();
        assert!(err.starts_with("neural voices need ONNX Runtime"), "{err}");
        assert!(err.contains("/nonexistent/ort") && err.contains("runtime"), "{err}");
    }

    #[test]
    #[cfg(target_os = "linux")]
    fn the_library_is_found_in_a_folder_by_its_versioned_name() {
        let Some(dir) = tempfile::tempdir().ok() else { return };
        let rt = dir.path().join("runtime");
        std::fs::create_dir_all(&rt).ok();
        std::fs::write(rt.join("libonnxruntime_providers_shared.so"), b"x").ok();
        std::fs::write(rt.join("libonnxruntime.so.1.32.0"), b"x").ok();
        let search = RuntimeSearch { configured: None, exe_dir: None, data_dir: Some(dir.path().to_path_buf()) };
        assert_eq!(search.locate().ok(), Some(rt.join("libonnxruntime.so.1.32.0")));
    }
}
