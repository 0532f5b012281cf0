package freezer

import (
	"syscall"
	"testing"
)

// parseInt reads numbers as the kernel's kstrtoint with base 0 does: the
// examples of DESIGN.md's version table, and the corners where Go's own
// base-0 parsing differs (0b, 0o, digit separators, garbage after a 64-bit
// overflow).
func TestParseIntAsKstrtoint(t *testing.T) {
	for _, tc := range []struct {
		in  string
		n   int64
		err error
	}{
		{"1", 1, nil}, {"0x1", 1, nil}, {"+1", 1, nil}, {"01", 1, nil}, {" 1 ", 1, nil}, {"00", 0, nil},
		{"0b1", 0, syscall.EINVAL}, {"0o1", 0, syscall.EINVAL}, {"0_1", 0, syscall.EINVAL}, {"1_0", 0, syscall.EINVAL},
		{"4294967296x", 0, syscall.EINVAL}, {"0x_1", 0, syscall.EINVAL}, {"99999999999999999999x", 0, syscall.ERANGE},
		{"1 2", 0, syscall.EINVAL}, {"true", 0, syscall.EINVAL}, {"", 0, syscall.EINVAL}, {"2147483648", 0, syscall.ERANGE},
		{"-2147483648", -2147483648, nil}, {"-1", -1, nil}, {"08", 0, syscall.EINVAL}, {"0x", 0, syscall.EINVAL}, {"-+1", 0, syscall.EINVAL},
		{"0xFFFFFFFF", 0, syscall.ERANGE}, {"18446744073709551615", 0, syscall.ERANGE}, {"18446744073709551616", 0, syscall.ERANGE},
	} {
		n, err := parseInt([]byte(tc.in))
		if n != tc.n || err != tc.err {
			t.Errorf("%q: %d %v, want %d %v", tc.in, n, err, tc.n, tc.err)
		}
	}
}
