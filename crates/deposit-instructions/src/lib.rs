//! Funding instructions for people: the card/sheet view of accounts and instructions, QR codes,
//! printable PDF sheets and CSV for spreadsheets. No Tauri, so it builds and tests fast.

pub mod csv;
pub mod pdf;
pub mod qr;
pub mod view;

pub use csv::{render_csv, CSV_BOM};
pub use pdf::{paper_for_locale, render_pdf, Paper, PdfError, SheetEnvironment, SheetOptions};
pub use qr::{qr_matrix, qr_svg, QrError};
pub use view::{
    account_type_label, account_view, external_account_view, funding_view, instruction_view,
    status_label, status_tone, AccountView, ExternalAccountView, FieldView, FundPreset,
    FundingView, InstructionKind, InstructionView, MoneyView, QrTarget, StatusTone,
    MAX_FIELD_CHARS, UNAVAILABLE,
};
