package certlogic

import (
	"encoding/json"
	"fmt"
	"strings"

	"github.com/ithc/ithc/internal/limits"
)

// EvalError is the error of an evaluation: a type mismatch the validator
// cannot see (such as a date string in a wrong format, or an "if" guard
// that is neither truthy nor falsy), or a bound of internal/limits.
// A validation rule whose evaluation fails counts as failed.
type EvalError struct {
	// Path is the JSON path of the sub-expression that failed, such as
	// "and[1].if[0]"; "" is the whole expression.
	Path string
	// Message says what is wrong.
	Message string
}

func (e *EvalError) Error() string {
	return "certlogic: evaluating " + pathOrRoot(e.Path) + ": " + e.Message
}

func evalError(n *node, format string, args ...any) error {
	return &EvalError{Path: n.path, Message: fmt.Sprintf(format, args...)}
}

// kind is the type of a value during evaluation.
type kind uint8

const (
	kNull kind = iota
	kBool
	kNum
	kStr
	kArr
	kObj
	kTime
	kOther // a Go value that is no JSON value; an error wherever it is used
)

// val is a value during evaluation. Values read from the data keep the
// original interface value in x, so that Evaluate returns them without
// allocating. A val is kept to three fields and four words: the compiler
// then holds it in registers rather than in memory, which the speed of
// evaluation depends on (a larger one is copied through the stack at every
// step).
type val struct {
	meta
	n float64 // kNum: the number; kBool: 1 or 0; kTime: milliseconds since 1970, UTC (exact: below 2⁵³)
	// x is the value as decoded JSON (a string for kStr, []any for arrays
	// of the data and literals, map[string]any for objects), or for an
	// array the expression built, its items as a *[]val.
	x any
}

// str returns the string of a kStr value.
func (v val) str() string {
	s, _ := v.x.(string)
	return s
}

type meta struct {
	k    kind
	size int32 // of a value built by the expression: its items, nested built ones counted in full
}

func boolVal(b bool) val {
	if b {
		return val{meta: meta{k: kBool}, n: 1}
	}
	return val{meta: meta{k: kBool}}
}

func timeVal(ms int64) val { return val{meta: meta{k: kTime}, n: float64(ms)} }

// ms returns the milliseconds of a kTime value.
func (v val) ms() int64 { return int64(v.n) }

// built returns the items of an array the expression built.
func (v val) built() ([]val, bool) {
	if p, ok := v.x.(*[]val); ok {
		return *p, true
	}
	return nil, false
}

// fromAny converts a decoded JSON value.
func fromAny(v any) val {
	switch t := v.(type) {
	case nil:
		return val{}
	case bool:
		return boolVal(t)
	case float64:
		return val{meta: meta{k: kNum}, n: t, x: v}
	case string:
		return val{meta: meta{k: kStr}, x: v}
	case []any:
		return val{meta: meta{k: kArr}, x: v} // v, not t: boxing t again would allocate
	case map[string]any:
		return val{meta: meta{k: kObj}, x: v}
	}
	return val{meta: meta{k: kOther}, x: v}
}

// toAny converts a value back to decoded JSON; date-times become
// time.Time values in UTC.
func toAny(v val) any {
	switch v.k {
	case kNull:
		return nil
	case kBool:
		return v.n != 0
	case kTime:
		return timeOf(v.ms())
	}
	if items, ok := v.built(); ok {
		out := make([]any, len(items))
		for i, item := range items {
			out[i] = toAny(item)
		}
		return out
	}
	if v.x != nil {
		return v.x
	}
	switch v.k {
	case kNum:
		return v.n
	case kStr:
		return v.str()
	}
	return nil
}

// arrLen and arrAt read an array value of either representation.
func arrLen(v val) int {
	switch x := v.x.(type) {
	case []any:
		return len(x)
	case *[]val:
		return len(*x)
	}
	return 0
}

func arrAt(v val, i int) val {
	if x, ok := v.x.([]any); ok {
		return fromAny(x[i])
	}
	items, _ := v.built()
	return items[i]
}

// truthiness returns whether v is truthy, and false as ok when v is
// neither truthy nor falsy (a non-integer number, a date-time, a value of
// no JSON type).
func truthiness(v val) (truthy, ok bool) {
	switch v.k {
	case kNull:
		return false, true
	case kBool:
		return v.n != 0, true
	case kNum:
		return v.n != 0, isInt(v.n)
	case kStr:
		return v.str() != "", true
	case kArr:
		return arrLen(v) > 0, true
	case kObj:
		return len(v.x.(map[string]any)) > 0, true
	}
	return false, false
}

