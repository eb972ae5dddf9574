package jsonw

import (
	"bytes"
	"encoding/json"
	"errors"
	"math"
	"strings"
	"testing"
)

// reference returns what encoding/json writes for v with SetEscapeHTML(false).
func reference(v any) (string, error) {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return "", err
	}
	return strings.TrimSuffix(b.String(), "\n"), nil
}

var stringCases = []string{
	"",
	"plain ASCII text",
	`"quoted" and \back\slashed\`,
	"<script>alert('x')</script> & more",
	"\b\f\n\r\t",
	"\x00\x01\x02\x03\x04\x05\x06\x07\x0b\x0e\x0f\x10\x11\x12\x13\x14\x15\x16\x17\x18\x19\x1a\x1b\x1c\x1d\x1e\x1f",
	"\x7f del stays",
	"张伟 Müller Jürgen Köln",
	"emoji 😀 and 𝄞",
	"line\u2028separator\u2029paragraph",
	"\u2027\u202a neighbours stay",
	"invalid \xff byte",
	"\xff\xfe\xfd",
	"truncated \xe4\xb8",
	"truncated at end \xe2\x80",
	"surrogate \xed\xa0\x80 half",
	"overlong \xc0\xaf slash",
	"\xf4\x90\x80\x80 above U+10FFFF",
	"\xef\xbf\xbd real replacement char",
	"mixed \"\x00\xff\u2028<>&\t😀",
	strings.Repeat("long run without escapes ", 40),
}

func TestAppendString(t *testing.T) {
	for _, s := range stringCases {
		want, err := reference(s)
		if err != nil {
			t.Fatalf("encoding/json(%q) error = %v", s, err)
		}
		if got := string(AppendString(nil, s)); got != want {
			t.Errorf("AppendString(%q) = %s, want %s", s, got, want)
		}
		// appends, and leaves what is there
		if got := string(AppendString([]byte("x:"), s)); got != "x:"+want {
			t.Errorf("AppendString(x:, %q) = %s, want x:%s", s, got, want)
		}
	}
}

// TestAppendStringForms pins the forms encoding/json of Go 1.27 writes,
// which differ from those of earlier releases (\b, \f and the raw U+FFFD).
func TestAppendStringForms(t *testing.T) {
	tests := []struct{ in, want string }{
		{"\b\f\n\r\t", `"\b\f\n\r\t"`},
		{"\x00\x1f\x7f", `"\u0000\u001f` + "\x7f" + `"`},
		{`"\`, `"\"\\"`},
		{"<>&", `"<>&"`},
		{"a\xffb", "\"a\uFFFDb\""},
		{"\u2028\u2029", `"\u2028\u2029"`},
	}
	for _, tt := range tests {
		if got := string(AppendString(nil, tt.in)); got != tt.want {
			t.Errorf("AppendString(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

// TestAppendStringEveryByte checks each single byte and each ASCII byte
// between other text.
func TestAppendStringEveryByte(t *testing.T) {
	for b := 0; b < 256; b++ {
		for _, s := range []string{string([]byte{byte(b)}), "a" + string([]byte{byte(b)}) + "z"} {
			want, _ := reference(s)
			if got := string(AppendString(nil, s)); got != want {
				t.Errorf("AppendString(%q) = %s, want %s", s, got, want)
			}
		}
	}
}

var floatCases = []float64{
	0, math.Copysign(0, -1), 1, -1, 0.1, 0.12, -0.12, 1.5, 100, 123456789,
	1e20, 1e21, -1e21, 1.5e21, 123456789012345678901234.0, 999999999999999999999.0,
	1e-6, 1e-7, -1e-7, 0.000001, 0.0000009999, 1.234e-8, 1e-10, 1e-100, 1e-300,
	5e-324, math.SmallestNonzeroFloat64, math.MaxFloat64, -math.MaxFloat64,
	1 << 53, 1<<53 + 1, 1 << 62, 1e15, 1e16, 1e17, 12345678901234567890,
	math.Pi, -math.E, 1.0 / 3, 2.5e-5, 33.333333333333336,
}

func TestAppendFloat(t *testing.T) {
	for _, f := range floatCases {
		want, err := reference(f)
		if err != nil {
			t.Fatalf("encoding/json(%v) error = %v", f, err)
		}
		got, err := AppendFloat([]byte("x:"), f)
		if err != nil || string(got) != "x:"+want {
			t.Errorf("AppendFloat(%v) = %s, %v, want x:%s", f, got, err, want)
		}
	}
}

func TestAppendFloatErrors(t *testing.T) {
	for _, f := range []float64{math.NaN(), math.Inf(1), math.Inf(-1), math.Float64frombits(0x7ff8000000000001)} {
		_, want := reference(f)
		got, err := AppendFloat([]byte("x"), f)
		if err == nil || want == nil || err.Error() != want.Error() {
			t.Errorf("AppendFloat(%v) error = %v, want %v", f, err, want)
		}
		var uv *json.UnsupportedValueError
		if !errors.As(err, &uv) {
			t.Errorf("AppendFloat(%v) error is %T, want *json.UnsupportedValueError", f, err)
		}
		if string(got) != "x" {
			t.Errorf("AppendFloat(%v) = %q with error, want the input unchanged", f, got)
		}
	}
}

func FuzzAppendString(f *testing.F) {
	for _, s := range stringCases {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		s := string(data)
		want, err := reference(s)
		if err != nil {
			t.Fatalf("encoding/json(%q) error = %v", s, err)
		}
		if got := string(AppendString(nil, s)); got != want {
			t.Fatalf("AppendString(%q) = %s, want %s", s, got, want)
		}
	})
}

func FuzzAppendFloat(f *testing.F) {
	for _, v := range floatCases {
		f.Add(math.Float64bits(v))
	}
	f.Add(math.Float64bits(math.NaN()))
	f.Fuzz(func(t *testing.T, bits uint64) {
		v := math.Float64frombits(bits)
		want, werr := reference(v)
		got, err := AppendFloat(nil, v)
		if (err == nil) != (werr == nil) {
			t.Fatalf("AppendFloat(%v) error = %v, encoding/json error = %v", v, err, werr)
		}
		if err != nil {
			if err.Error() != werr.Error() {
				t.Fatalf("AppendFloat(%v) error = %v, want %v", v, err, werr)
			}
			return
		}
		if string(got) != want {
			t.Fatalf("AppendFloat(%v) = %s, want %s", v, got, want)
		}
	})
}

func BenchmarkAppendString(b *testing.B) {
	for _, s := range []string{"Beijing CDC Laboratory", "Testzentrum Köln", "a \"quoted\"\tline\n"} {
		b.Run(s[:4], func(b *testing.B) {
			buf := make([]byte, 0, 64)
			b.ReportAllocs()
			for b.Loop() {
				buf = AppendString(buf[:0], s)
			}
		})
	}
}

func BenchmarkAppendFloat(b *testing.B) {
	buf := make([]byte, 0, 64)
	b.ReportAllocs()
	for b.Loop() {
		buf, _ = AppendFloat(buf[:0], 0.12)
	}
}
