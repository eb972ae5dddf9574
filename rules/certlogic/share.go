package certlogic

import "strconv"

// Rules repeat sub-expressions: CertLogic has no way to name a value, so a
// rule that checks a test's date writes the same reduce over the events
// three times (to see that there is one, to bound it from below and from
// above), and plusTime of the validation clock appears in every date
// check. Compile finds the sub-expressions that occur more than once
// outside every reduce lambda (where the data context is the same
// wherever they occur) and gives each a memo slot; an evaluation computes
// each of them once and reuses the value.
//
// Sharing changes nothing but the time taken. Evaluation is a pure
// function of the data, and evaluating a sub-expression that already has
// a value would give the same value: a memo slot is filled only by a
// successful evaluation (an error ends the whole evaluation), and a reused
// value still charges the steps its evaluation took against
// MaxCertLogicSteps, so that an expression runs out of steps exactly where
// it would without sharing (a reuse that would run out evaluates the
// sub-expression again, to fail at the same operation). Arrays, objects
// and date-times are never === to anything, so handing out the same value
// twice is not observable. Each occurrence keeps its own node and path:
// an error names the occurrence that failed.

// maxSlots bounds the memo slots of one expression (a larger expression
// shares its first maxSlots repeated sub-expressions).
const maxSlots = 1024

// memoEntry is the value of a shared sub-expression in one evaluation.
type memoEntry struct {
	v    val
	cost int // steps its evaluation took
	set  bool
}

// inlineSlots is the number of memo slots an evaluation keeps on its
// stack; an expression with more allocates its memo (no real rule comes
// near: the EU's have at most two, GR-CN-0001 nine).
const inlineSlots = 16

// share gives a memo slot to every non-literal sub-expression of root that
// occurs more than once at the top level (outside reduce lambdas), and
// returns the number of slots.
func share(root *node) int {
	s := sharer{ids: map[string]int{}}
	s.walk(root, true)
	var slots int
	slotOf := map[int]int32{}
	for _, o := range s.top { // pre-order: outer sub-expressions first
		if s.count[o.id] < 2 || o.n.op == opLit {
			continue
		}
		slot, ok := slotOf[o.id]
		if !ok {
			if slots == maxSlots {
				continue
			}
			slots++
			slot = int32(slots)
			slotOf[o.id] = slot
		}
		o.n.slot = slot
	}
	return slots
}

// sharer numbers the structures of sub-expressions: two nodes have the
// same id when they are the same expression.
type sharer struct {
	ids   map[string]int
	count []int // occurrences of each id at the top level
	top   []occurrence
	key   []byte
}

type occurrence struct {
	n  *node
	id int
}

// walk returns the id of n; top says whether n is evaluated in the data
// context of the whole expression.
func (s *sharer) walk(n *node, top bool) int {
	var at int
	if top {
		at = len(s.top)
		s.top = append(s.top, occurrence{n: n}) // id below, after the kids
	}
	kids := make([]int, len(n.kids))
	for i, k := range n.kids {
		kids[i] = s.walk(k, top && !(n.op == opReduce && i == 1))
	}
	k := append(s.key[:0], byte(n.op))
	switch n.op {
	case opLit:
		k = appendLit(k, n.lit)
	case opVar:
		for i, f := range n.frags {
			if i > 0 {
				k = append(k, '.')
			}
			k = append(k, f...)
		}
	default:
		k = strconv.AppendFloat(k, n.num, 'g', -1, 64)
		k = append(k, byte(n.unit))
		for _, kid := range kids {
			k = append(k, ',')
			k = strconv.AppendInt(k, int64(kid), 10)
		}
	}
	s.key = k
	id, ok := s.ids[string(k)] // no allocation for the lookup
	if !ok {
		id = len(s.count)
		s.ids[string(k)] = id
		s.count = append(s.count, 0)
	}
	if top {
		s.top[at].id = id
		s.count[id]++
	}
	return id
}

// appendLit appends a literal, unambiguously.
func appendLit(b []byte, v val) []byte {
	switch v.k {
	case kNull:
		return append(b, 'n')
	case kBool:
		return strconv.AppendBool(b, v.n != 0)
	case kNum:
		return strconv.AppendFloat(append(b, '#'), v.n, 'g', -1, 64)
	case kStr:
		return strconv.AppendQuote(b, v.str())
	case kArr:
		b = append(b, '[')
		items, _ := v.x.([]any)
		for _, item := range items {
			b = append(appendLit(b, fromAny(item)), ',')
		}
		return append(b, ']')
	}
	return b
}
