package envelope

import (
	"bytes"
	"crypto/aes"
	"crypto/cipher"
	"crypto/ecdh"
	"crypto/hpke"
	"crypto/rand"
	"fmt"
	"io"

	"github.com/ithc/ithc/internal/base45"
	"github.com/ithc/ithc/internal/limits"
)

// Recipient is a key a code is encrypted for.
type Recipient struct {
	// Country is the recipient country (ISO 3166-1 alpha-2); it is not
	// written in the code, only used in messages.
	Country string
	// KID is the key identifier written in the code (KeyID of Key for
	// published keys).
	KID []byte
	// Key is the recipient's public key: P-256 or X25519.
	Key *ecdh.PublicKey
}

// SealOptions configure Seal. The zero value is ready to use.
type SealOptions struct {
	// Rand is the source of the content key and nonce; nil means
	// crypto/rand. The HPKE ephemeral keys always come from crypto/rand
	// (crypto/hpke takes no other source).
	Rand io.Reader
}

// Seal encrypts the signed HC1 code inner ("HC1:...") for recipients and
// returns the encrypted code ("HCE1:..."). Recipients must hold 1 to
// limits.MaxRecipients keys with distinct key identifiers; their order is
// kept.
func Seal(inner string, recipients []Recipient, opts SealOptions) (string, error) {
	plaintext, err := innerCOSE(inner)
	if err != nil {
		return "", err
	}
	if len(recipients) == 0 || len(recipients) > limits.MaxRecipients {
		return "", fmt.Errorf("envelope: seal: %d recipients, want 1 to %d", len(recipients), limits.MaxRecipients)
	}
	rnd := opts.Rand
	if rnd == nil {
		rnd = rand.Reader
	}
	cek := make([]byte, cekSize)
	iv := make([]byte, ivSize)
	if _, err := io.ReadFull(rnd, cek); err != nil {
		return "", fmt.Errorf("envelope: seal: content key: %v", err)
	}
	if _, err := io.ReadFull(rnd, iv); err != nil {
		return "", fmt.Errorf("envelope: seal: nonce: %v", err)
	}
	m := &message{iv: iv}
	for i, r := range recipients {
		name := recipientName(i, r)
		if r.Key == nil {
			return "", fmt.Errorf("envelope: seal: %s: no public key", name)
		}
		if len(r.KID) == 0 || len(r.KID) > limits.MaxEnvelopeKID {
			return "", fmt.Errorf("envelope: seal: %s: key identifier of %d bytes, want 1 to %d", name, len(r.KID), limits.MaxEnvelopeKID)
		}
		for j := range i {
			if bytes.Equal(recipients[j].KID, r.KID) {
				return "", fmt.Errorf("envelope: seal: %s repeats the key identifier of %s", name, recipientName(j, recipients[j]))
			}
		}
		alg, err := algFor(r.Key.Curve())
		if err != nil {
			return "", fmt.Errorf("envelope: seal: %s: %w", name, err)
		}
		pk, err := hpke.NewDHKEMPublicKey(r.Key)
		if err != nil {
			return "", fmt.Errorf("envelope: seal: %s: %v", name, err)
		}
		prot := recipientProtected(alg)
		enc, sender, err := hpke.NewSender(pk, hpke.HKDFSHA256(), hpke.AES128GCM(), recipientStructure(prot))
		if err != nil {
			return "", fmt.Errorf("envelope: seal: %s: %v", name, err)
		}
		wrapped, err := sender.Seal(nil, cek)
		if err != nil {
			return "", fmt.Errorf("envelope: seal: %s: %v", name, err)
		}
		m.recipients = append(m.recipients, recipient{alg: alg, protected: prot, kid: r.KID, ek: enc, encryptedKey: wrapped})
	}
	m.recipientsRaw = marshalRecipients(m.recipients)
	aead, err := newGCM(cek)
	if err != nil {
		return "", err
	}
	m.ciphertext = aead.Seal(nil, iv, plaintext, encStructure(m.recipientsRaw))
	text := Prefix + base45.Encode(m.marshal())
	if len(text) > limits.MaxEnvelopeText {
		return "", fmt.Errorf("envelope: seal: the encrypted code has %d characters, more than the %d a QR code holds; encrypt for fewer countries", len(text), limits.MaxEnvelopeText)
	}
	return text, nil
}

func newGCM(key []byte) (cipher.AEAD, error) {
	block, err := aes.NewCipher(key)
	if err != nil {
		return nil, fmt.Errorf("envelope: %v", err)
	}
	return cipher.NewGCM(block)
}

func recipientName(i int, r Recipient) string {
	if r.Country != "" {
		return fmt.Sprintf("recipient %d (%s)", i+1, r.Country)
	}
	return fmt.Sprintf("recipient %d", i+1)
}

func errorsf(sentinel error, format string, args ...any) error {
	return fmt.Errorf("%w: "+format, append([]any{sentinel}, args...)...)
}
