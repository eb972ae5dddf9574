package verify

import (
	"encoding/json"
	"reflect"
	"slices"
	"time"

	"github.com/ithc/ithc/healthcert"
	"github.com/ithc/ithc/internal/jsonw"
)

// The JSON form of a Result is written by hand: the verifier service
// writes one for every request, and encoding/json (reflection, a second
// pass over the certificate to test it, a third to compact the output)
// costs several times what the members themselves need. The bytes are
// those a json.Encoder with SetEscapeHTML(false) writes for the struct
// tags of Result and of its member types, in the order of the fields,
// with the same omitempty rules: result_json_test.go compares the two on
// every result the tests produce and under a fuzz target.

// certificateTypeForError is the type json.Marshal names in the error of
// a certificate that has no JSON form; certificate_error has kept that
// text since the certificate was first tested with json.Marshal.
var certificateTypeForError = reflect.TypeFor[*healthcert.Certificate]()

// AppendJSON appends the result's JSON form to dst. A result always has one: a decoded
// certificate that has no JSON form is replaced by certificate_error, as MarshalJSON does.
//
// Strings are escaped as in the certificate's canonical form: '<', '>'
// and '&' are written as they are. Times are written as encoding/json
// writes a time.Time (RFC 3339 with nanoseconds, in the time's own
// offset); a time encoding/json refuses (a year outside 0–9999, an
// offset of 24 hours or more) is still written, in the same layout.
func (r *Result) AppendJSON(dst []byte) []byte {
	dst = append(dst, `{"status":`...)
	dst = jsonw.AppendString(dst, string(r.Status))
	dst = append(dst, `,"stage":`...)
	dst = jsonw.AppendString(dst, string(r.Stage))
	dst = append(dst, `,"reason":{"en":`...)
	dst = jsonw.AppendString(dst, r.Reason.EN)
	dst = append(dst, `,"zh":`...)
	dst = jsonw.AppendString(dst, r.Reason.ZH)
	dst = append(dst, '}')
	if r.Detail != "" {
		dst = append(dst, `,"detail":`...)
		dst = jsonw.AppendString(dst, r.Detail)
	}
	dst = append(dst, `,"format":`...)
	dst = jsonw.AppendString(dst, r.Format)
	if r.PayloadKind != "" {
		dst = append(dst, `,"payload_kind":`...)
		dst = jsonw.AppendString(dst, r.PayloadKind)
	}
	certError := r.CertificateError
	if r.Certificate != nil {
		mark := len(dst)
		out, err := r.Certificate.AppendJSON(append(dst, `,"certificate":`...))
		if err != nil {
			// The certificate goes, its error comes: dst[:mark] is what
			// was written before the attempt, whatever out holds.
			dst = dst[:mark]
			certError = (&json.MarshalerError{Type: certificateTypeForError, Err: err}).Error()
		} else {
			dst = out
		}
	}
	if certError != "" {
		dst = append(dst, `,"certificate_error":`...)
		dst = jsonw.AppendString(dst, certError)
	}
	if r.DCC != nil {
		dst = appendEncoded(dst, `,"dcc":`, r.DCC)
	}
	if s := r.Signer; s != nil {
		dst = append(dst, `,"signer":`...)
		dst = s.appendJSON(dst)
	}
	if len(r.Warnings) > 0 {
		dst = append(dst, `,"warnings":`...)
		dst = appendStrings(dst, r.Warnings)
	}
	if len(r.Notes) > 0 {
		dst = append(dst, `,"notes":`...)
		dst = appendStrings(dst, r.Notes)
	}
	if v := r.Revocation; v != nil {
		dst = append(dst, `,"revocation":`...)
		dst = v.appendJSON(dst)
	}
	if len(r.Rules) > 0 {
		dst = append(dst, `,"rules":[`...)
		for i := range r.Rules {
			if i > 0 {
				dst = append(dst, ',')
			}
			dst = r.Rules[i].appendJSON(dst)
		}
		dst = append(dst, ']')
	}
	if e := r.Encryption; e != nil {
		dst = append(dst, `,"encryption":`...)
		dst = e.appendJSON(dst)
	}
	return append(dst, '}')
}

// jsonSizeHint is a capacity that holds most results' JSON form in one
// allocation: about 600 bytes for a refusal without certificate, 1,000 to
// 1,600 with a certificate and its DCC payload.
func (r *Result) jsonSizeHint() int {
	n := 768
	if r.Certificate != nil {
		n += 768
	}
	if r.DCC != nil {
		n += 512
	}
	return n
}

