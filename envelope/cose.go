package envelope

import (
	"bytes"
	"fmt"

	"github.com/ithc/ithc/internal/limits"
)

// This file reads and writes the outer COSE_Encrypt (RFC 9052 §5.1) of an
// encrypted code. The structure is fixed (docs/format.md §8), so the
// reader is a strict one for exactly that shape rather than a general CBOR
// decoder: definite lengths in their shortest form, the header maps with
// exactly the labels ITHC writes, in deterministic order, and nothing after
// the last byte. Every accepted input is therefore the one encoding of its
// content: Marshal(Parse(b)) == b, which FuzzParse checks.

// COSE labels and values used by the envelope.
const (
	tagCOSEEncrypt = 96 // COSE_Encrypt

	labelAlg = 1  // alg
	labelKID = 4  // kid
	labelIV  = 5  // IV
	labelEK  = -4 // ek, the HPKE encapsulated key (draft-ietf-cose-hpke)

	// AlgA128GCM is the content encryption algorithm (RFC 9053 §4.1).
	AlgA128GCM = 1
)

// HPKE key encryption algorithms of draft-ietf-cose-hpke (key encryption
// mode, "-KE"). The values are those the draft suggests and public
// implementations use until IANA registers them; they live here only.
const (
	// AlgHPKE0KE is HPKE-0-KE: DHKEM(P-256, HKDF-SHA256), HKDF-SHA256,
	// AES-128-GCM.
	AlgHPKE0KE = 46
	// AlgHPKE3KE is HPKE-3-KE: DHKEM(X25519, HKDF-SHA256), HKDF-SHA256,
	// AES-128-GCM.
	AlgHPKE3KE = 49
)

// Sizes fixed by the algorithms.
const (
	ivSize     = 12 // AES-GCM nonce
	tagSize    = 16 // AES-GCM tag
	cekSize    = 16 // AES-128 content key
	wrappedCEK = cekSize + tagSize
)

// encSize returns the size of the encapsulated key of alg (Nenc, RFC 9180
// §7.1), or 0 for an unknown algorithm.
func encSize(alg int64) int {
	switch alg {
	case AlgHPKE0KE:
		return 65 // uncompressed P-256 point
	case AlgHPKE3KE:
		return 32
	}
	return 0
}

// algName names a key encryption algorithm as the draft does.
func algName(alg int64) string {
	switch alg {
	case AlgHPKE0KE:
		return "HPKE-0-KE"
	case AlgHPKE3KE:
		return "HPKE-3-KE"
	}
	return fmt.Sprintf("alg %d", alg)
}

// contentProtected is the only content protected header: {1: 1}.
var contentProtected = []byte{0xa1, 0x01, AlgA128GCM}

// message is a parsed COSE_Encrypt.
type message struct {
	iv         []byte
	ciphertext []byte // AES-GCM ciphertext and tag
	recipients []recipient
	// recipientsRaw is the encoded recipients array: the external AAD of
	// the content encryption, so that no byte of any recipient can change
	// without every recipient's decryption failing.
	recipientsRaw []byte
}

// recipient is one COSE_recipient.
type recipient struct {
	alg          int64
	protected    []byte // encoded {1: alg}
	kid          []byte
	ek           []byte
	encryptedKey []byte
}

// recipientProtected returns the encoded protected header {1: alg}.
func recipientProtected(alg int64) []byte {
	return appendUint(appendHead(nil, majorMap, 1), labelAlg, alg)
}

// CBOR major types.
const (
	majorUint  = 0
	majorNint  = 1
	majorBytes = 2
	majorArray = 4
	majorMap   = 5
	majorTag   = 6
)

// appendHead appends a CBOR head in its shortest form.
func appendHead(b []byte, major byte, n uint64) []byte {
	m := major << 5
	switch {
	case n < 24:
		return append(b, m|byte(n))
	case n <= 0xff:
		return append(b, m|24, byte(n))
	case n <= 0xffff:
		return append(b, m|25, byte(n>>8), byte(n))
	case n <= 0xffffffff:
		return append(b, m|26, byte(n>>24), byte(n>>16), byte(n>>8), byte(n))
	}
	return append(b, m|27, byte(n>>56), byte(n>>48), byte(n>>40), byte(n>>32), byte(n>>24), byte(n>>16), byte(n>>8), byte(n))
}

// appendInt appends an integer.
func appendInt(b []byte, v int64) []byte {
	if v < 0 {
		return appendHead(b, majorNint, uint64(-1-v))
	}
	return appendHead(b, majorUint, uint64(v))
}

// appendUint appends a map pair of an integer label and an integer value.
func appendUint(b []byte, label, v int64) []byte {
	return appendInt(appendInt(b, label), v)
}

func appendBytes(b, v []byte) []byte {
	return append(appendHead(b, majorBytes, uint64(len(v))), v...)
}

