package rules

import (
	"errors"
	"fmt"
	"strings"
	"time"
)

// Upload refusal codes (UploadError.Code), one per constraint of the EU
// gateway on a rule upload.
const (
	CodeInvalid            = "rule_invalid"             // not a rule: JSON, schema or strict format
	CodeLogic              = "rule_logic_invalid"       // the Logic does not pass the CertLogic validator
	CodeIdentifierType     = "rule_identifier_type"     // prefix does not match CertificateType / Type
	CodeCountry            = "rule_country"             // Country is not the uploader's
	CodeIdentifierCountry  = "rule_identifier_country"  // the Identifier's country part is not Country
	CodeVersion            = "rule_version"             // not above every version stored
	CodeValidity           = "rule_validity"            // ValidFrom not before ValidTo
	CodeValidFromPast      = "rule_valid_from_past"     // ValidFrom before the upload time
	CodeValidFromTooFar    = "rule_valid_from_too_far"  // ValidFrom more than two weeks ahead
	CodeAcceptanceTooSoon  = "rule_acceptance_too_soon" // an acceptance rule less than 48 hours ahead
	CodeValidFromPrevious  = "rule_valid_from_previous" // ValidFrom before the previous version's
	CodeRegion             = "rule_region"              // a Region on an invalidation rule
	CodeIdentifierMismatch = "rule_identifier_mismatch" // a delete names another identifier
)

// Upload time windows of the EU gateway.
const (
	// MaxValidFromAhead is how far ahead of the upload ValidFrom may lie.
	MaxValidFromAhead = 14 * 24 * time.Hour
	// MinAcceptanceAhead is how far ahead of the upload an acceptance
	// rule's ValidFrom must lie, so that every verifier has synced it
	// before it applies.
	MinAcceptanceAhead = 48 * time.Hour
)

// UploadError is a refused upload: a stable code (the Code constants)
// and a reason.
type UploadError struct {
	Code   string
	Reason string
}

func (e *UploadError) Error() string { return "rules: upload refused (" + e.Code + "): " + e.Reason }

func refuse(code, format string, args ...any) *UploadError {
	return &UploadError{Code: code, Reason: fmt.Sprintf(format, args...)}
}

// prefixType maps an Identifier prefix to the CertificateType it requires
// ("" for IR, which requires Type Invalidation instead).
var prefixType = map[string]string{"GR": CertGeneral, "VR": CertVaccination, "TR": CertTest, "RR": CertRecovery, "IR": ""}

// CheckUpload parses a rule a country uploads and applies the EU
// gateway's constraints: a valid rule (ParseRule; CodeLogic when only the
// Logic is refused), its Identifier prefix matching its CertificateType
// (GR General, VR Vaccination, TR Test, RR Recovery) and IR exactly for
// Invalidation rules, Country the caller's and the Identifier's country
// part, a Version above every version of the Identifier already stored
// (stored, deleted ones included), ValidFrom before ValidTo, ValidFrom not
// before now, at most two weeks ahead and, for an acceptance rule, at
// least 48 hours ahead, and not before the ValidFrom of the newest stored
// version. An error is an *UploadError.
func CheckUpload(data []byte, caller string, stored []*Rule, now time.Time) (*Rule, error) {
	r, err := ParseRule(data)
	if err != nil {
		var pe *ParseError
		if errors.As(err, &pe) {
			for _, p := range pe.Problems {
				if p.Path != "Logic" {
					return nil, refuse(CodeInvalid, "%v", err)
				}
			}
			return nil, refuse(CodeLogic, "%v", err)
		}
		return nil, refuse(CodeInvalid, "%v", err)
	}
	prefix, rest, _ := strings.Cut(r.Identifier, "-")
	idCountry, _, _ := strings.Cut(rest, "-")
	want, ok := prefixType[prefix]
	switch {
	case !ok:
		return nil, refuse(CodeIdentifierType, "identifier %s has an unknown prefix", r.Identifier)
	case prefix == "IR" && r.Type != TypeInvalidation:
		return nil, refuse(CodeIdentifierType, "identifier %s is an invalidation rule's, but Type is %s", r.Identifier, r.Type)
	case prefix != "IR" && r.Type == TypeInvalidation:
		return nil, refuse(CodeIdentifierType, "an invalidation rule's identifier must start with IR, not %s", prefix)
	case prefix != "IR" && r.CertificateType != want:
		return nil, refuse(CodeIdentifierType, "identifier %s needs CertificateType %s, not %s", r.Identifier, want, r.CertificateType)
	}
	if r.Country != caller {
		return nil, refuse(CodeCountry, "the rule is of %s, but the uploader is %s", r.Country, caller)
	}
	if idCountry != r.Country {
		return nil, refuse(CodeIdentifierCountry, "identifier %s names %s, but Country is %s", r.Identifier, idCountry, r.Country)
	}
	if r.Type == TypeInvalidation && r.Region != "" {
		return nil, refuse(CodeRegion, "an invalidation rule applies to the whole issuing country; it has no Region")
	}
	var newest *Rule
	for _, s := range stored {
		if s.Identifier != r.Identifier {
			continue
		}
		if compareVer(r.ver, s.ver) <= 0 {
			return nil, refuse(CodeVersion, "version %s of %s is not above the stored version %s", r.Version, r.Identifier, s.Version)
		}
		if newest == nil || compareVer(s.ver, newest.ver) > 0 {
			newest = s
		}
	}
	if !r.ValidFrom.Before(r.ValidTo) {
		return nil, refuse(CodeValidity, "ValidFrom %s is not before ValidTo %s", stamp(r.ValidFrom), stamp(r.ValidTo))
	}
	if r.ValidFrom.Before(now) {
		return nil, refuse(CodeValidFromPast, "ValidFrom %s is in the past (gateway time %s)", stamp(r.ValidFrom), stamp(now))
	}
	if r.ValidFrom.After(now.Add(MaxValidFromAhead)) {
		return nil, refuse(CodeValidFromTooFar, "ValidFrom %s is more than %s ahead of the gateway time %s", stamp(r.ValidFrom), "two weeks", stamp(now))
	}
	if r.Type == TypeAcceptance && r.ValidFrom.Before(now.Add(MinAcceptanceAhead)) {
		return nil, refuse(CodeAcceptanceTooSoon, "an acceptance rule must start at least 48 hours after its upload; ValidFrom %s is sooner (gateway time %s)", stamp(r.ValidFrom), stamp(now))
	}
	if newest != nil && r.ValidFrom.Before(newest.ValidFrom) {
		return nil, refuse(CodeValidFromPrevious, "ValidFrom %s is before that of version %s (%s)", stamp(r.ValidFrom), newest.Version, stamp(newest.ValidFrom))
	}
	return r, nil
}

func stamp(t time.Time) string { return t.UTC().Format(time.RFC3339) }

// EntryID is the gateway entry ID of a rule version: "Identifier/Version".
func EntryID(r *Rule) string { return r.Identifier + "/" + r.Version }
