//! The deterministic seed: platform accounts per currency, a cast of customers with every
//! account type and status, and external accounts — built with `grid_client`'s typed models so
//! the compiler checks each instruction has the fields its `accountType` requires.
//!
//! Ids look like Grid's (`InternalAccount:019542f5-b3e7-1d02-0000-000000000001`); the fourth
//! group tells the families apart (0000 platform and named customers, 0001 their accounts,
//! 0002 generated ones). Account numbers, IBANs, CLABEs and PIX codes carry valid check digits.

use grid_client::models::{
    BaseWalletExternalAccountInfo, Currency, CurrencyAmount, EurExternalAccountInfo,
    ExternalAccount, ExternalAccountId, ExternalAccountInfo, ExternalAccountStatus,
    GbpExternalAccountInfo, InternalAccount, InternalAccountId, InternalAccountStatus,
    InternalAccountType, LightningExternalAccountInfo, MxnExternalAccountInfo, PaymentAccountInfo,
    PaymentBaseWalletInfo, PaymentBrlAccountInfo, PaymentEthereumWalletInfo, PaymentEurAccountInfo,
    PaymentGbpAccountInfo, PaymentInstructions, PaymentLightningInvoiceInfo, PaymentMxnAccountInfo,
    PaymentPolygonWalletInfo, PaymentSolanaWalletInfo, PaymentSparkWalletInfo,
    PaymentTronWalletInfo, PaymentUsdAccountInfo, SolanaWalletExternalAccountInfo,
    SparkWalletExternalAccountInfo, UsdExternalAccountInfo,
};
use grid_client::models::{BrlExternalAccountInfo, CustomerId};
use serde_json::{json, Map, Value};

use crate::clock;

/// Every seeded object, in creation order.
#[derive(Debug, Clone)]
pub(crate) struct Seed {
    pub internal: Vec<InternalAccount>,
    pub external: Vec<ExternalAccount>,
}

/// The base seed plus `extra_accounts` generated customer internal accounts.
pub(crate) fn build(extra_accounts: usize) -> Seed {
    let mut internal = Vec::with_capacity(PLATFORM.len() + 40 + extra_accounts);
    internal.extend(platform_internal_accounts());
    internal.extend(customer_internal_accounts());
    internal.extend((0..extra_accounts).map(|i| generated_account(i, extra_accounts)));
    let mut external = platform_external_accounts();
    external.extend(customer_external_accounts());
    Seed { internal, external }
}

const UUID_PREFIX: &str = "019542f5-b3e7-1d02";

fn seeded_id(kind: &str, family: u16, n: u64) -> String {
    format!("{kind}:{UUID_PREFIX}-{family:04}-{n:012}")
}

fn customer_id(n: u64) -> CustomerId {
    CustomerId(seeded_id("Customer", 0, n))
}

// ---------------------------------------------------------------------------------------------
// Currencies and account shapes

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Asset {
    Usd,
    Eur,
    Mxn,
    Brl,
    Gbp,
    Btc,
    Usdc,
}

impl Asset {
    fn currency(self) -> Currency {
        let (code, name, symbol, decimals) = match self {
            Asset::Usd => ("USD", "United States Dollar", "$", 2),
            Asset::Eur => ("EUR", "Euro", "€", 2),
            Asset::Mxn => ("MXN", "Mexican Peso", "MX$", 2),
            Asset::Brl => ("BRL", "Brazilian Real", "R$", 2),
            Asset::Gbp => ("GBP", "Pound Sterling", "£", 2),
            Asset::Btc => ("BTC", "Bitcoin", "₿", 8),
            Asset::Usdc => ("USDC", "USD Coin", "USDC", 6),
        };
        Currency {
            code: Some(code.to_owned()),
            name: Some(name.to_owned()),
            symbol: Some(symbol.to_owned()),
            decimals: Some(decimals),
        }
    }