// strictEqual is JavaScript's === on CertLogic values: null, booleans,
// numbers and strings are equal by value and type; arrays, objects and
// date-times are never equal (JavaScript compares them by reference, and
// every evaluation makes new ones).
func strictEqual(a, b val) bool {
	if a.k != b.k {
		return false
	}
	switch a.k {
	case kNull:
		return true
	case kBool:
		return a.n == b.n
	case kNum:
		return a.n == b.n
	case kStr:
		return a.str() == b.str()
	}
	return false
}

// describe names a value in an error message.
func describe(v val) string {
	switch v.k {
	case kNull:
		return "null"
	case kBool:
		return fmt.Sprint(v.n != 0)
	case kNum:
		return formatNumber(v.n)
	case kStr:
		s := v.str()
		if len(s) > 64 {
			s = s[:64] + "…"
		}
		b, _ := json.Marshal(s)
		return "the string " + string(b)
	case kArr:
		return fmt.Sprintf("an array of %d items", arrLen(v))
	case kObj:
		return "an object"
	case kTime:
		return "the date-time " + formatTime(v.ms())
	}
	return fmt.Sprintf("a value of Go type %T", v.x)
}

// Evaluate runs e over data: JSON values as encoding/json decodes them
// into any (nil, bool, float64, string, []any, map[string]any). It returns
// a value of the same kinds, or a time.Time (UTC, millisecond precision)
// for a date-time. Safe for concurrent use; data is only read.
func (e *Expr) Evaluate(data any) (any, error) {
	v, err := e.run(data)
	if err != nil {
		return nil, err
	}
	return toAny(v), nil
}

// EvaluateBool runs e over data and reports whether the result is truthy,
// which is how a validation rule passes. A result that is neither truthy
// nor falsy is an *EvalError.
func (e *Expr) EvaluateBool(data any) (bool, error) {
	v, err := e.run(data)
	if err != nil {
		return false, err
	}
	t, ok := truthiness(v)
	if !ok {
		return false, evalError(e.root, "the result, %s, is neither truthy nor falsy", describe(v))
	}
	return t, nil
}

// run evaluates e over data.
func (e *Expr) run(data any) (val, error) {
	ev := evaluator{steps: limits.MaxCertLogicSteps}
	switch {
	case e.slots == 0:
	case e.slots <= inlineSlots:
		var memo [inlineSlots]memoEntry
		ev.memo = memo[:e.slots]
		return ev.eval(e.root, &scope{data: data})
	default:
		ev.memo = make([]memoEntry, e.slots)
	}
	return ev.eval(e.root, &scope{data: data})
}

// scope is the data context: the data, or inside the lambda of a reduce
// the object {"accumulator": acc, "current": cur}.
type scope struct {
	data   any
	reduce bool
	acc    val
	cur    val
}

type evaluator struct {
	steps int
	memo  []memoEntry // the values of shared sub-expressions (share.go)
	own   *node       // the shared sub-expression shared evaluates itself
}

// shared evaluates a shared sub-expression: its value, if it has one.
func (ev *evaluator) shared(n *node, sc *scope) (val, error) {
	m := &ev.memo[n.slot-1]
	if m.set && ev.steps >= m.cost {
		ev.steps -= m.cost
		return m.v, nil
	}
	// Evaluate; or when reusing would run out of steps, evaluate again
	// to fail where it would.
	before := ev.steps
	ev.own = n
	v, err := ev.eval(n, sc)
	if err == nil && !m.set {
		*m = memoEntry{v: v, cost: before - ev.steps, set: true}
	}
	return v, err
}

