package exporter_test

import (
	"testing"

	"go.uber.org/goleak"
)

// No goroutine outlives the tests: refresh loops, scrapers, servers.
func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }
