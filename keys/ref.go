package keys

import (
	"fmt"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/ithc/ithc/internal/limits"
)

// Kind says where a key lives.
type Kind int

// The kinds of key reference.
const (
	KindFile   Kind = iota + 1 // a PKCS#8 PEM file
	KindPKCS11                 // a key pair in a PKCS#11 token
)

// Ref is a parsed key reference. For a file, only Path is set; for a token,
// the PKCS#11 fields are.
type Ref struct {
	Kind Kind

	// Path is the key file (KindFile).
	Path string

	// Token, Serial and SlotID select the token; exactly one is set.
	// Token is the token label (RFC 7512 "token"), Serial its serial
	// number ("serial"), SlotID the slot number ("slot-id").
	Token  string
	Serial string
	SlotID *int

	// Object is the key pair's label (CKA_LABEL, "object") and ID its
	// CKA_ID ("id", percent-encoded bytes). At least one is set; when both
	// are, a key must match both.
	Object string
	ID     []byte

	// ModulePath is the PKCS#11 module ("module-path"); empty means
	// Options.Module, ITHC_PKCS11_MODULE or DefaultModule.
	ModulePath string

	// PINSource is where the user PIN is read from ("pin-source":
	// "file:PATH" or an absolute path), PINValue the PIN itself
	// ("pin-value"; it shows in process listings and shell history, so
	// prefer pin-source or ITHC_PKCS11_PIN). At most one is set.
	PINSource string
	PINValue  string
}

// where an attribute may appear in a pkcs11: URI.
const (
	inPath  = 1 << iota // the path part, separated by ';'
	inQuery             // the query part after '?', separated by '&'
)

// pkcs11Attrs are the attributes ParseRef understands. The query
// attributes of RFC 7512 (module-path, pin-source, pin-value) are also
// accepted in the path, as "pkcs11:token=t;object=o;pin-source=file:/p"
// is how people write them.
var pkcs11Attrs = map[string]int{
	"token":       inPath,
	"serial":      inPath,
	"slot-id":     inPath,
	"object":      inPath,
	"id":          inPath,
	"type":        inPath,
	"module-path": inPath | inQuery,
	"pin-source":  inPath | inQuery,
	"pin-value":   inPath | inQuery,
}

// rfc7512Unsupported are RFC 7512 attributes that ParseRef recognises but
// does not support, with the reason given in the error.
var rfc7512Unsupported = map[string]string{
	"manufacturer":         "select the token by token=, serial= or slot-id=",
	"model":                "select the token by token=, serial= or slot-id=",
	"library-manufacturer": "name the module with module-path=",
	"library-description":  "name the module with module-path=",
	"library-version":      "name the module with module-path=",
	"slot-description":     "select the token by token=, serial= or slot-id=",
	"slot-manufacturer":    "select the token by token=, serial= or slot-id=",
	"module-name":          "name the module by its file with module-path=",
}

// ParseRef parses a key reference:
//
//   - "pkcs11:..." is a PKCS#11 URI (RFC 7512). Path attributes are
//     separated by ';', query attributes (after '?') by '&'. Understood:
//     token, serial or slot-id (exactly one, selecting the token); object
//     and/or id (the key pair's CKA_LABEL and CKA_ID); type (only
//     "private"); module-path; pin-source or pin-value (at most one).
//     module-path, pin-source and pin-value may also be written in the
//     path. Values are percent-decoded; a literal ';', '?', '&' or '%'
//     must be percent-encoded. Any other attribute, a repeated one, or a
//     bad escape is an error naming it.
//   - "file:PATH" is the key file PATH.
//   - anything else is a file path (write ./pkcs11:x for a file named so).
//
// References are at most limits.MaxKeyRef bytes. Errors wrap ErrBadRef.
func ParseRef(s string) (Ref, error) {
	if len(s) > limits.MaxKeyRef {
		return Ref{}, fmt.Errorf("%w: longer than %d bytes", ErrBadRef, limits.MaxKeyRef)
	}
	if s == "" {
		return Ref{}, fmt.Errorf("%w: empty reference", ErrBadRef)
	}
	if !utf8.ValidString(s) || strings.ContainsFunc(s, isControl) {
		return Ref{}, fmt.Errorf("%w: control characters or invalid UTF-8 in %q", ErrBadRef, s)
	}
	if rest, ok := strings.CutPrefix(s, "pkcs11:"); ok {
		return parsePKCS11(rest, true)
	}
	path := strings.TrimPrefix(s, "file:")
	if path == "" {
		return Ref{}, fmt.Errorf("%w: %q names no file", ErrBadRef, s)
	}
	return Ref{Kind: KindFile, Path: path}, nil
}

