package dag

import (
	"fmt"
	"time"
)

// Airflow's defaults for task settings.
const (
	DefaultRetryDelay = 300 * time.Second
	DefaultOwner      = "airflow"
)

// ref is a name written in a dependency list, with its position.
type ref struct {
	name      string
	line, col int
}

type rawTask struct {
	t *Task
	// name is the task_id as written; t.ID carries the group prefix.
	name  string
	n     *node
	deps  []ref
	group *rawGroup
	index int
}

type rawGroup struct {
	g       *Group
	n       *node
	name    string
	parent  *ref
	deps    []ref
	dargs   *node
	line    int
	col     int
	tasks   []*rawTask // direct and nested member tasks
	resolve int        // 0 new, 1 resolving, 2 done (parent chain)
	up      *rawGroup
	// noPrefix is prefix_group_id: false (Airflow's default is true).
	noPrefix bool
}

// airflowID is the group's group_id as Airflow forms it: the parent's
// prefixed with "." when the parent prefixes its children's ids.
func (g *rawGroup) airflowID() string {
	if g.up != nil && !g.up.noPrefix {
		return g.up.airflowID() + "." + g.name
	}
	return g.name
}

// taskID is the id of a task written as name in group g (nil for none):
// Airflow's TaskGroup.child_id, "<group_id>.<name>" unless the group sets
// prefix_group_id: false.
func taskID(g *rawGroup, name string) string {
	if g == nil || g.noPrefix {
		return name
	}
	return g.airflowID() + "." + name
}

// layer is one place a task setting may come from: the task itself, a task
// group's default_args, or the DAG's default_args.
type layer struct {
	n    *node
	what string
}

// items returns the entries of a list-or-mapping section as (id, node)
// pairs: the list form names each item with idKey, the mapping form by key.
func (p *parser) items(what string, e *entry, idKey string) []*entry {
	var out []*entry
	switch e.val.kind {
	case kindSeq:
		for _, it := range e.val.items {
			if it.kind != kindMap {
				p.errAt(it.line, it.col, ErrInvalid, "%s%s: each item must be a mapping, not %s", what, e.key, it.typeName())
				continue
			}
			ie := it.get(idKey)
			if ie == nil {
				p.errAt(it.line, it.col, ErrInvalid, "%s%s: item has no %s", what, e.key, idKey)
				continue
			}
			id, ok := p.str(what, ie)
			if !ok {
				continue
			}
			out = append(out, &entry{key: id, line: ie.line, col: ie.col, val: it})
		}
	case kindMap:
		for _, ie := range e.val.entries {
			v := ie.val
			if v.isNull() {
				v = &node{kind: kindMap, line: ie.line, col: ie.col}
			}
			if v.kind != kindMap {
				p.errAt(v.line, v.col, ErrInvalid, "%s%s: %q must be a mapping, not %s", what, e.key, ie.key, v.typeName())
				continue
			}
			if id := v.get(idKey); id != nil {
				if s, _ := id.val.val.(string); s != ie.key {
					p.errAt(id.val.line, id.val.col, ErrInvalid, "%s%s: %s %q differs from its key %q", what, e.key, idKey, s, ie.key)
				}
			}
			out = append(out, &entry{key: ie.key, line: ie.line, col: ie.col, val: v})
		}
	default:
		if !e.val.isNull() {
			p.typeErr(what, e, "a list or a mapping")
		}
	}
	return out
}

// refs reads a dependency list with the position of every name.
func (p *parser) refs(what string, e *entry) []ref {
	v := e.val
	if s, ok := v.val.(string); ok && v.kind == kindScalar {
		return []ref{{s, v.line, v.col}}
	}
	if v.isNull() {
		return nil
	}
	if v.kind != kindSeq {
		p.typeErr(what, e, "a list of task or group names")
		return nil
	}
	var out []ref
	seen := map[string]bool{}
	for _, it := range v.items {
		s, ok := it.val.(string)
		if it.kind != kindScalar || !ok {
			p.errAt(it.line, it.col, ErrInvalid, "%sdependencies: each item must be a name, not %s", what, it.typeName())
			continue
		}
		if seen[s] {
			p.warnAt(it.line, it.col, "%sdependency %q is listed twice", what, s)
			continue
		}
		seen[s] = true
		out = append(out, ref{s, it.line, it.col})
	}
	return out
}

