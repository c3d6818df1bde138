package template

import "fmt"

// tiObject is the template's ti (task instance); it only offers xcom_pull.
type tiObject struct{}

// callable is a method value such as ti.xcom_pull.
type callable struct {
	name string
	fn   func(e *evaluator, pos int, args []any, kwargs map[string]any) (any, error)
}

// returnValueKey is Airflow's XCom key of a task's return value.
const returnValueKey = "return_value"

// xcomPull is ti.xcom_pull(task_ids, dag_id=None, key='return_value'):
// Airflow's positional order. task_ids is a string (one value) or a list of
// strings (a list of values); dag_id may only name the current DAG.
func xcomPull(e *evaluator, pos int, args []any, kwargs map[string]any) (any, error) {
	names := []string{"task_ids", "dag_id", "key"}
	if len(args) > len(names) {
		return nil, errAt(pos, ErrSyntax, "ti.xcom_pull takes at most %d positional arguments (task_ids, dag_id, key), got %d", len(names), len(args))
	}
	a := map[string]any{"key": returnValueKey}
	for i, v := range args {
		a[names[i]] = v
	}
	for k, v := range kwargs {
		switch k {
		case "task_ids", "dag_id", "key":
			if i := indexOf(names, k); i < len(args) {
				return nil, errAt(pos, ErrSyntax, "ti.xcom_pull got %s both positionally and by keyword", k)
			}
			a[k] = v
		default:
			return nil, errAt(pos, ErrUnsupported, "ti.xcom_pull argument %s (supported: task_ids, dag_id, key)", k)
		}
	}
	if e.ctx == nil || e.ctx.XCom == nil {
		return nil, errAt(pos, ErrNoXCom, "ti.xcom_pull cannot be used here")
	}
	key, ok := a["key"].(string)
	if !ok {
		return nil, errAt(pos, ErrType, "ti.xcom_pull: key must be a string, not %s", typeName(a["key"]))
	}
	if d, set := a["dag_id"]; set && d != nil {
		cur := currentDagID(e.ctx)
		if ds, ok := d.(string); !ok || ds != cur {
			return nil, errAt(pos, ErrUnsupported, "ti.xcom_pull from another DAG (dag_id %v)", d)
		}
	}
	switch t := a["task_ids"].(type) {
	case string:
		return pull(e.ctx, pos, t, key)
	case nil:
		return nil, errAt(pos, ErrUnsupported, "ti.xcom_pull without task_ids")
	default:
		l, ok := listOf(t)
		if !ok {
			return nil, errAt(pos, ErrType, "ti.xcom_pull: task_ids must be a string or a list of strings, not %s", typeName(t))
		}
		out := make([]any, 0, len(l))
		for _, it := range l {
			id, ok := it.(string)
			if !ok {
				return nil, errAt(pos, ErrType, "ti.xcom_pull: task_ids must be a string or a list of strings, not a list of %s", typeName(it))
			}
			v, err := pull(e.ctx, pos, id, key)
			if err != nil {
				return nil, err
			}
			out = append(out, v)
		}
		return out, nil
	}
}

func pull(c *Context, pos int, taskID, key string) (any, error) {
	v, err := c.XCom(taskID, key)
	if err != nil {
		return nil, &Error{Offset: pos, Err: fmt.Errorf("%w: task %q key %q: %w", ErrXCom, taskID, key, err)}
	}
	return v, nil
}

func currentDagID(c *Context) string {
	if d, ok := c.Vars["dag"].(map[string]any); ok {
		s, _ := d["dag_id"].(string)
		return s
	}
	return ""
}

func indexOf(l []string, s string) int {
	for i, x := range l {
		if x == s {
			return i
		}
	}
	return len(l)
}
