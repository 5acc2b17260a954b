//! A media file of the data dir for the page's audio player.

use deckmedia_core::error::ErrorCode;
use tauri::State;

use crate::state::AppState;
use crate::ErrorDto;

use super::CmdResult;

/// Largest media file `read_media` hands to the page.
const MAX_MEDIA_BYTES: u64 = 64 * 1024 * 1024;

/// The bytes of a media file inside the data dir's `media/` folder, for the audio player.
/// (WebKitGTK's media player does not load `asset:` URLs — tauri-apps/tauri#3725 — so the page
/// plays a `blob:` URL of these bytes instead.) Any path outside that folder is refused.
#[tauri::command]
pub async fn read_media(state: State<'_, AppState>, path: String) -> CmdResult<tauri::ipc::Response> {
    let media_dir = state.data_dir().join("media");
    let bytes = tauri::async_runtime::spawn_blocking(move || read_media_file(&media_dir, std::path::Path::new(&path)))
        .await
        .map_err(|e| ErrorDto::new(ErrorCode::App, format!("the task failed: {e}")))??;
    Ok(tauri::ipc::Response::new(bytes))
}

fn read_media_file(media_dir: &std::path::Path, path: &std::path::Path) -> CmdResult<Vec<u8>> {
    let refuse = || ErrorDto::new(ErrorCode::InvalidInput, "only files of the media folder can be played");
    let root = std::fs::canonicalize(media_dir).map_err(|_| refuse())?;
    let file = std::fs::canonicalize(path).map_err(|_| ErrorDto::new(ErrorCode::NotFound, "the recording is missing"))?;
    if !file.starts_with(&root) || !file.is_file() {
        return Err(refuse());
    }
    let len = std::fs::metadata(&file).map_err(|e| ErrorDto::new(ErrorCode::Io, format!("cannot read the recording: {e}")))?.len();
    if len > MAX_MEDIA_BYTES {
        return Err(ErrorDto::new(ErrorCode::InvalidInput, "the file is too large to play"));
    }
    std::fs::read(&file).map_err(|e| ErrorDto::new(ErrorCode::Io, format!("cannot read the recording: {e}")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn read_media_serves_the_media_folder_only() {
        let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
        let media = dir.path().join("media");
        std::fs::create_dir_all(media.join("ab")).unwrap_or_else(|e| panic!("{e}"));
        std::fs::write(media.join("ab/x.ogg"), b"OggS").unwrap_or_else(|e| panic!("{e}"));
        std::fs::write(dir.path().join("secret.txt"), b"no").unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(read_media_file(&media, &media.join("ab/x.ogg")).ok(), Some(b"OggS".to_vec()));
        let e = read_media_file(&media, &media.join("../secret.txt")).err().map(|e| e.code);
        assert_eq!(e, Some(ErrorCode::InvalidInput));
        assert_eq!(read_media_file(&media, &dir.path().join("secret.txt")).err().map(|e| e.code), Some(ErrorCode::InvalidInput));
        assert_eq!(read_media_file(&media, &media.join("ab")).err().map(|e| e.code), Some(ErrorCode::InvalidInput));
        assert_eq!(read_media_file(&media, &media.join("nope.ogg")).err().map(|e| e.code), Some(ErrorCode::NotFound));
    }
}
