package jcs

import (
	"encoding/hex"
	"errors"
	"math"
	"strconv"
	"strings"
	"testing"
)

var testLimits = Limits{MaxBytes: 1 << 20, MaxDepth: 32, MaxItems: 1000}

// TestAppendixBNumbers checks the number serialisation samples of RFC 8785
// appendix B: IEEE 754 bit patterns and their canonical text.
func TestAppendixBNumbers(t *testing.T) {
	cases := []struct {
		bits uint64
		want string
	}{
		{0x0000000000000000, "0"},
		{0x8000000000000000, "0"}, // minus zero
		{0x0000000000000001, "5e-324"},
		{0x8000000000000001, "-5e-324"},
		{0x7fefffffffffffff, "1.7976931348623157e+308"},
		{0xffefffffffffffff, "-1.7976931348623157e+308"},
		{0x4340000000000000, "9007199254740992"},
		{0xc340000000000000, "-9007199254740992"},
		{0x4430000000000000, "295147905179352830000"},
		{0x44b52d02c7e14af5, "9.999999999999997e+22"},
		{0x44b52d02c7e14af6, "1e+23"},
		{0x44b52d02c7e14af7, "1.0000000000000001e+23"},
		{0x444b1ae4d6e2ef4e, "999999999999999700000"},
		{0x444b1ae4d6e2ef4f, "999999999999999900000"},
		{0x444b1ae4d6e2ef50, "1e+21"},
		{0x3eb0c6f7a0b5ed8c, "9.999999999999997e-7"},
		{0x3eb0c6f7a0b5ed8d, "0.000001"},
		{0x41b3de4355555553, "333333333.3333332"},
		{0x41b3de4355555554, "333333333.33333325"},
		{0x41b3de4355555555, "333333333.3333333"},
		{0x41b3de4355555556, "333333333.3333334"},
		{0x41b3de4355555557, "333333333.33333343"},
		{0xbecbf647612f3696, "-0.0000033333333333333333"},
		{0x43143ff3c1cb0959, "1424953923781206.2"}, // round to even
	}
	for _, c := range cases {
		got, err := AppendNumber(nil, math.Float64frombits(c.bits))
		if err != nil || string(got) != c.want {
			t.Errorf("AppendNumber(%016x) = %q, %v; want %q", c.bits, got, err, c.want)
		}
	}
	// NaN and Infinity are errors (appendix B lists them as such).
	for _, bits := range []uint64{0x7fffffffffffffff, 0x7ff0000000000000} {
		if got, err := AppendNumber(nil, math.Float64frombits(bits)); !errors.Is(err, ErrNotFinite) {
			t.Errorf("AppendNumber(%016x) = %q, %v; want ErrNotFinite", bits, got, err)
		}
	}
}

// TestNumberNotation checks the boundaries of ECMAScript's plain and
// exponent notations.
func TestNumberNotation(t *testing.T) {
	cases := []struct {
		f    float64
		want string
	}{
		{1, "1"}, {-1, "-1"}, {1.5, "1.5"}, {100, "100"}, {123456789, "123456789"},
		{1e20, "100000000000000000000"}, {1e21, "1e+21"}, {1.5e21, "1.5e+21"},
		{0.1, "0.1"}, {1e-6, "0.000001"}, {1.5e-6, "0.0000015"}, {1e-7, "1e-7"}, {1.5e-7, "1.5e-7"},
		{123e-20, "1.23e-18"}, {0.5, "0.5"}, {4.5, "4.5"}, {2e-3, "0.002"}, {1e30, "1e+30"},
		{math.MaxFloat64, "1.7976931348623157e+308"}, {math.SmallestNonzeroFloat64, "5e-324"},
	}
	for _, c := range cases {
		if got, _ := AppendNumber(nil, c.f); string(got) != c.want {
			t.Errorf("AppendNumber(%v) = %q, want %q", c.f, got, c.want)
		}
	}
}

