//go:build !unix

package dbsync

import "path/filepath"

// fileLock, without flock, locks within the process alone.
func fileLock(path string) (lock, error) {
	abs, err := filepath.Abs(path)
	if err != nil {
		return nil, err
	}
	return processLock(nil, abs)
}