// marshalRecipients encodes the recipients array.
func marshalRecipients(rs []recipient) []byte {
	b := appendHead(nil, majorArray, uint64(len(rs)))
	for _, r := range rs {
		b = appendHead(b, majorArray, 3)
		b = appendBytes(b, r.protected)
		b = appendHead(b, majorMap, 2)
		b = appendBytes(appendInt(b, labelKID), r.kid)
		b = appendBytes(appendInt(b, labelEK), r.ek)
		b = appendBytes(b, r.encryptedKey)
	}
	return b
}

// marshal encodes m; recipientsRaw must be marshalRecipients(m.recipients).
func (m *message) marshal() []byte {
	b := appendHead(nil, majorTag, tagCOSEEncrypt)
	b = appendHead(b, majorArray, 4)
	b = appendBytes(b, contentProtected)
	b = appendHead(b, majorMap, 1)
	b = appendBytes(appendInt(b, labelIV), m.iv)
	b = appendBytes(b, m.ciphertext)
	return append(b, m.recipientsRaw...)
}

// reader reads the CBOR of one message; errors name the offset.
type reader struct {
	b   []byte
	off int
}

func (r *reader) errorf(format string, args ...any) error {
	return fmt.Errorf("%w: %s at byte %d", ErrMalformed, fmt.Sprintf(format, args...), r.off)
}

// head reads a head of the wanted major type, in its shortest form, with a
// definite argument.
func (r *reader) head(major byte, what string) (uint64, error) {
	if r.off >= len(r.b) {
		return 0, r.errorf("%s: unexpected end of data", what)
	}
	start := r.off
	ib := r.b[r.off]
	if ib>>5 != major {
		return 0, r.errorf("%s: CBOR major type %d, want %d", what, ib>>5, major)
	}
	ai := ib & 0x1f
	r.off++
	var n uint64
	var size int
	switch {
	case ai < 24:
		return uint64(ai), nil
	case ai == 24:
		size = 1
	case ai == 25:
		size = 2
	case ai == 26:
		size = 4
	case ai == 27:
		size = 8
	default:
		r.off = start
		return 0, r.errorf("%s: indefinite or reserved length (additional information %d)", what, ai)
	}
	if len(r.b)-r.off < size {
		r.off = start
		return 0, r.errorf("%s: truncated head", what)
	}
	for _, c := range r.b[r.off : r.off+size] {
		n = n<<8 | uint64(c)
	}
	r.off += size
	if n < shortest(size) {
		r.off = start
		return 0, r.errorf("%s: length or value not in its shortest form", what)
	}
	return n, nil
}

// shortest returns the smallest argument that needs size bytes.
func shortest(size int) uint64 {
	switch size {
	case 1:
		return 24
	case 2:
		return 0x100
	case 4:
		return 0x10000
	}
	return 0x100000000
}

// bytes reads a byte string of at most max bytes.
func (r *reader) bytes(what string, max int) ([]byte, error) {
	n, err := r.head(majorBytes, what)
	if err != nil {
		return nil, err
	}
	if n > uint64(max) {
		return nil, r.errorf("%s: %d bytes, more than %d", what, n, max)
	}
	if uint64(len(r.b)-r.off) < n {
		return nil, r.errorf("%s: %d bytes announced, %d left", what, n, len(r.b)-r.off)
	}
	v := r.b[r.off : r.off+int(n)]
	r.off += int(n)
	return v, nil
}

// expect reads a head and requires its argument to be want.
func (r *reader) expect(major byte, want uint64, what string) error {
	start := r.off
	n, err := r.head(major, what)
	if err != nil {
		return err
	}
	if n != want {
		r.off = start
		return r.errorf("%s: %d, want %d", what, n, want)
	}
	return nil
}

// label reads a map label and requires it to be want.
func (r *reader) label(want int64, what string) error {
	if want < 0 {
		return r.expect(majorNint, uint64(-1-want), what+" label")
	}
	return r.expect(majorUint, uint64(want), what+" label")
}

