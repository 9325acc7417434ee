//! Funding instructions for people: the card/sheet view of accounts and instructions, QR codes,
//! and (later modules) printable PDF and CSV. No Tauri, so it builds and tests fast.

pub mod qr;
pub mod view;

pub use qr::{qr_matrix, qr_svg, QrError};
pub use view::{
    account_view, external_account_view, instruction_view, AccountView, ExternalAccountView,
    FieldView, InstructionKind, InstructionView, MoneyView, QrTarget,
};
