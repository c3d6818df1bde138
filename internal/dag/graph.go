package dag

import (
	"container/heap"
	"slices"
	"sort"
	"strings"
)

// edges resolves dependencies into upstream sets, checks for dangling, self
// and cyclic dependencies, and stores the tasks in topological order.
//
// A name in a dependency list is a task id or a task group name. A task
// that depends on a group depends on every task in it (nested groups
// included); every task of a group that depends on something depends on it.
func (p *parser) edges(d *DAG, order []*rawTask, byID map[string]*rawTask, groups map[string]*rawGroup, gorder []*rawGroup) {
	names := make([]string, 0, len(order)+len(gorder))
	for _, t := range order {
		names = append(names, t.name)
	}
	for _, g := range gorder {
		names = append(names, g.name)
	}
	up := map[*rawTask]map[*rawTask]bool{}
	add := func(from, to *rawTask) {
		if up[to] == nil {
			up[to] = map[*rawTask]bool{}
		}
		up[to][from] = true
	}
	// members returns the tasks a name stands for.
	members := func(r ref, what string) ([]*rawTask, *rawGroup) {
		if t := byID[r.name]; t != nil {
			return []*rawTask{t}, nil
		}
		if g := groups[r.name]; g != nil {
			return g.tasks, g
		}
		p.errAt(r.line, r.col, ErrDependency, "%sdependency %q does not exist%s", what, r.name, didYouMean(r.name, names))
		return nil, nil
	}
	for _, t := range order {
		what := "task " + quote(t.name) + ": "
		for _, r := range t.deps {
			if byID[r.name] == t {
				p.errAt(r.line, r.col, ErrDependency, "%sdepends on itself", what)
				continue
			}
			from, g := members(r, what)
			if g != nil && inGroup(t, g) {
				p.errAt(r.line, r.col, ErrDependency, "%sdepends on its own task group %q", what, g.name)
				continue
			}
			for _, f := range from {
				add(f, t)
			}
		}
	}
	for _, g := range gorder {
		what := "task group " + quote(g.name) + ": "
		for _, r := range g.deps {
			from, og := members(r, what)
			if og == g || (og != nil && (isAncestor(og, g) || isAncestor(g, og))) {
				p.errAt(r.line, r.col, ErrDependency, "%sdepends on itself or a group it is nested in", what)
				continue
			}
			if og == nil && len(from) == 1 && inGroup(from[0], g) {
				p.errAt(r.line, r.col, ErrDependency, "%sdepends on its own task %q", what, r.name)
				continue
			}
			for _, t := range g.tasks {
				for _, f := range from {
					add(f, t)
				}
			}
		}
	}
	sorted, cycle := topoSort(order, up)
	if cycle != nil {
		ids := make([]string, len(cycle))
		for i, t := range cycle {
			ids[i] = t.t.ID
		}
		first := cycle[0]
		p.errAt(first.t.Line, first.t.Column, ErrCycle, "dependency cycle: %s", strings.Join(ids, " -> "))
		return
	}
	down := map[*rawTask][]string{}
	for to, froms := range up {
		for f := range froms {
			to.t.Upstream = append(to.t.Upstream, f.t.ID)
			down[f] = append(down[f], to.t.ID)
		}
	}
	owners := map[string]bool{}
	for _, t := range sorted {
		sort.Strings(t.t.Upstream)
		t.t.Downstream = down[t]
		sort.Strings(t.t.Downstream)
		d.Tasks = append(d.Tasks, t.t)
		owners[t.t.Owner] = true
	}
	d.Owners = keysOf(owners)
	downstreamWeights(d.Tasks)
	p.wiring(d)
}

// downstreamWeights sets each task's PriorityWeightTotal by Airflow's
// downstream weight rule: its own weight plus those of all its downstream
// tasks (each counted once). One walk per task, O(tasks × edges) at worst,
// done once per load.
func downstreamWeights(tasks []*Task) {
	idx := make(map[string]int, len(tasks))
	for i, t := range tasks {
		idx[t.ID] = i
	}
	seen := make([]int, len(tasks)) // walk stamp: seen[i] == w+1 when walk w reached i
	var stack []int
	for w, t := range tasks {
		total := t.PriorityWeight
		stack = append(stack[:0], w)
		seen[w] = w + 1
		for len(stack) > 0 {
			cur := tasks[stack[len(stack)-1]]
			stack = stack[:len(stack)-1]
			for _, id := range cur.Downstream {
				j, ok := idx[id]
				if !ok || seen[j] == w+1 {
					continue
				}
				seen[j] = w + 1
				total += tasks[j].PriorityWeight
				stack = append(stack, j)
			}
		}
		t.PriorityWeightTotal = total
	}
}

