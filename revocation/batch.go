package revocation

import (
	"bytes"
	"encoding/base64"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"time"
	"unicode/utf8"

	"github.com/ithc/ithc/internal/limits"
)

// Magic starts every batch body.
const Magic = "ITHCRVB1"

// ErrBatch is wrapped by every error of ParseBatch and Batch checks.
var ErrBatch = errors.New("revocation: batch")

func batchErr(format string, args ...any) error {
	return fmt.Errorf("%w: "+format, append([]any{ErrBatch}, args...)...)
}

// Header describes a batch. Its JSON, in this field order and without
// spaces, is part of the signed body.
type Header struct {
	// ID names the batch for ever: 1 to 64 letters, digits, '-', '_' or
	// '.', not starting with '.' (a UUID is usual).
	ID string `json:"id"`
	// Country is the revoking country (ISO 3166-1 alpha-2).
	Country string `json:"country"`
	// KID is the key identifier of the document signer whose certificates
	// the batch revokes, in standard base64 (as the gateway names signers);
	// in a SHCRID batch, the SMART Health Card issuer key's RFC 7638
	// thumbprint, in base64url without padding (as in the cards' JWS
	// header and the issuer's crl/KID.json).
	KID string `json:"kid"`
	// HashType is "UCI", "COUNTRYCODEUCI", "SIGNATURE" or "SHCRID".
	HashType string `json:"hashType"`
	// Created is when the batch was made, the date of its revocations.
	Created time.Time `json:"created"`
	// Expires is when verifiers drop the batch (after the revoked
	// certificates expire).
	Expires time.Time `json:"expires"`
	// Reason is the issuer's reason, shown to the verifying officer.
	Reason string `json:"reason,omitempty"`
	// Iss is, in a SHCRID batch only, the SMART Health Card issuer (the
	// https URL of the cards' iss) whose key KID signed the revoked cards.
	Iss string `json:"iss,omitempty"`
	// RevokedBefore is, in a SHCRID batch only, the rids' timestamp: the
	// batch revokes the cards issued (nbf) before it. Zero revokes every
	// card carrying one of the rids.
	RevokedBefore time.Time `json:"revokedBefore,omitzero"`
}

// Batch is a header and its entries, sorted ascending without duplicates.
type Batch struct {
	Header
	Type    HashType
	KIDRaw  []byte
	Entries []Hash
	// RIDs are, in a SHCRID batch, the revocation identifiers: RIDs[i] is
	// the rid whose entry is Entries[i]. The body carries them so that the
	// batch converts back to a SMART revocation list (SHCListOf).
	RIDs []string
}

// NewBatch checks h and returns a batch of entries, sorted and
// deduplicated (entries is reordered in place).
func NewBatch(h Header, entries []Hash) (*Batch, error) {
	h.Created = h.Created.UTC().Truncate(time.Second)
	h.Expires = h.Expires.UTC().Truncate(time.Second)
	b := &Batch{Header: h}
	if err := b.checkHeader(); err != nil {
		return nil, err
	}
	if b.Type == HashSHCRID {
		return nil, batchErr("%s: a SHCRID batch is made of rids (NewSHCBatch), not of hashes", h.ID)
	}
	slices.SortFunc(entries, Hash.Compare)
	entries = slices.Compact(entries)
	if len(entries) == 0 {
		return nil, batchErr("no entries")
	}
	if len(entries) > limits.MaxRevocationBatchEntries {
		return nil, batchErr("%d entries, more than %d in one batch (split them)", len(entries), limits.MaxRevocationBatchEntries)
	}
	b.Entries = entries
	return b, nil
}

// Split cuts entries into batches of at most MaxRevocationBatchEntries,
// the n-th (from 1) named h.ID + "-n" when there are several.
func Split(h Header, entries []Hash) ([]*Batch, error) {
	slices.SortFunc(entries, Hash.Compare)
	entries = slices.Compact(entries)
	if len(entries) <= limits.MaxRevocationBatchEntries {
		b, err := NewBatch(h, entries)
		if err != nil {
			return nil, err
		}
		return []*Batch{b}, nil
	}
	var out []*Batch
	for i := 0; i < len(entries); i += limits.MaxRevocationBatchEntries {
		part := entries[i:min(i+limits.MaxRevocationBatchEntries, len(entries))]
		hh := h
		hh.ID = fmt.Sprintf("%s-%d", h.ID, len(out)+1)
		b, err := NewBatch(hh, part)
		if err != nil {
			return nil, err
		}
		out = append(out, b)
	}
	return out, nil
}