// TestRFCExample is the example of RFC 8785 section 3.2.4 (numbers, string
// escapes, literals), with the UTF-8 bytes the RFC gives for the result.
func TestRFCExample(t *testing.T) {
	in := `{
  "numbers": [333333333.33333329, 1E30, 4.50, 2e-3, 0.000000000000000000000000001],
  "string": "\u20ac$\u000F\u000aA'\u0042\u0022\u005c\\\"\/",
  "literals": [null, true, false]
}`
	want := `{"literals":[null,true,false],"numbers":[333333333.3333333,1e+30,4.5,0.002,1e-27],"string":"€$\u000f\nA'B\"\\\\\"/"}`
	wantHex := "7b226c69746572616c73223a5b6e756c6c2c747275652c66616c73655d2c" +
		"226e756d62657273223a5b3333333333333333332e333333333333332c31652b33302c342e352c302e3030322c31652d32375d2c" +
		"22737472696e67223a22e282ac245c75303030665c6e4127425c225c5c5c5c5c222f227d"
	got, err := Canonicalize([]byte(in), testLimits)
	if err != nil {
		t.Fatalf("Canonicalize() error: %v", err)
	}
	if string(got) != want {
		t.Errorf("Canonicalize() = %s\nwant %s", got, want)
	}
	if h := hex.EncodeToString(got); h != wantHex {
		t.Errorf("Canonicalize() bytes = %s\nwant %s", h, wantHex)
	}
}

// TestRFCSorting is the property sorting example of RFC 8785 section
// 3.2.3: keys ordered by UTF-16 code units, so the emoji (a surrogate
// pair, 0xD83D...) comes before U+FB33.
func TestRFCSorting(t *testing.T) {
	in := `{
  "\u20ac": "Euro Sign",
  "\r": "Carriage Return",
  "\ufb33": "Hebrew Letter Dalet With Dagesh",
  "1": "One",
  "\ud83d\ude00": "Emoji: Grinning Face",
  "\u0080": "Control",
  "\u00f6": "Latin Small Letter O With Diaeresis"
}`
	want := "{" + `"\r":"Carriage Return",` + `"1":"One",` + "\"\u0080\":\"Control\"," +
		"\"\u00f6\":\"Latin Small Letter O With Diaeresis\"," + "\"\u20ac\":\"Euro Sign\"," +
		"\"\U0001F600\":\"Emoji: Grinning Face\"," + "\"\ufb33\":\"Hebrew Letter Dalet With Dagesh\"" + "}"
	got, err := Canonicalize([]byte(in), testLimits)
	if err != nil {
		t.Fatalf("Canonicalize() error: %v", err)
	}
	if string(got) != want {
		t.Errorf("Canonicalize() = %s\nwant %s", got, want)
	}
}

func TestCompareKeys(t *testing.T) {
	cases := []struct {
		a, b string
		want int
	}{
		{"", "", 0}, {"", "a", -1}, {"a", "", 1}, {"a", "b", -1}, {"ab", "a", 1},
		{"\U0001F600", "\ufb33", -1}, // surrogate 0xD83D < 0xFB33
		{"\U0001F600", "\u00f6", 1},
		{"\U0001F600", "\U0001F601", -1}, // same high surrogate
		{"\U00010000", "\U0010FFFF", -1},
		{"\uffff", "\U00010000", 1}, // 0xFFFF > 0xD800
		{"B", "a", -1},              // code units, not letters
	}
	for _, c := range cases {
		if got := CompareKeys(c.a, c.b); got != c.want {
			t.Errorf("CompareKeys(%+q, %+q) = %d, want %d", c.a, c.b, got, c.want)
		}
	}
}

func TestStringEscapes(t *testing.T) {
	cases := []struct{ in, want string }{
		{`"\u0000\u001f\u007f"`, "\"\\u0000\\u001f\u007f\""},
		{`"\b\f\n\r\t"`, `"\b\f\n\r\t"`},
		{`"\u2028\u2029"`, "\"\u2028\u2029\""}, // literal, as ES2019 writes them
		{`"<>&'"`, `"<>&'"`},                   // no HTML escaping
		{`"\/"`, `"/"`},
		{`"\uD834\uDD1E"`, "\"\U0001D11E\""},
		{`"é"`, `"é"`},
	}
	for _, c := range cases {
		got, err := Canonicalize([]byte(c.in), testLimits)
		if err != nil || string(got) != c.want {
			t.Errorf("Canonicalize(%s) = %q, %v; want %q", c.in, got, err, c.want)
		}
	}
}

