package verify

import (
	"encoding/json"
	"fmt"
	"strings"

	"github.com/ithc/ithc/hc1"
	"github.com/ithc/ithc/internal/limits"
)

// The code formats a Verifier reads, as Result.Format and Detect name
// them.
const (
	// FormatHC1 is HCERT: "HC1:" + Base45 + zlib + COSE_Sign1, carrying an
	// EU DCC or the native ITHC payload.
	FormatHC1 = "hc1"
	// FormatSHC is a SMART Health Card: "shc:/" numeric QR text (one code
	// or the chunks of a chunked one), a compact JWS, a .smart-health-card
	// file or a FHIR $health-cards-issue response.
	FormatSHC = "shc"
	// FormatVDSNC is an ICAO VDS-NC seal (JSON).
	FormatVDSNC = "vdsnc"
)

// kind is what detection found: a format and, for SMART Health Cards,
// the container.
type kind int

const (
	kindUnknown     kind = iota // not recognised: read as HC1 (prefix error)
	kindHC1                     // "HC1:"
	kindSHCQR                   // "shc:/…", one code
	kindSHCChunks               // several "shc:/i/n/…" separated by white space
	kindSHCJWS                  // a compact JWS
	kindSHCFile                 // {"verifiableCredential": [...]}
	kindSHCResponse             // {"resourceType": "Parameters", ...}
	kindVDSNC                   // {"data": ..., "sig": ...}
	kindJSON                    // JSON of no known format
)

func (k kind) format() string {
	switch k {
	case kindHC1, kindUnknown:
		return FormatHC1
	case kindSHCQR, kindSHCChunks, kindSHCJWS, kindSHCFile, kindSHCResponse:
		return FormatSHC
	case kindVDSNC:
		return FormatVDSNC
	}
	return ""
}

// Detect returns the format of a code from its content: FormatHC1 for
// "HC1:", FormatSHC for "shc:/" (one or several chunks), a compact JWS
// ("eyJ…" in three dot-separated parts), a .smart-health-card file or a
// $health-cards-issue response, FormatVDSNC for a JSON object with the
// members of a seal (data, sig), and "" for anything else. It reads only
// as far as it must: a prefix, or the top-level member names of a JSON
// object. It does not check the code.
func Detect(text string) string {
	k := detect(text)
	if k == kindUnknown {
		return ""
	}
	return k.format()
}

// detect classifies text. HC1 is checked first, so that detection costs
// an HC1 code one prefix comparison.
func detect(text string) kind {
	if strings.HasPrefix(text, hc1.Prefix) {
		return kindHC1
	}
	if strings.HasPrefix(text, "shc:/") {
		if strings.ContainsAny(text, " \t\r\n") {
			return kindSHCChunks
		}
		return kindSHCQR
	}
	if isCompactJWS(text) {
		return kindSHCJWS
	}
	if t := strings.TrimLeft(text, " \t\r\n"); strings.HasPrefix(t, "{") {
		return detectJSON(t)
	}
	return kindUnknown
}

// isCompactJWS reports whether text has the shape of a compact JWS whose
// header is a JSON object: "eyJ" (base64url of `{"`), then base64url
// characters in exactly three parts.
func isCompactJWS(text string) bool {
	if !strings.HasPrefix(text, "eyJ") {
		return false
	}
	dots := 0
	for i := 0; i < len(text); i++ {
		switch c := text[i]; {
		case c == '.':
			dots++
		case c >= 'A' && c <= 'Z', c >= 'a' && c <= 'z', c >= '0' && c <= '9', c == '-', c == '_':
		default:
			return false
		}
	}
	return dots == 2
}

// detectJSON reads the top-level member names of a JSON object until one
// names a format: verifiableCredential (a .smart-health-card file),
// resourceType (a FHIR response), data or sig (a seal). It reads at most
// limits.MaxDetectKeys members; values are skipped, not kept.
func detectJSON(text string) kind {
	if len(text) > limits.MaxVerifyInput {
		return kindJSON
	}
	dec := json.NewDecoder(strings.NewReader(text))
	if tok, err := dec.Token(); err != nil || tok != json.Delim('{') {
		return kindJSON
	}
	for i := 0; i < limits.MaxDetectKeys && dec.More(); i++ {
		tok, err := dec.Token()
		if err != nil {
			return kindJSON
		}
		switch tok {
		case "verifiableCredential":
			return kindSHCFile
		case "resourceType":
			return kindSHCResponse
		case "data", "sig":
			return kindVDSNC
		}
		var skip json.RawMessage
		if err := dec.Decode(&skip); err != nil {
			return kindJSON
		}
	}
	return kindJSON
}

// splitChunks returns the QR texts of a chunked code given as one text,
// the chunks separated by white space. It stops after one more than
// limits.MaxSHCChunks texts, which shc.DecodeQR refuses by their number.
func splitChunks(text string) []string {
	var chunks []string
	for c := range strings.FieldsSeq(text) {
		if chunks = append(chunks, c); len(chunks) > limits.MaxSHCChunks {
			break
		}
	}
	return chunks
}

// unknownJSON is the result of JSON of no known format.
func unknownJSON(text string) *Result {
	what := "json of no known format"
	if !json.Valid([]byte(text)) {
		var probe json.RawMessage
		err := json.Unmarshal([]byte(text), &probe) // for the error's offset
		what = fmt.Sprintf("invalid json (%v)", err)
	}
	return (&Result{}).setError(fail(StatusInvalidEncoding, StageDetect,
		"%s: neither a VDS-NC seal (members data and sig) nor a .smart-health-card file (verifiableCredential) or a $health-cards-issue response (resourceType)", what))
}