// parseMessage parses the CBOR of an encrypted code.
func parseMessage(b []byte) (*message, error) {
	r := &reader{b: b}
	if err := r.expect(majorTag, tagCOSEEncrypt, "COSE_Encrypt tag"); err != nil {
		return nil, err
	}
	if err := r.expect(majorArray, 4, "COSE_Encrypt array length"); err != nil {
		return nil, err
	}
	prot, err := r.bytes("content protected header", 16)
	if err != nil {
		return nil, err
	}
	if !bytes.Equal(prot, contentProtected) {
		r.off -= len(prot)
		return nil, r.errorf("content protected header %x: want exactly {1: 1} (A128GCM)", prot)
	}
	if err := r.expect(majorMap, 1, "content unprotected header size"); err != nil {
		return nil, err
	}
	if err := r.label(labelIV, "content unprotected header: IV"); err != nil {
		return nil, err
	}
	m := &message{}
	if m.iv, err = r.bytes("IV", ivSize); err != nil {
		return nil, err
	}
	if len(m.iv) != ivSize {
		return nil, r.errorf("IV of %d bytes, want %d", len(m.iv), ivSize)
	}
	if m.ciphertext, err = r.bytes("ciphertext", limits.MaxCOSE+tagSize); err != nil {
		return nil, err
	}
	if len(m.ciphertext) < tagSize {
		return nil, r.errorf("ciphertext of %d bytes, shorter than the %d-byte tag", len(m.ciphertext), tagSize)
	}
	start := r.off
	n, err := r.head(majorArray, "recipients")
	if err != nil {
		return nil, err
	}
	if n == 0 || n > limits.MaxRecipients {
		return nil, r.errorf("%d recipients, want 1 to %d", n, limits.MaxRecipients)
	}
	for i := range int(n) {
		what := fmt.Sprintf("recipient %d", i+1)
		rc, err := r.recipient(what)
		if err != nil {
			return nil, err
		}
		for j, o := range m.recipients {
			if bytes.Equal(o.kid, rc.kid) {
				return nil, r.errorf("%s repeats the key identifier of recipient %d", what, j+1)
			}
		}
		m.recipients = append(m.recipients, rc)
	}
	m.recipientsRaw = b[start:r.off]
	if r.off != len(b) {
		return nil, r.errorf("%d bytes after the COSE_Encrypt", len(b)-r.off)
	}
	return m, nil
}

// recipient reads one COSE_recipient.
func (r *reader) recipient(what string) (recipient, error) {
	var rc recipient
	if err := r.expect(majorArray, 3, what+": array length"); err != nil {
		return rc, err
	}
	prot, err := r.bytes(what+": protected header", 16)
	if err != nil {
		return rc, err
	}
	switch {
	case bytes.Equal(prot, recipientProtected(AlgHPKE0KE)):
		rc.alg = AlgHPKE0KE
	case bytes.Equal(prot, recipientProtected(AlgHPKE3KE)):
		rc.alg = AlgHPKE3KE
	default:
		r.off -= len(prot)
		return rc, r.errorf("%s: protected header %x: want exactly {1: %d} (HPKE-0-KE) or {1: %d} (HPKE-3-KE)", what, prot, AlgHPKE0KE, AlgHPKE3KE)
	}
	rc.protected = prot
	if err := r.expect(majorMap, 2, what+": unprotected header size"); err != nil {
		return rc, err
	}
	if err := r.label(labelKID, what+": kid"); err != nil {
		return rc, err
	}
	if rc.kid, err = r.bytes(what+": kid", limits.MaxEnvelopeKID); err != nil {
		return rc, err
	}
	if len(rc.kid) == 0 {
		return rc, r.errorf("%s: empty kid", what)
	}
	if err := r.label(labelEK, what+": ek"); err != nil {
		return rc, err
	}
	if rc.ek, err = r.bytes(what+": ek", 128); err != nil {
		return rc, err
	}
	if want := encSize(rc.alg); len(rc.ek) != want {
		return rc, r.errorf("%s: encapsulated key of %d bytes, want %d for %s", what, len(rc.ek), want, algName(rc.alg))
	}
	if rc.encryptedKey, err = r.bytes(what+": encrypted key", 64); err != nil {
		return rc, err
	}
	if len(rc.encryptedKey) != wrappedCEK {
		return rc, r.errorf("%s: encrypted key of %d bytes, want %d", what, len(rc.encryptedKey), wrappedCEK)
	}
	return rc, nil
}

// encStructure returns the AAD of the content encryption, the
// Enc_structure of RFC 9052 §5.3: ["Encrypt", protected, external_aad]
// with the encoded recipients array as external_aad.
func encStructure(recipientsRaw []byte) []byte {
	b := appendHead(nil, majorArray, 3)
	b = appendHead(b, 3, uint64(len("Encrypt")))
	b = append(b, "Encrypt"...)
	b = appendBytes(b, contentProtected)
	return appendBytes(b, recipientsRaw)
}

// recipientStructure returns the HPKE info of a recipient, the
// Recipient_structure of draft-ietf-cose-hpke key encryption:
// ["HPKE Recipient", next_layer_alg, recipient_protected, extra_info]
// with next_layer_alg A128GCM and an empty extra_info.
func recipientStructure(protected []byte) []byte {
	b := appendHead(nil, majorArray, 4)
	b = appendHead(b, 3, uint64(len("HPKE Recipient")))
	b = append(b, "HPKE Recipient"...)
	b = appendInt(b, AlgA128GCM)
	b = appendBytes(b, protected)
	return appendBytes(b, nil)
}
