package shc

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/ithc/ithc/internal/limits"
)

// qrPrefix starts every SMART Health Card QR text.
const qrPrefix = "shc:/"

// IsQR reports whether text looks like a SMART Health Card QR text (it
// starts with "shc:/"); it says nothing about the rest.
func IsQR(text string) bool { return strings.HasPrefix(text, qrPrefix) }

// EncodeQR returns the numeric QR text of a compact JWS: "shc:/" and two
// decimal digits per character, the character's code minus 45. The JWS
// must be at most limits.MaxSHCSingleJWS characters of the base64url
// alphabet and dots: the deprecated chunked form is never produced.
func EncodeQR(jws string) (string, error) {
	if jws == "" {
		return "", fmt.Errorf("shc: empty jws")
	}
	if len(jws) > limits.MaxSHCSingleJWS {
		return "", fmt.Errorf("shc: jws of %d characters does not fit one qr code (at most %d)", len(jws), limits.MaxSHCSingleJWS)
	}
	var b strings.Builder
	b.Grow(len(qrPrefix) + 2*len(jws))
	b.WriteString(qrPrefix)
	for i := 0; i < len(jws); i++ {
		c := jws[i]
		if !isJWSChar(c) {
			return "", fmt.Errorf("shc: jws character %q at offset %d is not base64url or '.'", c, i)
		}
		v := c - '-'
		b.WriteByte('0' + v/10)
		b.WriteByte('0' + v%10)
	}
	return b.String(), nil
}

// isJWSChar reports whether c may appear in a compact JWS.
func isJWSChar(c byte) bool {
	return c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-' || c == '_' || c == '.'
}

// DecodeQR returns the compact JWS carried by a SMART Health Card QR code:
// one text "shc:/<digits>", or the texts of every chunk of the deprecated
// chunked form "shc:/<i>/<n>/<digits>", in any order. The result is
// checked against the QR rules only; ParseJWS checks the JWS.
//
// Errors (an *Error with stage qr) name the chunk and offset: surrounding
// white space, a wrong prefix or chunk header, a missing or repeated chunk,
// a character other than a digit, an odd number of digits, a digit pair
// above 77 (the code of 'z'), or a JWS part longer than a QR code of
// version 22 holds (1195 characters, 1191 per chunk).
//
// The warnings found before an error are returned with it.
//
// Warnings: the chunked form is deprecated (QR_CHUNKING_DEPRECATED); a
// single code written "shc:/1/1/" (INVALID_NUMERIC_QR_HEADER); chunks of a
// JWS that fits one code (INVALID_QR); chunks of unbalanced sizes
// (UNBALANCED_QR_CHUNKS).
func DecodeQR(chunks ...string) (jws string, warnings []Finding, err error) {
	n := len(chunks)
	if n == 0 {
		return "", warnings, fail(StatusInvalidEncoding, StageQR, CodeInvalidNumericQR, "no qr text")
	}
	if n > limits.MaxSHCChunks {
		return "", warnings, fail(StatusInvalidEncoding, StageQR, CodeInvalidNumericQR, "%d qr chunks, at most %d are read", n, limits.MaxSHCChunks)
	}
	parts := make([]string, n)
	if n > 1 {
		warnings = append(warnings, warn(CodeQRChunkingDeprecated, "the code is split into %d chunks (shc:/i/n/), a form the specification deprecated", n))
	}
	for k, text := range chunks {
		where := "qr text"
		if n > 1 {
			where = fmt.Sprintf("qr chunk %d (given as number %d)", k+1, k+1)
		}
		if len(text) > limits.MaxSHCQRText {
			return "", warnings, fail(StatusInvalidEncoding, StageQR, CodeInvalidNumericQR, "%s is %d characters long, more than a qr code holds (%d)", where, len(text), limits.MaxSHCQRText)
		}
		if strings.TrimSpace(text) != text {
			return "", warnings, fail(StatusInvalidEncoding, StageQR, CodeTrailingCharacters, "%s has leading or trailing white space", where)
		}
		if !strings.HasPrefix(text, qrPrefix) {
			return "", warnings, fail(StatusInvalidEncoding, StageQR, CodeInvalidQRHeader, "%s does not start with %q", where, qrPrefix)
		}
		rest := text[len(qrPrefix):]
		index, total, body, isChunk := chunkHeader(rest)
		switch {
		case n == 1 && isChunk && total == 1:
			warnings = append(warnings, warn(CodeInvalidQRHeader, "a single qr code should start with %q, not %q", qrPrefix, qrPrefix+"1/1/"),
				warn(CodeQRChunkingDeprecated, "the code is written as chunk 1 of 1 (shc:/1/1/), a form the specification deprecated"))
		case n == 1 && isChunk:
			return "", warnings, fail(StatusInvalidEncoding, StageQR, CodeMissingQRChunk, "the qr text is chunk %d of %d: the other chunks are missing", index, total)
		case n > 1 && !isChunk:
			return "", warnings, fail(StatusInvalidEncoding, StageQR, CodeInvalidQRHeader, "%s has no chunk header %q", where, qrPrefix+"i/n/")
		case n > 1 && total != n:
			return "", warnings, fail(StatusInvalidEncoding, StageQR, CodeMissingQRChunk, "%s says the code has %d chunks, %d were given", where, total, n)
		}
		if isChunk {
			if index > total {
				return "", warnings, fail(StatusInvalidEncoding, StageQR, CodeInvalidQRHeader, "%s has chunk index %d, above the chunk count %d", where, index, total)
			}
			if parts[index-1] != "" {
				return "", warnings, fail(StatusInvalidEncoding, StageQR, CodeInvalidQRHeader, "%s repeats chunk index %d", where, index)
			}
		} else {
			index, body = 1, rest
		}
		part, err := decodeDigits(body)
		if err != nil {
			return "", warnings, fail(StatusInvalidEncoding, StageQR, CodeInvalidNumericQR, "%s: %v", where, err)
		}
		max := limits.MaxSHCSingleJWS
		if n > 1 {
			max = limits.MaxSHCChunkJWS
		}
		if len(part) > max {
			return "", warnings, fail(StatusInvalidEncoding, StageQR, CodeInvalidNumericQR, "%s carries %d jws characters, more than one qr code of version 22 holds (%d)", where, len(part), max)
		}
		parts[index-1] = part
	}
	jws = strings.Join(parts, "")
	if n > 1 {
		if len(jws) <= limits.MaxSHCSingleJWS {
			warnings = append(warnings, warn(CodeInvalidQR, "the jws of %d characters fits one qr code but was split into %d chunks", len(jws), n))
		}
		// Balanced: every chunk within 0.5% of the even share, as the
		// specification's validator measures it.
		even := len(jws) / n
		slack := (even*5 + 999) / 1000
		for _, p := range parts {
			if len(p) < even-slack || len(p) > even+slack {
				sizes := make([]string, n)
				for i, q := range parts {
					sizes[i] = strconv.Itoa(len(q))
				}
				warnings = append(warnings, warn(CodeUnbalancedQRChunks, "qr chunk sizes are unbalanced: %s", strings.Join(sizes, ", ")))
				break
			}
		}
	}
	return jws, warnings, nil
}