// TestParseErrors checks that what I-JSON and JSON forbid is refused, with
// the offset of the problem.
func TestParseErrors(t *testing.T) {
	cases := []struct {
		name, in string
		offset   int
		msg      string
	}{
		{"empty", ``, 0, "end of input"},
		{"bom", "\xef\xbb\xbf{}", 0, "byte-order mark"},
		{"trailing", `{} {}`, 3, "after the document"},
		{"trailing comma", `[1,]`, 3, "unexpected character ']'"},
		{"duplicate", `{"a":1,"a":2}`, 7, `duplicate key "a"`},
		{"duplicate escaped", `{"a":1,"\u0061":2}`, 7, `duplicate key "a"`},
		{"lone high", `"\ud800"`, 1, "lone high surrogate"},
		{"lone low", `"\udc00"`, 1, "lone low surrogate"},
		{"high then other", `"\ud800\u0041"`, 1, "lone high surrogate"},
		{"bad utf8", "\"\xff\"", 1, "invalid utf-8"},
		{"bad utf8 after escape", "\"\\n\xc0\x80\"", 3, "invalid utf-8"},
		{"raw control", "\"a\x01\"", 2, "control character"},
		{"bad escape", `"\x"`, 1, "invalid escape"},
		{"short unicode", `"\u12"`, 1, "four hex digits"},
		{"leading zero", `01`, 0, "leading zero"},
		{"plus", `+1`, 0, "unexpected character '+'"},
		{"dot", `1.`, 0, "after '.'"},
		{"exp", `1e`, 0, "exponent"},
		{"overflow", `1e400`, 0, "outside the range"},
		{"negative overflow", `-1e309`, 0, "outside the range"},
		{"nan", `NaN`, 0, "unexpected character 'N'"},
		{"single quote", `'a'`, 0, "unexpected character"},
		{"unterminated", `"abc`, 0, "unterminated string"},
		{"missing colon", `{"a" 1}`, 5, "want ':'"},
		{"missing value", `{"a":}`, 5, "unexpected character '}'"},
		{"number key", `{1:2}`, 1, "member name"},
		{"true typo", `tru`, 0, "invalid literal"},
		{"comment", `{}//`, 2, "after the document"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			v, err := Parse([]byte(c.in), testLimits)
			var se *SyntaxError
			if !errors.As(err, &se) {
				t.Fatalf("Parse(%q) = %v, %v; want a *SyntaxError", c.in, v, err)
			}
			if v != nil {
				t.Errorf("Parse(%q) returned a value with its error", c.in)
			}
			if se.Offset != c.offset || !strings.Contains(se.Msg, c.msg) {
				t.Errorf("Parse(%q) error = %v; want offset %d and %q", c.in, err, c.offset, c.msg)
			}
		})
	}
}

func TestLimits(t *testing.T) {
	lim := Limits{MaxBytes: 64, MaxDepth: 3, MaxItems: 4}
	ok := []string{`[[["a"]]]`, `{"a":{"b":{"c":1}}}`, `[1,2,3,4]`, `{"a":1,"b":2,"c":3,"d":4}`}
	for _, in := range ok {
		if _, err := Parse([]byte(in), lim); err != nil {
			t.Errorf("Parse(%s) error: %v", in, err)
		}
	}
	bad := map[string]string{
		`[[[["a"]]]]`:                       "nesting deeper than 3",
		`{"a":{"b":{"c":{}}}}`:              "nesting deeper than 3",
		`[1,2,3,4,5]`:                       "more than 4 elements",
		`{"a":1,"b":2,"c":3,"d":4,"e":5}`:   "more than 4 members",
		`"` + strings.Repeat("x", 70) + `"`: "more than 64",
	}
	for in, msg := range bad {
		if _, err := Parse([]byte(in), lim); err == nil || !strings.Contains(err.Error(), msg) {
			t.Errorf("Parse(%s) error = %v, want %q", in, err, msg)
		}
	}
	if _, err := Parse([]byte(`1`), Limits{}); err == nil {
		t.Error("Parse with zero limits succeeded")
	}
}

