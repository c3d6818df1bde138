// Package template renders the Jinja-style {{ … }} templates of DAG files over
// Airflow's template names (ds, ts, logical_date, params, dag_run.conf,
// ti.xcom_pull, …). It implements a small, bounded subset of Jinja expressions
// with its own lexer, parser and evaluator; it is a leaf package and imports
// nothing of dagworker's.
//
// # Typed results
//
// A string that is exactly one {{ expr }} (whitespace around it allowed) renders
// to the expression's value with its JSON type kept: a list param stays a list,
// a number stays a number. Any other string renders to a string, with
// non-string values formatted as follows (this differs from Python's str):
//
//   - lists and maps as compact JSON (keys sorted);
//   - nil as null, booleans as true/false, numbers in shortest decimal form;
//   - times as ISO 8601 / RFC 3339 with a numeric offset and microseconds only
//     when non-zero ("2026-11-28T00:00:00+00:00"), which is what str() of
//     Airflow's pendulum datetimes prints. Typed results convert times to the
//     same string, so every rendered value is plain JSON data.
//
// # Expressions
//
//   - names and dotted attributes: ds, params.sites, dag_run.conf.limit
//   - indexing: params['sites'], params.sites[0], params.sites[-1]
//   - literals: 'str', "str", 42, 2.5, true/True, false/False, none/None,
//     lists [a, b] and dicts {'k': v}
//   - ti.xcom_pull(task_ids='scrape'), ti.xcom_pull('scrape', key='k'),
//     ti.xcom_pull(task_ids=['a', 'b']) (a list of values); positional
//     arguments follow Airflow's order (task_ids, dag_id, key) and dag_id may
//     only name the current DAG
//   - filters: default(v[, boolean]) (alias d), tojson, upper, lower, trim,
//     join([sep]), int, float, string, length (alias count), first, last,
//     replace(old, new)
//   - operators: ~ (string concat), + (numbers, strings, lists), - * / %,
//     == != < <= > >=, in, not in, and, or, not, x if c else y,
//     x is [not] defined / none
//
// Unknown names, missing keys and out-of-range indexes evaluate to an
// undefined value: default() replaces it and "is defined" tests it; any other
// use is an error wrapping ErrUnknownName that names the full path
// (params.foo.bar). Errors are *Error values carrying the byte offset within
// the template string; the caller adds the DAG, task and field.
//
// {% … %} blocks and {# … #} comments are not supported and are rejected with
// ErrUnsupported. Expressions are bounded (MaxExprLen bytes, MaxDepth nesting)
// and so are templates (MaxTemplateLen) and produced strings and lists
// (MaxValueLen), so hostile input cannot exhaust memory or time.
//
// # Context
//
// Vars(RunInfo) builds Airflow's names for a DAG run. RunInfo.Params must be
// the DAG's params already overridden by the trigger conf (the caller merges
// them, Airflow's dag_run.conf-overrides-params behaviour); RunInfo.Conf is the
// raw trigger conf, visible as dag_run.conf.
package template
