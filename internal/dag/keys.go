package dag

import "sort"

// The key tables below are the single source of truth for what the parser
// accepts; the JSON Schema test walks them. They are functions so that no
// package-level state can be changed by a caller.

// dagKeys are the keys of a DAG (and of the file's "default:" block).
func dagKeys() []string {
	return []string{
		"dag_id", "description", "dag_display_name", "doc_md",
		"schedule", "schedule_interval", "start_date", "end_date", "timezone",
		"catchup", "max_active_runs", "max_active_tasks", "concurrency",
		"dagrun_timeout", "dagrun_timeout_sec", "is_paused_upon_creation",
		"tags", "params", "default_args", "tasks", "task_groups",
	}
}

// dagIgnoredKeys are Airflow DAG arguments that mean nothing to dagworker:
// accepted (so dag-factory files load) with a warning.
func dagIgnoredKeys() []string {
	return []string{
		"default_view", "orientation", "render_template_as_native_obj",
		"template_searchpath", "on_success_callback", "on_failure_callback",
		"sla_miss_callback", "access_control", "owner_links", "fail_fast",
		"doc_md_file_path", "doc_md_python_callable_file", "doc_md_python_callable_name",
		"doc_md_python_arguments",
	}
}

// taskSettingKeys are the Airflow task settings dagworker honours; they may
// be set on a task, in a DAG's default_args or in a task group's default_args.
func taskSettingKeys() []string {
	return []string{
		"trigger_rule", "retries", "retry_delay", "retry_delay_sec",
		"retry_exponential_backoff", "max_retry_delay", "execution_timeout",
		"execution_timeout_secs", "queue", "pool", "pool_slots",
		"priority_weight", "owner",
	}
}

// taskStructureKeys are the keys that place a task in the DAG.
func taskStructureKeys() []string {
	return []string{"task_id", "operator", "dependencies", "task_group_name"}
}

// taskOwnKeys are task keys that are neither settings (they cannot come from
// default_args) nor operator arguments.
func taskOwnKeys() []string { return []string{"params"} }

// taskIgnoredKeys are Airflow task arguments accepted with a warning.
func taskIgnoredKeys() []string {
	return []string{
		"email", "email_on_failure", "email_on_retry", "depends_on_past",
		"wait_for_downstream", "weight_rule", "sla", "on_success_callback",
		"on_failure_callback", "on_retry_callback", "on_execute_callback",
		"doc_md", "start_date", "end_date", "task_display_name",
		"email_on_success", "doc", "doc_json", "doc_yaml", "doc_rst", "do_xcom_push", "multiple_outputs",
		"max_active_tis_per_dag", "max_active_tis_per_dagrun", "executor", "executor_config", "run_as_user",
		"resources", "inlets", "outlets", "on_skipped_callback", "ignore_first_depends_on_past",
		"wait_for_past_depends_before_skipping", "map_index_template", "task_concurrency",
	}
}

// defaultArgsKeys are the keys of default_args beyond the task settings.
func defaultArgsKeys() []string { return []string{"start_date", "end_date", "timezone"} }

// groupKeys are the keys of a task group.
func groupKeys() []string {
	return []string{"group_name", "tooltip", "dependencies", "parent_group_name", "default_args", "prefix_group_id"}
}

// timedeltaKeys are the keys of a {__type__: datetime.timedelta, ...} mapping.
func timedeltaKeys() []string {
	return []string{"__type__", "weeks", "days", "hours", "minutes", "seconds", "milliseconds", "microseconds"}
}

func set(lists ...[]string) map[string]bool {
	m := map[string]bool{}
	for _, l := range lists {
		for _, k := range l {
			m[k] = true
		}
	}
	return m
}

func keysOf(m map[string]bool) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}
