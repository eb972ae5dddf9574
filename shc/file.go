package shc

import (
	"encoding/json"
	"fmt"

	"github.com/ithc/ithc/internal/limits"
)

// ParseFile reads the cards of a .smart-health-card file,
// {"verifiableCredential": ["<jws>", …]}, and returns the JWS texts in
// order, unchecked (VerifyJWS checks each). The file is at most
// limits.MaxSHCFile bytes of strict JSON holding 1 to limits.MaxSHCCards
// strings.
func ParseFile(data []byte) ([]string, error) {
	top, err := topObject(data, "smart-health-card file")
	if err != nil {
		return nil, err
	}
	return credentialList(top["verifiableCredential"], "verifiableCredential")
}

// ParseIssueResponse reads the cards of a FHIR $health-cards-issue
// response: a Parameters resource whose parameters named
// "verifiableCredential" carry a JWS in valueString. Other parameters
// (resourceLink) are ignored.
func ParseIssueResponse(data []byte) ([]string, error) {
	top, err := topObject(data, "$health-cards-issue response")
	if err != nil {
		return nil, err
	}
	if top["resourceType"] != "Parameters" {
		return nil, fmt.Errorf("shc: $health-cards-issue response: resourceType is %v, not \"Parameters\"", top["resourceType"])
	}
	params, ok := top["parameter"].([]any)
	if !ok {
		return nil, fmt.Errorf("shc: $health-cards-issue response: \"parameter\" is %s, not an array", jsonType(top["parameter"]))
	}
	var list []any
	for i, p := range params {
		m, ok := p.(map[string]any)
		if !ok {
			return nil, fmt.Errorf("shc: $health-cards-issue response: parameter[%d] is %s, not an object", i, jsonType(p))
		}
		if m["name"] != "verifiableCredential" {
			continue
		}
		v, ok := m["valueString"]
		if !ok {
			return nil, fmt.Errorf("shc: $health-cards-issue response: parameter[%d] verifiableCredential has no valueString", i)
		}
		list = append(list, v)
	}
	return credentialList(list, "parameter verifiableCredential")
}

func topObject(data []byte, what string) (map[string]any, error) {
	if len(data) > limits.MaxSHCFile {
		return nil, fmt.Errorf("shc: %s of %d bytes, more than %d", what, len(data), limits.MaxSHCFile)
	}
	tree, err := parseJSON(data)
	if err != nil {
		return nil, fmt.Errorf("shc: %s is not json: %v", what, err)
	}
	top, ok := tree.(map[string]any)
	if !ok {
		return nil, fmt.Errorf("shc: %s is %s, not an object", what, jsonType(tree))
	}
	return top, nil
}

func credentialList(v any, what string) ([]string, error) {
	list, ok := v.([]any)
	if !ok {
		if v == nil {
			return nil, fmt.Errorf("shc: no %s", what)
		}
		return nil, fmt.Errorf("shc: %s is %s, not an array", what, jsonType(v))
	}
	if len(list) == 0 {
		return nil, fmt.Errorf("shc: %s is empty", what)
	}
	if len(list) > limits.MaxSHCCards {
		return nil, fmt.Errorf("shc: %d cards in %s, more than %d", len(list), what, limits.MaxSHCCards)
	}
	out := make([]string, len(list))
	for i, e := range list {
		s, ok := e.(string)
		if !ok {
			return nil, fmt.Errorf("shc: %s[%d] is %s, not a string", what, i, jsonType(e))
		}
		out[i] = s
	}
	return out, nil
}

// MarshalFile writes cards as a .smart-health-card file.
func MarshalFile(jws ...string) ([]byte, error) {
	if len(jws) == 0 {
		return nil, fmt.Errorf("shc: no card")
	}
	return json.Marshal(map[string][]string{"verifiableCredential": jws})
}
