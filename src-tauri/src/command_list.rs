// The app's IPC commands (docs/app-contract.md), declared once. `build.rs` includes this file
// to tell tauri-build which commands exist (each gets an `allow-<command>` permission that
// `capabilities/default.json` grants), and `lib.rs` to register them with
// `tauri::generate_handler!`. `tests/command_list.rs` checks the capability file,
// `ui/bridge.js` and docs/app-contract.md against it. A new command goes here (and in
// `commands.rs`), then in those three files.
//
// `grid_desk_commands!(m)` calls macro `m` with the list.
macro_rules! grid_desk_commands {
    ($then:ident) => {
        $then! {
            app_state,
            save_connection,
            delete_connection,
            switch_connection,
            test_connection,
            reset_demo,
            list_platform_accounts,
            list_customer_accounts,
            list_external_accounts,
            qr_svg,
            check_amount,
            fund_sandbox_account,
            start_account_update,
            complete_account_update,
            session_key_status,
            save_session_key,
            generate_session_key,
            delete_session_key,
            default_paper,
            list_printable_accounts,
            save_deposit_pdf,
            save_deposit_csv,
            copy_deposit_instructions,
            email_deposit_instructions,
            get_preferences,
            save_preferences,
            get_monitor,
            refresh_balances,
            save_monitor_settings,
            save_balance_threshold,
            delete_balance_threshold,
            list_notices,
            cancel_listing,
            open_logs_folder,
            // Activity journal and last-known accounts (issue 13).
            journal_info,
            journal_entries,
            save_journal_csv,
            last_known_accounts,
            workspace_load,
            workspace_state,
            workspace_cancel,
            workspace_view,
            workspace_rows,
            workspace_find,
            workspace_select,
            workspace_selection,
            workspace_account,
            workspace_export_csv,
        }
    };
}
