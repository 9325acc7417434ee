//! Funding instructions for people: the card/sheet view of accounts and instructions, QR codes,
//! printable PDF sheets and CSV for spreadsheets. No Tauri, so it builds and tests fast.

pub mod csv;
pub mod files;
pub mod pdf;
pub mod qr;
pub mod share;
pub mod sheet;
pub mod view;

pub use csv::{render_csv, CSV_BOM};
pub use pdf::{
    missing_scripts, render_pdf, render_pdf_output, render_pdf_with_fonts, render_sheets, Fonts,
    MissingScript, PdfError, PdfOutput,
};
pub use qr::{qr_matrix, qr_matrix_reference, qr_svg, QrError};
pub use share::{document_html, document_text, mailto, Mailto, EMAIL_SUBJECT, MAX_MAILTO_CHARS};
pub use sheet::{
    build_sheet, build_sheets, paper_for_locale, Paper, Sheet, SheetDocument, SheetEnvironment,
    SheetField, SheetInstruction, SheetOptions, SheetQr, SheetReference, SheetWarning,
};
pub use view::{
    account_type_label, account_view, external_account_view, funding_view, instruction_view,
    status_label, status_tone, AccountView, ExternalAccountView, FieldView, FundPreset,
    FundingView, InstructionKind, InstructionView, MoneyView, QrTarget, StatusTone,
    MAX_FIELD_CHARS, UNAVAILABLE,
};
