//! Balance monitoring in the background: the `grid_desk_core::Monitor` loop runs in a Tokio
//! task (so it keeps going with the window hidden or in the background), and this sink hands
//! what it finds to the window (the `balance-monitor` event) and to the desktop (a
//! notification through tauri-plugin-notification, sent from Rust: the window itself has no
//! notification permission).

use std::sync::Arc;

use grid_desk_core::monitor::{AlertView, MonitorSink, MonitorView};
use grid_desk_core::GridDesk;
use tauri::{AppHandle, Emitter as _, Manager as _, Runtime};
use tauri_plugin_notification::NotificationExt as _;

/// The event the window listens to (`ui/bridge.js` `onBalanceMonitor`).
pub const EVENT: &str = "balance-monitor";

struct TauriSink<R: Runtime>(AppHandle<R>);

impl<R: Runtime> MonitorSink for TauriSink<R> {
    fn updated(&self, view: &MonitorView) {
        if let Err(err) = self.0.emit(EVENT, view) {
            tracing::warn!("the balance monitor could not update the window: {err}");
        }
    }

    fn alert(&self, alert: &AlertView) {
        let shown = self
            .0
            .notification()
            .builder()
            .title(&alert.title)
            .body(&alert.body)
            .show();
        if let Err(err) = shown {
            tracing::warn!("the low-balance notification could not be shown: {err}");
        }
    }
}

/// Attaches the sink and starts the monitor's loop.
pub fn start<R: Runtime>(app: &AppHandle<R>) {
    let monitor = Arc::clone(&app.state::<GridDesk>().monitor);
    monitor.attach(Arc::new(TauriSink(app.clone())));
    tauri::async_runtime::spawn(monitor.run());
}
