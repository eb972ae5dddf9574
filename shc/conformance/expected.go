package conformance

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
)

// The constants of the validator's test file that expectations name
// (health-cards-validation-SDK, testdata tests): example 02's 110 FHIR
// schema errors (references not of the short form), counted or listed,
// and one JWS_TOO_LONG warning.
const (
	shortURLWarnings   = 110
	jwsTooLongWarnings = 1
)

// expectation is one severity level of a case's expected findings: a
// count, or a list of codes (a code listed twice is expected twice).
type expectation struct {
	Count int      `json:"count"`
	Codes []string `json:"codes,omitempty"`
}

// expected is a case's expected findings by severity.
type expected struct {
	Errors   expectation `json:"errors"`
	Warnings expectation `json:"warnings"`
}

var identifier = regexp.MustCompile(`[A-Z][A-Z0-9_]*`)

// parseExpected reads the "expected" text of EXPECTATIONS.json, a
// JavaScript array literal: [errors, warnings, info, debug, fatal], each a
// number, a constant or an array of error codes; "[0]" and "[7 ]" leave
// the warnings unstated (zero). An array may be extended with
// ".concat(OPENSSL_AVAILABLE ? [CODE] : [])": both branches' codes are
// taken, since whether the validator had OpenSSL is unknown.
func parseExpected(s string) (expected, error) {
	s = strings.TrimSpace(s)
	if !strings.HasPrefix(s, "[") || !strings.HasSuffix(s, "]") {
		return expected{}, fmt.Errorf("expected %q is not an array", s)
	}
	elems := splitTop(s[1 : len(s)-1])
	var e expected
	for i, el := range elems {
		if i > 1 {
			break // info, debug, fatal: not compared
		}
		x, err := parseLevel(strings.TrimSpace(el))
		if err != nil {
			return expected{}, fmt.Errorf("expected %q element %d: %v", s, i, err)
		}
		if i == 0 {
			e.Errors = x
		} else {
			e.Warnings = x
		}
	}
	return e, nil
}

func parseLevel(el string) (expectation, error) {
	switch el {
	case "":
		return expectation{}, nil
	case "SHORT_URL_WARNINGS":
		return expectation{Count: shortURLWarnings}, nil
	case "JWS_TOO_LONG_WARNING":
		return expectation{Count: jwsTooLongWarnings}, nil
	case "SCHEMA_ERROR_ARRAY":
		codes := make([]string, shortURLWarnings)
		for i := range codes {
			codes[i] = "FHIR_SCHEMA_ERROR"
		}
		return expectation{Count: len(codes), Codes: codes}, nil
	}
	if n, err := strconv.Atoi(el); err == nil && n >= 0 {
		return expectation{Count: n}, nil
	}
	if strings.HasPrefix(el, "[") {
		var codes []string
		for _, id := range identifier.FindAllString(el, -1) {
			if id != "OPENSSL_AVAILABLE" {
				codes = append(codes, id)
			}
		}
		return expectation{Count: len(codes), Codes: codes}, nil
	}
	return expectation{}, fmt.Errorf("%q is not a count, a known constant or a list of codes", el)
}

// splitTop splits at the commas outside brackets and parentheses.
func splitTop(s string) []string {
	var out []string
	depth, start := 0, 0
	for i, c := range s {
		switch c {
		case '[', '(':
			depth++
		case ']', ')':
			depth--
		case ',':
			if depth == 0 {
				out = append(out, s[start:i])
				start = i + 1
			}
		}
	}
	return append(out, s[start:])
}

// caseOptions are the validator options of a case that the runner reads.
type caseOptions struct {
	excludeFHIRSchema bool
	issuerDirectory   string
	jwkset            string
	profile           string
	shl               bool // passCode or decryptionKey: SMART Health Links
}

var (
	optDirectory = regexp.MustCompile(`issuerDirectory:\s*'([^']*)'`)
	optJWKSet    = regexp.MustCompile(`jwkset:\s*'([^']*)'`)
	optProfile   = regexp.MustCompile(`profile:\s*ValidationProfiles\['([^']*)'\]`)
)

func parseOptions(s string) caseOptions {
	var o caseOptions
	o.excludeFHIRSchema = strings.Contains(s, "'fhir-schema-error'")
	if m := optDirectory.FindStringSubmatch(s); m != nil {
		o.issuerDirectory = m[1]
	}
	if m := optJWKSet.FindStringSubmatch(s); m != nil {
		o.jwkset = m[1]
	}
	if m := optProfile.FindStringSubmatch(s); m != nil {
		o.profile = m[1]
	}
	o.shl = strings.Contains(s, "passCode") || strings.Contains(s, "decryptionKey")
	return o
}