// CheckID checks a batch identifier.
func CheckID(id string) error {
	if id == "" || len(id) > limits.MaxRevocationID {
		return batchErr("identifier %q is not 1 to %d characters", id, limits.MaxRevocationID)
	}
	for i := 0; i < len(id); i++ {
		c := id[i]
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '-' || c == '_' || c == '.' && i > 0) {
			return batchErr("identifier %q: byte %d (%q) is not a letter, digit, '-', '_' or a '.' after the first", id, i, c)
		}
	}
	return nil
}

func (b *Batch) checkHeader() error {
	h := &b.Header
	if err := CheckID(h.ID); err != nil {
		return err
	}
	if len(h.Country) != 2 || h.Country[0] < 'A' || h.Country[0] > 'Z' || h.Country[1] < 'A' || h.Country[1] > 'Z' {
		return batchErr("%s: country %q is not two uppercase letters", h.ID, h.Country)
	}
	t, err := ParseHashType(h.HashType)
	if err != nil || h.HashType != t.String() {
		return batchErr("%s: hash type %q is not UCI, COUNTRYCODEUCI, SIGNATURE or SHCRID", h.ID, h.HashType)
	}
	b.Type = t
	if t == HashSHCRID {
		if err := checkThumbprint(h.KID); err != nil {
			return batchErr("%s: %v", h.ID, err)
		}
		b.KIDRaw, _ = base64.RawURLEncoding.DecodeString(h.KID)
		if err := checkIssuer(h.Iss); err != nil {
			return batchErr("%s: %v", h.ID, err)
		}
		if rb := h.RevokedBefore; !rb.IsZero() && (rb.Year() < 1970 || rb.Year() > 9999 || rb.Nanosecond() != 0 || rb.Location() != time.UTC) {
			return batchErr("%s: revokedBefore %s is not a UTC time in whole seconds between 1970 and 9999", h.ID, rb.Format(time.RFC3339Nano))
		}
	} else {
		kid, err := base64.StdEncoding.Strict().DecodeString(h.KID)
		if err != nil || len(kid) == 0 || len(kid) > 64 {
			return batchErr("%s: kid %q is not 1 to 64 bytes in standard base64", h.ID, h.KID)
		}
		b.KIDRaw = kid
		if h.Iss != "" || !h.RevokedBefore.IsZero() {
			return batchErr("%s: iss and revokedBefore belong to SHCRID batches only, not %s", h.ID, h.HashType)
		}
	}
	if y := h.Created.Year(); y < 2000 || y > 9999 {
		return batchErr("%s: created %s is not a date between 2000 and 9999", h.ID, h.Created.Format(time.RFC3339))
	}
	if !h.Expires.After(h.Created) || h.Expires.Year() > 9999 {
		return batchErr("%s: expires %s is not after created %s", h.ID, h.Expires.Format(time.RFC3339), h.Created.Format(time.RFC3339))
	}
	if len(h.Reason) > limits.MaxRevocationReason {
		return batchErr("%s: reason is %d bytes, more than %d", h.ID, len(h.Reason), limits.MaxRevocationReason)
	}
	if !utf8.ValidString(h.Reason) {
		return batchErr("%s: reason is not UTF-8", h.ID)
	}
	for _, r := range h.Reason {
		if r < 0x20 || r == 0x7f {
			return batchErr("%s: reason holds the control character %U", h.ID, r)
		}
	}
	return nil
}

// Marshal returns the canonical body of the batch:
//
//	"ITHCRVB1" | uint16 header length | header JSON | uint32 count | count × 16-byte entries, ascending
//
// (integers big-endian), followed in a SHCRID batch by each entry's rid,
// in the entries' order, as one length byte and the rid's characters.
func (b *Batch) Marshal() []byte {
	hdr, _ := json.Marshal(b.Header) // strings and times only: cannot fail
	n := len(Magic) + 2 + len(hdr) + 4 + 16*len(b.Entries)
	for _, rid := range b.RIDs {
		n += 1 + len(rid)
	}
	out := make([]byte, 0, n)
	out = append(out, Magic...)
	out = binary.BigEndian.AppendUint16(out, uint16(len(hdr)))
	out = append(out, hdr...)
	out = binary.BigEndian.AppendUint32(out, uint32(len(b.Entries)))
	for i := range b.Entries {
		out = append(out, b.Entries[i][:]...)
	}
	if b.Type == HashSHCRID {
		for _, rid := range b.RIDs {
			out = append(out, byte(len(rid)))
			out = append(out, rid...)
		}
	}
	return out
}

