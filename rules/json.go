package rules

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"unicode/utf8"
)

// decodeJSON decodes one JSON value into the values encoding/json gives an
// any (map[string]any, []any, string, float64, bool, nil), strictly:
// invalid UTF-8, duplicate object keys, nesting deeper than maxDepth and
// anything after the value are errors that say where.
func decodeJSON(b []byte, maxDepth int) (any, error) {
	if !utf8.Valid(b) {
		return nil, errors.New("not valid UTF-8")
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	v, err := jsonValue(dec, "", 1, maxDepth)
	if err != nil {
		return nil, err
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, fmt.Errorf("data after the JSON value at offset %d", dec.InputOffset())
	}
	return v, nil
}

func jsonValue(dec *json.Decoder, path string, depth, maxDepth int) (any, error) {
	tok, err := dec.Token()
	if err != nil {
		if err == io.EOF {
			err = io.ErrUnexpectedEOF
		}
		return nil, fmt.Errorf("%s: %v (offset %d)", where(path), err, dec.InputOffset())
	}
	d, ok := tok.(json.Delim)
	if !ok {
		return tok, nil
	}
	if depth > maxDepth {
		return nil, fmt.Errorf("%s: nested deeper than %d", where(path), maxDepth)
	}
	switch d {
	case '{':
		obj := make(map[string]any)
		for dec.More() {
			kt, err := dec.Token()
			if err != nil {
				return nil, fmt.Errorf("%s: %v (offset %d)", where(path), err, dec.InputOffset())
			}
			k := kt.(string)
			p := joinPath(path, k)
			if _, dup := obj[k]; dup {
				return nil, fmt.Errorf("%s: duplicate key", p)
			}
			v, err := jsonValue(dec, p, depth+1, maxDepth)
			if err != nil {
				return nil, err
			}
			obj[k] = v
		}
		if _, err := dec.Token(); err != nil {
			return nil, fmt.Errorf("%s: %v", where(path), err)
		}
		return obj, nil
	case '[':
		arr := []any{}
		for i := 0; dec.More(); i++ {
			v, err := jsonValue(dec, fmt.Sprintf("%s[%d]", path, i), depth+1, maxDepth)
			if err != nil {
				return nil, err
			}
			arr = append(arr, v)
		}
		if _, err := dec.Token(); err != nil {
			return nil, fmt.Errorf("%s: %v", where(path), err)
		}
		return arr, nil
	}
	return nil, fmt.Errorf("%s: unexpected %v", where(path), d)
}

func joinPath(path, key string) string {
	if path == "" {
		return key
	}
	return path + "." + key
}

func where(path string) string {
	if path == "" {
		return "top level"
	}
	return path
}
