// Package retrytest holds the retry policies the tests over real
// loopback sockets share. The waits themselves are tested in package
// sdk under testing/synctest, where time is virtual; over real sockets
// a test only needs retries that come at once, or never in its time.
package retrytest

import (
	"time"

	"github.com/a2d11fc8/openrouter-analytics-go/sdk"
)

// Fast retries at once (a nanosecond apart), as many times as the
// client's retry count allows.
func Fast() sdk.CallOption {
	return sdk.WithBackoff(sdk.BackoffStrategy{InitialInterval: time.Nanosecond, MaxInterval: time.Nanosecond})
}

// Patient retries only after an hour, so that a call's deadline always
// falls inside its first wait.
func Patient() sdk.CallOption {
	return sdk.WithBackoff(sdk.BackoffStrategy{InitialInterval: time.Hour, MaxInterval: time.Hour, MaxElapsedTime: 2 * time.Hour})
}
