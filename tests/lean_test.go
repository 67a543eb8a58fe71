package tests

import (
	"os/exec"
	"strings"
	"testing"
)

// The CLI is a program for users: the testing package and testify must
// not be linked into it (its --demo uses the fake API, which takes a small
// interface rather than testing.TB).
func TestCLIDoesNotLinkTestCode(t *testing.T) {
	t.Parallel()

	out, err := exec.CommandContext(t.Context(), "go", "list", "-deps", "../cmd/openrouter-analytics").CombinedOutput()
	if err != nil {
		t.Fatalf("go list: %v\n%s", err, out)
	}
	for pkg := range strings.FieldsSeq(string(out)) {
		if pkg == "testing" || strings.HasPrefix(pkg, "testing/") || strings.Contains(pkg, "github.com/stretchr/testify") {
			t.Errorf("the CLI links %s", pkg)
		}
	}
}
