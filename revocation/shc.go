package revocation

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/ithc/ithc/internal/limits"
)

// SMART Health Cards (SMART Health Cards 1.3, "Revocation"): an issuer
// revokes cards by their rid, a base64url string of at most 24
// characters in vc.rid, listing it in the revocation list of the key that
// signed them (crl/KID.json: {"kid","method":"rid","ctr","rids"}). A
// listed "rid.T" revokes only the cards issued (nbf) before T, in whole
// seconds since 1970.
//
// Here a rid is an entry of hash type SHCRID (HashOfSHCRID binds it to
// the issuer and the key), in batches whose header names the issuer (Iss)
// and the key (KID, the thumbprint) instead of a document signer, and
// carries the timestamp of all its rids (RevokedBefore): one batch per
// timestamp. SHCBatches turns a list into batches, SHCListOf batches back
// into a list.

// SHCRevoked is one entry of a SMART revocation list.
type SHCRevoked struct {
	// RID is the revocation identifier.
	RID string
	// Before is the entry's timestamp: it revokes the cards issued before
	// it; zero revokes every card with the rid.
	Before time.Time
}

// String returns the entry as the list writes it: "rid" or "rid.T".
func (e SHCRevoked) String() string {
	if e.Before.IsZero() {
		return e.RID
	}
	return e.RID + "." + strconv.FormatInt(e.Before.Unix(), 10)
}

// SHCList is a SMART Health Card issuer's revocation list for one key.
type SHCList struct {
	// KID is the key's thumbprint (base64url).
	KID string
	// Ctr is the list's version, which the key's crlVersion announces.
	Ctr int
	// Revoked are the entries, one per rid.
	Revoked []SHCRevoked
}

// ErrSHCList is wrapped by every error of ParseSHCList.
var ErrSHCList = errors.New("revocation: smart revocation list")

func listErr(format string, args ...any) error {
	return fmt.Errorf("%w: "+format, append([]any{ErrSHCList}, args...)...)
}

// ParseSHCList parses an issuer's crl/KID.json strictly, within the limits
// of package shc: a JSON object of kid (a key thumbprint), method "rid",
// ctr (a non-negative integer; as a string of digits too, as the VCI
// directory snapshot writes it) and rids (strings "rid" or "rid.T", each
// rid listed once), and nothing else.
func ParseSHCList(data []byte) (*SHCList, error) {
	if len(data) > limits.MaxSHCFile {
		return nil, listErr("%d bytes, more than %d", len(data), limits.MaxSHCFile)
	}
	var w struct {
		KID    *string         `json:"kid"`
		Method *string         `json:"method"`
		Ctr    json.RawMessage `json:"ctr"`
		RIDs   []string        `json:"rids"`
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&w); err != nil {
		return nil, listErr("%v", err)
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, listErr("data after the JSON object")
	}
	if w.KID == nil || w.Method == nil || w.Ctr == nil || w.RIDs == nil {
		return nil, listErr("kid, method, ctr and rids are required")
	}
	if err := checkThumbprint(*w.KID); err != nil {
		return nil, listErr("%v", err)
	}
	if *w.Method != "rid" {
		return nil, listErr("method %q, only \"rid\" is defined", *w.Method)
	}
	ctr, err := parseCtr(w.Ctr)
	if err != nil {
		return nil, listErr("ctr %s: %v", w.Ctr, err)
	}
	if len(w.RIDs) > limits.MaxSHCRids {
		return nil, listErr("%d rids, more than %d", len(w.RIDs), limits.MaxSHCRids)
	}
	l := &SHCList{KID: *w.KID, Ctr: ctr, Revoked: make([]SHCRevoked, 0, len(w.RIDs))}
	seen := make(map[string]bool, len(w.RIDs))
	for i, s := range w.RIDs {
		e, err := parseSHCEntry(s)
		if err != nil {
			return nil, listErr("rids[%d]: %v", i, err)
		}
		if seen[e.RID] {
			return nil, listErr("rids[%d]: rid %q is listed twice", i, e.RID)
		}
		seen[e.RID] = true
		l.Revoked = append(l.Revoked, e)
	}
	return l, nil
}

func parseCtr(raw json.RawMessage) (int, error) {
	s := string(raw)
	if strings.HasPrefix(s, `"`) {
		if err := json.Unmarshal(raw, &s); err != nil {
			return 0, err
		}
	}
	if s == "" || len(s) > 10 || strings.Trim(s, "0123456789") != "" {
		return 0, errors.New("not a non-negative integer")
	}
	n, err := strconv.Atoi(s)
	if err != nil || n > 1<<31-1 {
		return 0, errors.New("not an integer below 2^31")
	}
	return n, nil
}

