package template

import "time"

// RunInfo describes the DAG run a template renders for.
type RunInfo struct {
	DagID, RunID                                    string
	LogicalDate, DataIntervalStart, DataIntervalEnd time.Time
	// Params are the DAG's params already overridden by the trigger conf: the
	// caller merges them (Airflow's behaviour when
	// dag_run_conf_overrides_params is on, its default).
	Params map[string]any
	// Conf is the raw trigger conf, visible as dag_run.conf.
	Conf map[string]any
}

// Vars returns Airflow's template names for a run:
//
//	ds                  logical date as 2006-01-02
//	ds_nodash           20060102
//	ts                  2006-01-02T15:04:05+00:00
//	ts_nodash           20060102T150405
//	ts_nodash_with_tz   20060102T150405+0000
//	logical_date, data_interval_start, data_interval_end   times
//	run_id, dag.dag_id, params
//	dag_run.conf, dag_run.run_id, dag_run.dag_id, dag_run.logical_date,
//	dag_run.data_interval_start, dag_run.data_interval_end
//
// Dates are formatted in UTC, as Airflow's context does. Nil Params and Conf
// become empty maps, so params.x | default(…) works.
func Vars(r RunInfo) map[string]any {
	ld := r.LogicalDate.UTC()
	params := r.Params
	if params == nil {
		params = map[string]any{}
	}
	conf := r.Conf
	if conf == nil {
		conf = map[string]any{}
	}
	return map[string]any{
		"ds":                  ld.Format("2006-01-02"),
		"ds_nodash":           ld.Format("20060102"),
		"ts":                  ld.Format(TimeLayout),
		"ts_nodash":           ld.Format("20060102T150405"),
		"ts_nodash_with_tz":   ld.Format("20060102T150405-0700"),
		"logical_date":        ld,
		"data_interval_start": r.DataIntervalStart.UTC(),
		"data_interval_end":   r.DataIntervalEnd.UTC(),
		"run_id":              r.RunID,
		"dag":                 map[string]any{"dag_id": r.DagID},
		"params":              params,
		"dag_run": map[string]any{
			"conf":                conf,
			"run_id":              r.RunID,
			"dag_id":              r.DagID,
			"logical_date":        ld,
			"data_interval_start": r.DataIntervalStart.UTC(),
			"data_interval_end":   r.DataIntervalEnd.UTC(),
		},
	}
}