    fn amount(self, amount: i64) -> CurrencyAmount {
        CurrencyAmount {
            amount: amount.into(),
            currency: self.currency(),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Fiat,
    Crypto,
    Wallet,
}

impl Kind {
    fn account_type(self) -> InternalAccountType {
        match self {
            Kind::Fiat => InternalAccountType::InternalFiat,
            Kind::Crypto => InternalAccountType::InternalCrypto,
            Kind::Wallet => InternalAccountType::EmbeddedWallet,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Status {
    Pending,
    Active,
    Closed,
    Frozen,
    Failed,
}

impl Status {
    fn wire(self) -> InternalAccountStatus {
        match self {
            Status::Pending => InternalAccountStatus::Pending,
            Status::Active => InternalAccountStatus::Active,
            Status::Closed => InternalAccountStatus::Closed,
            Status::Frozen => InternalAccountStatus::Frozen,
            Status::Failed => InternalAccountStatus::Failed,
        }
    }

    /// Accounts still provisioning, closed or failed have nothing to pay into.
    fn has_instructions(self) -> bool {
        matches!(self, Status::Active | Status::Frozen)
    }
}

/// One account of the hand-written cast.
#[derive(Debug, Clone, Copy)]
struct AccountSeed {
    kind: Kind,
    asset: Asset,
    status: Status,
    /// `balance.amount`; `totalBalance.amount` adds `pending`.
    available: i64,
    pending: i64,
    private_enabled: bool,
}

const fn fiat(asset: Asset, status: Status, available: i64, pending: i64) -> AccountSeed {
    AccountSeed {
        kind: Kind::Fiat,
        asset,
        status,
        available,
        pending,
        private_enabled: false,
    }
}

const fn crypto(asset: Asset, status: Status, available: i64, pending: i64) -> AccountSeed {
    AccountSeed {
        kind: Kind::Crypto,
        asset,
        status,
        available,
        pending,
        private_enabled: false,
    }
}

const fn wallet(
    asset: Asset,
    status: Status,
    available: i64,
    private_enabled: bool,
) -> AccountSeed {
    AccountSeed {
        kind: Kind::Wallet,
        asset,
        status,
        available,
        pending: 0,
        private_enabled,
    }
}

/// A fully described internal account, ready to build.
struct NewAccount {
    id: String,
    customer: Option<CustomerId>,
    seed: AccountSeed,
    /// Drives the deterministic account numbers and addresses.
    number: u64,
    created_at: i64,
    updated_at: i64,
}

fn internal_account(new: NewAccount) -> InternalAccount {
    let platform = new.customer.is_none();
    let AccountSeed {
        kind,
        asset,
        status,
        available,
        pending,
        private_enabled,
    } = new.seed;
    InternalAccount {
        id: InternalAccountId(new.id),
        customer_id: new.customer,
        account_type: kind.account_type(),
        status: status.wire(),
        balance: asset.amount(available),
        total_balance: asset.amount(available.saturating_add(pending)),
        funding_payment_instructions: if status.has_instructions() {
            instructions(kind, asset, new.number, platform)
        } else {
            Vec::new()
        },
        private_enabled: (kind == Kind::Wallet).then_some(private_enabled),
        created_at: clock::unix_rfc3339(new.created_at),
        updated_at: clock::unix_rfc3339(new.updated_at),
        extra: Map::new(),
    }
}

// ---------------------------------------------------------------------------------------------
// Platform internal accounts

/// 2025-01-15T09:00:00Z.
const PLATFORM_CREATED: i64 = 1_736_931_600;
/// 2025-05-30T17:45:00Z.
const PLATFORM_UPDATED: i64 = 1_748_627_100;

const PLATFORM: [AccountSeed; 7] = [
    fiat(Asset::Usd, Status::Active, 250_000_000, 12_500_000),
    fiat(Asset::Eur, Status::Active, 98_000_000, 0),
    fiat(Asset::Mxn, Status::Active, 1_500_000_000, 25_000_000),
    fiat(Asset::Brl, Status::Active, 320_000_000, 0),
    fiat(Asset::Gbp, Status::Active, 45_000_000, 1_250_000),
    crypto(Asset::Btc, Status::Active, 250_000_000, 10_000_000),
    crypto(Asset::Usdc, Status::Active, 1_500_000_000_000, 0),
];

fn platform_internal_accounts() -> impl Iterator<Item = InternalAccount> {
    (1_u64..).zip(PLATFORM).map(|(n, seed)| {
        let offset = i64::try_from(n).unwrap_or_default();
        internal_account(NewAccount {
            id: seeded_id("InternalAccount", 0, n),
            customer: None,
            seed,
            number: n,
            created_at: PLATFORM_CREATED + offset * 60,
            updated_at: PLATFORM_UPDATED + offset * 97,
        })
    })
}

// ---------------------------------------------------------------------------------------------
// The named customers and their internal accounts

struct CustomerSeed {
    accounts: &'static [AccountSeed],
}

use Asset::{Brl, Btc, Eur, Gbp, Mxn, Usd, Usdc};
use Status::{Active, Closed, Failed, Frozen, Pending};

/// Customers 1..=11 in order (names appear on their external accounts).
const CUSTOMERS: [CustomerSeed; 11] = [
    // 1 Jordan Lee (US)
    CustomerSeed {
        accounts: &[
            fiat(Usd, Active, 1_254_075, 50_000),
            crypto(Usdc, Active, 250_000_000, 0),
            wallet(Btc, Active, 1_250_000, false),
        ],
    },
    // 2 Lena Fischer (DE)
    CustomerSeed {
        accounts: &[
            fiat(Eur, Active, 845_020, 120_000),
            crypto(Usdc, Active, 1_000_000_000, 0),
            wallet(Usd, Active, 12_550, true),
        ],
    },
    // 3 Diego Hernández (MX)
    CustomerSeed {
        accounts: &[
            fiat(Mxn, Active, 15_430_000, 0),
            crypto(Usdc, Pending, 0, 0),
            wallet(Btc, Active, 340_000, false),
        ],
    },
    // 4 Ana Souza (BR)
    CustomerSeed {
        accounts: &[
            fiat(Brl, Active, 2_389_990, 150_000),
            crypto(Usdc, Active, 75_500_000, 0),
            wallet(Btc, Frozen, 88_000, true),
        ],
    },
    // 5 Oliver Bennett (GB)
    CustomerSeed {
        accounts: &[
            fiat(Gbp, Active, 432_150, 0),
            crypto(Btc, Active, 5_000_000, 250_000),
            wallet(Usd, Active, 0, false),
        ],
    },
    // 6 Priya Raman (US)
    CustomerSeed {
        accounts: &[
            fiat(Usd, Frozen, 98_000, 0),
            crypto(Usdc, Active, 12_345_678, 0),
            wallet(Btc, Pending, 0, false),
        ],
    },
    // 7 Sofia Rossi (IT)
    CustomerSeed {
        accounts: &[
            fiat(Eur, Closed, 0, 0),
            crypto(Usdc, Active, 4_200_000, 0),
            wallet(Btc, Active, 21_000, false),
        ],
    },
    // 8 Acme Exports Pte Ltd (business)
    CustomerSeed {
        accounts: &[
            fiat(Usd, Active, 48_250_000, 1_500_000),
            fiat(Eur, Active, 9_900_000, 0),
            crypto(Usdc, Active, 5_000_000_000, 250_000_000),
            wallet(Btc, Active, 10_000_000, true),
        ],
    },
    // 9 Mateo García (MX)
    CustomerSeed {
        accounts: &[
            fiat(Mxn, Failed, 0, 0),
            crypto(Usdc, Active, 3_000_000, 0),
            wallet(Btc, Active, 0, false),
        ],
    },
    // 10 Beatriz Lima (BR)
    CustomerSeed {
        accounts: &[
            fiat(Brl, Pending, 0, 0),
            crypto(Usdc, Active, 45_000_000, 5_000_000),
            wallet(Usd, Active, 2_000, true),
        ],
    },
    // 11 Northwind Trading Ltd (business)
    CustomerSeed {
        accounts: &[
            fiat(Gbp, Active, 12_500_000, 0),
            fiat(Usd, Active, 3_300_000, 200_000),
            crypto(Usdc, Active, 800_000_000, 0),
            wallet(Btc, Active, 150_000, false),
        ],
    },
];

/// 2025-02-03T09:00:00Z.
const CUSTOMERS_CREATED: i64 = 1_738_573_200;
const DAY: i64 = 86_400;

fn customer_internal_accounts() -> Vec<InternalAccount> {
    let mut accounts = Vec::new();
    let mut n: u64 = 0;
    for (c, customer) in (1_u64..).zip(CUSTOMERS.iter()) {
        for (k, seed) in (0_i64..).zip(customer.accounts.iter()) {
            n += 1;
            let created =
                CUSTOMERS_CREATED + i64::try_from(c).unwrap_or_default() * 3 * DAY + k * 420;
            accounts.push(internal_account(NewAccount {
                id: seeded_id("InternalAccount", 1, n),
                customer: Some(customer_id(c)),
                seed: *seed,
                number: 100 + n,
                created_at: created,
                updated_at: created + 60 * DAY + k * 3_600,
            }));
        }
    }
    accounts
}

// ---------------------------------------------------------------------------------------------
// Generated accounts (`seed_accounts`)

/// 2025-06-01T00:00:00Z: generated accounts are created after the named cast.
const GENERATED_START: i64 = 1_748_736_000;
/// Generated creation times spread over this window so they stay in 2025.
const GENERATED_WINDOW: i64 = 200 * DAY;

fn generated_account(i: usize, total: usize) -> InternalAccount {
    const FIATS: [Asset; 5] = [Usd, Eur, Mxn, Brl, Gbp];
    let index = u64::try_from(i).unwrap_or(u64::MAX);
    let customer = index / 3 + 1;
    let roll = mix(index.wrapping_add(0x5eed));
    let status = match roll % 100 {
        0..=2 => Pending,
        3 => Frozen,
        4 => Closed,
        5 => Failed,
        _ => Active,
    };
    let funded = matches!(status, Active | Frozen);
    let (kind, asset, scale) = match index % 3 {
        0 => {
            let asset = FIATS[usize::try_from(customer % 5).unwrap_or_default()];
            (Kind::Fiat, asset, 5_000_000_u64)
        }
        1 => (Kind::Crypto, Usdc, 10_000_000_000),
        _ => (Kind::Wallet, Btc, 50_000_000),
    };
    let available = if funded {
        amount_below(roll >> 8, scale)
    } else {
        0
    };
    let pending = if funded && roll % 7 == 0 {
        amount_below(roll >> 20, scale / 10)
    } else {
        0
    };
    let step = (GENERATED_WINDOW / i64::try_from(total.max(1)).unwrap_or(i64::MAX)).clamp(1, 3_600);
    let created = GENERATED_START + i64::try_from(i).unwrap_or_default().saturating_mul(step);
    let seed = AccountSeed {
        kind,
        asset,
        status,
        available,
        pending,
        private_enabled: customer % 2 == 0,
    };
    internal_account(NewAccount {
        id: seeded_id("InternalAccount", 2, index + 1),
        customer: Some(CustomerId(seeded_id("Customer", 2, customer))),
        seed,
        number: 10_000 + index,
        created_at: created,
        updated_at: created + i64::try_from(roll % (10 * DAY as u64)).unwrap_or_default(),
    })
}

fn amount_below(roll: u64, scale: u64) -> i64 {
    i64::try_from(roll % scale.max(1)).unwrap_or_default()
}

// ---------------------------------------------------------------------------------------------
// Funding instructions

const USD_BANKS: [(&str, &str, &str); 3] = [
    (
        "021000021",
        "JPMorgan Chase Bank, N.A.",
        "383 Madison Avenue, New York, NY 10179",
    ),
    (
        "026073150",
        "Community Federal Savings Bank",
        "89-16 Jamaica Avenue, Woodhaven, NY 11421",
    ),
    (
        "101019644",
        "Lead Bank",
        "1801 Main Street, Kansas City, MO 64108",
    ),
];

const SPARK_PLATFORM_ADDRESS: &str =
    "spark1pgssyuuuhnrrdjswal5c3s3rafw9w3y5dd4cjy3duxlf7hjzkp0rqx6dj6mrhu";
const LIGHTNING_PLATFORM_INVOICE: &str = "lnbc15u1p3xnhl2pp5jptserfk3zk4qy42tlucycrfwxhydvlemu9pqr93tuzlv9cc7g3sdqsvfhkcap3xyhx7un8cqzpgxqzjcsp5f8c52y2stc300gl6s4xswtjpc37hrnnr3c9wvtgjfuvqmpm35evq9qyyssqy4lgd8tj637qcjp05rdpxxykjenthxftej7a2zzmwrmrl70fyj9hvj0rewhzj7jfyuwkwcg9g2jpwtk3wkjtwnkdks84hsnu8xps5vsq4gj5hs";

const NOTE_REFERENCE_USD: &str = "Include the reference code in the transfer memo so the deposit is credited to this account. ACH arrives in 1–3 business days; wires the same business day.";
const NOTE_REFERENCE_EUR: &str = "Include the reference code in the remittance information so the deposit is credited to this account. SEPA Instant arrives within seconds; standard SEPA within one business day.";
const NOTE_REFERENCE_MXN: &str =
    "Enter the reference code as the SPEI \"concepto de pago\" so the deposit is credited to this account.";
const NOTE_PIX: &str = "Scan the QR code or paste the PIX copy-and-paste code into your banking app; it already carries the reference.";
const NOTE_REFERENCE_GBP: &str =
    "Use the reference code as the payment reference so the deposit is credited to this account.";
const NOTE_SPARK: &str =
    "Send BTC on Spark to this address, or pay the Lightning invoice. Only BTC is credited.";
const NOTE_SPARK_WALLET: &str = "Send BTC on Spark to this wallet address.";
const NOTE_LIGHTNING: &str =
    "Lightning invoices expire: if your wallet says this one has expired, ask for a new one.";

fn instruction(notes: &str, platform: bool, info: PaymentAccountInfo) -> PaymentInstructions {
    PaymentInstructions {
        instructions_notes: Some(notes.to_owned()),
        is_platform_account: Some(platform),
        account_or_wallet_info: info,
        extra: Map::new(),
    }
}

fn instructions(kind: Kind, asset: Asset, number: u64, platform: bool) -> Vec<PaymentInstructions> {
    let mut rng = Rng(number);
    match (kind, asset) {
        // Like the spec's example: a USD embedded wallet has nothing to pay into directly.
        (Kind::Wallet, Usd) => Vec::new(),
        (Kind::Wallet, _) => vec![spark(&mut rng, platform, false)],
        (_, Usd) => vec![usd_account(&mut rng, number, platform)],
        (_, Eur) => vec![eur_account(&mut rng, platform)],
        (_, Mxn) => vec![mxn_account(&mut rng, platform)],
        (_, Brl) => vec![brl_account(&mut rng, platform)],
        (_, Gbp) => vec![gbp_account(&mut rng, platform)],
        (_, Btc) => vec![
            spark(&mut rng, platform, true),
            lightning(&mut rng, platform),
        ],
        (_, Usdc) if platform => vec![
            solana(&mut rng, platform),
            tron(&mut rng, platform),
            polygon(&mut rng, platform),
            base(&mut rng, platform),
            ethereum(&mut rng, platform),
        ],
        (_, Usdc) => vec![solana(&mut rng, platform), base(&mut rng, platform)],
    }
}

fn usd_account(rng: &mut Rng, number: u64, platform: bool) -> PaymentInstructions {
    let (routing, bank, address) = USD_BANKS[usize::try_from(number % 3).unwrap_or_default()];
    let info = PaymentUsdAccountInfo {
        account_number: rng.digits(12),
        routing_number: routing.to_owned(),
        bank_name: Some(bank.to_owned()),
        bank_account_type: Some("CHECKING".to_owned()),
        intermediary_bank_name: None,
        intermediary_routing_number: None,
        fi_to_fi_information: None,
        payment_rails: rails(&["ACH", "WIRE"]),
        reference: rng.reference(),
        bank_address: Some(address.to_owned()),
        extra: Map::new(),
    };
    instruction(
        NOTE_REFERENCE_USD,
        platform,
        PaymentAccountInfo::UsdAccount(info),
    )
}

fn eur_account(rng: &mut Rng, platform: bool) -> PaymentInstructions {
    let info = PaymentEurAccountInfo {
        iban: german_iban("37040044", &rng.digits(10)),
        swift_code: Some("COBADEFFXXX".to_owned()),
        payment_rails: rails(&["SEPA", "SEPA_INSTANT"]),
        reference: rng.reference(),
        extra: Map::new(),
    };
    instruction(
        NOTE_REFERENCE_EUR,
        platform,
        PaymentAccountInfo::EurAccount(info),
    )
}

fn mxn_account(rng: &mut Rng, platform: bool) -> PaymentInstructions {
    let info = PaymentMxnAccountInfo {
        clabe_number: clabe(&format!("646180{}", rng.digits(11))),
        payment_rails: rails(&["SPEI"]),
        reference: rng.reference(),
        extra: Map::new(),
    };
    instruction(
        NOTE_REFERENCE_MXN,
        platform,
        PaymentAccountInfo::MxnAccount(info),
    )
}

fn brl_account(rng: &mut Rng, platform: bool) -> PaymentInstructions {
    let key = rng.uuid_like();
    let txid = rng.reference().replace('-', "");
    let info = PaymentBrlAccountInfo {
        qr_code: pix_copy_and_paste(&key, "GRID DESK SANDBOX", "SAO PAULO", &txid),
        extra: Map::new(),
    };
    instruction(NOTE_PIX, platform, PaymentAccountInfo::BrlAccount(info))
}

fn gbp_account(rng: &mut Rng, platform: bool) -> PaymentInstructions {
    let info = PaymentGbpAccountInfo {
        sort_code: format!("04{}", rng.digits(4)),
        account_number: rng.digits(8),
        payment_rails: rails(&["FASTER_PAYMENTS"]),
        reference: rng.reference(),
        extra: Map::new(),
    };
    instruction(
        NOTE_REFERENCE_GBP,
        platform,
        PaymentAccountInfo::GbpAccount(info),
    )
}

fn spark(rng: &mut Rng, platform: bool, with_invoice: bool) -> PaymentInstructions {
    let address = if platform {
        SPARK_PLATFORM_ADDRESS.to_owned()
    } else {
        format!("spark1{}", rng.pick(BECH32, 62))
    };
    let invoice = with_invoice.then(|| lightning_invoice(rng, platform));
    let notes = if with_invoice {
        NOTE_SPARK
    } else {
        NOTE_SPARK_WALLET
    };
    let info = PaymentSparkWalletInfo {
        address,
        asset_type: "BTC".to_owned(),
        invoice,
        extra: Map::new(),
    };
    instruction(notes, platform, PaymentAccountInfo::SparkWallet(info))
}

fn lightning(rng: &mut Rng, platform: bool) -> PaymentInstructions {
    let info = PaymentLightningInvoiceInfo {
        invoice: lightning_invoice(rng, platform),
        extra: Map::new(),
    };
    instruction(
        NOTE_LIGHTNING,
        platform,
        PaymentAccountInfo::Lightning(info),
    )
}

fn lightning_invoice(rng: &mut Rng, platform: bool) -> String {
    if platform {
        LIGHTNING_PLATFORM_INVOICE.to_owned()
    } else {
        format!("lnbc1p{}", rng.pick(BECH32, 250))
    }
}

fn chain_note(asset: &str, network: &str) -> String {
    format!(
        "Send only {asset} on {network} to this address. Tokens sent on another network cannot be credited."
    )
}

fn solana(rng: &mut Rng, platform: bool) -> PaymentInstructions {
    let info = PaymentSolanaWalletInfo {
        address: rng.pick(BASE58, 44),
        asset_type: Some("USDC".to_owned()),
        extra: Map::new(),
    };
    let notes = chain_note("USDC", "Solana");
    instruction(&notes, platform, PaymentAccountInfo::SolanaWallet(info))
}

fn tron(rng: &mut Rng, platform: bool) -> PaymentInstructions {
    let info = PaymentTronWalletInfo {
        address: format!("T{}", rng.pick(BASE58, 33)),
        asset_type: Some("USDT".to_owned()),
        extra: Map::new(),
    };
    let notes = format!(
        "{} USDT is converted to USDC when it arrives.",
        chain_note("USDT (TRC-20)", "Tron")
    );
    instruction(&notes, platform, PaymentAccountInfo::TronWallet(info))
}

fn evm_address(rng: &mut Rng) -> String {
    format!("0x{}", rng.pick(HEX, 40))
}

fn polygon(rng: &mut Rng, platform: bool) -> PaymentInstructions {
    let info = PaymentPolygonWalletInfo {
        address: evm_address(rng),
        asset_type: Some("USDC".to_owned()),
        extra: Map::new(),
    };
    let notes = chain_note("USDC", "Polygon PoS");
    instruction(&notes, platform, PaymentAccountInfo::PolygonWallet(info))
}

fn base(rng: &mut Rng, platform: bool) -> PaymentInstructions {
    let info = PaymentBaseWalletInfo {
        address: evm_address(rng),
        asset_type: Some("USDC".to_owned()),
        extra: Map::new(),
    };
    let notes = chain_note("USDC", "Base");
    instruction(&notes, platform, PaymentAccountInfo::BaseWallet(info))
}

fn ethereum(rng: &mut Rng, platform: bool) -> PaymentInstructions {
    let info = PaymentEthereumWalletInfo {
        address: evm_address(rng),
        asset_type: Some("USDC".to_owned()),
        extra: Map::new(),
    };
    let notes = chain_note("USDC", "Ethereum mainnet");
    instruction(&notes, platform, PaymentAccountInfo::EthereumWallet(info))
}

fn rails(names: &[&str]) -> Vec<String> {
    names.iter().map(|r| (*r).to_owned()).collect()
}

// ---------------------------------------------------------------------------------------------
// External accounts

fn external(
    n: u64,
    customer: Option<u64>,
    currency: &str,
    status: ExternalAccountStatus,
    info: ExternalAccountInfo,
) -> ExternalAccount {
    let family = if customer.is_some() { 1 } else { 0 };
    ExternalAccount {
        id: ExternalAccountId(seeded_id("ExternalAccount", family, n)),
        customer_id: customer.map(customer_id),
        status,
        platform_account_id: None,
        ownership_type: Some("FIRST_PARTY".to_owned()),
        currency: currency.to_owned(),
        default_uma_deposit_account: None,
        beneficiary_verification_status: None,
        beneficiary_verified_data: None,
        account_info: info,
        extra: Map::new(),
    }
}

fn address(
    line1: &str,
    city: &str,
    state: Option<&str>,
    postal_code: &str,
    country: &str,
) -> Value {
    let mut address = json!({
        "line1": line1,
        "city": city,
        "postalCode": postal_code,
        "country": country,
    });
    if let (Some(state), Some(map)) = (state, address.as_object_mut()) {
        map.insert("state".to_owned(), json!(state));
    }
    address
}

fn business(legal_name: &str, country: &str, address: Value) -> Value {
    json!({
        "beneficiaryType": "BUSINESS",
        "legalName": legal_name,
        "countryOfResidence": country,
        "address": address,
    })
}

fn usd_external(
    account_number: &str,
    routing_number: &str,
    bank: &str,
    rails_used: &[&str],
    beneficiary: Value,
) -> ExternalAccountInfo {
    ExternalAccountInfo::UsdAccount(UsdExternalAccountInfo {
        account_number: account_number.to_owned(),
        routing_number: routing_number.to_owned(),
        bank_name: Some(bank.to_owned()),
        bank_account_type: Some("CHECKING".to_owned()),
        intermediary_bank_name: None,
        intermediary_routing_number: None,
        fi_to_fi_information: None,
        payment_rails: rails(rails_used),
        beneficiary,
        extra: Map::new(),
    })
}

fn platform_external_accounts() -> Vec<ExternalAccount> {
    let demo_inc = || {
        business(
            "Grid Desk Demo Inc.",
            "US",
            address(
                "500 Howard Street",
                "San Francisco",
                Some("CA"),
                "94105",
                "US",
            ),
        )
    };
    let mut usd = external(
        1,
        None,
        "USD",
        ExternalAccountStatus::Active,
        usd_external(
            "000123456789",
            "021000021",
            "JPMorgan Chase Bank, N.A.",
            &["ACH", "WIRE"],
            demo_inc(),
        ),
    );
    usd.platform_account_id = Some("ops-usd-operating".to_owned());
    usd.beneficiary_verification_status = Some("MATCHED".to_owned());
    usd.beneficiary_verified_data = Some(json!({"fullName": "GRID DESK DEMO INC"}));

    let mut eur = external(
        2,
        None,
        "EUR",
        ExternalAccountStatus::Active,
        ExternalAccountInfo::EurAccount(EurExternalAccountInfo {
            iban: "FR1420041010050500013M02606".to_owned(),
            swift_code: Some("BNPAFRPPXXX".to_owned()),
            payment_rails: rails(&["SEPA", "SEPA_INSTANT"]),
            beneficiary: business(
                "Grid Desk Demo SAS",
                "FR",
                address("12 Rue de la Paix", "Paris", None, "75002", "FR"),
            ),
            extra: Map::new(),
        }),
    );
    eur.platform_account_id = Some("ops-eur-treasury".to_owned());
    eur.beneficiary_verification_status = Some("PARTIAL_MATCH".to_owned());

    let spark = external(
        3,
        None,
        "BTC",
        ExternalAccountStatus::Active,
        ExternalAccountInfo::SparkWallet(SparkWalletExternalAccountInfo {
            address: "spark1pgss9qf6ywzxl3kgvm7s2rvhcqxekyjhu3mf4c8vfz0dnq5lwkep7tgm2yj9x4"
                .to_owned(),
            beneficiary: None,
            vasp_name: None,
            extra: Map::new(),
        }),
    );

    let mut mxn = external(
        4,
        None,
        "MXN",
        ExternalAccountStatus::Pending,
        ExternalAccountInfo::MxnAccount(MxnExternalAccountInfo {
            clabe_number: clabe("01218000118359719"),
            payment_rails: rails(&["SPEI"]),
            beneficiary: business(
                "Grid Desk Demo México S. de R.L. de C.V.",
                "MX",
                address(
                    "Paseo de la Reforma 250",
                    "Ciudad de México",
                    Some("CDMX"),
                    "06600",
                    "MX",
                ),
            ),
            extra: Map::new(),
        }),
    );
    mxn.beneficiary_verification_status = Some("PENDING".to_owned());

    let mut solana = external(
        5,
        None,
        "USDC",
        ExternalAccountStatus::Active,
        ExternalAccountInfo::SolanaWallet(SolanaWalletExternalAccountInfo {
            address: "4Nd1m6Qkq7RfKuE5vQ9qP9Tn6H94Ueqb4xXHzsAbd8Wg".to_owned(),
            beneficiary: None,
            vasp_name: Some("Kraken".to_owned()),
            extra: Map::new(),
        }),
    );
    solana.platform_account_id = Some("ops-usdc-exchange".to_owned());

    vec![usd, eur, spark, mxn, solana]
}

fn individual(full_name: &str, birth_date: &str, nationality: &str, address: Value) -> Value {
    json!({
        "beneficiaryType": "INDIVIDUAL",
        "fullName": full_name,
        "birthDate": birth_date,
        "nationality": nationality,
        "countryOfResidence": nationality,
        "address": address,
    })
}

fn customer_external_accounts() -> Vec<ExternalAccount> {
    let mut jordan_usd = external(
        1,
        Some(1),
        "USD",
        ExternalAccountStatus::Active,
        usd_external(
            "4410098765",
            "026073150",
            "Community Federal Savings Bank",
            &["ACH"],
            individual(
                "Jordan Lee",
                "1988-04-12",
                "US",
                address(
                    "742 Evergreen Terrace",
                    "Portland",
                    Some("OR"),
                    "97205",
                    "US",
                ),
            ),
        ),
    );
    jordan_usd.default_uma_deposit_account = Some(true);
    jordan_usd.beneficiary_verification_status = Some("CHECKED_BY_RECEIVING_FI".to_owned());

    let jordan_spark = external(
        2,
        Some(1),
        "BTC",
        ExternalAccountStatus::Active,
        ExternalAccountInfo::SparkWallet(SparkWalletExternalAccountInfo {
            address: "spark1pgssxe9tm0k4hz5uq8j3wv2c7n6rl0dyf5gsa4pe3xm9kqt7hwz2vjc8u5n4y0"
                .to_owned(),
            beneficiary: None,
            vasp_name: None,
            extra: Map::new(),
        }),
    );

    let mut lena_eur = external(
        3,
        Some(2),
        "EUR",
        ExternalAccountStatus::Active,
        ExternalAccountInfo::EurAccount(EurExternalAccountInfo {
            iban: german_iban("10011001", "2624915830"),
            swift_code: Some("NTSBDEB1XXX".to_owned()),
            payment_rails: rails(&["SEPA", "SEPA_INSTANT"]),
            beneficiary: individual(
                "Lena Fischer",
                "1992-09-30",
                "DE",
                address("Torstraße 109", "Berlin", None, "10119", "DE"),
            ),
            extra: Map::new(),
        }),
    );
    lena_eur.beneficiary_verification_status = Some("MATCHED".to_owned());

    let diego_mxn = external(
        4,
        Some(3),
        "MXN",
        ExternalAccountStatus::Active,
        ExternalAccountInfo::MxnAccount(MxnExternalAccountInfo {
            clabe_number: clabe("00218001234567890"),
            payment_rails: rails(&["SPEI"]),
            beneficiary: individual(
                "Diego Hernández",
                "1985-01-22",
                "MX",
                address(
                    "Avenida Juárez 14",
                    "Guadalajara",
                    Some("JAL"),
                    "44100",
                    "MX",
                ),
            ),
            extra: Map::new(),
        }),
    );

    let ana_brl = external(
        5,
        Some(4),
        "BRL",
        ExternalAccountStatus::Active,
        ExternalAccountInfo::BrlAccount(BrlExternalAccountInfo {
            pix_key: "ana.souza@example.com.br".to_owned(),
            pix_key_type: "EMAIL".to_owned(),
            tax_id: "52998224725".to_owned(),
            payment_rails: rails(&["PIX"]),
            beneficiary: individual(
                "Ana Souza",
                "1995-06-03",
                "BR",
                address(
                    "Rua Oscar Freire 379",
                    "São Paulo",
                    Some("SP"),
                    "01426-001",
                    "BR",
                ),
            ),
            extra: Map::new(),
        }),
    );

    let mut oliver_gbp = external(
        6,
        Some(5),
        "GBP",
        ExternalAccountStatus::Active,
        ExternalAccountInfo::GbpAccount(GbpExternalAccountInfo {
            sort_code: "608371".to_owned(),
            account_number: "31926819".to_owned(),
            payment_rails: rails(&["FASTER_PAYMENTS"]),
            beneficiary: individual(
                "Oliver Bennett",
                "1979-11-15",
                "GB",
                address("221B Baker Street", "London", None, "NW1 6XE", "GB"),
            ),
            extra: Map::new(),
        }),
    );
    oliver_gbp.beneficiary_verification_status = Some("PARTIAL_MATCH".to_owned());
    oliver_gbp.beneficiary_verified_data = Some(json!({"fullName": "O BENNETT"}));

    let mut priya_base = external(
        7,
        Some(6),
        "USDC",
        ExternalAccountStatus::PendingOwnershipVerification,
        ExternalAccountInfo::BaseWallet(BaseWalletExternalAccountInfo {
            address: "0x8ba1f109551bd432803012645ac136ddd64dba72".to_owned(),
            beneficiary: Some(json!({
                "beneficiaryType": "INDIVIDUAL",
                "fullName": "Rahul Mehta",
                "countryOfResidence": "IN",
            })),
            vasp_name: None,
            extra: Map::new(),
        }),
    );
    priya_base.ownership_type = Some("THIRD_PARTY".to_owned());

    let mut acme_usd = external(
        8,
        Some(8),
        "USD",
        ExternalAccountStatus::UnderReview,
        usd_external(
            "9876543210",
            "021000021",
            "JPMorgan Chase Bank, N.A.",
            &["WIRE"],
            business(
                "Acme Exports Pte Ltd",
                "SG",
                address("12 Marina Boulevard", "Singapore", None, "018982", "SG"),
            ),
        ),
    );
    acme_usd.platform_account_id = Some("acme-usd-payouts".to_owned());
    acme_usd.beneficiary_verification_status = Some("PENDING".to_owned());

    let beatriz_lightning = external(
        9,
        Some(10),
        "BTC",
        ExternalAccountStatus::Inactive,
        ExternalAccountInfo::Lightning(LightningExternalAccountInfo {
            invoice: None,
            bolt12: None,
            lightning_address: Some("beatriz@wallet.example.com".to_owned()),
            extra: Map::new(),
        }),
    );

    vec![
        jordan_usd,
        jordan_spark,
        lena_eur,
        diego_mxn,
        ana_brl,
        oliver_gbp,
        priya_base,
        acme_usd,
        beatriz_lightning,
    ]
}

// ---------------------------------------------------------------------------------------------
// Deterministic numbers with real check digits

const BECH32: &[u8] = b"qpzry9x8gf2tvdw0s3jn54khce6mua7l";
const BASE58: &[u8] = b"123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz";
const HEX: &[u8] = b"0123456789abcdef";
const DIGITS: &[u8] = b"0123456789";
/// Reference codes avoid look-alikes (0/O, 1/I/L).
const REFERENCE_CHARS: &[u8] = b"23456789ABCDEFGHJKMNPQRSTUVWXYZ";

/// SplitMix64: a fixed, fast mixing function, so the same input always gives the same account.
fn mix(mut x: u64) -> u64 {
    x = x.wrapping_add(0x9e37_79b9_7f4a_7c15);
    x = (x ^ (x >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    x = (x ^ (x >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    x ^ (x >> 31)
}

/// A deterministic stream of characters for one account.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = mix(self.0);
        self.0
    }

    fn pick(&mut self, alphabet: &[u8], len: usize) -> String {
        let size = alphabet.len() as u64;
        (0..len)
            .map(|_| char::from(alphabet[usize::try_from(self.next() % size).unwrap_or_default()]))
            .collect()
    }

    fn digits(&mut self, len: usize) -> String {
        self.pick(DIGITS, len)
    }

    fn reference(&mut self) -> String {
        format!("GD-{}", self.pick(REFERENCE_CHARS, 8))
    }

    fn uuid_like(&mut self) -> String {
        let hex = self.pick(HEX, 32);
        format!(
            "{}-{}-4{}-a{}-{}",
            &hex[0..8],
            &hex[8..12],
            &hex[13..16],
            &hex[17..20],
            &hex[20..32]
        )
    }
}

/// A German IBAN from an 8-digit bank code and a 10-digit account number, with ISO 7064
/// mod-97 check digits.
fn german_iban(bank_code: &str, account: &str) -> String {
    let bban = format!("{bank_code}{account}");
    // Country letters D=13, E=14, then "00", appended after the BBAN.
    let numeric = format!("{bban}131400");
    let remainder = numeric
        .bytes()
        .fold(0_u32, |acc, b| (acc * 10 + u32::from(b - b'0')) % 97);
    format!("DE{:02}{bban}", 98 - remainder)
}

/// An 18-digit CLABE: 17 digits plus the weighted (3, 7, 1) check digit.
fn clabe(first17: &str) -> String {
    const WEIGHTS: [u32; 3] = [3, 7, 1];
    let sum: u32 = first17
        .bytes()
        .enumerate()
        .map(|(i, b)| (u32::from(b - b'0') * WEIGHTS[i % 3]) % 10)
        .sum();
    format!("{first17}{}", (10 - sum % 10) % 10)
}

fn emv(id: &str, value: &str) -> String {
    format!("{id}{:02}{value}", value.len())
}

/// A static PIX "copia e cola" payload (EMV QR) for a key, ending in its CRC16.
fn pix_copy_and_paste(key: &str, merchant: &str, city: &str, txid: &str) -> String {
    let account = format!("{}{}", emv("00", "br.gov.bcb.pix"), emv("01", key));
    let mut payload = [
        emv("00", "01"),
        emv("26", &account),
        emv("52", "0000"),
        emv("53", "986"),
        emv("58", "BR"),
        emv("59", merchant),
        emv("60", city),
        emv("62", &emv("05", txid)),
    ]
    .concat();
    payload.push_str("6304");
    let crc = crc16_ccitt(payload.as_bytes());
    format!("{payload}{crc:04X}")
}

/// CRC-16/CCITT-FALSE, the checksum PIX payloads end with.
fn crc16_ccitt(bytes: &[u8]) -> u16 {
    bytes.iter().fold(0xffff_u16, |mut crc, byte| {
        crc ^= u16::from(*byte) << 8;
        for _ in 0..8 {
            crc = if crc & 0x8000 != 0 {
                (crc << 1) ^ 0x1021
            } else {
                crc << 1
            };
        }
        crc
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    #[test]
    fn pix_payload_matches_the_central_bank_example() {
        // The example from Banco Central do Brasil's PIX QR manual.
        let payload = pix_copy_and_paste(
            "123e4567-e12b-12d1-a456-426655440000",
            "Fulano de Tal",
            "BRASILIA",
            "***",
        );
        assert_eq!(
            payload,
            "00020126580014br.gov.bcb.pix0136123e4567-e12b-12d1-a456-4266554400005204000053039865802BR5913Fulano de Tal6008BRASILIA62070503***63041D3D"
        );
    }

    #[test]
    fn bank_numbers_carry_valid_check_digits() {
        assert_eq!(
            german_iban("37040044", "0532013000"),
            "DE89370400440532013000"
        );
        assert_eq!(clabe("03218000011835971"), "032180000118359719");
    }

    #[test]
    fn the_base_seed_is_deterministic_and_varied() {
        let a = build(0);
        let b = build(0);
        assert_eq!(a.internal, b.internal, "the same seed every run");
        let customers = a
            .internal
            .iter()
            .filter(|x| x.customer_id.is_some())
            .count();
        assert!(
            customers >= 30,
            "at least 30 customer accounts, got {customers}"
        );
        let statuses: HashSet<_> = a.internal.iter().map(|x| x.status.as_str()).collect();
        for status in ["PENDING", "ACTIVE", "CLOSED", "FROZEN", "FAILED"] {
            assert!(statuses.contains(status), "{status} is seeded");
        }
        let ids: HashSet<_> = a.internal.iter().map(|x| &x.id).collect();
        assert_eq!(ids.len(), a.internal.len(), "ids are unique");
        for account in &a.internal {
            assert!(
                account.total_balance.amount.exact() >= account.balance.amount.exact(),
                "{}",
                account.id
            );
            assert_eq!(
                account.private_enabled.is_some(),
                account.account_type == InternalAccountType::EmbeddedWallet,
                "privateEnabled only on embedded wallets: {}",
                account.id
            );
            for instruction in &account.funding_payment_instructions {
                assert!(
                    instruction.account_or_wallet_info.is_known(),
                    "{} has an instruction that does not match its schema",
                    account.id
                );
            }
        }
        for account in &a.external {
            assert!(
                account.account_info.is_known(),
                "{} matches its schema",
                account.id
            );
        }
    }

    #[test]
    fn generated_accounts_are_unique_and_spread_over_customers() {
        let seed = build(3_000);
        let ids: HashSet<_> = seed.internal.iter().map(|x| &x.id).collect();
        assert_eq!(ids.len(), seed.internal.len());
        let customers: HashSet<_> = seed
            .internal
            .iter()
            .filter_map(|x| x.customer_id.as_ref())
            .collect();
        assert!(customers.len() > 1_000, "{} customers", customers.len());
        let last = seed.internal.last().expect("accounts");
        assert!(last.created_at.starts_with("2025-"), "{}", last.created_at);
    }
}
