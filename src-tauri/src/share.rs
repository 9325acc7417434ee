//! "Copy all" and "E-mail…" at the edge: the system clipboard (tauri-plugin-clipboard-manager,
//! HTML with its plain-text form where the platform has HTML on the clipboard) and the default
//! mail client (tauri-plugin-opener opens the `mailto:` link). Both are used from Rust only:
//! the window has no opener permission and never names a link.

use grid_desk_core::printing::{Clipboard, MailClient};
use grid_desk_core::{UiError, UiResult};
use tauri::{AppHandle, Runtime};
use tauri_plugin_clipboard_manager::ClipboardExt as _;
use tauri_plugin_opener::OpenerExt as _;

/// The system clipboard.
#[derive(Debug)]
pub struct SystemClipboard<R: Runtime>(pub AppHandle<R>);

impl<R: Runtime> Clipboard for SystemClipboard<R> {
    fn write(&self, text: &str, html: &str) -> UiResult<bool> {
        let clipboard = self.0.clipboard();
        if clipboard.write_html(html, Some(text)).is_ok() {
            return Ok(true);
        }
        // No HTML on this clipboard: the text alone is still complete.
        clipboard.write_text(text).map(|()| false).map_err(|e| {
            UiError::unknown(format!(
                "The instructions could not be copied to the clipboard ({e}). Try again, or save them as a PDF."
            ))
        })
    }
}

/// The default mail client, through the system's opener (`xdg-open`, `open`, `start`).
#[derive(Debug)]
pub struct SystemMailClient<R: Runtime>(pub AppHandle<R>);

impl<R: Runtime> MailClient for SystemMailClient<R> {
    fn open(&self, url: &str) -> UiResult<()> {
        self.0.opener().open_url(url, None::<&str>).map_err(|e| {
            UiError::unknown(format!(
                "The PDF was saved, but no mail program could be opened ({e}). Attach the PDF to an e-mail yourself."
            ))
        })
    }
}