// ParseBatch parses a batch body strictly: the canonical form only (the
// header exactly as Marshal writes it, entries strictly ascending, nothing
// after them), within the limits of internal/limits.
func ParseBatch(body []byte) (*Batch, error) {
	if len(body) > limits.MaxRevocationBatchBytes {
		return nil, batchErr("body is %d bytes, more than %d", len(body), limits.MaxRevocationBatchBytes)
	}
	if len(body) < len(Magic)+2 || string(body[:len(Magic)]) != Magic {
		return nil, batchErr("body does not start with %q", Magic)
	}
	p := body[len(Magic):]
	n := int(binary.BigEndian.Uint16(p))
	p = p[2:]
	if n > limits.MaxRevocationHeader {
		return nil, batchErr("header is %d bytes, more than %d", n, limits.MaxRevocationHeader)
	}
	if len(p) < n+4 {
		return nil, batchErr("body ends inside the header or before the entry count")
	}
	hdr := p[:n]
	p = p[n:]
	var h Header
	dec := json.NewDecoder(bytes.NewReader(hdr))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&h); err != nil {
		return nil, batchErr("header: %v", err)
	}
	if dec.More() {
		return nil, batchErr("header: data after the JSON object")
	}
	b := &Batch{Header: h}
	if err := b.checkHeader(); err != nil {
		return nil, err
	}
	if canon, _ := json.Marshal(h); !bytes.Equal(canon, hdr) {
		return nil, batchErr("%s: header is not in canonical form (want %s)", h.ID, canon)
	}
	count := binary.BigEndian.Uint32(p)
	p = p[4:]
	if count == 0 || count > uint32(maxEntries(b.Type)) {
		return nil, batchErr("%s: %d entries, want 1 to %d", h.ID, count, maxEntries(b.Type))
	}
	var rids []byte
	if b.Type == HashSHCRID {
		if uint64(len(p)) < 16*uint64(count) {
			return nil, batchErr("%s: %d bytes of entries and rids for %d entries of 16 bytes", h.ID, len(p), count)
		}
		p, rids = p[:16*count], p[16*count:]
	}
	if uint64(len(p)) != 16*uint64(count) {
		return nil, batchErr("%s: %d bytes of entries for %d entries of 16 bytes", h.ID, len(p), count)
	}
	b.Entries = make([]Hash, count)
	for i := range b.Entries {
		copy(b.Entries[i][:], p[16*i:])
		if i > 0 && b.Entries[i-1].Compare(b.Entries[i]) >= 0 {
			return nil, batchErr("%s: entry %d is not greater than entry %d (entries are sorted, without duplicates)", h.ID, i, i-1)
		}
	}
	if b.Type == HashSHCRID {
		b.RIDs = make([]string, count)
		for i := range b.RIDs {
			if len(rids) == 0 || len(rids) < 1+int(rids[0]) {
				return nil, batchErr("%s: the body ends before the rid of entry %d", h.ID, i)
			}
			rid := string(rids[1 : 1+int(rids[0])])
			rids = rids[1+len(rid):]
			if err := checkRID(rid); err != nil {
				return nil, batchErr("%s: rid of entry %d: %v", h.ID, i, err)
			}
			if HashOfSHCRID(h.Iss, h.KID, rid) != b.Entries[i] {
				return nil, batchErr("%s: entry %d is not the hash of its rid %q", h.ID, i, rid)
			}
			b.RIDs[i] = rid
		}
		if len(rids) != 0 {
			return nil, batchErr("%s: %d bytes after the last rid", h.ID, len(rids))
		}
	}
	return b, nil
}

// maxEntries is the largest number of entries in a batch of type t.
func maxEntries(t HashType) int {
	if t == HashSHCRID {
		return limits.MaxRevocationSHCEntries
	}
	return limits.MaxRevocationBatchEntries
}

// DeleteRequest is the content of a signed request to delete a batch.
type DeleteRequest struct {
	Format  string `json:"format"` // DeleteFormat
	Country string `json:"country"`
	Batch   string `json:"batch"`
}

// DeleteFormat is DeleteRequest.Format.
const DeleteFormat = "ithc-revocation-delete/1"

// Marshal returns the request's JSON.
func (d DeleteRequest) Marshal() []byte {
	d.Format = DeleteFormat
	out, _ := json.Marshal(d)
	return out
}