// wiring checks what each task reads against what its upstream tasks write
// (Options.IO): see Options.IO. Templated input and input_task values are
// checked at run time.
func (p *parser) wiring(d *DAG) {
	if p.opts.IO == nil {
		return
	}
	byID := make(map[string]*Task, len(d.Tasks))
	for _, t := range d.Tasks {
		byID[t.ID] = t
	}
	writes := func(t *Task) (string, bool) { // the kind, and whether it is known
		io, ok := p.opts.IO[t.Operator]
		return io.Writes, ok
	}
	for _, t := range d.Tasks {
		reads := p.opts.IO[t.Operator].Reads
		if reads == "" {
			continue
		}
		if in, ok := t.Args["input"].(string); ok && in != "" {
			continue
		}
		what := "task " + quote(t.ID) + ": "
		if named, ok := taskIDs(t.Args["input_task"]); ok && len(named) > 0 {
			for _, id := range named {
				if strings.Contains(id, "{{") {
					continue
				}
				if !slices.Contains(t.Upstream, id) {
					p.errAt(t.Line, t.Column, ErrDependency, "%sinput_task %q is not an upstream task (upstream: %s)%s",
						what, id, listOrNone(t.Upstream), didYouMean(id, t.Upstream))
					continue
				}
				if w, known := writes(byID[id]); known && w != reads {
					p.errAt(t.Line, t.Column, ErrDependency, "%sinput_task %q (%s) writes %s, %s reads %s",
						what, id, byID[id].Operator, orNothing(w), t.Operator, reads)
				}
			}
			continue
		}
		found := false
		for _, id := range t.Upstream {
			if w, known := writes(byID[id]); !known || w == reads {
				found = true
				break
			}
		}
		if !found {
			var producers []string
			for op, io := range p.opts.IO {
				if io.Writes == reads {
					producers = append(producers, op)
				}
			}
			sort.Strings(producers)
			p.errAt(t.Line, t.Column, ErrDependency, "%s%s reads %s but no upstream task writes it (upstream: %s): depend on a %s task, or set input",
				what, t.Operator, reads, listOrNone(t.Upstream), strings.Join(producers, " or "))
		}
	}
}

// taskIDs reads an input_task value: a string or a list of strings.
func taskIDs(v any) ([]string, bool) {
	switch v := v.(type) {
	case nil:
		return nil, true
	case string:
		if v == "" {
			return nil, true
		}
		return []string{v}, true
	case []any:
		out := make([]string, 0, len(v))
		for _, x := range v {
			s, ok := x.(string)
			if !ok {
				return nil, false
			}
			out = append(out, s)
		}
		return out, true
	}
	return nil, false
}

func listOrNone(ids []string) string {
	if len(ids) == 0 {
		return "none"
	}
	return strings.Join(ids, ", ")
}

func orNothing(kind string) string {
	if kind == "" {
		return "nothing"
	}
	return kind
}

func quote(s string) string { return `"` + strings.ReplaceAll(s, `"`, `\"`) + `"` }

func inGroup(t *rawTask, g *rawGroup) bool {
	for x := t.group; x != nil; x = x.up {
		if x == g {
			return true
		}
	}
	return false
}

// isAncestor reports whether a is a parent (at any depth) of g.
func isAncestor(a, g *rawGroup) bool {
	for x := g.up; x != nil; x = x.up {
		if x == a {
			return true
		}
	}
	return false
}

// topoSort orders tasks upstream first, ties by declaration order. When the
// graph has a cycle it returns one, starting and ending at its
// earliest-declared task.
func topoSort(order []*rawTask, up map[*rawTask]map[*rawTask]bool) ([]*rawTask, []*rawTask) {
	indeg := map[*rawTask]int{}
	downs := map[*rawTask][]*rawTask{}
	for to, froms := range up {
		indeg[to] = len(froms)
		for f := range froms {
			downs[f] = append(downs[f], to)
		}
	}
	done := map[*rawTask]bool{}
	var out []*rawTask
	ready := &taskHeap{}
	for _, t := range order {
		if indeg[t] == 0 {
			heap.Push(ready, t)
		}
	}
	for ready.Len() > 0 {
		next := heap.Pop(ready).(*rawTask)
		done[next] = true
		out = append(out, next)
		for _, c := range downs[next] {
			if indeg[c]--; indeg[c] == 0 {
				heap.Push(ready, c)
			}
		}
	}
	if len(out) == len(order) {
		return out, nil
	}
	// Every remaining task has a remaining upstream: walk upstream until a
	// task repeats.
	var start *rawTask
	for _, t := range order {
		if !done[t] {
			start = t
			break
		}
	}
	seen := map[*rawTask]int{}
	var path []*rawTask
	for x := start; ; {
		if i, ok := seen[x]; ok {
			path = path[i:]
			break
		}
		seen[x] = len(path)
		path = append(path, x)
		var nxt *rawTask
		for t := range up[x] {
			if !done[t] && (nxt == nil || t.index < nxt.index) {
				nxt = t
			}
		}
		x = nxt
	}
	// path runs downstream-to-upstream; reverse it and rotate to the
	// earliest-declared task.
	for i, j := 0, len(path)-1; i < j; i, j = i+1, j-1 {
		path[i], path[j] = path[j], path[i]
	}
	k := 0
	for i, t := range path {
		if t.index < path[k].index {
			k = i
		}
	}
	cyc := append(append([]*rawTask{}, path[k:]...), path[:k]...)
	return nil, append(cyc, cyc[0])
}

// taskHeap orders ready tasks by declaration index.
type taskHeap []*rawTask

func (h taskHeap) Len() int           { return len(h) }
func (h taskHeap) Less(i, j int) bool { return h[i].index < h[j].index }
func (h taskHeap) Swap(i, j int)      { h[i], h[j] = h[j], h[i] }

// Push adds a task (heap.Interface).
func (h *taskHeap) Push(x any) { *h = append(*h, x.(*rawTask)) }

// Pop removes the last task (heap.Interface).
func (h *taskHeap) Pop() any {
	old := *h
	t := old[len(old)-1]
	*h = old[:len(old)-1]
	return t
}
