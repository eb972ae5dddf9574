package certlogic

import (
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"sort"
	"strconv"
	"strings"

	"github.com/ithc/ithc/internal/limits"
)

// Expr is a compiled CertLogic expression. It is immutable: Evaluate is
// safe for concurrent use.
type Expr struct {
	root  *node
	vars  []string
	slots int // memo slots of shared sub-expressions (share.go)
}

// ErrInvalid is matched (errors.Is) by every error of Compile and
// CompileValue.
var ErrInvalid = errors.New("certlogic: invalid expression")

// A ValidationError is one problem of an expression.
type ValidationError struct {
	// Path is the JSON path of the offending sub-expression, such as
	// "and[1].if[0]"; "" is the whole expression.
	Path string
	// Expr is the offending sub-expression as decoded JSON (nil when the
	// expression could not be decoded).
	Expr any
	// Message says what is wrong, in the words of the reference validator
	// (certlogic-js) where it has one.
	Message string
}

func (e *ValidationError) Error() string {
	return "certlogic: at " + pathOrRoot(e.Path) + ": " + e.Message
}

// InvalidError is the error of Compile and CompileValue: every problem of
// the expression, in document order.
type InvalidError struct {
	Problems []*ValidationError
}

func (e *InvalidError) Error() string {
	var b strings.Builder
	b.WriteString("certlogic: invalid expression: ")
	for i, p := range e.Problems {
		if i > 0 {
			b.WriteString("; ")
		}
		b.WriteString("at ")
		b.WriteString(pathOrRoot(p.Path))
		b.WriteString(": ")
		b.WriteString(p.Message)
	}
	return b.String()
}

// Is reports ErrInvalid.
func (e *InvalidError) Is(target error) bool { return target == ErrInvalid }

// Unwrap returns the problems, each a *ValidationError.
func (e *InvalidError) Unwrap() []error {
	errs := make([]error, len(e.Problems))
	for i, p := range e.Problems {
		errs[i] = p
	}
	return errs
}

// Compile validates a CertLogic expression (JSON) and prepares it for
// evaluation. The error (an *InvalidError) lists every problem, each with
// its JSON path (such as "and[1].if[0]"). Besides the rules of the
// specification, the JSON must be well formed without duplicate object
// keys, and the expression within the bounds of internal/limits.
func Compile(expr []byte) (*Expr, error) {
	v, err := decodeExpr(expr)
	if err != nil {
		return nil, &InvalidError{Problems: []*ValidationError{{Message: err.Error()}}}
	}
	return CompileValue(v)
}

// Validate returns every problem of an expression, each a
// *ValidationError with its path; nil when the expression is valid.
func Validate(expr []byte) []error {
	_, err := Compile(expr)
	var inv *InvalidError
	if errors.As(err, &inv) {
		return inv.Unwrap()
	}
	return nil
}

func decodeExpr(expr []byte) (any, error) {
	if len(expr) > limits.MaxCertLogicExpr {
		return nil, fmt.Errorf("the expression is %d bytes, more than the %d accepted", len(expr), limits.MaxCertLogicExpr)
	}
	return decodeStrict(expr, limits.MaxCertLogicDepth)
}

// CompileValue is Compile for an expression already decoded from JSON
// (nil, bool, float64, string, []any, map[string]any; json.Number and Go
// integers are taken as numbers too).
func CompileValue(expr any) (*Expr, error) {
	c := compiler{}
	root := c.compile(expr, "", 0)
	if len(c.problems) > 0 {
		return nil, &InvalidError{Problems: c.problems}
	}
	vars := make([]string, 0, len(c.vars))
	for v := range c.vars {
		vars = append(vars, v)
	}
	sort.Strings(vars)
	return &Expr{root: root, vars: vars, slots: share(root)}, nil
}

// Vars returns, sorted and without repetition, the paths of every data
// access ({"var": PATH}) of the expression, including those inside the
// lambda of a reduce (which read "current" and "accumulator").
func (e *Expr) Vars() []string { return append([]string(nil), e.vars...) }

// op is the operation of a compiled node.
type op uint8

const (
	opLit   op = iota // constant: lit
	opArray           // array literal with operations inside: kids
	opVar
	opIf
	opAnd
	opNot
	opEq
	opIn
	opPlus
	opLT
	opGT
	opLE
	opGE
	opBefore // after, before, not-after, not-before share the integer order
	opAfter
	opNotAfter
	opNotBefore
	opPlusTime
	opReduce
	opExtract
	opDOB
)

var infixOps = map[string]op{
	"===": opEq, "in": opIn, "+": opPlus, "and": opAnd,
	"<": opLT, ">": opGT, "<=": opLE, ">=": opGE,
	"before": opBefore, "after": opAfter, "not-after": opNotAfter, "not-before": opNotBefore,
}

// node is one compiled sub-expression.
type node struct {
	op    op
	path  string // JSON path, for evaluation errors
	kids  []*node
	lit   val      // opLit
	frags []string // opVar: the path split at dots; nil for ""
	idx   []int    // opVar: each fragment as an array index, or -1
	num   float64  // opPlusTime amount, opExtract index
	unit  timeUnit // opPlusTime
	set   map[string]struct{}
	slot  int32 // 1-based memo slot of a shared sub-expression; 0 for none
}

