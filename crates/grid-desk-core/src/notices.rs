//! Things the person must be told that are not the answer to anything they did: a settings
//! file or the demo's data that could not be read and was set aside (and where the copy is), a
//! file already owned by another Grid Desk. The window asks for them (`list_notices`) after it
//! starts and after each list it loads, and shows each one once.
//!
//! Also here: [`set_aside`], how an unreadable state file is kept — renamed beside itself as
//! `NAME.unreadable-<UTC time>`, never over an earlier copy — before the app starts clean.

use std::path::{Path, PathBuf};
use std::sync::Mutex;

use serde::Serialize;

/// At most this many notices are kept (the oldest are dropped): a loop of failures must not
/// grow memory or the window without bound.
pub const MAX_NOTICES: usize = 20;

/// One thing to tell the person.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Notice {
    /// Increasing within one run; the window shows each id once.
    pub id: u64,
    /// A sentence for a finance person.
    pub message: String,
    /// The file the notice is about (the set-aside copy), when there is one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub path: Option<String>,
}

/// The notices of this run.
#[derive(Debug, Default)]
pub struct Notices {
    inner: Mutex<(u64, Vec<Notice>)>,
}

impl Notices {
    pub fn push(&self, message: impl Into<String>, path: Option<&Path>) {
        let message = message.into();
        tracing::warn!("{message}");
        let mut inner = self
            .inner
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        inner.0 += 1;
        let id = inner.0;
        inner.1.push(Notice {
            id,
            message,
            path: path.map(|p| p.display().to_string()),
        });
        if inner.1.len() > MAX_NOTICES {
            let extra = inner.1.len() - MAX_NOTICES;
            inner.1.drain(..extra);
        }
    }

    /// `list_notices`: every notice of this run, oldest first.
    pub fn list(&self) -> Vec<Notice> {
        self.inner
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .1
            .clone()
    }
}

/// `NAME.unreadable-20261202T081500Z` beside `path`, with `-2`, `-3`, … added when a copy of
/// that second already exists.
pub fn aside_path(path: &Path, now: time::OffsetDateTime) -> PathBuf {
    let stamp = now
        .format(time::macros::format_description!(
            "[year][month][day]T[hour][minute][second]Z"
        ))
        .unwrap_or_else(|_| now.unix_timestamp().to_string());
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let mut candidate = path.with_file_name(format!("{name}.unreadable-{stamp}"));
    let mut n = 2;
    while candidate.exists() {
        candidate = path.with_file_name(format!("{name}.unreadable-{stamp}-{n}"));
        n += 1;
    }
    candidate
}

/// Renames an unreadable file to [`aside_path`] and returns where it went.
pub fn set_aside(path: &Path) -> std::io::Result<PathBuf> {
    let aside = aside_path(path, time::OffsetDateTime::now_utc());
    std::fs::rename(path, &aside)?;
    Ok(aside)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_second_unreadable_file_never_overwrites_the_first_copy() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("connections.json");
        std::fs::write(&path, b"first").expect("write");
        let first = set_aside(&path).expect("set aside");
        std::fs::write(&path, b"second").expect("write");
        let second = set_aside(&path).expect("set aside again");
        assert_ne!(first, second);
        assert_eq!(std::fs::read(&first).expect("kept"), b"first");
        assert_eq!(std::fs::read(&second).expect("kept"), b"second");
        let name = first
            .file_name()
            .expect("name")
            .to_string_lossy()
            .into_owned();
        assert!(
            name.starts_with("connections.json.unreadable-20"),
            "a dated name: {name}"
        );
        assert!(!path.exists());
    }

    #[test]
    fn notices_are_numbered_and_bounded() {
        let notices = Notices::default();
        for i in 0..(MAX_NOTICES + 5) {
            notices.push(format!("n{i}"), None);
        }
        let list = notices.list();
        assert_eq!(list.len(), MAX_NOTICES);
        assert_eq!(list[0].message, "n5");
        assert!(list.windows(2).all(|w| w[0].id < w[1].id));
    }
}