// TestDuplicateKeysLarge checks the set used for objects of more than 16
// members.
func TestDuplicateKeysLarge(t *testing.T) {
	var b strings.Builder
	b.WriteString("{")
	for i := range 40 {
		b.WriteString(`"k` + strconv.Itoa(i) + `":0,`)
	}
	b.WriteString(`"k3":1}`)
	if _, err := Parse([]byte(b.String()), testLimits); err == nil || !strings.Contains(err.Error(), `duplicate key "k3"`) {
		t.Errorf("Parse() error = %v, want duplicate key k3", err)
	}
}

func TestUnderflowReadsAsZero(t *testing.T) {
	v, err := Parse([]byte(`[1e-400, -1e-400]`), testLimits)
	if err != nil {
		t.Fatal(err)
	}
	got, _ := AppendCanonical(nil, v)
	if string(got) != "[0,0]" {
		t.Errorf("canonical form = %s, want [0,0]", got)
	}
}

// TestNumbersRoundTrip checks, over many doubles, that the canonical text
// reads back to the same double and is never longer than Go's shortest
// form (which has the same digits).
func TestNumbersRoundTrip(t *testing.T) {
	x := uint64(0x9E3779B97F4A7C15)
	for range 200000 {
		x ^= x << 13
		x ^= x >> 7
		x ^= x << 17
		f := math.Float64frombits(x)
		if math.IsNaN(f) || math.IsInf(f, 0) {
			continue
		}
		b, err := AppendNumber(nil, f)
		if err != nil {
			t.Fatal(err)
		}
		back, err := strconv.ParseFloat(string(b), 64)
		if err != nil || back != f {
			t.Fatalf("AppendNumber(%016x) = %s, reads back as %v (%v)", x, b, back, err)
		}
		digits := strings.TrimLeft(strings.SplitN(strconv.FormatFloat(math.Abs(f), 'e', -1, 64), "e", 2)[0], "0")
		digits = strings.ReplaceAll(digits, ".", "")
		if got := significant(string(b)); got != digits {
			t.Fatalf("AppendNumber(%016x) = %s: digits %s, want %s", x, b, got, digits)
		}
	}
}

// significant returns the significant digits of a number text.
func significant(s string) string {
	s = strings.TrimPrefix(s, "-")
	if i := strings.IndexByte(s, 'e'); i >= 0 {
		s = s[:i]
	}
	s = strings.ReplaceAll(s, ".", "")
	s = strings.TrimLeft(s, "0")
	return strings.TrimRight(s, "0")
}

func TestEqual(t *testing.T) {
	parse := func(s string) *Value {
		v, err := Parse([]byte(s), testLimits)
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	same := [][2]string{
		{`{"a":1,"b":[true,null]}`, `{"b":[true,null],"a":1.0}`},
		{`-0`, `0`},
		{`"\u00e9"`, `"é"`},
	}
	for _, p := range same {
		if !Equal(parse(p[0]), parse(p[1])) {
			t.Errorf("Equal(%s, %s) = false", p[0], p[1])
		}
	}
	diff := [][2]string{
		{`{"a":1}`, `{"a":2}`}, {`{"a":1}`, `{"b":1}`}, {`[1,2]`, `[2,1]`}, {`1`, `"1"`},
		{`{"a":1}`, `{"a":1,"b":1}`}, {`true`, `false`}, {`[]`, `{}`},
	}
	for _, p := range diff {
		if Equal(parse(p[0]), parse(p[1])) {
			t.Errorf("Equal(%s, %s) = true", p[0], p[1])
		}
	}
}

func TestAppendCanonicalInvalidTree(t *testing.T) {
	bad := []*Value{
		nil,
		{Kind: Number, Number: math.NaN()},
		{Kind: String, String: "\xff"},
		{Kind: Object, Object: []Member{{"a", &Value{}}, {"a", &Value{}}}},
		{Kind: Kind(9)},
	}
	for _, v := range bad {
		if _, err := AppendCanonical(nil, v); err == nil {
			t.Errorf("AppendCanonical(%+v) succeeded", v)
		}
	}
}

func TestKindString(t *testing.T) {
	if Object.String() != "object" || Kind(9).String() != "kind(9)" {
		t.Errorf("Kind.String() = %q, %q", Object.String(), Kind(9).String())
	}
}