type compiler struct {
	problems []*ValidationError
	nodes    int
	vars     map[string]struct{}
	tooMany  bool
}

func (c *compiler) fail(path string, expr any, format string, args ...any) *node {
	c.problems = append(c.problems, &ValidationError{Path: path, Expr: expr, Message: fmt.Sprintf(format, args...)})
	return nil
}

// compile validates expr (with the messages of certlogic-js's validator)
// and returns its node, or nil after recording problems.
func (c *compiler) compile(expr any, path string, depth int) *node {
	c.nodes++
	if c.nodes > limits.MaxCertLogicNodes {
		if !c.tooMany {
			c.tooMany = true
			c.fail(path, nil, "the expression has more than %d sub-expressions", limits.MaxCertLogicNodes)
		}
		return nil
	}
	if depth > limits.MaxCertLogicDepth {
		return c.fail(path, nil, "nested deeper than %d levels", limits.MaxCertLogicDepth)
	}
	switch e := expr.(type) {
	case string:
		return &node{op: opLit, path: path, lit: val{meta: meta{k: kStr}, x: e}}
	case bool:
		return &node{op: opLit, path: path, lit: boolVal(e)}
	case float64, json.Number, int, int64:
		f, ok := number(e)
		if !ok || !isInt(f) {
			return c.fail(path, expr, "%s is a non-integer number", formatNumber(expr))
		}
		if f == 0 {
			f = 0 // -0 is 0
		}
		return &node{op: opLit, path: path, lit: val{meta: meta{k: kNum}, n: f, x: f}}
	case nil:
		return c.fail(path, expr, "invalid CertLogic expression")
	case []any:
		kids := make([]*node, len(e))
		constant := true
		for i, item := range e {
			kids[i] = c.compile(item, indexPath(path, i), depth+1)
			if kids[i] == nil || kids[i].op != opLit {
				constant = false
			}
		}
		if constant {
			anys := make([]any, len(kids))
			size := 1
			for i, k := range kids {
				anys[i] = toAny(k.lit)
				size += weight(k.lit)
			}
			return &node{op: opLit, path: path, lit: val{meta: meta{k: kArr, size: int32(size)}, x: anys}}
		}
		return &node{op: opArray, path: path, kids: kids}
	case map[string]any:
		if len(e) != 1 {
			return c.fail(path, expr, "expression object must have exactly one key, but it has %d", len(e))
		}
		for operator, values := range e {
			return c.operation(expr, operator, values, path, depth)
		}
	}
	return c.fail(path, expr, "invalid CertLogic expression")
}

func (c *compiler) operation(expr any, operator string, values any, path string, depth int) *node {
	opPath := keyPath(path, operator)
	if operator == "var" {
		return c.variable(expr, values, path)
	}
	args, ok := values.([]any)
	if !ok {
		return c.fail(path, expr, "operation not of the form { \"<operator>\": [ <values...> ] }")
	}
	n := &node{path: path}
	// operands compiles args[:max] and returns false when one is invalid.
	operands := func(max int) bool {
		ok := true
		if max > len(args) {
			max = len(args)
		}
		n.kids = make([]*node, max)
		for i := 0; i < max; i++ {
			n.kids[i] = c.compile(args[i], indexPath(opPath, i), depth+2)
			if n.kids[i] == nil {
				ok = false
			}
		}
		return ok
	}
	before := len(c.problems)
	switch operator {
	case "if":
		n.op = opIf
		if len(args) != 3 {
			c.fail(path, expr, "an \"if\"-operation must have exactly 3 values/operands, but it has %d", len(args))
		}
		operands(3)
	case "!":
		n.op = opNot
		if len(args) != 1 {
			return c.fail(path, expr, "a !-operation (logical not/negation) must have exactly 1 operand, but it has %d", len(args))
		}
		operands(1)
	case "plusTime":
		n.op = opPlusTime
		if len(args) != 3 {
			c.fail(path, expr, "a \"plusTime\"-operation must have exactly 3 values/operands, but it has %d", len(args))
		}
		operands(1)
		if len(args) > 1 {
			f, ok := number(args[1])
			if !ok || !isInt(f) {
				c.fail(path, expr, "\"amount\" argument (#2) of \"plusTime\" must be an integer, but it is: %s", formatValue(args[1]))
			}
			n.num = f
		}
		if len(args) > 2 {
			s, _ := args[2].(string)
			u, ok := timeUnits[s]
			if !ok {
				c.fail(path, expr, "\"unit\" argument (#3) of \"plusTime\" must be a string equal to one of year, month, day, hour, but it is: %s", formatValue(args[2]))
			}
			n.unit = u
		}
	case "reduce":
		n.op = opReduce
		if len(args) != 3 {
			c.fail(path, expr, "a \"reduce\"-operation must have exactly 3 values/operands, but it has %d", len(args))
		}
		operands(3)
	case "extractFromUVCI":
		n.op = opExtract
		if len(args) != 2 {
			c.fail(path, expr, "an \"extractFromUVCI\"-operation must have exactly 2 values/operands, but it has %d", len(args))
		}
		operands(1)
		if len(args) > 1 {
			f, ok := number(args[1])
			if !ok || !isInt(f) {
				c.fail(path, expr, "\"index\" argument (#2) of \"extractFromUVCI\" must be an integer, but it is: %s", formatValue(args[1]))
			}
			n.num = f
		}
	case "dccDateOfBirth":
		n.op = opDOB
		if len(args) != 1 {
			c.fail(path, expr, "a \"dccDateOfBirth\"-operation must have exactly 1 operand, but it has %d", len(args))
		}
		operands(1)
	default:
		o, known := infixOps[operator]
		if !known {
			return c.fail(path, expr, "unrecognised operator: %q", operator)
		}
		n.op = o
		max := 2
		switch o {
		case opAnd:
			max = len(args)
			if len(args) < 2 {
				c.fail(path, expr, "an \"and\" operation must have at least 2 operands, but it has %d", len(args))
			}
		case opEq, opIn, opPlus:
			if len(args) != 2 {
				c.fail(path, expr, "an operation with operator %q must have 2 operands, but it has %d", operator, len(args))
			}
		default:
			max = 3
			if len(args) < 2 || len(args) > 3 {
				c.fail(path, expr, "an operation with operator %q must have 2 or 3 operands, but it has %d", operator, len(args))
			}
		}
		operands(max)
	}
	if len(c.problems) > before {
		return nil
	}
	if n.op == opIn && n.kids[1].op == opLit {
		n.set = stringSet(n.kids[1].lit)
	}
	return n
}