func isControl(r rune) bool { return r < 0x20 || r == 0x7f }

// ParseTokenRef parses a pkcs11: URI that names a token but no key (no
// object, no id), such as "pkcs11:token=CN%20HSM?pin-source=file:/run/pin":
// a place to make keys in. Use Ref.WithObject to name a key there.
func ParseTokenRef(s string) (Ref, error) {
	if len(s) > limits.MaxKeyRef {
		return Ref{}, fmt.Errorf("%w: longer than %d bytes", ErrBadRef, limits.MaxKeyRef)
	}
	rest, ok := strings.CutPrefix(s, "pkcs11:")
	if !ok {
		return Ref{}, fmt.Errorf("%w: %q is not a pkcs11: URI", ErrBadRef, s)
	}
	if !utf8.ValidString(s) || strings.ContainsFunc(s, isControl) {
		return Ref{}, fmt.Errorf("%w: control characters or invalid UTF-8 in %q", ErrBadRef, s)
	}
	r, err := parsePKCS11(rest, false)
	if err != nil {
		return Ref{}, err
	}
	if r.Object != "" || len(r.ID) > 0 {
		return Ref{}, fmt.Errorf("%w: pkcs11: %q names a key; name only the token", ErrBadRef, s)
	}
	return r, nil
}

// WithObject returns r naming the key pair labelled label (and no id) in
// r's token. It is meant for token references.
func (r Ref) WithObject(label string) Ref {
	r.Object, r.ID = label, nil
	return r
}

func parsePKCS11(s string, needKey bool) (Ref, error) {
	r := Ref{Kind: KindPKCS11}
	path, query, hasQuery := strings.Cut(s, "?")
	seen := map[string]bool{}
	parts := []struct {
		text  string
		sep   string
		where int
		name  string
	}{{path, ";", inPath, "path"}, {query, "&", inQuery, "query"}}
	for _, part := range parts {
		if part.where == inQuery && !hasQuery {
			continue
		}
		if part.text == "" {
			continue
		}
		for _, attr := range strings.Split(part.text, part.sep) {
			name, raw, ok := strings.Cut(attr, "=")
			if !ok || name == "" {
				return Ref{}, fmt.Errorf("%w: pkcs11: %q in the %s is not name=value", ErrBadRef, attr, part.name)
			}
			where, known := pkcs11Attrs[name]
			if !known {
				if hint, ok := rfc7512Unsupported[name]; ok {
					return Ref{}, fmt.Errorf("%w: pkcs11: attribute %q is not supported (%s)", ErrBadRef, name, hint)
				}
				return Ref{}, fmt.Errorf("%w: pkcs11: unknown attribute %q (known: token, serial, slot-id, object, id, type, module-path, pin-source, pin-value)", ErrBadRef, name)
			}
			if where&part.where == 0 {
				return Ref{}, fmt.Errorf("%w: pkcs11: attribute %q belongs in the path (before '?'), not the query", ErrBadRef, name)
			}
			if seen[name] {
				return Ref{}, fmt.Errorf("%w: pkcs11: attribute %q appears twice", ErrBadRef, name)
			}
			seen[name] = true
			val, err := percentDecode(raw)
			if err != nil {
				return Ref{}, fmt.Errorf("%w: pkcs11: attribute %q: %v", ErrBadRef, name, err)
			}
			if err := r.set(name, val); err != nil {
				return Ref{}, err
			}
		}
	}
	if err := r.checkPKCS11(needKey); err != nil {
		return Ref{}, err
	}
	return r, nil
}

func (r *Ref) set(name string, val []byte) error {
	text := func() (string, error) {
		if !utf8.Valid(val) {
			return "", fmt.Errorf("%w: pkcs11: attribute %q is not valid UTF-8", ErrBadRef, name)
		}
		if len(val) == 0 {
			return "", fmt.Errorf("%w: pkcs11: attribute %q is empty", ErrBadRef, name)
		}
		return string(val), nil
	}
	var err error
	switch name {
	case "token":
		r.Token, err = text()
	case "serial":
		r.Serial, err = text()
	case "slot-id":
		var s string
		if s, err = text(); err == nil {
			n, perr := strconv.ParseUint(s, 10, 31)
			if perr != nil {
				return fmt.Errorf("%w: pkcs11: slot-id %q is not a slot number", ErrBadRef, s)
			}
			slot := int(n)
			r.SlotID = &slot
		}
	case "object":
		r.Object, err = text()
	case "id":
		if len(val) == 0 {
			return fmt.Errorf("%w: pkcs11: attribute \"id\" is empty", ErrBadRef)
		}
		r.ID = val
	case "type":
		var s string
		if s, err = text(); err == nil && s != "private" {
			return fmt.Errorf("%w: pkcs11: type=%s: a signing key reference names a private key (type=private, or leave type out)", ErrBadRef, s)
		}
	case "module-path":
		r.ModulePath, err = text()
	case "pin-source":
		r.PINSource, err = text()
	case "pin-value":
		r.PINValue, err = text()
	}
	return err
}

