package api

import "net/http"

// route is one served operation. The table drives both the ServeMux and the
// OpenAPI document, so what is served is what is documented.
type route struct {
	method, path string
	op, summary  string
	// scope is the scope needed; "" means no authentication.
	scope   Scope
	handler http.HandlerFunc
	// airflow marks operations shared with Airflow's REST API v2.
	airflow bool
	body    any // request body type, nil for none
	resp    any // success response body type, nil for none
	status  int // success status
	errors  []int
	query   []string
	// binary marks a success body that is a file, not JSON.
	binary bool
	// respAnyOf lists the success body's alternatives when it has more
	// than one shape (documented as anyOf, as Airflow does).
	respAnyOf []any
	// audit records each successful call in the event log.
	audit bool
}

var (
	readErrs    = []int{401, 403, 404, 422}
	triggerErrs = []int{400, 401, 403, 404, 409, 413, 422}
	writeErrs   = []int{400, 401, 403, 404, 413, 422}
)

const (
	dagPattern = "/api/v2/dags/{dag_id}"
	runPattern = dagPattern + "/dagRuns/{dag_run_id}"
	tiPattern  = runPattern + "/taskInstances/{task_id}"
)

func (s *Server) routeTable() []route {
	return []route{
		{method: "GET", path: "/api/v2/version", op: "get_version", summary: "Get version", handler: s.handleVersion, airflow: true, resp: map[string]any{}, status: 200},
		{method: "GET", path: "/api/v2/monitor/health", op: "get_health", summary: "Get health", handler: s.handleHealth, airflow: true, resp: map[string]any{}, status: 200},
		{method: "POST", path: "/auth/token", op: "create_token", summary: "Log in: username and password (JSON or form) to a JWT", handler: s.handleToken,
			body: struct {
				Username string `json:"username"`
				Password string `json:"password"`
			}{}, resp: struct {
				AccessToken string `json:"access_token"`
			}{}, status: 201, errors: []int{400, 401, 413, 422}},

		{method: "GET", path: "/api/v2/dags", op: "get_dags", summary: "List DAGs", scope: ScopeRead, handler: s.handleListDAGs, airflow: true,
			resp: DAGCollectionResponse{}, status: 200, errors: []int{400, 401, 403, 422},
			query: []string{"limit", "offset", "dag_id_pattern", "paused", "tags", "tags_match_mode", "order_by"}},
		{method: "GET", path: dagPattern, op: "get_dag", summary: "Get a DAG", scope: ScopeRead, handler: s.handleGetDAG, airflow: true, resp: DAGResponse{}, status: 200, errors: readErrs},
		{method: "GET", path: dagPattern + "/details", op: "get_dag_details", summary: "Get a DAG with its definition's settings", scope: ScopeRead,
			handler: s.handleDAGDetails, airflow: true, resp: DAGDetailsResponse{}, status: 200, errors: readErrs},
		{method: "GET", path: dagPattern + "/tasks", op: "get_tasks", summary: "List the tasks of a DAG", scope: ScopeRead, handler: s.handleTasks, airflow: true,
			resp: TaskCollectionResponse{}, status: 200, errors: []int{400, 401, 403, 404, 422}, query: []string{"order_by"}},
		{method: "GET", path: dagPattern + "/tasks/{task_id}", op: "get_task", summary: "Get a task of a DAG", scope: ScopeRead, handler: s.handleTask, airflow: true,
			resp: DAGTaskResponse{}, status: 200, errors: readErrs},
		{method: "GET", path: dagPattern + "/dagVersions", op: "get_dag_versions", summary: "List the versions of a DAG's definition (dag_id ~ for all DAGs)", scope: ScopeRead,
			handler: s.handleDagVersions, airflow: true, resp: DAGVersionCollectionResponse{}, status: 200, errors: []int{400, 401, 403, 404, 422},
			query: []string{"limit", "offset", "version_number", "bundle_name", "bundle_version", "order_by"}},
		{method: "GET", path: dagPattern + "/dagVersions/{version_number}", op: "get_dag_version", summary: "Get one version of a DAG's definition", scope: ScopeRead,
			handler: s.handleDagVersion, airflow: true, resp: DagVersionResponse{}, status: 200, errors: readErrs},
		{method: "GET", path: "/api/v2/dagStats", op: "get_dag_stats", summary: "Count the runs of each DAG by state", scope: ScopeRead, handler: s.handleDagStats, airflow: true,
			resp: DagStatsCollectionResponse{}, status: 200, errors: []int{401, 403, 422}, query: []string{"dag_ids"}},
		{method: "PATCH", path: dagPattern, op: "patch_dag", summary: "Pause or unpause a DAG", scope: ScopeTrigger, handler: s.handlePatchDAG, airflow: true, audit: true,
			body: struct {
				IsPaused bool `json:"is_paused"`
			}{}, resp: DAGResponse{}, status: 200, errors: writeErrs, query: []string{"update_mask"}},

		{method: "PATCH", path: "/api/v2/dags", op: "patch_dags", summary: "Pause or unpause the DAGs the filters select (one page of them)", scope: ScopeTrigger,
			handler: s.handlePatchDAGs, airflow: true, audit: true, body: struct {
				IsPaused bool `json:"is_paused"`
			}{}, resp: DAGCollectionResponse{}, status: 200, errors: writeErrs,
			query: []string{"update_mask", "limit", "offset", "tags", "tags_match_mode", "owners", "dag_id_pattern", "exclude_stale", "paused"}},
		{method: "DELETE", path: dagPattern, op: "delete_dag", summary: "Delete a DAG's runs, task instances and paused flag (the file stays, so the DAG is listed again)",
			scope: ScopeTrigger, handler: s.handleDeleteDAG, airflow: true, audit: true, status: 204, errors: []int{400, 401, 403, 404, 409, 422, 501}},

		{method: "POST", path: dagPattern + "/dagRuns", op: "trigger_dag_run", summary: "Trigger a DAG run (Idempotency-Key header; ?wait=60s waits for the end, 202 with Location at the timeout)",
			scope: ScopeTrigger, handler: s.handleTrigger, airflow: true, audit: true, body: triggerBody{}, resp: DAGRunResponse{}, status: 200, errors: append([]int{202}, triggerErrs...), query: []string{"wait"}},
		{method: "GET", path: dagPattern + "/dagRuns", op: "get_dag_runs", summary: "List DAG runs (dag_id ~ for all DAGs)", scope: ScopeRead, handler: s.handleListRuns, airflow: true,
			resp: DAGRunCollectionResponse{}, status: 200, errors: []int{400, 401, 403, 404, 422},
			query: []string{"limit", "offset", "state", "run_type", "order_by", "dag_id_pattern", "run_id_pattern", "logical_date_gte", "logical_date_gt", "logical_date_lte", "logical_date_lt",
				"start_date_gte", "start_date_gt", "start_date_lte", "start_date_lt", "end_date_gte", "end_date_gt", "end_date_lte", "end_date_lt",
				"run_after_gte", "run_after_gt", "run_after_lte", "run_after_lt"}},
		{method: "POST", path: dagPattern + "/dagRuns/list", op: "get_list_dag_runs_batch", summary: "List DAG runs by a body filter", scope: ScopeRead, handler: s.handleListRunsBatch, airflow: true,
			body: map[string]any{}, resp: DAGRunCollectionResponse{}, status: 200, errors: writeErrs},
		{method: "GET", path: runPattern, op: "get_dag_run", summary: "Get a DAG run", scope: ScopeRead, handler: s.handleGetRun, airflow: true, resp: DAGRunResponse{}, status: 200, errors: readErrs},
		{method: "PATCH", path: runPattern, op: "patch_dag_run", summary: "Set a DAG run's state or note", scope: ScopeTrigger, handler: s.handlePatchRun, airflow: true, audit: true,
			body: struct {
				State string `json:"state"`
				Note  string `json:"note"`
			}{}, resp: DAGRunResponse{}, status: 200, errors: writeErrs, query: []string{"update_mask"}},
		{method: "DELETE", path: runPattern, op: "delete_dag_run", summary: "Delete a DAG run", scope: ScopeTrigger, handler: s.handleDeleteRun, airflow: true, audit: true, status: 204, errors: []int{400, 401, 403, 404, 422}},
		{method: "POST", path: runPattern + "/clear", op: "clear_dag_run", summary: "Clear a DAG run's task instances so they run again (dry_run defaults to true)",
			scope: ScopeTrigger, handler: s.handleClearRun, airflow: true, audit: true, body: struct {
				DryRun     bool `json:"dry_run"`
				OnlyFailed bool `json:"only_failed"`
			}{}, resp: DAGRunResponse{}, respAnyOf: []any{TaskInstanceCollectionResponse{}, DAGRunResponse{}}, status: 200, errors: writeErrs},
		{method: "GET", path: runPattern + "/wait", op: "wait_dag_run_until_finished", summary: "Stream the run's state as NDJSON every interval seconds until it finishes (result=: XComs of those tasks on the last line)",
			scope: ScopeRead, handler: s.handleWaitRun, airflow: true, resp: map[string]any{}, status: 200, errors: readErrs, query: []string{"interval", "result"}},
		{method: "GET", path: runPattern + "/sensor", op: "sensor_dag_run", summary: "Sensor: 404 while the run is unfinished, 200 with the run and its outputs on success, 424 on failure",
			scope: ScopeRead, handler: s.handleSensor, resp: SensorResponse{}, status: 200, errors: []int{401, 403, 404, 424}},

		{method: "GET", path: runPattern + "/taskInstances", op: "get_task_instances", summary: "List task instances (~ for all DAGs and runs)", scope: ScopeRead, handler: s.handleListTIs, airflow: true,
			resp: TaskInstanceCollectionResponse{}, status: 200, errors: []int{400, 401, 403, 404, 422},
			query: []string{"limit", "offset", "task_id", "state", "pool", "queue", "order_by"}},
		{method: "POST", path: runPattern + "/taskInstances/list", op: "get_task_instances_batch", summary: "List task instances by a body filter", scope: ScopeRead, handler: s.handleListTIsBatch, airflow: true,
			body: map[string]any{}, resp: TaskInstanceCollectionResponse{}, status: 200, errors: writeErrs},
		{method: "GET", path: tiPattern, op: "get_task_instance", summary: "Get a task instance", scope: ScopeRead, handler: s.handleGetTI, airflow: true, resp: TaskInstanceResponse{}, status: 200, errors: readErrs},
		{method: "GET", path: tiPattern + "/tries", op: "get_task_instance_tries", summary: "List the tries of a task instance", scope: ScopeRead, handler: s.handleTries, airflow: true,
			resp: TaskInstanceHistoryCollectionResponse{}, status: 200, errors: readErrs},
		{method: "GET", path: tiPattern + "/logs/{try_number}", op: "get_log", summary: "Get the log of one try", scope: ScopeRead, handler: s.handleLog, airflow: true,
			resp: TaskInstancesLogResponse{}, status: 200, errors: readErrs, query: []string{"full_content", "map_index", "token"}},
		{method: "GET", path: tiPattern + "/xcomEntries", op: "get_xcom_entries", summary: "List XCom entries (return_value)", scope: ScopeRead, handler: s.handleXComs, airflow: true,
			resp: XComCollectionResponse{}, status: 200, errors: []int{400, 401, 403, 404, 422}, query: []string{"xcom_key", "map_index", "limit", "offset"}},
		{method: "GET", path: tiPattern + "/xcomEntries/{xcom_key}", op: "get_xcom_entry", summary: "Get an XCom entry", scope: ScopeRead, handler: s.handleXCom, airflow: true,
			resp: XComResponseNative{}, status: 200, errors: []int{400, 401, 403, 404, 422}, query: []string{"map_index", "deserialize", "stringify"}},

		{method: "GET", path: tiPattern + "/tries/{task_try_number}", op: "get_task_instance_try_details", summary: "Get one try of a task instance", scope: ScopeRead,
			handler: s.handleTryDetails, airflow: true, resp: TaskInstanceHistoryResponse{}, status: 200, errors: readErrs, query: []string{"map_index"}},
		{method: "GET", path: tiPattern + "/dependencies", op: "get_task_instance_dependencies", summary: "What keeps a task instance from being queued", scope: ScopeRead,
			handler: s.handleDependencies, airflow: true, resp: TaskDependencyCollectionResponse{}, status: 200, errors: readErrs},
		{method: "GET", path: tiPattern + "/links", op: "get_extra_links", summary: "Links of a task instance (its run's outputs)", scope: ScopeRead,
			handler: s.handleExtraLinks, airflow: true, resp: ExtraLinkCollectionResponse{}, status: 200, errors: readErrs, query: []string{"map_index", "try_number"}},
		{method: "GET", path: tiPattern + "/listMapped", op: "get_mapped_task_instances", summary: "List the mapped instances of a task (dagworker maps no task: 404)",
			scope: ScopeRead, handler: s.handleListMapped, airflow: true, resp: TaskInstanceCollectionResponse{}, status: 200, errors: readErrs},
		{method: "GET", path: tiPattern + "/{map_index}", op: "get_mapped_task_instance", summary: "Get a task instance by map index (-1: every dagworker task)",
			scope: ScopeRead, handler: s.handleGetMappedTI, airflow: true, resp: TaskInstanceResponse{}, status: 200, errors: readErrs},
		{method: "GET", path: tiPattern + "/{map_index}/tries", op: "get_mapped_task_instance_tries", summary: "List the tries of a task instance by map index", scope: ScopeRead,
			handler: s.byMapIndex(tiNotFound, s.handleTries), airflow: true, resp: TaskInstanceHistoryCollectionResponse{}, status: 200, errors: readErrs},
		{method: "GET", path: tiPattern + "/{map_index}/tries/{task_try_number}", op: "get_mapped_task_instance_try_details", summary: "Get one try of a task instance by map index",
			scope: ScopeRead, handler: s.byMapIndex(tryNotFound, s.handleTryDetails), airflow: true, resp: TaskInstanceHistoryResponse{}, status: 200, errors: readErrs},
		{method: "GET", path: tiPattern + "/{map_index}/dependencies", op: "get_task_instance_dependencies_by_map_index", summary: "What keeps a task instance (by map index) from being queued",
			scope: ScopeRead, handler: s.byMapIndex(tiNotFound, s.handleDependencies), airflow: true, resp: TaskDependencyCollectionResponse{}, status: 200, errors: readErrs},
		{method: "PATCH", path: tiPattern, op: "patch_task_instance", summary: "Set a task instance's state (with its upstream, downstream, future or past ones); failed downstream tasks are cleared",
			scope: ScopeTrigger, handler: s.handlePatchTI(false), airflow: true, audit: true, body: patchTIBody{}, resp: TaskInstanceCollectionResponse{}, status: 200,
			errors: []int{400, 401, 403, 404, 409, 413, 422, 501}, query: []string{"map_index", "update_mask"}},
		{method: "PATCH", path: tiPattern + "/dry_run", op: "patch_task_instance_dry_run", summary: "The task instances a state change would alter", scope: ScopeTrigger,
			handler: s.handlePatchTI(true), airflow: true, body: patchTIBody{}, resp: TaskInstanceCollectionResponse{}, status: 200,
			errors: []int{400, 401, 403, 404, 413, 422, 501}, query: []string{"map_index", "update_mask"}},
		{method: "PATCH", path: tiPattern + "/{map_index}", op: "patch_task_instance_by_map_index", summary: "Set a task instance's state by map index (-1)",
			scope: ScopeTrigger, handler: s.byMapIndex(tiNotFound, s.handlePatchTI(false)), airflow: true, audit: true, body: patchTIBody{}, resp: TaskInstanceCollectionResponse{}, status: 200,
			errors: []int{400, 401, 403, 404, 409, 413, 422, 501}, query: []string{"update_mask"}},
		{method: "PATCH", path: tiPattern + "/{map_index}/dry_run", op: "patch_task_instance_dry_run_by_map_index", summary: "The task instances a state change by map index would alter",
			scope: ScopeTrigger, handler: s.byMapIndex(tiNotFound, s.handlePatchTI(true)), airflow: true, body: patchTIBody{}, resp: TaskInstanceCollectionResponse{}, status: 200,
			errors: []int{400, 401, 403, 404, 413, 422, 501}, query: []string{"update_mask"}},
		{method: "POST", path: dagPattern + "/clearTaskInstances", op: "post_clear_task_instances", summary: "Clear task instances so they run again (dry_run defaults to true)",
			scope: ScopeTrigger, handler: s.handleClearTIs, airflow: true, audit: true, body: clearTIsBody{}, resp: TaskInstanceCollectionResponse{}, status: 200,
			errors: []int{400, 401, 403, 404, 409, 413, 422, 501}},
		{method: "GET", path: "/api/v2/eventLogs", op: "get_event_logs", summary: "List the event log: who triggered, cleared, paused, deleted or changed what", scope: ScopeRead,
			handler: s.handleEventLogs, airflow: true, resp: EventLogCollectionResponse{}, status: 200, errors: []int{400, 401, 403, 422},
			query: []string{"limit", "offset", "order_by", "dag_id", "task_id", "run_id", "owner", "event", "excluded_events", "included_events", "before", "after",
				"dag_id_pattern", "task_id_pattern", "run_id_pattern", "owner_pattern", "event_pattern"}},
		{method: "GET", path: "/api/v2/eventLogs/{event_log_id}", op: "get_event_log", summary: "Get one event log entry", scope: ScopeRead,
			handler: s.handleEventLog, airflow: true, resp: EventLogResponse{}, status: 200, errors: []int{401, 403, 404, 422}},

		{method: "GET", path: "/api/v2/pools", op: "get_pools", summary: "List pools with their slot accounting (running, queued, scheduled, open)", scope: ScopeRead,
			handler: s.handleListPools, airflow: true, resp: PoolCollectionResponse{}, status: 200, errors: []int{400, 401, 403, 404, 422, 501},
			query: []string{"limit", "offset", "order_by", "pool_name_pattern"}},
		{method: "POST", path: "/api/v2/pools", op: "post_pool", summary: "Create a pool (the workers enforce its slots)", scope: ScopeTrigger, handler: s.handlePostPool,
			airflow: true, audit: true, body: poolBody{}, resp: PoolResponse{}, status: 201, errors: []int{401, 403, 409, 413, 422, 501}},
		{method: "PATCH", path: "/api/v2/pools", op: "bulk_pools", summary: "Create, update and delete pools in bulk", scope: ScopeTrigger, handler: s.handleBulkPools,
			airflow: true, audit: true, body: map[string]any{}, resp: BulkResponse{}, status: 200, errors: []int{401, 403, 413, 422, 501}},
		{method: "GET", path: "/api/v2/pools/{pool_name}", op: "get_pool", summary: "Get a pool", scope: ScopeRead, handler: s.handleGetPool, airflow: true,
			resp: PoolResponse{}, status: 200, errors: []int{401, 403, 404, 422, 501}},
		{method: "PATCH", path: "/api/v2/pools/{pool_name}", op: "patch_pool", summary: "Change a pool (default_pool: slots and include_deferred only)", scope: ScopeTrigger,
			handler: s.handlePatchPool, airflow: true, audit: true, body: poolBody{}, resp: PoolResponse{}, status: 200, errors: []int{400, 401, 403, 404, 409, 413, 422, 501},
			query: []string{"update_mask"}},
		{method: "DELETE", path: "/api/v2/pools/{pool_name}", op: "delete_pool", summary: "Delete a pool (not default_pool)", scope: ScopeTrigger, handler: s.handleDeletePool,
			airflow: true, audit: true, status: 204, errors: []int{400, 401, 403, 404, 422, 501}},

		{method: "POST", path: "/api/v2/backfills", op: "create_backfill", summary: "Backfill a DAG's intervals between two dates (run_type backfill; reprocess_behavior, max_active_runs)",
			scope: ScopeTrigger, handler: s.handleCreateBackfill, airflow: true, audit: true, body: backfillBody{}, resp: BackfillResponse{}, status: 200,
			errors: []int{400, 401, 403, 404, 409, 413, 422, 501}},
		{method: "POST", path: "/api/v2/backfills/dry_run", op: "create_backfill_dry_run", summary: "The logical dates a backfill would run", scope: ScopeTrigger,
			handler: s.handleBackfillDryRun, airflow: true, body: backfillBody{}, resp: DryRunBackfillCollectionResponse{}, status: 200,
			errors: []int{400, 401, 403, 404, 409, 413, 422, 501}},
		{method: "GET", path: "/api/v2/backfills", op: "list_backfills", summary: "List backfills", scope: ScopeRead, handler: s.handleListBackfills, airflow: true,
			resp: BackfillCollectionResponse{}, status: 200, errors: []int{400, 401, 403, 422, 501}, query: []string{"dag_id", "limit", "offset", "order_by"}},
		{method: "GET", path: "/api/v2/backfills/{backfill_id}", op: "get_backfill", summary: "Get a backfill", scope: ScopeRead, handler: s.backfillOp("get"), airflow: true,
			resp: BackfillResponse{}, status: 200, errors: []int{401, 403, 404, 422, 501}},
		{method: "PUT", path: "/api/v2/backfills/{backfill_id}/pause", op: "pause_backfill", summary: "Pause a backfill: its runs that did not start wait",
			scope: ScopeTrigger, handler: s.backfillOp("pause"), airflow: true, audit: true, resp: BackfillResponse{}, status: 200, errors: []int{401, 403, 404, 409, 422, 501}},
		{method: "PUT", path: "/api/v2/backfills/{backfill_id}/unpause", op: "unpause_backfill", summary: "Unpause a backfill", scope: ScopeTrigger,
			handler: s.backfillOp("unpause"), airflow: true, audit: true, resp: BackfillResponse{}, status: 200, errors: []int{401, 403, 404, 409, 422, 501}},
		{method: "PUT", path: "/api/v2/backfills/{backfill_id}/cancel", op: "cancel_backfill", summary: "Cancel a backfill: its runs that did not start fail",
			scope: ScopeTrigger, handler: s.backfillOp("cancel"), airflow: true, audit: true, resp: BackfillResponse{}, status: 200, errors: []int{401, 403, 404, 409, 422, 501}},

		{method: "GET", path: "/api/v2/importErrors", op: "get_import_errors", summary: "List the DAG files that do not load", scope: ScopeRead,
			handler: s.handleImportErrors, airflow: true, resp: ImportErrorCollectionResponse{}, status: 200, errors: []int{400, 401, 403, 422},
			query: []string{"limit", "offset", "order_by", "filename_pattern"}},
		{method: "GET", path: "/api/v2/importErrors/{import_error_id}", op: "get_import_error", summary: "Get one DAG file that does not load", scope: ScopeRead,
			handler: s.handleImportError, airflow: true, resp: ImportErrorResponse{}, status: 200, errors: readErrs},
		{method: "GET", path: "/api/v2/dagTags", op: "get_dag_tags", summary: "List the distinct tags of the DAGs", scope: ScopeRead,
			handler: s.handleDAGTags, airflow: true, resp: DAGTagCollectionResponse{}, status: 200, errors: []int{400, 401, 403, 422},
			query: []string{"limit", "offset", "order_by", "tag_name_pattern", "tag_name_prefix_pattern"}},
		{method: "GET", path: "/api/v2/dagWarnings", op: "list_dag_warnings", summary: "List the DAGs whose tasks name pools that do not exist", scope: ScopeRead,
			handler: s.handleDAGWarnings, airflow: true, resp: DAGWarningCollectionResponse{}, status: 200, errors: []int{400, 401, 403, 422},
			query: []string{"dag_id", "warning_type", "limit", "offset", "order_by"}},
		{method: "GET", path: "/api/v2/dagSources/{dag_id}", op: "get_dag_source", summary: "Get the file a DAG was loaded from", scope: ScopeRead,
			handler: s.handleDAGSource, airflow: true, resp: DAGSourceResponse{}, status: 200, errors: readErrs},
		{method: "GET", path: "/api/v2/config", op: "get_config", summary: "Get the API server's settings (secrets hidden)", scope: ScopeRead,
			handler: s.handleConfig, airflow: true, resp: ConfigResponse{}, status: 200, errors: []int{401, 403, 404}, query: []string{"section"}},
		{method: "GET", path: "/api/v2/config/section/{section}/option/{option}", op: "get_config_value", summary: "Get one setting of the API server (secrets hidden)", scope: ScopeRead,
			handler: s.handleConfigValue, airflow: true, resp: ConfigResponse{}, status: 200, errors: []int{401, 403, 404}},
		{method: "GET", path: "/api/v2/connections", op: "get_connections", summary: "List the tasks' connections (read only; passwords and secret extras as ***)",
			scope: ScopeRead, handler: s.handleListConnections, airflow: true, resp: ConnectionCollectionResponse{}, status: 200,
			errors: []int{400, 401, 403, 422, 501}, query: []string{"limit", "offset", "order_by", "connection_id_pattern"}},
		{method: "GET", path: "/api/v2/connections/{connection_id}", op: "get_connection", summary: "Get one of the tasks' connections (read only)",
			scope: ScopeRead, handler: s.handleGetConnection, airflow: true, resp: ConnectionResponse{}, status: 200, errors: []int{401, 403, 404, 422, 501}},
		{method: "GET", path: "/api/v2/variables", op: "get_variables", summary: "List variables (values of sensitive keys masked)", scope: ScopeRead,
			handler: s.handleListVariables, airflow: true, resp: VariableCollectionResponse{}, status: 200, errors: []int{400, 401, 403, 422, 501},
			query: []string{"limit", "offset", "order_by", "variable_key_pattern"}},
		{method: "POST", path: "/api/v2/variables", op: "post_variable", summary: "Create a variable", scope: ScopeTrigger, handler: s.handlePostVariable, airflow: true, audit: true,
			body: variableBody{}, resp: VariableResponse{}, status: 201, errors: []int{401, 403, 409, 413, 422, 501}},
		{method: "PATCH", path: "/api/v2/variables", op: "bulk_variables", summary: "Create, update and delete variables in bulk", scope: ScopeTrigger, handler: s.handleBulkVariables,
			airflow: true, audit: true, body: map[string]any{}, resp: BulkResponse{}, status: 200, errors: []int{401, 403, 413, 422, 501}},
		{method: "GET", path: "/api/v2/variables/{variable_key}", op: "get_variable", summary: "Get a variable", scope: ScopeRead, handler: s.handleGetVariable, airflow: true,
			resp: VariableResponse{}, status: 200, errors: []int{401, 403, 404, 422, 501}},
		{method: "PATCH", path: "/api/v2/variables/{variable_key}", op: "patch_variable", summary: "Update a variable", scope: ScopeTrigger, handler: s.handlePatchVariable, airflow: true, audit: true,
			body: variableBody{}, resp: VariableResponse{}, status: 200, errors: []int{400, 401, 403, 404, 413, 422, 501}, query: []string{"update_mask"}},
		{method: "DELETE", path: "/api/v2/variables/{variable_key}", op: "delete_variable", summary: "Delete a variable", scope: ScopeTrigger, handler: s.handleDeleteVariable, airflow: true, audit: true,
			status: 204, errors: []int{401, 403, 404, 422, 501}},

		{method: "POST", path: "/api/dagworker/v1/tasks", op: "submit_task", summary: "Run one ad-hoc task (201; 200 when it finished within wait)", scope: ScopeTrigger, handler: s.handleSubmitTask,
			body: taskBody{}, resp: TaskResponse{}, status: 201, errors: []int{200, 400, 401, 403, 413, 422, 501}, query: []string{"wait"}},
		{method: "GET", path: "/api/dagworker/v1/tasks/{id}", op: "get_adhoc_task", summary: "Get an ad-hoc task: state, result, output URI, error, log", scope: ScopeRead, handler: s.handleGetTask,
			resp: TaskResponse{}, status: 200, errors: []int{401, 403, 404, 501}},

		{method: "GET", path: outputsPath + "/{dag_id}/{dag_run_id}", op: "list_run_outputs", summary: "List the data lake outputs of a run (404 for an unknown run)", scope: ScopeRead,
			handler: s.handleListOutputs, resp: OutputCollectionResponse{}, status: 200, errors: []int{401, 403, 404, 422, 501}},
		{method: "GET", path: outputsPath + "/{dag_id}/{dag_run_id}/{task_id}", op: "list_task_outputs", summary: "List the data lake outputs of one task instance", scope: ScopeRead,
			handler: s.handleListOutputs, resp: OutputCollectionResponse{}, status: 200, errors: []int{401, 403, 404, 422, 501}},
		{method: "GET", path: outputsPath + "/{dag_id}/{dag_run_id}/{task_id}/{name}", op: "get_output", summary: "Download one output (attachment; Range and conditional requests)", scope: ScopeRead,
			handler: s.handleGetOutput, binary: true, status: 200, errors: []int{206, 401, 403, 404, 422, 501}},
	}
}