// appendJSON appends the signer's JSON form to dst.
func (s *SignerInfo) appendJSON(dst []byte) []byte {
	dst = append(dst, '{')
	if s.Country != "" {
		dst = append(dst, `"country":`...)
		dst = jsonw.AppendString(dst, s.Country)
		dst = append(dst, ',')
	}
	dst = append(dst, `"kid":`...)
	dst = jsonw.AppendString(dst, s.KID)
	if s.Issuer != "" {
		dst = append(dst, `,"issuer":`...)
		dst = jsonw.AppendString(dst, s.Issuer)
	}
	if s.Subject != "" {
		dst = append(dst, `,"subject":`...)
		dst = jsonw.AppendString(dst, s.Subject)
	}
	dst = append(dst, `,"algorithm":`...)
	dst = jsonw.AppendString(dst, s.Algorithm)
	dst = append(dst, `,"usage":`...)
	dst = jsonw.AppendString(dst, s.Usage)
	return append(dst, '}')
}

// appendJSON appends the revocation's JSON form to dst.
func (v *Revocation) appendJSON(dst []byte) []byte {
	dst = append(dst, `{"batch":`...)
	dst = jsonw.AppendString(dst, v.Batch)
	dst = append(dst, `,"kind":`...)
	dst = jsonw.AppendString(dst, v.Kind)
	if v.Reason != "" {
		dst = append(dst, `,"reason":`...)
		dst = jsonw.AppendString(dst, v.Reason)
	}
	dst = append(dst, `,"date":"`...)
	// time.Time.MarshalJSON writes this layout (it only adds the range
	// checks); its digits, signs and 'Z' need no escaping.
	dst = v.Date.AppendFormat(dst, time.RFC3339Nano)
	return append(dst, `"}`...)
}

// appendJSON appends the rule outcome's JSON form to dst.
func (o *RuleOutcome) appendJSON(dst []byte) []byte {
	dst = append(dst, `{"identifier":`...)
	dst = jsonw.AppendString(dst, o.Identifier)
	dst = append(dst, `,"version":`...)
	dst = jsonw.AppendString(dst, o.Version)
	dst = append(dst, `,"type":`...)
	dst = jsonw.AppendString(dst, o.Type)
	dst = append(dst, `,"country":`...)
	dst = jsonw.AppendString(dst, o.Country)
	dst = append(dst, `,"result":`...)
	dst = jsonw.AppendString(dst, o.Result)
	if len(o.Description) > 0 {
		// encoding/json sorts a map's keys as they are (before escaping).
		var buf [8]string
		keys := buf[:0]
		for k := range o.Description {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		dst = append(dst, `,"description":{`...)
		for i, k := range keys {
			if i > 0 {
				dst = append(dst, ',')
			}
			dst = jsonw.AppendString(dst, k)
			dst = append(dst, ':')
			dst = jsonw.AppendString(dst, o.Description[k])
		}
		dst = append(dst, '}')
	}
	if o.Detail != "" {
		dst = append(dst, `,"detail":`...)
		dst = jsonw.AppendString(dst, o.Detail)
	}
	return append(dst, '}')
}

// appendJSON appends the encryption's JSON form to dst. Recipients has no
// omitempty: nil is null, empty is [].
func (e *Encryption) appendJSON(dst []byte) []byte {
	dst = append(dst, `{"recipients":`...)
	if e.Recipients == nil {
		dst = append(dst, "null"...)
	} else {
		dst = appendStrings(dst, e.Recipients)
	}
	dst = append(dst, `,"kid":`...)
	dst = jsonw.AppendString(dst, e.KID)
	return append(dst, '}')
}

// appendStrings appends a JSON array of strings.
func appendStrings(dst []byte, list []string) []byte {
	dst = append(dst, '[')
	for i, s := range list {
		if i > 0 {
			dst = append(dst, ',')
		}
		dst = jsonw.AppendString(dst, s)
	}
	return append(dst, ']')
}

// appendEncoded appends key and v as a json.Encoder with
// SetEscapeHTML(false) writes v, without its newline; for the members too
// big and too rare on the hot path to write by hand (the DCC payload). A
// value encoding/json refuses (the DCC payload has only strings and
// integers: none) is left out with its key.
func appendEncoded(dst []byte, key string, v any) []byte {
	out, err := jsonw.AppendMarshal(append(dst, key...), v)
	if err != nil {
		return dst
	}
	return out
}
