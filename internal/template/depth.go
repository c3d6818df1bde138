package template

// shallow reports whether the tree under n is at most MaxDepth-d levels deep.
// Chains built by loops (a.b.c…, x ~ y ~ z…, filters) are not bounded by the
// parser's recursion counter, so the evaluator's recursion is bounded here.
func shallow(n node, d int) bool {
	if n == nil {
		return true
	}
	if d > MaxDepth {
		return false
	}
	d++
	all := func(ns []node) bool {
		for _, c := range ns {
			if !shallow(c, d) {
				return false
			}
		}
		return true
	}
	kw := func(ks []kwarg) bool {
		for _, k := range ks {
			if !shallow(k.val, d) {
				return false
			}
		}
		return true
	}
	switch n := n.(type) {
	case *attrNode:
		return shallow(n.x, d)
	case *indexNode:
		return shallow(n.x, d) && shallow(n.idx, d)
	case *callNode:
		return shallow(n.fn, d) && all(n.args) && kw(n.kwargs)
	case *filterNode:
		return shallow(n.x, d) && all(n.args) && kw(n.kwargs)
	case *binNode:
		return shallow(n.l, d) && shallow(n.r, d)
	case *unaryNode:
		return shallow(n.x, d)
	case *condNode:
		return shallow(n.cond, d) && shallow(n.yes, d) && shallow(n.no, d)
	case *testNode:
		return shallow(n.x, d)
	case *listNode:
		return all(n.items)
	case *dictNode:
		return all(n.keys) && all(n.vals)
	}
	return true
}
