// Every command the webview may call, declared once as `module::name(args) -> result`:
// - `args` are the JSON arguments by their Rust names (the UI spells them in camelCase); after
//   `|` comes a channel the command streams on, with the type of what it carries;
// - the body is `commands::module::name(&app, args...)`, returning `CommandResult<result>`.
// From this list come the IPC handler and the TypeScript map of commands (commands/mod.rs), and
// the permissions and the main window's capability (build.rs includes this file too).
macro_rules! for_each_command {
    ($then:ident) => {
        $then! {
            app::app_info() -> AppInfo;

            inbox::inbox_status() -> ReceiverStatus;
            inbox::inbox_list(query: Query) -> Vec<DeliverySummary>;
            inbox::inbox_get(id: i64) -> DeliveryDetail;
            inbox::inbox_count(query: Query) -> u64;
            inbox::inbox_export(query: Query, format: ExportFormat) -> Option<SavedExport>;
            inbox::inbox_reveal_export() -> ();
            inbox::inbox_replay(id: i64, url: String, keep_credentials: bool) -> ReplayOutcome;
            inbox::inbox_clear() -> u64;
            inbox::inbox_forward_attempts(id: i64) -> Vec<ForwardAttempt>;
            inbox::inbox_forward_states(ids: Vec<i64>) -> Vec<DeliveryForward>;
            inbox::inbox_forward_again(id: i64) -> bool;
            inbox::inbox_forward_again_matching(query: Query) -> u64;
            inbox::inbox_subscribe(| on_deliveries: Vec<DeliverySummary>) -> ();
            inbox::inbox_route_create(route: NewHookRoute) -> MintedRoute;
            inbox::inbox_route_respond(token: String, response: RouteResponse) -> HookRoute;
            inbox::inbox_route_check(urls: Vec<String>) -> Vec<RouteCheck>;
            inbox::inbox_routes() -> Vec<HookRoute>;
            inbox::inbox_route_list() -> Vec<RouteListing>;
            inbox::inbox_route_label(token: String, label: String) -> HookRoute;
            inbox::inbox_route_delete(token: String) -> ();
            inbox::inbox_route_forward(token: String, forward: Option<ForwardInput>) -> Option<RouteForward>;
            inbox::inbox_samples() -> Vec<SampleKind>;
            inbox::inbox_sample_send(token: String, sample: SampleRequest) -> SampleSent;
            inbox::inbox_open_requests(| on_open: OpenRequest) -> ();

            settings::settings_get() -> CurrentSettings;
            settings::settings_save(next: Settings) -> CurrentSettings;

            connection::connection_list() -> ConnectionsOverview;
            connection::connection_save(input: ConnectionInput, anyway: bool) -> SaveOutcome;
            connection::connection_remove(id: Uuid) -> ();
            connection::connection_verify(id: Uuid) -> ConnectionHealth;

            registry::registry_namespace_list(connection_id: Uuid) -> Vec<Namespace>;
            registry::registry_repository_list(connection_id: Uuid, namespace: String
                | on_progress: Progress) -> Vec<Repository>;
            registry::registry_repository_list_all(connection_id: Uuid
                | on_progress: Progress) -> ManyRepositories;
            registry::registry_notification_list(connection_id: Uuid, namespace: String,
                repository: Option<String>) -> Vec<Notification>;
            registry::registry_repository_get(connection_id: Uuid, namespace: String,
                name: String) -> RepositoryDetail;
            registry::registry_repository_create(connection_id: Uuid, draft: RepositoryDraft)
                -> RepositoryDetail;
            registry::registry_repository_change(connection_id: Uuid, namespace: String,
                name: String, change: RepositoryChange) -> RepositoryDetail;
            registry::registry_repository_tags(connection_id: Uuid, namespace: String,
                name: String, cursor: Option<String>) -> TagPage;
            registry::registry_repository_delete_impact(connection_id: Uuid, namespace: String,
                name: String) -> DeleteImpact;
            registry::registry_repository_delete(connection_id: Uuid, namespace: String,
                name: String, typed_name: String) -> ();

            quay::quay_notification_create(connection_id: Uuid, namespace: String, name: String,
                draft: QuayNotificationDraft) -> QuayNotificationView;
            quay::quay_notification_test(connection_id: Uuid, namespace: String, name: String,
                uuid: String) -> ();
            quay::quay_notification_reset(connection_id: Uuid, namespace: String, name: String,
                uuid: String) -> ();
            quay::quay_notification_delete(connection_id: Uuid, namespace: String, name: String,
                uuid: String) -> ();
            quay::quay_team_list(connection_id: Uuid, org: String) -> Vec<QuayTeam>;
            quay::quay_features(connection_id: Uuid) -> QuayFeatures;
            quay::quay_email_status(connection_id: Uuid, namespace: String, name: String,
                email: String) -> Option<QuayAuthorizedEmail>;
            quay::quay_email_confirm(connection_id: Uuid, namespace: String, name: String,
                email: String) -> QuayAuthorizedEmail;

            dtr::dtr_webhook_create(connection_id: Uuid, draft: DtrWebhookDraft) -> DtrWebhook;
            dtr::dtr_webhook_test(connection_id: Uuid, draft: DtrWebhookTestDraft) -> ();
            dtr::dtr_webhook_update(connection_id: Uuid, update: DtrWebhookUpdate,
                endpoint: String) -> DtrWebhook;
            dtr::dtr_webhook_delete(connection_id: Uuid, id: String) -> ();

            fleet::fleet_scan(connection_ids: Vec<Uuid>, namespace: Option<String>
                | on_event: ScanEvent) -> ScanSummary;
            fleet::fleet_cancel() -> ();
            fleet::fleet_act(connection_id: Uuid, action: BulkAction, items: Vec<ActionItem>
                | on_progress: Progress) -> Vec<ActionResult>;
            fleet::fleet_plan(connection_id: Uuid, set_text: String, prune: bool
                | on_progress: Progress) -> Plan;
            fleet::fleet_plan_copy(connection_id: Uuid, from: Target, ids: Option<Vec<String>>,
                to: Vec<Target> | on_progress: Progress) -> Plan;
            fleet::fleet_spec(connection_id: Uuid, target: Target, id: String) -> NotificationSpec;
            fleet::fleet_apply(connection_id: Uuid, items: Vec<PlanItem>, retry: bool
                | on_progress: Progress) -> Vec<Applied>;
            fleet::fleet_undo(connection_id: Uuid, applied: Vec<Applied>) -> Vec<ActionResult>;
            fleet::fleet_export(connection_id: Uuid, namespace: Option<String>,
                targets: Option<Vec<Target>>, save: bool) -> ExportedSet;
            fleet::fleet_edit(connection_id: Uuid, target: Target, old_id: String,
                spec: NotificationSpec, test: bool) -> EditOutcome;
            fleet::fleet_edit_finish(connection_id: Uuid, target: Target, old_id: String)
                -> String;
            fleet::fleet_repoint(connection_id: Uuid, items: Vec<ActionItem>
                | on_progress: Progress) -> Vec<ActionResult>;
        }
    };
}