// eval evaluates n; a shared sub-expression once (shared).
func (ev *evaluator) eval(n *node, sc *scope) (val, error) {
	if n.slot != 0 {
		if ev.own != n {
			return ev.shared(n, sc)
		}
		ev.own = nil
	}
	ev.steps--
	if ev.steps < 0 {
		return val{}, evalError(n, "the evaluation takes more than %d steps", limits.MaxCertLogicSteps)
	}
	switch n.op {
	case opLit:
		return n.lit, nil
	case opVar:
		if sc.reduce && len(n.frags) == 0 {
			return ev.reduceContext(n, sc)
		}
		return lookup(n, sc), nil
	case opIf:
		g, err := ev.eval(n.kids[0], sc)
		if err != nil {
			return val{}, err
		}
		t, ok := truthiness(g)
		if !ok {
			return val{}, evalError(n, "the if-guard evaluates to %s, which is neither truthy nor falsy", describe(g))
		}
		if t {
			return ev.eval(n.kids[1], sc)
		}
		return ev.eval(n.kids[2], sc)
	case opAnd:
		var v val
		for i, k := range n.kids {
			var err error
			if v, err = ev.eval(k, sc); err != nil {
				return val{}, err
			}
			if i == len(n.kids)-1 {
				break
			}
			t, ok := truthiness(v)
			if !ok {
				return val{}, evalError(n, "operand %d of \"and\" evaluates to %s, which is neither truthy nor falsy", i+1, describe(v))
			}
			if !t {
				return v, nil
			}
		}
		return v, nil
	case opNot:
		v, err := ev.eval(n.kids[0], sc)
		if err != nil {
			return val{}, err
		}
		t, ok := truthiness(v)
		if !ok {
			return val{}, evalError(n, "the operand of ! evaluates to %s, which is neither truthy nor falsy", describe(v))
		}
		return boolVal(!t), nil
	case opEq, opIn, opPlus:
		l, err := ev.eval(n.kids[0], sc)
		if err != nil {
			return val{}, err
		}
		r, err := ev.eval(n.kids[1], sc)
		if err != nil {
			return val{}, err
		}
		switch n.op {
		case opEq:
			return boolVal(strictEqual(l, r)), nil
		case opIn:
			return member(n, l, r)
		}
		if l.k != kNum || r.k != kNum || !isInt(l.n) || !isInt(r.n) {
			return val{}, evalError(n, "the operands of + must both be integers, not %s and %s", describe(l), describe(r))
		}
		return val{meta: meta{k: kNum}, n: l.n + r.n}, nil
	case opLT, opGT, opLE, opGE, opBefore, opAfter, opNotAfter, opNotBefore:
		return ev.compare(n, sc)
	case opPlusTime:
		v, err := ev.eval(n.kids[0], sc)
		if err != nil {
			return val{}, err
		}
		if v.k != kStr {
			return val{}, evalError(n, "the date argument of plusTime must be a string, not %s", describe(v))
		}
		ms, err := parseDateTime(v.str())
		if err == nil {
			ms, err = plusTime(ms, n.num, n.unit)
		}
		if err != nil {
			return val{}, evalError(n, "plusTime: %v", err)
		}
		return timeVal(ms), nil
	case opDOB:
		v, err := ev.eval(n.kids[0], sc)
		if err != nil {
			return val{}, err
		}
		if v.k != kStr {
			return val{}, evalError(n, "the operand of dccDateOfBirth must be a string, not %s", describe(v))
		}
		ms, err := parseDate(v.str())
		if err != nil {
			return val{}, evalError(n, "dccDateOfBirth: %v", err)
		}
		return timeVal(ms), nil
	case opExtract:
		v, err := ev.eval(n.kids[0], sc)
		if err != nil {
			return val{}, err
		}
		switch {
		case v.k == kNull:
			return val{}, nil
		case v.k != kStr:
			return val{}, evalError(n, "the UVCI argument (#1) of extractFromUVCI must be a string or null, not %s", describe(v))
		}
		if s, ok := extractFromUVCI(v.str(), n.num); ok {
			return val{meta: meta{k: kStr}, x: s}, nil // allocates: no real rule uses extractFromUVCI
		}
		return val{}, nil
	case opReduce:
		return ev.reduce(n, sc)
	case opArray:
		items := make([]val, len(n.kids))
		size := 1
		for i, k := range n.kids {
			v, err := ev.eval(k, sc)
			if err != nil {
				return val{}, err
			}
			items[i] = v
			size += weight(v)
		}
		if size > limits.MaxCertLogicBuilt {
			return val{}, evalError(n, "the array built has more than %d items, nested ones counted", limits.MaxCertLogicBuilt)
		}
		return val{meta: meta{k: kArr, size: int32(size)}, x: &items}, nil
	}
	return val{}, evalError(n, "unknown operation %d", n.op)
}

// weight is the number of items v takes to write out, as far as the
// expression built it (values from the data count 1: they are trees the
// data already holds).
func weight(v val) int {
	if v.size > 0 {
		return int(v.size)
	}
	return 1
}

// reduceContext evaluates {"var": ""} inside a reduce lambda: the object
// {"accumulator": …, "current": …}, written out as JSON values.
func (ev *evaluator) reduceContext(n *node, sc *scope) (val, error) {
	size := 1 + weight(sc.acc) + weight(sc.cur)
	if size > limits.MaxCertLogicBuilt {
		return val{}, evalError(n, "the reduce context built has more than %d items, nested ones counted", limits.MaxCertLogicBuilt)
	}
	ev.steps -= size // writing the values out costs as much
	m := map[string]any{"accumulator": toAny(sc.acc), "current": toAny(sc.cur)}
	return val{meta: meta{k: kObj, size: int32(size)}, x: m}, nil
}

// lookup evaluates {"var": PATH}: it drills into objects by key and into
// arrays by index; anything missing, or not an object or array, is null.
func lookup(n *node, sc *scope) val {
	frags := n.frags
	var cur val
	if sc.reduce {
		switch frags[0] {
		case "accumulator":
			cur = sc.acc
		case "current":
			cur = sc.cur
		default:
			return val{}
		}
		for i := 1; i < len(frags); i++ {
			if items, ok := cur.built(); ok {
				j := n.idx[i]
				if j < 0 || j >= len(items) {
					return val{}
				}
				cur = items[j]
				continue
			}
			return fromAny(drill(cur.x, frags[i:], n.idx[i:]))
		}
		return cur
	}
	return fromAny(drill(sc.data, frags, n.idx))
}