func (p *parser) groups(what string, n *node) (map[string]*rawGroup, []*rawGroup) {
	byName := map[string]*rawGroup{}
	var order []*rawGroup
	e := n.get("task_groups")
	if e == nil {
		return byName, nil
	}
	for _, ge := range p.items(what, e, "group_name") {
		gw := fmt.Sprintf("task group %q: ", ge.key)
		p.checkID("task group name", ge.key, ge.line, ge.col)
		p.checkKeys(gw, ge.val, groupKeys(), nil, nil)
		rg := &rawGroup{g: &Group{Name: ge.key, Line: ge.line}, n: ge.val, name: ge.key, line: ge.line, col: ge.col}
		if prev := byName[ge.key]; prev != nil {
			p.errAt(ge.line, ge.col, ErrDuplicate, "task group %q is defined twice (first at line %d)", ge.key, prev.line)
			continue
		}
		for _, k := range ge.val.entries {
			switch k.key {
			case "tooltip":
				rg.g.Tooltip, _ = p.str(gw, k)
			case "dependencies":
				rg.deps = p.refs(gw, k)
			case "parent_group_name":
				if s, ok := p.str(gw, k); ok {
					rg.parent = &ref{s, k.val.line, k.val.col}
				}
			case "default_args":
				switch {
				case k.val.kind == kindMap:
					rg.dargs = k.val
				case !k.val.isNull():
					p.typeErr(gw, k, "a mapping")
				}
			case "prefix_group_id":
				if b, ok := p.boolean(gw, k); ok {
					rg.noPrefix = !b
				}
			}
		}
		byName[ge.key] = rg
		order = append(order, rg)
	}
	names := make([]string, 0, len(order))
	for _, g := range order {
		names = append(names, g.name)
	}
	var resolve func(g *rawGroup) string
	resolve = func(g *rawGroup) string {
		switch g.resolve {
		case 1:
			p.errAt(g.parent.line, g.parent.col, ErrCycle, "task group %q: parent groups form a cycle", g.name)
			g.parent = nil
			g.resolve = 2
			g.g.ID = g.name
		case 0:
			g.resolve = 1
			g.g.ID = g.name
			if g.parent != nil {
				up := byName[g.parent.name]
				if up == nil {
					p.errAt(g.parent.line, g.parent.col, ErrDependency, "task group %q: parent group %q does not exist%s", g.name, g.parent.name, didYouMean(g.parent.name, names))
				} else if up == g {
					p.errAt(g.parent.line, g.parent.col, ErrDependency, "task group %q is its own parent", g.name)
				} else {
					pid := resolve(up)
					if g.parent != nil {
						g.up = up
						g.g.Parent = pid
						g.g.ID = pid + "." + g.name
					}
				}
			}
			g.resolve = 2
		}
		return g.g.ID
	}
	for _, g := range order {
		resolve(g)
	}
	return byName, order
}