// chunkHeader parses "<i>/<n>/<body>" with i, n positive decimal numbers
// without leading zeros.
func chunkHeader(s string) (index, total int, body string, ok bool) {
	i1 := strings.IndexByte(s, '/')
	if i1 <= 0 {
		return 0, 0, "", false
	}
	i2 := strings.IndexByte(s[i1+1:], '/')
	if i2 <= 0 {
		return 0, 0, "", false
	}
	a, b := s[:i1], s[i1+1:i1+1+i2]
	index, ok1 := positive(a)
	total, ok2 := positive(b)
	if !ok1 || !ok2 {
		return 0, 0, "", false
	}
	return index, total, s[i1+1+i2+1:], true
}

// positive parses a positive decimal number of at most 4 digits without a
// leading zero.
func positive(s string) (int, bool) {
	if s == "" || len(s) > 4 || s[0] == '0' {
		return 0, false
	}
	v := 0
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return 0, false
		}
		v = v*10 + int(s[i]-'0')
	}
	return v, true
}

// decodeDigits turns pairs of digits into JWS characters.
func decodeDigits(s string) (string, error) {
	if s == "" {
		return "", fmt.Errorf("no digits")
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return "", fmt.Errorf("character %q at offset %d of the digits is not a digit", s[i], i)
		}
	}
	if len(s)%2 != 0 {
		return "", fmt.Errorf("odd number of digits (%d): digits come in pairs", len(s))
	}
	out := make([]byte, len(s)/2)
	for i := range out {
		v := (s[2*i]-'0')*10 + s[2*i+1] - '0'
		if v > 'z'-'-' {
			return "", fmt.Errorf("digit pair %02d at offset %d is above 77, the code of 'z'", v, 2*i)
		}
		out[i] = '-' + v
	}
	return string(out), nil
}
