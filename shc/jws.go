package shc

import (
	"bytes"
	"compress/flate"
	"compress/zlib"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"strings"
	"sync"

	"github.com/ithc/ithc/internal/limits"
)

// b64 is base64url without padding, strict: padding, characters outside
// the alphabet and non-zero trailing bits are errors.
var b64 = base64.RawURLEncoding.Strict()

// Header is the protected header of a SMART Health Card JWS.
type Header struct {
	// Zip is "DEF": the payload is raw DEFLATE (RFC 1951).
	Zip string `json:"zip"`
	// Alg is "ES256".
	Alg string `json:"alg"`
	// Kid is the RFC 7638 thumbprint of the issuer's key, base64url.
	Kid string `json:"kid"`
}

// JWS is a parsed compact JWS of a SMART Health Card. Nothing in it is
// verified: Verify checks the signature, the key and the payload.
type JWS struct {
	// Header is the protected header.
	Header Header
	// Payload is the inflated payload, the JSON of the card.
	Payload []byte
	// Signature is the ES256 signature, r‖s, 64 bytes.
	Signature []byte
	// SigningInput is the text the signature covers: the first two
	// base64url parts and the dot between them, as received.
	SigningInput string
	// Compact is the whole JWS as received.
	Compact string
}

// ParseJWS parses a compact JWS (RFC 7515) as SMART Health Cards 1.3
// profile it: three base64url parts without padding; a protected header
// with alg "ES256", zip "DEF" and a kid; a raw DEFLATE payload that
// inflates to at most limits.MaxSHCPayload bytes (a bomb is refused as
// soon as it passes that size); a 64-byte r‖s signature. A DER-encoded
// signature is an error (SIGNATURE_FORMAT_ERROR), never converted.
//
// A JWS longer than limits.MaxSHCSingleJWS characters, which needs more
// than one QR code, is returned with a warning (JWS_TOO_LONG).
func ParseJWS(text string) (*JWS, []Finding, error) {
	var warnings []Finding
	if len(text) > limits.MaxSHCJWS {
		return nil, nil, fail(StatusInvalidEncoding, StageJWS, CodeJSONParse, "jws of %d characters, more than %d", len(text), limits.MaxSHCJWS)
	}
	if strings.HasPrefix(text, "\ufeff") {
		return nil, nil, fail(StatusInvalidEncoding, StageJWS, CodeTrailingCharacters, "jws starts with a byte order mark")
	}
	if strings.TrimSpace(text) != text {
		return nil, nil, fail(StatusInvalidEncoding, StageJWS, CodeTrailingCharacters, "jws has leading or trailing white space")
	}
	for i := 0; i < len(text); i++ {
		if !isJWSChar(text[i]) {
			return nil, nil, fail(StatusInvalidEncoding, StageJWS, CodeJSONParse, "character %q at offset %d is not base64url or '.'", text[i], i)
		}
	}
	if len(text) > limits.MaxSHCSingleJWS {
		warnings = append(warnings, warn(CodeJWSTooLong, "jws of %d characters is longer than %d and needs more than one qr code", len(text), limits.MaxSHCSingleJWS))
	}
	parts := strings.Split(text, ".")
	if len(parts) != 3 {
		return nil, nil, fail(StatusInvalidEncoding, StageJWS, CodeJSONParse, "%d dot-separated parts, a compact jws has 3", len(parts))
	}
	names := [3]string{"header", "payload", "signature"}
	var raw [3][]byte
	for i, p := range parts {
		if p == "" {
			return nil, nil, fail(StatusInvalidEncoding, StageJWS, CodeJSONParse, "empty %s part", names[i])
		}
		b, err := b64.DecodeString(p)
		if err != nil {
			return nil, nil, fail(StatusInvalidEncoding, StageJWS, CodeJSONParse, "%s part is not base64url without padding: %v", names[i], err)
		}
		raw[i] = b
	}
	j := &JWS{SigningInput: text[:len(parts[0])+1+len(parts[1])], Compact: text}
	if err := parseHeader(raw[0], &j.Header); err != nil {
		return nil, nil, err
	}
	sig := raw[2]
	switch {
	case len(sig) == 64:
	case len(sig) > 64 && sig[0] == 0x30 && len(sig) > 2 && sig[2] == 0x02:
		return nil, nil, fail(StatusInvalidSigningFormat, StageSignature, CodeSignatureFormat, "the signature is DER-encoded (%d bytes); ES256 in a JWS is the 64-byte r‖s form (RFC 7518 section 3.4)", len(sig))
	default:
		return nil, nil, fail(StatusInvalidSigningFormat, StageSignature, CodeSignatureFormat, "the signature is %d bytes; ES256 is 64 bytes r‖s", len(sig))
	}
	j.Signature = sig
	payload, err := inflate(raw[1], limits.MaxSHCPayload)
	if err != nil {
		return nil, nil, err
	}
	j.Payload = payload
	return j, warnings, nil
}