func (r *Ref) checkPKCS11(needKey bool) error {
	selectors := 0
	for _, set := range []bool{r.Token != "", r.Serial != "", r.SlotID != nil} {
		if set {
			selectors++
		}
	}
	switch {
	case selectors == 0:
		return fmt.Errorf("%w: pkcs11: no token (give token=LABEL, serial= or slot-id=)", ErrBadRef)
	case selectors > 1:
		return fmt.Errorf("%w: pkcs11: give only one of token=, serial= and slot-id=", ErrBadRef)
	case needKey && r.Object == "" && len(r.ID) == 0:
		return fmt.Errorf("%w: pkcs11: no key (give object=LABEL and/or id=)", ErrBadRef)
	case r.PINSource != "" && r.PINValue != "":
		return fmt.Errorf("%w: pkcs11: give pin-source or pin-value, not both", ErrBadRef)
	}
	return nil
}

// percentDecode decodes %XX escapes (RFC 3986). Other bytes are taken as
// they are; a '%' not followed by two hex digits is an error.
func percentDecode(s string) ([]byte, error) {
	out := make([]byte, 0, len(s))
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c != '%' {
			out = append(out, c)
			continue
		}
		if i+2 >= len(s) {
			return nil, fmt.Errorf("truncated percent escape %q", s[i:])
		}
		hi, ok1 := unhex(s[i+1])
		lo, ok2 := unhex(s[i+2])
		if !ok1 || !ok2 {
			return nil, fmt.Errorf("bad percent escape %q", s[i:i+3])
		}
		out = append(out, hi<<4|lo)
		i += 2
	}
	return out, nil
}

func unhex(c byte) (byte, bool) {
	switch {
	case c >= '0' && c <= '9':
		return c - '0', true
	case c >= 'a' && c <= 'f':
		return c - 'a' + 10, true
	case c >= 'A' && c <= 'F':
		return c - 'A' + 10, true
	}
	return 0, false
}

// String returns the reference in canonical form: the path for a file
// ("file:PATH" when the path itself starts with "file:" or "pkcs11:"),
// and for a token a pkcs11: URI with the path attributes in a fixed order,
// the id fully percent-encoded, and module-path and pin-source in the
// query. A pin-value is left out: String is safe to log.
func (r Ref) String() string {
	switch r.Kind {
	case KindFile:
		if strings.HasPrefix(r.Path, "file:") || strings.HasPrefix(r.Path, "pkcs11:") {
			return "file:" + r.Path
		}
		return r.Path
	case KindPKCS11:
		var b strings.Builder
		b.WriteString("pkcs11:")
		var path []string
		if r.Token != "" {
			path = append(path, "token="+percentEncode(r.Token, ""))
		}
		if r.Serial != "" {
			path = append(path, "serial="+percentEncode(r.Serial, ""))
		}
		if r.SlotID != nil {
			path = append(path, "slot-id="+strconv.Itoa(*r.SlotID))
		}
		if r.Object != "" {
			path = append(path, "object="+percentEncode(r.Object, ""))
		}
		if len(r.ID) > 0 {
			var id strings.Builder
			for _, c := range r.ID {
				fmt.Fprintf(&id, "%%%02X", c)
			}
			path = append(path, "id="+id.String())
		}
		b.WriteString(strings.Join(path, ";"))
		var query []string
		if r.ModulePath != "" {
			query = append(query, "module-path="+percentEncode(r.ModulePath, "/"))
		}
		if r.PINSource != "" {
			query = append(query, "pin-source="+percentEncode(r.PINSource, "/:"))
		}
		if len(query) > 0 {
			b.WriteString("?")
			b.WriteString(strings.Join(query, "&"))
		}
		return b.String()
	}
	return ""
}

// percentEncode escapes every byte outside RFC 3986's unreserved set and
// the extra characters allowed.
func percentEncode(s, allowed string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c >= '0' && c <= '9',
			c == '-', c == '.', c == '_', c == '~', strings.IndexByte(allowed, c) >= 0:
			b.WriteByte(c)
		default:
			fmt.Fprintf(&b, "%%%02X", c)
		}
	}
	return b.String()
}
