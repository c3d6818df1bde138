package template

// node is an expression AST node; pos is its byte offset in the template.
type node interface{ position() int }

type (
	litNode struct {
		pos int
		val any
	}
	nameNode struct {
		pos  int
		name string
	}
	attrNode struct {
		pos  int
		x    node
		name string
	}
	indexNode struct {
		pos    int
		x, idx node
	}
	kwarg struct {
		name string
		val  node
	}
	callNode struct {
		pos    int
		fn     node
		args   []node
		kwargs []kwarg
	}
	filterNode struct {
		pos    int
		x      node
		name   string
		args   []node
		kwargs []kwarg
	}
	binNode struct {
		pos  int
		op   string
		l, r node
	}
	unaryNode struct {
		pos int
		op  string
		x   node
	}
	condNode struct {
		pos           int
		cond, yes, no node // no may be nil (undefined when cond is false)
	}
	testNode struct {
		pos  int
		x    node
		name string
		neg  bool
	}
	listNode struct {
		pos   int
		items []node
	}
	dictNode struct {
		pos        int
		keys, vals []node
	}
)

func (n *litNode) position() int    { return n.pos }
func (n *nameNode) position() int   { return n.pos }
func (n *attrNode) position() int   { return n.pos }
func (n *indexNode) position() int  { return n.pos }
func (n *callNode) position() int   { return n.pos }
func (n *filterNode) position() int { return n.pos }
func (n *binNode) position() int    { return n.pos }
func (n *unaryNode) position() int  { return n.pos }
func (n *condNode) position() int   { return n.pos }
func (n *testNode) position() int   { return n.pos }
func (n *listNode) position() int   { return n.pos }
func (n *dictNode) position() int   { return n.pos }
