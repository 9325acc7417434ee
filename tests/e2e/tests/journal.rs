//! The activity journal and last-known accounts in the real window: a fund appears in the
//! Journal tab with its amount and outcome, the filters narrow it, "Export CSV…" writes every
//! entry; then, with the sandbox stopped, a restart opens on the last-known accounts marked
//! "as of" and their instructions still save as a PDF carrying that time.

use std::path::{Path, PathBuf};
use std::process::Command;

use fantoccini::elements::Element;
use fantoccini::Locator;
use grid_desk_e2e::{newest_file, text, text_content, tid, App, Launch, SimProcess, STEP};

const CLIENT_ID: &str = "e2e-journal-id";
const SECRET: &str = "e2e-journal-secret";

fn launch(sim_url: &str, exports: &Path, reuse: Option<PathBuf>) -> Launch {
    Launch {
        env: vec![
            ("GRID_CLIENT_ID".into(), CLIENT_ID.into()),
            ("GRID_CLIENT_SECRET".into(), SECRET.into()),
            ("GRID_BASE_URL".into(), sim_url.into()),
            ("GRID_ENVIRONMENT".into(), "sandbox".into()),
            ("GRID_DESK_EXPORT_DIR".into(), exports.display().to_string()),
        ],
        reuse_profile: reuse,
        ..Launch::default()
    }
}

/// The +100 preset (data-amount=10000) of a card.
async fn plus_100(card: &Element) -> Element {
    for button in card
        .find_all(Locator::Css(&tid("fund-preset")))
        .await
        .unwrap_or_default()
    {
        if button.attr("data-amount").await.ok().flatten().as_deref() == Some("10000") {
            return button;
        }
    }
    panic!("the USD card has no +100 fund-preset (data-amount=10000)")
}

/// The journal rows on screen: (kind, outcome label, amount text, account).
async fn journal_rows(app: &App) -> Vec<(String, String, String, String)> {
    let answer = app
        .js(
            "return [...document.querySelectorAll('[data-testid=journal-entry]')].map(r =>
               [r.dataset.kind, r.querySelector('[data-testid=journal-outcome]').textContent,
                r.querySelector('[data-testid=journal-amount]').textContent,
                r.querySelector('.j-account').textContent]);",
            vec![],
        )
        .await;
    answer
        .as_array()
        .cloned()
        .unwrap_or_default()
        .iter()
        .map(|row| {
            let cell = |i: usize| row[i].as_str().unwrap_or_default().to_owned();
            (cell(0), cell(1), cell(2), cell(3))
        })
        .collect()
}

async fn wait_rows(app: &App, what: &str, want: impl Fn(usize) -> bool) -> usize {
    app.wait_for(what, STEP, async || {
        let n = journal_rows(app).await.len();
        // (The status line is empty, so not displayed, when nothing matches.)
        let loading = app
            .js(
                "return document.getElementById('journal-status').textContent;",
                vec![],
            )
            .await
            .as_str()
            == Some("Loading…");
        Ok((!loading && want(n)).then_some(n))
    })
    .await
}

