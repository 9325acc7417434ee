//! The native save dialog ("Save as PDF / CSV"), opened from Rust with `tauri-plugin-dialog`:
//! the window has no dialog or file permission and never names a path.

use std::path::PathBuf;

use grid_desk_core::printing::{Export, SaveDialog};
use grid_desk_core::{UiError, UiResult};
use tauri::{AppHandle, Manager as _, Runtime};
use tauri_plugin_dialog::DialogExt as _;

/// The save dialog, parented to the main window.
#[derive(Debug)]
pub struct NativeSaveDialog<R: Runtime>(pub AppHandle<R>);

impl<R: Runtime> SaveDialog for NativeSaveDialog<R> {
    async fn choose(&self, export: &Export) -> UiResult<Option<PathBuf>> {
        let app = &self.0;
        if app.try_state::<tauri_plugin_dialog::Dialog<R>>().is_none() {
            return Err(UiError::unknown(
                "The save dialog is not available in this build of Grid Desk.",
            ));
        }
        let (filter_name, extension) = export.filter;
        let mut dialog = app
            .dialog()
            .file()
            .set_title("Save deposit instructions")
            .add_filter(filter_name, &[extension])
            .set_file_name(&export.file_name);
        if let Some(window) = app.get_webview_window("main") {
            dialog = dialog.set_parent(&window);
        }
        let (tx, rx) = tokio::sync::oneshot::channel();
        dialog.save_file(move |chosen| {
            let _ = tx.send(chosen);
        });
        match rx.await.unwrap_or(None) {
            None => Ok(None),
            Some(file) => file
                .into_path()
                .map(Some)
                .map_err(|_| UiError::validation("Choose a file on this computer to save to.")),
        }
    }
}

/// "Open logs folder": the OS file manager, through `tauri-plugin-opener` (from Rust; the
/// window has no opener permission).
#[derive(Debug)]
pub struct NativeFolderOpener<R: Runtime>(pub AppHandle<R>);

impl<R: Runtime> grid_desk_core::logs::FolderOpener for NativeFolderOpener<R> {
    fn open_folder(&self, path: &std::path::Path) -> Result<(), String> {
        use tauri_plugin_opener::OpenerExt as _;
        if self
            .0
            .try_state::<tauri_plugin_opener::Opener<R>>()
            .is_none()
        {
            return Err("no opener in this build".into());
        }
        self.0
            .opener()
            .open_path(path.display().to_string(), None::<&str>)
            .map_err(|e| e.to_string())
    }
}