// variable compiles {"var": PATH}.
func (c *compiler) variable(expr, values any, path string) *node {
	p, ok := values.(string)
	if !ok {
		return c.fail(path, expr, "not of the form { \"var\": \"<path>\" }")
	}
	n := &node{op: opVar, path: path}
	if p == "" {
		c.addVar(p)
		return n
	}
	n.frags = strings.Split(p, ".")
	n.idx = make([]int, len(n.frags))
	for i, f := range n.frags {
		if f == "" {
			return c.fail(path, expr, "data access path doesn't have a valid format: %s", p)
		}
		n.idx[i] = arrayIndex(f)
	}
	c.addVar(p)
	return n
}

func (c *compiler) addVar(p string) {
	if c.vars == nil {
		c.vars = map[string]struct{}{}
	}
	c.vars[p] = struct{}{}
}

// arrayIndex returns the array index a path fragment of decimal digits
// names, or -1 (a fragment with anything else never indexes an array).
func arrayIndex(f string) int {
	if len(f) > 9 {
		return -1
	}
	i := 0
	for _, c := range []byte(f) {
		if c < '0' || c > '9' {
			return -1
		}
		i = i*10 + int(c-'0')
	}
	return i
}

// stringSet returns the members of a constant array of strings longer than
// a few elements as a set, for a fast "in"; nil otherwise.
func stringSet(v val) map[string]struct{} {
	items, _ := v.x.([]any)
	if v.k != kArr || len(items) < 8 {
		return nil
	}
	set := make(map[string]struct{}, len(items))
	for _, item := range items {
		s, ok := item.(string)
		if !ok {
			return nil
		}
		set[s] = struct{}{}
	}
	return set
}

// number returns a JSON number of an expression as a float64.
func number(v any) (float64, bool) {
	switch n := v.(type) {
	case float64:
		return n, !math.IsNaN(n) && !math.IsInf(n, 0)
	case json.Number:
		f, err := n.Float64()
		return f, err == nil
	case int:
		return float64(n), true
	case int64:
		return float64(n), true
	}
	return 0, false
}

func isInt(f float64) bool { return f == math.Trunc(f) && !math.IsInf(f, 0) }

// formatNumber writes a number as JavaScript does in a template string.
func formatNumber(v any) string {
	f, ok := number(v)
	if !ok {
		return fmt.Sprint(v)
	}
	a := math.Abs(f)
	if a == 0 || (a >= 1e-6 && a < 1e21) {
		return strconv.FormatFloat(f, 'f', -1, 64)
	}
	s := strconv.FormatFloat(f, 'e', -1, 64)
	// JavaScript writes 1e-7 and 1e+21, Go 1e-07 and 1e+21.
	if i := strings.IndexAny(s, "+-"); i > 0 && s[i-1] == 'e' {
		s = s[:i+1] + strings.TrimLeft(s[i+1:], "0")
	}
	return s
}

// formatValue writes a value in a message: numbers as JavaScript does,
// anything else as JSON.
func formatValue(v any) string {
	if _, ok := number(v); ok {
		return formatNumber(v)
	}
	if s, ok := v.(string); ok {
		return s
	}
	b, err := json.Marshal(v)
	if err != nil {
		return fmt.Sprint(v)
	}
	return string(b)
}