#[tokio::test]
async fn journal_tab_and_last_known_accounts_while_grid_is_unreachable() {
    let exports = tempfile::tempdir().expect("an export dir");
    let sim = SimProcess::start(CLIENT_ID, SECRET, &[]);
    let app = App::launch_with("journal", launch(&sim.url, exports.path(), None)).await;

    // A fund from a card.
    let usd = sim
        .api
        .platform_accounts()
        .await
        .into_iter()
        .find(|a| a["balance"]["currency"]["code"] == "USD")
        .expect("a USD platform account");
    let usd_id = usd["id"].as_str().expect("id").to_owned();
    let card = app.card(&usd_id).await;
    let before = text(&app.find_in(&card, "balance").await).await;
    plus_100(&card).await.click().await.expect("+100");
    app.wait_for("the funded balance", STEP, async || {
        let now = text(&app.find_in(&app.card(&usd_id).await, "balance").await).await;
        Ok((now != before).then_some(now))
    })
    .await;

    // The Journal tab shows it, newest first, with the amount and outcome from Rust.
    app.click("tab-journal").await;
    wait_rows(&app, "the fund in the journal", |n| n >= 1).await;
    let rows = journal_rows(&app).await;
    let (kind, outcome, amount, account) = &rows[0];
    assert_eq!(kind, "fund");
    assert_eq!(outcome, "Applied");
    assert_eq!(amount, "100.00 USD");
    assert_eq!(account, &usd_id);
    app.snap("journal-tab").await;

    // A PDF saved from the print dialog is journalled too; the kind filter narrows the list.
    app.click("tab-platform").await;
    app.find("account-card").await;
    app.click("print-all").await;
    let dialog = app.find("print-dialog").await;
    app.find_in(&dialog, "save-pdf")
        .await
        .click()
        .await
        .expect("save pdf");
    app.wait_for("the PDF saved", STEP * 2, async || {
        let status = app.client.find(Locator::Css(&tid("print-status"))).await?;
        Ok((status.attr("data-tone").await?.as_deref() == Some("ok")).then_some(()))
    })
    .await;
    app.click("print-close").await;
    app.click("tab-journal").await;
    wait_rows(&app, "the fund and the PDF", |n| n >= 2).await;
    let kind = app.find("journal-kind").await;
    kind.select_by_value("pdfSaved").await.expect("kind filter");
    wait_rows(&app, "only the PDF", |n| n == 1).await;
    assert_eq!(journal_rows(&app).await[0].0, "pdfSaved");
    kind.select_by_value("").await.expect("all kinds");
    let account = app.find("journal-account").await;
    account.send_keys(&usd_id).await.expect("account filter");
    wait_rows(&app, "only the account's entries", |n| n == 1).await;
    app.snap("journal-filtered").await;
    account.clear().await.expect("clear");
    wait_rows(&app, "every entry again", |n| n >= 2).await;

    // Date range: a range that ends before today holds nothing; today's holds everything.
    let set_dates = async |from: &str, to: &str| {
        app.js(
            "const f = document.getElementById('journal-filters');
             f.elements.from.value = arguments[0]; f.elements.to.value = arguments[1];
             f.dispatchEvent(new Event('change'));",
            vec![from.into(), to.into()],
        )
        .await;
    };
    set_dates("2020-01-01", "2020-12-31").await;
    wait_rows(&app, "no entries in 2020", |n| n == 0).await;
    assert!(
        app.find("journal-empty")
            .await
            .is_displayed()
            .await
            .expect("displayed?"),
        "the empty state says no entries match"
    );
    app.snap("journal-empty-range").await;
    let today: String = app
        .js(
            "const d = new Date(); const p = (n) => String(n).padStart(2, '0');
             return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())}`;",
            vec![],
        )
        .await
        .as_str()
        .unwrap_or_default()
        .to_owned();
    set_dates(&today, &today).await;
    wait_rows(&app, "today's entries", |n| n >= 2).await;
    // The connection filter offers the connections the journal names.
    let connection = app.find("journal-connection").await;
    connection
        .select_by_value("env")
        .await
        .expect("connection filter");
    wait_rows(&app, "the environment connection's entries", |n| n >= 2).await;
    connection
        .select_by_value("")
        .await
        .expect("all connections");
    set_dates("", "").await;

    // CSV export through the save path (the export dir here).
    app.click("journal-export").await;
    let csv = app
        .wait_for("the journal CSV", STEP, async || {
            Ok(std::fs::read_dir(exports.path()).ok().and_then(|d| {
                d.flatten()
                    .map(|e| e.path())
                    // The finished file, not the save's temporary (".…csv.<id>.tmp").
                    .find(|p| {
                        p.extension().is_some_and(|e| e == "csv")
                            && p.file_name().is_some_and(|n| {
                                n.to_string_lossy().starts_with("grid-desk-journal-")
                            })
                    })
            }))
        })
        .await;
    let text_csv = std::fs::read_to_string(&csv).expect("csv");
    assert!(
        text_csv.starts_with("Time (UTC),Kind,Connection"),
        "{text_csv}"
    );
    assert!(
        text_csv.contains(&format!(
            "Sandbox fund,Environment variables,Sandbox,{usd_id},100.00 USD,10000,USD"
        )),
        "{text_csv}"
    );
    assert!(text_csv.contains("PDF saved"), "{text_csv}");

    // Settings shows where the file is.
    app.click("tab-settings").await;
    let path = app
        .wait_for("the journal path", STEP, async || {
            let shown = text_content(&app.find("journal-path").await).await;
            Ok((!shown.is_empty()).then_some(shown))
        })
        .await;
    assert!(path.ends_with("com.griddesk.app/journal.sqlite3"), "{path}");
    app.reveal(&app.find("journal-path").await).await;
    app.snap("journal-settings-path").await;
    // Back to the accounts before closing: the next start opens on the tab shown last.
    app.click("tab-platform").await;
    let preferences = app
        .profile
        .home
        .join(".config/com.griddesk.app/ui-preferences.json");
    app.wait_for("the platform tab remembered", STEP, async || {
        let saved = std::fs::read_to_string(&preferences).unwrap_or_default();
        let saved: serde_json::Value = serde_json::from_str(&saved).unwrap_or_default();
        Ok((saved["lastTab"] == "platform").then_some(()))
    })
    .await;
    let profile = app.shut_down().await;

    // Grid goes away; the next start opens on the last-known accounts, "as of".
    drop(sim);
    let app = App::launch_with(
        "journal-offline",
        launch(
            "http://127.0.0.1:9/unreachable",
            exports.path(),
            Some(profile.root.clone()),
        ),
    )
    .await;
    let status = app
        .wait_for("the as-of list status", STEP * 2, async || {
            let status = app.client.find(Locator::Css(&tid("list-status"))).await?;
            let said = text_content(&status).await;
            Ok((said.contains("as of") && said.contains("could not be reached")).then_some(said))
        })
        .await;
    eprintln!("[e2e] offline list status: {status}");
    app.card(&usd_id).await;
    app.snap("journal-offline-as-of").await;

    // And the instructions still print, with the as-of time on the sheet.
    app.click("print-all").await;
    let dialog = app.find("print-dialog").await;
    app.find_in(&dialog, "save-pdf")
        .await
        .click()
        .await
        .expect("save pdf offline");
    app.wait_for("the offline PDF saved", STEP * 2, async || {
        let status = app.client.find(Locator::Css(&tid("print-status"))).await?;
        match status.attr("data-tone").await?.as_deref() {
            Some("ok") => Ok(Some(())),
            Some("error") => Err(text_content(&status).await.into()),
            _ => Ok(None),
        }
    })
    .await;
    app.snap("journal-offline-print").await;
    // The on-screen print view says it too.
    app.find_in(&dialog, "print-preview")
        .await
        .click()
        .await
        .expect("preview");
    let sheet_text = app
        .wait_for("the as-of line on the preview", STEP, async || {
            let sheets = app.all("print-sheet").await;
            let Some(first) = sheets.first() else {
                return Ok(None);
            };
            let said = text_content(first).await;
            Ok(said.contains("Account details as of").then_some(said))
        })
        .await;
    assert!(sheet_text.contains(&usd_id) || app.all("print-sheet").await.len() > 1);
    app.snap("journal-offline-preview").await;
    app.click("preview-close").await;
    let pdf = newest_file(exports.path(), "pdf");
    let out = Command::new("pdftotext")
        .arg(&pdf)
        .arg("-")
        .output()
        .expect("pdftotext");
    let sheet = String::from_utf8_lossy(&out.stdout);
    assert!(sheet.contains("Account details as of"), "{sheet}");
    let _profile = app.shut_down().await;
    drop(profile);
}