// drill follows path fragments from v in decoded JSON.
func drill(v any, frags []string, idx []int) any {
	for i, f := range frags {
		switch t := v.(type) {
		case map[string]any:
			v = t[f]
		case []any:
			j := idx[i]
			if j < 0 || j >= len(t) {
				return nil
			}
			v = t[j]
		default:
			return nil
		}
	}
	return v
}

// member evaluates "in": whether l is === to an element of the array r.
func member(n *node, l, r val) (val, error) {
	if r.k != kArr {
		return val{}, evalError(n, "the right-hand side of \"in\" must be an array, not %s", describe(r))
	}
	if n.set != nil {
		if l.k != kStr {
			return boolVal(false), nil
		}
		_, ok := n.set[l.str()]
		return boolVal(ok), nil
	}
	if items, ok := r.built(); ok {
		for _, item := range items {
			if strictEqual(l, item) {
				return boolVal(true), nil
			}
		}
		return boolVal(false), nil
	}
	for _, item := range r.x.([]any) {
		if strictEqual(l, fromAny(item)) {
			return boolVal(true), nil
		}
	}
	return boolVal(false), nil
}

// compare evaluates the integer and date-time comparisons, in their
// binary and ternary forms. Every operand is evaluated before any is
// compared, and every one must have the right type.
func (ev *evaluator) compare(n *node, sc *scope) (val, error) {
	var ops [3]float64
	dates := n.op >= opBefore
	for i, k := range n.kids {
		v, err := ev.eval(k, sc)
		if err != nil {
			return val{}, err
		}
		switch {
		case dates && v.k == kTime:
			ops[i] = v.n
		case dates:
			return val{}, evalError(n, "operand %d of a date-time comparison must be a date-time (made by plusTime or dccDateOfBirth), not %s", i+1, describe(v))
		case v.k == kNum && isInt(v.n):
			ops[i] = v.n
		default:
			return val{}, evalError(n, "operand %d of a comparison must be an integer, not %s", i+1, describe(v))
		}
	}
	less := func(a, b float64) bool {
		switch n.op {
		case opLT, opBefore:
			return a < b
		case opGT, opAfter:
			return a > b
		case opLE, opNotAfter:
			return a <= b
		}
		return a >= b
	}
	r := less(ops[0], ops[1])
	if len(n.kids) == 3 {
		r = r && less(ops[1], ops[2])
	}
	return boolVal(r), nil
}

// reduce folds the lambda over an array (null folds to the initial value).
// An array literal is folded item by item, without building it.
func (ev *evaluator) reduce(n *node, sc *scope) (val, error) {
	opnd, lambda, initial := n.kids[0], n.kids[1], n.kids[2]
	var arr val
	count := 0
	if opnd.op == opArray {
		count = len(opnd.kids)
	} else {
		var err error
		if arr, err = ev.eval(opnd, sc); err != nil {
			return val{}, err
		}
		switch arr.k {
		case kNull:
			return ev.eval(initial, sc)
		case kArr:
			count = arrLen(arr)
		default:
			return val{}, evalError(n, "the operand of reduce must be an array or null, not %s", describe(arr))
		}
	}
	if count > limits.MaxCertLogicReduceLength {
		return val{}, evalError(n, "reduce over %d items, more than the %d accepted", count, limits.MaxCertLogicReduceLength)
	}
	acc, err := ev.eval(initial, sc)
	if err != nil {
		return val{}, err
	}
	inner := &scope{reduce: true}
	for i := 0; i < count; i++ {
		var cur val
		if opnd.op == opArray {
			if cur, err = ev.eval(opnd.kids[i], sc); err != nil {
				return val{}, err
			}
		} else {
			cur = arrAt(arr, i)
		}
		inner.acc, inner.cur = acc, cur
		if acc, err = ev.eval(lambda, inner); err != nil {
			return val{}, err
		}
	}
	return acc, nil
}

// extractFromUVCI returns fragment index of a UVCI: the string without an
// optional "URN:UVCI:" prefix, split at '/', '#' and ':'.
func extractFromUVCI(uvci string, index float64) (string, bool) {
	if index < 0 {
		return "", false
	}
	s := strings.TrimPrefix(uvci, "URN:UVCI:")
	for i := 0; ; i++ {
		end := strings.IndexAny(s, "/#:")
		if float64(i) == index {
			if end < 0 {
				return s, true
			}
			return s[:end], true
		}
		if end < 0 {
			return "", false
		}
		s = s[end+1:]
	}
}
