// The API-coverage check; its file name makes it run after every other test of the package.

package mlops

import "testing"

// Go runs the tests of a package in the order of their files' names, so this runs after every other test.
func TestZZEveryFunctionCalled(t *testing.T) {
	testEveryFunctionCalled(t)
}