// ParseSHCRevoked parses one entry of a SMART revocation list: "rid" or
// "rid.T" (T in whole seconds since 1970).
func ParseSHCRevoked(s string) (SHCRevoked, error) {
	if len(s) > limits.MaxSHCRid+13 {
		return SHCRevoked{}, fmt.Errorf("revocation: rid entry %.40q is longer than %d characters", s, limits.MaxSHCRid+13)
	}
	e, err := parseSHCEntry(s)
	if err != nil {
		return SHCRevoked{}, fmt.Errorf("revocation: %w", err)
	}
	return e, nil
}

// parseSHCEntry splits "rid" or "rid.T".
func parseSHCEntry(s string) (SHCRevoked, error) {
	rid, ts, hasTS := strings.Cut(s, ".")
	if err := checkRID(rid); err != nil {
		return SHCRevoked{}, err
	}
	if !hasTS {
		return SHCRevoked{RID: rid}, nil
	}
	if ts == "" || len(ts) > 12 || strings.Trim(ts, "0123456789") != "" {
		return SHCRevoked{}, fmt.Errorf("timestamp %q of rid %q is not whole seconds since 1970", ts, rid)
	}
	sec, _ := strconv.ParseInt(ts, 10, 64) // at most 12 digits
	t := time.Unix(sec, 0).UTC()
	if t.Year() > 9999 {
		return SHCRevoked{}, fmt.Errorf("timestamp %q of rid %q is after the year 9999", ts, rid)
	}
	return SHCRevoked{RID: rid, Before: t}, nil
}

// Marshal returns the list's JSON in canonical form: kid, method, ctr,
// then the rids sorted.
func (l *SHCList) Marshal() []byte {
	rids := make([]string, len(l.Revoked))
	for i, e := range l.Revoked {
		rids[i] = e.String()
	}
	slices.Sort(rids)
	out, _ := json.Marshal(struct {
		KID    string   `json:"kid"`
		Method string   `json:"method"`
		Ctr    int      `json:"ctr"`
		RIDs   []string `json:"rids"`
	}{l.KID, "rid", l.Ctr, rids})
	return out
}

// checkRID checks a revocation identifier: 1 to 24 base64url characters.
func checkRID(rid string) error {
	if rid == "" || len(rid) > limits.MaxSHCRid {
		return fmt.Errorf("rid %.40q is not 1 to %d characters", rid, limits.MaxSHCRid)
	}
	for i := 0; i < len(rid); i++ {
		if c := rid[i]; !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '-' || c == '_') {
			return fmt.Errorf("rid %q has %q at offset %d, outside the base64url alphabet", rid, c, i)
		}
	}
	return nil
}

// checkThumbprint checks a SMART key identifier: 43 base64url characters
// (a SHA-256 RFC 7638 thumbprint).
func checkThumbprint(kid string) error {
	if raw, err := base64.RawURLEncoding.Strict().DecodeString(kid); err != nil || len(raw) != 32 {
		return fmt.Errorf("kid %.60q is not a SHA-256 thumbprint in base64url (43 characters)", kid)
	}
	return nil
}

// checkIssuer checks a SMART issuer URL as package shc accepts it: https,
// a host, no trailing slash, query, fragment, white space or control
// character, at most MaxRevocationSHCIssuer bytes of UTF-8.
func checkIssuer(iss string) error {
	switch {
	case len(iss) > limits.MaxRevocationSHCIssuer:
		return fmt.Errorf("iss is %d bytes, more than %d", len(iss), limits.MaxRevocationSHCIssuer)
	case !strings.HasPrefix(iss, "https://") || len(iss) == len("https://"):
		return fmt.Errorf("iss %q is not an https URL with a host", iss)
	case strings.HasSuffix(iss, "/"):
		return fmt.Errorf("iss %q ends with a slash", iss)
	case !utf8.ValidString(iss):
		return fmt.Errorf("iss %q is not UTF-8", iss)
	}
	for _, r := range iss {
		if r <= 0x20 || r == 0x7f || r == '?' || r == '#' {
			return fmt.Errorf("iss %q has a query, fragment, white space or control character", iss)
		}
	}
	return nil
}

