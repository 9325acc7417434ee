//! The spec check behind every simulator response must itself catch violations.

use grid_desk_tests::SpecValidator;
use serde_json::json;

fn account() -> serde_json::Value {
    json!({
        "id": "InternalAccount:1", "type": "INTERNAL_FIAT", "status": "ACTIVE",
        "balance": {"amount": 1, "currency": {"code": "USD", "decimals": 2}},
        "totalBalance": {"amount": 1, "currency": {"code": "USD", "decimals": 2}},
        "fundingPaymentInstructions": [{"accountOrWalletInfo": {
            "accountType": "SOLANA_WALLET", "address": "4Nd1", "assetType": "USDC"}}],
        "createdAt": "2025-10-03T12:00:00Z", "updatedAt": "2025-10-03T12:00:00Z"
    })
}

#[test]
fn a_conforming_account_passes() {
    let v = SpecValidator::load();
    assert_eq!(v.check("InternalAccount", &account()), Vec::<String>::new());
}

#[test]
fn violations_are_reported() {
    let v = SpecValidator::load();
    let mut missing = account();
    missing
        .as_object_mut()
        .expect("object")
        .remove("totalBalance");
    assert!(
        !v.check("InternalAccount", &missing).is_empty(),
        "totalBalance is required"
    );

    let mut bad_enum = account();
    bad_enum["status"] = json!("SLEEPING");
    assert!(
        !v.check("InternalAccount", &bad_enum).is_empty(),
        "status is an enum"
    );

    let mut bad_instruction = account();
    bad_instruction["fundingPaymentInstructions"][0]["accountOrWalletInfo"] =
        json!({"accountType": "USD_ACCOUNT", "accountNumber": "1"});
    assert!(
        !v.check("InternalAccount", &bad_instruction).is_empty(),
        "USD_ACCOUNT needs routingNumber, paymentRails, reference"
    );

    let mut bad_date = account();
    bad_date["createdAt"] = json!("yesterday");
    assert!(
        !v.check("InternalAccount", &bad_date).is_empty(),
        "createdAt is a date-time"
    );

    let error = json!({"status": 401, "code": "NOT_A_CODE", "message": "m"});
    assert!(
        !v.check("Error401", &error).is_empty(),
        "Error401 codes are an enum"
    );
}

#[test]
fn response_schemas_come_from_the_operation() {
    let v = SpecValidator::load();
    assert_eq!(
        v.response_schema("/customers/internal-accounts", "GET", 200)
            .as_deref(),
        Some("InternalAccountListResponse")
    );
    assert_eq!(
        v.response_schema("/internal-accounts/{id}", "PATCH", 202)
            .as_deref(),
        Some("SignedRequestChallenge")
    );
    assert_eq!(
        v.response_schema("/sandbox/internal-accounts/{accountId}/fund", "POST", 403)
            .as_deref(),
        Some("Error403")
    );
    assert_eq!(
        v.response_schema("/platform/internal-accounts", "GET", 503)
            .as_deref(),
        Some("Error503"),
        "generic fallback"
    );
}
