// Package shareddata locates, for tests, the test data of real deployments
// that lives outside the repository in ../shared/testdata (DESIGN.md): EU
// DCC conformance vectors, schemas, value sets and signature vectors. The
// data is never copied into the repository.
//
// Use Path in tests: it skips a test whose data is absent, except under
// CI=true, where missing data is a failure.
package shareddata

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
)

// Find returns the path of ../shared/testdata/sub beside the module root
// (the first directory holding go.mod above the working directory), or an
// error when it does not exist.
func Find(sub string) (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			break
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", errors.New("shareddata: no go.mod above the working directory")
		}
		dir = parent
	}
	p := filepath.Join(dir, "..", "shared", "testdata", sub)
	if _, err := os.Stat(p); err != nil {
		return "", err
	}
	return p, nil
}

// Path returns Find(sub). When the data is absent it skips t with a clear
// message, or fails t when the environment variable CI is "true".
func Path(t testing.TB, sub string) string {
	t.Helper()
	p, err := Find(sub)
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("shared test data %q is missing (required under CI=true): %v", sub, err)
		}
		t.Skipf("shared test data %q is absent (put the shared test data in ../shared/testdata beside the repository): %v", sub, err)
	}
	return p
}

// DGCFiles returns, sorted, every EU DCC test file of the shared data: the
// */2DCode/raw/*.json files below dgc/ (folder names compared without case:
// Ireland writes 2DCode/Raw). It skips or fails t as Path does, and fails t
// when the folder holds no test file.
func DGCFiles(t testing.TB) []string {
	t.Helper()
	root := Path(t, "dgc")
	var files []string
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.EqualFold(filepath.Ext(p), ".json") {
			return err
		}
		raw := filepath.Dir(p)
		if strings.EqualFold(filepath.Base(raw), "raw") && strings.EqualFold(filepath.Base(filepath.Dir(raw)), "2DCode") {
			files = append(files, p)
		}
		return nil
	})
	if err != nil {
		t.Fatalf("shareddata: walking %s: %v", root, err)
	}
	if len(files) == 0 {
		t.Fatalf("shareddata: no */2DCode/raw/*.json test files under %s", root)
	}
	sort.Strings(files)
	return files
}