func (p *parser) tasks(what string, d *DAG, n *node, dargs *node) {
	groups, gorder := p.groups(what, n)
	for _, g := range gorder {
		d.Groups = append(d.Groups, g.g)
	}
	e := n.get("tasks")
	if e == nil {
		p.errAt(n.line, n.col, ErrInvalid, "%sthe DAG has no tasks", what)
		return
	}
	gnames := make([]string, 0, len(gorder))
	for _, g := range gorder {
		gnames = append(gnames, g.name)
	}
	byID := map[string]*rawTask{}
	var order []*rawTask
	for _, te := range p.items(what, e, "task_id") {
		tw := fmt.Sprintf("task %q: ", te.key)
		p.checkID("task id", te.key, te.line, te.col)
		if prev := byID[te.key]; prev != nil {
			p.errAt(te.line, te.col, ErrDuplicate, "task %q is defined twice (first at line %d)", te.key, prev.t.Line)
			continue
		}
		if g := groups[te.key]; g != nil {
			p.errAt(te.line, te.col, ErrDuplicate, "task %q has the name of a task group (line %d)", te.key, g.line)
		}
		rt := &rawTask{t: &Task{ID: te.key, Line: te.line, Column: te.col}, name: te.key, n: te.val, index: len(order)}
		if ge := te.val.get("task_group_name"); ge != nil {
			if s, ok := p.str(tw, ge); ok {
				if g := groups[s]; g != nil {
					rt.group = g
					rt.t.Group = g.g.ID
				} else {
					p.errAt(ge.val.line, ge.val.col, ErrDependency, "%stask group %q does not exist%s", tw, s, didYouMean(s, gnames))
				}
			}
		}
		if de := te.val.get("dependencies"); de != nil {
			rt.deps = p.refs(tw, de)
		}
		p.task(tw, rt, dargs)
		byID[te.key] = rt
		order = append(order, rt)
	}
	if len(order) == 0 {
		if e.val.isNull() || len(e.val.entries)+len(e.val.items) == 0 {
			p.errAt(e.line, e.col, ErrInvalid, "%sthe DAG has no tasks", what)
		}
		return
	}
	// Task ids carry their group's prefix, as in Airflow and dag-factory;
	// dependencies still name tasks as written (dag-factory resolves them by
	// the task's YAML name), or by the full id.
	full := map[string]*rawTask{}
	for _, rt := range order {
		for g := rt.group; g != nil; g = g.up {
			g.tasks = append(g.tasks, rt)
		}
		rt.t.ID = taskID(rt.group, rt.name)
		if prev := full[rt.t.ID]; prev != nil {
			p.errAt(rt.t.Line, rt.t.Column, ErrDuplicate, "task %q: its id %q is also the id of task %q (line %d)", rt.name, rt.t.ID, prev.name, prev.t.Line)
		}
		full[rt.t.ID] = rt
		if len(rt.t.ID) > 250 {
			p.errAt(rt.t.Line, rt.t.Column, ErrInvalid, "task %q: its id %q with the group prefix is longer than 250 bytes", rt.name, rt.t.ID)
		}
	}
	for id, rt := range full {
		if byID[id] == nil {
			byID[id] = rt
		}
	}
	p.edges(d, order, byID, groups, gorder)
}

