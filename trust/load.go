package trust

import (
	"bufio"
	"bytes"
	"crypto/x509"
	"encoding/base64"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/ithc/ithc/internal/limits"
)

// ErrNoCertificates means an input held no certificate at all.
var ErrNoCertificates = errors.New("trust: no certificate found")

// ErrTooLarge means an input exceeds its cap in internal/limits.
var ErrTooLarge = errors.New("trust: input too large")

// LoadPEM reads signer certificates from r, in any of the forms trust lists
// distribute them:
//
//   - PEM: every CERTIFICATE block. Text between blocks (such as the
//     output of openssl x509 -text) is ignored; blocks of private keys are
//     skipped; any other block type, or a block that does not decode, is an
//     error.
//   - DER: one or more concatenated DER certificates.
//   - Base64 DER, one certificate per line (as the EU DCC trust lists give
//     them); blank lines and lines starting with '#' are ignored.
//
// The input is bounded by limits.MaxCertificatePEM and the number of
// certificates by limits.MaxTrustCertificates. The certificates are parsed
// but not checked: Store.Add decides whether they may sign. An input
// without any certificate returns ErrNoCertificates. On error no
// certificates are returned.
func LoadPEM(r io.Reader) ([]*x509.Certificate, error) {
	data, err := io.ReadAll(io.LimitReader(r, limits.MaxCertificatePEM+1))
	if err != nil {
		return nil, fmt.Errorf("trust: read: %w", err)
	}
	if len(data) > limits.MaxCertificatePEM {
		return nil, fmt.Errorf("%w: more than %d bytes of certificates", ErrTooLarge, limits.MaxCertificatePEM)
	}
	certs, _, err := parseCertificates(data)
	return certs, err
}

// parseCertificates decodes data in the forms LoadPEM accepts. It also
// reports whether the input held a private key.
func parseCertificates(data []byte) (certs []*x509.Certificate, hadKey bool, err error) {
	trimmed := bytes.TrimSpace(data)
	switch {
	case len(trimmed) == 0:
		return nil, false, fmt.Errorf("%w: empty input", ErrNoCertificates)
	case bytes.Contains(data, []byte("-----BEGIN ")):
		certs, hadKey, err = parsePEM(data)
	case data[0] == 0x30: // a DER SEQUENCE; base64 text never starts with '0' for a certificate
		certs, err = x509.ParseCertificates(data)
		if err != nil {
			return nil, false, fmt.Errorf("trust: der: %v", err)
		}
	default:
		certs, err = parseBase64Lines(data)
	}
	if err != nil {
		return nil, hadKey, err
	}
	if len(certs) == 0 {
		return nil, hadKey, ErrNoCertificates
	}
	if len(certs) > limits.MaxTrustCertificates {
		return nil, hadKey, fmt.Errorf("%w: more than %d", ErrTooManyCertificates, limits.MaxTrustCertificates)
	}
	return certs, hadKey, nil
}

func parsePEM(data []byte) ([]*x509.Certificate, bool, error) {
	var certs []*x509.Certificate
	hadKey := false
	err := eachPEMBlock(data, "pem", func(n int, block *pem.Block) error {
		switch {
		case block.Type == "CERTIFICATE":
			if len(certs) >= limits.MaxTrustCertificates {
				return fmt.Errorf("%w: more than %d", ErrTooManyCertificates, limits.MaxTrustCertificates)
			}
			c, err := x509.ParseCertificate(block.Bytes)
			if err != nil {
				return fmt.Errorf("trust: pem: block %d: %v", n, err)
			}
			certs = append(certs, c)
		case strings.HasSuffix(block.Type, "PRIVATE KEY"):
			hadKey = true
		default:
			return fmt.Errorf("trust: pem: block %d: unexpected type %q (want CERTIFICATE)", n, block.Type)
		}
		return nil
	})
	if err != nil {
		return nil, hadKey, err
	}
	return certs, hadKey, nil
}

// eachPEMBlock calls fn with each PEM block of data and its number from 1,
// stopping at fn's first error. Text that starts a block but does not
// decode (bad armour or base64) is an error, where pem.Decode alone would
// stop silently; what names the blocks in that error ("pem", "key").
func eachPEMBlock(data []byte, what string, fn func(n int, block *pem.Block) error) error {
	rest := data
	for n := 1; ; n++ {
		var block *pem.Block
		block, rest = pem.Decode(rest)
		if block == nil {
			if bytes.Contains(rest, []byte("-----BEGIN ")) {
				return fmt.Errorf("trust: %s: block %d is malformed (bad armour or base64)", what, n)
			}
			return nil
		}
		if err := fn(n, block); err != nil {
			return err
		}
	}
}

func parseBase64Lines(data []byte) ([]*x509.Certificate, error) {
	var certs []*x509.Certificate
	sc := bufio.NewScanner(bytes.NewReader(data))
	sc.Buffer(make([]byte, 0, 64<<10), limits.MaxCertificatePEM)
	line := 0
	for sc.Scan() {
		line++
		s := strings.TrimSpace(sc.Text())
		if s == "" || strings.HasPrefix(s, "#") {
			continue
		}
		der, err := base64.StdEncoding.DecodeString(s)
		if err != nil {
			return nil, fmt.Errorf("trust: base64 line %d: not pem, der or base64 der: %v", line, err)
		}
		if len(certs) >= limits.MaxTrustCertificates {
			return nil, fmt.Errorf("%w: more than %d", ErrTooManyCertificates, limits.MaxTrustCertificates)
		}
		c, err := x509.ParseCertificate(der)
		if err != nil {
			return nil, fmt.Errorf("trust: base64 line %d: %v", line, err)
		}
		certs = append(certs, c)
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("trust: base64: %v", err)
	}
	return certs, nil
}

