package limits

import (
	"fmt"
	"io"
	"os"
)

// ReadFile reads a whole file of at most max bytes. A larger file is an
// error, never a silent truncation; errors from opening the file are
// returned as they are (errors.Is(err, fs.ErrNotExist) works).
func ReadFile(path string, max int64) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	b, err := io.ReadAll(io.LimitReader(f, max+1))
	if err != nil {
		return nil, fmt.Errorf("reading %s: %w", path, err)
	}
	if int64(len(b)) > max {
		return nil, fmt.Errorf("%s is larger than %d bytes", path, max)
	}
	return b, nil
}