// task reads a task's operator, settings (task, then its groups'
// default_args innermost first, then the DAG's default_args) and arguments.
func (p *parser) task(tw string, rt *rawTask, dargs *node) {
	t := rt.t
	layers := []layer{{rt.n, tw}}
	for g := rt.group; g != nil; g = g.up {
		if g.dargs != nil {
			layers = append(layers, layer{g.dargs, fmt.Sprintf("task group %q: default_args: ", g.name)})
		}
	}
	if dargs != nil {
		layers = append(layers, layer{dargs, "default_args: "})
	}
	// Operator.
	if oe := rt.n.get("operator"); oe == nil {
		p.errAt(t.Line, t.Column, ErrInvalid, "%shas no operator", tw)
	} else if s, ok := p.str(tw, oe); ok {
		t.Operator = p.operator(tw, s, oe)
	}
	allowed, checked := p.opts.Operators[t.Operator]
	checked = checked && allowed != nil
	accepts := set(allowed)
	// Settings.
	t.RetryDelay, t.PoolSlots, t.PriorityWeight, t.Owner, t.TriggerRule = DefaultRetryDelay, 1, 1, DefaultOwner, AllSuccess
	for _, key := range taskSettingKeys() {
		var src *entry
		var lw string
		for _, l := range layers {
			if src = l.n.get(key); src != nil {
				lw = l.what
				break
			}
		}
		if src != nil {
			p.setting(lw, t, src)
		}
	}
	// Arguments: the task's own non-Airflow keys, then default_args keys
	// that the operator declares.
	t.Args = map[string]any{}
	structural := set(taskStructureKeys(), taskSettingKeys(), taskIgnoredKeys(), taskOwnKeys())
	if e := rt.n.get("params"); e != nil {
		switch {
		case e.val.kind == kindMap:
			t.Params = e.val.toAny().(map[string]any)
		case !e.val.isNull():
			p.typeErr(tw, e, "a mapping")
		}
	}
	p.checkKeys(tw, rt.n, append(append(taskStructureKeys(), taskSettingKeys()...), taskOwnKeys()...), taskIgnoredKeys(), func(e *entry) bool {
		if checked && !accepts[e.key] {
			p.errAt(e.line, e.col, ErrUnknownKey, "%soperator %q has no argument %q%s", tw, t.Operator, e.key,
				didYouMean(e.key, append(append([]string(nil), allowed...), keysOf(structural)...)))
			return true
		}
		t.Args[e.key] = e.val.toAny()
		return true
	})
	for _, l := range layers[1:] {
		for _, e := range l.n.entries {
			if structural[e.key] || set(defaultArgsKeys())[e.key] {
				continue
			}
			if !p.anyOperatorTakes(e.key) {
				p.errAt(e.line, e.col, ErrUnknownKey, "%sunknown key %q (not a task setting, and no operator takes it)%s", l.what, e.key,
					didYouMean(e.key, append(taskSettingKeys(), defaultArgsKeys()...)))
				continue
			}
			if _, has := t.Args[e.key]; !has && checked && accepts[e.key] {
				t.Args[e.key] = e.val.toAny()
			}
		}
	}
}

func (p *parser) anyOperatorTakes(arg string) bool {
	if p.opts.Operators == nil {
		return true
	}
	for _, args := range p.opts.Operators {
		for _, a := range args {
			if a == arg {
				return true
			}
		}
	}
	return false
}

// operator resolves aliases and checks the operator is registered.
func (p *parser) operator(tw, name string, e *entry) string {
	if a, ok := p.opts.Aliases[name]; ok {
		name = a
	}
	if p.opts.Operators == nil {
		return name
	}
	if _, ok := p.opts.Operators[name]; ok {
		return name
	}
	var known []string
	for k := range p.opts.Operators {
		known = append(known, k)
	}
	for k := range p.opts.Aliases {
		known = append(known, k)
	}
	p.errAt(e.val.line, e.val.col, ErrUnknownOperator, "%sunknown operator %q%s", tw, name, didYouMean(name, known))
	return name
}

func (p *parser) setting(what string, t *Task, e *entry) {
	switch e.key {
	case "trigger_rule":
		if s, ok := p.str(what, e); ok {
			r := TriggerRule(s)
			if !r.Valid() {
				names := make([]string, 0, 11)
				for _, x := range TriggerRules() {
					names = append(names, string(x))
				}
				p.errAt(e.val.line, e.val.col, ErrInvalid, "%sunknown trigger_rule %q%s", what, s, didYouMean(s, names))
			}
			t.TriggerRule = r
		}
	case "retries":
		t.Retries, _ = p.integer(what, e, 0)
	case "retry_delay", "retry_delay_sec":
		t.RetryDelay, _ = p.duration(what, e)
	case "retry_exponential_backoff":
		t.RetryExponentialBackoff, _ = p.boolean(what, e)
	case "max_retry_delay":
		t.MaxRetryDelay, _ = p.duration(what, e)
	case "execution_timeout", "execution_timeout_secs":
		t.ExecutionTimeout, _ = p.duration(what, e)
	case "queue":
		t.Queue, _ = p.str(what, e)
	case "pool":
		t.Pool, _ = p.str(what, e)
	case "pool_slots":
		t.PoolSlots, _ = p.integer(what, e, 1)
	case "priority_weight":
		t.PriorityWeight, _ = p.integer(what, e, -1<<31)
	case "owner":
		t.Owner, _ = p.str(what, e)
	}
}