// certificateExts are the file name extensions LoadFiles reads from a
// directory (compared case-insensitively).
var certificateExts = map[string]bool{".pem": true, ".crt": true, ".cer": true, ".der": true}

// LoadFiles builds a Store from certificate files (read as
// LoadCertificateFiles reads them), the country of each signer coming from
// its certificate subject. Any problem is an error naming the file, and no
// store is returned: a verifier should not start on a trust list it only
// half read. Finding no certificate at all returns ErrNoCertificates.
func LoadFiles(paths ...string) (*Store, error) {
	s := NewStore()
	err := eachCertificateFile(paths, func(path string, certs []*x509.Certificate) error {
		for i, c := range certs {
			if err := s.Add(c, ""); err != nil {
				return &FileError{Path: path, Err: fmt.Errorf("certificate %d: %w", i+1, err)}
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	if s.Len() == 0 {
		return nil, fmt.Errorf("%w in %s", ErrNoCertificates, strings.Join(paths, ", "))
	}
	return s, nil
}

// LoadCertificateFiles reads every certificate of the given files and
// directories, without judging them (CAs included). Each path is a file or
// a directory; a directory is walked recursively for *.pem, *.crt, *.cer
// and *.der files (in lexical order; other files are ignored). Every file
// is read as LoadPEM reads. Within a directory, a file that holds private
// keys and no certificate (a key.pem beside a cert.pem) is skipped; named
// explicitly, it is an error. Any other problem is an error naming the
// file (a *FileError). Finding no certificate returns ErrNoCertificates.
func LoadCertificateFiles(paths ...string) ([]*x509.Certificate, error) {
	var all []*x509.Certificate
	err := eachCertificateFile(paths, func(_ string, certs []*x509.Certificate) error {
		if len(all)+len(certs) > limits.MaxTrustCertificates {
			return fmt.Errorf("%w: more than %d certificates", ErrTooLarge, limits.MaxTrustCertificates)
		}
		all = append(all, certs...)
		return nil
	})
	if err != nil {
		return nil, err
	}
	if len(all) == 0 {
		return nil, fmt.Errorf("%w in %s", ErrNoCertificates, strings.Join(paths, ", "))
	}
	return all, nil
}

// eachCertificateFile reads the certificate files paths name and calls fn
// with each file's certificates.
func eachCertificateFile(paths []string, fn func(path string, certs []*x509.Certificate) error) error {
	files := 0
	for _, p := range paths {
		info, err := os.Stat(p)
		if err != nil {
			return fmt.Errorf("trust: %w", err)
		}
		if !info.IsDir() {
			files++
			if err := loadFile(p, false, fn); err != nil {
				return err
			}
			continue
		}
		var list []string
		err = filepath.WalkDir(p, func(path string, d fs.DirEntry, err error) error {
			if err != nil {
				return err
			}
			if d.IsDir() || !certificateExts[strings.ToLower(filepath.Ext(path))] {
				return nil
			}
			if files+len(list) >= limits.MaxTrustFiles {
				return fmt.Errorf("%w: more than %d certificate files", ErrTooLarge, limits.MaxTrustFiles)
			}
			list = append(list, path)
			return nil
		})
		if err != nil {
			return fmt.Errorf("trust: %s: %w", p, err)
		}
		sort.Strings(list)
		for _, f := range list {
			files++
			if err := loadFile(f, true, fn); err != nil {
				return err
			}
		}
	}
	return nil
}

func loadFile(path string, inDir bool, fn func(path string, certs []*x509.Certificate) error) error {
	f, err := os.Open(path)
	if err != nil {
		return fmt.Errorf("trust: %w", err)
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, limits.MaxCertificatePEM+1))
	if err != nil {
		return &FileError{Path: path, Err: err}
	}
	if len(data) > limits.MaxCertificatePEM {
		return &FileError{Path: path, Err: fmt.Errorf("%w: more than %d bytes", ErrTooLarge, limits.MaxCertificatePEM)}
	}
	certs, hadKey, err := parseCertificates(data)
	if err != nil {
		if hadKey && errors.Is(err, ErrNoCertificates) {
			if inDir {
				return nil
			}
			return &FileError{Path: path, Err: fmt.Errorf("holds a private key, not a certificate: %w", ErrNoCertificates)}
		}
		return &FileError{Path: path, Err: err}
	}
	return fn(path, certs)
}

// FileError says which file LoadFiles could not use, and why.
type FileError struct {
	// Path is the file's path as LoadFiles found it.
	Path string
	// Err is the problem; it may wrap ErrNoCertificates, ErrTooLarge,
	// ErrUnsupportedKey or ErrTooManyCertificates.
	Err error
}

// Error returns "trust: PATH: problem".
func (e *FileError) Error() string {
	return "trust: " + e.Path + ": " + strings.TrimPrefix(e.Err.Error(), "trust: ")
}

// Unwrap returns e.Err.
func (e *FileError) Unwrap() error { return e.Err }