// NewSHCBatch checks h, a SHCRID header naming the issuer (Iss) and key
// (KID), and returns a batch of rids: their entries sorted, each rid once.
func NewSHCBatch(h Header, rids []string) (*Batch, error) {
	h.Created = h.Created.UTC().Truncate(time.Second)
	h.Expires = h.Expires.UTC().Truncate(time.Second)
	if !h.RevokedBefore.IsZero() {
		h.RevokedBefore = h.RevokedBefore.UTC().Truncate(time.Second)
	}
	b := &Batch{Header: h}
	if err := b.checkHeader(); err != nil {
		return nil, err
	}
	if b.Type != HashSHCRID {
		return nil, batchErr("%s: hash type %s is not SHCRID (NewBatch makes the others)", h.ID, h.HashType)
	}
	type pair struct {
		h   Hash
		rid string
	}
	ps := make([]pair, 0, len(rids))
	for i, rid := range rids {
		if err := checkRID(rid); err != nil {
			return nil, batchErr("%s: rid %d: %v", h.ID, i+1, err)
		}
		ps = append(ps, pair{HashOfSHCRID(h.Iss, h.KID, rid), rid})
	}
	slices.SortFunc(ps, func(a, b pair) int { return a.h.Compare(b.h) })
	ps = slices.CompactFunc(ps, func(a, b pair) bool { return a.rid == b.rid })
	if len(ps) == 0 {
		return nil, batchErr("%s: no rids", h.ID)
	}
	if len(ps) > limits.MaxRevocationSHCEntries {
		return nil, batchErr("%s: %d rids, more than %d in one batch (SHCBatches splits them)", h.ID, len(ps), limits.MaxRevocationSHCEntries)
	}
	b.Entries, b.RIDs = make([]Hash, len(ps)), make([]string, len(ps))
	for i, p := range ps {
		if i > 0 && p.h == ps[i-1].h {
			return nil, batchErr("%s: rids %q and %q have the same hash", h.ID, ps[i-1].rid, p.rid)
		}
		b.Entries[i], b.RIDs[i] = p.h, p.rid
	}
	return b, nil
}

// SHCBatches turns a SMART revocation list into SHCRID batches of the
// issuer h.Iss, with h's country, dates and reason: one batch for the
// rids without timestamp (named h.ID) and one for each timestamp (named
// h.ID + "-T", T the timestamp), each cut into batches of at most
// MaxRevocationSHCEntries rids (suffixed "-1", "-2", ... when cut). h.KID
// and h.HashType are set from the list.
func SHCBatches(h Header, l *SHCList) ([]*Batch, error) {
	h.KID, h.HashType, h.RevokedBefore = l.KID, HashSHCRID.String(), time.Time{}
	const none = math.MinInt64 // the group of the rids without timestamp
	groups := map[int64][]string{}
	var order []int64
	for _, e := range l.Revoked {
		ts := int64(none)
		if !e.Before.IsZero() {
			ts = e.Before.Unix()
		}
		if _, ok := groups[ts]; !ok {
			order = append(order, ts)
		}
		groups[ts] = append(groups[ts], e.RID)
	}
	slices.Sort(order)
	var out []*Batch
	for _, ts := range order {
		hh := h
		if ts != none {
			hh.ID = h.ID + "-" + strconv.FormatInt(ts, 10)
			hh.RevokedBefore = time.Unix(ts, 0).UTC()
		}
		rids := groups[ts]
		n := (len(rids) + limits.MaxRevocationSHCEntries - 1) / limits.MaxRevocationSHCEntries
		for i := 0; i < n; i++ {
			part := rids[i*limits.MaxRevocationSHCEntries : min((i+1)*limits.MaxRevocationSHCEntries, len(rids))]
			hp := hh
			if n > 1 {
				hp.ID = fmt.Sprintf("%s-%d", hh.ID, i+1)
			}
			b, err := NewSHCBatch(hp, part)
			if err != nil {
				return nil, err
			}
			out = append(out, b)
		}
	}
	if len(out) == 0 {
		return nil, batchErr("%s: the revocation list of %s revokes nothing", h.ID, l.KID)
	}
	return out, nil
}

// SHCListOf returns the SMART revocation list, at version ctr, of the key
// kid of issuer iss that the SHCRID batches among bs hold (the others are
// ignored; the caller leaves out expired ones). A rid in several batches
// is listed once, with the widest revocation: without timestamp if any
// batch has none, else with the latest.
func SHCListOf(iss, kid string, ctr int, bs []*Batch) *SHCList {
	l := &SHCList{KID: kid, Ctr: ctr, Revoked: []SHCRevoked{}}
	at := map[string]int{}
	for _, b := range bs {
		if b.Type != HashSHCRID || b.Iss != iss || b.KID != kid {
			continue
		}
		for _, rid := range b.RIDs {
			i, ok := at[rid]
			if !ok {
				at[rid] = len(l.Revoked)
				l.Revoked = append(l.Revoked, SHCRevoked{RID: rid, Before: b.RevokedBefore})
				continue
			}
			e := &l.Revoked[i]
			if !e.Before.IsZero() && (b.RevokedBefore.IsZero() || b.RevokedBefore.After(e.Before)) {
				e.Before = b.RevokedBefore
			}
		}
	}
	slices.SortFunc(l.Revoked, func(a, b SHCRevoked) int { return strings.Compare(a.RID, b.RID) })
	return l
}