// parseHeader checks the protected header.
func parseHeader(raw []byte, h *Header) error {
	if len(raw) > limits.MaxSHCHeader {
		return fail(StatusInvalidSigningFormat, StageHeader, CodeJWSHeader, "header of %d bytes, more than %d", len(raw), limits.MaxSHCHeader)
	}
	tree, err := parseJSON(raw)
	if err != nil {
		return fail(StatusInvalidSigningFormat, StageHeader, CodeJWSHeader, "header is not json: %v", err)
	}
	m, ok := tree.(map[string]any)
	if !ok {
		return fail(StatusInvalidSigningFormat, StageHeader, CodeJWSHeader, "header is %s, not an object", jsonType(tree))
	}
	get := func(k string) (string, bool, error) {
		v, present := m[k]
		if !present {
			return "", false, nil
		}
		s, ok := v.(string)
		if !ok {
			return "", true, fail(StatusInvalidSigningFormat, StageHeader, CodeJWSHeader, "header %q is %s, not a string", k, jsonType(v))
		}
		return s, true, nil
	}
	if _, ok := m["crit"]; ok {
		return fail(StatusInvalidSigningFormat, StageHeader, CodeJWSHeader, "header has \"crit\": no extension is understood")
	}
	alg, hasAlg, err := get("alg")
	if err != nil {
		return err
	}
	switch {
	case !hasAlg:
		return fail(StatusInvalidSigningFormat, StageHeader, CodeJWSHeader, "header has no \"alg\"; SMART Health Cards use \"ES256\"")
	case alg != "ES256":
		return fail(StatusInvalidSigningFormat, StageHeader, CodeJWSHeader, "header \"alg\" is %q; SMART Health Cards use \"ES256\"", alg)
	}
	zip, hasZip, err := get("zip")
	if err != nil {
		return err
	}
	switch {
	case !hasZip:
		return fail(StatusInvalidSigningFormat, StageHeader, CodeJWSHeader, "header has no \"zip\"; the payload must be compressed, \"zip\": \"DEF\"")
	case zip != "DEF":
		return fail(StatusInvalidSigningFormat, StageHeader, CodeJWSHeader, "header \"zip\" is %q, not \"DEF\"", zip)
	}
	kid, hasKid, err := get("kid")
	if err != nil {
		return err
	}
	if !hasKid || kid == "" {
		return fail(StatusKIDNotIncluded, StageHeader, CodeJWSHeader, "header has no \"kid\": the signing key cannot be found")
	}
	*h = Header{Zip: zip, Alg: alg, Kid: kid}
	return nil
}

// inflaters pools DEFLATE readers: a new one allocates its 32 KiB window.
var inflaters sync.Pool

// inflate decompresses raw DEFLATE data (RFC 1951) of at most max bytes
// decompressed. It stops reading as soon as the output passes max, and
// refuses data after the final block.
func inflate(data []byte, max int) ([]byte, error) {
	r := bytes.NewReader(data)
	fr, _ := inflaters.Get().(io.ReadCloser)
	if fr == nil {
		fr = flate.NewReader(r)
	} else if err := fr.(flate.Resetter).Reset(r, nil); err != nil {
		fr = flate.NewReader(r)
	}
	defer inflaters.Put(fr)
	out, err := io.ReadAll(io.LimitReader(fr, int64(max)+1))
	if err != nil {
		detail := fmt.Sprintf("the payload is not raw deflate: %v", err)
		if zr, zerr := zlib.NewReader(bytes.NewReader(data)); zerr == nil {
			if _, zerr := io.Copy(io.Discard, io.LimitReader(zr, int64(max)+1)); zerr == nil {
				detail = "the payload is zlib (a deflate stream with a header and checksum), not raw deflate"
			}
		}
		return nil, fail(StatusInvalidCompression, StageDeflate, CodeInflation, "%s", detail)
	}
	if len(out) > max {
		return nil, fail(StatusInvalidCompression, StageDeflate, CodeInflation, "the payload inflates to more than %d bytes", max)
	}
	if r.Len() != 0 {
		return nil, fail(StatusInvalidCompression, StageDeflate, CodeInflation, "%d bytes after the end of the deflate stream", r.Len())
	}
	return out, nil
}

// deflaters pools DEFLATE writers: a new one allocates about 800 KiB.
var deflaters sync.Pool

// deflate compresses data as raw DEFLATE at the best compression.
func deflate(data []byte) ([]byte, error) {
	var buf bytes.Buffer
	w, _ := deflaters.Get().(*flate.Writer)
	if w == nil {
		var err error
		if w, err = flate.NewWriter(&buf, flate.BestCompression); err != nil {
			return nil, err
		}
	} else {
		w.Reset(&buf)
	}
	defer deflaters.Put(w)
	if _, err := w.Write(data); err != nil {
		return nil, err
	}
	if err := w.Close(); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

var errNotES256 = errors.New("shc: not a P-256 key")