// ParseDeleteRequest parses a delete request.
func ParseDeleteRequest(data []byte) (*DeleteRequest, error) {
	if len(data) > limits.MaxRevocationHeader {
		return nil, batchErr("delete request is %d bytes, more than %d", len(data), limits.MaxRevocationHeader)
	}
	var d DeleteRequest
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&d); err != nil {
		return nil, batchErr("delete request: %v", err)
	}
	if dec.More() {
		return nil, batchErr("delete request: data after the JSON object")
	}
	if d.Format != DeleteFormat {
		return nil, batchErr("delete request format %q, want %q", d.Format, DeleteFormat)
	}
	if err := CheckID(d.Batch); err != nil {
		return nil, err
	}
	if len(d.Country) != 2 {
		return nil, batchErr("delete request country %q is not two letters", d.Country)
	}
	return &d, nil
}

// Info is the gateway's description of a stored batch, the data of its
// entry in the signed revocation list: everything a verifier needs to
// decide whether to fetch the batch and to check what it fetched.
type Info struct {
	ID       string    `json:"id"`
	Country  string    `json:"country"`
	KID      string    `json:"kid"`
	HashType string    `json:"hashType"`
	Count    int       `json:"count"`
	Created  time.Time `json:"created"`
	Expires  time.Time `json:"expires"`
	Reason   string    `json:"reason,omitempty"`
	// Iss and RevokedBefore are those of a SHCRID batch.
	Iss           string    `json:"iss,omitempty"`
	RevokedBefore time.Time `json:"revokedBefore,omitzero"`
	// Body is the hex SHA-256 of the batch body (the CMS content).
	Body string `json:"body"`
	// Size is the size of the CMS the gateway serves for the batch.
	Size int `json:"size"`
}

// InfoOf describes b, whose body hashes to bodySum, uploaded in a CMS of
// size bytes.
func InfoOf(b *Batch, bodySum [32]byte, size int) Info {
	return Info{ID: b.ID, Country: b.Country, KID: b.KID, HashType: b.HashType, Count: len(b.Entries),
		Created: b.Created, Expires: b.Expires, Reason: b.Reason, Iss: b.Iss, RevokedBefore: b.RevokedBefore,
		Body: fmt.Sprintf("%x", bodySum), Size: size}
}

// ParseInfo parses the data of a revocation list entry.
func ParseInfo(data []byte) (*Info, error) {
	if len(data) > 2*limits.MaxRevocationHeader {
		return nil, batchErr("batch description is %d bytes, more than %d", len(data), 2*limits.MaxRevocationHeader)
	}
	var in Info
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&in); err != nil {
		return nil, batchErr("batch description: %v", err)
	}
	if err := in.check(); err != nil {
		return nil, err
	}
	return &in, nil
}

func (in *Info) check() error {
	b := &Batch{Header: Header{ID: in.ID, Country: in.Country, KID: in.KID, HashType: in.HashType,
		Created: in.Created, Expires: in.Expires, Reason: in.Reason, Iss: in.Iss, RevokedBefore: in.RevokedBefore}}
	if err := b.checkHeader(); err != nil {
		return err
	}
	if in.Count < 1 || in.Count > maxEntries(b.Type) {
		return batchErr("%s: count %d is not 1 to %d", in.ID, in.Count, maxEntries(b.Type))
	}
	if len(in.Body) != 64 {
		return batchErr("%s: body hash %q is not a hex SHA-256", in.ID, in.Body)
	}
	for i := 0; i < len(in.Body); i++ {
		if c := in.Body[i]; !('0' <= c && c <= '9' || 'a' <= c && c <= 'f') {
			return batchErr("%s: body hash %q is not lowercase hex", in.ID, in.Body)
		}
	}
	if in.Size < 1 || in.Size > limits.MaxCMS {
		return batchErr("%s: size %d is not 1 to %d", in.ID, in.Size, limits.MaxCMS)
	}
	return nil
}

// Matches reports how b differs from the description in, or nil.
func (in *Info) Matches(b *Batch) error {
	if b.ID != in.ID || b.Country != in.Country || b.KID != in.KID || b.HashType != in.HashType ||
		!b.Created.Equal(in.Created) || !b.Expires.Equal(in.Expires) || b.Reason != in.Reason || len(b.Entries) != in.Count ||
		b.Iss != in.Iss || !b.RevokedBefore.Equal(in.RevokedBefore) {
		return batchErr("%s: the body does not match the list's description of it", in.ID)
	}
	return nil
}
