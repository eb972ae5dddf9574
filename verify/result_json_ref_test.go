package verify

import (
	"encoding/json"

	"github.com/ithc/ithc/internal/jsonw"
)

// referenceJSON is the JSON form of r written the old way, through
// encoding/json: the certificate is first marshalled alone to test it
// (replaced by its error when it fails), then the whole result is encoded
// as a plain struct (its struct tags, no MarshalJSON). The one decided
// difference from the old Result.MarshalJSON is kept: the encoder does
// not HTML-escape ('<', '>' and '&' are written as they are), as the
// certificate's canonical form does not.
func referenceJSON(r *Result) ([]byte, error) {
	type plain Result
	p := plain(*r)
	if p.Certificate != nil {
		if _, err := json.Marshal(p.Certificate); err != nil {
			p.Certificate = nil
			p.CertificateError = err.Error()
		}
	}
	return jsonw.Marshal(p)
}
