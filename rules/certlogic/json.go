package certlogic

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"

	"github.com/ithc/ithc/internal/limits"
)

// decodeStrict decodes one JSON value the way expressions and test-suite
// files must be read: duplicate object keys, trailing data, nesting deeper
// than maxDepth and numbers outside the float64 range are errors. Numbers
// become float64 values, as encoding/json would decode them into any.
func decodeStrict(b []byte, maxDepth int) (any, error) {
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	tok, err := dec.Token()
	if err != nil {
		return nil, jsonSyntaxError(err)
	}
	d := strictDecoder{dec: dec, maxDepth: maxDepth}
	v, err := d.value(tok, 0, "")
	if err != nil {
		return nil, err
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, errors.New("malformed JSON: data after the top-level value")
	}
	return v, nil
}

type strictDecoder struct {
	dec      *json.Decoder
	maxDepth int
}

func (d *strictDecoder) value(tok json.Token, depth int, path string) (any, error) {
	switch t := tok.(type) {
	case json.Delim:
		if depth >= d.maxDepth {
			return nil, fmt.Errorf("%s: nested deeper than %d levels", pathOrRoot(path), d.maxDepth)
		}
		if t == '[' {
			arr := []any{}
			for d.dec.More() {
				tok, err := d.dec.Token()
				if err != nil {
					return nil, jsonSyntaxError(err)
				}
				v, err := d.value(tok, depth+1, indexPath(path, len(arr)))
				if err != nil {
					return nil, err
				}
				arr = append(arr, v)
			}
			if _, err := d.dec.Token(); err != nil { // ]
				return nil, jsonSyntaxError(err)
			}
			return arr, nil
		}
		obj := map[string]any{}
		for d.dec.More() {
			tok, err := d.dec.Token()
			if err != nil {
				return nil, jsonSyntaxError(err)
			}
			key, ok := tok.(string)
			if !ok {
				return nil, fmt.Errorf("malformed JSON: object key %v is not a string", tok)
			}
			if _, dup := obj[key]; dup {
				return nil, fmt.Errorf("%s: duplicate object key %q", pathOrRoot(path), key)
			}
			tok, err = d.dec.Token()
			if err != nil {
				return nil, jsonSyntaxError(err)
			}
			v, err := d.value(tok, depth+1, keyPath(path, key))
			if err != nil {
				return nil, err
			}
			obj[key] = v
		}
		if _, err := d.dec.Token(); err != nil { // }
			return nil, jsonSyntaxError(err)
		}
		return obj, nil
	case json.Number:
		f, err := strconv.ParseFloat(string(t), 64)
		if err != nil || math.IsInf(f, 0) {
			return nil, fmt.Errorf("%s: number %s is out of range", pathOrRoot(path), t)
		}
		return f, nil
	case string, bool, nil:
		return t, nil
	}
	return nil, fmt.Errorf("malformed JSON: unexpected token %v", tok)
}

func jsonSyntaxError(err error) error {
	// Go 1.26 reports a truncated document as io.EOF, 1.27 as a syntax
	// error "unexpected end of JSON input": one message for both.
	var se *json.SyntaxError
	if err == io.EOF || errors.Is(err, io.ErrUnexpectedEOF) || errors.As(err, &se) && strings.Contains(se.Error(), "unexpected end of") {
		return errors.New("malformed JSON: unexpected end of input")
	}
	return fmt.Errorf("malformed JSON: %v", err)
}

// DecodeData decodes a JSON data context for Evaluate. It refuses input
// larger than limits.MaxCertLogicData bytes or nested deeper than
// limits.MaxCertLogicDataDepth, and trailing data. Duplicate object keys
// are tolerated (the last one wins, as in every JSON engine CertLogic
// rules are written for): data is not signed here, the certificate
// payload was checked by its own decoder before.
func DecodeData(b []byte) (any, error) {
	if len(b) > limits.MaxCertLogicData {
		return nil, fmt.Errorf("certlogic: data of %d bytes is larger than %d bytes", len(b), limits.MaxCertLogicData)
	}
	if d := jsonDepth(b); d > limits.MaxCertLogicDataDepth {
		return nil, fmt.Errorf("certlogic: data nested deeper than %d levels", limits.MaxCertLogicDataDepth)
	}
	var v any
	if err := json.Unmarshal(b, &v); err != nil {
		return nil, fmt.Errorf("certlogic: data: %v", err)
	}
	return v, nil
}

// jsonDepth returns the deepest nesting of arrays and objects in b,
// without decoding it (strings are skipped, escapes honoured).
func jsonDepth(b []byte) int {
	depth, deepest := 0, 0
	inString, escaped := false, false
	for _, c := range b {
		switch {
		case inString:
			switch {
			case escaped:
				escaped = false
			case c == '\\':
				escaped = true
			case c == '"':
				inString = false
			}
		case c == '"':
			inString = true
		case c == '[' || c == '{':
			depth++
			if depth > deepest {
				deepest = depth
			}
		case c == ']' || c == '}':
			depth--
		}
	}
	return deepest
}

// keyPath and indexPath build JSON paths of the form "and[1].if[0]".
func keyPath(parent, key string) string {
	if parent == "" {
		return key
	}
	return parent + "." + key
}

func indexPath(parent string, i int) string {
	return parent + "[" + strconv.Itoa(i) + "]"
}

func pathOrRoot(path string) string {
	if path == "" {
		return "(root)"
	}
	return path
}
