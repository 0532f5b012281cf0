package freezer

import (
	"bytes"
	"fmt"
	"runtime"
	"strconv"
)

// The lock checker needs to know which goroutine is running, as lockdep reads
// current. current_getg.go finds it in a few instructions where it can;
// current_stack.go does it from goroutine ids alone. Both build on goid.

// goid returns the current goroutine's id, parsed from the first line of its
// stack trace: the runtime does not export it. It costs a microsecond or more.
func goid() uint64 {
	var buf [64]byte
	b := buf[:runtime.Stack(buf[:], false)]
	b = bytes.TrimPrefix(b, []byte("goroutine "))
	if i := bytes.IndexByte(b, ' '); i >= 0 {
		b = b[:i]
	}
	id, err := strconv.ParseUint(string(b), 10, 64)
	if err != nil {
		panic(fmt.Sprintf("freezer: cannot parse goroutine id from %q", b))
	}
	return id
}
