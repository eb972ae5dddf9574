package shc

import (
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/ithc/ithc/internal/limits"
)

// CRL is an issuer's revocation list for one key (SMART Health Cards
// 1.3, "Revocation"): the revoked rid values, each optionally with the
// time before which cards with that rid are revoked.
type CRL struct {
	// KID is the key the list is for.
	KID string
	// Ctr is the list's version; it matches the key's crlVersion.
	Ctr int
	// entries maps a rid to its timestamp (zero: every card with the rid).
	entries map[string]time.Time
}

// Len returns the number of revoked rid values.
func (c *CRL) Len() int { return len(c.entries) }

// Revoked reports whether a card with revocation identifier rid and
// issuance time nbf is revoked: the rid is listed without a timestamp, or
// with a timestamp after nbf.
func (c *CRL) Revoked(rid string, nbf time.Time) (bool, time.Time) {
	t, ok := c.entries[rid]
	if !ok {
		return false, time.Time{}
	}
	return t.IsZero() || nbf.Before(t), t
}

// ParseCRL reads the revocation list of the key kid whose JWK announces
// crlVersion: {"kid", "method": "rid", "ctr", "rids": [...]}. Every rid
// must be at most 24 base64url characters, optionally followed by "." and
// a timestamp in whole seconds since 1970; a rid listed twice, a kid or
// ctr that does not match the key, or a method other than "rid" is an
// error (REVOCATION_ERROR), since a verifier cannot trust the rest of such
// a list.
func ParseCRL(data []byte, kid string, crlVersion int) (*CRL, error) {
	if len(data) > limits.MaxSHCFile {
		return nil, fmt.Errorf("shc: revocation list of %d bytes, more than %d", len(data), limits.MaxSHCFile)
	}
	if _, err := parseJSON(data); err != nil {
		return nil, fmt.Errorf("shc: revocation list is not json: %v", err)
	}
	var w struct {
		Kid    string          `json:"kid"`
		Method string          `json:"method"`
		Ctr    json.RawMessage `json:"ctr"`
		Rids   []string        `json:"rids"`
	}
	if err := json.Unmarshal(data, &w); err != nil {
		return nil, fmt.Errorf("shc: revocation list: %v", err)
	}
	return newCRL(w.Kid, w.Method, w.Ctr, w.Rids, kid, crlVersion)
}

func newCRL(listKid, method string, ctrRaw json.RawMessage, rids []string, kid string, crlVersion int) (*CRL, error) {
	if listKid != kid {
		return nil, fmt.Errorf("shc: revocation list for kid %q, the key is %q", listKid, kid)
	}
	if method != "rid" {
		return nil, fmt.Errorf("shc: revocation list method %q, only \"rid\" is defined", method)
	}
	if len(ctrRaw) == 0 {
		return nil, errors.New("shc: revocation list has no ctr")
	}
	ctr, err := looseInt(ctrRaw)
	if err != nil {
		return nil, fmt.Errorf("shc: revocation list ctr: %v", err)
	}
	if ctr != crlVersion {
		return nil, fmt.Errorf("shc: revocation list ctr %d does not match the key's crlVersion %d", ctr, crlVersion)
	}
	if len(rids) > limits.MaxSHCRids {
		return nil, fmt.Errorf("shc: revocation list of %d rids, more than %d", len(rids), limits.MaxSHCRids)
	}
	c := &CRL{KID: kid, Ctr: ctr, entries: make(map[string]time.Time, len(rids))}
	for i, entry := range rids {
		rid, ts, err := parseRidEntry(entry)
		if err != nil {
			return nil, fmt.Errorf("shc: revocation list rids[%d]: %v", i, err)
		}
		if _, dup := c.entries[rid]; dup {
			return nil, fmt.Errorf("shc: revocation list rids[%d]: rid %q is listed twice", i, rid)
		}
		c.entries[rid] = ts
	}
	return c, nil
}

// parseRidEntry splits "rid" or "rid.timestamp".
func parseRidEntry(s string) (string, time.Time, error) {
	rid, tsText, hasTS := strings.Cut(s, ".")
	if err := checkRid(rid); err != nil {
		return "", time.Time{}, err
	}
	if !hasTS {
		return rid, time.Time{}, nil
	}
	if tsText == "" || len(tsText) > 12 || strings.Trim(tsText, "0123456789") != "" {
		return "", time.Time{}, fmt.Errorf("timestamp %q of rid %q is not whole seconds since 1970", tsText, rid)
	}
	sec, err := strconv.ParseInt(tsText, 10, 64)
	if err != nil {
		return "", time.Time{}, fmt.Errorf("timestamp %q of rid %q: %v", tsText, rid, err)
	}
	return rid, time.Unix(sec, 0).UTC(), nil
}

// checkRid checks a revocation identifier: 1 to 24 base64url characters.
func checkRid(rid string) error {
	if rid == "" {
		return errors.New("empty rid")
	}
	if len(rid) > limits.MaxSHCRid {
		return fmt.Errorf("rid %.40q is %d characters, more than %d", rid, len(rid), limits.MaxSHCRid)
	}
	for i := 0; i < len(rid); i++ {
		if c := rid[i]; !isJWSChar(c) || c == '.' {
			return fmt.Errorf("rid %q has %q at offset %d, outside the base64url alphabet", rid, c, i)
		}
	}
	return nil
}
